#include "driftless/ssa/status.h"

#include <chrono>
#include <climits>
#include <optional>
#include <string_view>

#include "driftless/core/time.h"

namespace driftless::ssa {
namespace {

using core::Value;
using Result = StatusResult;

std::optional<std::int64_t> intAt(const Value& obj, std::string_view a, std::string_view b,
                                  std::string_view c = {}, std::string_view d = {}) {
  const Value* v = obj.find(a);
  for (std::string_view key : {b, c, d}) {
    if (v == nullptr || key.empty()) break;
    v = v->find(key);
  }
  if (v == nullptr || !v->isNumber()) return std::nullopt;
  try {
    return v->asInt();
  } catch (...) {
    return std::nullopt;
  }
}

std::int64_t intOr(const Value& obj, std::string_view section, std::string_view key,
                   std::int64_t fallback) {
  return intAt(obj, section, key).value_or(fallback);
}

struct Condition {
  std::string type, status, reason, message;
};

std::vector<Condition> conditionsOf(const Value& obj) {
  std::vector<Condition> out;
  const Value& list = obj["status"]["conditions"];
  if (!list.isArray()) return out;
  for (const auto& c : list.asArray()) {
    out.push_back({c["type"].stringOr(), c["status"].stringOr(), c["reason"].stringOr(),
                   c["message"].stringOr()});
  }
  return out;
}

Result inProgress(std::string reason, std::string message) {
  return {Status::InProgress, std::move(message), std::move(reason)};
}
Result failed(std::string reason, std::string message) {
  return {Status::Failed, std::move(message), std::move(reason)};
}
Result current(std::string message) {
  return {Status::Current, std::move(message), ""};
}

std::string ratio(std::string_view label, std::int64_t a, std::int64_t b) {
  return std::string(label) + ": " + std::to_string(a) + "/" + std::to_string(b);
}

std::optional<Result> checkGeneration(const Value& obj) {
  auto generation = intAt(obj, "metadata", "generation");
  auto observed = intAt(obj, "status", "observedGeneration");
  if (!generation || !observed || *generation == *observed) return std::nullopt;
  return inProgress("LatestGenerationNotObserved",
                    obj["kind"].stringOr() + " generation is " + std::to_string(*generation) +
                        ", but latest observed generation is " + std::to_string(*observed));
}

std::optional<Result> checkGeneric(const Value& obj) {
  if (!obj["metadata"]["deletionTimestamp"].stringOr().empty()) {
    return Result{Status::Terminating, "Resource scheduled for deletion", ""};
  }
  if (auto r = checkGeneration(obj)) return r;
  for (const auto& c : conditionsOf(obj)) {
    if (c.type == "Reconciling" && c.status == "True") return inProgress(c.reason, c.message);
    if (c.type == "Stalled" && c.status == "True") return failed(c.reason, c.message);
  }
  return std::nullopt;
}

Result deploymentStatus(const Value& obj) {
  bool progressing = intOr(obj, "spec", "progressDeadlineSeconds", INT_MAX) == INT_MAX;
  bool available = false;
  for (const auto& c : conditionsOf(obj)) {
    if (c.type == "Progressing") {
      if (c.reason == "ProgressDeadlineExceeded") {
        return failed(c.reason, "Progress deadline exceeded");
      }
      if (c.status == "True" && c.reason == "NewReplicaSetAvailable") progressing = true;
    } else if (c.type == "Available" && c.status == "True") {
      available = true;
    }
  }
  std::int64_t spec = intOr(obj, "spec", "replicas", 1);
  std::int64_t replicas = intOr(obj, "status", "replicas", 0);
  std::int64_t updated = intOr(obj, "status", "updatedReplicas", 0);
  std::int64_t ready = intOr(obj, "status", "readyReplicas", 0);
  std::int64_t availableReplicas = intOr(obj, "status", "availableReplicas", 0);
  if (spec > replicas) return inProgress("LessReplicas", ratio("Replicas", replicas, spec));
  if (spec > updated) return inProgress("LessUpdated", ratio("Updated", updated, spec));
  if (replicas > spec) {
    return inProgress("ExtraPods", "Pending termination: " + std::to_string(replicas - spec));
  }
  if (updated > availableReplicas) {
    return inProgress("LessAvailable", ratio("Available", availableReplicas, updated));
  }
  if (spec > ready) return inProgress("LessReady", ratio("Ready", ready, spec));
  if (!progressing) return inProgress("ReplicaSetNotAvailable", "ReplicaSet not Available");
  if (!available) return inProgress("DeploymentNotAvailable", "Deployment not Available");
  return current("Deployment is available. Replicas: " + std::to_string(replicas));
}

Result statefulSetStatus(const Value& obj) {
  if (obj["spec"]["updateStrategy"]["type"].stringOr() == "OnDelete") {
    return current("StatefulSet is using the ondelete update strategy");
  }
  std::int64_t spec = intOr(obj, "spec", "replicas", 1);
  std::int64_t ready = intOr(obj, "status", "readyReplicas", 0);
  std::int64_t currentReplicas = intOr(obj, "status", "currentReplicas", 0);
  std::int64_t updated = intOr(obj, "status", "updatedReplicas", 0);
  std::int64_t replicas = intOr(obj, "status", "replicas", 0);
  std::int64_t partition =
      intAt(obj, "spec", "updateStrategy", "rollingUpdate", "partition").value_or(-1);
  if (spec > replicas) return inProgress("LessReplicas", ratio("Replicas", replicas, spec));
  if (spec > ready) return inProgress("LessReady", ratio("Ready", ready, spec));
  if (replicas > spec) {
    return inProgress("ExtraPods", "Pending termination: " + std::to_string(replicas - spec));
  }
  if (partition != -1) {
    if (updated < spec - partition) {
      return inProgress("PartitionRollout", ratio("updated", updated, spec - partition));
    }
    return current("Partition rollout complete. updated: " + std::to_string(updated));
  }
  if (spec > currentReplicas) {
    return inProgress("LessCurrent", ratio("current", currentReplicas, spec));
  }
  if (obj["status"]["currentRevision"].stringOr() != obj["status"]["updateRevision"].stringOr()) {
    return inProgress("RevisionMismatch", "Waiting for updated revision to match current");
  }
  return current("All replicas scheduled as expected. Replicas: " + std::to_string(replicas));
}

Result daemonSetStatus(const Value& obj) {
  std::string kind = obj["kind"].stringOr();
  if (!intAt(obj, "metadata", "generation")) {
    return inProgress("NoGeneration", kind + " metadata.generation not found");
  }
  if (!intAt(obj, "status", "observedGeneration")) {
    return inProgress("NoObservedGeneration", kind + " status.observedGeneration not found");
  }
  std::int64_t desired = intOr(obj, "status", "desiredNumberScheduled", -1);
  std::int64_t scheduled = intOr(obj, "status", "currentNumberScheduled", 0);
  std::int64_t updated = intOr(obj, "status", "updatedNumberScheduled", 0);
  std::int64_t available = intOr(obj, "status", "numberAvailable", 0);
  std::int64_t ready = intOr(obj, "status", "numberReady", 0);
  if (desired == -1) {
    return inProgress("NoDesiredNumber", "Missing .status.desiredNumberScheduled");
  }
  if (desired > scheduled) return inProgress("LessCurrent", ratio("Current", scheduled, desired));
  if (desired > updated) return inProgress("LessUpdated", ratio("Updated", updated, desired));
  if (desired > available) {
    return inProgress("LessAvailable", ratio("Available", available, desired));
  }
  if (desired > ready) return inProgress("LessReady", ratio("Ready", ready, desired));
  return current("All replicas scheduled as expected. Replicas: " + std::to_string(desired));
}

Result replicaSetStatus(const Value& obj) {
  for (const auto& c : conditionsOf(obj)) {
    if (c.type == "ReplicaFailure" && c.status == "True") {
      return inProgress("ReplicaFailure", "Replica Failure condition. Check Pods");
    }
  }
  std::int64_t spec = intOr(obj, "spec", "replicas", 1);
  std::int64_t replicas = intOr(obj, "status", "replicas", 0);
  std::int64_t ready = intOr(obj, "status", "readyReplicas", 0);
  std::int64_t available = intOr(obj, "status", "availableReplicas", 0);
  std::int64_t labelled = intOr(obj, "status", "fullyLabeledReplicas", 0);
  if (spec > labelled) return inProgress("LessLabelled", ratio("Labelled", labelled, spec));
  if (spec > available) return inProgress("LessAvailable", ratio("Available", available, spec));
  if (spec > ready) return inProgress("LessReady", ratio("Ready", ready, spec));
  if (replicas > spec) {
    return inProgress("ExtraPods", "Pending termination: " + std::to_string(replicas - spec));
  }
  return current("ReplicaSet is available. Replicas: " + std::to_string(replicas));
}

Result jobStatus(const Value& obj) {
  std::int64_t parallelism = intOr(obj, "spec", "parallelism", 1);
  std::int64_t completions = intOr(obj, "spec", "completions", parallelism);
  std::int64_t succeeded = intOr(obj, "status", "succeeded", 0);
  std::int64_t active = intOr(obj, "status", "active", 0);
  std::int64_t failedPods = intOr(obj, "status", "failed", 0);
  bool suspended = obj["spec"]["suspend"].isBool() && obj["spec"]["suspend"].asBool();
  for (const auto& c : conditionsOf(obj)) {
    if (c.status != "True") continue;
    if (c.type == "Complete") {
      return current("Job Completed. succeeded: " + std::to_string(succeeded) + "/" +
                     std::to_string(completions));
    }
    if (c.type == "Failed") {
      return failed("JobFailed", "Job Failed. failed: " + std::to_string(failedPods) + "/" +
                                     std::to_string(completions));
    }
    if (c.type == "Suspended" && suspended) return current("Job is suspended");
  }
  if (obj["status"]["startTime"].stringOr().empty())
    return inProgress("JobNotStarted", "Job not started");
  return current("Job in progress. success:" + std::to_string(succeeded) +
                 ", active: " + std::to_string(active) + ", failed: " + std::to_string(failedPods));
}

Result podStatus(const Value& obj) {
  std::string phase = obj["status"]["phase"].stringOr();
  auto conditions = conditionsOf(obj);
  if (phase == "Succeeded") return current("Pod has completed successfully");
  if (phase == "Failed") return current("Pod has completed, but not successfully");
  if (phase == "Running") {
    for (const auto& c : conditions) {
      if (c.type == "Ready" && c.status == "True") return current("Pod is Ready");
    }
    std::string crashing;
    const Value& statuses = obj["status"]["containerStatuses"];
    if (statuses.isArray()) {
      for (const auto& cs : statuses.asArray()) {
        if (cs["state"]["waiting"]["reason"].stringOr() != "CrashLoopBackOff") continue;
        crashing += (crashing.empty() ? "" : ",") + cs["name"].stringOr();
      }
    }
    if (!crashing.empty()) {
      return failed("ContainerCrashLooping", "Containers in CrashLoop state: " + crashing);
    }
    return inProgress("PodRunningNotReady", "Pod is running but is not Ready");
  }
  if (phase == "Pending") {
    for (const auto& c : conditions) {
      if (c.type == "PodScheduled" && c.status == "False" && c.reason == "Unschedulable") {
        // A pod gets 15 seconds to be scheduled before it is reported (ScheduleWindow).
        auto created = core::parseRfc3339(obj["metadata"]["creationTimestamp"].stringOr());
        if (created && std::chrono::system_clock::now() - *created < std::chrono::seconds(15)) {
          return inProgress("PodNotScheduled", "Pod has not been scheduled");
        }
        return failed("PodUnschedulable", "Pod could not be scheduled");
      }
    }
    return inProgress("PodPending", "Pod is in the Pending phase");
  }
  if (phase.empty()) return inProgress("PodNotObserved", "Pod phase not available");
  return {Status::Unknown, "unknown phase " + phase, ""};
}

Result crdStatus(const Value& obj) {
  for (const auto& c : conditionsOf(obj)) {
    if (c.type == "NamesAccepted" && c.status == "False") return failed(c.reason, c.message);
    if (c.type != "Established") continue;
    if (c.status == "False" && c.reason != "Installing") return failed(c.reason, c.message);
    if (c.status == "True") return current("CRD is established");
  }
  return inProgress("Installing", "Install in progress");
}

std::optional<Result> kindStatus(const std::string& group, const std::string& kind,
                                 const Value& obj) {
  bool apps = group == "apps" || group == "extensions";
  if (group.empty()) {
    if (kind == "Service") {
      bool lb = obj["spec"]["type"].stringOr("ClusterIP") == "LoadBalancer";
      if (lb && obj["spec"]["clusterIP"].stringOr().empty()) {
        return inProgress("NoIPAssigned", "ClusterIP not set. Service type: LoadBalancer");
      }
      return current("Service is ready");
    }
    if (kind == "Pod") return podStatus(obj);
    if (kind == "Secret" || kind == "ConfigMap") return current("Resource is always ready");
    if (kind == "PersistentVolumeClaim") {
      std::string phase = obj["status"]["phase"].stringOr("unknown");
      if (phase != "Bound") return inProgress("NotBound", "PVC is not Bound. phase: " + phase);
      return current("PVC is Bound");
    }
  }
  if (group == "apps" && kind == "StatefulSet") return statefulSetStatus(obj);
  if (apps && kind == "DaemonSet") return daemonSetStatus(obj);
  if (apps && kind == "Deployment") return deploymentStatus(obj);
  if (apps && kind == "ReplicaSet") return replicaSetStatus(obj);
  if (group == "policy" && kind == "PodDisruptionBudget") {
    return current("AllowedDisruptions has been computed.");
  }
  if (group == "batch" && kind == "CronJob") return current("Resource is always ready");
  if (group == "batch" && kind == "Job") return jobStatus(obj);
  if (group == "apiextensions.k8s.io" && kind == "CustomResourceDefinition") return crdStatus(obj);
  return std::nullopt;
}

}  // namespace

const char* statusName(Status status) noexcept {
  switch (status) {
    case Status::InProgress:
      return "InProgress";
    case Status::Failed:
      return "Failed";
    case Status::Current:
      return "Current";
    case Status::Terminating:
      return "Terminating";
    case Status::NotFound:
      return "NotFound";
    case Status::Unknown:
      break;
  }
  return "Unknown";
}

StatusResult computeStatus(const core::Value& object) {
  if (auto r = checkGeneric(object)) return *r;
  std::string apiVersion = object["apiVersion"].stringOr();
  std::string group = apiVersion.find('/') == std::string::npos
                          ? std::string()
                          : apiVersion.substr(0, apiVersion.find('/'));
  if (auto r = kindStatus(group, object["kind"].stringOr(), object)) return *r;
  for (const auto& c : conditionsOf(object)) {
    if (c.type != "Ready") continue;
    if (c.status == "True") return current("Resource is Ready");
    if (c.status == "False" || c.status == "Unknown") return inProgress(c.reason, c.message);
  }
  return current("Resource is current");
}

}  // namespace driftless::ssa
