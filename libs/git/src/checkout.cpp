#include "driftless/git/checkout.h"

#include <algorithm>
#include <system_error>

#include "driftless/core/semver.h"
#include "objects.h"
#include "transport.h"

namespace driftless::git {

namespace {

namespace fs = std::filesystem;
using detail::GitUrl;
using detail::oidHex;
using detail::Transport;

constexpr const char* kDereference = "^{}";
constexpr int kSubmoduleDepth = 10;  // go-git's DefaultSubmoduleRecursionDepth

struct RemoteRef {
  std::string name;
  git_oid oid;
};
using RefList = std::vector<RemoteRef>;

// Flux's git.TransformRevision: `main/<hex>` -> `main@sha1:<hex>`, `HEAD/<hex>` -> `sha1:<hex>`.
std::string transformRevision(const std::string& rev) {
  if (rev.empty() || rev.find(':') != std::string::npos) return rev;
  std::string pointer;
  std::string hash = rev;
  if (const auto at = rev.rfind('@'); at != std::string::npos) {
    pointer = rev.substr(0, at);
    hash = rev.substr(at + 1);
  } else if (const auto slash = rev.rfind('/'); slash != std::string::npos) {
    pointer = rev.substr(0, slash) == "HEAD" ? "" : rev.substr(0, slash);
    hash = rev.substr(slash + 1);
  }
  Commit c;
  c.hash = hash;
  return pointer.empty() ? c.revision() : pointer + "@" + c.revision();
}

bool isBareHash(const std::string& s) {
  return (s.size() == 40 || s.size() == 64) &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(c) != 0; });
}

// The no-op check: lastObserved is a full revision (compared as Flux does) or a bare hash.
bool unchanged(const std::string& lastObserved, const std::string& revision,
               const std::string& hash) {
  if (lastObserved.empty()) return false;
  if (isBareHash(lastObserved)) return lastObserved == hash;
  return transformRevision(lastObserved) == revision;
}

// Flux's filterRefs: the commit a ref resolves to, peeling annotated tags.
const RemoteRef* findRef(const RefList& refs, const std::string& name) {
  const bool tag = name.starts_with("refs/tags/") && !name.ends_with(kDereference);
  const RemoteRef* fallback = nullptr;
  for (const auto& r : refs) {
    if (r.name == name) {
      if (!tag) return &r;
      fallback = &r;
    }
    if (tag && r.name == name + kDereference) return &r;
  }
  return fallback;
}

std::string quote(const std::string& s) {
  return "\"" + s + "\"";
}

// A commit known only by its hash and reference (what the no-op check compares).
Commit probeCommit(const git_oid& oid, const std::string& reference, bool absolute) {
  Commit c;
  c.hash = oidHex(oid);
  c.reference = reference;
  c.absoluteReference = absolute;
  return c;
}

CheckoutResult resultOf(Commit commit) {
  CheckoutResult r;
  r.commit = std::move(commit);
  return r;
}

class Cloner {
 public:
  Cloner(const std::string& url, fs::path dir, const CheckoutOptions& options)
      : url_(detail::parseGitUrl(url)),
        rawUrl_(url),
        dir_(std::move(dir)),
        options_(options),
        transport_(url_, options) {}

  CheckoutResult run();

 private:
  [[nodiscard]] std::string clonePrefix() const {
    return "unable to clone '" + url_.redacted + "'";
  }
  RefList listRemote(const std::string& errorPrefix);
  CheckoutResult cloneBranch(const std::string& branch, const RefList& refs, bool checkSkip);
  CheckoutResult cloneTag(const std::string& tag, const RefList& refs, bool checkSkip);
  CheckoutResult checkoutFetchedTag(const std::string& tag);
  CheckoutResult cloneSemver(const std::string& constraint, const RefList& refs);
  CheckoutResult cloneCommit(const std::string& commit, const std::string& branch,
                             const RefList& refs);
  CheckoutResult cloneRefName(const std::string& refName);
  CheckoutResult cloneOtherRef(const std::string& refName, const RemoteRef& ref);
  CheckoutResult skippedResult(const std::string& reference, const git_oid& oid);
  void initRepository();
  void fetch(const std::vector<std::string>& refspecs, int depth);
  git_oid resolveLocal(const std::string& refName);
  void checkoutTree(const git_oid& commit, const std::string& headRef);
  void updateSubmodules(git_repository* repo, int depth);
  Commit finish(const git_oid& commit, const std::string& reference);

