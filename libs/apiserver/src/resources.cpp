// The REST verbs on objects: get, list, watch, create, update, patch, delete, deletecollection,
// with Kubernetes' object semantics (uid, generation, resourceVersion preconditions, status
// subresource, finalizers and deletionTimestamp, dry runs, namespaces).

#include <algorithm>
#include <chrono>
#include <random>
#include <utility>

#include "admission.h"
#include "driftless/apiserver/structural_schema.h"
#include "driftless/core/base64.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/random.h"
#include "driftless/k8s/builtin_kinds.h"
#include "driftless/kube/patch.h"
#include "driftless/kube/selector.h"
#include "impl.h"
#include "strategic.h"
#include "table.h"

namespace driftless::apiserver {

namespace {

constexpr std::string_view kCrdResource = "apiextensions.k8s.io/customresourcedefinitions";

std::string newUid() {
  return core::newUuidV4();
}

// generateName's suffix: five characters of Kubernetes' alphabet (no vowels, no 0/1/3).
std::string randomSuffix() {
  return core::randomString("bcdfghjklmnpqrstvwxz2456789", 5);
}

std::string nowTimestamp() {
  return core::formatRfc3339(std::chrono::system_clock::now());
}

ObjectKey keyOf(const RequestInfo& info, const std::string& name) {
  return ObjectKey{info.info->storageResource(), info.info->namespaced ? info.namespace_ : "",
                   name};
}

// events.k8s.io/v1 Event <-> core/v1 Event: the field pairs kube-apiserver's conversion maps.
constexpr std::pair<const char*, const char*> kEventFields[] = {
    {"regarding", "involvedObject"},
    {"note", "message"},
    {"reportingController", "reportingComponent"},
    {"deprecatedSource", "source"},
    {"deprecatedFirstTimestamp", "firstTimestamp"},
    {"deprecatedLastTimestamp", "lastTimestamp"},
    {"deprecatedCount", "count"},
};

bool isEventsV1(const ResourceInfo& r) {
  return r.group == "events.k8s.io" && r.plural == "events";
}

// Renames the top-level keys of an Event between the two APIs (toCore: events.k8s.io -> v1).
core::Value convertEvent(const core::Value& obj, bool toCore) {
  core::Object out;
  for (const auto& m : obj.asObject()) {
    std::string key = m.key;
    for (const auto& [v1Name, coreName] : kEventFields) {
      if (key == (toCore ? v1Name : coreName)) {
        key = toCore ? coreName : v1Name;
        break;
      }
    }
    out.set(key, m.value);
  }
  out.set("apiVersion", toCore ? "v1" : "events.k8s.io/v1");
  return core::Value(std::move(out));
}

// Conversion `None` between the served versions of a CRD (only apiVersion changes) and between
// the two Event APIs.
void toStorageVersion(const ResourceInfo& r, core::Value& obj) {
  if (!obj.isObject()) return;
  if (isEventsV1(r)) {
    obj = convertEvent(obj, true);
    return;
  }
  if (r.custom && !r.storageApiVersion.empty()) obj["apiVersion"] = r.storageApiVersion;
}

// What a client reads: a custom resource in the requested version, with the defaults of that
// version's schema applied (defaults added to a CRD after an object was stored show on read,
// as in Kubernetes).
core::Value inRequestVersion(const ResourceInfo& r, const core::Value& obj) {
  if (isEventsV1(r) && obj.isObject() && !(obj["apiVersion"] == core::Value("events.k8s.io/v1"))) {
    return convertEvent(obj, false);
  }
  if (!r.custom || !obj.isObject()) return obj;
  core::Value copy = obj;
  copy["apiVersion"] = r.apiVersion();
  if (r.structural) r.structural->applyDefaults(copy);
  return copy;
}

// Kubernetes keeps metadata.generation for custom resources and most built-ins.
bool tracksGeneration(const ResourceInfo& r) {
  return r.custom || k8s::tracksGeneration(r.group, r.plural);
}

// RFC 1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253 characters.
bool isDnsSubdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

// The parts of an object that count for metadata.generation: everything outside metadata (and
// outside status when the status subresource exists).
bool specChanged(const core::Value& a, const core::Value& b, bool statusSubresource) {
  std::vector<std::string> keys;
  for (const auto* v : {&a, &b}) {
    if (!v->isObject()) continue;
    for (const auto& m : v->asObject()) {
      if (m.key == "metadata" || m.key == "apiVersion" || m.key == "kind") continue;
      if (statusSubresource && m.key == "status") continue;
      if (std::find(keys.begin(), keys.end(), m.key) == keys.end()) keys.push_back(m.key);
    }
  }
  for (const auto& k : keys) {
    if (!(a[k] == b[k])) return true;
  }
  return false;
}

std::int64_t parseRevision(const std::string& text) {
  if (text.empty()) return 0;
  try {
    std::size_t pos = 0;
    long long v = std::stoll(text, &pos);
    if (pos != text.size() || v < 0) throw std::invalid_argument("rv");
    return v;
  } catch (const std::exception&) {
    throw badRequest("invalid resource version \"" + text + "\"");
  }
}

std::optional<std::string> fieldOf(const core::Value& obj, std::string_view field) {
  const core::Value* cur = &obj;
  std::size_t i = 0;
  while (i <= field.size()) {
    std::size_t dot = field.find('.', i);
    if (dot == std::string_view::npos) dot = field.size();
    cur = cur->find(field.substr(i, dot - i));
    if (cur == nullptr) return std::nullopt;
    i = dot + 1;
  }
  if (cur->isString()) return cur->asString();
  if (cur->isBool()) return cur->asBool() ? "true" : "false";
  if (cur->isNumber()) return core::toJson(*cur);
  return std::nullopt;
}

struct Selectors {
  kube::LabelSelector labels;
  kube::FieldSelector fields;

