#pragma once

// The short timings shared by leader_election_test and its lease_contender helper process.

#include <chrono>
#include <string>

#include "driftless/runtime/leader_election.h"

namespace driftless::test {

inline constexpr std::chrono::milliseconds kTestLeaseDuration{2000};
inline constexpr std::chrono::milliseconds kTestRenewDeadline{1500};
inline constexpr std::chrono::milliseconds kTestRetryPeriod{200};
inline constexpr const char* kTestLeaseNamespace = "default";

inline runtime::LeaderElectionOptions testLeaseOptions(std::string leaseName,
                                                       std::string identity) {
  runtime::LeaderElectionOptions options;
  options.leaseName = std::move(leaseName);
  options.namespace_ = kTestLeaseNamespace;
  options.identity = std::move(identity);
  options.leaseDuration = kTestLeaseDuration;
  options.renewDeadline = kTestRenewDeadline;
  options.retryPeriod = kTestRetryPeriod;
  return options;
}

}  // namespace driftless::test
