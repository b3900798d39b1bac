#include "driftless/kustomize/target.h"

#include <utility>

#include "driftless/core/yaml.h"
#include "driftless/kustomize/error.h"
#include "driftless/kustomize/generators.h"
#include "driftless/kustomize/patches.h"
#include "driftless/kustomize/plugins.h"
#include "driftless/kustomize/replacements.h"
#include "driftless/kustomize/transformers.h"
#include "driftless/kustomize/vars.h"

namespace driftless::kustomize {

namespace {

[[noreturn]] void rethrowPrefixed(const std::string& prefix, const std::exception& e) {
  throw KustomizeError(prefix + e.what());
}

bool isMalformedYaml(const std::string& msg) {
  return msg.find("MalformedYAMLError") != std::string::npos;
}

// A string-valued `x-kubernetes-*` extension of an OpenAPI property (spec.Extensions.GetString).
const std::string* extension(const core::Value& property, std::string_view key) {
  const core::Value* v = property.find(key);
  return v != nullptr && v->isString() ? &v->asString() : nullptr;
}

std::string joinPath(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& p : path)
    out += (out.empty() ? "" : "/") + p;
  return out;
}

// accumulator.loadCrdIntoConfig: the field specs one OpenAPI type contributes, following $refs.
void loadCrdIntoConfig(TransformerConfig& tc, const Gvk& gvk, const core::Value& types,
                       const std::string& typeName, const std::vector<std::string>& path,
                       int depth) {
  const core::Value* api = types.find(typeName);
  if (api == nullptr || depth > 64) return;
  const core::Value& properties = (*api)["Schema"]["properties"];
  if (!properties.isObject()) return;
  for (const auto& [name, property] : properties.asObject()) {
    std::vector<std::string> p = path;
    p.push_back(name);
    const FieldSpec spec{gvk, joinPath(p), false};
    if (extension(property, "x-kubernetes-annotation") != nullptr) {
      mergeOne(tc.commonAnnotations, spec);
    }
    if (extension(property, "x-kubernetes-label-selector") != nullptr) {
      mergeOne(tc.commonLabels, spec);
    }
    if (extension(property, "x-kubernetes-identity") != nullptr) mergeOne(tc.namePrefix, spec);
    const std::string* version = extension(property, "x-kubernetes-object-ref-api-version");
    const std::string* kind = extension(property, "x-kubernetes-object-ref-kind");
    if (version != nullptr && kind != nullptr) {
      const std::string* nameKey = extension(property, "x-kubernetes-object-ref-name-key");
      std::vector<std::string> refPath = p;
      refPath.push_back(nameKey != nullptr ? *nameKey : "name");
      TransformerConfig ref;
      ref.nameReference.push_back(
          NameBackReferences{Gvk{"", *version, *kind}, {FieldSpec{gvk, joinPath(refPath), false}}});
      tc.merge(ref);
    }
    if (const std::string* r = extension(property, "$ref"); r != nullptr && !r->empty()) {
      loadCrdIntoConfig(tc, gvk, types, *r, p, depth + 1);
    }
  }
}

// accumulator.LoadConfigFromCRDs: the `crds:` files (OpenAPI definitions by type name, JSON or
// YAML); every type with kind, apiVersion and metadata properties is a kind (named after the
// type's last dotted part) whose x-kubernetes-* extensions become field specs.
TransformerConfig loadConfigFromCrds(const Loader& ldr, const std::vector<std::string>& paths) {
  TransformerConfig tc;
  for (const auto& path : paths) {
    const std::string content = ldr.load(path);
    core::Value types;
    try {
      types = core::parseYaml(content);
    } catch (const std::exception& e) {
      throw KustomizeError("unable to parse open API definition from '" + path + "': " + e.what());
    }
    if (!types.isObject()) {
      throw KustomizeError("unable to parse open API definition from '" + path +
                           "': not a map of type names to definitions");
    }
    for (const auto& [name, api] : types.asObject()) {
      const core::Value& props = api["Schema"]["properties"];
      if (!props.isObject() || !props.asObject().contains("kind") ||
          !props.asObject().contains("apiVersion") || !props.asObject().contains("metadata")) {
        continue;
      }
      TransformerConfig one;
      loadCrdIntoConfig(one, Gvk{"", "", name.substr(name.rfind('.') + 1)}, types, name, {}, 0);
      tc.merge(one);
    }
  }
  return tc;
}

}  // namespace

