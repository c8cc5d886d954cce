{{/*
<release>-<name>, or the release name alone when it already contains <name>, cut at .max
characters without a trailing "-". Call with (dict "release" .Release.Name "name" "nsq" "max" 40).
*/}}
{{- define "kubefuncs-common.releasePrefix" -}}
{{- ternary .release (printf "%s-%s" .release .name) (contains .name .release) | trunc (int .max) | trimSuffix "-" }}
{{- end }}

{{/*
Prefix of the names of the nsq chart's resources, so also of its Services <prefix>-nsqd and
<prefix>-lookupd: <release>-nsq, or the release name alone when it already contains "nsq", cut at
40 characters (not the usual 63) because the nsq chart appends suffixes such as
"-lookupd-headless" and StatefulSet pods add "-<ordinal>" and a revision hash label.
Call with (dict "release" .Release.Name); the nsq chart passes its "name" (nameOverride) too.
*/}}
{{- define "kubefuncs-common.nsqPrefix" -}}
{{- include "kubefuncs-common.releasePrefix" (dict "release" .release "name" (.name | default "nsq") "max" 40) }}
{{- end }}

{{/*
Name of the gateway chart's resources, its Service among them: <release>-gateway, or the release
name alone when it already contains "gateway", cut at 63 characters.
Call with (dict "release" .Release.Name); the gateway chart passes its "name" (nameOverride) too.
*/}}
{{- define "kubefuncs-common.gatewayFullname" -}}
{{- include "kubefuncs-common.releasePrefix" (dict "release" .release "name" (.name | default "gateway") "max" 63) }}
{{- end }}
