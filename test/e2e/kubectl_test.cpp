// End-to-end: the embedded control plane driven by the real kubectl (v1.32).

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "kubectl_harness.h"

using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;
using driftless::test::ControlPlane;

namespace {

const char* kConfigMap = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: demo
  labels:
    app: a
data:
  a: "1"
  b: "2"
)";

// Polls cond every 100 ms for up to `seconds`.
template <typename F>
bool eventually(F&& cond, int seconds = 10) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return cond();
}

}  // namespace

TEST_CASE("kubectl talks to the control plane over TLS with a token", "[e2e][kubectl]") {
  ControlPlane cp;
  auto version = cp.kubectl("version -o json");
  REQUIRE(version.exitCode == 0);
  CHECK_THAT(version.out, ContainsSubstring("\"gitVersion\": \"v1.32.0-driftless\""));
  auto ns = cp.kubectl("get namespaces -o name");
  CHECK(ns.exitCode == 0);
  for (const char* n : {"namespace/default", "namespace/kube-system", "namespace/kube-public",
                        "namespace/kube-node-lease"}) {
    CHECK_THAT(ns.out, ContainsSubstring(n));
  }
  auto resources = cp.kubectl("api-resources -o name");
  CHECK(resources.exitCode == 0);
  CHECK_THAT(resources.out, ContainsSubstring("configmaps"));
  CHECK_THAT(resources.out, ContainsSubstring("deployments.apps"));
  auto bad = driftless::test::run(
      "curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:$(grep server: " +
      cp.kubeconfig().string() + " | sed 's/.*://')/api/v1/configmaps");
  CHECK(bad.out == "401");
}

TEST_CASE("create, get, list, delete with kubectl", "[e2e][kubectl]") {
  ControlPlane cp;
  auto file = cp.writeFile("cm.yaml", kConfigMap);
  auto created = cp.kubectl("create -f " + file.string());
  REQUIRE(created.exitCode == 0);
  CHECK_THAT(created.out, ContainsSubstring("configmap/demo created"));
  auto again = cp.kubectl("create -f " + file.string());
  CHECK(again.exitCode != 0);
  CHECK_THAT(again.out, ContainsSubstring("Error from server (AlreadyExists)"));
  CHECK_THAT(again.out, ContainsSubstring("configmaps \"demo\" already exists"));

  CHECK(cp.kubectl("get cm demo -o jsonpath={.data.a}").out == "1");
  auto missing = cp.kubectl("get cm nope");
  CHECK(missing.exitCode != 0);
  CHECK_THAT(missing.out,
             ContainsSubstring("Error from server (NotFound): configmaps \"nope\" not found"));

  auto table = cp.kubectl("get cm");
  CHECK_THAT(table.out, ContainsSubstring("NAME"));
  CHECK_THAT(table.out, ContainsSubstring("demo"));
  CHECK(cp.kubectl("get cm -A -o name").out.find("configmap/demo") != std::string::npos);
  CHECK(cp.kubectl("get cm -l 'app in (a,b),!skip' -o name").out == "configmap/demo\n");
  CHECK(cp.kubectl("get cm -l app=zzz -o name").out.empty());
  CHECK(cp.kubectl("get cm --field-selector metadata.name=demo -o name").out == "configmap/demo\n");

  auto deleted = cp.kubectl("delete cm demo");
  CHECK(deleted.exitCode == 0);
  CHECK_THAT(deleted.out, ContainsSubstring("configmap \"demo\" deleted"));
  CHECK(cp.kubectl("get cm demo").exitCode != 0);
}

