#include "driftless/kustomize/plugins.h"

#include <algorithm>

#include "driftless/kustomize/error.h"
#include "driftless/kustomize/generators.h"
#include "driftless/kustomize/kustomization.h"
#include "driftless/kustomize/patches.h"
#include "driftless/kustomize/replacements.h"
#include "driftless/kustomize/transformers.h"

namespace driftless::kustomize {

namespace {

using core::Value;

std::string str(const Value& v, std::string_view key) {
  return scalarString(v[key]);
}

std::vector<std::string> strings(const Value& v) {
  std::vector<std::string> out;
  if (!v.isArray()) return out;
  for (const auto& e : v.asArray())
    out.push_back(scalarString(e));
  return out;
}

StringPairs pairs(const Value& v) {
  StringPairs out;
  if (!v.isObject()) return out;
  for (const auto& m : v.asObject())
    out.emplace_back(m.key, scalarString(m.value));
  std::sort(out.begin(), out.end());
  return out;
}

Selector selector(const Value& v) {
  Selector s;
  s.gvk = Gvk{str(v, "group"), str(v, "version"), str(v, "kind")};
  s.name = str(v, "name");
  s.ns = str(v, "namespace");
  s.labelSelector = str(v, "labelSelector");
  s.annotationSelector = str(v, "annotationSelector");
  return s;
}

GeneratorArgs generatorArgs(const Resource& config) {
  const Value& c = config.obj();
  GeneratorArgs g;
  g.name = str(c, "name").empty() ? config.name() : str(c, "name");
  g.ns = str(c, "namespace").empty() ? config.ns() : str(c, "namespace");
  g.behavior = str(c, "behavior");
  g.literals = strings(c["literals"]);
  g.files = strings(c["files"]);
  g.envs = strings(c["envs"]);
  if (!str(c, "env").empty()) g.envs.push_back(str(c, "env"));
  g.type = str(c, "type");
  const Value& o = c["options"];
  g.options.labels = pairs(o["labels"]);
  g.options.annotations = pairs(o["annotations"]);
  g.options.disableNameSuffixHash =
      o["disableNameSuffixHash"].isBool() && o["disableNameSuffixHash"].asBool();
  g.options.immutable = o["immutable"].isBool() && o["immutable"].asBool();
  return g;
}

Patch patchArgs(const Value& c) {
  Patch p;
  p.path = str(c, "path");
  p.patch = str(c, "patch");
  if (c["target"].isObject()) p.target = selector(c["target"]);
  const Value& o = c["options"];
  p.allowNameChange = o["allowNameChange"].isBool() && o["allowNameChange"].asBool();
  p.allowKindChange = o["allowKindChange"].isBool() && o["allowKindChange"].asBool();
  return p;
}

[[noreturn]] void unableToLoad(const Resource& config) {
  throw KustomizeError("unable to load builtin " + config.gvk().toString());
}

}  // namespace

void runBuiltinGenerator(const Resource& config, ResMap& m, const Loader& ldr,
                         const Origin* origin) {
  if (config.gvk().group.empty() && config.gvk().version == "builtin") {
    const std::string kind = config.kind();
    ResMap out;
    if (kind == "ConfigMapGenerator") {
      out.append(generateConfigMap(ldr, generatorArgs(config), {}));
    } else if (kind == "SecretGenerator") {
      out.append(generateSecret(ldr, generatorArgs(config), {}));
    } else if (kind == "IAMPolicyGenerator") {
      // api/filters/iampolicygenerator: a GKE workload-identity ServiceAccount, written as text
      // and parsed (so values are typed as upstream's fmt.Sprintf'd YAML is).
      const Value& c = config.obj();
      const std::string cloud = str(c, "cloud");
      if (cloud != "gke") throw KustomizeError("cloud provider " + cloud + " not supported yet");
      const Value& ks = c["kubernetesService"];
      const Value& sa = c["serviceAccount"];
      std::string yaml =
          "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  annotations:\n"
          "    iam.gke.io/gcp-service-account: " +
          str(sa, "name") + "@" + str(sa, "projectId") +
          ".iam.gserviceaccount.com\n  name: " + str(ks, "name") + "\n";
      if (!str(ks, "namespace").empty()) yaml += "  namespace: " + str(ks, "namespace") + "\n";
      out.appendAll(resourcesFromBytes(yaml));
    } else {
      unableToLoad(config);
    }
    if (origin != nullptr) addOriginAnnotation(out, *origin);
    m.absorbAll(out);
    return;
  }
  throw KustomizeError("failed to load generator: external plugins disabled; unable to load " +
                       config.orgId().toString());
}

void runBuiltinTransformer(const Resource& config, ResMap& m, const Loader& ldr,
                           const OpenApi& schemas) {
  if (!config.gvk().group.empty() || config.gvk().version != "builtin") {
    throw KustomizeError("external plugins disabled; unable to load " + config.orgId().toString());
  }
  const Value& c = config.obj();
  const std::string kind = config.kind();
  const FsSlice specs = fieldSpecsFromValue(c["fieldSpecs"]);
  if (kind == "NamespaceTransformer") {
    transformNamespace(m, config.ns(), specs);
  } else if (kind == "PrefixSuffixTransformer") {
    if (!str(c, "prefix").empty()) transformPrefix(m, str(c, "prefix"), specs);
    if (!str(c, "suffix").empty()) transformSuffix(m, str(c, "suffix"), specs);
  } else if (kind == "PrefixTransformer") {
    transformPrefix(m, str(c, "prefix"), specs);
  } else if (kind == "SuffixTransformer") {
    transformSuffix(m, str(c, "suffix"), specs);
  } else if (kind == "LabelTransformer") {
    transformLabels(m, pairs(c["labels"]), specs);
  } else if (kind == "AnnotationsTransformer") {
    transformAnnotations(m, pairs(c["annotations"]), specs);
  } else if (kind == "ImageTagTransformer") {
    const Value& t = c["imageTag"];
    transformImage(m,
                   Image{str(t, "name"), str(t, "newName"), str(t, "tagSuffix"), str(t, "newTag"),
                         str(t, "digest")},
                   specs);
  } else if (kind == "ReplicaCountTransformer") {
    const Value& r = c["replica"];
    transformReplicas(m, Replica{str(r, "name"), r["count"].isInt() ? r["count"].asInt() : 0},
                      specs);
  } else if (kind == "PatchTransformer") {
    applyPatch(m, ldr, schemas, patchArgs(c));
  } else if (kind == "PatchJson6902Transformer") {
    Patch p = patchArgs(c);
    p.patch = str(c, "jsonOp");
    applyPatchJson6902(m, ldr, p);
  } else if (kind == "PatchStrategicMergeTransformer") {
    std::vector<std::string> entries = strings(c["paths"]);
    if (!str(c, "patches").empty()) entries.push_back(str(c, "patches"));
    applyPatchesStrategicMerge(m, ldr, schemas, entries);
  } else if (kind == "ReplacementTransformer") {
    applyReplacements(m, ldr, c["replacements"]);
  } else if (kind == "HashTransformer") {
    addHashSuffixes(m);
  } else {
    unableToLoad(config);
  }
}

}  // namespace driftless::kustomize
