#include "driftless/kustomize/resource.h"

#include <array>
#include <map>
#include <utility>

#include "driftless/core/scalar.h"
#include "driftless/kustomize/error.h"

namespace driftless::kustomize {

namespace {

// Cluster-scoped types of kyaml's built-in schema (Kubernetes 1.21), which v5.5.0 consults.
struct ScopedType {
  std::string_view apiVersion;
  std::string_view kind;
};
constexpr std::array<ScopedType, 36> kClusterScoped = {{
    {"admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"},
    {"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"},
    {"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration"},
    {"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration"},
    {"apiextensions.k8s.io/v1", "CustomResourceDefinition"},
    {"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"},
    {"apiregistration.k8s.io/v1", "APIService"},
    {"apiregistration.k8s.io/v1beta1", "APIService"},
    {"certificates.k8s.io/v1", "CertificateSigningRequest"},
    {"certificates.k8s.io/v1beta1", "CertificateSigningRequest"},
    {"flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"},
    {"flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration"},
    {"networking.k8s.io/v1", "IngressClass"},
    {"networking.k8s.io/v1beta1", "IngressClass"},
    {"node.k8s.io/v1", "RuntimeClass"},
    {"node.k8s.io/v1beta1", "RuntimeClass"},
    {"policy/v1beta1", "PodSecurityPolicy"},
    {"rbac.authorization.k8s.io/v1", "ClusterRole"},
    {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"},
    {"rbac.authorization.k8s.io/v1beta1", "ClusterRole"},
    {"rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"},
    {"scheduling.k8s.io/v1", "PriorityClass"},
    {"scheduling.k8s.io/v1beta1", "PriorityClass"},
    {"storage.k8s.io/v1", "CSIDriver"},
    {"storage.k8s.io/v1", "CSINode"},
    {"storage.k8s.io/v1", "StorageClass"},
    {"storage.k8s.io/v1", "VolumeAttachment"},
    {"storage.k8s.io/v1beta1", "CSIDriver"},
    {"storage.k8s.io/v1beta1", "CSINode"},
    {"storage.k8s.io/v1beta1", "StorageClass"},
    {"storage.k8s.io/v1beta1", "VolumeAttachment"},
    {"v1", "ComponentStatus"},
    {"v1", "Namespace"},
    {"v1", "Node"},
    {"v1", "NodeProxyOptions"},
    {"v1", "PersistentVolume"},
}};

constexpr std::array<std::string_view, 10> kBuildAnnotations = {
    kAnnoPreviousKinds,      kAnnoPreviousNames,   kAnnoPrefixes,        kAnnoSuffixes,
    kAnnoPreviousNamespaces, kAnnoAllowNameChange, kAnnoAllowKindChange, kAnnoRefBy,
    kAnnoBehavior,           kAnnoNeedsHash};

constexpr std::array<std::string_view, 8> kKioAnnotations = {
    "config.kubernetes.io/path",
    "config.kubernetes.io/index",
    "internal.config.kubernetes.io/seqindent",
    "internal.config.kubernetes.io/id",
    "internal.config.kubernetes.io/annotations-migration-resource-id",
    "internal.config.kubernetes.io/path",
    "internal.config.kubernetes.io/index",
    "config.k8s.io/id"};

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

}  // namespace

std::string scalarString(const core::Value& v) {
  switch (v.type()) {
    case core::Value::Type::String:
      return v.asString();
    case core::Value::Type::Int:
      return std::to_string(v.asInt());
    case core::Value::Type::Double:
      return core::formatGoFloat(v.asDouble(), 'g');
    case core::Value::Type::Bool:
      return v.asBool() ? "true" : "false";
    default:
      return {};
  }
}

Gvk Gvk::fromApiVersion(std::string_view apiVersion, std::string_view kind) {
  Gvk g;
  auto slash = apiVersion.find('/');
  if (slash == std::string_view::npos) {
    g.version = std::string(apiVersion);
  } else {
    g.group = std::string(apiVersion.substr(0, slash));
    g.version = std::string(apiVersion.substr(slash + 1));
  }
  g.kind = std::string(kind);
  return g;
}

std::string Gvk::apiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

std::string Gvk::toString() const {
  return (kind.empty() ? "[noKind]" : kind) + "." + (version.empty() ? "[noVer]" : version) + "." +
         (group.empty() ? "[noGrp]" : group);
}

bool Gvk::isSelected(const Gvk& s) const {
  return (s.group.empty() || s.group == group) && (s.version.empty() || s.version == version) &&
         (s.kind.empty() || s.kind == kind);
}

const std::vector<std::string>& defaultOrderFirst() {
  static const std::vector<std::string> k = {"Namespace",
                                             "ResourceQuota",
                                             "StorageClass",
                                             "CustomResourceDefinition",
                                             "ServiceAccount",
                                             "PodSecurityPolicy",
                                             "Role",
                                             "ClusterRole",
                                             "RoleBinding",
                                             "ClusterRoleBinding",
                                             "ConfigMap",
                                             "Secret",
                                             "Endpoints",
                                             "Service",
                                             "LimitRange",
                                             "PriorityClass",
                                             "PersistentVolume",
                                             "PersistentVolumeClaim",
                                             "Deployment",
                                             "StatefulSet",
                                             "CronJob",
                                             "PodDisruptionBudget"};
  return k;
}

const std::vector<std::string>& defaultOrderLast() {
  static const std::vector<std::string> k = {"MutatingWebhookConfiguration",
                                             "ValidatingWebhookConfiguration"};
  return k;
}

bool Gvk::isLessThan(const Gvk& o) const {
  static const std::map<std::string, int> kOrder = [] {
    std::map<std::string, int> order;
    const auto& first = defaultOrderFirst();
    const auto& last = defaultOrderLast();
    for (std::size_t i = 0; i < first.size(); ++i)
      order[first[i]] = -static_cast<int>(first.size()) + static_cast<int>(i);
    for (std::size_t i = 0; i < last.size(); ++i)
      order[last[i]] = 1 + static_cast<int>(i);
    return order;
  }();
  auto rank = [&](const std::string& k) {
    auto it = kOrder.find(k);
    return it == kOrder.end() ? 0 : it->second;
  };
  if (rank(kind) != rank(o.kind)) return rank(kind) < rank(o.kind);
  // `group_version_kind` (~G, ~V, ~K for empty parts) compared as strings, without building them.
  struct Chars {
    std::array<std::string_view, 5> parts;
    std::size_t part = 0, pos = 0;
    int next() {
      while (part < parts.size() && pos == parts[part].size()) {
        ++part;
        pos = 0;
      }
      return part < parts.size() ? static_cast<unsigned char>(parts[part][pos++]) : -1;
    }
  };
  auto chars = [](const Gvk& g) {
    return Chars{{g.group.empty() ? std::string_view("~G") : std::string_view(g.group), "_",
                  g.version.empty() ? std::string_view("~V") : std::string_view(g.version), "_",
                  g.kind.empty() ? std::string_view("~K") : std::string_view(g.kind)}};
  };
  Chars a = chars(*this);
  Chars b = chars(o);
  while (true) {
    const int x = a.next();
    const int y = b.next();
    if (x != y) return x < y;
    if (x < 0) return false;
  }
}

bool Gvk::isClusterScoped() const {
  for (const auto& t : kClusterScoped) {
    if (t.kind == kind && t.apiVersion == apiVersion()) return true;
  }
  return false;
}

std::string ResId::effectiveNamespace() const {
  if (gvk.isClusterScoped()) return "_non_namespaceable_";
  if (ns.empty() || ns == "default") return "default";
  return ns;
}

bool ResId::isNsEquals(const ResId& o) const {
  return effectiveNamespace() == o.effectiveNamespace();
}

bool ResId::equals(const ResId& o) const {
  return name == o.name && gvk == o.gvk && isNsEquals(o);
}

std::string ResId::equalityKey() const {
  std::string key;
  key.append(name).append(1, '\0').append(gvk.group).append(1, '\0');
  key.append(gvk.version).append(1, '\0').append(gvk.kind).append(1, '\0');
  key.append(effectiveNamespace());
  return key;
}

bool ResId::isSelectedBy(const ResId& s) const {
  return (s.name.empty() || s.name == name) && (s.ns.empty() || s.isNsEquals(*this)) &&
         gvk.isSelected(s.gvk);
}

std::string ResId::toString() const {
  return gvk.toString() + "/" + (name.empty() ? "[noName]" : name) + "." +
         (ns.empty() ? "[noNs]" : ns);
}

ResId ResId::fromString(std::string_view s) {
  ResId id;
  auto slash = s.find('/');
  std::string_view g = s.substr(0, slash);
  auto parts = split(g, '.');
  if (parts.size() >= 3) {
    id.gvk.kind = parts[0] == "[noKind]" ? "" : parts[0];
    id.gvk.version = parts[1] == "[noVer]" ? "" : parts[1];
    std::string group;
    for (std::size_t i = 2; i < parts.size(); ++i)
      group += (i > 2 ? "." : "") + parts[i];
    id.gvk.group = group == "[noGrp]" ? "" : group;
  }
  if (slash == std::string_view::npos) return id;
  std::string_view rest = s.substr(slash + 1);
  auto dot = rest.rfind('.');
  std::string nm(rest.substr(0, dot));
  std::string ns(dot == std::string_view::npos ? "" : rest.substr(dot + 1));
  id.name = nm == "[noName]" ? "" : nm;
  id.ns = ns == "[noNs]" ? "" : ns;
  return id;
}

Gvk Resource::gvk() const {
  return Gvk::fromApiVersion(apiVersion(), kind());
}

std::string Resource::kind() const {
  return scalarString(obj_["kind"]);
}

std::string Resource::apiVersion() const {
  return scalarString(obj_["apiVersion"]);
}

std::string Resource::name() const {
  return scalarString(obj_["metadata"]["name"]);
}

std::string Resource::ns() const {
  return scalarString(obj_["metadata"]["namespace"]);
}

void Resource::setName(std::string_view name) {
  obj_["metadata"]["name"] = core::Value(name);
}

void Resource::setNamespace(std::string_view ns) {
  if (ns.empty()) {
    if (core::Value* md = obj_.find("metadata"); md != nullptr && md->isObject()) {
      md->asObject().erase("namespace");
    }
    return;
  }
  obj_["metadata"]["namespace"] = core::Value(ns);
}

void Resource::setKind(std::string_view kind) {
  obj_["kind"] = core::Value(kind);
}

void Resource::setApiVersion(std::string_view apiVersion) {
  obj_["apiVersion"] = core::Value(apiVersion);
}

void Resource::setGvk(const Gvk& gvk) {
  setKind(gvk.kind);
  setApiVersion(gvk.apiVersion());
}

bool Resource::isNilOrEmpty() const {
  return obj_.isNull() || (obj_.isObject() && obj_.asObject().empty());
}

ResId Resource::curId() const {
  return ResId{gvk(), name(), ns()};
}

std::vector<ResId> Resource::prevIds() const {
  std::vector<ResId> ids;
  if (!hasAnnotation(kAnnoPreviousNames)) return ids;
  auto names = csvAnnotation(kAnnoPreviousNames);
  auto nss = csvAnnotation(kAnnoPreviousNamespaces);
  auto kinds = csvAnnotation(kAnnoPreviousKinds);
  if (names.size() != nss.size() || names.size() != kinds.size()) {
    throw KustomizeError(
        "number of previous names, number of previous namespaces, number of previous kinds not "
        "equal");
  }
  Gvk g = gvk();
  for (std::size_t i = 0; i < names.size(); ++i) {
    Gvk k = g;
    k.kind = kinds[i];
    ids.push_back(ResId{k, names[i], nss[i]});
  }
  return ids;
}

ResId Resource::orgId() const {
  auto ids = prevIds();
  return ids.empty() ? curId() : ids.front();
}

void Resource::storePreviousId() {
  ResId id = curId();
  appendCsvAnnotation(kAnnoPreviousNames, id.name);
  appendCsvAnnotation(kAnnoPreviousNamespaces, id.effectiveNamespace());
  appendCsvAnnotation(kAnnoPreviousKinds, id.gvk.kind);
}

const core::Value& Resource::labels() const {
  return obj_["metadata"]["labels"];
}

const core::Value& Resource::annotations() const {
  return obj_["metadata"]["annotations"];
}

std::string Resource::annotation(std::string_view key) const {
  return scalarString(annotations()[key]);
}

bool Resource::hasAnnotation(std::string_view key) const {
  return annotations().find(key) != nullptr;
}

void Resource::setAnnotation(std::string_view key, std::string_view value) {
  core::Value& a = obj_["metadata"]["annotations"];
  if (!a.isObject()) a = core::Value::object();
  a.asObject().set(key, core::Value(value));
}

void Resource::removeAnnotation(std::string_view key) {
  core::Value* md = obj_.find("metadata");
  if (md == nullptr || !md->isObject()) return;
  core::Value* a = md->find("annotations");
  if (a == nullptr || !a->isObject()) return;
  if (a->asObject().erase(key) && a->asObject().empty()) md->asObject().erase("annotations");
}

void Resource::setLabelsMap(core::Object labels) {
  if (labels.empty()) {
    if (core::Value* md = obj_.find("metadata"); md != nullptr && md->isObject()) {
      md->asObject().erase("labels");
    }
    return;
  }
  obj_["metadata"]["labels"] = core::Value(std::move(labels));
}

void Resource::setAnnotationsMap(core::Object annotations) {
  if (annotations.empty()) {
    if (core::Value* md = obj_.find("metadata"); md != nullptr && md->isObject()) {
      md->asObject().erase("annotations");
    }
    return;
  }
  obj_["metadata"]["annotations"] = core::Value(std::move(annotations));
}

std::vector<std::string> Resource::csvAnnotation(std::string_view key) const {
  const core::Value* v = annotations().find(key);
  if (v == nullptr) return {};
  return split(scalarString(*v), ',');
}

void Resource::appendCsvAnnotation(std::string_view key, std::string_view value) {
  if (value.empty()) return;
  std::string current;
  if (hasAnnotation(key)) current = annotation(key) + ",";
  setAnnotation(key, current + std::string(value));
}

bool Resource::isEnabled(std::string_view key) const {
  const core::Value* v = annotations().find(key);
  return v != nullptr && v->isString() && v->asString() == "enabled";
}

std::string Resource::behavior() const {
  std::string b = annotation(kAnnoBehavior);
  if (b == "create" || b == "merge" || b == "replace") return b;
  return "unspecified";
}

std::vector<ResId> Resource::refBy() const {
  std::vector<ResId> ids;
  for (const auto& s : csvAnnotation(kAnnoRefBy))
    ids.push_back(ResId::fromString(s));
  return ids;
}

namespace {

bool isBuildAnnotation(std::string_view key) {
  for (auto k : kBuildAnnotations) {
    if (k == key) return true;
  }
  for (auto k : kKioAnnotations) {
    if (k == key) return true;
  }
  return false;
}

// Merges string maps: later maps win; absent maps are skipped.
core::Object mergeMaps(const core::Value& first, const core::Value& second) {
  core::Object out;
  for (const core::Value* m : {&first, &second}) {
    if (!m->isObject()) continue;
    for (const auto& member : m->asObject())
      out.set(member.key, member.value);
  }
  return out;
}

}  // namespace

void Resource::copyMergeMetaDataFieldsFrom(const Resource& other) {
  setLabelsMap(mergeMaps(other.labels(), labels()));
  const bool hashEnabled = hasAnnotation(kAnnoNeedsHash);
  core::Object merged = mergeMaps(other.annotations(), annotations());
  for (auto key : kBuildAnnotations) {
    if (const core::Value* v = other.annotations().find(key)) {
      merged.set(key, *v);
    } else {
      merged.erase(key);
    }
  }
  if (!hashEnabled) merged.erase(kAnnoNeedsHash);
  setAnnotationsMap(std::move(merged));
  setName(other.name());
  setNamespace(other.ns());
  refVarNames = other.refVarNames;
}

void Resource::mergeDataMapFrom(const Resource& other, std::string_view field) {
  core::Object merged = mergeMaps(other.obj()[field], obj_[field]);
  if (merged.empty()) {
    if (obj_.isObject()) obj_.asObject().erase(field);
    return;
  }
  obj_[field] = core::Value(std::move(merged));
}

void Resource::removeBuildAnnotations() {
  const core::Value& a = annotations();
  if (!a.isObject() || a.asObject().empty()) return;
  core::Object kept;
  for (const auto& m : a.asObject()) {
    // SetAnnotations writes every value back as a string.
    if (!isBuildAnnotation(m.key)) kept.append(m.key, core::Value(scalarString(m.value)));
  }
  setAnnotationsMap(std::move(kept));
}

}  // namespace driftless::kustomize

#include <deque>
#include <iterator>

#include "driftless/core/yaml.h"

namespace driftless::kustomize {

namespace {

std::string metaString(const core::Value& doc) {
  return "{" + scalarString(doc["apiVersion"]) + " " + scalarString(doc["kind"]) + " {" +
         scalarString(doc["metadata"]["name"]) + " " + scalarString(doc["metadata"]["namespace"]) +
         "}}";
}

std::string goTypeName(const core::Value& v) {
  if (v.isObject()) return "map[string]interface {}";
  if (v.isString()) return "string";
  if (v.isBool()) return "bool";
  if (v.isInt() || v.isDouble()) return "float64";
  return "interface {}";
}

// Checks one document and appends it to `out`, or, for a FooList with `items`, queues the items
// behind the remaining documents (inlineAnyEmbeddedLists).
void addResource(std::vector<ResourcePtr>& out, std::deque<core::Value>& queue, core::Value doc) {
  if (doc.isNull() || (doc.isObject() && doc.asObject().empty())) return;
  if (!doc.isObject()) {
    throw KustomizeError("wrong node kind: expected MappingNode but got " +
                         std::string(doc.isArray() ? "SequenceNode" : "ScalarNode") +
                         ": node contents:\n" + core::toYaml(doc));
  }
  const core::Value& view = doc;
  const std::string kind = scalarString(view["kind"]);
  if (kind.empty()) throw KustomizeError("missing kind in object " + metaString(view));
  const bool isList = kind.ends_with("List");
  if (const core::Value* items = view.find("items"); isList && items != nullptr) {
    if (items->isNull()) return;  // an empty list
    if (!items->isArray()) {
      throw KustomizeError("expected array in " + kind + "/items, but found " + goTypeName(*items));
    }
    for (auto& item : doc["items"].asArray())
      queue.push_back(std::move(item));
    return;
  }
  if (!isList && scalarString(view["metadata"]["name"]).empty()) {
    throw KustomizeError("missing metadata.name in object " + metaString(view));
  }
  out.push_back(std::make_shared<Resource>(std::move(doc)));
}

}  // namespace

std::vector<ResourcePtr> resourcesFromBytes(std::string_view text) {
  std::vector<core::Value> docs;
  try {
    docs = core::parseYamlStream(text, {.schema = core::YamlSchema::Core});
  } catch (const core::ParseError& e) {
    std::string problem = e.problem();
    const std::string dup = "\" already set in map";
    if (auto pos = problem.find(dup); pos != std::string::npos) {
      problem = "mapping key " + problem.substr(4, pos - 4 + 1) + " already defined at line " +
                std::to_string(e.line());
    }
    throw KustomizeError("MalformedYAMLError: yaml: line " + std::to_string(e.line()) + ": " +
                         problem);
  } catch (const core::Error& e) {
    throw KustomizeError(std::string("MalformedYAMLError: ") + e.what());
  }
  std::vector<ResourcePtr> out;
  std::deque<core::Value> queue(std::make_move_iterator(docs.begin()),
                                std::make_move_iterator(docs.end()));
  while (!queue.empty()) {
    core::Value doc = std::move(queue.front());
    queue.pop_front();
    addResource(out, queue, std::move(doc));
  }
  return out;
}

}  // namespace driftless::kustomize
