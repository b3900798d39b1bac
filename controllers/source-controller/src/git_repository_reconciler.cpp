#include "git_repository_reconciler.h"

#include "driftless/core/temp_dir.h"

#include <algorithm>
#include <system_error>
#include <utility>

#include "driftless/artifact/archive.h"
#include "driftless/artifact/sourceignore.h"
#include "driftless/core/error.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/secret.h"

namespace driftless::source {

namespace conditions = runtime::conditions;
namespace fs = std::filesystem;
using api::meta::Artifact;

namespace {

// Condition types and reasons of source.toolkit.fluxcd.io (fluxcd/source-controller api/v1).
constexpr std::string_view kArtifactInStorage = "ArtifactInStorage";
constexpr std::string_view kArtifactOutdated = "ArtifactOutdated";
constexpr std::string_view kFetchFailed = "FetchFailed";
constexpr std::string_view kIncludeUnavailable = "IncludeUnavailable";
constexpr std::string_view kStorageOperationFailed = "StorageOperationFailed";
constexpr std::string_view kSourceVerified = "SourceVerified";
constexpr std::string_view kAuthenticationFailed = "AuthenticationFailed";
constexpr std::string_view kGitOperationFailed = "GitOperationFailed";
constexpr std::string_view kArchiveOperationFailed = "ArchiveOperationFailed";
constexpr std::string_view kDirCreationFailed = "DirCreationFailed";

const kube::GroupVersionKind kSecret{"", "v1", "Secret"};
const kube::GroupVersionKind kGitRepositoryGvk{"source.toolkit.fluxcd.io", "v1", "GitRepository"};

// A temporary directory removed with this object.
// Flux's commitReference: the absolute reference for spec.ref.name, else Commit.String().
std::string commitReference(const GitRepository& obj, const git::Commit& commit) {
  const std::string revision = commit.revision();
  if (!obj.spec.ref || !obj.spec.ref->name || obj.spec.ref->name->empty()) return revision;
  const auto at = revision.rfind('@');
  const std::string digest = at == std::string::npos ? revision : revision.substr(at + 1);
  return commit.reference.empty() ? digest : commit.reference + "@" + digest;
}

// The commit hash of an artifact revision ("main@sha1:<hex>", "sha1:<hex>").
std::string commitOf(const std::string& revision) {
  const auto colon = revision.rfind(':');
  return colon == std::string::npos ? revision : revision.substr(colon + 1);
}

bool sameIncludes(const std::vector<Artifact>& a, const std::vector<Artifact>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].revision != b[i].revision || a[i].digest != b[i].digest) return false;
  }
  return true;
}

bool requiresVerification(const GitRepository& obj) {
  if (!obj.spec.verify) return false;
  const std::string mode = obj.spec.verify->mode.value_or("HEAD");
  const auto& observed = obj.status->sourceVerificationMode;
  if (!observed) return true;
  const bool wantsHead = mode == "HEAD" || mode == "head" || mode == "TagAndHEAD";
  const bool wantsTag = mode == "Tag" || mode == "TagAndHEAD";
  return (*observed == "Tag" && wantsHead) ||
         ((*observed == "HEAD" || *observed == "head") && wantsTag);
}

}  // namespace

struct GitRepositoryReconciler::Work {
  fs::path dir;
  git::CheckoutResult checkout;
  std::vector<Artifact> includes;
  std::string revision;
};

bool gitContentConfigChanged(const GitRepository& obj, const std::vector<Artifact>& includes) {
  const auto& status = *obj.status;
  if (obj.spec.ignore != status.observedIgnore) return true;
  if (obj.spec.recurseSubmodules.value_or(false) !=
      status.observedRecurseSubmodules.value_or(false)) {
    return true;
  }
  if (obj.spec.include != status.observedInclude) return true;
  if (requiresVerification(obj)) return true;
  if (obj.spec.sparseCheckout != status.observedSparseCheckout) return true;
  if (obj.spec.include.size() != includes.size()) return true;
  return !sameIncludes(status.includedArtifacts, includes);
}

GitRepositoryReconciler::GitRepositoryReconciler(kube::Client& client, artifact::Storage& storage,
                                                 GitRepositoryReconcilerOptions options,
                                                 core::Logger logger)
    : ObjectReconciler(client, options.base, std::move(logger)),
      storage_(storage),
      gitOptions_(std::move(options)) {}

