// source_bench URL BRANCH WORKDIR RUNS: what the source-controller does for a new revision,
// timed: a shallow checkout with libgit2 (libs/git) and the Flux tarball with its digest
// (libs/artifact Storage::archive). Prints "<median seconds> <peak RSS KiB>".

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "driftless/artifact/storage.h"
#include "driftless/git/checkout.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: source_bench URL BRANCH WORKDIR RUNS\n");
    return 2;
  }
  namespace fs = std::filesystem;
  const std::string url = argv[1];
  const fs::path work = argv[3];
  const int runs = std::stoi(argv[4]);
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    fs::remove_all(work);
    fs::create_directories(work / "storage");
    driftless::artifact::StorageOptions so;
    so.root = work / "storage";
    so.advertisedAddress = "localhost:9090";
    driftless::artifact::Storage storage(so);
    const auto start = std::chrono::steady_clock::now();
    driftless::git::CheckoutOptions options;
    options.ref.branch = argv[2];
    auto result = driftless::git::checkout(url, work / "clone", options);
    auto artifact =
        storage.newArtifact("GitRepository", "default", "bench", "main@sha1:" + result.commit.hash,
                            result.commit.hash + ".tar.gz");
    storage.archive(artifact, work / "clone", [](std::string_view rel, bool) {
      return rel == ".git" || rel.starts_with(".git/");  // true: left out
    });
    times.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%.3f %ld\n", times[times.size() / 2], usage.ru_maxrss);
  fs::remove_all(work);
  return 0;
}
