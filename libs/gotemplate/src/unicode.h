#pragma once

// The few Unicode properties the string functions need (Go's unicode package): ASCII in full,
// case mapping for Latin-1, Latin Extended-A, Greek and Cyrillic, everything else caseless.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace driftless::gotemplate::uni {

bool isSpace(std::uint32_t r);
bool isUpper(std::uint32_t r);
bool isLower(std::uint32_t r);
bool isLetter(std::uint32_t r);
bool isDigit(std::uint32_t r);
bool isPunct(std::uint32_t r);
std::uint32_t toUpper(std::uint32_t r);
std::uint32_t toLower(std::uint32_t r);

// Decodes s into runes (invalid bytes become U+FFFD, as Go's range over a string does).
std::vector<std::uint32_t> runes(std::string_view s);
std::string encode(const std::vector<std::uint32_t>& rs);

}  // namespace driftless::gotemplate::uni
