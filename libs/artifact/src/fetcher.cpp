#include "driftless/artifact/fetcher.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include "driftless/artifact/digest.h"
#include "driftless/net/curl.h"
#include "posix_handles.h"

namespace driftless::artifact {
namespace {

namespace fs = std::filesystem;

// The download's temp file, removed on destruction.
class DownloadFile {
 public:
  DownloadFile() {
    std::string tmpl = (fs::temp_directory_path() / "driftless-fetch-XXXXXX").string();
    fd_ = UniqueFd(::mkstemp(tmpl.data()));
    if (!fd_.valid())
      throw core::Error("cannot create a temp file: " + std::string(std::strerror(errno)));
    path_ = tmpl;
  }
  ~DownloadFile() { ::unlink(path_.c_str()); }
  DownloadFile(const DownloadFile&) = delete;
  DownloadFile& operator=(const DownloadFile&) = delete;

  [[nodiscard]] const fs::path& path() const noexcept { return path_; }
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  void truncate() {
    if (::ftruncate(fd_.get(), 0) != 0 || ::lseek(fd_.get(), 0, SEEK_SET) != 0) {
      throw core::Error("cannot truncate " + path_.string() + ": " + std::strerror(errno));
    }
  }

 private:
  UniqueFd fd_;
  fs::path path_;
};

// What the write callback needs: only a 200 body is stored, digested and counted.
struct Sink {
  CURL* curl = nullptr;
  int fd = -1;
  std::uint64_t max = 0;
  std::uint64_t written = 0;
  bool tooLarge = false;
  bool writeFailed = false;
  std::optional<Digester> digester;
};

std::size_t writeBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto& sink = *static_cast<Sink*>(user);
  std::size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(sink.curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) return n;  // an error page: discarded
  if (sink.max > 0 && sink.written + n > sink.max) {
    sink.tooLarge = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  for (std::size_t off = 0; off < n;) {
    ssize_t w = ::write(sink.fd, data + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      sink.writeFailed = true;
      return 0;
    }
    off += static_cast<std::size_t>(w);
  }
  sink.digester->update(std::string_view(data, n));
  sink.written += n;
  return n;
}

// scheme://host[:port]/rest with host[:port] replaced.
std::string overrideHost(const std::string& url, const std::string& host) {
  std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) throw core::Error("invalid artifact URL " + url);
  std::size_t start = scheme + 3;
  std::size_t end = url.find_first_of("/?#", start);
  return url.substr(0, start) + host + (end == std::string::npos ? "" : url.substr(end));
}

struct Attempt {
  CURLcode rc = CURLE_OK;
  long status = 0;
  std::string error;
};

Attempt download(CURL* curl, const std::string& url, const FetchOptions& options, Sink& sink) {
  std::array<char, CURL_ERROR_SIZE> error{};
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "driftless-artifact-fetcher");
  auto timeoutMs = static_cast<long>(std::chrono::milliseconds(options.timeout).count());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeoutMs);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeoutMs, 30000L));
  if (options.maxDownloadBytes > 0) {
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(options.maxDownloadBytes));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &writeBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error.data());
  Attempt a;
  a.rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.status);
  a.error = error[0] != '\0' ? error.data() : curl_easy_strerror(a.rc);
  return a;
}

bool retryableStatus(long status) {
  return status == 429 || (status >= 500 && status != 501);
}

std::chrono::milliseconds backoff(const FetchOptions& options, int attempt) {
  auto wait = options.retryWaitMin;
  for (int i = 0; i < attempt && wait < options.retryWaitMax; ++i)
    wait *= 2;
  return std::min(wait, options.retryWaitMax);
}

// Downloads into file until a 200 (returning the digest of the body) or a final failure.
std::string downloadWithRetries(const std::string& url, const FetchOptions& options,
                                DownloadFile& file, const std::string& algorithm) {
  net::curlGlobalInit();
  net::CurlEasyPtr curl(curl_easy_init());
  if (!curl) throw core::Error("curl_easy_init failed");
  std::string lastProblem;
  for (int attempt = 0; attempt <= options.retries; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(backoff(options, attempt - 1));
    file.truncate();
    Sink sink{curl.get(), file.fd(), options.maxDownloadBytes, 0,
              false,      false,     Digester(algorithm)};
    Attempt a = download(curl.get(), url, options, sink);
    std::string limit = std::to_string(options.maxDownloadBytes);
    if (sink.tooLarge || a.rc == CURLE_FILESIZE_EXCEEDED) {
      throw core::Error("artifact from " + url + " is bigger than the max download size of " +
                        limit + " bytes");
    }
    if (sink.writeFailed)
      throw core::Error("cannot write the download: " + std::string(std::strerror(errno)));
    if (a.rc != CURLE_OK) {
      lastProblem = a.error;
      if (!net::retryableCurlError(a.rc)) break;
      continue;
    }
    if (a.status == 200) return sink.digester->digest();
    if (a.status == 404) throw ArtifactNotFound("artifact not found at " + url + " (status: 404)");
    lastProblem = "status: " + std::to_string(a.status);
    if (!retryableStatus(a.status)) break;
  }
  throw core::Error("failed to download archive from " + url + " (" + lastProblem + ")");
}

}  // namespace

void fetchArtifact(const std::string& url, const std::string& digest, const fs::path& dest,
                   const FetchOptions& options) {
  if (digest.empty()) throw core::Error("failed to verify archive: empty digest");
  ParsedDigest want = parseDigest(digest);
  std::string target =
      options.hostnameOverride.empty() ? url : overrideHost(url, options.hostnameOverride);
  DownloadFile file;
  std::string got = downloadWithRetries(target, options, file, want.algorithm);
  std::string wanted = want.algorithm + ":" + want.hex;
  if (got != wanted) {
    throw core::Error("failed to verify archive: computed digest " + got +
                      " doesn't match provided " + wanted);
  }
  try {
    extractTarGz(file.path(), dest, options.extractLimits);
  } catch (const core::Error& e) {
    throw core::Error(std::string("failed to extract archive: ") + e.what());
  }
}

}  // namespace driftless::artifact
