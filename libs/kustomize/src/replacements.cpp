#include "driftless/kustomize/replacements.h"

#include <algorithm>

#include "driftless/core/scalar.h"
#include "driftless/core/yaml.h"
#include "driftless/kube/selector.h"
#include "driftless/kustomize/error.h"

namespace driftless::kustomize {

namespace {

using core::Value;

std::vector<std::string> splitPlain(std::string_view path, char delim) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t pos = path.find(delim, start);
    parts.emplace_back(path.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  if (parts.size() > 1 && parts.front().empty()) parts.erase(parts.begin());
  return parts;
}

// strings.Split with a non-empty separator.
std::vector<std::string> splitBy(const std::string& s, const std::string& delim) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t pos = s.find(delim, start);
    parts.push_back(s.substr(start, pos == std::string::npos ? pos : pos - start));
    if (pos == std::string::npos) return parts;
    start = pos + delim.size();
  }
}

bool isIndex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

ResId selectorId(const Value& v) {
  ResId id;
  id.gvk = Gvk{scalarString(v["group"]), scalarString(v["version"]), scalarString(v["kind"])};
  id.name = scalarString(v["name"]);
  id.ns = scalarString(v["namespace"]);
  return id;
}

std::vector<ResId> allIds(const Resource& r) {
  std::vector<ResId> ids{r.curId()};
  auto prev = r.prevIds();
  ids.insert(ids.end(), prev.begin(), prev.end());
  return ids;
}

bool matchesSelectors(const Resource& r, const Value& sel) {
  const std::string ls = scalarString(sel["labelSelector"]);
  const std::string as = scalarString(sel["annotationSelector"]);
  auto matches = [](const std::string& s, const Value& map) {
    return s.empty() || kube::LabelSelector::parse(s).matches(map.isObject() ? map : Value());
  };
  return matches(ls, r.labels()) && matches(as, r.annotations());
}

std::string idText(const ResId& id) {
  return id.toString();
}

Value sourceValue(const ResMap& m, const Value& source) {
  const ResId sel = selectorId(source);
  ResourcePtr match;
  for (const auto& r : m.resources()) {
    for (const auto& id : allIds(*r)) {
      if (!id.isSelectedBy(sel)) continue;
      if (match) throw KustomizeError("multiple matches for selector " + idText(sel));
      match = r;
      break;
    }
  }
  if (!match) throw KustomizeError("nothing selected by " + idText(sel));
  std::string fieldPath = scalarString(source["fieldPath"]);
  if (fieldPath.empty()) fieldPath = "metadata.name";
  auto found = lookupPath(match->obj(), splitReplacementPath(fieldPath), false, Value::Type::Null);
  if (found.empty() || found.front()->isNull() ||
      (found.front()->isObject() && found.front()->asObject().empty())) {
    throw KustomizeError("fieldPath `" + fieldPath + "` is missing for replacement source " +
                         idText(sel));
  }
  Value v = *found.front();
  const Value& opts = source["options"];
  const std::string delim = scalarString(opts["delimiter"]);
  if (delim.empty()) return v;
  if (v.isArray() || v.isObject()) {
    throw KustomizeError("delimiter option can only be used with scalar nodes");
  }
  std::vector<std::string> parts = splitBy(scalarString(v), delim);
  const std::int64_t index = opts["index"].isInt() ? opts["index"].asInt() : 0;
  if (index < 0 || index >= static_cast<std::int64_t>(parts.size())) {
    throw KustomizeError("options.index " + std::to_string(index) + " is out of bounds for value " +
                         scalarString(v));
  }
  return Value(parts[static_cast<std::size_t>(index)]);
}

std::string join(const std::vector<std::string>& parts, const std::string& delim) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i)
    out += (i > 0 ? delim : "") + parts[i];
  return out;
}

