#pragma once

// Strategic merge patches on built-in kinds, with merge keys and strategies from the embedded
// OpenAPI documents.

#include "driftless/apiserver/registry.h"
#include "driftless/core/value.h"
#include "driftless/kube/patch_schema.h"

namespace driftless::apiserver {

// Applies a strategic merge patch to an object of a built-in resource. Throws core::Error on a
// malformed patch.
core::Value applyStrategicPatch(const ResourceInfo& resource, const core::Value& current,
                                const core::Value& patch);

// The merge metadata of a resource: the OpenAPI schema of a built-in kind, or the CRD schema of
// a custom resource.
kube::PatchSchema patchSchemaFor(const ResourceInfo& resource);

}  // namespace driftless::apiserver
