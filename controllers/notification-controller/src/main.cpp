// notification-controller: Flux's event server (Alerts and Providers) and webhook receivers
// (Receivers), on libs/notify and libs/runtime.

#include <grpcpp/grpcpp.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "driftless/core/duration.h"
#include "driftless/core/error.h"
#include "driftless/net/http_server.h"
#include "driftless/runtime/manager.h"
#include "notification.h"
#include "proto/event.grpc.pb.h"

namespace {

namespace runtime = driftless::runtime;
namespace core = driftless::core;
namespace notify = driftless::notify;
namespace net = driftless::net;

struct NotificationOptions {
  std::string receiverAddr = ":9292";
  std::string grpcAddr;  // empty: the gRPC event service is off
  std::chrono::milliseconds rateLimitInterval{std::chrono::minutes(5)};
  bool noCrossNamespaceRefs = false;
};

constexpr std::string_view kUsage = R"(notification-controller: alerts and webhook receivers

Flags of the notification-controller:
  --events-addr ADDR                   where Flux events are received (default :9090); for
                                       this controller the address it listens on, not a
                                       forwarding URL
  --receiverAddr ADDR                  where webhooks are received (default :9292)
  --rate-limit-interval D              one event per key and interval, duplicates get 429
                                       (default 5m)
  --no-cross-namespace-refs            Alerts only see events of their own namespace and
                                       Receivers only reconcile objects of theirs
  --events-grpc-addr ADDR              also receive events over gRPC (api/proto/event.proto
                                       EventService.Send) on ADDR, e.g. :9091 (default off;
                                       a driftless extension)
)";

NotificationOptions parseNotificationOptions(const std::vector<std::string>& args) {
  NotificationOptions o;
  runtime::parseFlags(
      args, [](const std::string& name) { return name == "--no-cross-namespace-refs"; },
      [&o](const std::string& name, const std::string& value) {
        if (name == "--receiverAddr" || name == "--receiver-addr") {
          o.receiverAddr = value;
        } else if (name == "--events-grpc-addr") {
          o.grpcAddr = value;
        } else if (name == "--rate-limit-interval") {
          o.rateLimitInterval =
              std::chrono::duration_cast<std::chrono::milliseconds>(core::parseDuration(value));
        } else if (name == "--no-cross-namespace-refs") {
          o.noCrossNamespaceRefs = value.empty() || value == "true";
        } else {
          return false;
        }
        return true;
      });
  return o;
}

// EventService.Send: the same pipeline as the HTTP endpoint.
class EventService final : public driftless::event::v1::EventService::Service {
 public:
  explicit EventService(notify::EventServer& server) : server_(server) {}

  grpc::Status Send(grpc::ServerContext*, const driftless::event::v1::Event* request,
                    driftless::event::v1::SendResponse*) override {
    notify::Event e;
    const auto& ref = request->involved_object();
    e.involvedObject.kind = ref.kind();
    e.involvedObject.namespace_ = ref.namespace_();
    e.involvedObject.name = ref.name();
    e.involvedObject.uid = ref.uid();
    e.involvedObject.apiVersion = ref.api_version();
    e.involvedObject.resourceVersion = ref.resource_version();
    e.severity = request->severity();
    e.timestamp = request->timestamp();
    e.message = request->message();
    e.reason = request->reason();
    for (const auto& [k, v] : request->metadata())
      e.metadata[k] = v;
    e.reportingController = request->reporting_controller();
    e.reportingInstance = request->reporting_instance();
    const notify::EventResponse r = server_.handle(std::move(e));
    if (r.status == 429) return {grpc::StatusCode::RESOURCE_EXHAUSTED, "duplicate event"};
    if (r.status >= 400) return {grpc::StatusCode::INVALID_ARGUMENT, r.body};
    return grpc::Status::OK;
  }

 private:
  notify::EventServer& server_;
};

std::string bindHost(const runtime::ListenAddress& a) {
  return a.host.empty() ? "0.0.0.0" : a.host;
}

}  // namespace

