#pragma once

// The resource manager controllers apply with (fluxcd/pkg ssa): staged server-side apply with
// drift detection by dry run, recreation of objects with immutable-field changes, pruning of
// stale objects, and waiting for objects to become healthy (kstatus).

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/core/value.h"
#include "driftless/kube/client.h"
#include "driftless/ssa/change_set.h"
#include "driftless/ssa/inventory.h"
#include "driftless/ssa/metadata.h"
#include "driftless/ssa/ordering.h"
#include "driftless/ssa/status.h"

namespace driftless::ssa {

// Who applies: the field manager, and the owner labels `<group>/name` and `<group>/namespace`.
struct Owner {
  std::string fieldManager = "kustomize-controller";
  std::string group = "kustomize.toolkit.fluxcd.io";
};

// What an owner last applied to an object: the resourceVersion the server answered with and a
// digest of the desired object. While both still match, the object cannot have drifted, so the
// next apply needs no dry run (Flux dry-runs every object on every reconcile).
struct AppliedObject {
  std::string resourceVersion;
  std::size_t digest = 0;
};
// By ObjMetadata::toString().
using AppliedObjects = std::map<std::string, AppliedObject>;
// Live objects fetched ahead (listOwned), by ObjMetadata::toString().
using LiveObjects = std::map<std::string, core::Value>;

struct ApplyOptions {
  // Recreate objects whose changes touch immutable fields.
  bool force = false;
  // Objects recreated on immutable-field changes even without `force`.
  Selector forceSelector;
  // Objects never applied (entry `skipped`).
  Selector exclusionSelector;
  // Objects applied only when they do not exist yet.
  Selector ifNotPresentSelector;
  CleanupOptions cleanup;
  // Applied in a stage of their own, after the class definitions and before everything else.
  std::set<GroupKind> customStageKinds;
  // The wait for the cluster and class definitions of a staged apply (and for deletions when
  // recreating objects).
  std::chrono::milliseconds waitInterval{2000};
  std::chrono::milliseconds waitTimeout{60000};
  // Live objects listed ahead: an object found here is not fetched again. Objects absent from
  // it are dry-run first; one that does not exist comes back without a resourceVersion and is
  // created without a GET.
  const LiveObjects* live = nullptr;
  // In/out: what was applied before; unchanged objects (same digest, same resourceVersion as
  // live) are not dry-run. Updated with what this apply leaves.
  AppliedObjects* applied = nullptr;
};

// What kustomize-controller passes for an owner: `<group>/reconcile: disabled` and
// `<group>/ssa: ignore` skip, `<group>/ssa: ifnotpresent`, `<group>/force: enabled`; cleanup of
// kubectl's last-applied annotation and of the managers kubectl (Apply and Update),
// before-first-apply and the owner's own Update entries, unless `<group>/ssa: merge`.
ApplyOptions defaultApplyOptions(const Owner& owner, bool force = false);

struct DeleteOptions {
  kube::PropagationPolicy propagation = kube::PropagationPolicy::Background;
  // Only objects whose labels include all of these are deleted (others: `skipped`).
  Selector inclusions;
  // Objects matching (labels or annotations) are not deleted (`skipped`).
  Selector exclusions;
};

// Prune options of kustomize-controller: owner labels required, `<group>/prune: disabled` and
// `<group>/reconcile: disabled` kept.
DeleteOptions defaultDeleteOptions(const Owner& owner, const std::string& name,
                                   const std::string& namespace_);

struct WaitOptions {
  std::chrono::milliseconds interval{2000};
  std::chrono::milliseconds timeout{60000};
  // Stop as soon as an object is Failed.
  bool failFast = true;
  // Ends the wait early (WaitError "wait canceled: ...") when requested, e.g. on shutdown.
  std::stop_token stop;
};

struct ResourceStatus {
  ObjMetadata id;
  Status status = Status::Unknown;
  std::string message;
};

// An object could not be applied, deleted or waited for; what() reads like Flux's messages
// (`Deployment/default/podinfo dry-run failed (Invalid): ...`,
// `timeout waiting for: [Deployment/default/podinfo status: 'InProgress']`).
class ResourceManagerError : public core::Error {
 public:
  using core::Error::Error;
};

// A wait that ended before every object was Current; statuses() holds the last observations.
class WaitError : public ResourceManagerError {
 public:
  WaitError(const std::string& message, std::vector<ResourceStatus> statuses)
      : ResourceManagerError(message), statuses_(std::move(statuses)) {}
  [[nodiscard]] const std::vector<ResourceStatus>& statuses() const noexcept { return statuses_; }

