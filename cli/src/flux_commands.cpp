#include "flux_commands.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
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
#include "driftless/core/base64.h"
#include "driftless/core/duration.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/log.h"
#include "driftless/core/temp_dir.h"
#include "driftless/core/text.h"
#include "driftless/core/time.h"
#include "driftless/core/yaml.h"
#include "driftless/git/ssh_keys.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/client.h"
#include "driftless/kube/kubeconfig.h"
#include "driftless/kustomize/build.h"
#include "driftless/net/curl.h"
#include "driftless/ssa/resource_manager.h"
#include "kustomization_reconciler.h"
#include "ui.h"

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
      {"ImageRepository",
       {"image.toolkit.fluxcd.io", "v1", "ImageRepository"},
       "ImageRepository",
       false},
      {"ImagePolicy", {"image.toolkit.fluxcd.io", "v1", "ImagePolicy"}, "ImagePolicy", false},
      {"ImageUpdateAutomation",
       {"image.toolkit.fluxcd.io", "v1", "ImageUpdateAutomation"},
       "ImageUpdateAutomation",
       false},
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
  if (w == "image" || w == "images") {
    used = 2;
    const std::string s = words.size() > 1 ? words[1] : "";
    if (s == "repository") return {"ImageRepository"};
    if (s == "policy") return {"ImagePolicy"};
    if (s == "update") return {"ImageUpdateAutomation"};
    if (s == "all") return {"ImageRepository", "ImagePolicy", "ImageUpdateAutomation"};
    throw core::Error("an image kind is required: repository, policy, update, all");
  }
  if (w == "all") {
    return {"GitRepository",
            "OCIRepository",
            "HelmRepository",
            "HelmChart",
            "Bucket",
            "Kustomization",
            "HelmRelease",
            "Alert",
            "Provider",
            "Receiver",
            "ImageRepository",
            "ImagePolicy",
            "ImageUpdateAutomation"};
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
  bool watch = false;
  bool silent = false;
  bool force = false;   // reconcile helmrelease --force
  bool reset = false;   // reconcile helmrelease --reset
  std::string forKind;  // events --for
  std::vector<std::string> positional;
  // create
  bool exportOnly = false;
  std::string url, branch, tag, semver, commit, digest, provider, interval = "1m", path = "./",
                                                                  source, targetNamespace;
  bool prune = false;
  // create helmrelease
  std::string chart, chartVersion, chartRef, releaseName;
  std::vector<std::string> valuesFiles;
  bool createTargetNamespace = false;
  // create secret git
  std::string password, bearerToken, sshKeyAlgorithm = "ecdsa", sshEcdsaCurve = "p384",
                                     sshRsaBits = "2048", privateKeyFile, caFile;
  // trace
  std::string apiVersion;
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
    } else if (a == "-w" || a == "--watch") {
      g.watch = true;
    } else if (a == "-s" || a == "--silent") {
      g.silent = true;
    } else if (a == "--force") {
      g.force = true;
    } else if (a == "--reset") {
      g.reset = true;
    } else if (a == "--commit") {
      g.commit = next();
    } else if (a == "--digest") {
      g.digest = next();
    } else if (a == "--provider") {
      g.provider = next();
    } else if (a == "--chart") {
      g.chart = next();
    } else if (a == "--chart-version") {
      g.chartVersion = next();
    } else if (a == "--chart-ref") {
      g.chartRef = next();
    } else if (a == "--release-name") {
      g.releaseName = next();
    } else if (a == "--values") {
      g.valuesFiles.push_back(next());
    } else if (a == "--create-target-namespace") {
      g.createTargetNamespace = !hasValue || value == "true";
    } else if (a == "--password") {
      g.password = next();
    } else if (a == "--bearer-token") {
      g.bearerToken = next();
    } else if (a == "--ssh-key-algorithm") {
      g.sshKeyAlgorithm = next();
    } else if (a == "--ssh-ecdsa-curve") {
      g.sshEcdsaCurve = next();
    } else if (a == "--ssh-rsa-bits") {
      g.sshRsaBits = next();
    } else if (a == "--private-key-file") {
      g.privateKeyFile = next();
    } else if (a == "--ca-file") {
      g.caFile = next();
    } else if (a == "--api-version") {
      g.apiVersion = next();
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

std::vector<std::string> upperCased(std::vector<std::string> header) {
  for (auto& h : header)
    std::transform(h.begin(), h.end(), h.begin(), ::toupper);
  return header;
}

// One tablewriter line as flux configures it: cells left-aligned and padded to their column's
// width, separated by a tab, trailing blanks trimmed.
std::string tableLine(const std::vector<std::string>& row, const std::vector<std::size_t>& width) {
  std::string line;
  for (std::size_t i = 0; i < row.size(); ++i) {
    line += row[i];
    if (i < width.size() && width[i] > row[i].size()) line.append(width[i] - row[i].size(), ' ');
    line += '\t';
  }
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t'))
    line.pop_back();
  return line;
}

// A flux table: the header upper-cased, every column as wide as its widest cell.
void printTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  const std::vector<std::string> upper = upperCased(header);
  std::vector<std::size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  };
  measure(upper);
  for (const auto& r : rows)
    measure(r);
  std::cout << tableLine(upper, width) << '\n';
  for (const auto& r : rows)
    std::cout << tableLine(r, width) << '\n';
}

