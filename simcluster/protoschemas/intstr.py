"""Protobuf field numbers of intstr.

Written by scripts/generate_kubeproto.py from generated.proto and the Go types of
kubernetes/api and kubernetes/apimachinery v0.32.13 (commits
67a30ffc59c5 and 59e9003f02d6): regenerate, do not edit.
"""

from simcluster.protoschemas.field import Field, Messages

MESSAGES: Messages = {
    "intstr.IntOrString": {
        1: Field("type", "int64", keep_zero=True),
        2: Field("intVal", "int32", keep_zero=True),
        3: Field("strVal", "string", keep_zero=True),
    },
}
