#include "driftless/kube/api_error.h"

#include <utility>

#include "driftless/core/json.h"

namespace driftless::kube {

namespace {

const ApiError* asApiError(const std::exception& e) noexcept {
  return dynamic_cast<const ApiError*>(&e);
}

}  // namespace

std::string qualifiedResource(const std::string& resource, const std::string& group) {
  return group.empty() ? resource : resource + "." + group;
}

namespace {

std::string stringAt(const core::Value& v, std::string_view key) {
  const core::Value& s = v[key];
  return s.isString() ? s.asString() : std::string();
}

}  // namespace

ApiError::ApiError(int code, std::string reason, std::string message,
                   std::vector<StatusCause> causes, std::chrono::seconds retryAfter)
    : core::Error(message),
      code_(code),
      reason_(std::move(reason)),
      message_(std::move(message)),
      causes_(std::move(causes)),
      retryAfter_(retryAfter) {}

ApiError ApiError::fromStatus(const core::Value& status, int httpCode,
                              std::chrono::seconds retryAfter) {
  int code = status["code"].isInt() ? static_cast<int>(status["code"].asInt()) : httpCode;
  const core::Value& details = status["details"];
  std::vector<StatusCause> causes;
  if (details["causes"].isArray()) {
    for (const auto& c : details["causes"].asArray()) {
      causes.push_back({stringAt(c, "field"), stringAt(c, "reason"), stringAt(c, "message")});
    }
  }
  if (details["retryAfterSeconds"].isInt() && details["retryAfterSeconds"].asInt() > 0) {
    retryAfter = std::chrono::seconds(details["retryAfterSeconds"].asInt());
  }
  std::string message = stringAt(status, "message");
  if (message.empty()) message = "the server responded with status " + std::to_string(code);
  ApiError e(code, stringAt(status, "reason"), std::move(message), std::move(causes), retryAfter);
  e.withDetails({stringAt(details, "name"), stringAt(details, "group"), stringAt(details, "kind"),
                 stringAt(details, "uid")});
  return e;
}

ApiError ApiError::fromResponse(int httpCode, std::string_view body,
                                std::chrono::seconds retryAfter) {
  try {
    core::Value v = core::parseJson(body, "response");
    if (v["kind"] == core::Value("Status")) return fromStatus(v, httpCode, retryAfter);
  } catch (const core::Error&) {
    // Not JSON: reported below with the body itself.
  }
  constexpr std::size_t kMaxBody = 512;
  std::string text(body.substr(0, kMaxBody));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  std::string message = "the server responded with status " + std::to_string(httpCode);
  if (!text.empty()) message += ": " + text;
  return ApiError(httpCode, "InternalError", std::move(message), {}, retryAfter);
}

bool ApiError::reasonUnknown() const noexcept {
  return reason_.empty() || reason_ == "Unknown" || (reason_ == "InternalError" && code_ != 500);
}

bool ApiError::isNotFound() const noexcept {
  return reason_ == "NotFound" || (reasonUnknown() && code_ == 404);
}
bool ApiError::isAlreadyExists() const noexcept {
  return reason_ == "AlreadyExists";
}
bool ApiError::isConflict() const noexcept {
  return reason_ == "Conflict" || (reasonUnknown() && code_ == 409);
}
bool ApiError::isInvalid() const noexcept {
  return reason_ == "Invalid" || (reasonUnknown() && code_ == 422);
}
bool ApiError::isForbidden() const noexcept {
  return reason_ == "Forbidden" || (reasonUnknown() && code_ == 403);
}
bool ApiError::isGone() const noexcept {
  return reason_ == "Gone" || reason_ == "Expired" || (reasonUnknown() && code_ == 410);
}
bool ApiError::isTooManyRequests() const noexcept {
  return reason_ == "TooManyRequests" || (reasonUnknown() && code_ == 429);
}
bool ApiError::isTimeout() const noexcept {
  return reason_ == "Timeout" || reason_ == "ServerTimeout" || (reasonUnknown() && code_ == 504);
}

ApiError& ApiError::withDetails(StatusDetails details) {
  details_ = std::move(details);
  return *this;
}

core::Value ApiError::toStatus() const {
  core::Object s;
  s.append("kind", "Status");
  s.append("apiVersion", "v1");
  s.append("metadata", core::Object{});
  s.append("status", "Failure");
  s.append("message", message_);
  s.append("reason", reason_);
  if (!causes_.empty() || retryAfter_.count() > 0 || !details_.empty()) {
    core::Object details;
    if (!details_.name.empty()) details.append("name", details_.name);
    if (!details_.group.empty()) details.append("group", details_.group);
    if (!details_.kind.empty()) details.append("kind", details_.kind);
    if (!details_.uid.empty()) details.append("uid", details_.uid);
    if (!causes_.empty()) {
      core::Array list;
      for (const auto& c : causes_) {
        core::Object o;
        o.append("reason", c.type);
        o.append("message", c.message);
        if (!c.field.empty()) o.append("field", c.field);
        list.push_back(core::Value(std::move(o)));
      }
      details.append("causes", core::Value(std::move(list)));
    }
    if (retryAfter_.count() > 0) {
      details.append("retryAfterSeconds", static_cast<long long>(retryAfter_.count()));
    }
    s.append("details", core::Value(std::move(details)));
  }
  s.append("code", code_);
  return core::Value(std::move(s));
}

bool isNotFound(const std::exception& e) noexcept {
  const ApiError* a = asApiError(e);
  return a != nullptr && a->isNotFound();
}
bool isAlreadyExists(const std::exception& e) noexcept {
  const ApiError* a = asApiError(e);
  return a != nullptr && a->isAlreadyExists();
}
bool isConflict(const std::exception& e) noexcept {
  const ApiError* a = asApiError(e);
  return a != nullptr && a->isConflict();
}
bool isInvalid(const std::exception& e) noexcept {
  const ApiError* a = asApiError(e);
  return a != nullptr && a->isInvalid();
}
bool isForbidden(const std::exception& e) noexcept {
  const ApiError* a = asApiError(e);
  return a != nullptr && a->isForbidden();
}
bool isGone(const std::exception& e) noexcept {
  const ApiError* a = asApiError(e);
  return a != nullptr && a->isGone();
}
bool isTooManyRequests(const std::exception& e) noexcept {
  const ApiError* a = asApiError(e);
  return a != nullptr && a->isTooManyRequests();
}
bool isTimeout(const std::exception& e) noexcept {
  const ApiError* a = asApiError(e);
  return a != nullptr && a->isTimeout();
}

ApiError notFound(const std::string& resource, const std::string& group, const std::string& name) {
  ApiError e(404, "NotFound", qualifiedResource(resource, group) + " \"" + name + "\" not found");
  e.withDetails({name, group, resource, ""});
  return e;
}

ApiError alreadyExists(const std::string& resource, const std::string& group,
                       const std::string& name) {
  ApiError e(409, "AlreadyExists",
             qualifiedResource(resource, group) + " \"" + name + "\" already exists");
  e.withDetails({name, group, resource, ""});
  return e;
}

ApiError conflict(const std::string& resource, const std::string& group, const std::string& name,
                  const std::string& why) {
  ApiError e(409, "Conflict",
             "Operation cannot be fulfilled on " + qualifiedResource(resource, group) + " \"" +
                 name + "\": " + why);
  e.withDetails({name, group, resource, ""});
  return e;
}

ApiError invalid(const std::string& kind, const std::string& group, const std::string& name,
                 std::vector<StatusCause> causes) {
  std::string joined;
  for (std::size_t i = 0; i < causes.size(); ++i) {
    if (i > 0) joined += ", ";
    joined +=
        causes[i].field.empty() ? causes[i].message : causes[i].field + ": " + causes[i].message;
  }
  if (causes.size() > 1) joined = "[" + joined + "]";
  std::string qualified = group.empty() ? kind : kind + "." + group;
  ApiError e(422, "Invalid", qualified + " \"" + name + "\" is invalid: " + joined,
             std::move(causes));
  e.withDetails({name, group, kind, ""});
  return e;
}

ApiError forbidden(const std::string& message) {
  return ApiError(403, "Forbidden", message);
}

ApiError gone(const std::string& message) {
  return ApiError(410, "Gone", message);
}

ApiError tooManyRequests(const std::string& message, std::chrono::seconds retryAfter) {
  return ApiError(429, "TooManyRequests", message, {}, retryAfter);
}

ApiError expired(const std::string& message) {
  return ApiError(410, "Expired", message);
}

ApiError methodNotAllowed(const std::string& message) {
  return ApiError(405, "MethodNotAllowed", message);
}

ApiError unsupportedMediaType(const std::string& message) {
  return ApiError(415, "UnsupportedMediaType", message);
}

ApiError badRequest(const std::string& message) {
  return ApiError(400, "BadRequest", message);
}

ApiError internalError(const std::string& message) {
  return ApiError(500, "InternalError", "Internal error occurred: " + message);
}

}  // namespace driftless::kube
