"""Protobuf field numbers of autoscaling/v1.

Written by scripts/generate_kubeproto.py from generated.proto and the Go types of
kubernetes/api and kubernetes/apimachinery v0.32.13 (commits
67a30ffc59c5 and 59e9003f02d6): regenerate, do not edit.
"""

from simcluster.protoschemas.field import Field, Messages

MESSAGES: Messages = {
    "autoscaling.v1.Scale": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("spec", "autoscaling.v1.ScaleSpec"),
        3: Field("status", "autoscaling.v1.ScaleStatus"),
    },
    "autoscaling.v1.ScaleSpec": {
        1: Field("replicas", "int32"),
    },
    "autoscaling.v1.ScaleStatus": {
        1: Field("replicas", "int32", keep_zero=True),
        2: Field("selector", "string"),
    },
}
