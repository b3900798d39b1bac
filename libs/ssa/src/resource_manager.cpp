// ResourceManager: apply (fluxcd/pkg ssa/manager_apply.go, manager_diff.go).

#include "driftless/ssa/resource_manager.h"

#include <algorithm>
#include <array>
#include <exception>
#include <functional>
#include <utility>

#include "driftless/core/json.h"

#include "driftless/kube/api_error.h"

namespace driftless::ssa {
namespace {

using core::Value;

// What ReasonForError reports, or a field manager conflict (ssa/errors/errors.go).
std::string reasonOf(const std::exception& e) {
  const auto* api = dynamic_cast<const kube::ApiError*>(&e);
  if (api == nullptr) return "";
  for (const auto& cause : api->causes()) {
    if (cause.type == "FieldManagerConflict") return cause.type;
  }
  return api->reason();
}

std::string dryRunMessage(const ObjMetadata& id, const std::exception& e) {
  if (kube::isNotFound(e)) {
    if (id.namespace_.empty()) return id.subject() + " namespace not specified: " + e.what();
    return id.subject() + " not found: " + e.what();
  }
  std::string reason = reasonOf(e);
  return id.subject() + " dry-run failed" + (reason.empty() ? "" : " (" + reason + ")") + ": " +
         e.what();
}

const Value& section(const Value& object, std::string_view key) {
  return object["metadata"][key];
}

// Semantic equality: an absent map equals an empty one.
bool sameMap(const Value& a, const Value& b) {
  bool emptyA = a.isNull() || (a.isObject() && a.asObject().empty());
  bool emptyB = b.isNull() || (b.isObject() && b.asObject().empty());
  if (emptyA || emptyB) return emptyA == emptyB;
  return a == b;
}

Value withoutMetadataAndStatus(const Value& object) {
  Value copy = object;
  if (copy.isObject()) {
    copy.asObject().erase("metadata");
    copy.asObject().erase("status");
  }
  return copy;
}

// hasDrifted: labels, annotations, then everything outside metadata and status.
bool hasDrifted(const Value& live, const Value& dryRun) {
  if (!sameMap(section(live, "labels"), section(dryRun, "labels"))) return true;
  if (!sameMap(section(live, "annotations"), section(dryRun, "annotations"))) return true;
  return !(withoutMetadataAndStatus(live) == withoutMetadataAndStatus(dryRun));
}

std::string versionOf(const Value& object) {
  const Value& apiVersion = object["apiVersion"];
  return kube::GroupVersionKind::fromApiVersion(apiVersion.isString() ? apiVersion.asString() : "",
                                                "")
      .version;
}

}  // namespace

std::string resourceVersionOf(const Value& object) {
  const Value& rv = object["metadata"]["resourceVersion"];
  return rv.isString() ? rv.asString() : std::string();
}

std::size_t digestOf(const Value& object) {
  return std::hash<std::string>{}(core::toJson(object));
}

struct ResourceManager::Planned {
  ChangeSetEntry entry;
  bool apply = false;
  std::string key;  // ObjMetadata::toString() of the desired object
  std::size_t digest = 0;
};

ApplyOptions defaultApplyOptions(const Owner& owner, bool force) {
  const std::string& g = owner.group;
  ApplyOptions o;
  o.force = force;
  o.exclusionSelector = {{g + "/reconcile", "disabled"}, {g + "/ssa", "ignore"}};
  o.ifNotPresentSelector = {{g + "/ssa", "ifnotpresent"}};
  o.forceSelector = {{g + "/force", "enabled"}};
  o.cleanup.annotations = {"kubectl.kubernetes.io/last-applied-configuration", g + "/checksum",
                           "fluxcd.io/sync-checksum"};
  o.cleanup.labels = {"fluxcd.io/sync-gc-mark"};
  o.cleanup.fieldManagers = {{"kubectl", false, "Apply"},
                             {"kubectl", false, "Update"},
                             {"before-first-apply", false, "Update"},
                             {owner.fieldManager, false, "Update"}};
  o.cleanup.exclusions = {{g + "/ssa", "merge"}};
  return o;
}

DeleteOptions defaultDeleteOptions(const Owner& owner, const std::string& name,
                                   const std::string& namespace_) {
  DeleteOptions o;
  o.inclusions = {{owner.group + "/name", name}, {owner.group + "/namespace", namespace_}};
  o.exclusions = {{owner.group + "/prune", "disabled"}, {owner.group + "/reconcile", "disabled"}};
  return o;
}

ResourceManager::ResourceManager(kube::Client& client, Owner owner)
    : client_(client), owner_(std::move(owner)) {}

Selector ResourceManager::ownerLabels(const std::string& name,
                                      const std::string& namespace_) const {
  return {{owner_.group + "/name", name}, {owner_.group + "/namespace", namespace_}};
}

void ResourceManager::setOwnerLabels(std::vector<core::Value>& objects, const std::string& name,
                                     const std::string& namespace_) const {
  for (auto& object : objects) {
    for (const auto& [key, value] : ownerLabels(name, namespace_)) {
      object["metadata"]["labels"][key] = value;
    }
  }
}

std::optional<core::Value> ResourceManager::getOrNull(const kube::ObjectRef& ref) {
  try {
    return client_.get(ref);
  } catch (const kube::ApiError& e) {
    if (e.isNotFound()) return std::nullopt;
    throw;
  }
}

core::Value ResourceManager::dryRun(const core::Value& object) {
  return client_.apply(object, kube::ServerSideApplyOptions{owner_.fieldManager, true, true, ""});
}

void ResourceManager::recreate(const core::Value& live, const ApplyOptions& options) {
  kube::ObjectRef ref = kube::ObjectRef::of(live);
  std::string subject = ObjMetadata::of(live).subject();
  try {
    kube::DeleteOptions del;
    del.propagationPolicy = kube::PropagationPolicy::Background;
    client_.remove(ref, del);
  } catch (const std::exception& e) {
    if (!kube::isNotFound(e)) {
      throw ResourceManagerError(subject +
                                 " immutable field detected, failed to delete object: " + e.what());
    }
  }
  try {
    waitForTermination({ref}, WaitOptions{options.waitInterval, options.waitTimeout, false, {}});
  } catch (const std::exception& e) {
    throw ResourceManagerError(subject +
                               " immutable field detected, failed to wait for object to be "
                               "deleted: " +
                               e.what());
  }
}

bool ResourceManager::cleanup(const core::Value& desired, core::Value& live,
                              const CleanupOptions& options) {
  if (anyInMetadata(desired, options.exclusions) || anyInMetadata(live, options.exclusions)) {
    return false;
  }
  Value patch = cleanupPatch(live, options, owner_.fieldManager);
  if (patch.size() == 0) return false;
  live = client_.patch(kube::ObjectRef::of(live), kube::PatchType::Json, patch,
                       kube::PatchOptions{owner_.fieldManager, false, ""});
  return true;
}

// Everything but the write: skip rules, dry run (recreating on immutable-field errors when
// forced), metadata cleanup and drift detection (shouldSkipApply, ApplyAll's first phase). The
// live object comes from options.live, else from the dry run (absent: no resourceVersion), else
// from a GET; with options.applied, an object unchanged since the last apply is not dry-run.
ResourceManager::Planned ResourceManager::plan(const core::Value& object,
                                               const ApplyOptions& options) {
  ObjMetadata id = ObjMetadata::of(object);
  const std::string key = id.toString();
  const std::size_t digest = options.applied != nullptr ? digestOf(object) : 0;
  const kube::ObjectRef ref = kube::ObjectRef::of(object);
  std::optional<Value> live;
  bool liveKnown = false;
  if (options.live != nullptr) {
    if (auto it = options.live->find(key); it != options.live->end()) {
      live = it->second;
      liveKnown = true;
    }
  }
  auto skipped = [&] {
    return Planned{ChangeSetEntry::of(ObjMetadata::of(live ? *live : object), versionOf(object),
                                      Action::Skipped),
                   false, key, digest};
  };
  if (anyInMetadata(object, options.exclusionSelector)) return skipped();
  auto skipLive = [&] {
    return live && (anyInMetadata(*live, options.exclusionSelector) ||
                    anyInMetadata(object, options.ifNotPresentSelector));
  };
  if (liveKnown && options.applied != nullptr) {
    auto a = options.applied->find(key);
    if (a != options.applied->end() && a->second.digest == digest &&
        a->second.resourceVersion == resourceVersionOf(*live) && !skipLive()) {
      return {ChangeSetEntry::of(ObjMetadata::of(*live), versionOf(object), Action::Unchanged),
              false, key, digest};
    }
  }
  Value dryRunObject;
  bool dryRan = false;
  std::exception_ptr dryRunError;
  if (!liveKnown) {
    try {
      dryRunObject = dryRun(object);
      dryRan = true;
      // A dry-run create answers without a resourceVersion: the object does not exist.
      if (!resourceVersionOf(dryRunObject).empty()) live = getOrNull(ref);
      liveKnown = true;
    } catch (const std::exception&) {
      // Handled below with the live object, as upstream: the dry run reports the failure (an
      // unknown kind, an immutable field) with context.
      dryRunError = std::current_exception();
      try {
        live = getOrNull(ref);
      } catch (const std::exception&) {
      }
    }
  }
  if (skipLive()) return skipped();
  if (!dryRan) {
    try {
      if (dryRunError) std::rethrow_exception(dryRunError);
      dryRunObject = dryRun(object);
    } catch (const std::exception& e) {
      bool forced = live && isImmutableError(e) &&
                    (options.force || anyInMetadata(object, options.forceSelector) ||
                     anyInMetadata(*live, options.forceSelector));
      if (!forced) throw ResourceManagerError(dryRunMessage(id, e));
      recreate(*live, options);
      live.reset();
      try {
        dryRunObject = dryRun(object);
      } catch (const std::exception& again) {
        throw ResourceManagerError(dryRunMessage(id, again));
      }
    }
  }
  bool patched = false;
  try {
    patched = live && cleanup(object, *live, options.cleanup);
  } catch (const std::exception& e) {
    throw ResourceManagerError(id.subject() +
                               " metadata.managedFields cleanup failed: " + e.what());
  }
  Action action = !live                                        ? Action::Created
                  : patched || hasDrifted(*live, dryRunObject) ? Action::Configured
                                                               : Action::Unchanged;
  if (action == Action::Unchanged && options.applied != nullptr) {
    (*options.applied)[key] = AppliedObject{resourceVersionOf(*live), digest};
  }
  return {ChangeSetEntry::of(ObjMetadata::of(dryRunObject), versionOf(object), action),
          action != Action::Unchanged, key, digest};
}

void ResourceManager::write(const core::Value& object, const Planned& planned,
                            const ApplyOptions& options) {
  Value applied;
  try {
    applied =
        client_.apply(object, kube::ServerSideApplyOptions{owner_.fieldManager, true, false, ""});
  } catch (const std::exception& e) {
    if (options.applied != nullptr) options.applied->erase(planned.key);
    throw ResourceManagerError(planned.entry.subject + " apply failed: " + e.what());
  }
  if (options.applied != nullptr) {
    (*options.applied)[planned.key] = AppliedObject{resourceVersionOf(applied), planned.digest};
  }
}

LiveObjects ResourceManager::listOwned(const std::vector<core::Value>& objects,
                                       const Selector& labels) {
  std::string selector;
  for (const auto& [k, v] : labels)
    selector += (selector.empty() ? "" : ",") + k + "=" + v;
  std::vector<kube::GroupVersionKind> kinds;
  for (const auto& o : objects) {
    kube::GroupVersionKind gvk = kube::ObjectRef::of(o).gvk;
    if (std::find(kinds.begin(), kinds.end(), gvk) == kinds.end()) kinds.push_back(gvk);
  }
  LiveObjects live;
  kube::ListOptions options;
  options.labelSelector = selector;
  for (const auto& gvk : kinds) {
    Value list;
    try {
      list = client_.list(gvk, "", options);
    } catch (const std::exception&) {
      continue;  // planned one by one
    }
    const Value& items = std::as_const(list)["items"];
    if (!items.isArray()) continue;
    for (const auto& item : items.asArray())
      live.emplace(ObjMetadata::of(item).toString(), item);
  }
  return live;
}

ChangeSetEntry ResourceManager::apply(const core::Value& object, const ApplyOptions& options) {
  Value normalized = object;
  normalizeObject(normalized);
  Planned planned = plan(normalized, options);
  if (planned.apply) write(normalized, planned, options);
  return planned.entry;
}

ChangeSet ResourceManager::applyAll(std::vector<core::Value> objects, const ApplyOptions& options) {
  for (auto& object : objects)
    normalizeObject(object);
  sortForApply(objects);
  std::vector<Planned> plans;
  plans.reserve(objects.size());
  for (const auto& object : objects)
    plans.push_back(plan(object, options));
  ChangeSet changeSet;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    if (plans[i].apply) write(objects[i], plans[i], options);
    changeSet.add(std::move(plans[i].entry));
  }
  return changeSet;
}

