#include "driftless/k8s/patch_schemas.h"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "driftless/core/json.h"
#include "driftless/k8s/embedded.h"

namespace driftless::k8s {

namespace {

constexpr std::string_view kDir = "openapi-v3/";

std::mutex& mutex() {
  static std::mutex m;
  return m;
}

// The parsed embedded document `file` (null when absent). Caller holds the mutex.
const std::shared_ptr<const core::Value>& document(const std::string& file) {
  static std::map<std::string, std::shared_ptr<const core::Value>, std::less<>> documents;
  auto& doc = documents[file];
  if (!doc) {
    std::string_view text = embeddedFile(file);
    doc = std::make_shared<const core::Value>(text.empty() ? core::Value()
                                                           : core::parseJson(text, file));
  }
  return doc;
}

bool hasSchema(const core::Value& doc, std::string_view name) {
  const core::Value* schemas = doc.find(core::Path{"components", "schemas"});
  return schemas != nullptr && schemas->find(name) != nullptr;
}

// The documents to search for `name`, likeliest first: "io.k8s.api.<group>.<version>.<Type>"
// lives in the document of that group version; everything else (apimachinery types) is in the
// core one. Documents hold only the schemas their resources reach, so all others follow.
std::vector<std::string> candidateFiles(std::string_view name) {
  std::vector<std::string> out;
  constexpr std::string_view kApi = "io.k8s.api.";
  if (name.starts_with(kApi)) {
    std::string_view rest = name.substr(kApi.size());
    std::size_t dot = rest.find('.');
    std::size_t dot2 = dot == std::string_view::npos ? dot : rest.find('.', dot + 1);
    if (dot2 != std::string_view::npos) {
      std::string group(rest.substr(0, dot));
      std::string version(rest.substr(dot + 1, dot2 - dot - 1));
      if (group == "core") out.push_back(std::string(kDir) + "api__" + version + ".json");
      for (const auto& f : embeddedFiles()) {
        std::string_view n = f.name;
        std::string prefix = std::string(kDir) + "apis__" + group;
        if (n.starts_with(prefix) && n.ends_with("__" + version + ".json") &&
            (n[prefix.size()] == '_' || n[prefix.size()] == '.')) {
          out.emplace_back(n);
        }
      }
    }
  } else {
    out.push_back(std::string(kDir) + "api__v1.json");
  }
  for (const auto& f : embeddedFiles()) {
    if (f.name.starts_with(kDir)) out.emplace_back(f.name);
  }
  return out;
}

}  // namespace

kube::PatchSchema builtinPatchSchema(std::string_view group, std::string_view version,
                                     std::string_view kind) {
  static std::map<std::string, kube::PatchSchema, std::less<>> schemas;
  std::string key;
  key.append(group).append("/").append(version).append("/").append(kind);
  std::lock_guard lock(mutex());
  if (auto it = schemas.find(key); it != schemas.end()) return it->second;
  const std::string file =
      std::string(kDir) +
      (group.empty() ? "api__" + std::string(version)
                     : "apis__" + std::string(group) + "__" + std::string(version)) +
      ".json";
  const auto& doc = document(file);
  kube::PatchSchema schema = kube::PatchSchema::unknown();
  if (!doc->isNull()) {
    if (auto name = kube::findOpenApiSchemaName(*doc, group, version, kind)) {
      schema = kube::PatchSchema::fromOpenApiV3(doc, *name);
    }
  }
  schemas.emplace(std::move(key), schema);
  return schema;
}

kube::PatchSchema builtinPatchSchemaNamed(std::string_view schemaName) {
  static std::map<std::string, kube::PatchSchema, std::less<>> schemas;
  std::lock_guard lock(mutex());
  if (auto it = schemas.find(schemaName); it != schemas.end()) return it->second;
  kube::PatchSchema schema = kube::PatchSchema::unknown();
  for (const auto& file : candidateFiles(schemaName)) {
    const auto& doc = document(file);
    if (!doc->isNull() && hasSchema(*doc, schemaName)) {
      schema = kube::PatchSchema::fromOpenApiV3(doc, schemaName);
      break;
    }
  }
  schemas.emplace(std::string(schemaName), schema);
  return schema;
}

}  // namespace driftless::k8s
