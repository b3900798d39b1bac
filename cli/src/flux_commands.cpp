#include "flux_commands.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <thread>

#include "driftless/api/registry.h"
#include "driftless/core/duration.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/log.h"
#include "driftless/core/temp_dir.h"
#include "driftless/core/time.h"
#include "driftless/core/yaml.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/client.h"
#include "driftless/kube/kubeconfig.h"
#include "driftless/kustomize/build.h"
#include "driftless/net/curl.h"
#include "driftless/ssa/resource_manager.h"
#include "kustomization_reconciler.h"

namespace driftless::cli {

namespace {

using namespace std::chrono_literals;

// A Flux kind as the CLI names it.
struct Kind {
  std::string kind;  // GitRepository
  kube::GroupVersionKind gvk;
  std::string display;  // what `flux get` calls it in messages
  bool source = false;  // REVISION from status.artifact.revision
};

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> k = {
      {"GitRepository", {"source.toolkit.fluxcd.io", "v1", "GitRepository"}, "GitRepository", true},
      {"OCIRepository", {"source.toolkit.fluxcd.io", "v1", "OCIRepository"}, "OCIRepository", true},
      {"HelmRepository",
       {"source.toolkit.fluxcd.io", "v1", "HelmRepository"},
       "HelmRepository",
       true},
      {"HelmChart", {"source.toolkit.fluxcd.io", "v1", "HelmChart"}, "HelmChart", true},
      {"Bucket", {"source.toolkit.fluxcd.io", "v1", "Bucket"}, "Bucket", true},
      {"Kustomization",
       {"kustomize.toolkit.fluxcd.io", "v1", "Kustomization"},
       "Kustomization",
       false},
      {"HelmRelease", {"helm.toolkit.fluxcd.io", "v2", "HelmRelease"}, "HelmRelease", false},
      {"Alert", {"notification.toolkit.fluxcd.io", "v1beta3", "Alert"}, "Alert", false},
      {"Provider", {"notification.toolkit.fluxcd.io", "v1beta3", "Provider"}, "Provider", false},
      {"Receiver", {"notification.toolkit.fluxcd.io", "v1", "Receiver"}, "Receiver", false},
  };
  return k;
}

const Kind& kindNamed(const std::string& name) {
  for (const auto& k : kinds()) {
    if (k.kind == name) return k;
  }
  throw core::Error("unknown kind " + name);
}

// The kinds a `get`/`reconcile`/`suspend` argument names (flux's words and aliases).
std::vector<std::string> resolve(const std::vector<std::string>& words, std::size_t& used) {
  used = 1;
  if (words.empty()) throw core::Error("a kind is required (e.g. kustomizations, sources git)");
  const std::string& w = words[0];
  if (w == "source" || w == "sources") {
    used = 2;
    if (words.size() < 2)
      throw core::Error("a source kind is required: git, oci, helm, chart, bucket, all");
    const std::string& s = words[1];
    if (s == "git") return {"GitRepository"};
    if (s == "oci") return {"OCIRepository"};
    if (s == "helm") return {"HelmRepository"};
    if (s == "chart") return {"HelmChart"};
    if (s == "bucket") return {"Bucket"};
    if (s == "all")
      return {"GitRepository", "OCIRepository", "HelmRepository", "HelmChart", "Bucket"};
    throw core::Error("unknown source kind " + s);
  }
  if (w == "kustomization" || w == "kustomizations" || w == "ks") return {"Kustomization"};
  if (w == "helmrelease" || w == "helmreleases" || w == "hr") return {"HelmRelease"};
  if (w == "alert" || w == "alerts") return {"Alert"};
  if (w == "alert-provider" || w == "alert-providers") return {"Provider"};
  if (w == "receiver" || w == "receivers") return {"Receiver"};
  if (w == "all") {
    return {"GitRepository", "OCIRepository", "HelmRepository", "HelmChart",
            "Bucket",        "Kustomization", "HelmRelease"};
  }
  throw core::Error("unknown kind " + w);
}

struct Globals {
  std::string kubeconfig;
  std::string context;
  std::string namespace_ = "flux-system";
  bool allNamespaces = false;
  std::chrono::milliseconds timeout = 5min;
  std::string output;  // "", json, yaml
  bool withSource = false;
  bool all = false;
  std::string forKind;  // events --for
  std::vector<std::string> positional;
  // create
  bool exportOnly = false;
  std::string url, branch, tag, semver, interval = "1m", path = "./", source, targetNamespace;
  bool prune = false;
  std::vector<std::string> dependsOn;
  // create alert-provider / alert / receiver
  std::string type, channel, address, secretRef, username, providerRef, eventSeverity;
  std::vector<std::string> eventSources, events, resources;
  // logs
  std::string dataDir, level, kindFilter, nameFilter;
  bool follow = false;
};

Globals parseGlobals(const std::vector<std::string>& args) {
  Globals g;
  if (const char* ns = std::getenv("FLUX_SYSTEM_NAMESPACE"); ns != nullptr && *ns != '\0') {
    g.namespace_ = ns;
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::string value;
    bool hasValue = false;
    if (a.starts_with("--") && a.find('=') != std::string::npos) {
      value = a.substr(a.find('=') + 1);
      a.resize(a.find('='));
      hasValue = true;
    }
    auto next = [&]() -> std::string {
      if (hasValue) return value;
      if (i + 1 >= args.size()) throw core::Error("flag needs an argument: " + a);
      return args[++i];
    };
    if (a == "--kubeconfig") {
      g.kubeconfig = next();
    } else if (a == "--context") {
      g.context = next();
    } else if (a == "-n" || a == "--namespace") {
      g.namespace_ = next();
    } else if (a == "-A" || a == "--all-namespaces") {
      g.allNamespaces = true;
    } else if (a == "--timeout") {
      g.timeout =
          std::chrono::duration_cast<std::chrono::milliseconds>(core::parseDuration(next()));
    } else if (a == "-o" || a == "--output") {
      g.output = next();
    } else if (a == "--with-source") {
      g.withSource = true;
    } else if (a == "--all") {
      g.all = true;
    } else if (a == "--for") {
      g.forKind = next();
    } else if (a == "--export") {
      g.exportOnly = true;
    } else if (a == "--url") {
      g.url = next();
    } else if (a == "--branch") {
      g.branch = next();
    } else if (a == "--tag") {
      g.tag = next();
    } else if (a == "--tag-semver") {
      g.semver = next();
    } else if (a == "--interval") {
      g.interval = next();
    } else if (a == "--path") {
      g.path = next();
    } else if (a == "--source") {
      g.source = next();
    } else if (a == "--target-namespace") {
      g.targetNamespace = next();
    } else if (a == "--prune") {
      g.prune = !hasValue || value == "true";
    } else if (a == "--depends-on") {
      g.dependsOn.push_back(next());
    } else if (a == "--type") {
      g.type = next();
    } else if (a == "--channel") {
      g.channel = next();
    } else if (a == "--address") {
      g.address = next();
    } else if (a == "--secret-ref") {
      g.secretRef = next();
    } else if (a == "--username") {
      g.username = next();
    } else if (a == "--provider-ref") {
      g.providerRef = next();
    } else if (a == "--event-severity") {
      g.eventSeverity = next();
    } else if (a == "--event-source") {
      g.eventSources.push_back(next());
    } else if (a == "--event") {
      g.events.push_back(next());
    } else if (a == "--resource") {
      g.resources.push_back(next());
    } else if (a == "--data-dir") {
      g.dataDir = next();
    } else if (a == "--level") {
      g.level = next();
    } else if (a == "--kind") {
      g.kindFilter = next();
    } else if (a == "--name") {
      g.nameFilter = next();
    } else if (a == "-f" || a == "--follow") {
      g.follow = true;
    } else if (a.starts_with("-") && a.size() > 1) {
      throw core::Error("unknown flag: " + a);
    } else {
      g.positional.push_back(a);
    }
  }
  return g;
}

kube::ClientPtr connect(const Globals& g) {
  kube::RestConfig config;
  if (!g.kubeconfig.empty() || !g.context.empty()) {
    std::string path = g.kubeconfig;
    if (path.empty()) {
      const char* env = std::getenv("KUBECONFIG");
      const char* home = std::getenv("HOME");
      path = env != nullptr && *env != '\0'
                 ? std::string(env).substr(0, std::string(env).find(':'))
                 : std::string(home != nullptr ? home : "") + "/.kube/config";
    }
    config = kube::loadKubeconfig(path, g.context);
  } else {
    config = kube::defaultConfig();
  }
  return kube::makeClient(
      config, core::Logger(core::makeFdLogSink(2), core::LogLevel::Error, core::LogEncoding::Json));
}

void say(const char* mark, const std::string& message) {
  std::cerr << mark << ' ' << message << '\n';
}

const core::Value* condition(const core::Value& obj, std::string_view type) {
  const core::Value& conds = obj["status"]["conditions"];
  if (!conds.isArray()) return nullptr;
  for (const auto& c : conds.asArray()) {
    if (c["type"].isString() && c["type"].asString() == type) return &c;
  }
  return nullptr;
}

// flux's TruncateHex: 40 to 128 hex characters become their first 8.
std::string truncateHex(const std::string& s) {
  static const std::regex kHex(R"(\b[a-f0-9]{40,128}\b)");
  std::string out;
  auto begin = std::sregex_iterator(s.begin(), s.end(), kHex);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out.append(s, last, static_cast<std::size_t>(it->position()) - last);
    out.append(it->str().substr(0, 8));
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  out.append(s, last, std::string::npos);
  return out;
}

// tablewriter as flux configures it: left-aligned cells padded to the column width, separated
// by a tab, headers upper-cased.
void printTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  };
  std::vector<std::string> upper = header;
  for (auto& h : upper)
    std::transform(h.begin(), h.end(), h.begin(), ::toupper);
  measure(upper);
  for (const auto& r : rows)
    measure(r);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      std::string cell = row[i];
      cell.resize(std::max(cell.size(), width[i]), ' ');
      line += cell;
      line += '\t';
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    std::cout << line << '\n';
  };
  print(upper);
  for (const auto& r : rows)
    print(r);
}

