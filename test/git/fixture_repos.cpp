#include "fixture_repos.h"

namespace driftless::test::git {

namespace {

// Commits with the given message at a fixed time (seconds after 2024-01-01).
std::string commitAt(int seconds, const std::string& message) {
  const std::string date = "@" + std::to_string(1704067200 + seconds) + " +0100";
  return "GIT_AUTHOR_DATE='" + date + "' GIT_COMMITTER_DATE='" + date +
         "' git commit -q --allow-empty -m '" + message + "'";
}

}  // namespace

const FixtureRepos& FixtureRepos::get() {
  static const FixtureRepos repos;
  return repos;
}

FixtureRepos::FixtureRepos() {
  const std::string root = dir_.path().string();
  sh("cd " + root + " && git init -q --bare -b master repo.git && git init -q -b master work" +
     " && cd work && mkdir -p apps/a infra/b && echo readme > README.md" +
     " && echo app > apps/a/app.yaml && echo infra > infra/b/infra.yaml && git add -A && " +
     commitAt(10, "initial\n\nbody") + " && git tag v1.0.0 && echo two >> README.md && " +
     "git commit -qam second --date=@1704067220 && " +
     "GIT_COMMITTER_DATE=@1704067221 git tag -a v1.1.0 -m 'release 1.1.0' && " +
     commitAt(30, "third") + " && git tag v1.2.0+build2 && " + commitAt(40, "fourth") +
     " && git tag v1.2.0+build1 && git tag latest && git tag 1.3 && " +
     "git checkout -q -b feat/x v1.1.0 && echo feature > feature.txt && git add -A && " +
     commitAt(50, "feature") + " && git tag v2.0.0 && " +
     "git push -q ../repo.git master feat/x --tags");
  sh("cd " + root + " && git init -q --bare -b master sub.git && git init -q -b master sub-work" +
     " && cd sub-work && echo sub > sub.txt && git add -A && " + commitAt(60, "sub") +
     " && git push -q ../sub.git master");
  sh("cd " + root + " && git init -q --bare -b master withsub.git && git init -q -b master " +
     "withsub-work && cd withsub-work && echo top > top.txt && " +
     "git -c protocol.file.allow=always submodule add -q " + root + "/sub.git sub && " +
     "git config -f .gitmodules submodule.sub.url ../sub.git && git add -A && " +
     commitAt(70, "with submodule") + " && git push -q ../withsub.git master");
  sh("cd " + root + " && git init -q --bare -b master empty.git");
}

std::string FixtureRepos::revParse(const std::string& rev, const std::string& repo) const {
  return sh("git --git-dir=" + (root() / repo).string() + " rev-parse '" + rev + "'");
}

}  // namespace driftless::test::git
