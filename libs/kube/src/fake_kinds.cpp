// The kinds the fake client serves from the start: the built-in resources of the embedded
// control plane (libs/k8s/data/builtin-resources.json) and the Flux kinds of api/.

#include <string>
#include <utility>
#include <vector>

#include "driftless/api/registry.h"
#include "driftless/k8s/builtin_kinds.h"
#include "driftless/k8s/patch_schemas.h"
#include "driftless/kube/fake_client.h"

namespace driftless::kube {

namespace {}  // namespace

const char* fakeVerbName(FakeVerb verb) noexcept {
  switch (verb) {
    case FakeVerb::Get:
      return "get";
    case FakeVerb::List:
      return "list";
    case FakeVerb::Watch:
      return "watch";
    case FakeVerb::Create:
      return "create";
    case FakeVerb::Update:
      return "update";
    case FakeVerb::Patch:
      return "patch";
    case FakeVerb::Apply:
      return "apply";
    case FakeVerb::Delete:
      return "delete";
  }
  return "unknown";
}

std::vector<FakeKind> defaultFakeKinds() {
  std::vector<FakeKind> kinds;
  for (const auto& b : k8s::builtinKinds()) {
    FakeKind k;
    k.mapping.gvk = {b.group, b.version, b.kind};
    k.mapping.gvr = {b.group, b.version, b.plural};
    k.mapping.namespaced = b.namespaced;
    k.mapping.subresources = b.subresources;
    k.tracksGeneration = k8s::tracksGeneration(b.group, b.plural);
    k.schema = k8s::builtinPatchSchema(b.group, b.version, b.kind);
    kinds.push_back(std::move(k));
  }
  for (const auto& info : api::kinds()) {
    if (!info.served) continue;
    FakeKind k;
    k.mapping.gvk = {std::string(info.group), std::string(info.version), std::string(info.kind)};
    k.mapping.gvr = {std::string(info.group), std::string(info.version), std::string(info.plural)};
    k.mapping.namespaced = info.namespaced;
    k.mapping.subresources = {"status"};  // every Flux CRD has it
    k.custom = true;
    kinds.push_back(std::move(k));
  }
  return kinds;
}

}  // namespace driftless::kube
