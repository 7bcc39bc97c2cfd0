"""The project's Dockerfile as stages, read by BuildKit's own parser (the ``dockerfile`` package).

The tests check the file's rules and replay its build steps; both need the same view
of it, with the base image's ``ARG`` already substituted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import dockerfile  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


@dataclass(frozen=True, slots=True)
class Instruction:
    command: str
    flags: tuple[str, ...]
    value: tuple[str, ...]
    json: bool
    line: int

    def flag(self, name: str) -> str | None:
        for flag in self.flags:
            key, _, value = flag.partition("=")
            if key == f"--{name}":
                return value
        return None

    def pairs(self) -> list[tuple[str, str]]:
        """``ENV``/``LABEL`` key-value pairs (the parser hands them over flattened)."""
        return list(zip(self.value[::2], self.value[1::2], strict=True))


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    base: str
    instructions: tuple[Instruction, ...]

    def all(self, command: str) -> list[Instruction]:
        return [i for i in self.instructions if i.command == command]

    def last(self, command: str) -> Instruction:
        found = self.all(command)
        assert found, f"stage {self.name} has no {command}"
        return found[-1]


def substitute(text: str, variables: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: variables.get(m[1] or m[2], m[0]), text)


def parse(path: Path = DOCKERFILE) -> list[Stage]:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    name = base = ""
    body: list[Instruction] = []
    for command in dockerfile.parse_file(str(path)):
        instruction = Instruction(
            command.cmd.upper(),
            tuple(command.flags),
            tuple(command.value),
            bool(command.json),
            int(command.start_line),
        )
        if instruction.command == "FROM":
            if base:
                stages.append(Stage(name, base, tuple(body)))
            value = instruction.value
            base = substitute(value[0], global_args)
            name = value[2] if len(value) == 3 and value[1].upper() == "AS" else str(len(stages))
            body = []
        elif not base and instruction.command == "ARG":
            key, _, default = instruction.value[0].partition("=")
            global_args[key] = default
        else:
            body.append(instruction)
    if base:
        stages.append(Stage(name, base, tuple(body)))
    return stages
