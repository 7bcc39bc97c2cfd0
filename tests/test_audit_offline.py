"""The offline audit applies OSV's rules to the locked versions, run as the documented command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

SCRIPT = Path(__file__).parent.parent / "scripts" / "audit_offline.py"


def advisory(directory: Path, name: str, **affected: object) -> None:
    record = {
        "id": name,
        "aliases": [f"CVE-{name}"],
        "affected": [{"package": {"name": "Some_Lib", "ecosystem": "PyPI"}, **affected}],
    }
    (directory / f"{name}.yaml").write_text(yaml.safe_dump(record))


def audit(database: Path, locked: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(database)],
        input=locked,
        capture_output=True,
        text=True,
        check=False,
    )


def test_listed_versions_and_ranges_are_found_and_fixed_ones_are_not(tmp_path: Path) -> None:
    advisory(tmp_path, "listed", versions=["1.0.1"])
    advisory(
        tmp_path,
        "ranged",
        ranges=[{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.0"}]}],
    )
    advisory(
        tmp_path,
        "last",
        ranges=[{"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"last_affected": "2.1"}]}],
    )
    (tmp_path / "withdrawn.json").write_text(
        '{"id": "gone", "withdrawn": "2024-01-01", "affected": [{"package": '
        '{"name": "some-lib", "ecosystem": "PyPI"}, "versions": ["1.2.0"]}]}'
    )
    old = audit(tmp_path, "some-lib==1.0.1 \\\n    --hash=sha256:00\n")
    assert old.returncode == 1
    assert "some-lib 1.0.1: listed (CVE-listed)" in old.stdout
    assert "some-lib 1.0.1: ranged" in old.stdout
    assert "1 locked packages against 4 records: 2 findings" in old.stdout
    assert audit(tmp_path, "some-lib==1.2.0\n").returncode == 0
    assert audit(tmp_path, "some-lib==2.1\n").returncode == 1
    assert audit(tmp_path, "some-lib==2.1.1\nother==2.1\n").returncode == 0


def test_an_empty_database_is_no_clean_audit(tmp_path: Path) -> None:
    found = audit(tmp_path, "some-lib==1.0\n")
    assert found.returncode == 2
    assert "no OSV records" in found.stderr
