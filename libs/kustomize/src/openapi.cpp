#include "driftless/kustomize/openapi.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "driftless/core/json.h"
#include "embedded.h"  // libs/apiserver: the OpenAPI v3 documents compiled into the binary

namespace driftless::kustomize {

kube::PatchSchema builtinPatchSchema(const Gvk& gvk) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const core::Value>> documents;
  static std::map<std::string, kube::PatchSchema> schemas;
  const std::string key = gvk.apiVersion() + "/" + gvk.kind;
  std::lock_guard lock(mutex);
  if (auto it = schemas.find(key); it != schemas.end()) return it->second;
  const std::string file =
      "openapi-v3/" +
      (gvk.group.empty() ? "api__" + gvk.version : "apis__" + gvk.group + "__" + gvk.version) +
      ".json";
  auto& doc = documents[file];
  if (!doc) {
    std::string_view text = apiserver::embeddedFile(file);
    doc = std::make_shared<const core::Value>(text.empty() ? core::Value()
                                                           : core::parseJson(text, file));
  }
  kube::PatchSchema schema = kube::PatchSchema::unknown();
  if (!doc->isNull()) {
    if (auto name = kube::findOpenApiSchemaName(*doc, gvk.group, gvk.version, gvk.kind)) {
      schema = kube::PatchSchema::fromOpenApiV3(doc, *name);
    }
  }
  schemas.emplace(key, schema);
  return schema;
}

}  // namespace driftless::kustomize
