#include "transport.h"

#include <git2/sys/errors.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <mutex>

#include "driftless/core/text.h"

#include "known_hosts.h"

namespace driftless::git::detail {

namespace {

using Clock = std::chrono::steady_clock;

std::uint16_t defaultPort(const std::string& scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  if (scheme == "ssh") return 22;
  return 9418;
}

// Splits `user:password@host:port` (host may be `[v6]`).
void parseAuthority(const std::string& text, const std::string& authority, GitUrl& url) {
  std::string hostPort = authority;
  if (const auto at = authority.rfind('@'); at != std::string::npos) {
    const std::string userInfo = authority.substr(0, at);
    hostPort = authority.substr(at + 1);
    const auto colon = userInfo.find(':');
    url.user = userInfo.substr(0, colon);
    if (colon != std::string::npos) url.password = userInfo.substr(colon + 1);
  }
  std::string portText;
  if (hostPort.starts_with('[')) {
    const auto close = hostPort.find(']');
    if (close == std::string::npos) throw GitError("URLInvalid", "invalid URL '" + text + "'");
    url.host = hostPort.substr(1, close - 1);
    if (close + 1 < hostPort.size() && hostPort[close + 1] == ':')
      portText = hostPort.substr(close + 2);
  } else {
    const auto colon = hostPort.rfind(':');
    url.host = hostPort.substr(0, colon);
    if (colon != std::string::npos) portText = hostPort.substr(colon + 1);
  }
  url.port = defaultPort(url.scheme);
  if (!portText.empty()) {
    if (portText.size() > 5 || !std::all_of(portText.begin(), portText.end(), ::isdigit) ||
        std::stoul(portText) > 65535) {
      throw GitError("URLInvalid", "invalid port \":" + portText + "\" after host");
    }
    url.port = static_cast<std::uint16_t>(std::stoul(portText));
  }
}

struct X509Deleter {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct StoreDeleter {
  void operator()(X509_STORE* p) const noexcept { X509_STORE_free(p); }
};
struct StoreCtxDeleter {
  void operator()(X509_STORE_CTX* p) const noexcept { X509_STORE_CTX_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};

// Adds every certificate of pem to store; false when there is none.
bool addPemCertificates(X509_STORE* store, const std::string& pem) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  int added = 0;
  while (true) {
    std::unique_ptr<X509, X509Deleter> cert(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    if (X509_STORE_add_cert(store, cert.get()) == 1) ++added;
  }
  return added > 0;
}

void setTimeouts(std::chrono::milliseconds timeout) {
  // Process-wide in libgit2: the connect and per-read timeouts of every socket it opens.
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  const int ms = static_cast<int>(std::clamp<std::int64_t>(timeout.count(), 1, 3'600'000));
  git_libgit2_opts(GIT_OPT_SET_SERVER_CONNECT_TIMEOUT, ms);
  git_libgit2_opts(GIT_OPT_SET_SERVER_TIMEOUT, ms);
}

}  // namespace

GitUrl parseGitUrl(const std::string& text) {
  GitUrl url;
  const auto sep = text.find("://");
  if (sep == std::string::npos) {
    throw GitError("URLInvalid", "failed to parse url '" + text + "': missing protocol scheme");
  }
  url.scheme = core::asciiLower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https" && url.scheme != "ssh" && url.scheme != "git") {
    throw GitError("URLInvalid", "unsupported URL scheme '" + url.scheme + "'");
  }
  const auto rest = text.substr(sep + 3);
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  parseAuthority(text, authority, url);
  if (url.host.empty()) throw GitError("URLInvalid", "URL '" + text + "' has no host");
  url.redacted = text;
  if (!url.password.empty()) {
    url.redacted = url.scheme + "://" + url.user + ":xxxxx@" +
                   authority.substr(authority.rfind('@') + 1) +
                   (slash == std::string::npos ? "" : rest.substr(slash));
  }
  return url;
}

Transport::Transport(const GitUrl& url, const CheckoutOptions& options)
    : url_(url),
      auth_(options.auth),
      proxy_(options.proxy),
      deadline_(Clock::now() + options.timeout) {
  ensureLibgit2();
  if (url_.scheme == "ssh") {
    if (auth_.sshIdentity.empty())
      throw GitError("AuthenticationFailed", "invalid 'ssh' auth option: 'identity' is required");
    if (auth_.knownHosts.empty()) {
      throw GitError("AuthenticationFailed",
                     "invalid 'ssh' auth option: 'known_hosts' is required");
    }
    auth_.username = url_.user.empty() ? "git" : url_.user;  // Flux's DefaultPublicKeyAuthUser
  } else {
    if (auth_.username.empty()) auth_.username = url_.user;
    if (auth_.password.empty()) auth_.password = url_.password;
    if (auth_.username.empty() && !auth_.password.empty()) {
      throw GitError("AuthenticationFailed", "invalid '" + url_.scheme +
                                                 "' auth option: 'password' requires "
                                                 "'username' to be set");
    }
    if (!auth_.bearerToken.empty() && !auth_.username.empty()) {
      throw GitError("AuthenticationFailed",
                     "basic auth and bearer token cannot be set at the same time");
    }
  }
  if (!auth_.caPem.empty()) {
    std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
    if (!addPemCertificates(store.get(), auth_.caPem)) {
      throw GitError("AuthenticationFailed", "failed to parse CA certificate: no PEM data found");
    }
  }
  if (!auth_.bearerToken.empty()) headers_.push_back("Authorization: Bearer " + auth_.bearerToken);
  for (auto& h : headers_)
    headerPtrs_.push_back(h.data());
  headerArray_.strings = headerPtrs_.data();
  headerArray_.count = headerPtrs_.size();
  if (proxy_) proxyUrl_ = proxy_->address;
  setTimeouts(options.timeout);
}

git_remote_callbacks Transport::callbacks() {
  // A new network operation: its transport asks for credentials afresh.
  credentialCalls_ = 0;
  proxyCredentialCalls_ = 0;
  git_remote_callbacks cb;
  git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
  cb.credentials = &Transport::credentialsCb;
  cb.certificate_check = &Transport::certificateCb;
  cb.transfer_progress = &Transport::progressCb;
  cb.sideband_progress = &Transport::sidebandCb;
  cb.payload = this;
  return cb;
}

git_proxy_options Transport::proxyOptions() {
  git_proxy_options opts;
  git_proxy_options_init(&opts, GIT_PROXY_OPTIONS_VERSION);
  if (!proxy_) return opts;  // GIT_PROXY_NONE: ignore http_proxy and git config
  opts.type = GIT_PROXY_SPECIFIED;
  opts.url = proxyUrl_.c_str();
  opts.certificate_check = &Transport::certificateCb;
  opts.credentials = [](git_credential** out, const char*, const char*, unsigned int allowed,
                        void* payload) -> int {
    auto* self = static_cast<Transport*>(payload);
    if (++self->proxyCredentialCalls_ > 1 || self->proxy_->username.empty() ||
        (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) == 0) {
      git_error_set_str(GIT_ERROR_NET, "proxy authentication required");
      return GIT_EAUTH;
    }
    return git_credential_userpass_plaintext_new(out, self->proxy_->username.c_str(),
                                                 self->proxy_->password.c_str());
  };
  opts.payload = this;
  return opts;
}

git_strarray* Transport::customHeaders() {
  return &headerArray_;
}

git_fetch_options Transport::fetchOptions(int depth, git_remote_autotag_option_t tags) {
  git_fetch_options opts;
  git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
  opts.callbacks = callbacks();
  opts.proxy_opts = proxyOptions();
  opts.custom_headers = headerArray_;
  opts.depth = depth;
  opts.download_tags = tags;
  opts.prune = GIT_FETCH_NO_PRUNE;
  opts.update_fetchhead = 0;
  opts.follow_redirects = GIT_REMOTE_REDIRECT_INITIAL;
  return opts;
}

bool Transport::expired() const {
  return Clock::now() >= deadline_;
}

void Transport::checkDeadline(const std::string& prefix) const {
  if (expired()) throw GitError("GitOperationFailed", prefix + ": context deadline exceeded");
}

void Transport::fail(int rc, const std::string& prefix) const {
  std::string cause = lastErrorMessage();
  if (expired()) {
    cause = "context deadline exceeded";
  } else if (authFailed_ || rc == GIT_EAUTH) {
    cause = "authentication required";
  } else if (!certError_.empty()) {
    cause = certError_;
  } else if (cause.find("status code: 404") != std::string::npos) {
    cause = "repository not found";
  } else if (cause.find("status code: 403") != std::string::npos) {
    cause = "authorization failed";
  }
  for (const std::string* secret : {&auth_.password, &auth_.bearerToken, &url_.password}) {
    if (secret->empty()) continue;
    for (auto pos = cause.find(*secret); pos != std::string::npos; pos = cause.find(*secret)) {
      cause.replace(pos, secret->size(), "xxxxx");
    }
  }
  throw GitError("GitOperationFailed", prefix + ": " + cause);
}

int Transport::credentialsCb(git_credential** out, const char*, const char* userFromUrl,
                             unsigned int allowed, void* payload) {
  return static_cast<Transport*>(payload)->credentials(out, userFromUrl, allowed);
}

int Transport::credentials(git_credential** out, const char* userFromUrl, unsigned int allowed) {
  if (expired()) return GIT_EUSER;
  const bool ssh = url_.scheme == "ssh";
  if (ssh && (allowed & GIT_CREDENTIAL_USERNAME) != 0) {
    return git_credential_username_new(out, auth_.username.c_str());
  }
  // A second call means the server refused what the first one gave.
  if (++credentialCalls_ > 1) {
    authFailed_ = true;
    git_error_set_str(GIT_ERROR_NET, "authentication required");
    return GIT_EAUTH;
  }
  if (ssh && (allowed & (GIT_CREDENTIAL_SSH_MEMORY | GIT_CREDENTIAL_SSH_KEY)) != 0) {
    const std::string user = userFromUrl != nullptr && *userFromUrl ? userFromUrl : auth_.username;
    return git_credential_ssh_key_memory_new(
        out, user.c_str(), nullptr, auth_.sshIdentity.c_str(),
        auth_.sshPassphrase.empty() ? nullptr : auth_.sshPassphrase.c_str());
  }
  if (!ssh && (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0 && !auth_.username.empty()) {
    return git_credential_userpass_plaintext_new(out, auth_.username.c_str(),
                                                 auth_.password.c_str());
  }
  authFailed_ = true;
  git_error_set_str(GIT_ERROR_NET, "authentication required");
  return GIT_EAUTH;
}

int Transport::certificateCb(git_cert* cert, int valid, const char* host, void* payload) {
  return static_cast<Transport*>(payload)->checkCertificate(cert, valid, host);
}

int Transport::checkCertificate(git_cert* cert, int valid, const char* host) {
  if (expired()) return GIT_EUSER;
  if (cert->cert_type == GIT_CERT_X509) {
    return checkX509(*reinterpret_cast<const git_cert_x509*>(cert), valid, host);
  }
  if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) return GIT_PASSTHROUGH;
  const auto* key = reinterpret_cast<const git_cert_hostkey*>(cert);
  if ((key->type & GIT_CERT_SSH_RAW) == 0) {
    certError_ = "ssh: handshake failed: host key is not available";
    git_error_set_str(GIT_ERROR_SSH, certError_.c_str());
    return GIT_ECERTIFICATE;
  }
  const auto result = checkKnownHost(auth_.knownHosts, url_.host, url_.port,
                                     std::string_view(key->hostkey, key->hostkey_len));
  if (result == HostKeyCheck::Ok) return 0;
  certError_ = hostKeyCheckMessage(result);
  git_error_set_str(GIT_ERROR_SSH, certError_.c_str());
  return GIT_ECERTIFICATE;
}

// Go's behaviour with a CA bundle: the system roots plus the bundle.
int Transport::checkX509(const git_cert_x509& cert, int valid, const char* host) {
  if (valid != 0) return 0;
  if (auth_.caPem.empty()) return GIT_PASSTHROUGH;
  const auto* der = static_cast<const unsigned char*>(cert.data);
  std::unique_ptr<X509, X509Deleter> leaf(d2i_X509(nullptr, &der, static_cast<long>(cert.len)));
  std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter> ctx(X509_STORE_CTX_new());
  bool ok = leaf && store && ctx && addPemCertificates(store.get(), auth_.caPem) &&
            X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr) == 1 &&
            X509_verify_cert(ctx.get()) == 1;
  if (ok && host != nullptr) {
    ok = X509_check_host(leaf.get(), host, 0, 0, nullptr) == 1 ||
         X509_check_ip_asc(leaf.get(), host, 0) == 1;
  }
  if (ok) return 0;
  certError_ = "tls: failed to verify certificate: x509: certificate signed by unknown authority";
  git_error_set_str(GIT_ERROR_SSL, certError_.c_str());
  return GIT_ECERTIFICATE;
}

int Transport::progressCb(const git_indexer_progress*, void* payload) {
  return static_cast<Transport*>(payload)->expired() ? -1 : 0;
}

int Transport::sidebandCb(const char*, int, void* payload) {
  return static_cast<Transport*>(payload)->expired() ? -1 : 0;
}

}  // namespace driftless::git::detail
