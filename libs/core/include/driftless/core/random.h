#pragma once

// Random identifiers from the kernel's generator (std::random_device: getrandom on Linux).

#include <cstddef>
#include <string>
#include <string_view>

namespace driftless::core {

// An RFC 4122 version 4 UUID, lower-case: "3f0c…-…-4…-…-…" (uids, identities, uuidv4).
std::string newUuidV4();
// n characters drawn uniformly from alphabet.
std::string randomString(std::string_view alphabet, std::size_t n);

}  // namespace driftless::core
