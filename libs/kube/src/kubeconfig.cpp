#include "driftless/kube/kubeconfig.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "driftless/core/base64.h"
#include "driftless/core/error.h"
#include "driftless/core/value.h"
#include "driftless/core/yaml.h"

namespace driftless::kube {

namespace {

std::string readFile(const std::filesystem::path& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::Error("cannot read " + std::string(what) + " " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  return s;
}

std::string stringField(const core::Value& v, std::string_view key) {
  const core::Value& s = v[key];
  return s.isString() ? s.asString() : std::string();
}

// The `item` of the entry named `name` in a kubeconfig list (clusters, users, contexts).
const core::Value* findNamed(const core::Value& config, std::string_view list,
                             std::string_view item, const std::string& name) {
  const core::Value& entries = config[list];
  if (!entries.isArray()) return nullptr;
  for (const auto& e : entries.asArray()) {
    if (e["name"] == core::Value(name) && e[item].isObject()) return e.find(item);
  }
  return nullptr;
}

// PEM from `<key>-data` (base64) or the file `<key>` (relative to the kubeconfig's directory).
std::string pemFrom(const core::Value& section, const std::string& key,
                    const std::filesystem::path& baseDir, const std::string& where) {
  std::string data = stringField(section, key + "-data");
  if (!data.empty()) {
    auto decoded = core::base64Decode(data);
    if (!decoded) throw core::Error(where + ": " + key + "-data is not valid base64");
    return *decoded;
  }
  std::string file = stringField(section, key);
  if (file.empty()) return {};
  std::filesystem::path path(file);
  if (path.is_relative()) path = baseDir / path;
  return readFile(path, where + " " + key);
}

void applyUser(RestConfig& config, const core::Value& user, const std::filesystem::path& baseDir,
               const std::string& where) {
  config.bearerToken = stringField(user, "token");
  std::string tokenFile = stringField(user, "tokenFile");
  if (!tokenFile.empty()) {
    std::filesystem::path path(tokenFile);
    if (path.is_relative()) path = baseDir / path;
    config.tokenFile = path.string();
    if (config.bearerToken.empty())
      config.bearerToken = trimmed(readFile(path, where + " tokenFile"));
  }
  config.clientCertPem = pemFrom(user, "client-certificate", baseDir, where);
  config.clientKeyPem = pemFrom(user, "client-key", baseDir, where);
  if (config.clientCertPem.empty() != config.clientKeyPem.empty()) {
    throw core::Error(
        where + " has a client " +
        (config.clientKeyPem.empty() ? "certificate but no key" : "key but no certificate"));
  }
  config.impersonateUser = stringField(user, "as");
  if (user["as-groups"].isArray()) {
    for (const auto& g : user["as-groups"].asArray()) {
      if (g.isString()) config.impersonateGroups.push_back(g.asString());
    }
  }
  if (user["username"].isString() || user["password"].isString()) {
    throw core::Error(where + " uses basic authentication, which is not supported");
  }
  if (config.bearerToken.empty() && config.clientCertPem.empty()) {
    if (user["exec"].isObject() || user["auth-provider"].isObject()) {
      throw core::Error(where + " uses an exec or auth-provider plugin, which is not supported");
    }
  }
}

}  // namespace

RestConfig loadKubeconfig(const std::filesystem::path& path, std::string_view contextOverride) {
  return parseKubeconfig(readFile(path, "kubeconfig"), path.string(), path.parent_path(),
                         contextOverride);
}

RestConfig parseKubeconfig(std::string_view text, const std::string& name,
                           const std::filesystem::path& baseDir, std::string_view contextOverride) {
  core::YamlParseOptions options;
  options.source = name;
  core::Value config = core::parseYaml(text, options);
  if (!config.isObject()) throw core::Error("kubeconfig " + name + " is empty");
  const std::string prefix = "kubeconfig " + name + ": ";

  std::string contextName(contextOverride);
  if (contextName.empty()) contextName = stringField(config, "current-context");
  if (contextName.empty()) throw core::Error(prefix + "no current-context is set");
  const core::Value* context = findNamed(config, "contexts", "context", contextName);
  if (context == nullptr) throw core::Error(prefix + "context \"" + contextName + "\" not found");

  RestConfig rc;
  std::string ns = stringField(*context, "namespace");
  if (!ns.empty()) rc.namespace_ = ns;

  std::string clusterName = stringField(*context, "cluster");
  if (clusterName.empty()) {
    throw core::Error(prefix + "context \"" + contextName + "\" names no cluster");
  }
  const core::Value* cluster = findNamed(config, "clusters", "cluster", clusterName);
  if (cluster == nullptr) throw core::Error(prefix + "cluster \"" + clusterName + "\" not found");
  rc.server = stringField(*cluster, "server");
  if (rc.server.empty()) {
    throw core::Error(prefix + "cluster \"" + clusterName + "\" has no server");
  }
  while (!rc.server.empty() && rc.server.back() == '/')
    rc.server.pop_back();
  rc.insecureSkipTlsVerify = (*cluster)["insecure-skip-tls-verify"].isBool() &&
                             (*cluster)["insecure-skip-tls-verify"].asBool();
  rc.caPem = pemFrom(*cluster, "certificate-authority", baseDir,
                     prefix + "cluster \"" + clusterName + "\"");

  std::string userName = stringField(*context, "user");
  if (userName.empty()) throw core::Error(prefix + "context \"" + contextName + "\" names no user");
  const core::Value* user = findNamed(config, "users", "user", userName);
  if (user == nullptr) throw core::Error(prefix + "user \"" + userName + "\" not found");
  applyUser(rc, *user, baseDir, prefix + "user \"" + userName + "\"");
  return rc;
}

RestConfig inClusterConfig(const std::filesystem::path& serviceAccountDir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || *host == '\0' || port == nullptr || *port == '\0') {
    throw core::Error(
        "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be "
        "set");
  }
  RestConfig rc;
  std::string h(host);
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  rc.server = "https://" + h + ":" + port;
  rc.tokenFile = (serviceAccountDir / "token").string();
  rc.bearerToken = trimmed(readFile(rc.tokenFile, "service account token"));
  rc.caPem = readFile(serviceAccountDir / "ca.crt", "service account CA");
  std::ifstream nsFile(serviceAccountDir / "namespace");
  std::string ns;
  if (nsFile && std::getline(nsFile, ns) && !trimmed(ns).empty()) rc.namespace_ = trimmed(ns);
  return rc;
}

RestConfig defaultConfig(const std::string& kubeconfigFlag) {
  if (!kubeconfigFlag.empty()) return loadKubeconfig(kubeconfigFlag);
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    std::string list(env);
    std::string first = list.substr(0, list.find(':'));
    if (!first.empty()) return loadKubeconfig(first);
  }
  if (const char* host = std::getenv("KUBERNETES_SERVICE_HOST"); host != nullptr && *host != '\0') {
    return inClusterConfig();
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    throw core::Error(
        "no kubeconfig: --kubeconfig and $KUBECONFIG are unset, not running in a "
        "cluster, and $HOME is unset");
  }
  return loadKubeconfig(std::filesystem::path(home) / ".kube" / "config");
}

}  // namespace driftless::kube
