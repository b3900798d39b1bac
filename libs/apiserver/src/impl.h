#pragma once

// Private implementation of ApiServer, split over api_server.cpp (transport, discovery,
// OpenAPI, CRDs) and resources.cpp (the REST verbs on objects).

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api_error.h"
#include "driftless/apiserver/api_server.h"
#include "driftless/apiserver/registry.h"
#include "driftless/apiserver/store.h"
#include "driftless/core/log.h"

namespace driftless::apiserver {

// What a resource URL names.
struct RequestInfo {
  std::string group;
  std::string version;
  std::string namespace_;  // empty: cluster-scoped or all namespaces
  std::string resource;    // plural
  std::string name;
  std::string subresource;
  ResourceInfoPtr info;
};

class ApiServer::Impl {
 public:
  Impl(ApiServerOptions options, core::Logger logger);

  void start();
  void stop();
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] std::filesystem::path kubeconfigPath() const {
    return options_.dataDir / "kubeconfig";
  }
  void handle(const HttpRequest& req, ResponseWriter& w);

 private:
  // api_server.cpp
  void dispatch(const HttpRequest& req, ResponseWriter& w);
  bool serveDiscovery(const HttpRequest& req, ResponseWriter& w);
  core::Value aggregatedDiscovery(bool core) const;
  bool serveOpenApi(const HttpRequest& req, ResponseWriter& w);
  struct OpenApiDocument {
    std::string body;
    std::string hash;
  };
  std::shared_ptr<const OpenApiDocument> openApiDocument(const std::string& group,
                                                         const std::string& version);
  bool serveReviews(const HttpRequest& req, ResponseWriter& w);
  RequestInfo parseResourcePath(const std::vector<std::string>& segments, std::size_t versionIndex,
                                std::string group, std::string version) const;
  void syncCrd(const std::string& name, const StoredObjectPtr& crd);
  void loadCrds();
  void ensureDefaultNamespaces();
  void writeKubeconfig();
  core::Value crdOpenApiDocument(const std::string& group, const std::string& version) const;

  // resources.cpp
  void serveResource(const HttpRequest& req, ResponseWriter& w, const RequestInfo& info);
  core::Value getObject(const RequestInfo& info) const;
  void listObjects(const HttpRequest& req, ResponseWriter& w, const RequestInfo& info);
  void watchObjects(const HttpRequest& req, ResponseWriter& w, const RequestInfo& info);
  void createObject(const HttpRequest& req, ResponseWriter& w, const RequestInfo& info);
  void updateObject(const HttpRequest& req, ResponseWriter& w, const RequestInfo& info);
  void patchObject(const HttpRequest& req, ResponseWriter& w, const RequestInfo& info);
  void deleteObject(const HttpRequest& req, ResponseWriter& w, const RequestInfo& info);
  void deleteCollection(const HttpRequest& req, ResponseWriter& w, const RequestInfo& info);
  core::Value prepareCreate(const RequestInfo& info, core::Value obj) const;
  core::Value prepareUpdate(const RequestInfo& info, const core::Value& current, core::Value obj,
                            bool requireResourceVersion) const;
  Mutation scaleUpdate(const HttpRequest& req, const RequestInfo& info, const core::Value& current,
                       const core::Value& scale);
  core::Value applyPatch(const HttpRequest& req, const RequestInfo& info,
                         const core::Value& current) const;
  void afterWrite(const RequestInfo& info, const MutationResult& result);
  void respondObject(const HttpRequest& req, ResponseWriter& w, int code, const RequestInfo& info,
                     const core::Value& obj, const std::vector<std::string>& warnings = {}) const;
  void checkNamespace(const RequestInfo& info) const;
  // Deletes the contents of a Terminating namespace, then the namespace once it is empty.
  void finalizeNamespace(const std::string& name);
  // Background housekeeping: the control plane's controllers, run every housekeepingInterval.
  void housekeepingLoop();
  // controllers.cpp: ownerReference garbage collection (background, foreground, orphan).
  void collectGarbage();
  // controllers.cpp: marks workloads rolled out (when simulateWorkloads is on).
  void simulateWorkloads();
  // controllers.cpp: deletes Events older than the TTL.
  void expireEvents();

  ApiServerOptions options_;
  core::Logger log_;
  StorePtr store_;
  std::unique_ptr<Registry> registry_;
  std::string token_;
  std::string caPem_;
  std::unique_ptr<HttpServer> http_;
  std::mutex stopMutex_;
  std::condition_variable stopCv_;
  bool stopping_ = false;
  std::thread housekeeping_;
  std::mutex openApiMutex_;
  std::uint64_t openApiGeneration_ = 0;
  std::map<std::string, std::shared_ptr<const OpenApiDocument>> openApiCache_;  // per group version
};

// Helpers shared by the implementation files.

// Deletion as DELETE with the Background policy does it: remove the object, or set
// deletionTimestamp while finalizers remain (an object already being deleted stays as it is).
Mutation deleteOrMarkDeleting(const StoredObjectPtr& current);
void sendJson(ResponseWriter& w, int code, const core::Value& body,
              const std::vector<std::pair<std::string, std::string>>& headers = {});
void sendError(ResponseWriter& w, const ApiError& e);
core::Value decodeBody(const HttpRequest& req);
bool parseBool(const std::string& text);

}  // namespace driftless::apiserver
