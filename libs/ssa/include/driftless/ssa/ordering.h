#pragma once

// The order objects are applied in and the stages of a staged apply (fluxcd/pkg ssa/sort.go and
// ssa/utils/is.go).

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/ssa/inventory.h"

namespace driftless::ssa {

struct GroupKind {
  std::string group;
  std::string kind;

  // `Kind` or `group/Kind`, comma-separated (the --custom-apply-stage-kinds flag). Throws
  // core::Error on an empty item.
  static std::set<GroupKind> parseSet(std::string_view text);

  friend auto operator<=>(const GroupKind&, const GroupKind&) = default;
};

// Apply order: CRDs, Namespaces, ClusterRoles, the class kinds, ... first (upstream's list),
// webhooks last, the rest in between by group and kind; ties by namespace and name.
bool applyOrderLess(const ObjMetadata& a, const ObjMetadata& b);
void sortForApply(std::vector<core::Value>& objects);

enum class Stage {
  ClusterDefinitions,  // CustomResourceDefinitions, Namespaces, ClusterRoles
  ClassDefinitions,    // kinds ending in "Class" (StorageClass, IngressClass, ...)
  Custom,              // the custom stage kinds
  Resources,           // everything else
};

Stage stageOf(const core::Value& object, const std::set<GroupKind>& customStageKinds);

}  // namespace driftless::ssa
