#pragma once

// The fixture repositories every checkout test clones, built once per test binary.

#include <filesystem>
#include <string>

#include "git_servers.h"

namespace driftless::test::git {

// Under root():
//  repo.git   master: c1 (README.md, apps/a/app.yaml, infra/b/infra.yaml; tag v1.0.0, light)
//                     c2 (annotated tag v1.1.0), c3 (v1.2.0+build2), c4 (v1.2.0+build1, newer;
//                     also `latest` and the two-part `1.3`, which Flux's strict parser skips)
//             feat/x: c2 + c5 (feature.txt; tag v2.0.0)
//  sub.git    one commit with sub.txt
//  withsub.git  master with submodule `sub` -> ../sub.git
//  empty.git  no commits
class FixtureRepos {
 public:
  static const FixtureRepos& get();
  [[nodiscard]] const std::filesystem::path& root() const { return dir_.path(); }
  // `git rev-parse` in repo.git (or another bare repo).
  [[nodiscard]] std::string revParse(const std::string& rev,
                                     const std::string& repo = "repo.git") const;

 private:
  FixtureRepos();
  TempDir dir_;
};

}  // namespace driftless::test::git
