#include "driftless/artifact/fetcher.h"

#include <atomic>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "driftless/artifact/digest.h"
#include "driftless/net/http_server.h"
#include "test_util.h"

namespace driftless::artifact {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;

// A file server whose /flaky answers 500 twice before the archive, /down always 500.
class FlakyServer {
 public:
  explicit FlakyServer(std::string archive, std::string hostile)
      : archive_(std::move(archive)),
        hostile_(std::move(hostile)),
        server_(
            nullptr, net::HttpServerOptions{},
            [this](const net::HttpRequest& req, net::ResponseWriter& res) { handle(req, res); }) {
    server_.start();
  }
  ~FlakyServer() { server_.stop(); }

  [[nodiscard]] std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + std::string(path);
  }
  std::atomic<int> flakyHits{0};
  std::atomic<int> downHits{0};

 private:
  void handle(const net::HttpRequest& req, net::ResponseWriter& res) {
    if (req.path == "/good.tar.gz") return res.send(200, "application/gzip", archive_);
    if (req.path == "/hostile.tar.gz") return res.send(200, "application/gzip", hostile_);
    if (req.path == "/flaky.tar.gz") {
      if (++flakyHits <= 2) return res.send(500, "text/plain", "try again");
      return res.send(200, "application/gzip", archive_);
    }
    if (req.path == "/down.tar.gz") {
      ++downHits;
      return res.send(503, "text/plain", "down");
    }
    if (req.path == "/forbidden.tar.gz") return res.send(403, "text/plain", "no");
    res.send(404, "text/plain", "404 page not found\n");
  }

  std::string archive_;
  std::string hostile_;
  net::HttpServer server_;
};

FetchOptions fastRetries(int retries) {
  FetchOptions o;
  o.retries = retries;
  o.retryWaitMin = std::chrono::milliseconds(1);
  o.retryWaitMax = std::chrono::milliseconds(4);
  o.timeout = std::chrono::seconds(10);
  return o;
}

TEST_CASE("fetchArtifact", "[artifact][fetcher]") {
  test::TempDir tmp;
  test::writeFile(tmp.path() / "src/deploy/app.yaml", "kind: Deployment\n");
  writeTarGz(tmp.path() / "src", tmp.path() / "good.tar.gz");
  std::string archive = test::readFile(tmp.path() / "good.tar.gz");
  std::string digest = computeDigest("sha256", archive);
  test::writeRawTarGz(tmp.path() / "hostile.tar.gz", {{"../evil", '0', "x"}});
  std::string hostile = test::readFile(tmp.path() / "hostile.tar.gz");
  FlakyServer server(archive, hostile);
  fs::path dest = tmp.path() / "dest";

  SECTION("good digest: extracted") {
    fetchArtifact(server.url("/good.tar.gz"), digest, dest, fastRetries(0));
    CHECK(test::readFile(dest / "deploy/app.yaml") == "kind: Deployment\n");
  }
  SECTION("bare hex and sha512 digests") {
    fetchArtifact(server.url("/good.tar.gz"), digest.substr(7), dest, fastRetries(0));
    fetchArtifact(server.url("/good.tar.gz"), computeDigest("sha512", archive), tmp.path() / "d2",
                  fastRetries(0));
    CHECK(fs::exists(tmp.path() / "d2/deploy/app.yaml"));
  }
  SECTION("wrong digest: an error naming both, nothing extracted") {
    std::string wrong = computeDigest("sha256", "something else");
    CHECK_THROWS_WITH(fetchArtifact(server.url("/good.tar.gz"), wrong, dest, fastRetries(0)),
                      ContainsSubstring(digest) && ContainsSubstring(wrong));
    CHECK_FALSE(fs::exists(dest));
  }
  SECTION("500 then 200 is retried") {
    fetchArtifact(server.url("/flaky.tar.gz"), digest, dest, fastRetries(9));
    CHECK(server.flakyHits == 3);
    CHECK(fs::exists(dest / "deploy/app.yaml"));
  }
  SECTION("retries run out") {
    CHECK_THROWS_WITH(fetchArtifact(server.url("/down.tar.gz"), digest, dest, fastRetries(2)),
                      ContainsSubstring("status: 503"));
    CHECK(server.downHits == 3);
  }
  SECTION("4xx is not retried; 404 is ArtifactNotFound") {
    CHECK_THROWS_WITH(fetchArtifact(server.url("/forbidden.tar.gz"), digest, dest, fastRetries(5)),
                      ContainsSubstring("status: 403"));
    CHECK_THROWS_AS(fetchArtifact(server.url("/gone.tar.gz"), digest, dest, fastRetries(5)),
                    ArtifactNotFound);
  }
  SECTION("oversized download") {
    FetchOptions o = fastRetries(3);
    o.maxDownloadBytes = archive.size() - 1;
    CHECK_THROWS_WITH(fetchArtifact(server.url("/good.tar.gz"), digest, dest, o),
                      ContainsSubstring("max download size"));
    o.maxDownloadBytes = archive.size();
    CHECK_NOTHROW(fetchArtifact(server.url("/good.tar.gz"), digest, dest, o));
  }
  SECTION("hostile archive with a matching digest") {
    CHECK_THROWS_WITH(fetchArtifact(server.url("/hostile.tar.gz"), computeDigest("sha256", hostile),
                                    dest, fastRetries(0)),
                      ContainsSubstring("failed to extract archive"));
    CHECK_FALSE(fs::exists(tmp.path() / "evil"));
  }
  SECTION("hostname override and refused connections") {
    FetchOptions o = fastRetries(0);
    o.hostnameOverride = "127.0.0.1:" + server.url("").substr(server.url("").rfind(':') + 1);
    fetchArtifact("http://source-controller.invalid/good.tar.gz", digest, dest, o);
    CHECK(fs::exists(dest / "deploy/app.yaml"));
    o.hostnameOverride = "127.0.0.1:1";
    o.retries = 1;
    CHECK_THROWS_WITH(fetchArtifact("http://x/good.tar.gz", digest, dest, o),
                      ContainsSubstring("failed to download archive"));
  }
  SECTION("invalid digests") {
    CHECK_THROWS_WITH(fetchArtifact(server.url("/good.tar.gz"), "", dest),
                      ContainsSubstring("empty digest"));
    CHECK_THROWS_WITH(fetchArtifact(server.url("/good.tar.gz"), "blake3:abc", dest),
                      ContainsSubstring("blake3"));
  }
}

}  // namespace
}  // namespace driftless::artifact
