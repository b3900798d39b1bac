#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <thread>

#include "driftless/core/error.h"
#include "driftless/net/curl.h"
#include "driftless/notify/notifier.h"

namespace driftless::notify {
namespace {

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto* out = static_cast<std::string*>(user);
  const std::size_t n = size * count;
  // Answers are small; a provider that streams megabytes gets cut off.
  if (out->size() + n > 1024 * 1024) return 0;
  out->append(data, n);
  return n;
}

// scheme://host[:port] of a URL: the path and query of chat webhooks hold secrets (Slack and
// Discord hook ids, Telegram's bot token), so errors name the server only.
std::string origin(const std::string& url) {
  const std::size_t scheme = url.find("://");
  const std::size_t host = scheme == std::string::npos ? 0 : scheme + 3;
  std::string out = url.substr(0, std::min(url.find_first_of("/?#", host), url.size()));
  const std::size_t at = out.rfind('@');
  if (at != std::string::npos && at >= host) out.erase(host, at + 1 - host);
  return out;
}

bool retryableStatus(long status) {
  return status == 0 || status == 429 || (status >= 500 && status != 501);
}

class CurlTransport : public Transport {
 public:
  explicit CurlTransport(TransportOptions options) : options_(std::move(options)) {
    net::curlGlobalInit();
    handle_.reset(curl_easy_init());
    if (!handle_) throw core::Error("curl_easy_init failed");
  }

  OutboundResponse send(const OutboundRequest& request) override {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + options_.timeout;
    std::string problem;
    OutboundResponse last;
    for (int attempt = 0; attempt <= options_.retryMax; ++attempt) {
      if (attempt > 0) {
        auto wait = options_.retryWaitMin;
        for (int i = 1; i < attempt && wait < options_.retryWaitMax; ++i)
          wait *= 2;
        wait = std::min(wait, options_.retryWaitMax);
        if (Clock::now() + wait >= deadline) break;
        std::this_thread::sleep_for(wait);
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      CURLcode rc = CURLE_OK;
      last = once(request, left, rc, problem);
      if (rc != CURLE_OK) {
        if (!net::retryableCurlError(rc)) break;
        continue;
      }
      if (!retryableStatus(last.status)) return last;
      problem = "request failed with status code " + std::to_string(last.status);
    }
    if (last.status != 0) return last;  // the last answer, e.g. a 503 after every retry
    throw core::Error("failed to execute request to " + origin(request.url) + ": " +
                      (problem.empty() ? std::string("timed out") : problem));
  }

 private:
  OutboundResponse once(const OutboundRequest& request, std::chrono::milliseconds timeout,
                        CURLcode& rc, std::string& problem) {
    CURL* h = handle_.get();
    curl_easy_reset(h);
    std::array<char, CURL_ERROR_SIZE> error{};
    net::CurlSlistPtr headers;
    for (const auto& [k, v] : request.headers) {
      const std::string line = k + ": " + v;
      curl_slist* next = curl_slist_append(headers.get(), line.c_str());
      if (next == nullptr) throw core::Error("curl_slist_append failed");
      if (!headers) headers.reset(next);
    }
    curl_slist* next = curl_slist_append(headers.get(), "Expect:");
    if (next != nullptr && !headers) headers.reset(next);
    OutboundResponse response;
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "driftless-notification-controller");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    if (request.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
    }
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error.data());
    curl_blob ca{};
    curl_blob cert{};
    curl_blob key{};
    if (!options_.caPem.empty()) {
      ca = {options_.caPem.data(), options_.caPem.size(), CURL_BLOB_NOCOPY};
      curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
    }
    if (!options_.certPem.empty() && !options_.keyPem.empty()) {
      cert = {options_.certPem.data(), options_.certPem.size(), CURL_BLOB_NOCOPY};
      key = {options_.keyPem.data(), options_.keyPem.size(), CURL_BLOB_NOCOPY};
      curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
      curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
      curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (!options_.proxy.empty()) curl_easy_setopt(h, CURLOPT_PROXY, options_.proxy.c_str());
    rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    if (rc != CURLE_OK) {
      // curl's message names the host at most, never the path or the body.
      problem = error[0] != '\0' ? error.data() : curl_easy_strerror(rc);
      return {};
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }

  TransportOptions options_;
  net::CurlEasyPtr handle_;
};

}  // namespace

std::unique_ptr<Transport> makeCurlTransport(TransportOptions options) {
  return std::make_unique<CurlTransport>(std::move(options));
}

}  // namespace driftless::notify