void ResAccumulator::mergeAccumulator(const ResAccumulator& other) {
  resources.appendAll(other.resources);
  config.merge(other.config);
  for (const auto& v : other.vars) {
    for (const auto& mine : vars) {
      if (scalarString(mine["name"]) == scalarString(v["name"])) {
        throw KustomizeError("var '" + scalarString(v["name"]) + "' already encountered");
      }
    }
    vars.push_back(v);
  }
}

KustTarget::KustTarget(Loader ldr) : ldr_(std::move(ldr)) {
  std::string content;
  int matches = 0;
  for (auto name : kKustomizationFileNames) {
    if (!ldr_.isLoadableFile(name)) continue;
    ++matches;
    content = ldr_.load(name);
    fileName_ = std::string(name);
  }
  if (matches == 0) {
    throw KustomizeError(
        "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in "
        "directory '" +
        ldr_.rootString() + "'");
  }
  if (matches > 1) {
    throw KustomizeError("Found multiple kustomization files under: " + ldr_.rootString() + "\n");
  }
  k_ = parseKustomization(content, ldr_.rootString());
}

void KustTarget::accumulateResources(ResAccumulator& ra, const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    std::string errF;
    try {
      std::vector<ResourcePtr> loaded;
      try {
        loaded = resourcesFromBytes(ldr_.load(path));
      } catch (const std::exception& e) {
        rethrowPrefixed("accumulating resources from '" + path + "': ", e);
      }
      if (originPath_) {
        const std::string origin =
            Origin{joinPath(*originPath_, path), {}, {}, {}, {}, {}}.toString();
        for (auto& r : loaded)
          r->setAnnotation(kOriginAnnotation, origin);
      }
      try {
        ra.resources.appendAll(loaded);
      } catch (const std::exception& e) {
        rethrowPrefixed("merging resources from '" + path + "': ", e);
      }
      continue;
    } catch (const KustomizeError& e) {
      errF = e.what();
      if (errF.rfind("merging resources from", 0) == 0) throw;
    }
    std::optional<Loader> child;
    try {
      child.emplace(ldr_.child(path));
    } catch (const KustomizeError& e) {
      if (isMalformedYaml(errF)) throw KustomizeError(errF);
      throw KustomizeError("accumulation err='" + errF + "': " + e.what());
    }
    try {
      accumulateDirectory(ra, *child, path, false);
    } catch (const KustomizeError& e) {
      throw KustomizeError("accumulation err='" + errF + "': " + e.what());
    }
  }
}

void KustTarget::accumulateComponents(ResAccumulator& ra, const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    std::optional<Loader> child;
    try {
      child.emplace(ldr_.child(path));
    } catch (const KustomizeError& e) {
      throw KustomizeError("loader.New \"" + std::string(e.what()) + "\"");
    }
    try {
      accumulateDirectory(ra, *child, path, true);
    } catch (const KustomizeError& e) {
      throw KustomizeError("accumulateDirectory: \"" + std::string(e.what()) + "\"");
    }
  }
}

void KustTarget::accumulateDirectory(ResAccumulator& ra, const Loader& ldr, const std::string& path,
                                     bool isComponent) {
  std::optional<KustTarget> sub;
  try {
    sub.emplace(ldr);
  } catch (const KustomizeError& e) {
    throw KustomizeError("couldn't make target for path '" + ldr.rootString() + "': " + e.what());
  }
  sub->k_.buildMetadata = k_.buildMetadata;
  if (originPath_) sub->originPath_ = joinPath(*originPath_, path);
  sub->openapi_ = openapi_;
  openapi_->set(sub->k_.openapi, ldr, false);
  if (isComponent && !sub->k_.isComponent()) {
    throw KustomizeError("expected kind 'Component' for path '" + ldr.rootString() + "' but got '" +
                         sub->k_.kind + "'");
  }
  if (!isComponent && sub->k_.isComponent()) {
    throw KustomizeError("expected kind != 'Component' for path '" + ldr.rootString() + "'");
  }
  ResAccumulator subRa;
  try {
    subRa = sub->accumulateTarget(isComponent ? std::move(ra) : ResAccumulator{});
  } catch (const KustomizeError& e) {
    throw KustomizeError("recursed accumulation of path '" + ldr.rootString() + "': " + e.what());
  }
  if (isComponent) ra = ResAccumulator{};
  try {
    ra.mergeAccumulator(subRa);
  } catch (const KustomizeError& e) {
    throw KustomizeError("recursed merging from path '" + ldr.rootString() + "': " + e.what());
  }
}

