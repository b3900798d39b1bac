#pragma once

// The discovery-backed RestMapper: aggregated discovery (apidiscovery.k8s.io/v2) on /api and
// /apis, falling back to the legacy documents (/api/v1, /apis, /apis/<group>/<version>).

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/kube/rest_mapper.h"

namespace driftless::kube {

// GETs a discovery path with the given Accept header; nullopt when the server answers 404.
// Other failures throw.
using DiscoveryFetch =
    std::function<std::optional<core::Value>(const std::string& path, const std::string& accept)>;

class RestMapperImpl : public RestMapper {
 public:
  explicit RestMapperImpl(DiscoveryFetch fetch);

  RestMapping mappingFor(const GroupVersionKind& gvk) override;
  RestMapping mappingForResource(const GroupVersionResource& gvr) override;
  RestMapping mappingForResourceInAnyGroup(const std::string& resource) override;
  void reset() override;

  // How many discovery rounds ran (for tests).
  [[nodiscard]] int refreshCountForTest() const;

 private:
  // Runs discovery unless a refresh finished after `since` (another caller's miss).
  void refreshLocked(std::chrono::steady_clock::time_point since);
  struct Entry {
    RestMapping mapping;
    std::vector<std::string> aliases;  // singular and short names of the resource
  };
  // False when the server does not serve aggregated discovery.
  bool discoverAggregated(std::vector<Entry>& out);
  void discoverLegacy(std::vector<Entry>& out);
  static void addResourceList(const core::Value& list, const std::string& group,
                              const std::string& version, std::vector<Entry>& out);

  DiscoveryFetch fetch_;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
  bool loaded_ = false;
  std::chrono::steady_clock::time_point lastRefresh_{};
  int refreshes_ = 0;
};

}  // namespace driftless::kube