int get(const Globals& g) {
  std::size_t used = 0;
  const auto names = resolve(g.positional, used);
  const std::string only = g.positional.size() > used ? g.positional[used] : "";
  auto client = connect(g);
  const bool many = names.size() > 1;
  std::vector<std::vector<std::string>> rows;
  core::Value items = core::Value::array();
  for (const auto& name : names) {
    const Kind& k = kindNamed(name);
    core::Value list;
    try {
      list = client->list(k.gvk, g.allNamespaces ? "" : g.namespace_);
    } catch (const std::exception& e) {
      if (many) continue;  // a kind that is not installed
      throw;
    }
    for (const auto& item : std::as_const(list)["items"].asArray()) {
      const std::string itemName = item["metadata"]["name"].stringOr();
      if (!only.empty() && itemName != only) continue;
      items.push_back(item);
      const core::Value* ready = condition(item, "Ready");
      const std::string status = ready != nullptr ? (*ready)["status"].stringOr() : "False";
      const std::string message =
          ready != nullptr ? (*ready)["message"].stringOr() : "waiting to be reconciled";
      const std::string revision = k.source ? item["status"]["artifact"]["revision"].stringOr()
                                            : item["status"]["lastAppliedRevision"].stringOr();
      const bool suspended = item["spec"]["suspend"].isBool() && item["spec"]["suspend"].asBool();
      std::vector<std::string> row;
      if (g.allNamespaces) row.push_back(item["metadata"]["namespace"].stringOr());
      std::string lowerKind = k.kind;
      std::transform(lowerKind.begin(), lowerKind.end(), lowerKind.begin(), ::tolower);
      row.push_back(many ? lowerKind + "/" + itemName : itemName);
      if (k.kind == "Provider" || k.kind == "Alert") {
        row.push_back(suspended ? "True" : "False");
        row.push_back(status);
        row.push_back(truncateHex(message));
      } else {
        row.push_back(truncateHex(revision));
        row.push_back(suspended ? "True" : "False");
        row.push_back(status);
        row.push_back(truncateHex(message));
      }
      rows.push_back(std::move(row));
    }
  }
  if (g.output == "json" || g.output == "yaml") {
    core::Value out = core::Value::object();
    out["apiVersion"] = "v1";
    out["kind"] = "List";
    out["items"] = items;
    std::cout << (g.output == "json" ? core::toJson(out) + "\n" : core::toYaml(out));
    return 0;
  }
  if (rows.empty()) {
    if (!only.empty()) {
      throw core::Error(kindNamed(names.front()).kind + " object '" + only + "' not found in " +
                        (g.allNamespaces ? std::string("any") : g.namespace_) + " namespace");
    }
    if (!many) {
      throw core::Error("no " + kindNamed(names.front()).kind + " objects found in " +
                        (g.allNamespaces ? std::string("any") : g.namespace_) + " namespace");
    }
    return 0;
  }
  std::vector<std::string> header;
  if (g.allNamespaces) header.push_back("Namespace");
  header.push_back("Name");
  const std::string& first = names.front();
  if (first == "Provider" || first == "Alert") {
    header.insert(header.end(), {"Suspended", "Ready", "Message"});
  } else {
    header.insert(header.end(), {"Revision", "Suspended", "Ready", "Message"});
  }
  printTable(header, rows);
  return 0;
}

