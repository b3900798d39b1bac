#pragma once

// Object identities and inventories (kubernetes-sigs/cli-utils pkg/object/objmetadata.go and
// kustomize-controller's internal/inventory): the set of objects a Kustomization applied, stored
// in its status as `{id: "<namespace>_<name>_<group>_<Kind>", v: "<version>"}` entries, and the
// difference between two inventories (what to prune).

#include <compare>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/kube/client.h"

namespace driftless::ssa {

// The identity of an object: namespace (empty when cluster-scoped), name, group (empty for the
// core group) and kind. The version is not part of it.
struct ObjMetadata {
  std::string namespace_;
  std::string name;
  std::string group;
  std::string kind;

  // From apiVersion, kind, metadata.namespace and metadata.name.
  static ObjMetadata of(const core::Value& object);
  static ObjMetadata of(const kube::ObjectRef& ref);
  // Parses the inventory id format; throws core::Error naming the id when malformed.
  static ObjMetadata parse(std::string_view id);

  // `<namespace>_<name>_<group>_<Kind>`; `:` in the names of RBAC kinds becomes `__`.
  [[nodiscard]] std::string toString() const;
  // `<Kind>/<namespace>/<name>` (`<Kind>/<name>` when cluster-scoped), as Flux prints objects.
  [[nodiscard]] std::string subject() const;
  // The reference with the given version.
  [[nodiscard]] kube::ObjectRef ref(const std::string& version) const;

  friend bool operator==(const ObjMetadata&, const ObjMetadata&) = default;
  friend auto operator<=>(const ObjMetadata&, const ObjMetadata&) = default;
};

struct InventoryEntry {
  std::string id;  // ObjMetadata::toString()
  std::string v;   // the version the object was applied with (`v1`, `v1beta2`)

  friend bool operator==(const InventoryEntry&, const InventoryEntry&) = default;
};

using Inventory = std::vector<InventoryEntry>;

// The inventory of a set of objects, in their order (duplicates collapse to the first).
Inventory inventoryOf(const std::vector<core::Value>& objects);

// The objects of `previous` absent from `current` (compared by id: a version change is not a
// removal), with the version recorded in `previous`, in reverse apply order (what to delete
// first comes first). Throws core::Error on a malformed id.
std::vector<kube::ObjectRef> staleObjects(const Inventory& previous, const Inventory& current);

// `{"entries": [{"id": ..., "v": ...}]}`, the status.inventory of a Kustomization, and back.
core::Value toValue(const Inventory& inventory);
Inventory inventoryFromValue(const core::Value& value);

}  // namespace driftless::ssa
