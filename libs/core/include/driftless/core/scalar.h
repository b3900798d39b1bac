#pragma once

// How plain YAML scalars resolve to values, shared by the YAML parser and printer (the printer
// quotes a string exactly when a reader would resolve it to something else), and Go's float
// formatting.

#include <string>
#include <string_view>

#include "driftless/core/value.h"
#include "driftless/core/yaml.h"

namespace driftless::core {

// Resolves a plain scalar as go-yaml does for the given schema (Kubernetes: YAML 1.1 booleans).
Value resolvePlainScalar(std::string_view text, YamlSchema schema);

// True when a plain scalar with this text would be read as something other than this string by
// either go-yaml v2 or v3 (so a printer must quote it): numbers, booleans of YAML 1.1 and 1.2,
// null, timestamps and base-60 numbers.
bool plainScalarNeedsQuotes(std::string_view text);

// Go's strconv.FormatFloat(d, fmt, -1, 64) for fmt 'e', 'f' or 'g' (shortest representation).
std::string formatGoFloat(double d, char fmt);

}  // namespace driftless::core
