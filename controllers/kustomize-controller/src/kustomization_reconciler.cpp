#include "kustomization_reconciler.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "driftless/artifact/digest.h"
#include "driftless/core/base64.h"
#include "driftless/core/duration.h"
#include "driftless/core/error.h"
#include "driftless/core/temp_dir.h"
#include "driftless/core/time.h"
#include "driftless/core/yaml.h"
#include "driftless/kube/api_error.h"
#include "driftless/kustomize/build.h"
#include "driftless/kustomize/envsubst.h"
#include "driftless/kustomize/flux.h"
#include "driftless/runtime/conditions.h"
#include "driftless/sops/sops.h"

namespace driftless::kustomize_controller {

namespace fs = std::filesystem;
namespace conditions = runtime::conditions;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kHealthy = "Healthy";
constexpr std::string_view kArtifactFailed = "ArtifactFailed";
constexpr std::string_view kBuildFailed = "BuildFailed";
constexpr std::string_view kHealthCheckFailed = "HealthCheckFailed";
constexpr std::string_view kPruneFailed = "PruneFailed";
constexpr std::string_view kAccessDenied = "AccessDenied";
constexpr std::size_t kMaxImpersonatedClients = 64;
constexpr std::size_t kMaxAppliedCaches = 20000;

// The resource name of a source kind (GitRepository -> gitrepositories), for NotFound messages.
std::string pluralOf(std::string kind) {
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!kind.empty() && kind.back() == 'y') return kind.substr(0, kind.size() - 1) + "ies";
  return kind + "s";
}

// A failure whose Ready condition is already set; reported as an event, retried at the
// Kustomization's retry interval.
class ReconcileFailure : public core::Error {
 public:
  using core::Error::Error;
};

std::string goDuration(std::chrono::nanoseconds d) {
  return core::formatDuration(d);
}

std::string sinceText(Clock::time_point start) {
  return goDuration(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start));
}

// kustomize's resid.Gvk.String(): `group_version_kind` with ~G/~V/~K for empty parts.
std::string gvkString(const core::Value& object) {
  const std::string apiVersion =
      object["apiVersion"].isString() ? object["apiVersion"].asString() : "";
  std::string group;
  std::string version = apiVersion;
  if (auto slash = apiVersion.find('/'); slash != std::string::npos) {
    group = apiVersion.substr(0, slash);
    version = apiVersion.substr(slash + 1);
  }
  const std::string kind = object["kind"].isString() ? object["kind"].asString() : "";
  return (group.empty() ? "~G" : group) + "_" + (version.empty() ? "~V" : version) + "_" +
         (kind.empty() ? "~K" : kind);
}

std::string stringField(const core::Value& object, std::string_view field) {
  const core::Value& v = object["metadata"][field];
  return v.isString() ? v.asString() : std::string();
}

std::string subjectOf(const core::Value& object) {
  return ssa::ObjMetadata::of(object).subject();
}

bool isEncryptedSecret(const core::Value& object) {
  return object["kind"].isString() && object["kind"].asString() == "Secret" &&
         object["apiVersion"].isString() && object["apiVersion"].asString() == "v1" &&
         object.find("sops") != nullptr;
}

bool decryptionDisabled(const core::Value& object) {
  const core::Value& v = object["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/decrypt"];
  if (!v.isString()) return false;
  std::string s = v.asString();
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s == "disabled";
}

// Flux's SourceRevision.HasRevision: equal, or equal digests when one side has no ref part.
bool hasRevision(const std::string& artifactRevision, const std::string& revision) {
  if (revision.empty()) return false;
  if (artifactRevision == revision) return true;
  auto digestOf = [](const std::string& r) {
    auto at = r.rfind('@');
    return at == std::string::npos ? r : r.substr(at + 1);
  };
  // Legacy `main/<sha>` revisions compare by the hash.
  auto legacy = [](const std::string& r) {
    auto slash = r.rfind('/');
    return slash == std::string::npos ? r : r.substr(slash + 1);
  };
  const std::string a = digestOf(artifactRevision);
  const std::string b = digestOf(revision);
  if (a == b) return true;
  auto colon = a.find(':');
  return colon != std::string::npos && a.substr(colon + 1) == legacy(revision);
}

}  // namespace

struct KustomizationReconciler::Source {
  std::string kind;
  std::string namespace_;
  std::string name;
  std::optional<api::meta::Artifact> artifact;
  [[nodiscard]] std::string originRevision() const {
    if (!artifact) return {};
    auto it = artifact->metadata.find("org.opencontainers.image.revision");
    return it == artifact->metadata.end() ? std::string() : it->second;
  }
};

std::chrono::nanoseconds kustomizationTimeout(const Kustomization& obj) {
  std::chrono::nanoseconds d = obj.spec.interval.value() - std::chrono::seconds(30);
  if (obj.spec.timeout) d = obj.spec.timeout->value();
  return std::max<std::chrono::nanoseconds>(d, std::chrono::seconds(30));
}

std::chrono::nanoseconds kustomizationRetryInterval(const Kustomization& obj) {
  if (obj.spec.retryInterval) return obj.spec.retryInterval->value();
  return obj.spec.interval.value();
}

