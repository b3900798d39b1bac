// The GitOps loop end to end, as a user runs it: `driftless up -d`, a real `git daemon`, plain
// Flux YAML applied with kubectl, commits pushed, `driftless down`. Every process is real.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <grpcpp/grpcpp.h>

#include "driftless/core/json.h"
#include "driftless/core/value.h"
#include "driftless_up.h"
#include "git_server.h"
#include "kubectl_harness.h"
#include "proto/artifact.grpc.pb.h"
#include "test_support.h"

namespace driftless::test {
namespace {

using namespace std::chrono_literals;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;
namespace fs = std::filesystem;

constexpr const char* kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:${tag}
)";

}  // namespace

TEST_CASE("driftless up: the GitOps loop with kubectl and git", "[e2e][gitops]") {
  TempDir tmp("driftless-gitops");
  GitServer git(tmp.path() / "git");
  git.write("apps/deploy.yaml", kDeployment);
  git.write("apps/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\n"
            "data:\n  color: blue\n");
  const std::string first = git.commit("first");
  Driftless d(tmp.path() / "data");
  REQUIRE(d.get("get namespace flux-system -o name") == "namespace/flux-system\n");

  const std::string flux =
      "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
      "metadata:\n  name: repo\n  namespace: flux-system\nspec:\n"
      "  interval: 1m\n  url: " +
      git.url() +
      "\n  ref:\n    branch: main\n---\n"
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
      "metadata:\n  name: apps\n  namespace: flux-system\nspec:\n"
      "  interval: 10m\n  path: ./apps\n  prune: true\n  wait: true\n"
      "  sourceRef:\n    kind: GitRepository\n    name: repo\n"
      "  postBuild:\n    substitute:\n      tag: '1.27'\n";
  std::ofstream(tmp.path() / "flux.yaml") << flux;
  sh("kubectl --kubeconfig " + (tmp.path() / "data" / "kubeconfig").string() + " apply -f " +
     (tmp.path() / "flux.yaml").string());
  CommandResult wait =
      d.kubectl("-n flux-system wait kustomization/apps --for=condition=ready --timeout=60s");
  INFO(wait.out << d.get("-n flux-system get kustomization apps -o yaml"));
  REQUIRE(wait.exitCode == 0);
  CHECK(d.get("-n flux-system get kustomization apps -o jsonpath={.status.lastAppliedRevision}") ==
        "main@sha1:" + first);
  CHECK(d.get("get deploy web -o jsonpath={.spec.template.spec.containers[0].image}") ==
        "nginx:1.27");
  CHECK(d.get("get configmap settings -o jsonpath={.data.color}") == "blue");

  // The artifact is downloadable from its advertised URL with curl, and its sha256 is the digest.
  {
    const std::string url =
        d.get("-n flux-system get gitrepository repo -o jsonpath={.status.artifact.url}");
    const std::string digest =
        d.get("-n flux-system get gitrepository repo -o jsonpath={.status.artifact.digest}");
    const std::string sum = sh("curl -sf " + url + " | sha256sum | cut -d' ' -f1");
    CHECK("sha256:" + sum.substr(0, 64) == digest);
  }

  // The source-controller also serves the artifact over gRPC (GetArtifact, Fetch).
  {
    auto stub = artifact::v1::ArtifactService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(d.port("source-controller-grpc")),
                            grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    artifact::v1::ArtifactRequest req;
    req.set_kind("GitRepository");
    req.set_namespace_("flux-system");
    req.set_name("repo");
    artifact::v1::Artifact out;
    REQUIRE(stub->GetArtifact(&ctx, req, &out).ok());
    CHECK(out.revision() == "main@sha1:" + first);
    grpc::ClientContext fetchCtx;
    artifact::v1::FetchRequest fetch;
    fetch.set_path(out.path());
    auto reader = stub->Fetch(&fetchCtx, fetch);
    artifact::v1::Chunk chunk;
    std::size_t size = 0;
    while (reader->Read(&chunk))
      size += chunk.data().size();
    CHECK(reader->Finish().ok());
    CHECK(static_cast<std::int64_t>(size) == out.size());
  }

  // Drift is corrected on the next reconcile.
  sh("kubectl --kubeconfig " + (tmp.path() / "data" / "kubeconfig").string() +
     " patch configmap settings --type merge -p '{\"data\":{\"color\":\"red\"}}'");
  (void)d.kubectl(
      "-n flux-system annotate --overwrite kustomization/apps "
      "reconcile.fluxcd.io/requestedAt=drift");
  CHECK(eventually(
      [&] { return d.get("get configmap settings -o jsonpath={.data.color}") == "blue"; }, 30s));

  // `kubectl scale` by hand is reverted too.
  sh("kubectl --kubeconfig " + (tmp.path() / "data" / "kubeconfig").string() +
     " scale deployment web --replicas=4");
  (void)d.kubectl(
      "-n flux-system annotate --overwrite kustomization/apps "
      "reconcile.fluxcd.io/requestedAt=scale");
  CHECK(
      eventually([&] { return d.get("get deploy web -o jsonpath={.spec.replicas}") == "2"; }, 30s));

  // A new commit that drops the ConfigMap: it is pruned once the source has the revision.
  git.remove("apps/cm.yaml");
  const std::string second = git.commit("drop settings");
  (void)d.kubectl(
      "-n flux-system annotate --overwrite gitrepository/repo "
      "reconcile.fluxcd.io/requestedAt=second");
  CHECK(eventually(
      [&] {
        return d.get(
                   "-n flux-system get kustomization apps -o "
                   "jsonpath={.status.lastAppliedRevision}") == "main@sha1:" + second;
      },
      30s));
  CHECK(eventually([&] { return d.kubectl("get configmap settings").exitCode != 0; }, 10s));

  // A broken commit fails the build; what runs stays.
  git.write("apps/kustomization.yaml", "resources:\n- missing.yaml\n");
  const std::string third = git.commit("broken");
  (void)d.kubectl(
      "-n flux-system annotate --overwrite gitrepository/repo "
      "reconcile.fluxcd.io/requestedAt=third");
  CHECK(eventually(
      [&] {
        return d.get(
                   "-n flux-system get kustomization apps -o "
                   "jsonpath='{.status.conditions[?(@.type==\"Ready\")].reason}'") == "BuildFailed";
      },
      30s));
  CHECK(
      d.get("-n flux-system get kustomization apps -o jsonpath={.status.lastAttemptedRevision}") ==
      "main@sha1:" + third);
  CHECK(d.get("get deploy web -o name") == "deployment.apps/web\n");
  CHECK_THAT(d.get("-n flux-system get events -o jsonpath={.items[*].message}"),
             ContainsSubstring("kustomize build failed"));

  // State survives a restart.
  d.down();
  d.up();
  CHECK(d.get("-n flux-system get kustomization apps -o jsonpath={.status.lastAppliedRevision}") ==
        "main@sha1:" + second);
  CHECK(d.get("get deploy web -o name") == "deployment.apps/web\n");
  CHECK(fs::exists(tmp.path() / "data" / "logs" / "kustomize-controller.log"));

  // The fix of the broken commit recovers the Kustomization.
  git.remove("apps/kustomization.yaml");
  const std::string fourth = git.commit("fixed");
  (void)d.kubectl(
      "-n flux-system annotate --overwrite gitrepository/repo "
      "reconcile.fluxcd.io/requestedAt=fourth");
  CHECK(eventually(
      [&] {
        return d.get(
                   "-n flux-system get kustomization apps -o "
                   "jsonpath={.status.lastAppliedRevision}") == "main@sha1:" + fourth;
      },
      30s));

  // Config watchers: a labelled ConfigMap used by substituteFrom reconciles its Kustomization
  // when it changes (no reconcile request).
  {
    const std::string kc = "kubectl --kubeconfig " + (tmp.path() / "data" / "kubeconfig").string();
    sh(kc + " create namespace watched && " + kc +
       " -n flux-system create configmap vars --from-literal=tag=1.27 && " + kc +
       " -n flux-system label configmap vars reconcile.fluxcd.io/watch=Enabled");
    const std::string watched =
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n"
        "  name: watched\n  namespace: flux-system\nspec:\n  interval: 10m\n"
        "  path: ./apps\n  prune: true\n  targetNamespace: watched\n  sourceRef:\n"
        "    kind: GitRepository\n    name: repo\n  postBuild:\n    substituteFrom:\n"
        "    - kind: ConfigMap\n      name: vars\n";
    std::ofstream(tmp.path() / "watched.yaml") << watched;
    sh(kc + " apply -f " + (tmp.path() / "watched.yaml").string());
    const std::string image =
        "-n watched get deploy web -o jsonpath={.spec.template.spec.containers[0].image}";
    REQUIRE(eventually([&] { return d.get(image) == "nginx:1.27"; }, 30s));
    sh(kc + " -n flux-system patch configmap vars --type merge -p '{\"data\":{\"tag\":\"1.28\"}}'");
    CHECK(eventually([&] { return d.get(image) == "nginx:1.28"; }, 30s));
  }

  // The kustomize-controller is killed in the middle of a reconcile (waiting for a health
  // check); the supervisor restarts it and the reconcile completes, nothing lost or doubled.
  const std::string late =
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n"
      "  name: late\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n"
      "  prune: false\n  targetNamespace: team\n  sourceRef:\n    kind: GitRepository\n"
      "    name: repo\n  postBuild:\n    substitute:\n      tag: '1.27'\n"
      "  healthChecks:\n  - apiVersion: v1\n    kind: ConfigMap\n    name: late-cm\n"
      "    namespace: team\n";
  std::ofstream(tmp.path() / "late.yaml") << late;
  sh("kubectl --kubeconfig " + (tmp.path() / "data" / "kubeconfig").string() +
     " create namespace team && kubectl --kubeconfig " +
     (tmp.path() / "data" / "kubeconfig").string() + " apply -f " +
     (tmp.path() / "late.yaml").string());
  REQUIRE(eventually(
      [&] {
        return d
            .get(
                "-n flux-system get kustomization late -o "
                "jsonpath='{.status.conditions[?(@.type==\"Reconciling\")].message}'")
            .starts_with("Running health checks");
      },
      30s));
  const std::string pid =
      sh("pgrep -f 'kustomize-controller --kubeconfig=" + (tmp.path() / "data").string() + "'");
  sh("kill -9 " + pid);
  sh("kubectl --kubeconfig " + (tmp.path() / "data" / "kubeconfig").string() +
     " -n team create configmap late-cm");
  CHECK(eventually(
      [&] {
        return d.get(
                   "-n flux-system get kustomization late -o "
                   "jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}'") == "True";
      },
      60s));
  CHECK(d.get("-n team get deployments -o name") == "deployment.apps/web\n");
  CHECK(d.get("-n flux-system get kustomization late -o "
              "jsonpath='{.status.inventory.entries[*].id}'") == "team_web_apps_Deployment");
  CHECK(run("grep -c '\"restarted\"' " + (tmp.path() / "data" / "logs" / "driftless.log").string())
            .out == "1\n");
}

