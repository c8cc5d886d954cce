{{- define "function.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
<release>-function, or the release name alone when it already contains the chart name. Each
function's resources are named <fullname>-<function name>.
*/}}
{{- define "function.fullname" -}}
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

{{- define "function.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every function of the release (call with the root context), and of one function (call
with (dict "root" $ "fn" $settings)).
*/}}
{{- define "function.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "function.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "function.releaseLabels" -}}
helm.sh/chart: {{ include "function.chart" . }}
{{ include "function.releaseSelectorLabels" . }}
app.kubernetes.io/component: function
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kubefuncs
{{- end }}

{{- define "function.selectorLabels" -}}
{{ include "function.releaseSelectorLabels" .root }}
kubefuncs.io/function: {{ .fn.name }}
{{- end }}

{{- define "function.labels" -}}
{{ include "function.releaseLabels" .root }}
kubefuncs.io/function: {{ .fn.name }}
{{- end }}

{{/*
Merges the YAML map .over into .base: nested maps key by key, everything else (lists included)
replaced, a null value removes the key. Unlike sprig's merge, false and 0 do override, so a
function can set replicas: 0 or enabled: false over a default. Returns YAML.
*/}}
{{- define "function.merge" -}}
{{- $out := deepCopy .base }}
{{- range $key, $value := .over }}
{{- $current := get $out $key }}
{{- if kindIs "invalid" $value }}
{{- $_ := unset $out $key }}
{{- else if and (kindIs "map" $value) (kindIs "map" $current) }}
{{- $_ := set $out $key (include "function.merge" (dict "base" $current "over" $value) | fromYaml) }}
{{- else }}
{{- $_ := set $out $key $value }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/*
The effective settings of one function: chart defaults and image, overridden by the entry, with
topic defaulting to the name. Fails with a message naming the function when a value is unusable.
Call with (dict "root" $ "fn" $entry). Returns YAML.
*/}}
{{- define "function.settings" -}}
{{- $base := merge (dict "image" .root.Values.image) .root.Values.defaults }}
{{- $s := include "function.merge" (dict "base" $base "over" .fn) | fromYaml }}
{{- $_ := set $s "topic" (default $s.name $s.topic) }}
{{- if not $s.image.repository }}
{{- fail (printf "function %q: no image; set image.repository for the release or image.repository on the function" $s.name) }}
{{- end }}
{{- $as := $s.autoscaling }}
{{- if and (eq $as.mode "hpa") (gt (int $as.minReplicas) (int $as.maxReplicas)) }}
{{- fail (printf "function %q: autoscaling.minReplicas (%d) is above autoscaling.maxReplicas (%d)" $s.name (int $as.minReplicas) (int $as.maxReplicas)) }}
{{- end }}
{{- if and (eq $as.mode "keda") (gt (int $as.keda.minReplicaCount) (int $as.maxReplicas)) }}
{{- fail (printf "function %q: autoscaling.keda.minReplicaCount (%d) is above autoscaling.maxReplicas (%d)" $s.name (int $as.keda.minReplicaCount) (int $as.maxReplicas)) }}
{{- end }}
{{- if and (eq $as.mode "hpa") (not (dig "requests" "cpu" "" $s.resources)) }}
{{- fail (printf "function %q: autoscaling.mode hpa scales on CPU use relative to the CPU request; set resources.requests.cpu" $s.name) }}
{{- end }}
{{- toYaml $s }}
{{- end }}

{{/*
Name of one function's resources.
*/}}
{{- define "function.resourceName" -}}
{{- printf "%s-%s" (include "function.fullname" .root) .fn.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
A Service of the kubefuncs release's nsq chart (component lookupd or nsqd), named by the rule the
nsq chart names it with.
*/}}
{{- define "function.nsqService" -}}
{{- $prefix := include "kubefuncs-common.nsqPrefix" (dict "release" .ctx.Values.kubefuncs.release) }}
{{- printf "%s-%s.%s.svc.%s" $prefix .component .ctx.Values.kubefuncs.namespace .ctx.Values.clusterDomain }}
{{- end }}

{{- define "function.lookupdHost" -}}
{{- .Values.nsq.lookupdAddr | default (include "function.nsqService" (dict "ctx" . "component" "lookupd")) }}
{{- end }}

{{/*
The nsqd host: the nsqd Service of the kubefuncs release, node-local when nsqd is a DaemonSet.
*/}}
{{- define "function.nsqdHost" -}}
{{- .Values.nsq.nsqdAddr | default (include "function.nsqService" (dict "ctx" . "component" "nsqd")) }}
{{- end }}

{{/*
The gateway Service of the kubefuncs release, named by the rule the gateway chart names it with.
*/}}
{{- define "function.gatewayService" -}}
{{- include "kubefuncs-common.gatewayFullname" (dict "release" .Values.kubefuncs.release) }}
{{- end }}

{{/*
NSQ_TLS* and NSQ_AUTH_SECRET for a function container, from nsq.tls and nsq.auth; the gateway chart
has the same settings under the same names ("gateway.nsqSecurityEnv"). The server name is the nsqd
Service's DNS name, which nsqd's certificate carries: nsqlookupd hands out pod IPs.
*/}}
{{- define "function.nsqSecurityEnv" -}}
{{- $tls := .Values.nsq.tls }}
{{- if and $tls.enabled (not $tls.secretName) }}
{{- fail "nsq.tls.enabled: set nsq.tls.secretName to a Secret with ca.crt (and tls.crt, tls.key with nsq.tls.clientAuth)" }}
{{- end }}
{{- if $tls.enabled }}
- name: NSQ_TLS
  value: "true"
- name: NSQ_TLS_CA_FILE
  value: /etc/kubefuncs/nsq-tls/ca.crt
- name: NSQ_TLS_SERVER_NAME
  value: {{ include "function.nsqdHost" . | quote }}
{{- if $tls.clientAuth }}
- name: NSQ_TLS_CERT_FILE
  value: /etc/kubefuncs/nsq-tls/tls.crt
- name: NSQ_TLS_KEY_FILE
  value: /etc/kubefuncs/nsq-tls/tls.key
{{- end }}
{{- end }}
{{- with .Values.nsq.auth.secretName }}
- name: NSQ_AUTH_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.nsq.auth.secretKey }}
{{- end }}
{{- end }}

{{/*
The TLS Secret as a volume: ca.crt only, unless the client presents a certificate, so that a Secret
holding more (nsqd's own key) never reaches a function.
*/}}
{{- define "function.nsqTlsVolume" -}}
- name: nsq-tls
  secret:
    secretName: {{ .Values.nsq.tls.secretName }}
    items:
      - key: ca.crt
        path: ca.crt
      {{- if .Values.nsq.tls.clientAuth }}
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
      {{- end }}
{{- end }}

{{/*
The OTEL_* variables of tracing.* (none while tracing.otlpEndpoint is empty), for a container's env.
*/}}
{{- define "function.tracingEnv" -}}
{{- with .Values.tracing }}
{{- if .otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .otlpEndpoint | quote }}
- name: OTEL_TRACES_SAMPLER
  value: {{ .sampler | quote }}
{{- with .samplerArg }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
