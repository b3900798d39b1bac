#include "event_forwarder.h"

#include <curl/curl.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <array>

#include "driftless/core/error.h"
#include "driftless/net/curl.h"
#include "proto/event.grpc.pb.h"

namespace driftless::runtime::events {
namespace {

using net::CurlEasyPtr;
using net::CurlSlistPtr;

constexpr std::string_view kHttpScheme = "http://";
constexpr std::string_view kHttpsScheme = "https://";
constexpr std::string_view kGrpcScheme = "grpc://";

std::size_t discardBody(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

using net::retryableCurlError;

class HttpForwarder : public EventForwarder {
 public:
  HttpForwarder(std::string url, std::chrono::milliseconds timeout)
      : url_(std::move(url)), timeout_(timeout) {
    net::curlGlobalInit();
    handle_.reset(curl_easy_init());
    if (!handle_) throw core::Error("curl_easy_init failed");
    for (const char* line : {"Content-Type: application/json", "Expect:"}) {
      curl_slist* next = curl_slist_append(headers_.get(), line);
      if (next == nullptr) throw core::Error("curl_slist_append failed");
      if (!headers_) headers_.reset(next);
    }
  }

  ForwardResult send(const ForwardedEvent& event) override {
    const std::string body = event.toJson();
    CURL* h = handle_.get();
    curl_easy_reset(h);  // keeps the connection cache
    std::array<char, CURL_ERROR_SIZE> error{};
    curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "driftless-event-recorder");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers_.get());
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discardBody);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error.data());
    const CURLcode rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);

    ForwardResult result;
    if (rc != CURLE_OK) {
      result.outcome = retryableCurlError(rc) ? ForwardOutcome::Retry : ForwardOutcome::Fail;
      result.detail = error[0] != '\0' ? error.data() : curl_easy_strerror(rc);
      return result;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    result.status = static_cast<int>(status);
    result.outcome = classifyHttpStatus(status);
    result.duplicate = status == 429;
    if (result.outcome != ForwardOutcome::Delivered)
      result.detail = "unexpected HTTP status " + std::to_string(status);
    return result;
  }

 private:
  const std::string url_;
  const std::chrono::milliseconds timeout_;
  CurlEasyPtr handle_;
  CurlSlistPtr headers_;
};

class GrpcForwarder : public EventForwarder {
 public:
  GrpcForwarder(const std::string& target, std::chrono::milliseconds timeout)
      : timeout_(timeout),
        stub_(event::v1::EventService::NewStub(
            grpc::CreateChannel(target, grpc::InsecureChannelCredentials()))) {}

  ForwardResult send(const ForwardedEvent& event) override {
    event::v1::Event request;
    auto* ref = request.mutable_involved_object();
    ref->set_kind(event.involvedObject.kind);
    ref->set_namespace_(event.involvedObject.namespace_);
    ref->set_name(event.involvedObject.name);
    ref->set_uid(event.involvedObject.uid);
    ref->set_api_version(event.involvedObject.apiVersion);
    ref->set_resource_version(event.involvedObject.resourceVersion);
    request.set_severity(event.severity);
    request.set_timestamp(event.timestamp);
    request.set_message(event.message);
    request.set_reason(event.reason);
    for (const auto& [k, v] : event.metadata)
      (*request.mutable_metadata())[k] = v;
    request.set_reporting_controller(event.reportingController);
    request.set_reporting_instance(event.reportingInstance);

    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout_);
    event::v1::SendResponse response;
    const grpc::Status status = stub_->Send(&context, request, &response);

    ForwardResult result;
    result.status = static_cast<int>(status.error_code());
    switch (status.error_code()) {
      case grpc::StatusCode::OK:
        result.outcome = ForwardOutcome::Delivered;
        return result;
      // What stands for a connection error or a 5xx.
      case grpc::StatusCode::UNAVAILABLE:
      case grpc::StatusCode::DEADLINE_EXCEEDED:
      case grpc::StatusCode::INTERNAL:
      case grpc::StatusCode::UNKNOWN:
        result.outcome = ForwardOutcome::Retry;
        break;
      case grpc::StatusCode::RESOURCE_EXHAUSTED:  // a duplicate, as HTTP 429
        result.duplicate = true;
        result.outcome = ForwardOutcome::Fail;
        break;
      default:  // client errors
        result.outcome = ForwardOutcome::Fail;
        break;
    }
    result.detail = "gRPC status " + std::to_string(result.status) + ": " + status.error_message();
    return result;
  }

 private:
  const std::chrono::milliseconds timeout_;
  std::unique_ptr<event::v1::EventService::Stub> stub_;
};

}  // namespace

ForwardOutcome classifyHttpStatus(long status) noexcept {
  if (status >= 200 && status < 300) return ForwardOutcome::Delivered;
  if (status == 0 || (status >= 500 && status != 501)) return ForwardOutcome::Retry;
  return ForwardOutcome::Fail;
}

std::chrono::milliseconds retryBackoff(int attempt, std::chrono::milliseconds min,
                                       std::chrono::milliseconds max) noexcept {
  auto d = min;
  for (int i = 0; i < attempt && d < max; ++i)
    d *= 2;
  return std::min(d, max);
}

std::string redactAddress(std::string_view address) {
  std::string out(address.substr(0, address.find_first_of("?#")));
  auto scheme = out.find("://");
  const std::size_t hostStart = scheme == std::string::npos ? 0 : scheme + 3;
  const std::size_t hostEnd = std::min(out.find('/', hostStart), out.size());
  const std::size_t at = out.rfind('@', hostEnd);
  if (at != std::string::npos && at >= hostStart) out.erase(hostStart, at + 1 - hostStart);
  return out;
}

EventForwarderPtr makeEventForwarder(const std::string& address,
                                     std::chrono::milliseconds timeout) {
  if (address.starts_with(kHttpScheme) || address.starts_with(kHttpsScheme))
    return std::make_unique<HttpForwarder>(address, timeout);
  if (address.starts_with(kGrpcScheme)) {
    std::string target = address.substr(kGrpcScheme.size());
    target = target.substr(0, target.find('/'));
    if (target.empty()) throw core::Error("events address " + address + " names no host");
    return std::make_unique<GrpcForwarder>(target, timeout);
  }
  throw core::Error("unsupported events address " + redactAddress(address) +
                    ": expected http://, https:// or grpc://");
}

}  // namespace driftless::runtime::events