std::vector<ResourceManager::DiffEntry> ResourceManager::diff(std::vector<core::Value> objects,
                                                              const ApplyOptions& options) {
  auto strip = [](Value v) {
    if (v.isObject() && v["metadata"].isObject()) v["metadata"].asObject().erase("managedFields");
    return v;
  };
  for (auto& object : objects)
    normalizeObject(object);
  sortForApply(objects);
  std::vector<DiffEntry> out;
  for (const auto& object : objects) {
    const ObjMetadata id = ObjMetadata::of(object);
    if (anyInMetadata(object, options.exclusionSelector)) {
      out.push_back(
          {ChangeSetEntry::of(id, versionOf(object), Action::Skipped), std::nullopt, Value()});
      continue;
    }
    std::optional<Value> live = getOrNull(kube::ObjectRef::of(object));
    Value merged;
    try {
      merged = dryRun(object);
    } catch (const std::exception& e) {
      throw ResourceManagerError(dryRunMessage(id, e));
    }
    const Action action = !live                       ? Action::Created
                          : hasDrifted(*live, merged) ? Action::Configured
                                                      : Action::Unchanged;
    out.push_back({ChangeSetEntry::of(id, versionOf(object), action),
                   live ? std::optional<Value>(strip(*live)) : std::nullopt, strip(merged)});
  }
  return out;
}

ChangeSet ResourceManager::applyAllStaged(std::vector<core::Value> objects,
                                          const ApplyOptions& options) {
  std::array<std::vector<core::Value>, 4> stages;
  for (auto& object : objects) {
    stages[static_cast<int>(stageOf(object, options.customStageKinds))].push_back(
        std::move(object));
  }
  ChangeSet changeSet;
  for (int stage = 0; stage < 4; ++stage) {
    if (stages[stage].empty()) continue;
    ChangeSet cs = applyAll(std::move(stages[stage]), options);
    changeSet.append(cs);
    bool definitions = stage == static_cast<int>(Stage::ClusterDefinitions) ||
                       stage == static_cast<int>(Stage::ClassDefinitions);
    if (!definitions) continue;
    std::vector<kube::ObjectRef> applied;
    for (const auto& e : cs.entries) {
      if (e.action != Action::Skipped) applied.push_back(e.ref());
    }
    waitForSet(applied, WaitOptions{options.waitInterval, options.waitTimeout, false, {}});
  }
  return changeSet;
}

}  // namespace driftless::ssa
