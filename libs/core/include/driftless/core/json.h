#pragma once

// JSON parsing (simdjson) and printing with Go's encoding/json conventions.

#include <string>
#include <string_view>

#include "driftless/core/value.h"

namespace driftless::core {

struct JsonPrintOptions {
  // Spaces per level; 0 prints compactly (`{"a":1}`), otherwise like Go's json.MarshalIndent.
  int indent = 0;
  // Escape <, > and & as \u003c, \u003e and \u0026, as Go's json.Marshal does by default.
  bool escapeHtml = true;
  // Print object keys sorted bytewise, as Go's json.Marshal prints maps (for output that must
  // match Kubernetes' byte for byte: field paths, managedFields keys, messages).
  bool sortKeys = false;
};

// Parses one JSON document. Throws ParseError (with line and column) on malformed input.
// Integers that fit int64 become Int, every other number Double. `source` names the input in
// error messages.
Value parseJson(std::string_view text, std::string_view source = "<input>");

std::string toJson(const Value& value, const JsonPrintOptions& options = {});
void appendJson(std::string& out, const Value& value, const JsonPrintOptions& options = {});

// Appends a JSON string literal for s (with Go's escaping; invalid UTF-8 becomes U+FFFD).
void appendJsonString(std::string& out, std::string_view s, bool escapeHtml = true);

// Formats a double the way Go's encoding/json does (shortest round-trip; exponent form below
// 1e-6 and from 1e21 on, e.g. `1e+21`, `1e-7`). NaN and infinities are rejected with Error.
std::string formatJsonNumber(double d);

}  // namespace driftless::core