void upsertHistory(std::vector<api::kustomize::v1::Snapshot>& history, const std::string& digest,
                   const std::string& timestamp, std::chrono::nanoseconds duration,
                   const std::string& status, const std::map<std::string, std::string>& metadata) {
  constexpr std::size_t kMaxSize = 5;
  auto it = std::find_if(history.begin(), history.end(), [&](const auto& s) {
    return s.digest == digest && s.lastReconciledStatus == status;
  });
  if (it != history.end()) {
    it->lastReconciled = timestamp;
    it->lastReconciledDuration = api::Duration(duration);
    ++it->totalReconciliations;
    it->metadata = metadata;
    std::rotate(history.begin(), it, it + 1);
  } else {
    api::kustomize::v1::Snapshot s;
    s.digest = digest;
    s.firstReconciled = timestamp;
    s.lastReconciled = timestamp;
    s.lastReconciledDuration = api::Duration(duration);
    s.lastReconciledStatus = status;
    s.totalReconciliations = 1;
    s.metadata = metadata;
    history.insert(history.begin(), std::move(s));
  }
  if (history.size() > kMaxSize) history.resize(kMaxSize);
}

KustomizationReconciler::KustomizationReconciler(kube::Client& client,
                                                 KustomizationReconcilerOptions options,
                                                 core::Logger logger)
    : client_(client), options_(std::move(options)), logger_(std::move(logger)) {}

KustomizationReconciler::~KustomizationReconciler() = default;

ssa::Owner KustomizationReconciler::owner() const {
  return ssa::Owner{options_.controllerName, std::string(kKustomizeGroup)};
}

core::Value KustomizationReconciler::read(const runtime::Request& req) {
  if (options_.cache != nullptr) {
    runtime::ObjectPtr cached = options_.cache->get(req.namespace_, req.name);
    return cached ? *cached : core::Value();
  }
  try {
    return client_.get(
        {kube::GroupVersionKind::fromApiVersion(Kustomization::kApiVersion, Kustomization::kKind),
         req.namespace_, req.name});
  } catch (const kube::ApiError& e) {
    if (e.isNotFound()) return {};
    throw;
  }
}

void KustomizationReconciler::patch(Kustomization& obj, runtime::SerialPatcher& patcher) {
  core::Value value = obj.toValue();
  patcher.patch(value);
  const core::Value& rv = std::as_const(value)["metadata"]["resourceVersion"];
  if (rv.isString()) obj.metadata.resourceVersion = rv.asString();
}

void KustomizationReconciler::event(const Kustomization& obj, const std::string& revision,
                                    const std::string& originRevision, bool error,
                                    const std::string& message, runtime::EventMetadata metadata) {
  if (!options_.events) return;
  if (!revision.empty()) metadata["revision"] = revision;
  if (!originRevision.empty()) metadata["originRevision"] = originRevision;
  std::string reason = error ? "error" : "info";
  if (obj.status) {
    std::string r = conditions::reason(obj.status->conditions, conditions::kReady);
    if (!r.empty()) reason = r;
  }
  options_.events(obj.toValue(), error, reason, message, metadata);
}

runtime::Result KustomizationReconciler::reconcile(const runtime::Request& req,
                                                   std::stop_token stop) {
  const core::Value raw = read(req);
  if (raw.isNull()) return {};
  Kustomization obj = Kustomization::fromValue(raw);
  runtime::SerialPatcher patcher(client_, obj.toValue(), options_.controllerName);
  const auto start = Clock::now();
  if (!obj.metadata.deletionTimestamp.empty()) return finalize(obj, patcher);
  if (!obj.status) obj.status.emplace();

  bool emitFinished = false;
  runtime::Result result;
  std::exception_ptr failure;
  try {
    result = reconcileObject(obj, patcher, stop, emitFinished);
  } catch (...) {
    failure = std::current_exception();
  }
  finalizeStatus(obj, patcher);
  if (options_.metrics != nullptr) {
    options_.metrics->observeReconcileDuration(
        std::string(Kustomization::kKind), obj.metadata.namespace_, obj.metadata.name,
        std::chrono::duration<double>(Clock::now() - start).count());
  }
  if (failure) std::rethrow_exception(failure);
  if (emitFinished && !obj.spec.suspend.value_or(false) &&
      conditions::isTrue(obj.status->conditions, conditions::kReady)) {
    const std::string msg = "Reconciliation finished in " + sinceText(start) + ", next run in " +
                            goDuration(obj.spec.interval.value());
    logger_.info(msg, {{"namespace", obj.metadata.namespace_},
                       {"name", obj.metadata.name},
                       {"revision", obj.status->lastAttemptedRevision.value_or("")}});
    event(obj, obj.status->lastAppliedRevision.value_or(""),
          obj.status->lastAppliedOriginRevision.value_or(""), false, msg,
          {{"commit_status", "update"}});
  }
  return result;
}

