// KustomizationReconciler against the embedded control plane (workload simulator on) and a real
// artifact server: build, apply, drift correction, prune, failures that keep what runs,
// substitution, dependencies, health, deletion.

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>

#include "driftless/artifact/server.h"
#include "driftless/artifact/storage.h"
#include "driftless/core/base64.h"
#include "driftless/core/yaml.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/client.h"
#include "kubectl_harness.h"
#include "kustomization_reconciler.h"
#include "sops_test_util.h"
#include "test_support.h"

namespace driftless::test {
namespace {

using namespace std::chrono_literals;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;
namespace fs = std::filesystem;
namespace kc = kustomize_controller;

const kube::GroupVersionKind kGitRepository{"source.toolkit.fluxcd.io", "v1", "GitRepository"};
const kube::GroupVersionKind kKustomization{"kustomize.toolkit.fluxcd.io", "v1", "Kustomization"};
const kube::GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};

const core::Value* findCondition(const core::Value& obj, const std::string& type) {
  const core::Value& conds = obj["status"]["conditions"];
  for (std::size_t i = 0; i < conds.size(); ++i) {
    if (conds[i]["type"].asString() == type) return &conds[i];
  }
  return nullptr;
}

std::string condition(const core::Value& obj, const std::string& type, const char* field) {
  const core::Value* c = findCondition(obj, type);
  return c != nullptr ? (*c)[field].asString() : std::string();
}

struct Fixture {
  ControlPlane cp{ControlPlaneOptions{.simulateWorkloads = true}};
  kube::ClientPtr client = kube::makeClient(cp.config(), quietLogger());
  TempDir work{"kc-test"};
  std::unique_ptr<artifact::Storage> storage;
  std::unique_ptr<artifact::ArtifactServer> server;
  std::unique_ptr<kc::KustomizationReconciler> reconciler;
  std::mutex mutex;
  std::vector<std::string> events;
  int revisions = 0;

  explicit Fixture(const std::function<void(kc::KustomizationReconcilerOptions&)>& tune = {}) {
    for (const char* crd : {"source.toolkit.fluxcd.io_gitrepositories.yaml",
                            "kustomize.toolkit.fluxcd.io_kustomizations.yaml"}) {
      REQUIRE(
          cp.kubectl("apply -f " + std::string(DRIFTLESS_SOURCE_DIR) + "/config/crd/bases/" + crd)
              .exitCode == 0);
    }
    REQUIRE(waitForKind(*client, kGitRepository));
    REQUIRE(waitForKind(*client, kKustomization));
    const std::uint16_t port = freePort();
    artifact::StorageOptions so;
    so.root = work.path() / "storage";
    so.advertisedAddress = "127.0.0.1:" + std::to_string(port);
    storage = std::make_unique<artifact::Storage>(so);
    server = std::make_unique<artifact::ArtifactServer>(so.root, "127.0.0.1", port, quietLogger());
    server->start();
    kc::KustomizationReconcilerOptions o;
    o.events = [this](const core::Value&, bool warning, std::string_view reason,
                      std::string_view message, const runtime::EventMetadata& md) {
      std::lock_guard lock(mutex);
      events.push_back(std::string(warning ? "Warning " : "Normal ") + std::string(reason) + " " +
                       std::string(message) +
                       (md.count("commit_status") ? " [commit_status]" : ""));
    };
    o.healthPollInterval = 200ms;
    o.requeueDependency = 5s;
    o.fetch.retries = 0;
    o.workDir = work.path();
    if (tune) tune(o);
    reconciler = std::make_unique<kc::KustomizationReconciler>(*client, o, quietLogger());
    fs::create_directories(work.path() / "src");
  }
  ~Fixture() { server->stop(); }

  // Writes a file of the next source revision.
  void write(const std::string& path, const std::string& content) {
    fs::path file = work.path() / "src" / path;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << content;
  }
  void remove(const std::string& path) { fs::remove_all(work.path() / "src" / path); }