 private:
  std::vector<ResourceStatus> statuses_;
};

// Not thread-safe; cheap to make (one per reconciliation is fine).
class ResourceManager {
 public:
  ResourceManager(kube::Client& client, Owner owner);

  // The live objects of the kinds of `objects` that carry `labels` (one LIST per kind, every
  // namespace); kinds that cannot be listed (e.g. not installed yet) are left out.
  LiveObjects listOwned(const std::vector<core::Value>& objects, const Selector& labels);

  // Adds the owner labels to each object.
  void setOwnerLabels(std::vector<core::Value>& objects, const std::string& name,
                      const std::string& namespace_) const;
  [[nodiscard]] Selector ownerLabels(const std::string& name, const std::string& namespace_) const;

  // Applies one object when it is new or has drifted (entry created/configured/unchanged/
  // skipped). Throws ResourceManagerError.
  ChangeSetEntry apply(const core::Value& object, const ApplyOptions& options);
  // Dry-runs every object (normalized, in apply order), then applies those that changed.
  ChangeSet applyAll(std::vector<core::Value> objects, const ApplyOptions& options);
  // What applying each object would do, found by server-side dry run (nothing is written):
  // entries `created` (with the dry-run result and no live object), `configured` (drifted:
  // both), `unchanged` or `skipped`. Throws ResourceManagerError when a dry run fails.
  struct DiffEntry {
    ChangeSetEntry entry;
    std::optional<core::Value> live;  // without managedFields
    core::Value merged;               // the dry-run result, without managedFields
  };
  std::vector<DiffEntry> diff(std::vector<core::Value> objects, const ApplyOptions& options);

  // applyAll by stage: cluster definitions (then waits for them), class definitions (then
  // waits), custom stage kinds, the rest. A failure ends it (as upstream, callers get no
  // partial change set).
  ChangeSet applyAllStaged(std::vector<core::Value> objects, const ApplyOptions& options);

  // Deletes the objects (in reverse apply order); objects already gone count as deleted. Every
  // object is attempted; failures are reported together afterwards (ResourceManagerError).
  ChangeSet deleteAll(std::vector<kube::ObjectRef> objects, const DeleteOptions& options);

  // Polls until every object is Current. Throws WaitError on timeout, or early when
  // options.failFast and an object is Failed (or when the rest are Current and some Failed).
  std::vector<ResourceStatus> waitForSet(const std::vector<kube::ObjectRef>& objects,
                                         const WaitOptions& options);
  // Polls until each object is gone; throws ResourceManagerError on timeout.
  void waitForTermination(const std::vector<kube::ObjectRef>& objects, const WaitOptions& options);

 private:
  struct Planned;
  Planned plan(const core::Value& object, const ApplyOptions& options);
  void write(const core::Value& object, const Planned& planned, const ApplyOptions& options);
  core::Value dryRun(const core::Value& object);
  void recreate(const core::Value& live, const ApplyOptions& options);
  bool cleanup(const core::Value& desired, core::Value& live, const CleanupOptions& options);
  ChangeSetEntry deleteOne(const kube::ObjectRef& ref, const DeleteOptions& options);
  std::optional<core::Value> getOrNull(const kube::ObjectRef& ref);

  kube::Client& client_;
  Owner owner_;
};

}  // namespace driftless::ssa
