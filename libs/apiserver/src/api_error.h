#pragma once

// The control plane reports failures with libs/kube's ApiError: one model of Kubernetes' Status
// objects for the server that writes them and the client that reads them.

#include <string>

#include "driftless/core/value.h"
#include "driftless/kube/api_error.h"

namespace driftless::apiserver {

using kube::alreadyExists;
using kube::ApiError;
using kube::badRequest;
using kube::conflict;
using kube::internalError;
using kube::invalid;
using kube::methodNotAllowed;
using kube::notFound;
using kube::StatusCause;
using kube::StatusDetails;
using kube::unsupportedMediaType;

// Status.details of a successful delete (`{name, group, kind: <plural>}`).
core::Value statusDetails(const std::string& name, const std::string& group,
                          const std::string& kind);

}  // namespace driftless::apiserver