runtime::Result KustomizationReconciler::reconcileObject(Kustomization& obj,
                                                         runtime::SerialPatcher& patcher,
                                                         std::stop_token stop, bool& emitFinished) {
  const core::LogFields fields{{"namespace", obj.metadata.namespace_}, {"name", obj.metadata.name}};
  auto& finalizers = obj.metadata.finalizers;
  if (std::find(finalizers.begin(), finalizers.end(), kKustomizationFinalizer) ==
      finalizers.end()) {
    finalizers.emplace_back(kKustomizationFinalizer);
    // Written with the first status patch of this reconcile (finalizeStatus at the latest).
  }
  if (obj.spec.suspend.value_or(false)) {
    logger_.info("Reconciliation is suspended for this object", fields);
    return {};
  }
  const auto ctx = runtime::conditionsContext(obj.metadata.generation);
  auto& conds = obj.status->conditions;
  const auto retry =
      std::chrono::duration_cast<std::chrono::milliseconds>(kustomizationRetryInterval(obj));
  const std::string requeueText =
      goDuration(std::chrono::duration_cast<std::chrono::nanoseconds>(options_.requeueDependency));

  std::optional<Source> source;
  try {
    source = getSource(obj);
  } catch (const runtime::StallingError& e) {
    conditions::markFalse(conds, conditions::kReady, e.reason(), e.what(), ctx);
    conditions::markStalled(conds, e.reason(), e.what(), ctx);
    event(obj, "", "", true, e.what());
    return {};
  } catch (const std::exception& e) {
    conditions::markFalse(conds, conditions::kReady, kArtifactFailed, e.what(), ctx);
    throw;
  }
  if (!source) {
    logger_.info("Source '" + obj.spec.sourceRef.kind + "/" +
                     obj.spec.sourceRef.namespace_.value_or(obj.metadata.namespace_) + "/" +
                     obj.spec.sourceRef.name + "' not found",
                 fields);
    return {.requeueAfter = retry};
  }
  if (!source->artifact) {
    const std::string msg = "Source artifact not found, retrying in " + requeueText;
    conditions::markFalse(conds, conditions::kReady, kArtifactFailed, msg, ctx);
    logger_.info(msg, fields);
    return {.requeueAfter = options_.requeueDependency};
  }
  const std::string revision = source->artifact->revision;
  const std::string originRevision = source->originRevision();
  if (!obj.spec.dependsOn.empty()) {
    try {
      checkDependencies(obj, *source);
    } catch (const std::exception& e) {
      conditions::markFalse(conds, conditions::kReady, conditions::kDependencyNotReadyReason,
                            e.what(), ctx);
      const std::string msg =
          "Dependencies do not meet ready condition, retrying in " + requeueText;
      logger_.info(msg, fields);
      event(obj, revision, originRevision, false, msg);
      return {.requeueAfter = options_.requeueDependency};
    }
    logger_.info("All dependencies are ready, proceeding with reconciliation", fields);
  }
  const auto start = Clock::now();
  try {
    reconcileRevision(obj, *source, patcher, stop);
  } catch (const artifact::ArtifactNotFound&) {
    const std::string msg = "Source is not ready, artifact not found, retrying in " + requeueText;
    conditions::markFalse(conds, conditions::kReady, kArtifactFailed, msg, ctx);
    logger_.info(msg, fields);
    return {.requeueAfter = options_.requeueDependency};
  } catch (const std::exception& e) {
    logger_.error("Reconciliation failed after " + sinceText(start) + ", next try in " +
                      goDuration(kustomizationRetryInterval(obj)),
                  e.what(),
                  {{"namespace", obj.metadata.namespace_},
                   {"name", obj.metadata.name},
                   {"revision", revision}});
    if (!conditions::isFalse(conds, conditions::kReady)) {
      conditions::markFalse(conds, conditions::kReady, conditions::kReconciliationFailedReason,
                            e.what(), ctx);
    }
    event(obj, revision, originRevision, true, e.what());
    return {.requeueAfter = retry};
  }
  emitFinished = true;
  return {.requeueAfter = runtime::jitter(
              std::chrono::duration_cast<std::chrono::milliseconds>(obj.spec.interval.value()),
              options_.jitterPercent)};
}

std::optional<KustomizationReconciler::Source> KustomizationReconciler::getSource(
    Kustomization& obj) {
  const auto& ref = obj.spec.sourceRef;
  Source s;
  s.kind = ref.kind;
  s.name = ref.name;
  s.namespace_ = ref.namespace_.value_or("").empty() ? obj.metadata.namespace_ : *ref.namespace_;
  const std::string nn = s.namespace_ + "/" + s.name;
  if (options_.noCrossNamespaceRefs && s.namespace_ != obj.metadata.namespace_) {
    throw runtime::StallingError(
        std::string(kAccessDenied),
        "can't access '" + ref.kind + "/" + nn + "', cross-namespace references have been blocked");
  }
  std::string version;
  if (ref.kind == "GitRepository" || ref.kind == "OCIRepository" || ref.kind == "Bucket") {
    version = "v1";
  } else if (ref.kind == "ExternalArtifact") {
    throw runtime::StallingError(
        std::string(kAccessDenied),
        "can't access '" + ref.kind + "/" + nn + "', ExternalArtifact feature gate is disabled");
  } else {
    throw core::Error("source `" + ref.name + "` kind '" + ref.kind + "' not supported");
  }
  core::Value src;
  try {
    if (auto it = options_.sources.find(ref.kind); it != options_.sources.end() && it->second) {
      runtime::ObjectPtr cached = it->second->get(s.namespace_, s.name);
      if (!cached) throw kube::notFound(pluralOf(ref.kind), "source.toolkit.fluxcd.io", s.name);
      src = *cached;
    } else {
      src = client_.get({{"source.toolkit.fluxcd.io", version, ref.kind}, s.namespace_, s.name});
    }
  } catch (const kube::ApiError& e) {
    if (e.isNotFound()) {
      conditions::markFalse(obj.status->conditions, conditions::kReady, kArtifactFailed, e.what(),
                            runtime::conditionsContext(obj.metadata.generation));
      return std::nullopt;
    }
    throw kube::ApiError(e.code(), e.reason(),
                         "unable to get source '" + nn + "': " + std::string(e.what()));
  }
  const core::Value& artifact = std::as_const(src)["status"]["artifact"];
  if (artifact.isObject()) s.artifact = api::meta::Artifact::fromValue(artifact);
  return s;
}

