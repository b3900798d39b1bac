#include "driftless/kustomize/origin.h"

#include <filesystem>
#include <optional>

#include "driftless/core/yaml.h"

namespace driftless::kustomize {

core::Value Origin::toValue() const {
  core::Value v = core::Value::object();
  if (!path.empty()) v["path"] = core::Value(path);
  if (!configuredIn.empty()) v["configuredIn"] = core::Value(configuredIn);
  if (!byApiVersion.empty() || !byKind.empty() || !byName.empty() || !byNamespace.empty()) {
    core::Value& by = v["configuredBy"];
    by = core::Value::object();
    if (!byApiVersion.empty()) by["apiVersion"] = core::Value(byApiVersion);
    if (!byKind.empty()) by["kind"] = core::Value(byKind);
    if (!byName.empty()) by["name"] = core::Value(byName);
    if (!byNamespace.empty()) by["namespace"] = core::Value(byNamespace);
  }
  return v;
}

std::string Origin::toString() const {
  return core::toYaml(toValue());
}

std::string joinPath(std::string_view a, std::string_view b) {
  if (a.empty() && b.empty()) return {};
  std::filesystem::path p =
      a.empty() ? std::filesystem::path(b) : std::filesystem::path(a) / std::filesystem::path(b);
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/')
    s.pop_back();
  return s.empty() ? "." : s;
}

void addOriginAnnotation(ResMap& m, const Origin& origin) {
  for (const auto& r : m.resources()) {
    if (!r->hasAnnotation(kOriginAnnotation))
      r->setAnnotation(kOriginAnnotation, origin.toString());
  }
}

void addTransformerAnnotation(ResMap& m, const Origin& origin) {
  for (const auto& r : m.resources()) {
    if (!r->hasAnnotation(kOriginAnnotation)) {
      r->setAnnotation(kOriginAnnotation, origin.toString());
      continue;
    }
    core::Value list = core::Value::array();
    if (r->hasAnnotation(kTransformationsAnnotation)) {
      list = core::parseYaml(r->annotation(kTransformationsAnnotation));
      if (!list.isArray()) list = core::Value::array();
    }
    list.push_back(origin.toValue());
    r->setAnnotation(kTransformationsAnnotation, core::toYaml(list));
  }
}

std::optional<Origin> originFromCustomPlugin(const Resource& r) {
  if (!r.hasAnnotation(kOriginAnnotation)) return std::nullopt;
  core::Value o = core::parseYaml(r.annotation(kOriginAnnotation));
  Origin out;
  out.configuredIn = scalarString(o["path"]);
  out.byApiVersion = r.apiVersion();
  out.byKind = r.kind();
  out.byName = r.name();
  out.byNamespace = r.ns();
  return out;
}

}  // namespace driftless::kustomize
