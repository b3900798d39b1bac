#pragma once

// Strategic merge patch, with the semantics of k8s.io/apimachinery/pkg/util/strategicpatch
// (Kubernetes v1.32): applying patches (the API server's PATCH with
// application/strategic-merge-patch+json, kustomize's patchesStrategicMerge) and computing them
// (kubectl's two-way patches and client-side apply's three-way patches).
//
// Patch language, in brief:
//   - maps merge recursively; a null value deletes the field;
//   - lists whose schema says patch strategy "merge" are merged: lists of maps by their merge key
//     (matching items merge, new items are added), lists of primitives as sets; other lists (and
//     everything under an unknown schema) are replaced;
//   - list order: items named by `$setElementOrder/<field>` follow it; otherwise the patch's
//     order wins for the items it names, live-only items keep their relative place, and items
//     new to the live list come before the live items the patch does not name (upstream order);
//   - `$patch: delete` in a list item deletes the items with that merge key; `$patch: replace`
//     as a list item replaces the list with the other items; `$patch: replace` in a map replaces
//     the map, `$patch: delete` empties it; `$patch: merge` (map or list item) is accepted as the
//     default it is (upstream rejects it);
//   - `$retainKeys: [...]` clears every field of the original map not listed;
//   - `$setElementOrder/<field>: [...]` fixes the order of the merged list <field>;
//   - `$deleteFromPrimitiveList/<field>: [...]` removes values from a primitive list.
// Directive keys and null map values never appear in an applied result (upstream leaves them in
// values it copies verbatim: replaced maps and lists, items added to merged lists). Malformed
// directives raise StrategicMergeError with upstream's messages.

#include "driftless/core/error.h"
#include "driftless/core/value.h"
#include "driftless/kube/patch_schema.h"

namespace driftless::kube {

// A malformed patch or document (e.g. a merge-list item without its merge key, a bad directive).
class StrategicMergeError : public core::Error {
 public:
  using core::Error::Error;
};

// createThreeWayMergePatch with overwrite=false found a field changed both in `current` (since
// `original`) and in the patch.
class MergeConflictError : public StrategicMergeError {
 public:
  using StrategicMergeError::StrategicMergeError;
};

// Applies `patch` to `original` (both objects; a null original is taken as {}). The result keeps
// the key order of `original` and appends new keys in patch order.
core::Value applyStrategicMergePatch(const core::Value& original, const core::Value& patch,
                                     const PatchSchema& schema);

// The patch that turns `original` into `modified` (what kubectl edit/patch computes), including
// `$setElementOrder` lists for merged lists and `$retainKeys` for retainKeys fields. Keys are
// sorted at every level, so the JSON matches what Go's encoding/json prints for upstream.
core::Value createTwoWayMergePatch(const core::Value& original, const core::Value& modified,
                                   const PatchSchema& schema);

// kubectl client-side apply: `original` is the last-applied configuration, `modified` the new
// configuration and `current` the live object. The patch makes the live object match `modified`
// in every field `modified` sets, deletes what was removed from `original` to `modified`, and
// leaves other live fields alone. With overwrite=false, fields changed differently in `current`
// raise MergeConflictError.
core::Value createThreeWayMergePatch(const core::Value& original, const core::Value& modified,
                                     const core::Value& current, const PatchSchema& schema,
                                     bool overwrite = true);

// True when two patches set some field to different values (upstream MergingMapsHaveConflicts).
bool mergingMapsHaveConflicts(const core::Value& left, const core::Value& right,
                              const PatchSchema& schema);

}  // namespace driftless::kube
