#include "driftless/kube/patch.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>

#include "driftless/core/json.h"

namespace driftless::kube {

namespace {

// ---------------------------------------------------------------------------------------------
// Merge patch

void mergeInto(core::Value& target, const core::Value& patch) {
  if (!patch.isObject()) {
    target = patch;
    return;
  }
  if (!target.isObject()) target = core::Value::object();
  core::Object& object = target.asObject();
  for (const auto& member : patch.asObject()) {
    if (member.value.isNull()) {
      object.erase(member.key);
    } else if (core::Value* existing = object.find(member.key)) {
      mergeInto(*existing, member.value);
    } else {
      core::Value added;
      mergeInto(added, member.value);
      object.append(member.key, std::move(added));
    }
  }
}

core::Object diffObjects(const core::Object& original, const core::Object& modified) {
  core::Object patch;
  for (const auto& member : modified) {
    const core::Value* before = original.find(member.key);
    if (before == nullptr) {
      patch.append(member.key, member.value);
    } else if (!(*before == member.value)) {
      if (before->isObject() && member.value.isObject())
        patch.append(member.key, diffObjects(before->asObject(), member.value.asObject()));
      else
        patch.append(member.key, member.value);
    }
  }
  for (const auto& member : original)
    if (!modified.contains(member.key)) patch.append(member.key, nullptr);
  return patch;
}

// ---------------------------------------------------------------------------------------------
// JSON pointers

std::optional<std::vector<std::string>> decodePointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') return std::nullopt;
  std::string token;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
    } else if (pointer[i] == '~') {
      if (i + 1 >= pointer.size()) return std::nullopt;
      const char escaped = pointer[++i];
      if (escaped == '0')
        token += '~';
      else if (escaped == '1')
        token += '/';
      else
        return std::nullopt;
    } else {
      token += pointer[i];
    }
  }
  return tokens;
}

bool isDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// An RFC 6901 array index: "0" or digits without a leading zero.
std::optional<std::size_t> parseIndex(std::string_view token) {
  if (!isDigits(token) || token.size() > 18 || (token.size() > 1 && token.front() == '0'))
    return std::nullopt;
  std::size_t index = 0;
  for (char c : token)
    index = index * 10 + static_cast<std::size_t>(c - '0');
  return index;
}

std::string invalidIndex(std::string_view token) {
  return "Unable to access invalid index: " + std::string(token) + ": invalid index referenced";
}

template <typename V>
V* childOf(V& container, const std::string& token) {
  if (container.isObject()) return container.asObject().find(token);
  if (container.isArray()) {
    auto& array = container.asArray();
    const auto index = parseIndex(token);
    if (!index || *index >= array.size()) return nullptr;
    return &array[*index];
  }
  return nullptr;
}

// The object or array holding the last token of a non-empty pointer, or nullptr.
template <typename V>
V* parentOf(V& document, const std::vector<std::string>& tokens) {
  V* current = &document;
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    current = childOf(*current, tokens[i]);
    if (current == nullptr) return nullptr;
  }
  return current->isObject() || current->isArray() ? current : nullptr;
}

// Why a child is absent from an existing container.
std::string missingChild(const core::Value& container, const std::string& token) {
  if (container.isObject()) return "unable to get nonexistent key: " + token + ": missing value";
  return invalidIndex(token);
}

// The failure of an edit: the container is missing, or the edit failed there (detail).
struct Failure {
  bool containerMissing = false;
  std::string detail;
};
using Outcome = std::optional<Failure>;  // nullopt: success

Outcome addAt(core::Value& document, const std::vector<std::string>& tokens, core::Value value) {
  if (tokens.empty()) {
    document = std::move(value);
    return std::nullopt;
  }
  core::Value* parent = parentOf(document, tokens);
  if (parent == nullptr) return Failure{true, {}};
  const std::string& key = tokens.back();
  if (parent->isObject()) {
    parent->asObject().set(key, std::move(value));
    return std::nullopt;
  }
  auto& array = parent->asArray();
  if (key == "-") {
    array.push_back(std::move(value));
    return std::nullopt;
  }
  const auto index = parseIndex(key);
  if (!index) {
    if (isDigits(key)) return Failure{false, invalidIndex(key)};
    return Failure{false, "value was not a proper array index: '" + key + "'"};
  }
  if (*index > array.size()) return Failure{false, invalidIndex(key)};
  array.insert(array.begin() + static_cast<std::ptrdiff_t>(*index), std::move(value));
  return std::nullopt;
}

