// Parse and print throughput of the value model on a generated multi-document manifest of
// 5,000 Kubernetes resources (Deployments, ConfigMaps, Services, GitRepositories).
// Usage: core_bench [--resources N] [--rounds R] [--write-manifest FILE]

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "driftless/core/json.h"
#include "driftless/core/yaml.h"

namespace core = driftless::core;

namespace {

std::string manifest(int resources) {
  std::string out;
  char buf[2048];
  for (int i = 0; i < resources; ++i) {
    if (i > 0) out += "---\n";
    switch (i % 4) {
      case 0:
        std::snprintf(buf, sizeof buf, R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%d
  namespace: team-%d
  labels:
    app.kubernetes.io/name: app-%d
    app.kubernetes.io/part-of: "platform"
  annotations:
    description: 'Deployment number %d of the benchmark'
spec:
  replicas: %d
  selector:
    matchLabels:
      app.kubernetes.io/name: app-%d
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app-%d
    spec:
      containers:
      - name: main
        image: ghcr.io/example/app:%d.%d.%d
        args: ["--port=8080", "--log-level=info"]
        ports:
        - containerPort: 8080
          name: http
          protocol: TCP
        resources:
          limits:
            cpu: 500m
            memory: 256Mi
        env:
        - name: ENABLED
          value: "true"
        - name: RATIO
          value: "0.75"
)",
                      i, i % 17, i, i, i % 5 + 1, i, i, i % 9, i % 7, i % 3);
        break;
      case 1:
        std::snprintf(buf, sizeof buf, R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: config-%d
  namespace: team-%d
data:
  app.properties: |
    server.port=8080
    feature.flag=%s
    # a comment inside a block scalar
  key-%d: value-%d
  empty: ""
)",
                      i, i % 17, i % 2 ? "true" : "false", i, i);
        break;
      case 2:
        std::snprintf(buf, sizeof buf, R"(apiVersion: v1
kind: Service
metadata:
  name: svc-%d
  namespace: team-%d
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: app-%d
  ports:
  - name: http
    port: 80
    targetPort: http
)",
                      i, i % 17, i - 2);
        break;
      default:
        std::snprintf(buf, sizeof buf, R"(apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: repo-%d
  namespace: flux-system
spec:
  interval: 1m0s
  url: https://github.com/example/repo-%d
  ref:
    branch: main
  ignore: |-
    /*
    !/deploy
)",
                      i, i);
    }
    out += buf;
  }
  return out;
}

double peakRssMiB() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

template <typename F>
double secondsPerRound(int rounds, F&& f) {
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r)
    f();
  std::chrono::duration<double> d = std::chrono::steady_clock::now() - start;
  return d.count() / rounds;
}

void report(const char* what, std::size_t bytes, double seconds) {
  std::printf("%-12s %8.1f MB/s  (%.1f ms for %.2f MB)\n", what,
              static_cast<double>(bytes) / 1e6 / seconds, seconds * 1e3,
              static_cast<double>(bytes) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  int resources = 5000;
  int rounds = 10;
  const char* writeTo = nullptr;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--resources") == 0) resources = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--write-manifest") == 0) writeTo = argv[i + 1];
  }
  const std::string yaml = manifest(resources);
  if (writeTo != nullptr) std::ofstream(writeTo, std::ios::binary) << yaml;
  std::vector<core::Value> docs = core::parseYamlStream(yaml);
  // JSON input: one JSON array holding every document (a List's items).
  core::Value list = core::Array(docs.begin(), docs.end());
  const std::string json = core::toJson(list);
  const double baseline = peakRssMiB();

  std::printf("manifest: %d resources, YAML %.2f MB, JSON %.2f MB; %d rounds\n", resources,
              static_cast<double>(yaml.size()) / 1e6, static_cast<double>(json.size()) / 1e6,
              rounds);
  std::size_t sink = 0;
  report("json parse", json.size(),
         secondsPerRound(rounds, [&] { sink += core::parseJson(json).size(); }));
  report("json print", json.size(),
         secondsPerRound(rounds, [&] { sink += core::toJson(list).size(); }));
  report("yaml parse", yaml.size(),
         secondsPerRound(rounds, [&] { sink += core::parseYamlStream(yaml).size(); }));
  std::size_t printed = 0;
  double yamlPrint = secondsPerRound(rounds, [&] { printed = core::toYamlStream(docs).size(); });
  report("yaml print", printed, yamlPrint);
  std::printf("peak RSS: %.1f MiB (%.1f MiB after loading the inputs)\n", peakRssMiB(), baseline);
  return sink == 0 ? 1 : 0;
}
