"""The types custom resources add: a workload of any watched kind, and the kinds a cluster serves.

A custom workload has no kind-specific fields of its own beyond its family: what its
rule computed is in the fields every workload has (status, reason, counts where the
rule fills them), and clients tell kinds apart by ``groupKind``.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.types import Workload


@strawberry.enum(description="How a custom kind's workloads live, which decides their statuses.")
class WorkloadFamily(Enum):
    _value_: str

    LONG_RUNNING = strawberry.enum_value(
        "long-running",
        description=(
            "Meant to keep running, like a Deployment (Waiting, Running, Not Ready, Exception, "
            "Deleting): Rollouts, CloneSets, VirtualMachines."
        ),
    )
    RUN_TO_COMPLETION = strawberry.enum_value(
        "run-to-completion",
        description=(
            "Meant to finish, like a Job (Waiting, Executing, Execution Complete, Exception, "
            "Deleting): Kubeflow training jobs, Argo Workflows."
        ),
    )


FAMILY_BY_NAME = {f.value: f for f in WorkloadFamily}


@strawberry.type(
    description=(
        "A custom resource the gateway watches as a workload (kind CUSTOM), with the status "
        "its rule computed."
    )
)
class CustomWorkload(Workload):
    family: WorkloadFamily = strawberry.field(
        description="Whether the kind keeps running or runs to completion."
    )


@strawberry.type(description="A custom resource kind the gateway watches in a cluster.")
class CustomKind:
    group_kind: str = strawberry.field(
        description="The kind as a GroupKind (Rollout.argoproj.io), as groupKinds filters take it."
    )
    kind_name: str = strawberry.field(description="The manifests' `kind`, e.g. Rollout.")
    group: str = strawberry.field(description="Its API group, e.g. argoproj.io.")
    version: str = strawberry.field(description="The version the gateway reads, e.g. v1alpha1.")
    plural: str = strawberry.field(
        description="The resource's plural name in URLs and RBAC rules, e.g. rollouts."
    )
    namespaced: bool = strawberry.field(
        description="Whether its objects live in namespaces (false: cluster-scoped)."
    )
    family: WorkloadFamily = strawberry.field(
        description="Whether its workloads keep running or run to completion."
    )
    rule: str | None = strawberry.field(
        description=(
            "The rule that judges its status (group/Kind of a rule file); null: the gateway's "
            "generic judgement from conditions."
        )
    )
