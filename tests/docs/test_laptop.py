"""The README's "Point it at your own cluster from your laptop", done as it is written.

The read-only ServiceAccount's rules must be what the gateway uses (and the Helm chart's
ClusterRole). Then the steps run against a simulated cluster that authenticates every
request and authorizes it by RBAC: the README's kubectl commands write the kubeconfig, the
README's ``serve`` line runs the gateway on it, and the gateway syncs, answers and reads a
pod's log with nothing but the account's token, which can change nothing.

Two steps need what the simulator does not serve, and are done through its Python API
instead: ``kubectl apply`` (it serves no ServiceAccount objects, and kubectl never sends a
token over its plain HTTP) creates the role and binding, and ``kubectl create token`` (no
TokenRequest) is the identity's token.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from kubernetes_asyncio import client

from gateway.config import Config
from gateway.redis_server import free_port
from simcluster.fleet import SimulatedFleet
from tests.deploy.chart import render
from tests.deploy.grants import granted, needed
from tests.docs.markdown import README, Page
from tests.simcluster.helpers import api_from, kubectl_binary
from tests.simcluster.objects import behaviour, workload
from tests.watch.conftest import until

PAGE = Page.read(README)
READER = PAGE.block("# gateway-reader.yaml")
STEPS = PAGE.block("kubectl apply -f gateway-reader.yaml")
DONE_THROUGH_THE_SIMULATOR = ("kubectl apply -f gateway-reader.yaml", "TOKEN=$(kubectl ")
SERVE = "./gw serve "
QUERY = """{ workloads { edges { node { name statusLabel
  pods { name logs(tailLines: 20) } } } } }"""


def reader_objects() -> dict[str, dict[str, Any]]:
    objects = {o["kind"]: o for o in yaml.safe_load_all(READER)}
    assert sorted(objects) == ["ClusterRole", "ClusterRoleBinding", "Namespace", "ServiceAccount"]
    return objects


def commands() -> list[str]:
    """The steps' shell commands, a command continued over lines joined into one."""
    return STEPS.replace("\\\n", " ").splitlines()


def test_the_read_only_account_may_do_exactly_what_the_gateway_does() -> None:
    objects = reader_objects()
    role = objects["ClusterRole"]
    assert granted(role) == needed(Config())
    assert granted(role) == granted(render().one("ClusterRole"))
    account = objects["ServiceAccount"]["metadata"]
    assert account["namespace"] == objects["Namespace"]["metadata"]["name"]
    binding = objects["ClusterRoleBinding"]
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": account["name"], "namespace": account["namespace"]}
    ]
    (token,) = [c for c in commands() if c.startswith("TOKEN=")]
    assert f"-n {account['namespace']} create token {account['name']} " in token


def run_steps(kubeconfig: Path, token: str, directory: Path) -> list[str]:
    """Every step that needs no cluster, in one shell as written; then the serve line's
    arguments as that shell expands them."""
    steps = [c for c in commands() if not c.startswith(DONE_THROUGH_THE_SIMULATOR)]
    serve = steps.pop()
    assert serve.startswith(SERVE), "the steps end with the gateway serving"
    assert len(steps) + len(DONE_THROUGH_THE_SIMULATOR) + 1 == len(commands())
    expanded = "printf '%s\\0' " + serve.removeprefix("./gw ") + " >&3"
    script = "\n".join(["exec 3>&1 1>&2", *steps, expanded])
    kubectl = Path(kubectl_binary()).parent
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=directory,
        env={
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "TOKEN": token,
            "PATH": f"{kubectl}:{os.environ['PATH']}",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\0")[:-1]


async def ready(port: int, process: asyncio.subprocess.Process) -> bool:
    if process.returncode is not None:
        errors = await process.stderr.read() if process.stderr else b""
        raise AssertionError(f"serve exited with {process.returncode}: {errors.decode()[-3000:]}")
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            answer = await http.get(f"http://127.0.0.1:{port}/readyz")
    except httpx.HTTPError:
        return False
    return answer.status_code == 200


async def test_the_readme_steps_watch_a_cluster_as_the_read_only_account(
    tmp_path: Path,
) -> None:
    objects = reader_objects()
    account = objects["ServiceAccount"]["metadata"]
    async with SimulatedFleet(
        time_scale=40.0, kubeconfig=tmp_path / "kubeconfig", require_auth=True
    ) as fleet:
        cluster = fleet["sim-1"]
        cluster.create(objects["ClusterRole"])
        cluster.create(objects["ClusterRoleBinding"])
        token = cluster.identities.add_service_account(account["namespace"], account["name"])
        cluster.create(workload("Deployment", "worker", behaviour(behavior="crash-loop")))
        arguments = run_steps(fleet.kubeconfig, token, tmp_path)
        assert arguments == ["serve", "--kubeconfig", "gateway.kubeconfig", "--context", "sim-1"]

        port = free_port()
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "gateway", *arguments),
            *("--port", str(port), "--state-dir", str(tmp_path / "state")),
            cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await until(lambda: ready(port, process), within=60, every=0.5)
            async with httpx.AsyncClient(timeout=10) as http:
                answer = (
                    await http.post(f"http://127.0.0.1:{port}/graphql", json={"query": QUERY})
                ).json()
        finally:
            process.send_signal(signal.SIGINT)
            _, errors = await asyncio.wait_for(process.communicate(), 30)
        # Ctrl-C, as at a laptop, shuts it down cleanly; the status is 0, or 130 when the
        # interrupt reaches the CLI rather than uvicorn (which of the two varies).
        assert process.returncode in (0, 130), errors.decode()[-2000:]
        assert b"Application shutdown complete" in errors
        assert "errors" not in answer, answer
        (worker,) = [e["node"] for e in answer["data"]["workloads"]["edges"]]
        assert worker["name"] == "worker"
        (pod,) = worker["pods"]
        assert "connecting to database" in pod["logs"], "Pod.logs read pods/log as the account"

        async with api_from(tmp_path / "gateway.kubeconfig") as api:
            with pytest.raises(client.ApiException) as refused:
                await client.CoreV1Api(api).delete_namespaced_pod(pod["name"], "default")
        assert refused.value.status == 403, "the account can read, never write"
