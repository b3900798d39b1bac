#pragma once

// The Kubernetes REST client: typed verbs over unstructured objects (core::Value), in the shape
// of controller-runtime's client (Reader, Writer, StatusClient) plus watch.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "driftless/core/log.h"
#include "driftless/core/value.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/kubeconfig.h"
#include "driftless/kube/rest_mapper.h"

namespace driftless::kube {

struct ObjectRef {
  GroupVersionKind gvk;
  std::string namespace_;  // empty for cluster-scoped objects
  std::string name;

  // The reference of an object (apiVersion, kind, metadata.namespace, metadata.name).
  static ObjectRef of(const core::Value& object);

  friend bool operator==(const ObjectRef&, const ObjectRef&) = default;
};

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::int64_t limit = 0;  // 0: everything
  std::string continue_;   // the continue token of the previous page
  std::string resourceVersion;
};

// Options of create, update and updateStatus.
struct WriteOptions {
  std::string fieldManager;
  bool dryRun = false;
};

enum class PatchType { Json, Merge, Strategic };

struct PatchOptions {
  std::string fieldManager;
  bool dryRun = false;
  std::string subresource;  // e.g. "status"
};

// (Named apart from ApplyOptions of server_side_apply.h, the apply engine itself.)
struct ServerSideApplyOptions {
  std::string fieldManager;  // required by the server
  bool force = false;
  bool dryRun = false;
  std::string subresource;
};

enum class PropagationPolicy { Default, Background, Foreground, Orphan };

struct DeleteOptions {
  PropagationPolicy propagationPolicy = PropagationPolicy::Default;
  bool dryRun = false;
  // Preconditions: the delete fails with a conflict unless the object still has these.
  std::string preconditionUid;
  std::string preconditionResourceVersion;
  std::optional<std::int64_t> gracePeriodSeconds;
};

struct WatchOptions {
  // Empty or "0": the current objects first (as ADDED), then changes.
  std::string resourceVersion;
  std::string labelSelector;
  std::string fieldSelector;
  bool allowBookmarks = false;
  std::int64_t timeoutSeconds = 0;  // 0: the server's default
  // Ends the watch (checked while waiting for events, at least about once a second).
  std::stop_token stop;
};

enum class WatchEventType { Added, Modified, Deleted, Bookmark, Error };

const char* watchEventTypeName(WatchEventType type) noexcept;

struct WatchEvent {
  WatchEventType type = WatchEventType::Added;
  // The object; for Error a Status object (ApiError::fromStatus turns it into an error, e.g.
  // 410 Expired when resourceVersion is older than the server's history).
  core::Value object;
};

// Returns false to end the watch.
using WatchCallback = std::function<bool(const WatchEvent&)>;

// Every method is thread-safe and blocks. Failures reported by the server are ApiError;
// transport failures (connection, TLS, timeouts) are core::Error naming the URL.
class Client {
 public:
  virtual ~Client() = default;

  virtual core::Value get(const ObjectRef& ref) = 0;
  // The List object (items carry apiVersion and kind); namespace_ empty lists all namespaces.
  virtual core::Value list(const GroupVersionKind& gvk, const std::string& namespace_,
                           const ListOptions& options = {}) = 0;
  // Each returns the object as stored by the server.
  virtual core::Value create(const core::Value& object, const WriteOptions& options = {}) = 0;
  // Fails with a conflict when metadata.resourceVersion is stale.
  virtual core::Value update(const core::Value& object, const WriteOptions& options = {}) = 0;
  virtual core::Value updateStatus(const core::Value& object, const WriteOptions& options = {}) = 0;
  // body: an RFC 6902 operation array (Json) or a patch object (Merge, Strategic).
  virtual core::Value patch(const ObjectRef& ref, PatchType type, const core::Value& body,
                            const PatchOptions& options = {}) = 0;
  // Server-side apply of a (partial) object: PATCH application/apply-patch+yaml.
  virtual core::Value apply(const core::Value& object, const ServerSideApplyOptions& options) = 0;
  virtual void remove(const ObjectRef& ref, const DeleteOptions& options = {}) = 0;
  // Streams events to callback until it returns false, the server ends the watch (timeout) or
  // options.stop is requested. Throws ApiError when the watch cannot start.
  virtual void watch(const GroupVersionKind& gvk, const std::string& namespace_,
                     const WatchOptions& options, const WatchCallback& callback) = 0;

  virtual RestMapper& restMapper() = 0;
};
using ClientPtr = std::unique_ptr<Client>;

// Throws core::Error when the configuration is unusable (no server).
ClientPtr makeClient(const RestConfig& config, core::Logger logger);

}  // namespace driftless::kube
