{{/* The release's full name: the release name, or release-chart when the release name does not contain the chart's. */}}
{{- define "karpenter-temporal.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "karpenter-temporal.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "karpenter-temporal.labels" -}}
{{ include "karpenter-temporal.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "karpenter-temporal.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "karpenter-temporal.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name names the existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "karpenter-temporal.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The port of temporal.address (host:port, [v6]:port), 7233 when it names none. */}}
{{- define "karpenter-temporal.temporalPort" -}}
{{- $last := .Values.temporal.address | splitList ":" | last -}}
{{- if and (contains ":" .Values.temporal.address) (regexMatch "^[0-9]+$" $last) -}}
{{- $last -}}
{{- else -}}
7233
{{- end -}}
{{- end -}}

{{/*
The health probe: passes while the pod holds an established TCP connection (state 01 in /proc/net/tcp and tcp6) to
the Temporal frontend's port, which the worker keeps open while it polls. argv[1] is the port.
*/}}
{{- define "karpenter-temporal.probeScript" -}}
const fs = require('fs'); const port = ':' + Number(process.argv[1]).toString(16).toUpperCase().padStart(4, '0'); const established = (file) => { try { return fs.readFileSync(file, 'utf8').split('\n').slice(1).some((line) => { const c = line.trim().split(' ').filter(Boolean); return c[3] === '01' && String(c[2]).endsWith(port); }); } catch { return false; } }; process.exit(established('/proc/net/tcp') || established('/proc/net/tcp6') ? 0 : 1);
{{- end -}}

{{- define "karpenter-temporal.probeCommand" -}}
- node
- -e
- {{ include "karpenter-temporal.probeScript" . | quote }}
- {{ include "karpenter-temporal.temporalPort" . | quote }}
{{- end -}}
