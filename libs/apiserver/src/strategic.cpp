#include "strategic.h"

#include <map>
#include <memory>
#include <mutex>

#include "driftless/core/json.h"
#include "driftless/kube/patch_schema.h"
#include "driftless/kube/strategic_merge.h"
#include "embedded.h"

namespace driftless::apiserver {

namespace {

// The patch schema of a built-in kind, from its group version's OpenAPI document; documents
// and schemas are parsed once and kept (a bounded set: one per built-in kind).
kube::PatchSchema schemaFor(const ResourceInfo& r) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const core::Value>> documents;
  static std::map<std::string, kube::PatchSchema> schemas;
  const std::string key = r.apiVersion() + "/" + r.kind;
  std::lock_guard lock(mutex);
  if (auto it = schemas.find(key); it != schemas.end()) return it->second;
  std::string file =
      "openapi-v3/" +
      (r.group.empty() ? "api__" + r.version : "apis__" + r.group + "__" + r.version) + ".json";
  auto& doc = documents[file];
  if (!doc) {
    std::string_view text = embeddedFile(file);
    doc = std::make_shared<const core::Value>(text.empty() ? core::Value()
                                                           : core::parseJson(text, file));
  }
  kube::PatchSchema schema = kube::PatchSchema::unknown();
  if (auto name = kube::findOpenApiSchemaName(*doc, r.group, r.version, r.kind)) {
    schema = kube::PatchSchema::fromOpenApiV3(doc, *name);
  }
  schemas.emplace(key, schema);
  return schema;
}

}  // namespace

kube::PatchSchema patchSchemaFor(const ResourceInfo& resource) {
  if (resource.custom) {
    return resource.patchSchema ? *resource.patchSchema : kube::PatchSchema::unknown();
  }
  return schemaFor(resource);
}

core::Value applyStrategicPatch(const ResourceInfo& resource, const core::Value& current,
                                const core::Value& patch) {
  return kube::applyStrategicMergePatch(current, patch, schemaFor(resource));
}

}  // namespace driftless::apiserver
