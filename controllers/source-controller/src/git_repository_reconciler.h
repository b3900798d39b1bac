#pragma once

// GitRepositoryReconciler: turns a Git repository into a versioned artifact in the storage, as
// fluxcd/source-controller's GitRepository reconciler does (sub-reconcilers storage, source,
// include, artifact; Flux's conditions, reasons, events and revision strings).

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "driftless/api/source/v1/gitrepository.h"
#include "driftless/artifact/storage.h"
#include "driftless/git/checkout.h"
#include "driftless/runtime/object_reconciler.h"

namespace driftless::source {

using GitRepository = api::source::v1::GitRepository;

struct GitRepositoryReconcilerOptions {
  runtime::ObjectReconcilerOptions base;
  // --requeue-dependency: how soon to look again when an included repository has no artifact.
  std::chrono::milliseconds requeueDependency{30000};
  // Where clones are made (a fresh temporary directory per reconcile).
  std::filesystem::path workDir = std::filesystem::temp_directory_path();
};

class GitRepositoryReconciler : public runtime::ObjectReconciler<GitRepository> {
 public:
  GitRepositoryReconciler(kube::Client& client, artifact::Storage& storage,
                          GitRepositoryReconcilerOptions options, core::Logger logger);

 protected:
  std::string reconcileObject(GitRepository& obj, runtime::SerialPatcher& patcher,
                              std::stop_token stop) override;
  void reconcileDelete(GitRepository& obj) override;
  void notifySuccess(GitRepository& obj, bool recovered) override;

 private:
  struct Work;  // what the sub-reconcilers share during one reconcile

  void reconcileStorage(GitRepository& obj, runtime::SerialPatcher& patcher);
  // Returns false when the remote is still at the stored revision and nothing changed.
  bool reconcileSource(GitRepository& obj, runtime::SerialPatcher& patcher, Work& work);
  void reconcileInclude(GitRepository& obj, Work& work);
  void reconcileArtifact(GitRepository& obj, Work& work);

  git::CheckoutOptions checkoutOptions(const GitRepository& obj, bool optimized);
  git::Auth authFromSecret(const GitRepository& obj);
  std::optional<git::Proxy> proxyFromSecret(const GitRepository& obj);
  std::vector<api::meta::Artifact> fetchIncludes(GitRepository& obj);
  void verifySignature(GitRepository& obj, const Work& work);
  // The Secret's decoded data; AuthenticationFailed when it cannot be read.
  std::map<std::string, std::string> secretData(const GitRepository& obj, const std::string& name,
                                                std::string_view purpose);
  void patchProgress(GitRepository& obj, runtime::SerialPatcher& patcher);

  artifact::Storage& storage_;
  GitRepositoryReconcilerOptions gitOptions_;
  std::string newArtifactMessage_;  // set when this reconcile stored a new artifact
};

// Flux's gitContentConfigChanged: the spec asks for different artifact content than the one
// stored (ignore, submodules, includes, sparse checkout, verification).
bool gitContentConfigChanged(const GitRepository& obj,
                             const std::vector<api::meta::Artifact>& includes);

}  // namespace driftless::source
