#include "client_impl.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>

#include "driftless/core/error.h"
#include "driftless/core/json.h"

#ifndef DRIFTLESS_VERSION
#define DRIFTLESS_VERSION "0.0.0-dev"
#endif

namespace driftless::kube {

namespace {

constexpr std::size_t kMaxIdleHandles = 16;
constexpr auto kTokenRefresh = std::chrono::minutes(1);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Builds `?a=b&c=d` from the non-empty pairs.
class Query {
 public:
  Query& add(std::string_view key, std::string_view value) {
    if (value.empty()) return *this;
    text_ += text_.empty() ? '?' : '&';
    text_ += escape(key);
    text_ += '=';
    text_ += escape(value);
    return *this;
  }
  [[nodiscard]] const std::string& str() const noexcept { return text_; }

 private:
  std::string text_;
};

std::string str(const core::Value& v) {
  return v.isString() ? v.asString() : std::string();
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0)
    s.pop_back();
  return s;
}

// What the curl callbacks of one transfer share.
struct Transfer {
  CURL* handle = nullptr;
  const StreamSink* sink = nullptr;
  std::stop_token stop;
  std::string body;
  std::chrono::seconds retryAfter{0};
  bool ended = false;  // the sink or the stop token ended the transfer
  std::exception_ptr error;
};

std::size_t onWrite(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
  if (t->sink == nullptr || status != 200) {
    t->body.append(data, n);
    return n;
  }
  try {
    if ((*t->sink)(std::string_view(data, n))) return n;
  } catch (...) {
    t->error = std::current_exception();
  }
  t->ended = true;
  return 0;  // aborts the transfer
}

std::size_t onHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  constexpr std::string_view kRetryAfter = "retry-after:";
  if (line.size() > kRetryAfter.size()) {
    std::string name(line.substr(0, kRetryAfter.size()));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name == kRetryAfter) {
      std::string value = trimmed(std::string(line.substr(kRetryAfter.size())));
      value.erase(0, value.find_first_not_of(' '));
      if (!value.empty() && std::all_of(value.begin(), value.end(),
                                        [](unsigned char c) { return std::isdigit(c) != 0; })) {
        t->retryAfter = std::chrono::seconds(std::stoll(value));
      }
    }
  }
  return n;
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->stop.stop_requested()) return 0;
  t->ended = true;
  return 1;  // aborts the transfer
}

void setBlob(CURL* h, CURLoption option, const std::string& pem) {
  if (pem.empty()) return;
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(h, option, &blob);
}

const char* propagationName(PropagationPolicy p) {
  switch (p) {
    case PropagationPolicy::Background:
      return "Background";
    case PropagationPolicy::Foreground:
      return "Foreground";
    case PropagationPolicy::Orphan:
      return "Orphan";
    case PropagationPolicy::Default:
      break;
  }
  return "";
}

std::optional<WatchEventType> parseEventType(const std::string& s) {
  if (s == "ADDED") return WatchEventType::Added;
  if (s == "MODIFIED") return WatchEventType::Modified;
  if (s == "DELETED") return WatchEventType::Deleted;
  if (s == "BOOKMARK") return WatchEventType::Bookmark;
  if (s == "ERROR") return WatchEventType::Error;
  return std::nullopt;
}

}  // namespace

const char* watchEventTypeName(WatchEventType type) noexcept {
  switch (type) {
    case WatchEventType::Added:
      return "ADDED";
    case WatchEventType::Modified:
      return "MODIFIED";
    case WatchEventType::Deleted:
      return "DELETED";
    case WatchEventType::Bookmark:
      return "BOOKMARK";
    case WatchEventType::Error:
      return "ERROR";
  }
  return "UNKNOWN";
}

ObjectRef ObjectRef::of(const core::Value& object) {
  std::string apiVersion = str(object["apiVersion"]);
  std::string kind = str(object["kind"]);
  if (apiVersion.empty() || kind.empty()) {
    throw core::Error("object " + str(object["metadata"]["name"]) + " has no apiVersion or kind");
  }
  return {GroupVersionKind::fromApiVersion(apiVersion, kind), str(object["metadata"]["namespace"]),
          str(object["metadata"]["name"])};
}

TokenBucket::TokenBucket(double qps, int burst)
    : qps_(qps), burst_(std::max(1, burst)), tokens_(burst_), last_(Clock::now()) {}

void TokenBucket::take() {
  if (qps_ <= 0) return;
  Clock::duration wait{};
  {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_) - 1;
    // A negative balance is a reservation: this caller waits until it is paid back.
    if (tokens_ < 0) {
      wait = std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(-tokens_ / qps_));
    }
  }
  if (wait.count() > 0) std::this_thread::sleep_for(wait);
}

