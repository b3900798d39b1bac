// The control plane's own controllers: ownerReference garbage collection, event expiry and the
// optional workload simulator. They run in the housekeeping thread and write through the store
// like any client, so watchers see their changes.

#include <algorithm>
#include <chrono>
#include <unordered_map>
#include <utility>

#include "impl.h"
#include "table.h"

namespace driftless::apiserver {

namespace {

constexpr std::string_view kOrphan = "orphan";
constexpr std::string_view kForeground = "foregroundDeletion";

bool hasFinalizer(const core::Value& obj, std::string_view name) {
  const core::Value& f = obj["metadata"]["finalizers"];
  if (!f.isArray()) return false;
  return std::any_of(f.asArray().begin(), f.asArray().end(),
                     [&](const core::Value& v) { return v.isString() && v.asString() == name; });
}

core::Value withoutFinalizer(core::Value obj, std::string_view name) {
  core::Value& f = obj["metadata"]["finalizers"];
  if (!f.isArray()) return obj;
  auto& arr = f.asArray();
  arr.erase(
      std::remove_if(arr.begin(), arr.end(),
                     [&](const core::Value& v) { return v.isString() && v.asString() == name; }),
      arr.end());
  if (arr.empty()) obj["metadata"].asObject().erase("finalizers");
  return obj;
}

struct Indexed {
  ObjectKey key;
  StoredObjectPtr object;
};

std::int64_t intOr(const core::Value& v, std::int64_t fallback) {
  return v.isInt() ? v.asInt() : fallback;
}

}  // namespace

void ApiServer::Impl::collectGarbage() {
  // Every object by uid, and the objects that have owners.
  std::unordered_map<std::string, Indexed> byUid;
  std::vector<Indexed> dependents;
  for (const auto& r : registry_->all()) {
    if (!r->storageVersion) continue;
    std::int64_t rev = 0;
    for (const auto& o : store_->list(r->storageResource(), "", rev)) {
      const core::Value& meta = o->object["metadata"];
      ObjectKey key{r->storageResource(),
                    meta["namespace"].isString() ? meta["namespace"].asString() : "",
                    meta["name"].asString()};
      if (meta["uid"].isString()) byUid.emplace(meta["uid"].asString(), Indexed{key, o});
      if (meta["ownerReferences"].isArray() && !meta["ownerReferences"].asArray().empty()) {
        dependents.push_back(Indexed{std::move(key), o});
      }
    }
  }
  std::unordered_map<std::string, int> liveDependents;  // owner uid -> dependents left
  for (const auto& d : dependents) {
    const auto& refs = d.object->object["metadata"]["ownerReferences"].asArray();
    bool anyOwner = false;
    bool foregroundOwner = false;
    std::vector<std::string> orphaningOwners;
    for (const auto& ref : refs) {
      const std::string uid = ref["uid"].isString() ? ref["uid"].asString() : "";
      auto it = byUid.find(uid);
      if (it == byUid.end()) continue;
      const core::Value& owner = it->second.object->object;
      bool deleting = !owner["metadata"]["deletionTimestamp"].isNull();
      if (deleting && hasFinalizer(owner, kOrphan)) {
        orphaningOwners.push_back(uid);
        continue;
      }
      anyOwner = true;
      liveDependents[uid]++;
      if (deleting && hasFinalizer(owner, kForeground)) foregroundOwner = true;
    }
    if (!orphaningOwners.empty()) {
      store_->mutate(d.key, [&](const StoredObjectPtr& current) -> Mutation {
        if (!current) return Keep{};
        core::Value obj = current->object;
        auto& list = obj["metadata"]["ownerReferences"].asArray();
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [&](const core::Value& ref) {
                                    return ref["uid"].isString() &&
                                           std::find(orphaningOwners.begin(), orphaningOwners.end(),
                                                     ref["uid"].asString()) !=
                                               orphaningOwners.end();
                                  }),
                   list.end());
        if (list.empty()) obj["metadata"].asObject().erase("ownerReferences");
        return Put{std::move(obj)};
      });
      continue;
    }
    if (!anyOwner || foregroundOwner) store_->mutate(d.key, deleteOrMarkDeleting);
  }
  // Owners waiting for their dependents (foreground) or for orphaning to finish.
  for (const auto& [uid, owner] : byUid) {
    const core::Value& obj = owner.object->object;
    if (obj["metadata"]["deletionTimestamp"].isNull()) continue;
    for (std::string_view finalizer : {kOrphan, kForeground}) {
      if (!hasFinalizer(obj, finalizer)) continue;
      bool waiting = finalizer == kForeground && liveDependents.count(uid) > 0;
      if (finalizer == kOrphan) {
        for (const auto& d : dependents) {
          for (const auto& ref : d.object->object["metadata"]["ownerReferences"].asArray()) {
            if (ref["uid"].isString() && ref["uid"].asString() == uid) waiting = true;
          }
        }
      }
      if (waiting) continue;
      store_->mutate(owner.key, [&](const StoredObjectPtr& current) -> Mutation {
        if (!current) return Keep{};
        core::Value next = withoutFinalizer(current->object, finalizer);
        const core::Value& f = next["metadata"]["finalizers"];
        if (!(f.isArray() && !f.asArray().empty())) return Remove{};
        return Put{std::move(next)};
      });
    }
  }
}