  bool matches(const core::Value& obj) const {
    if (!labels.empty() && !labels.matches(obj["metadata"]["labels"])) return false;
    if (fields.empty()) return true;
    return fields.matches([&](std::string_view f) { return fieldOf(obj, f); });
  }
};

Selectors parseSelectors(const HttpRequest& req, const ResourceInfo& r) {
  Selectors s;
  try {
    s.labels = kube::LabelSelector::parse(req.param("labelSelector"));
    s.fields = kube::FieldSelector::parse(req.param("fieldSelector"));
  } catch (const core::Error& e) {
    throw badRequest(e.what());
  }
  for (const auto& f : s.fields.fields()) {
    bool ok = f == "metadata.name" || f == "metadata.namespace";
    if (r.plural == "events") {
      ok = ok || f.rfind("involvedObject.", 0) == 0 || f == "reason" || f == "type" ||
           f == "source" || f == "reportingComponent" || f == "regarding.kind" ||
           f == "regarding.name" || f == "regarding.namespace";
    }
    if (r.plural == "secrets") ok = ok || f == "type";
    if (r.plural == "pods") ok = ok || f == "spec.nodeName" || f == "status.phase";
    if (r.plural == "namespaces") ok = ok || f == "status.phase";
    if (!ok) {
      throw badRequest("field label not supported: " + f);
    }
  }
  return s;
}

bool wantsTable(const HttpRequest& req) {
  return req.header("accept").find("as=Table") != std::string_view::npos;
}

bool isDryRun(const HttpRequest& req) {
  auto it = req.query.equal_range("dryRun");
  for (auto i = it.first; i != it.second; ++i) {
    if (i->second == "All") return true;
    throw badRequest("Invalid dry run value: \"" + i->second + "\"");
  }
  return false;
}

// After an update: an object being deleted whose last finalizer went away is removed.
Mutation finalizeUpdate(const RequestInfo& info, core::Value next) {
  const core::Value& meta = next["metadata"];
  bool deleting = !meta["deletionTimestamp"].isNull();
  bool finalizers = meta["finalizers"].isArray() && !meta["finalizers"].asArray().empty();
  bool namespaceObject = info.info->plural == "namespaces" && info.info->group.empty();
  if (deleting && !finalizers && !namespaceObject) return Remove{};
  toStorageVersion(*info.info, next);
  return Put{std::move(next)};
}

void resourcesOfCrdChecked(const core::Value& crd) {
  try {
    (void)resourcesOfCrd(crd);
  } catch (const core::Error& e) {
    throw ApiError(422, "Invalid", e.what());
  }
}

std::string encodeContinue(const std::string& position) {
  return core::base64Encode(position);
}

std::string decodeContinue(const std::string& token) {
  auto position = core::base64Decode(token);
  if (!position || position->find('/') == std::string::npos) {
    throw badRequest("invalid continue token");
  }
  return *position;
}

core::Value statusSuccess(const RequestInfo& info, const std::string& name,
                          const core::Value& uid) {
  core::Value details = statusDetails(name, info.group, info.resource);
  if (!uid.isNull()) details["uid"] = uid;
  return core::Object{{"kind", "Status"},
                      {"apiVersion", "v1"},
                      {"metadata", core::Object{}},
                      {"status", "Success"},
                      {"details", details}};
}

// `matchLabels` and `matchExpressions` of a LabelSelector as a selector string (what
// Scale.status.selector carries).
std::string selectorString(const core::Value& selector) {
  std::string out;
  auto add = [&out](const std::string& term) { out += (out.empty() ? "" : ",") + term; };
  if (selector["matchLabels"].isObject()) {
    for (const auto& [k, v] : selector["matchLabels"].asObject()) {
      add(k + "=" + (v.isString() ? v.asString() : core::toJson(v)));
    }
  }
  if (selector["matchExpressions"].isArray()) {
    for (const auto& e : selector["matchExpressions"].asArray()) {
      const std::string key = e["key"].isString() ? e["key"].asString() : "";
      const std::string op = e["operator"].isString() ? e["operator"].asString() : "";
      std::string values;
      if (e["values"].isArray()) {
        for (const auto& v : e["values"].asArray()) {
          values += (values.empty() ? "" : ",") + (v.isString() ? v.asString() : "");
        }
      }
      if (op == "In") add(key + " in (" + values + ")");
      if (op == "NotIn") add(key + " notin (" + values + ")");
      if (op == "Exists") add(key);
      if (op == "DoesNotExist") add("!" + key);
    }
  }
  return out;
}

// The autoscaling/v1 Scale of an object with replicas (spec.replicas, status.replicas and the
// selector), what GET, PUT and PATCH on the /scale subresource speak.
core::Value toScale(const core::Value& obj) {
  const core::Value& meta = obj["metadata"];
  core::Value scaleMeta = core::Object{};
  for (const char* k : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
    if (!meta[k].isNull()) scaleMeta[k] = meta[k];
  }
  core::Value spec = core::Object{};
  if (!obj["spec"]["replicas"].isNull()) spec["replicas"] = obj["spec"]["replicas"];
  core::Value status = core::Object{
      {"replicas", obj["status"]["replicas"].isInt() ? obj["status"]["replicas"] : core::Value(0)}};
  const core::Value& sel = obj["spec"]["selector"];
  if (sel.isObject()) status["selector"] = selectorString(sel);
  return core::Object{{"kind", "Scale"},
                      {"apiVersion", "autoscaling/v1"},
                      {"metadata", std::move(scaleMeta)},
                      {"spec", std::move(spec)},
                      {"status", std::move(status)}};
}

// The object with the replicas of a written Scale.
core::Value fromScale(const core::Value& current, const core::Value& scale) {
  const core::Value& replicas = scale["spec"]["replicas"];
  if (!replicas.isInt() || replicas.asInt() < 0) {
    throw kube::invalid(
        "Scale", "autoscaling",
        current["metadata"]["name"].isString() ? current["metadata"]["name"].asString() : "",
        {{.field = "spec.replicas",
          .type = "FieldValueInvalid",
          .message = "Invalid value: " + core::toJson(replicas) +
                     ": must be greater than or equal to 0"}});
  }
  core::Value next = current;
  next["spec"]["replicas"] = replicas;
  return next;
}

}  // namespace

void ApiServer::Impl::respondObject(const HttpRequest& req, ResponseWriter& w, int code,
                                    const RequestInfo& info, const core::Value& obj,
                                    const std::vector<std::string>& warnings) const {
  if (wantsTable(req)) {
    std::vector<const core::Value*> objs{&obj};
    sendJson(w, code,
             makeTable(*info.info, objs, req.param("includeObject", "Metadata"), true,
                       obj["metadata"]["resourceVersion"].isString()
                           ? obj["metadata"]["resourceVersion"].asString()
                           : ""),
             warningHeaders(warnings));
    return;
  }
  sendJson(w, code, inRequestVersion(*info.info, obj), warningHeaders(warnings));
}

void ApiServer::Impl::checkNamespace(const RequestInfo& info) const {
  if (!info.info->namespaced) return;
  if (info.namespace_.empty()) throw badRequest("the namespace of the object is required");
  auto ns = store_->get(ObjectKey{"/namespaces", "", info.namespace_});
  if (!ns) throw notFound("namespaces", "", info.namespace_);
  if (!ns->object["metadata"]["deletionTimestamp"].isNull()) {
    throw ApiError(403, "Forbidden",
                   info.resource + " \"" + info.name +
                       "\" is forbidden: unable to create new content in namespace " +
                       info.namespace_ + " because it is being terminated");
  }
}

void ApiServer::Impl::serveResource(const HttpRequest& req, ResponseWriter& w,
                                    const RequestInfo& info) {
  const std::string& m = req.method;
  if (info.name.empty()) {
    if (m == "GET") {
      std::string watch = req.param("watch");
      if (!watch.empty() && parseBool(watch)) {
        watchObjects(req, w, info);
      } else {
        listObjects(req, w, info);
      }
      return;
    }
    if (m == "POST") return createObject(req, w, info);
    if (m == "DELETE") return deleteCollection(req, w, info);
    throw methodNotAllowed("the server does not allow this method on the requested resource");
  }
  if (m == "GET") return respondObject(req, w, 200, info, getObject(info));
  if (m == "PUT") return updateObject(req, w, info);
  if (m == "PATCH") return patchObject(req, w, info);
  if (m == "DELETE") return deleteObject(req, w, info);
  throw methodNotAllowed("the server does not allow this method on the requested resource");
}

core::Value ApiServer::Impl::getObject(const RequestInfo& info) const {
  auto obj = store_->get(keyOf(info, info.name));
  if (!obj) throw notFound(info.resource, info.group, info.name);
  if (info.subresource == "scale") return toScale(obj->object);
  return obj->object;
}

void ApiServer::Impl::listObjects(const HttpRequest& req, ResponseWriter& w,
                                  const RequestInfo& info) {
  Selectors sel = parseSelectors(req, *info.info);
  std::int64_t revision = 0;
  auto objects = store_->list(info.info->storageResource(), info.namespace_, revision);
  // Pagination: `continue` is "<namespace>/<name>" of the last item returned, base64-encoded;
  // pages are taken from the current state (Kubernetes' NotOlderThan semantics).
  std::string after;
  if (std::string token = req.param("continue"); !token.empty()) {
    after = decodeContinue(token);
  }
  std::size_t limit = 0;
  if (std::string l = req.param("limit"); !l.empty()) {
    limit = static_cast<std::size_t>(std::max(0L, std::atol(l.c_str())));
  }
  auto position = [](const core::Value& o) {
    const core::Value& meta = o["metadata"];
    return (meta["namespace"].isString() ? meta["namespace"].asString() : "") + "/" +
           meta["name"].asString();
  };
  std::vector<const core::Value*> matching;
  std::size_t remaining = 0;
  std::string next;
  for (const auto& o : objects) {
    if (!after.empty() && position(o->object) <= after) continue;
    if (!sel.matches(o->object)) continue;
    if (limit > 0 && matching.size() == limit) {
      ++remaining;
      continue;
    }
    matching.push_back(&o->object);
  }
  if (remaining > 0) next = encodeContinue(position(*matching.back()));
  std::string rv = std::to_string(revision);
  core::Object listMeta;
  listMeta.append("resourceVersion", rv);
  if (!next.empty()) {
    listMeta.append("continue", next);
    listMeta.append("remainingItemCount", static_cast<std::int64_t>(remaining));
  }
  if (wantsTable(req)) {
    core::Value table =
        makeTable(*info.info, matching, req.param("includeObject", "Metadata"), true, rv);
    table["metadata"] = core::Value(std::move(listMeta));
    sendJson(w, 200, table);
    return;
  }
  core::Array items;
  items.reserve(matching.size());
  for (const auto* o : matching)
    items.push_back(inRequestVersion(*info.info, *o));
  sendJson(w, 200,
           core::Object{{"kind", info.info->kind + "List"},
                        {"apiVersion", info.info->apiVersion()},
                        {"metadata", core::Value(std::move(listMeta))},
                        {"items", core::Value(std::move(items))}});
}

void ApiServer::Impl::watchObjects(const HttpRequest& req, ResponseWriter& w,
                                   const RequestInfo& info) {
  Selectors sel = parseSelectors(req, *info.info);
  const bool table = wantsTable(req);
  const std::string includeObject = req.param("includeObject", "Metadata");
  const bool bookmarks = parseBool(req.param("allowWatchBookmarks"));
  long timeoutSeconds = 1800;
  if (req.hasParam("timeoutSeconds")) {
    timeoutSeconds = std::clamp(std::atol(req.param("timeoutSeconds").c_str()), 0L, 3600L);
  }
  const std::string rvParam = req.param("resourceVersion");
  WatchFilter filter{info.info->storageResource(), info.namespace_, ""};
  if (auto name = sel.fields.requiresExactMatch("metadata.name")) filter.name = *name;

  std::vector<StoredObjectPtr> initial;
  std::int64_t from = 0;
  if (rvParam.empty() || rvParam == "0") {
    initial = store_->list(filter.resource, filter.namespace_, from);
  } else {
    from = parseRevision(rvParam);
  }
  WatchPtr watch = store_->watch(filter, from);
  if (!w.beginStream(200, "application/json")) return;
  bool headersSent = false;
  auto encode = [&](const char* type, const core::Value& obj) {
    core::Value payload = inRequestVersion(*info.info, obj);
    if (table) {
      std::vector<const core::Value*> objs{&obj};
      payload = makeTable(*info.info, objs, includeObject, !headersSent, "");
      headersSent = true;
    }
    std::string line = core::toJson(core::Object{{"type", type}, {"object", std::move(payload)}});
    line += '\n';
    return w.writeChunk(line);
  };
  if (!watch) {
    ApiError e = kube::expired("too old resource version: " + rvParam + " (" +
                               std::to_string(store_->oldestRevision()) + ")");
    encode("ERROR", e.toStatus());
    w.endStream();
    return;
  }
  for (const auto& o : initial) {
    if (!filter.name.empty() && o->object["metadata"]["name"].asString() != filter.name) continue;
    if (sel.matches(o->object) && !encode("ADDED", o->object)) return;
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(timeoutSeconds);
  auto nextBookmark = Clock::now() + std::chrono::seconds(60);
  std::int64_t lastRevision = from;
  while (Clock::now() < deadline && !watch->closed()) {
    auto events = watch->next(std::chrono::milliseconds(500));
    for (const auto& ev : events) {
      lastRevision = ev.revision;
      if (!sel.matches(ev.object->object)) continue;
      const char* type = ev.type == EventType::Added      ? "ADDED"
                         : ev.type == EventType::Modified ? "MODIFIED"
                                                          : "DELETED";
      if (!encode(type, ev.object->object)) {
        watch->stop();
        return;
      }
    }
    if (events.empty() && w.clientGone()) break;
    if (bookmarks && Clock::now() >= nextBookmark) {
      nextBookmark = Clock::now() + std::chrono::seconds(60);
      std::int64_t rv = std::max(lastRevision, from);
      core::Value mark =
          core::Object{{"kind", info.info->kind},
                       {"apiVersion", info.info->apiVersion()},
                       {"metadata", core::Object{{"resourceVersion", std::to_string(rv)}}}};
      std::string line = core::toJson(core::Object{{"type", "BOOKMARK"}, {"object", mark}}) + "\n";
      if (!w.writeChunk(line)) break;
    }
  }
  watch->stop();
  w.endStream();
}

core::Value ApiServer::Impl::prepareCreate(const RequestInfo& info, core::Value obj) const {
  const ResourceInfo& r = *info.info;
  if (!obj.isObject()) throw badRequest("the body of the request must be a JSON object");
  if (obj["apiVersion"].isNull()) obj["apiVersion"] = r.apiVersion();
  if (obj["kind"].isNull()) obj["kind"] = r.kind;
  if (!(obj["apiVersion"] == core::Value(r.apiVersion())) ||
      !(obj["kind"] == core::Value(r.kind))) {
    throw badRequest("the API version in the data (" + core::toJson(obj["apiVersion"]) + "/" +
                     core::toJson(obj["kind"]) + ") does not match the expected API version (" +
                     r.apiVersion() + "/" + r.kind + ")");
  }
  core::Value& meta = obj["metadata"];
  if (meta.isNull()) meta = core::Object{};
  if (!meta.isObject()) throw badRequest("metadata must be an object");
  std::string name =
      std::as_const(meta)["name"].isString() ? std::as_const(meta)["name"].asString() : "";
  if (name.empty() && std::as_const(meta)["generateName"].isString() &&
      !std::as_const(meta)["generateName"].asString().empty()) {
    name = std::as_const(meta)["generateName"].asString() + randomSuffix();
    meta["name"] = name;
  }
  if (name.empty()) {
    throw invalid(r.kind, r.group, "",
                  {{.field = "metadata.name",
                    .type = "FieldValueRequired",
                    .message = "name or generateName is required"}});
  }
  if (!info.name.empty() && info.name != name)
    throw badRequest("the name of the object (" + name + ") does not match the name on the URL (" +
                     info.name + ")");
  bool dnsLabelOk = isDnsSubdomain(name);
  if (!dnsLabelOk) {
    throw invalid(
        r.kind, r.group, name,
        {{.field = "metadata.name",
          .type = "FieldValueInvalid",
          .message =
              "Invalid value: \"" + name +
              "\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
              "characters, '-' or '.', and must start and end with an alphanumeric character"}});
  }
  if (r.namespaced) {
    if (std::as_const(meta)["namespace"].isString() &&
        !std::as_const(meta)["namespace"].asString().empty() &&
        std::as_const(meta)["namespace"].asString() != info.namespace_) {
      throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
    meta["namespace"] = info.namespace_;
  } else {
    meta.asObject().erase("namespace");
  }
  if (std::as_const(meta)["resourceVersion"].isString() &&
      !std::as_const(meta)["resourceVersion"].asString().empty()) {
    throw badRequest("resourceVersion should not be set on objects to be created");
  }
  meta.asObject().erase("resourceVersion");
  meta.asObject().erase("deletionTimestamp");
  meta.asObject().erase("deletionGracePeriodSeconds");
  meta["uid"] = newUid();
  meta["creationTimestamp"] = nowTimestamp();
  if (tracksGeneration(r)) meta["generation"] = 1;
  if (r.hasSubresource("status") && r.custom) obj.asObject().erase("status");
  if (r.plural == "namespaces" && r.group.empty()) {
    core::Value& labels = meta["labels"];
    if (labels.isNull()) labels = core::Object{};
    labels["kubernetes.io/metadata.name"] = name;
  }
  // (Adding top-level keys may move `meta`: nothing below uses it.)
  if (r.plural == "secrets" && r.group.empty() && std::as_const(obj)["type"].isNull()) {
    obj["type"] = "Opaque";  // the one built-in default kubectl users notice
  }
  if (r.plural == "namespaces" && r.group.empty()) {
    obj["spec"] = core::Object{{"finalizers", core::Array{"kubernetes"}}};
    obj["status"] = core::Object{{"phase", "Active"}};
  }
  return obj;
}

namespace {

// The immutable fields of built-in kinds that GitOps tools trip over (kube-apiserver's
// ValidateUpdate of each kind): ConfigMaps and Secrets marked `immutable`, a Secret's type,
// workload selectors, a Job's template, and a StatefulSet's spec beyond the updatable fields.
void checkImmutableFields(const ResourceInfo& r, const std::string& name,
                          const core::Value& current, const core::Value& next) {
  if (r.custom) return;
  std::vector<kube::StatusCause> causes;
  auto cause = [&](std::string field, std::string message) {
    causes.push_back({std::move(field), "FieldValueInvalid", std::move(message)});
  };
  auto changed = [&](std::string_view path) {
    const core::Value* a = &current;
    const core::Value* b = &next;
    std::size_t start = 0;
    while (start <= path.size()) {
      std::size_t dot = path.find('.', start);
      std::string_view key = path.substr(start, dot == std::string_view::npos ? dot : dot - start);
      a = &(*a)[key];
      b = &(*b)[key];
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    return !(*a == *b);
  };
  auto invalidValue = [&](std::string_view path) {
    const core::Value* v = &next;
    std::size_t start = 0;
    while (start <= path.size()) {
      std::size_t dot = path.find('.', start);
      v = &(*v)[path.substr(start, dot == std::string_view::npos ? dot : dot - start)];
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    return "Invalid value: " + core::toJson(*v) + ": field is immutable";
  };
  const bool coreGroup = r.group.empty();
  if (coreGroup && (r.kind == "ConfigMap" || r.kind == "Secret")) {
    const bool wasImmutable = current["immutable"].isBool() && current["immutable"].asBool();
    if (wasImmutable) {
      if (!(next["immutable"].isBool() && next["immutable"].asBool())) {
        cause("immutable", "Forbidden: field is immutable when `immutable` is set");
      }
      if (changed("data")) cause("data", "Forbidden: field is immutable when `immutable` is set");
      if (changed("binaryData") && r.kind == "ConfigMap") {
        cause("binaryData", "Forbidden: field is immutable when `immutable` is set");
      }
    }
    if (r.kind == "Secret" && changed("type")) cause("type", invalidValue("type"));
  } else if (r.group == "apps" && (r.kind == "Deployment" || r.kind == "ReplicaSet" ||
                                   r.kind == "DaemonSet" || r.kind == "StatefulSet")) {
    if (changed("spec.selector")) cause("spec.selector", invalidValue("spec.selector"));
    if (r.kind == "StatefulSet" && causes.empty()) {
      core::Value a = current["spec"];
      core::Value b = next["spec"];
      for (const char* f : {"replicas", "ordinals", "template", "updateStrategy",
                            "persistentVolumeClaimRetentionPolicy", "minReadySeconds"}) {
        if (a.isObject()) a.asObject().erase(f);
        if (b.isObject()) b.asObject().erase(f);
      }
      if (!(a == b)) {
        cause("spec",
              "Forbidden: updates to statefulset spec for fields other than 'replicas', "
              "'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' "
              "and 'minReadySeconds' are forbidden");
      }
    }
  } else if (r.group == "batch" && r.kind == "Job") {
    if (changed("spec.selector")) cause("spec.selector", invalidValue("spec.selector"));
    if (changed("spec.template")) cause("spec.template", invalidValue("spec.template"));
    if (changed("spec.completions")) cause("spec.completions", invalidValue("spec.completions"));
  }
  if (!causes.empty()) throw invalid(r.kind, r.group, name, std::move(causes));
}

}  // namespace

core::Value ApiServer::Impl::prepareUpdate(const RequestInfo& info, const core::Value& current,
                                           core::Value obj, bool requireResourceVersion) const {
  const ResourceInfo& r = *info.info;
  if (!obj.isObject()) throw badRequest("the body of the request must be a JSON object");
  if (obj["apiVersion"].isNull()) obj["apiVersion"] = r.apiVersion();
  if (obj["kind"].isNull()) obj["kind"] = r.kind;
  if (!(obj["kind"] == core::Value(r.kind))) {
    throw badRequest("the kind in the data (" + core::toJson(obj["kind"]) + ") does not match " +
                     r.kind);
  }
  core::Value& meta = obj["metadata"];
  if (meta.isNull()) meta = core::Object{};
  const core::Value& cur = current["metadata"];
  if (std::as_const(meta)["name"].isString() &&
      std::as_const(meta)["name"].asString() != info.name) {
    throw badRequest("the name of the object (" + std::as_const(meta)["name"].asString() +
                     ") does not match the name on the URL (" + info.name + ")");
  }
  const core::Value& rv = std::as_const(meta)["resourceVersion"];
  if (rv.isString() && !rv.asString().empty()) {
    if (!(rv == cur["resourceVersion"])) {
      throw conflict(info.resource, info.group, info.name,
                     "the object has been modified; please apply your changes to the latest "
                     "version and try again");
    }
  } else if (requireResourceVersion && r.custom) {
    throw invalid(r.kind, r.group, info.name,
                  {{.field = "metadata.resourceVersion",
                    .type = "FieldValueInvalid",
                    .message = "Invalid value: 0x0: must be specified for an update"}});
  }
  // Fields the client cannot change.
  for (const char* k : {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                        "deletionGracePeriodSeconds", "generation", "resourceVersion"}) {
    if (const core::Value* v = cur.find(k)) {
      meta[k] = *v;
    } else {
      meta.asObject().erase(k);
    }
  }
  const bool statusSub = r.hasSubresource("status");
  if (info.subresource == "status") {
    // Only .status changes through /status.
    core::Value merged = current;
    if (obj.find("status") != nullptr) {
      merged["status"] = obj["status"];
    } else {
      merged.asObject().erase("status");
    }
    return merged;
  }
  if (statusSub) {
    if (const core::Value* s = current.find("status")) {
      obj["status"] = *s;
    } else {
      obj.asObject().erase("status");
    }
  }
  checkImmutableFields(r, info.name, current, obj);
  std::int64_t generation = cur["generation"].isInt() ? cur["generation"].asInt() : 1;
  if (specChanged(current, obj, statusSub)) ++generation;
  if (!tracksGeneration(r)) generation = 0;
  core::Value& meta2 = obj["metadata"];  // `meta` may have moved with the status change
  if (generation > 0) {
    meta2["generation"] = generation;
  } else {
    meta2.asObject().erase("generation");
  }
  // Finalizers cannot be added once deletion started.
  if (!cur["deletionTimestamp"].isNull() && std::as_const(meta2)["finalizers"].isArray()) {
    for (const auto& f : std::as_const(meta2)["finalizers"].asArray()) {
      bool had = false;
      if (cur["finalizers"].isArray()) {
        for (const auto& g : cur["finalizers"].asArray())
          had = had || g == f;
      }
      if (!had) {
        throw invalid(
            r.kind, r.group, info.name,
            {{.field = "metadata.finalizers",
              .type = "FieldValueForbidden",
              .message =
                  "Forbidden: no new finalizers can be added if the object is being deleted, "
                  "found new finalizers " +
                  core::toJson(core::Array{f})}});
      }
    }
  }
  return obj;
}

void ApiServer::Impl::afterWrite(const RequestInfo& info, const MutationResult& result) {
  if (!result.written) return;
  if (info.info->storageResource() == kCrdResource) {
    std::string name = info.name.empty() && result.object
                           ? result.object->object["metadata"]["name"].asString()
                           : info.name;
    syncCrd(name,
            result.deleted ? nullptr : store_->get(ObjectKey{std::string(kCrdResource), "", name}));
    if (result.deleted) {
      // The CRD is gone: so are its objects.
      std::string group = result.object->object["spec"]["group"].asString();
      std::string plural = result.object->object["spec"]["names"]["plural"].asString();
      store_->removeAll(group + "/" + plural);
    }
  }
}

void ApiServer::Impl::createObject(const HttpRequest& req, ResponseWriter& w,
                                   const RequestInfo& info) {
  if (!info.subresource.empty()) throw methodNotAllowed("create is not supported on subresources");
  const bool dryRun = isDryRun(req);
  core::Value obj = prepareCreate(info, decodeBody(req));
  std::vector<std::string> warnings;
  admitObject(req, *info.info, "", obj, warnings);
  recordUpdate(*info.info, "", core::Value(), obj, fieldManagerOf(req));
  RequestInfo target = info;
  target.name = obj["metadata"]["name"].asString();
  checkNamespace(target);
  if (info.info->storageResource() == kCrdResource) resourcesOfCrdChecked(obj);
  auto result = store_->mutate(
      keyOf(target, target.name),
      [&](const StoredObjectPtr& current) -> Mutation {
        if (current) throw alreadyExists(info.resource, info.group, target.name);
        toStorageVersion(*info.info, obj);
        return Put{obj};
      },
      dryRun);
  afterWrite(target, result);
  respondObject(req, w, 201, target, result.object ? result.object->object : obj, warnings);
}

void ApiServer::Impl::updateObject(const HttpRequest& req, ResponseWriter& w,
                                   const RequestInfo& info) {
  const bool dryRun = isDryRun(req);
  core::Value body = decodeBody(req);
  bool created = false;
  std::vector<std::string> warnings;
  // (The mutation callback runs under the store's lock and must not read the store itself.)
  if (!store_->get(keyOf(info, info.name)) && info.subresource.empty()) checkNamespace(info);
  auto result = store_->mutate(
      keyOf(info, info.name),
      [&](const StoredObjectPtr& current) -> Mutation {
        if (!current) {
          if (!info.subresource.empty()) throw notFound(info.resource, info.group, info.name);
          created = true;
          core::Value obj = prepareCreate(info, body);
          admitObject(req, *info.info, "", obj, warnings);
          recordUpdate(*info.info, "", core::Value(), obj, fieldManagerOf(req));
          toStorageVersion(*info.info, obj);
          return Put{std::move(obj)};
        }
        if (info.subresource == "scale") return scaleUpdate(req, info, current->object, body);
        core::Value next = prepareUpdate(info, current->object, body, true);
        admitObject(req, *info.info, info.subresource, next, warnings);
        recordUpdate(*info.info, info.subresource, current->object, next, fieldManagerOf(req));
        return finalizeUpdate(info, std::move(next));
      },
      dryRun);
  afterWrite(info, result);
  if (info.subresource == "scale" && result.object) {
    respondObject(req, w, 200, info, toScale(result.object->object));
    return;
  }
  if (result.deleted) {
    respondObject(req, w, 200, info, result.object->object);
    return;
  }
  respondObject(req, w, created ? 201 : 200, info, result.object ? result.object->object : body,
                warnings);
}

void ApiServer::Impl::patchObject(const HttpRequest& req, ResponseWriter& w,
                                  const RequestInfo& info) {
  const bool dryRun = isDryRun(req);
  std::string_view type = req.header("content-type");
  type = type.substr(0, type.find(';'));
  const bool apply = type == "application/apply-patch+yaml";
  if (!apply && req.hasParam("force")) {
    throw ApiError(422, "Invalid",
                   "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be "
                   "specified for non-apply patch");
  }
  core::Value config;
  if (apply) {
    config = decodeBody(req);
    // (The mutation callback runs under the store's lock and must not read the store itself.)
    if (!store_->get(keyOf(info, info.name)) && info.subresource.empty()) checkNamespace(info);
  }
  bool created = false;
  std::vector<std::string> warnings;
  auto result = store_->mutate(
      keyOf(info, info.name),
      [&](const StoredObjectPtr& current) -> Mutation {
        if (!current) {
          if (!apply || !info.subresource.empty()) {
            throw notFound(info.resource, info.group, info.name);
          }
          created = true;
          core::Value applied = serverSideApply(req, *info.info, "", core::Value(), config);
          core::Value obj = prepareCreate(info, std::move(applied));
          admitObject(req, *info.info, "", obj, warnings);
          toStorageVersion(*info.info, obj);
          return Put{std::move(obj)};
        }
        core::Value next;
        if (apply) {
          core::Value applied =
              serverSideApply(req, *info.info, info.subresource,
                              inRequestVersion(*info.info, current->object), config);
          next = prepareUpdate(info, current->object, std::move(applied), false);
          admitObject(req, *info.info, info.subresource, next, warnings);
        } else if (info.subresource == "scale") {
          return scaleUpdate(req, info, current->object,
                             applyPatch(req, info, toScale(current->object)));
        } else {
          core::Value patched =
              applyPatch(req, info, inRequestVersion(*info.info, current->object));
          next = prepareUpdate(info, current->object, std::move(patched), false);
          admitObject(req, *info.info, info.subresource, next, warnings);
          recordUpdate(*info.info, info.subresource, current->object, next, fieldManagerOf(req));
        }
        return finalizeUpdate(info, std::move(next));
      },
      dryRun);
  afterWrite(info, result);
  if (info.subresource == "scale") {
    respondObject(req, w, 200, info, toScale(result.object->object));
    return;
  }
  respondObject(req, w, created ? 201 : 200, info, result.object->object, warnings);
}

// A write to /scale: the Scale's replicas become the object's spec.replicas, an update of the
// main resource (generation, admission, managedFields with subresource `scale`).
Mutation ApiServer::Impl::scaleUpdate(const HttpRequest& req, const RequestInfo& info,
                                      const core::Value& current, const core::Value& scale) {
  const core::Value& rv = scale["metadata"]["resourceVersion"];
  if (rv.isString() && !rv.asString().empty() && !(rv == current["metadata"]["resourceVersion"])) {
    throw conflict(info.resource, info.group, info.name,
                   "the object has been modified; please apply your changes to the latest "
                   "version and try again");
  }
  RequestInfo main = info;
  main.subresource.clear();
  core::Value next = prepareUpdate(main, current, fromScale(current, scale), false);
  std::vector<std::string> warnings;
  admitObject(req, *info.info, "", next, warnings);
  recordUpdate(*info.info, "scale", current, next, fieldManagerOf(req));
  return finalizeUpdate(main, std::move(next));
}

core::Value ApiServer::Impl::applyPatch(const HttpRequest& req, const RequestInfo& info,
                                        const core::Value& current) const {
  std::string_view type = req.header("content-type");
  type = type.substr(0, type.find(';'));
  core::Value patch;
  try {
    patch = type == "application/apply-patch+yaml" ? decodeBody(req)
                                                   : core::parseJson(req.body, "patch");
  } catch (const core::Error& e) {
    throw badRequest(std::string("error decoding patch: ") + e.what());
  }
  // Kubernetes treats metadata.resourceVersion inside a patch as a precondition.
  const core::Value& rv = std::as_const(patch)["metadata"]["resourceVersion"];
  if (rv.isString() && !(rv == current["metadata"]["resourceVersion"])) {
    throw conflict(info.resource, info.group, info.name,
                   "the object has been modified; please apply your changes to the latest version "
                   "and try again");
  }
  try {
    if (type == "application/merge-patch+json") return kube::applyMergePatch(current, patch);
    if (type == "application/json-patch+json") return kube::applyJsonPatch(current, patch);
    if (type == "application/strategic-merge-patch+json") {
      if (info.info->custom) {
        throw unsupportedMediaType(
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, "
            "application/apply-patch+yaml");
      }
      return applyStrategicPatch(*info.info, current, patch);
    }
  } catch (const ApiError&) {
    throw;
  } catch (const kube::MalformedPatchError& e) {
    throw badRequest(e.what());
  } catch (const core::Error& e) {
    throw ApiError(422, "Invalid", e.what());
  }
  throw unsupportedMediaType(
      "the body of the request was in an unknown format - accepted media types include: "
      "application/json-patch+json, application/merge-patch+json, "
      "application/strategic-merge-patch+json");
}

void ApiServer::Impl::deleteObject(const HttpRequest& req, ResponseWriter& w,
                                   const RequestInfo& info) {
  if (!info.subresource.empty()) throw methodNotAllowed("delete is not supported on subresources");
  const bool dryRun = isDryRun(req);
  // DeleteOptions: the body or query parameters (propagationPolicy, legacy orphanDependents).
  std::string policy = req.param("propagationPolicy");
  core::Value preconditions;
  if (!req.body.empty()) {
    core::Value options = decodeBody(req);
    preconditions = options["preconditions"];
    if (options["propagationPolicy"].isString()) policy = options["propagationPolicy"].asString();
    if (options["orphanDependents"].isBool()) {
      policy = options["orphanDependents"].asBool() ? "Orphan" : "Background";
    }
  }
  if (!policy.empty() && policy != "Orphan" && policy != "Foreground" && policy != "Background") {
    throw invalid(
        "DeleteOptions", "meta.k8s.io", "",
        {{.field = "propagationPolicy",
          .type = "FieldValueNotSupported",
          .message = "Unsupported value: \"" + policy +
                     "\": supported values: \"Foreground\", \"Background\", \"Orphan\""}});
  }
  const char* gcFinalizer = policy == "Orphan"       ? "orphan"
                            : policy == "Foreground" ? "foregroundDeletion"
                                                     : nullptr;
  auto result = store_->mutate(
      keyOf(info, info.name),
      [&](const StoredObjectPtr& current) -> Mutation {
        if (!current) throw notFound(info.resource, info.group, info.name);
        const core::Value& meta = current->object["metadata"];
        for (const char* field : {"uid", "resourceVersion"}) {
          const core::Value& want = preconditions[field];
          if (want.isString() && !(want == meta[field])) {
            std::string label = std::string(field) == "uid" ? "UID" : "ResourceVersion";
            ApiError e(409, "Conflict",
                       "Precondition failed: " + label + " in precondition: " + want.asString() +
                           ", " + label + " in object meta: " +
                           (meta[field].isString() ? meta[field].asString() : ""));
            e.withDetails({info.name, info.group, info.resource, ""});
            throw e;
          }
        }
        bool hasFinalizers = meta["finalizers"].isArray() && !meta["finalizers"].asArray().empty();
        bool isNamespace = info.info->plural == "namespaces" && info.info->group.empty();
        if (!hasFinalizers && !isNamespace && gcFinalizer == nullptr) return Remove{};
        if (!meta["deletionTimestamp"].isNull()) return Keep{};
        core::Value obj = current->object;
        if (gcFinalizer != nullptr && !isNamespace)
          obj["metadata"]["finalizers"].push_back(gcFinalizer);
        obj["metadata"]["deletionTimestamp"] = nowTimestamp();
        obj["metadata"]["deletionGracePeriodSeconds"] = 0;
        if (meta["generation"].isInt())
          obj["metadata"]["generation"] = meta["generation"].asInt() + 1;
        if (isNamespace) obj["status"]["phase"] = "Terminating";
        return Put{std::move(obj)};
      },
      dryRun);
  afterWrite(info, result);
  if (result.deleted || (dryRun && !result.object)) {
    const core::Value& obj = result.object ? result.object->object : core::nullValue();
    sendJson(w, 200, statusSuccess(info, info.name, obj["metadata"]["uid"]));
    return;
  }
  if (info.info->plural == "namespaces" && info.info->group.empty() && !dryRun)
    finalizeNamespace(info.name);
  auto after = store_->get(keyOf(info, info.name));
  if (!after) {
    sendJson(w, 200, statusSuccess(info, info.name, result.object->object["metadata"]["uid"]));
    return;
  }
  respondObject(req, w, 200, info, after->object);
}

void ApiServer::Impl::deleteCollection(const HttpRequest& req, ResponseWriter& w,
                                       const RequestInfo& info) {
  Selectors sel = parseSelectors(req, *info.info);
  std::int64_t revision = 0;
  auto objects = store_->list(info.info->storageResource(), info.namespace_, revision);
  for (const auto& o : objects) {
    if (!sel.matches(o->object)) continue;
    RequestInfo one = info;
    one.name = o->object["metadata"]["name"].asString();
    one.namespace_ = o->object["metadata"]["namespace"].isString()
                         ? o->object["metadata"]["namespace"].asString()
                         : "";
    auto result = store_->mutate(keyOf(one, one.name), deleteOrMarkDeleting, isDryRun(req));
    afterWrite(one, result);
  }
  sendJson(w, 200,
           core::Object{{"kind", "Status"},
                        {"apiVersion", "v1"},
                        {"metadata", core::Object{}},
                        {"status", "Success"}});
}

Mutation deleteOrMarkDeleting(const StoredObjectPtr& current) {
  if (!current) return Keep{};
  const core::Value& meta = current->object["metadata"];
  if (!(meta["finalizers"].isArray() && !meta["finalizers"].asArray().empty())) return Remove{};
  if (!meta["deletionTimestamp"].isNull()) return Keep{};
  core::Value obj = current->object;
  obj["metadata"]["deletionTimestamp"] = nowTimestamp();
  obj["metadata"]["deletionGracePeriodSeconds"] = 0;
  return Put{std::move(obj)};
}

void ApiServer::Impl::finalizeNamespace(const std::string& name) {
  auto ns = store_->get(ObjectKey{"/namespaces", "", name});
  if (!ns || ns->object["metadata"]["deletionTimestamp"].isNull()) return;
  bool remaining = false;
  for (const auto& r : registry_->all()) {
    if (!r->namespaced || !r->storageVersion) continue;
    std::int64_t rev = 0;
    for (const auto& o : store_->list(r->storageResource(), name, rev)) {
      remaining = true;
      ObjectKey key{r->storageResource(), name, o->object["metadata"]["name"].asString()};
      store_->mutate(key, deleteOrMarkDeleting);
    }
  }
  if (remaining) {
    // Objects held by finalizers keep the namespace Terminating until they are gone.
    bool left = false;
    for (const auto& r : registry_->all()) {
      if (!r->namespaced || !r->storageVersion) continue;
      std::int64_t rev = 0;
      left = left || !store_->list(r->storageResource(), name, rev).empty();
    }
    if (left) return;
  }
  store_->mutate(ObjectKey{"/namespaces", "", name},
                 [](const StoredObjectPtr& current) -> Mutation {
                   if (!current) return Keep{};
                   return Remove{};
                 });
}

}  // namespace driftless::apiserver
