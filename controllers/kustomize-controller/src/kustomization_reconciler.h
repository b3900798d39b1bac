#pragma once

// KustomizationReconciler: fetches a source's artifact, builds it with kustomize (Flux's
// generated kustomization, spec overrides, post-build variable substitution), applies the result
// with the staged server-side apply of libs/ssa, prunes what left the inventory and waits for
// health, as fluxcd/kustomize-controller does: same conditions, reasons, messages, events,
// inventory and history.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "driftless/api/kustomize/v1/kustomization.h"
#include "driftless/artifact/fetcher.h"
#include "driftless/core/log.h"
#include "driftless/kube/client.h"
#include "driftless/kube/kubeconfig.h"
#include "driftless/runtime/controller.h"
#include "driftless/runtime/informer.h"
#include "driftless/runtime/metrics.h"
#include "driftless/runtime/object_reconciler.h"
#include "driftless/runtime/patch_helper.h"
#include "driftless/sops/age.h"
#include "driftless/ssa/resource_manager.h"

namespace driftless::kustomize_controller {

using Kustomization = api::kustomize::v1::Kustomization;

inline constexpr std::string_view kKustomizationFinalizer = "finalizers.fluxcd.io";
inline constexpr std::string_view kKustomizeGroup = "kustomize.toolkit.fluxcd.io";

struct KustomizationReconcilerOptions {
  std::string controllerName = "kustomize-controller";  // the field manager
  runtime::EventFunc events;                            // optional
  runtime::Metrics* metrics = nullptr;
  runtime::Informer* cache = nullptr;  // Kustomizations are read from it when set
  // Sources (GitRepository, OCIRepository, Bucket) are read from these informers when set.
  std::map<std::string, runtime::Informer*> sources;
  double jitterPercent = 5;
  // --requeue-dependency: retry interval while sources or dependencies are not ready.
  std::chrono::milliseconds requeueDependency{30000};
  bool noCrossNamespaceRefs = false;  // --no-cross-namespace-refs
  std::string defaultServiceAccount;  // --default-service-account
  bool strictSubstitutions = true;    // feature gate StrictPostBuildSubstitutions
  std::string sopsAgeSecret;  // --sops-age-secret: age keys when decryption names no secretRef
  std::string runtimeNamespace = "flux-system";  // where --sops-age-secret lives
  std::set<ssa::GroupKind> customStageKinds;     // --custom-apply-stage-kinds
  std::vector<std::string> overrideManagers;     // --override-manager
  artifact::FetchOptions fetch;                  // --http-retry; hostnameOverride from
                                                 // SOURCE_CONTROLLER_LOCALHOST
  // How the client of an impersonated service account is made (--default-service-account,
  // spec.serviceAccountName); unset: impersonation is refused with a clear message.
  std::optional<kube::RestConfig> restConfig;
  std::chrono::milliseconds healthPollInterval{5000};
  std::filesystem::path workDir = std::filesystem::temp_directory_path();
};

class KustomizationReconciler : public runtime::Reconciler {
 public:
  KustomizationReconciler(kube::Client& client, KustomizationReconcilerOptions options,
                          core::Logger logger);
  ~KustomizationReconciler() override;

  runtime::Result reconcile(const runtime::Request& req, std::stop_token stop) override;
  // Reads sources of this kind from the informer (before the manager starts).
  void setSourceInformer(const std::string& kind, runtime::Informer& informer) {
    options_.sources[kind] = &informer;
  }

  // The Kustomizations to reconcile when a source's artifact changes (sourceRef index).
  std::vector<runtime::Request> requestsForSource(const core::Value& source, std::string_view kind);
  // The Kustomizations of the ConfigMap's or Secret's namespace that use it (substituteFrom,
  // decryption.secretRef, kubeConfig.secretRef): Flux's config watchers.
  std::vector<runtime::Request> requestsForConfig(const core::Value& config, std::string_view kind);
  // The Kustomizations that depend on one that just became ready.
  std::vector<runtime::Request> requestsForDependents(const core::Value& kustomization);

