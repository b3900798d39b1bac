#include "driftless/kustomize/transformers.h"

#include <algorithm>
#include <map>
#include <regex>
#include <unordered_map>

#include "driftless/kustomize/error.h"

namespace driftless::kustomize {

namespace {

using core::Value;

FieldSetter scalarSetter(std::function<Value(const Value&)> compute) {
  return FieldSetter{[compute = std::move(compute)](Value& node) { node = compute(node); },
                     Value::Type::String};
}

FieldSetter entrySetter(const std::string& key, const std::string& value) {
  return FieldSetter{
      [key, value](Value& node) {
        if (node.isNull()) node = Value::object();
        if (!node.isObject()) {
          throw KustomizeError("wrong node kind: expected MappingNode but got " +
                               std::string(node.isArray() ? "SequenceNode" : "ScalarNode"));
        }
        node.asObject().set(key, Value(value));
      },
      Value::Type::Object};
}

bool isRoleBinding(const std::string& kind) {
  return kind == "RoleBinding" || kind == "ClusterRoleBinding";
}

void setNamespaceOn(Resource& r, const std::string& ns, const FsSlice& specs) {
  const std::string apiVersion = r.apiVersion();
  FsSlice kept;
  for (const auto& s : specs) {
    if (s.path == "metadata/namespace") continue;
    if (apiVersion != "v1" && s.path == "metadata/name") continue;
    if (isRoleBinding(r.kind()) && isRoleBinding(s.gvk.kind) && s.path == "subjects/namespace") {
      continue;
    }
    kept.push_back(s);
  }
  auto set = scalarSetter([&ns](const Value&) { return Value(ns); });
  if (!r.gvk().isClusterScoped()) {
    applyFieldSpec(r.obj(), FieldSpec{{}, "metadata/namespace", true}, set);
  }
  if (isRoleBinding(r.kind())) {
    Value* subjects = r.obj().find("subjects");
    if (subjects != nullptr && subjects->isArray()) {
      for (auto& s : subjects->asArray()) {
        const Value* name = s.find("name");
        if (s.isObject() && name != nullptr && name->isString() && name->asString() == "default") {
          s.asObject().set("namespace", Value(ns));
        }
      }
    }
  }
  applyFieldSpecs(r.obj(), kept, set);
}

void transformName(ResMap& m, const std::string& affix, const FsSlice& specs, bool prefix) {
  static const Gvk kSkip[] = {{"", "", "CustomResourceDefinition"},
                              {"apiregistration.k8s.io", "", "APIService"},
                              {"", "", "Namespace"}};
  for (const auto& r : m.resources()) {
    const ResId id = r->orgId();
    if (std::any_of(std::begin(kSkip), std::end(kSkip),
                    [&](const Gvk& g) { return id.gvk.isSelected(g); })) {
      continue;
    }
    for (const auto& fs : specs) {
      if (!id.gvk.isSelected(fs.gvk)) continue;
      if (fs.path == "metadata/name") {
        if (prefix) {
          r->addNamePrefix(affix);
        } else {
          r->addNameSuffix(affix);
        }
        if (!affix.empty()) r->storePreviousId();
      }
      applyFieldSpec(r->obj(), fs, scalarSetter([&](const Value& v) {
                       const std::string cur = scalarString(v);
                       return Value(prefix ? affix + cur : cur + affix);
                     }));
    }
  }
}

}  // namespace

void transformNamespace(ResMap& m, const std::string& ns, const FsSlice& specs) {
  if (ns.empty()) return;
  // How many resources have each current id, kept up to date as resources move, so that each
  // conflict check is a lookup rather than a scan.
  std::unordered_map<std::string, int> counts;
  for (const auto& r : m.resources())
    ++counts[r->curId().equalityKey()];
  for (const auto& r : m.resources()) {
    if (r->isNilOrEmpty()) continue;
    --counts[r->curId().equalityKey()];
    r->storePreviousId();
    setNamespaceOn(*r, ns, specs);
    const ResId id = r->curId();
    if (++counts[id.equalityKey()] != 1) {
      throw KustomizeError("namespace transformation produces ID conflict: " + id.toString());
    }
  }
}

void transformPrefix(ResMap& m, const std::string& prefix, const FsSlice& specs) {
  transformName(m, prefix, specs, true);
}

void transformSuffix(ResMap& m, const std::string& suffix, const FsSlice& specs) {
  transformName(m, suffix, specs, false);
}

void transformLabels(ResMap& m, const StringPairs& labels, const FsSlice& specs) {
  if (labels.empty()) return;
  for (const auto& r : m.resources()) {
    for (const auto& [k, v] : labels)
      applyFieldSpecs(r->obj(), specs, entrySetter(k, v));
  }
}

void transformAnnotations(ResMap& m, const StringPairs& annotations, const FsSlice& specs) {
  transformLabels(m, annotations, specs);
}

ImageParts splitImage(std::string_view image) {
  std::string_view search = image;
  std::size_t slash = image.find('/');
  if (slash != std::string_view::npos && slash > 0) {
    search = image.substr(slash);
  } else {
    slash = 0;
  }
  std::size_t id = search.find('@');
  std::size_t ic = search.find(':');
  constexpr auto npos = std::string_view::npos;
  if (ic == npos && id == npos) return {std::string(image), "", ""};
  if (id != npos && (ic == npos || id < ic)) {
    id += slash;
    return {std::string(image.substr(0, id)), "", std::string(image.substr(id + 1))};
  }
  if (id != npos && ic != npos) {
    id += slash;
    ic += slash;
    return {std::string(image.substr(0, ic)), std::string(image.substr(ic + 1, id - ic - 1)),
            std::string(image.substr(id + 1))};
  }
  ic += slash;
  return {std::string(image.substr(0, ic)), std::string(image.substr(ic + 1)), ""};
}

bool isImageMatched(std::string_view image, std::string_view name) {
  try {
    std::regex re("^" + std::string(name) + "(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$");
    return std::regex_match(image.begin(), image.end(), re);
  } catch (const std::regex_error&) {
    return false;
  }
}

namespace {

void updateImage(Value& node, const Image& img) {
  if (!node.isString()) {
    if (node.isNull()) return;
    throw KustomizeError("wrong node kind: expected ScalarNode");
  }
  if (!isImageMatched(node.asString(), img.name)) return;
  ImageParts p = splitImage(node.asString());
  if (!img.newName.empty()) p.name = img.newName;
  if (!img.newTag.empty() && !img.digest.empty()) {
    p.tag = img.newTag;
    p.digest = img.digest;
  } else if (!img.newTag.empty()) {
    p.tag = img.newTag;
    p.digest.clear();
  } else if (!img.digest.empty()) {
    p.tag.clear();
    p.digest = img.digest;
  } else if (!img.tagSuffix.empty()) {
    p.tag += img.tagSuffix;
    p.digest.clear();
  }
  std::string out = p.name;
  if (!p.tag.empty()) out += ":" + p.tag;
  if (!p.digest.empty()) out += "@" + p.digest;
  node = Value(out);
}

// The legacy image filter: every `containers`/`initContainers` list anywhere in the object.
void walkContainers(Value& node, const Image& img) {
  if (node.isArray()) {
    for (auto& e : node.asArray())
      walkContainers(e, img);
    return;
  }
  if (!node.isObject()) return;
  for (auto& m : node.asObject()) {
    walkContainers(m.value, img);
    if ((m.key == "containers" || m.key == "initContainers") && m.value.isArray()) {
      for (auto& c : m.value.asArray()) {
        if (Value* image = c.find("image")) updateImage(*image, img);
      }
    }
  }
}

}  // namespace

void transformImage(ResMap& m, const Image& image, const FsSlice& specs) {
  for (const auto& r : m.resources()) {
    if (r->kind() == "CustomResourceDefinition") continue;
    walkContainers(r->obj(), image);
    FieldSetter set{[&image](Value& node) { updateImage(node, image); }, Value::Type::Null};
    applyFieldSpecs(r->obj(), specs, set);
  }
}

void transformReplicas(ResMap& m, const Replica& replica, const FsSlice& specs) {
  bool found = false;
  for (const auto& fs : specs) {
    auto list = m.byAnyId(
        [&](const ResId& id) { return id.name == replica.name && id.gvk.isSelected(fs.gvk); });
    if (list.empty()) continue;
    found = true;
    for (const auto& r : list) {
      applyFieldSpec(
          r->obj(), fs,
          FieldSetter{[&](Value& node) { node = Value(replica.count); }, Value::Type::Int});
    }
  }
  if (!found) {
    std::string gvks;
    for (std::size_t i = 0; i < specs.size(); ++i)
      gvks += (i > 0 ? " " : "") + specs[i].gvk.toString();
    throw KustomizeError("resource with name " + replica.name +
                         " does not match a config with the following GVK [" + gvks + "]");
  }
}

namespace {

bool legacyGvkLess(const Gvk& a, const Gvk& b, const std::map<std::string, int>& order) {
  auto idx = [&](const std::string& k) {
    auto it = order.find(k);
    return it == order.end() ? 0 : it->second;
  };
  const int ia = idx(a.kind);
  const int ib = idx(b.kind);
  if (ia != ib) return ia < ib;
  auto str = [](const Gvk& g) {
    return (g.group.empty() ? "~G" : g.group) + "_" + (g.version.empty() ? "~V" : g.version) + "_" +
           (g.kind.empty() ? "~K" : g.kind);
  };
  if (a.kind == "Namespace" && b.kind == "Namespace" && (a.group.empty() || b.group.empty())) {
    return str(a) > str(b);
  }
  return str(a) < str(b);
}

std::string legacyIdString(const ResId& id) {
  return id.gvk.toString() + "|" + (id.ns.empty() ? "~X" : id.ns) + "|" +
         (id.name.empty() ? "~N" : id.name);
}

}  // namespace

void sortResources(ResMap& m, const SortOptions& options) {
  if (options.order != "fifo" && options.order != "legacy") {
    throw KustomizeError("the field 'sortOptions.order' must be one of [fifo, legacy]");
  }
  if (options.order == "fifo") {
    if (options.hasLegacyOptions) {
      throw KustomizeError(
          "the field 'sortOptions.legacySortOptions' is set but the selected sort order is "
          "'fifo', not 'legacy'");
    }
    return;
  }
  const auto& first = options.hasLegacyOptions ? options.orderFirst : defaultOrderFirst();
  const auto& last = options.hasLegacyOptions ? options.orderLast : defaultOrderLast();
  std::map<std::string, int> order;
  for (std::size_t i = 0; i < first.size(); ++i)
    order[first[i]] = -static_cast<int>(first.size()) + static_cast<int>(i);
  for (std::size_t i = 0; i < last.size(); ++i)
    order[last[i]] = 1 + static_cast<int>(i);
  struct Item {
    ResId id;
    std::string idString;
    ResourcePtr resource;
  };
  std::vector<Item> items;
  for (const auto& r : m.resources()) {
    ResId id = r->curId();
    std::string idString = legacyIdString(id);
    items.push_back(Item{std::move(id), std::move(idString), r});
  }
  std::stable_sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
    if (!(a.id.gvk == b.id.gvk)) return legacyGvkLess(a.id.gvk, b.id.gvk, order);
    return a.idString < b.idString;
  });
  std::vector<ResourcePtr> sorted;
  sorted.reserve(items.size());
  for (auto& item : items)
    sorted.push_back(std::move(item.resource));
  m.clear();
  m.appendAll(sorted);
}

}  // namespace driftless::kustomize
