#include "driftless/ssa/ordering.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "driftless/core/error.h"
#include "driftless/core/text.h"

namespace driftless::ssa {
namespace {

// Upstream's ReconcileOrder: these kinds first, in this order; the webhooks last.
constexpr std::array<std::string_view, 23> kFirst = {
    "CustomResourceDefinition",
    "Namespace",
    "ClusterRole",
    "ClusterClass",
    "RuntimeClass",
    "PriorityClass",
    "StorageClass",
    "VolumeSnapshotClass",
    "IngressClass",
    "GatewayClass",
    "ClusterRoleBinding",
    "ResourceQuota",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ConfigMap",
    "Secret",
    "Service",
    "LimitRange",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
};
constexpr std::array<std::string_view, 2> kLast = {"MutatingWebhookConfiguration",
                                                   "ValidatingWebhookConfiguration"};

int kindIndex(std::string_view kind) {
  for (std::size_t i = 0; i < kFirst.size(); ++i) {
    if (kFirst[i] == kind) return static_cast<int>(i) - static_cast<int>(kFirst.size());
  }
  for (std::size_t i = 0; i < kLast.size(); ++i) {
    if (kLast[i] == kind) return static_cast<int>(i) + 1;
  }
  return 0;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return std::string(s);
}

std::string stringAt(const core::Value& v) {
  return v.isString() ? v.asString() : std::string();
}

}  // namespace

std::set<GroupKind> GroupKind::parseSet(std::string_view text) {
  std::set<GroupKind> out;
  if (trim(text).empty()) return out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    std::string item = trim(text.substr(pos, comma - pos));
    std::size_t slash = item.find('/');
    GroupKind gk = slash == std::string::npos
                       ? GroupKind{"", item}
                       : GroupKind{item.substr(0, slash), item.substr(slash + 1)};
    if (gk.kind.empty()) throw core::Error("invalid group/kind format: \"" + item + "\"");
    out.insert(std::move(gk));
    pos = comma + 1;
  }
  return out;
}

bool applyOrderLess(const ObjMetadata& a, const ObjMetadata& b) {
  if (a.group != b.group || a.kind != b.kind) {
    int ia = kindIndex(a.kind);
    int ib = kindIndex(b.kind);
    if (ia != ib) return ia < ib;
    if (a.group != b.group) return a.group < b.group;
    return a.kind < b.kind;
  }
  if (a.namespace_ != b.namespace_) return a.namespace_ < b.namespace_;
  return a.name < b.name;
}

void sortForApply(std::vector<core::Value>& objects) {
  std::stable_sort(objects.begin(), objects.end(), [](const core::Value& a, const core::Value& b) {
    return applyOrderLess(ObjMetadata::of(a), ObjMetadata::of(b));
  });
}

Stage stageOf(const core::Value& object, const std::set<GroupKind>& customStageKinds) {
  std::string apiVersion = stringAt(object["apiVersion"]);
  std::string kind = stringAt(object["kind"]);
  std::string lowerKind = core::asciiLower(kind);
  bool crd =
      lowerKind == "customresourcedefinition" && apiVersion.starts_with("apiextensions.k8s.io/");
  bool ns = lowerKind == "namespace" && apiVersion == "v1";
  bool clusterRole =
      lowerKind == "clusterrole" && apiVersion.starts_with("rbac.authorization.k8s.io/");
  if (crd || ns || clusterRole) return Stage::ClusterDefinitions;
  if (kind.ends_with("Class")) return Stage::ClassDefinitions;
  auto gvk = kube::GroupVersionKind::fromApiVersion(apiVersion, kind);
  if (customStageKinds.contains(GroupKind{gvk.group, gvk.kind})) return Stage::Custom;
  return Stage::Resources;
}

}  // namespace driftless::ssa
