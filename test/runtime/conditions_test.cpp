#include "driftless/runtime/conditions.h"

#include <catch2/catch_test_macros.hpp>

namespace cond = driftless::runtime::conditions;

TEST_CASE("conditions: transition times move only when the status changes",
          "[runtime][conditions]") {
  cond::Conditions list;
  cond::markFalse(list, "Ready", "GitOperationFailed", "failed to checkout", {"T1", 1});
  REQUIRE(list.size() == 1);
  CHECK(list[0].lastTransitionTime == "T1");
  CHECK(list[0].observedGeneration == 1);
  cond::markFalse(list, "Ready", "GitOperationFailed", "failed again", {"T2", 2});
  CHECK(list[0].lastTransitionTime == "T1");
  CHECK(list[0].message == "failed again");
  CHECK(list[0].observedGeneration == 2);
  cond::markTrue(list, "Ready", "Succeeded", "stored artifact", {"T3", 2});
  CHECK(list[0].lastTransitionTime == "T3");
  CHECK(cond::isTrue(list, "Ready"));
  CHECK(cond::reason(list, "Ready") == "Succeeded");
}

TEST_CASE("conditions: Ready first, then sorted by type", "[runtime][conditions]") {
  cond::Conditions list;
  cond::markTrue(list, "Stalled", "InvalidURL", "bad url", {"T", 1});
  cond::markTrue(list, "ArtifactInStorage", "Succeeded", "ok", {"T", 1});
  cond::markFalse(list, "Ready", "InvalidURL", "bad url", {"T", 1});
  cond::markReconciling(list, "Progressing", "building", {"T", 1});
  std::vector<std::string> types;
  for (const auto& c : list)
    types.push_back(c.type);
  CHECK(types == std::vector<std::string>{"Ready", "ArtifactInStorage", "Reconciling", "Stalled"});
  cond::remove(list, "Reconciling");
  CHECK_FALSE(cond::has(list, "Reconciling"));
  CHECK(cond::isUnknown(list, "Reconciling"));
  CHECK(cond::isFalse(list, "Ready"));
}
