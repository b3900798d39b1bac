#pragma once

// Strategic-merge metadata (merge keys, list strategies) of the built-in kinds, from the
// Kubernetes OpenAPI v3 documents embedded in the toolkit.

#include "driftless/kube/patch_schema.h"
#include "driftless/kustomize/resource.h"

namespace driftless::kustomize {

// The patch schema of a built-in kind, or the unknown schema (lists replaced, maps merged) for
// kinds the documents do not describe. Documents are parsed once per process; thread-safe.
kube::PatchSchema builtinPatchSchema(const Gvk& gvk);

}  // namespace driftless::kustomize
