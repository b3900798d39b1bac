#include "toml.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "driftless/core/go_format.h"
#include "driftless/core/scalar.h"

namespace driftless::gotemplate::toml {
namespace {

// ---- encoding ----

bool isTable(const core::Value& v) {
  return v.isObject();
}
bool isTableArray(const core::Value& v) {
  if (!v.isArray() || v.size() == 0) return false;
  return std::all_of(v.asArray().begin(), v.asArray().end(),
                     [](const core::Value& e) { return e.isObject(); });
}

std::string quoteString(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          static const char* hex = "0123456789ABCDEF";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string keyText(const std::string& k) {
  bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return bare ? k : quoteString(k);
}

std::string keyPath(const std::vector<std::string>& key) {
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (i > 0) out += '.';
    out += keyText(key[i]);
  }
  return out;
}

std::string scalar(const core::Value& v, std::string& error) {
  switch (v.type()) {
    case core::Value::Type::Bool:
      return v.asBool() ? "true" : "false";
    case core::Value::Type::Int:
      return std::to_string(v.asInt());
    case core::Value::Type::Double: {
      double d = v.asDouble();
      if (std::isnan(d)) return "nan";
      if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
      std::string s = core::formatGoFloat(d, 'f');
      if (s.find('.') == std::string::npos) s += ".0";
      return s;
    }
    case core::Value::Type::String:
      return quoteString(v.asString());
    case core::Value::Type::Array: {
      std::string out = "[";
      bool first = true;
      for (const auto& e : v.asArray()) {
        if (e.isNull()) continue;
        if (!first) out += ", ";
        first = false;
        out += scalar(e, error);
      }
      return out + "]";
    }
    case core::Value::Type::Object: {
      std::string out = "{";
      bool first = true;
      for (const auto& m : v.asObject()) {
        if (m.value.isNull()) continue;
        out += first ? " " : ", ";
        first = false;
        out += keyText(m.key) + " = " + scalar(m.value, error);
      }
      return out + (first ? "}" : " }");
    }
    default:
      error = "toml: cannot encode a nil value";
      return "";
  }
}

struct Encoder {
  std::string out;
  std::string error;

  void newline() {
    if (!out.empty()) out += '\n';
  }
  static std::string indent(std::size_t depth) {
    return std::string(depth > 0 ? 2 * (depth - 1) : 0, ' ');
  }

  void map(const std::vector<std::string>& key, const core::Value& m) {
    std::vector<const core::Member*> ms;
    for (const auto& mem : m.asObject())
      ms.push_back(&mem);
    std::sort(ms.begin(), ms.end(),
              [](const core::Member* a, const core::Member* b) { return a->key < b->key; });
    for (const auto* mem : ms) {
      if (mem->value.isNull() || isTable(mem->value) || isTableArray(mem->value)) continue;
      out += indent(key.size() + 1) + keyText(mem->key) + " = " + scalar(mem->value, error) + "\n";
    }
    for (const auto* mem : ms) {
      std::vector<std::string> sub = key;
      sub.push_back(mem->key);
      if (isTable(mem->value)) {
        newline();
        out += indent(sub.size()) + "[" + keyPath(sub) + "]\n";
        map(sub, mem->value);
      } else if (isTableArray(mem->value)) {
        for (const auto& e : mem->value.asArray()) {
          newline();
          out += indent(sub.size()) + "[[" + keyPath(sub) + "]]\n";
          map(sub, e);
        }
      }
    }
  }
};

// ---- decoding ----

struct Parser {
  std::string_view s;
  std::size_t i = 0;
  int line = 1;
  std::string error;

  bool fail(const std::string& msg) {
    if (error.empty()) error = "toml: line " + std::to_string(line) + ": " + msg;
    return false;
  }
  bool eof() const { return i >= s.size(); }
  void skipSpace() {
    while (!eof() && (s[i] == ' ' || s[i] == '\t'))
      ++i;
  }
  void skipComment() {
    if (!eof() && s[i] == '#') {
      while (!eof() && s[i] != '\n')
        ++i;
    }
  }
  void skipBlank() {  // spaces, comments and newlines
    while (!eof()) {
      skipSpace();
      skipComment();
      if (!eof() && (s[i] == '\n' || s[i] == '\r')) {
        if (s[i] == '\n') ++line;
        ++i;
      } else {
        return;
      }
    }
  }

