#pragma once

// What Flux's kustomize-controller adds around `kustomize build` (fluxcd/pkg kustomize
// generator): the path of a Kustomization joined securely under the source root, a
// kustomization.yaml generated when the path has none, and the Flux Kustomization's spec fields
// (targetNamespace, namePrefix, nameSuffix, patches, components, images, buildMetadata) written
// into it. Shared by kustomize-controller and `driftless build kustomization`.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/value.h"

namespace driftless::kustomize {

// filepath-securejoin's SecureJoin: `path` resolved under `root` as if root were `/` (`..`
// never climbs above it; symlinks are resolved inside root).
std::filesystem::path secureJoin(const std::filesystem::path& root, std::string_view path);

enum class GenerateAction { Created, Unchanged };

// Writes `dir`'s kustomization file: the existing one (kustomization.yaml, kustomization.yml
// or Kustomization) or, when there is none, one listing every YAML file under dir (sub-
// directories holding a kustomization file are listed as directories, not descended), then
// overridden with `spec` (a Flux Kustomization's spec). Files outside `root` are never read.
// Throws core::Error with Flux's messages (`failed to decode Kubernetes YAML from <file>: ...`,
// `component path '<p>' must be local and relative`).
GenerateAction writeFluxKustomization(const std::filesystem::path& root,
                                      const std::filesystem::path& dir, const core::Value& spec);

// kustomize-controller's build: the generated kustomization built with LoadRestrictionsNone
// fenced at root (overlays may reach `../base`, nothing may leave the source).
std::vector<core::Value> buildFluxKustomization(const std::filesystem::path& root,
                                                const std::filesystem::path& dir);

}  // namespace driftless::kustomize
