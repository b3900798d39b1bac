// The example controller end to end: the reconciler skeleton on the embedded control plane.

#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <functional>
#include <thread>

#include "driftless/core/json.h"
#include "driftless/kube/api_error.h"
#include "driftless/runtime/controller.h"
#include "driftless/runtime/informer.h"
#include "driftless/runtime/metrics.h"
#include "example_controller.h"
#include "kubectl_harness.h"
#include "test_support.h"

namespace driftless::test {
namespace {

using namespace std::chrono_literals;

const core::Value* condition(const core::Value& obj, const std::string& type) {
  const core::Value& conds = obj["status"]["conditions"];
  for (std::size_t i = 0; i < conds.size(); ++i) {
    if (conds[i]["type"].isString() && conds[i]["type"].asString() == type) return &conds[i];
  }
  return nullptr;
}

std::string status(const core::Value& obj, const std::string& type) {
  const core::Value* c = condition(obj, type);
  return c == nullptr ? "" : (*c)["status"].asString();
}

struct Fixture {
  ControlPlane cp;
  kube::ClientPtr client = kube::makeClient(cp.config(), quietLogger());
  std::unique_ptr<runtime::Cache> cache;
  runtime::Metrics metrics;
  std::unique_ptr<GreetingReconciler> reconciler;
  std::unique_ptr<runtime::Controller> controller;
  std::vector<std::string> events;
  std::mutex eventsMutex;

  Fixture() {
    client->create(greetingCrd());
    REQUIRE(waitForKind(*client, kGreetingGvk));
    cache = std::make_unique<runtime::Cache>(*client, runtime::Cache::Options{}, quietLogger());
    runtime::ObjectReconcilerOptions opts;
    opts.fieldManager = "greeting-controller";
    opts.cache = &cache->informer(kGreetingGvk);
    opts.metrics = &metrics;
    opts.events = [this](const core::Value&, bool warning, std::string_view reason,
                         std::string_view, const runtime::EventMetadata&) {
      std::lock_guard lock(eventsMutex);
      events.push_back(std::string(warning ? "Warning " : "Normal ") + std::string(reason));
    };
    reconciler = std::make_unique<GreetingReconciler>(*client, opts, quietLogger());
    runtime::ControllerOptions copts;
    copts.name = "greeting";
    copts.concurrent = 2;
    copts.backoff.minDelay = 50ms;
    copts.backoff.maxDelay = 500ms;
    controller = std::make_unique<runtime::Controller>(copts, *reconciler, quietLogger(), &metrics);
    controller->watchFor(cache->informer(kGreetingGvk));
    cache->start();
    REQUIRE(cache->waitForSync(10s));
    controller->start();
  }
  ~Fixture() {
    controller->stop(2s);
    cache->stop();
  }

