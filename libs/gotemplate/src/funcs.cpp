// Go's builtin template functions (after text/template/funcs.go). Sprig's `slice` replaces the
// builtin in Helm (funcs_lists.cpp).

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "driftless/core/go_format.h"
#include "internal.h"

namespace driftless::gotemplate {
namespace {

[[noreturn]] void fail(std::string msg) {
  throw CallError{std::move(msg)};
}

enum class Basic { Invalid, Bool, Int, Float, Complex, String };

Basic basicKind(const TValue& t) {
  switch (t.kind) {
    case Kind::Bool:
      return Basic::Bool;
    case Kind::Int:
      return Basic::Int;
    case Kind::Float64:
      return Basic::Float;
    case Kind::Complex:
      return Basic::Complex;
    case Kind::String:
      return Basic::String;
    default:
      return Basic::Invalid;
  }
}

bool eq(TValue a, const std::vector<TValue>& args, std::size_t from) {
  a = indirectIface(a);
  if (args.size() <= from) fail("missing argument for comparison");
  Basic k1 = basicKind(a);
  for (std::size_t i = from; i < args.size(); ++i) {
    TValue b = indirectIface(args[i]);
    Basic k2 = basicKind(b);
    bool truth = false;
    if (k1 != k2) {
      if (a.valid() && b.valid()) fail("incompatible types for comparison");
    } else {
      switch (k1) {
        case Basic::Bool:
          truth = a.v().asBool() == b.v().asBool();
          break;
        case Basic::Float:
          truth = a.v().asDouble() == b.v().asDouble();
          break;
        case Basic::Int:
          truth = a.v().asInt() == b.v().asInt();
          break;
        case Basic::String:
          truth = a.v().asString() == b.v().asString();
          break;
        case Basic::Complex:
          truth = a.v() == b.v();
          break;
        case Basic::Invalid:
          if (!a.valid() || !b.valid()) {
            truth = a.valid() == b.valid();
          } else {
            fail("non-comparable type " + formatValue(b) + ": " + typeName(b));
          }
      }
    }
    if (truth) return true;
  }
  return false;
}

bool lt(TValue a, TValue b) {
  a = indirectIface(a);
  Basic k1 = basicKind(a);
  if (k1 == Basic::Invalid) fail("invalid type for comparison");
  b = indirectIface(b);
  Basic k2 = basicKind(b);
  if (k2 == Basic::Invalid) fail("invalid type for comparison");
  if (k1 != k2) fail("incompatible types for comparison");
  switch (k1) {
    case Basic::Float:
      return a.v().asDouble() < b.v().asDouble();
    case Basic::Int:
      return a.v().asInt() < b.v().asInt();
    case Basic::String:
      return a.v().asString() < b.v().asString();
    default:
      fail("invalid type for comparison");
  }
}

std::int64_t indexArg(const TValue& index, std::size_t cap) {
  std::int64_t x = 0;
  if (index.kind == Kind::Int) {
    x = index.v().asInt();
  } else if (!index.valid() || index.kind == Kind::Nil) {
    fail("cannot index slice/array with nil");
  } else {
    fail("cannot index slice/array with type " + typeName(index));
  }
  if (x < 0 || static_cast<std::uint64_t>(x) > cap)
    fail("index out of range: " + std::to_string(x));
  return x;
}

TValue index(std::vector<TValue>& args) {
  TValue item = indirectIface(args[0]);
  if (!item.valid()) fail("index of untyped nil");
  for (std::size_t i = 1; i < args.size(); ++i) {
    TValue ix = indirectIface(args[i]);
    if (item.kind == Kind::Nil) fail("index of nil pointer");
    switch (item.kind) {
      case Kind::Slice: {
        const auto& arr = item.v().asArray();
        auto x = static_cast<std::size_t>(indexArg(ix, arr.size()));
        if (x == arr.size()) fail("reflect: slice index out of range");
        item = TValue::element(item.val, &arr[x]);
        break;
      }
      case Kind::String: {
        const auto& s = item.v().asString();
        auto x = static_cast<std::size_t>(indexArg(ix, s.size()));
        if (x == s.size()) fail("reflect: string index out of range");
        item = TValue::of(static_cast<std::int64_t>(static_cast<unsigned char>(s[x])));
        break;
      }
      case Kind::Map: {
        if (!ix.valid()) fail("value is nil; should be of type string");
        if (ix.kind != Kind::String) fail("value has type " + typeName(ix) + "; should be string");
        const core::Value* e = item.v().find(ix.v().asString());
        if (e) {
          item = TValue::element(item.val, e);
        } else {
          item = TValue::invalid();
          item.iface = true;
        }
        break;
      }
      default:
        fail("can't index item of type " + staticTypeName(item));
    }
  }
  return item;
}

std::string evalArgs(const std::vector<TValue>& args) {
  if (args.size() == 1 && args[0].kind == Kind::String) return args[0].v().asString();
  std::vector<TValue> printable = args;
  std::string out;
  bool prevString = false;
  for (std::size_t i = 0; i < printable.size(); ++i) {
    const TValue& a = printable[i];
    bool isString = a.kind == Kind::String || a.kind == Kind::Nil;
    if (i > 0 && !isString && !prevString) out += ' ';
    out += a.kind == Kind::Nil ? "<no value>" : formatValue(a);
    prevString = isString;
  }
  return out;
}

std::string htmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\0':
        out += "\xEF\xBF\xBD";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string jsEscape(const std::string& s) {
  std::string out;
  char buf[16];
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '\'':
          out += "\\'";
          break;
        case '"':
          out += "\\\"";
          break;
        case '<':
          out += "\\u003C";
          break;
        case '>':
          out += "\\u003E";
          break;
        case '&':
          out += "\\u0026";
          break;
        case '=':
          out += "\\u003D";
          break;
        default:
          if (c < ' ') {
            std::snprintf(buf, sizeof buf, "\\u%04X", c);
            out += buf;
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    std::uint32_t r = 0;
    std::size_t n = core::decodeUtf8Rune(s, i, r);
    if (n == 0) {
      out += "\\uFFFD";
      ++i;
      continue;
    }
    std::string q = core::goQuote(s.substr(i, n));
    if (q.size() == n + 2) {
      out += s.substr(i, n);
    } else {
      std::snprintf(buf, sizeof buf, "\\u%04X", r);
      out += buf;
    }
    i += n;
  }
  return out;
}

std::string queryEscape(const std::string& s) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

TValue len(std::vector<TValue>& args, Runtime&) {
  const TValue& item = args[0];
  if (item.kind == Kind::Nil && item.iface) fail("len of nil pointer");
  if (!item.valid()) fail("reflect: call of reflect.Value.Type on zero Value");
  switch (item.kind) {
    case Kind::String:
      return TValue::of(static_cast<std::int64_t>(item.v().asString().size()));
    case Kind::Slice:
    case Kind::Map:
      return TValue::of(static_cast<std::int64_t>(item.v().size()));
    default:
      fail("len of type " + typeName(item));
  }
}

TValue call(std::vector<TValue>& args, Runtime&) {
  TValue fn = indirectIface(args[0]);
  if (!fn.valid()) fail("call of nil");
  fail("non-function of type " + typeName(fn));
}

}  // namespace

std::vector<FuncDef> builtinFuncs() {
  return {
      {"and", "R", 'R', nullptr},
      {"or", "R", 'R', nullptr},
      {"not", "R", 0,
       [](std::vector<TValue>& a, Runtime&) { return TValue::of(!truth(indirectIface(a[0]))); }},
      {"len", "R", 0, len},
      {"index", "R", 'R', [](std::vector<TValue>& a, Runtime&) { return index(a); }},
      {"call", "R", 'R', call},
      {"print", "", 'A', [](std::vector<TValue>& a, Runtime&) { return TValue::of(goSprint(a)); }},
      {"println", "", 'A',
       [](std::vector<TValue>& a, Runtime&) { return TValue::of(goSprintln(a)); }},
      {"printf", "S", 'A',
       [](std::vector<TValue>& a, Runtime&) {
         std::vector<TValue> rest(a.begin() + 1, a.end());
         return TValue::of(goSprintf(a[0].v().asString(), rest));
       }},
      {"html", "", 'A',
       [](std::vector<TValue>& a, Runtime&) { return TValue::of(htmlEscape(evalArgs(a))); }},
      {"js", "", 'A',
       [](std::vector<TValue>& a, Runtime&) { return TValue::of(jsEscape(evalArgs(a))); }},
      {"urlquery", "", 'A',
       [](std::vector<TValue>& a, Runtime&) { return TValue::of(queryEscape(evalArgs(a))); }},
      {"eq", "R", 'R', [](std::vector<TValue>& a, Runtime&) { return TValue::of(eq(a[0], a, 1)); }},
      {"ne", "RR", 0, [](std::vector<TValue>& a, Runtime&) { return TValue::of(!eq(a[0], a, 1)); }},
      {"lt", "RR", 0, [](std::vector<TValue>& a, Runtime&) { return TValue::of(lt(a[0], a[1])); }},
      {"le", "RR", 0,
       [](std::vector<TValue>& a, Runtime&) {
         return TValue::of(lt(a[0], a[1]) || eq(a[0], a, 1));
       }},
      {"gt", "RR", 0,
       [](std::vector<TValue>& a, Runtime&) {
         return TValue::of(!(lt(a[0], a[1]) || eq(a[0], a, 1)));
       }},
      {"ge", "RR", 0, [](std::vector<TValue>& a, Runtime&) { return TValue::of(!lt(a[0], a[1])); }},
  };
}

}  // namespace driftless::gotemplate
