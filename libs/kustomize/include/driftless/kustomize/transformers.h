#pragma once

// The built-in transformers of a kustomization (api/internal/builtins), each over a ResMap.

#include <string>
#include <string_view>

#include "driftless/kustomize/field_spec.h"
#include "driftless/kustomize/kustomization.h"
#include "driftless/kustomize/res_map.h"

namespace driftless::kustomize {

void transformNamespace(ResMap& m, const std::string& ns, const FsSlice& specs);
void transformPrefix(ResMap& m, const std::string& prefix, const FsSlice& specs);
void transformSuffix(ResMap& m, const std::string& suffix, const FsSlice& specs);
void transformLabels(ResMap& m, const StringPairs& labels, const FsSlice& specs);
void transformAnnotations(ResMap& m, const StringPairs& annotations, const FsSlice& specs);
void transformImage(ResMap& m, const Image& image, const FsSlice& specs);
void transformReplicas(ResMap& m, const Replica& replica, const FsSlice& specs);
// Appends `-<hash>` to the names of resources that asked for a hash suffix.
void addHashSuffixes(ResMap& m);
// Rewrites references to renamed resources (the name reference transformer).
void fixNameReferences(ResMap& m, const std::vector<NameBackReferences>& backRefs);
// kustomize's sort orders: "legacy" (kind order) or "fifo" (input order).
void sortResources(ResMap& m, const SortOptions& options);

// image.Split: name, tag and digest of an image reference.
struct ImageParts {
  std::string name;
  std::string tag;
  std::string digest;
};
ImageParts splitImage(std::string_view image);
bool isImageMatched(std::string_view image, std::string_view name);

}  // namespace driftless::kustomize
