"""Write simcluster/protoschemas/ from Kubernetes' generated.proto files and Go types.

The simulated API server decodes the protobuf bodies client-go sends (``kubectl create
deployment`` ...) into the dicts their JSON form would give. generated.proto has the
field numbers and wire types; the Go types beside it have what JSON needs and the
.proto lacks: the JSON name, whether a zero value is written (a pointer, or no
omitempty), which embedded structs are inlined, and which types write their JSON by
hand (Time, Quantity, IntOrString...). Both are read from git, so the output names the
commits it came from; the protobuf tag of every Go field must agree with the .proto
(number and name), or this stops.

Only the messages reachable from the kinds simcluster serves (simcluster.resources),
plus autoscaling/v1 Scale and meta/v1 DeleteOptions, are written.

Run: ``.venv/bin/python scripts/generate_kubeproto.py API_GIT APIMACHINERY_GIT TAG`` with
the git directories (bare or not) of kubernetes/api and kubernetes/apimachinery and
the tag of both matching the version simcluster claims (v0.32.13 for 1.32): the JSON
rules change between versions (1.33 stops writing a zero creationTimestamp).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simcluster.protoschemas.field import Field  # noqa: E402
from simcluster.resources import SERVED  # noqa: E402

TARGET = ROOT / "simcluster" / "protoschemas"
MAX_LINES = 450
"""A generated module is split before it passes this many lines."""

GROUP_PACKAGES = {
    "": "core",
    "apps": "apps",
    "batch": "batch",
    "autoscaling": "autoscaling",
    "rbac.authorization.k8s.io": "rbac",
    "authentication.k8s.io": "authentication",
    "authorization.k8s.io": "authorization",
}
EXTRA_ROOTS = {
    ("autoscaling/v1", "Scale"): "autoscaling.v1.Scale",
    ("meta.k8s.io/v1", "DeleteOptions"): "meta.v1.DeleteOptions",
}
"""Bodies sent to a subresource or with a DELETE, not kinds of their own."""
ENVELOPE = "runtime.Unknown"
"""What every protobuf body is wrapped in, after the ``k8s\\x00`` magic."""

APIMACHINERY_DIRS = {
    "meta.v1": "pkg/apis/meta/v1",
    "resource": "pkg/api/resource",
    "intstr": "pkg/util/intstr",
    "runtime": "pkg/runtime",
    "runtime.schema": "pkg/runtime/schema",
}
PROTO_PREFIXES = (
    "k8s.io.api.",
    "k8s.io.apimachinery.pkg.apis.",
    "k8s.io.apimachinery.pkg.api.",
    "k8s.io.apimachinery.pkg.util.",
    "k8s.io.apimachinery.pkg.",
)
SCALARS = frozenset({"string", "bytes", "bool", "int32", "int64"})
"""The proto scalars simcluster/kubeproto.py decodes: all the served kinds use."""
JSON_OPTIONS = frozenset({"omitempty", "inline"})

_MESSAGE = re.compile(r"^message (\w+) \{$")
_FIELD = re.compile(r"^\s+(optional|repeated) (\S+) (\w+) = (\d+);$")
_MAP = re.compile(r"^\s+map<string, (\S+)> (\w+) = (\d+);$")
_STRUCT = re.compile(r"^type (\w+) struct \{$")
_NAMED_SLICE = re.compile(r"^type (\w+) \[\](\w+)$")
_GO_FIELD = re.compile(r"^\t(?:(\w+)\s+)?(\S+)\s+`([^`]*)`$")
_TAG = re.compile(r'(\w+):"([^"]*)"')
_MARSHAL_JSON = re.compile(r"^func \(\w+ \*?(\w+)\) MarshalJSON\(\)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class ProtoField:
    number: int
    name: str
    type: str
    """Short form: ``string``, ``core.v1.PodSpec``, ``[]string``, ``map[string]string``."""


@dataclass(frozen=True, slots=True)
class GoField:
    json: str
    keep_zero: bool
    proto_name: str
    """As the Go protobuf tag names it; "" when it does not (an embedded struct)."""


@dataclass(slots=True)
class Package:
    """One proto package: its messages and what its Go types say about them."""

    messages: dict[str, list[ProtoField]] = field(default_factory=dict)
    go_fields: dict[str, dict[int, GoField]] = field(default_factory=dict)
    custom_json: set[str] = field(default_factory=set)
    named_slices: set[str] = field(default_factory=set)


class Source:
    def __init__(self, api_git: Path, apimachinery_git: Path, tag: str) -> None:
        self.api = api_git
        self.apimachinery = apimachinery_git
        self.tag = tag
        self.packages: dict[str, Package] = {}

    def commit(self, git_dir: Path) -> str:
        return _git(git_dir, "rev-parse", f"{self.tag}^{{commit}}").strip()

    def _location(self, package: str) -> tuple[Path, str]:
        if package in APIMACHINERY_DIRS:
            return self.apimachinery, APIMACHINERY_DIRS[package]
        group, version = package.split(".")
        return self.api, f"{group}/{version}"

    def package(self, name: str) -> Package:
        if name not in self.packages:
            git_dir, directory = self._location(name)
            files = _git(git_dir, "ls-tree", "--name-only", self.tag, f"{directory}/").split()
            loaded = Package()
            _read_proto(loaded, _git(git_dir, "show", f"{self.tag}:{directory}/generated.proto"))
            for path in files:
                if _is_go_source(path):
                    _read_go(loaded, _git(git_dir, "show", f"{self.tag}:{path}"))
            self.packages[name] = loaded
        return self.packages[name]


def _git(git_dir: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), *args], check=True, capture_output=True, text=True
    ).stdout


def _is_go_source(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (
        name.endswith(".go")
        and not name.endswith("_test.go")
        and not name.startswith(("zz_generated", "generated."))
    )


def short_name(qualified: str) -> str:
    """``k8s.io.api.core.v1.PodSpec`` -> ``core.v1.PodSpec``."""
    for prefix in PROTO_PREFIXES:
        if qualified.startswith(prefix):
            return qualified[len(prefix) :]
    raise SystemExit(f"unexpected proto type {qualified}")


def _proto_type(package: str, written: str) -> str:
    if written.startswith("."):
        return short_name(written[1:])
    return written if written.islower() else f"{package}.{written}"


def _read_proto(package: Package, text: str) -> None:
    name = short_name(re.search(r"^package ([\w.]+);$", text, re.MULTILINE)[1])  # type: ignore[index]
    current: list[ProtoField] | None = None
    for line in text.splitlines():
        if line.lstrip().startswith("//"):
            continue
        started = _MESSAGE.match(line)
        if started:
            current = package.messages.setdefault(started[1], [])
            continue
        if line == "}":
            current = None
            continue
        if current is None:
            continue
        plain = _FIELD.match(line)
        mapped = _MAP.match(line)
        if plain:
            label, written, field_name, number = plain.groups()
            kind = _proto_type(name, written)
            current.append(
                ProtoField(int(number), field_name, f"[]{kind}" if label == "repeated" else kind)
            )
        elif mapped:
            written, field_name, number = mapped.groups()
            current.append(
                ProtoField(int(number), field_name, f"map[string]{_proto_type(name, written)}")
            )
        elif line.strip() and not line.strip().startswith("option "):
            raise SystemExit(f"{name}: cannot read proto line {line!r}")


def _read_go(package: Package, text: str) -> None:
    package.custom_json.update(_MARSHAL_JSON.findall(text))
    struct: dict[int, GoField] | None = None
    for line in text.splitlines():
        started = _STRUCT.match(line)
        if started:
            struct = package.go_fields.setdefault(started[1], {})
            continue
        sliced = _NAMED_SLICE.match(line)
        if sliced:
            package.named_slices.add(sliced[1])
            continue
        if line == "}":
            struct = None
            continue
        found = _GO_FIELD.match(line) if struct is not None else None
        if struct is None or found is None:
            continue
        go_name, go_type, tags = found.groups()
        parsed: dict[str, str] = dict(_TAG.findall(tags))
        if parsed.get("protobuf", "-") == "-":
            continue
        wire = parsed["protobuf"].split(",")
        number = int(wire[1])
        proto_name = next((p[5:] for p in wire if p.startswith("name=")), "")
        json_name, *options = parsed.get("json", go_name or "").split(",")
        unknown = set(options) - JSON_OPTIONS
        if unknown:
            raise SystemExit(f"json tag options {unknown} on {line.strip()!r} are not handled")
        if json_name == "-":
            json_name = proto_name
        struct[number] = GoField(
            json="" if "inline" in options else json_name,
            keep_zero=go_type.startswith("*") or "omitempty" not in options,
            proto_name=proto_name,
        )


def _split(qualified: str) -> tuple[str, str]:
    package, _, message = qualified.rpartition(".")
    return package, message


def _message_types(kind: str) -> Iterator[str]:
    inner = kind.removeprefix("[]").removeprefix("map[string]")
    if "." in inner:
        yield inner
    elif inner not in SCALARS:
        raise SystemExit(f"proto type {inner} is not handled by simcluster/kubeproto")


@dataclass(frozen=True, slots=True)
class Emitted:
    """A message as the schema modules write it."""

    qualified: str
    fields: list[tuple[int, Field]]


def collect(source: Source, roots: list[str]) -> tuple[list[Emitted], set[str], set[str]]:
    """Every message reachable from the roots, and which write custom JSON or are lists."""
    seen: set[str] = set()
    order: list[str] = list(roots)
    emitted: list[Emitted] = []
    custom: set[str] = set()
    lists: set[str] = set()
    while order:
        qualified = order.pop()
        if qualified in seen:
            continue
        seen.add(qualified)
        package_name, message = _split(qualified)
        package = source.package(package_name)
        if message not in package.messages:
            raise SystemExit(f"{qualified} is not in {package_name}'s generated.proto")
        go = package.go_fields.get(message, {})
        by_hand = message in package.custom_json
        if by_hand and qualified != ENVELOPE:
            custom.add(qualified)
        if message in package.named_slices:
            lists.add(qualified)
        rows: list[tuple[int, Field]] = []
        for proto in package.messages[message]:
            known = go.get(proto.number)
            if known is None or by_hand:
                rows.append((proto.number, Field(proto.name, proto.type, keep_zero=True)))
            else:
                _agree(qualified, proto, known)
                rows.append((proto.number, Field(known.json, proto.type, known.keep_zero)))
            order.extend(_message_types(proto.type))
        if go and not by_hand and set(go) - {p.number for p in package.messages[message]}:
            raise SystemExit(f"{qualified}: Go fields {sorted(go)} not all in generated.proto")
        emitted.append(Emitted(qualified, rows))
    return sorted(emitted, key=lambda e: e.qualified), custom, lists


def _agree(qualified: str, proto: ProtoField, go: GoField) -> None:
    """Number and name must match; "rep" is not checked, as a few Go tags have it wrong
    (PodStatus.qosClass says rep, ServiceSpec.loadBalancerSourceRanges says opt)."""
    if go.proto_name not in ("", proto.name):
        raise SystemExit(f"{qualified} field {proto.number}: Go tag and generated.proto disagree")


def roots() -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for resource in SERVED:
        package = GROUP_PACKAGES[resource.group]
        message = f"{package}.{resource.version}.{resource.kind}"
        found[(resource.api_version, resource.kind)] = message
    return {**found, **EXTRA_ROOTS}


def _message_lines(message: Emitted) -> list[str]:
    lines = [f'    "{message.qualified}": {{']
    for number, described in message.fields:
        keep = ", keep_zero=True" if described.keep_zero and described.type in SCALARS else ""
        lines.append(f'        {number}: Field("{described.name}", "{described.type}"{keep}),')
    lines.append("    },")
    return lines


def _module_text(title: str, provenance: str, messages: list[Emitted]) -> str:
    body = [line for message in messages for line in _message_lines(message)]
    return "\n".join(
        [
            f'"""Protobuf field numbers of {title}.',
            "",
            provenance,
            '"""',
            "",
            "from simcluster.protoschemas.field import Field, Messages",
            "",
            "MESSAGES: Messages = {",
            *body,
            "}",
            "",
        ]
    )