TEST_CASE("apply, patch, label, replace and generation", "[e2e][kubectl]") {
  ControlPlane cp;
  auto file = cp.writeFile("cm.yaml", kConfigMap);
  REQUIRE(cp.kubectl("apply -f " + file.string()).exitCode == 0);
  cp.writeFile("cm.yaml", std::string(kConfigMap) + "  c: \"3\"\n");
  auto applied = cp.kubectl("apply -f " + file.string());
  CHECK(applied.exitCode == 0);
  CHECK_THAT(applied.out, ContainsSubstring("configmap/demo configured"));
  CHECK(cp.kubectl("get cm demo -o jsonpath={.data.c}").out == "3");

  CHECK(cp.kubectl("patch cm demo --type=merge -p '{\"data\":{\"a\":null}}'").exitCode == 0);
  CHECK(cp.kubectl("get cm demo -o jsonpath={.data.a}").out.empty());
  auto failedTest = cp.kubectl(
      "patch cm demo --type=json -p '[{\"op\":\"test\",\"path\":\"/data/b\",\"value\":\"no\"}]'");
  CHECK(failedTest.exitCode != 0);
  CHECK(cp.kubectl("patch cm demo --type=json -p "
                   "'[{\"op\":\"replace\",\"path\":\"/data/b\",\"value\":\"9\"}]'")
            .exitCode == 0);
  CHECK(cp.kubectl("get cm demo -o jsonpath={.data.b}").out == "9");

  // Labels never bump the generation; data does for a ConfigMap.
  std::string gen = cp.kubectl("get cm demo -o jsonpath={.metadata.generation}").out;
  CHECK(cp.kubectl("label cm demo team=x").exitCode == 0);
  CHECK(cp.kubectl("get cm demo -o jsonpath={.metadata.generation}").out == gen);

  // A replace with a stale resourceVersion conflicts.
  auto current = cp.kubectl("get cm demo -o yaml").out;
  cp.writeFile("stale.yaml", current);
  CHECK(cp.kubectl("label cm demo other=y").exitCode == 0);
  auto stale = cp.kubectl("replace -f " + (cp.dir() / "stale.yaml").string());
  CHECK(stale.exitCode != 0);
  CHECK_THAT(stale.out, ContainsSubstring("the object has been modified"));
}

TEST_CASE("a Secret's stringData is folded into data", "[e2e][kubectl]") {
  ControlPlane cp;
  auto file = cp.writeFile("secret.yaml",
                           "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: "
                           "default\ndata:\n  kept: YQ==\n  both: b2xk\nstringData:\n  both: new\n"
                           "  plain: text\n");
  REQUIRE(cp.kubectl("apply -f " + file.string()).exitCode == 0);
  CHECK(cp.kubectl("get secret s -o jsonpath={.data}").out ==
        R"({"both":"bmV3","kept":"YQ==","plain":"dGV4dA=="})");
  CHECK(cp.kubectl("get secret s -o jsonpath={.stringData}").out.empty());
  // Server-side apply and patches fold it too.
  CHECK(cp.kubectl("patch secret s --type=merge -p '{\"stringData\":{\"more\":\"x\"}}'").exitCode ==
        0);
  CHECK(cp.kubectl("get secret s -o jsonpath={.data.more}").out == "eA==");
}

TEST_CASE("kubectl get events prints the event columns", "[e2e][kubectl]") {
  ControlPlane cp;
  auto file =
      cp.writeFile("event.yaml",
                   "apiVersion: v1\nkind: Event\nmetadata:\n  name: web.1\n  namespace: "
                   "default\ninvolvedObject:\n  kind: Kustomization\n  name: apps\n"
                   "  namespace: default\nreason: ReconciliationSucceeded\ntype: Normal\n"
                   "message: Reconciliation finished\nsource:\n  component: "
                   "kustomize-controller\ncount: 3\nfirstTimestamp: \"2020-01-01T00:00:00Z\"\n");
  REQUIRE(cp.kubectl("create -f " + file.string()).exitCode == 0);
  auto table = cp.kubectl("get events");
  INFO(table.out);
  CHECK_THAT(table.out, StartsWith("LAST SEEN   TYPE     REASON                    OBJECT"));
  CHECK_THAT(table.out, ContainsSubstring("<unknown>   Normal   ReconciliationSucceeded   "
                                          "kustomization/apps   Reconciliation finished"));
  auto wide = cp.kubectl("get events -o wide");
  CHECK_THAT(wide.out, ContainsSubstring("kustomize-controller"));
  CHECK_THAT(wide.out, ContainsSubstring("web.1"));
}

TEST_CASE("strategic merge patch merges containers by name", "[e2e][kubectl]") {
  ControlPlane cp;
  auto file = cp.writeFile("deploy.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: a
        image: a:1
      - name: b
        image: b:1
)");
  REQUIRE(cp.kubectl("apply -f " + file.string()).exitCode == 0);
  auto patched = cp.kubectl(
      "patch deploy web -p "
      "'{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"b:2\"}]}}}}"
      "'");
  CHECK(patched.exitCode == 0);
  CHECK(cp.kubectl("get deploy web -o jsonpath={.spec.template.spec.containers[*].image}").out ==
        "a:1 b:2");
  CHECK(cp.kubectl("get deploy web -o jsonpath={.metadata.generation}").out == "2");
}

