#include "driftless/kustomize/patches.h"

#include <algorithm>

#include "driftless/core/json.h"
#include "driftless/core/yaml.h"
#include "driftless/kube/patch.h"
#include "driftless/kube/strategic_merge.h"
#include "driftless/kustomize/error.h"
#include "driftless/kustomize/openapi.h"

namespace driftless::kustomize {

namespace {

using core::Value;

std::string trimSpace(std::string_view s) {
  const char* ws = " \t\n\r\v\f";
  std::size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

// Strategic merge patches parsed from text; nullopt when the text is not one (a scalar, a
// list, or not YAML).
std::optional<std::vector<ResourcePtr>> smPatchesFromText(std::string_view text) {
  try {
    auto docs = core::parseYamlStream(text, {.schema = core::YamlSchema::Core});
    for (const auto& d : docs) {
      if (!d.isObject() && !d.isNull()) return std::nullopt;
    }
    return resourcesFromBytes(text);
  } catch (const core::Error&) {
    return std::nullopt;
  }
}

std::optional<Value> jsonPatchFromText(std::string_view text) {
  if (text.empty()) return std::nullopt;
  try {
    Value ops = text.front() == '['
                    ? core::parseJson(text)
                    : core::parseYaml(text, {.schema = core::YamlSchema::Kubernetes});
    // YAML without content (comments, blank lines) converts to JSON `null`, which decodes as an
    // empty patch upstream.
    if (ops.isNull()) return Value(core::Array{});
    if (!ops.isArray()) return std::nullopt;
    for (const auto& op : ops.asArray()) {
      if (!op.isObject()) return std::nullopt;
    }
    return ops;
  } catch (const core::Error&) {
    return std::nullopt;
  }
}

void applyToSelected(ResMap& m, const std::vector<ResourcePtr>& selected, const Resource& patch,
                     const OpenApi& schemas) {
  for (const auto& res : selected) {
    Resource copy = patch;
    copy.setGvk(res->gvk());
    copy.setKind(patch.kind());
    applySmPatch(*res, copy, schemas);
  }
  m.retain([](const Resource& r) { return !r.isNilOrEmpty(); });
}

bool isInternalAnnotation(std::string_view key) {
  return key.starts_with(kAnnoPrefix) || key == "config.kubernetes.io/path" ||
         key == "config.kubernetes.io/index" || key == "config.k8s.io/id";
}

// A JSON patch keeps the resource's internal annotations (PatchJson6902Transformer restores
// them after the patch, so replacing metadata.annotations does not lose build state) and, as
// kyaml's SetAnnotations, leaves no empty annotations map.
void applyJsonPatchTo(Resource& res, const Value& ops) {
  std::vector<std::pair<std::string, std::string>> internal;
  if (res.annotations().isObject()) {
    for (const auto& member : res.annotations().asObject()) {
      if (isInternalAnnotation(member.key)) {
        internal.emplace_back(member.key, scalarString(member.value));
      }
    }
  }
  try {
    res.obj() = kube::applyJsonPatch(res.obj(), ops);
  } catch (const core::Error& e) {
    throw KustomizeError(e.what());
  }
  for (const auto& [key, value] : internal)
    res.setAnnotation(key, value);
  if (res.annotations().isObject() && res.annotations().asObject().empty()) {
    res.obj()["metadata"].asObject().erase("annotations");
  }
}

}  // namespace

void applySmPatch(Resource& target, const Resource& patch, const OpenApi& schemas) {
  const std::string name = target.name();
  const std::string ns = target.ns();
  const std::string kind = target.kind();
  const bool nameChange = patch.isEnabled(kAnnoAllowNameChange);
  const bool kindChange = patch.isEnabled(kAnnoAllowKindChange);
  if (nameChange || kindChange) target.storePreviousId();
  Value p = patch.obj();
  if (Value* md = p.find("metadata"); md != nullptr && md->isObject()) {
    if (Value* a = md->find("annotations"); a != nullptr && a->isObject()) {
      a->asObject().erase(kAnnoAllowNameChange);
      a->asObject().erase(kAnnoAllowKindChange);
      if (a->asObject().empty()) md->asObject().erase("annotations");
    }
  }
  const kube::PatchSchema schema = schemas.schemaFor(target.gvk());
  try {
    target.obj() = kube::applyStrategicMergePatch(target.obj(), p, schema);
  } catch (const core::Error& e) {
    throw KustomizeError(e.what());
  }
  if (target.isNilOrEmpty()) {
    target.obj() = Value();
    return;
  }
  if (!kindChange) target.setKind(kind);
  if (!nameChange) target.setName(name);
  target.setNamespace(ns);
}

void applyPatchesStrategicMerge(ResMap& m, const Loader& ldr, const OpenApi& schemas,
                                const std::vector<std::string>& entries) {
  std::vector<ResourcePtr> patches;
  for (const auto& entry : entries) {
    auto inline_ = smPatchesFromText(entry);
    if (inline_ && !inline_->empty()) {
      patches.insert(patches.end(), inline_->begin(), inline_->end());
      continue;
    }
    auto loaded = resourcesFromBytes(ldr.load(entry));
    patches.insert(patches.end(), loaded.begin(), loaded.end());
  }
  if (patches.empty()) {
    std::string files;
    for (std::size_t i = 0; i < entries.size(); ++i)
      files += (i > 0 ? " " : "") + entries[i];
    throw KustomizeError("patch appears to be empty; files=[" + files + "], Patch=");
  }
  for (const auto& patch : patches) {
    ResourcePtr target = m.byId(patch->orgId());
    applyToSelected(m, {target}, *patch, schemas);
  }
}

void applyPatch(ResMap& m, const Loader& ldr, const OpenApi& schemas, const Patch& patch) {
  const std::string inlineText = trimSpace(patch.patch);
  if (inlineText.empty() && patch.path.empty()) {
    throw KustomizeError("must specify one of patch and path");
  }
  if (!inlineText.empty() && !patch.path.empty()) {
    throw KustomizeError("patch and path can't be set at the same time");
  }
  std::string text;
  std::string source;
  if (!inlineText.empty()) {
    text = inlineText;
    source = "[patch: " + core::toJson(Value(text)) + "]";
  } else {
    try {
      text = ldr.load(patch.path);
    } catch (const KustomizeError& e) {
      throw KustomizeError("failed to get the patch file from path(" + patch.path +
                           "): " + e.what());
    }
    source = "[path: \"" + patch.path + "\"]";
  }
  auto sm = smPatchesFromText(text);
  auto json = jsonPatchFromText(text);
  if (sm && json)
    throw KustomizeError("illegally qualifies as both an SM and JSON patch: " + source);
  if (!sm && !json) throw KustomizeError("unable to parse SM or JSON patch from " + source);
  if (json) {
    if (!patch.target) throw KustomizeError("must specify a target for JSON patch " + source);
    for (const auto& res : m.select(*patch.target)) {
      res->storePreviousId();
      applyJsonPatchTo(*res, *json);
    }
    return;
  }
  for (const auto& p : *sm) {
    if (patch.allowNameChange) p->enable(kAnnoAllowNameChange);
    if (patch.allowKindChange) p->enable(kAnnoAllowKindChange);
  }
  if (patch.target) {
    if (sm->size() > 1) {
      throw KustomizeError(
          "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set "
          "`patches.target` field: " +
          source);
    }
    applyToSelected(m, m.select(*patch.target), *sm->front(), schemas);
    return;
  }
  for (const auto& p : *sm) {
    ResourcePtr target;
    try {
      target = m.byId(p->orgId());
    } catch (const KustomizeError& e) {
      throw KustomizeError("no resource matches strategic merge patch \"" + p->orgId().toString() +
                           "\": " + e.what());
    }
    applySmPatch(*target, *p, schemas);
  }
  m.retain([](const Resource& r) { return !r.isNilOrEmpty(); });
}

void applyPatchJson6902(ResMap& m, const Loader& ldr, const Patch& patch) {
  if (!patch.target) throw KustomizeError("must specify the target field in patchesJson6902");
  std::string text = patch.patch.empty() ? ldr.load(patch.path) : patch.patch;
  auto ops = jsonPatchFromText(trimSpace(text));
  if (!ops) throw KustomizeError("unable to parse JSON patch");
  Selector s = *patch.target;
  for (const auto& res : m.select(s))
    applyJsonPatchTo(*res, *ops);
}

}  // namespace driftless::kustomize
