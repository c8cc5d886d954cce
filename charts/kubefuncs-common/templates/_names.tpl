{{/*
Prefix of the names of the nsq chart's resources, so also of its Services <prefix>-nsqd and
<prefix>-lookupd: <release>-nsq, or the release name alone when it already contains "nsq", cut at
40 characters (not the usual 63) because the nsq chart appends suffixes such as
"-lookupd-headless" and StatefulSet pods add "-<ordinal>" and a revision hash label.
Call with (dict "release" .Release.Name); the nsq chart passes its "name" (nameOverride) too.
*/}}
{{- define "kubefuncs-common.nsqPrefix" -}}
{{- $name := .name | default "nsq" }}
{{- ternary .release (printf "%s-%s" .release $name) (contains $name .release) | trunc 40 | trimSuffix "-" }}
{{- end }}
