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

{{/*
How the WireGuard sidecar gets its state:
  "values"  wireguard.state is given: the chart makes the Secret from it and
            the pod only reads it (mounted);
  "mounted" wireguard.existingSecret with manageSecret=false: a Secret made
            offline, mounted read-only;
  "api"     otherwise: the sidecar reads and writes the Secret through the
            Kubernetes API (first-start key, `peer add` from kubectl exec).
*/}}
{{- define "netboot.wireguardMode" -}}
{{- if not (empty .Values.wireguard.state) }}values
{{- else if and .Values.wireguard.existingSecret (not .Values.wireguard.manageSecret) }}mounted
{{- else }}api
{{- end }}
{{- end }}

{{/* Stop with a clear message when the WireGuard settings cannot work. */}}
{{- define "netboot.checkWireguard" -}}
{{- $wg := .Values.wireguard }}
{{- if and $wg.enabled (not $wg.manageSecret) (not $wg.existingSecret) (empty $wg.state) }}
{{- fail "wireguard.manageSecret is false but no keys were given: run `netboot wireguard init --state ./wireguard --endpoint HOST:51820 --tunnel CIDR --output values=wireguard-values.yaml` and pass `-f wireguard-values.yaml`, or set wireguard.existingSecret (or leave wireguard.manageSecret=true and the pod makes its key at first start)" }}
{{- end }}
{{- if and $wg.enabled (not (empty $wg.state)) }}
{{- range $file := list "private-key" "server.json" "peers.json" }}
{{- if not (hasKey $wg.state $file) }}
{{- fail (printf "wireguard.state has no %q: pass the whole values file written by `netboot wireguard init --output values` (private-key, server.json, peers.json)" $file) }}
{{- end }}
{{- end }}
{{- end }}
{{- /* The last octet of a network address is a multiple of its block size (256 from /24 up). */}}
{{- $block := index (dict "25" 128 "26" 64 "27" 32 "28" 16 "29" 8 "30" 4) (splitList "/" $wg.tunnel | last) | default 256 }}
{{- $last := splitList "/" $wg.tunnel | first | splitList "." | last | int }}
{{- if mod $last $block }}
{{- fail (printf "wireguard.tunnel %q is not a network address (e.g. 10.77.0.0/24)" $wg.tunnel) }}
{{- end }}
{{- end }}

{{/* The server's address in the tunnel: from wireguard.state when given, else the first address of wireguard.tunnel. */}}
{{- define "netboot.tunnelAddress" -}}
{{- $server := index .Values.wireguard.state "server.json" | default "" }}
{{- if $server }}
{{- ($server | fromJson).address }}
{{- else }}
{{- $octets := splitList "/" .Values.wireguard.tunnel | first | splitList "." }}
{{- printf "%s.%s.%s.%d" (index $octets 0) (index $octets 1) (index $octets 2) (add1 (index $octets 3 | int)) }}
{{- end }}
{{- end }}

{{/* The URL machines are given (netboot serve -server-url): server.url, else the tunnel address. Empty: none. */}}
{{- define "netboot.serverUrl" -}}
{{- if .Values.server.url }}
{{- .Values.server.url }}
{{- else if .Values.wireguard.enabled }}
{{- printf "http://%s:%d" (include "netboot.tunnelAddress" .) (int .Values.server.port) }}
{{- end }}
{{- end }}

{{/* The port of server.debugAddress (HOST:PORT); empty when "off". */}}
{{- define "netboot.debugPort" -}}
{{- if ne .Values.server.debugAddress "off" }}
{{- splitList ":" .Values.server.debugAddress | last }}
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

{{/*
A PersistentVolumeClaim of the release: (list . persistence component), where
persistence holds accessModes, storageClass, size and annotations.
*/}}
{{- define "netboot.claim" -}}
{{- $root := index . 0 }}
{{- $p := index . 1 }}
{{- $component := index . 2 }}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ include "netboot.childName" (list $root $component) }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "netboot.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $component }}
  {{- $annotations := merge (dict) $p.annotations $root.Values.commonAnnotations }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  accessModes:
    {{- toYaml $p.accessModes | nindent 4 }}
  {{- with $p.storageClass }}
  storageClassName: {{ . | quote }}
  {{- end }}
  resources:
    requests:
      storage: {{ $p.size | quote }}
{{- end }}
