#pragma once

// Standard base64 (RFC 4648 with padding), as Kubernetes uses for Secret data and kubeconfig
// certificate data.

#include <optional>
#include <string>
#include <string_view>

namespace driftless::core {

std::string base64Encode(std::string_view data);
// nullopt on characters outside the alphabet, bad padding or a bad length.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace driftless::core
