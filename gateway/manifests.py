"""Reading Kubernetes objects from files as people have them.

Multi-document YAML, JSON, ``kind: List`` from ``kubectl get -o yaml`` and typed lists
(``PodList``) straight from the API, whose items carry no kind of their own. A file
that does not parse is reported with its path and line; the other files still load.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SUFFIXES = (".yaml", ".yml", ".json")

_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML was built with it: several times faster on large lists."""


class _Loader(_BASE_LOADER):  # type: ignore[misc]
    """Safe loading, but timestamps stay strings.

    The API server's timestamps are RFC 3339 strings and the engine reads them as such;
    a hand-written ``creationTimestamp: 2026-11-25T06:00:00Z`` (unquoted) would otherwise
    become a datetime object and silently lose its meaning.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, slots=True)
class LoadError:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass(slots=True)
class Loaded:
    objects: list[dict[str, Any]] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)


def load_paths(paths: Iterable[str | Path]) -> Loaded:
    loaded = Loaded()
    for path in _files(paths, loaded):
        load_file(path, loaded)
    return loaded


def _files(paths: Iterable[str | Path], loaded: Loaded) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            yield path
        else:
            loaded.errors.append(LoadError(str(path), None, "no such file or directory"))


def load_file(path: Path, loaded: Loaded) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        loaded.errors.append(LoadError(str(path), None, f"cannot read: {error}"))
        return
    load_text(text, str(path), loaded, as_json=path.suffix == ".json")


def load_text(text: str, source: str, loaded: Loaded, *, as_json: bool = False) -> None:
    """Parse one file's text; JSON is tried as JSON first so its errors name JSON lines."""
    documents: list[tuple[int | None, object]]
    if as_json or text.lstrip().startswith(("{", "[")):
        try:
            documents = [(1, json.loads(text))]
        except json.JSONDecodeError as error:
            if as_json:
                loaded.errors.append(LoadError(source, error.lineno, f"invalid JSON: {error.msg}"))
                return
            documents = []
        if documents:
            _add_documents(documents, source, loaded)
            return
    for first_line, chunk in _split_documents(text):
        try:
            documents = [(first_line, yaml.load(chunk, Loader=_Loader))]
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
            line = first_line + mark.line if mark is not None else first_line
            problem = getattr(error, "problem", None) or str(error)
            context = getattr(error, "context", None)
            started = getattr(error, "context_mark", None)
            if context and started is not None and mark is not None and started.line != mark.line:
                # The parser notices an unclosed bracket lines later; say where it opened.
                problem = f"{problem} ({context} that starts at line {first_line + started.line})"
            loaded.errors.append(LoadError(source, line, f"invalid YAML: {problem}"))
            continue
        _add_documents(documents, source, loaded)


_SEPARATOR = re.compile(r"^---(?:[ \t].*)?$")


def _split_documents(text: str) -> Iterator[tuple[int, str]]:
    """Documents with their first line, parsed one by one so one bad document costs only itself.

    Manifests never hold a top-level block scalar, so a line starting with ``---`` is
    always a separator.
    """
    lines = text.splitlines(keepends=True)
    start = 0
    for index, line in enumerate(lines):
        if _SEPARATOR.match(line.rstrip("\r\n")):
            yield start + 1, "".join(lines[start:index])
            start = index
    yield start + 1, "".join(lines[start:])


def _add_documents(documents: list[tuple[int | None, object]], source: str, loaded: Loaded) -> None:
    for line, document in documents:
        if document is None:
            continue
        if not isinstance(document, Mapping):
            loaded.errors.append(
                LoadError(
                    source, line, f"expected a Kubernetes object, found a {type(document).__name__}"
                )
            )
            continue
        _add_object(dict(document), source, line, loaded)


def _add_object(obj: dict[str, Any], source: str, line: int | None, loaded: Loaded) -> None:
    kind = obj.get("kind")
    if not isinstance(kind, str) or not kind:
        loaded.errors.append(LoadError(source, line, "object has no kind"))
        return
    if kind.endswith("List") and isinstance(obj.get("items"), list):
        item_kind = kind[: -len("List")]
        version = obj.get("apiVersion")
        for index, item in enumerate(obj["items"]):
            if not isinstance(item, Mapping):
                loaded.errors.append(LoadError(source, line, f"items[{index}] is not an object"))
                continue
            entry = dict(item)
            if item_kind and "kind" not in entry:
                entry["kind"] = item_kind
                if isinstance(version, str):
                    entry.setdefault("apiVersion", version)
            _add_object(entry, source, line, loaded)
        return
    loaded.objects.append(obj)
