#pragma once

// RAII for libcurl handles, shared by every HTTP client of the toolkit (the Kubernetes client,
// the event forwarder, the artifact fetcher).

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace driftless::net {

struct CurlEasyDeleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// curl_global_init once per process, before the first easy handle (it is not thread-safe
// itself, so every client goes through this).
inline void curlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Connection and transfer errors are retried, as Go's retryablehttp retries every transport
// error but a malformed URL, an unsupported scheme and an untrusted certificate.
inline bool retryableCurlError(CURLcode rc) noexcept {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return false;
    default:
      return true;
  }
}

// True when a GET of url answers 200 within timeout (health and readiness probes; the body is
// discarded).
bool httpGetOk(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace driftless::net
