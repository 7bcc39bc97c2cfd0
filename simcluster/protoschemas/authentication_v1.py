"""Protobuf field numbers of authentication/v1.

Written by scripts/generate_kubeproto.py from generated.proto and the Go types of
kubernetes/api and kubernetes/apimachinery v0.32.13 (commits
67a30ffc59c5 and 59e9003f02d6): regenerate, do not edit.
"""

from simcluster.protoschemas.field import Field, Messages

MESSAGES: Messages = {
    "authentication.v1.ExtraValue": {
        1: Field("items", "[]string"),
    },
    "authentication.v1.SelfSubjectReview": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("status", "authentication.v1.SelfSubjectReviewStatus"),
    },
    "authentication.v1.SelfSubjectReviewStatus": {
        1: Field("userInfo", "authentication.v1.UserInfo"),
    },
    "authentication.v1.TokenReview": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("spec", "authentication.v1.TokenReviewSpec"),
        3: Field("status", "authentication.v1.TokenReviewStatus"),
    },
    "authentication.v1.TokenReviewSpec": {
        1: Field("token", "string"),
        2: Field("audiences", "[]string"),
    },
    "authentication.v1.TokenReviewStatus": {
        1: Field("authenticated", "bool"),
        2: Field("user", "authentication.v1.UserInfo"),
        4: Field("audiences", "[]string"),
        3: Field("error", "string"),
    },
    "authentication.v1.UserInfo": {
        1: Field("username", "string"),
        2: Field("uid", "string"),
        3: Field("groups", "[]string"),
        4: Field("extra", "map[string]authentication.v1.ExtraValue"),
    },
}
