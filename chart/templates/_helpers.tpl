{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "netboot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name used for every object. */}}
{{- define "netboot.fullname" -}}
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

{{/* A name derived from the full name, e.g. "<fullname>-wireguard", still within 63 characters. */}}
{{- define "netboot.childName" -}}
{{- $root := index . 0 }}
{{- $suffix := index . 1 }}
{{- printf "%s-%s" (include "netboot.fullname" $root | trunc (int (sub 62 (len $suffix)))) $suffix | replace "--" "-" }}
{{- end }}

{{- define "netboot.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: name and instance only, so they never change on upgrade. */}}
{{- define "netboot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "netboot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "netboot.labels" -}}
helm.sh/chart: {{ include "netboot.chart" . }}
{{ include "netboot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: netboot
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "netboot.annotations" -}}
{{- with .Values.commonAnnotations -}}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "netboot.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "netboot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "netboot.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The data folders mounted under the data path, in a fixed order. */}}
{{- define "netboot.dataFolders" -}}
profiles groups ignition generic sources
{{- end }}

{{/*
Files of one data folder as a map name → content: the chart's files/<folder>/*
(when data.fromChartFiles) overlaid with data.<folder> from values.
*/}}
{{- define "netboot.folderFiles" -}}
{{- $root := index . 0 }}
{{- $folder := index . 1 }}
{{- $files := dict }}
{{- if $root.Values.data.fromChartFiles }}
{{- range $path, $_ := $root.Files.Glob (printf "files/%s/*" $folder) }}
{{- $_ := set $files (base $path) ($root.Files.Get $path) }}
{{- end }}
{{- end }}
{{- range $name, $content := index $root.Values.data $folder }}
{{- $_ := set $files $name $content }}
{{- end }}
{{- /* JSON, not YAML: toYaml drops a file's final newline. */}}
{{- toJson $files }}
{{- end }}

{{- define "netboot.wireguardSecretName" -}}
{{- if .Values.wireguard.existingSecret }}
{{- .Values.wireguard.existingSecret }}
{{- else }}
{{- include "netboot.childName" (list . "wireguard") }}
{{- end }}
{{- end }}

{{/* Stop with a clear message when WireGuard is on but has no keys. */}}
{{- define "netboot.checkWireguard" -}}
{{- if and .Values.wireguard.enabled (not .Values.wireguard.existingSecret) (empty .Values.wireguard.state) }}
{{- fail "wireguard.enabled is true but no keys were given: run `netboot wireguard init --state ./wireguard --endpoint HOST:51820 --tunnel CIDR --output values=wireguard-values.yaml` and pass `-f wireguard-values.yaml`, or set wireguard.existingSecret (or set wireguard.enabled=false)" }}
{{- end }}
{{- if and .Values.wireguard.enabled (not .Values.wireguard.existingSecret) }}
{{- range $file := list "private-key" "server.json" "peers.json" }}
{{- if not (hasKey $.Values.wireguard.state $file) }}
{{- fail (printf "wireguard.state has no %q: pass the whole values file written by `netboot wireguard init --output values` (private-key, server.json, peers.json)" $file) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* An HTTP probe of the netboot container from a livenessProbe/readinessProbe value block. */}}
{{- define "netboot.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: http
initialDelaySeconds: {{ .initialDelaySeconds }}
periodSeconds: {{ .periodSeconds }}
timeoutSeconds: {{ .timeoutSeconds }}
failureThreshold: {{ .failureThreshold }}
{{- end }}