TEST_CASE("finalizers hold deletion until removed", "[e2e][kubectl]") {
  ControlPlane cp;
  auto file = cp.writeFile("cm.yaml", R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: held
  finalizers: [example.com/hold]
)");
  REQUIRE(cp.kubectl("create -f " + file.string()).exitCode == 0);
  CHECK(cp.kubectl("delete cm held --wait=false").exitCode == 0);
  CHECK_FALSE(cp.kubectl("get cm held -o jsonpath={.metadata.deletionTimestamp}").out.empty());
  auto addFinalizer = cp.kubectl(
      "patch cm held --type=merge -p "
      "'{\"metadata\":{\"finalizers\":[\"example.com/hold\",\"x.io/new\"]}}'");
  CHECK(addFinalizer.exitCode != 0);
  CHECK_THAT(addFinalizer.out, ContainsSubstring("no new finalizers can be added"));
  CHECK(
      cp.kubectl("patch cm held --type=merge -p '{\"metadata\":{\"finalizers\":null}}'").exitCode ==
      0);
  CHECK(cp.kubectl("get cm held").exitCode != 0);
}

TEST_CASE("watch streams changes to kubectl get -w", "[e2e][kubectl]") {
  ControlPlane cp;
  std::string kc = "kubectl --kubeconfig " + cp.kubeconfig().string() + " --cache-dir " +
                   (cp.dir() / "cache").string();
  auto file =
      cp.writeFile("watched.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n");
  auto out = driftless::test::run("( sleep 1.5; " + kc + " create -f " + file.string() +
                                  " >/dev/null ) & timeout 4 " + kc +
                                  " get cm -w --output-watch-events -o name; wait");
  CHECK_THAT(out.out, ContainsSubstring("configmap/watched"));
}

TEST_CASE("Flux CRDs register, serve and honour the status subresource", "[e2e][kubectl][crd]") {
  ControlPlane cp;
  auto created = cp.kubectl("create -f " DRIFTLESS_SOURCE_DIR "/config/crd/bases");
  REQUIRE(created.exitCode == 0);
  CHECK(cp.kubectl("wait --for=condition=Established --timeout=10s "
                   "crd/gitrepositories.source.toolkit.fluxcd.io")
            .exitCode == 0);
  CHECK_THAT(cp.kubectl("get gitrepositories").out, ContainsSubstring("No resources found"));
  auto repo = cp.writeFile("repo.yaml", R"(apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
spec:
  interval: 1m
  url: https://github.com/stefanprodan/podinfo
  ref:
    branch: master
)");
  REQUIRE(cp.kubectl("apply -f " + repo.string()).exitCode == 0);
  auto table = cp.kubectl("get gitrepo podinfo");
  CHECK_THAT(table.out, ContainsSubstring("URL"));
  CHECK_THAT(table.out, ContainsSubstring("READY"));
  CHECK_THAT(table.out, ContainsSubstring("https://github.com/stefanprodan/podinfo"));

  CHECK(cp.kubectl("patch gitrepo podinfo --subresource=status --type=merge -p "
                   "'{\"status\":{\"observedGeneration\":7}}'")
            .exitCode == 0);
  CHECK(cp.kubectl("get gitrepo podinfo -o jsonpath={.status.observedGeneration}").out == "7");
  CHECK(
      cp.kubectl("patch gitrepo podinfo --type=merge -p '{\"status\":{\"observedGeneration\":9}}'")
          .exitCode == 0);
  CHECK(cp.kubectl("get gitrepo podinfo -o jsonpath={.status.observedGeneration}").out == "7");
  CHECK(cp.kubectl("get gitrepo podinfo -o jsonpath={.metadata.generation}").out == "1");
  CHECK(cp.kubectl("patch gitrepo podinfo --type=merge -p '{\"spec\":{\"interval\":\"5m\"}}'")
            .exitCode == 0);
  CHECK(cp.kubectl("get gitrepo podinfo -o jsonpath={.metadata.generation}").out == "2");

  CHECK(cp.kubectl("delete crd gitrepositories.source.toolkit.fluxcd.io").exitCode == 0);
  CHECK(cp.kubectl("get gitrepo podinfo").exitCode != 0);
}

