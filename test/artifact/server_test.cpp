#include "driftless/artifact/server.h"

#include <catch2/catch_test_macros.hpp>

#include "test_util.h"

namespace driftless::artifact {
namespace {

namespace fs = std::filesystem;

struct ServerCase {
  std::string method;
  std::string target;
  long status;
  std::string body;         // checked when status is 200
  std::string contentType;  // checked when not empty
};

TEST_CASE("ArtifactServer over HTTP", "[artifact][server]") {
  test::TempDir tmp;
  fs::path root = tmp.path() / "storage";
  std::string tarball = "\x1f\x8b tarball bytes";
  test::writeFile(root / "gitrepository/ns/app/abc.tar.gz", tarball);
  test::writeFile(root / "helmrepository/ns/r/index-1.yaml", "{}\n");
  fs::create_symlink("index-1.yaml", root / "helmrepository/ns/r/index.yaml");
  test::writeFile(tmp.path() / "secret", "secret\n");
  fs::create_symlink(tmp.path() / "secret", root / "escape");
  test::writeFile(root / "with space.bin", "spaced");
  std::string big(9u << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>(i * 131 % 251);
  test::writeFile(root / "ocirepository/ns/big/big.tar.gz", big);

  ArtifactServer server(root, "127.0.0.1", 0, core::Logger());
  server.start();
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  std::vector<ServerCase> cases = {
      {"GET", "/", 200, "", ""},
      {"GET", "/gitrepository/ns/app/abc.tar.gz", 200, tarball, "application/gzip"},
      {"GET", "/helmrepository/ns/r/index.yaml", 200, "{}\n", "application/x-yaml"},
      {"GET", "/helmrepository/ns/r/index-1.yaml", 200, "{}\n", "application/x-yaml"},
      {"GET", "/with%20space.bin", 200, "spaced", "application/octet-stream"},
      {"GET", "/ocirepository/ns/big/big.tar.gz", 200, big, "application/gzip"},
      {"GET", "/missing.tar.gz", 404, "", ""},
      {"GET", "/gitrepository/ns/app", 404, "", ""},
      {"GET", "/gitrepository/", 404, "", ""},
      {"GET", "/../secret", 404, "", ""},
      {"GET", "/%2e%2e/secret", 404, "", ""},
      {"GET", "/%2E%2E/secret", 404, "", ""},
      {"GET", "/gitrepository/%2e%2e/%2e%2e/secret", 404, "", ""},
      {"GET", "/..%2fsecret", 404, "", ""},
      {"GET", "/gitrepository/ns/app/./abc.tar.gz", 404, "", ""},
      {"GET", "/escape", 404, "", ""},
      {"GET", "/gitrepository/ns/app/abc.tar.gz%00", 404, "", ""},
      {"POST", "/gitrepository/ns/app/abc.tar.gz", 405, "", ""},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.method << " " << c.target) {
      auto r = test::httpRequest(c.method, base + c.target);
      CHECK(r.status == c.status);
      if (c.status == 200) CHECK(r.body == c.body);
      if (!c.contentType.empty()) CHECK(r.contentType == c.contentType);
    }
  }

  SECTION("HEAD has the headers and no body") {
    auto r = test::httpRequest("HEAD", base + "/gitrepository/ns/app/abc.tar.gz");
    CHECK(r.status == 200);
    CHECK(r.body.empty());
    CHECK(r.contentLength == static_cast<std::int64_t>(tarball.size()));
    CHECK(r.contentType == "application/gzip");
    CHECK(test::httpRequest("HEAD", base + "/missing").status == 404);
  }
  server.stop();
}

}  // namespace
}  // namespace driftless::artifact
