// Alerts and Receivers end to end: `driftless up -d` (source-, kustomize- and
// notification-controller as real processes), a real `git daemon`, kubectl, and a local HTTPS
// server standing in for Slack, Microsoft Teams and GitHub.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "capture_server.h"
#include "driftless/core/crypto.h"
#include "driftless/core/json.h"
#include "driftless_up.h"
#include "git_server.h"
#include "test_support.h"

namespace driftless::test {
namespace {

using namespace std::chrono_literals;
using Catch::Matchers::ContainsSubstring;
namespace fs = std::filesystem;

// Indents a PEM block for a YAML literal.
std::string indented(const std::string& text, int spaces) {
  std::string out;
  const std::string pad(static_cast<std::size_t>(spaces), ' ');
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += pad + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

std::string curlStatus(const std::string& args) {
  return sh("curl -s -o /dev/null -w '%{http_code}' " + args);
}

}  // namespace

TEST_CASE("alerts to Slack, Teams and GitHub; a GitHub webhook triggers a reconcile",
          "[e2e][notification]") {
  TempDir tmp("driftless-notify");
  CaptureServer chat(tmp.path() / "tls");
  GitServer git(tmp.path() / "git");
  git.write("apps/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\n"
            "data:\n  color: blue\n");
  const std::string first = git.commit("first");
  Driftless d(tmp.path() / "data");
  const int deadPort = freePort();

  const std::string manifests =
      "apiVersion: v1\nkind: Secret\nmetadata: {name: chat-ca, namespace: flux-system}\n"
      "stringData:\n  ca.crt: |\n" +
      indented(chat.caPem(), 4) +
      "---\napiVersion: v1\nkind: Secret\nmetadata: {name: tokens, namespace: flux-system}\n"
      "stringData: {token: gh-secret-token}\n"
      "---\napiVersion: v1\nkind: Secret\nmetadata: {name: hook, namespace: flux-system}\n"
      "stringData: {token: hook-token}\n"
      "---\napiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\n"
      "metadata: {name: slack, namespace: flux-system}\n"
      "spec: {type: slack, channel: deploys, address: " +
      chat.url() +
      "/slack, certSecretRef: {name: chat-ca}}\n"
      "---\napiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\n"
      "metadata: {name: teams, namespace: flux-system}\n"
      "spec: {type: msteams, address: " +
      chat.url() +
      "/teams, certSecretRef: {name: chat-ca}}\n"
      "---\napiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\n"
      "metadata: {name: github, namespace: flux-system}\n"
      "spec: {type: github, address: " +
      chat.url() +
      "/org/app, secretRef: {name: tokens}, certSecretRef: {name: chat-ca}}\n"
      "---\napiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\n"
      "metadata: {name: gone, namespace: flux-system}\n"
      "spec: {type: generic, timeout: 3s, address: 'http://127.0.0.1:" +
      std::to_string(deadPort) +
      "/x'}\n"
      "---\napiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\n"
      "metadata: {name: slack, namespace: flux-system}\n"
      "spec: {providerRef: {name: slack}, eventSources: [{kind: Kustomization, name: '*'}]}\n"
      "---\napiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\n"
      "metadata: {name: teams, namespace: flux-system}\n"
      "spec: {providerRef: {name: teams}, eventSeverity: error,\n"
      "       eventSources: [{kind: Kustomization, name: '*'}]}\n"
      "---\napiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\n"
      "metadata: {name: github, namespace: flux-system}\n"
      "spec: {providerRef: {name: github}, eventSources: [{kind: Kustomization, name: apps}]}\n"
      "---\napiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\n"
      "metadata: {name: gone, namespace: flux-system}\n"
      "spec: {providerRef: {name: gone}, eventSources: [{kind: GitRepository, name: '*'}]}\n"
      "---\napiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\n"
      "metadata: {name: github, namespace: flux-system}\n"
      "spec:\n  type: github\n  events: [push]\n  secretRef: {name: hook}\n"
      "  resources: [{kind: GitRepository, name: repo}]\n"
      "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
      "metadata: {name: repo, namespace: flux-system}\n"
      "spec: {interval: 10m, url: '" +
      git.url() +
      "', ref: {branch: main}}\n"
      "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
      "metadata: {name: apps, namespace: flux-system}\n"
      "spec: {interval: 10m, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: "
      "repo}}\n";
  std::ofstream(tmp.path() / "flux.yaml") << manifests;
  sh("kubectl --kubeconfig " + d.kubeconfig().string() + " apply -f " +
     (tmp.path() / "flux.yaml").string());
  REQUIRE(d.kubectl("-n flux-system wait kustomization/apps --for=condition=ready --timeout=60s")
              .exitCode == 0);

  // The first apply: Slack hears the change set; GitHub gets a success status on the commit;
  // Teams (errors only) hears nothing.
  REQUIRE(chat.waitFor("/slack", 1));
  {
    const core::Value msg = core::parseJson(chat.requests("/slack")[0].body);
    CHECK(msg["channel"] == core::Value("deploys"));
    CHECK(msg["username"] == core::Value("kustomize-controller"));
    CHECK(msg["attachments"][0]["author_name"] == core::Value("kustomization/apps.flux-system"));
    CHECK(msg["attachments"][0]["color"] == core::Value("good"));
    CHECK_THAT(msg["attachments"][0]["text"].asString(),
               ContainsSubstring("ConfigMap/default/settings created"));
  }
  const std::string statuses = "/api/v3/repos/org/app/statuses/" + first;
  REQUIRE(chat.waitFor(statuses, 1));
  {
    const net::HttpRequest post = chat.requests(statuses)[0];
    CHECK(post.header("authorization") == "Bearer gh-secret-token");
    const core::Value body = core::parseJson(post.body);
    CHECK(body["state"] == core::Value("success"));
    CHECK(body["description"] == core::Value("reconciliation succeeded"));
    CHECK_THAT(body["context"].asString(), ContainsSubstring("kustomization/apps/"));
  }
  CHECK(chat.requests("/teams").empty());

  // A broken commit: Slack (danger) and Teams (attention) hear the build failure.
  git.write("apps/kustomization.yaml", "resources:\n- missing.yaml\n");
  const std::string broken = git.commit("broken");
  (void)d.kubectl(
      "-n flux-system annotate --overwrite gitrepository/repo reconcile.fluxcd.io/requestedAt=b");
  REQUIRE(chat.waitFor("/teams", 1, 60s));
  {
    const core::Value card = core::parseJson(chat.requests("/teams")[0].body);
    const core::Value& items = card["attachments"][0]["content"]["body"][0]["items"];
    CHECK(items[0]["text"] == core::Value("kustomization/apps.flux-system"));
    CHECK(items[1]["color"] == core::Value("attention"));
    CHECK_THAT(items[1]["text"].asString(), ContainsSubstring("missing.yaml"));
  }
  CHECK(eventually(
      [&] {
        for (const auto& r : chat.requests("/slack")) {
          const core::Value m = core::parseJson(r.body);
          if (m["attachments"][0]["color"] == core::Value("danger")) return true;
        }
        return false;
      },
      30s));
  CHECK(chat.waitFor("/api/v3/repos/org/app/statuses/" + broken, 1, 30s));

  // The same event twice within the rate-limit window: the second is refused with 429.
  const std::string events =
      "http://127.0.0.1:" + std::to_string(d.port("notification-controller-events")) + "/";
  const std::string event =
      R"('{"involvedObject":{"apiVersion":"kustomize.toolkit.fluxcd.io/v1","kind":"Kustomization","name":"apps","namespace":"flux-system"},"severity":"error","message":"duplicate check","reason":"Test","reportingController":"curl"}')";
  CHECK(curlStatus("-X POST -d " + event + " " + events) == "202");
  CHECK(curlStatus("-X POST -d " + event + " " + events) == "429");

  // An unreachable provider: retried within its timeout, then reported on its Alert.
  CHECK(eventually(
      [&] {
        return d.get(
                    "-n flux-system get events --field-selector reason=NotificationDispatchFailed "
                    "-o jsonpath={.items[*].message}")
                   .find("failed to send notification") != std::string::npos;
      },
      60s));

  // A GitHub push with a valid signature: the GitRepository reconciles at once.
  REQUIRE(d.kubectl("-n flux-system wait receiver/github --for=condition=ready --timeout=30s")
              .exitCode == 0);
  const std::string hookPath =
      d.get("-n flux-system get receiver github -o jsonpath={.status.webhookPath}");
  REQUIRE(hookPath.starts_with("/hook/"));
  const std::string hook =
      "http://127.0.0.1:" + std::to_string(d.port("notification-controller-receiver")) + hookPath;
  const std::string body = R"({"ref":"refs/heads/main"})";
  const std::string headers = "-H 'Content-Type: application/json' -H 'X-GitHub-Event: push' ";
  const std::string badSig = "sha256=" + core::hmacHex("sha256", "wrong", body);
  CHECK(curlStatus("-X POST " + headers + "-H 'X-Hub-Signature-256: " + badSig + "' -d '" + body +
                   "' " + hook) == "400");
  const std::string handled =
      "-n flux-system get gitrepository repo -o "
      "jsonpath={.status.lastHandledReconcileAt}";
  const std::string before = d.get(handled);
  const std::string sig = "sha256=" + core::hmacHex("sha256", "hook-token", body);
  const auto sent = std::chrono::steady_clock::now();
  CHECK(curlStatus("-X POST " + headers + "-H 'X-Hub-Signature-256: " + sig + "' -d '" + body +
                   "' " + hook) == "200");
  CHECK(eventually(
      [&] {
        const std::string now = d.get(handled);
        return !now.empty() && now != before;
      },
      10s));
  const auto took = std::chrono::steady_clock::now() - sent;

  // The CLI creates the three kinds in flux's words.
  auto cli = [&](const std::string& args) {
    return Driftless::bin() + " " + args + " --kubeconfig " + d.kubeconfig().string() + " 2>&1";
  };
  const std::string exported =
      sh(cli("create alert-provider ops --type slack --channel ops --address " + chat.url() +
             "/slack --export"));
  CHECK_THAT(exported, ContainsSubstring("kind: Provider"));
  CHECK_THAT(exported, ContainsSubstring("channel: ops"));
  CHECK_THAT(sh(cli("create alert ops --provider-ref ops --event-source 'Kustomization/*' "
                    "--event-severity error")),
             ContainsSubstring("Alert ops created"));
  CHECK(d.get("-n flux-system get alert ops -o jsonpath={.spec.eventSources[0].name}") == "*");
  CHECK_THAT(sh(cli("create receiver generic --type generic --secret-ref hook "
                    "--resource GitRepository/repo")),
             ContainsSubstring("generated webhook URL /hook/"));
  CHECK(run(cli("create alert broken --provider-ref ops --event-source nokind")).exitCode != 0);
  INFO("reconcile handled after "
       << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(took < 2s);
}

}  // namespace driftless::test
