// Rendering throughput of libs/gotemplate on a generated chart: a helpers file with named
// templates and 50 manifest templates that include them (nested), range over 1,000-element
// lists and print big maps with toYaml. Values are JSON-decoded like Helm's (numbers float64).
// Usage: gotemplate_bench [--templates N] [--items N] [--rounds R] [--print NAME]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/gotemplate/template.h"

namespace core = driftless::core;
namespace gt = driftless::gotemplate;

namespace {

constexpr const char* kHelpers = R"({{/* Generated helpers, in the style of `helm create`. */}}
{{- define "bench.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "bench.fullname" -}}
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
{{- define "bench.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "bench.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bench.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
{{- define "bench.labels" -}}
helm.sh/chart: {{ include "bench.chart" . }}
{{ include "bench.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
{{- define "bench.port" -}}
- name: {{ .name | lower }}
  containerPort: {{ .port | int }}
  protocol: {{ .protocol | default "TCP" | upper }}
{{- end }}
)";

// One manifest template; %d is its number.
constexpr const char* kManifest = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "bench.fullname" . }}-%d
  labels:
    {{- include "bench.labels" . | nindent 4 }}
  annotations:
    checksum/config: {{ toJson .Values.config | sha256sum | trunc 16 }}
spec:
  replicas: {{ .Values.replicaCount | int }}
  selector:
    matchLabels:
      {{- include "bench.selectorLabels" . | nindent 6 }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          ports:
            {{- range .Values.items }}
            {{- if .enabled }}
            {{- include "bench.port" . | nindent 12 }}
            {{- end }}
            {{- end }}
          env:
            {{- range $i, $item := .Values.items }}
            - name: {{ printf "ITEM_%%d" $i }}
              value: {{ $item.name | quote }}
            {{- end }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "bench.fullname" . }}-config-%d
data:
  config.yaml: |
    {{- toYaml .Values.config | nindent 4 }}
)";

core::Value values(int items) {
  core::Value v = core::Value::object();
  v["Chart"] = core::Object{{"Name", core::Value("bench")},
                            {"Version", core::Value("1.2.3+build")},
                            {"AppVersion", core::Value("4.5.6")}};
  v["Release"] = core::Object{{"Name", core::Value("release")}, {"Service", core::Value("Helm")}};
  core::Value vals = core::Value::object();
  vals["replicaCount"] = 3.0;
  vals["image"] =
      core::Object{{"repository", core::Value("ghcr.io/example/app")}, {"tag", core::Value("")}};
  core::Array list;
  for (int i = 0; i < items; ++i) {
    list.emplace_back(core::Object{{"name", core::Value("Port" + std::to_string(i))},
                                   {"port", core::Value(8000.0 + i)},
                                   {"enabled", core::Value(i % 4 != 0)}});
  }
  vals["items"] = std::move(list);
  core::Value config = core::Value::object();
  for (int i = 0; i < items / 4; ++i) {
    config["key" + std::to_string(i)] =
        core::Object{{"enabled", core::Value(i % 2 == 0)},
                     {"threshold", core::Value(0.5 + i)},
                     {"tags", core::Array{core::Value("a"), core::Value("b-" + std::to_string(i))}},
                     {"description", core::Value("entry number " + std::to_string(i))}};
  }
  vals["config"] = std::move(config);
  v["Values"] = std::move(vals);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  int templates = 50, items = 1000, rounds = 5;
  std::string print;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--templates")) templates = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--items")) items = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--print")) print = argv[i + 1];
  }
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  gt::TemplateSet set;
  set.parse("bench/templates/_helpers.tpl", kHelpers);
  std::vector<std::string> names;
  for (int i = 0; i < templates; ++i) {
    std::string text(std::strlen(kManifest) + 64, '\0');
    int n = std::snprintf(text.data(), text.size(), kManifest, i, i);
    text.resize(static_cast<std::size_t>(n));
    names.push_back("bench/templates/manifest-" + std::to_string(i) + ".yaml");
    set.parse(names.back(), text);
  }
  double parseSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
  core::Value data = values(items);
  if (!print.empty()) {
    std::fputs(set.execute(print, data).c_str(), stdout);
    return 0;
  }
  std::size_t bytes = 0, renders = 0;
  auto cpu0 = std::clock();
  auto t1 = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& name : names) {
      bytes += set.execute(name, data).size();
      ++renders;
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - t1).count();
  // CPU time too: the figure that does not depend on what else the machine is running.
  double cpu = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
  std::printf("gotemplate: %d templates, %d list items, %d rounds\n", templates, items, rounds);
  std::printf("  parse:  %.1f ms for the set\n", parseSeconds * 1e3);
  std::printf("  render: %zu renders in %.3f s = %.1f renders/s, %.1f MB out = %.1f MB/s\n",
              renders, seconds, static_cast<double>(renders) / seconds,
              static_cast<double>(bytes) / 1e6, static_cast<double>(bytes) / 1e6 / seconds);
  std::printf("  per CPU second: %.1f renders/s, %.1f MB/s\n", static_cast<double>(renders) / cpu,
              static_cast<double>(bytes) / 1e6 / cpu);
  return 0;
}
