#pragma once

// What every network step of a checkout hands libgit2: credentials (basic, bearer header, SSH
// key), the server certificate or host key check (ca.crt, known_hosts), the proxy, and the
// deadline of the whole checkout (enforced from every callback and by libgit2's socket
// timeouts).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "driftless/git/checkout.h"
#include "libgit2.h"

namespace driftless::git::detail {

struct GitUrl {
  std::string scheme;  // http, https, ssh, git
  std::string user, password;
  std::string host;
  std::uint16_t port = 0;
  std::string redacted;  // the URL with any password replaced by `xxxxx`, as Go's url.Redacted
};

// Throws GitError("URLInvalid") when text is not an http(s)://, ssh:// or git:// URL.
GitUrl parseGitUrl(const std::string& text);

class Transport {
 public:
  // Validates the auth options for the URL's scheme as Flux's git.NewAuthOptions; throws
  // GitError("AuthenticationFailed") when they cannot work.
  Transport(const GitUrl& url, const CheckoutOptions& options);
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Options for git_remote_connect/git_remote_fetch; they point into this object.
  [[nodiscard]] git_remote_callbacks callbacks();
  [[nodiscard]] git_proxy_options proxyOptions();
  [[nodiscard]] git_strarray* customHeaders();
  [[nodiscard]] git_fetch_options fetchOptions(int depth, git_remote_autotag_option_t tags);

  // Throws the GitError describing a failed libgit2 call (rc) of the operation whose messages
  // start with prefix (e.g. "unable to clone 'URL'").
  [[noreturn]] void fail(int rc, const std::string& prefix) const;
  // Throws when the deadline has passed ("context deadline exceeded").
  void checkDeadline(const std::string& prefix) const;
  [[nodiscard]] bool expired() const;

 private:
  static int credentialsCb(git_credential** out, const char* url, const char* userFromUrl,
                           unsigned int allowed, void* payload);
  static int certificateCb(git_cert* cert, int valid, const char* host, void* payload);
  static int progressCb(const git_indexer_progress* stats, void* payload);
  static int sidebandCb(const char* str, int len, void* payload);
  int credentials(git_credential** out, const char* userFromUrl, unsigned int allowed);
  int checkCertificate(git_cert* cert, int valid, const char* host);
  int checkX509(const git_cert_x509& cert, int valid, const char* host);

  GitUrl url_;
  Auth auth_;
  std::optional<Proxy> proxy_;
  std::string proxyUrl_;
  std::chrono::steady_clock::time_point deadline_;
  std::vector<std::string> headers_;
  std::vector<char*> headerPtrs_;
  git_strarray headerArray_{};
  int credentialCalls_ = 0;
  int proxyCredentialCalls_ = 0;
  bool authFailed_ = false;
  std::string certError_;
};

}  // namespace driftless::git::detail