  // Publishes the source directory as the GitRepository's artifact; returns the revision.
  std::string publish(const std::string& name = "repo") {
    char hex[41];
    std::snprintf(hex, sizeof(hex), "%040d", ++revisions);
    const std::string revision = std::string("main@sha1:") + hex;
    api::meta::Artifact a = storage->newArtifact("GitRepository", "default", name, revision,
                                                 std::string(hex) + ".tar.gz");
    storage->archive(a, work.path() / "src");
    core::Value repo;
    try {
      repo = client->get({kGitRepository, "default", name});
    } catch (const kube::ApiError&) {
      repo = client->create(core::parseYaml(
          "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: " +
          name +
          "\n  namespace: default\nspec:\n  url: https://example.com/repo\n  interval: 1m\n"));
    }
    repo["status"] = core::Value::object();
    repo["status"]["artifact"] = a.toValue();
    client->updateStatus(repo);
    return revision;
  }

  void createKustomization(const std::string& yaml) { client->create(core::parseYaml(yaml)); }

  core::Value get(const std::string& name) {
    return client->get({kKustomization, "default", name});
  }

  runtime::Result reconcile(const std::string& name) {
    return reconciler->reconcile({"default", name}, std::stop_token());
  }

  bool exists(const kube::GroupVersionKind& gvk, const std::string& ns, const std::string& name) {
    try {
      client->get({gvk, ns, name});
      return true;
    } catch (const kube::ApiError& e) {
      if (e.isNotFound()) return false;
      throw;
    }
  }

