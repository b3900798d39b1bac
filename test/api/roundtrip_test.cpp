// The generated API types decode realistic Flux manifests and encode them back unchanged, and
// decoding errors name the JSON path of the bad value.

#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <string>
#include <string_view>

#include "driftless/api/duration.h"
#include "driftless/api/helm/v2/helmrelease.h"
#include "driftless/api/kustomize/v1/kustomization.h"
#include "driftless/api/notification/v1beta3/alert.h"
#include "driftless/api/registry.h"
#include "driftless/api/source/v1/gitrepository.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/value.h"
#include "driftless/core/yaml.h"

namespace {

namespace api = driftless::api;
namespace core = driftless::core;
using namespace std::chrono_literals;

constexpr std::string_view kGitRepository = R"(
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: flux-system
  uid: 5f1c7f4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f
  resourceVersion: "12345"
  generation: 3
  creationTimestamp: "2024-05-01T10:00:00Z"
  labels:
    app.kubernetes.io/name: podinfo
  annotations:
    reconcile.fluxcd.io/requestedAt: "2024-05-01T10:05:00Z"
  finalizers:
  - finalizers.fluxcd.io
spec:
  interval: 5m
  timeout: 60s
  url: https://github.com/stefanprodan/podinfo
  ref:
    branch: master
  secretRef:
    name: https-credentials
  ignore: |
    # exclude all
    /*
    # include deploy dir
    !/deploy
  include:
  - repository:
      name: shared-config
    fromPath: base
    toPath: shared
  recurseSubmodules: false
status:
  observedGeneration: 3
  conditions:
  - type: Ready
    status: "True"
    observedGeneration: 3
    lastTransitionTime: "2024-05-01T10:00:30Z"
    reason: Succeeded
    message: "stored artifact for revision 'master@sha1:0123456789abcdef0123456789abcdef01234567'"
  artifact:
    digest: sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
    lastUpdateTime: "2024-05-01T10:00:30Z"
    path: gitrepository/flux-system/podinfo/0123456789abcdef0123456789abcdef01234567.tar.gz
    revision: master@sha1:0123456789abcdef0123456789abcdef01234567
    size: 123456
    url: http://source-controller.flux-system.svc.cluster.local./gitrepository/flux-system/podinfo/0123456789abcdef0123456789abcdef01234567.tar.gz
  lastHandledReconcileAt: "2024-05-01T10:05:00Z"
)";

constexpr std::string_view kKustomization = R"(
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  retryInterval: 2m
  timeout: 5m
  path: ./apps/production
  prune: true
  wait: true
  targetNamespace: apps
  sourceRef:
    kind: GitRepository
    name: flux-system
  dependsOn:
  - name: infra-controllers
  patches:
  - patch: |
      - op: replace
        path: /spec/replicas
        value: 3
    target:
      kind: Deployment
      labelSelector: app.kubernetes.io/part-of=shop
  - patch: |
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: settings
      data:
        mode: production
  images:
  - name: ghcr.io/stefanprodan/podinfo
    newTag: 6.5.4
  postBuild:
    substitute:
      cluster_env: production
      replicas: "3"
    substituteFrom:
    - kind: ConfigMap
      name: cluster-settings
      optional: true
  healthChecks:
  - apiVersion: apps/v1
    kind: Deployment
    name: podinfo
    namespace: apps
  decryption:
    provider: sops
    secretRef:
      name: sops-age
)";

constexpr std::string_view kHelmRelease = R"(
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ingress-nginx
  namespace: ingress
  ownerReferences:
  - apiVersion: kustomize.toolkit.fluxcd.io/v1
    kind: Kustomization
    name: infra
    uid: 0a1b2c3d-0000-4000-8000-000000000001
  deletionGracePeriodSeconds: 30
spec:
  interval: 1h
  releaseName: ingress-nginx
  chart:
    spec:
      chart: ingress-nginx
      version: "4.x"
      sourceRef:
        kind: HelmRepository
        name: ingress-nginx
        namespace: flux-system
      interval: 12h
  install:
    crds: CreateReplace
    remediation:
      retries: 3
  upgrade:
    crds: CreateReplace
    remediation:
      retries: -1
      remediateLastFailure: true
  valuesFrom:
  - kind: ConfigMap
    name: ingress-values
    valuesKey: values.yaml
  - kind: Secret
    name: ingress-secrets
    targetPath: controller.admissionWebhooks.certificate
    optional: true
  values:
    controller:
      replicaCount: 2
      ingressClassResource:
        default: true
      service:
        annotations:
          service.beta.kubernetes.io/aws-load-balancer-type: nlb
        ports: [80, 443]
      resources:
        requests: {cpu: 100m, memory: 90Mi}
      ratio: 0.75
      extraArgs: null
)";

constexpr std::string_view kAlert = R"(
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata:
  name: on-call
  namespace: flux-system
spec:
  providerRef:
    name: slack
  eventSeverity: error
  eventSources:
  - kind: GitRepository
    name: "*"
  - kind: Kustomization
    name: apps
    namespace: flux-system
    matchLabels:
      team: shop
  exclusionList:
  - ".*upgrade.*has.*started"
  eventMetadata:
    cluster: production
  summary: Production cluster
)";

// Decodes yaml as T, encodes it back and checks that nothing changed (also through JSON).
template <typename T>
T roundTrip(std::string_view yaml) {
  const core::Value input = core::parseYaml(yaml);
  const T object = T::fromValue(input);
  const core::Value output = object.toValue();
  INFO(core::toYaml(output));
  CHECK(output == input);
  CHECK(T::fromValue(output) == object);
  CHECK(T::fromJson(object.toJson()) == object);
  return object;
}

// The message of the core::TypeError decoding yaml as T throws.
template <typename T>
std::string decodeError(std::string_view yaml) {
  try {
    static_cast<void>(T::fromValue(core::parseYaml(yaml)));
  } catch (const core::TypeError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("GitRepository round-trips", "[roundtrip]") {
  using api::source::v1::GitRepository;
  const GitRepository repo = roundTrip<GitRepository>(kGitRepository);
  CHECK(repo.metadata.name == "podinfo");
  CHECK(repo.metadata.namespace_ == "flux-system");
  CHECK(repo.metadata.generation == 3);
  CHECK(repo.spec.interval.value() == 5min);
  CHECK(repo.spec.interval.text() == "5m");
  REQUIRE(repo.spec.ref.has_value());
  CHECK(repo.spec.ref->branch == "master");
  CHECK_FALSE(repo.spec.ref->tag.has_value());
  REQUIRE(repo.spec.include.size() == 1);
  CHECK(repo.spec.include[0].repository.name == "shared-config");
  REQUIRE(repo.status.has_value());
  REQUIRE(repo.status->artifact.has_value());
  CHECK(repo.status->artifact->size == 123456);
  CHECK(repo.status->conditions.at(0).status == "True");
}

TEST_CASE("Kustomization round-trips", "[roundtrip]") {
  using api::kustomize::v1::Kustomization;
  const Kustomization ks = roundTrip<Kustomization>(kKustomization);
  CHECK(ks.spec.sourceRef.kind == "GitRepository");
  REQUIRE(ks.spec.patches.size() == 2);
  REQUIRE(ks.spec.patches[0].target.has_value());
  CHECK(ks.spec.patches[0].target->kind == "Deployment");
  CHECK_FALSE(ks.spec.patches[1].target.has_value());
  REQUIRE(ks.spec.postBuild.has_value());
  CHECK(ks.spec.postBuild->substitute.at("replicas") == "3");
  CHECK_FALSE(ks.status.has_value());
}

TEST_CASE("HelmRelease round-trips with values and unknown metadata", "[roundtrip]") {
  using api::helm::v2::HelmRelease;
  const HelmRelease hr = roundTrip<HelmRelease>(kHelmRelease);
  CHECK(hr.spec.values["controller"]["replicaCount"] == core::Value(2));
  CHECK(hr.spec.values["controller"]["extraArgs"].isNull());
  REQUIRE(hr.spec.upgrade.has_value());
  CHECK(hr.spec.upgrade->remediation->retries == -1);
  CHECK(hr.metadata.ownerReferences.size() == 1);
  const core::Value* grace = hr.metadata.extra.find("deletionGracePeriodSeconds");
  REQUIRE(grace != nullptr);
  CHECK(*grace == core::Value(30));
}

TEST_CASE("Alert round-trips", "[roundtrip]") {
  using api::notification::v1beta3::Alert;
  const Alert alert = roundTrip<Alert>(kAlert);
  REQUIRE(alert.spec.eventSources.size() == 2);
  CHECK(alert.spec.eventSources[1].matchLabels.at("team") == "shop");
}

TEST_CASE("A new object encodes its apiVersion, kind and set fields only", "[roundtrip]") {
  api::source::v1::GitRepository repo;
  repo.metadata.name = "podinfo";
  repo.spec.url = "https://github.com/stefanprodan/podinfo";
  repo.spec.interval = api::Duration(90s);
  CHECK(repo.toValue() == core::parseYaml(R"(
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: podinfo}
spec: {url: "https://github.com/stefanprodan/podinfo", interval: 1m30s}
)"));
}

TEST_CASE("Decoding errors name the path of the bad value", "[roundtrip]") {
  using api::source::v1::GitRepository;
  CHECK(decodeError<GitRepository>("spec: {url: x, interval: 5}") ==
        "spec.interval: expected string, got number");
  CHECK(decodeError<GitRepository>("spec: {url: x, interval: 1m, timeout: soon}") ==
        "spec.timeout: time: invalid duration \"soon\"");
  CHECK(decodeError<GitRepository>("spec: {include: [{repository: {name: true}}]}") ==
        "spec.include[0].repository.name: expected string, got boolean");
  CHECK(decodeError<GitRepository>("metadata: {labels: {app.kubernetes.io/name: 3}}") ==
        "metadata.labels[\"app.kubernetes.io/name\"]: expected string, got number");
  CHECK(decodeError<GitRepository>("spec: [1, 2]") == "spec: expected object, got array");
  CHECK(decodeError<GitRepository>("kind: Kustomization") ==
        "kind: expected GitRepository, got Kustomization");
  CHECK(decodeError<GitRepository>("status: {observedGeneration: 1.5}") ==
        "status.observedGeneration: expected integer, got number");
}

TEST_CASE("The registry lists every kind", "[registry]") {
  const api::KindInfo* info = api::findKind("source.toolkit.fluxcd.io", "v1", "GitRepository");
  REQUIRE(info != nullptr);
  CHECK(info->plural == "gitrepositories");
  CHECK(info->namespaced);
  CHECK(info->crdFile == "source.toolkit.fluxcd.io_gitrepositories.yaml");
  CHECK(api::findKind("source.toolkit.fluxcd.io", "v1", "NoSuchKind") == nullptr);
  CHECK(api::kinds().size() >= 14);
}
