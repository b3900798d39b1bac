#include "driftless/kustomize/openapi.h"

#include "driftless/k8s/patch_schemas.h"

namespace driftless::kustomize {

kube::PatchSchema builtinPatchSchema(const Gvk& gvk) {
  return k8s::builtinPatchSchema(gvk.group, gvk.version, gvk.kind);
}

}  // namespace driftless::kustomize
