// Template values (Go's reflect view of core::Value), their printing with fmt's %v, and the
// String() form of syntax nodes used in messages.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "driftless/core/go_format.h"
#include "driftless/core/scalar.h"
#include "internal.h"

namespace driftless::gotemplate {
namespace {

Kind kindOf(const core::Value& v) {
  switch (v.type()) {
    case core::Value::Type::Null:
      return Kind::Nil;
    case core::Value::Type::Bool:
      return Kind::Bool;
    case core::Value::Type::Int:
      return Kind::Int;
    case core::Value::Type::Double:
      return Kind::Float64;
    case core::Value::Type::String:
      return Kind::String;
    case core::Value::Type::Array:
      return Kind::Slice;
    case core::Value::Type::Object:
      return Kind::Map;
  }
  return Kind::Nil;
}

void appendValue(std::string& out, const core::Value& v) {
  switch (v.type()) {
    case core::Value::Type::Null:
      out += "<nil>";
      return;
    case core::Value::Type::Bool:
      out += v.asBool() ? "true" : "false";
      return;
    case core::Value::Type::Int:
      out += std::to_string(v.asInt());
      return;
    case core::Value::Type::Double:
      out += formatGoFloatV(v.asDouble());
      return;
    case core::Value::Type::String:
      out += v.asString();
      return;
    case core::Value::Type::Array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.asArray()) {
        if (!first) out += ' ';
        first = false;
        appendValue(out, e);
      }
      out += ']';
      return;
    }
    case core::Value::Type::Object: {
      std::vector<const core::Member*> ms;
      for (const auto& m : v.asObject())
        ms.push_back(&m);
      std::sort(ms.begin(), ms.end(),
                [](const core::Member* a, const core::Member* b) { return a->key < b->key; });
      out += "map[";
      bool first = true;
      for (const auto* m : ms) {
        if (!first) out += ' ';
        first = false;
        out += m->key;
        out += ':';
        appendValue(out, m->value);
      }
      out += ']';
      return;
    }
  }
}

}  // namespace

std::string formatGoFloatV(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  return core::formatGoFloat(d, 'g');
}

TValue TValue::of(core::Value v, bool iface) {
  TValue t;
  t.kind = kindOf(v);
  t.iface = iface;
  // Not a const object: maps are references in Go, and set/unset/merge mutate them in place.
  t.val = std::make_shared<core::Value>(std::move(v));
  return t;
}

TValue TValue::typed(core::Value v, GoType type) {
  TValue t = of(std::move(v));
  t.type = type;
  switch (type) {
    case GoType::Time:
    case GoType::Semver:
    case GoType::Cert:
      t.kind = Kind::Struct;
      break;
    default:
      break;
  }
  return t;
}

TValue TValue::element(const std::shared_ptr<const core::Value>& owner, const core::Value* elem) {
  TValue t;
  t.kind = kindOf(*elem);
  t.iface = true;
  t.val = std::shared_ptr<const core::Value>(owner, elem);
  return t;
}

std::string typeName(const TValue& t) {
  switch (t.type) {
    case GoType::Plain:
      break;
    case GoType::Int64:
      return "int64";
    case GoType::Duration:
      return "time.Duration";
    case GoType::StringSlice:
      return "[]string";
    case GoType::IntSlice:
      return "[]int";
    case GoType::StringMap:
      return "map[string]string";
    case GoType::Time:
      return "time.Time";
    case GoType::Semver:
      return "*semver.Version";
    case GoType::Cert:
      return "sprig.certificate";
  }
  switch (t.kind) {
    case Kind::Nil:
      return t.iface ? "interface {}" : "<nil>";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::Float64:
      return "float64";
    case Kind::Complex:
      return "complex128";
    case Kind::String:
      return "string";
    case Kind::Slice:
      return "[]interface {}";
    case Kind::Map:
      return "map[string]interface {}";
    case Kind::Struct:
      return "struct {}";
  }
  return "";
}

std::string kindName(const TValue& t) {
  switch (t.kind) {
    case Kind::Nil:
      return t.iface ? "interface" : "invalid";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return t.type == GoType::Plain ? "int" : "int64";
    case Kind::Float64:
      return "float64";
    case Kind::Complex:
      return "complex128";
    case Kind::String:
      return "string";
    case Kind::Slice:
      return "slice";
    case Kind::Map:
      return "map";
    case Kind::Struct:
      return t.type == GoType::Semver ? "ptr" : "struct";
  }
  return "";
}

std::string staticTypeName(const TValue& t) {
  return t.iface ? "interface {}" : typeName(t);
}

