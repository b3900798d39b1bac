// The gRPC ArtifactService against a real client on 127.0.0.1.

#include <grpcpp/grpcpp.h>

#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

#include "driftless/artifact/grpc_server.h"
#include "proto/artifact.grpc.pb.h"
#include "test_support.h"

namespace fs = std::filesystem;
namespace pb = driftless::artifact::v1;
using driftless::api::meta::Artifact;

TEST_CASE("ArtifactGrpcServer serves artifacts, files and new revisions", "[artifact][grpc]") {
  driftless::test::TempDir tmp("grpc-artifacts");
  fs::create_directories(tmp.path() / "gitrepository" / "default" / "app");
  std::string content(200 * 1024, 'x');  // more than one chunk
  content += "end";
  std::ofstream(tmp.path() / "gitrepository/default/app/a.tar.gz", std::ios::binary) << content;

  std::mutex mutex;
  std::map<std::string, Artifact> artifacts;
  Artifact a;
  a.path = "gitrepository/default/app/a.tar.gz";
  a.url = "http://localhost/gitrepository/default/app/a.tar.gz";
  a.revision = "main@sha1:1111111111111111111111111111111111111111";
  a.digest = "sha256:aaaa";
  a.size = static_cast<std::int64_t>(content.size());
  a.metadata["k"] = "v";
  artifacts["GitRepository/default/app"] = a;
  driftless::artifact::ArtifactGrpcServer server(
      tmp.path(),
      [&](const std::string& kind, const std::string& ns,
          const std::string& name) -> std::optional<Artifact> {
        std::lock_guard lock(mutex);
        auto it = artifacts.find(kind + "/" + ns + "/" + name);
        if (it == artifacts.end()) return std::nullopt;
        return it->second;
      },
      "127.0.0.1", 0, driftless::test::quietLogger());
  server.start();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server.port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = pb::ArtifactService::NewStub(channel);

  SECTION("GetArtifact") {
    grpc::ClientContext ctx;
    pb::ArtifactRequest req;
    req.set_kind("GitRepository");
    req.set_namespace_("default");
    req.set_name("app");
    pb::Artifact out;
    REQUIRE(stub->GetArtifact(&ctx, req, &out).ok());
    CHECK(out.revision() == a.revision);
    CHECK(out.size() == static_cast<std::int64_t>(content.size()));
    CHECK(out.metadata().at("k") == "v");
    grpc::ClientContext ctx2;
    req.set_name("missing");
    CHECK(stub->GetArtifact(&ctx2, req, &out).error_code() == grpc::StatusCode::NOT_FOUND);
  }
  SECTION("Fetch streams the file in chunks; paths stay in the storage") {
    grpc::ClientContext ctx;
    pb::FetchRequest req;
    req.set_path(a.path);
    auto reader = stub->Fetch(&ctx, req);
    pb::Chunk chunk;
    std::string got;
    int chunks = 0;
    while (reader->Read(&chunk)) {
      got += chunk.data();
      ++chunks;
    }
    REQUIRE(reader->Finish().ok());
    CHECK(got == content);
    CHECK(chunks > 1);
    for (const char* bad : {"../../etc/passwd", "/etc/passwd", "gitrepository/default/app/none"}) {
      grpc::ClientContext c;
      pb::FetchRequest r;
      r.set_path(bad);
      auto rd = stub->Fetch(&c, r);
      while (rd->Read(&chunk)) {
      }
      CHECK_FALSE(rd->Finish().ok());
    }
  }
  SECTION("Watch sends the current artifact, then new ones") {
    grpc::ClientContext ctx;
    pb::ArtifactRequest req;
    req.set_kind("GitRepository");
    req.set_namespace_("default");
    req.set_name("app");
    auto reader = stub->Watch(&ctx, req);
    pb::Artifact out;
    REQUIRE(reader->Read(&out));
    CHECK(out.revision() == a.revision);
    {
      std::lock_guard lock(mutex);
      artifacts["GitRepository/default/app"].revision =
          "main@sha1:2222222222222222222222222222222222222222";
      artifacts["GitRepository/default/app"].digest = "sha256:bbbb";
    }
    server.notify();
    REQUIRE(reader->Read(&out));
    CHECK(out.revision() == "main@sha1:2222222222222222222222222222222222222222");
    ctx.TryCancel();
    while (reader->Read(&out)) {
    }
    reader->Finish();
  }
  server.stop();
}
