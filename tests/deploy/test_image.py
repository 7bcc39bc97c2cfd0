"""The Dockerfile's own build steps, replayed in a fresh virtual environment, yield a gateway
that starts, carries its assets and passes the image's HEALTHCHECK, and that starts from the
Helm chart's container arguments and rendered config.yaml too.

No container engine runs here, so the image is replayed (tests/deploy/imagebuild.py):
the same context, the same pip commands, the same paths under a scratch root.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml

from gateway.redis_server import free_port
from tests.deploy.chart import render
from tests.deploy.imagebuild import ReplayedImage, context_files, replay
from tests.deploy.podconfig import pod_configuration
from tests.deploy.values import KUBECONFIG_SECRET

ASSET_REFERENCE = re.compile(r'(?:src|href)="([^"]+)"')
NO_AUTH_CHOSEN = {"KSG_AUTH_INSECURE_NO_AUTH": "true"}
"""``docker run -e``: the choice a trial run makes (a real one mounts a config with auth)."""


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> ReplayedImage:
    return replay(tmp_path_factory.mktemp("replay"))


def until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:.0f} s: {what}")
        time.sleep(0.2)


def resolve(image: ReplayedImage, program: str) -> str:
    """A program as the image's PATH finds it; it must come from the image, not this machine."""
    found = shutil.which(program, path=image.env["PATH"])
    assert found is not None, f"{program} is not on the image's PATH"
    assert Path(found).is_relative_to(image.root), f"{program} resolves outside the image"
    return found


def run_in(
    image: ReplayedImage, program: str, *args: str, check: bool = False
) -> subprocess.CompletedProcess[str]:
    """``program`` from the image's PATH with its environment, run in the image's root so
    that nothing is imported from the checkout this test runs in."""
    return subprocess.run(
        [resolve(image, program), *args],
        env=image.env,
        capture_output=True,
        text=True,
        check=check,
        timeout=60,
        cwd=image.root,
    )