  std::vector<std::string> takeEvents() {
    std::lock_guard lock(mutex);
    return std::exchange(events, {});
  }
};

bool hasEvent(const std::vector<std::string>& events, const std::string& needle) {
  for (const auto& e : events) {
    if (e.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& events) {
  std::string out;
  for (const auto& e : events)
    out += e + "\n";
  return out;
}

constexpr const char* kApp = R"(apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
  namespace: default
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: repo
)";

}  // namespace

TEST_CASE("Kustomization: apply, drift, prune, failures keep what runs", "[kustomize-controller]") {
  Fixture f;
  f.write("apps/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n");
  f.write("apps/cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: team\n"
          "data:\n  color: blue\n");
  f.write("apps/deploy.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
)");
  const std::string rev1 = f.publish();
  f.createKustomization(kApp);

  auto result = f.reconcile("app");
  core::Value k = f.get("app");
  INFO(core::toYaml(k));
  CHECK(condition(k, "Ready", "status") == "True");
  CHECK(condition(k, "Ready", "reason") == "ReconciliationSucceeded");
  CHECK(condition(k, "Ready", "message") == "Applied revision: " + rev1);
  CHECK(findCondition(k, "Reconciling") == nullptr);
  CHECK(findCondition(k, "Healthy") == nullptr);
  CHECK(k["status"]["lastAppliedRevision"].asString() == rev1);
  CHECK(k["status"]["lastAttemptedRevision"].asString() == rev1);
  CHECK(k["status"]["observedGeneration"].asInt() == k["metadata"]["generation"].asInt());
  CHECK(k["metadata"]["finalizers"][0].asString() == "finalizers.fluxcd.io");
  const core::Value& entries = k["status"]["inventory"]["entries"];
  REQUIRE(entries.size() == 3);
  CHECK(entries[0]["id"].asString() == "_team__Namespace");
  CHECK(entries[0]["v"].asString() == "v1");
  CHECK(entries[1]["id"].asString() == "team_settings__ConfigMap");
  CHECK(entries[2]["id"].asString() == "team_web_apps_Deployment");
  const core::Value& history = k["status"]["history"];
  REQUIRE(history.size() == 1);
  CHECK(history[0]["lastReconciledStatus"].asString() == "ReconciliationSucceeded");
  CHECK(history[0]["totalReconciliations"].asInt() == 1);
  CHECK(history[0]["metadata"]["revision"].asString() == rev1);
  CHECK_THAT(history[0]["digest"].asString(), StartsWith("sha256:"));
  CHECK(result.requeueAfter > 9min);
  core::Value cm = f.client->get({kConfigMap, "team", "settings"});
  CHECK(cm["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"].asString() == "app");
  CHECK(cm["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/namespace"].asString() == "default");
  auto events = f.takeEvents();
  INFO(joined(events));
  CHECK(hasEvent(events,
                 "Normal Progressing Namespace/team created\n"
                 "ConfigMap/team/settings created\n"
                 "Deployment/team/web created"));
  CHECK(hasEvent(events, "Normal ReconciliationSucceeded Reconciliation finished in "));
  CHECK(hasEvent(events, "next run in 10m0s [commit_status]"));

  SECTION("drift is corrected, unchanged objects are not written") {
    REQUIRE(f.cp.kubectl("-n team patch configmap settings --type merge -p "
                         "'{\"data\":{\"color\":\"red\"}}'")
                .exitCode == 0);
    f.reconcile("app");
    CHECK(f.client->get({kConfigMap, "team", "settings"})["data"]["color"].asString() == "blue");
    auto ev = f.takeEvents();
    INFO(joined(ev));
    CHECK(hasEvent(ev, "ConfigMap/team/settings configured"));
    CHECK_FALSE(hasEvent(ev, "Deployment/team/web configured"));
    CHECK(f.get("app")["status"]["history"][0]["totalReconciliations"].asInt() == 2);
  }

  SECTION("objects removed from the source are pruned") {
    f.remove("apps/cm.yaml");
    const std::string rev2 = f.publish();
    f.reconcile("app");
    core::Value k2 = f.get("app");
    CHECK(condition(k2, "Ready", "message") == "Applied revision: " + rev2);
    CHECK(k2["status"]["inventory"]["entries"].size() == 2);
    CHECK(k2["status"]["history"].size() == 2);
    REQUIRE(eventually([&] { return !f.exists(kConfigMap, "team", "settings"); }, 10s));
    CHECK(hasEvent(f.takeEvents(), "ConfigMap/team/settings deleted"));
  }

  SECTION("a broken revision fails the build and keeps the applied objects") {
    f.write("apps/kustomization.yaml", "resources:\n- missing.yaml\n");
    const std::string rev2 = f.publish();
    auto r = f.reconcile("app");
    core::Value k2 = f.get("app");
    INFO(core::toYaml(k2));
    CHECK(condition(k2, "Ready", "status") == "False");
    CHECK(condition(k2, "Ready", "reason") == "BuildFailed");
    CHECK_THAT(condition(k2, "Ready", "message"), StartsWith("kustomize build failed: "));
    CHECK_THAT(condition(k2, "Ready", "message"), ContainsSubstring("missing.yaml"));
    CHECK(condition(k2, "Reconciling", "reason") == "ProgressingWithRetry");
    CHECK(k2["status"]["lastAppliedRevision"].asString() == rev1);
    CHECK(k2["status"]["lastAttemptedRevision"].asString() == rev2);
    CHECK(k2["status"]["inventory"]["entries"].size() == 3);
    CHECK(r.requeueAfter == 10min);  // retryInterval defaults to the interval
    CHECK(f.exists(kConfigMap, "team", "settings"));
    CHECK(hasEvent(f.takeEvents(), "Warning BuildFailed kustomize build failed: "));
  }

  SECTION("deletion prunes the inventory and removes the finalizer") {
    REQUIRE(f.cp.kubectl("delete kustomization app --wait=false").exitCode == 0);
    f.reconcile("app");
    REQUIRE(eventually([&] { return !f.exists(kConfigMap, "team", "settings"); }, 10s));
    REQUIRE(eventually([&] { return !f.exists(kKustomization, "default", "app"); }, 10s));
  }
}

TEST_CASE("Kustomization: post-build substitution", "[kustomize-controller]") {
  Fixture f;
  f.write("apps/cm.yaml", R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-${cluster}
  namespace: default
data:
  region: ${region:=eu-west-1}
  replicas: "${replicas}"
  secret: ${token}
)");
  f.publish();
  REQUIRE(
      f.cp.kubectl("create configmap vars --from-literal=cluster=prod --from-literal=replicas=3")
          .exitCode == 0);
  REQUIRE(f.cp.kubectl("create secret generic creds --from-literal=token=s3cr3t").exitCode == 0);
  f.createKustomization(std::string(kApp) + R"(  postBuild:
    substitute:
      cluster: staging
    substituteFrom:
    - kind: ConfigMap
      name: vars
    - kind: Secret
      name: creds
    - kind: ConfigMap
      name: absent
      optional: true
)");
  f.reconcile("app");
  core::Value k = f.get("app");
  INFO(core::toYaml(k));
  REQUIRE(condition(k, "Ready", "status") == "True");
  core::Value cm = f.client->get({kConfigMap, "default", "cm-staging"});  // inline wins
  CHECK(cm["data"]["region"].asString() == "eu-west-1");
  CHECK(cm["data"]["replicas"].asString() == "3");  // quoted in the source: stays a string
  CHECK(cm["data"]["secret"].asString() == "s3cr3t");

  SECTION("strict mode fails on an undefined variable") {
    f.write("apps/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n  namespace: default\n"
            "data:\n  x: ${undefined_var}\n");
    f.publish();
    f.reconcile("app");
    core::Value k2 = f.get("app");
    CHECK(condition(k2, "Ready", "reason") == "BuildFailed");
    CHECK(condition(k2, "Ready", "message") ==
          "post build failed for '~G_v1_ConfigMap/other': envsubst error: variable substitution "
          "failed: variable not set (strict mode): \"undefined_var\"");
    CHECK(f.exists(kConfigMap, "default", "cm-staging"));
  }
}

TEST_CASE("Kustomization: sources, dependencies and health", "[kustomize-controller]") {
  Fixture f;
  f.write("apps/cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
          "  namespace: default\n");
  f.write("apps/deploy.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: default
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: nginx:1.27
)");

  SECTION("a missing source is reported and retried") {
    f.createKustomization(kApp);
    auto r = f.reconcile("app");
    core::Value k = f.get("app");
    CHECK(condition(k, "Ready", "reason") == "ArtifactFailed");
    CHECK_THAT(condition(k, "Ready", "message"), ContainsSubstring("not found"));
    CHECK(r.requeueAfter == 10min);
  }

  SECTION("dependencies must be ready first, then wait reports health") {
    f.publish();
    f.createKustomization(std::string(kApp) + "  dependsOn:\n  - name: base\n");
    auto r = f.reconcile("app");
    core::Value k = f.get("app");
    CHECK(condition(k, "Ready", "reason") == "DependencyNotReady");
    CHECK_THAT(condition(k, "Ready", "message"), StartsWith("dependency 'default/base' not found"));
    CHECK(r.requeueAfter == 5s);
    CHECK(hasEvent(f.takeEvents(), "Dependencies do not meet ready condition, retrying in 5s"));

    std::string base = kApp;
    base.replace(base.find("name: app"), 9, "name: base");
    base.replace(base.find("./apps"), 6, "./base");
    f.write("base/ns.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n"
            "  namespace: default\n");
    f.publish();
    f.createKustomization(base + "  wait: true\n");
    f.reconcile("base");
    core::Value b = f.get("base");
    INFO(core::toYaml(b));
    REQUIRE(condition(b, "Ready", "status") == "True");
    CHECK(condition(b, "Healthy", "status") == "True");
    CHECK_THAT(condition(b, "Healthy", "message"), StartsWith("Health check passed in "));

    f.reconcile("app");
    k = f.get("app");
    INFO(core::toYaml(k));
    CHECK(condition(k, "Ready", "status") == "True");
  }

  SECTION("healthChecks wait for the Deployment to roll out") {
    f.publish();
    f.createKustomization(std::string(kApp) +
                          "  healthChecks:\n  - apiVersion: apps/v1\n    kind: Deployment\n"
                          "    name: api\n    namespace: default\n");
    f.reconcile("app");
    core::Value k = f.get("app");
    INFO(core::toYaml(k));
    CHECK(condition(k, "Ready", "status") == "True");
    CHECK(condition(k, "Healthy", "status") == "True");
    CHECK(hasEvent(f.takeEvents(), "Health check passed in "));
  }

  SECTION("suspended Kustomizations are left alone") {
    f.publish();
    f.createKustomization(std::string(kApp) + "  suspend: true\n");
    f.reconcile("app");
    CHECK_FALSE(f.exists(kConfigMap, "default", "a"));
  }
}

TEST_CASE("Kustomization: a failing health check, then recovery", "[kustomize-controller]") {
  Fixture f;
  const std::string deployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: default
  annotations:
    simulator.driftless.io/outcome: OUTCOME
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: nginx:1.27
)";
  auto withOutcome = [&](const std::string& outcome) {
    std::string d = deployment;
    d.replace(d.find("OUTCOME"), 7, outcome);
    return d;
  };
  f.write("apps/deploy.yaml", withOutcome("fail"));
  f.publish();
  f.createKustomization(std::string(kApp) + "  wait: true\n");
  auto r = f.reconcile("app");
  core::Value k = f.get("app");
  INFO(core::toYaml(k));
  CHECK(condition(k, "Ready", "status") == "False");
  CHECK(condition(k, "Ready", "reason") == "HealthCheckFailed");
  CHECK(condition(k, "Healthy", "status") == "False");
  CHECK(condition(k, "Healthy", "reason") == "HealthCheckFailed");
  CHECK_THAT(condition(k, "Ready", "message"),
             ContainsSubstring("Deployment/default/api status: 'Failed'"));
  CHECK(k["status"]["history"][0]["lastReconciledStatus"].asString() == "HealthCheckFailed");
  CHECK(r.requeueAfter == 10min);
  auto events = f.takeEvents();
  INFO(joined(events));
  CHECK(hasEvent(events, "Warning HealthCheckFailed health check failed after "));

