#include "driftless/ssa/inventory.h"

#include <algorithm>
#include <set>

#include "driftless/core/error.h"
#include "driftless/ssa/ordering.h"

namespace driftless::ssa {
namespace {

constexpr std::string_view kSeparator = "_";
constexpr std::string_view kColonTranscoded = "__";

bool isRbacKind(const std::string& group, const std::string& kind) {
  return group == "rbac.authorization.k8s.io" &&
         (kind == "Role" || kind == "ClusterRole" || kind == "RoleBinding" ||
          kind == "ClusterRoleBinding");
}

std::string replaceAll(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    std::size_t hit = text.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos)).append(to);
    pos = hit + from.size();
  }
  out.append(text.substr(pos));
  return out;
}

std::string stringAt(const core::Value& v) {
  return v.isString() ? v.asString() : std::string();
}

}  // namespace

ObjMetadata ObjMetadata::of(const core::Value& object) {
  auto gvk = kube::GroupVersionKind::fromApiVersion(stringAt(object["apiVersion"]),
                                                    stringAt(object["kind"]));
  return {stringAt(object["metadata"]["namespace"]), stringAt(object["metadata"]["name"]),
          gvk.group, gvk.kind};
}

ObjMetadata ObjMetadata::of(const kube::ObjectRef& ref) {
  return {ref.namespace_, ref.name, ref.gvk.group, ref.gvk.kind};
}

ObjMetadata ObjMetadata::parse(std::string_view id) {
  auto fail = [&](const char* what) {
    return core::Error("unable to parse stored object metadata: " + std::string(id) + " (" + what +
                       ")");
  };
  std::size_t first = id.find(kSeparator);
  if (first == std::string_view::npos) throw fail("no namespace");
  std::string_view rest = id.substr(first + 1);
  std::size_t last = rest.rfind(kSeparator);
  if (last == std::string_view::npos) throw fail("no kind");
  std::string_view kind = rest.substr(last + 1);
  rest = rest.substr(0, last);
  std::size_t groupAt = rest.rfind(kSeparator);
  if (groupAt == std::string_view::npos) throw fail("no group");
  std::string_view group = rest.substr(groupAt + 1);
  std::string name = replaceAll(rest.substr(0, groupAt), kColonTranscoded, ":");
  if (name.find(kSeparator) != std::string::npos) throw fail("too many fields");
  if (name.empty() || kind.empty()) throw fail("empty name or kind");
  return {std::string(id.substr(0, first)), std::move(name), std::string(group), std::string(kind)};
}

std::string ObjMetadata::toString() const {
  std::string encoded = isRbacKind(group, kind) ? replaceAll(name, ":", kColonTranscoded) : name;
  std::string out = namespace_;
  out.append(kSeparator).append(encoded).append(kSeparator).append(group);
  out.append(kSeparator).append(kind);
  return out;
}

std::string ObjMetadata::subject() const {
  std::string out = kind + "/";
  if (!namespace_.empty()) out += namespace_ + "/";
  return out + name;
}

kube::ObjectRef ObjMetadata::ref(const std::string& version) const {
  return kube::ObjectRef{kube::GroupVersionKind{group, version, kind}, namespace_, name};
}

Inventory inventoryOf(const std::vector<core::Value>& objects) {
  Inventory out;
  std::set<std::string> seen;
  for (const auto& object : objects) {
    std::string id = ObjMetadata::of(object).toString();
    if (!seen.insert(id).second) continue;
    auto gvk = kube::GroupVersionKind::fromApiVersion(stringAt(object["apiVersion"]), "");
    out.push_back({std::move(id), gvk.version});
  }
  return out;
}

std::vector<kube::ObjectRef> staleObjects(const Inventory& previous, const Inventory& current) {
  std::set<ObjMetadata> keep;
  for (const auto& entry : current)
    keep.insert(ObjMetadata::parse(entry.id));
  std::vector<std::pair<ObjMetadata, std::string>> stale;
  for (const auto& entry : previous) {
    ObjMetadata id = ObjMetadata::parse(entry.id);
    if (!keep.contains(id)) stale.emplace_back(std::move(id), entry.v);
  }
  std::stable_sort(stale.begin(), stale.end(),
                   [](const auto& a, const auto& b) { return applyOrderLess(b.first, a.first); });
  std::vector<kube::ObjectRef> out;
  out.reserve(stale.size());
  for (const auto& [id, version] : stale)
    out.push_back(id.ref(version));
  return out;
}

core::Value toValue(const Inventory& inventory) {
  core::Value entries = core::Value::array();
  for (const auto& e : inventory)
    entries.push_back(core::Object{{"id", e.id}, {"v", e.v}});
  return core::Object{{"entries", std::move(entries)}};
}

Inventory inventoryFromValue(const core::Value& value) {
  Inventory out;
  const core::Value& entries = value["entries"];
  if (!entries.isArray()) return out;
  for (const auto& e : entries.asArray())
    out.push_back({stringAt(e["id"]), stringAt(e["v"])});
  return out;
}

}  // namespace driftless::ssa