@contextmanager
def started(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def simulated_cluster(image: ReplayedImage, directory: Path) -> Iterator[Path]:
    """The image's own ``simcluster`` command; yields the kubeconfig it writes."""
    entrypoint = image.exec_form("ENTRYPOINT")
    kubeconfig = directory / "kubeconfig"
    simcluster = [resolve(image, entrypoint[0]), "simcluster", "--kubeconfig", str(kubeconfig)]
    with started(simcluster, image.env, directory / "simcluster.log"):
        until(kubeconfig.is_file, 30, "the simulated cluster writes its kubeconfig")
        yield kubeconfig


def test_image_command_refuses_to_serve_until_authentication_is_chosen(
    image: ReplayedImage,
) -> None:
    """It listens on 0.0.0.0, so the gateway's secure default applies before anything starts."""
    entrypoint = image.exec_form("ENTRYPOINT")
    command = [image.relocate_argument(a) for a in image.exec_form("CMD")]
    done = run_in(image, entrypoint[0], *entrypoint[1:], *command)
    assert done.returncode == 2
    assert "without authentication" in done.stderr


def installed_package_dir(image: ReplayedImage, package: str) -> Path:
    done = run_in(image, "python", "-c", f"import {package}; print({package}.__file__)", check=True)
    return Path(done.stdout.strip()).parent


def test_entrypoint_is_the_installed_gateway(image: ReplayedImage) -> None:
    entrypoint = image.exec_form("ENTRYPOINT")
    done = run_in(image, entrypoint[0], *entrypoint[1:], "--help")
    assert done.returncode == 0, done.stderr
    assert "serve" in done.stdout
    assert "explain" in done.stdout


def test_every_packaged_file_of_the_sources_is_installed(image: ReplayedImage) -> None:
    """GraphiQL's vendored files (and any later board assets) reach the image only as
    package data of the wheel; a file left out of pyproject's package-data fails here."""
    for package in ("gateway", "schema"):
        installed = installed_package_dir(image, package)
        data = [
            f.removeprefix(f"{package}/")
            for f in context_files()
            if f.startswith(f"{package}/") and not f.endswith(".py")
        ]
        assert data or package == "schema", "the gateway ships no package data at all"
        missing = [f for f in data if not (installed / f).is_file()]
        assert not missing, f"not installed from the wheel: {missing}"
    static = installed_package_dir(image, "gateway") / "http" / "static"
    assert any(static.rglob("graphiql*.min.js")), "GraphiQL's script is not installed"


def test_the_installed_package_carries_the_license(image: ReplayedImage) -> None:
    """Apache-2.0 asks every copy to carry the license: the wheel's metadata holds it."""
    done = run_in(
        image,
        "python",
        "-c",
        "from importlib.metadata import distribution as d;"
        " print(d('kube-status-gateway').read_text('licenses/LICENSE'))",
        check=True,
    )
    root = Path(__file__).resolve().parents[2]
    assert done.stdout == (root / "LICENSE").read_text() + "\n"


def test_bundled_redis_binary_is_on_the_image_path(image: ReplayedImage) -> None:
    done = run_in(image, "valkey-server", "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Valkey server v=")


def test_image_command_serves_offline_assets_and_passes_its_healthcheck(
    image: ReplayedImage, tmp_path: Path
) -> None:
    port = free_port()
    exposed = image.runtime.last("EXPOSE").value[0]
    check_form = image.exec_form("HEALTHCHECK")
    assert check_form[0] == "CMD"
    healthcheck = [
        resolve(image, check_form[1]),
        *(a.replace(f":{exposed}/", f":{port}/") for a in check_form[2:]),
    ]
    entrypoint = image.exec_form("ENTRYPOINT")
    command = [
        f"--port={port}" if a.startswith("--port=") else image.relocate_argument(a)
        for a in image.exec_form("CMD")
    ]

    def healthy() -> bool:
        probe = subprocess.run(healthcheck, env=image.env, capture_output=True, check=False)
        return probe.returncode == 0

    assert not healthy(), "the HEALTHCHECK passes with no gateway running"
    with simulated_cluster(image, tmp_path) as kubeconfig:
        gateway = [
            resolve(image, entrypoint[0]),
            *entrypoint[1:],
            *command,
            f"--kubeconfig={kubeconfig}",
        ]
        with started(gateway, {**image.env, **NO_AUTH_CHOSEN}, tmp_path / "gateway.log") as process:
            until(
                lambda: healthy() or process.poll() is not None,
                60,
                "the HEALTHCHECK passes",
            )
            log = (tmp_path / "gateway.log").read_text()
            assert process.poll() is None, f"the gateway exited:\n{log}"
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
                until(lambda: http.get("/readyz").status_code == 200, 60, "/readyz says ready")
                page = http.get("/graphql", headers={"Accept": "text/html"})
                assert page.status_code == 200
                assets = [
                    a for a in ASSET_REFERENCE.findall(page.text) if not a.startswith("data:")
                ]
                assert assets, "the GraphiQL page references no assets"
                assert all(a.startswith("/static/") for a in assets), assets
                for asset in assets:
                    response = http.get(asset)
                    assert response.status_code == 200, asset
                    assert response.content, asset


def test_the_charts_container_arguments_and_config_start_the_image_gateway(
    image: ReplayedImage, tmp_path: Path
) -> None:
    """The Deployment's arguments and environment, and the rendered config.yaml at the mounted
    path. What only a pod has is given as flags after them, which win over the file: a free
    port, the state directory under the scratch root, and the simulated cluster's kubeconfig
    for the one the Secret would mount."""
    rendered = render(KUBECONFIG_SECRET)
    pod = pod_configuration(rendered)
    mounted = image.path(str(pod.args.config))
    mounted.parent.mkdir(parents=True, exist_ok=True)
    mounted.write_text(pod.text)
    state_dir = image.path(yaml.safe_load(pod.text)["server"]["stateDir"])
    state_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    entrypoint = image.exec_form("ENTRYPOINT")
    with simulated_cluster(image, tmp_path) as kubeconfig:
        argv = [
            resolve(image, entrypoint[0]),
            *entrypoint[1:],
            *(image.relocate_argument(a) for a in rendered.gateway_container()["args"]),
            f"--port={port}",
            f"--state-dir={state_dir}",
            f"--kubeconfig={kubeconfig}",
        ]
        log = tmp_path / "gateway.log"
        with (
            started(argv, {**image.env, **pod.environ}, log) as process,
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http,
        ):

            def ready() -> bool:
                try:
                    return http.get("/readyz").status_code == 200
                except httpx.TransportError:
                    return False

            until(lambda: ready() or process.poll() is not None, 60, "/readyz says ready")
            assert process.poll() is None, f"the gateway exited:\n{log.read_text()}"
