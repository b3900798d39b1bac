#include "driftless/kustomize/res_map.h"

#include <algorithm>
#include <regex>
#include <unordered_set>
#include <utility>

#include "driftless/kube/selector.h"
#include "driftless/kustomize/error.h"

namespace driftless::kustomize {

namespace {

// Go's %#v of a ResId, as kustomize prints it in generator errors.
std::string goSyntax(const ResId& id) {
  return "resid.ResId{Gvk:resid.Gvk{Group:\"" + id.gvk.group + "\", Version:\"" + id.gvk.version +
         "\", Kind:\"" + id.gvk.kind +
         "\", isClusterScoped:" + (id.gvk.isClusterScoped() ? "true" : "false") + "}, Name:\"" +
         id.name + "\", Namespace:\"" + id.ns + "\"}";
}

std::regex anchored(const std::string& pattern) {
  try {
    return std::regex("^(?:" + pattern + ")$", std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    throw KustomizeError("error parsing regexp: " + pattern);
  }
}

bool matchSelectorMap(const std::string& selector, const core::Value& map) {
  if (selector.empty()) return true;
  return kube::LabelSelector::parse(selector).matches(map.isObject() ? map : core::Value());
}

}  // namespace

void ResMap::append(ResourcePtr res) {
  appendAll(std::vector<ResourcePtr>{std::move(res)});
}

void ResMap::appendAll(const ResMap& other) {
  appendAll(other.list_);
}

void ResMap::appendAll(const std::vector<ResourcePtr>& resources) {
  if (resources.empty()) return;
  // One pass over the present ids, then a lookup per new resource: appending n resources one at
  // a time would cost O(n^2) id comparisons.
  std::unordered_set<std::string> ids;
  ids.reserve(list_.size() + resources.size());
  for (const auto& r : list_)
    ids.insert(r->curId().equalityKey());
  for (const auto& res : resources) {
    const ResId id = res->curId();
    if (!ids.insert(id.equalityKey()).second) {
      throw KustomizeError("may not add resource with an already registered id: " + id.toString());
    }
    list_.push_back(res);
  }
}

void ResMap::absorbAll(const ResMap& other) {
  for (const auto& res : other.list_) {
    const ResId id = res->curId();
    auto matches = byAnyId([&](const ResId& x) { return id.equals(x); });
    const std::string behavior = res->behavior();
    if (matches.empty()) {
      if (behavior == "merge" || behavior == "replace") {
        throw KustomizeError("id " + goSyntax(id) + " does not exist; cannot merge or replace");
      }
      append(res);
      continue;
    }
    if (matches.size() > 1) {
      throw KustomizeError("found multiple objects that could accept merge of " + id.toString());
    }
    const ResourcePtr& old = matches.front();
    if (behavior == "replace") {
      res->copyMergeMetaDataFieldsFrom(*old);
    } else if (behavior == "merge") {
      std::string origin = old->annotation("config.kubernetes.io/origin");
      res->copyMergeMetaDataFieldsFrom(*old);
      res->mergeDataMapFrom(*old, "data");
      res->mergeDataMapFrom(*old, "binaryData");
      if (!origin.empty()) res->setAnnotation("config.kubernetes.io/origin", origin);
    } else {
      throw KustomizeError("id " + goSyntax(id) + " exists; behavior must be merge or replace");
    }
    replace(old, res);
  }
}

void ResMap::replace(const ResourcePtr& old, ResourcePtr res) {
  for (auto& r : list_) {
    if (r == old) {
      r = std::move(res);
      return;
    }
  }
}

void ResMap::remove(const ResourcePtr& res) {
  list_.erase(std::remove(list_.begin(), list_.end(), res), list_.end());
}

void ResMap::retain(const std::function<bool(const Resource&)>& keep) {
  std::vector<ResourcePtr> kept;
  for (auto& r : list_) {
    if (keep(*r)) kept.push_back(std::move(r));
  }
  list_ = std::move(kept);
}

std::vector<ResourcePtr> ResMap::byCurrentId(const IdMatcher& matches) const {
  std::vector<ResourcePtr> out;
  for (const auto& r : list_) {
    if (matches(r->curId())) out.push_back(r);
  }
  return out;
}

std::vector<ResourcePtr> ResMap::byAnyId(const IdMatcher& matches) const {
  std::vector<ResourcePtr> out;
  for (const auto& r : list_) {
    auto ids = r->prevIds();
    ids.push_back(r->curId());
    for (const auto& id : ids) {
      if (matches(id)) {
        out.push_back(r);
        break;
      }
    }
  }
  return out;
}

ResourcePtr ResMap::byId(const ResId& id) const {
  auto found = byAnyId([&](const ResId& x) { return id.equals(x); });
  if (found.size() == 1) return found.front();
  std::string what = found.empty() ? "no matches for Id " : "multiple matches for Id ";
  throw KustomizeError(what + id.toString() + "; failed to find unique target for patch " +
                       id.toString());
}

std::vector<ResourcePtr> ResMap::select(const Selector& s) const {
  std::vector<ResourcePtr> out;
  std::regex nameRe = anchored(s.name);
  std::regex nsRe = anchored(s.ns);
  std::regex groupRe = anchored(s.gvk.group);
  std::regex versionRe = anchored(s.gvk.version);
  std::regex kindRe = anchored(s.gvk.kind);
  for (const auto& r : list_) {
    const ResId cur = r->curId();
    const ResId org = r->orgId();
    if (!s.ns.empty() && !std::regex_match(org.effectiveNamespace(), nsRe) &&
        !std::regex_match(cur.effectiveNamespace(), nsRe)) {
      continue;
    }
    if (!s.name.empty() && !std::regex_match(org.name, nameRe) &&
        !std::regex_match(cur.name, nameRe)) {
      continue;
    }
    const Gvk g = r->gvk();
    if ((!s.gvk.group.empty() && !std::regex_match(g.group, groupRe)) ||
        (!s.gvk.version.empty() && !std::regex_match(g.version, versionRe)) ||
        (!s.gvk.kind.empty() && !std::regex_match(g.kind, kindRe))) {
      continue;
    }
    if (!matchSelectorMap(s.labelSelector, r->labels())) continue;
    if (!matchSelectorMap(s.annotationSelector, r->annotations())) continue;
    out.push_back(r);
  }
  return out;
}

ResMap ResMap::deepCopy() const {
  ResMap out;
  for (const auto& r : list_)
    out.list_.push_back(std::make_shared<Resource>(*r));
  return out;
}

}  // namespace driftless::kustomize
