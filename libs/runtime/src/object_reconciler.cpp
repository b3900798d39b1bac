#include "driftless/runtime/object_reconciler.h"

namespace driftless::runtime {

std::chrono::milliseconds jitter(std::chrono::milliseconds interval, double percent) {
  if (percent <= 0 || interval.count() <= 0) return interval;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const double spread = static_cast<double>(interval.count()) * percent / 100.0;
  std::uniform_real_distribution<double> dist(-spread, spread);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<double>(interval.count()) + dist(rng)));
}

conditions::Context conditionsContext(std::int64_t generation) {
  return conditions::Context{core::formatRfc3339(std::chrono::system_clock::now()), generation};
}

}  // namespace driftless::runtime
