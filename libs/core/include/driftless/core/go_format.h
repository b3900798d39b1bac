#pragma once

// Go's formatting of strings, shared wherever driftless reproduces Kubernetes' messages
// (validation errors, conflict paths, selector errors): strconv.Quote and UTF-8 decoding.

#include <cstdint>
#include <string>
#include <string_view>

namespace driftless::core {

// Decodes the UTF-8 sequence at s[i] into rune; returns its length, 0 when it is invalid.
std::size_t decodeUtf8Rune(std::string_view s, std::size_t i, std::uint32_t& rune);

// Appends the UTF-8 encoding of rune (Go's utf8.AppendRune: surrogates and values beyond
// U+10FFFF become U+FFFD).
void appendUtf8Rune(std::string& out, std::uint32_t rune);

// Go's utf8.RuneCountInString: each invalid byte counts as one rune.
std::int64_t runeCount(std::string_view s);

// Go's strconv.Quote (fmt's %q of a string): printable runes kept, others escaped as \a \b \f
// \n \r \t \v, \xNN for control and invalid bytes, \uNNNN or \UNNNNNNNN otherwise.
std::string goQuote(std::string_view s);

}  // namespace driftless::core
