// GitRepositoryReconciler against the embedded control plane and a real `git daemon` on
// 127.0.0.1: artifacts, revisions, conditions, events, the artifact server, deletion.

#include <catch2/catch_test_macros.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

#include "driftless/artifact/fetcher.h"
#include "driftless/artifact/server.h"
#include "driftless/artifact/storage.h"
#include "driftless/core/json.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/client.h"
#include "driftless/runtime/controller.h"
#include "driftless/runtime/informer.h"
#include "git_repository_reconciler.h"
#include "git_server.h"
#include "kubectl_harness.h"
#include "test_support.h"

namespace driftless::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const kube::GroupVersionKind kGitRepository{"source.toolkit.fluxcd.io", "v1", "GitRepository"};

std::string condition(const core::Value& obj, const std::string& type, const char* field) {
  const core::Value& conds = obj["status"]["conditions"];
  for (std::size_t i = 0; i < conds.size(); ++i) {
    if (conds[i]["type"].asString() == type) return conds[i][field].asString();
  }
  return "";
}

struct Fixture {
  ControlPlane cp;
  kube::ClientPtr client = kube::makeClient(cp.config(), quietLogger());
  fs::path storageDir;
  std::unique_ptr<artifact::Storage> storage;
  std::unique_ptr<artifact::ArtifactServer> server;
  std::unique_ptr<runtime::Cache> cache;
  std::unique_ptr<source::GitRepositoryReconciler> reconciler;
  std::unique_ptr<runtime::Controller> controller;
  std::mutex mutex;
  std::vector<std::string> events;

