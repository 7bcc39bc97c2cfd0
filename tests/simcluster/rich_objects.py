"""Objects that use most of what a pod template can say, for checking the protobuf decoding
of each field against kubectl: kubectl reads them as JSON and sends them back as protobuf
(``create job --from=cronjob``, ``debug --copy-to``).

They hold the tricky cases on purpose: zeros behind Go pointers that JSON keeps
(``runAsUser: 0``, ``backoffLimit: 0``, ``optional: false``), a negative int32, an
IntOrString as a name and as a number, quantities, maps, inlined structs (volume
sources, probe handlers), repeated int32 and int64, and empty structs.
"""

from __future__ import annotations

import copy
from typing import Any

MAIN_CONTAINER: dict[str, Any] = {
    "name": "main",
    "image": "example/report:2.1",
    "imagePullPolicy": "IfNotPresent",
    "command": ["/bin/report"],
    "args": ["--day", "yesterday"],
    "workingDir": "/work",
    "ports": [
        {"name": "http", "containerPort": 8080, "protocol": "TCP"},
        {"containerPort": 9090, "protocol": "UDP"},
    ],
    "env": [
        {"name": "PLAIN", "value": "x"},
        {
            "name": "NODE",
            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}},
        },
        {
            "name": "MEM",
            "valueFrom": {
                "resourceFieldRef": {
                    "containerName": "main",
                    "resource": "limits.memory",
                    "divisor": "1Mi",
                }
            },
        },
        {
            "name": "TOKEN",
            "valueFrom": {"secretKeyRef": {"name": "s", "key": "t", "optional": False}},
        },
    ],
    "envFrom": [{"configMapRef": {"name": "settings", "optional": True}, "prefix": "CFG_"}],
    "resources": {
        "limits": {"cpu": "2", "memory": "1Gi", "ephemeral-storage": "500M"},
        "requests": {"cpu": "250m", "memory": "512Mi"},
    },
    "volumeMounts": [
        {
            "name": "data",
            "mountPath": "/data",
            "readOnly": True,
            "subPath": "reports",
            "mountPropagation": "HostToContainer",
        },
        {"name": "scratch", "mountPath": "/scratch"},
    ],
    "livenessProbe": {
        "httpGet": {
            "path": "/healthz",
            "port": "http",
            "scheme": "HTTPS",
            "httpHeaders": [{"name": "X-Probe", "value": "1"}],
        },
        "initialDelaySeconds": 5,
        "timeoutSeconds": 2,
        "successThreshold": 1,
        "terminationGracePeriodSeconds": 10,
    },
    "readinessProbe": {"exec": {"command": ["cat", "/tmp/ready"]}},
    "lifecycle": {
        "preStop": {"sleep": {"seconds": 3}},
        "postStart": {"httpGet": {"port": 8080, "path": "/started"}},
    },
    "securityContext": {
        "privileged": False,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
    },
    "terminationMessagePolicy": "FallbackToLogsOnError",
    "resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}],
}

