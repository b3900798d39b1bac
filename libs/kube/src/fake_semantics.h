#pragma once

// The object semantics of the fake client, as pure functions over core::Value: what the API
// server does to an object on create, update, patch, apply and delete (after
// libs/apiserver/src/resources.cpp and admission.cpp). Storage, resourceVersions and watches
// are FakeClient's.

#include <optional>
#include <string>
#include <string_view>

#include "driftless/core/value.h"
#include "driftless/kube/client.h"
#include "driftless/kube/fake_client.h"
#include "driftless/kube/selector.h"

namespace driftless::kube::fake {

[[nodiscard]] bool hasStatusSubresource(const FakeKind& kind);
[[nodiscard]] bool hasFinalizers(const core::Value& object);
[[nodiscard]] bool isDeleting(const core::Value& object);
[[nodiscard]] std::string stringAt(const core::Value& value, std::string_view key);

// The object as a client reads it: in the version of the request (conversion None).
[[nodiscard]] core::Value inRequestVersion(const FakeKind& kind, const core::Value& object);

// A new object: name (or generateName), uid, creationTimestamp, generation, defaults; throws
// ApiError as the server does (invalid name, resourceVersion set, no namespace).
[[nodiscard]] core::Value prepareCreate(const FakeKind& kind, core::Value object);

// The object an update (or patch, or apply) of `current` stores: immutable metadata kept, the
// resourceVersion precondition checked, status or everything else kept by subresource, the
// generation advanced on spec changes, no new finalizers once deletion started.
[[nodiscard]] core::Value prepareUpdate(const FakeKind& kind, const core::Value& current,
                                        core::Value object, bool requireResourceVersion,
                                        const std::string& subresource);

// Sets metadata.managedFields after a non-apply write by `manager` ("" for the default).
void recordUpdate(const FakeKind& kind, const std::string& subresource, const core::Value& old,
                  core::Value& object, const std::string& manager);

// A JSON, merge or strategic merge patch of `current`, with the server's errors (400 for a
// malformed JSON patch, 415 for strategic merge on custom resources, 422 when it does not
// apply, 409 for a stale metadata.resourceVersion in the patch).
[[nodiscard]] core::Value applyPatch(const FakeKind& kind, PatchType type,
                                     const core::Value& current, const core::Value& body,
                                     const std::string& name);

// Server-side apply of `config` over `live` (null when absent); conflicts become the server's
// 409 with FieldManagerConflict causes.
[[nodiscard]] core::Value applyConfiguration(const FakeKind& kind, const core::Value& live,
                                             const core::Value& config,
                                             const ServerSideApplyOptions& options);

// Throws the server's 409 when the delete preconditions do not hold.
void checkPreconditions(const FakeKind& kind, const core::Value& current,
                        const DeleteOptions& options);
// The object once a delete started: deletionTimestamp set, generation advanced.
[[nodiscard]] core::Value markDeleting(const FakeKind& kind, core::Value current);

// The label and field selectors of a list or watch (400 when malformed or on fields the server
// does not index).
class Selectors {
 public:
  Selectors(const FakeKind& kind, const std::string& labelSelector,
            const std::string& fieldSelector);
  [[nodiscard]] bool matches(const core::Value& object) const;

 private:
  LabelSelector labels_;
  FieldSelector fields_;
};

// A 404 for a subresource the kind does not have (the path is not served).
[[nodiscard]] ApiError subresourceNotFound();
[[nodiscard]] ApiError objectNotFound(const FakeKind& kind, const std::string& name);

}  // namespace driftless::kube::fake