int main(int argc, char** argv) {
  return runtime::controllerMain(
      "notification-controller", kUsage, 4, argc, argv,
      [](const runtime::RuntimeOptions& parsed, const std::vector<std::string>& rest,
         std::stop_token stop) {
        const NotificationOptions no = parseNotificationOptions(rest);
        // --events-addr is where this controller listens; its own events are not forwarded
        // (to itself).
        runtime::RuntimeOptions options = parsed;
        const std::string eventsAddr = options.eventsAddr.empty() ? ":9090" : options.eventsAddr;
        options.eventsAddr.clear();
        runtime::Manager manager(options);
        const core::Logger log = manager.logger();

        runtime::Informer& alerts =
            manager.cache().informer({"notification.toolkit.fluxcd.io", "v1beta3", "Alert"});
        runtime::Informer& providers =
            manager.cache().informer({"notification.toolkit.fluxcd.io", "v1beta3", "Provider"});
        runtime::Informer& receivers =
            manager.cache().informer({"notification.toolkit.fluxcd.io", "v1", "Receiver"});
        driftless::notification::KubeCluster cluster(manager.client(), alerts, providers, receivers,
                                                     &manager.events());

        notify::EventServerOptions eo;
        eo.rateLimitInterval = no.rateLimitInterval;
        eo.noCrossNamespaceRefs = no.noCrossNamespaceRefs;
        notify::EventServer events(cluster, eo, log.withName("event-server"));
        notify::ReceiverServerOptions ro;
        ro.noCrossNamespaceRefs = no.noCrossNamespaceRefs;
        notify::ReceiverServer hooks(cluster, ro, log.withName("receiver-server"));

        // Both servers read bodies up to 4 MiB so that the handlers can answer 413 over 3 MiB.
        net::HttpServerOptions http;
        http.maxBodyBytes = 4 * 1024 * 1024;
        const auto eventsListen = runtime::ListenAddress::parse(eventsAddr);
        http.bind = bindHost(eventsListen);
        http.port = eventsListen.port;
        net::HttpServer eventHttp(nullptr, http,
                                  [&events](const net::HttpRequest& req, net::ResponseWriter& w) {
                                    events.serveHttp(req, w);
                                  });
        const auto receiverListen = runtime::ListenAddress::parse(no.receiverAddr);
        http.bind = bindHost(receiverListen);
        http.port = receiverListen.port;
        net::HttpServer receiverHttp(nullptr, http,
                                     [&hooks](const net::HttpRequest& req, net::ResponseWriter& w) {
                                       if (!req.path.starts_with("/hook/")) {
                                         w.send(404, "text/plain", "404 page not found\n");
                                         return;
                                       }
                                       hooks.serveHttp(req, w);
                                     });
        eventHttp.start();
        receiverHttp.start();
        log.info("event server listening", {{"address", eventsAddr}});
        log.info("webhook receiver listening", {{"address", no.receiverAddr}});

        EventService grpcService(events);
        std::unique_ptr<grpc::Server> grpcServer;
        if (!no.grpcAddr.empty()) {
          const auto g = runtime::ListenAddress::parse(no.grpcAddr);
          grpc::ServerBuilder builder;
          builder.AddListeningPort(bindHost(g) + ":" + std::to_string(g.port),
                                   grpc::InsecureServerCredentials());
          builder.RegisterService(&grpcService);
          grpcServer = builder.BuildAndStart();
          if (!grpcServer) throw core::Error("cannot listen on " + no.grpcAddr);
          log.info("gRPC event service listening", {{"address", no.grpcAddr}});
        }

        runtime::ObjectReconcilerOptions rro;
        rro.fieldManager = "notification-controller";
        rro.cache = &receivers;
        rro.events = runtime::recordTo(manager.events());
        rro.metrics = &manager.metrics();
        rro.jitterPercent = options.jitterPercent;
        driftless::notification::ReceiverReconciler reconciler(manager.client(), rro,
                                                               manager.logger());
        manager.addController("receiver", reconciler).watchFor(receivers);
        const int rc = manager.run(stop);
        if (grpcServer)
          grpcServer->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
        receiverHttp.stop();
        eventHttp.stop();
        events.drain();
        return rc;
      });
}
