#pragma once

// Origin tracking for buildMetadata (api/resource/origin.go): where each resource came from
// (`config.kubernetes.io/origin`) and which transformers changed it
// (`alpha.config.kubernetes.io/transformations`).

#include <optional>
#include <string>
#include <string_view>

#include "driftless/kustomize/res_map.h"

namespace driftless::kustomize {

inline constexpr std::string_view kOriginAnnotation = "config.kubernetes.io/origin";
inline constexpr std::string_view kTransformationsAnnotation =
    "alpha.config.kubernetes.io/transformations";

struct Origin {
  std::string path;
  std::string configuredIn;
  std::string byApiVersion;
  std::string byKind;
  std::string byName;
  std::string byNamespace;

  // The annotation text (kyaml.Marshal of the struct: fields in declaration order).
  [[nodiscard]] core::Value toValue() const;
  [[nodiscard]] std::string toString() const;
};

// filepath.Join: joins and cleans ("" parts are skipped).
std::string joinPath(std::string_view a, std::string_view b);

// Sets the origin of resources that have none (AddOriginAnnotation).
void addOriginAnnotation(ResMap& m, const Origin& origin);
// Records a transformer on every resource: as its origin when it has none, else appended to its
// transformations (AddTransformerAnnotation).
void addTransformerAnnotation(ResMap& m, const Origin& origin);
// The origin a plugin configured by `r` gets (OriginFromCustomPlugin), if `r` has an origin.
std::optional<Origin> originFromCustomPlugin(const Resource& r);

}  // namespace driftless::kustomize