std::string GitRepositoryReconciler::reconcileObject(GitRepository& obj,
                                                     runtime::SerialPatcher& patcher,
                                                     std::stop_token) {
  newArtifactMessage_.clear();
  reconcileStorage(obj, patcher);
  core::TempDir tmp("gitrepository-" + obj.metadata.namespace_ + "-" + obj.metadata.name,
                    gitOptions_.workDir);
  conditions::remove(obj.status->conditions, kStorageOperationFailed);
  Work work;
  work.dir = tmp.path() / "source";
  if (reconcileSource(obj, patcher, work)) {
    reconcileInclude(obj, work);
    reconcileArtifact(obj, work);
  }
  return conditions::message(obj.status->conditions, kArtifactInStorage);
}

void GitRepositoryReconciler::patchProgress(GitRepository& obj, runtime::SerialPatcher& patcher) {
  core::Value value = obj.toValue();
  patcher.patch(value);
}

void GitRepositoryReconciler::reconcileStorage(GitRepository& obj,
                                               runtime::SerialPatcher& patcher) {
  auto& status = *obj.status;
  const auto ctx = runtime::conditionsContext(obj.metadata.generation);
  bool missing = false;
  if (status.artifact) {
    try {
      storage_.garbageCollect(*status.artifact);
    } catch (const std::exception& e) {
      logger_.error("garbage collection of artifacts failed", e.what());
    }
    if (!storage_.exists(*status.artifact)) {
      missing = true;
    } else {
      // The stored file must still have the advertised digest (a corrupted or replaced file
      // is removed and rebuilt, as Flux does).
      try {
        storage_.verify(*status.artifact);
      } catch (const std::exception& e) {
        event(obj, true, "ArtifactVerificationFailed",
              std::string("failed to verify integrity of artifact: ") + e.what());
        storage_.remove(*status.artifact);
        missing = true;
      }
    }
    if (missing) status.artifact.reset();
  }
  if (!status.artifact) {
    conditions::markReconciling(
        status.conditions, conditions::kProgressingReason,
        missing ? "building artifact: disappeared from storage" : "building artifact", ctx);
    conditions::remove(status.conditions, kArtifactInStorage);
    patchProgress(obj, patcher);
    return;
  }
  // The advertised address may have changed since the artifact was stored.
  status.artifact->url =
      storage_
          .newArtifact("GitRepository", obj.metadata.namespace_, obj.metadata.name, "",
                       fs::path(status.artifact->path).filename().string())
          .url;
}

std::map<std::string, std::string> GitRepositoryReconciler::secretData(const GitRepository& obj,
                                                                       const std::string& name,
                                                                       std::string_view purpose) {
  core::Value secret;
  try {
    secret = client_.get({kSecret, obj.metadata.namespace_, name});
  } catch (const std::exception& e) {
    throw runtime::ReasonedError(std::string(kAuthenticationFailed),
                                 "failed to get " + std::string(purpose) + "secret '" +
                                     obj.metadata.namespace_ + "/" + name + "': " + e.what());
  }
  return kube::secretData(secret);
}

git::Auth GitRepositoryReconciler::authFromSecret(const GitRepository& obj) {
  git::Auth auth;
  if (!obj.spec.secretRef) return auth;
  auto data = secretData(obj, obj.spec.secretRef->name, "");
  auto value = [&](const char* key) {
    auto it = data.find(key);
    return it == data.end() ? std::string() : it->second;
  };
  const bool ssh = obj.spec.url.rfind("ssh://", 0) == 0;
  auth.username = value("username");
  auth.bearerToken = value("bearerToken");
  auth.caPem = value("ca.crt").empty() ? value("caFile") : value("ca.crt");
  auth.certPem = value("tls.crt");
  auth.keyPem = value("tls.key");
  if (ssh) {
    auth.sshIdentity = value("identity");
    auth.sshPassphrase = value("password");
    auth.knownHosts = value("known_hosts");
    if (auth.knownHosts.empty()) {
      throw runtime::ReasonedError(
          std::string(kAuthenticationFailed),
          "failed to configure authentication options: invalid 'ssh' auth option: "
          "'known_hosts' is required");
    }
  } else {
    auth.password = value("password");
  }
  return auth;
}

std::optional<git::Proxy> GitRepositoryReconciler::proxyFromSecret(const GitRepository& obj) {
  if (!obj.spec.proxySecretRef) return std::nullopt;
  auto data = secretData(obj, obj.spec.proxySecretRef->name, "proxy ");
  git::Proxy proxy;
  proxy.address = data["address"];
  proxy.username = data["username"];
  proxy.password = data["password"];
  if (proxy.address.empty()) {
    throw runtime::ReasonedError(std::string(kAuthenticationFailed),
                                 "failed to configure proxy options: invalid proxy secret '" +
                                     obj.metadata.namespace_ + "/" + obj.spec.proxySecretRef->name +
                                     "': key 'address' is missing");
  }
  return proxy;
}