  // The fix: a new image (a spec change rolls out again) without the failure.
  std::string fixed = withOutcome("ok");
  fixed.replace(fixed.find("nginx:1.27"), 10, "nginx:1.28");
  f.write("apps/deploy.yaml", fixed);
  f.publish();
  f.reconcile("app");
  k = f.get("app");
  CHECK(condition(k, "Ready", "status") == "True");
  CHECK(condition(k, "Healthy", "status") == "True");
  CHECK(hasEvent(f.takeEvents(), "Health check passed in "));
}

TEST_CASE("Kustomization: immutable fields need force", "[kustomize-controller]") {
  Fixture f;
  f.write("apps/cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: frozen\n"
          "  namespace: default\nimmutable: true\ndata:\n  v: one\n");
  f.publish();
  f.createKustomization(kApp);
  f.reconcile("app");
  const std::string uid =
      f.client->get({kConfigMap, "default", "frozen"})["metadata"]["uid"].asString();

  f.write("apps/cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: frozen\n"
          "  namespace: default\nimmutable: true\ndata:\n  v: two\n");
  f.publish();
  f.reconcile("app");
  core::Value k = f.get("app");
  INFO(core::toYaml(k));
  CHECK(condition(k, "Ready", "reason") == "ReconciliationFailed");
  CHECK_THAT(condition(k, "Ready", "message"), ContainsSubstring("field is immutable"));
  CHECK(f.client->get({kConfigMap, "default", "frozen"})["data"]["v"].asString() == "one");

  REQUIRE(f.cp.kubectl("patch kustomization app --type merge -p '{\"spec\":{\"force\":true}}'")
              .exitCode == 0);
  f.reconcile("app");
  k = f.get("app");
  CHECK(condition(k, "Ready", "status") == "True");
  core::Value cm = f.client->get({kConfigMap, "default", "frozen"});
  CHECK(cm["data"]["v"].asString() == "two");
  CHECK(cm["metadata"]["uid"].asString() != uid);  // recreated
  CHECK(hasEvent(f.takeEvents(), "ConfigMap/default/frozen created"));
}