std::string lowerKind(const Kind& k) {
  return core::asciiLower(k.kind);
}

// The revision `flux get` shows: the artifact's for sources, the last applied for
// Kustomizations, the latest release's chart version (or the last attempt) for HelmReleases.
std::string revisionOf(const Kind& k, const core::Value& item) {
  if (k.source) return item["status"]["artifact"]["revision"].stringOr();
  if (k.kind == "HelmRelease") {
    const core::Value& history = item["status"]["history"];
    if (history.isArray() && !history.asArray().empty()) {
      return history.asArray().front()["chartVersion"].stringOr();
    }
    return item["status"]["lastAttemptedRevision"].stringOr();
  }
  return item["status"]["lastAppliedRevision"].stringOr();
}

// One `flux get` row: [NAMESPACE] NAME [REVISION] SUSPENDED READY MESSAGE.
std::vector<std::string> rowOf(const Kind& k, const core::Value& item, bool allNamespaces,
                               bool qualified) {
  const core::Value* ready = condition(item, "Ready");
  const std::string status = ready != nullptr ? (*ready)["status"].stringOr() : "False";
  const std::string message =
      ready != nullptr ? (*ready)["message"].stringOr() : "waiting to be reconciled";
  const bool suspended = item["spec"]["suspend"].isBool() && item["spec"]["suspend"].asBool();
  std::vector<std::string> row;
  if (allNamespaces) row.push_back(item["metadata"]["namespace"].stringOr());
  const std::string name = item["metadata"]["name"].stringOr();
  row.push_back(qualified ? lowerKind(k) + "/" + name : name);
  if (k.kind == "ImagePolicy") {
    // LATEST IMAGE and no SUSPENDED column.
    const core::Value& latest = item["status"]["latestRef"];
    row.push_back(latest["name"].isString()
                      ? latest["name"].stringOr() + ":" + latest["tag"].stringOr()
                      : item["status"]["latestImage"].stringOr());
    row.push_back(status);
    row.push_back(truncateHex(message));
    return row;
  }
  if (k.kind == "ImageRepository") {
    row.push_back(item["status"]["lastScanResult"]["scanTime"].stringOr());
  } else if (k.kind == "ImageUpdateAutomation") {
    row.push_back(item["status"]["lastAutomationRunTime"].stringOr());
  } else if (k.kind != "Provider" && k.kind != "Alert") {
    row.push_back(truncateHex(revisionOf(k, item)));
  }
  row.push_back(suspended ? "True" : "False");
  row.push_back(status);
  row.push_back(truncateHex(message));
  return row;
}

std::vector<std::string> headerOf(const std::string& kind, bool allNamespaces) {
  std::vector<std::string> header;
  if (allNamespaces) header.push_back("Namespace");
  header.push_back("Name");
  if (kind == "Provider" || kind == "Alert") {
    header.insert(header.end(), {"Suspended", "Ready", "Message"});
  } else if (kind == "ImagePolicy") {
    header.insert(header.end(), {"Latest image", "Ready", "Message"});
  } else if (kind == "ImageRepository") {
    header.insert(header.end(), {"Last scan", "Suspended", "Ready", "Message"});
  } else if (kind == "ImageUpdateAutomation") {
    header.insert(header.end(), {"Last run", "Suspended", "Ready", "Message"});
  } else {
    header.insert(header.end(), {"Revision", "Suspended", "Ready", "Message"});
  }
  return header;
}

