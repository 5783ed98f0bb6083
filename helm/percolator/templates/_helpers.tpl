{{/* The name every object starts with: the release name, or <release>-percolator. */}}
{{- define "percolator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "percolator.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selects the pods of one role: call with (dict "root" $ "role" "api"). */}}
{{- define "percolator.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "percolator.configMapName" -}}
{{ include "percolator.fullname" . }}-config
{{- end -}}

{{- define "percolator.secretName" -}}
{{- if .Values.secret.existingSecret -}}
{{ .Values.secret.existingSecret }}
{{- else -}}
{{ include "percolator.fullname" . }}-secret
{{- end -}}
{{- end -}}

{{- define "percolator.image" -}}
{{ printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end -}}

{{/* Settings and credentials, the same for every container of the release. */}}
{{- define "percolator.envFrom" -}}
- configMapRef:
    name: {{ include "percolator.configMapName" . }}
- secretRef:
    name: {{ include "percolator.secretName" . }}
{{- end -}}

{{/* The agent types the agents Deployment runs (the built-in four when none are listed). */}}
{{- define "percolator.agentTypes" -}}
{{- $types := .Values.roles.agents.types -}}
{{- if not $types -}}
{{- $types = list "social-media-content" "feedback-analyst" "inventory" "notifier" -}}
{{- end -}}
{{- toJson $types -}}
{{- end -}}

{{/* The container's arguments for a role: every engine role is `serve --role`, the agents `agents run`. */}}
{{- define "percolator.args" -}}
{{- if eq .role "agents" -}}
{{- $args := list "agents" "run" -}}
{{- range .root.Values.roles.agents.types }}{{ $args = append $args . }}{{ end -}}
{{- if .root.Values.roles.agents.concurrency -}}
{{- $args = concat $args (list "--concurrency" (toString .root.Values.roles.agents.concurrency)) -}}
{{- end -}}
{{- $args = concat $args (list "--probe-port" (toString .root.Values.port)) -}}
{{- toJson $args -}}
{{- else -}}
{{- toJson (list "serve" "--role" .role) -}}
{{- end -}}
{{- end -}}