ResAccumulator KustTarget::accumulateTarget(ResAccumulator ra) {
  try {
    accumulateResources(ra, k_.resources);
  } catch (const KustomizeError& e) {
    rethrowPrefixed("accumulating resources: ", e);
  }
  // builtinconfig.MakeTransformerConfig: the configuration files merged together, then into the
  // defaults; then the CRDs' specs (each merge sorts, which decides the duplicates kept).
  TransformerConfig tc = TransformerConfig::defaults();
  if (!k_.configurations.empty()) {
    TransformerConfig files;
    for (const auto& path : k_.configurations) {
      core::Value v = core::parseYaml(ldr_.load(path), {.schema = core::YamlSchema::Kubernetes});
      files.merge(TransformerConfig::fromValue(v));
    }
    tc.merge(files);
  }
  ra.config.merge(tc);
  if (!k_.crds.empty()) {
    TransformerConfig crds;
    try {
      crds = loadConfigFromCrds(ldr_, k_.crds);
    } catch (const KustomizeError& e) {
      std::string list;
      for (const auto& c : k_.crds)
        list += (list.empty() ? "" : " ") + c;
      rethrowPrefixed("loading CRDs [" + list + "]: ", e);
    }
    ra.config.merge(crds);
  }
  runGenerators(ra);
  try {
    accumulateComponents(ra, k_.components);
  } catch (const KustomizeError& e) {
    rethrowPrefixed("accumulating components: ", e);
  }
  runTransformers(ra);
  tagVarTargets(ra.resources, k_.vars);
  ra.mergeVars(k_.vars);
  return ra;
}

void KustTarget::runGenerators(ResAccumulator& ra) {
  ResMap generated;
  auto absorb = [&](const ResourcePtr& r) {
    ResMap one;
    one.append(r);
    if (originPath_) addOriginAnnotation(one, builtinOrigin(r->kind() + "Generator"));
    try {
      ra.resources.absorbAll(one);
    } catch (const KustomizeError& e) {
      rethrowPrefixed("merging from generator: ", e);
    }
  };
  for (const auto& args : k_.configMapGenerator)
    absorb(generateConfigMap(ldr_, args, k_.generatorOptions));
  for (const auto& args : k_.secretGenerator)
    absorb(generateSecret(ldr_, args, k_.generatorOptions));
  runConfiguredPlugins(ra, k_.generators, true);
}

Origin KustTarget::builtinOrigin(std::string_view kind) const {
  Origin o;
  o.configuredIn = joinPath(originPath_.value_or(""), fileName_);
  o.byApiVersion = "builtin";
  o.byKind = std::string(kind);
  return o;
}

void KustTarget::trackTransformer(ResMap& m, std::string_view kind) const {
  if (originPath_) addTransformerAnnotation(m, builtinOrigin(kind));
  m.retain([](const Resource& r) { return !r.isNilOrEmpty(); });
}

void KustTarget::runLabelTransformers(ResMap& m, const TransformerConfig& tc) {
  if (k_.labels.empty() && !k_.hasCommonLabels) return;
  for (const auto& label : k_.labels) {
    FsSlice fss = label.fields;
    mergeAll(fss, tc.labels);
    if (label.includeSelectors) {
      mergeAll(fss, tc.commonLabels);
    } else {
      if (label.includeTemplates) mergeAll(fss, tc.templateLabels);
      mergeOne(fss, FieldSpec{{}, "metadata/labels", true});
    }
    transformLabels(m, label.pairs, fss);
    trackTransformer(m, "LabelTransformer");
  }
  transformLabels(m, k_.commonLabels, tc.commonLabels);
  trackTransformer(m, "LabelTransformer");
}

