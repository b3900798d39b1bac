#include "example_controller.h"

#include <chrono>
#include <thread>

#include "driftless/core/json.h"
#include "driftless/kube/api_error.h"

namespace driftless::test {

namespace {

const kube::GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};

}  // namespace

Greeting Greeting::fromValue(const core::Value& v) {
  Greeting g;
  g.metadata = api::ObjectMeta::fromValue(v["metadata"]);
  const core::Value& spec = v["spec"];
  if (spec["message"].isString()) g.spec.message = spec["message"].asString();
  if (spec["suspend"].isBool()) g.spec.suspend = spec["suspend"].asBool();
  if (spec["interval"].isString()) g.spec.interval = api::Duration(spec["interval"].asString());
  if (const core::Value& status = v["status"]; status.isObject()) {
    GreetingStatus s;
    if (status["observedGeneration"].isNumber()) {
      s.observedGeneration = status["observedGeneration"].asInt();
    }
    for (const auto& c :
         status["conditions"].isArray() ? status["conditions"].asArray() : core::Array{}) {
      s.conditions.push_back(api::meta::Condition::fromValue(c));
    }
    if (status["lastHandledReconcileAt"].isString()) {
      s.lastHandledReconcileAt = status["lastHandledReconcileAt"].asString();
    }
    if (status["greeting"].isString()) s.greeting = status["greeting"].asString();
    g.status = std::move(s);
  }
  return g;
}

core::Value Greeting::toValue() const {
  core::Value v = core::Value::object();
  v["apiVersion"] = kApiVersion;
  v["kind"] = kKind;
  v["metadata"] = metadata.toValue();
  core::Value& s = v["spec"];
  s["message"] = spec.message;
  if (spec.suspend) s["suspend"] = *spec.suspend;
  s["interval"] = spec.interval.text();
  if (status) {
    core::Value& st = v["status"];
    st = core::Value::object();
    if (status->observedGeneration) st["observedGeneration"] = *status->observedGeneration;
    if (!status->conditions.empty()) {
      core::Value conds = core::Value::array();
      for (const auto& c : status->conditions)
        conds.push_back(c.toValue());
      st["conditions"] = std::move(conds);
    }
    if (status->lastHandledReconcileAt) {
      st["lastHandledReconcileAt"] = *status->lastHandledReconcileAt;
    }
    if (!status->greeting.empty()) st["greeting"] = status->greeting;
  }
  return v;
}

core::Value greetingCrd() {
  return core::parseJson(R"({
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "greetings.example.driftless.io"},
  "spec": {"group": "example.driftless.io", "scope": "Namespaced",
    "names": {"plural": "greetings", "singular": "greeting", "kind": "Greeting", "listKind": "GreetingList"},
    "versions": [{"name": "v1", "served": true, "storage": true,
      "subresources": {"status": {}},
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
          "message": {"type": "string"}, "suspend": {"type": "boolean"},
          "interval": {"type": "string", "default": "10m"}}},
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}})");
}

GreetingReconciler::GreetingReconciler(kube::Client& client,
                                       runtime::ObjectReconcilerOptions options,
                                       core::Logger logger)
    : ObjectReconciler(client, std::move(options), std::move(logger)) {}

std::string GreetingReconciler::reconcileObject(Greeting& obj, runtime::SerialPatcher&,
                                                std::stop_token) {
  ++calls;
  if (obj.spec.message == "stall") {
    throw runtime::StallingError("InvalidMessage", "message 'stall' is not allowed");
  }
  if (obj.spec.message.rfind("slow", 0) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // finishes even when stopping
  }
  if (obj.spec.message == "fail") {
    throw runtime::ReasonedError("GreetingFailed", "cannot greet: message 'fail'");
  }
  core::Value cm = core::Value::object();
  cm["apiVersion"] = "v1";
  cm["kind"] = "ConfigMap";
  cm["metadata"]["name"] = obj.metadata.name + "-greeting";
  cm["metadata"]["namespace"] = obj.metadata.namespace_;
  cm["data"]["message"] = obj.spec.message;
  kube::ServerSideApplyOptions opts;
  opts.fieldManager = "greeting-controller";
  opts.force = true;
  client_.apply(cm, opts);
  if (obj.status->greeting != "Hello, " + obj.spec.message) {
    obj.status->greeting = "Hello, " + obj.spec.message;
    event(obj, false, "Greeted", "greeted with '" + obj.spec.message + "'",
          {{"revision", obj.spec.message}});
  }
  return "greeted with '" + obj.spec.message + "'";
}

void GreetingReconciler::reconcileDelete(Greeting& obj) {
  ++deletes;
  try {
    client_.remove({kConfigMap, obj.metadata.namespace_, obj.metadata.name + "-greeting"});
  } catch (const kube::ApiError& e) {
    if (!e.isNotFound()) throw;
  }
}

}  // namespace driftless::test
