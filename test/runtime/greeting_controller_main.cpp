// greeting-controller: the example controller as a process, wired the way every driftless
// controller is (flags, manager, cache, events, metrics, leader election, SIGTERM drain).

#include <iostream>
#include <string>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/runtime/manager.h"
#include "driftless/runtime/object_reconciler.h"
#include "example_controller.h"

namespace runtime = driftless::runtime;

int main(int argc, char** argv) {
  runtime::SignalStop signals;  // first, so every thread inherits the blocked signals
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::vector<std::string> rest;
    runtime::RuntimeOptions options =
        runtime::parseRuntimeOptions("greeting-controller", args, &rest, 2);
    if (!rest.empty()) {
      std::cerr << "unknown argument " << rest.front() << "\n" << runtime::runtimeOptionsUsage();
      return 2;
    }
    runtime::Manager manager(options);
    runtime::Informer& greetings = manager.cache().informer(driftless::test::kGreetingGvk);
    runtime::ObjectReconcilerOptions ro;
    ro.fieldManager = "greeting-controller";
    ro.cache = &greetings;
    ro.events = runtime::recordTo(manager.events());
    ro.metrics = &manager.metrics();
    ro.jitterPercent = options.jitterPercent;
    driftless::test::GreetingReconciler reconciler(manager.client(), ro, manager.logger());
    manager.addController("greeting", reconciler).watchFor(greetings);
    return manager.run(signals.token());
  } catch (const std::exception& e) {
    std::cerr << "greeting-controller: " << e.what() << "\n";
    return 1;
  }
}
