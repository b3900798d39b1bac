#pragma once

// Field specs (types.FieldSpec): where in which kinds a transformer writes, and the transformer
// configuration made of them (builtinconfig.TransformerConfig) with kustomize's defaults.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/kustomize/resource.h"

namespace driftless::kustomize {

struct FieldSpec {
  Gvk gvk;
  std::string path;  // `spec/template/metadata/labels`, `[]` marks a list, `\/` escapes a slash
  bool create = false;

  // Same path and gvk selection (types.FieldSpec effectivelyEquals).
  [[nodiscard]] bool effectivelyEquals(const FieldSpec& o) const;
};

using FsSlice = std::vector<FieldSpec>;

// Adds `x` unless an effectively equal spec is present (throws "conflicting fieldspecs" when
// that one's create flag differs).
void mergeOne(FsSlice& into, const FieldSpec& x);
void mergeAll(FsSlice& into, const FsSlice& xs);

struct NameBackReferences {
  Gvk gvk;  // the kind being referred to
  FsSlice referrers;
};

struct TransformerConfig {
  FsSlice namePrefix;
  FsSlice nameSuffix;
  FsSlice nameSpace;
  FsSlice commonLabels;
  FsSlice templateLabels;
  FsSlice labels;
  FsSlice commonAnnotations;
  FsSlice varReference;
  FsSlice images;
  FsSlice replicas;
  std::vector<NameBackReferences> nameReference;

  // kustomize's built-in field specs (built once, sorted; a copy).
  static TransformerConfig defaults();
  // Parses a `configurations:` file (the same keys, in YAML).
  static TransformerConfig fromValue(const core::Value& v);
  // Merges other's specs in (an equivalent spec already present wins), then sorts every slice.
  void merge(const TransformerConfig& other);
  // Each slice (and nameReference) stably sorted by Gvk::isLessThan.
  void sortFields();

 private:
  static TransformerConfig makeDefaults();
};

FieldSpec fieldSpecFromValue(const core::Value& v);
FsSlice fieldSpecsFromValue(const core::Value& v);

// True when the object's apiVersion/kind match the spec's gvk.
bool fieldSpecMatches(const FieldSpec& fs, const core::Value& obj);

// Splits a field spec path at unescaped slashes.
std::vector<std::string> splitFieldPath(std::string_view path);

// What a field spec filter does at the end of its path: `node` is the existing (or created)
// value. createKind says what to create for a missing last field (Null: never create).
struct FieldSetter {
  std::function<void(core::Value& node)> set;
  core::Value::Type createKind = core::Value::Type::Null;
};

// Applies `setter` at the spec's path in `obj` when the gvk matches (fieldspec.Filter): lists
// on the way are traversed element by element; missing fields are created when fs.create.
// Throws KustomizeError naming the field and object on a scalar in the middle of the path.
void applyFieldSpec(core::Value& obj, const FieldSpec& fs, const FieldSetter& setter);
void applyFieldSpecs(core::Value& obj, const FsSlice& specs, const FieldSetter& setter);

}  // namespace driftless::kustomize
