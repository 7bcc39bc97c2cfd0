"""Audit the locked versions against an OSV advisory database on disk, for machines where
pip-audit cannot reach its services (scripts/audit-deps is the first choice).

The database is a folder of OSV records, one per file (YAML or JSON), as the PyPA
advisory database (github.com/pypa/advisory-database, its ``vulns`` folder) or OSV's
PyPI export (``all.zip``, unpacked) hold them. A version is affected when a record lists
it, or when it lies in one of the record's ECOSYSTEM ranges (introduced .. fixed, or
last_affected). It prints one line per finding and what it checked; exit 1 when anything
is affected, 2 when the database holds no records.

Usage: python scripts/audit_offline.py DATABASE_DIR < requirements.txt
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PINNED = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


def pinned(lines: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        match = PINNED.match(line.strip())
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def records(database: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(database.rglob("*")):
        if path.suffix in (".yaml", ".yml"):
            loaded = yaml.safe_load(path.read_text())
        elif path.suffix == ".json":
            loaded = json.loads(path.read_text())
        else:
            continue
        if isinstance(loaded, dict):
            yield loaded


def _in_range(version: Version, events: list[dict[str, str]]) -> bool:
    """OSV's ECOSYSTEM range: events in order, each introduced opening and each fixed
    (excluded) or last_affected (included) closing an affected span."""
    affected = False
    for event in sorted(events, key=lambda e: _order(next(iter(e.values())))):
        (kind, raw), *_ = event.items()
        at = _order(raw)
        if kind == "introduced" and version >= at:
            affected = True
        elif (kind == "fixed" and version >= at) or (kind == "last_affected" and version > at):
            affected = False
    return affected


def _order(raw: str) -> Version:
    return Version("0") if raw == "0" else Version(raw)


def affects(record: dict[str, Any], name: str, version: str) -> bool:
    try:
        parsed = Version(version)
    except InvalidVersion:
        return False
    for affected in record.get("affected") or ():
        package = affected.get("package") or {}
        if package.get("ecosystem") != "PyPI" or canonicalize_name(package.get("name", "")) != name:
            continue
        if version in (affected.get("versions") or ()):
            return True
        for span in affected.get("ranges") or ():
            if span.get("type") == "ECOSYSTEM" and _in_range(parsed, span.get("events") or []):
                return True
    return False


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    locked = pinned(sys.stdin)
    checked = 0
    findings: list[str] = []
    for record in records(Path(argv[1])):
        checked += 1
        if record.get("withdrawn"):
            continue
        for name, version in locked.items():
            if affects(record, name, version):
                aliases = ", ".join(record.get("aliases") or ())
                findings.append(f"{name} {version}: {record.get('id')} ({aliases})")
    if not checked:
        print(f"no OSV records under {argv[1]}", file=sys.stderr)
        return 2
    for line in findings:
        print(line)
    print(f"{len(locked)} locked packages against {checked} records: {len(findings)} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