TEST_CASE("Kustomization: cross-namespace sources under lockdown", "[kustomize-controller]") {
  Fixture f([](kc::KustomizationReconcilerOptions& o) { o.noCrossNamespaceRefs = true; });
  f.write("apps/cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
          "  namespace: default\n");
  f.publish();
  REQUIRE(f.cp.kubectl("create namespace tenant").exitCode == 0);
  std::string k = kApp;
  k.replace(k.find("namespace: default"), 18, "namespace: tenant");
  k += "    namespace: default\n";
  f.client->create(core::parseYaml(k));
  auto r = f.reconciler->reconcile({"tenant", "app"}, std::stop_token());
  core::Value obj = f.client->get({kKustomization, "tenant", "app"});
  INFO(core::toYaml(obj));
  CHECK(condition(obj, "Ready", "reason") == "AccessDenied");
  CHECK(condition(obj, "Stalled", "status") == "True");
  CHECK(condition(obj, "Ready", "message") ==
        "can't access 'GitRepository/default/repo', cross-namespace references have been blocked");
  CHECK(r.requeueAfter == 0ms);
  CHECK_FALSE(f.exists(kConfigMap, "default", "x"));
}

TEST_CASE("Kustomization: a remote cluster from a kubeconfig Secret", "[kustomize-controller]") {
  Fixture f;
  f.write("apps/cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: remote\n"
          "  namespace: default\n");
  f.publish();
  // The "remote" cluster is the same control plane, reached through the Secret's kubeconfig.
  REQUIRE(f.cp.kubectl("create secret generic cluster-a --from-file=value=" +
                       f.cp.kubeconfig().string())
              .exitCode == 0);
  REQUIRE(f.cp.kubectl("create secret generic broken --from-literal=other=x").exitCode == 0);
  f.createKustomization(std::string(kApp) +
                        "  kubeConfig:\n    secretRef:\n      name: cluster-a\n");
  f.reconcile("app");
  core::Value k = f.get("app");
  INFO(core::toYaml(k));
  CHECK(condition(k, "Ready", "status") == "True");
  CHECK(f.exists(kConfigMap, "default", "remote"));

  std::string bad = kApp;
  bad.replace(bad.find("name: app"), 9, "name: bad");
  f.createKustomization(bad + "  kubeConfig:\n    secretRef:\n      name: broken\n");
  f.reconcile("bad");
  core::Value b = f.get("bad");
  CHECK(condition(b, "Ready", "reason") == "ReconciliationFailed");
  CHECK(condition(b, "Ready", "message") ==
        "KubeConfig secret 'default/broken' does not contain a 'value' key with a kubeconfig");
}

