#pragma once

// Internal: how server-side apply sees a schema (structured-merge-diff's atoms) and the walks
// field_set.cpp and server_side_apply.cpp share.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/kube/field_set.h"
#include "driftless/kube/patch_schema.h"

namespace driftless::kube::detail {

// A schema node plus whether it is the root of an object (where `metadata` is ObjectMeta even
// when the schema does not say so).
struct ApplyType {
  PatchSchema schema;
  bool root = false;
};

// How a value is walked under its schema.
enum class ApplyShape : std::uint8_t {
  Leaf,  // scalar, atomic list or map, or a value that does not fit its schema
  Map,   // granular map or struct
  List,  // associative list: set or map
};

ApplyShape shapeOf(const ApplyType& type, const core::Value& value);

// The type of a map member and of list items.
ApplyType memberType(const ApplyType& type, std::string_view key);
ApplyType itemType(const ApplyType& type);
// True when `key` is a declared field of a struct (named fields are not members of a set unless
// their value is null or empty).
bool isNamedField(const ApplyType& type, std::string_view key);

// The path element of an item of an associative list; throws core::Error (with upstream's
// messages) for items that cannot be identified.
FieldPathElement listItemElement(const ApplyType& list, const core::Value& item);

// structured-merge-diff's ToFieldSet, without stripping or scoping.
FieldSet rawFieldSet(const core::Value& value, const ApplyType& type);

// The fields kube never tracks (internal/stripmeta.go, plus a few server-set fields).
const FieldSet& strippedFields();

// "<path>: element <i>: <problem>" errors.
std::string elementError(const FieldPath& path, std::size_t index, std::string_view problem);

}  // namespace driftless::kube::detail
