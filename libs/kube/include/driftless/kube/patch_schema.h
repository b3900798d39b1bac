#pragma once

// Merge metadata for strategic merge patch: which lists merge (and by which key), which maps or
// lists are replaced wholesale, and which maps clear the fields a patch does not mention
// (retainKeys). Kubernetes declares these with the OpenAPI extensions
// x-kubernetes-patch-strategy and x-kubernetes-patch-merge-key; a PatchSchema walks a document
// alongside its schema and answers those questions for each field.
//
// Schemas without metadata (custom resources, unknown fields) use the "unknown" schema: no merge
// keys, so lists are replaced and maps are merged, exactly like JSON merge patch.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/value.h"

namespace driftless::kube {

namespace detail {
class PatchSchemaNode;
}  // namespace detail

// The list/map strategy of a field, from x-kubernetes-patch-strategy ("merge", "replace",
// "retainKeys", or "merge,retainKeys"/"retainKeys,merge").
enum class PatchStrategy : std::uint8_t {
  None,     // lists are replaced, maps are merged
  Merge,    // lists are merged (by merge key for lists of maps, as a set for primitives)
  Replace,  // the value is replaced as a whole
};

struct PatchStrategies {
  PatchStrategy strategy = PatchStrategy::None;
  bool retainKeys = false;
};

// What kind of value the schema describes.
enum class SchemaKind : std::uint8_t {
  Unknown,    // no schema (free-form, unknown field, preserve-unknown-fields)
  Struct,     // an object with named properties
  Map,        // an object whose values share one schema (additionalProperties)
  List,       // an array
  Primitive,  // string, number, integer, boolean (also int-or-string)
};

// A node of a schema tree with the merge metadata of the field that leads to it. Copies are
// cheap (a shared pointer); children are resolved lazily and cached, and lookups are safe from
// several threads at once.
class PatchSchema {
 public:
  // The unknown schema.
  PatchSchema();
  [[nodiscard]] static PatchSchema unknown() { return {}; }

  // A schema from an OpenAPI v3 document (as served at /openapi/v3/apis/<group>/<version>):
  // `schemaName` names an entry of components.schemas, e.g. "io.k8s.api.apps.v1.Deployment".
  // References (`$ref: #/components/schemas/<name>`, also wrapped in a one-element allOf as
  // Kubernetes writes them) are resolved on demand. Throws core::Error when the document has no
  // such schema.
  static PatchSchema fromOpenApiV3(std::shared_ptr<const core::Value> document,
                                   std::string_view schemaName);
  static PatchSchema fromOpenApiV3(core::Value document, std::string_view schemaName);

  // A schema from an OpenAPI v2 (swagger) document: `definitionName` names an entry of
  // `definitions`; references are `$ref: #/definitions/<name>`. A reference to a definition the
  // document lacks is given to `resolveMissing` (when set), which returns that definition's
  // schema from elsewhere (kyaml resolves such references in the built-in Kubernetes schema) or
  // the unknown schema. Throws core::Error when the document has no such definition.
  static PatchSchema fromOpenApiV2(
      std::shared_ptr<const core::Value> document, std::string_view definitionName,
      std::function<PatchSchema(std::string_view)> resolveMissing = {});

  // A schema from one self-contained JSON schema, such as a CRD's openAPIV3Schema. References
  // into components.schemas are not available.
  static PatchSchema fromJsonSchema(core::Value schema);

  // The schema of a named field of an object: a property of a struct, the value schema of a map,
  // or the unknown schema (unknown field, or this is not an object).
  [[nodiscard]] PatchSchema field(std::string_view name) const;
  // The schema of the elements of a list or the values of a map; for a struct, the struct itself
  // (a list-valued field described by its element schema, as upstream accepts); unknown
  // otherwise.
  [[nodiscard]] PatchSchema items() const;

  // Merge metadata of the field this schema was reached through.
  [[nodiscard]] const std::string& mergeKey() const noexcept;
  // The strategy list as written (split at commas).
  [[nodiscard]] const std::vector<std::string>& rawStrategies() const noexcept;
  // The interpreted strategy. Throws core::Error for combinations Kubernetes rejects (two
  // strategies neither of which is retainKeys, or more than two); an unrecognized single
  // strategy counts as None, as upstream treats it.
  [[nodiscard]] PatchStrategies strategies() const;

  // Server-side apply metadata (structured-merge-diff's view of the schema, as
  // k8s.io/kube-openapi schemaconv derives it).
  //
  // The list type of a list schema: x-kubernetes-list-type when present ("map" without keys counts
  // as "atomic"); otherwise, as for built-in types, "map" for a list with patch strategy "merge"
  // and a merge key, "set" for one without a merge key; "atomic" for every other list. "" when
  // this is not a list schema.
  [[nodiscard]] std::string_view listType() const noexcept;
  // The key fields of a "map" list: x-kubernetes-list-map-keys, or the merge key.
  [[nodiscard]] std::vector<std::string> listMapKeys() const;
  // "atomic" when x-kubernetes-map-type says so, "granular" for other struct and map schemas, ""
  // for schemas that do not describe objects.
  [[nodiscard]] std::string_view mapType() const noexcept;
  // The `default` written on the schema (or on a schema it references), or nullptr.
  [[nodiscard]] const core::Value* defaultValue() const noexcept;
  // True when this is a struct that declares a property `name`.
  [[nodiscard]] bool hasField(std::string_view name) const;

  [[nodiscard]] SchemaKind kind() const noexcept;
  [[nodiscard]] bool isUnknown() const noexcept { return kind() == SchemaKind::Unknown; }
  [[nodiscard]] bool isStruct() const noexcept { return kind() == SchemaKind::Struct; }
  [[nodiscard]] bool isMap() const noexcept { return kind() == SchemaKind::Map; }
  [[nodiscard]] bool isList() const noexcept { return kind() == SchemaKind::List; }
  [[nodiscard]] bool isPrimitive() const noexcept { return kind() == SchemaKind::Primitive; }

  // The components.schemas name this node resolved to ("" for inline or unknown schemas).
  [[nodiscard]] const std::string& name() const noexcept;

 private:
  friend class detail::PatchSchemaNode;
  explicit PatchSchema(std::shared_ptr<const detail::PatchSchemaNode> node)
      : node_(std::move(node)) {}

  std::shared_ptr<const detail::PatchSchemaNode> node_;
};

// The components.schemas name of the schema whose x-kubernetes-group-version-kind lists the
// given group, version and kind ("" is the core group), or nullopt.
std::optional<std::string> findOpenApiSchemaName(const core::Value& document,
                                                 std::string_view group, std::string_view version,
                                                 std::string_view kind);

// The same for an OpenAPI v2 (swagger) document: the name of the entry of `definitions`.
std::optional<std::string> findOpenApiV2DefinitionName(const core::Value& document,
                                                       std::string_view group,
                                                       std::string_view version,
                                                       std::string_view kind);

}  // namespace driftless::kube
