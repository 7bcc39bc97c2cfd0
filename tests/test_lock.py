"""uv.lock is what the project's own tooling installs: it must agree with pyproject.toml, or a
dependency added without relocking would reach nobody's machine but its author's."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = ROOT / "scripts" / "uv-requirements.txt"


def uv() -> Path:
    """The uv that scripts/ensure-venv installed from its hash-pinned requirement."""
    version = re.search(r"^uv==(\S+)", PIN.read_text(), re.MULTILINE)
    assert version, f"{PIN} pins no uv version"
    path = ROOT / ".tools" / f"uv-{version[1]}" / "bin" / "uv"
    assert path.is_file(), f"{path} is missing: run scripts/ensure-venv"
    return path


def lock_check(project: Path) -> subprocess.CompletedProcess[str]:
    """``uv lock --check`` offline: it compares the lock with the project's requirements
    using the metadata the lock already holds, without asking the registry."""
    return subprocess.run(
        [str(uv()), "lock", "--check", "--offline", "--no-python-downloads"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_lock_agrees_with_pyproject() -> None:
    done = lock_check(ROOT)
    assert done.returncode == 0, (
        "pyproject.toml and uv.lock disagree: run scripts/relock and commit uv.lock\n" + done.stderr
    )


def test_a_dependency_added_without_relocking_is_caught(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy2(ROOT / name, tmp_path / name)
    pyproject = tmp_path / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(text.replace('  "tzdata",\n', '  "tzdata",\n  "six>=1.16",\n', 1))
    assert pyproject.read_text() != text
    assert lock_check(tmp_path).returncode != 0


def test_the_lock_pins_every_package_exactly_with_hashes() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    packages = [p for p in lock["package"] if p["name"] != "kube-status-gateway"]
    assert packages
    for package in packages:
        assert re.fullmatch(r"\d+(\.\d+)*\S*", package["version"]), package["name"]
        artifacts = [
            *package.get("wheels", []),
            *([package["sdist"]] if "sdist" in package else []),
        ]
        assert artifacts, f"{package['name']} has no artifact"
        assert all(a["hash"].startswith("sha256:") for a in artifacts), package["name"]