void KustTarget::runTransformers(ResAccumulator& ra) {
  ResMap& m = ra.resources;
  const TransformerConfig& tc = ra.config;
  if (!k_.patchesStrategicMerge.empty()) {
    applyPatchesStrategicMerge(m, ldr_, *openapi_, k_.patchesStrategicMerge);
    trackTransformer(m, "PatchStrategicMergeTransformer");
  }
  for (const auto& p : k_.patches) {
    applyPatch(m, ldr_, *openapi_, p);
    trackTransformer(m, "PatchTransformer");
  }
  if (!k_.ns.empty()) {
    transformNamespace(m, k_.ns, tc.nameSpace);
    trackTransformer(m, "NamespaceTransformer");
  }
  if (!k_.namePrefix.empty()) {
    transformPrefix(m, k_.namePrefix, tc.namePrefix);
    trackTransformer(m, "PrefixTransformer");
  }
  if (!k_.nameSuffix.empty()) {
    transformSuffix(m, k_.nameSuffix, tc.nameSuffix);
    trackTransformer(m, "SuffixTransformer");
  }
  runLabelTransformers(m, tc);
  if (!k_.commonAnnotations.empty()) {
    transformAnnotations(m, k_.commonAnnotations, tc.commonAnnotations);
    trackTransformer(m, "AnnotationsTransformer");
  }
  for (const auto& p : k_.patchesJson6902) {
    applyPatchJson6902(m, ldr_, p);
    trackTransformer(m, "PatchJson6902Transformer");
  }
  for (const auto& r : k_.replicas) {
    transformReplicas(m, r, tc.replicas);
    trackTransformer(m, "ReplicaCountTransformer");
  }
  for (const auto& img : k_.images) {
    transformImage(m, img, tc.images);
    trackTransformer(m, "ImageTagTransformer");
  }
  if (k_.replacements.isArray() && !k_.replacements.asArray().empty()) {
    applyReplacements(m, ldr_, k_.replacements);
    trackTransformer(m, "ReplacementTransformer");
  }
  runConfiguredPlugins(ra, k_.transformers, false);
}

void KustTarget::runConfiguredPlugins(ResAccumulator& ra, const std::vector<std::string>& entries,
                                      bool generators) {
  if (entries.empty()) return;
  ResAccumulator configs;
  std::vector<std::string> paths;
  for (const auto& entry : entries) {
    std::vector<ResourcePtr> inlined;
    try {
      inlined = resourcesFromBytes(entry);
    } catch (const KustomizeError&) {
      paths.push_back(entry);
      continue;
    }
    for (auto& r : inlined) {
      if (originPath_) {
        r->setAnnotation(kOriginAnnotation,
                         Origin{joinPath(*originPath_, fileName_), {}, {}, {}, {}, {}}.toString());
      }
      configs.resources.append(r);
    }
  }
  accumulateResources(configs, paths);
  for (const auto& config : configs.resources.resources()) {
    const auto origin = originPath_ ? originFromCustomPlugin(*config) : std::nullopt;
    if (generators) {
      try {
        runBuiltinGenerator(*config, ra.resources, ldr_, origin ? &*origin : nullptr);
      } catch (const KustomizeError& e) {
        rethrowPrefixed("merging from generator: ", e);
      }
    } else {
      runBuiltinTransformer(*config, ra.resources, ldr_, *openapi_);
      if (origin) addTransformerAnnotation(ra.resources, *origin);
    }
  }
}

void ResAccumulator::mergeVars(const core::Value& incoming) {
  if (!incoming.isArray()) return;
  for (const auto& v : incoming.asArray()) {
    for (const auto& mine : vars) {
      if (scalarString(mine["name"]) == scalarString(v["name"])) {
        throw KustomizeError("var '" + scalarString(v["name"]) + "' already encountered");
      }
    }
    vars.push_back(v);
  }
}

ResMap KustTarget::makeCustomizedResMap() {
  if (!k_.buildMetadata.empty()) originPath_ = "";
  openapi_->set(k_.openapi, ldr_, true);
  ResAccumulator ra = accumulateTarget(ResAccumulator{});
  addHashSuffixes(ra.resources);
  fixNameReferences(ra.resources, ra.config.nameReference);
  resolveVars(ra.resources, ra.vars, ra.config.varReference);
  ra.resources.retain([](const Resource& r) {
    return r.annotation("config.kubernetes.io/local-config") != "true";
  });
  return std::move(ra.resources);
}

}  // namespace driftless::kustomize
