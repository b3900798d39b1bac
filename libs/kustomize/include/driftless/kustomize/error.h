#pragma once

// Errors of the kustomize engine. Messages follow kustomize v5.5.0's wording, so users and tests
// can match them against `kubectl kustomize`.

#include "driftless/core/error.h"

namespace driftless::kustomize {

class KustomizeError : public core::Error {
 public:
  using core::Error::Error;
};

}  // namespace driftless::kustomize
