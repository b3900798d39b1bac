#include "driftless/apiserver/api_server.h"

#include <algorithm>
#include <fstream>

#include "driftless/apiserver/tls.h"
#include "driftless/core/base64.h"
#include "driftless/core/crypto.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/yaml.h"
#include "driftless/k8s/embedded.h"
#include "impl.h"
#include "protobuf.h"
#include "table.h"

namespace driftless::apiserver {

namespace {

constexpr std::string_view kCrdResource = "apiextensions.k8s.io/customresourcedefinitions";
constexpr std::string_view kJson = "application/json";

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t slash = path.find('/', i);
    if (slash == std::string::npos) slash = path.size();
    if (slash > i) out.push_back(path.substr(i, slash - i));
    i = slash + 1;
  }
  return out;
}

using core::constantTimeEqual;
using core::sha256Hex;

core::Value apiResource(const ResourceInfo& r, const std::string& name, const std::string& kind,
                        const std::vector<std::string>& verbs, bool withNames) {
  core::Object o;
  o.append("name", name);
  o.append("singularName", withNames ? r.singular : "");
  o.append("namespaced", r.namespaced);
  o.append("kind", kind);
  core::Array v;
  for (const auto& verb : verbs)
    v.push_back(verb);
  o.append("verbs", core::Value(std::move(v)));
  if (withNames && !r.shortNames.empty()) {
    core::Array s;
    for (const auto& n : r.shortNames)
      s.push_back(n);
    o.append("shortNames", core::Value(std::move(s)));
  }
  if (withNames && !r.categories.empty()) {
    core::Array c;
    for (const auto& n : r.categories)
      c.push_back(n);
    o.append("categories", core::Value(std::move(c)));
  }
  return core::Value(std::move(o));
}

}  // namespace

void sendJson(ResponseWriter& w, int code, const core::Value& body,
              const std::vector<std::pair<std::string, std::string>>& headers) {
  w.send(code, kJson, core::toJson(body), headers);
}

void sendError(ResponseWriter& w, const ApiError& e) {
  sendJson(w, e.code(), e.toStatus());
}

bool parseBool(const std::string& text) {
  return text == "1" || text == "t" || text == "T" || text == "true" || text == "TRUE" ||
         text == "True";
}

core::Value decodeBody(const HttpRequest& req) {
  std::string_view type = req.header("content-type");
  type = type.substr(0, type.find(';'));
  if (type == "application/vnd.kubernetes.protobuf") {
    std::optional<core::Value> decoded;
    try {
      decoded = decodeKubernetesProtobuf(req.body);
    } catch (const core::Error& e) {
      throw badRequest(std::string("the body of the request could not be decoded: ") + e.what());
    }
    if (decoded) return *std::move(decoded);
  }
  if (type.find("protobuf") != std::string_view::npos ||
      type.find("cbor") != std::string_view::npos) {
    throw unsupportedMediaType(
        "the body of the request was in an unknown format - accepted media "
        "types include: application/json, application/yaml (protobuf only "
        "for the kinds kubectl creates imperatively); use kubectl create -f");
  }
  try {
    if (type.find("yaml") != std::string_view::npos) {
      core::YamlParseOptions options;
      options.source = "request body";
      return core::parseYaml(req.body, options);
    }
    return core::parseJson(req.body, "request body");
  } catch (const core::Error& e) {
    throw badRequest(std::string("the body of the request could not be decoded: ") + e.what());
  }
}

ApiServer::Impl::Impl(ApiServerOptions options, core::Logger logger)
    : options_(std::move(options)), log_(std::move(logger)) {
  std::filesystem::create_directories(options_.dataDir);
  std::vector<std::string> hosts = options_.hosts;
  hosts.push_back(options_.bind);
  ServingMaterial material = ensureServingMaterial(options_.dataDir / "pki", hosts);
  token_ = material.token;
  caPem_ = material.caCertPem;
  std::string_view builtins = k8s::embeddedFile("builtin-resources.json");
  if (builtins.empty()) throw core::Error("the built-in resource table is missing from the binary");
  registry_ = std::make_unique<Registry>(core::parseJson(builtins, "builtin-resources.json"));
  store_ = openSqliteStore(options_.dataDir / "state.db", options_.store);
  loadCrds();
  ensureDefaultNamespaces();
  HttpServerOptions http;
  http.bind = options_.bind;
  http.port = options_.port;
  http_ = std::make_unique<HttpServer>(
      makeServerContext(material), http,
      [this](const HttpRequest& req, ResponseWriter& w) { handle(req, w); });
  writeKubeconfig();
}

