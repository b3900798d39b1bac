#include "driftless/kustomize/build.h"

#include <algorithm>

#include "driftless/core/yaml.h"
#include "driftless/kustomize/error.h"
#include "driftless/kustomize/target.h"
#include "driftless/kustomize/transformers.h"

namespace driftless::kustomize {

namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

std::vector<core::Value> buildResources(const std::filesystem::path& dir,
                                        const BuildOptions& options) {
  KustTarget kt{Loader(dir, options.loader)};
  ResMap m = kt.makeCustomizedResMap();
  const Kustomization& k = kt.kustomization();
  sortResources(m, k.sortOptions ? *k.sortOptions : SortOptions{"legacy", false, {}, {}});
  std::vector<core::Value> out;
  for (const auto& r : m.resources()) {
    r->removeBuildAnnotations();
    if (!contains(k.buildMetadata, "originAnnotations")) {
      r->removeAnnotation("config.kubernetes.io/origin");
    }
    if (!contains(k.buildMetadata, "transformerAnnotations")) {
      r->removeAnnotation("alpha.config.kubernetes.io/transformations");
    }
    out.push_back(r->obj());
  }
  return out;
}

std::string printResources(const std::vector<core::Value>& resources) {
  std::string out;
  core::YamlPrintOptions opts;
  opts.sortKeys = true;
  for (std::size_t i = 0; i < resources.size(); ++i) {
    if (i > 0) out += "---\n";
    core::appendYaml(out, resources[i], opts);
  }
  return out;
}

std::string build(const std::filesystem::path& dir, const BuildOptions& options) {
  return printResources(buildResources(dir, options));
}

}  // namespace driftless::kustomize
