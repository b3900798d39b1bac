#include "driftless/kube/static_rest_mapper.h"

#include <algorithm>
#include <utility>

namespace driftless::kube {

StaticRestMapper::StaticRestMapper(std::vector<RestMapping> mappings) {
  for (auto& m : mappings)
    add(std::move(m));
}

void StaticRestMapper::add(RestMapping mapping) {
  std::lock_guard lock(mutex_);
  auto same = std::find_if(mappings_.begin(), mappings_.end(),
                           [&](const RestMapping& m) { return m.gvk == mapping.gvk; });
  if (same != mappings_.end()) {
    *same = std::move(mapping);
  } else {
    mappings_.push_back(std::move(mapping));
  }
}

RestMapping StaticRestMapper::mappingFor(const GroupVersionKind& gvk) {
  std::lock_guard lock(mutex_);
  for (const auto& m : mappings_) {
    if (m.gvk.group == gvk.group && m.gvk.kind == gvk.kind &&
        (gvk.version.empty() || m.gvk.version == gvk.version)) {
      return m;
    }
  }
  throw NoMatchError("no matches for kind \"" + gvk.kind + "\" in version \"" + gvk.apiVersion() +
                     "\"");
}

RestMapping StaticRestMapper::mappingForResource(const GroupVersionResource& gvr) {
  std::lock_guard lock(mutex_);
  for (const auto& m : mappings_) {
    if (m.gvr.group == gvr.group && m.gvr.resource == gvr.resource &&
        (gvr.version.empty() || m.gvr.version == gvr.version)) {
      return m;
    }
  }
  std::string gv = gvr.group.empty() ? gvr.version : gvr.group + "/" + gvr.version;
  throw NoMatchError("the server doesn't have a resource type \"" + gvr.resource + "\"" +
                     (gv.empty() ? "" : " in version \"" + gv + "\""));
}

RestMapping StaticRestMapper::mappingForResourceInAnyGroup(const std::string& resource) {
  std::lock_guard lock(mutex_);
  const RestMapping* found = nullptr;
  for (const auto& m : mappings_) {
    if (m.gvr.resource != resource) continue;
    if (m.gvr.group.empty()) return m;
    if (found == nullptr) found = &m;
  }
  if (found != nullptr) return *found;
  throw NoMatchError("the server doesn't have a resource type \"" + resource + "\"");
}

}  // namespace driftless::kube
