#pragma once

// API failures as Kubernetes Status objects (apimachinery/pkg/api/errors): the handlers throw
// ApiError, the dispatcher turns it into the response.

#include <string>
#include <utility>
#include <vector>

#include "driftless/core/value.h"

namespace driftless::apiserver {

struct StatusCause {
  std::string type;
  std::string message;
  std::string field;
};

class ApiError : public std::exception {
 public:
  ApiError(int code, std::string reason, std::string message, core::Value details = {})
      : code_(code),
        reason_(std::move(reason)),
        message_(std::move(message)),
        details_(std::move(details)) {}

  [[nodiscard]] const char* what() const noexcept override { return message_.c_str(); }
  [[nodiscard]] int code() const noexcept { return code_; }
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
  [[nodiscard]] core::Value toStatus() const;

 private:
  int code_;
  std::string reason_;
  std::string message_;
  core::Value details_;
};

// The qualified resource name Kubernetes puts in messages: `configmaps`, `deployments.apps`.
std::string qualifiedResource(const std::string& plural, const std::string& group);

core::Value statusDetails(const std::string& name, const std::string& group,
                          const std::string& kind);

ApiError notFound(const std::string& plural, const std::string& group, const std::string& name);
ApiError alreadyExists(const std::string& plural, const std::string& group,
                       const std::string& name);
ApiError conflict(const std::string& plural, const std::string& group, const std::string& name,
                  const std::string& why);
ApiError badRequest(const std::string& message);
ApiError methodNotAllowed(const std::string& message);
ApiError unsupportedMediaType(const std::string& message);
// 422 with one cause per field: `<Kind>.<group> "<name>" is invalid: <field>: <message>, ...`
ApiError invalid(const std::string& kind, const std::string& group, const std::string& name,
                 const std::vector<StatusCause>& causes);
ApiError gone(const std::string& message);
ApiError internalError(const std::string& message);

}  // namespace driftless::apiserver
