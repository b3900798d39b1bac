#pragma once

// JSON merge patch (RFC 7386) and JSON patch (RFC 6902) over core::Value, with the error
// messages of evanphx/json-patch (what kube-apiserver and kustomize use).

#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/core/value.h"

namespace driftless::kube {

// A JSON patch that does not apply to its target (kube-apiserver answers 422), e.g.
// `testing value /data/a failed: test failed`.
class PatchError : public core::Error {
 public:
  using core::Error::Error;
};

// A JSON patch that is not a list of operation objects (kube-apiserver answers 400), e.g.
// `json: cannot unmarshal object into Go value of type jsonpatch.Patch`.
class MalformedPatchError : public PatchError {
 public:
  using PatchError::PatchError;
};

// RFC 7386: a null member deletes, an object merges recursively (keeping the target's key
// order and appending new keys in the patch's order), anything else replaces the target.
core::Value applyMergePatch(const core::Value& target, const core::Value& patch);

// The minimal merge patch that turns `original` into `modified`: changed and added members
// (in modified's order), then nulls for removed members (in original's order); `{}` when the
// objects are equal. When either side is not an object the patch is `modified` itself. Nulls
// inside `modified` cannot be expressed by a merge patch (RFC 7386 section 1).
core::Value createMergePatch(const core::Value& original, const core::Value& modified);

// RFC 6902: applies the operations (an array of add/remove/replace/move/copy/test objects) in
// order and returns the patched copy; the target is untouched when an operation fails. Array
// indexes must be RFC 6901 indexes ("0" or no leading zero); `-` appends for add. A null
// operations value is an empty patch. Throws MalformedPatchError / PatchError.
core::Value applyJsonPatch(const core::Value& target, const core::Value& operations);

// RFC 6901 JSON pointers: "" is the whole document, otherwise "/"-separated reference tokens
// with `~1` for '/' and `~0` for '~'. parseJsonPointer throws PatchError on malformed text.
std::vector<std::string> parseJsonPointer(std::string_view pointer);
std::string formatJsonPointer(const std::vector<std::string>& tokens);
// The value a pointer refers to, or nullptr when absent (throws PatchError when malformed).
const core::Value* resolveJsonPointer(const core::Value& document, std::string_view pointer);

}  // namespace driftless::kube