core::Value getObject(kube::Client& client, const Kind& k, const std::string& ns,
                      const std::string& name) {
  try {
    return client.get({k.gvk, ns, name});
  } catch (const kube::ApiError& e) {
    if (e.isNotFound()) {
      throw core::Error(k.kind + " object '" + name + "' not found in " + ns + " namespace");
    }
    throw;
  }
}

// Waits until the object handled `token` (or, with an empty token, until its generation is
// observed) and is Ready=True or a terminal False; returns the object.
core::Value waitHandled(kube::Client& client, const Kind& k, const std::string& ns,
                        const std::string& name, const std::string& token,
                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    core::Value obj = getObject(client, k, ns, name);
    const bool handled = token.empty()
                             ? obj["status"]["observedGeneration"] == obj["metadata"]["generation"]
                             : obj["status"]["lastHandledReconcileAt"].stringOr() == token;
    if (handled) {
      // Done when Ready is True, or False and no longer progressing (stalled, or retrying).
      const core::Value* ready = condition(obj, "Ready");
      const core::Value* reconciling = condition(obj, "Reconciling");
      const std::string status = ready != nullptr ? (*ready)["status"].stringOr() : "";
      const bool settled = reconciling == nullptr || condition(obj, "Stalled") != nullptr ||
                           (*reconciling)["reason"].stringOr() == "ProgressingWithRetry";
      if (status == "True" || (status == "False" && settled)) return obj;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw core::Error("timeout waiting for " + k.kind + " reconciliation");
    }
    std::this_thread::sleep_for(200ms);
  }
}

std::string successMessage(const Kind& k, const core::Value& obj) {
  if (k.source) return "fetched revision " + obj["status"]["artifact"]["revision"].stringOr();
  if (k.kind == "Kustomization") {
    return "applied revision " + obj["status"]["lastAppliedRevision"].stringOr();
  }
  return k.kind + " reconciliation completed";
}

int reconcileOne(kube::Client& client, const Globals& g, const Kind& k, const std::string& name) {
  core::Value obj = getObject(client, k, g.namespace_, name);
  if (obj["spec"]["suspend"].isBool() && obj["spec"]["suspend"].asBool()) {
    throw core::Error("resource is suspended");
  }
  say("►", "annotating " + k.kind + " " + name + " in " + g.namespace_ + " namespace");
  const std::string token = core::formatRfc3339Micro(std::chrono::system_clock::now());
  core::Value patch = core::Value::object();
  patch["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"] = token;
  client.patch({k.gvk, g.namespace_, name}, kube::PatchType::Merge, patch);
  say("✔", k.kind + " annotated");
  say("◎", "waiting for " + k.kind + " reconciliation");
  core::Value done = waitHandled(client, k, g.namespace_, name, token, g.timeout);
  const core::Value* ready = condition(done, "Ready");
  if (ready == nullptr || (*ready)["status"].stringOr() != "True") {
    throw core::Error(k.kind + " reconciliation failed: '" +
                      (ready != nullptr ? (*ready)["message"].stringOr() : std::string()) + "'");
  }
  say("✔", successMessage(k, done));
  return 0;
}

int reconcile(const Globals& g) {
  std::size_t used = 0;
  const auto names = resolve(g.positional, used);
  if (names.size() != 1 || g.positional.size() <= used) {
    throw core::Error("usage: driftless reconcile source git|kustomization NAME [--with-source]");
  }
  const Kind& k = kindNamed(names.front());
  const std::string name = g.positional[used];
  auto client = connect(g);
  if (g.withSource && k.kind == "Kustomization") {
    core::Value obj = getObject(*client, k, g.namespace_, name);
    const std::string sourceKind = obj["spec"]["sourceRef"]["kind"].stringOr();
    const std::string sourceName = obj["spec"]["sourceRef"]["name"].stringOr();
    Globals sg = g;
    if (!obj["spec"]["sourceRef"]["namespace"].stringOr().empty()) {
      sg.namespace_ = obj["spec"]["sourceRef"]["namespace"].stringOr();
    }
    reconcileOne(*client, sg, kindNamed(sourceKind), sourceName);
  }
  return reconcileOne(*client, g, k, name);
}

