#pragma once

// Resource identity (kyaml resid: Gvk, ResId) and the Resource of a build: an object plus the
// build annotations kustomize keeps on it while building (previous ids, name prefixes and
// suffixes, generator behavior, hash suffix requests), removed before output.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/value.h"

namespace driftless::kustomize {

struct Gvk {
  std::string group;
  std::string version;
  std::string kind;

  static Gvk fromApiVersion(std::string_view apiVersion, std::string_view kind);
  [[nodiscard]] std::string apiVersion() const;
  // `Kind.version.group` with [noKind]/[noVer]/[noGrp] for empty parts.
  [[nodiscard]] std::string toString() const;
  // True when every non-empty part of `selector` equals this one's.
  [[nodiscard]] bool isSelected(const Gvk& selector) const;
  // Known cluster-scoped built-in types (kyaml's built-in schema).
  [[nodiscard]] bool isClusterScoped() const;
  // resid.Gvk.IsLessThan: the default kind order (defaultOrderFirst/Last), then
  // `group_version_kind` with ~G/~V/~K for empty parts (so wildcards sort last).
  [[nodiscard]] bool isLessThan(const Gvk& o) const;
  friend bool operator==(const Gvk&, const Gvk&) = default;
};

// The kinds kustomize's legacy order puts first and last (resid's orderFirst/orderLast).
const std::vector<std::string>& defaultOrderFirst();
const std::vector<std::string>& defaultOrderLast();

struct ResId {
  Gvk gvk;
  std::string name;
  std::string ns;

  // "_non_namespaceable_" for cluster-scoped types, "default" for an empty namespace.
  [[nodiscard]] std::string effectiveNamespace() const;
  [[nodiscard]] bool equals(const ResId& o) const;
  // A string equal for exactly the ids equals() calls equal (for hashing).
  [[nodiscard]] std::string equalityKey() const;
  [[nodiscard]] bool isNsEquals(const ResId& o) const;
  [[nodiscard]] bool isSelectedBy(const ResId& selector) const;
  // `Kind.version.group/name.namespace`.
  [[nodiscard]] std::string toString() const;
  static ResId fromString(std::string_view s);
};

inline constexpr std::string_view kAnnoPrefix = "internal.config.kubernetes.io/";
inline constexpr std::string_view kAnnoPreviousKinds =
    "internal.config.kubernetes.io/previousKinds";
inline constexpr std::string_view kAnnoPreviousNames =
    "internal.config.kubernetes.io/previousNames";
inline constexpr std::string_view kAnnoPreviousNamespaces =
    "internal.config.kubernetes.io/previousNamespaces";
inline constexpr std::string_view kAnnoPrefixes = "internal.config.kubernetes.io/prefixes";
inline constexpr std::string_view kAnnoSuffixes = "internal.config.kubernetes.io/suffixes";
inline constexpr std::string_view kAnnoRefBy = "internal.config.kubernetes.io/refBy";
inline constexpr std::string_view kAnnoBehavior = "internal.config.kubernetes.io/generatorBehavior";
inline constexpr std::string_view kAnnoNeedsHash = "internal.config.kubernetes.io/needsHashSuffix";
inline constexpr std::string_view kAnnoAllowNameChange =
    "internal.config.kubernetes.io/allowNameChange";
inline constexpr std::string_view kAnnoAllowKindChange =
    "internal.config.kubernetes.io/allowKindChange";

class Resource {
 public:
  explicit Resource(core::Value obj) : obj_(std::move(obj)) {}

  [[nodiscard]] const core::Value& obj() const noexcept { return obj_; }
  core::Value& obj() noexcept { return obj_; }

  [[nodiscard]] Gvk gvk() const;
  [[nodiscard]] std::string kind() const;
  [[nodiscard]] std::string apiVersion() const;
  [[nodiscard]] std::string name() const;
  [[nodiscard]] std::string ns() const;
  void setName(std::string_view name);
  void setNamespace(std::string_view ns);
  void setKind(std::string_view kind);
  void setApiVersion(std::string_view apiVersion);
  void setGvk(const Gvk& gvk);
  // Empty when the document is null or an empty map (a patch deleted it).
  [[nodiscard]] bool isNilOrEmpty() const;

  [[nodiscard]] ResId curId() const;
  [[nodiscard]] ResId orgId() const;
  [[nodiscard]] std::vector<ResId> prevIds() const;
  void storePreviousId();

  // metadata.labels / metadata.annotations as (key, string value) pairs; absent gives null.
  [[nodiscard]] const core::Value& labels() const;
  [[nodiscard]] const core::Value& annotations() const;
  [[nodiscard]] std::string annotation(std::string_view key) const;
  [[nodiscard]] bool hasAnnotation(std::string_view key) const;
  void setAnnotation(std::string_view key, std::string_view value);
  // Removes a key; an annotations map left empty is removed (kyaml SetAnnotations).
  void removeAnnotation(std::string_view key);
  void setLabelsMap(core::Object labels);
  void setAnnotationsMap(core::Object annotations);

  [[nodiscard]] std::vector<std::string> csvAnnotation(std::string_view key) const;
  void appendCsvAnnotation(std::string_view key, std::string_view value);
  [[nodiscard]] std::vector<std::string> namePrefixes() const {
    return csvAnnotation(kAnnoPrefixes);
  }
  [[nodiscard]] std::vector<std::string> nameSuffixes() const {
    return csvAnnotation(kAnnoSuffixes);
  }
  void addNamePrefix(std::string_view p) { appendCsvAnnotation(kAnnoPrefixes, p); }
  void addNameSuffix(std::string_view s) { appendCsvAnnotation(kAnnoSuffixes, s); }
  [[nodiscard]] bool isEnabled(std::string_view key) const;
  void enable(std::string_view key) { setAnnotation(key, "enabled"); }
  [[nodiscard]] bool needsHashSuffix() const { return isEnabled(kAnnoNeedsHash); }
  // "create", "merge", "replace" or "unspecified".
  [[nodiscard]] std::string behavior() const;
  [[nodiscard]] std::vector<ResId> refBy() const;
  void appendRefBy(const ResId& id) { appendCsvAnnotation(kAnnoRefBy, id.toString()); }

  // Copies labels, annotations, name and namespace from `other` (CopyMergeMetaDataFieldsFrom).
  void copyMergeMetaDataFieldsFrom(const Resource& other);
  // Merges other's data (binaryData) maps under this one's (this one wins).
  void mergeDataMapFrom(const Resource& other, std::string_view field);
  void removeBuildAnnotations();

  std::vector<std::string> refVarNames;

 private:
  core::Value obj_;
};

using ResourcePtr = std::shared_ptr<Resource>;

// The string value of a (possibly absent) scalar field: strings as they are, numbers and
// booleans printed, anything else "".
std::string scalarString(const core::Value& v);

}  // namespace driftless::kustomize

namespace driftless::kustomize {

// Parses a YAML stream of resources as kustomize's resource factory does (kyaml, YAML 1.2):
// empty documents are dropped, each document needs a kind and (unless a List) a name, and Lists
// are expanded into their items. Throws KustomizeError (malformed YAML is prefixed
// "MalformedYAMLError: ").
std::vector<ResourcePtr> resourcesFromBytes(std::string_view text);

}  // namespace driftless::kustomize