  GitUrl url_;
  std::string rawUrl_;
  fs::path dir_;
  const CheckoutOptions& options_;
  Transport transport_;
  detail::RepositoryPtr repo_;
};

CheckoutResult Cloner::run() {
  const Reference& ref = options_.ref;
  if (!ref.commit.empty()) {
    return cloneCommit(ref.commit, ref.branch,
                       ref.branch.empty() ? RefList{} : listRemote(clonePrefix()));
  }
  if (!ref.name.empty()) return cloneRefName(ref.name);
  const bool optimized = !options_.lastObservedCommit.empty();
  const std::string listPrefix =
      optimized ? "unable to list remote for '" + url_.redacted + "'" : clonePrefix();
  if (!ref.semver.empty()) return cloneSemver(ref.semver, listRemote(clonePrefix()));
  if (!ref.tag.empty()) return cloneTag(ref.tag, listRemote(listPrefix), optimized);
  const std::string branch = ref.branch.empty() ? "master" : ref.branch;
  return cloneBranch(branch, listRemote(listPrefix), optimized);
}

RefList Cloner::listRemote(const std::string& errorPrefix) {
  detail::ensureLibgit2();
  git_remote* raw = nullptr;
  if (const int rc = git_remote_create_detached(&raw, rawUrl_.c_str()); rc != 0) {
    throw GitError("URLInvalid",
                   "invalid URL '" + url_.redacted + "': " + detail::lastErrorMessage());
  }
  const detail::RemotePtr remote(raw);
  const git_remote_callbacks callbacks = transport_.callbacks();
  const git_proxy_options proxy = transport_.proxyOptions();
  if (const int rc = git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &callbacks, &proxy,
                                        transport_.customHeaders());
      rc != 0) {
    transport_.fail(rc, errorPrefix);
  }
  const git_remote_head** heads = nullptr;
  std::size_t count = 0;
  if (const int rc = git_remote_ls(&heads, &count, remote.get()); rc != 0) {
    transport_.fail(rc, errorPrefix);
  }
  RefList refs;
  for (std::size_t i = 0; i < count; ++i)
    refs.push_back({heads[i]->name, heads[i]->oid});
  git_remote_disconnect(remote.get());
  return refs;
}

CheckoutResult Cloner::skippedResult(const std::string& reference, const git_oid& oid) {
  CheckoutResult result;
  result.skipped = true;
  result.commit.hash = oidHex(oid);
  result.commit.reference = reference;
  return result;
}

CheckoutResult Cloner::cloneBranch(const std::string& branch, const RefList& refs, bool checkSkip) {
  const std::string refName = "refs/heads/" + branch;
  const RemoteRef* remote = findRef(refs, refName);
  if (remote == nullptr) {
    if (refs.empty()) throw GitError("EmptyGitRepository", "git repository is empty");
    throw GitError("GitOperationFailed",
                   clonePrefix() + ": couldn't find remote ref " + quote(refName));
  }
  const Commit probe = probeCommit(remote->oid, refName, false);
  if (checkSkip && unchanged(options_.lastObservedCommit, probe.revision(), probe.hash)) {
    return skippedResult(refName, remote->oid);
  }
  initRepository();
  fetch({"+" + refName + ":refs/remotes/origin/" + branch}, 1);
  const git_oid oid = resolveLocal("refs/remotes/origin/" + branch);
  git_reference* localBranch = nullptr;
  git_commit* rawCommit = nullptr;
  if (git_commit_lookup(&rawCommit, repo_.get(), &oid) != 0 ||
      git_reference_create(&localBranch, repo_.get(), refName.c_str(), &oid, 1, nullptr) != 0) {
    git_commit_free(rawCommit);
    transport_.fail(-1, "unable to resolve HEAD of branch '" + branch + "'");
  }
  git_commit_free(rawCommit);
  git_reference_free(localBranch);
  checkoutTree(oid, refName);
  return resultOf(finish(oid, refName));
}

