#pragma once

// An ordered list of resources with unique current ids (kustomize's resmap.ResMap).

#include <functional>
#include <string>
#include <vector>

#include "driftless/kustomize/resource.h"

namespace driftless::kustomize {

// A resource selector of patches and replacements (types.Selector): gvk, name and namespace as
// anchored regular expressions, plus label and annotation selectors.
struct Selector {
  Gvk gvk;
  std::string name;
  std::string ns;
  std::string labelSelector;
  std::string annotationSelector;
};

class ResMap {
 public:
  using IdMatcher = std::function<bool(const ResId&)>;

  [[nodiscard]] std::size_t size() const noexcept { return list_.size(); }
  [[nodiscard]] bool empty() const noexcept { return list_.empty(); }
  [[nodiscard]] const std::vector<ResourcePtr>& resources() const noexcept { return list_; }
  void clear() { list_.clear(); }

  // Appends; throws when a resource with the same current id is present.
  void append(ResourcePtr res);
  void appendAll(const ResMap& other);
  // Appends in order; throws on the first id already present (earlier ones stay appended).
  void appendAll(const std::vector<ResourcePtr>& resources);
  // Adds generated resources: new ids are appended, existing ones merged or replaced as their
  // generator behavior says.
  void absorbAll(const ResMap& other);
  void replace(const ResourcePtr& old, ResourcePtr res);
  void remove(const ResourcePtr& res);
  // Keeps the resources for which keep() is true, in order.
  void retain(const std::function<bool(const Resource&)>& keep);

  [[nodiscard]] std::vector<ResourcePtr> byCurrentId(const IdMatcher& matches) const;
  [[nodiscard]] std::vector<ResourcePtr> byAnyId(const IdMatcher& matches) const;
  // Exactly one resource matching id by any of its ids, else throws `no matches for Id ...`.
  [[nodiscard]] ResourcePtr byId(const ResId& id) const;
  [[nodiscard]] std::vector<ResourcePtr> select(const Selector& s) const;

  [[nodiscard]] ResMap deepCopy() const;

 private:
  std::vector<ResourcePtr> list_;
};

}  // namespace driftless::kustomize