bool truth(const TValue& t) {
  const core::Value& v = t.v();
  switch (t.kind) {
    case Kind::Nil:
      return false;
    case Kind::Bool:
      return v.asBool();
    case Kind::Int:
      return v.asInt() != 0;
    case Kind::Float64:
      return v.asDouble() != 0;
    case Kind::Complex:
      return v[0].asDouble() != 0 || v[1].asDouble() != 0;
    case Kind::String:
      return !v.asString().empty();
    case Kind::Slice:
    case Kind::Map:
      return v.size() != 0;
    case Kind::Struct:
      return true;
  }
  return false;
}

std::string formatValue(const TValue& t) {
  if (!t.valid()) return "<no value>";
  if (t.kind == Kind::Nil) return "<nil>";
  if (t.type == GoType::Duration) return formatDurationGo(t.v().asInt());
  if (t.kind == Kind::Struct) {
    switch (t.type) {
      case GoType::Time:
        return formatGoTime(t, "2006-01-02 15:04:05.999999999 -0700 MST");
      case GoType::Semver:
        return t.v()[1].asString();
      default:
        return "{" + t.v()["Cert"].asString() + " " + t.v()["Key"].asString() + "}";
    }
  }
  if (t.kind == Kind::Complex) {
    std::string im = formatGoFloatV(t.v()[1].asDouble());
    if (im[0] != '-' && im[0] != '+') im.insert(0, "+");
    return "(" + formatGoFloatV(t.v()[0].asDouble()) + im + "i)";
  }
  std::string out;
  appendValue(out, t.v());
  return out;
}

namespace {

void appendNode(std::string& out, const Node& n);

void appendArg(std::string& out, const Node& n) {
  if (n.type == NodeType::Pipe) {
    out += '(';
    appendNode(out, n);
    out += ')';
  } else {
    appendNode(out, n);
  }
}

void appendControl(std::string& out, const char* word, const Node& n) {
  out += "{{";
  out += word;
  out += ' ';
  appendNode(out, *n.pipe);
  out += "}}";
  appendNode(out, *n.list);
  if (n.elseList) {
    out += "{{else}}";
    appendNode(out, *n.elseList);
  }
  out += "{{end}}";
}

void appendNode(std::string& out, const Node& n) {
  switch (n.type) {
    case NodeType::Text:
      out += core::goQuote(n.text);
      return;
    case NodeType::Action:
      out += "{{";
      appendNode(out, *n.pipe);
      out += "}}";
      return;
    case NodeType::Command:
      for (std::size_t i = 0; i < n.nodes.size(); ++i) {
        if (i > 0) out += ' ';
        appendArg(out, *n.nodes[i]);
      }
      return;
    case NodeType::Pipe:
      for (std::size_t i = 0; i < n.decls.size(); ++i) {
        if (i > 0) out += ", ";
        appendNode(out, *n.decls[i]);
      }
      if (!n.decls.empty()) out += n.isAssign ? " = " : " := ";
      for (std::size_t i = 0; i < n.nodes.size(); ++i) {
        if (i > 0) out += " | ";
        appendNode(out, *n.nodes[i]);
      }
      return;
    case NodeType::Field:
      for (const auto& f : n.idents)
        out += "." + f;
      return;
    case NodeType::Variable:
      for (std::size_t i = 0; i < n.idents.size(); ++i) {
        if (i > 0) out += '.';
        out += n.idents[i];
      }
      return;
    case NodeType::Chain:
      appendArg(out, *n.operand);
      for (const auto& f : n.idents)
        out += "." + f;
      return;
    case NodeType::Dot:
      out += '.';
      return;
    case NodeType::Nil:
      out += "nil";
      return;
    case NodeType::Bool:
      out += n.boolean ? "true" : "false";
      return;
    case NodeType::Number:
      out += n.text;
      return;
    case NodeType::String:
      out += n.idents.empty() ? core::goQuote(n.text) : n.idents[0];
      return;
    case NodeType::Identifier:
      out += n.text;
      return;
    case NodeType::If:
      appendControl(out, "if", n);
      return;
    case NodeType::Range:
      appendControl(out, "range", n);
      return;
    case NodeType::With:
      appendControl(out, "with", n);
      return;
    case NodeType::Template:
      out += "{{template " + core::goQuote(n.text);
      if (n.pipe) {
        out += ' ';
        appendNode(out, *n.pipe);
      }
      out += "}}";
      return;
    case NodeType::Break:
      out += "{{break}}";
      return;
    case NodeType::Continue:
      out += "{{continue}}";
      return;
    case NodeType::List:
      for (const auto& c : n.nodes)
        appendNode(out, *c);
      return;
    case NodeType::End:
      out += "{{end}}";
      return;
    case NodeType::Else:
      out += "{{else}}";
      return;
    case NodeType::Comment:
      out += "{{/* */}}";
      return;
  }
}

}  // namespace

std::string nodeString(const Node& n) {
  std::string out;
  appendNode(out, n);
  return out;
}

}  // namespace driftless::gotemplate
