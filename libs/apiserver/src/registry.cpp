#include "driftless/apiserver/registry.h"

#include <algorithm>
#include <mutex>

#include "driftless/apiserver/structural_schema.h"
#include "driftless/core/error.h"
#include "driftless/kube/patch_schema.h"

namespace driftless::apiserver {

namespace {

std::vector<std::string> strings(const core::Value& v) {
  std::vector<std::string> out;
  if (!v.isArray()) return out;
  for (const auto& s : v.asArray())
    out.push_back(s.asString());
  return out;
}

std::string stringOr(const core::Value& v, std::string_view fallback = "") {
  return v.isString() ? v.asString() : std::string(fallback);
}

}  // namespace

bool ResourceInfo::hasSubresource(std::string_view name) const {
  return std::find(subresources.begin(), subresources.end(), name) != subresources.end();
}

bool ResourceInfo::hasVerb(std::string_view verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

Registry::Registry(const core::Value& builtinResources) {
  for (const auto& r : builtinResources.asArray()) {
    auto info = std::make_shared<ResourceInfo>();
    info->group = stringOr(r["group"]);
    info->version = r["version"].asString();
    info->kind = r["kind"].asString();
    info->plural = r["plural"].asString();
    info->singular = stringOr(r["singular"]);
    info->namespaced = r["namespaced"].asBool();
    info->verbs = strings(r["verbs"]);
    info->shortNames = strings(r["shortNames"]);
    info->categories = strings(r["categories"]);
    info->subresources = strings(r["subresources"]);
    info->storageApiVersion = info->apiVersion();
    if (info->group == "events.k8s.io" && info->plural == "events") {
      info->storageKey = "/events";
      info->storageApiVersion = "v1";
      info->storageVersion = false;  // the core/v1 resource is the primary one
    }
    entries_.push_back(Entry{"", std::move(info)});
  }
}

ResourceInfoPtr Registry::find(std::string_view group, std::string_view version,
                               std::string_view plural) const {
  std::shared_lock lock(mutex_);
  for (const auto& e : entries_) {
    if (e.info->group == group && e.info->version == version && e.info->plural == plural) {
      return e.info;
    }
  }
  return nullptr;
}

ResourceInfoPtr Registry::findKind(std::string_view group, std::string_view version,
                                   std::string_view kind) const {
  std::shared_lock lock(mutex_);
  for (const auto& e : entries_) {
    if (e.info->group == group && e.info->version == version && e.info->kind == kind) {
      return e.info;
    }
  }
  return nullptr;
}

std::vector<ResourceInfoPtr> Registry::all() const {
  std::shared_lock lock(mutex_);
  std::vector<ResourceInfoPtr> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_)
    out.push_back(e.info);
  return out;
}

std::vector<std::pair<std::string, std::string>> Registry::groupVersions() const {
  std::shared_lock lock(mutex_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : entries_) {
    std::pair<std::string, std::string> gv{e.info->group, e.info->version};
    if (std::find(out.begin(), out.end(), gv) == out.end()) out.push_back(gv);
  }
  std::stable_partition(out.begin(), out.end(), [](const auto& gv) { return gv.first.empty(); });
  return out;
}

void Registry::setCustomResources(const std::string& crdName,
                                  std::vector<ResourceInfoPtr> resources) {
  std::unique_lock lock(mutex_);
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const Entry& e) { return e.owner == crdName; }),
                 entries_.end());
  for (auto& r : resources)
    entries_.push_back(Entry{crdName, std::move(r)});
  ++generation_;
}

std::uint64_t Registry::generation() const {
  std::shared_lock lock(mutex_);
  return generation_;
}

std::vector<ResourceInfoPtr> resourcesOfCrd(const core::Value& crd) {
  const core::Value& spec = crd["spec"];
  const std::string name = stringOr(crd["metadata"]["name"]);
  const std::string group = stringOr(spec["group"]);
  const core::Value& names = spec["names"];
  const std::string plural = stringOr(names["plural"]);
  const std::string kind = stringOr(names["kind"]);
  auto invalid = [&](const std::string& what) {
    return core::Error("CustomResourceDefinition.apiextensions.k8s.io \"" + name +
                       "\" is invalid: " + what);
  };
  if (group.empty()) throw invalid("spec.group: Required value");
  if (plural.empty()) throw invalid("spec.names.plural: Required value");
  if (kind.empty()) throw invalid("spec.names.kind: Required value");
  if (name != plural + "." + group) {
    throw invalid("metadata.name: Invalid value: \"" + name +
                  "\": must be spec.names.plural+\".\"+spec.group");
  }
  std::string scope = stringOr(spec["scope"]);
  if (scope != "Namespaced" && scope != "Cluster") {
    throw invalid("spec.scope: Unsupported value: \"" + scope +
                  "\": supported values: \"Cluster\", \"Namespaced\"");
  }
  int storage = 0;
  std::string storageName;
  for (const auto& v : spec["versions"].asArray()) {
    if (v["storage"].isBool() && v["storage"].asBool()) storageName = stringOr(v["name"]);
  }
  std::vector<std::shared_ptr<ResourceInfo>> out;
  for (const auto& v : spec["versions"].asArray()) {
    if (v["storage"].isBool() && v["storage"].asBool()) ++storage;
    if (!(v["served"].isBool() && v["served"].asBool())) continue;
    auto info = std::make_shared<ResourceInfo>();
    info->group = group;
    info->version = v["name"].asString();
    info->kind = kind;
    info->plural = plural;
    info->singular = stringOr(names["singular"]);
    if (info->singular.empty()) {
      info->singular = kind;
      std::transform(info->singular.begin(), info->singular.end(), info->singular.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
    info->namespaced = scope == "Namespaced";
    info->verbs = {"delete", "deletecollection", "get",    "list",
                   "patch",  "create",           "update", "watch"};
    info->shortNames = strings(names["shortNames"]);
    info->categories = strings(names["categories"]);
    if (!v["subresources"]["status"].isNull()) info->subresources.push_back("status");
    if (!v["subresources"]["scale"].isNull()) info->subresources.push_back("scale");
    info->custom = true;
    info->storageVersion = info->version == storageName;
    info->storageApiVersion = group + "/" + storageName;
    info->schema = v["schema"]["openAPIV3Schema"];
    info->structural = std::make_shared<StructuralSchema>(info->schema);
    info->patchSchema = std::make_shared<kube::PatchSchema>(
        info->schema.isNull() ? kube::PatchSchema::unknown()
                              : kube::PatchSchema::fromJsonSchema(info->schema));
    info->printerColumns = v["additionalPrinterColumns"];
    out.push_back(std::move(info));
  }
  if (storage != 1) {
    throw invalid(
        "spec.versions: Invalid value: must have exactly one version marked as storage version");
  }
  if (!out.empty() &&
      std::none_of(out.begin(), out.end(), [](const auto& r) { return r->storageVersion; })) {
    out.front()->storageVersion = true;  // the storage version is not served: another is primary
  }
  return {out.begin(), out.end()};
}

}  // namespace driftless::apiserver