TEST_CASE("namespaces: missing, terminating and deleted with their contents", "[e2e][kubectl]") {
  ControlPlane cp;
  auto missing = cp.kubectl("create cm x -n nowhere");
  CHECK(missing.exitCode != 0);
  CHECK_THAT(missing.out, ContainsSubstring("namespaces \"nowhere\" not found"));
  REQUIRE(cp.kubectl("create namespace team").exitCode == 0);
  REQUIRE(cp.kubectl("create cm inside -n team").exitCode == 0);
  CHECK(cp.kubectl("delete namespace team --wait=false").exitCode == 0);
  CHECK(eventually([&] { return cp.kubectl("get namespace team").exitCode != 0; }));
  CHECK(cp.kubectl("get cm inside -n team").exitCode != 0);
}

TEST_CASE("state survives a restart", "[e2e][kubectl]") {
  ControlPlane cp;
  REQUIRE(cp.kubectl("create cm durable --from-literal=k=v").exitCode == 0);
  std::string rv = cp.kubectl("get cm durable -o jsonpath={.metadata.resourceVersion}").out;
  cp.restart();
  CHECK(cp.kubectl("get cm durable -o jsonpath={.data.k}").out == "v");
  CHECK(cp.kubectl("get cm durable -o jsonpath={.metadata.resourceVersion}").out == rv);
}

TEST_CASE("kubectl's imperative creates send protobuf bodies", "[e2e][kubectl]") {
  ControlPlane cp;
  CHECK(cp.kubectl("create secret generic s --from-literal=password=hunter2").exitCode == 0);
  CHECK(cp.kubectl("get secret s -o jsonpath={.data.password}").out == "aHVudGVyMg==");
  CHECK(cp.kubectl("get secret s -o jsonpath={.type}").out == "Opaque");
  CHECK(cp.kubectl("create serviceaccount robot").exitCode == 0);
  CHECK(cp.kubectl("create role reader --verb=get,list --resource=configmaps").exitCode == 0);
  CHECK(cp.kubectl("get role reader -o jsonpath={.rules[0].verbs}").out == "[\"get\",\"list\"]");
  CHECK(cp.kubectl("create rolebinding robot-reads --role=reader --serviceaccount=default:robot")
            .exitCode == 0);
  CHECK(cp.kubectl("get rolebinding robot-reads -o jsonpath={.subjects[0].name}").out == "robot");
  auto unsupported = cp.kubectl("create deployment web --image=nginx");
  CHECK(unsupported.exitCode != 0);
  CHECK_THAT(unsupported.out, ContainsSubstring("use kubectl create -f"));
}

namespace {
std::string ownedConfigMap(const std::string& name, const std::string& ownerUid) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name +
         "\n  ownerReferences:\n  - apiVersion: v1\n    kind: ConfigMap\n    name: owner\n    "
         "uid: " +
         ownerUid + "\n";
}
}  // namespace

TEST_CASE("ownerReference garbage collection: background, orphan, foreground",
          "[e2e][kubectl][gc]") {
  ControlPlane cp;
  auto makeOwner = [&] {
    REQUIRE(cp.kubectl("create cm owner").exitCode == 0);
    std::string uid = cp.kubectl("get cm owner -o jsonpath={.metadata.uid}").out;
    cp.writeFile("dep.yaml", ownedConfigMap("dependent", uid));
    REQUIRE(cp.kubectl("create -f " + (cp.dir() / "dep.yaml").string()).exitCode == 0);
  };
  SECTION("background") {
    makeOwner();
    CHECK(cp.kubectl("delete cm owner").exitCode == 0);
    CHECK(eventually([&] { return cp.kubectl("get cm dependent").exitCode != 0; }));
  }
  SECTION("orphan") {
    makeOwner();
    CHECK(cp.kubectl("delete cm owner --cascade=orphan --timeout=20s").exitCode == 0);
    CHECK(cp.kubectl("get cm owner").exitCode != 0);
    CHECK(cp.kubectl("get cm dependent -o jsonpath={.metadata.ownerReferences}").out.empty());
  }
  SECTION("foreground") {
    makeOwner();
    CHECK(cp.kubectl("delete cm owner --cascade=foreground --timeout=20s").exitCode == 0);
    CHECK(cp.kubectl("get cm dependent").exitCode != 0);
    CHECK(cp.kubectl("get cm owner").exitCode != 0);
  }
}