int suspendOrResume(const Globals& g, bool suspend) {
  std::size_t used = 0;
  const auto names = resolve(g.positional, used);
  if (names.size() != 1)
    throw core::Error("name one kind to " + std::string(suspend ? "suspend" : "resume"));
  const Kind& k = kindNamed(names.front());
  auto client = connect(g);
  std::vector<std::string> targets;
  if (g.all) {
    core::Value list = client->list(k.gvk, g.namespace_);
    for (const auto& item : std::as_const(list)["items"].asArray()) {
      targets.push_back(item["metadata"]["name"].stringOr());
    }
  } else if (g.positional.size() > used) {
    targets.assign(g.positional.begin() + static_cast<std::ptrdiff_t>(used), g.positional.end());
  } else {
    throw core::Error("a name or --all is required");
  }
  std::string lower = k.kind;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  for (const auto& name : targets) {
    getObject(*client, k, g.namespace_, name);
    say("►", std::string(suspend ? "suspending " : "resuming ") + lower + " " + name + " in " +
                 g.namespace_ + " namespace");
    core::Value patch = core::Value::object();
    patch["spec"]["suspend"] = suspend;
    if (!suspend) {
      patch["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"] =
          core::formatRfc3339Micro(std::chrono::system_clock::now());
    }
    client->patch({k.gvk, g.namespace_, name}, kube::PatchType::Merge, patch);
    say("✔", lower + (suspend ? " suspended" : " resumed"));
    if (!suspend) {
      say("◎", "waiting for " + k.kind + " reconciliation");
      const std::string token =
          std::as_const(patch)["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"]
              .stringOr();
      core::Value done = waitHandled(*client, k, g.namespace_, name, token, g.timeout);
      const core::Value* ready = condition(done, "Ready");
      if (ready == nullptr || (*ready)["status"].stringOr() != "True") {
        throw core::Error(k.kind + " reconciliation failed: '" +
                          (ready != nullptr ? (*ready)["message"].stringOr() : std::string()) +
                          "'");
      }
      say("✔", k.kind + " reconciliation completed");
      say("✔", successMessage(k, done));
    }
  }
  return 0;
}

// The object as `flux export` prints it: apiVersion, kind, metadata (name, namespace, labels,
// annotations without kubectl's), spec.
core::Value exported(const core::Value& obj) {
  core::Value out = core::Value::object();
  out["apiVersion"] = obj["apiVersion"];
  out["kind"] = obj["kind"];
  core::Value meta = core::Value::object();
  meta["name"] = obj["metadata"]["name"];
  meta["namespace"] = obj["metadata"]["namespace"];
  if (obj["metadata"]["labels"].isObject()) meta["labels"] = obj["metadata"]["labels"];
  if (obj["metadata"]["annotations"].isObject()) {
    core::Value ann = obj["metadata"]["annotations"];
    ann.asObject().erase("kubectl.kubernetes.io/last-applied-configuration");
    ann.asObject().erase("reconcile.fluxcd.io/requestedAt");
    if (ann.size() > 0) meta["annotations"] = ann;
  }
  out["metadata"] = meta;
  out["spec"] = obj["spec"];
  return out;
}

int exportCommand(const Globals& g) {
  std::size_t used = 0;
  const auto names = resolve(g.positional, used);
  auto client = connect(g);
  std::vector<core::Value> docs;
  for (const auto& name : names) {
    const Kind& k = kindNamed(name);
    if (g.all) {
      core::Value list;
      try {
        list = client->list(k.gvk, g.namespace_);
      } catch (const std::exception&) {
        if (names.size() > 1) continue;
        throw;
      }
      for (const auto& item : std::as_const(list)["items"].asArray())
        docs.push_back(exported(item));
    } else if (g.positional.size() > used) {
      docs.push_back(exported(getObject(*client, k, g.namespace_, g.positional[used])));
    } else {
      throw core::Error("a name or --all is required");
    }
  }
  for (const auto& d : docs)
    std::cout << "---\n" << core::toYaml(d);
  return 0;
}

int events(const Globals& g) {
  auto client = connect(g);
  core::Value list = client->list({"", "v1", "Event"}, g.allNamespaces ? "" : g.namespace_);
  std::vector<core::Value> items;
  for (const auto& e : std::as_const(list)["items"].asArray()) {
    if (!g.forKind.empty()) {
      const std::string who =
          e["involvedObject"]["kind"].stringOr() + "/" + e["involvedObject"]["name"].stringOr();
      if (who != g.forKind) continue;
    }
    items.push_back(e);
  }
  std::sort(items.begin(), items.end(), [](const core::Value& a, const core::Value& b) {
    return a["lastTimestamp"].stringOr() < b["lastTimestamp"].stringOr();
  });
  std::vector<std::vector<std::string>> rows;
  const auto now = std::chrono::system_clock::now();
  for (const auto& e : items) {
    std::string age = "<unknown>";
    if (auto t = core::parseRfc3339(e["lastTimestamp"].stringOr())) {
      age = core::formatDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *t));
    }
    std::vector<std::string> row;
    if (g.allNamespaces) row.push_back(e["metadata"]["namespace"].stringOr());
    row.push_back(age);
    row.push_back(e["type"].stringOr());
    row.push_back(e["reason"].stringOr());
    row.push_back(e["involvedObject"]["kind"].stringOr() + "/" +
                  e["involvedObject"]["name"].stringOr());
    std::string message = e["message"].stringOr();
    std::replace(message.begin(), message.end(), '\n', ' ');
    row.push_back(message);
    rows.push_back(std::move(row));
  }
  std::vector<std::string> header;
  if (g.allNamespaces) header.push_back("Namespace");
  header.insert(header.end(), {"Last seen", "Type", "Reason", "Object", "Message"});
  printTable(header, rows);
  return 0;
}

// `Kind/namespace/name` (`Kind/name` when cluster-scoped) of an inventory id
// `<namespace>_<name>_<group>_<Kind>` (`__` in RBAC names stands for `:`).
struct InventoryId {
  std::string namespace_, name, group, kind;
};

