"""Sets of chart values the tests render: the default install and the choices
docs/deployment.md documents (Redis modes, replicas, remote clusters, ingress, resources,
the gateway's settings and a configuration section given only through values)."""

from __future__ import annotations

from typing import Any

REDIS_URL = "rediss://:s3cret@redis.example.org:6380/0"
REMOTE_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
  - name: prod-eu
    cluster: {server: "https://prod-eu.example.org:6443"}
  - name: prod-us
    cluster: {server: "https://prod-us.example.org:6443"}
users:
  - name: gateway
    user: {token: not-a-real-token}
contexts:
  - name: prod-eu
    context: {cluster: prod-eu, user: gateway}
  - name: prod-us
    context: {cluster: prod-us, user: gateway}
current-context: prod-eu
"""

EXTERNAL_REDIS: dict[str, Any] = {
    "replicaCount": 3,
    "redis": {"mode": "external", "external": {"url": REDIS_URL}},
}
EXTERNAL_REDIS_SECRET: dict[str, Any] = {
    "replicaCount": 2,
    "redis": {
        "mode": "external",
        "external": {"existingSecret": "gateway-redis", "existingSecretKey": "redis-url"},
    },
}
BUNDLED_REDIS: dict[str, Any] = {"replicaCount": 3, "redis": {"mode": "bundled"}}
INGRESS: dict[str, Any] = {
    "ingress": {
        "enabled": True,
        "className": "nginx",
        "annotations": {"nginx.ingress.kubernetes.io/proxy-read-timeout": "3600"},
        "hosts": [{"host": "status.example.org", "paths": [{"path": "/", "pathType": "Prefix"}]}],
        "tls": [{"hosts": ["status.example.org"], "secretName": "status-tls"}],
    }
}
KUBECONFIG_CONTENT: dict[str, Any] = {
    "clusters": {
        "kubeconfig": {"content": REMOTE_KUBECONFIG},
        "contexts": ["prod-eu", "prod-us"],
    }
}
KUBECONFIG_SECRET: dict[str, Any] = {
    "clusters": {"kubeconfig": {"existingSecret": "gateway-kubeconfig", "key": "kubeconfig"}}
}
RESOURCES_AND_SCHEDULING: dict[str, Any] = {
    "image": {"repository": "registry.example.org/ksg", "digest": "sha256:" + "ab" * 32},
    "resources": {
        "requests": {"cpu": "500m", "memory": "1Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    },
    "gateway": {"logLevel": "debug", "leaseSeconds": 20},
    "nodeSelector": {"kubernetes.io/os": "linux"},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "ops"}],
    "podDisruptionBudget": {"maxUnavailable": "50%"},
    "service": {"type": "LoadBalancer", "port": 8080},
}

CONSOLE = "https://console.example.org"
GATEWAY_SETTINGS: dict[str, Any] = {
    "gateway": {
        "logLevel": "debug",
        "logFormat": "text",
        "graceSeconds": 90,
        "corsOrigins": [CONSOLE],
        "websocketOrigins": [CONSOLE, "http://localhost:5173"],
        "limits": {"maxPage": 500, "maxDepth": 8, "snapshotMax": 5000},
        "extraEnv": [{"name": "KSG_LOGGING_LEVEL", "value": "warning"}],
    },
    "config": {
        "redis": {"keyPrefix": "prod", "feedLength": 50000},
        "server": {"maxBodyBytes": 262144},
        "limits": {"maxPage": 200},
        "logging": {"level": "error"},
    },
}
"""Values, then the config block over them in the file, then extraEnv over the file."""
AUTH_DIR = "/etc/kube-status-gateway/auth"
AUTH_TOKEN_FILE: dict[str, Any] = {
    "gateway": {
        "extraVolumes": [{"name": "auth", "secret": {"secretName": "gateway-tokens"}}],
        "extraVolumeMounts": [{"name": "auth", "mountPath": AUTH_DIR}],
    },
    "config": {
        "auth": {
            "tokenFile": {"path": f"{AUTH_DIR}/tokens.yaml"},
            "rules": [{"groups": ["platform"], "podLogs": True, "nodes": True, "metrics": True}],
        }
    },
}
"""docs/deployment.md's auth.yaml (tests/docs checks they agree): a section the chart has no
values for, its file mounted from a Secret, with no template change."""

AUTH_TOKEN_REVIEW: dict[str, Any] = {
    "config": {"auth": {"tokenReview": {"cluster": "in-cluster"}, "rbac": {"enabled": True}}}
}
"""People use their own tokens for this cluster, and its RBAC says what they may see."""

WIDGET_RULE = """\
group: example.com
kind: Widget
family: run-to-completion
statuses:
  - when: self.?status.?done.orValue(false)
    status: Execution Complete
    reason: Done
    message: '"The widget is done."'
  - status: Executing
    reason: Working
    message: '"The widget is being made."'
"""
ROLLOUT_OVERRIDE: dict[str, Any] = {
    "group": "argoproj.io",
    "kind": "Rollout",
    "family": "long-running",
    "statuses": [
        {
            "when": 'self.?status.?phase.orValue("") == "Healthy"',
            "status": "Running",
            "reason": "Healthy",
            "message": '"Healthy, says our own rule."',
        },
        {"status": "Waiting", "reason": "NotHealthy", "message": '"Not healthy yet."'},
    ],
}
CUSTOM_RESOURCES: dict[str, Any] = {
    "customResources": {
        "watch": ["Rollout.argoproj.io", "Widget.example.com", "Gadget.example.com"],
        "conventions": [{"kind": "Gadget.example.com", "family": "run-to-completion"}],
        "rules": [ROLLOUT_OVERRIDE],
        "ruleFiles": {"widget.yaml": WIDGET_RULE},
    }
}
"""docs/rules.md's Helm example: an inline rule replacing the library's Rollout, a rule file
mounted from the chart's ConfigMap, and a watched kind left to the conventions."""

EXISTING_SECRETS: dict[tuple[str, str], str] = {("gateway-redis", "redis-url"): REDIS_URL}
"""(Secret, key) -> value of the Secrets the value sets expect to exist in the namespace."""

VALUE_SETS: dict[str, dict[str, Any]] = {
    "default": {},
    "external-redis": EXTERNAL_REDIS,
    "external-redis-secret": EXTERNAL_REDIS_SECRET,
    "bundled-redis": BUNDLED_REDIS,
    "ingress": INGRESS,
    "kubeconfig-content": KUBECONFIG_CONTENT,
    "kubeconfig-secret": KUBECONFIG_SECRET,
    "resources-and-scheduling": RESOURCES_AND_SCHEDULING,
    "gateway-settings": GATEWAY_SETTINGS,
    "auth-token-file": AUTH_TOKEN_FILE,
    "auth-token-review": AUTH_TOKEN_REVIEW,
    "custom-resources": CUSTOM_RESOURCES,
}
