"""Protobuf field numbers of runtime.

Written by scripts/generate_kubeproto.py from generated.proto and the Go types of
kubernetes/api and kubernetes/apimachinery v0.32.13 (commits
67a30ffc59c5 and 59e9003f02d6): regenerate, do not edit.
"""

from simcluster.protoschemas.field import Field, Messages

MESSAGES: Messages = {
    "runtime.TypeMeta": {
        1: Field("apiVersion", "string"),
        2: Field("kind", "string"),
    },
    "runtime.Unknown": {
        1: Field("typeMeta", "runtime.TypeMeta"),
        2: Field("raw", "bytes", keep_zero=True),
        3: Field("contentEncoding", "string", keep_zero=True),
        4: Field("contentType", "string", keep_zero=True),
    },
}