void ApiServer::Impl::start() {
  http_->start();
  housekeeping_ = std::thread([this] { housekeepingLoop(); });
}

void ApiServer::Impl::stop() {
  {
    std::lock_guard lock(stopMutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  stopCv_.notify_all();
  http_->stop();
  if (housekeeping_.joinable()) housekeeping_.join();
}

void ApiServer::Impl::housekeepingLoop() {
  std::unique_lock lock(stopMutex_);
  while (!stopCv_.wait_for(lock, options_.housekeepingInterval, [this] { return stopping_; })) {
    lock.unlock();
    try {
      std::int64_t rev = 0;
      for (const auto& ns : store_->list("/namespaces", "", rev)) {
        if (!ns->object["metadata"]["deletionTimestamp"].isNull()) {
          finalizeNamespace(ns->object["metadata"]["name"].asString());
        }
      }
      collectGarbage();
      expireEvents();
      if (options_.simulateWorkloads) simulateWorkloads();
    } catch (const std::exception& e) {
      log_.error("housekeeping failed", e.what());
    }
    lock.lock();
  }
}
std::uint16_t ApiServer::Impl::port() const {
  return http_->port();
}

void ApiServer::Impl::writeKubeconfig() {
  std::string host =
      options_.bind == "0.0.0.0" || options_.bind.empty() ? "127.0.0.1" : options_.bind;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  core::Value config = core::parseYaml(R"(
apiVersion: v1
kind: Config
clusters: [{name: driftless, cluster: {}}]
users: [{name: driftless, user: {}}]
contexts: [{name: driftless, context: {cluster: driftless, user: driftless, namespace: default}}]
current-context: driftless
preferences: {}
)");
  config["clusters"][0]["cluster"]["server"] = "https://" + host + ":" + std::to_string(port());
  config["clusters"][0]["cluster"]["certificate-authority-data"] = core::base64Encode(caPem_);
  config["users"][0]["user"]["token"] = token_;
  auto path = kubeconfigPath();
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << core::toYaml(config);
    if (!out.flush()) throw core::Error("cannot write " + tmp.string());
  }
  std::filesystem::permissions(
      tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::rename(tmp, path);
}

void ApiServer::Impl::ensureDefaultNamespaces() {
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    ObjectKey key{"/namespaces", "", name};
    if (store_->get(key)) continue;
    RequestInfo info;
    info.version = "v1";
    info.resource = "namespaces";
    info.name = name;
    info.info = registry_->find("", "v1", "namespaces");
    core::Value obj = core::Object{
        {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", core::Object{{"name", name}}}};
    obj = prepareCreate(info, std::move(obj));
    store_->mutate(key, [&](const StoredObjectPtr&) -> Mutation { return Put{obj}; });
  }
}

void ApiServer::Impl::loadCrds() {
  std::int64_t rev = 0;
  for (const auto& crd : store_->list(kCrdResource, "", rev)) {
    syncCrd(crd->object["metadata"]["name"].asString(), crd);
  }
}

// Registers (or unregisters) the resources of a CRD and marks it Established.
void ApiServer::Impl::syncCrd(const std::string& name, const StoredObjectPtr& crd) {
  if (!crd || !crd->object["metadata"]["deletionTimestamp"].isNull()) {
    registry_->setCustomResources(name, {});
    if (!crd) return;
  } else {
    registry_->setCustomResources(name, resourcesOfCrd(crd->object));
  }
  const core::Value& status = crd->object["status"];
  bool established = false;
  for (const auto& c :
       status["conditions"].isArray() ? status["conditions"].asArray() : core::Array{}) {
    if (c["type"] == core::Value("Established") && c["status"] == core::Value("True"))
      established = true;
  }
  if (established || !crd->object["metadata"]["deletionTimestamp"].isNull()) return;
  ObjectKey key{std::string(kCrdResource), "", name};
  store_->mutate(key, [&](const StoredObjectPtr& current) -> Mutation {
    if (!current) return Keep{};
    core::Value obj = current->object;
    std::string now = core::formatRfc3339(std::chrono::system_clock::now());
    core::Value st = core::Object{};
    core::Value names = obj["spec"]["names"];
    if (names["singular"].isNull()) {
      std::string s = names["kind"].asString();
      std::transform(s.begin(), s.end(), s.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      names["singular"] = s;
    }
    if (names["listKind"].isNull()) names["listKind"] = names["kind"].asString() + "List";
    st["acceptedNames"] = names;
    core::Array conds;
    conds.push_back(core::Object{{"type", "NamesAccepted"},
                                 {"status", "True"},
                                 {"lastTransitionTime", now},
                                 {"reason", "NoConflicts"},
                                 {"message", "no conflicts found"}});
    conds.push_back(core::Object{{"type", "Established"},
                                 {"status", "True"},
                                 {"lastTransitionTime", now},
                                 {"reason", "InitialNamesAccepted"},
                                 {"message", "the initial names have been accepted"}});
    st["conditions"] = core::Value(std::move(conds));
    core::Array stored;
    for (const auto& v : obj["spec"]["versions"].asArray()) {
      if (v["storage"].isBool() && v["storage"].asBool()) stored.push_back(v["name"]);
    }
    st["storedVersions"] = core::Value(std::move(stored));
    obj["status"] = std::move(st);
    return Put{std::move(obj)};
  });
}

void ApiServer::Impl::handle(const HttpRequest& req, ResponseWriter& w) {
  try {
    dispatch(req, w);
  } catch (const ApiError& e) {
    sendError(w, e);
  } catch (const std::exception& e) {
    log_.error("request failed", e.what(), {{"method", req.method}, {"path", req.path}});
    sendError(w, internalError(e.what()));
  }
}

void ApiServer::Impl::dispatch(const HttpRequest& req, ResponseWriter& w) {
  const std::string& path = req.path;
  if (path == "/healthz" || path == "/livez" || path == "/readyz") {
    w.send(200, "text/plain; charset=utf-8", "ok");
    return;
  }
  if (path == "/version") {
    sendJson(w, 200,
             core::Object{{"major", "1"},
                          {"minor", "32"},
                          {"gitVersion", "v1.32.0-driftless"},
                          {"gitCommit", ""},
                          {"gitTreeState", "clean"},
                          {"buildDate", "2026-01-01T00:00:00Z"},
                          {"goVersion", "n/a"},
                          {"compiler", "gc"},
                          {"platform", "linux/amd64"}});
    return;
  }
  std::string_view auth = req.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() <= kBearer.size() || auth.substr(0, kBearer.size()) != kBearer ||
      !constantTimeEqual(auth.substr(kBearer.size()), token_)) {
    sendError(w, ApiError(401, "Unauthorized", "Unauthorized"));
    return;
  }
  // Impersonation (Impersonate-User/-Group/-Uid/-Extra-*): the token holder is the cluster admin
  // and may impersonate anyone; without RBAC the impersonated identity has the same rights, so
  // only malformed requests are refused, as kube-apiserver refuses them.
  bool impersonatesOther =
      !req.header("impersonate-group").empty() || !req.header("impersonate-uid").empty();
  for (const auto& [name, value] : req.headers) {
    impersonatesOther = impersonatesOther || name.rfind("impersonate-extra-", 0) == 0;
  }
  if (req.header("impersonate-user").empty() && impersonatesOther) {
    sendError(w, internalError("requested impersonation of groups, uid or extras without "
                               "impersonating a user"));
    return;
  }
  if (serveOpenApi(req, w) || serveDiscovery(req, w) || serveReviews(req, w)) return;
  std::vector<std::string> seg = splitPath(path);
  if (seg.size() >= 3 && seg[0] == "api" && seg[1] == "v1") {
    serveResource(req, w, parseResourcePath(seg, 1, "", "v1"));
    return;
  }
  if (seg.size() >= 4 && seg[0] == "apis") {
    serveResource(req, w, parseResourcePath(seg, 2, seg[1], seg[2]));
    return;
  }
  sendError(w, ApiError(404, "NotFound", "the server could not find the requested resource"));
}

RequestInfo ApiServer::Impl::parseResourcePath(const std::vector<std::string>& seg,
                                               std::size_t versionIndex, std::string group,
                                               std::string version) const {
  RequestInfo info;
  info.group = std::move(group);
  info.version = std::move(version);
  std::size_t i = versionIndex + 1;
  // namespaces/<ns>/<resource>... unless <resource> is a subresource of the namespace itself.
  if (seg.size() >= i + 3 && seg[i] == "namespaces") {
    auto r = registry_->find(info.group, info.version, seg[i + 2]);
    if (r && r->namespaced) {
      info.namespace_ = seg[i + 1];
      i += 2;
    }
  }
  info.resource = seg[i];
  if (seg.size() > i + 1) info.name = seg[i + 1];
  if (seg.size() > i + 2) info.subresource = seg[i + 2];
  if (seg.size() > i + 3)
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  info.info = registry_->find(info.group, info.version, info.resource);
  if (!info.info)
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  if (!info.subresource.empty() && !info.info->hasSubresource(info.subresource)) {
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  return info;
}

// Aggregated discovery (apidiscovery.k8s.io/v2, KEP-3352): every group, version and resource
// in one response for /api (the core group) or /apis (all others).
core::Value ApiServer::Impl::aggregatedDiscovery(bool core) const {
  core::Array items;
  for (const auto& [g, v] : registry_->groupVersions()) {
    if (g.empty() != core) continue;
    core::Array resources;
    for (const auto& r : registry_->all()) {
      if (r->group != g || r->version != v) continue;
      core::Object res;
      res.append("resource", r->plural);
      res.append("responseKind", core::Object{{"group", g}, {"version", v}, {"kind", r->kind}});
      res.append("scope", r->namespaced ? "Namespaced" : "Cluster");
      res.append("singularResource", r->singular);
      core::Array verbs;
      for (const auto& verb : r->verbs)
        verbs.push_back(verb);
      res.append("verbs", core::Value(std::move(verbs)));
      if (!r->shortNames.empty()) {
        core::Array names;
        for (const auto& n : r->shortNames)
          names.push_back(n);
        res.append("shortNames", core::Value(std::move(names)));
      }
      if (!r->categories.empty()) {
        core::Array cats;
        for (const auto& c : r->categories)
          cats.push_back(c);
        res.append("categories", core::Value(std::move(cats)));
      }
      if (!r->subresources.empty()) {
        core::Array subs;
        for (const auto& sub : r->subresources) {
          subs.push_back(core::Object{
              {"subresource", sub},
              {"responseKind", core::Object{{"group", sub == "scale" ? "autoscaling" : g},
                                            {"version", "v1"},
                                            {"kind", sub == "scale" ? "Scale" : r->kind}}},
              {"verbs", core::Array{"get", "patch", "update"}}});
        }
        res.append("subresources", core::Value(std::move(subs)));
      }
      resources.push_back(core::Value(std::move(res)));
    }
    core::Value version = core::Object{
        {"version", v}, {"resources", core::Value(std::move(resources))}, {"freshness", "Current"}};
    auto existing = std::find_if(items.begin(), items.end(), [&](const core::Value& item) {
      return item["metadata"]["name"] == core::Value(g);
    });
    if (existing != items.end()) {
      (*existing)["versions"].push_back(std::move(version));
    } else {
      core::Value meta =
          g.empty() ? core::Value(core::Object{}) : core::Value(core::Object{{"name", g}});
      items.push_back(core::Object{{"metadata", std::move(meta)},
                                   {"versions", core::Array{std::move(version)}}});
    }
  }
  return core::Object{{"kind", "APIGroupDiscoveryList"},
                      {"apiVersion", "apidiscovery.k8s.io/v2"},
                      {"metadata", core::Object{}},
                      {"items", core::Value(std::move(items))}};
}

bool ApiServer::Impl::serveDiscovery(const HttpRequest& req, ResponseWriter& w) {
  if (req.method != "GET") return false;
  std::vector<std::string> seg = splitPath(req.path);
  std::string_view accept = req.header("accept");
  if (seg.size() == 1 && (seg[0] == "api" || seg[0] == "apis") &&
      accept.find("g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList") !=
          std::string_view::npos) {
    std::string body = core::toJson(aggregatedDiscovery(seg[0] == "api"));
    std::string etag = "\"" + sha256Hex(body) + "\"";
    if (req.header("if-none-match") == etag) {
      w.send(304, "", "", {{"Etag", etag}, {"Vary", "Accept"}});
      return true;
    }
    w.send(200, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", body,
           {{"Etag", etag}, {"Vary", "Accept"}});
    return true;
  }
  if (seg.size() == 1 && seg[0] == "api") {
    sendJson(
        w, 200,
        core::Object{
            {"kind", "APIVersions"},
            {"versions", core::Array{"v1"}},
            {"serverAddressByClientCIDRs",
             core::Array{core::Object{{"clientCIDR", "0.0.0.0/0"},
                                      {"serverAddress", "127.0.0.1:" + std::to_string(port())}}}}});
    return true;
  }
  auto groupVersions = registry_->groupVersions();
  if (seg.size() == 1 && seg[0] == "apis") {
    core::Array groups;
    std::vector<std::string> seen;
    for (const auto& [g, v] : groupVersions) {
      if (g.empty() || std::find(seen.begin(), seen.end(), g) != seen.end()) continue;
      seen.push_back(g);
      core::Array versions;
      for (const auto& [g2, v2] : groupVersions) {
        if (g2 == g)
          versions.push_back(core::Object{{"groupVersion", g + "/" + v2}, {"version", v2}});
      }
      core::Value preferred = versions.front();
      groups.push_back(core::Object{{"name", g},
                                    {"versions", core::Value(std::move(versions))},
                                    {"preferredVersion", preferred}});
    }
    sendJson(w, 200,
             core::Object{{"kind", "APIGroupList"},
                          {"apiVersion", "v1"},
                          {"groups", core::Value(std::move(groups))}});
    return true;
  }
  if (seg.size() == 2 && seg[0] == "apis") {
    core::Array versions;
    for (const auto& [g, v] : groupVersions) {
      if (g == seg[1])
        versions.push_back(core::Object{{"groupVersion", g + "/" + v}, {"version", v}});
    }
    if (versions.empty()) return false;
    core::Value preferred = versions.front();
    sendJson(w, 200,
             core::Object{{"kind", "APIGroup"},
                          {"apiVersion", "v1"},
                          {"name", seg[1]},
                          {"versions", core::Value(std::move(versions))},
                          {"preferredVersion", preferred}});
    return true;
  }
  std::string group;
  std::string version;
  if (seg.size() == 2 && seg[0] == "api" && seg[1] == "v1") {
    version = "v1";
  } else if (seg.size() == 3 && seg[0] == "apis") {
    group = seg[1];
    version = seg[2];
  } else {
    return false;
  }
  core::Array resources;
  bool any = false;
  for (const auto& r : registry_->all()) {
    if (r->group != group || r->version != version) continue;
    any = true;
    resources.push_back(apiResource(*r, r->plural, r->kind, r->verbs, true));
    for (const auto& sub : r->subresources) {
      std::vector<std::string> verbs{"get", "patch", "update"};
      std::string kind = r->kind;
      if (sub == "scale") kind = "Scale";
      resources.push_back(apiResource(*r, r->plural + "/" + sub, kind, verbs, false));
    }
  }
  if (!any) return false;
  sendJson(w, 200,
           core::Object{{"kind", "APIResourceList"},
                        {"apiVersion", "v1"},
                        {"groupVersion", group.empty() ? version : group + "/" + version},
                        {"resources", core::Value(std::move(resources))}});
  return true;
}

core::Value ApiServer::Impl::crdOpenApiDocument(const std::string& group,
                                                const std::string& version) const {
  core::Object schemas;
  core::Object paths;
  for (const auto& r : registry_->all()) {
    if (!r->custom || r->group != group || r->version != version) continue;
    // Schema names as kube-apiserver writes them: reversed group, version, kind.
    std::string prefix;
    std::string g = group;
    std::vector<std::string> parts;
    std::size_t i = 0;
    while (i <= g.size()) {
      std::size_t dot = g.find('.', i);
      if (dot == std::string::npos) dot = g.size();
      parts.push_back(g.substr(i, dot - i));
      i = dot + 1;
    }
    for (auto it = parts.rbegin(); it != parts.rend(); ++it)
      prefix += *it + ".";
    std::string name = prefix + version + "." + r->kind;
    core::Value schema =
        r->schema.isNull() ? core::Value(core::Object{{"type", "object"}}) : r->schema;
    core::Value gvk =
        core::Array{core::Object{{"group", group}, {"version", version}, {"kind", r->kind}}};
    schema["x-kubernetes-group-version-kind"] = gvk;
    schemas.set(name, std::move(schema));
    std::string base = "/apis/" + group + "/" + version + "/" +
                       (r->namespaced ? "namespaces/{namespace}/" : "") + r->plural;
    core::Value ref = core::Object{{"$ref", "#/components/schemas/" + name}};
    core::Value params = core::Array{
        core::Object{
            {"name", "dryRun"}, {"in", "query"}, {"schema", core::Object{{"type", "string"}}}},
        core::Object{{"name", "fieldManager"},
                     {"in", "query"},
                     {"schema", core::Object{{"type", "string"}}}},
        core::Object{{"name", "fieldValidation"},
                     {"in", "query"},
                     {"schema", core::Object{{"type", "string"}}}}};
    core::Value patchBody = core::Object{
        {"content",
         core::Object{
             {"application/apply-patch+yaml",
              core::Object{
                  {"schema",
                   core::Object{
                       {"$ref",
                        "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}}}}},
             {"application/json-patch+json",
              core::Object{
                  {"schema",
                   core::Object{
                       {"$ref",
                        "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}}}}},
             {"application/merge-patch+json",
              core::Object{
                  {"schema",
                   core::Object{
                       {"$ref",
                        "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}}}}}}}};
    core::Value response = core::Object{
        {"200", core::Object{{"description", "OK"},
                             {"content",
                              core::Object{{"application/json", core::Object{{"schema", ref}}}}}}}};
    auto op = [&](const char* action) {
      return core::Object{{"x-kubernetes-action", action},
                          {"x-kubernetes-group-version-kind", gvk[0]},
                          {"parameters", params},
                          {"responses", response}};
    };
    core::Object item;
    item.append("get", op("get"));
    item.append("put", op("put"));
    core::Object patch = op("patch");
    patch.append("requestBody", patchBody);
    item.append("patch", core::Value(std::move(patch)));
    item.append("delete", op("delete"));
    paths.set(base + "/{name}", core::Value(std::move(item)));
    core::Object collection;
    collection.append("get", op("list"));
    collection.append("post", op("post"));
    paths.set(base, core::Value(std::move(collection)));
  }
  schemas.set("io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
              core::Object{{"type", "object"},
                           {"description",
                            "Patch is provided to give a concrete name and type to the Kubernetes "
                            "PATCH request body."}});
  return core::Object{
      {"openapi", "3.0.0"},
      {"info", core::Object{{"title", "Kubernetes CRD Swagger"}, {"version", "v0.1.0"}}},
      {"paths", core::Value(std::move(paths))},
      {"components", core::Object{{"schemas", core::Value(std::move(schemas))}}}};
}

// `kubectl auth whoami` and `kubectl auth can-i`: the token's holder is the cluster admin
// (there is no RBAC yet), so every review allows.
bool ApiServer::Impl::serveReviews(const HttpRequest& req, ResponseWriter& w) {
  if (req.method != "POST") return false;
  const bool access = req.path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" ||
                      req.path == "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
  const bool whoami = req.path == "/apis/authentication.k8s.io/v1/selfsubjectreviews";
  if (!access && !whoami) return false;
  // (kubectl sends these as protobuf; their content does not change the answer.)
  const bool protobuf = req.header("content-type").find("protobuf") != std::string_view::npos;
  core::Value review = protobuf ? core::Value(core::Object{}) : decodeBody(req);
  if (!review.isObject()) throw badRequest("the body of the request must be a JSON object");
  if (review["apiVersion"].isNull()) {
    review["apiVersion"] = whoami ? "authentication.k8s.io/v1" : "authorization.k8s.io/v1";
  }
  if (review["kind"].isNull()) {
    review["kind"] = whoami ? "SelfSubjectReview"
                     : req.path.find("rulesreviews") != std::string::npos
                         ? "SelfSubjectRulesReview"
                         : "SelfSubjectAccessReview";
  }
  if (review["metadata"].isNull()) review["metadata"] = core::Object{};
  if (whoami) {
    review["status"] = core::Object{
        {"userInfo",
         core::Object{{"username", "driftless-admin"},
                      {"groups", core::Array{"system:masters", "system:authenticated"}}}}};
  } else if (req.path.find("rulesreviews") != std::string::npos) {
    review["status"] = core::Object{
        {"resourceRules", core::Array{core::Object{{"verbs", core::Array{"*"}},
                                                   {"apiGroups", core::Array{"*"}},
                                                   {"resources", core::Array{"*"}}}}},
        {"nonResourceRules", core::Array{core::Object{{"verbs", core::Array{"*"}},
                                                      {"nonResourceURLs", core::Array{"*"}}}}},
        {"incomplete", false}};
  } else {
    review["status"] = core::Object{{"allowed", true},
                                    {"reason", "the token holder is the cluster admin (no RBAC)"}};
  }
  sendJson(w, 201, review);
  return true;
}

// The OpenAPI v3 document of a group version and its hash, built once per registry generation
// (kubectl asks for the index on every command; hashing megabytes each time is waste).
std::shared_ptr<const ApiServer::Impl::OpenApiDocument> ApiServer::Impl::openApiDocument(
    const std::string& group, const std::string& version) {
  const std::uint64_t generation = registry_->generation();
  const std::string key = group + "/" + version;
  {
    std::lock_guard lock(openApiMutex_);
    if (openApiGeneration_ != generation) {
      openApiCache_.clear();
      openApiGeneration_ = generation;
    }
    if (auto it = openApiCache_.find(key); it != openApiCache_.end()) return it->second;
  }
  auto doc = std::make_shared<OpenApiDocument>();
  std::string file = "openapi-v3/" +
                     (group.empty() ? "api__" + version : "apis__" + group + "__" + version) +
                     ".json";
  std::string_view builtin = k8s::embeddedFile(file);
  doc->body =
      builtin.empty() ? core::toJson(crdOpenApiDocument(group, version)) : std::string(builtin);
  doc->hash = sha256Hex(doc->body);
  std::lock_guard lock(openApiMutex_);
  if (openApiGeneration_ == generation) openApiCache_[key] = doc;
  return doc;
}

bool ApiServer::Impl::serveOpenApi(const HttpRequest& req, ResponseWriter& w) {
  if (req.method != "GET" || req.path.rfind("/openapi/", 0) != 0) return false;
  auto gvPath = [](const std::string& g, const std::string& v) {
    return g.empty() ? "api/" + v : "apis/" + g + "/" + v;
  };
  auto document = [&](const std::string& g, const std::string& v) { return openApiDocument(g, v); };
  if (req.path == "/openapi/v3" || req.path == "/openapi/v3/") {
    core::Object paths;
    for (const auto& [g, v] : registry_->groupVersions()) {
      std::string p = gvPath(g, v);
      paths.set(p, core::Object{{"serverRelativeURL",
                                 "/openapi/v3/" + p + "?hash=" + document(g, v)->hash}});
    }
    sendJson(w, 200, core::Object{{"paths", core::Value(std::move(paths))}});
    return true;
  }
  if (req.path.rfind("/openapi/v3/", 0) == 0) {
    std::vector<std::string> seg = splitPath(req.path.substr(std::string("/openapi/v3/").size()));
    std::string g;
    std::string v;
    if (seg.size() == 2 && seg[0] == "api") {
      v = seg[1];
    } else if (seg.size() == 3 && seg[0] == "apis") {
      g = seg[1];
      v = seg[2];
    } else {
      return false;
    }
    auto gvs = registry_->groupVersions();
    if (std::find(gvs.begin(), gvs.end(), std::make_pair(g, v)) == gvs.end()) return false;
    auto doc = document(g, v);
    w.send(200, kJson, doc->body,
           {{"Etag", "\"" + doc->hash + "\""}, {"Cache-Control", "public, immutable"}});
    return true;
  }
  return false;
}

ApiServer::ApiServer(ApiServerOptions options, core::Logger logger)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(logger))) {}
ApiServer::~ApiServer() {
  impl_->stop();
}
void ApiServer::start() {
  impl_->start();
}
void ApiServer::stop() {
  impl_->stop();
}
std::uint16_t ApiServer::port() const noexcept {
  return impl_->port();
}
std::filesystem::path ApiServer::kubeconfigPath() const {
  return impl_->kubeconfigPath();
}
void ApiServer::handle(const HttpRequest& request, ResponseWriter& writer) {
  impl_->handle(request, writer);
}

}  // namespace driftless::apiserver