std::optional<InventoryId> parseInventoryId(const std::string& id) {
  // The kind and group are the last two fields; the name may contain `__`.
  const auto k = id.rfind('_');
  if (k == std::string::npos || k == 0) return std::nullopt;
  const auto g = id.rfind('_', k - 1);
  if (g == std::string::npos) return std::nullopt;
  const auto n = id.find('_');
  if (n >= g) return std::nullopt;
  InventoryId out{id.substr(0, n), id.substr(n + 1, g - n - 1), id.substr(g + 1, k - g - 1),
                  id.substr(k + 1)};
  std::string name;
  for (std::size_t i = 0; i < out.name.size(); ++i) {
    if (out.name.compare(i, 2, "__") == 0) {
      name.push_back(':');
      ++i;
    } else {
      name.push_back(out.name[i]);
    }
  }
  out.name = name;
  return out;
}

void printTree(kube::Client& client, const std::string& ns, const std::string& name,
               const std::string& prefix, int depth) {
  const Kind& k = kindNamed("Kustomization");
  core::Value obj = getObject(client, k, ns, name);
  const core::Value& entries = obj["status"]["inventory"]["entries"];
  if (!entries.isArray()) return;
  const auto& list = entries.asArray();
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto id = parseInventoryId(list[i]["id"].stringOr());
    if (!id) continue;
    const bool last = i + 1 == list.size();
    std::cout << prefix << (last ? "└── " : "├── ") << id->kind << "/"
              << (id->namespace_.empty() ? "" : id->namespace_ + "/") << id->name << '\n';
    if (id->kind == "Kustomization" && id->group == "kustomize.toolkit.fluxcd.io" && depth < 20 &&
        !(id->namespace_ == ns && id->name == name)) {
      try {
        printTree(client, id->namespace_, id->name, prefix + (last ? "    " : "│   "), depth + 1);
      } catch (const std::exception&) {
        // A nested Kustomization that is gone: shown, not expanded.
      }
    }
  }
}

int tree(const Globals& g) {
  std::size_t used = 0;
  const auto names = resolve(g.positional, used);
  if (names.size() != 1 || names.front() != "Kustomization" || g.positional.size() <= used) {
    throw core::Error("usage: driftless tree kustomization NAME");
  }
  auto client = connect(g);
  const std::string name = g.positional[used];
  getObject(*client, kindNamed("Kustomization"), g.namespace_, name);
  std::cout << "Kustomization/" << g.namespace_ << "/" << name << '\n';
  printTree(*client, g.namespace_, name, "", 0);
  return 0;
}

std::string humanBytes(std::int64_t b) {
  if (b < 1024) return std::to_string(b) + " B";
  double v = static_cast<double>(b);
  const char* units = "KMGTPE";
  int i = -1;
  while (v >= 1024 && i < 5) {
    v /= 1024;
    ++i;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %ciB", v, units[i]);
  return buf;
}

int stats(const Globals& g) {
  auto client = connect(g);
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : kinds()) {
    core::Value list;
    try {
      list = client->list(k.gvk, g.allNamespaces ? "" : g.namespace_);
    } catch (const std::exception&) {
      continue;
    }
    int running = 0;
    int failing = 0;
    int suspended = 0;
    std::int64_t storage = 0;
    for (const auto& item : std::as_const(list)["items"].asArray()) {
      if (item["spec"]["suspend"].isBool() && item["spec"]["suspend"].asBool()) {
        ++suspended;
        continue;
      }
      const core::Value* ready = condition(item, "Ready");
      if (ready != nullptr && (*ready)["status"].stringOr() == "False") {
        ++failing;
      } else {
        ++running;
      }
      if (item["status"]["artifact"]["size"].isInt()) {
        storage += item["status"]["artifact"]["size"].asInt();
      }
    }
    rows.push_back({k.kind, std::to_string(running), std::to_string(failing),
                    std::to_string(suspended), k.source ? humanBytes(storage) : "-"});
  }
  printTable({"Reconcilers", "Running", "Failing", "Suspended", "Storage"}, rows);
  return 0;
}

// Writes the object with server-side apply (field manager "flux-client-side-apply", as the flux
// CLI's applier) and says whether it was created.
bool applyObject(kube::Client& client, const core::Value& obj) {
  bool existed = true;
  try {
    client.get(kube::ObjectRef::of(obj));
  } catch (const kube::ApiError& e) {
    if (!e.isNotFound()) throw;
    existed = false;
  }
  kube::ServerSideApplyOptions options;
  options.fieldManager = "flux-client-side-apply";
  options.force = true;
  client.apply(obj, options);
  return !existed;
}

// Kind/name[.namespace] flags (--event-source, --resource) as cross-namespace references; a name
// of `*` matches every object of the kind.
core::Value objectRefs(const std::vector<std::string>& refs, const std::string& what) {
  core::Value out = core::Value::array();
  for (const auto& r : refs) {
    const auto slash = r.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == r.size())
      throw core::Error("invalid " + what + " '" + r + "', must be in format <kind>/<name>");
    core::Value ref = core::Value::object();
    ref["kind"] = r.substr(0, slash);
    std::string name = r.substr(slash + 1);
    if (const auto dot = name.find('.'); dot != std::string::npos && name != "*") {
      ref["namespace"] = name.substr(dot + 1);
      name.resize(dot);
    }
    ref["name"] = name;
    out.push_back(std::move(ref));
  }
  return out;
}

