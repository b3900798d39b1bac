// The CLI end to end against `driftless up` (real processes, git daemon, sshd, kubectl): delete,
// trace, get --watch, create secret git (SSH deploy keys with a scanned known_hosts, basic auth),
// the helm and OCI objects, reconcile's flags, completion, help, colours and the spinner.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "driftless_up.h"
#include "git_server.h"
#include "git_servers.h"
#include "kubectl_harness.h"

using namespace std::chrono_literals;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;
using driftless::test::CliCluster;
using driftless::test::CommandResult;
using driftless::test::Driftless;
using driftless::test::GitServer;
using driftless::test::run;
using driftless::test::sh;

TEST_CASE("driftless trace, delete and get --watch", "[e2e][cli]") {
  CliCluster c;
  // trace: object -> Kustomization -> GitRepository, in flux's layout.
  CommandResult traced = c.driftless("trace configmap/settings -n default");
  INFO(traced.out);
  CHECK(traced.exitCode == 0);
  CHECK_THAT(traced.out, ContainsSubstring("Object:        ConfigMap/settings\n"
                                           "Namespace:     default\n"
                                           "Status:        Managed by Flux\n---\n"
                                           "Kustomization: apps\nNamespace:     flux-system\n"
                                           "Path:          ./apps\n"
                                           "Revision:      main@sha1:" +
                                           c.first + "\nStatus:        Last reconciled at "));
  CHECK_THAT(traced.out, ContainsSubstring("---\nGitRepository: repo\nNamespace:     flux-system\n"
                                           "URL:           " +
                                           c.git.url() + "\nBranch:        main\n"));
  CHECK(c.driftless("trace settings --kind ConfigMap --api-version v1 -n default").out ==
        traced.out);
  CHECK(c.d->kubectl("-n default create configmap loose").exitCode == 0);
  CommandResult loose = c.driftless("trace configmap/loose -n default");
  CHECK(loose.exitCode != 0);
  CHECK_THAT(loose.out, ContainsSubstring("✗ object not managed by Flux"));
  CHECK_THAT(c.driftless("trace configmap/nope -n default").out,
             ContainsSubstring("✗ ConfigMap object 'nope' not found in default namespace"));
  CHECK_THAT(c.driftless("trace widget/x").out,
             ContainsSubstring("the server doesn't have a resource type \"widget\""));

  // get --watch: the table, then a row per change (a new commit fetched).
  CommandResult watched;
  std::thread watcher([&] {
    watched = run("timeout 8 " + Driftless::bin() + " get sources git --watch --kubeconfig " +
                  c.kubeconfig);
  });
  std::this_thread::sleep_for(2s);
  c.git.write("apps/cm2.yaml",
              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: more\n  namespace: default\n");
  const std::string second = c.git.commit("second");
  CHECK(c.driftless("reconcile source git repo").exitCode == 0);
  watcher.join();
  INFO(watched.out);
  CHECK(watched.exitCode == 124);  // ended by timeout(1): --watch runs until interrupted
  CHECK_THAT(watched.out, StartsWith("NAME"));
  CHECK_THAT(watched.out, ContainsSubstring("repo\tmain@sha1:" + c.first.substr(0, 8)));
  CHECK_THAT(watched.out, ContainsSubstring("repo\tmain@sha1:" + second.substr(0, 8)));
  // A row only when something shown changed (status writes that change nothing are skipped).
  std::istringstream watchLines(watched.out);
  std::string line;
  std::string previous;
  while (std::getline(watchLines, line)) {
    CHECK(line != previous);
    previous = line;
  }
  CHECK_THAT(c.driftless("get ks -o name").out, ContainsSubstring("kustomization/apps\n"));

  // get all: one table per kind; image kinds with their own columns.
  CommandResult all = c.driftless("get all");
  INFO(all.out);
  CHECK_THAT(all.out, ContainsSubstring("\ngitrepository/repo\tmain@sha1:" + second.substr(0, 8)));
  CHECK_THAT(all.out, ContainsSubstring("\n\nNAME              \tREVISION"));
  CHECK_THAT(all.out, ContainsSubstring("\nkustomization/apps\tmain@sha1:"));
  std::ofstream(c.tmp.path() / "image.yaml")
      << "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: web\n"
         "  namespace: flux-system\nspec:\n  imageRepositoryRef:\n    name: web\n  policy:\n"
         "    semver:\n      range: '>=1.0.0'\n";
  sh("kubectl --kubeconfig " + c.kubeconfig + " apply -f " +
     (c.tmp.path() / "image.yaml").string());
  CommandResult images = c.driftless("get images all");
  INFO(images.out);
  CHECK(images.exitCode == 0);
  CHECK_THAT(images.out, ContainsSubstring("NAME           \tLATEST IMAGE\tREADY\tMESSAGE\n"
                                           "imagepolicy/web\t            \tFalse\t"
                                           "waiting to be reconciled"));

  // delete asks first; "n" (or no answer) keeps the object.
  CommandResult kept =
      run("echo n | " + Driftless::bin() + " delete ks apps --kubeconfig " + c.kubeconfig);
  CHECK(kept.exitCode != 0);
  CHECK_THAT(kept.out, ContainsSubstring("Are you sure you want to delete this kustomization?"));
  CHECK_THAT(kept.out, ContainsSubstring("✗ aborting"));
  CHECK(c.d->kubectl("-n flux-system get kustomization apps").exitCode == 0);
  CommandResult deleted =
      run("echo y | " + Driftless::bin() + " delete ks apps --kubeconfig " + c.kubeconfig);
  INFO(deleted.out);
  CHECK(deleted.exitCode == 0);
  CHECK_THAT(deleted.out,
             ContainsSubstring("► deleting kustomization apps in flux-system namespace"));
  CHECK_THAT(deleted.out, ContainsSubstring("✔ kustomization deleted"));
  // prune: true, so the Kustomization's finalizer deletes what it applied.
  CHECK(c.d->kubectl("-n default wait configmap/settings --for=delete --timeout=30s").exitCode ==
        0);
  CHECK(c.driftless("delete source git repo --silent").exitCode == 0);
  CHECK(c.d->kubectl("-n flux-system get gitrepository repo").exitCode != 0);
  CHECK_THAT(c.driftless("delete ks apps --silent").out,
             ContainsSubstring("✗ Kustomization object 'apps' not found in flux-system namespace"));
}

TEST_CASE("driftless create secret git, helm and OCI objects, reconcile flags", "[e2e][cli]") {
  CliCluster c;
  // SSH: an existing key (--private-key-file), the host's keys scanned; the GitRepository using
  // the Secret becomes Ready through sshd.
  driftless::test::TempDir keys("driftless-keys");
  const std::string keyFile = (keys.path() / "id").string();
  sh("ssh-keygen -q -t ed25519 -N '' -C test -f " + keyFile);
  const std::string publicKey = sh("cat " + keyFile + ".pub");
  const driftless::test::git::SshServer ssh(c.tmp.path() / "git", publicKey);
  if (!ssh.available()) SKIP("sshd unavailable: " + ssh.whyUnavailable());
  const std::string sshUrl = ssh.url("repo.git");
  CommandResult secret =
      c.driftless("create secret git ssh-auth --url " + sshUrl + " --private-key-file " + keyFile);
  INFO(secret.out);
  CHECK(secret.exitCode == 0);
  CHECK_THAT(secret.out,
             ContainsSubstring("✚ deploy key: " + publicKey.substr(0, publicKey.rfind(' '))));
  CHECK_THAT(secret.out,
             ContainsSubstring("► git secret 'ssh-auth' created in 'flux-system' namespace"));
  CHECK_THAT(secret.out, !ContainsSubstring("PRIVATE KEY"));
  CHECK(c.d->get("-n flux-system get secret ssh-auth -o jsonpath={.data.known_hosts} | base64 -d")
            .find("[127.0.0.1]:") == 0);
  CommandResult viaSsh = c.driftless("create source git over-ssh --url " + sshUrl +
                                     " --branch main --secret-ref ssh-auth --timeout 60s");
  INFO(viaSsh.out);
  CHECK(viaSsh.exitCode == 0);
  CHECK_THAT(viaSsh.out, ContainsSubstring("✔ fetched revision: main@sha1:" + c.first));

  // A generated key pair (ECDSA P-384 by default), printed with --export.
  CommandResult generated = c.driftless("create secret git gen --url " + sshUrl + " --export");
  CHECK(generated.exitCode == 0);
  CHECK_THAT(generated.out, ContainsSubstring("kind: Secret"));
  CHECK_THAT(generated.out, ContainsSubstring("-----BEGIN EC PRIVATE KEY-----"));
  CHECK_THAT(generated.out, ContainsSubstring("identity.pub: |\n    ecdsa-sha2-nistp384 "));
  CHECK_THAT(generated.out, ContainsSubstring("known_hosts: |\n    [127.0.0.1]:"));
  CHECK_THAT(
      c.driftless("create secret git gen --url " + sshUrl + " --ssh-key-algorithm ed25519 --export")
          .out,
      ContainsSubstring("identity.pub: |\n    ssh-ed25519 "));
  CHECK_THAT(c.driftless("create secret git gen --url ssh://127.0.0.1:1/x --export").out,
             ContainsSubstring("✗ no host keys found for 127.0.0.1:1"));

  // HTTPS basic auth, applied: the Secret holds flux's keys.
  CHECK(c.driftless("create secret git basic --url https://git.example.com/r --username me "
                    "--password s3cret")
            .exitCode == 0);
  CHECK(c.d->get("-n flux-system get secret basic -o jsonpath={.data.password} | base64 -d") ==
        "s3cret");
  CHECK_THAT(c.driftless("create secret git basic --url https://git.example.com/r").out,
             ContainsSubstring("the username and password, or a bearer token, are required"));

  // Helm and OCI objects as flux writes them.
  CommandResult hr = c.driftless(
      "create helmrelease podinfo --source HelmRepository/podinfo --chart podinfo "
      "--chart-version '>6.0.0' --target-namespace default --create-target-namespace --export");
  CHECK_THAT(hr.out, ContainsSubstring("kind: HelmRelease"));
  CHECK_THAT(hr.out, ContainsSubstring("  chart:\n    spec:\n      chart: podinfo\n      version: "
                                       "'>6.0.0'\n      reconcileStrategy: ChartVersion\n"
                                       "      sourceRef:\n        kind: HelmRepository\n"
                                       "        name: podinfo\n"));
  CHECK_THAT(hr.out, ContainsSubstring("install:\n    createNamespace: true"));
  CHECK_THAT(c.driftless("create source helm podinfo --url oci://ghcr.io/stefanprodan/charts "
                         "--export")
                 .out,
             ContainsSubstring("type: oci"));
  CHECK_THAT(
      c.driftless("create source oci app --url oci://ghcr.io/org/app --tag 1.0 --export").out,
      ContainsSubstring("ref:\n    tag: \"1.0\""));
  CHECK_THAT(c.driftless("create source oci app --url oci://ghcr.io/org/app --export").out,
             ContainsSubstring("✗ one of --tag, --tag-semver or --digest is required"));
  CHECK_THAT(c.driftless("reconcile helmrelease nope --force").out,
             ContainsSubstring("✗ HelmRelease object 'nope' not found in flux-system namespace"));
  CHECK_THAT(c.driftless("reconcile ks apps --reset").out,
             ContainsSubstring("✗ --force and --reset apply to helmreleases only"));
}

TEST_CASE("driftless completion, help, colours and the spinner", "[e2e][cli]") {
  CliCluster c;
  // Completion: the script parses, completes commands and asks the cluster for names.
  const std::string complete = "PATH=" + std::string(DRIFTLESS_BIN_DIR) +
                               ":$PATH KUBECONFIG=" + c.kubeconfig +
                               " bash -c 'source <(driftless completion bash); ";
  CHECK(run(Driftless::bin() + " completion bash | bash -n").exitCode == 0);
  CHECK(run(complete + "COMP_WORDS=(driftless rec); COMP_CWORD=1; _driftless; "
                       "echo \"${COMPREPLY[*]}\"'")
            .out == "reconcile\n");
  CHECK(run(complete + "COMP_WORDS=(driftless reconcile kustomization \"\"); COMP_CWORD=3; "
                       "_driftless; echo \"${COMPREPLY[*]}\"'")
            .out == "apps\n");
  CHECK(run(complete + "COMP_WORDS=(driftless get sources \"\"); COMP_CWORD=3; _driftless; "
                       "echo \"${COMPREPLY[*]}\"'")
            .out == "git oci helm chart bucket\n");
  CHECK_THAT(run(Driftless::bin() + " completion zsh").out, StartsWith("#compdef driftless\n"));
  CHECK(run(Driftless::bin() + " completion fish").exitCode != 0);

  // Every command has a --help with an example (or its usage).
  for (const char* cmd : {"get", "reconcile", "suspend", "resume", "delete", "export", "events",
                          "tree", "trace", "create", "logs", "build", "diff", "completion"}) {
    CommandResult help = run(Driftless::bin() + " " + cmd + " --help");
    INFO(cmd);
    CHECK(help.exitCode == 0);
    CHECK_THAT(help.out, ContainsSubstring("driftless " + std::string(cmd)));
    CHECK_THAT(help.out, ContainsSubstring("Examples:"));
  }
  CHECK(run(Driftless::bin() + " help trace").out == run(Driftless::bin() + " trace -h").out);

  // Not a terminal: plain marks. On a terminal (script(1) gives one): colours and a spinner,
  // unless NO_COLOR is set.
  CommandResult plain = c.driftless("reconcile ks apps");
  CHECK_THAT(plain.out, ContainsSubstring("◎ waiting for Kustomization reconciliation\n"));
  CHECK_THAT(plain.out, !ContainsSubstring("\033["));
  const std::string cmd = Driftless::bin() + " reconcile ks apps --kubeconfig " + c.kubeconfig;
  CommandResult tty = run("script -qec '" + cmd + "' /dev/null");
  INFO(tty.out);
  CHECK(tty.exitCode == 0);
  CHECK_THAT(tty.out, ContainsSubstring("\033[32m✔\033[0m applied revision main@sha1:" + c.first));
  CHECK_THAT(tty.out, ContainsSubstring("⠋"));
  CHECK_THAT(tty.out, ContainsSubstring("◎\033[0m waiting for Kustomization reconciliation ("));
  CommandResult noColor = run("NO_COLOR=1 script -qec '" + cmd + "' /dev/null");
  CHECK_THAT(noColor.out, !ContainsSubstring("\033["));
  CHECK_THAT(noColor.out, ContainsSubstring("✔ applied revision"));
}
