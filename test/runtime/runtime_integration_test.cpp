// The runtime against the embedded control plane over real HTTP: informers, controllers, the
// patch helper and the reconciler skeleton (through the example Greeting controller).

#include <catch2/catch_test_macros.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "driftless/core/json.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/client.h"
#include "driftless/runtime/controller.h"
#include "driftless/runtime/informer.h"
#include "driftless/runtime/metrics.h"
#include "driftless/runtime/patch_helper.h"
#include "example_controller.h"
#include "kubectl_harness.h"
#include "test_support.h"

namespace driftless::test {
namespace {

using namespace std::chrono_literals;
using runtime::ObjectPtr;

const kube::GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};

runtime::InformerOptions informerOptions(const std::string& ns, const std::string& selector = "") {
  runtime::InformerOptions o;
  o.gvk = kConfigMap;
  o.namespace_ = ns;
  o.labelSelector = selector;
  return o;
}

runtime::ControllerOptions controllerOptions(const std::string& name, int concurrent) {
  runtime::ControllerOptions o;
  o.name = name;
  o.concurrent = concurrent;
  return o;
}

core::Value configMap(const std::string& ns, const std::string& name, const std::string& value,
                      const std::string& label = "a") {
  core::Value cm = core::Value::object();
  cm["apiVersion"] = "v1";
  cm["kind"] = "ConfigMap";
  cm["metadata"]["name"] = name;
  cm["metadata"]["namespace"] = ns;
  cm["metadata"]["labels"]["shard"] = label;
  cm["data"]["v"] = value;
  return cm;
}

// Records informer events in order.
struct Recorder {
  std::mutex mutex;
  std::vector<std::string> events;
  runtime::EventHandlers handlers() {
    runtime::EventHandlers h;
    h.onAdd = [this](const ObjectPtr& o) { push("add " + runtime::objectKey(*o)); };
    h.onUpdate = [this](const ObjectPtr&, const ObjectPtr& o) {
      push("update " + runtime::objectKey(*o) + " " + (*o)["data"]["v"].asString());
    };
    h.onDelete = [this](const ObjectPtr& o) { push("delete " + runtime::objectKey(*o)); };
    return h;
  }
  void push(std::string e) {
    std::lock_guard lock(mutex);
    events.push_back(std::move(e));
  }
  bool seen(const std::string& e) {
    std::lock_guard lock(mutex);
    return std::find(events.begin(), events.end(), e) != events.end();
  }
};

TEST_CASE("Informer sees creates, updates and deletes", "[runtime][informer]") {
  ControlPlane cp;
  auto client = kube::makeClient(cp.config(), quietLogger());
  client->create(configMap("default", "before", "1"));
  runtime::Informer informer(*client, informerOptions("default"), quietLogger());
  informer.addIndex("shard", [](const core::Value& o) {
    const core::Value& l = o["metadata"]["labels"]["shard"];
    return l.isString() ? std::vector<std::string>{l.asString()} : std::vector<std::string>{};
  });
  Recorder rec;
  informer.addEventHandlers(rec.handlers());
  informer.start();
  REQUIRE(informer.waitForSync(10s));
  CHECK(rec.seen("add default/before"));
  CHECK(informer.get("default", "before"));
  // Shared and immutable: two reads return the same object.
  CHECK(informer.get("default", "before").get() == informer.get("default", "before").get());
  CHECK((*informer.get("default", "before"))["metadata"]["managedFields"].isNull());

  client->create(configMap("default", "x", "1", "b"));
  REQUIRE(eventually([&] { return rec.seen("add default/x"); }));
  auto cm = client->get({kConfigMap, "default", "x"});
  cm["data"]["v"] = "2";
  client->update(cm);
  REQUIRE(eventually([&] { return rec.seen("update default/x 2"); }));
  CHECK(informer.byIndex("shard", "b").size() == 1);
  client->remove({kConfigMap, "default", "x"});
  REQUIRE(eventually([&] { return rec.seen("delete default/x"); }));
  CHECK(!informer.get("default", "x"));
  CHECK(informer.byIndex("shard", "b").empty());

  // A handler added late first sees every current object.
  Recorder late;
  informer.addEventHandlers(late.handlers());
  CHECK(late.seen("add default/before"));
}

TEST_CASE("Informer filters by label selector", "[runtime][informer]") {
  ControlPlane cp;
  auto client = kube::makeClient(cp.config(), quietLogger());
  runtime::Informer informer(*client, informerOptions("", "shard=one"), quietLogger());
  informer.start();
  REQUIRE(informer.waitForSync(10s));
  client->create(configMap("default", "in", "1", "one"));
  client->create(configMap("default", "out", "1", "two"));
  REQUIRE(eventually([&] { return informer.get("default", "in") != nullptr; }));
  std::this_thread::sleep_for(100ms);
  CHECK(!informer.get("default", "out"));
}

TEST_CASE("Informer resumes after a server restart and relists after 410", "[runtime][informer]") {
  ControlPlaneOptions options;
  options.historyEvents = 5;  // old resourceVersions expire quickly
  ControlPlane cp(options);
  auto client = kube::makeClient(cp.config(), quietLogger());
  runtime::InformerOptions io = informerOptions("default");
  io.minBackoff = 50ms;
  io.maxBackoff = 200ms;
  runtime::Informer informer(*client, io, quietLogger());
  Recorder rec;
  informer.addEventHandlers(rec.handlers());
  informer.start();
  REQUIRE(informer.waitForSync(10s));
  client->create(configMap("default", "a", "1"));
  REQUIRE(eventually([&] { return rec.seen("add default/a"); }));

  cp.stop();
  std::this_thread::sleep_for(300ms);
  cp.restart();
  // Changes made while the informer was away: more than the history holds, so resuming from
  // the old resourceVersion answers 410 and the informer relists.
  auto writer = kube::makeClient(cp.config(), quietLogger());
  for (int i = 0; i < 10; ++i)
    writer->create(configMap("default", "n" + std::to_string(i), "1"));
  writer->remove({kConfigMap, "default", "a"});
  REQUIRE(eventually([&] { return informer.size() == 10 && !informer.get("default", "a"); }, 20s));
  CHECK(rec.seen("add default/n9"));
  CHECK(rec.seen("delete default/a"));
  CHECK(informer.stats().watchErrors + informer.stats().lists >= 2);
  // And the watch works again afterwards.
  writer->create(configMap("default", "after", "1"));
  REQUIRE(eventually([&] { return rec.seen("add default/after"); }));
}

// Counts reconciles per key; optionally fails or blocks.
struct CountingReconciler : runtime::Reconciler {
  std::mutex mutex;
  std::map<std::string, int> count;
  std::atomic<int> concurrentMax{0};
  std::atomic<int> running{0};
  std::function<runtime::Result(const runtime::Request&)> body;

