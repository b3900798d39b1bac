#include "driftless/api/object_meta.h"

#include <array>
#include <span>
#include <utility>

#include "driftless/api/codec.h"

namespace driftless::api {

namespace {

// The string fields, in the order Kubernetes prints them; generation comes after the first
// five (kNameFieldCount).
struct StringField {
  std::string_view key;
  std::string ObjectMeta::*member;
};
constexpr std::array<StringField, 7> kStringFields{{
    {"name", &ObjectMeta::name},
    {"generateName", &ObjectMeta::generateName},
    {"namespace", &ObjectMeta::namespace_},
    {"uid", &ObjectMeta::uid},
    {"resourceVersion", &ObjectMeta::resourceVersion},
    {"creationTimestamp", &ObjectMeta::creationTimestamp},
    {"deletionTimestamp", &ObjectMeta::deletionTimestamp},
}};
constexpr std::size_t kNameFieldCount = 5;

bool decodeString(const core::Member& member, const std::string& path, ObjectMeta& meta) {
  for (const StringField& field : kStringFields) {
    if (member.key == field.key) {
      codec::decode(member.value, path, meta.*(field.member));
      return true;
    }
  }
  return false;
}

// Decodes one member into meta; false for a key ObjectMeta does not type.
bool decodeKnown(const core::Member& member, const std::string& path, ObjectMeta& meta) {
  const std::string& key = member.key;
  const core::Value& value = member.value;
  if (decodeString(member, path, meta)) return true;
  if (key == "generation") {
    codec::decode(value, path, meta.generation);
  } else if (key == "labels") {
    codec::decode(value, path, meta.labels);
  } else if (key == "annotations") {
    codec::decode(value, path, meta.annotations);
  } else if (key == "finalizers") {
    codec::decode(value, path, meta.finalizers);
  } else if (key == "ownerReferences" || key == "managedFields") {
    if (!value.isArray()) codec::throwTypeError(path, "array", value);
    (key == "ownerReferences" ? meta.ownerReferences : meta.managedFields) = value;
  } else {
    return false;
  }
  return true;
}

void writeStrings(core::Object& out, const ObjectMeta& meta, std::span<const StringField> fields) {
  for (const StringField& field : fields) {
    const std::string& text = meta.*(field.member);
    if (!text.empty()) codec::write(out, field.key, text);
  }
}

const std::string* lookup(const std::map<std::string, std::string>& map, std::string_view key) {
  auto it = map.find(std::string(key));
  return it == map.end() ? nullptr : &it->second;
}

}  // namespace

ObjectMeta ObjectMeta::fromValue(const core::Value& value, std::string_view path) {
  const core::Object& in = codec::objectAt(value, path);
  ObjectMeta meta;
  for (const core::Member& member : in) {
    if (member.value.isNull()) continue;
    if (!decodeKnown(member, codec::childPath(path, member.key), meta)) {
      meta.extra.append(member.key, member.value);
    }
  }
  return meta;
}

core::Value ObjectMeta::toValue() const {
  core::Object out;
  std::span<const StringField> strings(kStringFields);
  writeStrings(out, *this, strings.first(kNameFieldCount));
  if (generation != 0) codec::write(out, "generation", generation);
  writeStrings(out, *this, strings.subspan(kNameFieldCount));
  codec::writeIfSet(out, "labels", labels);
  codec::writeIfSet(out, "annotations", annotations);
  codec::writeIfSet(out, "ownerReferences", ownerReferences);
  codec::writeIfSet(out, "finalizers", finalizers);
  codec::writeIfSet(out, "managedFields", managedFields);
  for (const core::Member& member : extra)
    out.set(member.key, member.value);
  return core::Value(std::move(out));
}

const std::string* ObjectMeta::label(std::string_view key) const {
  return lookup(labels, key);
}

const std::string* ObjectMeta::annotation(std::string_view key) const {
  return lookup(annotations, key);
}

}  // namespace driftless::api
