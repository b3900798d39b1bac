#include <algorithm>
#include <utility>

#include "rest_mapper_impl.h"

namespace driftless::kube {

namespace {

constexpr const char* kAggregatedAccept =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

std::string str(const core::Value& v) {
  return v.isString() ? v.asString() : std::string();
}

}  // namespace

GroupVersionKind GroupVersionKind::fromApiVersion(std::string_view apiVersion,
                                                  std::string_view kind) {
  GroupVersionKind gvk;
  auto slash = apiVersion.find('/');
  if (slash == std::string_view::npos) {
    gvk.version = std::string(apiVersion);
  } else {
    gvk.group = std::string(apiVersion.substr(0, slash));
    gvk.version = std::string(apiVersion.substr(slash + 1));
  }
  gvk.kind = std::string(kind);
  return gvk;
}

std::string GroupVersionKind::apiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

std::string GroupVersionKind::toString() const {
  return apiVersion() + ", Kind=" + kind;
}

RestMapperImpl::RestMapperImpl(DiscoveryFetch fetch) : fetch_(std::move(fetch)) {}

RestMapping RestMapperImpl::mappingFor(const GroupVersionKind& gvk) {
  const auto start = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto find = [&]() -> const RestMapping* {
    for (const auto& e : entries_) {
      const RestMapping& m = e.mapping;
      if (m.gvk.group == gvk.group && m.gvk.kind == gvk.kind &&
          (gvk.version.empty() || m.gvk.version == gvk.version)) {
        return &m;
      }
    }
    return nullptr;
  };
  if (const RestMapping* m = loaded_ ? find() : nullptr) return *m;
  refreshLocked(start);
  if (const RestMapping* m = find()) return *m;
  throw NoMatchError("no matches for kind \"" + gvk.kind + "\" in version \"" + gvk.apiVersion() +
                     "\"");
}

RestMapping RestMapperImpl::mappingForResource(const GroupVersionResource& gvr) {
  const auto start = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto find = [&]() -> const RestMapping* {
    for (const auto& e : entries_) {
      const RestMapping& m = e.mapping;
      if (m.gvr.group != gvr.group || (!gvr.version.empty() && m.gvr.version != gvr.version)) {
        continue;
      }
      if (m.gvr.resource == gvr.resource ||
          std::find(e.aliases.begin(), e.aliases.end(), gvr.resource) != e.aliases.end()) {
        return &m;
      }
    }
    return nullptr;
  };
  if (const RestMapping* m = loaded_ ? find() : nullptr) return *m;
  refreshLocked(start);
  if (const RestMapping* m = find()) return *m;
  std::string gv = gvr.group.empty() ? gvr.version : gvr.group + "/" + gvr.version;
  throw NoMatchError("the server doesn't have a resource type \"" + gvr.resource + "\"" +
                     (gv.empty() ? "" : " in version \"" + gv + "\""));
}

RestMapping RestMapperImpl::mappingForResourceInAnyGroup(const std::string& resource) {
  const auto start = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto find = [&]() -> const RestMapping* {
    const RestMapping* found = nullptr;
    for (const auto& e : entries_) {
      const RestMapping& m = e.mapping;
      if (m.gvr.resource != resource &&
          std::find(e.aliases.begin(), e.aliases.end(), resource) == e.aliases.end()) {
        continue;
      }
      if (m.gvr.group.empty()) return &m;
      if (found == nullptr) found = &m;
    }
    return found;
  };
  if (const RestMapping* m = loaded_ ? find() : nullptr) return *m;
  refreshLocked(start);
  if (const RestMapping* m = find()) return *m;
  throw NoMatchError("the server doesn't have a resource type \"" + resource + "\"");
}

void RestMapperImpl::reset() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  loaded_ = false;
}

int RestMapperImpl::refreshCountForTest() const {
  std::lock_guard lock(mutex_);
  return refreshes_;
}

