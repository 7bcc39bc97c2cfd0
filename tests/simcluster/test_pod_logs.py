"""The pods/log endpoint over plain HTTP: what each behaviour logs, the options, the
Status objects of the API server and kubelet, and following a log."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import aiohttp
from hypothesis import given, settings
from hypothesis import strategies as st

from simcluster.behaviours import Behavior, pod_behavior
from simcluster.cluster import SimulatedCluster
from simcluster.containerlogs import END_MARGIN, RETAINED_LINES, ContainerLog, Run
from simcluster.fleet import SimulatedFleet
from simcluster.logscripts import NS, Writer
from simcluster.nodes import NodeState
from simcluster.watch import WatchSettings

from .helpers import get_json
from .logs import container_status, duo, freeze, log_error, log_path, read_log, state_of
from .objects import behaviour, pod

START = 1_750_000_000 * NS
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z")
DAY = 86_400


def _message(line: str) -> str:
    found = re.search(r'msg="([^"]*)"', line)
    assert found is not None, line
    return found.group(1)


@settings(max_examples=200, deadline=None)
@given(
    behavior=st.sampled_from([b for b in Behavior if b is not Behavior.UNSCHEDULABLE]),
    run_seconds=st.sampled_from(["0", "0.05", "2.5", "40", "never"]),
    ready_after=st.sampled_from(["0", "0.02", "30", "never"]),
    init=st.booleans(),
    lived=st.integers(min_value=0, max_value=400 * NS),
    code=st.sampled_from([0, 1, 137, 143]),
)
def test_every_run_logs_in_time_order_and_ending_only_adds_last_words(
    *, behavior: Behavior, run_seconds: str, ready_after: str, init: bool, lived: int, code: int
) -> None:
    annotations = behaviour(
        behavior=behavior.value, run_seconds=run_seconds, ready_after_seconds=ready_after
    )
    behaves = pod_behavior(annotations, "Always")
    if behaves.run_seconds is not None and not init:
        lived = min(lived, int(behaves.run_seconds) * NS)
    writer = Writer("web", "main", "docker.io/library/nginx:1.27", behaves, init=init)
    running = ContainerLog(writer, Run("containerd://a", START))
    ended = ContainerLog(writer, Run("containerd://a", START, START + lived, code, "Error"))
    counts = [running.count(START + at * NS // 4) for at in range(0, 1700, 7)]
    assert counts == sorted(counts)
    total = ended.count(0)
    times = [ended.line(index)[0] for index in range(total)]
    assert times == sorted(times)
    assert all(START <= at < START + max(lived, END_MARGIN) for at in times)
    assert ended.end_index == running.count(START + lived - END_MARGIN - 1)
    assert [ended.line(i) for i in range(ended.end_index)] == [
        running.line(i) for i in range(ended.end_index)
    ]
    assert ended.index_at(START + lived // 2, 0, total) == sum(
        1 for at in times if at < START + lived // 2
    )


async def test_a_running_container_logs_its_start_then_requests_and_heartbeats(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(pod("web", resources={"limits": {"memory": "128Mi"}}))
    await cluster.wait_for(lambda: state_of(cluster, "web") == "running")
    cluster.clock.advance(120)
    lines = (await read_log(http, "web")).splitlines()
    assert lines[0] == (
        'level=info msg="starting" app=web version=1.27 image=docker.io/library/nginx:1.27 pid=1'
    )
    assert [_message(line) for line in lines[1:3]] == ["configuration loaded", "listening"]
    assert len(lines) > 40
    assert {_message(line) for line in lines[3:]} == {"request", "heartbeat"}
    assert all("uptime=" in line for line in lines[3:] if _message(line) == "heartbeat")
    again = (await read_log(http, "web")).splitlines()
    assert again[: len(lines)] == lines


async def test_a_crash_loop_logs_the_crash_before_every_exit(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(pod("crashy", behaviour(behavior="crash-loop")))
    await cluster.wait_for(
        lambda: (
            container_status(cluster, "crashy").get("restartCount", 0) >= 2
            and state_of(cluster, "crashy") == "CrashLoopBackOff"
        )
    )
    freeze(cluster, "crashy")
    previous = (await read_log(http, "crashy", previous="true")).splitlines()
    assert _message(previous[0]) == "starting"
    assert previous[1] == 'level=info msg="connecting to database" host=crashy-db port=5432'
    assert {_message(line) for line in previous[2:-2]} == {"database not reachable, retrying"}
    assert previous[-2].startswith('level=error msg="giving up on database" host=crashy-db')
    assert previous[-1] == 'level=fatal msg="exiting" code=1'
    in_back_off = await read_log(http, "crashy")
    assert in_back_off.splitlines() == previous


async def test_an_oom_killed_container_logs_memory_growing_then_nothing(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(
        pod(
            "hungry",
            behaviour(behavior="oom-kill"),
            resources={"limits": {"memory": "128Mi"}},
        )
    )
    await cluster.wait_for(
        lambda: (
            (container_status(cluster, "hungry").get("lastState") or {})
            .get("terminated", {})
            .get("reason")
            == "OOMKilled"
        )
    )
    lines = (await read_log(http, "hungry", previous="true")).splitlines()
    assert [_message(line) for line in lines[:2]] == ["starting", "loading dataset into memory"]
    growing = [int(re.findall(r"rss=(\d+)Mi limit=128Mi", line)[0]) for line in lines[2:]]
    assert len(growing) >= 5
    assert growing == sorted(growing)
    assert 100 < growing[-1] < 128


async def test_an_exiting_container_logs_its_completion_and_exit_code(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(pod("done", behaviour(behavior="exit", exit_code="0"), restartPolicy="Never"))
    cluster.create(pod("failed", behaviour(behavior="exit", exit_code="3"), restartPolicy="Never"))
    await cluster.wait_for(
        lambda: all(state_of(cluster, name) == "terminated" for name in ("done", "failed"))
    )
    done = (await read_log(http, "done")).splitlines()
    assert _message(done[1]) == "connected to queue"
    assert done[2:-2] == [
        f'level=info msg="processed batch" batch={k} records={k * 250} elapsed={k}s'
        for k in range(1, 10)
    ]
    assert done[-2:] == [
        'level=info msg="all batches processed" batches=9 records=2250',
        'level=info msg="exiting" code=0',
    ]
    failed = (await read_log(http, "failed")).splitlines()
    assert failed[-2].startswith('level=error msg="batch failed" batch=10 ')
    assert failed[-1] == 'level=error msg="exiting" code=3'
    body = await log_error(http, "done", 400, previous="true")
    assert body["message"] == 'previous terminated container "main" in pod "done" not found'


async def test_containers_that_never_started_are_refused_as_the_kubelet_words_it(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(pod("config", behaviour(behavior="config-error")))
    cluster.create(pod("pull", behaviour(behavior="image-pull-error"), image="nginx:nope"))
    cluster.create(pod("creating", behaviour(start_seconds="100000")))
    cluster.create(pod("nowhere", behaviour(behavior="unschedulable")))
    await cluster.wait_for(lambda: state_of(cluster, "creating") == "ContainerCreating")
    await cluster.wait_for(lambda: state_of(cluster, "config") == "CreateContainerConfigError")
    await cluster.wait_for(lambda: state_of(cluster, "pull") == "ImagePullBackOff")
    freeze(cluster, "pull")
    expected = {
        "creating": 'container "main" in pod "creating" is waiting to start: ContainerCreating',
        "config": (
            'container "main" in pod "config" is waiting to start: CreateContainerConfigError'
        ),
        "pull": (
            'container "main" in pod "pull" is waiting to start: trying and failing to pull image'
        ),
    }
    for name, message in expected.items():
        body = await log_error(http, name, 400)
        assert (body["reason"], body["message"]) == ("BadRequest", message)
    async with http.get(log_path("nowhere"), params={"follow": "true"}) as response:
        assert response.status == 204
        assert await response.read() == b""


async def test_the_api_servers_refusals(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(duo("duo"))
    cluster.create(pod("web"))
    await cluster.wait_for(lambda: state_of(cluster, "web") == "running")
    missing = await log_error(http, "ghost", 404)
    assert missing["reason"] == "NotFound"
    assert missing["message"] == 'pods "ghost" not found'
    assert missing["details"] == {"name": "ghost", "kind": "pods"}
    unnamed = await log_error(http, "duo", 400)
    assert unnamed["message"] == (
        "a container name must be specified for pod duo, choose one of: [setup main sidecar]"
    )
    unknown = await log_error(http, "web", 400, container="nope")
    assert unknown["message"] == "container nope is not valid for pod web"
    invalid = {
        "tailLines=-1": "tailLines: Invalid value: -1: must be greater than or equal to 0",
        "limitBytes=0": "limitBytes: Invalid value: 0: must be greater than 0",
        "sinceSeconds=0": "sinceSeconds: Invalid value: 0: must be greater than 0",
        "sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z": (
            ": Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"
        ),
    }
    for query, detail in invalid.items():
        async with http.get(f"{log_path('web')}?{query}") as response:
            assert response.status == 422
            body = await response.json()
        assert body["reason"] == "Invalid"
        assert body["message"] == f'PodLogOptions "web" is invalid: {detail}'
        assert body["details"]["kind"] == "PodLogOptions"
    unparsable = await log_error(http, "web", 400, tailLines="ten")
    assert unparsable["message"] == 'strconv.ParseInt: parsing "ten": invalid syntax'
    assert "parsing time" in (await log_error(http, "web", 400, sinceTime="yesterday"))["message"]
    for method in ("POST", "DELETE"):
        async with http.request(method, log_path("web")) as response:
            assert response.status == 405
    resources = (await get_json(http, "/api/v1"))["resources"]
    names = [r["name"] for r in resources]
    assert resources[names.index("pods/log")] == {
        "name": "pods/log",
        "singularName": "",
        "namespaced": True,
        "kind": "Pod",
        "verbs": ["get"],
    }
    assert names.index("pods") < names.index("pods/log") < names.index("pods/status")


async def test_an_unreachable_kubelet_is_a_500_and_ends_a_follow(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(pod("web"))
    await cluster.wait_for(lambda: state_of(cluster, "web") == "running")
    found = cluster.get("Pod", "web")
    assert found is not None
    host = found["status"]["hostIP"]
    async with http.get(log_path("web"), params={"follow": "true"}) as followed:
        await cluster.wait_for(lambda: len(cluster.log_streams.open) == 1)
        cluster.set_node_state(found["spec"]["nodeName"], NodeState.UNREACHABLE)
        text = (await asyncio.wait_for(followed.content.read(), 20)).decode()
    assert text.startswith('level=info msg="starting"')
    body = await log_error(http, "web", 500)
    assert "reason" not in body
    assert body["message"] == (
        f'Get "https://{host}:10250/containerLogs/default/web/main": '
        f"dial tcp {host}:10250: connect: no route to host"
    )


async def test_tail_since_limit_and_timestamps_cut_one_deterministic_log(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(
        pod(
            "batch",
            behaviour(behavior="exit", exit_code="0", run_seconds="120"),
            restartPolicy="Never",
        )
    )
    await cluster.wait_for(lambda: state_of(cluster, "batch") == "running")
    cluster.clock.advance(130)
    await cluster.wait_for(lambda: state_of(cluster, "batch") == "terminated")
    full = await read_log(http, "batch")
    lines = full.splitlines()
    assert len(lines) == 2 + 119 + 2
    assert await read_log(http, "batch") == full
    assert (await read_log(http, "batch", tailLines="5")).splitlines() == lines[-5:]
    assert await read_log(http, "batch", tailLines="0") == ""
    assert await read_log(http, "batch", limitBytes="100") == full[:100]
    assert await read_log(http, "batch", sinceSeconds="1") == ""
    stamped = (await read_log(http, "batch", timestamps="true")).splitlines()
    stamps = [line.split(" ", 1)[0] for line in stamped]
    assert [line.split(" ", 1)[1] for line in stamped] == lines
    assert all(STAMP.fullmatch(stamp) for stamp in stamps)
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)
    cut = stamps[60][:19] + "Z"
    first = next(index for index, stamp in enumerate(stamps) if stamp[:19] >= cut[:19])
    assert (await read_log(http, "batch", sinceTime=cut)).splitlines() == lines[first:]
    both = await read_log(http, "batch", sinceTime=cut, tailLines="100")
    assert both.splitlines() == lines[max(first, len(lines) - 100) :]


async def test_init_and_sidecar_containers_have_their_own_logs(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(duo("duo", behaviour(behavior="crash-loop")))
    await cluster.wait_for(lambda: container_status(cluster, "duo").get("restartCount", 0) >= 1)
    setup = (await read_log(http, "duo", container="setup")).splitlines()
    assert setup == [
        'level=info msg="init: waiting for dependencies" container=setup',
        'level=info msg="init: dependencies ready"',
        'level=info msg="init: done" code=0',
    ]
    sidecar = (await read_log(http, "duo", container="sidecar")).splitlines()
    assert sidecar[0] == (
        'level=info msg="starting" app=duo version=v1.31 '
        "image=docker.io/envoyproxy/envoy:v1.31 pid=1"
    )
    assert not any("database" in line for line in sidecar)
    crashed = await read_log(http, "duo", container="main", previous="true")
    assert crashed.endswith('level=fatal msg="exiting" code=1\n')


async def test_json_log_format(cluster: SimulatedCluster, http: aiohttp.ClientSession) -> None:
    cluster.create(pod("structured", behaviour(log_format="json")))
    await cluster.wait_for(lambda: state_of(cluster, "structured") == "running")
    cluster.clock.advance(30)
    lines = [json.loads(line) for line in (await read_log(http, "structured")).splitlines()]
    assert lines[0]["msg"] == "starting"
    assert lines[0]["pid"] == 1
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["ts"]) for line in lines
    )
    assert {line["level"] for line in lines} <= {"info", "warn"}
    assert any(line["msg"] == "request" and isinstance(line["status"], int) for line in lines)


async def test_a_month_of_logs_costs_nothing_and_is_rotated(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(pod("web"))
    await cluster.wait_for(lambda: state_of(cluster, "web") == "running")
    cluster.clock.advance(30 * DAY)
    tail = (await read_log(http, "web", tailLines="30")).splitlines()
    uptimes = [int(re.findall(r"uptime=(\d+)s", line)[0]) for line in tail if "uptime=" in line]
    assert uptimes
    assert min(uptimes) > 30 * DAY - 100
    kept = await read_log(http, "web")
    assert kept.count("\n") == RETAINED_LINES
    assert not kept.startswith('level=info msg="starting"')


async def test_follow_streams_new_lines_and_leaves_nothing_behind_on_disconnect(
    cluster: SimulatedCluster,
) -> None:
    cluster.create(pod("web"))
    await cluster.wait_for(lambda: state_of(cluster, "web") == "running")
    before = asyncio.all_tasks()
    async with (
        aiohttp.ClientSession(cluster.url) as session,
        session.get(log_path("web"), params={"follow": "true", "tailLines": "1"}) as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/plain"
        followed = [
            (await asyncio.wait_for(response.content.readline(), 20)).decode() for _ in range(5)
        ]
        assert len(cluster.log_streams.open) == 1
    await cluster.wait_for(lambda: not cluster.log_streams.open)
    await cluster.wait_for(lambda: not asyncio.all_tasks() - before)
    async with aiohttp.ClientSession(cluster.url) as session:
        whole = await read_log(session, "web")
    assert "".join(followed) in whole
    assert not list(cluster.store.subscriptions())


async def test_follow_stops_when_limit_bytes_are_spent(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(pod("web"))
    await cluster.wait_for(lambda: state_of(cluster, "web") == "running")
    limited = {"follow": "true", "tailLines": "0", "limitBytes": "300"}
    async with http.get(log_path("web"), params=limited) as response:
        streamed = (await asyncio.wait_for(response.content.read(), 20)).decode()
    assert len(streamed) == 300
    assert streamed in await read_log(http, "web")


async def test_follow_ends_with_the_last_words_of_the_run(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(
        pod(
            "job",
            behaviour(behavior="exit", exit_code="2", run_seconds="20"),
            restartPolicy="Never",
        )
    )
    cluster.create(pod("web", behaviour(terminate_seconds="2")))
    await cluster.wait_for(lambda: state_of(cluster, "job") == "running")
    await cluster.wait_for(lambda: state_of(cluster, "web") == "running")
    async with http.get(log_path("job"), params={"follow": "true"}) as response:
        followed = (await asyncio.wait_for(response.content.read(), 20)).decode()
    assert followed.endswith('level=error msg="exiting" code=2\n')
    assert followed == await read_log(http, "job")
    async with http.get(log_path("web"), params={"follow": "true"}) as response:
        await cluster.wait_for(lambda: len(cluster.log_streams.open) == 1)
        cluster.delete("Pod", "web")
        stopped = (await asyncio.wait_for(response.content.read(), 20)).decode()
    assert stopped.splitlines()[-2:] == [
        'level=info msg="received signal, shutting down" signal=terminated',
        'level=info msg="shutdown complete"',
    ]


async def test_follow_is_bounded(tmp_path: Path) -> None:
    async with SimulatedFleet(
        time_scale=40,
        kubeconfig=tmp_path / "kubeconfig",
        watch_settings=WatchSettings(log_follow_limit=0.5),
    ) as fleet:
        cluster = fleet["sim-1"]
        cluster.create(pod("web"))
        await cluster.wait_for(lambda: state_of(cluster, "web") == "running")
        async with aiohttp.ClientSession(cluster.url) as http:
            async with http.get(log_path("web"), params={"follow": "true"}) as response:
                assert await asyncio.wait_for(response.content.read(), 20)
            async with http.get(log_path("web"), params={"follow": "true"}) as response:
                await cluster.wait_for(lambda: len(cluster.log_streams.open) == 1)
                assert cluster.log_streams.close_all() == 1
                assert await asyncio.wait_for(response.content.read(), 20)
        assert not cluster.log_streams.open