TEST_CASE("the workload simulator rolls Deployments and Jobs out", "[e2e][kubectl]") {
  ControlPlane cp(true);
  auto file = cp.writeFile("work.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
---
apiVersion: batch/v1
kind: Job
metadata:
  name: once
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: once
        image: busybox
)");
  REQUIRE(cp.kubectl("create -f " + file.string()).exitCode == 0);
  CHECK(cp.kubectl("wait --for=condition=Available --timeout=10s deploy/web").exitCode == 0);
  CHECK(cp.kubectl("get deploy web -o jsonpath={.status.readyReplicas}").out == "3");
  CHECK(cp.kubectl("wait --for=condition=Complete --timeout=10s job/once").exitCode == 0);
}

TEST_CASE("the Kubernetes Python client works against the control plane", "[e2e][python]") {
  if (driftless::test::run("/usr/bin/python3 -c 'import kubernetes'").exitCode != 0) {
    SKIP("python3-kubernetes is not installed");
  }
  ControlPlane cp;
  auto result =
      driftless::test::run("/usr/bin/python3 " DRIFTLESS_SOURCE_DIR "/test/e2e/python_client.py " +
                           cp.kubeconfig().string());
  INFO(result.out);
  CHECK(result.exitCode == 0);
}

TEST_CASE("lists paginate with limit and continue", "[e2e][kubectl]") {
  ControlPlane cp;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(cp.kubectl("create cm page-" + std::to_string(i)).exitCode == 0);
  }
  auto all = cp.kubectl("get cm --chunk-size=2 -o name");
  CHECK(
      all.out ==
      "configmap/page-0\nconfigmap/page-1\nconfigmap/page-2\nconfigmap/page-3\nconfigmap/page-4\n");
  auto first = cp.kubectl("get --raw '/api/v1/namespaces/default/configmaps?limit=2'");
  CHECK_THAT(first.out, ContainsSubstring("\"remainingItemCount\":3"));
  CHECK(cp.kubectl("get --raw '/api/v1/namespaces/default/configmaps?limit=2&continue=bad'")
            .exitCode != 0);
}