ClientImpl::Lease::~Lease() {
  std::lock_guard lock(client_.poolMutex_);
  if (client_.pool_.size() < kMaxIdleHandles) client_.pool_.push_back(std::move(handle_));
}

ClientImpl::ClientImpl(RestConfig config, core::Logger logger)
    : config_(std::move(config)),
      logger_(std::move(logger)),
      userAgent_(std::string("driftless/") + DRIFTLESS_VERSION),
      throttle_(config_.qps, config_.burst),
      mapper_(
          [this](const std::string& path, const std::string& accept) -> std::optional<core::Value> {
            HttpRequest req;
            req.path = path;
            req.accept = accept;
            HttpResponse resp = send(req);
            if (resp.status == 404) return std::nullopt;
            return decode(req, resp);
          }),
      token_(config_.bearerToken),
      tokenRead_(std::chrono::steady_clock::now()) {
  if (config_.server.empty()) throw core::Error("the client configuration has no server");
}

ClientImpl::Lease ClientImpl::acquire() {
  {
    std::lock_guard lock(poolMutex_);
    if (!pool_.empty()) {
      CurlEasyPtr h = std::move(pool_.back());
      pool_.pop_back();
      return Lease(*this, std::move(h));
    }
  }
  CurlEasyPtr h(curl_easy_init());
  if (!h) throw core::Error("curl_easy_init failed");
  return Lease(*this, std::move(h));
}

std::string ClientImpl::bearerToken() {
  std::lock_guard lock(tokenMutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!config_.tokenFile.empty() && (token_.empty() || now - tokenRead_ >= kTokenRefresh)) {
    tokenRead_ = now;
    std::ifstream in(config_.tokenFile, std::ios::binary);
    std::ostringstream text;
    if (in) text << in.rdbuf();
    std::string fresh = trimmed(text.str());
    if (!fresh.empty()) {
      token_ = std::move(fresh);
    } else {
      logger_.error("cannot read the bearer token file; keeping the previous token",
                    "empty or unreadable", {{"file", config_.tokenFile}});
    }
  }
  return token_;
}

CurlSlistPtr ClientImpl::headersFor(const HttpRequest& request) {
  std::vector<std::string> lines;
  lines.push_back("Accept: " + request.accept);
  if (!request.contentType.empty()) lines.push_back("Content-Type: " + request.contentType);
  lines.emplace_back("Expect:");  // no 100-continue round trip for large bodies
  if (std::string token = bearerToken(); !token.empty()) {
    lines.push_back("Authorization: Bearer " + token);
  }
  if (!config_.impersonateUser.empty()) {
    lines.push_back("Impersonate-User: " + config_.impersonateUser);
  }
  for (const auto& g : config_.impersonateGroups)
    lines.push_back("Impersonate-Group: " + g);
  CurlSlistPtr list;
  for (const auto& line : lines) {
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (next == nullptr) throw core::Error("curl_slist_append failed");
    static_cast<void>(list.release());
    list.reset(next);
  }
  return list;
}

void ClientImpl::configure(CURL* h, const HttpRequest& request, curl_slist* headers) const {
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(h, CURLOPT_USERAGENT, userAgent_.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connectTimeout.count()));
  if (!request.stream && config_.timeout.count() > 0) {
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout.count()));
  }
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, config_.insecureSkipTlsVerify ? 0L : 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, config_.insecureSkipTlsVerify ? 0L : 2L);
  setBlob(h, CURLOPT_CAINFO_BLOB, config_.caPem);
  if (!config_.clientCertPem.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    setBlob(h, CURLOPT_SSLCERT_BLOB, config_.clientCertPem);
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    setBlob(h, CURLOPT_SSLKEY_BLOB, config_.clientKeyPem);
  }
  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    if (!request.body.empty() || request.method != "DELETE") {
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
    }
    if (request.method != "POST")
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
}