void KustomizationReconciler::checkDependencies(const Kustomization& obj, const Source& source) {
  for (const auto& dep : obj.spec.dependsOn) {
    const std::string ns =
        dep.namespace_.value_or("").empty() ? obj.metadata.namespace_ : *dep.namespace_;
    const std::string depName = ns + "/" + dep.name;
    core::Value raw;
    try {
      raw = client_.get({{"kustomize.toolkit.fluxcd.io", "v1", "Kustomization"}, ns, dep.name});
    } catch (const std::exception& e) {
      throw core::Error("dependency '" + depName + "' not found: " + e.what());
    }
    if (dep.readyExpr && !dep.readyExpr->empty()) {
      throw runtime::StallingError("InvalidCELExpression",
                                   "dependsOn.readyExpr (CEL) is not supported by driftless yet");
    }
    Kustomization d = Kustomization::fromValue(raw);
    if (!d.status || d.status->conditions.empty() ||
        d.status->observedGeneration.value_or(-1) != d.metadata.generation ||
        !conditions::isTrue(d.status->conditions, conditions::kReady)) {
      throw core::Error("dependency '" + depName + "' is not ready");
    }
    const std::string depSrcNs = d.spec.sourceRef.namespace_.value_or("").empty()
                                     ? d.metadata.namespace_
                                     : *d.spec.sourceRef.namespace_;
    if (d.spec.sourceRef.name == source.name && depSrcNs == source.namespace_ &&
        d.spec.sourceRef.kind == source.kind &&
        !hasRevision(source.artifact->revision, d.status->lastAppliedRevision.value_or(""))) {
      throw core::Error("dependency '" + depName + "' revision is not up to date");
    }
  }
}

std::shared_ptr<kube::Client> KustomizationReconciler::clientFor(const Kustomization& obj) {
  std::string account = obj.spec.serviceAccountName.value_or("");
  if (!options_.defaultServiceAccount.empty() && account.empty()) {
    account = options_.defaultServiceAccount;
  }
  std::optional<kube::RestConfig> config;
  std::string cacheKey;
  if (obj.spec.kubeConfig) {
    // A remote cluster: the kubeconfig in a Secret of the Kustomization's namespace (key
    // `value`, else `value.yaml`, unless secretRef.key names one).
    const auto& ref = *obj.spec.kubeConfig;
    if (!ref.secretRef) {
      throw core::Error(
          "spec.kubeConfig.configMapRef (workload identity) is not supported by driftless yet");
    }
    const std::string nn = obj.metadata.namespace_ + "/" + ref.secretRef->name;
    core::Value secret;
    try {
      secret = client_.get({{"", "v1", "Secret"}, obj.metadata.namespace_, ref.secretRef->name});
    } catch (const std::exception& e) {
      throw core::Error("unable to read KubeConfig secret '" + nn + "' error: " + e.what());
    }
    const core::Value& data = std::as_const(secret)["data"];
    std::vector<std::string> keys;
    if (ref.secretRef->key && !ref.secretRef->key->empty()) {
      keys.push_back(*ref.secretRef->key);
    } else {
      keys = {"value", "value.yaml"};
    }
    std::optional<std::string> text;
    for (const auto& key : keys) {
      if (data[key].isString()) {
        text = core::base64Decode(data[key].asString());
        if (text) break;
      }
    }
    if (!text) {
      throw core::Error("KubeConfig secret '" + nn + "' does not contain a '" + keys.front() +
                        "' key with a kubeconfig");
    }
    // Files named in the kubeconfig are never read from the controller's file system.
    config = kube::parseKubeconfig(*text, "secret '" + nn + "'", "/nonexistent");
    const std::string rv = std::as_const(secret)["metadata"]["resourceVersion"].isString()
                               ? secret["metadata"]["resourceVersion"].asString()
                               : "";
    cacheKey = "kubeconfig:" + nn + "@" + rv;
  } else if (account.empty()) {
    return {std::shared_ptr<kube::Client>(), &client_};  // not owned
  } else {
    if (!options_.restConfig) {
      throw core::Error("failed to build kube client: impersonating service account '" + account +
                        "' needs a REST configuration");
    }
    config = *options_.restConfig;
  }
  if (!account.empty()) {
    config->impersonateUser = "system:serviceaccount:" + obj.metadata.namespace_ + ":" + account;
    config->impersonateGroups.clear();
  }
  cacheKey += "|" + config->impersonateUser;
  std::lock_guard lock(clientsMutex_);
  auto it = impersonated_.find(cacheKey);
  if (it != impersonated_.end()) return it->second;
  // (A reconcile still using an evicted client keeps it alive through its shared_ptr.)
  if (impersonated_.size() >= kMaxImpersonatedClients) impersonated_.erase(impersonated_.begin());
  std::shared_ptr<kube::Client> client = kube::makeClient(*config, logger_.withName("client"));
  impersonated_.emplace(cacheKey, client);
  return client;
}

