#pragma once

// Sets of field paths in the format of metadata.managedFields[].fieldsV1 (FieldsV1), with the
// semantics of sigs.k8s.io/structured-merge-diff (fieldpath.Set): the sets server-side apply
// records for each field manager.
//
// A path is a sequence of elements:
//   f:<name>   a field of a struct or a key of a map
//   k:<json>   the item of an associative list ("map" list) with these key fields (an object
//              with the key fields sorted by name, printed compactly)
//   v:<json>   the item of a set list with this value
//   i:<index>  an item by position
// FieldsV1 writes a set as a trie: `{"f:data":{"f:a":{}}}` holds `.data.a`; a node that is
// itself a member and also has children carries a `".": {}` entry.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/kube/patch_schema.h"

namespace driftless::kube {

class FieldPathElement {
 public:
  enum class Type : std::uint8_t { Field, Key, Value, Index };
  using KeyFields = std::vector<std::pair<std::string, core::Value>>;

  static FieldPathElement field(std::string name);
  // The key fields are sorted by name.
  static FieldPathElement key(KeyFields fields);
  static FieldPathElement value(core::Value value);
  static FieldPathElement index(std::int64_t index);

  // Parses a serialized element (`f:name`, `k:{...}`, `v:...`, `i:3`). Returns nullopt for an
  // element type this version does not know (upstream drops those); throws core::Error when the
  // text is malformed.
  static std::optional<FieldPathElement> parse(std::string_view text);

  [[nodiscard]] Type type() const noexcept { return type_; }
  [[nodiscard]] const std::string& fieldName() const noexcept { return name_; }
  [[nodiscard]] const KeyFields& keyFields() const noexcept { return key_; }
  [[nodiscard]] const core::Value& itemValue() const noexcept { return value_; }
  [[nodiscard]] std::int64_t itemIndex() const noexcept { return index_; }

  // The FieldsV1 form: `f:name`, `k:{"name":"app"}`, `v:"x"`, `i:0`.
  [[nodiscard]] std::string serialize() const;
  // The form kube prints in conflict messages: `.name`, `[name="app"]`, `[="x"]`, `[0]`.
  [[nodiscard]] std::string toString() const;

  // structured-merge-diff's total order: fields, then keys, then values, then indexes.
  [[nodiscard]] int compare(const FieldPathElement& other) const;
  friend bool operator==(const FieldPathElement& a, const FieldPathElement& b) {
    return a.compare(b) == 0;
  }
  friend bool operator<(const FieldPathElement& a, const FieldPathElement& b) {
    return a.compare(b) < 0;
  }

 private:
  Type type_ = Type::Field;
  std::string name_;
  KeyFields key_;
  core::Value value_;
  std::int64_t index_ = 0;
};

using FieldPath = std::vector<FieldPathElement>;

// `.spec.containers[name="app"].image`, as in kube's conflict messages.
std::string formatFieldPath(const FieldPath& path);

// The order structured-merge-diff gives values (value.Compare): numbers (compared numerically),
// then strings, booleans, lists, maps, null.
int compareValues(const core::Value& a, const core::Value& b);

class FieldSet {
 public:
  struct Child;

  FieldSet() = default;

  // Reads a FieldsV1 object. Unknown element types are skipped; malformed elements throw
  // core::Error.
  static FieldSet fromFieldsV1(const core::Value& fields);
  // The FieldsV1 object, members in structured-merge-diff's order (so that printing it compactly
  // gives the bytes kube stores).
  [[nodiscard]] core::Value toFieldsV1() const;
  // toFieldsV1() printed compactly, as kube serializes it.
  [[nodiscard]] std::string toJson() const;

  // Adds a path (parents are not added; the empty path is ignored).
  void insert(const FieldPath& path);
  [[nodiscard]] bool contains(const FieldPath& path) const;
  [[nodiscard]] bool empty() const noexcept;
  // The number of paths.
  [[nodiscard]] std::size_t size() const noexcept;

  [[nodiscard]] FieldSet unionWith(const FieldSet& other) const;
  [[nodiscard]] FieldSet intersection(const FieldSet& other) const;
  // Leaf-wise difference: removing a parent path does not remove its children.
  [[nodiscard]] FieldSet difference(const FieldSet& other) const;
  // Removes every path of `other` together with everything below it.
  [[nodiscard]] FieldSet recursiveDifference(const FieldSet& other) const;
  // The paths below `element` (without it), or the empty set.
  [[nodiscard]] FieldSet withPrefix(const FieldPathElement& element) const;

  // Calls f for every path: members of a node before its children, both in order.
  void forEach(const std::function<void(const FieldPath&)>& f) const;
  [[nodiscard]] std::vector<FieldPath> paths() const;

  // The elements that are members at this level, and the subsets below elements (sorted).
  [[nodiscard]] const std::vector<FieldPathElement>& members() const noexcept { return members_; }
  [[nodiscard]] const std::vector<Child>& children() const noexcept { return children_; }
  void insertMember(const FieldPathElement& element);
  // The subset below element, created when absent.
  FieldSet& descend(const FieldPathElement& element);
  [[nodiscard]] const FieldSet* child(const FieldPathElement& element) const;

  friend bool operator==(const FieldSet& a, const FieldSet& b);

 private:
  void forEachPrefixed(FieldPath& prefix, const std::function<void(const FieldPath&)>& f) const;
  void appendFieldsV1(core::Object& out, bool includeSelf) const;

  std::vector<FieldPathElement> members_;  // sorted
  std::vector<Child> children_;            // sorted by element
};

struct FieldSet::Child {
  FieldPathElement element;
  FieldSet set;
  friend bool operator==(const Child& a, const Child& b) {
    return a.element == b.element && a.set == b.set;
  }
};

// Which part of an object a field set covers (server-side apply's reset fields).
enum class FieldScope : std::uint8_t {
  All,           // everything
  IgnoreStatus,  // everything but `status` (the main resource when a status subresource exists)
  StatusOnly,    // only `status` (the status subresource)
};

// Restricts a set to a scope (paths outside it are removed with everything below them).
FieldSet scopeFieldSet(const FieldSet& set, FieldScope scope);

// The fields `obj` sets, as structured-merge-diff's ToFieldSet computes them under `schema`:
// scalar leaves, atomic lists and maps as one leaf, list items and map entries (keys of maps that
// are not struct fields, and null or empty values) also as members themselves. apiVersion, kind
// and the metadata fields the server owns (name, namespace, uid, resourceVersion, generation,
// creationTimestamp, selfLink, managedFields as kube's stripmeta does; also deletionTimestamp and
// deletionGracePeriodSeconds) are left out. A `metadata` the schema does not describe is read
// with the schema of ObjectMeta, as kube does for custom resources. A key field an item omits
// takes the schema's default (`protocol` defaults to "TCP" when the schema has none, as for
// kube's ports lists). Throws core::Error for items of a set or map list that cannot be
// identified (no key field, a map in a set, null items); duplicated items are recorded as the
// item itself, as upstream does.
FieldSet fieldSetOf(const core::Value& obj, const PatchSchema& schema,
                    FieldScope scope = FieldScope::All);

}  // namespace driftless::kube
