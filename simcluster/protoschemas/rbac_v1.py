"""Protobuf field numbers of rbac/v1.

Written by scripts/generate_kubeproto.py from generated.proto and the Go types of
kubernetes/api and kubernetes/apimachinery v0.32.13 (commits
67a30ffc59c5 and 59e9003f02d6): regenerate, do not edit.
"""

from simcluster.protoschemas.field import Field, Messages

MESSAGES: Messages = {
    "rbac.v1.AggregationRule": {
        1: Field("clusterRoleSelectors", "[]meta.v1.LabelSelector"),
    },
    "rbac.v1.ClusterRole": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("rules", "[]rbac.v1.PolicyRule"),
        3: Field("aggregationRule", "rbac.v1.AggregationRule"),
    },
    "rbac.v1.ClusterRoleBinding": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("subjects", "[]rbac.v1.Subject"),
        3: Field("roleRef", "rbac.v1.RoleRef"),
    },
    "rbac.v1.PolicyRule": {
        1: Field("verbs", "[]string"),
        2: Field("apiGroups", "[]string"),
        3: Field("resources", "[]string"),
        4: Field("resourceNames", "[]string"),
        5: Field("nonResourceURLs", "[]string"),
    },
    "rbac.v1.Role": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("rules", "[]rbac.v1.PolicyRule"),
    },
    "rbac.v1.RoleBinding": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("subjects", "[]rbac.v1.Subject"),
        3: Field("roleRef", "rbac.v1.RoleRef"),
    },
    "rbac.v1.RoleRef": {
        1: Field("apiGroup", "string", keep_zero=True),
        2: Field("kind", "string", keep_zero=True),
        3: Field("name", "string", keep_zero=True),
    },
    "rbac.v1.Subject": {
        1: Field("kind", "string", keep_zero=True),
        2: Field("apiGroup", "string"),
        3: Field("name", "string", keep_zero=True),
        4: Field("namespace", "string"),
    },
}