  runtime::Result reconcile(const runtime::Request& req, std::stop_token) override {
    int now = ++running;
    int prev = concurrentMax.load();
    while (now > prev && !concurrentMax.compare_exchange_weak(prev, now)) {
    }
    {
      std::lock_guard lock(mutex);
      ++count[req.key()];
    }
    struct Done {
      std::atomic<int>& n;
      ~Done() { --n; }
    } done{running};
    return body ? body(req) : runtime::Result{};
  }
  int of(const std::string& key) {
    std::lock_guard lock(mutex);
    return count[key];
  }
};

TEST_CASE("Controller reconciles through the informer with predicates", "[runtime][controller]") {
  ControlPlane cp;
  auto client = kube::makeClient(cp.config(), quietLogger());
  runtime::Cache cache(*client, {}, quietLogger());
  runtime::Metrics metrics;
  CountingReconciler rec;
  runtime::Controller controller(controllerOptions("configmap", 2), rec, quietLogger(), &metrics);
  controller.watchFor(cache.informer(kConfigMap));
  cache.start();
  REQUIRE(cache.waitForSync(10s));
  controller.start();

  client->create(configMap("default", "p", "1"));
  REQUIRE(eventually([&] { return rec.of("default/p") == 1; }));
  // A data change does not change generation for ConfigMaps... but requestedAt does.
  auto cm = client->get({kConfigMap, "default", "p"});
  cm["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"] = "t1";
  client->update(cm);
  REQUIRE(eventually([&] { return rec.of("default/p") == 2; }));
  // Deletion enqueues too.
  client->remove({kConfigMap, "default", "p"});
  REQUIRE(eventually([&] { return rec.of("default/p") == 3; }));
  controller.stop();

  const std::string text = metrics.serialize();
  CHECK(text.find(
            "controller_runtime_reconcile_total{controller=\"configmap\",result=\"success\"} 3") !=
        std::string::npos);
  CHECK(text.find("workqueue_adds_total{controller=\"configmap\",name=\"configmap\"}") !=
        std::string::npos);
  CHECK(text.find("controller_runtime_max_concurrent_reconciles{controller=\"configmap\"} 2") !=
        std::string::npos);
}

TEST_CASE("Controller retries failures with backoff and drains on stop", "[runtime][controller]") {
  CountingReconciler rec;
  std::atomic<int> failuresLeft{2};
  rec.body = [&](const runtime::Request&) -> runtime::Result {
    if (failuresLeft-- > 0) throw std::runtime_error("transient");
    return {};
  };
  runtime::ControllerOptions opts = controllerOptions("retry", 1);
  opts.backoff.minDelay = 20ms;
  opts.backoff.maxDelay = 100ms;
  runtime::Controller controller(opts, rec, quietLogger());
  controller.start();
  controller.enqueue({"ns", "k"});
  REQUIRE(
      eventually([&] { return rec.of("ns/k") == 3 && controller.queue().stats().inFlight == 0; }));
  CHECK(controller.queue().failures("ns/k") == 0);  // forgotten after success

  // Drain: an in-flight reconcile finishes before stop returns.
  std::atomic<bool> finished{false};
  rec.body = [&](const runtime::Request&) -> runtime::Result {
    std::this_thread::sleep_for(200ms);
    finished = true;
    return {};
  };
  controller.enqueue({"ns", "slow"});
  REQUIRE(eventually([&] { return rec.running.load() == 1; }));
  controller.stop(5s);
  CHECK(finished.load());
}

TEST_CASE("SerialPatcher writes status without clobbering a concurrent spec change",
          "[runtime][patch]") {
  ControlPlane cp;
  auto client = kube::makeClient(cp.config(), quietLogger());
  client->create(greetingCrd());
  REQUIRE(waitForKind(*client, kGreetingGvk));
  core::Value g = core::parseJson(
      R"({"apiVersion":"example.driftless.io/v1","kind":"Greeting",
          "metadata":{"name":"g","namespace":"default"},"spec":{"message":"hi"}})");
  core::Value read = client->create(g);
  runtime::SerialPatcher patcher(*client, read);
  // Someone else changes the spec meanwhile.
  core::Value other = read;
  other["spec"]["message"] = "changed";
  client->update(other);
  core::Value local = read;
  local["status"]["greeting"] = "Hello";
  CHECK(patcher.patch(local) == 1);  // only the status subresource
  core::Value server = client->get({kGreetingGvk, "default", "g"});
  CHECK(server["spec"]["message"].asString() == "changed");
  CHECK(server["status"]["greeting"].asString() == "Hello");
  CHECK(patcher.patch(local) == 0);  // nothing new
}

}  // namespace
}  // namespace driftless::test
