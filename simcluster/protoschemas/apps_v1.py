"""Protobuf field numbers of apps/v1.

Written by scripts/generate_kubeproto.py from generated.proto and the Go types of
kubernetes/api and kubernetes/apimachinery v0.32.13 (commits
67a30ffc59c5 and 59e9003f02d6): regenerate, do not edit.
"""

from simcluster.protoschemas.field import Field, Messages

MESSAGES: Messages = {
    "apps.v1.DaemonSet": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("spec", "apps.v1.DaemonSetSpec"),
        3: Field("status", "apps.v1.DaemonSetStatus"),
    },
    "apps.v1.DaemonSetCondition": {
        1: Field("type", "string", keep_zero=True),
        2: Field("status", "string", keep_zero=True),
        3: Field("lastTransitionTime", "meta.v1.Time"),
        4: Field("reason", "string"),
        5: Field("message", "string"),
    },
    "apps.v1.DaemonSetSpec": {
        1: Field("selector", "meta.v1.LabelSelector"),
        2: Field("template", "core.v1.PodTemplateSpec"),
        3: Field("updateStrategy", "apps.v1.DaemonSetUpdateStrategy"),
        4: Field("minReadySeconds", "int32"),
        6: Field("revisionHistoryLimit", "int32", keep_zero=True),
    },
    "apps.v1.DaemonSetStatus": {
        1: Field("currentNumberScheduled", "int32", keep_zero=True),
        2: Field("numberMisscheduled", "int32", keep_zero=True),
        3: Field("desiredNumberScheduled", "int32", keep_zero=True),
        4: Field("numberReady", "int32", keep_zero=True),
        5: Field("observedGeneration", "int64"),
        6: Field("updatedNumberScheduled", "int32"),
        7: Field("numberAvailable", "int32"),
        8: Field("numberUnavailable", "int32"),
        9: Field("collisionCount", "int32", keep_zero=True),
        10: Field("conditions", "[]apps.v1.DaemonSetCondition"),
    },
    "apps.v1.DaemonSetUpdateStrategy": {
        1: Field("type", "string"),
        2: Field("rollingUpdate", "apps.v1.RollingUpdateDaemonSet"),
    },
    "apps.v1.Deployment": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("spec", "apps.v1.DeploymentSpec"),
        3: Field("status", "apps.v1.DeploymentStatus"),
    },
    "apps.v1.DeploymentCondition": {
        1: Field("type", "string", keep_zero=True),
        2: Field("status", "string", keep_zero=True),
        6: Field("lastUpdateTime", "meta.v1.Time"),
        7: Field("lastTransitionTime", "meta.v1.Time"),
        4: Field("reason", "string"),
        5: Field("message", "string"),
    },
    "apps.v1.DeploymentSpec": {
        1: Field("replicas", "int32", keep_zero=True),
        2: Field("selector", "meta.v1.LabelSelector"),
        3: Field("template", "core.v1.PodTemplateSpec"),
        4: Field("strategy", "apps.v1.DeploymentStrategy"),
        5: Field("minReadySeconds", "int32"),
        6: Field("revisionHistoryLimit", "int32", keep_zero=True),
        7: Field("paused", "bool"),
        9: Field("progressDeadlineSeconds", "int32", keep_zero=True),
    },
    "apps.v1.DeploymentStatus": {
        1: Field("observedGeneration", "int64"),
        2: Field("replicas", "int32"),
        3: Field("updatedReplicas", "int32"),
        7: Field("readyReplicas", "int32"),
        4: Field("availableReplicas", "int32"),
        5: Field("unavailableReplicas", "int32"),
        6: Field("conditions", "[]apps.v1.DeploymentCondition"),
        8: Field("collisionCount", "int32", keep_zero=True),
    },
    "apps.v1.DeploymentStrategy": {
        1: Field("type", "string"),
        2: Field("rollingUpdate", "apps.v1.RollingUpdateDeployment"),
    },
    "apps.v1.ReplicaSet": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("spec", "apps.v1.ReplicaSetSpec"),
        3: Field("status", "apps.v1.ReplicaSetStatus"),
    },
    "apps.v1.ReplicaSetCondition": {
        1: Field("type", "string", keep_zero=True),
        2: Field("status", "string", keep_zero=True),
        3: Field("lastTransitionTime", "meta.v1.Time"),
        4: Field("reason", "string"),
        5: Field("message", "string"),
    },
    "apps.v1.ReplicaSetSpec": {
        1: Field("replicas", "int32", keep_zero=True),
        4: Field("minReadySeconds", "int32"),
        2: Field("selector", "meta.v1.LabelSelector"),
        3: Field("template", "core.v1.PodTemplateSpec"),
    },
    "apps.v1.ReplicaSetStatus": {
        1: Field("replicas", "int32", keep_zero=True),
        2: Field("fullyLabeledReplicas", "int32"),
        4: Field("readyReplicas", "int32"),
        5: Field("availableReplicas", "int32"),
        3: Field("observedGeneration", "int64"),
        6: Field("conditions", "[]apps.v1.ReplicaSetCondition"),
    },
    "apps.v1.RollingUpdateDaemonSet": {
        1: Field("maxUnavailable", "intstr.IntOrString"),
        2: Field("maxSurge", "intstr.IntOrString"),
    },
    "apps.v1.RollingUpdateDeployment": {
        1: Field("maxUnavailable", "intstr.IntOrString"),
        2: Field("maxSurge", "intstr.IntOrString"),
    },
    "apps.v1.RollingUpdateStatefulSetStrategy": {
        1: Field("partition", "int32", keep_zero=True),
        2: Field("maxUnavailable", "intstr.IntOrString"),
    },
    "apps.v1.StatefulSet": {
        1: Field("metadata", "meta.v1.ObjectMeta"),
        2: Field("spec", "apps.v1.StatefulSetSpec"),
        3: Field("status", "apps.v1.StatefulSetStatus"),
    },
    "apps.v1.StatefulSetCondition": {
        1: Field("type", "string", keep_zero=True),
        2: Field("status", "string", keep_zero=True),
        3: Field("lastTransitionTime", "meta.v1.Time"),
        4: Field("reason", "string"),
        5: Field("message", "string"),
    },
    "apps.v1.StatefulSetOrdinals": {
        1: Field("start", "int32", keep_zero=True),
    },
    "apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy": {
        1: Field("whenDeleted", "string"),
        2: Field("whenScaled", "string"),
    },
    "apps.v1.StatefulSetSpec": {
        1: Field("replicas", "int32", keep_zero=True),
        2: Field("selector", "meta.v1.LabelSelector"),
        3: Field("template", "core.v1.PodTemplateSpec"),
        4: Field("volumeClaimTemplates", "[]core.v1.PersistentVolumeClaim"),
        5: Field("serviceName", "string", keep_zero=True),
        6: Field("podManagementPolicy", "string"),
        7: Field("updateStrategy", "apps.v1.StatefulSetUpdateStrategy"),
        8: Field("revisionHistoryLimit", "int32", keep_zero=True),
        9: Field("minReadySeconds", "int32"),
        10: Field(
            "persistentVolumeClaimRetentionPolicy",
            "apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy",
        ),
        11: Field("ordinals", "apps.v1.StatefulSetOrdinals"),
    },
    "apps.v1.StatefulSetStatus": {
        1: Field("observedGeneration", "int64"),
        2: Field("replicas", "int32", keep_zero=True),
        3: Field("readyReplicas", "int32"),
        4: Field("currentReplicas", "int32"),
        5: Field("updatedReplicas", "int32"),
        6: Field("currentRevision", "string"),
        7: Field("updateRevision", "string"),
        9: Field("collisionCount", "int32", keep_zero=True),
        10: Field("conditions", "[]apps.v1.StatefulSetCondition"),
        11: Field("availableReplicas", "int32", keep_zero=True),
    },
    "apps.v1.StatefulSetUpdateStrategy": {
        1: Field("type", "string"),
        2: Field("rollingUpdate", "apps.v1.RollingUpdateStatefulSetStrategy"),
    },
}