TEST_CASE("server-side apply: ownership, conflicts, force, no-op and dry run",
          "[e2e][kubectl][ssa]") {
  ControlPlane cp;
  auto a = cp.writeFile("a.yaml",
                        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo, labels: {team: "
                        "x}}\ndata: {a: \"1\", b: \"2\"}\n");
  auto b = cp.writeFile(
      "b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\ndata: {b: \"3\"}\n");
  auto applied = cp.kubectl("apply --server-side --field-manager=alice -f " + a.string());
  REQUIRE(applied.exitCode == 0);
  CHECK_THAT(applied.out, ContainsSubstring("serverside-applied"));
  auto conflict = cp.kubectl("apply --server-side --field-manager=bob -f " + b.string());
  CHECK(conflict.exitCode != 0);
  CHECK_THAT(conflict.out,
             ContainsSubstring("Apply failed with 1 conflict: conflict with \"alice\": .data.b"));
  CHECK(cp.kubectl("apply --server-side --field-manager=bob --force-conflicts -f " + b.string())
            .exitCode == 0);
  CHECK(cp.kubectl("get cm demo -o jsonpath={.data.b}").out == "3");
  auto fields = cp.kubectl(
                      "get cm demo --show-managed-fields -o jsonpath='{range "
                      ".metadata.managedFields[*]}{.manager}={.fieldsV1}{\"\\n\"}{end}'")
                    .out;
  CHECK_THAT(fields,
             ContainsSubstring(
                 "alice={\"f:data\":{\"f:a\":{}},\"f:metadata\":{\"f:labels\":{\"f:team\":{}}}}"));
  CHECK_THAT(fields, ContainsSubstring("bob={\"f:data\":{\"f:b\":{}}}"));

  // Applying the same configuration again writes nothing.
  std::string rv = cp.kubectl("get cm demo -o jsonpath={.metadata.resourceVersion}").out;
  CHECK(cp.kubectl("apply --server-side --field-manager=bob -f " + b.string()).exitCode == 0);
  CHECK(cp.kubectl("get cm demo -o jsonpath={.metadata.resourceVersion}").out == rv);

  // A field alice no longer applies is removed (nobody else owns it).
  auto less = cp.writeFile(
      "less.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\ndata: {a: \"1\"}\n");
  CHECK(cp.kubectl("apply --server-side --field-manager=alice -f " + less.string()).exitCode == 0);
  CHECK(cp.kubectl("get cm demo -o jsonpath={.metadata.labels}").out.empty());

  // An update by another manager takes the field; the next apply conflicts with it.
  CHECK(
      cp.kubectl(
            "patch cm demo --type=merge -p '{\"data\":{\"b\":\"4\"}}' --field-manager=kubectl-edit")
          .exitCode == 0);
  auto edited = cp.kubectl("apply --server-side --field-manager=bob -f " + b.string());
  CHECK_THAT(edited.out, ContainsSubstring("conflict with \"kubectl-edit\" using v1: .data.b"));

  // Dry run shows the merged object and writes nothing.
  rv = cp.kubectl("get cm demo -o jsonpath={.metadata.resourceVersion}").out;
  auto dry =
      cp.kubectl("apply --server-side --force-conflicts --field-manager=bob --dry-run=server -f " +
                 b.string() + " -o jsonpath={.data.b}");
  CHECK(dry.out == "3");
  CHECK(cp.kubectl("get cm demo -o jsonpath={.metadata.resourceVersion}").out == rv);
  CHECK(cp.kubectl("get cm demo -o jsonpath={.data.b}").out == "4");
}

TEST_CASE("custom resources are validated, pruned and defaulted by their CRD",
          "[e2e][kubectl][crd]") {
  ControlPlane cp;
  REQUIRE(cp.kubectl("create -f " DRIFTLESS_SOURCE_DIR "/config/crd/bases").exitCode == 0);
  auto bad = cp.writeFile("bad.yaml", R"(apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: bad}
spec:
  url: ftp://example.com/x
)");
  auto invalid = cp.kubectl("apply -f " + bad.string());
  CHECK(invalid.exitCode != 0);
  CHECK_THAT(invalid.out,
             ContainsSubstring("spec.url: Invalid value: \"ftp://example.com/x\": spec.url in body "
                               "should match '^(http|https|ssh|git)://.*$'"));
  CHECK_THAT(invalid.out, ContainsSubstring("spec.interval: Required value"));

  auto unknown = cp.writeFile("unknown.yaml", R"(apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: repo}
spec:
  url: https://example.com/x
  interval: 1m
  foo: bar
)");
  auto strict = cp.kubectl("apply -f " + unknown.string());
  CHECK(strict.exitCode != 0);
  CHECK_THAT(strict.out, ContainsSubstring("strict decoding error: unknown field \"spec.foo\""));
  auto warned = cp.kubectl("apply --validate=warn -f " + unknown.string());
  CHECK(warned.exitCode == 0);
  CHECK_THAT(warned.out, ContainsSubstring("Warning: unknown field \"spec.foo\""));
  CHECK(cp.kubectl("get gitrepo repo -o jsonpath={.spec.foo}").out.empty());
  CHECK(cp.kubectl("get gitrepo repo -o jsonpath={.spec.timeout}").out == "60s");

  // Server-side apply of a custom resource (what the kustomize-controller does).
  auto ks = cp.writeFile("ks.yaml", R"(apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps}
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: repo}
)");
  CHECK(cp.kubectl("apply --server-side -f " + ks.string()).exitCode == 0);
  CHECK(cp.kubectl("get ks apps -o jsonpath={.spec.prune}").out == "true");
}

TEST_CASE("kubectl auth and diff", "[e2e][kubectl]") {
  ControlPlane cp;
  CHECK(cp.kubectl("auth can-i create configmaps").out == "yes\n");
  CHECK_THAT(cp.kubectl("auth whoami").out, ContainsSubstring("driftless-admin"));
  auto file = cp.writeFile("cm.yaml", kConfigMap);
  REQUIRE(cp.kubectl("apply -f " + file.string()).exitCode == 0);
  CHECK(cp.kubectl("diff -f " + file.string()).exitCode == 0);
  cp.writeFile("cm.yaml", std::string(kConfigMap) + "  c: \"3\"\n");
  auto diff = cp.kubectl("diff -f " + file.string());
  CHECK(diff.exitCode == 1);
  CHECK_THAT(diff.out, ContainsSubstring("+  c: \"3\""));
}