void setField(Value& target, Value value, const Value& opts) {
  const std::string delim = scalarString(opts["delimiter"]);
  if (!delim.empty()) {
    if (target.isArray() || target.isObject()) {
      throw KustomizeError("delimiter option can only be used with scalar nodes");
    }
    std::vector<std::string> tv = splitBy(scalarString(target), delim);
    const std::int64_t index = opts["index"].isInt() ? opts["index"].asInt() : 0;
    const std::string v = scalarString(value);
    if (index < 0) {
      tv.insert(tv.begin(), v);
    } else if (index >= static_cast<std::int64_t>(tv.size())) {
      tv.push_back(v);
    } else {
      tv[static_cast<std::size_t>(index)] = v;
    }
    value = Value(join(tv, delim));
  }
  const bool targetScalar = !target.isArray() && !target.isObject() && !target.isNull();
  if (targetScalar && !value.isArray() && !value.isObject()) {
    // The target keeps its tag: only the text changes.
    const std::string text = scalarString(value);
    if (target.isString()) {
      target = Value(text);
    } else {
      Value resolved = core::resolvePlainScalar(text, core::YamlSchema::Core);
      target = resolved.type() == target.type() || (resolved.isNumber() && target.isNumber())
                   ? resolved
                   : Value(text);
    }
    return;
  }
  target = std::move(value);
}

void applyTarget(ResMap& m, const Value& value, const Value& target) {
  const Value& select = target["select"];
  if (!select.isObject()) throw KustomizeError("target must specify resources to select");
  std::vector<std::string> fieldPaths;
  if (target["fieldPaths"].isArray()) {
    for (const auto& f : target["fieldPaths"].asArray())
      fieldPaths.push_back(scalarString(f));
  }
  if (fieldPaths.empty()) fieldPaths.emplace_back("metadata.name");
  const Value& opts = target["options"];
  const bool create = opts["create"].isBool() && opts["create"].asBool();
  const ResId selId = selectorId(select);
  for (const auto& r : m.resources()) {
    if (!matchesSelectors(*r, select)) continue;
    bool rejected = false;
    const auto ids = allIds(*r);
    if (target["reject"].isArray()) {
      for (const auto& rej : target["reject"].asArray()) {
        if ((!scalarString(rej["labelSelector"]).empty() ||
             !scalarString(rej["annotationSelector"]).empty()) &&
            matchesSelectors(*r, rej)) {
          rejected = true;
        }
        const ResId rejId = selectorId(rej);
        if (rejId.gvk == Gvk{} && rejId.name.empty() && rejId.ns.empty()) continue;
        for (const auto& id : ids) {
          if (id.isSelectedBy(rejId)) rejected = true;
        }
      }
    }
    if (rejected) continue;
    bool selected = std::any_of(ids.begin(), ids.end(),
                                [&](const ResId& id) { return id.isSelectedBy(selId); });
    if (!selected) continue;
    for (const auto& fp : fieldPaths) {
      const Value::Type kind = value.type();
      auto fields = lookupPath(r->obj(), splitReplacementPath(fp), create, kind);
      if (fields.empty()) {
        throw KustomizeError(create ? "unable to find or create field \"" + fp +
                                          "\" in replacement target"
                                    : "unable to find field \"" + fp + "\" in replacement target");
      }
      for (Value* f : fields)
        setField(*f, value, opts);
    }
  }
}

