#include "api_error.h"

namespace driftless::apiserver {

core::Value ApiError::toStatus() const {
  core::Object s;
  s.append("kind", "Status");
  s.append("apiVersion", "v1");
  s.append("metadata", core::Object{});
  s.append("status", "Failure");
  s.append("message", message_);
  s.append("reason", reason_);
  if (!details_.isNull()) s.append("details", details_);
  s.append("code", code_);
  return core::Value(std::move(s));
}

std::string qualifiedResource(const std::string& plural, const std::string& group) {
  return group.empty() ? plural : plural + "." + group;
}

core::Value statusDetails(const std::string& name, const std::string& group,
                          const std::string& kind) {
  core::Object d;
  if (!name.empty()) d.append("name", name);
  if (!group.empty()) d.append("group", group);
  d.append("kind", kind);
  return core::Value(std::move(d));
}

ApiError notFound(const std::string& plural, const std::string& group, const std::string& name) {
  return ApiError(404, "NotFound", qualifiedResource(plural, group) + " \"" + name + "\" not found",
                  statusDetails(name, group, plural));
}

ApiError alreadyExists(const std::string& plural, const std::string& group,
                       const std::string& name) {
  return ApiError(409, "AlreadyExists",
                  qualifiedResource(plural, group) + " \"" + name + "\" already exists",
                  statusDetails(name, group, plural));
}

ApiError conflict(const std::string& plural, const std::string& group, const std::string& name,
                  const std::string& why) {
  return ApiError(409, "Conflict",
                  "Operation cannot be fulfilled on " + qualifiedResource(plural, group) + " \"" +
                      name + "\": " + why,
                  statusDetails(name, group, plural));
}

ApiError badRequest(const std::string& message) {
  return ApiError(400, "BadRequest", message);
}

ApiError methodNotAllowed(const std::string& message) {
  return ApiError(405, "MethodNotAllowed", message);
}

ApiError unsupportedMediaType(const std::string& message) {
  return ApiError(415, "UnsupportedMediaType", message);
}

ApiError invalid(const std::string& kind, const std::string& group, const std::string& name,
                 const std::vector<StatusCause>& causes) {
  std::string qualified = group.empty() ? kind : kind + "." + group;
  std::string joined;
  core::Array list;
  for (std::size_t i = 0; i < causes.size(); ++i) {
    if (i > 0) joined += ", ";
    joined +=
        causes[i].field.empty() ? causes[i].message : causes[i].field + ": " + causes[i].message;
    core::Object c;
    c.append("reason", causes[i].type);
    c.append("message", causes[i].message);
    if (!causes[i].field.empty()) c.append("field", causes[i].field);
    list.push_back(core::Value(std::move(c)));
  }
  if (causes.size() > 1) joined = "[" + joined + "]";
  std::string message = qualified + " \"" + name + "\" is invalid: " + joined;
  core::Value details = statusDetails(name, group, kind);
  details["causes"] = core::Value(std::move(list));
  return ApiError(422, "Invalid", message, std::move(details));
}

ApiError gone(const std::string& message) {
  return ApiError(410, "Expired", message);
}

ApiError internalError(const std::string& message) {
  return ApiError(500, "InternalError", "Internal error occurred: " + message);
}

}  // namespace driftless::apiserver
