#pragma once

// Flux's post-build variable substitution (fluxcd/pkg envsubst, a fork of drone/envsubst):
// `${var}` with bash's parameter expansions, evaluated over a text. `$$` is an escaped `$`
// (`$${var}` gives `${var}`); `$var` without braces is left alone.
//
// Supported: ${var} ${#var} ${var^} ${var^^} ${var,} ${var,,} ${var:n} ${var:n:len}
// ${var#pat} ${var##pat} ${var%pat} ${var%%pat} ${var=d} ${var:=d} ${var:-d}
// ${var/pat/rep} ${var//pat/rep} ${var/#pat/rep} ${var/%pat/rep}. Like upstream, `${var-d}` is
// a syntax error ("missing closing brace"), `${var:?d}` and `${var:+d}` act as defaults, and
// defaults apply when the value is empty.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "driftless/core/error.h"
#include "driftless/core/value.h"

namespace driftless::kustomize {

class EnvsubstError : public core::Error {
 public:
  using core::Error::Error;
};

// The value of a variable, or nullopt when it is not set.
using VariableLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Expands `text`. A variable that is not set and has no default operator is an error
// (`variable not set (strict mode): "name"`) when strict, and empty otherwise. Throws
// EnvsubstError on a syntax error (`bad substitution`, `missing closing brace`, ...).
std::string envsubst(std::string_view text, const VariableLookup& lookup, bool strict);

// kustomize-controller's substitution of one built resource (fluxcd/pkg kustomize
// SubstituteVariables): nothing when the object is labelled or annotated
// `kustomize.toolkit.fluxcd.io/substitute: disabled` or when there are no variables (unless
// `always`); otherwise the object's YAML is expanded and parsed back. Variable names must match
// `^[_[:alpha:]][_[:alpha:][:digit:]]*$`. Returns true when the object was rewritten. Throws
// EnvsubstError with upstream's messages (`envsubst error: variable substitution failed: ...`).
bool substituteVariables(core::Value& object, const std::map<std::string, std::string>& vars,
                         bool strict, bool always);

}  // namespace driftless::kustomize