git::CheckoutOptions GitRepositoryReconciler::checkoutOptions(const GitRepository& obj,
                                                              bool optimized) {
  git::CheckoutOptions opts;
  if (const auto& ref = obj.spec.ref) {
    opts.ref.branch = ref->branch.value_or("");
    opts.ref.tag = ref->tag.value_or("");
    opts.ref.semver = ref->semver.value_or("");
    opts.ref.name = ref->name.value_or("");
    opts.ref.commit = ref->commit.value_or("");
  }
  opts.auth = authFromSecret(obj);
  opts.proxy = proxyFromSecret(obj);
  opts.recurseSubmodules = obj.spec.recurseSubmodules.value_or(false);
  for (const auto& dir : obj.spec.sparseCheckout) {
    opts.sparseCheckout.push_back(dir.rfind("./", 0) == 0 ? dir.substr(2) : dir);
  }
  opts.timeout = std::chrono::duration_cast<std::chrono::seconds>(
      obj.spec.timeout ? obj.spec.timeout->value() : std::chrono::seconds(60));
  if (optimized && conditions::isTrue(obj.status->conditions, kArtifactInStorage) &&
      obj.status->artifact) {
    opts.lastObservedCommit = commitOf(obj.status->artifact->revision);
  }
  return opts;
}

std::vector<Artifact> GitRepositoryReconciler::fetchIncludes(GitRepository& obj) {
  std::vector<Artifact> artifacts;
  const auto ctx = runtime::conditionsContext(obj.metadata.generation);
  for (const auto& include : obj.spec.include) {
    const std::string& name = include.repository.name;
    core::Value dep;
    try {
      dep = client_.get({kGitRepositoryGvk, obj.metadata.namespace_, name});
    } catch (const std::exception& e) {
      const std::string msg = "could not get resource for include '" + name + "': " + e.what();
      conditions::markTrue(obj.status->conditions, kIncludeUnavailable, "NotFound", msg, ctx);
      throw runtime::WaitingError("NotFound", msg, gitOptions_.requeueDependency);
    }
    const core::Value& art = dep["status"]["artifact"];
    if (!art.isObject()) {
      const std::string msg = "no artifact available for include '" + name + "'";
      conditions::markTrue(obj.status->conditions, kIncludeUnavailable, "NoArtifact", msg, ctx);
      throw runtime::WaitingError("NoArtifact", msg, gitOptions_.requeueDependency);
    }
    artifacts.push_back(Artifact::fromValue(art));
  }
  conditions::remove(obj.status->conditions, kIncludeUnavailable);
  return artifacts;
}

bool GitRepositoryReconciler::reconcileSource(GitRepository& obj, runtime::SerialPatcher& patcher,
                                              Work& work) {
  auto& conds = obj.status->conditions;
  const auto ctx = runtime::conditionsContext(obj.metadata.generation);
  if (conditions::isFalse(conds, kSourceVerified)) conditions::remove(conds, kSourceVerified);
  auto fail = [&](std::string_view reason, const std::string& msg) {
    conditions::markTrue(conds, kFetchFailed, reason, msg, ctx);
    return runtime::ReasonedError(std::string(reason), msg);
  };
  git::CheckoutOptions opts;
  try {
    opts = checkoutOptions(obj, true);
  } catch (const runtime::ReasonedError& e) {
    throw fail(e.reason(), e.what());
  }
  work.includes = fetchIncludes(obj);
  if (!sameIncludes(obj.status->includedArtifacts, work.includes)) {
    const std::string msg = "included artifacts differ from last observed includes";
    if (!obj.status->includedArtifacts.empty()) {
      conditions::markTrue(conds, kArtifactOutdated, "IncludeChange", msg, ctx);
    }
    conditions::markReconciling(conds, conditions::kProgressingReason, "building artifact: " + msg,
                                ctx);
    patchProgress(obj, patcher);
  }
  conditions::remove(conds, kArtifactOutdated);
  try {
    work.checkout = git::checkout(obj.spec.url, work.dir, opts);
    if (work.checkout.skipped) {
      work.revision = obj.status->artifact->revision;
      if (!gitContentConfigChanged(obj, work.includes)) {
        conditions::remove(conds, kFetchFailed);
        conditions::markTrue(conds, kArtifactInStorage, conditions::kSucceededReason,
                             "stored artifact for revision '" + work.revision + "'", ctx);
        logger_.info(
            "no changes since last reconciliation: observed revision '" + work.revision + "'",
            {{"namespace", obj.metadata.namespace_}, {"name", obj.metadata.name}});
        return false;
      }
      fs::remove_all(work.dir);
      work.checkout = git::checkout(obj.spec.url, work.dir, checkoutOptions(obj, false));
    }
  } catch (const git::GitError& e) {
    const char* prefix = e.reason() == kAuthenticationFailed
                             ? "failed to configure authentication options: "
                             : "failed to checkout and determine revision: ";
    throw fail(e.reason(), prefix + std::string(e.what()));
  } catch (const runtime::ReasonedError& e) {
    throw fail(e.reason(), e.what());
  } catch (const std::exception& e) {
    throw fail(kGitOperationFailed,
               std::string("failed to checkout and determine revision: ") + e.what());
  }
  work.revision = commitReference(obj, work.checkout.commit);
  conditions::remove(conds, kFetchFailed);
  for (const auto& dir : obj.spec.sparseCheckout) {
    if (!fs::exists(work.dir / dir)) {
      throw fail(kGitOperationFailed,
                 "failed to sparse checkout directories : sparse checkout dir '" + dir +
                     "' does not exist in repository");
    }
  }
  verifySignature(obj, work);
  if (!obj.status->artifact || obj.status->artifact->revision != work.revision) {
    const std::string msg = "new upstream revision '" + work.revision + "'";
    if (obj.status->artifact)
      conditions::markTrue(conds, kArtifactOutdated, "NewRevision", msg, ctx);
    conditions::markReconciling(conds, conditions::kProgressingReason, "building artifact: " + msg,
                                ctx);
    patchProgress(obj, patcher);
  }
  return true;
}

