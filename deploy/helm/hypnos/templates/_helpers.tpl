{{- define "hypnos.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hypnos.fullname" -}}
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

{{- define "hypnos.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "hypnos.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component; call with (dict "ctx" $ "component" "querier"). */}}
{{- define "hypnos.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hypnos.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "hypnos.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "hypnos.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hypnos.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The objstore Secret name, failing when a component needing it is enabled without it. */}}
{{- define "hypnos.objstoreSecret" -}}
{{- required "objstore.existingSecret is required: the name of a Secret holding the object storage configuration (key objstore.key)" .Values.objstore.existingSecret }}
{{- end }}

{{- define "hypnos.objstoreFile" -}}
{{- printf "/etc/hypnos/objstore/%s" .Values.objstore.key }}
{{- end }}

{{- define "hypnos.objstoreVolume" -}}
- name: objstore
  secret:
    secretName: {{ include "hypnos.objstoreSecret" . }}
{{- end }}

{{- define "hypnos.objstoreMount" -}}
- name: objstore
  mountPath: /etc/hypnos/objstore
  readOnly: true
{{- end }}

{{- define "hypnos.probes" -}}
livenessProbe:
  httpGet:
    path: /-/healthy
    port: http
  {{- toYaml .Values.probes.liveness | nindent 2 }}
readinessProbe:
  httpGet:
    path: /-/ready
    port: http
  {{- toYaml .Values.probes.readiness | nindent 2 }}
{{- end }}

{{- define "hypnos.env" -}}
- name: JAVA_TOOL_OPTIONS
  value: {{ .Values.javaOptions | quote }}
{{- end }}

{{/* hashmod relabel config selecting the blocks of one store gateway shard. */}}
{{- define "hypnos.shardRelabelConfig" -}}
- action: hashmod
  source_labels: ["__block_id"]
  target_label: shard
  modulus: {{ .shards }}
- action: keep
  source_labels: ["shard"]
  regex: "{{ .shard }}"
{{- end }}

{{/* The sidecar container for kube-prometheus-stack's prometheus.prometheusSpec.containers. */}}
{{- define "hypnos.sidecarContainers" -}}
{{- $sc := .Values.sidecar -}}
- name: hypnos-sidecar
  image: {{ include "hypnos.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    - sidecar
    - --prometheus.url={{ $sc.prometheusUrl }}
    - --tsdb.path={{ $sc.tsdbMountPath }}
    - --grpc-address=0.0.0.0:{{ $sc.service.grpcPort }}
    - --http-address=0.0.0.0:{{ $sc.service.httpPort }}
    {{- if $sc.ship }}
    - --objstore.config-file={{ include "hypnos.objstoreFile" . }}
    - --shipper.interval={{ $sc.shipperInterval }}
    {{- end }}
    {{- with $sc.grpcServerTls }}
    {{- if .existingSecret }}
    - --grpc-server-tls-cert=/etc/hypnos/grpc-server-tls/{{ required "sidecar.grpcServerTls.certKey is required with sidecar.grpcServerTls.existingSecret" .certKey }}
    - --grpc-server-tls-key=/etc/hypnos/grpc-server-tls/{{ required "sidecar.grpcServerTls.keyKey is required with sidecar.grpcServerTls.existingSecret" .keyKey }}
    {{- with .clientCaKey }}
    - --grpc-server-tls-client-ca=/etc/hypnos/grpc-server-tls/{{ . }}
    {{- end }}
    {{- else if .clientCaKey }}
    {{- fail "sidecar.grpcServerTls.clientCaKey needs sidecar.grpcServerTls.existingSecret: client certificates are only checked on a TLS Store API" }}
    {{- end }}
    {{- end }}
    {{- range $sc.extraArgs }}
    - {{ . | quote }}
    {{- end }}
  env:
    {{- include "hypnos.env" . | nindent 4 }}
  ports:
    - name: hypnos-grpc
      containerPort: {{ $sc.service.grpcPort }}
    - name: hypnos-http
      containerPort: {{ $sc.service.httpPort }}
  livenessProbe:
    httpGet:
      path: /-/healthy
      port: hypnos-http
    {{- toYaml .Values.probes.liveness | nindent 4 }}
  readinessProbe:
    httpGet:
      path: /-/ready
      port: hypnos-http
    {{- toYaml .Values.probes.readiness | nindent 4 }}
  resources:
    {{- toYaml $sc.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.containerSecurityContext | nindent 4 }}
  volumeMounts:
    - name: {{ $sc.tsdbVolumeName }}
      mountPath: {{ $sc.tsdbMountPath }}
      {{- with $sc.tsdbSubPath }}
      subPath: {{ . }}
      {{- end }}
    - name: hypnos-tmp
      mountPath: /tmp
    {{- if $sc.ship }}
    - name: hypnos-objstore
      mountPath: /etc/hypnos/objstore
      readOnly: true
    {{- end }}
    {{- if $sc.grpcServerTls.existingSecret }}
    - name: hypnos-grpc-server-tls
      mountPath: /etc/hypnos/grpc-server-tls
      readOnly: true
    {{- end }}
{{- end }}

{{- define "hypnos.sidecarVolumes" -}}
- name: hypnos-tmp
  emptyDir: {}
{{- if .Values.sidecar.ship }}
- name: hypnos-objstore
  secret:
    secretName: {{ include "hypnos.objstoreSecret" . }}
{{- end }}
{{- with .Values.sidecar.grpcServerTls.existingSecret }}
- name: hypnos-grpc-server-tls
  secret:
    secretName: {{ . }}
{{- end }}
{{- end }}
