"""The protobuf schemas of every body simcluster decodes, by message and by kind.

Written by scripts/generate_kubeproto.py from generated.proto and the Go types of
kubernetes/api and kubernetes/apimachinery v0.32.13 (commits
67a30ffc59c5 and 59e9003f02d6): regenerate, do not edit.
"""

from simcluster.protoschemas import (
    apps_v1,
    authentication_v1,
    authorization_v1,
    autoscaling_v1,
    batch_v1,
    core_v1_a_to_n,
    core_v1_n_to_v,
    core_v1_v_to_w,
    intstr,
    meta_v1,
    rbac_v1,
    resource,
    runtime,
)
from simcluster.protoschemas.field import Messages

MESSAGES: Messages = {
    **apps_v1.MESSAGES,
    **authentication_v1.MESSAGES,
    **authorization_v1.MESSAGES,
    **autoscaling_v1.MESSAGES,
    **batch_v1.MESSAGES,
    **core_v1_a_to_n.MESSAGES,
    **core_v1_n_to_v.MESSAGES,
    **core_v1_v_to_w.MESSAGES,
    **intstr.MESSAGES,
    **meta_v1.MESSAGES,
    **rbac_v1.MESSAGES,
    **resource.MESSAGES,
    **runtime.MESSAGES,
}
KINDS: dict[tuple[str, str], str] = {
    ("apps/v1", "DaemonSet"): "apps.v1.DaemonSet",
    ("apps/v1", "Deployment"): "apps.v1.Deployment",
    ("apps/v1", "ReplicaSet"): "apps.v1.ReplicaSet",
    ("apps/v1", "StatefulSet"): "apps.v1.StatefulSet",
    ("authentication.k8s.io/v1", "SelfSubjectReview"): "authentication.v1.SelfSubjectReview",
    ("authentication.k8s.io/v1", "TokenReview"): "authentication.v1.TokenReview",
    (
        "authorization.k8s.io/v1",
        "LocalSubjectAccessReview",
    ): "authorization.v1.LocalSubjectAccessReview",
    (
        "authorization.k8s.io/v1",
        "SelfSubjectAccessReview",
    ): "authorization.v1.SelfSubjectAccessReview",
    (
        "authorization.k8s.io/v1",
        "SelfSubjectRulesReview",
    ): "authorization.v1.SelfSubjectRulesReview",
    ("authorization.k8s.io/v1", "SubjectAccessReview"): "authorization.v1.SubjectAccessReview",
    ("autoscaling/v1", "Scale"): "autoscaling.v1.Scale",
    ("batch/v1", "CronJob"): "batch.v1.CronJob",
    ("batch/v1", "Job"): "batch.v1.Job",
    ("meta.k8s.io/v1", "DeleteOptions"): "meta.v1.DeleteOptions",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "rbac.v1.ClusterRole",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "rbac.v1.ClusterRoleBinding",
    ("rbac.authorization.k8s.io/v1", "Role"): "rbac.v1.Role",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "rbac.v1.RoleBinding",
    ("v1", "Event"): "core.v1.Event",
    ("v1", "Namespace"): "core.v1.Namespace",
    ("v1", "Node"): "core.v1.Node",
    ("v1", "Pod"): "core.v1.Pod",
}
"""(apiVersion, kind) of a body -> the message it is."""
ENVELOPE = "runtime.Unknown"
CUSTOM_JSON = frozenset(
    {
        "intstr.IntOrString",
        "meta.v1.FieldsV1",
        "meta.v1.MicroTime",
        "meta.v1.Time",
        "resource.Quantity",
    }
)
"""Messages whose Go type writes its own JSON (Time as a string...)."""
LISTS = frozenset(
    {
        "authentication.v1.ExtraValue",
        "authorization.v1.ExtraValue",
    }
)
"""Messages wrapping a Go slice type: their JSON is the list of their items."""