namespace {

sops::AgeIdentities loadDecryptionKeys(kube::Client& client, const Kustomization& obj,
                                       const RenderOptions& options) {
  // The age keys (`*.agekey`) of spec.decryption.secretRef, else of --sops-age-secret in the
  // runtime namespace.
  std::string ns = obj.metadata.namespace_;
  std::string name;
  if (obj.spec.decryption->secretRef) {
    name = obj.spec.decryption->secretRef->name;
  } else if (!options.sopsAgeSecret.empty()) {
    ns = options.runtimeNamespace;
    name = options.sopsAgeSecret;
  }
  sops::AgeIdentities identities;
  if (name.empty()) return identities;
  core::Value secret;
  try {
    secret = client.get({{"", "v1", "Secret"}, ns, name});
  } catch (const std::exception& e) {
    throw core::Error("cannot get sops decryption Secret '" + ns + "/" + name + "': " + e.what());
  }
  const core::Value& data = std::as_const(secret)["data"];
  if (!data.isObject()) return identities;
  for (const auto& [key, value] : data.asObject()) {
    if (!key.ends_with(".agekey") || !value.isString()) continue;
    auto decoded = core::base64Decode(value.asString());
    try {
      if (!decoded) throw core::Error("invalid base64");
      identities.import(*decoded);
    } catch (const std::exception& e) {
      throw core::Error("failed to import '" + key + "' data from sops decryption Secret '" + ns +
                        "/" + name + "': " + e.what());
    }
  }
  return identities;
}

std::map<std::string, std::string> loadVariables(const Kustomization& obj, kube::Client& client) {
  std::map<std::string, std::string> vars;
  const auto& postBuild = *obj.spec.postBuild;
  for (const auto& ref : postBuild.substituteFrom) {
    const bool secret = ref.kind == "Secret";
    if (!secret && ref.kind != "ConfigMap") continue;
    core::Value object;
    try {
      object = client.get({{"", "v1", ref.kind}, obj.metadata.namespace_, ref.name});
    } catch (const kube::ApiError& e) {
      if (ref.optional.value_or(false) && e.isNotFound()) continue;
      throw core::Error("substitute from '" + ref.kind + "/" + ref.name +
                        "' error: " + std::string(e.what()));
    }
    const core::Value& data = std::as_const(object)["data"];
    if (!data.isObject()) continue;
    for (const auto& [key, value] : data.asObject()) {
      if (!value.isString()) continue;
      std::string v = secret ? core::base64Decode(value.asString()).value_or("") : value.asString();
      v.erase(std::remove(v.begin(), v.end(), '\n'), v.end());
      vars[key] = std::move(v);
    }
  }
  for (const auto& [key, value] : postBuild.substitute) {
    std::string v = value;
    v.erase(std::remove(v.begin(), v.end(), '\n'), v.end());
    vars[key] = std::move(v);
  }
  return vars;
}

}  // namespace

std::vector<core::Value> renderKustomization(kube::Client& controllerClient, kube::Client& client,
                                             const Kustomization& obj, const fs::path& root,
                                             const fs::path& dir, const RenderOptions& options) {
  kustomize::writeFluxKustomization(root, dir, std::as_const(obj).toValue()["spec"]);
  std::vector<core::Value> resources;
  try {
    resources = kustomize::buildFluxKustomization(root, dir);
  } catch (const std::exception& e) {
    throw core::Error(std::string("kustomize build failed: ") + e.what());
  }
  std::optional<std::map<std::string, std::string>> vars;
  std::optional<sops::AgeIdentities> identities;
  const bool decrypting = obj.spec.decryption && obj.spec.decryption->provider == "sops";
  for (auto& res : resources) {
    const std::string name = stringField(res, "name");
    if (name.empty() || !res["kind"].isString() || !res["apiVersion"].isString()) {
      throw core::Error("failed to decode Kubernetes apiVersion, kind and name from: " +
                        core::toYaml(res));
    }
    if (decrypting && sops::isEncrypted(res) && !decryptionDisabled(res)) {
      if (!identities) identities = loadDecryptionKeys(controllerClient, obj, options);
      try {
        sops::decrypt(res, *identities);
      } catch (const std::exception& e) {
        throw core::Error("decryption failed for '" + gvkString(res) + "/" + name +
                          "': failed to decrypt and format '" + stringField(res, "namespace") +
                          "/" + name + "' " + res["kind"].asString() + " data: " + e.what());
      }
    }
    if (!obj.spec.postBuild) continue;
    try {
      if (!vars) vars = loadVariables(obj, client);
      const bool always = obj.spec.postBuild->substituteStrategy.value_or("") == "Always";
      kustomize::substituteVariables(res, *vars, options.strictSubstitutions, always);
    } catch (const std::exception& e) {
      throw core::Error("post build failed for '" + gvkString(res) + "/" + name + "': " + e.what());
    }
  }
  return resources;
}

ssa::ChangeSet KustomizationReconciler::apply(Kustomization& obj, ssa::ResourceManager& manager,
                                              std::vector<core::Value> objects,
                                              const Source& source, bool& drifted) {
  if (obj.spec.commonMetadata) {
    for (auto& o : objects) {
      for (const auto& [k, v] : obj.spec.commonMetadata->labels)
        o["metadata"]["labels"][k] = v;
      for (const auto& [k, v] : obj.spec.commonMetadata->annotations) {
        o["metadata"]["annotations"][k] = v;
      }
    }
  }
  ssa::ApplyOptions applyOptions =
      ssa::defaultApplyOptions(owner(), obj.spec.force.value_or(false));
  applyOptions.customStageKinds = options_.customStageKinds;
  for (const auto& m : options_.overrideManagers) {
    applyOptions.cleanup.fieldManagers.push_back({m, false, "Apply"});
    applyOptions.cleanup.fieldManagers.push_back({m, false, "Update"});
  }
  for (const auto& o : objects) {
    if (isEncryptedSecret(o) && !decryptionDisabled(o)) {
      throw core::Error(subjectOf(o) +
                        " is SOPS encrypted, configuring decryption is required for this secret "
                        "to be reconciled");
    }
  }
  // Objects already applied are listed once per kind (by the owner labels) instead of one GET
  // each; what this controller applied before and nobody changed since is not dry-run again.
  ssa::LiveObjects live;
  if (obj.status->inventory && !obj.status->inventory->entries.empty()) {
    live =
        manager.listOwned(objects, manager.ownerLabels(obj.metadata.name, obj.metadata.namespace_));
    applyOptions.live = &live;
  }
  const std::string cacheKey = obj.metadata.namespace_ + "/" + obj.metadata.name;
  ssa::AppliedObjects applied;
  {
    std::lock_guard lock(appliedMutex_);
    if (auto it = applied_.find(cacheKey); it != applied_.end()) {
      applied = std::move(it->second);
      applied_.erase(it);
    }
  }
  applyOptions.applied = &applied;
  auto keepApplied = [&] {
    std::lock_guard lock(appliedMutex_);
    if (applied_.size() >= kMaxAppliedCaches) applied_.clear();
    applied_[cacheKey] = std::move(applied);
  };
  ssa::ChangeSet changeSet;
  if (!objects.empty()) {
    try {
      changeSet = manager.applyAllStaged(std::move(objects), applyOptions);
    } catch (const std::exception& e) {
      keepApplied();
      throw core::Error(std::string(e.what()) + "\n");
    }
    // Only what this revision applies stays cached.
    std::set<std::string> current;
    for (const auto& e : changeSet.entries)
      current.insert(e.objMetadata.toString());
    std::erase_if(applied, [&](const auto& entry) { return !current.contains(entry.first); });
    logger_.info("server-side apply completed", {{"namespace", obj.metadata.namespace_},
                                                 {"name", obj.metadata.name},
                                                 {"revision", source.artifact->revision},
                                                 {"output", changeSet.toString()}});
  }
  keepApplied();
  const std::string applyLog = changeSet.changeLog();
  if (!applyLog.empty()) {
    event(obj, source.artifact->revision, source.originRevision(), false, applyLog);
  }
  drifted = !applyLog.empty();
  return changeSet;
}

