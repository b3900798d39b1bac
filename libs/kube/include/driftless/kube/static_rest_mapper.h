#pragma once

// A RestMapper over a fixed table of mappings (k8s.io/apimachinery meta.DefaultRESTMapper): no
// discovery, for the fake client and for tests that know their kinds up front.

#include <mutex>
#include <string>
#include <vector>

#include "driftless/kube/rest_mapper.h"

namespace driftless::kube {

// Thread-safe. A lookup that finds nothing throws NoMatchError with discovery's message.
class StaticRestMapper : public RestMapper {
 public:
  StaticRestMapper() = default;
  explicit StaticRestMapper(std::vector<RestMapping> mappings);

  // Adds a mapping, replacing the one of the same group, version and kind.
  void add(RestMapping mapping);

  RestMapping mappingFor(const GroupVersionKind& gvk) override;
  RestMapping mappingForResource(const GroupVersionResource& gvr) override;
  RestMapping mappingForResourceInAnyGroup(const std::string& resource) override;
  // Nothing to forget: the table is all there is.
  void reset() override {}

 private:
  mutable std::mutex mutex_;
  std::vector<RestMapping> mappings_;
};

}  // namespace driftless::kube
