"""Protobuf field numbers of batch/v1.

Written by scripts/generate_kubeproto.py from generated.proto and the Go types of
kubernetes/api and kubernetes/apimachinery v0.32.13 (commits
67a30ffc59c5 and 59e9003f02d6): regenerate, do not edit.
"""

from simcluster.protoschemas.field import Field, Messages

MESSAGES: Messages = {
    "batch.v1.CronJob": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("spec", "batch.v1.CronJobSpec"),
        3: Field("status", "batch.v1.CronJobStatus"),
    },
    "batch.v1.CronJobSpec": {
        1: Field("schedule", "string", keep_zero=True),
        8: Field("timeZone", "string", keep_zero=True),
        2: Field("startingDeadlineSeconds", "int64", keep_zero=True),
        3: Field("concurrencyPolicy", "string"),
        4: Field("suspend", "bool", keep_zero=True),
        5: Field("jobTemplate", "batch.v1.JobTemplateSpec"),
        6: Field("successfulJobsHistoryLimit", "int32", keep_zero=True),
        7: Field("failedJobsHistoryLimit", "int32", keep_zero=True),
    },
    "batch.v1.CronJobStatus": {
        1: Field("active", "[]core.v1.ObjectReference"),
        4: Field("lastScheduleTime", "meta.v1.Time"),
        5: Field("lastSuccessfulTime", "meta.v1.Time"),
    },
    "batch.v1.Job": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("spec", "batch.v1.JobSpec"),
        3: Field("status", "batch.v1.JobStatus"),
    },
    "batch.v1.JobCondition": {
        1: Field("type", "string", keep_zero=True),
        2: Field("status", "string", keep_zero=True),
        3: Field("lastProbeTime", "meta.v1.Time"),
        4: Field("lastTransitionTime", "meta.v1.Time"),
        5: Field("reason", "string"),
        6: Field("message", "string"),
    },
    "batch.v1.JobSpec": {
        1: Field("parallelism", "int32", keep_zero=True),
        2: Field("completions", "int32", keep_zero=True),
        3: Field("activeDeadlineSeconds", "int64", keep_zero=True),
        11: Field("podFailurePolicy", "batch.v1.PodFailurePolicy"),
        16: Field("successPolicy", "batch.v1.SuccessPolicy"),
        7: Field("backoffLimit", "int32", keep_zero=True),
        12: Field("backoffLimitPerIndex", "int32", keep_zero=True),
        13: Field("maxFailedIndexes", "int32", keep_zero=True),
        4: Field("selector", "meta.v1.LabelSelector"),
        5: Field("manualSelector", "bool", keep_zero=True),
        6: Field("template", "core.v1.PodTemplateSpec"),
        8: Field("ttlSecondsAfterFinished", "int32", keep_zero=True),
        9: Field("completionMode", "string", keep_zero=True),
        10: Field("suspend", "bool", keep_zero=True),
        14: Field("podReplacementPolicy", "string", keep_zero=True),
        15: Field("managedBy", "string", keep_zero=True),
    },
    "batch.v1.JobStatus": {
        1: Field("conditions", "[]batch.v1.JobCondition"),
        2: Field("startTime", "meta.v1.Time"),
        3: Field("completionTime", "meta.v1.Time"),
        4: Field("active", "int32"),
        5: Field("succeeded", "int32"),
        6: Field("failed", "int32"),
        11: Field("terminating", "int32", keep_zero=True),
        7: Field("completedIndexes", "string"),
        10: Field("failedIndexes", "string", keep_zero=True),
        8: Field("uncountedTerminatedPods", "batch.v1.UncountedTerminatedPods"),
        9: Field("ready", "int32", keep_zero=True),
    },
    "batch.v1.JobTemplateSpec": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("spec", "batch.v1.JobSpec"),
    },
    "batch.v1.PodFailurePolicy": {
        1: Field("rules", "[]batch.v1.PodFailurePolicyRule"),
    },
    "batch.v1.PodFailurePolicyOnExitCodesRequirement": {
        1: Field("containerName", "string", keep_zero=True),
        2: Field("operator", "string", keep_zero=True),
        3: Field("values", "[]int32"),
    },
    "batch.v1.PodFailurePolicyOnPodConditionsPattern": {
        1: Field("type", "string", keep_zero=True),
        2: Field("status", "string", keep_zero=True),
    },
    "batch.v1.PodFailurePolicyRule": {
        1: Field("action", "string", keep_zero=True),
        2: Field("onExitCodes", "batch.v1.PodFailurePolicyOnExitCodesRequirement"),
        3: Field("onPodConditions", "[]batch.v1.PodFailurePolicyOnPodConditionsPattern"),
    },
    "batch.v1.SuccessPolicy": {
        1: Field("rules", "[]batch.v1.SuccessPolicyRule"),
    },
    "batch.v1.SuccessPolicyRule": {
        1: Field("succeededIndexes", "string", keep_zero=True),
        2: Field("succeededCount", "int32", keep_zero=True),
    },
    "batch.v1.UncountedTerminatedPods": {
        1: Field("succeeded", "[]string"),
        2: Field("failed", "[]string"),
    },
}
