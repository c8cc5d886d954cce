{{- define "gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
"kubefuncs-common.gatewayFullname", the rule by which the function chart finds this chart's
Service, unless fullnameOverride replaces it.
*/}}
{{- define "gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- include "kubefuncs-common.gatewayFullname" (dict "release" .Release.Name "name" (default .Chart.Name .Values.nameOverride)) }}
{{- end }}
{{- end }}

{{- define "gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end }}

{{- define "gateway.labels" -}}
helm.sh/chart: {{ include "gateway.chart" . }}
{{ include "gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kubefuncs
{{- end }}

{{- define "gateway.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
A Service that the nsq chart creates in the same release (the kubefuncs chart installs both),
component lookupd or nsqd, named by the rule the nsq chart names it with.
*/}}
{{- define "gateway.nsqService" -}}
{{- $prefix := include "kubefuncs-common.nsqPrefix" (dict "release" .ctx.Release.Name) }}
{{- printf "%s-%s.%s.svc.%s" $prefix .component .ctx.Release.Namespace .ctx.Values.clusterDomain }}
{{- end }}

{{- define "gateway.lookupdHost" -}}
{{- .Values.nsq.lookupdAddr | default (include "gateway.nsqService" (dict "ctx" . "component" "lookupd")) }}
{{- end }}

{{/*
The nsqd host: the nsqd Service, node-local when nsqd is a DaemonSet.
*/}}
{{- define "gateway.nsqdHost" -}}
{{- .Values.nsq.nsqdAddr | default (include "gateway.nsqService" (dict "ctx" . "component" "nsqd")) }}
{{- end }}

{{/*
The effective nsq.tls and nsq.auth: the chart's own, with what the kubefuncs chart's one
`global.nsq.tls` / `global.nsq.auth` block sets (a non-empty name, a true) over them. Returns
YAML: {tls: ..., auth: ...}.
*/}}
{{- define "gateway.nsqSecurity" -}}
{{- $out := dict }}
{{- range $part := list "tls" "auth" }}
{{- $merged := deepCopy (get $.Values.nsq $part) }}
{{- range $key, $value := dig "nsq" $part dict ($.Values.global | default dict) }}
{{- if $value }}
{{- $_ := set $merged $key $value }}
{{- end }}
{{- end }}
{{- $_ := set $out $part $merged }}
{{- end }}
{{- $tls := $out.tls }}
{{- $auth := $out.auth }}
{{- if and $tls.enabled (not $tls.secretName) }}
{{- fail "nsq.tls.enabled: set nsq.tls.secretName (or global.nsq.tls.secretName) to a Secret with ca.crt" }}
{{- end }}
{{- if and $auth.enabled (not $auth.secretName) }}
{{- fail "global.nsq.auth.enabled: set global.nsq.auth.secretName to the Secret holding the gateway's AUTH secret" }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/*
NSQ_TLS* and NSQ_AUTH_SECRET, which the gateway's --nsq-tls* flags default to; the function chart
sets the same ("function.nsqSecurityEnv"). The server name is the nsqd Service's DNS name, which
nsqd's certificate carries: nsqlookupd hands out pod IPs. Call with (dict "ctx" $ "nsq" $security).
*/}}
{{- define "gateway.nsqSecurityEnv" -}}
{{- $tls := .nsq.tls }}
{{- if $tls.enabled }}
- name: NSQ_TLS
  value: "true"
- name: NSQ_TLS_CA_FILE
  value: /etc/kubefuncs/nsq-tls/ca.crt
- name: NSQ_TLS_SERVER_NAME
  value: {{ include "gateway.nsqdHost" .ctx | quote }}
{{- if $tls.clientAuth }}
- name: NSQ_TLS_CERT_FILE
  value: /etc/kubefuncs/nsq-tls/tls.crt
- name: NSQ_TLS_KEY_FILE
  value: /etc/kubefuncs/nsq-tls/tls.key
{{- end }}
{{- end }}
{{- with .nsq.auth.secretName }}
- name: NSQ_AUTH_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.nsq.auth.secretKey }}
{{- end }}
{{- end }}

{{/*
The OTEL_* variables of tracing.* (none while tracing.otlpEndpoint is empty), for a container's env.
*/}}
{{- define "gateway.tracingEnv" -}}
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
