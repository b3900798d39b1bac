// ssa::ResourceManager against the embedded control plane with the workload simulator: staged
// apply of CRDs with their custom resources, no-op re-applies, drift correction, pruning and
// health checks.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <map>
#include <string>
#include <vector>

#include "driftless/core/log.h"
#include "driftless/core/yaml.h"
#include "driftless/kube/api_error.h"
#include "driftless/ssa/resource_manager.h"
#include "kubectl_harness.h"
#include "test_support.h"

namespace driftless::ssa {
namespace {

using Catch::Matchers::Equals;

constexpr const char* kManifests = R"(
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
---
apiVersion: v1
kind: Namespace
metadata:
  name: apps
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
  namespace: apps
spec:
  size: 3
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: apps
data:
  mode: fast
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: keep
  namespace: apps
  annotations:
    kustomize.toolkit.fluxcd.io/prune: disabled
data:
  a: b
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: apps
spec:
  replicas: 2
  selector:
    matchLabels: {app: podinfo}
  template:
    metadata:
      labels: {app: podinfo}
    spec:
      containers:
      - name: podinfo
        image: ghcr.io/stefanprodan/podinfo:6.5.0
        ports:
        - containerPort: 9898
)";

core::Logger quiet() {
  return core::Logger(core::makeFdLogSink(2), core::LogLevel::Error, core::LogEncoding::Json);
}

class Fixture {
 public:
  Fixture() : client_(kube::makeClient(cp_.config(), quiet())), manager_(*client_, owner_) {}

  std::vector<core::Value> objects() const {
    std::vector<core::Value> out = core::parseYamlStream(kManifests);
    manager_.setOwnerLabels(out, "apps", "flux-system");
    return out;
  }
  ApplyOptions options() const {
    ApplyOptions o = defaultApplyOptions(owner_);
    o.waitInterval = std::chrono::milliseconds(100);
    o.waitTimeout = std::chrono::seconds(20);
    return o;
  }
  std::map<std::string, std::string> resourceVersions(const ChangeSet& cs) {
    std::map<std::string, std::string> out;
    for (const auto& e : cs.entries) {
      out[e.subject] = client_->get(e.ref())["metadata"]["resourceVersion"].asString();
    }
    return out;
  }
  kube::Client& client() { return *client_; }
  const test::ControlPlane& controlPlane() const { return cp_; }
  ResourceManager& manager() { return manager_; }
  const Owner& owner() const { return owner_; }

