#include "admission.h"

#include <chrono>

#include "api_error.h"
#include "driftless/apiserver/structural_schema.h"
#include "driftless/core/base64.h"
#include "driftless/core/json.h"
#include "driftless/kube/server_side_apply.h"
#include "impl.h"
#include "strategic.h"
#include "table.h"

namespace driftless::apiserver {

namespace {

std::string now() {
  return core::formatRfc3339(std::chrono::system_clock::now());
}

std::string quoteUnknown(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ", ";
    out += "unknown field \"" + fields[i] + "\"";
  }
  return out;
}

// A Secret's stringData is write-only: merged into data (base64, over the same keys) and
// dropped, as the Kubernetes API server's Secret strategy does.
void foldStringData(core::Value& obj) {
  core::Value* stringData = obj.asObject().find("stringData");
  if (stringData == nullptr) return;
  if (stringData->isObject()) {
    for (const auto& m : stringData->asObject()) {
      if (!m.value.isString()) {
        throw badRequest("Secret in version \"v1\" cannot be handled as a Secret: stringData." +
                         m.key + " must be a string");
      }
      obj["data"][m.key] = core::base64Encode(m.value.asString());
    }
  }
  obj.asObject().erase("stringData");
}

}  // namespace

void admitObject(const HttpRequest& req, const ResourceInfo& resource,
                 const std::string& subresource, core::Value& obj,
                 std::vector<std::string>& warnings) {
  if (!resource.custom) {
    if (resource.group.empty() && resource.kind == "Secret") foldStringData(obj);
    return;
  }
  if (!resource.structural) return;
  const StructuralSchema& schema = *resource.structural;
  std::string validation = req.param("fieldValidation");
  if (validation.empty()) validation = "Warn";
  if (validation != "Strict" && validation != "Warn" && validation != "Ignore") {
    throw badRequest("fieldValidation must be one of \"Ignore\", \"Warn\" or \"Strict\", got \"" +
                     validation + "\"");
  }
  std::vector<std::string> unknown = schema.prune(obj);
  if (!unknown.empty()) {
    if (validation == "Strict") {
      throw badRequest(resource.kind + " in version \"" + resource.version +
                       "\" cannot be handled as a " + resource.kind +
                       ": strict decoding error: " + quoteUnknown(unknown));
    }
    if (validation == "Warn") {
      for (const auto& f : unknown)
        warnings.push_back("unknown field \"" + f + "\"");
    }
  }
  schema.applyDefaults(obj);
  std::vector<SchemaCause> causes =
      subresource == "status" ? schema.validateStatus(obj) : schema.validate(obj);
  if (causes.empty()) return;
  std::vector<StatusCause> statusCauses;
  statusCauses.reserve(causes.size());
  for (const auto& c : causes)
    statusCauses.push_back({c.field, c.type, c.message});
  const core::Value& name = obj["metadata"]["name"];
  throw invalid(resource.kind, resource.group, name.isString() ? name.asString() : "",
                statusCauses);
}

std::string fieldManagerOf(const HttpRequest& req) {
  std::string manager = req.param("fieldManager");
  if (manager.empty()) {
    std::string_view agent = req.header("user-agent");
    manager = std::string(agent.substr(0, agent.find('/')));
  }
  return manager;
}

void recordUpdate(const ResourceInfo& resource, const std::string& subresource,
                  const core::Value& old, core::Value& obj, const std::string& manager) {
  core::Value fields = kube::updateManagedFields(
      old, obj, patchSchemaFor(resource), manager, resource.apiVersion(), now(), subresource,
      subresource.empty() && resource.hasSubresource("status"));
  if (fields.isArray() && fields.asArray().empty()) {
    obj["metadata"].asObject().erase("managedFields");
  } else {
    obj["metadata"]["managedFields"] = std::move(fields);
  }
}

core::Value serverSideApply(const HttpRequest& req, const ResourceInfo& resource,
                            const std::string& subresource, const core::Value& live,
                            const core::Value& config) {
  std::string manager = req.param("fieldManager");
  if (manager.empty()) {
    throw invalid("PatchOptions", "meta.k8s.io", "",
                  {{.field = "fieldManager",
                    .type = "FieldValueRequired",
                    .message = "Required value: is required for apply patch"}});
  }
  if (!config.isObject()) throw badRequest("the apply configuration must be an object");
  kube::ApplyOptions options;
  options.manager = manager;
  options.force = parseBool(req.param("force"));
  options.apiVersion = resource.apiVersion();
  options.now = now();
  options.subresource = subresource;
  options.ignoreStatus = subresource.empty() && resource.hasSubresource("status");
  try {
    return kube::serverSideApply(live, config, patchSchemaFor(resource), options);
  } catch (const kube::ApplyConflictError& e) {
    std::vector<StatusCause> causes;
    for (const auto& c : e.conflicts()) {
      causes.push_back({.field = c.path, .type = "FieldManagerConflict", .message = c.message});
    }
    const core::Value& name = live["metadata"]["name"];
    ApiError error(409, "Conflict", e.what(), std::move(causes));
    error.withDetails(
        {name.isString() ? name.asString() : "", resource.group, resource.plural, ""});
    throw error;
  } catch (const kube::ApplyError& e) {
    throw badRequest(e.what());
  }
}

std::vector<std::pair<std::string, std::string>> warningHeaders(
    const std::vector<std::string>& warnings) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& w : warnings) {
    std::string quoted;
    for (char c : w) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    headers.emplace_back("Warning", "299 - \"" + quoted + "\"");
  }
  return headers;
}

}  // namespace driftless::apiserver
