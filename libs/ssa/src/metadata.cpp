#include "driftless/ssa/metadata.h"

#include <cctype>
#include <optional>
#include <string_view>

#include "driftless/core/base64.h"
#include "driftless/core/error.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/field_set.h"

namespace driftless::ssa {
namespace {

using core::Value;

bool equalFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool matchesIn(const Value& map, const std::string& key, const std::string& value) {
  const Value* v = map.find(key);
  return v != nullptr && v->isString() && !v->asString().empty() && equalFold(v->asString(), value);
}

// RFC 6901: `~` -> `~0`, `/` -> `~1`.
std::string pointerToken(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

bool matchesManager(const Value& entry, const FieldManager& manager) {
  if (entry["operation"].stringOr() != manager.operation ||
      !entry["subresource"].stringOr().empty()) {
    return false;
  }
  std::string name = entry["manager"].stringOr();
  return manager.exactMatch ? name == manager.name : name.starts_with(manager.name);
}

void removeKeys(const Value& live, std::string_view section, const std::vector<std::string>& keys,
                Value& patch) {
  const Value& map = live["metadata"][section];
  for (const auto& key : keys) {
    if (map.find(key) == nullptr) continue;
    patch.push_back(core::Object{
        {"op", "remove"}, {"path", "/metadata/" + std::string(section) + "/" + pointerToken(key)}});
  }
}

Value mergeFields(const Value& a, const Value& b) {
  if (!a.isObject()) return b;
  if (!b.isObject()) return a;
  return kube::FieldSet::fromFieldsV1(a).unionWith(kube::FieldSet::fromFieldsV1(b)).toFieldsV1();
}

// ssa/patch.go PatchReplaceFieldsManagers: the matching entries merge into (or, when there is
// none, become) our Apply entry, which moves to the end.
std::optional<Value> replacedManagers(const Value& live, const std::vector<FieldManager>& managers,
                                      const std::string& name) {
  const Value& entries = live["metadata"]["managedFields"];
  if (!entries.isArray() || managers.empty()) return std::nullopt;
  std::optional<Value> ours;
  for (const auto& e : entries.asArray()) {
    if (e["manager"].stringOr() == name && e["operation"].stringOr() == "Apply") ours = e;
  }
  const std::optional<Value> original = ours;
  Value kept = Value::array();
  bool edited = false;
  for (const auto& e : entries.asArray()) {
    if (original && e == *original) continue;
    bool matched = false;
    for (const auto& m : managers)
      matched = matched || matchesManager(e, m);
    if (!matched) {
      kept.push_back(e);
      continue;
    }
    edited = true;
    if (!ours) {
      ours = e;
      (*ours)["manager"] = name;
      (*ours)["operation"] = "Apply";
    } else {
      (*ours)["fieldsV1"] = mergeFields((*ours)["fieldsV1"], e["fieldsV1"]);
    }
  }
  if (!edited) return std::nullopt;
  kept.push_back(*ours);
  return kept;
}

void defaultPortProtocols(Value* ports) {
  if (ports == nullptr || !ports->isArray()) return;
  for (auto& port : ports->asArray()) {
    if (port.isObject() && port["protocol"].stringOr().empty()) port["protocol"] = "TCP";
  }
}

void normalizePodSpec(Value* spec) {
  if (spec == nullptr) return;
  Value* containers = spec->find("containers");
  if (containers == nullptr || !containers->isArray()) return;
  for (auto& c : containers->asArray())
    defaultPortProtocols(c.find("ports"));
}

void normalizeSecret(Value& object) {
  Value* stringData = object.find("stringData");
  if (stringData == nullptr) return;
  if (stringData->isObject() && !stringData->asObject().empty()) {
    Value& data = object["data"];
    for (const auto& m : stringData->asObject())
      data[m.key] = core::base64Encode(m.value.stringOr());
  }
  object.asObject().erase("stringData");
}

}  // namespace

bool anyInMetadata(const core::Value& object, const Selector& selector) {
  const Value& labels = object["metadata"]["labels"];
  const Value& annotations = object["metadata"]["annotations"];
  for (const auto& [key, value] : selector) {
    if (matchesIn(labels, key, value) || matchesIn(annotations, key, value)) return true;
  }
  return false;
}

core::Value cleanupPatch(const core::Value& live, const CleanupOptions& options,
                         const std::string& fieldManager) {
  Value patch = Value::array();
  removeKeys(live, "annotations", options.annotations, patch);
  removeKeys(live, "labels", options.labels, patch);
  if (auto managed = replacedManagers(live, options.fieldManagers, fieldManager)) {
    patch.push_back(core::Object{
        {"op", "replace"}, {"path", "/metadata/managedFields"}, {"value", std::move(*managed)}});
  }
  return patch;
}

bool isImmutableError(const std::exception& error) noexcept {
  if (kube::isConflict(error) || kube::isInvalid(error)) return true;
  std::string_view message = error.what();
  return message.find("is immutable") != std::string_view::npos ||
         message.find("immutable field") != std::string_view::npos;
}

void normalizeObject(core::Value& object) {
  if (!object.isObject()) return;
  std::string apiVersion = object["apiVersion"].stringOr();
  std::string kind = object["kind"].stringOr();
  bool crd = kind == "CustomResourceDefinition" && apiVersion.starts_with("apiextensions.k8s.io/");
  if (!crd) object.asObject().erase("status");
  if (apiVersion == "v1" && kind == "Secret") normalizeSecret(object);
  if (apiVersion == "v1" && kind == "Service") {
    defaultPortProtocols(object.find(core::Path{"spec", "ports"}));
  }
  if (apiVersion == "v1" && kind == "Pod") normalizePodSpec(object.find("spec"));
  bool workload = (apiVersion == "apps/v1" && (kind == "Deployment" || kind == "StatefulSet" ||
                                               kind == "DaemonSet" || kind == "ReplicaSet")) ||
                  (apiVersion == "batch/v1" && kind == "Job");
  if (workload) normalizePodSpec(object.find(core::Path{"spec", "template", "spec"}));
  if (apiVersion == "batch/v1" && kind == "CronJob") {
    normalizePodSpec(object.find(core::Path{"spec", "jobTemplate", "spec", "template", "spec"}));
  }
}

}  // namespace driftless::ssa
