#pragma once

// The consumer side of artifacts (fluxcd/pkg http/fetch ArchiveFetcher), used by the kustomize
// and helm controllers: download, verify the digest, extract.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "driftless/artifact/archive.h"
#include "driftless/core/error.h"

namespace driftless::artifact {

struct FetchOptions {
  int retries = 9;                                // --http-retry: retries after the first attempt
  std::chrono::milliseconds retryWaitMin{5000};   // retryablehttp's backoff: min * 2^attempt ...
  std::chrono::milliseconds retryWaitMax{30000};  // ... capped at max
  std::chrono::seconds timeout{300};              // per attempt, connection included
  std::uint64_t maxDownloadBytes = 100ull << 20;  // 0 = unlimited
  ExtractLimits extractLimits;
  std::string hostnameOverride;  // replaces the URL's host[:port] when set
};

// The server answered 404: the artifact is gone (e.g. source-controller restarted and has not
// rebuilt it yet); callers requeue instead of reporting a failure.
class ArtifactNotFound : public core::Error {
 public:
  using core::Error::Error;
};

// Downloads url (retrying connection errors, 429 and 5xx but 501, with exponential backoff),
// verifies that the bytes have digest ("<algo>:<hex>"; a bare hex means sha256) and extracts
// them into dest with extractTarGz. Throws ArtifactNotFound on 404 and core::Error otherwise:
// other statuses, a body over maxDownloadBytes, a digest mismatch (naming both digests), an
// unsafe archive.
void fetchArtifact(const std::string& url, const std::string& digest,
                   const std::filesystem::path& dest, const FetchOptions& options = {});

}  // namespace driftless::artifact
