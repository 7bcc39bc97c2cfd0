"""Run one of this folder's scripts with the machine's node and the clients that
scripts/ensure-node-deps installed, and read the JSON it prints last."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


async def run_script(script: str, *args: str, seconds: float = 60) -> Any:
    assert (HERE / "node_modules").is_dir(), "run scripts/ensure-node-deps first"
    process = await asyncio.create_subprocess_exec(
        "node",
        str(HERE / script),
        *args,
        cwd=HERE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(seconds):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, f"{script} failed ({process.returncode}): {err.decode()}"
    lines = out.decode().strip().splitlines()
    assert lines, f"{script} printed nothing: {err.decode()}"
    return json.loads(lines[-1])