int create(const Globals& g) {
  if (g.positional.empty()) {
    throw core::Error(
        "usage: driftless create source git NAME --url URL --branch B | create "
        "kustomization NAME --source GitRepository/NAME --path P | create alert-provider NAME "
        "--type slack --address URL | create alert NAME --provider-ref P --event-source "
        "Kind/NAME | create receiver NAME --type github --secret-ref S --resource Kind/NAME");
  }
  std::size_t used = 0;
  const auto names = resolve(g.positional, used);
  if (names.size() != 1 || g.positional.size() <= used) throw core::Error("a name is required");
  const Kind& k = kindNamed(names.front());
  const std::string name = g.positional[used];
  core::Value obj = core::Value::object();
  obj["apiVersion"] = k.gvk.apiVersion();
  obj["kind"] = k.kind;
  obj["metadata"]["name"] = name;
  obj["metadata"]["namespace"] = g.namespace_;
  std::string what;
  if (k.kind == "GitRepository") {
    what = "GitRepository source";
    if (g.url.empty()) throw core::Error("url is required");
    obj["spec"]["interval"] = g.interval;
    obj["spec"]["url"] = g.url;
    if (!g.semver.empty()) {
      obj["spec"]["ref"]["semver"] = g.semver;
    } else if (!g.tag.empty()) {
      obj["spec"]["ref"]["tag"] = g.tag;
    } else {
      obj["spec"]["ref"]["branch"] = g.branch.empty() ? "master" : g.branch;
    }
  } else if (k.kind == "Kustomization") {
    what = "Kustomization";
    if (g.source.empty()) throw core::Error("source is required");
    auto slash = g.source.find('/');
    const std::string sourceKind =
        slash == std::string::npos ? "GitRepository" : g.source.substr(0, slash);
    std::string sourceName = slash == std::string::npos ? g.source : g.source.substr(slash + 1);
    obj["spec"]["interval"] = g.interval;
    obj["spec"]["path"] = g.path;
    obj["spec"]["prune"] = g.prune;
    obj["spec"]["sourceRef"]["kind"] = sourceKind;
    if (auto dot = sourceName.find('.'); dot != std::string::npos) {
      obj["spec"]["sourceRef"]["namespace"] = sourceName.substr(dot + 1);
      sourceName.resize(dot);
    }
    obj["spec"]["sourceRef"]["name"] = sourceName;
    if (!g.targetNamespace.empty()) obj["spec"]["targetNamespace"] = g.targetNamespace;
    for (const auto& d : g.dependsOn) {
      core::Value dep = core::Value::object();
      auto sl = d.find('/');
      if (sl != std::string::npos) {
        dep["namespace"] = d.substr(0, sl);
        dep["name"] = d.substr(sl + 1);
      } else {
        dep["name"] = d;
      }
      obj["spec"]["dependsOn"].push_back(std::move(dep));
    }
  } else if (k.kind == "Provider") {
    what = "Provider";
    if (g.type.empty()) throw core::Error("Provider type is required");
    obj["spec"]["type"] = g.type;
    if (!g.channel.empty()) obj["spec"]["channel"] = g.channel;
    if (!g.username.empty()) obj["spec"]["username"] = g.username;
    if (!g.address.empty()) obj["spec"]["address"] = g.address;
    if (!g.secretRef.empty()) obj["spec"]["secretRef"]["name"] = g.secretRef;
  } else if (k.kind == "Alert") {
    what = "Alert";
    if (g.providerRef.empty()) throw core::Error("provider ref is required");
    if (g.eventSources.empty()) throw core::Error("at least one event source is required");
    obj["spec"]["providerRef"]["name"] = g.providerRef;
    if (!g.eventSeverity.empty()) obj["spec"]["eventSeverity"] = g.eventSeverity;
    obj["spec"]["eventSources"] = objectRefs(g.eventSources, "event source");
  } else if (k.kind == "Receiver") {
    what = "Receiver";
    if (g.type.empty()) throw core::Error("Receiver type is required");
    if (g.resources.empty()) throw core::Error("at least one resource is required");
    obj["spec"]["type"] = g.type;
    for (const auto& e : g.events)
      obj["spec"]["events"].push_back(e);
    obj["spec"]["resources"] = objectRefs(g.resources, "resource");
    if (!g.secretRef.empty()) obj["spec"]["secretRef"]["name"] = g.secretRef;
  } else {
    throw core::Error(
        "create supports source git, kustomization, alert-provider, alert and receiver so far");
  }
  if (g.exportOnly) {
    std::cout << "---\n" << core::toYaml(obj);
    return 0;
  }
  if (k.kind == "Provider" || k.kind == "Alert") {
    // v1beta3 Providers and Alerts have no status: applied is done.
    auto client = connect(g);
    say("►", "applying " + what);
    const bool created = applyObject(*client, obj);
    say("✔", what + " " + name + (created ? " created" : " updated"));
    return 0;
  }
  say("✚", "generating " + what);
  auto client = connect(g);
  say("►", "applying " + what);
  const bool created = applyObject(*client, obj);
  say("✔", what + (created ? " created" : " updated"));
  say("◎", "waiting for " + what + " reconciliation");
  core::Value done = waitHandled(*client, k, g.namespace_, name, "", g.timeout);
  const core::Value* ready = condition(done, "Ready");
  if (ready == nullptr || (*ready)["status"].stringOr() != "True") {
    throw core::Error(what + " reconciliation failed: '" +
                      (ready != nullptr ? (*ready)["message"].stringOr() : std::string()) + "'");
  }
  if (k.kind == "Receiver") {
    say("✔", "Receiver " + name + " is ready");
    say("✔", "generated webhook URL " + done["status"]["webhookPath"].stringOr());
  } else if (k.source) {
    say("✔", what + " reconciliation completed");
    say("✔", "fetched revision: " + done["status"]["artifact"]["revision"].stringOr());
  } else {
    say("✔", "Kustomization " + name + " is ready");
    say("✔", "applied revision " + done["status"]["lastAppliedRevision"].stringOr());
  }
  return 0;
}