  Fixture() {
    REQUIRE(cp.kubectl("apply -f " + std::string(DRIFTLESS_SOURCE_DIR) +
                       "/config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml")
                .exitCode == 0);
    REQUIRE(waitForKind(*client, kGitRepository));
    storageDir = cp.dir() / "storage";
    const std::uint16_t port = freePort();
    artifact::StorageOptions so;
    so.root = storageDir;
    so.advertisedAddress = "127.0.0.1:" + std::to_string(port);
    storage = std::make_unique<artifact::Storage>(so);
    server =
        std::make_unique<artifact::ArtifactServer>(storageDir, "127.0.0.1", port, quietLogger());
    server->start();
    cache = std::make_unique<runtime::Cache>(*client, runtime::Cache::Options{}, quietLogger());
    source::GitRepositoryReconcilerOptions ro;
    ro.base.fieldManager = "source-controller";
    ro.base.cache = &cache->informer(kGitRepository);
    ro.base.events = [this](const core::Value&, bool warning, std::string_view reason,
                            std::string_view message, const runtime::EventMetadata& md) {
      std::lock_guard lock(mutex);
      events.push_back(std::string(warning ? "Warning " : "Normal ") + std::string(reason) + " " +
                       std::string(message) +
                       (md.count("revision") ? " @" + md.at("revision") : ""));
    };
    ro.requeueDependency = 200ms;
    ro.workDir = cp.dir();
    reconciler =
        std::make_unique<source::GitRepositoryReconciler>(*client, *storage, ro, quietLogger());
    runtime::ControllerOptions co;
    co.name = "gitrepository";
    co.concurrent = 2;
    co.backoff.minDelay = 100ms;
    co.backoff.maxDelay = 1s;
    controller = std::make_unique<runtime::Controller>(co, *reconciler, quietLogger());
    controller->watchFor(cache->informer(kGitRepository));
    cache->start();
    REQUIRE(cache->waitForSync(10s));
    controller->start();
  }
  ~Fixture() {
    controller->stop(5s);
    cache->stop();
    server->stop();
  }
  void apply(const std::string& yaml) {
    const fs::path file = cp.writeFile("obj.yaml", yaml);
    CommandResult r = cp.kubectl("apply -f " + file.string());
    INFO(r.out);
    REQUIRE(r.exitCode == 0);
  }
  core::Value get(const std::string& name) {
    return client->get({kGitRepository, "default", name});
  }
  bool hasEvent(const std::string& prefix) {
    std::lock_guard lock(mutex);
    return std::any_of(events.begin(), events.end(),
                       [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
  }
};

std::string gitRepository(const std::string& name, const std::string& url,
                          const std::string& extra = "") {
  return "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: " +
         name + "\n  namespace: default\nspec:\n  interval: 1m\n  url: " + url + "\n" + extra;
}

TEST_CASE("GitRepositoryReconciler stores artifacts for branches, tags and new commits",
          "[source][gitrepository]") {
  GitServer git;
  git.write("deploy/app.yaml", "kind: ConfigMap\n");
  git.write("logo.png", "png");  // excluded by Flux's default ignore rules
  const std::string first = git.commit("first commit");
  git.waitReady();
  Fixture f;
  f.apply(gitRepository("podinfo", git.url(), "  ref:\n    branch: main\n"));
  REQUIRE(eventually([&] { return condition(f.get("podinfo"), "Ready", "status") == "True"; }));
  core::Value obj = f.get("podinfo");
  const core::Value& art = obj["status"]["artifact"];
  CHECK(art["revision"].asString() == "main@sha1:" + first);
  CHECK(art["path"].asString() == "gitrepository/default/podinfo/" + first + ".tar.gz");
  CHECK(art["digest"].asString().rfind("sha256:", 0) == 0);
  CHECK(condition(obj, "Ready", "message") ==
        "stored artifact for revision 'main@sha1:" + first + "'");
  CHECK(condition(obj, "ArtifactInStorage", "status") == "True");
  CHECK(obj["metadata"]["finalizers"][0].asString() == "finalizers.fluxcd.io");
  CHECK(obj["status"]["observedGeneration"].asInt() == 1);
  // (The event follows the status write.)
  CHECK(eventually([&] {
    return f.hasEvent("Normal NewArtifact stored artifact for commit 'first commit' @main@sha1:" +
                      first);
  }));

  // The artifact server serves it; the fetcher verifies the digest and extracts it.
  const fs::path out = f.cp.dir() / "fetched";
  artifact::fetchArtifact(art["url"].asString(), art["digest"].asString(), out);
  CHECK(fs::exists(out / "deploy" / "app.yaml"));
  CHECK(!fs::exists(out / "logo.png"));
  CHECK(!fs::exists(out / ".git"));

  // A corrupted artifact file is detected, reported and rebuilt.
  const fs::path stored = f.storageDir / art["path"].asString();
  std::ofstream(stored, std::ios::trunc) << "corrupted";
  CHECK(
      f.cp.kubectl("annotate gitrepository podinfo reconcile.fluxcd.io/requestedAt=t0 --overwrite")
          .exitCode == 0);
  CHECK(eventually([&] {
    return f.hasEvent(
        "Warning ArtifactVerificationFailed failed to verify integrity of artifact: computed "
        "digest");
  }));
  REQUIRE(eventually([&] {
    const core::Value now = f.get("podinfo");
    return now["status"]["lastHandledReconcileAt"] == core::Value("t0") &&
           now["status"]["artifact"]["digest"] == art["digest"] && fs::file_size(stored) > 9;
  }));
  artifact::fetchArtifact(art["url"].asString(), art["digest"].asString(), f.cp.dir() / "again");

  // A new commit is picked up on request (reconcile.fluxcd.io/requestedAt).
  git.write("deploy/app.yaml", "kind: ConfigMap\nmetadata: {name: v2}\n");
  const std::string second = git.commit("second commit");
  CHECK(
      f.cp.kubectl("annotate gitrepository podinfo reconcile.fluxcd.io/requestedAt=t1 --overwrite")
          .exitCode == 0);
  REQUIRE(eventually([&] {
    core::Value now = f.get("podinfo");
    return now["status"]["artifact"]["revision"].asString() == "main@sha1:" + second &&
           now["status"]["lastHandledReconcileAt"].asString() == "t1";
  }));
  CHECK(eventually(
      [&] { return f.hasEvent("Normal NewArtifact stored artifact for commit 'second commit'"); }));

  // Tags and ref.name give Flux's revision strings.
  f.apply(gitRepository("pinned", git.url(), "  ref:\n    commit: " + first + "\n"));
  REQUIRE(eventually([&] { return condition(f.get("pinned"), "Ready", "status") == "True"; }));
  CHECK(f.get("pinned")["status"]["artifact"]["revision"].asString() == "sha1:" + first);
  f.apply(gitRepository("byname", git.url(), "  ref:\n    name: refs/heads/main\n"));
  REQUIRE(eventually([&] { return condition(f.get("byname"), "Ready", "status") == "True"; }));
  CHECK(f.get("byname")["status"]["artifact"]["revision"].asString() ==
        "refs/heads/main@sha1:" + second);

  // Deletion removes the artifacts and the finalizer.
  REQUIRE(f.cp.kubectl("delete gitrepository podinfo --wait=false").exitCode == 0);
  REQUIRE(eventually([&] {
    try {
      f.get("podinfo");
      return false;
    } catch (const kube::ApiError& e) {
      return e.isNotFound();
    }
  }));
  CHECK(!fs::exists(f.storageDir / "gitrepository" / "default" / "podinfo"));
}

TEST_CASE("GitRepositoryReconciler reports fetch failures as Flux does",
          "[source][gitrepository]") {
  GitServer git;
  git.write("a.txt", "a");
  git.commit("init");
  git.waitReady();
  Fixture f;
  f.apply(gitRepository("nobranch", git.url(), "  ref:\n    branch: nope\n"));
  REQUIRE(
      eventually([&] { return condition(f.get("nobranch"), "FetchFailed", "status") == "True"; }));
  core::Value obj = f.get("nobranch");
  CHECK(condition(obj, "Ready", "status") == "False");
  CHECK(condition(obj, "Ready", "reason") == "GitOperationFailed");
  CHECK(condition(obj, "Ready", "message").find("failed to checkout and determine revision") !=
        std::string::npos);
  CHECK(condition(obj, "Reconciling", "reason") == "ProgressingWithRetry");
  REQUIRE(eventually([&] { return f.hasEvent("Warning GitOperationFailed"); }));

  // A missing secret is an authentication failure.
  f.apply(gitRepository("nosecret", git.url(), "  secretRef:\n    name: missing\n"));
  REQUIRE(eventually([&] {
    return condition(f.get("nosecret"), "FetchFailed", "reason") == "AuthenticationFailed";
  }));
  CHECK(condition(f.get("nosecret"), "Ready", "message")
            .find("failed to get secret 'default/missing'") != std::string::npos);

  // An include without an artifact waits.
  f.apply(gitRepository(
      "includer", git.url(),
      "  ref:\n    branch: main\n  include:\n  - repository:\n      name: nobranch\n"));
  REQUIRE(eventually([&] {
    return condition(f.get("includer"), "IncludeUnavailable", "reason") == "NoArtifact";
  }));
}

}  // namespace
TEST_CASE("GitRepositoryReconciler follows force pushes and keeps serving a deleted branch",
          "[source][git]") {
  GitServer git;
  git.write("a.txt", "a");
  git.commit("main");
  git.waitReady();
  git.git("checkout -q -b feature");
  git.write("b.txt", "b");
  git.git("add -A && git commit -q -m feature-1 && git push -q " + git.bare() + " feature");
  Fixture f;
  f.apply(gitRepository("feat", git.url(), "  ref:\n    branch: feature\n"));
  REQUIRE(eventually([&] { return condition(f.get("feat"), "Ready", "status") == "True"; }));
  const std::string before = f.get("feat")["status"]["artifact"]["revision"].asString();

  // History rewritten: the new head is picked up.
  git.write("b.txt", "rewritten");
  git.git("add -A && git commit -q --amend -m feature-2 && git push -q -f " + git.bare() +
          " feature");
  const std::string rewritten = git.git("rev-parse HEAD").substr(0, 40);
  REQUIRE(f.cp.kubectl("annotate gitrepository feat reconcile.fluxcd.io/requestedAt=f1 --overwrite")
              .exitCode == 0);
  REQUIRE(eventually([&] {
    return f.get("feat")["status"]["artifact"]["revision"] ==
           core::Value("feature@sha1:" + rewritten);
  }));
  CHECK(before != "feature@sha1:" + rewritten);

  // The branch is deleted: FetchFailed, and the last artifact stays stored and served.
  git.git("push -q " + git.bare() + " :feature");
  REQUIRE(f.cp.kubectl("annotate gitrepository feat reconcile.fluxcd.io/requestedAt=f2 --overwrite")
              .exitCode == 0);
  REQUIRE(eventually([&] { return condition(f.get("feat"), "FetchFailed", "status") == "True"; }));
  core::Value obj = f.get("feat");
  CHECK(condition(obj, "Ready", "status") == "False");
  CHECK(obj["status"]["artifact"]["revision"].asString() == "feature@sha1:" + rewritten);
  artifact::fetchArtifact(obj["status"]["artifact"]["url"].asString(),
                          obj["status"]["artifact"]["digest"].asString(), f.cp.dir() / "kept");
  CHECK(fs::exists(f.cp.dir() / "kept" / "b.txt"));
}

}  // namespace driftless::test