  bool key(std::vector<std::string>& parts) {
    while (true) {
      skipSpace();
      if (eof()) return fail("unexpected EOF; expected key");
      std::string k;
      if (s[i] == '"' || s[i] == '\'') {
        core::Value v;
        if (!string(v)) return false;
        k = v.asString();
      } else {
        std::size_t b = i;
        while (!eof() &&
               (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '-'))
          ++i;
        if (b == i) return fail("bare keys cannot contain '" + std::string(1, s[i]) + "'");
        k = std::string(s.substr(b, i - b));
      }
      parts.push_back(k);
      skipSpace();
      if (!eof() && s[i] == '.') {
        ++i;
        continue;
      }
      return true;
    }
  }

  bool string(core::Value& out) {
    char q = s[i];
    bool multi = s.substr(i, 3) == std::string(3, q);
    i += multi ? 3 : 1;
    if (multi && !eof() && s[i] == '\n') {
      ++i;
      ++line;
    }
    std::string v;
    while (true) {
      if (eof()) return fail("unexpected EOF; expected '" + std::string(1, q) + "'");
      char c = s[i];
      if (multi ? s.substr(i, 3) == std::string(3, q) : c == q) {
        i += multi ? 3 : 1;
        break;
      }
      if (c == '\n') {
        if (!multi) return fail("strings cannot contain newlines");
        ++line;
      }
      if (c == '\\' && q == '"') {
        ++i;
        if (eof()) return fail("unexpected EOF");
        char e = s[i++];
        switch (e) {
          case 'n':
            v += '\n';
            break;
          case 't':
            v += '\t';
            break;
          case 'r':
            v += '\r';
            break;
          case 'b':
            v += '\b';
            break;
          case 'f':
            v += '\f';
            break;
          case '"':
          case '\\':
            v += e;
            break;
          case 'u':
          case 'U': {
            std::size_t n = e == 'u' ? 4 : 8;
            std::string hex(s.substr(i, n));
            i += n;
            core::appendUtf8Rune(
                v, static_cast<std::uint32_t>(std::strtoul(hex.c_str(), nullptr, 16)));
            break;
          }
          case '\n':
            ++line;
            while (!eof() && std::isspace(static_cast<unsigned char>(s[i]))) {
              if (s[i] == '\n') ++line;
              ++i;
            }
            break;
          default:
            return fail("invalid escape in string '\\" + std::string(1, e) + "'");
        }
        continue;
      }
      v += c;
      ++i;
    }
    out = core::Value(std::move(v));
    return true;
  }

  bool value(core::Value& out) {
    skipSpace();
    if (eof()) return fail("unexpected EOF; expected value");
    char c = s[i];
    if (c == '"' || c == '\'') return string(out);
    if (c == '[') {
      ++i;
      core::Array arr;
      while (true) {
        skipBlank();
        if (eof()) return fail("unexpected EOF; expected ']'");
        if (s[i] == ']') {
          ++i;
          break;
        }
        core::Value e;
        if (!value(e)) return false;
        arr.push_back(std::move(e));
        skipBlank();
        if (!eof() && s[i] == ',') ++i;
      }
      out = core::Value(std::move(arr));
      return true;
    }
    if (c == '{') {
      ++i;
      out = core::Value::object();
      while (true) {
        skipSpace();
        if (eof()) return fail("unexpected EOF; expected '}'");
        if (s[i] == '}') {
          ++i;
          break;
        }
        if (!keyValue(out)) return false;
        skipSpace();
        if (!eof() && s[i] == ',') ++i;
      }
      return true;
    }
    std::size_t b = i;
    while (!eof() && s[i] != ',' && s[i] != ']' && s[i] != '}' && s[i] != '\n' && s[i] != '#' &&
           s[i] != '\r')
      ++i;
    std::string tok(s.substr(b, i - b));
    while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t'))
      tok.pop_back();
    if (tok == "true" || tok == "false") {
      out = core::Value(tok == "true");
      return true;
    }
    std::string clean;
    for (char ch : tok) {
      if (ch != '_') clean += ch;
    }
    if (clean == "inf" || clean == "+inf" || clean == "-inf" || clean == "nan") {
      out = core::Value(clean == "nan" ? NAN : clean[0] == '-' ? -INFINITY : INFINITY);
      return true;
    }
    char* end = nullptr;
    if (clean.find_first_of(".eE") == std::string::npos || clean.rfind("0x", 0) == 0) {
      int base = 10;
      std::string digits = clean;
      if (clean.size() > 2 && clean[0] == '0' &&
          std::isalpha(static_cast<unsigned char>(clean[1]))) {
        base = clean[1] == 'x' ? 16 : clean[1] == 'o' ? 8 : 2;
        digits = clean.substr(2);
      }
      long long n = std::strtoll(digits.c_str(), &end, base);
      if (!digits.empty() && end == digits.c_str() + digits.size()) {
        out = core::Value(static_cast<std::int64_t>(n));
        return true;
      }
    } else {
      double d = std::strtod(clean.c_str(), &end);
      if (end == clean.c_str() + clean.size()) {
        out = core::Value(d);
        return true;
      }
    }
    // Dates and times are kept as their text.
    if (!tok.empty() && std::isdigit(static_cast<unsigned char>(tok[0]))) {
      out = core::Value(tok);
      return true;
    }
    return fail("expected value but found '" + tok + "' instead");
  }