// The controllers' logs of `driftless up` (DATA_DIR/logs), filtered as `flux logs` filters.
int logs(const Globals& g) {
  std::filesystem::path dir = g.dataDir;
  if (dir.empty()) {
    const char* env = std::getenv("DRIFTLESS_DATA_DIR");
    const char* home = std::getenv("HOME");
    dir = env != nullptr && *env != '\0'
              ? std::filesystem::path(env)
              : std::filesystem::path(home != nullptr ? home : ".") / ".driftless";
  }
  dir /= "logs";
  if (!std::filesystem::is_directory(dir)) {
    throw core::Error("no logs in " + dir.string() +
                      " (logs is for `driftless up`; pass its --data-dir)");
  }
  static const std::map<std::string, std::string> kController = {
      {"GitRepository", "source-controller"},  {"OCIRepository", "source-controller"},
      {"HelmRepository", "source-controller"}, {"HelmChart", "source-controller"},
      {"Bucket", "source-controller"},         {"Kustomization", "kustomize-controller"},
      {"Alert", "notification-controller"},    {"Provider", "notification-controller"},
      {"Receiver", "notification-controller"},
  };
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string file = e.path().filename().string();
    if (!file.ends_with("-controller.log")) continue;
    if (!g.kindFilter.empty()) {
      auto it = kController.find(g.kindFilter);
      if (it == kController.end() || file != it->second + ".log") continue;
    }
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  auto keep = [&](const std::string& line) {
    core::Value entry;
    try {
      entry = core::parseJson(line);
    } catch (const std::exception&) {
      return g.level.empty() && g.nameFilter.empty();
    }
    if (!g.level.empty() && entry["level"].stringOr() != g.level) return false;
    if (!g.nameFilter.empty() && entry["name"].stringOr() != g.nameFilter) return false;
    if (!g.allNamespaces && entry["namespace"].isString() &&
        entry["namespace"].stringOr() != g.namespace_) {
      return false;
    }
    return true;
  };
  std::vector<std::unique_ptr<std::ifstream>> streams;
  for (const auto& f : files) {
    streams.push_back(std::make_unique<std::ifstream>(f));
    std::string line;
    while (std::getline(*streams.back(), line)) {
      if (keep(line)) std::cout << line << '\n';
    }
    streams.back()->clear();
  }
  while (g.follow) {
    std::cout.flush();
    std::this_thread::sleep_for(500ms);
    for (auto& in : streams) {
      std::string line;
      while (std::getline(*in, line)) {
        if (keep(line)) std::cout << line << '\n';
      }
      in->clear();
    }
  }
  return 0;
}

bool healthz(std::uint16_t port) {
  return net::httpGetOk("http://127.0.0.1:" + std::to_string(port) + "/healthz",
                        std::chrono::seconds(3));
}

// `check`: the control plane answers, the controllers are healthy (Deployments in a cluster, or
// the processes of `driftless up` found through the kubeconfig's data directory) and every Flux
// CRD is installed. Exits 1 when a check fails.
int check(const Globals& g) {
  bool ok = true;
  auto client = connect(g);
  say("►", "checking prerequisites");
  try {
    client->list({"", "v1", "Namespace"}, "", kube::ListOptions{});
    say("✔", "the Kubernetes API answers");
  } catch (const std::exception& e) {
    say("✗", std::string("the Kubernetes API does not answer: ") + e.what());
    return 1;
  }
  say("►", "checking controllers");
  std::vector<std::string> controllers = {"source-controller", "kustomize-controller",
                                          "notification-controller"};
  bool found = false;
  for (const auto& name : controllers) {
    try {
      core::Value d = client->get({{"apps", "v1", "Deployment"}, g.namespace_, name});
      found = true;
      const auto want = d["spec"]["replicas"].isInt() ? d["spec"]["replicas"].asInt() : 1;
      const auto ready =
          d["status"]["readyReplicas"].isInt() ? d["status"]["readyReplicas"].asInt() : 0;
      if (ready >= want) {
        say("✔", name + ": deployment ready");
      } else {
        say("✗", name + ": deployment not ready (" + std::to_string(ready) + "/" +
                     std::to_string(want) + ")");
        ok = false;
      }
    } catch (const std::exception&) {
    }
  }
  if (!found) {
    // `driftless up`: its state.json sits beside the kubeconfig.
    std::filesystem::path dir = g.dataDir;
    if (dir.empty()) {
      std::string path = g.kubeconfig;
      if (path.empty()) {
        const char* env = std::getenv("KUBECONFIG");
        if (env != nullptr) path = std::string(env).substr(0, std::string(env).find(':'));
      }
      if (!path.empty()) dir = std::filesystem::path(path).parent_path();
    }
    std::ifstream state(dir / "state.json");
    if (state) {
      const core::Value ports = core::parseJson(
          std::string(std::istreambuf_iterator<char>(state), std::istreambuf_iterator<char>()));
      for (const auto& name : controllers) {
        const core::Value& port = ports["ports"][name + "-health"];
        if (!port.isInt()) continue;
        if (healthz(static_cast<std::uint16_t>(port.asInt()))) {
          say("✔", name + ": healthy (driftless up)");
        } else {
          say("✗", name + ": not answering on 127.0.0.1:" + std::to_string(port.asInt()));
          ok = false;
        }
      }
    } else {
      say("✗", "no controller found (no Deployments in " + g.namespace_ +
                   ", no `driftless up` state beside the kubeconfig)");
      ok = false;
    }
  }
  say("►", "checking crds");
  core::Value crds;
  try {
    crds = client->list({"apiextensions.k8s.io", "v1", "CustomResourceDefinition"}, "");
  } catch (const std::exception& e) {
    say("✗", std::string("cannot list CRDs: ") + e.what());
    return 1;
  }
  std::map<std::string, std::string> installed;  // name -> storage version
  for (const auto& c : std::as_const(crds)["items"].asArray()) {
    std::string storage;
    if (c["spec"]["versions"].isArray()) {
      for (const auto& v : c["spec"]["versions"].asArray()) {
        if (v["storage"].isBool() && v["storage"].asBool()) storage = v["name"].stringOr();
      }
    }
    installed[c["metadata"]["name"].stringOr()] = storage;
  }
  for (const auto& k : kinds()) {
    const api::KindInfo* info = api::findKind(k.gvk.group, k.gvk.version, k.kind);
    if (info == nullptr) continue;
    const std::string plural(info->plural);
    const std::string name = plural + "." + k.gvk.group;
    auto it = installed.find(name);
    if (it == installed.end()) {
      say("✗", name + " not found");
      ok = false;
    } else {
      say("✔", name + "/" + it->second);
    }
  }
  if (!ok) throw core::Error("check failed");
  say("✔", "all checks passed");
  return 0;
}

