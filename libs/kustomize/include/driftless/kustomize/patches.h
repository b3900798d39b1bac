#pragma once

// patchesStrategicMerge, patchesJson6902 and patches (PatchStrategicMergeTransformer,
// PatchJson6902Transformer, PatchTransformer). Strategic merge patches use the shared engine of
// libs/kube with the built-in kinds' merge keys.

#include <string>
#include <vector>

#include "driftless/kustomize/kustomization.h"
#include "driftless/kustomize/loader.h"
#include "driftless/kustomize/res_map.h"

namespace driftless::kustomize {

void applyPatchesStrategicMerge(ResMap& m, const Loader& ldr,
                                const std::vector<std::string>& entries);
void applyPatch(ResMap& m, const Loader& ldr, const Patch& patch);
void applyPatchJson6902(ResMap& m, const Loader& ldr, const Patch& patch);

// Applies one strategic merge patch resource to a target (Resource.ApplySmPatch): the target
// keeps its name, kind and namespace unless the patch allows changing them.
void applySmPatch(Resource& target, const Resource& patch);

}  // namespace driftless::kustomize
