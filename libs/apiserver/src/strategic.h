#pragma once

// Strategic merge patches on built-in kinds, with merge keys and strategies from the embedded
// OpenAPI documents.

#include "driftless/apiserver/registry.h"
#include "driftless/core/value.h"

namespace driftless::apiserver {

// Applies a strategic merge patch to an object of a built-in resource. Throws core::Error on a
// malformed patch.
core::Value applyStrategicPatch(const ResourceInfo& resource, const core::Value& current,
                                const core::Value& patch);

}  // namespace driftless::apiserver