CheckoutResult Cloner::cloneTag(const std::string& tag, const RefList& refs, bool checkSkip) {
  const std::string refName = "refs/tags/" + tag;
  const RemoteRef* remote = findRef(refs, refName);
  if (remote == nullptr) {
    throw GitError("GitOperationFailed",
                   clonePrefix() + ": couldn't find remote ref " + quote(refName));
  }
  const Commit probe = probeCommit(remote->oid, refName, false);
  if (checkSkip && unchanged(options_.lastObservedCommit, probe.revision(), probe.hash)) {
    return skippedResult(refName, remote->oid);
  }
  initRepository();
  fetch({"+" + refName + ":" + refName}, 1);
  return checkoutFetchedTag(tag);
}

CheckoutResult Cloner::checkoutFetchedTag(const std::string& tag) {
  const std::string refName = "refs/tags/" + tag;
  const git_oid target = resolveLocal(refName);
  git_object* raw = nullptr;
  if (git_revparse_single(&raw, repo_.get(), (refName + "^{commit}").c_str()) != 0) {
    transport_.fail(-1, "unable to resolve HEAD of tag '" + tag + "'");
  }
  const detail::ObjectPtr commitObj(raw);
  const git_oid oid = *git_object_id(commitObj.get());
  checkoutTree(oid, "");
  CheckoutResult result = resultOf(finish(oid, refName));
  result.tag = detail::readTag(repo_.get(), target, tag);
  return result;
}

CheckoutResult Cloner::cloneSemver(const std::string& constraintText, const RefList& refs) {
  std::optional<core::Constraints> constraint;
  try {
    constraint = core::Constraints::parse(constraintText);
  } catch (const core::Error& e) {
    throw GitError("GitOperationFailed", std::string("semver parse error: ") + e.what());
  }
  std::vector<std::pair<core::Version, std::string>> matched;
  for (const auto& r : refs) {
    if (!r.name.starts_with("refs/tags/") || r.name.ends_with(kDereference)) continue;
    const std::string tag = r.name.substr(10);
    const auto v = core::Version::parseFlux(tag);
    if (v && constraint->check(*v)) matched.emplace_back(*v, tag);
  }
  if (matched.empty()) {
    throw GitError("GitOperationFailed", "no match found for semver: " + constraintText);
  }
  std::sort(matched.begin(), matched.end(), [](const auto& a, const auto& b) {
    const int c = a.first.compare(b.first);
    return c != 0 ? c < 0 : a.second < b.second;
  });
  // Versions equal but for build metadata: Flux takes the one whose commit is the newest.
  std::vector<std::string> tied;
  for (const auto& [v, tag] : matched) {
    if (v.compare(matched.back().first) == 0) tied.push_back(tag);
  }
  if (tied.size() == 1) return cloneTag(tied.front(), refs, false);
  initRepository();
  std::vector<std::string> specs;
  for (const auto& t : tied)
    specs.push_back("+refs/tags/" + t + ":refs/tags/" + t);
  fetch(specs, 1);
  std::string best;
  git_time_t bestWhen = 0;
  for (const auto& t : tied) {
    git_object* raw = nullptr;
    if (git_revparse_single(&raw, repo_.get(), ("refs/tags/" + t + "^{commit}").c_str()) != 0)
      continue;
    const detail::ObjectPtr obj(raw);
    const auto when = git_commit_committer(reinterpret_cast<git_commit*>(obj.get()))->when.time;
    if (best.empty() || when >= bestWhen) {
      best = t;
      bestWhen = when;
    }
  }
  return checkoutFetchedTag(best);
}

