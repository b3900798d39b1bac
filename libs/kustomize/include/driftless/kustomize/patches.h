#pragma once

// patchesStrategicMerge, patchesJson6902 and patches (PatchStrategicMergeTransformer,
// PatchJson6902Transformer, PatchTransformer). Strategic merge patches use the shared engine of
// libs/kube with the merge keys of the build's OpenAPI schema.

#include <string>
#include <vector>

#include "driftless/kustomize/kustomization.h"
#include "driftless/kustomize/loader.h"
#include "driftless/kustomize/openapi.h"
#include "driftless/kustomize/res_map.h"

namespace driftless::kustomize {

void applyPatchesStrategicMerge(ResMap& m, const Loader& ldr, const OpenApi& schemas,
                                const std::vector<std::string>& entries);
void applyPatch(ResMap& m, const Loader& ldr, const OpenApi& schemas, const Patch& patch);
void applyPatchJson6902(ResMap& m, const Loader& ldr, const Patch& patch);

// Applies one strategic merge patch resource to a target (Resource.ApplySmPatch): the target
// keeps its name, kind and namespace unless the patch allows changing them.
void applySmPatch(Resource& target, const Resource& patch, const OpenApi& schemas);

}  // namespace driftless::kustomize
