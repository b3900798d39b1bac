// ResourceManager: delete and wait (fluxcd/pkg ssa/manager_delete.go, manager_wait.go).

#include <algorithm>
#include <chrono>
#include <thread>

#include "driftless/kube/api_error.h"
#include "driftless/ssa/resource_manager.h"

namespace driftless::ssa {
namespace {

using Clock = std::chrono::steady_clock;

bool labelsInclude(const core::Value& object, const Selector& inclusions) {
  const core::Value& labels = object["metadata"]["labels"];
  for (const auto& [key, value] : inclusions) {
    const core::Value* v = labels.find(key);
    if (v == nullptr || !v->isString() || v->asString() != value) return false;
  }
  return true;
}

std::string describe(const ResourceStatus& rs) {
  std::string out = rs.id.subject() + " status: '" + statusName(rs.status) + "'";
  if (rs.status == Status::Unknown && !rs.message.empty()) out += ": " + rs.message;
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Sleeps until the next poll (or the deadline), waking early when stop is requested.
void sleepUntilNext(Clock::time_point deadline, std::chrono::milliseconds interval,
                    const std::stop_token& stop = {}) {
  const auto next = std::min(Clock::now() + interval, deadline);
  while (Clock::now() < next && !stop.stop_requested()) {
    std::this_thread::sleep_until(std::min(next, Clock::now() + std::chrono::milliseconds(100)));
  }
}

}  // namespace

ChangeSetEntry ResourceManager::deleteOne(const kube::ObjectRef& ref,
                                          const DeleteOptions& options) {
  ObjMetadata id = ObjMetadata::of(ref);
  auto entry = [&](Action action) { return ChangeSetEntry::of(id, ref.gvk.version, action); };
  std::optional<core::Value> live;
  try {
    live = getOrNull(ref);
  } catch (const std::exception& e) {
    throw ResourceManagerError(id.subject() + " query failed: " + e.what());
  }
  if (!live) return entry(Action::Deleted);
  if (!labelsInclude(*live, options.inclusions) || anyInMetadata(*live, options.exclusions)) {
    return entry(Action::Skipped);
  }
  try {
    kube::DeleteOptions del;
    del.propagationPolicy = options.propagation;
    client_.remove(ref, del);
  } catch (const std::exception& e) {
    if (!kube::isNotFound(e))
      throw ResourceManagerError(id.subject() + " delete failed: " + e.what());
  }
  return entry(Action::Deleted);
}

ChangeSet ResourceManager::deleteAll(std::vector<kube::ObjectRef> objects,
                                     const DeleteOptions& options) {
  std::stable_sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) {
    return applyOrderLess(ObjMetadata::of(b), ObjMetadata::of(a));
  });
  ChangeSet changeSet;
  std::string errors;
  for (const auto& ref : objects) {
    try {
      changeSet.add(deleteOne(ref, options));
    } catch (const std::exception& e) {
      changeSet.add(ChangeSetEntry::of(ObjMetadata::of(ref), ref.gvk.version, Action::Unknown));
      errors += std::string(e.what()) + ";";
    }
  }
  if (!errors.empty()) throw ResourceManagerError("delete failed, errors: " + errors);
  return changeSet;
}

std::vector<ResourceStatus> ResourceManager::waitForSet(const std::vector<kube::ObjectRef>& objects,
                                                        const WaitOptions& options) {
  const auto deadline = Clock::now() + options.timeout;
  std::chrono::milliseconds pause{250};
  while (true) {
    std::vector<ResourceStatus> statuses;
    bool allCurrent = true;
    bool terminal = true;
    bool anyFailed = false;
    for (const auto& ref : objects) {
      ResourceStatus rs{ObjMetadata::of(ref), Status::Unknown, ""};
      try {
        StatusResult r = computeStatus(client_.get(ref));
        rs.status = r.status;
        rs.message = std::move(r.message);
      } catch (const std::exception& e) {
        rs.status = kube::isNotFound(e) ? Status::NotFound : Status::Unknown;
        rs.message = e.what();
      }
      allCurrent = allCurrent && rs.status == Status::Current;
      terminal = terminal && (rs.status == Status::Current || rs.status == Status::Failed);
      anyFailed = anyFailed || rs.status == Status::Failed;
      statuses.push_back(std::move(rs));
    }
    if (allCurrent) return statuses;
    if (options.stop.stop_requested()) {
      throw WaitError("wait canceled: the controller is shutting down", std::move(statuses));
    }
    bool timedOut = Clock::now() >= deadline;
    if (timedOut || terminal || (options.failFast && anyFailed)) {
      std::vector<std::string> errs;
      for (const auto& rs : statuses) {
        if (rs.status == Status::Failed || (timedOut && rs.status != Status::Current)) {
          errs.push_back(describe(rs));
        }
      }
      std::string prefix =
          timedOut ? "timeout waiting for" : "failed early due to stalled resources";
      throw WaitError(prefix + ": [" + joined(errs) + "]", std::move(statuses));
    }
    // Objects usually settle within a second of being applied: look again soon, then back off
    // to the configured interval (Flux polls every 5s from the start).
    sleepUntilNext(deadline, std::min(options.interval, pause), options.stop);
    pause *= 2;
  }
}

void ResourceManager::waitForTermination(const std::vector<kube::ObjectRef>& objects,
                                         const WaitOptions& options) {
  const auto deadline = Clock::now() + options.timeout;
  for (const auto& ref : objects) {
    while (true) {
      try {
        client_.get(ref);
      } catch (const std::exception& e) {
        if (kube::isNotFound(e)) break;
        throw ResourceManagerError(ObjMetadata::of(ref).subject() +
                                   " termination check failed: " + e.what());
      }
      if (Clock::now() >= deadline) {
        throw ResourceManagerError(ObjMetadata::of(ref).subject() +
                                   " termination timeout: the object still exists");
      }
      sleepUntilNext(deadline, options.interval);
    }
  }
}

}  // namespace driftless::ssa
