{{/* Names and labels. */}}
{{- define "ksg.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ksg.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "ksg.redisName" -}}
{{- printf "%s-redis" (include "ksg.fullname" . | trunc 57 | trimSuffix "-") }}
{{- end }}

{{- define "ksg.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kube-status-gateway
{{- end }}

{{- define "ksg.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ksg.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end }}

{{- define "ksg.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ include "ksg.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "ksg.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ksg.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The gateway image: repository, then @digest or :tag (default: appVersion). */}}
{{- define "ksg.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "ksg.redisImage" -}}
{{- $bundled := .Values.redis.bundled.image }}
{{- if $bundled.repository }}
{{- printf "%s:%s" $bundled.repository (required "redis.bundled.image.tag is required with redis.bundled.image.repository" $bundled.tag) }}
{{- else }}
{{- include "ksg.image" . }}
{{- end }}
{{- end }}

{{/* Where things live in the gateway container. */}}
{{- define "ksg.port" -}}8080{{- end }}
{{- define "ksg.stateDir" -}}/var/lib/kube-status-gateway{{- end }}
{{- define "ksg.configDir" -}}/etc/kube-status-gateway/config{{- end }}
{{- define "ksg.configPath" -}}{{ include "ksg.configDir" . }}/config.yaml{{- end }}
{{- define "ksg.rulesDir" -}}/etc/kube-status-gateway/rules{{- end }}
{{- define "ksg.rulesName" -}}{{ printf "%s-rules" (include "ksg.fullname" . | trunc 57 | trimSuffix "-") }}{{- end }}
{{- define "ksg.kubeconfigDir" -}}/etc/kube-status-gateway/kubeconfig{{- end }}
{{- define "ksg.kubeconfigPath" -}}{{ include "ksg.kubeconfigDir" . }}/config{{- end }}

{{/* In-cluster mode: no kubeconfig given, the pod's service account is the credential. */}}
{{- define "ksg.inCluster" -}}
{{- if not (or .Values.clusters.kubeconfig.existingSecret .Values.clusters.kubeconfig.content) }}true{{ end }}
{{- end }}

{{- define "ksg.kubeconfigSecret" -}}
{{- default (printf "%s-kubeconfig" (include "ksg.fullname" .)) .Values.clusters.kubeconfig.existingSecret }}
{{- end }}

{{- define "ksg.redisSecret" -}}
{{- default (printf "%s-redis-url" (include "ksg.fullname" .)) .Values.redis.external.existingSecret }}
{{- end }}

{{/*
The gateway's config.yaml (gateway/config.py's format: sections of camelCase keys): the
chart's own wiring, the gateway.* and customResources.* values (ruleFiles as the paths of
the rules ConfigMap's files in the pod), then the config block merged over them. Redis'
URL is not here: it comes from a Secret as the KSG_REDIS_URL variable.
*/}}
{{- define "ksg.config" -}}
{{- $gateway := .Values.gateway }}
{{- $clusters := dict }}
{{- if include "ksg.inCluster" . }}
{{- $_ := set $clusters "inCluster" true }}
{{- else }}
{{- $_ := set $clusters "kubeconfig" (include "ksg.kubeconfigPath" .) }}
{{- with .Values.clusters.contexts }}
{{- $_ := set $clusters "contexts" . }}
{{- end }}
{{- end }}
{{- $server := dict "host" "0.0.0.0" "port" (int (include "ksg.port" .)) "stateDir" (include "ksg.stateDir" .) }}
{{- $_ := set $server "corsOrigins" ($gateway.corsOrigins | default list) }}
{{- $_ := set $server "websocketOrigins" ($gateway.websocketOrigins | default list) }}
{{- $config := dict "clusters" $clusters "server" $server }}
{{- $_ := set $config "watch" (dict "leaseSeconds" $gateway.leaseSeconds "graceSeconds" $gateway.graceSeconds) }}
{{- $_ := set $config "limits" ($gateway.limits | default dict) }}
{{- $_ := set $config "logging" (dict "level" $gateway.logLevel "format" $gateway.logFormat) }}
{{- $custom := .Values.customResources }}
{{- $resources := dict }}
{{- if kindIs "slice" $custom.watch }}
{{- $_ := set $resources "watch" $custom.watch }}
{{- end }}
{{- with $custom.conventions }}
{{- $_ := set $resources "conventions" . }}
{{- end }}
{{- with $custom.rules }}
{{- $_ := set $resources "rules" . }}
{{- end }}
{{- if $custom.ruleFiles }}
{{- $files := list }}
{{- range $name := keys $custom.ruleFiles | sortAlpha }}
{{- $files = append $files (printf "%s/%s" (include "ksg.rulesDir" $) $name) }}
{{- end }}
{{- $_ := set $resources "ruleFiles" $files }}
{{- end }}
{{- if $resources }}
{{- $_ := set $config "customResources" $resources }}
{{- end }}
{{- $config = deepCopy $config }}
{{- include "ksg.mergeInto" (list $config (deepCopy (.Values.config | default dict))) }}
{{- toYaml $config }}
{{- end }}

{{/*
Deep merge of (list DESTINATION SOURCE) into DESTINATION: maps merge key by key, anything
else from SOURCE replaces. Unlike sprig's mergeOverwrite, false, 0, "" and [] win too.
*/}}
{{- define "ksg.mergeInto" -}}
{{- $into := index . 0 }}
{{- range $key, $value := index . 1 }}
{{- $present := get $into $key }}
{{- if and (kindIs "map" $value) (kindIs "map" $present) }}
{{- include "ksg.mergeInto" (list $present $value) }}
{{- else }}
{{- $_ := set $into $key $value }}
{{- end }}
{{- end }}
{{- end }}

{{/* Combinations the schema cannot express, refused with a message that says what to do. */}}
{{- define "ksg.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (eq .Values.redis.mode "embedded") }}
{{- fail (printf "replicaCount=%d needs a shared Redis: the embedded Valkey is private to each pod, so replicas could not share the clusters' leases. Set redis.mode=bundled, or redis.mode=external with redis.external.url (or redis.external.existingSecret), or keep replicaCount=1." (int .Values.replicaCount)) }}
{{- end }}
{{- if and (eq .Values.redis.mode "external") (not (or .Values.redis.external.url .Values.redis.external.existingSecret)) }}
{{- fail "redis.mode=external needs redis.external.url or redis.external.existingSecret" }}
{{- end }}
{{- if and .Values.redis.external.url .Values.redis.external.existingSecret }}
{{- fail "set redis.external.url or redis.external.existingSecret, not both" }}
{{- end }}
{{- if and .Values.clusters.kubeconfig.existingSecret .Values.clusters.kubeconfig.content }}
{{- fail "set clusters.kubeconfig.existingSecret or clusters.kubeconfig.content, not both" }}
{{- end }}
{{- if and .Values.clusters.contexts (include "ksg.inCluster" .) }}
{{- fail "clusters.contexts selects contexts of a kubeconfig: set clusters.kubeconfig.existingSecret or clusters.kubeconfig.content too" }}
{{- end }}
{{- range .Values.gateway.extraVolumes }}
{{- if has .name (list "state" "tmp" "config" "kubeconfig" "rules") }}
{{- fail (printf "gateway.extraVolumes: the name %q is the chart's own volume; choose another" .name) }}
{{- end }}
{{- end }}
{{- $config := .Values.config | default dict }}
{{- $auth := $config.auth | default dict }}
{{- if not (or $auth.tokenFile $auth.oidc $auth.tokenReview $auth.insecureNoAuth (has "--insecure-no-auth" .Values.gateway.extraArgs)) }}
{{- fail "the gateway refuses to serve without authentication, and in a pod it listens on 0.0.0.0: configure config.auth.tokenFile (its file mounted with gateway.extraVolumes and gateway.extraVolumeMounts), config.auth.oidc or config.auth.tokenReview; or set config.auth.insecureNoAuth=true to let anyone who reaches the Service see every cluster" }}
{{- end }}
{{- if hasKey $config "clusters" }}
{{- fail "config.clusters is written by the chart: set clusters.kubeconfig.existingSecret (or clusters.kubeconfig.content) and clusters.contexts instead" }}
{{- end }}
{{- if and (kindIs "map" $config.redis) (hasKey $config.redis "url") }}
{{- fail "config.redis.url would put the Redis URL, password included, in a ConfigMap: set redis.mode=external with redis.external.url or redis.external.existingSecret (the URL then comes from a Secret)" }}
{{- end }}
{{- if kindIs "map" $config.server }}
{{- range $key := list "host" "port" "stateDir" }}
{{- if hasKey $config.server $key }}
{{- fail (printf "config.server.%s is written by the chart: the container listens on 0.0.0.0:%s, where the probes and the Service point, and keeps its state in the emptyDir at %s (service.port sets the Service's port)" $key (include "ksg.port" $) (include "ksg.stateDir" $)) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The chatops notifier (notifier.*): its names, where it keeps things, what it needs. */}}
{{- define "ksg.notifierName" -}}
{{- printf "%s-notifier" (include "ksg.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{- define "ksg.notifierSelectorLabels" -}}
app.kubernetes.io/name: {{ include "ksg.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: notifier
{{- end }}

{{- define "ksg.notifierStateDir" -}}/state{{- end }}
{{- define "ksg.notifierTokenDir" -}}/etc/kube-status-gateway/gateway-token{{- end }}

{{- define "ksg.notifierWebhookSecret" -}}
{{- default (printf "%s-webhook" (include "ksg.notifierName" .)) .Values.notifier.webhook.existingSecret }}
{{- end }}

{{- define "ksg.notifierTokenSecret" -}}
{{- default (printf "%s-gateway-token" (include "ksg.notifierName" .)) .Values.notifier.gatewayToken.existingSecret }}
{{- end }}

{{- define "ksg.notifierHasToken" -}}
{{- if or .Values.notifier.gatewayToken.existingSecret .Values.notifier.gatewayToken.value }}true{{ end }}
{{- end }}

{{/* The gateway's authentication methods (config.auth), by name; empty when it has none. */}}
{{- define "ksg.authMethods" -}}
{{- $auth := (.Values.config | default dict).auth | default dict }}
{{- $methods := list }}
{{- range $key := list "tokenFile" "oidc" "tokenReview" }}
{{- if get $auth $key }}{{ $methods = append $methods $key }}{{ end }}
{{- end }}
{{- join ", " $methods }}
{{- end }}

{{/* What the notifier cannot run without, refused with a message that says what to do. */}}
{{- define "ksg.validateNotifier" -}}
{{- $notifier := .Values.notifier }}
{{- if not (or $notifier.webhook.url $notifier.webhook.existingSecret) }}
{{- fail "notifier.enabled=true needs the chat's incoming webhook, which is a credential kept in a Secret: set notifier.webhook.existingSecret (a Secret you created, e.g. kubectl create secret generic chat-webhook --from-literal=url=https://hooks.slack.com/services/..., its key in notifier.webhook.key) or notifier.webhook.url (the chart keeps it in a Secret of its own)" }}
{{- end }}
{{- if and $notifier.webhook.url $notifier.webhook.existingSecret }}
{{- fail "set notifier.webhook.url or notifier.webhook.existingSecret, not both" }}
{{- end }}
{{- if and $notifier.gatewayToken.value $notifier.gatewayToken.existingSecret }}
{{- fail "set notifier.gatewayToken.value or notifier.gatewayToken.existingSecret, not both" }}
{{- end }}
{{- $methods := include "ksg.authMethods" . }}
{{- if and $methods (not (include "ksg.notifierHasToken" .)) }}
{{- fail (printf "the gateway authenticates its callers (config.auth: %s), so the notifier needs a token the gateway accepts: set notifier.gatewayToken.existingSecret (a Secret you created, its key in notifier.gatewayToken.key) or notifier.gatewayToken.value (the chart keeps it in a Secret of its own)" $methods) }}
{{- end }}
{{- end }}
