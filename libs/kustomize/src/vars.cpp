#include "driftless/kustomize/vars.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "driftless/core/scalar.h"
#include "driftless/kustomize/error.h"

namespace driftless::kustomize {

namespace {

using core::Value;
using VarValues = std::vector<std::pair<std::string, Value>>;

// Go's encoding/json matches field names case-insensitively (`fieldpath` is `fieldPath`).
const Value& ci(const Value& obj, std::string_view key) {
  if (const Value* v = obj.find(key)) return *v;
  if (obj.isObject()) {
    for (const auto& m : obj.asObject()) {
      if (m.key.size() == key.size() &&
          std::equal(m.key.begin(), m.key.end(), key.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return m.value;
      }
    }
  }
  return core::nullValue();
}

std::string fieldPathOf(const Value& var) {
  std::string path = scalarString(ci(ci(var, "fieldref"), "fieldPath"));
  return path.empty() ? "metadata.name" : path;
}

ResId varTarget(const Value& var) {
  const Value& ref = ci(var, "objref");
  ResId id;
  const std::string apiVersion = scalarString(ref["apiVersion"]);
  if (!apiVersion.empty()) {
    id.gvk = Gvk::fromApiVersion(apiVersion, scalarString(ref["kind"]));
  } else {
    id.gvk =
        Gvk{scalarString(ref["group"]), scalarString(ref["version"]), scalarString(ref["kind"])};
  }
  id.name = scalarString(ref["name"]);
  id.ns = scalarString(ref["namespace"]);
  return id;
}

std::string varString(const Value& var) {
  const ResId t = varTarget(var);
  std::string fieldPath = scalarString(ci(ci(var, "fieldref"), "fieldPath"));
  return "{" + scalarString(var["name"]) + " {" + t.gvk.apiVersion() + " {" + t.gvk.group + " " +
         t.gvk.version + " " + t.gvk.kind + "} " + t.name + " " + t.ns + "} {" + fieldPath + "}}";
}

// The value at a var's fieldPath: `a.b[0].c` or `a.b.0.c`.
const Value* fieldValue(const Value& obj, const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : path) {
    if (c == '.' || c == '[' || c == ']') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) parts.push_back(cur);
  const Value* v = &obj;
  for (const auto& p : parts) {
    if (v->isArray()) {
      std::size_t idx = 0;
      try {
        idx = std::stoul(p);
      } catch (const std::exception&) {
        return nullptr;
      }
      if (idx >= v->asArray().size()) return nullptr;
      v = &v->asArray()[idx];
    } else {
      v = v->find(p);
      if (v == nullptr) return nullptr;
    }
  }
  return v;
}

std::string formatValue(const Value& v) {
  if (v.isDouble()) return core::formatGoFloat(v.asDouble(), 'f');
  return scalarString(v);
}

void expandNode(Value& node, const VarValues& values) {
  if (node.isNull()) return;
  if (node.isString()) {
    node = expandVars(node.asString(), values);
  } else if (node.isObject()) {
    for (auto& m : node.asObject()) {
      if (m.value.isString()) m.value = expandVars(m.value.asString(), values);
    }
  } else if (node.isArray()) {
    for (auto& e : node.asArray()) {
      if (!e.isString()) throw KustomizeError("invalid value type expect a string");
      e = expandVars(e.asString(), values);
    }
  }
}

}  // namespace

Value expandVars(const std::string& input, const VarValues& values) {
  auto lookup = [&](const std::string& key) -> Value {
    for (const auto& [k, v] : values) {
      if (k == key && !v.isArray() && !v.isObject() && !v.isNull()) return v;
    }
    return Value("$(" + key + ")");
  };
  std::string buf;
  std::size_t checkpoint = 0;
  for (std::size_t cursor = 0; cursor < input.size(); ++cursor) {
    if (input[cursor] != '$' || cursor + 1 >= input.size()) continue;
    buf += input.substr(checkpoint, cursor - checkpoint);
    const std::string rest = input.substr(cursor + 1);
    std::string read;
    bool isVar = false;
    std::size_t advance = 1;
    if (rest[0] == '$') {
      read = "$";
    } else if (rest[0] == '(') {
      std::size_t close = rest.find(')', 1);
      if (close != std::string::npos) {
        read = rest.substr(1, close - 1);
        isVar = true;
        advance = close + 1;
      } else {
        read = "$(";
      }
    } else {
      read = std::string("$") + rest[0];
    }
    if (isVar) {
      Value mapped = lookup(read);
      if (input == "$(" + read + ")") return mapped;
      buf += formatValue(mapped);
    } else {
      buf += read;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return Value(buf + (checkpoint < input.size() ? input.substr(checkpoint) : ""));
}

void tagVarTargets(ResMap& m, const Value& vars) {
  if (!vars.isArray()) return;
  for (const auto& v : vars.asArray()) {
    const ResId target = varTarget(v);
    const bool exact = !target.ns.empty() || target.gvk.isClusterScoped();
    auto matched = m.byAnyId([&](const ResId& id) {
      return exact ? target.equals(id) : (target.name == id.name && target.gvk == id.gvk);
    });
    if (matched.size() > 1) {
      throw KustomizeError("found " + std::to_string(matched.size()) + " resId matches for var " +
                           varString(v) + " (unable to disambiguate)");
    }
    if (matched.size() == 1) matched.front()->refVarNames.push_back(scalarString(v["name"]));
  }
}

void resolveVars(ResMap& m, const std::vector<Value>& vars, const FsSlice& specs) {
  VarValues values;
  std::vector<Value> sorted = vars;
  std::sort(sorted.begin(), sorted.end(), [](const Value& a, const Value& b) {
    return scalarString(a["name"]) < scalarString(b["name"]);
  });
  for (const auto& v : sorted) {
    const std::string name = scalarString(v["name"]);
    bool found = false;
    for (const auto& r : m.resources()) {
      if (std::find(r->refVarNames.begin(), r->refVarNames.end(), name) == r->refVarNames.end()) {
        continue;
      }
      const std::string path = fieldPathOf(v);
      const Value* f = fieldValue(r->obj(), path);
      if (f == nullptr) {
        throw KustomizeError("field specified in var '" + varString(v) +
                             "' not found in corresponding resource");
      }
      values.emplace_back(name, *f);
      found = true;
      break;
    }
    if (!found) {
      throw KustomizeError("var '" + varString(v) +
                           "' cannot be mapped to a field in the set of known resources");
    }
  }
  if (values.empty()) return;
  for (const auto& r : m.resources()) {
    for (const auto& fs : specs) {
      applyFieldSpec(
          r->obj(), fs,
          FieldSetter{[&](Value& node) { expandNode(node, values); }, Value::Type::Null});
    }
  }
}

}  // namespace driftless::kustomize