void GitRepositoryReconciler::verifySignature(GitRepository& obj, const Work& work) {
  auto& conds = obj.status->conditions;
  const auto ctx = runtime::conditionsContext(obj.metadata.generation);
  if (!obj.spec.verify || obj.spec.verify->mode.value_or("").empty()) {
    obj.status->sourceVerificationMode.reset();
    conditions::remove(conds, kSourceVerified);
    return;
  }
  auto failVerify = [&](const std::string& reason, const std::string& msg) {
    conditions::markFalse(conds, kSourceVerified, reason, msg, ctx);
    return runtime::ReasonedError(reason, msg);
  };
  std::map<std::string, std::string> keys;
  try {
    keys = secretData(obj, obj.spec.verify->secretRef.name, "");
  } catch (const std::exception& e) {
    throw failVerify("VerificationError", std::string("public keys secret error: ") + e.what());
  }
  std::vector<std::string> pgpKeys;
  for (const auto& [name, value] : keys) {
    if (!name.ends_with(".sshpub")) pgpKeys.push_back(value);
  }
  const std::string mode = *obj.spec.verify->mode;
  std::string message = "verified signature of";
  if (mode == "Tag" || mode == "TagAndHEAD") {
    if (!work.checkout.tag) {
      const std::string msg =
          "cannot verify tag object's signature if a tag reference is not specified";
      conditions::markFalse(conds, kSourceVerified, "InvalidVerificationMode", msg, ctx);
      throw runtime::StallingError("InvalidVerificationMode", msg);
    }
    const git::Tag& tag = *work.checkout.tag;
    if (tag.signature.empty()) {
      throw failVerify("InvalidGitObject",
                       "cannot verify signature of tag '" + tag.name + "' since it is not signed");
    }
    try {
      message += "\n\t- tag '" + tag.name + "' with key '" +
                 git::verifyPgp(tag.encoded, tag.signature, pgpKeys) + "'";
    } catch (const std::exception& e) {
      throw failVerify("InvalidTagSignature",
                       "signature verification of tag '" + tag.name + "' failed: " + e.what());
    }
  }
  if (mode == "HEAD" || mode == "head" || mode == "TagAndHEAD") {
    const git::Commit& c = work.checkout.commit;
    try {
      message += "\n\t- commit '" + c.hash + "' with key '" +
                 git::verifyPgp(c.encoded, c.signature, pgpKeys) + "'";
    } catch (const std::exception& e) {
      throw failVerify("InvalidCommitSignature",
                       "signature verification of commit '" + c.hash + "' failed: " + e.what());
    }
  }
  obj.status->sourceVerificationMode = mode;
  conditions::markTrue(conds, kSourceVerified, conditions::kSucceededReason, message, ctx);
}

