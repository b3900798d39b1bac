#pragma once

// The replacements transformer (api/filters/replacement): copy a field of one resource into
// fields of others, with delimiter/index refinement and optional creation.

#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/kustomize/loader.h"
#include "driftless/kustomize/res_map.h"

namespace driftless::kustomize {

// `entries` is the kustomization's `replacements:` list (inline replacements or {path: file}).
void applyReplacements(ResMap& m, const Loader& ldr, const core::Value& entries);

// kyaml's SmarterPathSplitter: splits at `.` except inside `[...]` selectors.
std::vector<std::string> splitReplacementPath(std::string_view path);

// The values at a kyaml path (`spec.containers.[name=app].image`, `*`, numeric indexes); with
// `create`, missing fields (and `[k=v]` elements) are created.
std::vector<core::Value*> lookupPath(core::Value& root, const std::vector<std::string>& path,
                                     bool create, core::Value::Type createKind);

}  // namespace driftless::kustomize
