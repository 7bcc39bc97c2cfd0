"""Running ``explain`` in-process with its output captured: the fixture the explain tests share."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gateway.cli import main


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines()]


Explain = Callable[..., Run]


@pytest.fixture
def explain(capsys: pytest.CaptureFixture[str]) -> Explain:
    def run(*args: str | Path) -> Run:
        code = main(["explain", *(str(a) for a in args)])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
