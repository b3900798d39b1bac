#include "known_hosts.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <sstream>
#include <vector>

#include "driftless/core/base64.h"

namespace driftless::git::detail {

namespace {

// `*` and `?` wildcards as OpenSSH's match_pattern.
bool wildcardMatch(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  if (pattern.front() == '*') {
    for (std::size_t i = 0; i <= text.size(); ++i) {
      if (wildcardMatch(pattern.substr(1), text.substr(i))) return true;
    }
    return false;
  }
  if (text.empty()) return false;
  if (pattern.front() != '?' && pattern.front() != text.front()) return false;
  return wildcardMatch(pattern.substr(1), text.substr(1));
}

bool hashedMatch(std::string_view entry, const std::string& hostKey) {
  // |1|base64(salt)|base64(hmac-sha1(salt, host))
  const std::string_view rest = entry.substr(3);
  const auto bar = rest.find('|');
  if (bar == std::string_view::npos) return false;
  const auto salt = core::base64Decode(rest.substr(0, bar));
  const auto want = core::base64Decode(rest.substr(bar + 1));
  if (!salt || !want) return false;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int macLen = 0;
  HMAC(EVP_sha1(), salt->data(), static_cast<int>(salt->size()),
       reinterpret_cast<const unsigned char*>(hostKey.data()), hostKey.size(), mac, &macLen);
  return std::string(reinterpret_cast<const char*>(mac), macLen) == *want;
}

// True when the comma-separated patterns match hostKey (`host` or `[host]:port`) and no negated
// pattern does.
bool hostsMatch(std::string_view patterns, const std::string& hostKey) {
  if (patterns.starts_with("|1|")) return hashedMatch(patterns, hostKey);
  bool matched = false;
  std::size_t start = 0;
  while (start <= patterns.size()) {
    auto end = patterns.find(',', start);
    if (end == std::string_view::npos) end = patterns.size();
    std::string_view p = patterns.substr(start, end - start);
    const bool negated = p.starts_with('!');
    if (negated) p.remove_prefix(1);
    if (wildcardMatch(p, hostKey)) {
      if (negated) return false;
      matched = true;
    }
    start = end + 1;
  }
  return matched;
}

}  // namespace

HostKeyCheck checkKnownHost(std::string_view knownHosts, std::string_view host, std::uint16_t port,
                            std::string_view keyBlob) {
  const std::string hostKey =
      port == 22 ? std::string(host) : "[" + std::string(host) + "]:" + std::to_string(port);
  bool hostSeen = false;
  bool keyFound = false;
  std::istringstream lines{std::string(knownHosts)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string marker, hosts, type, key;
    if (!(fields >> hosts) || hosts.starts_with('#')) continue;
    if (hosts.starts_with('@')) {
      marker = hosts;
      if (!(fields >> hosts)) continue;
    }
    if (!(fields >> type >> key) || marker == "@cert-authority") continue;
    if (!hostsMatch(hosts, hostKey)) continue;
    const auto blob = core::base64Decode(key);
    const bool same = blob && *blob == keyBlob;
    if (marker == "@revoked") {
      if (same) return HostKeyCheck::Revoked;
      continue;
    }
    hostSeen = true;
    keyFound = keyFound || same;
  }
  if (keyFound) return HostKeyCheck::Ok;
  return hostSeen ? HostKeyCheck::Mismatch : HostKeyCheck::Unknown;
}

std::string hostKeyCheckMessage(HostKeyCheck result) {
  switch (result) {
    case HostKeyCheck::Ok:
      return "";
    case HostKeyCheck::Unknown:
      return "ssh: handshake failed: knownhosts: key is unknown";
    case HostKeyCheck::Mismatch:
      return "ssh: handshake failed: knownhosts: key mismatch";
    case HostKeyCheck::Revoked:
      return "ssh: handshake failed: knownhosts: key is revoked";
  }
  return "";
}

}  // namespace driftless::git::detail
