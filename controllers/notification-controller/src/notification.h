#pragma once

// notification-controller's pieces on the cluster: the view of Alerts, Providers, Receivers,
// Secrets and event sources the event and receiver servers read (informers and the API), and
// the Receiver reconciler that publishes status.webhookPath.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "driftless/api/notification/v1/receiver.h"
#include "driftless/core/log.h"
#include "driftless/kube/client.h"
#include "driftless/notify/event_server.h"
#include "driftless/notify/receiver.h"
#include "driftless/runtime/event_recorder.h"
#include "driftless/runtime/informer.h"
#include "driftless/runtime/object_reconciler.h"

namespace driftless::notification {

// The decoded data of a Secret; nullopt when it does not exist.
std::optional<notify::SecretData> readSecret(kube::Client& client, const std::string& ns,
                                             const std::string& name);

class KubeCluster : public notify::ClusterView, public notify::ReceiverCluster {
 public:
  KubeCluster(kube::Client& client, runtime::Informer& alerts, runtime::Informer& providers,
              runtime::Informer& receivers, runtime::EventRecorder* recorder)
      : client_(client),
        alerts_(alerts),
        providers_(providers),
        receivers_(receivers),
        recorder_(recorder) {}

  std::vector<notify::ObjectPtr> alerts() override;
  std::optional<core::Value> provider(const std::string& ns, const std::string& name) override;
  std::optional<notify::SecretData> secret(const std::string& ns, const std::string& name) override;
  std::optional<core::Value> object(const std::string& apiVersion, const std::string& kind,
                                    const std::string& ns, const std::string& name) override;
  void warn(const core::Value& alert, const std::string& reason,
            const std::string& message) override;

  std::vector<notify::ObjectPtr> receivers() override;
  std::vector<std::string> list(const std::string& apiVersion, const std::string& kind,
                                const std::string& ns, const core::Value& matchLabels) override;
  void requestReconcile(const std::string& apiVersion, const std::string& kind,
                        const std::string& ns, const std::string& name,
                        const std::string& value) override;

 private:
  kube::Client& client_;
  runtime::Informer& alerts_;
  runtime::Informer& providers_;
  runtime::Informer& receivers_;
  runtime::EventRecorder* recorder_;
};

using api::notification::v1::Receiver;

// Receiver: Ready with "Receiver initialized for path: /hook/..." once the token Secret is read.
class ReceiverReconciler : public runtime::ObjectReconciler<Receiver> {
 public:
  ReceiverReconciler(kube::Client& client, runtime::ObjectReconcilerOptions options,
                     core::Logger logger)
      : ObjectReconciler(client, std::move(options), std::move(logger)) {}

 protected:
  std::string reconcileObject(Receiver& obj, runtime::SerialPatcher& patcher,
                              std::stop_token stop) override;
  std::chrono::milliseconds interval(const Receiver& obj) const override;
};

}  // namespace driftless::notification
