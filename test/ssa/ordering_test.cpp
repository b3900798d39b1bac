// ssa ordering: apply order and stages.

#include <catch2/catch_test_macros.hpp>

#include <string>
#include <vector>

#include "driftless/ssa/ordering.h"

namespace driftless::ssa {
namespace {

core::Value object(const std::string& apiVersion, const std::string& kind,
                   const std::string& name) {
  core::Value o = core::Object{{"apiVersion", apiVersion}, {"kind", kind}};
  o["metadata"]["name"] = name;
  return o;
}

std::vector<std::string> names(const std::vector<core::Value>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects)
    out.push_back(o["kind"].asString() + "/" + o["metadata"]["name"].asString());
  return out;
}

TEST_CASE("sortForApply", "[ssa][ordering]") {
  std::vector<core::Value> objects = {
      object("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "hook"),
      object("example.com/v1", "Widget", "w"),
      object("apps/v1", "Deployment", "b"),
      object("apps/v1", "Deployment", "a"),
      object("v1", "ConfigMap", "cm"),
      object("networking.k8s.io/v1", "IngressClass", "nginx"),
      object("v1", "Namespace", "apps"),
      object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com"),
      object("rbac.authorization.k8s.io/v1", "ClusterRole", "reader"),
      object("batch/v1", "Job", "j"),
  };
  sortForApply(objects);
  CHECK(names(objects) ==
        std::vector<std::string>{"CustomResourceDefinition/widgets.example.com", "Namespace/apps",
                                 "ClusterRole/reader", "IngressClass/nginx", "ConfigMap/cm",
                                 "Deployment/a", "Deployment/b", "Job/j", "Widget/w",
                                 "ValidatingWebhookConfiguration/hook"});
}

struct StageCase {
  const char* name;
  core::Value object;
  Stage stage;
};

TEST_CASE("stageOf", "[ssa][ordering]") {
  const std::set<GroupKind> custom = GroupKind::parseSet("rbac.authorization.k8s.io/Role, Widget");
  const std::vector<StageCase> cases = {
      {"CRD", object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "x"),
       Stage::ClusterDefinitions},
      {"Namespace", object("v1", "Namespace", "x"), Stage::ClusterDefinitions},
      {"ClusterRole", object("rbac.authorization.k8s.io/v1", "ClusterRole", "x"),
       Stage::ClusterDefinitions},
      {"ClusterRoleBinding", object("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "x"),
       Stage::Resources},
      {"StorageClass", object("storage.k8s.io/v1", "StorageClass", "x"), Stage::ClassDefinitions},
      {"GatewayClass", object("gateway.networking.k8s.io/v1", "GatewayClass", "x"),
       Stage::ClassDefinitions},
      {"custom Role", object("rbac.authorization.k8s.io/v1", "Role", "x"), Stage::Custom},
      {"custom core-group kind", object("v1", "Widget", "x"), Stage::Custom},
      {"same kind other group", object("example.com/v1", "Widget", "x"), Stage::Resources},
      {"Deployment", object("apps/v1", "Deployment", "x"), Stage::Resources},
      {"Namespace of another group", object("example.com/v1", "Namespace", "x"), Stage::Resources},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      CHECK(stageOf(c.object, custom) == c.stage);
    }
  }
}

TEST_CASE("GroupKind::parseSet", "[ssa][ordering]") {
  CHECK(GroupKind::parseSet("").empty());
  CHECK(GroupKind::parseSet("apps/Deployment,Secret") ==
        std::set<GroupKind>{{"apps", "Deployment"}, {"", "Secret"}});
  CHECK_THROWS(GroupKind::parseSet("apps/,Secret"));
}

}  // namespace
}  // namespace driftless::ssa
