#include "driftless/kustomize/openapi.h"

#include <algorithm>
#include <optional>

#include "driftless/core/json.h"
#include "driftless/core/yaml.h"
#include "driftless/k8s/patch_schemas.h"
#include "driftless/kustomize/error.h"

namespace driftless::kustomize {

namespace {

// The Kubernetes versions kustomize v5.5.0 has built in (kyaml/openapi/kubernetesapi).
constexpr std::string_view kBuiltinVersions[] = {"v1.21.2"};

const std::string* lookup(const std::vector<std::pair<std::string, std::string>>& field,
                          std::string_view key) {
  for (const auto& [k, v] : field) {
    if (k == key) return &v;
  }
  return nullptr;
}

// kyaml's parse: JSON when the text starts with '{', YAML otherwise.
std::shared_ptr<const core::Value> parseSchemaDocument(const std::string& text) {
  try {
    core::Value doc = !text.empty() && text.front() == '{'
                          ? core::parseJson(text)
                          : core::parseYaml(text, {.schema = core::YamlSchema::Kubernetes});
    return std::make_shared<const core::Value>(std::move(doc));
  } catch (const core::Error& e) {
    throw KustomizeError(std::string("invalid schema file: ") + e.what());
  }
}

}  // namespace

kube::PatchSchema builtinPatchSchema(const Gvk& gvk) {
  return k8s::builtinPatchSchema(gvk.group, gvk.version, gvk.kind);
}

void OpenApi::set(const std::vector<std::pair<std::string, std::string>>& field, const Loader& ldr,
                  bool reset) {
  std::optional<std::string> bytes;
  if (const std::string* path = lookup(field, "path")) bytes = ldr.load(*path);
  const bool schemaIsSet = !version_.empty() || custom_ != nullptr;
  if (schemaIsSet && !reset) return;
  const std::string* version = lookup(field, "version");
  if (bytes) {
    if (version != nullptr) {
      throw KustomizeError("builtin version and custom schema provided, cannot use both");
    }
    custom_ = parseSchemaDocument(*bytes);
    version_ = "custom";
    cache_.clear();
    return;
  }
  version_ = version != nullptr ? *version : "";
  if (version_.empty()) return;
  if (std::find(std::begin(kBuiltinVersions), std::end(kBuiltinVersions), version_) ==
      std::end(kBuiltinVersions)) {
    throw KustomizeError("the specified OpenAPI version is not built in");
  }
  custom_ = nullptr;
  cache_.clear();
}

kube::PatchSchema OpenApi::schemaFor(const Gvk& gvk) const {
  if (custom_ == nullptr) return builtinPatchSchema(gvk);
  const std::string key = gvk.toString();
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  kube::PatchSchema schema;
  if (auto name = kube::findOpenApiV2DefinitionName(*custom_, gvk.group, gvk.version, gvk.kind)) {
    // References the document lacks resolve in the built-in schema, which kyaml loads next to it.
    schema = kube::PatchSchema::fromOpenApiV2(custom_, *name, k8s::builtinPatchSchemaNamed);
  } else {
    schema = builtinPatchSchema(gvk);
  }
  cache_.emplace(key, schema);
  return schema;
}

}  // namespace driftless::kustomize