Outcome removeAt(core::Value& document, const std::vector<std::string>& tokens,
                 core::Value* removed) {
  if (tokens.empty()) return Failure{true, {}};
  core::Value* parent = parentOf(document, tokens);
  if (parent == nullptr) return Failure{true, {}};
  const std::string& key = tokens.back();
  if (parent->isObject()) {
    core::Value* value = parent->asObject().find(key);
    if (value == nullptr)
      return Failure{false, "Unable to remove nonexistent key: " + key + ": missing value"};
    if (removed != nullptr) *removed = std::move(*value);
    parent->asObject().erase(key);
    return std::nullopt;
  }
  auto& array = parent->asArray();
  const auto index = parseIndex(key);
  if (!index || *index >= array.size()) return Failure{false, invalidIndex(key)};
  if (removed != nullptr) *removed = std::move(array[*index]);
  array.erase(array.begin() + static_cast<std::ptrdiff_t>(*index));
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Operations

[[noreturn]] void fail(std::string message) {
  throw PatchError(std::move(message));
}

// The name Go's encoding/json gives a JSON value's kind in unmarshal errors.
const char* goKind(const core::Value& v) {
  switch (v.type()) {
    case core::Value::Type::Null:
      return "null";
    case core::Value::Type::Bool:
      return "bool";
    case core::Value::Type::Int:
    case core::Value::Type::Double:
      return "number";
    case core::Value::Type::String:
      return "string";
    case core::Value::Type::Array:
      return "array";
    case core::Value::Type::Object:
      return "object";
  }
  return "value";
}

struct PointerField {
  std::string text;
  std::vector<std::string> tokens;
};

PointerField pointerField(const core::Value& operation, std::string_view name,
                          const std::string& kind) {
  const core::Value* field = operation.find(name);
  const std::string prefix = kind + " operation failed to decode " + std::string(name) + ": ";
  if (field == nullptr || field->isNull()) {
    if (name == "path") fail(prefix + "operation missing path field: missing value");
    fail(prefix + "operation, missing from field: missing value");
  }
  if (!field->isString())
    fail(prefix + "json: cannot unmarshal " + goKind(*field) + " into Go value of type string");
  auto tokens = decodePointer(field->asString());
  if (!tokens) fail(prefix + "invalid JSON pointer: " + core::toJson(*field));
  return {field->asString(), std::move(*tokens)};
}

const core::Value& valueField(const core::Value& operation, const std::string& kind) {
  const core::Value* value = operation.find("value");
  if (value == nullptr)
    fail(kind + " operation failed to decode value: operation, missing value field: missing value");
  return *value;
}

bool isProperPrefix(const std::vector<std::string>& prefix, const std::vector<std::string>& of) {
  return prefix.size() < of.size() && std::equal(prefix.begin(), prefix.end(), of.begin());
}

void applyAdd(core::Value& document, const core::Value& operation) {
  const auto path = pointerField(operation, "path", "add");
  const core::Value& value = valueField(operation, "add");
  if (auto failure = addAt(document, path.tokens, value)) {
    if (failure->containerMissing)
      fail("add operation does not apply: doc is missing path: \"" + path.text +
           "\": missing value");
    fail("error in add for path: '" + path.text + "': " + failure->detail);
  }
}

void applyRemove(core::Value& document, const core::Value& operation) {
  const auto path = pointerField(operation, "path", "remove");
  if (auto failure = removeAt(document, path.tokens, nullptr)) {
    if (failure->containerMissing)
      fail("remove operation does not apply: doc is missing path: \"" + path.text +
           "\": missing value");
    fail("error in remove for path: '" + path.text + "': " + failure->detail);
  }
}

void applyReplace(core::Value& document, const core::Value& operation) {
  const auto path = pointerField(operation, "path", "replace");
  const core::Value& value = valueField(operation, "replace");
  if (path.tokens.empty()) {
    document = value;
    return;
  }
  core::Value* parent = parentOf(document, path.tokens);
  if (parent == nullptr)
    fail("replace operation does not apply: doc is missing path: " + path.text + ": missing value");
  core::Value* slot = childOf(*parent, path.tokens.back());
  if (slot == nullptr)
    fail("replace operation does not apply: doc is missing key: " + path.text + ": missing value");
  *slot = value;
}

void applyMove(core::Value& document, const core::Value& operation) {
  const auto from = pointerField(operation, "from", "move");
  const auto path = pointerField(operation, "path", "move");
  if (isProperPrefix(from.tokens, path.tokens))
    fail("move operation does not apply: cannot move \"" + from.text + "\" into its own child \"" +
         path.text + "\"");
  if (from.tokens == path.tokens) {
    // A no-op, but "from" must exist (RFC 6902 section 4.4).
    if (from.tokens.empty()) return;
    const core::Value* parent = parentOf(std::as_const(document), from.tokens);
    if (parent == nullptr)
      fail("move operation does not apply: doc is missing from path: " + from.text +
           ": missing value");
    if (childOf(*parent, from.tokens.back()) == nullptr)
      fail("error in move for path: '" + from.text +
           "': " + missingChild(*parent, from.tokens.back()));
    return;
  }
  core::Value moved;
  if (auto failure = removeAt(document, from.tokens, &moved)) {
    if (failure->containerMissing)
      fail("move operation does not apply: doc is missing from path: " + from.text +
           ": missing value");
    fail("error in move for path: '" + from.text + "': " + failure->detail);
  }
  if (auto failure = addAt(document, path.tokens, std::move(moved))) {
    if (failure->containerMissing)
      fail("move operation does not apply: doc is missing destination path: " + path.text +
           ": missing value");
    fail("error in move for path: '" + path.text + "': " + failure->detail);
  }
}

void applyCopy(core::Value& document, const core::Value& operation) {
  const auto from = pointerField(operation, "from", "copy");
  const auto path = pointerField(operation, "path", "copy");
  core::Value copied;
  if (from.tokens.empty()) {
    copied = document;
  } else {
    const core::Value* parent = parentOf(std::as_const(document), from.tokens);
    if (parent == nullptr)
      fail("copy operation does not apply: doc is missing from path: " + from.text +
           ": missing value");
    const core::Value* source = childOf(*parent, from.tokens.back());
    if (source == nullptr)
      fail("error in copy for from: '" + from.text +
           "': " + missingChild(*parent, from.tokens.back()));
    copied = *source;
  }
  if (auto failure = addAt(document, path.tokens, std::move(copied))) {
    if (failure->containerMissing)
      fail("copy operation does not apply: doc is missing destination path: " + path.text +
           ": missing value");
    fail("error while adding value during copy: " + failure->detail);
  }
}

void applyTest(core::Value& document, const core::Value& operation) {
  const auto path = pointerField(operation, "path", "test");
  const core::Value& expected = valueField(operation, "test");
  const core::Value* actual = &document;
  if (!path.tokens.empty()) {
    const core::Value* parent = parentOf(std::as_const(document), path.tokens);
    if (parent == nullptr)
      fail("test operation does not apply: is missing path: " + path.text + ": missing value");
    actual = childOf(*parent, path.tokens.back());
  }
  if (actual == nullptr || !(*actual == expected))
    fail("testing value " + path.text + " failed: test failed");
}

void applyOperation(core::Value& document, const core::Value& operation) {
  std::string kind = "unknown";
  if (const core::Value* op = operation.find("op"); op != nullptr && op->isString())
    kind = op->asString();
  if (kind == "add")
    applyAdd(document, operation);
  else if (kind == "remove")
    applyRemove(document, operation);
  else if (kind == "replace")
    applyReplace(document, operation);
  else if (kind == "move")
    applyMove(document, operation);
  else if (kind == "copy")
    applyCopy(document, operation);
  else if (kind == "test")
    applyTest(document, operation);
  else
    fail("Unexpected kind: " + kind);
}

}  // namespace

