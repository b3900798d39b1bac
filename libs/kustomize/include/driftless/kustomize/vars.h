#pragma once

// vars (deprecated upstream, still supported): `$(NAME)` references in the varReference fields
// replaced by a field of a named resource (api/internal/accumulator, api/filters/refvar).

#include <vector>

#include "driftless/core/value.h"
#include "driftless/kustomize/field_spec.h"
#include "driftless/kustomize/res_map.h"

namespace driftless::kustomize {

// Tags the resource each var refers to (throws when ambiguous).
void tagVarTargets(ResMap& m, const core::Value& vars);
// Resolves every var from its tagged resource and expands references in `specs` fields.
void resolveVars(ResMap& m, const std::vector<core::Value>& vars, const FsSlice& specs);
// Expands `$(NAME)` in one string (refvar.DoReplacements); an exact `$(NAME)` takes the value's
// own type.
core::Value expandVars(const std::string& input,
                       const std::vector<std::pair<std::string, core::Value>>& values);

}  // namespace driftless::kustomize
