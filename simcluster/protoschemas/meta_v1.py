"""Protobuf field numbers of meta/v1.

Written by scripts/generate_kubeproto.py from generated.proto and the Go types of
kubernetes/api and kubernetes/apimachinery v0.32.13 (commits
67a30ffc59c5 and 59e9003f02d6): regenerate, do not edit.
"""

from simcluster.protoschemas.field import Field, Messages

MESSAGES: Messages = {
    "meta.v1.DeleteOptions": {
        1: Field("gracePeriodSeconds", "int64", keep_zero=True),
        2: Field("preconditions", "meta.v1.Preconditions"),
        3: Field("orphanDependents", "bool", keep_zero=True),
        4: Field("propagationPolicy", "string", keep_zero=True),
        5: Field("dryRun", "[]string"),
        6: Field("ignoreStoreReadErrorWithClusterBreakingPotential", "bool", keep_zero=True),
    },
    "meta.v1.FieldSelectorRequirement": {
        1: Field("key", "string", keep_zero=True),
        2: Field("operator", "string", keep_zero=True),
        3: Field("values", "[]string"),
    },
    "meta.v1.FieldsV1": {
        1: Field("Raw", "bytes", keep_zero=True),
    },
    "meta.v1.LabelSelector": {
        1: Field("matchLabels", "map[string]string"),
        2: Field("matchExpressions", "[]meta.v1.LabelSelectorRequirement"),
    },
    "meta.v1.LabelSelectorRequirement": {
        1: Field("key", "string", keep_zero=True),
        2: Field("operator", "string", keep_zero=True),
        3: Field("values", "[]string"),
    },
    "meta.v1.ManagedFieldsEntry": {
        1: Field("manager", "string"),
        2: Field("operation", "string"),
        3: Field("apiVersion", "string"),
        4: Field("time", "meta.v1.Time"),
        6: Field("fieldsType", "string"),
        7: Field("fieldsV1", "meta.v1.FieldsV1"),
        8: Field("subresource", "string"),
    },
    "meta.v1.MicroTime": {
        1: Field("seconds", "int64", keep_zero=True),
        2: Field("nanos", "int32", keep_zero=True),
    },
    "meta.v1.ObjectMeta": {
        1: Field("name", "string"),
        2: Field("generateName", "string"),
        3: Field("namespace", "string"),
        4: Field("selfLink", "string"),
        5: Field("uid", "string"),
        6: Field("resourceVersion", "string"),
        7: Field("generation", "int64"),
        8: Field("creationTimestamp", "meta.v1.Time"),
        9: Field("deletionTimestamp", "meta.v1.Time"),
        10: Field("deletionGracePeriodSeconds", "int64", keep_zero=True),
        11: Field("labels", "map[string]string"),
        12: Field("annotations", "map[string]string"),
        13: Field("ownerReferences", "[]meta.v1.OwnerReference"),
        14: Field("finalizers", "[]string"),
        17: Field("managedFields", "[]meta.v1.ManagedFieldsEntry"),
    },
    "meta.v1.OwnerReference": {
        5: Field("apiVersion", "string", keep_zero=True),
        1: Field("kind", "string", keep_zero=True),
        3: Field("name", "string", keep_zero=True),
        4: Field("uid", "string", keep_zero=True),
        6: Field("controller", "bool", keep_zero=True),
        7: Field("blockOwnerDeletion", "bool", keep_zero=True),
    },
    "meta.v1.Preconditions": {
        1: Field("uid", "string", keep_zero=True),
        2: Field("resourceVersion", "string", keep_zero=True),
    },
    "meta.v1.Time": {
        1: Field("seconds", "int64", keep_zero=True),
        2: Field("nanos", "int32", keep_zero=True),
    },
}