std::vector<Value> loadReplacements(const Loader& ldr, const Value& entries) {
  std::vector<Value> out;
  if (!entries.isArray()) return out;
  for (const auto& e : entries.asArray()) {
    const std::string path = scalarString(e["path"]);
    if (path.empty()) {
      out.push_back(e);
      continue;
    }
    if (e.find("source") != nullptr || e.find("targets") != nullptr) {
      throw KustomizeError("cannot specify both path and inline replacement");
    }
    Value loaded = core::parseYaml(ldr.load(path), {.schema = core::YamlSchema::Kubernetes});
    if (loaded.isArray()) {
      for (const auto& r : loaded.asArray())
        out.push_back(r);
    } else if (loaded.isObject()) {
      out.push_back(loaded);
    } else {
      throw KustomizeError("unsupported replacement type encountered within replacement path");
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> splitReplacementPath(std::string_view path) {
  std::vector<std::string> split = splitPlain(path, '.');
  std::vector<std::string> result;
  for (std::size_t i = 0; i < split.size(); ++i) {
    std::string elem = split[i];
    if (!elem.empty() && elem.front() == '[' && elem.back() != ']') {
      while (i + 1 < split.size()) {
        elem += "." + split[++i];
        if (!split[i].empty() && split[i].back() == ']') break;
      }
      if (elem.find('=') == std::string::npos) {
        elem = elem.substr(1, elem.size() - 2);
      }
    }
    // `field[k=v]` is the field followed by the selector.
    std::size_t br = elem.find('[');
    if (br != std::string::npos && br > 0 && elem.back() == ']') {
      result.push_back(elem.substr(0, br));
      result.push_back(elem.substr(br));
      continue;
    }
    result.push_back(elem);
  }
  return result;
}

namespace {

void lookupRec(Value& node, const std::vector<std::string>& path, std::size_t i, bool create,
               Value::Type createKind, std::vector<Value*>& out) {
  if (i == path.size()) {
    out.push_back(&node);
    return;
  }
  const std::string& p = path[i];
  const bool last = i + 1 == path.size();
  if (p.size() >= 2 && p.front() == '[' && p.back() == ']') {
    std::string inner = p.substr(1, p.size() - 2);
    std::size_t eq = inner.find('=');
    std::string key = inner.substr(0, eq);
    std::string val = eq == std::string::npos ? "" : inner.substr(eq + 1);
    if (node.isNull() && create) node = Value::array();
    if (!node.isArray()) return;
    bool matched = false;
    for (auto& e : node.asArray()) {
      const Value& f = key.empty() ? e : e[key];
      if (!f.isArray() && !f.isObject() && scalarString(f) == val) {
        matched = true;
        lookupRec(e, path, i + 1, create, createKind, out);
      }
    }
    if (!matched && create) {
      Value e = Value::object();
      if (!key.empty()) e[key] = Value(val);
      node.asArray().push_back(std::move(e));
      lookupRec(node.asArray().back(), path, i + 1, create, createKind, out);
    }
    return;
  }
  if (p == "*") {
    if (node.isArray()) {
      for (auto& e : node.asArray())
        lookupRec(e, path, i + 1, create, createKind, out);
    }
    return;
  }
  if (node.isArray() && isIndex(p)) {
    std::size_t idx = std::stoul(p);
    if (idx < node.asArray().size())
      lookupRec(node.asArray()[idx], path, i + 1, create, createKind, out);
    return;
  }
  if (node.isNull() && create) node = Value::object();
  if (!node.isObject()) return;
  Value* f = node.find(p);
  if (f == nullptr) {
    if (!create) return;
    Value fresh;
    if (!last) {
      const std::string& next = path[i + 1];
      fresh = (!next.empty() && next.front() == '[') ? Value::array() : Value::object();
    } else if (createKind == Value::Type::Object) {
      fresh = Value::object();
    } else if (createKind == Value::Type::Array) {
      fresh = Value::array();
    }
    f = &node.asObject().set(p, std::move(fresh));
  }
  lookupRec(*f, path, i + 1, create, createKind, out);
}

}  // namespace

std::vector<Value*> lookupPath(Value& root, const std::vector<std::string>& path, bool create,
                               Value::Type createKind) {
  std::vector<Value*> out;
  lookupRec(root, path, 0, create, createKind, out);
  return out;
}

void applyReplacements(ResMap& m, const Loader& ldr, const Value& entries) {
  for (const auto& r : loadReplacements(ldr, entries)) {
    const Value* source = r.find("source");
    const Value* targets = r.find("targets");
    if (source == nullptr || targets == nullptr || source->isNull() || targets->isNull()) {
      throw KustomizeError("replacements must specify a source and at least one target");
    }
    Value value = sourceValue(m, *source);
    if (targets->isArray()) {
      for (const auto& t : targets->asArray())
        applyTarget(m, value, t);
    }
  }
}

}  // namespace driftless::kustomize
