#pragma once

// ClientImpl: the Client over libcurl. Easy handles are pooled (each keeps its connections, so
// sequential requests reuse them); HTTP/2 is used when the server offers it.

#include <curl/curl.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/kube/client.h"
#include "driftless/net/curl.h"
#include "rest_mapper_impl.h"

namespace driftless::kube {

// Client-side rate limiting as client-go's flowcontrol token bucket: `burst` requests at once,
// then `qps` per second.
class TokenBucket {
 public:
  TokenBucket(double qps, int burst);
  // Blocks until a token is available.
  void take();

 private:
  using Clock = std::chrono::steady_clock;
  const double qps_;
  const double burst_;
  std::mutex mutex_;
  double tokens_;
  Clock::time_point last_;
};

using net::CurlEasyPtr;
using net::CurlSlistPtr;

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // with the query string
  std::string body;
  std::string contentType;
  std::string accept = "application/json";
  bool stream = false;  // a watch: no total timeout
};

struct HttpResponse {
  long status = 0;
  std::string body;  // empty when streamed
  std::chrono::seconds retryAfter{0};
};

// Receives a streamed 200 response's bytes as they arrive; false ends the transfer.
using StreamSink = std::function<bool(std::string_view)>;

class ClientImpl : public Client {
 public:
  ClientImpl(RestConfig config, core::Logger logger);

  core::Value get(const ObjectRef& ref) override;
  core::Value list(const GroupVersionKind& gvk, const std::string& namespace_,
                   const ListOptions& options) override;
  core::Value create(const core::Value& object, const WriteOptions& options) override;
  core::Value update(const core::Value& object, const WriteOptions& options) override;
  core::Value updateStatus(const core::Value& object, const WriteOptions& options) override;
  core::Value patch(const ObjectRef& ref, PatchType type, const core::Value& body,
                    const PatchOptions& options) override;
  core::Value apply(const core::Value& object, const ServerSideApplyOptions& options) override;
  void remove(const ObjectRef& ref, const DeleteOptions& options) override;
  void watch(const GroupVersionKind& gvk, const std::string& namespace_,
             const WatchOptions& options, const WatchCallback& callback) override;
  RestMapper& restMapper() override { return mapper_; }

  // Sends one request (throttled). With a sink, a 200 response's body goes to the sink.
  HttpResponse send(const HttpRequest& request, const StreamSink* sink = nullptr,
                    std::stop_token stop = {});

 private:
  // A pooled easy handle, returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(ClientImpl& client, CurlEasyPtr handle) : client_(client), handle_(std::move(handle)) {}
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    [[nodiscard]] CURL* get() const noexcept { return handle_.get(); }

   private:
    ClientImpl& client_;
    CurlEasyPtr handle_;
  };

  Lease acquire();
  void configure(CURL* h, const HttpRequest& request, curl_slist* headers) const;
  CurlSlistPtr headersFor(const HttpRequest& request);
  std::string bearerToken();
  // The URL path of an object or collection: /api/v1/namespaces/ns/configmaps/name/status.
  std::string pathFor(const GroupVersionKind& gvk, const std::string& namespace_,
                      const std::string& name, const std::string& subresource);
  std::string objectPath(const core::Value& object, const std::string& subresource);
  core::Value put(const core::Value& object, const std::string& subresource,
                  const WriteOptions& options);
  // Decodes a 2xx JSON response or throws ApiError.
  static core::Value decode(const HttpRequest& request, const HttpResponse& response);
  core::Value write(const HttpRequest& request) { return decode(request, send(request)); }

  const RestConfig config_;
  core::Logger logger_;
  const std::string userAgent_;
  TokenBucket throttle_;
  RestMapperImpl mapper_;

  std::mutex poolMutex_;
  std::vector<CurlEasyPtr> pool_;

  std::mutex tokenMutex_;
  std::string token_;
  std::chrono::steady_clock::time_point tokenRead_{};
};

}  // namespace driftless::kube
