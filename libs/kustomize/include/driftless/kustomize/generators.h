#pragma once

// configMapGenerator and secretGenerator (api/internal/generators, api/kv), and kustomize's
// content hash for name suffixes (api/hasher).

#include <string>
#include <string_view>

#include "driftless/kustomize/kustomization.h"
#include "driftless/kustomize/loader.h"
#include "driftless/kustomize/res_map.h"

namespace driftless::kustomize {

// One generated ConfigMap/Secret. `global` are the kustomization's generatorOptions, which
// override the generator's own options.
ResourcePtr generateConfigMap(const Loader& ldr, const GeneratorArgs& args,
                              const GeneratorOptions& global);
ResourcePtr generateSecret(const Loader& ldr, const GeneratorArgs& args,
                           const GeneratorOptions& global);

// The 10-character hash kustomize appends to generated names.
std::string resourceHash(const Resource& r);
// kustomize's hasher.encode(hex256(data)).
std::string encodeHash(std::string_view data);

}  // namespace driftless::kustomize
