#pragma once

// An in-memory kube::Client for controllers' unit tests (controller-runtime's fake client,
// client-go's fake clientset with its action log and reactors).
//
// The object semantics are the API server's, as the embedded control plane implements them
// (libs/apiserver/src/resources.cpp), with the same engines: merge, JSON and strategic merge
// patches (patch.h, strategic_merge.h), server-side apply and managedFields
// (server_side_apply.h), selectors (selector.h), and errors from the ApiError factories, so a
// reconciler sees what it would see from a real server:
//   - a global resourceVersion set on every write; stale metadata.resourceVersion -> 409;
//   - uid, creationTimestamp, generateName; metadata.generation from 1, incremented when anything
//     outside metadata (and status, for kinds with a status subresource) changes;
//   - the status subresource: the main resource ignores status, /status changes only status;
//   - deletion with finalizers (deletionTimestamp, removal when the last finalizer goes),
//     delete preconditions, dry runs;
//   - list with label and field selectors, limit/continue; watch from the current state or from
//     a resourceVersion in the recent history, with events in write order.
//
// Differences from a real server: namespaces need not exist, there is no garbage collection
// (propagation policies are accepted and ignored) and no admission (CRD schemas are not
// validated, pruned or defaulted), built-in kinds get the unknown patch schema unless a test
// registers one (strategic merge patches then replace lists, server-side apply treats lists as
// atomic), core/v1 and events.k8s.io/v1 Events are stored apart, no BOOKMARK events are sent,
// and a watch without timeoutSeconds runs until stopped. Updating a missing object is NotFound,
// as kube-apiserver answers for the kinds controllers write (the embedded control plane
// creates it).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/client.h"
#include "driftless/kube/patch_schema.h"
#include "driftless/kube/rest_mapper.h"

namespace driftless::kube {

enum class FakeVerb : std::uint8_t { Get, List, Watch, Create, Update, Patch, Apply, Delete };

// "get", "list", "watch", "create", "update", "patch", "apply", "delete".
const char* fakeVerbName(FakeVerb verb) noexcept;

// One request the fake received (client-go's testing.Action), recorded before it runs, failed
// requests included.
struct FakeAction {
  FakeVerb verb = FakeVerb::Get;
  // The object's reference as the request names it; the name is empty for list and watch.
  ObjectRef ref;
  std::string subresource;  // "status" for updateStatus and status patches

  friend bool operator==(const FakeAction&, const FakeAction&) = default;
};

// What the fake serves for one version of a kind.
struct FakeKind {
  RestMapping mapping;  // gvk, resource, scope; subresources with "status" for status semantics
  // A custom resource: strategic merge patch is refused (415) and update needs a
  // resourceVersion, as for CRDs.
  bool custom = false;
  // metadata.generation is kept (ConfigMaps, Secrets, Leases, RBAC objects and Events have none).
  bool tracksGeneration = true;
  // Merge keys and list types for strategic merge patch and server-side apply.
  PatchSchema schema;
};

// The kinds a FakeClient serves from the start: the built-in kinds of the embedded control
// plane and every version of every Flux kind (api/, as custom resources with a status
// subresource).
std::vector<FakeKind> defaultFakeKinds();

// Runs before each request, after it is recorded; throwing an exception fails the request.
// Reactors may call the client.
using FakeReactor = std::function<void(const FakeAction& action)>;

// Every method is thread-safe.
class FakeClient : public Client {
 public:
  // Serves defaultFakeKinds().
  FakeClient();
  ~FakeClient() override;
  FakeClient(const FakeClient&) = delete;
  FakeClient& operator=(const FakeClient&) = delete;

  core::Value get(const ObjectRef& ref) override;
  core::Value list(const GroupVersionKind& gvk, const std::string& namespace_,
                   const ListOptions& options = {}) override;
  core::Value create(const core::Value& object, const WriteOptions& options = {}) override;
  core::Value update(const core::Value& object, const WriteOptions& options = {}) override;
  core::Value updateStatus(const core::Value& object, const WriteOptions& options = {}) override;
  core::Value patch(const ObjectRef& ref, PatchType type, const core::Value& body,
                    const PatchOptions& options = {}) override;
  core::Value apply(const core::Value& object, const ServerSideApplyOptions& options) override;
  void remove(const ObjectRef& ref, const DeleteOptions& options = {}) override;
  void watch(const GroupVersionKind& gvk, const std::string& namespace_,
             const WatchOptions& options, const WatchCallback& callback) override;
  RestMapper& restMapper() override;

  // Serves another kind (or replaces what is known about one version of a kind).
  void registerKind(FakeKind kind);

  // Stores an object to arrange a test (controller-runtime's WithObjects): like create, but the
  // status (and a deletionTimestamp, when there are finalizers) is kept, no managedFields are
  // recorded (as for an object older than server-side apply) and no action is logged. Returns
  // the stored object.
  core::Value addObject(const core::Value& object);

  // The requests received so far, in order.
  [[nodiscard]] std::vector<FakeAction> actions() const;
  void clearActions();

  // The next `times` requests of `verb` on `kind` (any kind when empty; updates and patches of
  // any subresource) fail with `error` without touching anything.
  void injectError(FakeVerb verb, std::string kind, ApiError error, int times = 1);
  void addReactor(FakeReactor reactor);

 private:
  class State;
  // update and updateStatus.
  core::Value write(const ObjectRef& ref, const core::Value& object, const std::string& subresource,
                    const WriteOptions& options);

  std::unique_ptr<State> state_;
};
using FakeClientPtr = std::unique_ptr<FakeClient>;

}  // namespace driftless::kube