  static core::Value* descend(core::Value* cur, const std::string& k) {
    core::Value* next = cur->asObject().find(k);
    if (!next) next = &cur->asObject().set(k, core::Value::object());
    if (next->isArray() && next->size() > 0) next = &next->asArray().back();
    return next->isObject() ? next : nullptr;
  }

  bool keyValue(core::Value& table) {
    std::vector<std::string> parts;
    if (!key(parts)) return false;
    skipSpace();
    if (eof()) return fail("unexpected EOF; expected key separator '='");
    if (s[i] != '=') {
      return fail("expected key separator '=', but got '" + std::string(1, s[i]) + "' instead");
    }
    ++i;
    core::Value v;
    if (!value(v)) return false;
    core::Value* cur = &table;
    for (std::size_t k = 0; k + 1 < parts.size(); ++k) {
      cur = descend(cur, parts[k]);
      if (!cur) return fail("key is not a table");
    }
    if (cur->asObject().contains(parts.back())) {
      return fail("key '" + parts.back() + "' has already been defined");
    }
    cur->asObject().set(parts.back(), std::move(v));
    return true;
  }

  core::Value document() {
    core::Value root = core::Value::object();
    core::Value* table = &root;
    while (true) {
      skipBlank();
      if (eof()) break;
      if (s[i] == '[') {
        bool array = s.substr(i, 2) == "[[";
        i += array ? 2 : 1;
        std::vector<std::string> parts;
        if (!key(parts)) break;
        skipSpace();
        if (s.substr(i, array ? 2 : 1) != (array ? "]]" : "]")) {
          fail("expected ']' after table key");
          break;
        }
        i += array ? 2 : 1;
        core::Value* cur = &root;
        for (std::size_t k = 0; k + 1 < parts.size() && cur; ++k)
          cur = descend(cur, parts[k]);
        if (!cur) {
          fail("key is not a table");
          break;
        }
        const std::string& last = parts.back();
        if (array) {
          core::Value* arr = cur->asObject().find(last);
          if (!arr) arr = &cur->asObject().set(last, core::Value::array());
          arr->push_back(core::Value::object());
          table = &arr->asArray().back();
        } else {
          core::Value* t = cur->asObject().find(last);
          if (!t) t = &cur->asObject().set(last, core::Value::object());
          if (!t->isObject()) {
            fail("key '" + last + "' is not a table");
            break;
          }
          table = t;
        }
      } else if (!keyValue(*table)) {
        break;
      }
      skipSpace();
      skipComment();
      if (!eof() && s[i] != '\n' && s[i] != '\r') {
        fail("expected a top-level item to end with a newline, comment, or EOF, but got '" +
             std::string(1, s[i]) + "' instead");
        break;
      }
    }
    return root;
  }
};

}  // namespace

std::string encode(const core::Value& v, std::string& error) {
  if (!v.isObject()) {
    error = "toml: top-level values must be Go maps or structs";
    return "";
  }
  Encoder e;
  e.map({}, v);
  error = e.error;
  return e.out;
}

core::Value decode(std::string_view text, std::string& error) {
  Parser p;
  p.s = text;
  core::Value v = p.document();
  error = p.error;
  return v;
}

}  // namespace driftless::gotemplate::toml