void RestMapperImpl::refreshLocked(std::chrono::steady_clock::time_point since) {
  if (loaded_ && lastRefresh_ > since) return;  // refreshed while this caller waited
  std::vector<Entry> found;
  if (!discoverAggregated(found)) {
    found.clear();
    discoverLegacy(found);
  }
  entries_ = std::move(found);
  loaded_ = true;
  lastRefresh_ = std::chrono::steady_clock::now();
  ++refreshes_;
}

bool RestMapperImpl::discoverAggregated(std::vector<Entry>& out) {
  for (const char* root : {"/api", "/apis"}) {
    auto doc = fetch_(root, kAggregatedAccept);
    if (!doc || (*doc)["kind"] != core::Value("APIGroupDiscoveryList")) return false;
    if (!(*doc)["items"].isArray()) continue;
    for (const auto& group : (*doc)["items"].asArray()) {
      std::string groupName = str(group["metadata"]["name"]);
      if (!group["versions"].isArray()) continue;
      for (const auto& version : group["versions"].asArray()) {
        std::string v = str(version["version"]);
        if (!version["resources"].isArray()) continue;
        for (const auto& r : version["resources"].asArray()) {
          std::string kind = str(r["responseKind"]["kind"]);
          if (kind.empty()) continue;
          Entry e;
          RestMapping& m = e.mapping;
          m.gvk = {groupName, v, kind};
          m.gvr = {groupName, v, str(r["resource"])};
          m.namespaced = r["scope"] == core::Value("Namespaced");
          if (r["subresources"].isArray()) {
            for (const auto& s : r["subresources"].asArray())
              m.subresources.push_back(str(s["subresource"]));
          }
          if (!str(r["singularResource"]).empty()) {
            e.aliases.push_back(str(r["singularResource"]));
          }
          if (r["shortNames"].isArray()) {
            for (const auto& s : r["shortNames"].asArray())
              e.aliases.push_back(str(s));
          }
          out.push_back(std::move(e));
        }
      }
    }
  }
  return true;
}

void RestMapperImpl::discoverLegacy(std::vector<Entry>& out) {
  auto core = fetch_("/api", "application/json");
  if (core && (*core)["versions"].isArray()) {
    for (const auto& v : (*core)["versions"].asArray()) {
      auto list = fetch_("/api/" + str(v), "application/json");
      if (list) addResourceList(*list, "", str(v), out);
    }
  }
  auto groups = fetch_("/apis", "application/json");
  if (!groups || !(*groups)["groups"].isArray()) return;
  for (const auto& g : (*groups)["groups"].asArray()) {
    if (!g["versions"].isArray()) continue;
    for (const auto& v : g["versions"].asArray()) {
      auto list = fetch_("/apis/" + str(v["groupVersion"]), "application/json");
      if (list) addResourceList(*list, str(g["name"]), str(v["version"]), out);
    }
  }
}

void RestMapperImpl::addResourceList(const core::Value& list, const std::string& group,
                                     const std::string& version, std::vector<Entry>& out) {
  if (!list["resources"].isArray()) return;
  const auto first = out.size();
  for (const auto& r : list["resources"].asArray()) {
    std::string name = str(r["name"]);
    auto slash = name.find('/');
    if (slash != std::string::npos) continue;  // subresources, attached below
    Entry e;
    RestMapping& m = e.mapping;
    m.gvk = {group, version, str(r["kind"])};
    m.gvr = {group, version, name};
    m.namespaced = r["namespaced"].isBool() && r["namespaced"].asBool();
    if (!str(r["singularName"]).empty()) e.aliases.push_back(str(r["singularName"]));
    if (r["shortNames"].isArray()) {
      for (const auto& s : r["shortNames"].asArray())
        e.aliases.push_back(str(s));
    }
    out.push_back(std::move(e));
  }
  for (const auto& r : list["resources"].asArray()) {
    std::string name = str(r["name"]);
    auto slash = name.find('/');
    if (slash == std::string::npos) continue;
    for (auto i = first; i < out.size(); ++i) {
      if (out[i].mapping.gvr.resource == name.substr(0, slash)) {
        out[i].mapping.subresources.push_back(name.substr(slash + 1));
      }
    }
  }
}

}  // namespace driftless::kube
