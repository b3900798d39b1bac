#pragma once

// A kustomization directory being built (api/internal/target KustTarget) and the accumulator of
// its resources, transformer configuration and vars (api/internal/accumulator).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/kustomize/field_spec.h"
#include "driftless/kustomize/kustomization.h"
#include "driftless/kustomize/loader.h"
#include "driftless/kustomize/openapi.h"
#include "driftless/kustomize/origin.h"
#include "driftless/kustomize/res_map.h"

namespace driftless::kustomize {

struct ResAccumulator {
  ResMap resources;
  TransformerConfig config;
  std::vector<core::Value> vars;  // types.Var, in declaration order

  void mergeAccumulator(const ResAccumulator& other);
  // Records vars and tags the resources they refer to (MergeVars).
  void mergeVars(const core::Value& incoming);
};

class KustTarget {
 public:
  // Reads the kustomization file of the loader's root. Throws KustomizeError.
  explicit KustTarget(Loader ldr);

  [[nodiscard]] const Kustomization& kustomization() const noexcept { return k_; }
  [[nodiscard]] const Loader& loader() const noexcept { return ldr_; }

  // The fully customized resources: accumulation, hash suffixes, name references, vars, local
  // config dropped (MakeCustomizedResMap).
  ResMap makeCustomizedResMap();
  // Accumulates into `ra` (empty for a kustomization, the parent's for a component).
  ResAccumulator accumulateTarget(ResAccumulator ra);

 private:
  void accumulateResources(ResAccumulator& ra, const std::vector<std::string>& paths);
  void accumulateComponents(ResAccumulator& ra, const std::vector<std::string>& paths);
  void accumulateDirectory(ResAccumulator& ra, const Loader& ldr, const std::string& path,
                           bool isComponent);
  // The origin of what this kustomization file configures (generators, transformers).
  [[nodiscard]] Origin builtinOrigin(std::string_view kind) const;
  void trackTransformer(ResMap& m, std::string_view kind) const;
  void runGenerators(ResAccumulator& ra);
  void runTransformers(ResAccumulator& ra);
  void runLabelTransformers(ResMap& m, const TransformerConfig& tc);
  // Entries of `transformers:`/`generators:` that configure built-in plugins.
  void runConfiguredPlugins(ResAccumulator& ra, const std::vector<std::string>& entries,
                            bool generators);

  Loader ldr_;
  Kustomization k_;
  std::string fileName_;
  // The build's OpenAPI schema, shared with bases and components.
  std::shared_ptr<OpenApi> openapi_ = std::make_shared<OpenApi>();
  // Origin tracking (buildMetadata set at the top): this kustomization's path from the top.
  std::optional<std::string> originPath_;
};

}  // namespace driftless::kustomize