 private:
  test::ControlPlane cp_{true};
  kube::ClientPtr client_;
  Owner owner_;
  ResourceManager manager_;
};

const kube::ObjectRef kSettings{{"", "v1", "ConfigMap"}, "apps", "settings"};
const kube::ObjectRef kWidget{{"example.com", "v1", "Widget"}, "apps", "w"};
const kube::ObjectRef kPodinfo{{"apps", "v1", "Deployment"}, "apps", "podinfo"};

TEST_CASE("ResourceManager against the control plane", "[ssa][integration]") {
  Fixture f;
  ChangeSet first = f.manager().applyAllStaged(f.objects(), f.options());
  REQUIRE_THAT(first.toString(), Equals("CustomResourceDefinition/widgets.example.com created\n"
                                        "Namespace/apps created\n"
                                        "ConfigMap/apps/keep created\n"
                                        "ConfigMap/apps/settings created\n"
                                        "Deployment/apps/podinfo created\n"
                                        "Widget/apps/w created"));
  CHECK(f.client().get(kWidget)["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"] ==
        core::Value("apps"));

  SECTION("a second apply changes nothing") {
    // The workload simulator writes the Deployment's status once: let it settle first.
    REQUIRE(test::eventually(
        [&] { return f.client().get(kPodinfo)["status"]["observedGeneration"].isInt(); }));
    auto before = f.resourceVersions(first);
    ChangeSet second = f.manager().applyAllStaged(f.objects(), f.options());
    for (const auto& e : second.entries)
      CHECK(e.toString() == e.subject + " unchanged");
    CHECK_FALSE(second.hasChanges());
    CHECK(f.resourceVersions(second) == before);
  }
  SECTION("drift is corrected") {
    f.client().patch(kSettings, kube::PatchType::Merge,
                     core::parseYaml("data: {mode: slow, extra: x}"),
                     kube::PatchOptions{"kubectl-edit", false, ""});
    ChangeSet cs = f.manager().applyAllStaged(f.objects(), f.options());
    CHECK(cs.changeLog() == "ConfigMap/apps/settings configured");
    core::Value live = f.client().get(kSettings);
    CHECK(live["data"] == core::parseYaml("{mode: fast}"));
  }
  SECTION("Ignore and IfNotPresent") {
    f.client().patch(kSettings, kube::PatchType::Merge, core::parseYaml("data: {mode: slow}"),
                     kube::PatchOptions{"kubectl-edit", false, ""});
    for (const char* value : {"Ignore", "IfNotPresent"}) {
      auto objects = f.objects();
      for (auto& o : objects) {
        if (o["metadata"]["name"] == core::Value("settings")) {
          o["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/ssa"] = value;
        }
      }
      ChangeSet cs = f.manager().applyAllStaged(objects, f.options());
      CHECK_FALSE(cs.hasChanges());
      CHECK(cs.toString().find("ConfigMap/apps/settings skipped") != std::string::npos);
      CHECK(f.client().get(kSettings)["data"]["mode"] == core::Value("slow"));
    }
  }
  SECTION("prune deletes only what still carries the owner labels") {
    f.client().patch(kube::ObjectRef{{"", "v1", "ConfigMap"}, "apps", "settings"},
                     kube::PatchType::Merge,
                     core::parseYaml("metadata: {labels: {kustomize.toolkit.fluxcd.io/name: x}}"),
                     kube::PatchOptions{"kubectl-edit", false, ""});
    auto stale = staleObjects(first.toInventory(), {first.toInventory()[0]});
    ChangeSet cs =
        f.manager().deleteAll(stale, defaultDeleteOptions(f.owner(), "apps", "flux-system"));
    CHECK_THAT(cs.toString(), Equals("Widget/apps/w deleted\n"
                                     "Deployment/apps/podinfo deleted\n"
                                     "ConfigMap/apps/settings skipped\n"
                                     "ConfigMap/apps/keep skipped\n"
                                     "Namespace/apps deleted"));
    CHECK_THROWS(f.client().get(kPodinfo));
  }
  SECTION("objects applied with kubectl are taken over") {
    auto path = f.controlPlane().writeFile(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: legacy, namespace: apps}\n"
        "data: {a: '1', b: '2'}\n");
    auto result = f.controlPlane().kubectl("apply -f " + path.string());
    REQUIRE(result.exitCode == 0);
    core::Value desired = core::parseYaml(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: legacy, namespace: apps}\n"
        "data: {a: '1'}\n");
    ChangeSetEntry e = f.manager().apply(desired, f.options());
    CHECK(e.toString() == "ConfigMap/apps/legacy configured");
    core::Value live = f.client().get(kube::ObjectRef{{"", "v1", "ConfigMap"}, "apps", "legacy"});
    CHECK(live["data"] == core::parseYaml("{a: '1'}"));
    CHECK(live["metadata"]["annotations"].find(
              "kubectl.kubernetes.io/last-applied-configuration") == nullptr);
    REQUIRE(live["metadata"]["managedFields"].size() == 1);
    CHECK(live["metadata"]["managedFields"][0]["manager"] == core::Value("kustomize-controller"));
    CHECK(f.manager().apply(desired, f.options()).action == Action::Unchanged);
  }
  SECTION("waitForSet: the simulator rolls the Deployment out") {
    auto statuses = f.manager().waitForSet(
        {kPodinfo, kSettings},
        WaitOptions{std::chrono::milliseconds(100), std::chrono::seconds(20), true, {}});
    CHECK(statuses[0].status == Status::Current);
    CHECK(statuses[0].message == "Deployment is available. Replicas: 2");
  }
  SECTION("waitForSet times out on a custom resource that is not Ready") {
    core::Value widget = f.client().get(kWidget);
    widget["status"] = core::parseYaml(
        "conditions: [{type: Ready, status: 'False', reason: Failing, message: broken}]");
    f.client().updateStatus(widget);
    CHECK_THROWS_WITH(
        f.manager().waitForSet(
            {kWidget},
            WaitOptions{std::chrono::milliseconds(100), std::chrono::milliseconds(1500), true, {}}),
        Equals("timeout waiting for: [Widget/apps/w status: 'InProgress']"));
  }
}

}  // namespace
}  // namespace driftless::ssa