TEST_CASE("Kustomization: SOPS-encrypted Secrets with age keys", "[kustomize-controller][sops]") {
  if (!haveAge()) SKIP("the age CLI is not installed");
  Fixture f;
  const AgeKey key = ageKeygen();
  const std::string dataKey = newDataKey();
  core::Value secret = core::parseYaml(
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: default\n"
      "stringData:\n  password: x\n");
  secret["stringData"]["password"] = sopsEncrypt("s3cr3t", dataKey, "stringData:password:");
  secret["sops"] = sopsMetadata(key.recipient,
                                ageEncrypt(key.recipient, dataKey, (f.work.path() / "k").string()),
                                "^(data|stringData)$");
  f.write("apps/secret.yaml", core::toYaml(secret));
  f.publish();
  f.write("keys/identity.agekey", key.identity);
  REQUIRE(f.cp.kubectl("create secret generic sops-keys --from-file=identity.agekey=" +
                       (f.work.path() / "src" / "keys" / "identity.agekey").string())
              .exitCode == 0);

  SECTION("decrypted with the keys of decryption.secretRef") {
    f.createKustomization(std::string(kApp) +
                          "  decryption:\n    provider: sops\n    secretRef:\n"
                          "      name: sops-keys\n");
    f.reconcile("app");
    core::Value k = f.get("app");
    INFO(core::toYaml(k));
    CHECK(condition(k, "Ready", "status") == "True");
    core::Value live = f.client->get({{"", "v1", "Secret"}, "default", "db"});
    CHECK(live["data"]["password"].asString() == core::base64Encode("s3cr3t"));
    CHECK(live.find("sops") == nullptr);
  }
  SECTION("refused without decryption") {
    f.createKustomization(kApp);
    f.reconcile("app");
    core::Value k = f.get("app");
    CHECK(condition(k, "Ready", "reason") == "ReconciliationFailed");
    CHECK_THAT(condition(k, "Ready", "message"),
               StartsWith("Secret/default/db is SOPS encrypted, configuring decryption is "
                          "required for this secret to be reconciled"));
    CHECK_FALSE(f.exists({"", "v1", "Secret"}, "default", "db"));
  }
  SECTION("the wrong key fails the build") {
    REQUIRE(f.cp.kubectl("create secret generic other-keys --from-literal=x.agekey='" +
                         ageKeygen().identity + "'")
                .exitCode == 0);
    f.createKustomization(std::string(kApp) +
                          "  decryption:\n    provider: sops\n    secretRef:\n"
                          "      name: other-keys\n");
    f.reconcile("app");
    core::Value k = f.get("app");
    CHECK(condition(k, "Ready", "reason") == "BuildFailed");
    CHECK_THAT(condition(k, "Ready", "message"),
               StartsWith("decryption failed for '~G_v1_Secret/db': failed to decrypt and "
                          "format 'default/db' Secret data: cannot get sops data key: no "
                          "identity matched any of the recipients"));
  }
}

