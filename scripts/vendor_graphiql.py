"""Vendor the files Strawberry's GraphiQL page loads from unpkg, so it works air-gapped.

Run: ``.venv/bin/python scripts/vendor_graphiql.py`` (needs npm and the npm registry).
For each ``https://unpkg.com/<package>@<version>/<path>`` in the page it runs
``npm pack`` of that exact version, takes the file out of the tarball, checks it
against the page's ``integrity`` hash and writes it under
``gateway/http/static/vendor/<package>@<version>/<path>``. The page itself is
rewritten at run time to load from there (gateway/http/graphiql.py). Upgrading
Strawberry may change versions: run this again and commit the result.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import strawberry

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "gateway" / "http" / "static" / "vendor"
ASSET = re.compile(
    r'(?:src|href)="https://unpkg\.com/(?P<package>(?:@[^/]+/)?[^@/]+)@(?P<version>[^/]+)/(?P<path>[^"]+)"'
    r'\s+integrity="(?P<integrity>sha384-[^"]+)"'
)


def page() -> str:
    return (Path(strawberry.__file__).parent / "static" / "graphiql.html").read_text()


def fetch(package: str, version: str, path: str, integrity: str, work: Path) -> bytes:
    subprocess.run(
        ["npm", "pack", f"{package}@{version}", "--silent", "--pack-destination", str(work)],
        check=True,
        capture_output=True,
    )
    tarball = next(work.glob(f"{package.lstrip('@').replace('/', '-')}-{version}.tgz"))
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(f"package/{path}")
        if member is None:
            raise SystemExit(f"{package}@{version} has no {path}")
        data = member.read()
    digest = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
    if digest != integrity:
        raise SystemExit(f"{package}@{version}/{path}: integrity {digest} != {integrity}")
    return data


def main() -> int:
    assets = list(ASSET.finditer(page()))
    if not assets:
        raise SystemExit("no unpkg assets found in Strawberry's graphiql.html")
    with tempfile.TemporaryDirectory() as scratch:
        for found in assets:
            package, version, path = found["package"], found["version"], found["path"]
            data = fetch(package, version, path, found["integrity"], Path(scratch))
            out = TARGET / f"{package}@{version}" / path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            print(f"{package}@{version}/{path}: {len(data)} bytes, integrity verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
