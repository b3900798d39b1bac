#pragma once

// How to reach and authenticate to a Kubernetes API server: a kubeconfig file, the in-cluster
// service account, or client-go's default search order.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace driftless::kube {

struct RestConfig {
  // https://host:port, without a trailing slash.
  std::string server;
  // PEM data (never file names): the CA bundle that signs the server's certificate, and the
  // client certificate and key for mutual TLS.
  std::string caPem;
  std::string clientCertPem;
  std::string clientKeyPem;
  std::string bearerToken;
  // When set, the bearer token is read from this file and re-read periodically (projected
  // service account tokens rotate).
  std::string tokenFile;
  bool insecureSkipTlsVerify = false;
  std::string impersonateUser;
  std::vector<std::string> impersonateGroups;
  // The context's namespace ("default" when the kubeconfig names none).
  std::string namespace_ = "default";
  // Client-side throttling (a token bucket); qps <= 0 disables it.
  double qps = 50;
  int burst = 300;
  // Total time of one request (watches excepted); zero means no limit.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds connectTimeout{std::chrono::seconds(10)};
  // Called after every request with the verb and the HTTP status ("<error>" as code when no
  // response came), e.g. to count rest_client_requests_total. Must be thread-safe.
  std::function<void(std::string_view method, std::string_view code)> requestObserver;
};

// Reads a kubeconfig file: the current context (or contextOverride), its cluster's server and
// CA (certificate-authority-data or certificate-authority), its user's credentials (token,
// tokenFile, client-certificate(-data), client-key(-data)) and impersonation (as, as-groups).
// Relative file names resolve against the kubeconfig's directory. Throws core::Error naming
// what is missing or unreadable.
RestConfig loadKubeconfig(const std::filesystem::path& path, std::string_view contextOverride = "");
// The same from kubeconfig text (e.g. a Secret's `value`), named `name` in errors; relative file
// names resolve against baseDir.
RestConfig parseKubeconfig(std::string_view text, const std::string& name,
                           const std::filesystem::path& baseDir,
                           std::string_view contextOverride = "");

inline constexpr std::string_view kServiceAccountDir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

// The in-cluster configuration: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT with
// the service account's token (re-read from its file) and CA. Throws core::Error when not
// running in a cluster.
RestConfig inClusterConfig(const std::filesystem::path& serviceAccountDir = kServiceAccountDir);

// client-go's search order: the --kubeconfig flag, else the first entry of $KUBECONFIG, else
// the in-cluster configuration when $KUBERNETES_SERVICE_HOST is set, else ~/.kube/config.
RestConfig defaultConfig(const std::string& kubeconfigFlag = "");

}  // namespace driftless::kube
