"""The Dockerfile's rules, read by BuildKit's parser: multi-stage from one pinned slim base, a
fixed non-root user, no compiler, assets from the wheel, a HEALTHCHECK, the gateway as
entrypoint, and a build context cut down to the sources."""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Sequence

import pytest

from tests.deploy.dockerfile import ROOT, Stage, parse
from tests.deploy.imagebuild import context_files

PINNED_SLIM_PYTHON = re.compile(
    r"^python:(?P<version>3\.\d+\.\d+)-slim(?:-[a-z]+)?@sha256:[0-9a-f]{64}$"
)
COMPILERS = {"gcc", "g++", "cc", "clang", "make", "build-essential", "python3-dev", "libc6-dev"}
INSTALLERS = ("apt-get", "apt ", "apk ", "pip ", "pip3 ", "-m pip", "dpkg")


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse()


@pytest.fixture(scope="module")
def runtime(stages: list[Stage]) -> Stage:
    return stages[-1]


@pytest.fixture(scope="module")
def build(stages: list[Stage]) -> Stage:
    return stages[0]


def pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def option(arguments: Sequence[str], name: str) -> str:
    for argument in arguments:
        if argument.startswith(f"--{name}="):
            return argument.split("=", 1)[1]
    raise AssertionError(f"--{name}= not in {arguments}")


def words(stage: Stage) -> list[list[str]]:
    """Each RUN of the stage split into shell words."""
    return [shlex.split(run.value[0]) for run in stage.all("RUN")]


def test_two_stages_from_one_slim_python_pinned_by_tag_and_digest(stages: list[Stage]) -> None:
    assert len(stages) >= 2
    assert {s.base for s in stages} == {stages[0].base}
    pinned = PINNED_SLIM_PYTHON.match(stages[0].base)
    assert pinned, f"{stages[0].base} is not a slim Python pinned by version and digest"
    project = pyproject()["project"]
    assert isinstance(project, dict)
    minimum = project["requires-python"].removeprefix(">=")
    major_minor = tuple(int(n) for n in pinned["version"].split(".")[:2])
    assert major_minor >= tuple(int(n) for n in minimum.split("."))


def test_runtime_runs_as_a_fixed_non_root_uid_owning_its_state_dir(runtime: Stage) -> None:
    user = runtime.last("USER").value[0]
    assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", user), f"USER {user} is not numeric uid:gid"
    uid, gid = user.split(":")
    setup = " ".join(" ".join(w) for w in words(runtime))
    assert f"--uid {uid}" in setup
    assert f"--gid {gid}" in setup
    state_dir = option(runtime.last("CMD").value, "state-dir")
    state_env = dict(pair for env in runtime.all("ENV") for pair in env.pairs())["STATE_DIR"]
    assert state_env == state_dir
    assert f"install -d -o {uid} -g {gid}" in setup, "the state directory is not the user's"
    order = [i.command for i in runtime.instructions]
    assert order.index("USER") < order.index("ENTRYPOINT")


def test_no_compiler_and_no_package_install_in_the_runtime_stage(
    build: Stage, runtime: Stage
) -> None:
    for run in runtime.all("RUN"):
        text = run.value[0]
        assert not any(i in text for i in INSTALLERS), f"line {run.line} installs packages"
        assert not COMPILERS & set(shlex.split(text)), f"line {run.line} names a compiler"
    for copy in runtime.all("COPY"):
        assert copy.flag("from") == build.name, f"line {copy.line} copies from the context"
    pip_installs = [w for w in words(build) if "pip" in " ".join(w) and "install" in w]
    assert pip_installs
    for install in pip_installs:
        assert "--only-binary=:all:" in install, "a dependency could be compiled from source"


def test_assets_reach_the_image_only_inside_the_wheel(build: Stage, runtime: Stage) -> None:
    copied = {source for copy in build.all("COPY") for source in copy.value[:-1]}
    assert copied == {
        "scripts/uv-requirements.txt",
        "uv.lock",
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "gateway/",
        "schema/",
        "simcluster/",
    }
    commands = [" ".join(w) for w in words(build)]
    assert any("pip wheel --no-deps" in c for c in commands)
    installs = [c for c in commands if " install " in c and "$VENV" in c]
    assert installs
    project = [c for c in installs if "--no-deps" in c]
    assert project and all(".whl" in c for c in project), "installs the source tree, not the wheel"
    assert all("-e " not in c for c in installs)
    (copy,) = runtime.all("COPY")
    assert copy.value == ("$VENV", "$VENV")


def test_dependencies_come_from_the_lock_by_hash(build: Stage) -> None:
    """The image gets the versions CI tested: uv.lock exported with its hashes, pip refusing
    anything unhashed, and uv itself pinned by hash."""
    commands = [" ".join(w) for w in words(build)]
    exports = [c for c in commands if " export " in c]
    assert exports and all("--frozen" in c and "--no-dev" in c for c in exports)
    hashed = [c for c in commands if "--require-hashes" in c]
    assert any("uv-requirements.txt" in c for c in hashed), "uv is not installed by hash"
    assert any("requirements.txt" in c and "$VENV" in c for c in hashed)
    assert "--hash=sha256:" in (ROOT / "scripts" / "uv-requirements.txt").read_text()


def test_healthcheck_gets_healthz_on_the_served_port(runtime: Stage) -> None:
    check = runtime.last("HEALTHCHECK")
    assert check.json and check.value[0] == "CMD"
    port = runtime.last("EXPOSE").value[0]
    assert option(runtime.last("CMD").value, "port") == port
    assert any(f"http://127.0.0.1:{port}/healthz" in a for a in check.value)
    assert check.flag("interval") and check.flag("timeout") and check.flag("retries")


def test_entrypoint_is_the_gateway_console_script(runtime: Stage) -> None:
    entrypoint = runtime.last("ENTRYPOINT")
    assert entrypoint.json
    scripts = pyproject()["project"]
    assert isinstance(scripts, dict)
    (script,) = entrypoint.value
    assert scripts["scripts"][script] == "gateway.cli:main"
    command = runtime.last("CMD")
    assert command.json
    assert command.value[0] == "serve"
    assert option(command.value, "host") == "0.0.0.0"


def test_build_context_holds_only_the_sources(build: Stage) -> None:
    files = context_files()
    allowed = (
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "Dockerfile",
        ".dockerignore",
        "uv.lock",
        "scripts/uv-requirements.txt",
        "gateway/",
        "schema/",
        "simcluster/",
    )
    assert all(f.startswith(allowed) for f in files), [
        f for f in files if not f.startswith(allowed)
    ]
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]
    for copy in build.all("COPY"):
        for source in copy.value[:-1]:
            assert any(f == source or f.startswith(source) for f in files), source