void GitRepositoryReconciler::reconcileInclude(GitRepository& obj, Work& work) {
  const auto ctx = runtime::conditionsContext(obj.metadata.generation);
  for (std::size_t i = 0; i < obj.spec.include.size(); ++i) {
    const auto& include = obj.spec.include[i];
    const std::string& name = include.repository.name;
    const std::string toPath = include.toPath.value_or(name);
    const std::string fromPath = include.fromPath.value_or("");
    try {
      const fs::path target = (work.dir / toPath).lexically_normal();
      if (target.string().rfind(work.dir.lexically_normal().string(), 0) != 0) {
        throw core::Error("path '" + toPath + "' leaves the repository");
      }
      const fs::path unpacked = work.dir.parent_path() / ("include-" + std::to_string(i));
      artifact::extractTarGz(storage_.localPath(work.includes[i]), unpacked);
      const fs::path from = (unpacked / fromPath).lexically_normal();
      if (from.string().rfind(unpacked.lexically_normal().string(), 0) != 0) {
        throw core::Error("path '" + fromPath + "' leaves the included artifact");
      }
      fs::remove_all(target);
      fs::create_directories(target);
      fs::copy(from, target, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    } catch (const std::exception& e) {
      const std::string msg = "failed to copy '" + name + "' include from " + fromPath + " to " +
                              toPath + ": " + e.what();
      conditions::markTrue(obj.status->conditions, kStorageOperationFailed, "CopyFailure", msg,
                           ctx);
      throw runtime::ReasonedError("CopyFailure", msg);
    }
  }
  conditions::remove(obj.status->conditions, kIncludeUnavailable);
}

void GitRepositoryReconciler::reconcileArtifact(GitRepository& obj, Work& work) {
  auto& status = *obj.status;
  auto& conds = status.conditions;
  const auto ctx = runtime::conditionsContext(obj.metadata.generation);
  const bool upToDate = status.artifact && status.artifact->revision == work.revision &&
                        sameIncludes(status.includedArtifacts, work.includes) &&
                        !gitContentConfigChanged(obj, work.includes);
  if (!upToDate) {
    Artifact next =
        storage_.newArtifact("GitRepository", obj.metadata.namespace_, obj.metadata.name,
                             work.revision, work.checkout.commit.hash + ".tar.gz");
    try {
      auto lock = storage_.lock(next);
      storage_.archive(next, work.dir,
                       artifact::IgnoreMatcher::forDirectory(work.dir, obj.spec.ignore).toFilter());
    } catch (const std::exception& e) {
      const std::string msg = std::string("unable to archive artifact to storage: ") + e.what();
      conditions::markTrue(conds, kStorageOperationFailed, kArchiveOperationFailed, msg, ctx);
      throw runtime::ReasonedError(std::string(kArchiveOperationFailed), msg);
    }
    const bool digestChanged = !status.artifact || status.artifact->digest != next.digest;
    status.artifact = next;
    status.includedArtifacts = work.includes;
    status.observedIgnore = obj.spec.ignore;
    status.observedRecurseSubmodules = obj.spec.recurseSubmodules;
    status.observedInclude = obj.spec.include;
    status.observedSparseCheckout = obj.spec.sparseCheckout;
    if (digestChanged) {
      newArtifactMessage_ = "stored artifact for commit '" + work.checkout.commit.subject() + "'";
    }
  }
  conditions::remove(conds, kStorageOperationFailed);
  conditions::remove(conds, kArtifactOutdated);
  conditions::markTrue(conds, kArtifactInStorage, conditions::kSucceededReason,
                       "stored artifact for revision '" + status.artifact->revision + "'", ctx);
}

void GitRepositoryReconciler::notifySuccess(GitRepository& obj, bool recovered) {
  if (!obj.status || !obj.status->artifact) return;
  const runtime::EventMetadata metadata{{"revision", obj.status->artifact->revision},
                                        {"digest", obj.status->artifact->digest}};
  if (!newArtifactMessage_.empty()) {
    event(obj, false, "NewArtifact", newArtifactMessage_, metadata);
    logger_.info(newArtifactMessage_,
                 {{"namespace", obj.metadata.namespace_}, {"name", obj.metadata.name}});
  } else if (recovered) {
    event(obj, false, conditions::kSucceededReason,
          "stored artifact for commit '" + commitOf(obj.status->artifact->revision) + "'",
          metadata);
  }
}

void GitRepositoryReconciler::reconcileDelete(GitRepository& obj) {
  storage_.removeAll("GitRepository", obj.metadata.namespace_, obj.metadata.name);
  if (obj.status) obj.status->artifact.reset();
}

}  // namespace driftless::source
