#pragma once

// The schemas strategic merge patches use: the built-in kinds' merge keys from the Kubernetes
// OpenAPI documents embedded in the toolkit, or a kustomization's own `openapi:` schema (kyaml's
// openapi package; kustomize keeps this as process-wide state, here it belongs to one build).

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/kube/patch_schema.h"
#include "driftless/kustomize/loader.h"
#include "driftless/kustomize/resource.h"

namespace driftless::kustomize {

// The patch schema of a built-in kind, or the unknown schema (lists replaced, maps merged) for
// kinds the documents do not describe. Documents are parsed once per process; thread-safe.
kube::PatchSchema builtinPatchSchema(const Gvk& gvk);

// The OpenAPI schema of one build. Not thread-safe (a build runs on one thread).
class OpenApi {
 public:
  // Applies a kustomization's `openapi:` field (keys `path` and `version`) as openapi.SetSchema
  // does: the top kustomization resets the choice, a base or component sets it only when nothing
  // has been chosen yet. `path` names a swagger v2 document (JSON or YAML) read through `ldr`;
  // `version` names a built-in version. Throws KustomizeError.
  void set(const std::vector<std::pair<std::string, std::string>>& field, const Loader& ldr,
           bool reset);

  // The schema of a kind: its definition in the custom document (found by
  // x-kubernetes-group-version-kind) when there is one, the built-in schema otherwise.
  [[nodiscard]] kube::PatchSchema schemaFor(const Gvk& gvk) const;

 private:
  std::string version_;  // "custom" when a document is set
  std::shared_ptr<const core::Value> custom_;
  mutable std::map<std::string, kube::PatchSchema, std::less<>> cache_;
};

}  // namespace driftless::kustomize
