#pragma once

// Small text helpers shared across the toolkit.

#include <string>
#include <string_view>

namespace driftless::core {

// ASCII lower case (HTTP header names, schemes, kinds); other bytes are kept as they are.
std::string asciiLower(std::string_view s);

}  // namespace driftless::core
