#pragma once

// Kinds and resources: GroupVersionKind <-> plural resource and scope, learned from the API
// server's discovery documents (k8s.io/apimachinery/pkg/api/meta.RESTMapper).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/error.h"

namespace driftless::kube {

struct GroupVersionKind {
  std::string group;  // empty for the core group
  std::string version;
  std::string kind;

  // Splits an apiVersion (`v1`, `apps/v1`).
  static GroupVersionKind fromApiVersion(std::string_view apiVersion, std::string_view kind);
  [[nodiscard]] std::string apiVersion() const;
  // `apps/v1, Kind=Deployment`, as Kubernetes prints it.
  [[nodiscard]] std::string toString() const;

  friend bool operator==(const GroupVersionKind&, const GroupVersionKind&) = default;
};

struct GroupVersionResource {
  std::string group;
  std::string version;
  std::string resource;  // plural, lower case

  friend bool operator==(const GroupVersionResource&, const GroupVersionResource&) = default;
};

struct RestMapping {
  GroupVersionKind gvk;
  GroupVersionResource gvr;
  bool namespaced = false;
  std::vector<std::string> subresources;  // e.g. status, scale
};

// A kind or resource that discovery does not know, even after a refresh
// (`no matches for kind "Foo" in version "example.com/v1"`).
class NoMatchError : public core::Error {
 public:
  using core::Error::Error;
};

// Thread-safe. A miss triggers one discovery refresh before NoMatchError is thrown, so kinds
// added by CRDs after startup are found.
class RestMapper {
 public:
  virtual ~RestMapper() = default;

  virtual RestMapping mappingFor(const GroupVersionKind& gvk) = 0;
  // The kind served by a resource (`resource` may also be the singular or a short name).
  virtual RestMapping mappingForResource(const GroupVersionResource& gvr) = 0;
  // A resource named without its group, as kubectl resolves `get deployment`: the core group's
  // when it serves one, else the first group that does (plural, singular or short name).
  virtual RestMapping mappingForResourceInAnyGroup(const std::string& resource) = 0;
  // Forgets everything; the next lookup runs discovery again.
  virtual void reset() = 0;
};
using RestMapperPtr = std::unique_ptr<RestMapper>;

}  // namespace driftless::kube
