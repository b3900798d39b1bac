#pragma once

// The kustomization file (types.Kustomization), read as kustomize reads it: YAML 1.1 to JSON,
// then a strict decode (unknown fields are errors, field names match case-insensitively).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/kustomize/field_spec.h"
#include "driftless/kustomize/res_map.h"

namespace driftless::kustomize {

using StringPairs = std::vector<std::pair<std::string, std::string>>;  // sorted by key

struct Label {
  StringPairs pairs;
  bool includeSelectors = false;
  bool includeTemplates = false;
  FsSlice fields;
};

struct Patch {
  std::string path;
  std::string patch;
  std::optional<Selector> target;
  bool allowNameChange = false;
  bool allowKindChange = false;
};

struct Image {
  std::string name;
  std::string newName;
  std::string tagSuffix;
  std::string newTag;
  std::string digest;
};

struct Replica {
  std::string name;
  std::int64_t count = 0;
};

struct GeneratorOptions {
  StringPairs labels;
  StringPairs annotations;
  bool disableNameSuffixHash = false;
  bool immutable = false;
  bool present = false;
};

struct GeneratorArgs {
  std::string ns;
  std::string name;
  std::string behavior;
  std::vector<std::string> literals;
  std::vector<std::string> files;
  std::vector<std::string> envs;
  GeneratorOptions options;
  std::string type;  // secrets only
};

struct SortOptions {
  std::string order;
  bool hasLegacyOptions = false;
  std::vector<std::string> orderFirst;
  std::vector<std::string> orderLast;
};

struct Kustomization {
  std::string apiVersion;
  std::string kind;
  std::vector<std::pair<std::string, std::string>> openapi;
  std::string namePrefix;
  std::string nameSuffix;
  std::string ns;
  StringPairs commonLabels;
  bool hasCommonLabels = false;
  std::vector<Label> labels;
  StringPairs commonAnnotations;
  std::vector<std::string> patchesStrategicMerge;
  std::vector<Patch> patchesJson6902;
  std::vector<Patch> patches;
  std::vector<Image> images;
  core::Value replacements;  // raw list
  std::vector<Replica> replicas;
  core::Value vars;  // raw list
  std::optional<SortOptions> sortOptions;
  std::vector<std::string> resources;
  std::vector<std::string> components;
  std::vector<std::string> crds;
  std::vector<GeneratorArgs> configMapGenerator;
  std::vector<GeneratorArgs> secretGenerator;
  GeneratorOptions generatorOptions;
  std::vector<std::string> configurations;
  std::vector<std::string> generators;
  std::vector<std::string> transformers;
  std::vector<std::string> validators;
  std::vector<std::string> buildMetadata;
  bool hasHelm = false;

  [[nodiscard]] bool isComponent() const { return kind == "Component"; }
};

// Parses and checks a kustomization file (the steps of KustTarget.Load after reading): strict
// decode, defaults for kind/apiVersion, bases and imageTags folded in, emptiness and kind and
// apiVersion checks. `root` names the directory in messages.
Kustomization parseKustomization(std::string_view text, std::string_view root);

// The recognized file names, in kustomize's order.
inline constexpr std::string_view kKustomizationFileNames[] = {
    "kustomization.yaml", "kustomization.yml", "Kustomization"};

}  // namespace driftless::kustomize
