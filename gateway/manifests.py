"""Reading Kubernetes objects from files as people have them.

Multi-document YAML, JSON (one document or several in a row, as ``kubectl get -o json``
run twice prints them), ``kind: List`` from ``kubectl get -o yaml`` and typed lists
(``PodList``) straight from the API, whose items carry no kind of their own; ``-`` is
standard input. A file that does not parse is reported with its path and line; the
other files still load. Every object keeps where it came from, so a later complaint
about it can say which document of which file to look at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml

SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
STDIN_SOURCE = "<stdin>"

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


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an object was read: its file, its document (from 1), its line, its List item."""

    source: str
    document: int
    line: int | None
    item: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        item = f", items[{self.item}]" if self.item is not None else ""
        return f"{where} (document {self.document}{item})"


@dataclass(slots=True)
class Loaded:
    objects: list[dict[str, Any]] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    origins: dict[int, Origin] = field(default_factory=dict)
    """By ``id()`` of each object in ``objects``, which this keeps alive."""

    def origin(self, obj: object) -> Origin:
        """Where an object of ``objects`` was read."""
        return self.origins[id(obj)]


def load_paths(paths: Iterable[str | Path], stdin: BinaryIO | None = None) -> Loaded:
    """Files, directories and ``-`` (``stdin``, read once, as UTF-8 like kubectl writes it)."""
    loaded = Loaded()
    for path in _files(paths, loaded, stdin):
        if path is None:
            _load_stdin(stdin, loaded)
        else:
            load_file(path, loaded)
    return loaded


def _files(
    paths: Iterable[str | Path], loaded: Loaded, stdin: BinaryIO | None
) -> Iterator[Path | None]:
    """The files to read in order; None stands for standard input."""
    read_stdin = False
    for raw in paths:
        if str(raw) == STDIN and stdin is not None:
            if read_stdin:
                loaded.errors.append(
                    LoadError(STDIN_SOURCE, None, "named more than once; read the first time only")
                )
            else:
                read_stdin = True
                yield None
            continue
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            yield path
        else:
            loaded.errors.append(LoadError(str(path), None, "no such file or directory"))


def _load_stdin(stdin: BinaryIO | None, loaded: Loaded) -> None:
    try:
        text = stdin.read().decode("utf-8") if stdin is not None else ""
    except (OSError, UnicodeDecodeError) as error:
        loaded.errors.append(LoadError(STDIN_SOURCE, None, f"cannot read: {error}"))
        return
    if not text.strip():
        loaded.errors.append(LoadError(STDIN_SOURCE, None, "no input (nothing was piped in)"))
        return
    load_text(text, STDIN_SOURCE, loaded, as_json=text.lstrip().startswith(("{", "[")))


def load_file(path: Path, loaded: Loaded) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        loaded.errors.append(LoadError(str(path), None, f"cannot read: {error}"))
        return
    load_text(text, str(path), loaded, as_json=path.suffix == ".json")


def load_text(text: str, source: str, loaded: Loaded, *, as_json: bool = False) -> None:
    """Parse one file's text; JSON is tried as JSON first so its errors name JSON lines."""
    if as_json or text.lstrip().startswith(("{", "[")):
        documents = _json_documents(text, source, loaded, report=as_json)
        if documents is not None:
            _add_documents(documents, source, loaded)
            return
    number = 0
    for first_line, chunk in _split_documents(text):
        try:
            document = yaml.load(chunk, Loader=_Loader)
        except yaml.YAMLError as error:
            number += 1
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
        if document is not None:
            number += 1
            _add_documents(
                [(number, _first_content_line(chunk, first_line), document)], source, loaded
            )


def _json_documents(
    text: str, source: str, loaded: Loaded, *, report: bool
) -> list[tuple[int, int, object]] | None:
    """(document number, line, value) of each JSON value in a row; None when the text is
    not JSON and ``report`` is off (it may be YAML in flow style)."""
    decoder = json.JSONDecoder()
    documents: list[tuple[int, int, object]] = []
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index == len(text):
            return documents
        try:
            value, end = decoder.raw_decode(text, index)
        except json.JSONDecodeError as error:
            if not report and not documents:
                return None
            loaded.errors.append(LoadError(source, error.lineno, f"invalid JSON: {error.msg}"))
            return documents
        documents.append((len(documents) + 1, text.count("\n", 0, index) + 1, value))
        index = end


def _first_content_line(chunk: str, first_line: int) -> int:
    """The line a document's content starts on, past its ``---`` and leading comments."""
    for offset, line in enumerate(chunk.splitlines()):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not _SEPARATOR.match(stripped):
            return first_line + offset
    return first_line


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


def _add_documents(documents: list[tuple[int, int, object]], source: str, loaded: Loaded) -> None:
    for number, line, document in documents:
        if not isinstance(document, Mapping):
            loaded.errors.append(
                LoadError(
                    source, line, f"expected a Kubernetes object, found a {type(document).__name__}"
                )
            )
            continue
        _add_object(dict(document), Origin(source, number, line), loaded)


def _add_object(obj: dict[str, Any], origin: Origin, loaded: Loaded) -> None:
    kind = obj.get("kind")
    if not isinstance(kind, str) or not kind:
        loaded.errors.append(LoadError(origin.source, origin.line, "object has no kind"))
        return
    if kind.endswith("List") and isinstance(obj.get("items"), list):
        item_kind = kind[: -len("List")]
        version = obj.get("apiVersion")
        for index, item in enumerate(obj["items"]):
            if not isinstance(item, Mapping):
                loaded.errors.append(
                    LoadError(origin.source, origin.line, f"items[{index}] is not an object")
                )
                continue
            entry = dict(item)
            if item_kind and "kind" not in entry:
                entry["kind"] = item_kind
                if isinstance(version, str):
                    entry.setdefault("apiVersion", version)
            _add_object(entry, Origin(origin.source, origin.document, origin.line, index), loaded)
        return
    loaded.objects.append(obj)
    loaded.origins[id(obj)] = origin