void ApiServer::Impl::expireEvents() {
  const auto cutoff = std::chrono::system_clock::now() - options_.eventTtl;
  for (const char* resource : {"/events"}) {  // (events.k8s.io/v1 Events are stored here too)
    std::int64_t rev = 0;
    for (const auto& e : store_->list(resource, "", rev)) {
      const core::Value& meta = e->object["metadata"];
      auto created = meta["creationTimestamp"].isString()
                         ? core::parseRfc3339(meta["creationTimestamp"].asString())
                         : std::nullopt;
      if (!created || *created > cutoff) continue;
      ObjectKey key{resource, meta["namespace"].isString() ? meta["namespace"].asString() : "",
                    meta["name"].asString()};
      store_->mutate(key, [](const StoredObjectPtr& current) -> Mutation {
        return current ? Mutation{Remove{}} : Mutation{Keep{}};
      });
    }
  }
}

void ApiServer::Impl::simulateWorkloads() {
  const std::string now = core::formatRfc3339(std::chrono::system_clock::now());
  for (const char* resource : {"apps/deployments", "apps/statefulsets", "apps/daemonsets",
                               "apps/replicasets", "batch/jobs"}) {
    std::int64_t rev = 0;
    for (const auto& o : store_->list(resource, "", rev)) {
      const core::Value& obj = o->object;
      std::int64_t generation = intOr(obj["metadata"]["generation"], 1);
      if (intOr(obj["status"]["observedGeneration"], -1) == generation) continue;
      if (!obj["metadata"]["deletionTimestamp"].isNull()) continue;
      ObjectKey key{resource, obj["metadata"]["namespace"].asString(),
                    obj["metadata"]["name"].asString()};
      store_->mutate(key, [&](const StoredObjectPtr& current) -> Mutation {
        if (!current) return Keep{};
        core::Value next = current->object;
        std::string_view r = resource;
        std::int64_t replicas = intOr(next["spec"]["replicas"], 1);
        core::Value status = core::Object{{"observedGeneration", generation}};
        // `simulator.driftless.io/outcome: fail` simulates a rollout that cannot finish (a
        // Deployment past its progress deadline, a Job out of retries), to test health checks.
        const core::Value& outcome =
            std::as_const(next)["metadata"]["annotations"]["simulator.driftless.io/outcome"];
        const bool fail = outcome.isString() && outcome.asString() == "fail";
        auto condition = [&](const char* type, const char* reason, const char* message) {
          return core::Object{{"type", type},          {"status", "True"},
                              {"lastUpdateTime", now}, {"lastTransitionTime", now},
                              {"reason", reason},      {"message", message}};
        };
        if (r == "apps/deployments" || r == "apps/replicasets" || r == "apps/statefulsets") {
          status["replicas"] = replicas;
          status["readyReplicas"] = replicas;
          status["availableReplicas"] = replicas;
          status["updatedReplicas"] = replicas;
          if (r == "apps/statefulsets") {
            status["currentReplicas"] = replicas;
            std::string revision = key.name + "-" + std::to_string(generation);
            status["currentRevision"] = revision;
            status["updateRevision"] = revision;
          }
          if (r == "apps/deployments" && fail) {
            status["readyReplicas"] = 0;
            status["availableReplicas"] = 0;
            status["conditions"] = core::Array{core::Object{
                {"type", "Progressing"},
                {"status", "False"},
                {"lastUpdateTime", now},
                {"lastTransitionTime", now},
                {"reason", "ProgressDeadlineExceeded"},
                {"message", "ReplicaSet \"" + key.name +
                                "\" has timed out progressing. (simulated by driftless)"}}};
          } else if (r == "apps/deployments") {
            status["conditions"] = core::Array{
                condition("Available", "MinimumReplicasAvailable",
                          "Deployment has minimum availability."),
                condition("Progressing", "NewReplicaSetAvailable",
                          "ReplicaSet has successfully progressed. (simulated by driftless)")};
          }
        } else if (r == "apps/daemonsets") {
          for (const char* f : {"desiredNumberScheduled", "currentNumberScheduled", "numberReady",
                                "numberAvailable", "updatedNumberScheduled"}) {
            status[f] = 1;
          }
          status["numberMisscheduled"] = 0;
        } else if (fail) {  // batch/jobs
          status["failed"] = intOr(next["spec"]["backoffLimit"], 6) + 1;
          status["startTime"] = now;
          status["conditions"] = core::Array{core::Object{
              {"type", "Failed"},
              {"status", "True"},
              {"lastProbeTime", now},
              {"lastTransitionTime", now},
              {"reason", "BackoffLimitExceeded"},
              {"message", "Job has reached the specified backoff limit (simulated by driftless)"}}};
        } else {  // batch/jobs
          std::int64_t completions = intOr(next["spec"]["completions"], 1);
          status["succeeded"] = completions;
          status["startTime"] = now;
          status["completionTime"] = now;
          status["conditions"] = core::Array{core::Object{
              {"type", "Complete"},
              {"status", "True"},
              {"lastProbeTime", now},
              {"lastTransitionTime", now},
              {"reason", "CompletionsReached"},
              {"message", "Reached expected number of succeeded pods (simulated by driftless)"}}};
        }
        next["status"] = std::move(status);
        return Put{std::move(next)};
      });
    }
  }
}

}  // namespace driftless::apiserver