// `get --watch`: the current table, then a row for every change, until interrupted. Watches
// end on the server's timeout and are resumed from the last resourceVersion (re-listed when
// that is too old).
int watchTable(kube::Client& client, const Globals& g, const Kind& k, const std::string& only) {
  const std::string ns = g.allNamespaces ? "" : g.namespace_;
  const std::vector<std::string> header = upperCased(headerOf(k.kind, g.allNamespaces));
  // Rows after the first table are padded to at least the header's widths.
  std::vector<std::size_t> width;
  for (const auto& h : header)
    width.push_back(h.size());
  auto printRow = [&](const std::vector<std::string>& row) {
    std::cout << tableLine(row, width) << std::endl;
  };
  std::map<std::string, std::string> shown;  // namespace/name -> the last row printed
  // Watch events for writes that change nothing shown (e.g. lastHandledReconcileAt) are skipped.
  auto printChanged = [&](const core::Value& item) {
    const auto row = rowOf(k, item, g.allNamespaces, false);
    std::string joined;
    for (const auto& cell : row)
      joined += cell + '\t';
    std::string& last =
        shown[item["metadata"]["namespace"].stringOr() + "/" + item["metadata"]["name"].stringOr()];
    if (last == joined) return;
    last = joined;
    printRow(row);
  };
  std::string resourceVersion;
  bool printedHeader = false;
  while (true) {
    if (resourceVersion.empty()) {
      core::Value list = client.list(k.gvk, ns);
      resourceVersion = list["metadata"]["resourceVersion"].stringOr();
      if (!printedHeader) {
        printRow(header);
        printedHeader = true;
      }
      for (const auto& item : std::as_const(list)["items"].asArray()) {
        if (!only.empty() && item["metadata"]["name"].stringOr() != only) continue;
        printChanged(item);
      }
    }
    kube::WatchOptions options;
    options.resourceVersion = resourceVersion;
    bool expired = false;
    client.watch(k.gvk, ns, options, [&](const kube::WatchEvent& e) {
      if (e.type == kube::WatchEventType::Error) {
        expired = true;
        return false;
      }
      const std::string rv = e.object["metadata"]["resourceVersion"].stringOr();
      if (!rv.empty()) resourceVersion = rv;
      if (e.type != kube::WatchEventType::Added && e.type != kube::WatchEventType::Modified) {
        return true;
      }
      if (!only.empty() && e.object["metadata"]["name"].stringOr() != only) return true;
      printChanged(e.object);
      return true;
    });
    if (expired) resourceVersion.clear();
  }
}

