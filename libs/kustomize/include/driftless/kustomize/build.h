#pragma once

// `kustomize build DIR` (kubectl kustomize, kustomize v5.5.0): the entry point of the engine.

#include <filesystem>
#include <string>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/kustomize/loader.h"

namespace driftless::kustomize {

struct BuildOptions {
  LoaderOptions loader;
};

// The built resources, in output order, without kustomize's build annotations.
std::vector<core::Value> buildResources(const std::filesystem::path& dir,
                                        const BuildOptions& options = {});

// The YAML stream `kubectl kustomize DIR` prints (keys sorted as sigs.k8s.io/yaml sorts them).
std::string build(const std::filesystem::path& dir, const BuildOptions& options = {});

// Prints resources as kustomize does: documents separated by `---`.
std::string printResources(const std::vector<core::Value>& resources);

}  // namespace driftless::kustomize
