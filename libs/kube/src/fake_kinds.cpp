// The kinds the fake client serves from the start: the built-in resources of the embedded
// control plane (libs/apiserver/data/builtin-resources.json) and the Flux kinds of api/.

#include <string>
#include <utility>
#include <vector>

#include "driftless/api/registry.h"
#include "driftless/kube/fake_client.h"

namespace driftless::kube {

namespace {

struct BuiltinKind {
  const char* group;
  const char* version;
  const char* kind;
  const char* resource;
  bool namespaced;
  bool status;  // has the status subresource
  bool generation;
};

// clang-format off
constexpr BuiltinKind kBuiltinKinds[] = {
    {"", "v1", "Namespace", "namespaces", false, true, false},
    {"", "v1", "ConfigMap", "configmaps", true, false, false},
    {"", "v1", "Secret", "secrets", true, false, false},
    {"", "v1", "ServiceAccount", "serviceaccounts", true, false, false},
    {"", "v1", "Service", "services", true, true, true},
    {"", "v1", "Endpoints", "endpoints", true, false, false},
    {"", "v1", "Pod", "pods", true, true, true},
    {"", "v1", "Event", "events", true, false, false},
    {"", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, true, true},
    {"events.k8s.io", "v1", "Event", "events", true, false, false},
    {"apps", "v1", "Deployment", "deployments", true, true, true},
    {"apps", "v1", "ReplicaSet", "replicasets", true, true, true},
    {"apps", "v1", "StatefulSet", "statefulsets", true, true, true},
    {"apps", "v1", "DaemonSet", "daemonsets", true, true, true},
    {"batch", "v1", "Job", "jobs", true, true, true},
    {"batch", "v1", "CronJob", "cronjobs", true, true, true},
    {"networking.k8s.io", "v1", "Ingress", "ingresses", true, true, true},
    {"networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, false, true},
    {"policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, true, true},
    {"autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, true, true},
    {"coordination.k8s.io", "v1", "Lease", "leases", true, false, false},
    {"rbac.authorization.k8s.io", "v1", "Role", "roles", true, false, false},
    {"rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, false, false},
    {"rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, false, false},
    {"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, false,
     false},
    {"scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false, false, true},
    {"storage.k8s.io", "v1", "StorageClass", "storageclasses", false, false, true},
    {"admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration",
     "validatingwebhookconfigurations", false, false, true},
    {"admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration",
     "mutatingwebhookconfigurations", false, false, true},
    {"apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false,
     true, true},
};
// clang-format on

}  // namespace

const char* fakeVerbName(FakeVerb verb) noexcept {
  switch (verb) {
    case FakeVerb::Get:
      return "get";
    case FakeVerb::List:
      return "list";
    case FakeVerb::Watch:
      return "watch";
    case FakeVerb::Create:
      return "create";
    case FakeVerb::Update:
      return "update";
    case FakeVerb::Patch:
      return "patch";
    case FakeVerb::Apply:
      return "apply";
    case FakeVerb::Delete:
      return "delete";
  }
  return "unknown";
}

std::vector<FakeKind> defaultFakeKinds() {
  std::vector<FakeKind> kinds;
  for (const auto& b : kBuiltinKinds) {
    FakeKind k;
    k.mapping.gvk = {b.group, b.version, b.kind};
    k.mapping.gvr = {b.group, b.version, b.resource};
    k.mapping.namespaced = b.namespaced;
    if (b.status) k.mapping.subresources.emplace_back("status");
    k.tracksGeneration = b.generation;
    kinds.push_back(std::move(k));
  }
  for (const auto& info : api::kinds()) {
    if (!info.served) continue;
    FakeKind k;
    k.mapping.gvk = {std::string(info.group), std::string(info.version), std::string(info.kind)};
    k.mapping.gvr = {std::string(info.group), std::string(info.version), std::string(info.plural)};
    k.mapping.namespaced = info.namespaced;
    k.mapping.subresources = {"status"};  // every Flux CRD has it
    k.custom = true;
    kinds.push_back(std::move(k));
  }
  return kinds;
}

}  // namespace driftless::kube