def _chunks(messages: list[Emitted]) -> list[list[Emitted]]:
    chunks: list[list[Emitted]] = [[]]
    size = 0
    for message in messages:
        lines = len(message.fields) + 2
        if chunks[-1] and size + lines > MAX_LINES:
            chunks.append([])
            size = 0
        chunks[-1].append(message)
        size += lines
    return chunks


def write(source: Source) -> list[str]:
    kinds = roots()
    messages, custom, lists = collect(source, sorted({ENVELOPE, *kinds.values()}))
    provenance = (
        "Written by scripts/generate_kubeproto.py from generated.proto and the Go types of\n"
        f"kubernetes/api and kubernetes/apimachinery {source.tag} (commits\n"
        f"{source.commit(source.api)[:12]} and {source.commit(source.apimachinery)[:12]}): "
        "regenerate, do not edit."
    )
    by_package: dict[str, list[Emitted]] = {}
    for message in messages:
        by_package.setdefault(_split(message.qualified)[0], []).append(message)
    modules: list[str] = []
    for package, members in sorted(by_package.items()):
        chunks = _chunks(members)
        for chunk in chunks:
            module = package.replace(".", "_")
            title = package.replace(".", "/")
            if len(chunks) > 1:
                first, last = _split(chunk[0].qualified)[1], _split(chunk[-1].qualified)[1]
                module += f"_{first[0].lower()}_to_{last[0].lower()}"
                title += f" ({first} to {last})"
            (TARGET / f"{module}.py").write_text(_module_text(title, provenance, chunk))
            modules.append(module)
    (TARGET / "__init__.py").write_text(_index_text(provenance, modules, kinds, custom, lists))
    return modules