int get(const Globals& g) {
  std::size_t used = 0;
  const auto names = resolve(g.positional, used);
  const std::string only = g.positional.size() > used ? g.positional[used] : "";
  auto client = connect(g);
  const bool many = names.size() > 1;
  if (g.watch) {
    if (many) throw core::Error("--watch follows one kind at a time (e.g. get sources git -w)");
    return watchTable(*client, g, kindNamed(names.front()), only);
  }
  // One table per kind (flux prints `get all` that way: each kind has its own columns).
  std::vector<std::pair<std::string, std::vector<std::vector<std::string>>>> tables;
  std::size_t found = 0;
  core::Value items = core::Value::array();
  std::string nameLines;
  for (const auto& name : names) {
    const Kind& k = kindNamed(name);
    auto& rows = tables.emplace_back(k.kind, std::vector<std::vector<std::string>>{}).second;
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
      nameLines += lowerKind(k) + "/" + itemName + "\n";
      rows.push_back(rowOf(k, item, g.allNamespaces, many));
      ++found;
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
  if (g.output == "name") {
    std::cout << nameLines;
    return 0;
  }
  if (!g.output.empty())
    throw core::Error("unknown output format '" + g.output + "' (json, yaml or name)");
  if (found == 0) {
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
  bool first = true;
  for (const auto& [kind, rows] : tables) {
    if (rows.empty()) continue;
    if (!first) std::cout << '\n';
    first = false;
    printTable(headerOf(kind, g.allNamespaces), rows);
  }
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
                        std::chrono::milliseconds timeout, const std::string& what = "") {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Progress progress("waiting for " + (what.empty() ? k.kind : what) + " reconciliation");
  while (true) {
    progress.tick();
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
  if (k.kind == "Kustomization" || k.kind == "HelmRelease") {
    return "applied revision " + revisionOf(k, obj);
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
  if (k.kind == "HelmRelease") {
    // helm-controller: a one-off upgrade without changes, or the failure counters reset.
    if (g.force) patch["metadata"]["annotations"]["reconcile.fluxcd.io/forceAt"] = token;
    if (g.reset) patch["metadata"]["annotations"]["reconcile.fluxcd.io/resetAt"] = token;
  }
  client.patch({k.gvk, g.namespace_, name}, kube::PatchType::Merge, patch);
  say("✔", k.kind + " annotated");
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
    throw core::Error(
        "usage: driftless reconcile source git|oci|helm|chart|bucket NAME | kustomization NAME "
        "[--with-source] | helmrelease NAME [--with-source] [--force|--reset]");
  }
  const Kind& k = kindNamed(names.front());
  const std::string name = g.positional[used];
  if ((g.force || g.reset) && k.kind != "HelmRelease") {
    throw core::Error("--force and --reset apply to helmreleases only");
  }
  auto client = connect(g);
  if (g.withSource && (k.kind == "Kustomization" || k.kind == "HelmRelease")) {
    core::Value obj = getObject(*client, k, g.namespace_, name);
    // A Kustomization's sourceRef; a HelmRelease's chartRef, or its chart template's sourceRef.
    const core::Value& spec = std::as_const(obj)["spec"];
    const core::Value& ref = k.kind == "Kustomization"     ? spec["sourceRef"]
                             : spec["chartRef"].isObject() ? spec["chartRef"]
                                                           : spec["chart"]["spec"]["sourceRef"];
    Globals sg = g;
    if (!ref["namespace"].stringOr().empty()) sg.namespace_ = ref["namespace"].stringOr();
    reconcileOne(*client, sg, kindNamed(ref["kind"].stringOr()), ref["name"].stringOr());
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
  const std::string lower = lowerKind(k);
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

// `delete KIND NAME`: asks first (unless --silent), as flux does.
int deleteCommand(const Globals& g) {
  std::size_t used = 0;
  const auto names = resolve(g.positional, used);
  if (names.size() != 1 || g.positional.size() <= used) {
    throw core::Error("usage: driftless delete KIND NAME [--silent]");
  }
  const Kind& k = kindNamed(names.front());
  const std::string name = g.positional[used];
  auto client = connect(g);
  getObject(*client, k, g.namespace_, name);
  const std::string lower = lowerKind(k);
  if (!g.silent) {
    std::cerr << "Are you sure you want to delete this " << lower << "? [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      throw core::Error("aborting (answer y, or pass --silent to skip the question)");
    }
  }
  say("►", "deleting " + lower + " " + name + " in " + g.namespace_ + " namespace");
  client->remove({k.gvk, g.namespace_, name});
  say("✔", lower + " deleted");
  return 0;
}

// A kind or resource name as typed (Deployment, deployment, deployments, deployment.apps,
// HelmRelease) to its mapping, as kubectl resolves it.
kube::RestMapping traceMapping(kube::Client& client, const std::string& kind,
                               const std::string& apiVersion) {
  if (!apiVersion.empty()) {
    return client.restMapper().mappingFor(kube::GroupVersionKind::fromApiVersion(apiVersion, kind));
  }
  const std::string resource = core::asciiLower(kind);
  try {
    if (const auto dot = resource.find('.'); dot != std::string::npos) {
      return client.restMapper().mappingForResource(
          {resource.substr(dot + 1), "", resource.substr(0, dot)});
    }
    return client.restMapper().mappingForResourceInAnyGroup(resource);
  } catch (const kube::NoMatchError&) {
    throw core::Error("the server doesn't have a resource type \"" + kind +
                      "\" (name it as KIND/NAME with --api-version, or RESOURCE.GROUP/NAME)");
  }
}

// The Flux owner (name, namespace) from a labelled object, following owner references.
std::optional<std::pair<std::string, std::string>> fluxOwner(kube::Client& client,
                                                             const core::Value& obj,
                                                             const std::string& group, int depth) {
  const core::Value& labels = obj["metadata"]["labels"];
  const std::string name = labels[group + "/name"].stringOr();
  if (!name.empty()) return std::make_pair(name, labels[group + "/namespace"].stringOr());
  const core::Value& owners = obj["metadata"]["ownerReferences"];
  if (!owners.isArray() || depth > 10) return std::nullopt;
  for (const auto& ref : owners.asArray()) {
    try {
      const core::Value owner =
          client.get({kube::GroupVersionKind::fromApiVersion(ref["apiVersion"].stringOr(),
                                                             ref["kind"].stringOr()),
                      obj["metadata"]["namespace"].stringOr(), ref["name"].stringOr()});
      if (auto found = fluxOwner(client, owner, group, depth + 1)) return found;
    } catch (const std::exception&) {
      // An owner that is gone or unknown: not this path.
    }
  }
  return std::nullopt;
}

// metav1.Time as Go's template prints it: `2026-11-22 22:40:13 +0000 UTC`.
std::string goTime(const std::string& rfc3339) {
  if (rfc3339.size() == 20 && rfc3339.back() == 'Z' && rfc3339[10] == 'T') {
    return rfc3339.substr(0, 10) + " " + rfc3339.substr(11, 8) + " +0000 UTC";
  }
  return rfc3339;
}

// `Label:` padded to `width` (at least one space after the colon), as flux trace aligns fields.
std::string traceField(const std::string& label, std::size_t width) {
  std::string f = label + ":";
  f.resize(std::max(f.size() + 1, width), ' ');
  return f;
}

// The `Status:` and `Message:` lines of one trace block.
std::string traceStatus(const core::Value& obj, std::size_t width) {
  auto field = [&](const std::string& label) { return traceField(label, width); };
  const core::Value* ready = condition(obj, "Ready");
  if (ready == nullptr) return field("Status") + "Unknown\n";
  const bool failed = (*ready)["status"].stringOr() == "False";
  return field("Status") + (failed ? "Last reconciliation failed at " : "Last reconciled at ") +
         goTime((*ready)["lastTransitionTime"].stringOr()) + "\n" + field("Message") +
         (*ready)["message"].stringOr() + "\n";
}

// One trace block: `Kind: name`, then the given lines, then the status; fields aligned.
std::string traceBlock(const core::Value& obj, const std::string& kind,
                       const std::vector<std::pair<std::string, std::string>>& lines,
                       std::size_t width) {
  auto field = [&](const std::string& label) { return traceField(label, width); };
  std::string out = "---\n" + field(kind) + obj["metadata"]["name"].stringOr() + "\n" +
                    field("Namespace") + obj["metadata"]["namespace"].stringOr() + "\n";
  for (const auto& [label, value] : lines) {
    if (!value.empty()) out += field(label) + value + "\n";
  }
  return out + traceStatus(obj, width);
}

std::string sourceLines(const core::Value& src, std::size_t width) {
  const std::string kind = src["kind"].stringOr();
  const core::Value& ref = src["spec"]["ref"];
  std::vector<std::pair<std::string, std::string>> lines = {{"URL", src["spec"]["url"].stringOr()}};
  if (!ref["tag"].stringOr().empty()) {
    lines.emplace_back("Tag", ref["tag"].stringOr());
  } else if (!ref["semver"].stringOr().empty()) {
    lines.emplace_back("Tag", ref["semver"].stringOr());
  } else if (!ref["branch"].stringOr().empty()) {
    lines.emplace_back("Branch", ref["branch"].stringOr());
  }
  lines.emplace_back("Revision", src["status"]["artifact"]["revision"].stringOr());
  return traceBlock(src, kind, lines, width);
}

// `trace KIND/NAME`: the object, the Kustomization or HelmRelease that manages it and their
// sources, in flux trace's layout.
int trace(const Globals& g) {
  if (g.positional.empty()) throw core::Error("usage: driftless trace KIND/NAME [-n NAMESPACE]");
  std::string kind = g.kindFilter;
  std::string name = g.positional.front();
  if (const auto slash = name.find('/'); kind.empty() && slash != std::string::npos) {
    kind = name.substr(0, slash);
    name = name.substr(slash + 1);
  }
  if (kind.empty()) throw core::Error("the object's kind is required: KIND/NAME or --kind");
  auto client = connect(g);
  const kube::RestMapping mapping = traceMapping(*client, kind, g.apiVersion);
  const std::string ns = mapping.namespaced ? g.namespace_ : "";
  core::Value obj;
  try {
    obj = client->get({mapping.gvk, ns, name});
  } catch (const kube::ApiError& e) {
    if (!e.isNotFound()) throw;
    throw core::Error(mapping.gvk.kind + " object '" + name + "' not found" +
                      (ns.empty() ? std::string() : " in " + ns + " namespace"));
  }
  std::string out = "\nObject:        " + mapping.gvk.kind + "/" + name + "\n";
  if (!ns.empty()) out += "Namespace:     " + ns + "\n";
  out += "Status:        Managed by Flux\n";
  if (auto ks = fluxOwner(*client, obj, "kustomize.toolkit.fluxcd.io", 0)) {
    const core::Value k = getObject(*client, kindNamed("Kustomization"), ks->second, ks->first);
    out += traceBlock(k, "Kustomization",
                      {{"Target", k["spec"]["targetNamespace"].stringOr()},
                       {"Path", k["spec"]["path"].stringOr()},
                       {"Revision", k["status"]["lastAppliedRevision"].stringOr()}},
                      15);
    const core::Value& ref = k["spec"]["sourceRef"];
    const std::string srcNs =
        ref["namespace"].stringOr().empty() ? ks->second : ref["namespace"].stringOr();
    core::Value src =
        getObject(*client, kindNamed(ref["kind"].stringOr()), srcNs, ref["name"].stringOr());
    out += sourceLines(src, 15);
  } else if (auto hr = fluxOwner(*client, obj, "helm.toolkit.fluxcd.io", 0)) {
    const core::Value h = getObject(*client, kindNamed("HelmRelease"), hr->second, hr->first);
    out += traceBlock(h, "HelmRelease",
                      {{"Target", h["spec"]["targetNamespace"].stringOr()},
                       {"Revision", revisionOf(kindNamed("HelmRelease"), h)}},
                      16);
    const std::string chartName = h["status"]["helmChart"].stringOr();  // namespace/name
    if (const auto slash = chartName.find('/'); slash != std::string::npos) {
      const core::Value chart = getObject(*client, kindNamed("HelmChart"),
                                          chartName.substr(0, slash), chartName.substr(slash + 1));
      out += traceBlock(chart, "HelmChart",
                        {{"Chart", chart["spec"]["chart"].stringOr()},
                         {"Version", chart["spec"]["version"].stringOr()},
                         {"Revision", chart["status"]["artifact"]["revision"].stringOr()}},
                        16);
    }
    const core::Value& ref = h["spec"]["chart"]["spec"]["sourceRef"];
    if (ref.isObject()) {
      const std::string srcNs =
          ref["namespace"].stringOr().empty() ? hr->second : ref["namespace"].stringOr();
      out += sourceLines(
          getObject(*client, kindNamed(ref["kind"].stringOr()), srcNs, ref["name"].stringOr()),
          ref["kind"].stringOr() == "GitRepository" ? 15 : 16);
    }
  } else {
    throw core::Error(
        "object not managed by Flux (no kustomize.toolkit.fluxcd.io or "
        "helm.toolkit.fluxcd.io labels on it or its owners)");
  }
  std::cout << out;
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

std::string readFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::Error("cannot read " + what + " " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A whole decimal number within [min, max], or an error naming what it is.
int numberFlag(const std::string& text, const std::string& what, int min, int max) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    throw core::Error("invalid " + what + " '" + text + "', must be a number from " +
                      std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

// `create secret git NAME --url URL`: for ssh:// a deploy key (generated, or --private-key-file)
// and the host's keys; for http(s):// basic auth or a bearer token, and --ca-file. The Secret
// holds flux's keys (identity, identity.pub, known_hosts, username, password, bearerToken,
// ca.crt). Nothing secret is printed except with --export, which prints the Secret itself.
int createSecretGit(const Globals& g) {
  if (g.positional.size() < 3 || g.positional[1] != "git") {
    throw core::Error("usage: driftless create secret git NAME --url URL [flags]");
  }
  const std::string name = g.positional[2];
  if (g.url.empty()) throw core::Error("url is required");
  const auto sep = g.url.find("://");
  if (sep == std::string::npos) {
    throw core::Error("url '" + g.url + "' has no scheme (ssh://, https:// or http://)");
  }
  const std::string scheme = g.url.substr(0, sep);
  core::Value data = core::Value::object();  // key -> plain text
  std::string deployKey;
  if (scheme == "ssh") {
    git::SshKeyPair pair;
    if (!g.privateKeyFile.empty()) {
      pair.privateKey = readFile(g.privateKeyFile, "private key file");
      pair.publicKey = git::sshPublicKeyOf(pair.privateKey);
    } else {
      git::SshKeyOptions options;
      if (g.sshKeyAlgorithm == "rsa") {
        options.algorithm = git::SshKeyAlgorithm::Rsa;
      } else if (g.sshKeyAlgorithm == "ed25519") {
        options.algorithm = git::SshKeyAlgorithm::Ed25519;
      } else if (g.sshKeyAlgorithm != "ecdsa") {
        throw core::Error("invalid --ssh-key-algorithm '" + g.sshKeyAlgorithm +
                          "', must be one of ecdsa, rsa, ed25519");
      }
      options.ecdsaCurve = g.sshEcdsaCurve;
      options.rsaBits = numberFlag(g.sshRsaBits, "--ssh-rsa-bits", 1, 1 << 16);
      pair = git::generateSshKeyPair(options);
    }
    data["identity"] = pair.privateKey;
    data["identity.pub"] = pair.publicKey;
    data["known_hosts"] = git::scanKnownHosts(g.url, std::chrono::seconds(30));
    if (!g.password.empty()) data["password"] = g.password;  // the key's passphrase
    deployKey = pair.publicKey.substr(0, pair.publicKey.find('\n'));
  } else if (scheme == "http" || scheme == "https") {
    if (!g.bearerToken.empty()) {
      if (!g.username.empty())
        throw core::Error("--bearer-token and --username exclude each other");
      data["bearerToken"] = g.bearerToken;
    } else {
      if (g.username.empty() || g.password.empty()) {
        throw core::Error(
            "for Git over HTTP/S the username and password, or a bearer token, are required");
      }
      data["username"] = g.username;
      data["password"] = g.password;
    }
    if (!g.caFile.empty()) data["ca.crt"] = readFile(g.caFile, "CA file");
  } else {
    throw core::Error("url scheme '" + scheme + "' not supported (ssh, https or http)");
  }
  core::Value secret = core::Value::object();
  secret["apiVersion"] = "v1";
  secret["kind"] = "Secret";
  secret["metadata"]["name"] = name;
  secret["metadata"]["namespace"] = g.namespace_;
  if (g.exportOnly) {
    secret["stringData"] = data;
    std::cout << "---\n" << core::toYaml(secret);
    return 0;
  }
  if (!deployKey.empty()) say("✚", "deploy key: " + deployKey);
  for (const auto& m : data.asObject())
    secret["data"][m.key] = core::base64Encode(m.value.asString());
  auto client = connect(g);
  applyObject(*client, secret);
  say("►", "git secret '" + name + "' created in '" + g.namespace_ + "' namespace");
  return 0;
}

// KIND/NAME[.NAMESPACE] as a cross-namespace object reference ({kind, name, namespace}).
core::Value crossNamespaceRef(const std::string& text, const std::string& what) {
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) {
    throw core::Error("invalid " + what + " '" + text + "', must be in format <kind>/<name>");
  }
  core::Value ref = core::Value::object();
  ref["kind"] = text.substr(0, slash);
  std::string name = text.substr(slash + 1);
  if (const auto dot = name.find('.'); dot != std::string::npos) {
    ref["name"] = name.substr(0, dot);
    ref["namespace"] = name.substr(dot + 1);
  } else {
    ref["name"] = name;
  }
  return ref;
}

// Deep merge of maps (Helm's values semantics): b's keys win, maps merge recursively.
void mergeValues(core::Value& a, const core::Value& b) {
  if (!a.isObject() || !b.isObject()) {
    a = b;
    return;
  }
  for (const auto& [key, value] : b.asObject()) {
    if (a.asObject().contains(key) && a[key].isObject() && value.isObject()) {
      mergeValues(a[key], value);
    } else {
      a[key] = value;
    }
  }
}

// Kind/name[.namespace] flags (--event-source, --resource) as cross-namespace references; a name
// of `*` matches every object of the kind.
core::Value objectRefs(const std::vector<std::string>& refs, const std::string& what) {
  core::Value out = core::Value::array();
  for (const auto& r : refs)
    out.push_back(crossNamespaceRef(r, what));
  return out;
}

// --depends-on [NAMESPACE/]NAME flags as dependsOn references.
core::Value dependsOnRefs(const std::vector<std::string>& deps) {
  core::Value out = core::Value::array();
  for (const auto& d : deps) {
    core::Value dep = core::Value::object();
    if (const auto slash = d.find('/'); slash != std::string::npos) {
      dep["namespace"] = d.substr(0, slash);
      dep["name"] = d.substr(slash + 1);
    } else {
      dep["name"] = d;
    }
    out.push_back(std::move(dep));
  }
  return out;
}

int create(const Globals& g) {
  if (!g.positional.empty() && g.positional.front() == "secret") return createSecretGit(g);
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
    if (!g.commit.empty()) {
      obj["spec"]["ref"]["commit"] = g.commit;
      if (!g.branch.empty()) obj["spec"]["ref"]["branch"] = g.branch;
    } else if (!g.semver.empty()) {
      obj["spec"]["ref"]["semver"] = g.semver;
    } else if (!g.tag.empty()) {
      obj["spec"]["ref"]["tag"] = g.tag;
    } else {
      obj["spec"]["ref"]["branch"] = g.branch.empty() ? "master" : g.branch;
    }
    if (!g.secretRef.empty()) obj["spec"]["secretRef"]["name"] = g.secretRef;
  } else if (k.kind == "OCIRepository") {
    what = "OCIRepository source";
    if (g.url.empty()) throw core::Error("url is required");
    if (!g.url.starts_with("oci://")) {
      throw core::Error("url '" + g.url + "' must start with oci:// (e.g. oci://ghcr.io/org/app)");
    }
    if (g.tag.empty() && g.semver.empty() && g.digest.empty()) {
      throw core::Error("one of --tag, --tag-semver or --digest is required");
    }
    obj["spec"]["interval"] = g.interval;
    obj["spec"]["url"] = g.url;
    if (!g.digest.empty()) obj["spec"]["ref"]["digest"] = g.digest;
    if (!g.semver.empty()) obj["spec"]["ref"]["semver"] = g.semver;
    if (!g.tag.empty()) obj["spec"]["ref"]["tag"] = g.tag;
    if (!g.provider.empty() && g.provider != "generic") obj["spec"]["provider"] = g.provider;
    if (!g.secretRef.empty()) obj["spec"]["secretRef"]["name"] = g.secretRef;
  } else if (k.kind == "HelmRepository") {
    what = "HelmRepository source";
    if (g.url.empty()) throw core::Error("url is required");
    obj["spec"]["interval"] = g.interval;
    obj["spec"]["url"] = g.url;
    if (g.url.starts_with("oci://")) obj["spec"]["type"] = "oci";
    if (!g.secretRef.empty()) obj["spec"]["secretRef"]["name"] = g.secretRef;
  } else if (k.kind == "HelmRelease") {
    what = "HelmRelease";
    obj["spec"]["interval"] = g.interval;
    if (!g.chartRef.empty()) {
      obj["spec"]["chartRef"] = crossNamespaceRef(g.chartRef, "chart ref");
    } else {
      if (g.source.empty() || g.chart.empty()) {
        throw core::Error("--source and --chart, or --chart-ref, are required");
      }
      core::Value& chart = obj["spec"]["chart"]["spec"];
      chart["chart"] = g.chart;
      if (!g.chartVersion.empty()) chart["version"] = g.chartVersion;
      chart["reconcileStrategy"] = "ChartVersion";
      chart["sourceRef"] = crossNamespaceRef(g.source, "source");
    }
    if (!g.releaseName.empty()) obj["spec"]["releaseName"] = g.releaseName;
    if (!g.targetNamespace.empty()) obj["spec"]["targetNamespace"] = g.targetNamespace;
    if (g.createTargetNamespace) obj["spec"]["install"]["createNamespace"] = true;
    if (!g.dependsOn.empty()) obj["spec"]["dependsOn"] = dependsOnRefs(g.dependsOn);
    // Values files merged in order, later keys over earlier ones, as flux merges them.
    for (const auto& file : g.valuesFiles) {
      core::YamlParseOptions options;
      options.source = file;
      const core::Value values = core::parseYaml(readFile(file, "values file"), options);
      if (!values.isObject()) throw core::Error("values file " + file + " must hold a map");
      mergeValues(obj["spec"]["values"], values);
    }
  } else if (k.kind == "Kustomization") {
    what = "Kustomization";
    if (g.source.empty()) throw core::Error("source is required");
    obj["spec"]["interval"] = g.interval;
    obj["spec"]["path"] = g.path;
    obj["spec"]["prune"] = g.prune;
    // --source NAME means a GitRepository, as in flux.
    obj["spec"]["sourceRef"] = crossNamespaceRef(
        g.source.find('/') == std::string::npos ? "GitRepository/" + g.source : g.source, "source");
    if (!g.targetNamespace.empty()) obj["spec"]["targetNamespace"] = g.targetNamespace;
    if (!g.dependsOn.empty()) obj["spec"]["dependsOn"] = dependsOnRefs(g.dependsOn);
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
        "create supports source git|oci|helm, secret git, kustomization, helmrelease, "
        "alert-provider, alert and receiver");
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
  core::Value done = waitHandled(*client, k, g.namespace_, name, "", g.timeout, what);
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
    if (command == "delete") return deleteCommand(g);
    if (command == "trace") return trace(g);
  } catch (const std::exception& e) {
    say("✗", e.what());
    return 1;
  }
  say("✗", "unknown command " + command);
  return 2;
}

}  // namespace driftless::cli
