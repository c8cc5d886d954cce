{{/*
Labels of the objects this chart makes itself (the subcharts label their own).
*/}}
{{- define "kubefuncs.labels" -}}
app.kubernetes.io/name: kubefuncs
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}
