#include "driftless/k8s/builtin_kinds.h"

#include <algorithm>
#include <iterator>

#include "driftless/core/json.h"
#include "driftless/k8s/embedded.h"

namespace driftless::k8s {

namespace {

std::vector<std::string> strings(const core::Value& v) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out.push_back(v[i].asString());
  return out;
}

}  // namespace

const std::vector<BuiltinKind>& builtinKinds() {
  static const std::vector<BuiltinKind> kKinds = [] {
    std::vector<BuiltinKind> kinds;
    const core::Value table =
        core::parseJson(embeddedFile("builtin-resources.json"), "builtin-resources.json");
    for (std::size_t i = 0; i < table.size(); ++i) {
      const core::Value& r = table[i];
      BuiltinKind k;
      k.group = r["group"].asString();
      k.version = r["version"].asString();
      k.kind = r["kind"].asString();
      k.plural = r["plural"].asString();
      k.singular = r["singular"].asString();
      k.namespaced = r["namespaced"].asBool();
      k.subresources = strings(r["subresources"]);
      k.shortNames = strings(r["shortNames"]);
      k.verbs = strings(r["verbs"]);
      k.categories = strings(r["categories"]);
      kinds.push_back(std::move(k));
    }
    return kinds;
  }();
  return kKinds;
}

bool tracksGeneration(std::string_view group, std::string_view resource) {
  static const char* const kWithout[] = {"/configmaps",
                                         "/secrets",
                                         "/namespaces",
                                         "/serviceaccounts",
                                         "/endpoints",
                                         "/events",
                                         "events.k8s.io/events",
                                         "rbac.authorization.k8s.io/roles",
                                         "rbac.authorization.k8s.io/rolebindings",
                                         "rbac.authorization.k8s.io/clusterroles",
                                         "rbac.authorization.k8s.io/clusterrolebindings",
                                         "coordination.k8s.io/leases"};
  std::string key(group);
  key.append("/").append(resource);
  return std::none_of(std::begin(kWithout), std::end(kWithout),
                      [&](const char* k) { return key == k; });
}

}  // namespace driftless::k8s
