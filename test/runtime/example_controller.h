#pragma once

// A minimal controller built on the runtime, kept as a test: a Greeting
// (example.driftless.io/v1) is converged into a ConfigMap `<name>-greeting` holding its message.
// It exercises the whole skeleton: finalizer, suspend, progress, Ready/Stalled summary,
// requestedAt handling, observedGeneration, status patches, cleanup on deletion.

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "driftless/api/meta/v1/types.h"
#include "driftless/api/object_meta.h"
#include "driftless/kube/client.h"
#include "driftless/runtime/object_reconciler.h"

namespace driftless::test {

struct GreetingSpec {
  std::string message;
  std::optional<bool> suspend;
  api::Duration interval{std::string_view("10m")};
};

struct GreetingStatus {
  std::optional<std::int64_t> observedGeneration;
  std::vector<api::meta::Condition> conditions;
  std::optional<std::string> lastHandledReconcileAt;
  std::string greeting;
};

struct Greeting {
  static constexpr std::string_view kKind = "Greeting";
  static constexpr std::string_view kApiVersion = "example.driftless.io/v1";

  api::ObjectMeta metadata;
  GreetingSpec spec;
  std::optional<GreetingStatus> status;

  static Greeting fromValue(const core::Value& v);
  [[nodiscard]] core::Value toValue() const;
};

inline const kube::GroupVersionKind kGreetingGvk{"example.driftless.io", "v1", "Greeting"};

// The CustomResourceDefinition of Greeting.
core::Value greetingCrd();

class GreetingReconciler : public runtime::ObjectReconciler<Greeting> {
 public:
  GreetingReconciler(kube::Client& client, runtime::ObjectReconcilerOptions options,
                     core::Logger logger);

  std::atomic<int> calls{0};
  std::atomic<int> deletes{0};

 protected:
  std::string reconcileObject(Greeting& obj, runtime::SerialPatcher& patcher,
                              std::stop_token stop) override;
  void reconcileDelete(Greeting& obj) override;
};

}  // namespace driftless::test
