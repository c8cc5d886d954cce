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
The nsqlookupd host. By default the Service that the nsq chart creates in the same release (the
kubefuncs chart installs both): the nsq chart names it <release>-nsq-lookupd, or
<release>-lookupd when the release name contains "nsq", with the prefix cut at 40 characters.
Keep this in step with "nsq.fullname".
*/}}
{{- define "gateway.lookupdHost" -}}
{{- if .Values.nsq.lookupdAddr }}
{{- .Values.nsq.lookupdAddr }}
{{- else }}
{{- $prefix := ternary .Release.Name (printf "%s-nsq" .Release.Name) (contains "nsq" .Release.Name) | trunc 40 | trimSuffix "-" }}
{{- printf "%s-lookupd.%s.svc.%s" $prefix .Release.Namespace .Values.clusterDomain }}
{{- end }}
{{- end }}
