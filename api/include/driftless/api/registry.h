#pragma once

// The registry of every kind defined in api/: what the control plane serves and the CLI knows.
// The table is generated from the definitions (api/gen/apigen.py writes src/registry.cpp).

#include <span>
#include <string_view>

namespace driftless::api {

// One version of a kind, as its CustomResourceDefinition declares it.
struct KindInfo {
  std::string_view group;
  std::string_view version;
  std::string_view kind;
  std::string_view listKind;
  std::string_view plural;
  std::string_view singular;
  std::string_view scope;  // "Namespaced" or "Cluster"
  bool namespaced = true;
  bool served = true;
  bool storage = true;
  std::span<const std::string_view> shortNames;
  std::span<const std::string_view> categories;
  std::string_view crdFile;  // e.g. source.toolkit.fluxcd.io_gitrepositories.yaml
};

// Every version of every kind, sorted by group, kind and version.
std::span<const KindInfo> kinds();

// The version of a kind; nullptr when there is none.
const KindInfo* findKind(std::string_view group, std::string_view version, std::string_view kind);

}  // namespace driftless::api
