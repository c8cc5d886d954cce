{{- define "gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
<release>-gateway, or the release name alone when it already contains the chart name.
*/}}
{{- define "gateway.fullname" -}}
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
component lookupd or nsqd: the nsq chart names it <release>-nsq-<component>, or
<release>-<component> when the release name contains "nsq", with the prefix cut at 40
characters. Keep this in step with "nsq.fullname".
*/}}
{{- define "gateway.nsqService" -}}
{{- $prefix := ternary .ctx.Release.Name (printf "%s-nsq" .ctx.Release.Name) (contains "nsq" .ctx.Release.Name) | trunc 40 | trimSuffix "-" }}
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