def _index_text(
    provenance: str,
    modules: list[str],
    kinds: dict[tuple[str, str], str],
    custom: set[str],
    lists: set[str],
) -> str:
    merged = [f"    **{module}.MESSAGES," for module in modules]
    kind_lines = [f'    ("{v}", "{k}"): "{m}",' for (v, k), m in sorted(kinds.items())]
    return "\n".join(
        [
            '"""The protobuf schemas of every body simcluster decodes, by message and by kind.',
            "",
            provenance,
            '"""',
            "",
            f"from simcluster.protoschemas import {', '.join(modules)}",
            "from simcluster.protoschemas.field import Messages",
            "",
            "MESSAGES: Messages = {",
            *merged,
            "}",
            "KINDS: dict[tuple[str, str], str] = {",
            *kind_lines,
            "}",
            '"""(apiVersion, kind) of a body -> the message it is."""',
            f'ENVELOPE = "{ENVELOPE}"',
            "CUSTOM_JSON = frozenset({",
            *[f'    "{name}",' for name in sorted(custom)],
            "})",
            '"""Messages whose Go type writes its own JSON (Time as a string...)."""',
            "LISTS = frozenset({",
            *[f'    "{name}",' for name in sorted(lists)],
            "})",
            '"""Messages wrapping a Go slice type: their JSON is the list of their items."""',
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("api_git", type=Path, help="git directory of kubernetes/api")
    parser.add_argument("apimachinery_git", type=Path, help="git directory of ...apimachinery")
    parser.add_argument("tag", help="the tag of both to read, e.g. v0.32.13")
    arguments = parser.parse_args()
    TARGET.mkdir(exist_ok=True)
    modules = write(Source(arguments.api_git, arguments.apimachinery_git, arguments.tag))
    subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(TARGET)], check=True)
    print(f"wrote {len(modules)} schema modules to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
