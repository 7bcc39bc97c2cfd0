"""The project's import graph, read from the source with ``ast`` (nothing is imported).

Every import statement counts, wherever it is: at the top, inside a function, under
``if TYPE_CHECKING:``. A circle through a function-level import still ties the two
packages together (neither can be understood, tested or moved without the other),
and an annotation-only import is still a dependency a reader has to follow.

The graph's nodes are the units the layering speaks of: each subpackage of
``gateway`` (``gateway.store``), each top-level module of ``gateway``
(``gateway.service``), the ``gateway`` package's own ``__init__``, and the
``schema`` and ``simcluster`` packages whole.
"""

from __future__ import annotations

import ast
import collections
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gateway", "schema", "simcluster")


@dataclass(frozen=True, slots=True)
class Import:
    """One imported module, where the import statement is."""

    path: Path
    """The importing file, relative to the root."""
    line: int
    importer: str
    target: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def module_files(root: Path, packages: Sequence[str] = PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file (relative to ``root``), for every module of the packages."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            parts = relative.with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = relative
    return found


def _base_of(importer: str, is_package: bool, level: int) -> str:
    """The package a relative import (``from .x``, ``from ..x``) starts from."""
    parts = importer.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join(parts)


def _targets(
    node: ast.AST, importer: str, is_package: bool, known: Mapping[str, Path]
) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = _base_of(importer, is_package, node.level)
        module = f"{base}.{node.module}" if node.module else base
    else:
        module = node.module or ""
    # ``from gateway import metrics`` imports the module gateway.metrics, not the package.
    return [
        f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module
        for alias in node.names
    ]


def imports(root: Path = ROOT, packages: Sequence[str] = PACKAGES) -> list[Import]:
    """Every import, anywhere in every module of the packages, of a module of the packages."""
    known = module_files(root, packages)
    found: set[Import] = set()
    for importer, path in known.items():
        tree = ast.parse((root / path).read_text(), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            for target in _targets(node, importer, is_package, known):
                if target.split(".")[0] in packages:
                    found.add(Import(path, getattr(node, "lineno", 0), importer, target))
    return sorted(found, key=lambda i: (str(i.path), i.line, i.target))


def node_of(module: str) -> str:
    """The layering unit a module belongs to (see the module docstring)."""
    parts = module.split(".")
    if parts[0] == "gateway" and len(parts) > 1:
        return f"gateway.{parts[1]}"
    return parts[0]


def nodes(root: Path = ROOT, packages: Sequence[str] = PACKAGES) -> set[str]:
    return {node_of(module) for module in module_files(root, packages)}


Edges = dict[tuple[str, str], list[Import]]


def edges(found: Iterable[Import]) -> Edges:
    """(importing node, imported node) -> the imports that make the edge."""
    graph: Edges = collections.defaultdict(list)
    for imported in found:
        ends = (node_of(imported.importer), node_of(imported.target))
        if ends[0] != ends[1]:
            graph[ends].append(imported)
    return dict(graph)


def _strongly_connected(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; the graph is small, so plain recursion is fine."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def _shortest_circle(graph: Mapping[str, set[str]], start: str, members: set[str]) -> list[str]:
    """The shortest path start -> ... -> start inside one strongly connected component."""
    previous: dict[str, str] = {}
    queue = collections.deque([start])
    while queue:
        node = queue.popleft()
        for successor in sorted(graph.get(node, set()) & members):
            if successor == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if successor not in previous:
                previous[successor] = node
                queue.append(successor)
    raise AssertionError(f"{start} is in a component without a circle through it")


@dataclass(frozen=True, slots=True)
class Circle:
    """Nodes that import each other, and one concrete circle through them."""

    members: tuple[str, ...]
    path: tuple[str, ...]
    graph: Edges

    def describe(self) -> str:
        lines = [f"packages in an import circle: {', '.join(self.members)}"]
        lines.append(f"  for example {' -> '.join(self.path)}:")
        for source, target in zip(self.path, self.path[1:], strict=False):
            made_by = ", ".join(i.where for i in self.graph[(source, target)])
            lines.append(f"    {source} -> {target}: {made_by}")
        every = [
            f"    {source} -> {target}: {', '.join(i.where for i in found)}"
            for (source, target), found in sorted(self.graph.items())
            if source in self.members and target in self.members
        ]
        return "\n".join([*lines, "  every import inside it:", *every])


def circles(graph: Edges) -> list[Circle]:
    successors: dict[str, set[str]] = collections.defaultdict(set)
    for source, target in graph:
        successors[source].add(target)
    found = []
    for component in _strongly_connected(successors):
        path = _shortest_circle(successors, component[0], set(component))
        found.append(Circle(tuple(component), tuple(path), graph))
    return found


def layer_violations(graph: Edges, layers: Sequence[Sequence[str]]) -> Iterator[str]:
    """Imports of a node in the same layer or a higher one, each said with its files."""
    level = {node: number for number, layer in enumerate(layers) for node in layer}
    for (source, target), found in sorted(graph.items()):
        if source not in level or target not in level or level[target] < level[source]:
            continue
        relation = "the same layer as" if level[target] == level[source] else "a layer above"
        yield (
            f"{source} (layer {level[source]}) imports {target}, which is in {relation} it: "
            f"{', '.join(i.where for i in found)}"
        )