void KustomizationReconciler::checkHealth(Kustomization& obj, ssa::ResourceManager& manager,
                                          runtime::SerialPatcher& patcher, const Source& source,
                                          bool isNewRevision, bool drifted,
                                          const ssa::ChangeSet& changeSet, std::stop_token stop) {
  auto& conds = obj.status->conditions;
  const auto ctx = runtime::conditionsContext(obj.metadata.generation);
  const bool wait = obj.spec.wait.value_or(false);
  if (obj.spec.healthChecks.empty() && !wait) {
    conditions::remove(conds, kHealthy);
    return;
  }
  std::vector<kube::ObjectRef> objects;
  if (wait) {
    for (const auto& e : changeSet.entries) {
      if (e.action != ssa::Action::Skipped) objects.push_back(e.ref());
    }
  } else {
    for (const auto& hc : obj.spec.healthChecks) {
      objects.push_back(
          {kube::GroupVersionKind::fromApiVersion(hc.apiVersion.value_or(""), hc.kind),
           hc.namespace_.value_or(""), hc.name});
    }
  }
  std::erase_if(objects, [&](const kube::ObjectRef& r) {
    return r.gvk.kind == Kustomization::kKind && r.name == obj.metadata.name &&
           r.namespace_ == obj.metadata.namespace_;
  });
  if (objects.empty()) {
    conditions::remove(conds, kHealthy);
    return;
  }
  const auto checkStart = Clock::now();
  const bool wasHealthy = conditions::isTrue(conds, kHealthy);
  const std::string revision = source.artifact->revision;
  const std::string message = "Running health checks for revision " + revision +
                              " with a timeout of " + goDuration(kustomizationTimeout(obj));
  conditions::markReconciling(conds, conditions::kProgressingReason, message, ctx);
  conditions::markUnknown(conds, kHealthy, conditions::kProgressingReason, message, ctx);
  patch(obj, patcher);
  try {
    manager.waitForSet(objects,
                       ssa::WaitOptions{options_.healthPollInterval,
                                        std::chrono::duration_cast<std::chrono::milliseconds>(
                                            kustomizationTimeout(obj)),
                                        true, stop});
  } catch (const std::exception& e) {
    conditions::markFalse(conds, conditions::kReady, kHealthCheckFailed, e.what(), ctx);
    conditions::markFalse(conds, kHealthy, kHealthCheckFailed, e.what(), ctx);
    throw ReconcileFailure("health check failed after " + sinceText(checkStart) + ": " + e.what());
  }
  const std::string msg = "Health check passed in " + sinceText(checkStart);
  if (!wasHealthy || (isNewRevision && drifted)) {
    event(obj, revision, source.originRevision(), false, msg);
  }
  conditions::markTrue(conds, kHealthy, conditions::kSucceededReason, msg, ctx);
  patch(obj, patcher);
}