// `build kustomization NAME --path DIR`: what the controller would apply for the live
// Kustomization from the local DIR (copied first: the generated kustomization is written there),
// with substitutions and decryption keys read from the cluster, printed as YAML.
// The objects the controller would apply for the live Kustomization NAME from the local DIR
// (copied first: the generated kustomization is written there), with its owner labels.
std::vector<core::Value> renderLocal(const Globals& g, kube::Client& client,
                                     const std::string& usage) {
  std::size_t used = 0;
  const auto names = resolve(g.positional, used);
  if (names.size() != 1 || names.front() != "Kustomization" || g.positional.size() <= used ||
      g.path == "./" || g.path.empty()) {
    throw core::Error("usage: " + usage);
  }
  if (!std::filesystem::is_directory(g.path)) {
    throw core::Error("invalid resource path '" + g.path + "'");
  }
  const std::string name = g.positional[used];
  const auto obj = kustomize_controller::Kustomization::fromValue(
      getObject(client, kindNamed("Kustomization"), g.namespace_, name));
  core::TempDir tmp("driftless-build");
  const std::filesystem::path root = tmp.path() / "source";
  std::filesystem::copy(
      g.path, root,
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::skip_symlinks);
  std::vector<core::Value> objects =
      kustomize_controller::renderKustomization(client, client, obj, root, root, {});
  for (auto& o : objects) {
    o["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"] = name;
    o["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/namespace"] = g.namespace_;
  }
  return objects;
}

// `build kustomization NAME --path DIR`: what the controller would apply, as YAML.
int buildKustomization(const Globals& g) {
  auto client = connect(g);
  std::cout << kustomize::printResources(
      renderLocal(g, *client, "driftless build kustomization NAME --path DIR"));
  return 0;
}

// The lines of a that are not in b (`- `) and of b not in a (`+ `), in order (an LCS diff).
std::string lineDiff(const std::string& a, const std::string& b) {
  auto split = [](const std::string& s) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < s.size()) {
      auto nl = s.find('\n', start);
      lines.push_back(s.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      start = nl == std::string::npos ? s.size() : nl + 1;
    }
    return lines;
  };
  const auto x = split(a);
  const auto y = split(b);
  std::vector<std::vector<int>> lcs(x.size() + 1, std::vector<int>(y.size() + 1, 0));
  for (std::size_t i = x.size(); i-- > 0;) {
    for (std::size_t j = y.size(); j-- > 0;) {
      lcs[i][j] = x[i] == y[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::string out;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < x.size() || j < y.size()) {
    if (i < x.size() && j < y.size() && x[i] == y[j]) {
      ++i;
      ++j;
    } else if (j < y.size() && (i == x.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out += "+ " + y[j++] + "\n";
    } else {
      out += "- " + x[i++] + "\n";
    }
  }
  return out;
}

core::Value comparable(core::Value v) {
  if (v.isObject()) {
    v.asObject().erase("status");
    if (v["metadata"].isObject()) {
      for (const char* k :
           {"resourceVersion", "generation", "uid", "creationTimestamp", "managedFields"}) {
        v["metadata"].asObject().erase(k);
      }
    }
  }
  return v;
}

// `diff kustomization NAME --path DIR`: server-side dry runs of what the controller would apply,
// compared with the cluster; exit 1 when something would change.
int diffKustomization(const Globals& g) {
  auto client = connect(g);
  auto objects = renderLocal(g, *client, "driftless diff kustomization NAME --path DIR");
  const ssa::Owner owner{"kustomize-controller", "kustomize.toolkit.fluxcd.io"};
  ssa::ResourceManager manager(*client, owner);
  const auto entries = manager.diff(std::move(objects), ssa::defaultApplyOptions(owner));
  bool changed = false;
  core::YamlPrintOptions sorted;
  sorted.sortKeys = true;
  for (const auto& e : entries) {
    if (e.entry.action == ssa::Action::Created) {
      changed = true;
      std::cout << "► " << e.entry.subject << " created\n";
    } else if (e.entry.action == ssa::Action::Configured) {
      changed = true;
      std::cout << "► " << e.entry.subject << " drifted\n"
                << lineDiff(core::toYaml(comparable(*e.live), sorted),
                            core::toYaml(comparable(e.merged), sorted))
                << '\n';
    }
  }
  if (changed) {
    say("⚠️", "identified at least one change, exiting with non-zero exit code");
    return 1;
  }
  return 0;
}

}  // namespace

int fluxCommand(const std::string& command, const std::vector<std::string>& args) {
  try {
    const Globals g = parseGlobals(args);
    if (command == "get") return get(g);
    if (command == "reconcile") return reconcile(g);
    if (command == "suspend") return suspendOrResume(g, true);
    if (command == "resume") return suspendOrResume(g, false);
    if (command == "export") return exportCommand(g);
    if (command == "events") return events(g);
    if (command == "tree") return tree(g);
    if (command == "stats") return stats(g);
    if (command == "create") return create(g);
    if (command == "logs") return logs(g);
    if (command == "build") return buildKustomization(g);
    if (command == "check") return check(g);
    if (command == "diff") return diffKustomization(g);
  } catch (const std::exception& e) {
    say("✗", e.what());
    return 1;
  }
  say("✗", "unknown command " + command);
  return 2;
}

}  // namespace driftless::cli
