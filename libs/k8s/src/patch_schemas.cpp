#include "driftless/k8s/patch_schemas.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "driftless/core/json.h"
#include "driftless/k8s/embedded.h"

namespace driftless::k8s {

kube::PatchSchema builtinPatchSchema(std::string_view group, std::string_view version,
                                     std::string_view kind) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const core::Value>> documents;
  static std::map<std::string, kube::PatchSchema, std::less<>> schemas;
  std::string key;
  key.append(group).append("/").append(version).append("/").append(kind);
  std::lock_guard lock(mutex);
  if (auto it = schemas.find(key); it != schemas.end()) return it->second;
  const std::string file =
      "openapi-v3/" +
      (group.empty() ? "api__" + std::string(version)
                     : "apis__" + std::string(group) + "__" + std::string(version)) +
      ".json";
  auto& doc = documents[file];
  if (!doc) {
    std::string_view text = embeddedFile(file);
    doc = std::make_shared<const core::Value>(text.empty() ? core::Value()
                                                           : core::parseJson(text, file));
  }
  kube::PatchSchema schema = kube::PatchSchema::unknown();
  if (!doc->isNull()) {
    if (auto name = kube::findOpenApiSchemaName(*doc, std::string(group), std::string(version),
                                                std::string(kind))) {
      schema = kube::PatchSchema::fromOpenApiV3(doc, *name);
    }
  }
  schemas.emplace(std::move(key), schema);
  return schema;
}

}  // namespace driftless::k8s