void KustomizationReconciler::reconcileRevision(Kustomization& obj, const Source& source,
                                                runtime::SerialPatcher& patcher,
                                                std::stop_token stop) {
  const auto reconcileStart = Clock::now();
  auto& conds = obj.status->conditions;
  const auto ctx = runtime::conditionsContext(obj.metadata.generation);
  const std::string revision = source.artifact->revision;
  const std::string originRevision = source.originRevision();
  const std::string timeoutText = goDuration(kustomizationTimeout(obj));
  auto fail = [&](std::string_view reason, const std::string& message) {
    conditions::markFalse(conds, conditions::kReady, reason, message, ctx);
    return ReconcileFailure(message);
  };
  // Progress is written to the status as it happens when there is new work (a new revision, a
  // spec change, a failure to recover from); a periodic reconcile of what is already applied
  // writes only its outcome, which saves three status writes per Kustomization and interval.
  const bool newWork = !hasRevision(revision, obj.status->lastAppliedRevision.value_or("")) ||
                       obj.status->observedGeneration.value_or(-1) != obj.metadata.generation ||
                       !conditions::isTrue(conds, conditions::kReady);
  auto progress = [&] {
    if (newWork) patch(obj, patcher);
  };

  conditions::markUnknown(conds, conditions::kReady, conditions::kProgressingReason,
                          "Reconciliation in progress", ctx);
  conditions::markReconciling(
      conds, conditions::kProgressingReason,
      "Fetching manifests for revision " + revision + " with a timeout of " + timeoutText, ctx);
  progress();

  ssa::Inventory oldInventory;
  if (obj.status->inventory) {
    for (const auto& e : obj.status->inventory->entries)
      oldInventory.push_back({e.id, e.v});
  }
  std::optional<core::TempDir> tmp;
  try {
    tmp.emplace("kustomization", options_.workDir);
  } catch (const std::exception& e) {
    throw fail("DirCreationFailed", e.what());
  }
  try {
    artifact::fetchArtifact(source.artifact->url, source.artifact->digest, tmp->path(),
                            options_.fetch);
  } catch (const artifact::ArtifactNotFound&) {
    throw;
  } catch (const std::exception& e) {
    throw fail(kArtifactFailed, e.what());
  }
  const fs::path dir = kustomize::secureJoin(tmp->path(), obj.spec.path.value_or(""));
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    throw fail(kArtifactFailed, "kustomization path not found: stat " + dir.string() +
                                    ": no such file or directory");
  }
  obj.status->lastAttemptedRevision = revision;
  conditions::markReconciling(
      conds, conditions::kProgressingReason,
      "Building manifests for revision " + revision + " with a timeout of " + timeoutText, ctx);
  progress();

  std::shared_ptr<kube::Client> client;
  try {
    client = clientFor(obj);
  } catch (const std::exception& e) {
    throw fail(conditions::kReconciliationFailedReason, e.what());
  }
  std::vector<core::Value> objects;
  try {
    objects = renderKustomization(client_, *client, obj, tmp->path(), dir,
                                  RenderOptions{options_.strictSubstitutions,
                                                options_.sopsAgeSecret, options_.runtimeNamespace});
  } catch (const std::exception& e) {
    throw fail(kBuildFailed, e.what());
  }
  const std::string checksum =
      artifact::computeDigest("sha256", kustomize::printResources(objects));
  std::map<std::string, std::string> historyMeta{{"revision", revision}};
  if (!originRevision.empty()) historyMeta["originRevision"] = originRevision;
  auto recordHistory = [&](std::string_view status) {
    upsertHistory(
        obj.status->history, checksum, core::formatRfc3339(std::chrono::system_clock::now()),
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - reconcileStart),
        std::string(status), historyMeta);
  };

  ssa::ResourceManager manager(*client, owner());
  manager.setOwnerLabels(objects, obj.metadata.name, obj.metadata.namespace_);
  conditions::markReconciling(
      conds, conditions::kProgressingReason,
      "Detecting drift for revision " + revision + " with a timeout of " + timeoutText, ctx);
  progress();

  bool drifted = false;
  ssa::ChangeSet changeSet;
  try {
    changeSet = apply(obj, manager, std::move(objects), source, drifted);
  } catch (const std::exception& e) {
    recordHistory(conditions::kReconciliationFailedReason);
    throw fail(conditions::kReconciliationFailedReason, e.what());
  }
  const ssa::Inventory newInventory = changeSet.toInventory();
  api::kustomize::v1::ResourceInventory inventory;
  for (const auto& e : newInventory)
    inventory.entries.push_back({e.id, e.v});
  obj.status->inventory = inventory;

  if (obj.spec.prune) {
    std::vector<kube::ObjectRef> stale;
    try {
      stale = ssa::staleObjects(oldInventory, newInventory);
      ssa::ChangeSet pruned = manager.deleteAll(
          stale, ssa::defaultDeleteOptions(owner(), obj.metadata.name, obj.metadata.namespace_));
      if (!pruned.entries.empty()) {
        logger_.info("garbage collection completed: " + pruned.toString(),
                     {{"namespace", obj.metadata.namespace_}, {"name", obj.metadata.name}});
        event(obj, revision, originRevision, false, pruned.toString());
      }
    } catch (const std::exception& e) {
      // What could not be deleted stays in the inventory, to be pruned next time.
      for (const auto& ref : stale) {
        const ssa::ObjMetadata id = ssa::ObjMetadata::of(ref);
        inventory.entries.push_back({id.toString(), ref.gvk.version});
      }
      obj.status->inventory = inventory;
      recordHistory(kPruneFailed);
      throw fail(kPruneFailed, e.what());
    }
  }

  const bool isNewRevision = !hasRevision(revision, obj.status->lastAppliedRevision.value_or(""));
  try {
    checkHealth(obj, manager, patcher, source, isNewRevision, drifted, changeSet, stop);
  } catch (const std::exception& e) {
    recordHistory(kHealthCheckFailed);
    throw;
  }
  obj.status->lastAppliedRevision = revision;
  if (originRevision.empty()) {
    obj.status->lastAppliedOriginRevision.reset();
  } else {
    obj.status->lastAppliedOriginRevision = originRevision;
  }
  conditions::markTrue(conds, conditions::kReady, conditions::kReconciliationSucceededReason,
                       "Applied revision: " + revision, ctx);
  recordHistory(conditions::kReconciliationSucceededReason);
}