core::Value applyMergePatch(const core::Value& target, const core::Value& patch) {
  if (!patch.isObject()) return patch;
  core::Value result = target;
  mergeInto(result, patch);
  return result;
}

core::Value createMergePatch(const core::Value& original, const core::Value& modified) {
  if (!original.isObject() || !modified.isObject()) return modified;
  return diffObjects(original.asObject(), modified.asObject());
}

core::Value applyJsonPatch(const core::Value& target, const core::Value& operations) {
  if (operations.isNull()) return target;
  if (!operations.isArray())
    throw MalformedPatchError(std::string("json: cannot unmarshal ") + goKind(operations) +
                              " into Go value of type jsonpatch.Patch");
  for (const auto& operation : operations.asArray())
    if (!operation.isObject() && !operation.isNull())
      throw MalformedPatchError(std::string("json: cannot unmarshal ") + goKind(operation) +
                                " into Go value of type jsonpatch.Operation");
  core::Value document = target;
  for (const auto& operation : operations.asArray())
    applyOperation(document, operation);
  return document;
}

std::vector<std::string> parseJsonPointer(std::string_view pointer) {
  auto tokens = decodePointer(pointer);
  if (!tokens) throw PatchError("invalid JSON pointer: " + core::toJson(core::Value(pointer)));
  return std::move(*tokens);
}

std::string formatJsonPointer(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& token : tokens) {
    out += '/';
    for (char c : token) {
      if (c == '~')
        out += "~0";
      else if (c == '/')
        out += "~1";
      else
        out += c;
    }
  }
  return out;
}

const core::Value* resolveJsonPointer(const core::Value& document, std::string_view pointer) {
  const auto tokens = parseJsonPointer(pointer);
  const core::Value* current = &document;
  for (const auto& token : tokens) {
    current = childOf(*current, token);
    if (current == nullptr) return nullptr;
  }
  return current;
}

}  // namespace driftless::kube
