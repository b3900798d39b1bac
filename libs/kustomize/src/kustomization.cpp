#include "driftless/kustomize/kustomization.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "driftless/core/yaml.h"
#include "driftless/kustomize/error.h"

namespace driftless::kustomize {

namespace {

using core::Value;

const char* jsonTypeName(const Value& v) {
  switch (v.type()) {
    case Value::Type::Bool:
      return "bool";
    case Value::Type::Int:
    case Value::Type::Double:
      return "number";
    case Value::Type::String:
      return "string";
    case Value::Type::Array:
      return "array";
    case Value::Type::Object:
      return "object";
    default:
      return "null";
  }
}

bool equalFold(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A strict decoder of one JSON object into a Go struct: fields are looked up as encoding/json
// does (exact name first, then case-insensitively); leftover keys are unknown fields.
class Fields {
 public:
  Fields(const Value& v, std::string structName) : structName_(std::move(structName)) {
    if (v.isNull()) return;
    if (!v.isObject()) fail(v, "", structName_);
    obj_ = &v.asObject();
    used_.assign(obj_->size(), false);
  }

  const Value* get(std::string_view name) {
    if (obj_ == nullptr) return nullptr;
    const auto& ms = obj_->members();
    for (std::size_t i = 0; i < ms.size(); ++i) {
      if (ms[i].key == name) return take(i);
    }
    for (std::size_t i = 0; i < ms.size(); ++i) {
      if (!used_[i] && equalFold(ms[i].key, name)) return take(i);
    }
    return nullptr;
  }

  std::string str(std::string_view name) {
    const Value* v = get(name);
    if (v == nullptr || v->isNull()) return {};
    if (!v->isString()) fail(*v, name, "string");
    return v->asString();
  }

  bool boolean(std::string_view name) {
    const Value* v = get(name);
    if (v == nullptr || v->isNull()) return false;
    if (!v->isBool()) fail(*v, name, "bool");
    return v->asBool();
  }

  std::vector<std::string> strings(std::string_view name) {
    std::vector<std::string> out;
    const Value* v = get(name);
    if (v == nullptr || v->isNull()) return out;
    if (!v->isArray()) fail(*v, name, "[]string");
    for (const auto& e : v->asArray()) {
      if (!e.isString() && !e.isNull()) fail(e, name, "string");
      out.push_back(e.isString() ? e.asString() : std::string());
    }
    return out;
  }

  StringPairs stringMap(std::string_view name, bool* present = nullptr) {
    StringPairs out;
    const Value* v = get(name);
    if (present != nullptr) *present = v != nullptr && !v->isNull();
    if (v == nullptr || v->isNull()) return out;
    if (!v->isObject()) fail(*v, name, "map[string]string");
    for (const auto& m : v->asObject()) {
      if (!m.value.isString() && !m.value.isNull()) fail(m.value, name, "string");
      out.emplace_back(m.key, m.value.isString() ? m.value.asString() : std::string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  template <typename T, typename F>
  std::vector<T> list(std::string_view name, const std::string& elemStruct, F decodeOne) {
    std::vector<T> out;
    const Value* v = get(name);
    if (v == nullptr || v->isNull()) return out;
    if (!v->isArray()) fail(*v, name, "[]" + elemStruct);
    for (const auto& e : v->asArray()) {
      Fields f(e, elemStruct);
      out.push_back(decodeOne(f));
      f.finish();
    }
    return out;
  }

  // Throws for the first field nobody asked for.
  void finish() const {
    if (obj_ == nullptr) return;
    for (std::size_t i = 0; i < used_.size(); ++i) {
      if (!used_[i]) {
        throw KustomizeError("json: unknown field \"" + obj_->members()[i].key + "\"");
      }
    }
  }

  [[noreturn]] void fail(const Value& v, std::string_view field, std::string_view type) const {
    std::string where =
        field.empty() ? "" : " struct field " + structName_ + "." + std::string(field);
    throw KustomizeError("json: cannot unmarshal " + std::string(jsonTypeName(v)) + " into Go" +
                         where + " value of type " + std::string(type));
  }

 private:
  const Value* take(std::size_t i) {
    used_[i] = true;
    return &obj_->members()[i].value;
  }

  std::string structName_;
  const core::Object* obj_ = nullptr;
  std::vector<bool> used_;
};

Selector decodeSelector(Fields& f) {
  Selector s;
  s.gvk.group = f.str("group");
  s.gvk.version = f.str("version");
  s.gvk.kind = f.str("kind");
  s.name = f.str("name");
  s.ns = f.str("namespace");
  s.labelSelector = f.str("labelSelector");
  s.annotationSelector = f.str("annotationSelector");
  return s;
}

Patch decodePatch(Fields& f) {
  Patch p;
  p.path = f.str("path");
  p.patch = f.str("patch");
  if (const Value* t = f.get("target"); t != nullptr && !t->isNull()) {
    Fields tf(*t, "Selector");
    p.target = decodeSelector(tf);
    tf.finish();
  }
  if (const Value* o = f.get("options"); o != nullptr && o->isObject()) {
    for (const auto& m : o->asObject()) {
      if (!m.value.isBool()) f.fail(m.value, "options", "bool");
      if (m.key == "allowNameChange") p.allowNameChange = m.value.asBool();
      if (m.key == "allowKindChange") p.allowKindChange = m.value.asBool();
    }
  }
  return p;
}

GeneratorOptions decodeOptions(const Value* v) {
  GeneratorOptions o;
  if (v == nullptr || v->isNull()) return o;
  Fields f(*v, "GeneratorOptions");
  o.present = true;
  o.labels = f.stringMap("labels");
  o.annotations = f.stringMap("annotations");
  o.disableNameSuffixHash = f.boolean("disableNameSuffixHash");
  o.immutable = f.boolean("immutable");
  f.finish();
  return o;
}

GeneratorArgs decodeGenerator(Fields& f, bool secret) {
  GeneratorArgs g;
  g.ns = f.str("namespace");
  g.name = f.str("name");
  g.behavior = f.str("behavior");
  g.literals = f.strings("literals");
  g.files = f.strings("files");
  g.envs = f.strings("envs");
  std::string env = f.str("env");
  if (!env.empty()) g.envs.push_back(env);
  g.options = decodeOptions(f.get("options"));
  if (secret) g.type = f.str("type");
  return g;
}

Label decodeLabel(Fields& f) {
  Label l;
  l.pairs = f.stringMap("pairs");
  l.includeSelectors = f.boolean("includeSelectors");
  l.includeTemplates = f.boolean("includeTemplates");
  if (const Value* v = f.get("fields")) l.fields = fieldSpecsFromValue(*v);
  return l;
}

std::optional<SortOptions> decodeSortOptions(const Value* v) {
  if (v == nullptr || v->isNull()) return std::nullopt;
  Fields f(*v, "SortOptions");
  SortOptions s;
  s.order = f.str("order");
  if (const Value* l = f.get("legacySortOptions"); l != nullptr && !l->isNull()) {
    Fields lf(*l, "LegacySortOptions");
    s.hasLegacyOptions = true;
    s.orderFirst = lf.strings("orderFirst");
    s.orderLast = lf.strings("orderLast");
    lf.finish();
  }
  f.finish();
  return s;
}

void decodeLists(Fields& f, Kustomization& k) {
  k.patchesStrategicMerge = f.strings("patchesStrategicMerge");
  k.patchesJson6902 = f.list<Patch>("patchesJson6902", "Patch", decodePatch);
  k.patches = f.list<Patch>("patches", "Patch", decodePatch);
  auto image = [](Fields& e) {
    return Image{e.str("name"), e.str("newName"), e.str("tagSuffix"), e.str("newTag"),
                 e.str("digest")};
  };
  k.images = f.list<Image>("images", "Image", image);
  auto imageTags = f.list<Image>("imageTags", "Image", image);
  k.images.insert(k.images.end(), imageTags.begin(), imageTags.end());
  if (const Value* r = f.get("replacements")) k.replacements = *r;
  k.replicas = f.list<Replica>("replicas", "Replica", [](Fields& e) {
    Replica r;
    r.name = e.str("name");
    if (const Value* c = e.get("count"); c != nullptr && !c->isNull()) {
      if (!c->isInt()) e.fail(*c, "count", "int64");
      r.count = c->asInt();
    }
    return r;
  });
  if (const Value* v = f.get("vars")) k.vars = *v;
  k.sortOptions = decodeSortOptions(f.get("sortOptions"));
  k.resources = f.strings("resources");
  k.components = f.strings("components");
  k.crds = f.strings("crds");
  auto bases = f.strings("bases");
  k.resources.insert(k.resources.end(), bases.begin(), bases.end());
  k.configMapGenerator = f.list<GeneratorArgs>("configMapGenerator", "ConfigMapArgs",
                                               [](Fields& e) { return decodeGenerator(e, false); });
  k.secretGenerator = f.list<GeneratorArgs>("secretGenerator", "SecretArgs",
                                            [](Fields& e) { return decodeGenerator(e, true); });
  k.generatorOptions = decodeOptions(f.get("generatorOptions"));
  k.configurations = f.strings("configurations");
  k.generators = f.strings("generators");
  k.transformers = f.strings("transformers");
  k.validators = f.strings("validators");
  k.buildMetadata = f.strings("buildMetadata");
  for (const char* helm : {"helmGlobals", "helmCharts", "helmChartInflationGenerator"}) {
    if (const Value* h = f.get(helm); h != nullptr && !h->isNull()) k.hasHelm = true;
  }
}

Kustomization decode(const Value& doc) {
  Kustomization k;
  Fields f(doc, "Kustomization");
  k.apiVersion = f.str("apiVersion");
  k.kind = f.str("kind");
  f.get("metadata");
  if (const Value* o = f.get("openapi"); o != nullptr && o->isObject()) {
    for (const auto& m : o->asObject())
      k.openapi.emplace_back(m.key, m.value.isString() ? m.value.asString() : "");
  }
  k.namePrefix = f.str("namePrefix");
  k.nameSuffix = f.str("nameSuffix");
  k.ns = f.str("namespace");
  k.commonLabels = f.stringMap("commonLabels", &k.hasCommonLabels);
  k.labels = f.list<Label>("labels", "Label", decodeLabel);
  k.commonAnnotations = f.stringMap("commonAnnotations");
  decodeLists(f, k);
  f.finish();
  return k;
}

}  // namespace

Kustomization parseKustomization(std::string_view text, std::string_view root) {
  Value doc;
  try {
    auto docs = core::parseYamlStream(text, {.schema = core::YamlSchema::Kubernetes,
                                             .source = "kustomization",
                                             .keepEmptyDocuments = false,
                                             .allowDuplicateKeys = true});
    if (!docs.empty()) doc = std::move(docs.front());
  } catch (const core::Error& e) {
    throw KustomizeError(std::string("invalid Kustomization: ") + e.what());
  }
  Kustomization k;
  try {
    k = decode(doc);
  } catch (const KustomizeError& e) {
    throw KustomizeError(std::string("invalid Kustomization: ") + e.what());
  }
  const bool empty = !doc.isObject() || doc.asObject().empty() ||
                     (doc.asObject().size() <= 2 && doc.find("apiVersion") != nullptr &&
                      doc.find("kind") != nullptr) ||
                     (doc.asObject().size() == 1 &&
                      (doc.find("apiVersion") != nullptr || doc.find("kind") != nullptr));
  if (k.kind.empty()) k.kind = "Kustomization";
  if (k.apiVersion.empty()) {
    k.apiVersion =
        k.isComponent() ? "kustomize.config.k8s.io/v1alpha1" : "kustomize.config.k8s.io/v1beta1";
  }
  if (empty) throw KustomizeError("kustomization.yaml is empty");
  std::vector<std::string> errs;
  if (k.kind != "Kustomization" && k.kind != "Component") {
    errs.emplace_back("kind should be Kustomization or Component");
  }
  const std::string required =
      k.isComponent() ? "kustomize.config.k8s.io/v1alpha1" : "kustomize.config.k8s.io/v1beta1";
  if (k.apiVersion != required) {
    errs.push_back("apiVersion for " + k.kind + " should be " + required);
  }
  if (!errs.empty()) {
    std::string msg = "Failed to read kustomization file under " + std::string(root) + ":\n";
    for (std::size_t i = 0; i < errs.size(); ++i)
      msg += (i > 0 ? "\n" : "") + errs[i];
    throw KustomizeError(msg);
  }
  return k;
}

}  // namespace driftless::kustomize
