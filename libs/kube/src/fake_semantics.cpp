#include "fake_semantics.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <utility>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/random.h"
#include "driftless/core/time.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/patch.h"
#include "driftless/kube/server_side_apply.h"
#include "driftless/kube/strategic_merge.h"

namespace driftless::kube::fake {

namespace {

// What the server calls a manager that names none: the client's User-Agent up to '/'.
constexpr const char* kDefaultManager = "driftless";

constexpr const char* kModified =
    "the object has been modified; please apply your changes to the latest version and try again";

std::string now() {
  return core::formatRfc3339(std::chrono::system_clock::now());
}

std::string newUid() {
  return core::newUuidV4();
}

// generateName's suffix: five characters of Kubernetes' alphabet (no vowels, no 0/1/3).
std::string randomSuffix() {
  return core::randomString("bcdfghjklmnpqrstvwxz2456789", 5);
}

// RFC 1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253 characters.
bool isDnsSubdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

bool isKind(const FakeKind& kind, std::string_view group, std::string_view resource) {
  return kind.mapping.gvr.group == group && kind.mapping.gvr.resource == resource;
}

// Everything outside metadata (and outside status with a status subresource) counts for
// metadata.generation.
bool specChanged(const core::Value& a, const core::Value& b, bool statusSubresource) {
  std::vector<std::string> keys;
  for (const auto* v : {&a, &b}) {
    if (!v->isObject()) continue;
    for (const auto& m : v->asObject()) {
      if (m.key == "metadata" || m.key == "apiVersion" || m.key == "kind") continue;
      if (statusSubresource && m.key == "status") continue;
      if (std::find(keys.begin(), keys.end(), m.key) == keys.end()) keys.push_back(m.key);
    }
  }
  return std::any_of(keys.begin(), keys.end(), [&](const std::string& k) { return a[k] != b[k]; });
}

std::optional<std::string> fieldOf(const core::Value& obj, std::string_view field) {
  const core::Value* cur = &obj;
  std::size_t i = 0;
  while (i <= field.size()) {
    std::size_t dot = field.find('.', i);
    if (dot == std::string_view::npos) dot = field.size();
    cur = cur->find(field.substr(i, dot - i));
    if (cur == nullptr) return std::nullopt;
    i = dot + 1;
  }
  if (cur->isString()) return cur->asString();
  if (cur->isBool()) return cur->asBool() ? "true" : "false";
  if (cur->isNumber()) return core::toJson(*cur);
  return std::nullopt;
}

// The fields the server can select on for a resource (its field label conversion functions).
bool fieldSupported(const FakeKind& kind, const std::string& f) {
  if (f == "metadata.name" || f == "metadata.namespace") return true;
  const std::string& r = kind.mapping.gvr.resource;
  if (r == "events") {
    return f.starts_with("involvedObject.") || f == "reason" || f == "type" || f == "source" ||
           f == "reportingComponent" || f == "regarding.kind" || f == "regarding.name" ||
           f == "regarding.namespace";
  }
  if (r == "secrets") return f == "type";
  if (r == "pods") return f == "spec.nodeName" || f == "status.phase";
  if (r == "namespaces") return f == "status.phase";
  return false;
}

// The defaults the server sets on some built-in kinds.
void defaultBuiltin(const FakeKind& kind, core::Value& obj, const std::string& name) {
  if (isKind(kind, "", "namespaces")) {
    core::Value& labels = obj["metadata"]["labels"];
    if (labels.isNull()) labels = core::Object{};
    labels["kubernetes.io/metadata.name"] = name;
    obj["spec"] = core::Object{{"finalizers", core::Array{"kubernetes"}}};
    obj["status"] = core::Object{{"phase", "Active"}};
  }
  if (isKind(kind, "", "secrets") && std::as_const(obj)["type"].isNull()) obj["type"] = "Opaque";
}

// Finalizers cannot be added once deletion started.
void checkNoNewFinalizers(const FakeKind& kind, const core::Value& before, const core::Value& after,
                          const std::string& name) {
  const core::Value& had = before["finalizers"];
  const core::Value& now = after["finalizers"];
  if (!now.isArray()) return;
  for (const auto& f : now.asArray()) {
    if (had.isArray() &&
        std::find(had.asArray().begin(), had.asArray().end(), f) != had.asArray().end()) {
      continue;
    }
    throw invalid(kind.mapping.gvk.kind, kind.mapping.gvk.group, name,
                  {{.field = "metadata.finalizers",
                    .type = "FieldValueForbidden",
                    .message = "Forbidden: no new finalizers can be added if the object is being "
                               "deleted, found new finalizers " +
                               core::toJson(core::Array{f})}});
  }
}

}  // namespace

bool hasStatusSubresource(const FakeKind& kind) {
  const auto& subs = kind.mapping.subresources;
  return std::find(subs.begin(), subs.end(), "status") != subs.end();
}

bool hasFinalizers(const core::Value& object) {
  const core::Value& f = object["metadata"]["finalizers"];
  return f.isArray() && !f.asArray().empty();
}

bool isDeleting(const core::Value& object) {
  return !object["metadata"]["deletionTimestamp"].isNull();
}

std::string stringAt(const core::Value& value, std::string_view key) {
  const core::Value& v = value[key];
  return v.isString() ? v.asString() : std::string();
}

core::Value inRequestVersion(const FakeKind& kind, const core::Value& object) {
  const std::string apiVersion = kind.mapping.gvk.apiVersion();
  if (!object.isObject() || stringAt(object, "apiVersion") == apiVersion) return object;
  core::Value copy = object;
  copy["apiVersion"] = apiVersion;
  return copy;
}

core::Value prepareCreate(const FakeKind& kind, core::Value obj) {
  const GroupVersionKind& gvk = kind.mapping.gvk;
  if (!obj.isObject()) throw badRequest("the body of the request must be a JSON object");
  core::Value& meta = obj["metadata"];
  if (meta.isNull()) meta = core::Object{};
  if (!meta.isObject()) throw badRequest("metadata must be an object");
  std::string name = stringAt(meta, "name");
  if (name.empty() && !stringAt(meta, "generateName").empty()) {
    name = stringAt(meta, "generateName") + randomSuffix();
    meta["name"] = name;
  }
  if (name.empty()) {
    throw invalid(gvk.kind, gvk.group, "",
                  {{.field = "metadata.name",
                    .type = "FieldValueRequired",
                    .message = "name or generateName is required"}});
  }
  if (!isDnsSubdomain(name)) {
    throw invalid(gvk.kind, gvk.group, name,
                  {{.field = "metadata.name",
                    .type = "FieldValueInvalid",
                    .message = "Invalid value: \"" + name +
                               "\": a lowercase RFC 1123 subdomain must consist of lower case "
                               "alphanumeric characters, '-' or '.', and must start and end with "
                               "an alphanumeric character"}});
  }
  if (kind.mapping.namespaced && stringAt(meta, "namespace").empty()) {
    throw badRequest("the namespace of the object is required");
  }
  if (!kind.mapping.namespaced) meta.asObject().erase("namespace");
  if (!stringAt(meta, "resourceVersion").empty()) {
    throw badRequest("resourceVersion should not be set on objects to be created");
  }
  for (const char* k : {"resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"})
    meta.asObject().erase(k);
  meta["uid"] = newUid();
  meta["creationTimestamp"] = now();
  if (kind.tracksGeneration) {
    meta["generation"] = 1;
  } else {
    meta.asObject().erase("generation");
  }
  if (kind.custom && hasStatusSubresource(kind)) obj.asObject().erase("status");
  defaultBuiltin(kind, obj, name);  // (may move `meta`)
  return obj;
}

core::Value prepareUpdate(const FakeKind& kind, const core::Value& current, core::Value obj,
                          bool requireResourceVersion, const std::string& subresource) {
  const GroupVersionKind& gvk = kind.mapping.gvk;
  if (!obj.isObject()) throw badRequest("the body of the request must be a JSON object");
  if (obj["apiVersion"].isNull()) obj["apiVersion"] = gvk.apiVersion();
  if (obj["kind"].isNull()) obj["kind"] = gvk.kind;
  core::Value& meta = obj["metadata"];
  if (meta.isNull()) meta = core::Object{};
  const core::Value& cur = current["metadata"];
  const std::string name = stringAt(cur, "name");
  if (const std::string rv = stringAt(meta, "resourceVersion"); !rv.empty()) {
    if (rv != stringAt(cur, "resourceVersion")) {
      throw conflict(kind.mapping.gvr.resource, gvk.group, name, kModified);
    }
  } else if (requireResourceVersion && kind.custom) {
    throw invalid(gvk.kind, gvk.group, name,
                  {{.field = "metadata.resourceVersion",
                    .type = "FieldValueInvalid",
                    .message = "Invalid value: 0x0: must be specified for an update"}});
  }
  for (const char* k : {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                        "deletionGracePeriodSeconds", "generation", "resourceVersion"}) {
    if (const core::Value* v = cur.find(k)) {
      meta[k] = *v;
    } else {
      meta.asObject().erase(k);
    }
  }
  const bool statusSub = hasStatusSubresource(kind);
  if (subresource == "status") {
    core::Value merged = current;  // only status changes through /status
    if (const core::Value* s = obj.find("status")) {
      merged["status"] = *s;
    } else {
      merged.asObject().erase("status");
    }
    return merged;
  }
  if (statusSub) {
    if (const core::Value* s = current.find("status")) {
      obj["status"] = *s;
    } else {
      obj.asObject().erase("status");
    }
  }
  core::Value& meta2 = obj["metadata"];  // `meta` may have moved with the status change
  if (kind.tracksGeneration) {
    std::int64_t generation = cur["generation"].isInt() ? cur["generation"].asInt() : 1;
    if (specChanged(current, obj, statusSub)) ++generation;
    meta2["generation"] = generation;
  }
  if (isDeleting(current)) checkNoNewFinalizers(kind, cur, meta2, name);
  return obj;
}

void recordUpdate(const FakeKind& kind, const std::string& subresource, const core::Value& old,
                  core::Value& object, const std::string& manager) {
  core::Value fields =
      updateManagedFields(old, object, kind.schema, manager.empty() ? kDefaultManager : manager,
                          kind.mapping.gvk.apiVersion(), now(), subresource,
                          subresource.empty() && hasStatusSubresource(kind));
  if (fields.isArray() && fields.asArray().empty()) {
    object["metadata"].asObject().erase("managedFields");
  } else {
    object["metadata"]["managedFields"] = std::move(fields);
  }
}

core::Value applyPatch(const FakeKind& kind, PatchType type, const core::Value& current,
                       const core::Value& body, const std::string& name) {
  // The server treats metadata.resourceVersion inside a patch as a precondition.
  const core::Value& rv = body["metadata"]["resourceVersion"];
  if (rv.isString() && rv != current["metadata"]["resourceVersion"]) {
    throw conflict(kind.mapping.gvr.resource, kind.mapping.gvk.group, name, kModified);
  }
  try {
    switch (type) {
      case PatchType::Merge:
        return applyMergePatch(current, body);
      case PatchType::Json:
        return applyJsonPatch(current, body);
      case PatchType::Strategic:
        if (kind.custom) {
          throw unsupportedMediaType(
              "the body of the request was in an unknown format - accepted media types include: "
              "application/json-patch+json, application/merge-patch+json, "
              "application/apply-patch+yaml");
        }
        return applyStrategicMergePatch(current, body, kind.schema);
    }
  } catch (const ApiError&) {
    throw;
  } catch (const MalformedPatchError& e) {
    throw badRequest(e.what());
  } catch (const core::Error& e) {
    throw ApiError(422, "Invalid", e.what());
  }
  throw badRequest("unknown patch type");
}

core::Value applyConfiguration(const FakeKind& kind, const core::Value& live,
                               const core::Value& config, const ServerSideApplyOptions& options) {
  if (options.fieldManager.empty()) {
    throw invalid("PatchOptions", "meta.k8s.io", "",
                  {{.field = "fieldManager",
                    .type = "FieldValueRequired",
                    .message = "Required value: is required for apply patch"}});
  }
  if (!config.isObject()) throw badRequest("the apply configuration must be an object");
  ApplyOptions apply;
  apply.manager = options.fieldManager;
  apply.force = options.force;
  apply.apiVersion = kind.mapping.gvk.apiVersion();
  apply.now = now();
  apply.subresource = options.subresource;
  apply.ignoreStatus = options.subresource.empty() && hasStatusSubresource(kind);
  try {
    return serverSideApply(live, config, kind.schema, apply);
  } catch (const ApplyConflictError& e) {
    std::vector<StatusCause> causes;
    for (const auto& c : e.conflicts()) {
      causes.push_back({.field = c.path, .type = "FieldManagerConflict", .message = c.message});
    }
    ApiError error(409, "Conflict", e.what(), std::move(causes));
    error.withDetails({stringAt(config["metadata"], "name"), kind.mapping.gvk.group,
                       kind.mapping.gvr.resource, ""});
    throw error;
  } catch (const ApplyError& e) {
    throw badRequest(e.what());
  }
}

void checkPreconditions(const FakeKind& kind, const core::Value& current,
                        const DeleteOptions& options) {
  const core::Value& meta = current["metadata"];
  const std::pair<const char*, const std::string*> checks[] = {
      {"uid", &options.preconditionUid}, {"resourceVersion", &options.preconditionResourceVersion}};
  for (const auto& [field, want] : checks) {
    if (want->empty() || *want == stringAt(meta, field)) continue;
    std::string label = std::string_view(field) == "uid" ? "UID" : "ResourceVersion";
    ApiError e(409, "Conflict",
               "Precondition failed: " + label + " in precondition: " + *want + ", " + label +
                   " in object meta: " + stringAt(meta, field));
    e.withDetails({stringAt(meta, "name"), kind.mapping.gvk.group, kind.mapping.gvr.resource, ""});
    throw e;
  }
}

core::Value markDeleting(const FakeKind& kind, core::Value current) {
  core::Value& meta = current["metadata"];
  meta["deletionTimestamp"] = now();
  meta["deletionGracePeriodSeconds"] = 0;
  if (kind.tracksGeneration && std::as_const(meta)["generation"].isInt()) {
    meta["generation"] = std::as_const(meta)["generation"].asInt() + 1;
  }
  return current;
}

Selectors::Selectors(const FakeKind& kind, const std::string& labelSelector,
                     const std::string& fieldSelector) {
  try {
    labels_ = LabelSelector::parse(labelSelector);
    fields_ = FieldSelector::parse(fieldSelector);
  } catch (const core::Error& e) {
    throw badRequest(e.what());
  }
  for (const auto& f : fields_.fields()) {
    if (!fieldSupported(kind, f)) throw badRequest("field label not supported: " + f);
  }
}

bool Selectors::matches(const core::Value& object) const {
  if (!labels_.empty() && !labels_.matches(object["metadata"]["labels"])) return false;
  if (fields_.empty()) return true;
  return fields_.matches([&](std::string_view f) { return fieldOf(object, f); });
}

ApiError subresourceNotFound() {
  return ApiError(404, "NotFound", "the server could not find the requested resource");
}

ApiError objectNotFound(const FakeKind& kind, const std::string& name) {
  return notFound(kind.mapping.gvr.resource, kind.mapping.gvk.group, name);
}

}  // namespace driftless::kube::fake
