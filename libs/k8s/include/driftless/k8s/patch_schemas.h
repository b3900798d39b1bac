#pragma once

// The strategic-merge patch schemas (merge keys, list types) of the built-in Kubernetes kinds,
// from the embedded OpenAPI v3 documents. One place for the control plane and kustomize.

#include <string_view>

#include "driftless/kube/patch_schema.h"

namespace driftless::k8s {

// The schema of group/version/kind; PatchSchema::unknown() for kinds the documents don't define.
// Documents are parsed once, schemas cached (a bounded set: one per built-in kind). Thread-safe.
kube::PatchSchema builtinPatchSchema(std::string_view group, std::string_view version,
                                     std::string_view kind);

// The schema named `schemaName` in the embedded documents (e.g.
// "io.k8s.api.core.v1.PodTemplateSpec"), or PatchSchema::unknown(). Thread-safe.
kube::PatchSchema builtinPatchSchemaNamed(std::string_view schemaName);

}  // namespace driftless::k8s
