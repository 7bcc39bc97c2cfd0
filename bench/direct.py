"""The benchmark's question asked without the gateway: list the cluster, judge it client-side.

What a console would have to do with no cache: list every resource the status
rules read (workloads, ReplicaSets, pods, nodes, events) from the API server with
kubernetes_asyncio, paged like kubectl (``limit=500`` and ``continue``), all
kinds at once, then sort pods under their owners (gateway.ownership) and run the
status engine (gateway.status) on every workload. It is given its best chance:
bodies are parsed raw with orjson, as the gateway's own watchers do, instead of
through the generated models, and nodes are judged once rather than per workload.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import orjson
from kubernetes_asyncio import client

from bench.bare_endpoint import kind_name, status_name
from gateway.ownership import group
from gateway.status import evaluate_pod, evaluate_workload, index_nodes
from gateway.status.events import index_events
from gateway.status.fields import Obj
from gateway.watch.resources import RESOURCES, Resource

PAGE = 500
APIS = {"core": client.CoreV1Api, "apps": client.AppsV1Api, "batch": client.BatchV1Api}
NEEDED = [r for r in RESOURCES if r.kind != "Namespace"]


async def list_all(api: client.ApiClient, resource: Resource) -> list[Obj]:
    call = getattr(APIS[resource.group](api), resource.list_call)
    items: list[Obj] = []
    token = ""
    while True:
        params: dict[str, Any] = {"limit": PAGE}
        if token:
            params["_continue"] = token
        response = await call(_preload_content=False, **params)
        page = orjson.loads(await response.read())
        for item in page["items"]:
            item.setdefault("kind", resource.kind)
        items += page["items"]
        token = (page.get("metadata") or {}).get("continue") or ""
        if not token:
            return items


async def list_cluster(api: client.ApiClient) -> list[Obj]:
    lists = await asyncio.gather(*(list_all(api, r) for r in NEEDED))
    return [obj for found in lists for obj in found]


def judge(objects: list[Obj], now: datetime) -> list[dict[str, Any]]:
    """Every workload's answer, with the fields (and enum spellings) the GraphQL query returns."""
    fleet = group(objects)
    nodes = index_nodes(fleet.nodes)
    events = index_events(fleet.events)
    answers: list[dict[str, Any]] = []
    for workload in fleet.workloads:
        pods = []
        for pod in workload.pods:
            meta = pod.get("metadata") or {}
            key = ("Pod", meta.get("namespace") or "", meta.get("name") or "")
            pods.append(evaluate_pod(pod, nodes, now, events.get(key, ())))
        state = evaluate_workload(
            workload.obj, now, pods=pods, replica_sets=workload.replica_sets, jobs=workload.jobs
        )
        answers.append(
            {
                "name": state.name,
                "namespace": state.namespace,
                "kind": kind_name(state.kind),
                "status": status_name(state.status.value),
                "reason": state.reason,
                "message": state.message,
                "counts": {
                    "desired": state.counts.desired,
                    "ready": state.counts.ready,
                    "available": state.counts.available,
                },
            }
        )
    return answers


async def ask_directly(api: client.ApiClient) -> tuple[list[dict[str, Any]], int]:
    """Every workload's status and how many objects were listed to find it."""
    objects = await list_cluster(api)
    return judge(objects, datetime.now(UTC)), len(objects)
