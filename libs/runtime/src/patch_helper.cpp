#include "driftless/runtime/patch_helper.h"

#include <utility>

#include "driftless/kube/api_error.h"
#include "driftless/kube/patch.h"

namespace driftless::runtime {

namespace {

// The object without status, and without the server-owned metadata a merge patch must not
// carry (resourceVersion would turn it into an optimistic-lock patch).
core::Value withoutStatus(const core::Value& object) {
  core::Value copy = object;
  if (copy.isObject()) copy.asObject().erase("status");
  if (core::Value* meta = copy.find("metadata"); meta != nullptr && meta->isObject()) {
    for (const char* key : {"resourceVersion", "managedFields", "generation", "uid",
                            "creationTimestamp", "deletionTimestamp"}) {
      meta->asObject().erase(key);
    }
  }
  return copy;
}

bool isEmptyPatch(const core::Value& patch) {
  return patch.isObject() && patch.size() == 0;
}

}  // namespace

SerialPatcher::SerialPatcher(kube::Client& client, const core::Value& object,
                             std::string fieldManager)
    : client_(client), before_(object), fieldManager_(std::move(fieldManager)) {}

int SerialPatcher::patch(core::Value& object) {
  const kube::ObjectRef ref = kube::ObjectRef::of(object);
  const core::Value objectPatch =
      kube::createMergePatch(withoutStatus(before_), withoutStatus(object));
  const core::Value& statusBefore = before_["status"];
  const core::Value& statusAfter = std::as_const(object)["status"];
  core::Value statusPatch;
  if (!(statusBefore == statusAfter)) {
    statusPatch = core::Value::object();
    statusPatch["status"] = statusBefore.isObject() && statusAfter.isObject()
                                ? kube::createMergePatch(statusBefore, statusAfter)
                                : statusAfter;
  }
  int sent = 0;
  core::Value latest;
  kube::PatchOptions opts;
  opts.fieldManager = fieldManager_;
  try {
    if (!isEmptyPatch(objectPatch)) {
      latest = client_.patch(ref, kube::PatchType::Merge, objectPatch, opts);
      ++sent;
    }
    if (!statusPatch.isNull()) {
      opts.subresource = "status";
      latest = client_.patch(ref, kube::PatchType::Merge, statusPatch, opts);
      ++sent;
    }
  } catch (const kube::ApiError& e) {
    // Removing the last finalizer of a deleted object deletes it: nothing left to patch.
    const core::Value& finalizers = std::as_const(object)["metadata"]["finalizers"];
    const bool deleting = !std::as_const(object)["metadata"]["deletionTimestamp"].isNull();
    if (!(e.isNotFound() && deleting && finalizers.size() == 0)) throw;
    before_ = object;
    return sent;
  }
  if (sent > 0) {
    // Keep the local state (it was all sent) with the server's resourceVersion and generation.
    if (core::Value* meta = latest.find("metadata"); meta != nullptr) {
      for (const char* key : {"resourceVersion", "generation"}) {
        if (const core::Value* v = meta->find(key)) object["metadata"][key] = *v;
      }
    }
  }
  before_ = object;
  return sent;
}

}  // namespace driftless::runtime
