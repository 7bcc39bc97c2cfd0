"""The serving path (``gateway/``, ``schema/``) never imports the simulated cluster.

The simulator is a test double and a demo; a gateway in production must not load it,
nor carry it as a dependency of anything it runs. The one place the serving path
names it is the CLI's command table, as module names in strings, imported only when
someone runs ``demo`` or ``simcluster``.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap

import pytest

from tests.architecture.imports import ROOT, imports, module_files

SERVING = ("gateway", "schema")
SIMULATOR = re.compile(r"^simcluster(\.[A-Za-z_]\w*)*$")
CLI = ROOT / "gateway" / "cli.py"


def test_no_module_of_the_serving_path_imports_simcluster() -> None:
    """Every import statement, top-level, in a function or under TYPE_CHECKING."""
    found = [
        f"{i.where} imports {i.target}"
        for i in imports()
        if i.importer.split(".")[0] in SERVING and i.target.split(".")[0] == "simcluster"
    ]
    if found:
        pytest.fail("\n".join(found), pytrace=False)


def _command_table(tree: ast.Module) -> ast.AST:
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "COMMANDS" for t in targets):
                return node
    raise AssertionError(f"{CLI} has no COMMANDS table")


def test_simcluster_is_named_only_in_the_cli_command_table() -> None:
    """A module name in a string (for importlib) is an import the statement check cannot see."""
    named = []
    for module, path in module_files(ROOT, SERVING).items():
        tree = ast.parse((ROOT / path).read_text())
        allowed: set[int] = set()
        if module == "gateway.cli":
            allowed = {id(node) for node in ast.walk(_command_table(tree))}
        named += [
            f"{path}:{node.lineno} names {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SIMULATOR.match(node.value)
            and id(node) not in allowed
        ]
    if named:
        pytest.fail("\n".join(named), pytrace=False)


LOADED = textwrap.dedent(
    """
    import importlib, json, runpy, sys
    from pathlib import Path

    modules = json.loads(sys.argv[1])
    for name in modules:
        importlib.import_module(name)

    from gateway.clusters import ClusterSource
    from gateway.commands.serve import settings_from
    from gateway.config import load
    from gateway.http.app import build_app
    from gateway.service import Gateway

    config = load(None, {}, environ={})
    source = ClusterSource("one", Path("kubeconfig"), "one")
    app = build_app(Gateway(settings_from(config, [source])), config)

    sys.argv = ["kube-status-gateway", *sys.argv[2:], "--help"]
    try:
        runpy.run_module("gateway", run_name="__main__", alter_sys=True)
    except SystemExit as done:
        exit_code = done.code
    print(json.dumps({
        "app": type(app).__name__,
        "exit": exit_code,
        "loaded": sorted(name for name in modules if name in sys.modules),
        "simcluster": sorted(
            name for name in sys.modules if name == "simcluster" or name.startswith("simcluster.")
        ),
    }))
    """
)


def loaded_after(modules: list[str], command: str) -> dict[str, object]:
    """In a fresh interpreter: import the modules, build serve's app, run ``command --help``."""
    done = subprocess.run(
        [sys.executable, "-c", LOADED, json.dumps(modules), command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_importing_the_serving_path_and_building_serve_loads_no_simcluster_module() -> None:
    # gateway.__main__ runs the CLI when imported: it is run as ``python -m gateway serve``.
    modules = sorted(set(module_files(ROOT, SERVING)) - {"gateway.__main__"})
    found = loaded_after(modules, "serve")
    assert found["loaded"] == modules
    assert found["app"] == "Starlette"
    assert found["exit"] == 0
    assert found["simcluster"] == []


def test_the_demo_command_loads_the_simulator_when_it_is_chosen() -> None:
    """The other side of the lazy table: the same check sees simcluster once it is asked for."""
    found = loaded_after([], "demo")
    assert found["exit"] == 0
    assert "simcluster.commands.demo" in found["simcluster"]  # type: ignore[operator]
