"""The resources watched per cluster, and which kubernetes_asyncio call lists each."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Resource:
    plural: str
    kind: str
    group: str
    list_call: str


RESOURCES: tuple[Resource, ...] = (
    Resource("namespaces", "Namespace", "core", "list_namespace"),
    Resource("nodes", "Node", "core", "list_node"),
    Resource("replicasets", "ReplicaSet", "apps", "list_replica_set_for_all_namespaces"),
    Resource("deployments", "Deployment", "apps", "list_deployment_for_all_namespaces"),
    Resource("statefulsets", "StatefulSet", "apps", "list_stateful_set_for_all_namespaces"),
    Resource("daemonsets", "DaemonSet", "apps", "list_daemon_set_for_all_namespaces"),
    Resource("cronjobs", "CronJob", "batch", "list_cron_job_for_all_namespaces"),
    Resource("jobs", "Job", "batch", "list_job_for_all_namespaces"),
    Resource("pods", "Pod", "core", "list_pod_for_all_namespaces"),
    Resource("events", "Event", "core", "list_event_for_all_namespaces"),
)

CRD_RESOURCE = Resource(
    "customresourcedefinitions",
    "CustomResourceDefinition",
    "apiextensions.k8s.io",
    "list_custom_resource_definition",
)
"""Watched only when some custom kind is opted in; its objects feed the CRD catalog."""