POD_SPEC: dict[str, Any] = {
    "priority": -5,
    "terminationGracePeriodSeconds": 0,
    "automountServiceAccountToken": False,
    "enableServiceLinks": False,
    "shareProcessNamespace": True,
    "nodeSelector": {"disk": "ssd"},
    "serviceAccountName": "reporter",
    "imagePullSecrets": [{"name": "regcred"}],
    "hostAliases": [{"ip": "10.0.0.1", "hostnames": ["a.local", "b.local"]}],
    "dnsPolicy": "None",
    "dnsConfig": {
        "nameservers": ["1.1.1.1"],
        "searches": ["svc.local"],
        "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}],
    },
    "securityContext": {
        "runAsUser": 0,
        "runAsGroup": 3000,
        "runAsNonRoot": False,
        "fsGroup": 2000,
        "supplementalGroups": [4000, 5000],
        "sysctls": [{"name": "net.core.somaxconn", "value": "1024"}],
        "seccompProfile": {"type": "RuntimeDefault"},
    },
    "tolerations": [
        {
            "key": "dedicated",
            "operator": "Equal",
            "value": "batch",
            "effect": "NoExecute",
            "tolerationSeconds": 3600,
        },
        {"operator": "Exists"},
    ],
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}
                ]
            },
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 10,
                    "preference": {"matchExpressions": [{"key": "gpu", "operator": "Exists"}]},
                }
            ],
        },
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 100,
                    "podAffinityTerm": {
                        "topologyKey": "kubernetes.io/hostname",
                        "labelSelector": {"matchLabels": {"app": "report"}},
                    },
                }
            ]
        },
    },
    "topologySpreadConstraints": [
        {
            "maxSkew": 1,
            "topologyKey": "zone",
            "whenUnsatisfiable": "ScheduleAnyway",
            "minDomains": 2,
            "labelSelector": {
                "matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["x"]}]
            },
        }
    ],
    "initContainers": [
        {
            "name": "sidecar",
            "image": "envoy:1.30",
            "restartPolicy": "Always",
            "startupProbe": {
                "tcpSocket": {"port": 9901},
                "periodSeconds": 1,
                "failureThreshold": 30,
            },
        }
    ],
    "containers": [MAIN_CONTAINER],
    "volumes": [
        {"name": "data", "persistentVolumeClaim": {"claimName": "reports", "readOnly": True}},
        {"name": "scratch", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
        {
            "name": "cfg",
            "configMap": {
                "name": "settings",
                "defaultMode": 420,
                "items": [{"key": "a", "path": "a.txt", "mode": 256}],
            },
        },
        {
            "name": "token",
            "projected": {
                "sources": [
                    {
                        "serviceAccountToken": {
                            "audience": "api",
                            "expirationSeconds": 3600,
                            "path": "t",
                        }
                    },
                    {
                        "downwardAPI": {
                            "items": [
                                {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}
                            ]
                        }
                    },
                ]
            },
        },
        {"name": "host", "hostPath": {"path": "/var/log", "type": "Directory"}},
        {
            "name": "scratch-claim",
            "ephemeral": {
                "volumeClaimTemplate": {
                    "metadata": {"labels": {"v": "1"}, "creationTimestamp": None},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "storageClassName": "fast",
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            },
        },
    ],
}
"""A pod spec as Go's JSON encoder writes one: no zero value of an omitempty field."""

OMITTED_ZEROS: dict[str, Any] = {"hostNetwork": False, "hostPID": False, "nodeName": ""}
"""Zeros JSON leaves out (omitempty, not pointers): sent as protobuf, they must vanish."""


def rich_pod(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "report"}, "annotations": {"a": "1"}},
        "spec": {**copy.deepcopy(POD_SPEC), "restartPolicy": "Always"},
    }


def rich_cronjob(name: str) -> dict[str, Any]:
    """A suspended CronJob whose job template uses POD_SPEC, plus zeros JSON leaves out."""
    pod_spec = {**copy.deepcopy(POD_SPEC), **OMITTED_ZEROS, "restartPolicy": "Never"}
    pod_spec["containers"][0]["ports"][1]["hostPort"] = 0
    pod_spec["containers"][0]["stdin"] = False
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name, "labels": {"team": "data"}, "annotations": {"note": "nightly"}},
        "spec": {
            "schedule": "0 3 * * *",
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 120,
            "suspend": True,
            "successfulJobsHistoryLimit": 0,
            "failedJobsHistoryLimit": 2,
            "jobTemplate": {
                "metadata": {"labels": {"kind": "report"}, "annotations": {"owner": "ops"}},
                "spec": {
                    "parallelism": 2,
                    "completions": 4,
                    "completionMode": "Indexed",
                    "backoffLimit": 0,
                    "backoffLimitPerIndex": 1,
                    "maxFailedIndexes": 2,
                    "activeDeadlineSeconds": 3600,
                    "ttlSecondsAfterFinished": 0,
                    "suspend": False,
                    "podFailurePolicy": {
                        "rules": [
                            {
                                "action": "FailJob",
                                "onExitCodes": {
                                    "containerName": "main",
                                    "operator": "In",
                                    "values": [1, 2, 42],
                                },
                            },
                            {
                                "action": "Ignore",
                                "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}],
                            },
                        ]
                    },
                    "template": {
                        "metadata": {"labels": {"app": "report"}, "annotations": {"a": "1"}},
                        "spec": pod_spec,
                    },
                },
            },
        },
    }