CheckoutResult Cloner::cloneCommit(const std::string& commit, const std::string& branch,
                                   const RefList& refs) {
  std::string reference;
  if (!branch.empty()) {
    reference = "refs/heads/" + branch;
    if (findRef(refs, reference) == nullptr) {
      throw GitError("GitOperationFailed",
                     clonePrefix() + ": couldn't find remote ref " + quote(reference));
    }
    initRepository();
    fetch({"+" + reference + ":refs/remotes/origin/" + branch}, 0);
  } else {
    initRepository();
    fetch({"+refs/heads/*:refs/remotes/origin/*"}, 0);
  }
  git_oid oid;
  if (git_oid_fromstr(&oid, commit.c_str()) != 0) {
    throw GitError("GitOperationFailed",
                   "unable to resolve commit object for '" + commit + "': object not found");
  }
  checkoutTree(oid, "");
  return resultOf(finish(oid, reference));
}

CheckoutResult Cloner::cloneRefName(const std::string& refName) {
  if (refName.starts_with('/') || refName.ends_with('/')) {
    throw GitError("GitOperationFailed", "ref " + refName +
                                             " is invalid; Git refs cannot begin or end with a "
                                             "slash '/'");
  }
  const RefList refs = listRemote("unable to list remote for '" + url_.redacted + "'");
  const RemoteRef* remote = findRef(refs, refName);
  if (remote == nullptr) {
    throw GitError("GitOperationFailed",
                   "unable to resolve ref '" + refName + "' to a specific commit");
  }
  const Commit probe = probeCommit(remote->oid, refName, true);
  if (unchanged(options_.lastObservedCommit, probe.revision(), probe.hash)) {
    CheckoutResult result = skippedResult(refName, remote->oid);
    result.commit.absoluteReference = true;
    return result;
  }
  CheckoutResult result;
  if (refName.starts_with("refs/heads/")) {
    result = cloneBranch(refName.substr(11), refs, false);
  } else if (refName.starts_with("refs/tags/")) {
    std::string tag = refName.substr(10);
    if (tag.ends_with(kDereference)) tag.resize(tag.size() - 3);
    result = cloneTag(tag, refs, false);
  } else {
    result = cloneOtherRef(refName, *remote);
  }
  result.commit.reference = refName;
  result.commit.absoluteReference = true;
  return result;
}

// Any other ref (refs/pull/1/head, ...): fetched by name, its commit checked out.
CheckoutResult Cloner::cloneOtherRef(const std::string& refName, const RemoteRef& ref) {
  initRepository();
  fetch({"+" + refName + ":refs/remotes/origin/driftless-ref"}, 1);
  const git_oid oid = ref.oid;
  checkoutTree(oid, "");
  return resultOf(finish(oid, refName));
}

void Cloner::initRepository() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    throw GitError("GitOperationFailed",
                   "unable to create directory '" + dir_.string() + "': " + ec.message());
  }
  if (!fs::is_empty(dir_, ec)) {
    throw GitError("GitOperationFailed",
                   "unable to clone into '" + dir_.string() + "': directory is not empty");
  }
  git_repository* raw = nullptr;
  if (git_repository_init(&raw, dir_.c_str(), 0) != 0) {
    transport_.fail(-1, "unable to initialise repository in '" + dir_.string() + "'");
  }
  repo_.reset(raw);
  git_remote* remote = nullptr;
  if (git_remote_create(&remote, repo_.get(), "origin", rawUrl_.c_str()) != 0) {
    throw GitError("URLInvalid",
                   "invalid URL '" + url_.redacted + "': " + detail::lastErrorMessage());
  }
  git_remote_free(remote);
}

void Cloner::fetch(const std::vector<std::string>& refspecs, int depth) {
  // libgit2 1.8 breaks shallow negotiation on stateful transports (git://, ssh://): upload-pack
  // dies with "expected SHA1 list". There the single ref is fetched with its history instead.
  if (url_.scheme != "http" && url_.scheme != "https") depth = 0;
  git_remote* raw = nullptr;
  if (git_remote_lookup(&raw, repo_.get(), "origin") != 0) transport_.fail(-1, clonePrefix());
  const detail::RemotePtr remote(raw);
  std::vector<char*> ptrs;
  for (const auto& s : refspecs)
    ptrs.push_back(const_cast<char*>(s.c_str()));
  const git_strarray specs{ptrs.data(), ptrs.size()};
  const git_fetch_options opts = transport_.fetchOptions(depth, GIT_REMOTE_DOWNLOAD_TAGS_NONE);
  if (const int rc = git_remote_fetch(remote.get(), &specs, &opts, nullptr); rc != 0) {
    transport_.fail(rc, clonePrefix());
  }
  transport_.checkDeadline(clonePrefix());
}