HttpResponse ClientImpl::send(const HttpRequest& request, const StreamSink* sink,
                              std::stop_token stop) {
  throttle_.take();
  const std::string url = config_.server + request.path;
  Lease lease = acquire();
  CURL* h = lease.get();
  curl_easy_reset(h);  // keeps the connection cache
  CurlSlistPtr headers = headersFor(request);
  configure(h, request, headers.get());
  Transfer t;
  t.handle = h;
  t.sink = sink;
  t.stop = std::move(stop);
  char errorBuffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &onWrite);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &onHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  if (t.stop.stop_possible()) {
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &onProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  }
  const auto start = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(h);
  // The handle must not point at this frame's buffer once the lease returns it.
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  if (t.error) std::rethrow_exception(t.error);
  HttpResponse response;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  if (logger_.enabled(core::LogLevel::Trace)) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    logger_.trace("request", {{"verb", request.method},
                              {"url", url},
                              {"status", static_cast<long long>(response.status)},
                              {"milliseconds", static_cast<long long>(ms)}});
  }
  if (config_.requestObserver) {
    config_.requestObserver(request.method, rc != CURLE_OK && !t.ended && response.status == 0
                                                ? std::string("<error>")
                                                : std::to_string(response.status));
  }
  if (rc != CURLE_OK && !t.ended) {
    std::string detail = errorBuffer[0] != '\0' ? errorBuffer : curl_easy_strerror(rc);
    throw core::Error(request.method + " " + url + ": " + detail);
  }
  response.body = std::move(t.body);
  response.retryAfter = t.retryAfter;
  return response;
}

core::Value ClientImpl::decode(const HttpRequest& request, const HttpResponse& response) {
  if (response.status < 200 || response.status >= 300) {
    throw ApiError::fromResponse(static_cast<int>(response.status), response.body,
                                 response.retryAfter);
  }
  return core::parseJson(response.body, request.method + " " + request.path);
}

std::string ClientImpl::pathFor(const GroupVersionKind& gvk, const std::string& namespace_,
                                const std::string& name, const std::string& subresource) {
  RestMapping m = mapper_.mappingFor(gvk);
  std::string path =
      m.gvr.group.empty() ? "/api/" + m.gvr.version : "/apis/" + m.gvr.group + "/" + m.gvr.version;
  if (m.namespaced && !namespace_.empty()) path += "/namespaces/" + escape(namespace_);
  if (m.namespaced && namespace_.empty() && !name.empty()) {
    throw core::Error(gvk.kind + " \"" + name + "\" is namespaced but has no namespace");
  }
  path += "/" + m.gvr.resource;
  if (!name.empty()) path += "/" + escape(name);
  if (!subresource.empty()) path += "/" + subresource;
  return path;
}

std::string ClientImpl::objectPath(const core::Value& object, const std::string& subresource) {
  ObjectRef ref = ObjectRef::of(object);
  if (ref.name.empty()) throw core::Error(ref.gvk.kind + " has no metadata.name");
  return pathFor(ref.gvk, ref.namespace_, ref.name, subresource);
}

core::Value ClientImpl::get(const ObjectRef& ref) {
  HttpRequest req;
  req.path = pathFor(ref.gvk, ref.namespace_, ref.name, "");
  return write(req);
}

core::Value ClientImpl::list(const GroupVersionKind& gvk, const std::string& namespace_,
                             const ListOptions& options) {
  HttpRequest req;
  Query q;
  q.add("labelSelector", options.labelSelector)
      .add("fieldSelector", options.fieldSelector)
      .add("limit", options.limit > 0 ? std::to_string(options.limit) : "")
      .add("continue", options.continue_)
      .add("resourceVersion", options.resourceVersion);
  req.path = pathFor(gvk, namespace_, "", "") + q.str();
  core::Value result = write(req);
  if (core::Value* items = result.find("items"); items != nullptr && items->isArray()) {
    for (auto& item : items->asArray()) {
      if (!item.isObject()) continue;
      if (!item["apiVersion"].isString()) item["apiVersion"] = gvk.apiVersion();
      if (!item["kind"].isString()) item["kind"] = gvk.kind;
    }
  }
  return result;
}

core::Value ClientImpl::create(const core::Value& object, const WriteOptions& options) {
  ObjectRef ref = ObjectRef::of(object);
  HttpRequest req;
  req.method = "POST";
  Query q;
  q.add("fieldManager", options.fieldManager).add("dryRun", options.dryRun ? "All" : "");
  if (ref.namespace_.empty() && mapper_.mappingFor(ref.gvk).namespaced) {
    throw core::Error(ref.gvk.kind + " \"" + ref.name + "\" is namespaced but has no namespace");
  }
  req.path = pathFor(ref.gvk, ref.namespace_, "", "") + q.str();
  req.contentType = "application/json";
  req.body = core::toJson(object);
  return write(req);
}

core::Value ClientImpl::update(const core::Value& object, const WriteOptions& options) {
  return put(object, "", options);
}

core::Value ClientImpl::updateStatus(const core::Value& object, const WriteOptions& options) {
  return put(object, "status", options);
}

