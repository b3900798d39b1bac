#pragma once

// The one way reconcilers write their objects (fluxcd/pkg/runtime/patch's SerialPatcher): each
// patch() sends only what changed since the previous one, metadata and spec as a JSON merge
// patch on the object, status as a merge patch on the status subresource, so a status write
// never clobbers a concurrent spec change and an unchanged object costs no request.

#include "driftless/core/value.h"
#include "driftless/kube/client.h"

namespace driftless::runtime {

class SerialPatcher {
 public:
  // object: the object as read from the server (or the cache).
  SerialPatcher(kube::Client& client, const core::Value& object, std::string fieldManager = {});

  // Sends the differences between the last patched state and object, then replaces object with
  // the server's answer (new resourceVersion) while keeping what it holds locally. Returns the
  // number of requests sent (0 when nothing changed). A NotFound answer after the finalizers
  // were removed (the object is gone) is not an error.
  int patch(core::Value& object);

  [[nodiscard]] const core::Value& lastPatched() const noexcept { return before_; }

 private:
  kube::Client& client_;
  core::Value before_;
  std::string fieldManager_;
};

}  // namespace driftless::runtime
