#pragma once

// Built-in plugins configured by `generators:` and `transformers:` entries (apiVersion `builtin`,
// a kind such as PatchTransformer or ConfigMapGenerator, and the plugin's own fields).

#include "driftless/kustomize/loader.h"
#include "driftless/kustomize/openapi.h"
#include "driftless/kustomize/origin.h"
#include "driftless/kustomize/res_map.h"

namespace driftless::kustomize {

// Runs one built-in generator: its output is absorbed into `m` (merge/replace honoured).
// `origin` (when tracking) is set on generated resources.
void runBuiltinGenerator(const Resource& config, ResMap& m, const Loader& ldr,
                         const Origin* origin);
// Runs one built-in transformer over `m`.
void runBuiltinTransformer(const Resource& config, ResMap& m, const Loader& ldr,
                           const OpenApi& schemas);

}  // namespace driftless::kustomize
