#include "driftless/net/curl.h"

namespace driftless::net {

bool httpGetOk(const std::string& url, std::chrono::milliseconds timeout) {
  curlGlobalInit();
  CurlEasyPtr h(curl_easy_init());
  if (!h) return false;
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(
      h.get(), CURLOPT_WRITEFUNCTION,
      +[](char*, std::size_t size, std::size_t n, void*) -> std::size_t { return size * n; });
  if (curl_easy_perform(h.get()) != CURLE_OK) return false;
  long code = 0;
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &code);
  return code == 200;
}

}  // namespace driftless::net