TEST_CASE("no acknowledged write is lost when the server is killed", "[e2e][durability]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("driftless-kill-" + std::to_string(::getpid()));
  std::string bin = DRIFTLESS_BIN_DIR "/driftless";
  std::string start =
      bin + " apiserver --data-dir " + dir.string() + " --port 0 >/dev/null 2>&1 & echo $!";
  auto startServer = [&] {
    auto pid = driftless::test::run(start).out;
    for (int i = 0; i < 100 && !fs::exists(dir / "kubeconfig"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return pid.substr(0, pid.find('\n'));
  };
  std::string kc = "kubectl --kubeconfig " + (dir / "kubeconfig").string() + " --cache-dir " +
                   (dir / "cache").string() + " ";
  std::string pid = startServer();
  int created = 0;
  for (int i = 0; i < 20; ++i) {
    if (driftless::test::run(kc + "create cm k" + std::to_string(i)).exitCode == 0) ++created;
  }
  CHECK(created == 20);
  driftless::test::run("kill -9 " + pid);
  fs::remove(dir / "kubeconfig");
  pid = startServer();
  auto names = driftless::test::run(kc + "get cm -o name | wc -l");
  CHECK(names.out == "20\n");
  // Stop the server and wait for it to exit before removing its data directory.
  driftless::test::run("kill " + pid + "; while kill -0 " + pid +
                       " 2>/dev/null; do sleep 0.05; done");
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST_CASE("CRDs with several served versions convert with strategy None", "[e2e][kubectl][crd]") {
  ControlPlane cp;
  auto crd = cp.writeFile("crd.yaml", R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.io}
spec:
  group: example.io
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer, default: 3}}}
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
)");
  REQUIRE(cp.kubectl("create -f " + crd.string()).exitCode == 0);
  REQUIRE(cp.kubectl("wait --for=condition=Established --timeout=10s crd/widgets.example.io")
              .exitCode == 0);
  auto w = cp.writeFile(
      "w.yaml",
      "apiVersion: example.io/v1beta1\nkind: Widget\nmetadata: {name: w}\nspec: {colour: red}\n");
  REQUIRE(cp.kubectl("create -f " + w.string()).exitCode == 0);
  CHECK(cp.kubectl("get widgets.v1.example.io w -o jsonpath={.apiVersion}").out == "example.io/v1");
  CHECK(cp.kubectl("get widgets.v1beta1.example.io w -o jsonpath={.apiVersion}").out ==
        "example.io/v1beta1");
  CHECK(cp.kubectl("explain widgets.spec.size").exitCode == 0);
  CHECK(cp.kubectl("get cm --as=jane").exitCode == 0);
  CHECK(cp.kubectl("get cm --as-group=devs").exitCode != 0);
}

TEST_CASE("defaults added to a CRD show on objects stored before", "[e2e][kubectl][crd]") {
  ControlPlane cp;
  auto crd = [&](const std::string& extra) {
    return "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: "
           "gadgets.example.io}\nspec:\n  group: example.io\n  names: {kind: Gadget, plural: "
           "gadgets}\n"
           "  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n"
           "    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n"
           "          spec:\n            type: object\n            properties:\n"
           "              name: {type: string}\n" +
           extra;
  };
  REQUIRE(cp.kubectl("apply -f " + cp.writeFile("crd.yaml", crd("")).string()).exitCode == 0);
  REQUIRE(cp.kubectl("wait --for=condition=Established --timeout=10s crd/gadgets.example.io")
              .exitCode == 0);
  auto g = cp.writeFile(
      "g.yaml", "apiVersion: example.io/v1\nkind: Gadget\nmetadata: {name: g}\nspec: {name: x}\n");
  REQUIRE(cp.kubectl("create -f " + g.string()).exitCode == 0);
  CHECK(cp.kubectl("get gadget g -o jsonpath={.spec.size}").out.empty());
  REQUIRE(
      cp.kubectl("apply -f " +
                 cp.writeFile("crd.yaml", crd("              size: {type: integer, default: 5}\n"))
                     .string())
          .exitCode == 0);
  CHECK(eventually([&] { return cp.kubectl("get gadget g -o jsonpath={.spec.size}").out == "5"; }));
  CHECK(cp.kubectl("explain configmap.data").exitCode == 0);
}

TEST_CASE("core/v1 and events.k8s.io/v1 Events share one store", "[e2e][kubectl]") {
  ControlPlane cp;
  auto ev = cp.writeFile("ev.yaml", R"(apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: repo.1}
eventTime: "2026-01-01T00:00:00.000000Z"
reportingController: source-controller
reportingInstance: source-controller-1
action: Reconcile
reason: NewArtifact
type: Normal
note: stored artifact for commit 'init'
regarding: {kind: GitRepository, name: repo, namespace: default}
)");
  REQUIRE(cp.kubectl("create -f " + ev.string()).exitCode == 0);
  CHECK(cp.kubectl("get events.v1. repo.1 -o jsonpath={.message}").out ==
        "stored artifact for commit 'init'");
  CHECK(cp.kubectl("get events --field-selector involvedObject.kind=GitRepository -o name").out ==
        "event/repo.1\n");
  CHECK(cp.kubectl("get events.v1.events.k8s.io repo.1 -o jsonpath={.note}").out ==
        "stored artifact for commit 'init'");
}

