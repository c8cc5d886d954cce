{{/*
Chart name, overridable with nameOverride.
*/}}
{{- define "nsq.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" }}
{{- end }}

{{/*
Prefix of every resource name: "kubefuncs-common.nsqPrefix", the rule by which the gateway and
function charts find this chart's Services, unless fullnameOverride replaces it.
*/}}
{{- define "nsq.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- include "kubefuncs-common.nsqPrefix" (dict "release" .Release.Name "name" (default .Chart.Name .Values.nameOverride)) }}
{{- end }}
{{- end }}

{{- define "nsq.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Names of the three components and their Services.
*/}}
{{- define "nsq.nsqd.fullname" -}}{{ include "nsq.fullname" . }}-nsqd{{- end }}
{{- define "nsq.nsqd.headless" -}}{{ include "nsq.fullname" . }}-nsqd-headless{{- end }}
{{- define "nsq.lookupd.fullname" -}}{{ include "nsq.fullname" . }}-lookupd{{- end }}
{{- define "nsq.lookupd.headless" -}}{{ include "nsq.fullname" . }}-lookupd-headless{{- end }}
{{- define "nsq.admin.fullname" -}}{{ include "nsq.fullname" . }}-admin{{- end }}
{{- define "nsq.auth.fullname" -}}{{ include "nsq.fullname" . }}-auth{{- end }}

{{/*
The effective `tls` and `auth` settings: the chart's own, with what the kubefuncs chart's one
`global.nsq.tls` / `global.nsq.auth` block sets (a non-empty name, a true) over them. Return YAML.
Call "nsq.withGlobal" with (dict "ctx" $ "part" "tls").
*/}}
{{- define "nsq.withGlobal" -}}
{{- $out := deepCopy (get .ctx.Values .part) }}
{{- range $key, $value := dig "nsq" .part dict (.ctx.Values.global | default dict) }}
{{- if $value }}
{{- $_ := set $out $key $value }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{- define "nsq.tls" -}}
{{- $tls := include "nsq.withGlobal" (dict "ctx" . "part" "tls") | fromYaml }}
{{- if and $tls.enabled (not $tls.secretName) }}
{{- fail "tls.enabled: set tls.secretName to a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt" }}
{{- end }}
{{- toYaml $tls }}
{{- end }}

{{- define "nsq.auth" -}}
{{- $auth := include "nsq.withGlobal" (dict "ctx" . "part" "auth") | fromYaml }}
{{- if and $auth.enabled (not $auth.existingSecret) (not $auth.identities) }}
{{- fail "auth.enabled: set auth.existingSecret to a Secret with key config.json, or list auth.identities" }}
{{- end }}
{{- toYaml $auth }}
{{- end }}

{{/*
Labels. Call with (dict "ctx" $ "component" "nsqd").
*/}}
{{- define "nsq.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nsq.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "nsq.labels" -}}
helm.sh/chart: {{ include "nsq.chart" .ctx }}
{{ include "nsq.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: kubefuncs
{{- end }}

{{/*
Service ports of an NSQ daemon, named like its container ports. Call with (dict "tcp" 4150 "http" 4151).
*/}}
{{- define "nsq.servicePorts" -}}
- name: tcp
  port: {{ .tcp }}
  targetPort: tcp
  protocol: TCP
- name: http
  port: {{ .http }}
  targetPort: http
  protocol: TCP
{{- end }}

{{- define "nsq.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
One flag per nsqlookupd pod, addressed through the headless Service so that every nsqd registers
with every lookupd (a ClusterIP Service would reach only one of them).
Call with (dict "ctx" $ "flag" "lookupd-tcp-address" "port" 4160).
*/}}
{{- define "nsq.lookupdPeerArgs" -}}
{{- $pod := include "nsq.lookupd.fullname" .ctx }}
{{- $domain := printf "%s.%s.svc.%s" (include "nsq.lookupd.headless" .ctx) .ctx.Release.Namespace .ctx.Values.clusterDomain }}
{{- $args := list }}
{{- range $i := until (int .ctx.Values.lookupd.replicas) }}
{{- $args = append $args (printf "--%s=%s-%d.%s:%d" $.flag $pod $i $domain (int $.port)) }}
{{- end }}
{{- toYaml $args }}
{{- end }}

{{/*
Pod-level settings shared by the three components. Call with (dict "ctx" $ "component" .Values.nsqd).
*/}}
{{- define "nsq.podSpecCommon" -}}
automountServiceAccountToken: false
# NSQ reads no Service environment variables, and they grow with every Service in the namespace.
enableServiceLinks: false
securityContext:
  {{- toYaml .ctx.Values.podSecurityContext | nindent 2 }}
{{- with .ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .component.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .component.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .component.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .component.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
