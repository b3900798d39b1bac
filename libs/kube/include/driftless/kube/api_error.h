#pragma once

// Failures reported by the API server, as Kubernetes Status objects
// (k8s.io/apimachinery/pkg/api/errors): the code, the machine-readable reason, the message,
// the causes and Retry-After.

#include <chrono>
#include <exception>
#include <string>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/core/value.h"

namespace driftless::kube {

struct StatusCause {
  std::string field;
  std::string type;  // `reason` in the Status object, e.g. FieldValueInvalid, FieldManagerConflict
  std::string message;
};

// Status.details: what the error is about (name, group, kind as Kubernetes fills them: the
// resource plural for most errors, the Kind for Invalid).
struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;
  std::string uid;
  [[nodiscard]] bool empty() const noexcept {
    return name.empty() && group.empty() && kind.empty() && uid.empty();
  }
};

class ApiError : public core::Error {
 public:
  ApiError(int code, std::string reason, std::string message, std::vector<StatusCause> causes = {},
           std::chrono::seconds retryAfter = std::chrono::seconds(0));

  // From a Status object (as in a response body or a watch ERROR event). httpCode is used when
  // the Status has no code; retryAfter (from the header) when it has no retryAfterSeconds.
  static ApiError fromStatus(const core::Value& status, int httpCode = 0,
                             std::chrono::seconds retryAfter = std::chrono::seconds(0));
  // From any failed response: a Status body, or else reason InternalError with the code and a
  // message carrying (the start of) the body.
  static ApiError fromResponse(int httpCode, std::string_view body,
                               std::chrono::seconds retryAfter = std::chrono::seconds(0));

  [[nodiscard]] int code() const noexcept { return code_; }
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  [[nodiscard]] const std::vector<StatusCause>& causes() const noexcept { return causes_; }
  // Zero when the server did not ask for a delay.
  [[nodiscard]] std::chrono::seconds retryAfter() const noexcept { return retryAfter_; }
  [[nodiscard]] const StatusDetails& details() const noexcept { return details_; }
  // Sets Status.details (the server side fills it as kube-apiserver does).
  ApiError& withDetails(StatusDetails details);

  [[nodiscard]] bool isNotFound() const noexcept;
  [[nodiscard]] bool isAlreadyExists() const noexcept;
  [[nodiscard]] bool isConflict() const noexcept;
  [[nodiscard]] bool isInvalid() const noexcept;
  [[nodiscard]] bool isForbidden() const noexcept;
  // 410: reason Gone or Expired (a watch or list continuation from a compacted revision).
  [[nodiscard]] bool isGone() const noexcept;
  [[nodiscard]] bool isTooManyRequests() const noexcept;
  // Timeout (504) or ServerTimeout.
  [[nodiscard]] bool isTimeout() const noexcept;

  // The Status object this error stands for.
  [[nodiscard]] core::Value toStatus() const;

 private:
  // Whether the reason says nothing more than the code (absent, Unknown, or a non-Status reply).
  [[nodiscard]] bool reasonUnknown() const noexcept;

  int code_;
  std::string reason_;
  std::string message_;
  std::vector<StatusCause> causes_;
  std::chrono::seconds retryAfter_;
  StatusDetails details_;
};

// The same predicates on any exception: false unless it is an ApiError that matches.
bool isNotFound(const std::exception& e) noexcept;
bool isAlreadyExists(const std::exception& e) noexcept;
bool isConflict(const std::exception& e) noexcept;
bool isInvalid(const std::exception& e) noexcept;
bool isForbidden(const std::exception& e) noexcept;
bool isGone(const std::exception& e) noexcept;
bool isTooManyRequests(const std::exception& e) noexcept;
bool isTimeout(const std::exception& e) noexcept;

// Factories with Kubernetes' messages, for fakes and for callers that synthesize errors.
// resource is the plural (`configmaps`), group empty for the core group.
ApiError notFound(const std::string& resource, const std::string& group, const std::string& name);
ApiError alreadyExists(const std::string& resource, const std::string& group,
                       const std::string& name);
ApiError conflict(const std::string& resource, const std::string& group, const std::string& name,
                  const std::string& why);
// `<Kind>.<group> "<name>" is invalid: <field>: <message>, ...` (422).
ApiError invalid(const std::string& kind, const std::string& group, const std::string& name,
                 std::vector<StatusCause> causes);
ApiError forbidden(const std::string& message);
ApiError gone(const std::string& message);
// 410 with reason Expired (a watch or continue token from a compacted revision).
ApiError expired(const std::string& message);
ApiError methodNotAllowed(const std::string& message);
ApiError unsupportedMediaType(const std::string& message);
// `configmaps`, `deployments.apps`: how Kubernetes names a resource in messages.
std::string qualifiedResource(const std::string& resource, const std::string& group);
ApiError tooManyRequests(const std::string& message, std::chrono::seconds retryAfter);
ApiError badRequest(const std::string& message);
ApiError internalError(const std::string& message);

}  // namespace driftless::kube