runtime::Result KustomizationReconciler::finalize(Kustomization& obj,
                                                  runtime::SerialPatcher& patcher) {
  auto& finalizers = obj.metadata.finalizers;
  auto it = std::find(finalizers.begin(), finalizers.end(), kKustomizationFinalizer);
  if (it == finalizers.end()) return {};
  const bool hasInventory =
      obj.status && obj.status->inventory && !obj.status->inventory->entries.empty();
  const std::string policy = obj.spec.deletionPolicy.value_or("MirrorPrune");
  bool shouldDelete = false;
  if (!obj.spec.suspend.value_or(false) && hasInventory) {
    shouldDelete = (policy == "MirrorPrune" && obj.spec.prune) || policy == "Delete" ||
                   policy == "WaitForTermination";
  }
  if (shouldDelete) {
    const std::string revision = obj.status->lastAppliedRevision.value_or("");
    const std::string origin = obj.status->lastAppliedOriginRevision.value_or("");
    std::vector<kube::ObjectRef> objects;
    for (auto e = obj.status->inventory->entries.rbegin();
         e != obj.status->inventory->entries.rend(); ++e) {
      objects.push_back(ssa::ObjMetadata::parse(e->id).ref(e->v));
    }
    std::shared_ptr<kube::Client> client = clientFor(obj);
    ssa::ResourceManager manager(*client, owner());
    ssa::ChangeSet changeSet;
    try {
      changeSet = manager.deleteAll(
          objects, ssa::defaultDeleteOptions(owner(), obj.metadata.name, obj.metadata.namespace_));
    } catch (const std::exception&) {
      event(obj, revision, origin, true, "pruning for deleted resource failed");
      throw;
    }
    if (!changeSet.entries.empty()) {
      event(obj, revision, origin, false, changeSet.toString());
      if (policy == "WaitForTermination") {
        try {
          manager.waitForTermination(
              changeSet.refs(),
              ssa::WaitOptions{
                  std::chrono::milliseconds(2000),
                  std::chrono::duration_cast<std::chrono::milliseconds>(kustomizationTimeout(obj)),
                  false,
                  {}});
        } catch (const std::exception& e) {
          logger_.error("failed to wait for resources termination", e.what());
          event(obj, revision, origin, true, "failed to wait for resources termination");
        }
      }
    }
  }
  finalizers.erase(std::find(finalizers.begin(), finalizers.end(), kKustomizationFinalizer));
  patch(obj, patcher);
  std::lock_guard lock(appliedMutex_);
  applied_.erase(obj.metadata.namespace_ + "/" + obj.metadata.name);
  return {};
}

void KustomizationReconciler::finalizeStatus(Kustomization& obj, runtime::SerialPatcher& patcher) {
  if (const std::string* token = obj.metadata.annotation(runtime::kReconcileRequestAnnotation)) {
    obj.status->lastHandledReconcileAt = *token;
  }
  auto& conds = obj.status->conditions;
  if (conditions::isTrue(conds, conditions::kReady)) {
    conditions::remove(conds, conditions::kReconciling);
    obj.status->observedGeneration = obj.metadata.generation;
  }
  if (conditions::isFalse(conds, conditions::kReady)) {
    if (const auto* rc = conditions::get(conds, conditions::kReconciling)) {
      conditions::Condition c = *rc;
      c.reason = std::string(conditions::kProgressingWithRetryReason);
      conditions::set(conds, c, runtime::conditionsContext(obj.metadata.generation));
    }
  }
  patch(obj, patcher);
}

std::vector<runtime::Request> KustomizationReconciler::requestsForSource(const core::Value& source,
                                                                         std::string_view kind) {
  std::vector<runtime::Request> out;
  if (options_.cache == nullptr) return out;
  const std::string ns = stringField(source, "namespace");
  const std::string name = stringField(source, "name");
  for (const auto& k : options_.cache->list()) {
    const core::Value& ref = (*k)["spec"]["sourceRef"];
    if (!ref["kind"].isString() || ref["kind"].asString() != kind) continue;
    if (!ref["name"].isString() || ref["name"].asString() != name) continue;
    const std::string kns = stringField(*k, "namespace");
    const std::string refNs = ref["namespace"].isString() && !ref["namespace"].asString().empty()
                                  ? ref["namespace"].asString()
                                  : kns;
    if (refNs != ns) continue;
    out.push_back({kns, stringField(*k, "name")});
  }
  return out;
}

std::vector<runtime::Request> KustomizationReconciler::requestsForConfig(const core::Value& config,
                                                                         std::string_view kind) {
  std::vector<runtime::Request> out;
  if (options_.cache == nullptr) return out;
  const std::string ns = stringField(config, "namespace");
  const std::string name = stringField(config, "name");
  auto named = [&](const core::Value& ref) {
    return ref["name"].isString() && ref["name"].asString() == name;
  };
  for (const auto& k : options_.cache->list(ns)) {
    const core::Value& spec = (*k)["spec"];
    bool uses = false;
    if (spec["postBuild"]["substituteFrom"].isArray()) {
      for (const auto& ref : spec["postBuild"]["substituteFrom"].asArray()) {
        uses = uses || (ref["kind"].isString() && ref["kind"].asString() == kind && named(ref));
      }
    }
    if (kind == "Secret") {
      uses =
          uses || named(spec["decryption"]["secretRef"]) || named(spec["kubeConfig"]["secretRef"]);
    }
    if (uses) out.push_back({ns, stringField(*k, "name")});
  }
  return out;
}

std::vector<runtime::Request> KustomizationReconciler::requestsForDependents(
    const core::Value& kustomization) {
  std::vector<runtime::Request> out;
  if (options_.cache == nullptr) return out;
  const std::string ns = stringField(kustomization, "namespace");
  const std::string name = stringField(kustomization, "name");
  for (const auto& k : options_.cache->list()) {
    const core::Value& deps = (*k)["spec"]["dependsOn"];
    if (!deps.isArray()) continue;
    const std::string kns = stringField(*k, "namespace");
    for (const auto& d : deps.asArray()) {
      const std::string dns = d["namespace"].isString() && !d["namespace"].asString().empty()
                                  ? d["namespace"].asString()
                                  : kns;
      if (d["name"].isString() && d["name"].asString() == name && dns == ns) {
        out.push_back({kns, stringField(*k, "name")});
        break;
      }
    }
  }
  return out;
}

}  // namespace driftless::kustomize_controller
