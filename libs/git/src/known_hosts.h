#pragma once

// OpenSSH known_hosts checking with the outcomes of golang.org/x/crypto/ssh/knownhosts (what
// Flux uses): host patterns with wildcards and negation, `[host]:port` for non-22 ports, hashed
// entries (`|1|salt|hmac`), `@revoked` markers; `@cert-authority` lines are ignored.

#include <cstdint>
#include <string>
#include <string_view>

namespace driftless::git::detail {

enum class HostKeyCheck { Ok, Unknown, Mismatch, Revoked };

// keyBlob is the server's host key in SSH wire format (what known_hosts holds in base64).
HostKeyCheck checkKnownHost(std::string_view knownHosts, std::string_view host, std::uint16_t port,
                            std::string_view keyBlob);

// Go's knownhosts error text for a failed check ("knownhosts: key is unknown", ...).
std::string hostKeyCheckMessage(HostKeyCheck result);

}  // namespace driftless::git::detail