 private:
  struct Source;
  struct Outcome;

  runtime::Result reconcileObject(Kustomization& obj, runtime::SerialPatcher& patcher,
                                  std::stop_token stop, bool& emitFinished);
  std::optional<Source> getSource(Kustomization& obj);
  void checkDependencies(const Kustomization& obj, const Source& source);
  void reconcileRevision(Kustomization& obj, const Source& source, runtime::SerialPatcher& patcher,
                         std::stop_token stop);
  ssa::ChangeSet apply(Kustomization& obj, ssa::ResourceManager& manager,
                       std::vector<core::Value> objects, const Source& source, bool& drifted);
  void checkHealth(Kustomization& obj, ssa::ResourceManager& manager,
                   runtime::SerialPatcher& patcher, const Source& source, bool isNewRevision,
                   bool drifted, const ssa::ChangeSet& changeSet, std::stop_token stop);
  runtime::Result finalize(Kustomization& obj, runtime::SerialPatcher& patcher);
  void finalizeStatus(Kustomization& obj, runtime::SerialPatcher& patcher);
  // The client of the target cluster: ours, a remote one (spec.kubeConfig), impersonating
  // spec.serviceAccountName or --default-service-account.
  std::shared_ptr<kube::Client> clientFor(const Kustomization& obj);
  void patch(Kustomization& obj, runtime::SerialPatcher& patcher);
  void event(const Kustomization& obj, const std::string& revision,
             const std::string& originRevision, bool error, const std::string& message,
             runtime::EventMetadata metadata = {});
  core::Value read(const runtime::Request& req);
  [[nodiscard]] ssa::Owner owner() const;

  kube::Client& client_;
  KustomizationReconcilerOptions options_;
  core::Logger logger_;
  std::mutex clientsMutex_;
  // Clients of remote clusters and impersonated accounts; bounded (kMaxImpersonatedClients).
  std::map<std::string, std::shared_ptr<kube::Client>> impersonated_;
  // What was applied for each Kustomization (`<namespace>/<name>`), so unchanged objects are
  // not dry-run again; bounded (cleared past kMaxAppliedCaches Kustomizations).
  std::mutex appliedMutex_;
  std::map<std::string, ssa::AppliedObjects> applied_;
};

struct RenderOptions {
  bool strictSubstitutions = true;
  std::string sopsAgeSecret;  // --sops-age-secret
  std::string runtimeNamespace = "flux-system";
};

// What the controller applies for obj from the sources under dir (root: the artifact root):
// the kustomization Flux generates and overrides, the fenced build, SOPS decryption (keys read
// with controllerClient) and post-build substitution (variables read with client), with the
// controller's error messages. Writes dir's kustomization file. Shared with `driftless build
// kustomization`.
std::vector<core::Value> renderKustomization(kube::Client& controllerClient, kube::Client& client,
                                             const Kustomization& obj,
                                             const std::filesystem::path& root,
                                             const std::filesystem::path& dir,
                                             const RenderOptions& options);

// Flux's default timeout: spec.timeout, else interval - 30s, at least 30s.
std::chrono::nanoseconds kustomizationTimeout(const Kustomization& obj);
// spec.retryInterval, else spec.interval.
std::chrono::nanoseconds kustomizationRetryInterval(const Kustomization& obj);

// Adds a reconciliation to the history (newest first, at most 5; an entry with the same digest
// and status is updated and moved to the front), as fluxcd/pkg apis/meta History.Upsert.
void upsertHistory(std::vector<api::kustomize::v1::Snapshot>& history, const std::string& digest,
                   const std::string& timestamp, std::chrono::nanoseconds duration,
                   const std::string& status, const std::map<std::string, std::string>& metadata);

}  // namespace driftless::kustomize_controller
