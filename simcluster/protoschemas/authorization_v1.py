"""Protobuf field numbers of authorization/v1.

Written by scripts/generate_kubeproto.py from generated.proto and the Go types of
kubernetes/api and kubernetes/apimachinery v0.32.13 (commits
67a30ffc59c5 and 59e9003f02d6): regenerate, do not edit.
"""

from simcluster.protoschemas.field import Field, Messages

MESSAGES: Messages = {
    "authorization.v1.ExtraValue": {
        1: Field("items", "[]string"),
    },
    "authorization.v1.FieldSelectorAttributes": {
        1: Field("rawSelector", "string"),
        2: Field("requirements", "[]meta.v1.FieldSelectorRequirement"),
    },
    "authorization.v1.LabelSelectorAttributes": {
        1: Field("rawSelector", "string"),
        2: Field("requirements", "[]meta.v1.LabelSelectorRequirement"),
    },
    "authorization.v1.LocalSubjectAccessReview": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("spec", "authorization.v1.SubjectAccessReviewSpec"),
        3: Field("status", "authorization.v1.SubjectAccessReviewStatus"),
    },
    "authorization.v1.NonResourceAttributes": {
        1: Field("path", "string"),
        2: Field("verb", "string"),
    },
    "authorization.v1.NonResourceRule": {
        1: Field("verbs", "[]string"),
        2: Field("nonResourceURLs", "[]string"),
    },
    "authorization.v1.ResourceAttributes": {
        1: Field("namespace", "string"),
        2: Field("verb", "string"),
        3: Field("group", "string"),
        4: Field("version", "string"),
        5: Field("resource", "string"),
        6: Field("subresource", "string"),
        7: Field("name", "string"),
        8: Field("fieldSelector", "authorization.v1.FieldSelectorAttributes"),
        9: Field("labelSelector", "authorization.v1.LabelSelectorAttributes"),
    },
    "authorization.v1.ResourceRule": {
        1: Field("verbs", "[]string"),
        2: Field("apiGroups", "[]string"),
        3: Field("resources", "[]string"),
        4: Field("resourceNames", "[]string"),
    },
    "authorization.v1.SelfSubjectAccessReview": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("spec", "authorization.v1.SelfSubjectAccessReviewSpec"),
        3: Field("status", "authorization.v1.SubjectAccessReviewStatus"),
    },
    "authorization.v1.SelfSubjectAccessReviewSpec": {
        1: Field("resourceAttributes", "authorization.v1.ResourceAttributes"),
        2: Field("nonResourceAttributes", "authorization.v1.NonResourceAttributes"),
    },
    "authorization.v1.SelfSubjectRulesReview": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("spec", "authorization.v1.SelfSubjectRulesReviewSpec"),
        3: Field("status", "authorization.v1.SubjectRulesReviewStatus"),
    },
    "authorization.v1.SelfSubjectRulesReviewSpec": {
        1: Field("namespace", "string"),
    },
    "authorization.v1.SubjectAccessReview": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("spec", "authorization.v1.SubjectAccessReviewSpec"),
        3: Field("status", "authorization.v1.SubjectAccessReviewStatus"),
    },
    "authorization.v1.SubjectAccessReviewSpec": {
        1: Field("resourceAttributes", "authorization.v1.ResourceAttributes"),
        2: Field("nonResourceAttributes", "authorization.v1.NonResourceAttributes"),
        3: Field("user", "string"),
        4: Field("groups", "[]string"),
        5: Field("extra", "map[string]authorization.v1.ExtraValue"),
        6: Field("uid", "string"),
    },
    "authorization.v1.SubjectAccessReviewStatus": {
        1: Field("allowed", "bool", keep_zero=True),
        4: Field("denied", "bool"),
        2: Field("reason", "string"),
        3: Field("evaluationError", "string"),
    },
    "authorization.v1.SubjectRulesReviewStatus": {
        1: Field("resourceRules", "[]authorization.v1.ResourceRule"),
        2: Field("nonResourceRules", "[]authorization.v1.NonResourceRule"),
        3: Field("incomplete", "bool", keep_zero=True),
        4: Field("evaluationError", "string"),
    },
}