TEST_CASE("driftless get, reconcile, suspend, resume, export and events", "[e2e][cli]") {
  CliCluster c;
  const TempDir& tmp = c.tmp;
  GitServer& git = c.git;
  const std::string& first = c.first;
  Driftless& d = *c.d;
  const std::string& kubeconfig = c.kubeconfig;
  auto driftless = [&](const std::string& args) { return c.driftless(args); };

  CommandResult table = driftless("get kustomizations");
  INFO(table.out);
  CHECK(table.exitCode == 0);
  CHECK_THAT(table.out, ContainsSubstring("NAME"));
  CHECK_THAT(table.out, ContainsSubstring("REVISION"));
  CHECK_THAT(table.out, ContainsSubstring("apps\tmain@sha1:" + first.substr(0, 8)));
  CHECK_THAT(table.out, ContainsSubstring("Applied revision: main@sha1:" + first.substr(0, 8)));
  CHECK_THAT(driftless("get sources git -A").out, ContainsSubstring("flux-system"));
  CHECK_THAT(driftless("get ks apps -o json").out, ContainsSubstring("\"kind\":\"List\""));

  CommandResult missing = driftless("get ks nope");
  CHECK(missing.exitCode != 0);
  CHECK_THAT(missing.out,
             ContainsSubstring("✗ Kustomization object 'nope' not found in flux-system namespace"));

  // A new commit through `reconcile --with-source`.
  git.write("apps/cm2.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: more\n  namespace: default\n");
  const std::string second = git.commit("second");
  CommandResult rec = driftless("reconcile kustomization apps --with-source");
  INFO(rec.out);
  CHECK(rec.exitCode == 0);
  CHECK_THAT(rec.out,
             ContainsSubstring("► annotating GitRepository repo in flux-system namespace"));
  CHECK_THAT(rec.out, ContainsSubstring("✔ fetched revision main@sha1:" + second));
  CHECK_THAT(rec.out, ContainsSubstring("✔ applied revision main@sha1:" + second));
  CHECK(d.kubectl("get configmap more").exitCode == 0);

  // A broken commit: the reconcile fails with the controller's message.
  git.write("apps/kustomization.yaml", "resources:\n- missing.yaml\n");
  git.commit("broken");
  CommandResult broken = driftless("reconcile ks apps --with-source");
  CHECK(broken.exitCode != 0);
  CHECK_THAT(broken.out,
             ContainsSubstring("✗ Kustomization reconciliation failed: 'kustomize build failed"));
  git.remove("apps/kustomization.yaml");
  git.commit("fixed");

  // Suspend, refused reconcile, resume (waits for Ready).
  CHECK(driftless("suspend kustomization apps").exitCode == 0);
  CHECK_THAT(driftless("get ks apps").out, ContainsSubstring("True     \t"));
  CommandResult refused = driftless("reconcile ks apps");
  CHECK(refused.exitCode != 0);
  CHECK_THAT(refused.out, ContainsSubstring("✗ resource is suspended"));
  // The source has the fixed commit before the Kustomization resumes (otherwise the resumed
  // reconcile may still see the broken artifact).
  CHECK(driftless("reconcile source git repo").exitCode == 0);
  CommandResult resumed = driftless("resume kustomization apps --timeout 60s");
  INFO(resumed.out);
  CHECK(resumed.exitCode == 0);
  CHECK_THAT(resumed.out, ContainsSubstring("✔ kustomization resumed"));

  // Timeouts fail clearly (a Kustomization waiting for an object that never comes).
  std::ofstream(tmp.path() / "slow.yaml")
      << "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n"
         "  name: slow\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./apps\n"
         "  namePrefix: slow-\n"
         "  prune: false\n  sourceRef:\n    kind: GitRepository\n    name: repo\n"
         "  healthChecks:\n  - apiVersion: v1\n    kind: ConfigMap\n    name: never\n"
         "    namespace: default\n";
  sh("kubectl --kubeconfig " + kubeconfig + " apply -f " + (tmp.path() / "slow.yaml").string());
  CommandResult late = driftless("reconcile ks slow --timeout 2s");
  CHECK(late.exitCode != 0);
  CHECK_THAT(late.out, ContainsSubstring("timeout waiting for Kustomization reconciliation"));

  CommandResult exported = driftless("export kustomization --all");
  CHECK_THAT(exported.out, ContainsSubstring("kind: Kustomization"));
  CHECK_THAT(exported.out, !ContainsSubstring("status:"));
  CHECK_THAT(exported.out, !ContainsSubstring("resourceVersion"));
  CHECK_THAT(driftless("events --for Kustomization/apps").out,
             ContainsSubstring("ReconciliationSucceeded"));

  // create (printed, then applied and waited for), tree, stats, logs.
  CommandResult printed =
      driftless("create source git other --url " + git.url() + " --branch main --export");
  CHECK_THAT(printed.out, ContainsSubstring("kind: GitRepository"));
  CHECK_THAT(printed.out, ContainsSubstring("branch: main"));
  CHECK(d.kubectl("create namespace extra").exitCode == 0);
  CommandResult created = driftless(
      "create kustomization extra --source GitRepository/repo --path ./apps --prune "
      "--target-namespace extra --timeout 60s");
  INFO(created.out);
  CHECK(created.exitCode == 0);
  CHECK_THAT(created.out, ContainsSubstring("✔ Kustomization created"));
  CHECK_THAT(created.out, ContainsSubstring("✔ applied revision main@sha1:"));
  CommandResult treeOut = driftless("tree kustomization extra");
  CHECK_THAT(treeOut.out, StartsWith("Kustomization/flux-system/extra\n"));
  CHECK_THAT(treeOut.out, ContainsSubstring("── ConfigMap/extra/settings"));
  CommandResult statsOut = driftless("stats");
  CHECK_THAT(statsOut.out, ContainsSubstring("RECONCILERS"));
  CHECK_THAT(statsOut.out, ContainsSubstring("Kustomization"));
  CommandResult logsOut =
      run(Driftless::bin() + " logs --data-dir " + (tmp.path() / "data").string() +
          " --kind Kustomization --name extra");
  CHECK_THAT(logsOut.out, ContainsSubstring("Reconciliation finished"));
  CHECK_THAT(logsOut.out, !ContainsSubstring("\"name\":\"apps\""));

  // build kustomization renders a local directory as the controller would for that object.
  std::filesystem::create_directories(tmp.path() / "local");
  std::ofstream(tmp.path() / "local" / "cm.yaml")
      << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\ndata:\n  k: v\n";
  CommandResult built =
      driftless("build kustomization extra --path " + (tmp.path() / "local").string());
  INFO(built.out);
  CHECK(built.exitCode == 0);
  CHECK_THAT(built.out, ContainsSubstring("name: local"));
  CHECK_THAT(built.out, ContainsSubstring("namespace: extra"));
  CHECK_THAT(built.out, ContainsSubstring("kustomize.toolkit.fluxcd.io/name: extra"));
  CHECK_FALSE(std::filesystem::exists(tmp.path() / "local" / "kustomization.yaml"));

  // diff: nothing changes for what is applied; a local edit is reported and exits 1.
  std::filesystem::create_directories(tmp.path() / "same");
  std::ofstream(tmp.path() / "same" / "cm.yaml")
      << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\n";
  std::ofstream(tmp.path() / "same" / "cm2.yaml")
      << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: more\n  namespace: default\n";
  CommandResult same =
      driftless("diff kustomization apps --path " + (tmp.path() / "same").string());
  INFO(same.out);
  CHECK(same.exitCode == 0);
  std::ofstream(tmp.path() / "same" / "cm2.yaml")
      << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: more\n  namespace: default\n"
         "data:\n  added: yes-please\n";
  std::ofstream(tmp.path() / "same" / "new.yaml")
      << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: brand-new\n  namespace: default\n";
  CommandResult drift =
      driftless("diff kustomization apps --path " + (tmp.path() / "same").string());
  INFO(drift.out);
  CHECK(drift.exitCode == 1);
  CHECK_THAT(drift.out, ContainsSubstring("► ConfigMap/default/more drifted"));
  CHECK_THAT(drift.out, ContainsSubstring("+   added: yes-please"));
  CHECK_THAT(drift.out, ContainsSubstring("► ConfigMap/default/brand-new created"));
  CHECK_THAT(drift.out, ContainsSubstring("identified at least one change"));
  CHECK(d.kubectl("get configmap brand-new").exitCode != 0);  // nothing written

  // check: the API, the controllers of `driftless up` (found beside the kubeconfig), the CRDs.
  CommandResult checked = driftless("check");
  INFO(checked.out);
  CHECK(checked.exitCode == 0);
  CHECK_THAT(checked.out, ContainsSubstring("✔ kustomize-controller: healthy (driftless up)"));
  CHECK_THAT(checked.out, ContainsSubstring("✔ kustomizations.kustomize.toolkit.fluxcd.io/v1"));
  CHECK_THAT(checked.out, ContainsSubstring("✔ all checks passed"));
  CommandResult unchecked = driftless("check --data-dir " + (tmp.path() / "nowhere").string());
  CHECK(unchecked.exitCode != 0);
  CHECK_THAT(unchecked.out, ContainsSubstring("✗ no controller found"));
}

}  // namespace driftless::test
