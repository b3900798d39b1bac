#pragma once

// TOML for Helm's toToml/fromToml (after BurntSushi/toml's encoder and decoder).

#include <string>
#include <string_view>

#include "driftless/core/value.h"

namespace driftless::gotemplate::toml {

// Encodes a map like BurntSushi/toml's Encoder (keys sorted, sub-tables indented by two
// spaces); error is set when v cannot be encoded.
std::string encode(const core::Value& v, std::string& error);
// Decodes a document into a map; error is set (BurntSushi's message) on malformed input.
core::Value decode(std::string_view text, std::string& error);

}  // namespace driftless::gotemplate::toml
