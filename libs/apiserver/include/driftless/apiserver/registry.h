#pragma once

// The resources the control plane serves: the built-in ones (from the Kubernetes OpenAPI data
// embedded at build time) and those of registered CustomResourceDefinitions.

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/value.h"

namespace driftless::kube {
class PatchSchema;
}

namespace driftless::apiserver {

class StructuralSchema;

struct ResourceInfo {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;
  std::string plural;
  std::string singular;
  bool namespaced = true;
  std::vector<std::string> verbs;
  std::vector<std::string> shortNames;
  std::vector<std::string> categories;
  std::vector<std::string> subresources;  // "status", "scale"
  bool custom = false;                    // served for a CRD
  // One served version per resource is the primary (the storage version when it is served):
  // the control plane's controllers iterate resources through it.
  bool storageVersion = true;
  // The apiVersion objects are stored with (custom resources: the CRD's storage version; with
  // conversion None the other served versions only rewrite apiVersion).
  std::string storageApiVersion;
  // For custom resources: the version's openAPIV3Schema and additionalPrinterColumns.
  core::Value schema;
  core::Value printerColumns;
  // For custom resources, built from `schema`: validation, pruning and defaulting, and the
  // list/map types server-side apply uses. (Built-ins take theirs from the OpenAPI data.)
  std::shared_ptr<const StructuralSchema> structural;
  std::shared_ptr<const kube::PatchSchema> patchSchema;

  [[nodiscard]] std::string apiVersion() const {
    return group.empty() ? version : group + "/" + version;
  }
  // The storage key of the resource: "<group>/<plural>", or another resource's key when two
  // APIs share one store (events.k8s.io/v1 Events are stored as core/v1 Events).
  [[nodiscard]] std::string storageResource() const {
    return storageKey.empty() ? group + "/" + plural : storageKey;
  }
  std::string storageKey;
  [[nodiscard]] bool hasSubresource(std::string_view name) const;
  [[nodiscard]] bool hasVerb(std::string_view verb) const;
};
using ResourceInfoPtr = std::shared_ptr<const ResourceInfo>;

class Registry {
 public:
  // Loads the built-in resources (builtin-resources.json). Throws core::Error on bad data.
  explicit Registry(const core::Value& builtinResources);

  [[nodiscard]] ResourceInfoPtr find(std::string_view group, std::string_view version,
                                     std::string_view plural) const;
  [[nodiscard]] ResourceInfoPtr findKind(std::string_view group, std::string_view version,
                                         std::string_view kind) const;
  [[nodiscard]] std::vector<ResourceInfoPtr> all() const;
  // Group versions served, core first, then groups in registration order.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> groupVersions() const;

  // Replaces the resources served for one CRD (by its name `<plural>.<group>`); an empty list
  // removes them.
  void setCustomResources(const std::string& crdName, std::vector<ResourceInfoPtr> resources);
  [[nodiscard]] std::uint64_t generation() const;

 private:
  struct Entry {
    std::string owner;  // CRD name, empty for built-ins
    ResourceInfoPtr info;
  };
  mutable std::shared_mutex mutex_;
  std::vector<Entry> entries_;
  std::uint64_t generation_ = 1;
};

// The resources a CRD object (apiextensions.k8s.io/v1) declares, one per served version.
// Throws core::Error with Kubernetes' message when the CRD is invalid.
std::vector<ResourceInfoPtr> resourcesOfCrd(const core::Value& crd);

}  // namespace driftless::apiserver
