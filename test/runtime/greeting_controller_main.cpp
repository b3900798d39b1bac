// greeting-controller: the example controller as a process, wired the way every driftless
// controller is (flags, manager, cache, events, metrics, leader election, SIGTERM drain).

#include <string>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/runtime/manager.h"
#include "driftless/runtime/object_reconciler.h"
#include "example_controller.h"

namespace runtime = driftless::runtime;

int main(int argc, char** argv) {
  return runtime::controllerMain(
      "greeting-controller", "greeting-controller: Greetings\n", 2, argc, argv,
      [](const runtime::RuntimeOptions& options, const std::vector<std::string>& rest,
         std::stop_token stop) {
        if (!rest.empty()) throw driftless::core::Error("unknown flag: " + rest.front());
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
        return manager.run(stop);
      });
}