git_oid Cloner::resolveLocal(const std::string& refName) {
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo_.get(), refName.c_str()) != 0) {
    throw GitError("GitOperationFailed",
                   clonePrefix() + ": couldn't find remote ref " + quote(refName));
  }
  return oid;
}

void Cloner::checkoutTree(const git_oid& oid, const std::string& headRef) {
  git_object* raw = nullptr;
  if (git_object_lookup(&raw, repo_.get(), &oid, GIT_OBJECT_COMMIT) != 0) {
    throw GitError("GitOperationFailed",
                   "unable to resolve commit object for '" + oidHex(oid) + "': object not found");
  }
  const detail::ObjectPtr commit(raw);
  std::vector<std::string> paths;
  for (std::string p : options_.sparseCheckout) {
    while (p.starts_with("./"))
      p.erase(0, 2);
    while (p.size() > 1 && p.ends_with('/'))
      p.pop_back();
    if (!p.empty() && p != ".") paths.push_back(p);
  }
  std::vector<char*> ptrs;
  for (auto& p : paths)
    ptrs.push_back(p.data());
  git_checkout_options opts;
  git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
  opts.checkout_strategy = GIT_CHECKOUT_FORCE;
  opts.paths = git_strarray{ptrs.data(), ptrs.size()};
  const std::string what = "unable to checkout commit '" + oidHex(oid) + "'";
  if (git_checkout_tree(repo_.get(), commit.get(), &opts) != 0) transport_.fail(-1, what);
  const int rc = headRef.empty() ? git_repository_set_head_detached(repo_.get(), &oid)
                                 : git_repository_set_head(repo_.get(), headRef.c_str());
  if (rc != 0) transport_.fail(rc, what);
  if (options_.recurseSubmodules) updateSubmodules(repo_.get(), kSubmoduleDepth);
}

void Cloner::updateSubmodules(git_repository* repo, int depth) {
  if (depth <= 0) return;
  std::vector<std::string> names;
  git_submodule_foreach(
      repo,
      [](git_submodule*, const char* name, void* payload) {
        static_cast<std::vector<std::string>*>(payload)->emplace_back(name);
        return 0;
      },
      &names);
  for (const auto& name : names) {
    git_submodule* raw = nullptr;
    if (git_submodule_lookup(&raw, repo, name.c_str()) != 0) continue;
    const detail::SubmodulePtr sub(raw);
    git_submodule_update_options opts;
    git_submodule_update_options_init(&opts, GIT_SUBMODULE_UPDATE_OPTIONS_VERSION);
    opts.checkout_opts.checkout_strategy = GIT_CHECKOUT_FORCE;
    opts.fetch_opts = transport_.fetchOptions(0, GIT_REMOTE_DOWNLOAD_TAGS_UNSPECIFIED);
    opts.allow_fetch = 1;
    if (const int rc = git_submodule_update(sub.get(), 1, &opts); rc != 0) {
      transport_.fail(rc, "failed to update submodule '" + name + "'");
    }
    git_repository* subRepo = nullptr;
    if (git_submodule_open(&subRepo, sub.get()) == 0) {
      const detail::RepositoryPtr owned(subRepo);
      updateSubmodules(owned.get(), depth - 1);
    }
  }
}

Commit Cloner::finish(const git_oid& oid, const std::string& reference) {
  Commit commit = detail::readCommit(repo_.get(), oid);
  commit.reference = reference;
  return commit;
}

}  // namespace

CheckoutResult checkout(const std::string& url, const std::filesystem::path& dir,
                        const CheckoutOptions& options) {
  Cloner cloner(url, dir, options);
  return cloner.run();
}

}  // namespace driftless::git
