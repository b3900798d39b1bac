// ssa::ObjMetadata, inventories and change sets.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <string>
#include <vector>

#include "driftless/core/json.h"
#include "driftless/ssa/change_set.h"
#include "driftless/ssa/inventory.h"

namespace driftless::ssa {
namespace {

core::Value object(const std::string& apiVersion, const std::string& kind, const std::string& ns,
                   const std::string& name) {
  core::Value o = core::Object{{"apiVersion", apiVersion}, {"kind", kind}};
  o["metadata"]["name"] = name;
  if (!ns.empty()) o["metadata"]["namespace"] = ns;
  return o;
}

struct IdCase {
  const char* name;
  core::Value object;
  std::string id;
  std::string subject;
};

TEST_CASE("ObjMetadata::toString and parse", "[ssa][inventory]") {
  const std::vector<IdCase> cases = {
      {"core group", object("v1", "Service", "default", "podinfo"), "default_podinfo__Service",
       "Service/default/podinfo"},
      {"named group", object("apps/v1", "Deployment", "default", "podinfo"),
       "default_podinfo_apps_Deployment", "Deployment/default/podinfo"},
      {"cluster-scoped", object("v1", "Namespace", "", "apps"), "_apps__Namespace",
       "Namespace/apps"},
      {"RBAC name with colons",
       object("rbac.authorization.k8s.io/v1", "ClusterRole", "", "system:auth-delegator"),
       "_system__auth-delegator_rbac.authorization.k8s.io_ClusterRole",
       "ClusterRole/system:auth-delegator"},
      {"CRD", object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", "a.b.io"),
       "_a.b.io_apiextensions.k8s.io_CustomResourceDefinition", "CustomResourceDefinition/a.b.io"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      ObjMetadata id = ObjMetadata::of(c.object);
      CHECK(id.toString() == c.id);
      CHECK(id.subject() == c.subject);
      CHECK(ObjMetadata::parse(c.id) == id);
    }
  }
}

TEST_CASE("ObjMetadata::parse rejects malformed ids", "[ssa][inventory]") {
  for (const char* id : {"", "nounderscore", "ns_name", "ns_a_b_c_group_Kind", "ns__group_"}) {
    DYNAMIC_SECTION(id) {
      CHECK_THROWS_WITH(ObjMetadata::parse(id),
                        Catch::Matchers::ContainsSubstring("unable to parse stored object"));
    }
  }
}

TEST_CASE("inventoryOf and staleObjects", "[ssa][inventory]") {
  Inventory previous = inventoryOf(
      {object("v1", "Namespace", "", "apps"), object("apps/v1", "Deployment", "apps", "web"),
       object("v1", "ConfigMap", "apps", "old"), object("v1", "ConfigMap", "apps", "old"),
       object("example.com/v1beta1", "Widget", "apps", "w")});
  REQUIRE(previous.size() == 4);
  CHECK(previous[1] == InventoryEntry{"apps_web_apps_Deployment", "v1"});
  CHECK(previous[3] == InventoryEntry{"apps_w_example.com_Widget", "v1beta1"});

  SECTION("version changes are not removals") {
    Inventory current = inventoryOf({object("v1", "Namespace", "", "apps"),
                                     object("apps/v1", "Deployment", "apps", "web"),
                                     object("example.com/v1", "Widget", "apps", "w")});
    auto stale = staleObjects(previous, current);
    REQUIRE(stale.size() == 1);
    CHECK(stale[0].gvk == kube::GroupVersionKind{"", "v1", "ConfigMap"});
    CHECK(stale[0].name == "old");
  }
  SECTION("stale objects come in reverse apply order, with the recorded version") {
    auto stale = staleObjects(previous, {});
    REQUIRE(stale.size() == 4);
    CHECK(stale[0].gvk.kind == "Widget");
    CHECK(stale[0].gvk.version == "v1beta1");
    CHECK(stale[1].gvk.kind == "Deployment");
    CHECK(stale[2].gvk.kind == "ConfigMap");
    CHECK(stale[3].gvk.kind == "Namespace");
  }
  SECTION("round trip through the status value") {
    CHECK(inventoryFromValue(toValue(previous)) == previous);
    CHECK(core::toJson(toValue({{"default_a__ConfigMap", "v1"}})) ==
          R"({"entries":[{"id":"default_a__ConfigMap","v":"v1"}]})");
  }
}

TEST_CASE("ChangeSet prints Flux's change-log lines", "[ssa][changeset]") {
  ChangeSet cs;
  cs.add(ChangeSetEntry::of(ObjMetadata{"", "apps", "", "Namespace"}, "v1", Action::Unchanged));
  cs.add(ChangeSetEntry::of(ObjMetadata{"default", "podinfo", "apps", "Deployment"}, "v1",
                            Action::Configured));
  cs.add(ChangeSetEntry::of(ObjMetadata{"default", "old", "", "ConfigMap"}, "v1", Action::Deleted));
  cs.add(ChangeSetEntry::of(ObjMetadata{"default", "s", "", "Secret"}, "v1", Action::Skipped));
  CHECK(cs.toString() ==
        "Namespace/apps unchanged\nDeployment/default/podinfo configured\n"
        "ConfigMap/default/old deleted\nSecret/default/s skipped");
  CHECK(cs.changeLog() == "Deployment/default/podinfo configured\nConfigMap/default/old deleted");
  CHECK(cs.hasChanges());
  CHECK(cs.toInventory()[1] == InventoryEntry{"default_podinfo_apps_Deployment", "v1"});
  CHECK(cs.refs()[1] == kube::ObjectRef{{"apps", "v1", "Deployment"}, "default", "podinfo"});
}

}  // namespace
}  // namespace driftless::ssa
