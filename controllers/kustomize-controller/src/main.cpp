// kustomize-controller: Kustomizations (Flux's kustomize-controller), on libs/runtime and libs/ssa.

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "driftless/core/duration.h"
#include "driftless/core/error.h"
#include "driftless/runtime/manager.h"
#include "kustomization_reconciler.h"

namespace {

namespace runtime = driftless::runtime;
namespace core = driftless::core;
namespace kc = driftless::kustomize_controller;

constexpr std::string_view kUsage = R"(kustomize-controller: Kustomizations

Flags of the kustomize-controller:
  --requeue-dependency D           retry interval while sources or dependencies are not ready
                                   (default 30s)
  --no-cross-namespace-refs        refuse sourceRefs in other namespaces
  --default-service-account NAME   impersonate this service account when a Kustomization
                                   names none
  --http-retry N                   retries of an artifact download (default 9)
  --custom-apply-stage-kinds LIST  kinds applied in a stage of their own (Kind or group/Kind)
  --override-manager NAME          field manager whose fields are taken over (repeatable)
  --feature-gates LIST             StrictPostBuildSubstitutions=true|false
  --watch-configs-label-selector S ConfigMaps and Secrets whose changes reconcile the
                                   Kustomizations using them (default
                                   reconcile.fluxcd.io/watch=Enabled; gate DisableConfigWatchers)
  --sops-age-secret NAME           Secret (in the runtime namespace) with `*.agekey` entries, for
                                   Kustomizations with decryption but no secretRef
  --no-remote-bases, --concurrent-ssa N
                                   accepted for compatibility (remote bases are never loaded;
                                   objects are applied one at a time)
Environment: SOURCE_CONTROLLER_LOCALHOST replaces the host of artifact URLs.
)";

void parseFeatureGates(const std::string& text, kc::KustomizationReconcilerOptions& o) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? text.size() + 1 : comma + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    const std::string name = item.substr(0, eq);
    const bool value = eq == std::string::npos || item.substr(eq + 1) == "true";
    if (name == "StrictPostBuildSubstitutions") {
      o.strictSubstitutions = value;
    } else {
      std::cerr << "kustomize-controller: feature gate " << name << " is not known, ignored\n";
    }
  }
}

// --watch-configs-label-selector: the ConfigMaps and Secrets whose changes reconcile the
// Kustomizations that use them (empty: off).
std::string configSelector = "reconcile.fluxcd.io/watch=Enabled";

void parseOwnOptions(const std::vector<std::string>& args, kc::KustomizationReconcilerOptions& o) {
  runtime::parseFlags(
      args,
      [](const std::string& name) {
        return name == "--no-cross-namespace-refs" || name == "--no-remote-bases";
      },
      [&o](const std::string& name, const std::string& value) {
        if (name == "--no-cross-namespace-refs") {
          o.noCrossNamespaceRefs = value == "true";
        } else if (name == "--no-remote-bases") {
          // Remote bases are never loaded.
        } else if (name == "--requeue-dependency") {
          o.requeueDependency =
              std::chrono::duration_cast<std::chrono::milliseconds>(core::parseDuration(value));
        } else if (name == "--default-service-account") {
          o.defaultServiceAccount = value;
        } else if (name == "--http-retry") {
          o.fetch.retries = std::stoi(value);
        } else if (name == "--custom-apply-stage-kinds") {
          o.customStageKinds = driftless::ssa::GroupKind::parseSet(value);
        } else if (name == "--override-manager") {
          o.overrideManagers.push_back(value);
        } else if (name == "--feature-gates") {
          parseFeatureGates(value, o);
        } else if (name == "--watch-configs-label-selector") {
          configSelector = value;
        } else if (name == "--sops-age-secret") {
          o.sopsAgeSecret = value;
        } else if (name != "--concurrent-ssa") {
          return false;
        }
        return true;
      });
}

}  // namespace

int main(int argc, char** argv) {
  return runtime::controllerMain(
      "kustomize-controller", kUsage, 4, argc, argv,
      [](const runtime::RuntimeOptions& options, const std::vector<std::string>& rest,
         std::stop_token stop) {
        kc::KustomizationReconcilerOptions ro;
        parseOwnOptions(rest, ro);
        if (const char* host = std::getenv("SOURCE_CONTROLLER_LOCALHOST"); host != nullptr) {
          ro.fetch.hostnameOverride = host;
        }
        runtime::Manager manager(options);
        ro.restConfig = options.restConfig();
        ro.runtimeNamespace = options.runtimeNamespace;
        runtime::Informer& kustomizations =
            manager.cache().informer({"kustomize.toolkit.fluxcd.io", "v1", "Kustomization"});
        ro.cache = &kustomizations;
        ro.events = runtime::recordTo(manager.events());
        ro.metrics = &manager.metrics();
        ro.jitterPercent = options.jitterPercent;
        kc::KustomizationReconciler reconciler(manager.client(), ro, manager.logger());
        runtime::Controller& controller = manager.addController("kustomization", reconciler);
        controller.watchFor(kustomizations);
        // A new artifact of a source reconciles the Kustomizations that use it.
        runtime::Predicate artifactChanged;
        artifactChanged.update = [](const core::Value& oldObject, const core::Value& newObject) {
          return oldObject["status"]["artifact"]["revision"] !=
                 newObject["status"]["artifact"]["revision"];
        };
        for (const char* kind : {"GitRepository", "OCIRepository", "Bucket"}) {
          runtime::Informer& sources =
              manager.cache().informerUnfiltered({"source.toolkit.fluxcd.io", "v1", kind});
          controller.watches(
              sources,
              [&reconciler, kind](const core::Value& source) {
                return reconciler.requestsForSource(source, kind);
              },
              artifactChanged);
        }
        // Flux's config watchers: a change of a labelled ConfigMap or Secret reconciles the
        // Kustomizations that use it.
        if (!configSelector.empty()) {
          runtime::Predicate dataChanged;
          dataChanged.update = [](const core::Value& oldObject, const core::Value& newObject) {
            return oldObject["data"] != newObject["data"] ||
                   oldObject["binaryData"] != newObject["binaryData"];
          };
          for (const char* kind : {"ConfigMap", "Secret"}) {
            runtime::Informer& configs =
                manager.cache().informerSelecting({"", "v1", kind}, configSelector);
            controller.watches(
                configs,
                [&reconciler, kind](const core::Value& config) {
                  return reconciler.requestsForConfig(config, kind);
                },
                dataChanged);
          }
        }
        // A Kustomization that becomes ready releases its dependents at once (Flux polls with
        // --requeue-dependency).
        runtime::Predicate becameReady;
        becameReady.create = [](const core::Value&) { return false; };
        becameReady.remove = [](const core::Value&) { return false; };
        becameReady.update = [](const core::Value& oldObject, const core::Value& newObject) {
          return oldObject["status"]["lastAppliedRevision"] !=
                     newObject["status"]["lastAppliedRevision"] ||
                 oldObject["status"]["observedGeneration"] !=
                     newObject["status"]["observedGeneration"];
        };
        controller.watches(
            kustomizations,
            [&reconciler](const core::Value& k) { return reconciler.requestsForDependents(k); },
            becameReady);
        return manager.run(stop);
      });
}
