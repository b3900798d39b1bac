#pragma once

// Kubernetes data compiled into the binary (libs/k8s/data, see its README): the built-in
// resource table and the OpenAPI v3 documents of the built-in group versions.

#include <string_view>
#include <vector>

namespace driftless::k8s {

struct EmbeddedFile {
  std::string_view name;  // path below data/, e.g. "openapi-v3/api__v1.json"
  std::string_view content;
};

const std::vector<EmbeddedFile>& embeddedFiles();
// The content of a file, or an empty view when absent.
std::string_view embeddedFile(std::string_view name);

}  // namespace driftless::k8s
