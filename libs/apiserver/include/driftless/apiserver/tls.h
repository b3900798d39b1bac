#pragma once

// Certificates of the embedded control plane: a CA and a serving certificate generated on first
// start and kept in the data directory, and the bearer token clients authenticate with.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "driftless/net/http_server.h"

namespace driftless::apiserver {

using net::SslCtxPtr;

struct ServingMaterial {
  std::string caCertPem;
  std::filesystem::path certFile;
  std::filesystem::path keyFile;
  std::string token;
};

// Loads ca.crt/ca.key, server.crt/server.key and token from dir, creating what is missing
// (EC P-256 keys, 10-year validity; the serving certificate names localhost, 127.0.0.1, ::1 and
// every extra host given). Keys and the token are written with mode 0600.
ServingMaterial ensureServingMaterial(const std::filesystem::path& dir,
                                      const std::vector<std::string>& extraHosts);

// A TLS 1.2+ server context with the serving certificate.
SslCtxPtr makeServerContext(const ServingMaterial& material);

}  // namespace driftless::apiserver