// PUT of the whole object, or of its subresource.
core::Value ClientImpl::put(const core::Value& object, const std::string& subresource,
                            const WriteOptions& options) {
  HttpRequest req;
  req.method = "PUT";
  Query q;
  q.add("fieldManager", options.fieldManager).add("dryRun", options.dryRun ? "All" : "");
  req.path = objectPath(object, subresource) + q.str();
  req.contentType = "application/json";
  req.body = core::toJson(object);
  return write(req);
}

core::Value ClientImpl::patch(const ObjectRef& ref, PatchType type, const core::Value& body,
                              const PatchOptions& options) {
  HttpRequest req;
  req.method = "PATCH";
  Query q;
  q.add("fieldManager", options.fieldManager).add("dryRun", options.dryRun ? "All" : "");
  req.path = pathFor(ref.gvk, ref.namespace_, ref.name, options.subresource) + q.str();
  req.contentType = type == PatchType::Json    ? "application/json-patch+json"
                    : type == PatchType::Merge ? "application/merge-patch+json"
                                               : "application/strategic-merge-patch+json";
  req.body = core::toJson(body);
  return write(req);
}

core::Value ClientImpl::apply(const core::Value& object, const ServerSideApplyOptions& options) {
  HttpRequest req;
  req.method = "PATCH";
  Query q;
  q.add("fieldManager", options.fieldManager)
      .add("force", options.force ? "true" : "")
      .add("dryRun", options.dryRun ? "All" : "");
  req.path = objectPath(object, options.subresource) + q.str();
  req.contentType = "application/apply-patch+yaml";
  req.body = core::toJson(object);  // JSON is YAML
  return write(req);
}

void ClientImpl::remove(const ObjectRef& ref, const DeleteOptions& options) {
  HttpRequest req;
  req.method = "DELETE";
  Query q;
  q.add("dryRun", options.dryRun ? "All" : "");
  req.path = pathFor(ref.gvk, ref.namespace_, ref.name, "") + q.str();
  core::Object body;
  body.append("kind", "DeleteOptions");
  body.append("apiVersion", "v1");
  if (options.propagationPolicy != PropagationPolicy::Default) {
    body.append("propagationPolicy", propagationName(options.propagationPolicy));
  }
  if (options.gracePeriodSeconds) {
    body.append("gracePeriodSeconds", static_cast<long long>(*options.gracePeriodSeconds));
  }
  if (!options.preconditionUid.empty() || !options.preconditionResourceVersion.empty()) {
    core::Object pre;
    if (!options.preconditionUid.empty()) pre.append("uid", options.preconditionUid);
    if (!options.preconditionResourceVersion.empty()) {
      pre.append("resourceVersion", options.preconditionResourceVersion);
    }
    body.append("preconditions", core::Value(std::move(pre)));
  }
  if (options.dryRun) body.append("dryRun", core::Array{"All"});
  req.contentType = "application/json";
  req.body = core::toJson(core::Value(std::move(body)));
  write(req);
}

void ClientImpl::watch(const GroupVersionKind& gvk, const std::string& namespace_,
                       const WatchOptions& options, const WatchCallback& callback) {
  HttpRequest req;
  req.stream = true;
  Query q;
  q.add("watch", "true")
      .add("resourceVersion", options.resourceVersion)
      .add("labelSelector", options.labelSelector)
      .add("fieldSelector", options.fieldSelector)
      .add("allowWatchBookmarks", options.allowBookmarks ? "true" : "")
      .add("timeoutSeconds",
           options.timeoutSeconds > 0 ? std::to_string(options.timeoutSeconds) : "");
  req.path = pathFor(gvk, namespace_, "", "") + q.str();
  // Events are newline-delimited JSON; a chunk may hold several events or part of one.
  std::string pending;
  const std::string source = "watch " + req.path;
  StreamSink sink = [&](std::string_view chunk) {
    pending.append(chunk);
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(pending.data() + start, nl - start);
      if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
      core::Value frame = core::parseJson(line, source);
      auto type = parseEventType(str(frame["type"]));
      if (!type) throw core::Error(source + ": unknown event type \"" + str(frame["type"]) + "\"");
      core::Value* object = frame.find("object");
      WatchEvent event{*type, object != nullptr ? std::move(*object) : core::Value()};
      if (!callback(event)) return false;
    }
    pending.erase(0, start);
    return true;
  };
  HttpResponse response = send(req, &sink, options.stop);
  if (response.status != 200) decode(req, response);  // throws the ApiError
}

ClientPtr makeClient(const RestConfig& config, core::Logger logger) {
  net::curlGlobalInit();
  return std::make_unique<ClientImpl>(config, std::move(logger));
}

}  // namespace driftless::kube
