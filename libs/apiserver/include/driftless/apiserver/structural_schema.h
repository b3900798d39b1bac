#pragma once

// The structural schema of a custom resource version (its CRD's `openAPIV3Schema`) and the three
// things kube-apiserver does with it on every request (apiextensions-apiserver
// pkg/apiserver/schema and pkg/apiserver/validation, kube-openapi pkg/validation/validate), as of
// Kubernetes 1.36:
//
// - applyDefaults: `default` values (schema/defaulting/algorithm.go);
// - prune: unknown fields dropped (schema/pruning/algorithm.go) and reported for
//   fieldValidation=Strict/Warn, non-nullable nulls without a default dropped
//   (defaulting/prunenulls.go), metadata of embedded resources coerced (schema/objectmeta);
// - validate: the OpenAPI v3 validation of the object, the embedded-resource checks
//   (objectmeta/validation.go) and the x-kubernetes-list-type set/map uniqueness checks
//   (schema/listtype), with kube's field paths and messages.
//
// kube-apiserver decodes, prunes, defaults, then validates; callers do the same:
//   auto unknownFields = schema.prune(obj);
//   schema.applyDefaults(obj);
//   auto causes = schema.validate(obj);  // validateStatus(obj) for the status subresource
//
// Not covered:
// - x-kubernetes-validations (CEL rules) are not evaluated;
// - validation ratcheting on update (unchanged invalid fields are reported like new ones);
// - `pattern` is matched with std::regex (ECMAScript) after a light translation of Go RE2
//   syntax: a leading (?i), \A, \z and named groups are translated; patterns std::regex cannot
//   compile (\p{..}, \Q..\E, inline flags, \x{..}) are not checked and listed by
//   unsupportedPatterns(); matching is byte-wise (`.` and negated classes see UTF-8 bytes, not
//   runes), `.` does not match `\r` (RE2's does), and \s also matches \v. With libstdc++ the
//   breadth-first executor is used, so long strings take polynomial time and bounded stack;
// - formats: date-time, date, duration, byte, uuid*, hexcolor, rgbcolor, ssn, isbn*,
//   k8s-short-name, k8s-long-name, ipv4 and password are checked; uri, email, hostname, ipv6,
//   cidr, mac, creditcard and bsonobjectid are accepted unchecked;
// - the ObjectMeta of embedded resources is neither validated (ValidateObjectMeta) nor fully
//   coerced: prune only drops its unknown top-level fields and a null creationTimestamp.

#include <memory>
#include <string>
#include <vector>

#include "driftless/core/value.h"

namespace driftless::apiserver {

namespace detail {
struct SchemaNode;
}

// One field error as kube-apiserver reports it in a 422's `details.causes`.
struct SchemaCause {
  // FieldValueRequired, FieldValueInvalid, FieldValueTypeInvalid, FieldValueNotSupported,
  // FieldValueTooLong, FieldValueTooMany, FieldValueDuplicate.
  std::string type;
  // `spec.url`, `spec.items[0].bar`; `<nil>` for errors kube reports without a field (anyOf,
  // oneOf, allOf and not failures, numbers out of their format's range).
  std::string field;
  // The message without the field: `Invalid value: "ftp://x": spec.url in body should match
  // '^(http|https|ssh)://.*$'`, `Required value`, `Unsupported value: "x": supported values:
  // "a", "b"`.
  std::string message;

  // `field: message`, as it appears in the Status message.
  [[nodiscard]] std::string toString() const { return field + ": " + message; }
};

class StructuralSchema {
 public:
  // An empty schema: everything but apiVersion, kind and metadata is pruned, nothing defaulted.
  StructuralSchema();
  // Builds from a CRD version's `schema.openAPIV3Schema` (null gives the empty schema). Throws
  // core::Error when it is neither an object nor null. Keywords of the wrong JSON type are
  // ignored (the CRD itself is validated when it is created). Copies share the parsed schema.
  explicit StructuralSchema(const core::Value& openAPIV3Schema);

  // Sets absent fields (and non-nullable null fields) that have a `default` in properties, array
  // items and additionalProperties values, recursively, also into the defaults just applied.
  void applyDefaults(core::Value& obj) const;

  // Removes fields the schema does not specify, except under x-kubernetes-preserve-unknown-fields
  // and apiVersion/kind/metadata at the root and in x-kubernetes-embedded-resource objects.
  // Returns the removed paths as kube reports them for fieldValidation=Strict/Warn (sorted,
  // `spec.foo`, `spec.items[0].bar`, then unknown `….metadata.x` of embedded resources). Also
  // drops, without reporting them, null values of non-nullable fields that have no default.
  std::vector<std::string> prune(core::Value& obj) const;

  // Validates obj, a whole custom resource (create semantics). Empty when valid.
  [[nodiscard]] std::vector<SchemaCause> validate(const core::Value& obj) const;
  // Validates an update of the status subresource as kube does: only obj's `status`, against the
  // `status` property's schema, its errors under the field `status` (messages name the path
  // inside the status: `status.conditions[0].reason: Invalid value: "": conditions[0].reason in
  // body should be at least 1 chars long`); embedded resources and list types of the whole object.
  [[nodiscard]] std::vector<SchemaCause> validateStatus(const core::Value& obj) const;

  // Patterns (with their schema paths) std::regex could not compile; they are not checked.
  [[nodiscard]] const std::vector<std::string>& unsupportedPatterns() const;

 private:
  std::shared_ptr<const detail::SchemaNode> root_;
  std::shared_ptr<const std::vector<std::string>> unsupportedPatterns_;
};

}  // namespace driftless::apiserver
