// End-to-end builds of small kustomization trees written to a temporary directory, compared
// with what kubectl kustomize (kustomize v5.5.0) prints.

#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>

#include "driftless/kustomize/build.h"
#include "driftless/kustomize/error.h"

namespace fs = std::filesystem;
namespace kz = driftless::kustomize;

namespace {

class TempTree {
 public:
  explicit TempTree(const std::map<std::string, std::string>& files) {
    std::random_device rd;
    root_ = fs::temp_directory_path() / ("kustomize-test-" + std::to_string(rd()));
    for (const auto& [path, content] : files) {
      fs::path p = root_ / path;
      fs::create_directories(p.parent_path());
      std::ofstream(p) << content;
    }
  }
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;
  [[nodiscard]] const fs::path& root() const { return root_; }

 private:
  fs::path root_;
};

struct Case {
  std::string name;
  std::map<std::string, std::string> files;
  std::string buildPath;
  std::string expected;  // output, or the error substring when `fails`
  bool fails = false;
};

const char* kDeployment =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - name: app\n        image: nginx\n"
    "        envFrom:\n        - configMapRef:\n            name: cfg\n";

std::vector<Case> cases() {
  return {
      {"prefix, labels, images and a generated ConfigMap referenced by name",
       {{"kustomization.yaml",
         "namePrefix: p-\ncommonLabels:\n  app: web\nimages:\n- name: nginx\n  newTag: \"1.25\"\n"
         "resources:\n- deploy.yaml\nconfigMapGenerator:\n- name: cfg\n  literals:\n  - a=b\n"},
        {"deploy.yaml", kDeployment}},
       "",
       "apiVersion: v1\ndata:\n  a: b\nkind: ConfigMap\nmetadata:\n  labels:\n    app: web\n"
       "  name: p-cfg-4h2mbtbbt6\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
       "  labels:\n    app: web\n  name: p-web\nspec:\n  selector:\n    matchLabels:\n"
       "      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n"
       "      containers:\n      - envFrom:\n        - configMapRef:\n            name: "
       "p-cfg-4h2mbtbbt6\n        image: nginx:1.25\n        name: app\n"},
      {"overlay with namespace and a strategic merge patch",
       {{"base/kustomization.yaml", "resources:\n- deploy.yaml\n"},
        {"base/deploy.yaml", kDeployment},
        {"overlay/kustomization.yaml",
         "namespace: prod\nresources:\n- ../base\npatches:\n- patch: |-\n    apiVersion: apps/v1\n"
         "    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      replicas: 3\n"}},
       "overlay",
       "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\nspec:\n"
       "  replicas: 3\n  template:\n    spec:\n      containers:\n      - envFrom:\n"
       "        - configMapRef:\n            name: cfg\n        image: nginx\n        name: app\n"},
      {"missing kustomization file",
       {{"deploy.yaml", kDeployment}},
       "",
       "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization'",
       true},
      {"files outside the root are refused",
       {{"app/kustomization.yaml", "resources:\n- ../deploy.yaml\n"}, {"deploy.yaml", kDeployment}},
       "app",
       "is not in or below",
       true},
      {"IAMPolicyGenerator makes a GKE workload-identity ServiceAccount",
       {{"kustomization.yaml", "generators:\n- iam.yaml\n"},
        {"iam.yaml",
         "apiVersion: builtin\nkind: IAMPolicyGenerator\nmetadata:\n  name: gke\ncloud: gke\n"
         "kubernetesService:\n  namespace: apps\n  name: app-sa\nserviceAccount:\n"
         "  name: app-gsa\n  projectId: my-project\n"}},
       "",
       "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  annotations:\n"
       "    iam.gke.io/gcp-service-account: app-gsa@my-project.iam.gserviceaccount.com\n"
       "  name: app-sa\n  namespace: apps\n"},
      {"IAMPolicyGenerator supports only gke",
       {{"kustomization.yaml", "generators:\n- iam.yaml\n"},
        {"iam.yaml",
         "apiVersion: builtin\nkind: IAMPolicyGenerator\nmetadata:\n  name: x\n"
         "cloud: aws\n"}},
       "",
       "cloud provider aws not supported yet",
       true},
      {"crds: x-kubernetes-object-ref extensions make name references",
       {{"kustomization.yaml", "crds:\n- crd.json\nnamePrefix: x-\nresources:\n- res.yaml\n"},
        {"crd.json",
         R"({"example.com/v1.MyKind": {"Schema": {"properties": {"apiVersion": {}, "kind": {},
             "metadata": {}, "spec": {"$ref": "example.com/v1.MySpec"}}}},
             "example.com/v1.MySpec": {"Schema": {"properties": {"secretRef": {
             "x-kubernetes-object-ref-api-version": "v1",
             "x-kubernetes-object-ref-kind": "Secret"}}}}})"},
        {"res.yaml",
         "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n---\napiVersion: example.com/v1\n"
         "kind: MyKind\nmetadata:\n  name: k\nspec:\n  secretRef:\n    name: s\n"}},
       "",
       "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x-s\n---\napiVersion: example.com/v1\n"
       "kind: MyKind\nmetadata:\n  name: x-k\nspec:\n  secretRef:\n    name: x-s\n"},
      {"a configuration's kind-specific prefix spec replaces the wildcard one (sorted merges)",
       {{"kustomization.yaml",
         "namePrefix: p-\nconfigurations:\n- conf.yaml\nresources:\n- res.yaml\n"},
        {"conf.yaml", "namePrefix:\n- kind: Host\n  path: metadata/name\n"},
        {"res.yaml",
         "apiVersion: v1\nkind: Host\nmetadata:\n  name: h\n---\napiVersion: v1\n"
         "kind: ConfigMap\nmetadata:\n  name: c\n"}},
       "",
       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\napiVersion: v1\nkind: Host\n"
       "metadata:\n  name: p-h\n"},
      {"id conflicts",
       {{"kustomization.yaml", "resources:\n- a.yaml\n- b.yaml\n"},
        {"a.yaml", kDeployment},
        {"b.yaml", kDeployment}},
       "",
       "may not add resource with an already registered id: Deployment.v1.apps/web.[noNs]",
       true},
  };
}

}  // namespace

TEST_CASE("kustomize build", "[kustomize][build]") {
  for (const auto& c : cases()) {
    DYNAMIC_SECTION(c.name) {
      TempTree tree(c.files);
      const fs::path dir = c.buildPath.empty() ? tree.root() : tree.root() / c.buildPath;
      if (c.fails) {
        std::string err = "<no error>";
        try {
          (void)kz::build(dir);
        } catch (const kz::KustomizeError& e) {
          err = e.what();
        }
        CHECK(err.find(c.expected) != std::string::npos);
        INFO(err);
      } else {
        CHECK(kz::build(dir) == c.expected);
      }
    }
  }
}