TEST_CASE("The install manifests build identically with driftless and kubectl, and apply",
          "[e2e][kubectl][config]") {
  ControlPlane cp;
  const std::string dir = DRIFTLESS_SOURCE_DIR "/config/default";
  auto ours = driftless::test::run(DRIFTLESS_BIN_DIR "/driftless kustomize build " + dir);
  auto theirs = cp.kubectl("kustomize " + dir);
  REQUIRE(ours.exitCode == 0);
  REQUIRE(theirs.exitCode == 0);
  CHECK(ours.out == theirs.out);
  auto file = cp.writeFile("install.yaml", ours.out);
  // CRDs first (the Deployment and Service need nothing else), then everything server-side.
  auto applied = cp.kubectl("apply --server-side -f " + file.string());
  INFO(applied.out);
  CHECK(applied.exitCode == 0);
  CHECK(cp.kubectl("get deployment source-controller -n flux-system -o name").out ==
        "deployment.apps/source-controller\n");
}

TEST_CASE("immutable fields of built-in kinds are refused", "[e2e][kubectl]") {
  ControlPlane cp;
  auto deploy = cp.writeFile("d.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
)");
  REQUIRE(cp.kubectl("apply -f " + deploy.string()).exitCode == 0);
  auto selector = cp.kubectl(
      "patch deployment web --type merge -p "
      "'{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"other\"}},\"template\":{\"metadata\":"
      "{\"labels\":{\"app\":\"other\"}}}}}'");
  CHECK(selector.exitCode != 0);
  CHECK_THAT(selector.out, ContainsSubstring("Deployment \"web\" is invalid: spec.selector"));
  CHECK_THAT(selector.out, ContainsSubstring("field is immutable"));
  CHECK(cp.kubectl("patch deployment web --type merge -p "
                   "'{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
                   "\"image\":\"nginx:2\"}]}}}}'")
            .exitCode == 0);

  REQUIRE(cp.kubectl("create configmap frozen --from-literal=a=1").exitCode == 0);
  REQUIRE(cp.kubectl("patch configmap frozen --type merge -p '{\"immutable\":true}'").exitCode ==
          0);
  auto frozen = cp.kubectl("patch configmap frozen --type merge -p '{\"data\":{\"a\":\"2\"}}'");
  CHECK(frozen.exitCode != 0);
  CHECK_THAT(frozen.out,
             ContainsSubstring("data: Forbidden: field is immutable when `immutable` is set"));
  CHECK(cp.kubectl("label configmap frozen x=y").exitCode == 0);  // metadata still changes

  REQUIRE(cp.kubectl("create secret generic s --from-literal=a=1").exitCode == 0);
  auto type = cp.kubectl("patch secret s --type merge -p '{\"type\":\"kubernetes.io/tls\"}'");
  CHECK(type.exitCode != 0);
  CHECK_THAT(type.out, ContainsSubstring("type: Invalid value: \"kubernetes.io/tls\": field is "
                                         "immutable"));
}

TEST_CASE("kubectl scale goes through the scale subresource", "[e2e][kubectl]") {
  ControlPlane cp;
  auto deploy = cp.writeFile("d.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
)");
  REQUIRE(cp.kubectl("apply -f " + deploy.string()).exitCode == 0);
  auto scaled = cp.kubectl("scale deployment web --replicas=4");
  INFO(scaled.out);
  CHECK(scaled.exitCode == 0);
  CHECK(cp.kubectl("get deployment web -o jsonpath={.spec.replicas}").out == "4");
  CHECK(cp.kubectl("get deployment web -o jsonpath={.metadata.generation}").out == "2");
  auto scale = cp.kubectl("get --raw /apis/apps/v1/namespaces/default/deployments/web/scale");
  CHECK_THAT(scale.out, ContainsSubstring("\"kind\":\"Scale\""));
  CHECK_THAT(scale.out, ContainsSubstring("\"selector\":\"app=web\""));
  CHECK_THAT(cp.kubectl("get deployment web -o yaml --show-managed-fields").out,
             ContainsSubstring("subresource: scale"));
  CHECK(cp.kubectl("scale deployment web --replicas=-1").exitCode != 0);
}
