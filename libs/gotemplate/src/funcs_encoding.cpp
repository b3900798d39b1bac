// Encodings: base64/base32, JSON, YAML, TOML (Sprig's and Helm's), paths and URLs.

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "driftless/core/base64.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/yaml.h"
#include "funcs_util.h"
#include "internal.h"
#include "toml.h"

namespace driftless::gotemplate {
namespace {

using fn::Args;
using fn::str;

constexpr const char* kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string base32Encode(const std::string& in) {
  std::string out;
  std::size_t i = 0;
  while (i < in.size()) {
    std::uint64_t buf = 0;
    std::size_t n = std::min<std::size_t>(5, in.size() - i);
    for (std::size_t k = 0; k < 5; ++k) {
      buf = (buf << 8) | (k < n ? static_cast<unsigned char>(in[i + k]) : 0U);
    }
    static constexpr std::size_t kChars[] = {0, 2, 4, 5, 7, 8};
    for (std::size_t k = 0; k < 8; ++k) {
      out += k < kChars[n] ? kBase32[(buf >> (35 - 5 * k)) & 31] : '=';
    }
    i += n;
  }
  return out;
}

std::optional<std::string> base32Decode(const std::string& in) {
  if (in.size() % 8 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 8) {
    std::uint64_t buf = 0;
    std::size_t chars = 0;
    for (std::size_t k = 0; k < 8; ++k) {
      char c = in[i + k];
      std::uint64_t v = 0;
      if (c == '=') {
        v = 0;
      } else {
        const char* p = std::char_traits<char>::find(kBase32, 32, c);
        if (!p || chars != k) return std::nullopt;
        v = static_cast<std::uint64_t>(p - kBase32);
        ++chars;
      }
      buf = (buf << 5) | v;
    }
    static constexpr std::size_t kBytes[] = {0, 0, 1, 0, 2, 3, 0, 4, 5};
    std::size_t n = kBytes[chars];
    if (n == 0 && chars != 0) return std::nullopt;
    for (std::size_t k = 0; k < n; ++k)
      out += static_cast<char>((buf >> (32 - 8 * k)) & 0xFF);
  }
  return out;
}

// The value as sigs.k8s.io/yaml prints it: keys sorted (encoding/json), float64 values with an
// integral value as integers (they go through JSON), in one copy.
core::Value forYaml(const core::Value& v) {
  if (v.isDouble()) {
    double d = v.asDouble();
    if (!std::isfinite(d)) {  // the JSON step of sigs.k8s.io/yaml rejects them
      throw core::Error("json: unsupported value: " + formatGoFloatV(d));
    }
    if (d == std::floor(d) && std::fabs(d) < 1e15) {
      return core::Value(static_cast<std::int64_t>(d));
    }
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e21) {
      std::string text = core::formatJsonNumber(d);
      if (text.find_first_of("eE") == std::string::npos && std::fabs(d) < 9.2e18) {
        return core::Value(static_cast<std::int64_t>(d));
      }
    }
    return v;
  }
  if (v.isArray()) {
    core::Array out;
    out.reserve(v.size());
    for (const auto& e : v.asArray())
      out.push_back(forYaml(e));
    return core::Value(std::move(out));
  }
  if (v.isObject()) {
    std::vector<const core::Member*> ms;
    ms.reserve(v.size());
    for (const auto& m : v.asObject())
      ms.push_back(&m);
    std::sort(ms.begin(), ms.end(),
              [](const core::Member* a, const core::Member* b) { return a->key < b->key; });
    core::Object out;
    out.reserve(ms.size());
    for (const auto* m : ms)
      out.append(m->key, forYaml(m->value));
    return core::Value(std::move(out));
  }
  return v;
}

// A value's data without copying when it holds no Go-typed parts.
const core::Value& dataOf(const TValue& t, core::Value& storage) {
  if (t.kind == Kind::Nil) return core::nullValue();
  if (t.type == GoType::Duration || t.type == GoType::Semver) {
    storage = toCore(t);
    return storage;
  }
  return t.v();
}

// JSON numbers decode to float64 in Go.
core::Value intsToFloats(core::Value v) {
  if (v.isInt()) return core::Value(static_cast<double>(v.asInt()));
  if (v.isArray()) {
    for (auto& e : v.asArray())
      e = intsToFloats(std::move(e));
  } else if (v.isObject()) {
    for (auto& m : v.asObject())
      m.value = intsToFloats(std::move(m.value));
  }
  return v;
}

std::string jsonKind(const core::Value& v) {
  switch (v.type()) {
    case core::Value::Type::Array:
      return "array";
    case core::Value::Type::Object:
      return "object";
    case core::Value::Type::String:
      return "string";
    case core::Value::Type::Bool:
      return "bool";
    default:
      return "number";
  }
}

// Parses JSON like encoding/json into interface{}; error holds Go's message on failure.
std::optional<core::Value> decodeJson(const std::string& text, std::string& error) {
  try {
    return intsToFloats(core::parseJson(text));
  } catch (const core::Error& e) {
    std::string t = text;
    t.erase(0, t.find_first_not_of(" \t\r\n"));
    error = t.empty() ? "unexpected end of JSON input" : std::string(e.what());
    return std::nullopt;
  }
}

std::string toJson(const TValue& v, int indent, bool escapeHtml) {
  core::Value storage;
  return core::toJson(dataOf(v, storage),
                      {.indent = indent, .escapeHtml = escapeHtml, .sortKeys = true});
}

std::string toYaml(const TValue& v) {
  if (v.isNil()) return "null";
  core::Value storage;
  std::string out = core::toYaml(forYaml(dataOf(v, storage)));
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// go-yaml v3 with a 2-space indent: like toYaml, with sequences indented under their key.
void prettyYaml(std::string& out, const core::Value& v, std::size_t indent);

std::string scalarYaml(const core::Value& v, std::size_t indent) {
  std::string s = core::toYaml(v);
  if (!s.empty() && s.back() == '\n') s.pop_back();
  std::string pad(indent, ' ');
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

bool isCollection(const core::Value& v) {
  return (v.isObject() || v.isArray()) && v.size() != 0;
}

void prettyItem(std::string& out, const core::Value& v, std::size_t indent) {
  if (isCollection(v)) {
    std::string inner;
    prettyYaml(inner, v, indent);
    out += inner.substr(indent);
  } else {
    out += scalarYaml(v, indent) + "\n";
  }
}

void prettyYaml(std::string& out, const core::Value& v, std::size_t indent) {
  std::string pad(indent, ' ');
  if (v.isObject() && v.size() != 0) {
    for (const auto& m : v.asObject()) {
      out += pad + scalarYaml(core::Value(m.key), indent) + ":";
      if (isCollection(m.value)) {
        out += "\n";
        prettyYaml(out, m.value, indent + 2);
      } else {
        out += " " + scalarYaml(m.value, indent + 2) + "\n";
      }
    }
  } else if (v.isArray() && v.size() != 0) {
    for (const auto& e : v.asArray()) {
      out += pad + "- ";
      prettyItem(out, e, indent + 2);
    }
  } else {
    out += pad + scalarYaml(v, indent) + "\n";
  }
}

std::string fromYamlError(const core::Value& v, const char* want) {
  return std::string("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ") +
         jsonKind(v) + " into Go value of type " + want;
}

std::optional<core::Value> decodeYaml(const std::string& text, std::string& error) {
  try {
    return intsToFloats(core::parseYaml(text));
  } catch (const core::Error& e) {
    error = std::string("error converting YAML to JSON: yaml: ") + e.what();
    return std::nullopt;
  }
}

// path.Clean of Go.
std::string cleanPath(const std::string& p) {
  if (p.empty()) return ".";
  bool rooted = p[0] == '/';
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string part = p.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) out += '/';
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

std::string basePath(std::string p) {
  if (p.empty()) return ".";
  while (p.size() > 1 && p.back() == '/')
    p.pop_back();
  if (p == "/") return "/";
  std::size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string dirPath(const std::string& p) {
  std::size_t slash = p.rfind('/');
  return cleanPath(slash == std::string::npos ? "" : p.substr(0, slash + 1));
}

std::string extPath(const std::string& p) {
  for (std::size_t i = p.size(); i-- > 0;) {
    if (p[i] == '/') break;
    if (p[i] == '.') return p.substr(i);
  }
  return "";
}

TValue urlParse(Args a, Runtime&) {
  std::string s = str(a[0]);
  core::Object d;
  std::string scheme, opaque, host, path, query, fragment, userinfo;
  if (auto h = s.find('#'); h != std::string::npos) {
    fragment = s.substr(h + 1);
    s.resize(h);
  }
  std::size_t colon = s.find(':');
  if (colon != std::string::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(s[0])) &&
      s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") >=
          colon) {
    scheme = s.substr(0, colon);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    s = s.substr(colon + 1);
  }
  if (auto q = s.find('?'); q != std::string::npos) {
    query = s.substr(q + 1);
    s.resize(q);
  }
  if (!scheme.empty() && (s.empty() || s[0] != '/')) {
    opaque = s;
    s.clear();
  } else if (s.rfind("//", 0) == 0) {
    std::size_t end = s.find('/', 2);
    std::string authority = s.substr(2, end == std::string::npos ? std::string::npos : end - 2);
    s = end == std::string::npos ? "" : s.substr(end);
    if (auto at = authority.rfind('@'); at != std::string::npos) {
      userinfo = authority.substr(0, at);
      authority = authority.substr(at + 1);
    }
    host = authority;
  }
  path = s;
  std::string hostname = host;
  if (!hostname.empty() && hostname[0] == '[') {
    hostname = hostname.substr(1, hostname.find(']') - 1);
  } else if (auto c = hostname.rfind(':'); c != std::string::npos) {
    hostname.resize(c);
  }
  d.append("fragment", core::Value(fragment));
  d.append("host", core::Value(host));
  d.append("hostname", core::Value(hostname));
  d.append("opaque", core::Value(opaque));
  d.append("path", core::Value(path));
  d.append("query", core::Value(query));
  d.append("scheme", core::Value(scheme));
  d.append("userinfo", core::Value(userinfo));
  return fromCore(core::Value(std::move(d)));
}

TValue urlJoin(Args a, Runtime&) {
  auto get = [&](const char* key) {
    const core::Value* e = a[0].v().find(key);
    return e ? strval(TValue::element(a[0].val, e)) : std::string();
  };
  std::string out;
  std::string scheme = get("scheme"), opaque = get("opaque"), host = get("host");
  std::string user = get("userinfo"), path = get("path"), query = get("query");
  std::string fragment = get("fragment");
  if (!scheme.empty()) out += scheme + ":";
  if (!opaque.empty()) {
    out += opaque;
  } else {
    if (!scheme.empty() || !host.empty() || !user.empty()) {
      if (!host.empty() || !path.empty() || !user.empty()) out += "//";
      if (!user.empty()) out += user + "@";
      out += host;
    }
    if (!path.empty() && path[0] != '/' && !host.empty()) out += '/';
    out += path;
  }
  if (!query.empty()) out += "?" + query;
  if (!fragment.empty()) out += "#" + fragment;
  return fn::string(out);
}

}  // namespace

std::vector<FuncDef> encodingFuncs() {
  return {
      {"b64enc", "S", 0,
       [](Args a, Runtime&) { return fn::string(core::base64Encode(str(a[0]))); }},
      {"b64dec", "S", 0,
       [](Args a, Runtime&) {
         auto d = core::base64Decode(str(a[0]));
         return fn::string(d ? *d : "illegal base64 data at input byte 0");
       }},
      {"b32enc", "S", 0, [](Args a, Runtime&) { return fn::string(base32Encode(str(a[0]))); }},
      {"b32dec", "S", 0,
       [](Args a, Runtime&) {
         auto d = base32Decode(str(a[0]));
         return fn::string(d ? *d : "illegal base32 data at input byte 0");
       }},
      {"toJson", "A", 0,
       [](Args a, Runtime&) {
         try {
           return fn::string(toJson(a[0], 0, true));
         } catch (const core::Error&) {  // Helm's toJson prints nothing on a marshalling error
           return fn::string("");
         }
       }},
      {"mustToJson", "A", 0, [](Args a, Runtime&) { return fn::string(toJson(a[0], 0, true)); }},
      {"toPrettyJson", "A", 0,
       [](Args a, Runtime&) {
         try {
           return fn::string(toJson(a[0], 2, true));
         } catch (const core::Error&) {  // Sprig ignores the marshalling error
           return fn::string("");
         }
       }},
      {"mustToPrettyJson", "A", 0,
       [](Args a, Runtime&) { return fn::string(toJson(a[0], 2, true)); }},
      {"toRawJson", "A", 0, [](Args a, Runtime&) { return fn::string(toJson(a[0], 0, false)); }},
      {"mustToRawJson", "A", 0,
       [](Args a, Runtime&) { return fn::string(toJson(a[0], 0, false)); }},
      {"fromJson", "S", 0,
       [](Args a, Runtime&) {
         std::string err;
         auto v = decodeJson(str(a[0]), err);
         if (v && !v->isObject() && !v->isNull()) {
           err = "json: cannot unmarshal " + jsonKind(*v) +
                 " into Go value of type map[string]interface {}";
         }
         if (!err.empty()) return fromCore(core::Value(core::Object{{"Error", core::Value(err)}}));
         return fromCore(v->isNull() ? core::Value::object() : std::move(*v));
       }},
      {"mustFromJson", "S", 0,
       [](Args a, Runtime&) {
         std::string err;
         auto v = decodeJson(str(a[0]), err);
         if (!v) callFail(err);
         TValue t = fromCore(std::move(*v));
         t.iface = true;
         return t;
       }},
      {"fromJsonArray", "S", 0,
       [](Args a, Runtime&) {
         std::string err;
         auto v = decodeJson(str(a[0]), err);
         if (v && !v->isArray() && !v->isNull()) {
           err = "json: cannot unmarshal " + jsonKind(*v) + " into Go value of type []interface {}";
         }
         if (!err.empty()) return fromCore(core::Value(core::Array{core::Value(err)}));
         return fromCore(v->isNull() ? core::Value::array() : std::move(*v));
       }},
      {"toYaml", "A", 0,
       [](Args a, Runtime&) {
         try {
           return fn::string(toYaml(a[0]));
         } catch (const core::Error&) {
           return fn::string("");
         }
       }},
      {"mustToYaml", "A", 0, [](Args a, Runtime&) { return fn::string(toYaml(a[0])); }},
      {"toYamlPretty", "A", 0,
       [](Args a, Runtime&) {
         std::string out;
         core::Value storage;
         prettyYaml(out, forYaml(dataOf(a[0], storage)), 0);
         if (!out.empty() && out.back() == '\n') out.pop_back();
         return fn::string(out);
       }},
      {"fromYaml", "S", 0,
       [](Args a, Runtime&) {
         std::string err;
         auto v = decodeYaml(str(a[0]), err);
         if (v && !v->isObject() && !v->isNull()) {
           err = fromYamlError(*v, "map[string]interface {}");
         }
         if (!err.empty()) return fromCore(core::Value(core::Object{{"Error", core::Value(err)}}));
         return fromCore(v->isNull() ? core::Value::object() : std::move(*v));
       }},
      {"fromYamlArray", "S", 0,
       [](Args a, Runtime&) {
         std::string err;
         auto v = decodeYaml(str(a[0]), err);
         if (v && !v->isArray() && !v->isNull()) err = fromYamlError(*v, "[]interface {}");
         if (!err.empty()) return fromCore(core::Value(core::Array{core::Value(err)}));
         return fromCore(v->isNull() ? core::Value::array() : std::move(*v));
       }},
      {"toToml", "A", 0,
       [](Args a, Runtime&) {
         std::string err;
         std::string out = toml::encode(toCore(a[0]), err);
         return fn::string(err.empty() ? out : err);
       }},
      {"mustToToml", "A", 0,
       [](Args a, Runtime&) {
         std::string err;
         std::string out = toml::encode(toCore(a[0]), err);
         if (!err.empty()) callFail(err);
         return fn::string(out);
       }},
      {"fromToml", "S", 0,
       [](Args a, Runtime&) {
         std::string err;
         core::Value v = toml::decode(str(a[0]), err);
         if (!err.empty()) {
           v = core::Value::object();
           v.asObject().set("Error", core::Value(err));
         }
         return fromCore(std::move(v));
       }},
      {"base", "S", 0, [](Args a, Runtime&) { return fn::string(basePath(str(a[0]))); }},
      {"dir", "S", 0, [](Args a, Runtime&) { return fn::string(dirPath(str(a[0]))); }},
      {"clean", "S", 0, [](Args a, Runtime&) { return fn::string(cleanPath(str(a[0]))); }},
      {"ext", "S", 0, [](Args a, Runtime&) { return fn::string(extPath(str(a[0]))); }},
      {"isAbs", "S", 0,
       [](Args a, Runtime&) { return fn::boolean(!str(a[0]).empty() && str(a[0])[0] == '/'); }},
      {"osBase", "S", 0, [](Args a, Runtime&) { return fn::string(basePath(str(a[0]))); }},
      {"osDir", "S", 0, [](Args a, Runtime&) { return fn::string(dirPath(str(a[0]))); }},
      {"osClean", "S", 0, [](Args a, Runtime&) { return fn::string(cleanPath(str(a[0]))); }},
      {"osExt", "S", 0, [](Args a, Runtime&) { return fn::string(extPath(str(a[0]))); }},
      {"osIsAbs", "S", 0,
       [](Args a, Runtime&) { return fn::boolean(!str(a[0]).empty() && str(a[0])[0] == '/'); }},
      {"urlParse", "S", 0, urlParse},
      {"urlJoin", "M", 0, urlJoin},
  };
}

}  // namespace driftless::gotemplate