  core::Value create(const std::string& name, const std::string& message, bool suspend = false) {
    core::Value g = core::Value::object();
    g["apiVersion"] = "example.driftless.io/v1";
    g["kind"] = "Greeting";
    g["metadata"]["name"] = name;
    g["metadata"]["namespace"] = "default";
    g["spec"]["message"] = message;
    if (suspend) g["spec"]["suspend"] = true;
    return client->create(g);
  }
  // A merge patch: the controller writes status concurrently, so an update could conflict.
  void setMessage(const std::string& name, const std::string& message) {
    core::Value patch = core::Value::object();
    patch["spec"]["message"] = message;
    client->patch({kGreetingGvk, "default", name}, kube::PatchType::Merge, patch);
  }
  core::Value get(const std::string& name) { return client->get({kGreetingGvk, "default", name}); }
  bool hasEvent(const std::string& e) {
    std::lock_guard lock(eventsMutex);
    return std::find(events.begin(), events.end(), e) != events.end();
  }
};

TEST_CASE("GreetingReconciler converges, reports Ready and cleans up", "[runtime][example]") {
  Fixture f;
  f.create("hello", "world");
  REQUIRE(eventually([&] { return status(f.get("hello"), "Ready") == "True"; }));
  core::Value g = f.get("hello");
  CHECK(g["metadata"]["finalizers"][0].asString() == "finalizers.fluxcd.io");
  CHECK(g["status"]["observedGeneration"].asInt() == g["metadata"]["generation"].asInt());
  CHECK(g["status"]["greeting"].asString() == "Hello, world");
  CHECK((*condition(g, "Ready"))["reason"].asString() == "Succeeded");
  CHECK((*condition(g, "Ready"))["message"].asString() == "greeted with 'world'");
  CHECK(condition(g, "Reconciling") == nullptr);
  core::Value cm = f.client->get({{"", "v1", "ConfigMap"}, "default", "hello-greeting"});
  CHECK(cm["data"]["message"].asString() == "world");
  CHECK(!f.hasEvent("Normal Succeeded"));  // the first success is not a recovery

  // A spec change is reconciled (generation predicate) and observedGeneration follows.
  f.setMessage("hello", "again");
  REQUIRE(eventually([&] {
    core::Value now = f.get("hello");
    return now["status"]["greeting"].asString() == "Hello, again" &&
           now["status"]["observedGeneration"].asInt() == 2;
  }));

  // requestedAt is handled and recorded (what `flux reconcile` waits for).
  f.client->patch({kGreetingGvk, "default", "hello"}, kube::PatchType::Merge,
                  core::parseJson(R"({"metadata":{"annotations":{
                     "reconcile.fluxcd.io/requestedAt":"2026-11-22T10:00:00Z"}}})"));
  REQUIRE(eventually([&] {
    return f.get("hello")["status"]["lastHandledReconcileAt"].isString() &&
           f.get("hello")["status"]["lastHandledReconcileAt"].asString() == "2026-11-22T10:00:00Z";
  }));

  // Deletion runs the cleanup and removes the finalizer.
  f.client->remove({kGreetingGvk, "default", "hello"});
  REQUIRE(eventually([&] {
    try {
      f.get("hello");
      return false;
    } catch (const kube::ApiError& e) {
      return e.isNotFound();
    }
  }));
  CHECK(f.reconciler->deletes.load() == 1);
  CHECK_THROWS(f.client->get({{"", "v1", "ConfigMap"}, "default", "hello-greeting"}));
  CHECK(f.metrics.serialize().find("gotk_reconcile_duration_seconds_count{kind=\"Greeting\",name="
                                   "\"hello\",namespace=\"default\"}") != std::string::npos);
}

TEST_CASE("GreetingReconciler stalls, retries and suspends as Flux does", "[runtime][example]") {
  Fixture f;
  f.create("stuck", "stall");
  REQUIRE(eventually([&] { return status(f.get("stuck"), "Stalled") == "True"; }));
  core::Value g = f.get("stuck");
  CHECK(status(g, "Ready") == "False");
  CHECK((*condition(g, "Ready"))["reason"].asString() == "InvalidMessage");
  CHECK(condition(g, "Reconciling") == nullptr);
  CHECK(g["status"]["observedGeneration"].asInt() == 1);
  const int callsWhenStalled = f.reconciler->calls.load();
  std::this_thread::sleep_for(300ms);
  CHECK(f.reconciler->calls.load() == callsWhenStalled);  // no retry while stalled

  f.create("flaky", "fail");
  REQUIRE(eventually([&] {
    core::Value now = f.get("flaky");
    return status(now, "Ready") == "False" && status(now, "Reconciling") == "True";
  }));
  core::Value flaky = f.get("flaky");
  CHECK((*condition(flaky, "Reconciling"))["reason"].asString() == "ProgressingWithRetry");
  CHECK((*condition(flaky, "Ready"))["reason"].asString() == "GreetingFailed");
  CHECK(!flaky["status"]["observedGeneration"].isInt());  // only on Ready or Stalled
  REQUIRE(eventually([&] { return f.reconciler->calls.load() >= callsWhenStalled + 3; }));
  CHECK(f.hasEvent("Warning GreetingFailed"));
  // Fixing the spec recovers.
  f.setMessage("flaky", "fixed");
  REQUIRE(eventually([&] { return status(f.get("flaky"), "Ready") == "True"; }));
  CHECK(f.hasEvent("Normal Succeeded"));  // recovery

  f.create("paused", "zzz", true);
  std::this_thread::sleep_for(300ms);
  core::Value paused = f.get("paused");
  CHECK(paused["status"].isNull());  // suspended: nothing reconciled, status untouched
}

}  // namespace
}  // namespace driftless::test
