#pragma once

// The built-in Kubernetes kinds the toolkit knows (libs/k8s/data/builtin-resources.json): what
// the control plane serves and what the fake client imitates.

#include <string>
#include <string_view>
#include <vector>

namespace driftless::k8s {

struct BuiltinKind {
  std::string group;
  std::string version;
  std::string kind;
  std::string plural;
  std::string singular;
  bool namespaced = true;
  std::vector<std::string> subresources;  // e.g. "status", "scale"
  std::vector<std::string> shortNames;
  std::vector<std::string> verbs;
  std::vector<std::string> categories;
};

// Parsed once from the embedded table.
const std::vector<BuiltinKind>& builtinKinds();

// Whether metadata.generation is kept for a built-in resource (Kubernetes' strategies track spec
// changes for most kinds; ConfigMaps, Secrets, Namespaces, RBAC objects, Events and Leases have
// none). group "" is the core group; resource is the plural.
bool tracksGeneration(std::string_view group, std::string_view resource);

}  // namespace driftless::k8s