TEST_CASE("Kustomization: suspend and resume", "[kustomize-controller]") {
  Fixture f;
  f.write("apps/cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
          "  namespace: default\n");
  f.publish();
  f.createKustomization(std::string(kApp) + "  suspend: true\n");
  CHECK(f.reconcile("app").requeueAfter == 0ms);
  CHECK_FALSE(f.exists(kConfigMap, "default", "a"));
  REQUIRE(f.cp.kubectl("patch kustomization app --type merge -p '{\"spec\":{\"suspend\":false}}'")
              .exitCode == 0);
  f.reconcile("app");
  CHECK(condition(f.get("app"), "Ready", "status") == "True");
  CHECK(f.exists(kConfigMap, "default", "a"));
}

TEST_CASE("Kustomization: deletion policies", "[kustomize-controller]") {
  struct Case {
    const char* policy;
    bool prune;
    bool deleted;
  };
  const Case c = GENERATE(Case{"", true, true}, Case{"", false, false},
                          Case{"MirrorPrune", false, false}, Case{"Delete", false, true},
                          Case{"WaitForTermination", false, true}, Case{"Orphan", true, false});
  INFO("deletionPolicy '" << c.policy << "', prune " << c.prune);
  Fixture f;
  f.write("apps/cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\n"
          "  namespace: default\n");
  f.publish();
  std::string k = kApp;
  if (!c.prune) k.replace(k.find("prune: true"), 11, "prune: false");
  if (*c.policy != '\0') k += std::string("  deletionPolicy: ") + c.policy + "\n";
  f.createKustomization(k);
  f.reconcile("app");
  REQUIRE(f.exists(kConfigMap, "default", "owned"));
  REQUIRE(f.cp.kubectl("delete kustomization app --wait=false").exitCode == 0);
  f.reconcile("app");
  REQUIRE(eventually([&] { return !f.exists(kKustomization, "default", "app"); }, 10s));
  if (c.deleted) {
    CHECK(eventually([&] { return !f.exists(kConfigMap, "default", "owned"); }, 10s));
  } else {
    CHECK(f.exists(kConfigMap, "default", "owned"));
  }
}

}  // namespace driftless::test
