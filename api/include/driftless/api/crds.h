#pragma once

// The CustomResourceDefinitions of every kind in api/ (the files of config/crd/bases),
// compiled into the binary, for `driftless up` and `driftless install`.

#include <string_view>
#include <vector>

namespace driftless::api {

struct EmbeddedFile {
  std::string_view name;  // e.g. "source.toolkit.fluxcd.io_gitrepositories.yaml"
  std::string_view content;
};

// Every CRD file, sorted by name.
const std::vector<EmbeddedFile>& embeddedFiles();
// The content of a CRD file, or an empty view when absent.
std::string_view embeddedFile(std::string_view name);

}  // namespace driftless::api
