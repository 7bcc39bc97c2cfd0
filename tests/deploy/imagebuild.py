"""Replays the Dockerfile on this machine, where no container engine runs.

The build context is cut by the .dockerignore rules as docker-py cuts it; a fresh
virtual environment stands in for the base image's Python; every absolute path of the
image is moved under a scratch root. The build stage's ENV, WORKDIR, COPY and RUN steps
run as written (``/bin/sh -c``, like the engine), then the runtime stage's ENV, WORKDIR
and ``COPY --from``. The runtime stage's RUN (adding the user) is not replayed, as it
would change this machine's users; the rule tests check it instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from docker.utils.build import exclude_paths

from tests.deploy.dockerfile import DOCKERIGNORE, ROOT, Instruction, Stage, parse, substitute

PASSED_THROUGH = ("PIP_", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "SSL_CERT_", "REQUESTS_CA_")


class ReplayError(AssertionError):
    """A step failed; the message names its line and carries its output."""


def ignore_patterns() -> list[str]:
    lines = (line.strip() for line in DOCKERIGNORE.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def context_files() -> list[str]:
    """Relative paths of the files an image build receives, after .dockerignore."""
    kept = exclude_paths(str(ROOT), ignore_patterns())
    return sorted(p for p in kept if (ROOT / p).is_file())


def write_context(target: Path) -> None:
    for relative in context_files():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, destination)


def machine_environment(python_bin: Path, home: Path) -> dict[str, str]:
    """What a fresh base image offers: its Python first on PATH, plus this machine's
    package-index settings (an engine would get its proxy and index settings too)."""
    env = {
        "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
    }
    for key, value in os.environ.items():
        if key.upper().startswith(PASSED_THROUGH):
            env[key] = value
    return env


@dataclass
class StageRun:
    """One stage being replayed: its environment and working directory, re-rooted."""

    root: Path
    context: Path
    env: dict[str, str]
    cwd: Path

    def relocate(self, raw: str) -> str:
        """A word as the engine reads it (quotes removed, variables expanded except in single
        quotes), an image path moved under the scratch root; variables already hold
        re-rooted values."""
        literal = len(raw) >= 2 and raw[0] == raw[-1] == "'"
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
            raw = raw[1:-1]
        if raw.startswith("/"):
            return str(self.root) + raw
        return raw if literal else substitute(raw, self.env)

    def apply(self, instruction: Instruction, *, run_commands: bool) -> None:
        match instruction.command:
            case "ENV":
                for key, raw in instruction.pairs():
                    self.env[key] = self.relocate(raw)
            case "WORKDIR":
                self.cwd = Path(self.relocate(instruction.value[0]))
                self.cwd.mkdir(parents=True, exist_ok=True)
            case "COPY":
                self.copy(instruction)
            case "RUN" if run_commands:
                self.run(instruction)

    def copy(self, instruction: Instruction) -> None:
        *sources, target = (self.relocate(v) for v in instruction.value)
        destination = Path(target) if Path(target).is_absolute() else self.cwd / target
        if instruction.flag("from") is not None:
            for source in sources:
                if Path(source) != destination:
                    shutil.copytree(source, destination, symlinks=True, dirs_exist_ok=True)
            return
        for source in sources:
            path = self.context / source
            if path.is_dir():
                shutil.copytree(path, destination, dirs_exist_ok=True)
            else:
                destination.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination / path.name)

    def run(self, instruction: Instruction) -> None:
        assert not instruction.json, f"line {instruction.line}: RUN in exec form"
        done = subprocess.run(
            ["/bin/sh", "-c", instruction.value[0]],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise ReplayError(
                f"Dockerfile line {instruction.line} exited {done.returncode}:\n"
                f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )


@dataclass(frozen=True, slots=True)
class ReplayedImage:
    root: Path
    env: dict[str, str]
    runtime: Stage

    def path(self, image_path: str) -> Path:
        return self.root / image_path.lstrip("/")

    def exec_form(self, command: str) -> list[str]:
        instruction = self.runtime.last(command)
        assert instruction.json, f"{command} must use the exec (JSON) form"
        return list(instruction.value)

    def relocate_argument(self, argument: str) -> str:
        """``--state-dir=/var/...`` points under the scratch root; other arguments stay."""
        name, equals, value = argument.partition("=")
        if equals and value.startswith("/"):
            return f"{name}={self.root}{value}"
        return argument


def replay(scratch: Path) -> ReplayedImage:
    stages = parse()
    build, runtime = stages[0], stages[-1]
    context = scratch / "context"
    write_context(context)
    base = scratch / "base-python"
    subprocess.run([sys.executable, "-m", "venv", str(base)], check=True)
    home = scratch / "home"
    home.mkdir()
    root = scratch / "image"
    root.mkdir()
    environment = machine_environment(base / "bin", home)
    building = StageRun(root, context, dict(environment), root)
    for instruction in build.instructions:
        building.apply(instruction, run_commands=True)
    running = StageRun(root, context, dict(environment), root)
    for instruction in runtime.instructions:
        running.apply(instruction, run_commands=False)
    return ReplayedImage(root, running.env, runtime)
