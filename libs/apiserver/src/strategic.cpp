#include "strategic.h"

#include "driftless/k8s/patch_schemas.h"
#include "driftless/kube/patch_schema.h"
#include "driftless/kube/strategic_merge.h"

namespace driftless::apiserver {

namespace {

kube::PatchSchema schemaFor(const ResourceInfo& r) {
  return k8s::builtinPatchSchema(r.group, r.version, r.kind);
}

}  // namespace

kube::PatchSchema patchSchemaFor(const ResourceInfo& resource) {
  if (resource.custom) {
    return resource.patchSchema ? *resource.patchSchema : kube::PatchSchema::unknown();
  }
  return schemaFor(resource);
}

core::Value applyStrategicPatch(const ResourceInfo& resource, const core::Value& current,
                                const core::Value& patch) {
  return kube::applyStrategicMergePatch(current, patch, schemaFor(resource));
}

}  // namespace driftless::apiserver
