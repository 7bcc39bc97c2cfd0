"""Shared fixtures for the status tests: the nodes most tests place their pods on."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from gateway.status import NodeHealth, index_nodes

from .objects import node


@pytest.fixture
def healthy_nodes() -> Mapping[str, NodeHealth]:
    return index_nodes([node("worker-1"), node("worker-2"), node("worker-3")])
