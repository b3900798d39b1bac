#pragma once

// Server-side apply and managedFields tracking with the semantics of kube-apiserver (v1.32):
// sigs.k8s.io/structured-merge-diff (merge/update.go) under
// k8s.io/apimachinery/pkg/util/managedfields/internal (stripmeta, managedfieldsupdater,
// skipnonapplied, capmanagers, conflict).
//
// Every object carries metadata.managedFields: one entry per (manager, operation, subresource,
// and for Update the apiVersion), each with the set of fields (FieldsV1, see field_set.h) that
// manager owns.
//   - Apply (PATCH application/apply-patch+yaml): the configuration is merged into the live
//     object (maps field by field, lists by their list type: atomic lists replaced, sets united,
//     map lists merged by key); the manager's Apply entry becomes the fields of the
//     configuration; fields it applied before but no longer does are removed unless another
//     manager owns them; changing a field another manager owns is a conflict (setting the same
//     value is not: ownership is then shared); force moves ownership instead.
//   - Update (every other write): changed and added fields move to the writer's Update entry
//     and leave everyone else's; removed fields leave every set.
//
// Not covered: conversion between API versions (sets recorded at another apiVersion are compared
// as if they were at the current one), the kubectl client-side-apply upgrade path
// (lastappliedmanager/lastappliedupdater), reconciling sets after a schema changed between
// atomic and granular, and defaulting after the merge (the caller's job).

#include <string>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/core/value.h"
#include "driftless/kube/field_set.h"
#include "driftless/kube/patch_schema.h"

namespace driftless::kube {

struct ApplyOptions {
  std::string manager;      // the fieldManager ("unknown" when empty, as upstream)
  bool force = false;       // take ownership of conflicting fields
  std::string apiVersion;   // the version of the request; the config's apiVersion when empty
  std::string now;          // RFC 3339 time recorded in changed entries
  std::string subresource;  // "" or "status"
  // The main resource of a kind with a status subresource: `status` in the configuration is
  // ignored (kept at its live value) and not tracked.
  bool ignoreStatus = false;
};

struct ApplyConflict {
  std::string manager;  // the manager's name
  std::string path;     // e.g. `.data.b`, `.spec.containers[name="app"].image`
  // The cause message kube reports: `conflict with "alice"`, `conflict with "kubectl-edit"
  // using v1`, `conflict with "x" with subresource "status"`.
  std::string message;
};

// The apply would change fields other managers own (kube answers 409 Conflict with one
// `FieldManagerConflict` cause per conflict). what() is kube's message, e.g.
// `Apply failed with 1 conflict: conflict with "alice": .data.b`.
class ApplyConflictError : public core::Error {
 public:
  ApplyConflictError(std::string message, std::vector<ApplyConflict> conflicts);
  [[nodiscard]] const std::vector<ApplyConflict>& conflicts() const noexcept { return conflicts_; }

 private:
  std::vector<ApplyConflict> conflicts_;
};

// A request kube rejects with 400 Bad Request, e.g. `metadata.managedFields must be nil`.
// Other core::Error exceptions (a list item without its key, duplicate keys in the
// configuration, malformed managedFields in the live object) are bad input as well.
class ApplyError : public core::Error {
 public:
  using core::Error::Error;
};

// Applies `config` for options.manager. `live` is the stored object (null when it does not exist
// yet). Returns the new object with metadata.managedFields updated (omitted when no entry is
// left). When nothing changes the result equals `live` (entry times included), so the caller can
// skip the write. Throws ApplyConflictError, ApplyError or core::Error.
//
// Differences from upstream worth knowing: a null member in the configuration removes the field
// from the result (kube's typed conversion drops it for built-in kinds; it is still recorded as
// owned); the applier's entry time is set when the object or the entry's set changes (upstream
// only when the object changes, leaving a new entry without a time); with ignoreStatus `status`
// keeps its live value, and for subresource "status" everything but `status` does (what the
// status strategies do after the merge).
core::Value serverSideApply(const core::Value& live, const core::Value& config,
                            const PatchSchema& schema, const ApplyOptions& options);

// The managedFields list after a non-apply write (create, update, non-apply patch) of `newObj`
// over `oldObj` (null on create) by `manager` ("unknown" when empty). The managedFields the
// request carries in `newObj` replace the live ones when they are valid and non-empty; `[]` or
// `[{}]` resets them; otherwise the live ones are kept. Changed and added fields move to this
// manager's Update entry (its time set to `now`), removed fields leave every entry, empty entries
// are dropped, and at most 10 Update entries are kept (older ones merge into "ancient-changes").
// As upstream, an existing object without managedFields (or whose managedFields were reset) is
// not tracked by updates: the result is then empty. For subresource "status" only `status` is
// tracked; with ignoreStatus everything but `status`.
core::Value updateManagedFields(const core::Value& oldObj, const core::Value& newObj,
                                const PatchSchema& schema, const std::string& manager,
                                const std::string& apiVersion, const std::string& now,
                                const std::string& subresource = "", bool ignoreStatus = false);

}  // namespace driftless::kube
