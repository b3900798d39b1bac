#include "driftless/core/json.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_set>

#include "driftless/core/error.h"
#include "driftless/core/scalar.h"

namespace driftless::core {

namespace {

// Go's encoding/json keeps the last of duplicate keys; parsers append, this removes the
// earlier ones (rare, so the check is cheap for small objects and hashed for large ones).
void keepLastOfDuplicates(Object& obj) {
  auto& members = obj.members();
  const std::size_t n = members.size();
  if (n < 2) return;
  bool dup = false;
  if (n <= 16) {
    for (std::size_t i = 0; i < n && !dup; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) {
        if (members[i].key == members[j].key) {
          dup = true;
          break;
        }
      }
    }
  } else {
    std::unordered_set<std::string_view> seen;
    seen.reserve(n);
    for (const auto& m : members) {
      if (!seen.insert(m.key).second) {
        dup = true;
        break;
      }
    }
  }
  if (!dup) return;
  Object result;
  for (auto& m : members)
    result.set(m.key, std::move(m.value));
  obj = std::move(result);
}

// DOM parsing runs simdjson's kernels from the shared library, chosen for this CPU at run time
// (the On-Demand API is compiled inline and would fall back to generic code without -march).
Value convert(simdjson::dom::element el) {
  using simdjson::dom::element_type;
  switch (el.type()) {
    case element_type::OBJECT: {
      simdjson::dom::object o = el.get_object().value_unsafe();
      Object obj;
      obj.reserve(o.size());
      for (auto field : o)
        obj.append(std::string(field.key), convert(field.value));
      keepLastOfDuplicates(obj);
      return Value(std::move(obj));
    }
    case element_type::ARRAY: {
      simdjson::dom::array a = el.get_array().value_unsafe();
      Array arr;
      arr.reserve(a.size());
      for (auto item : a)
        arr.push_back(convert(item));
      return Value(std::move(arr));
    }
    case element_type::STRING:
      return Value(el.get_string().value_unsafe());
    case element_type::INT64:
      return Value(static_cast<long long>(el.get_int64().value_unsafe()));
    case element_type::UINT64:
      return Value(static_cast<double>(el.get_uint64().value_unsafe()));
    case element_type::DOUBLE:
      return Value(el.get_double().value_unsafe());
    case element_type::BOOL:
      return Value(el.get_bool().value_unsafe());
    case element_type::NULL_VALUE:
      return Value();
  }
  return Value();
}

// simdjson reports what went wrong but not where; this small scanner finds the offset of the
// first syntax error so messages can name line and column.
class ErrorLocator {
 public:
  explicit ErrorLocator(std::string_view text) : text_(text) {}

  std::size_t locate() {
    skipSpace();
    if (!value()) return pos_;
    skipSpace();
    return pos_;
  }

 private:
  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool string() {
    if (pos_ >= text_.size() || text_[pos_] != '"') return false;
    ++pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return false;
      pos_ += c == '\\' ? 2 : 1;
    }
    return false;
  }
  bool number() {
    std::size_t start = pos_;
    while (pos_ < text_.size() &&
           std::string_view("+-0123456789.eE").find(text_[pos_]) != std::string_view::npos) {
      ++pos_;
    }
    return pos_ > start;
  }
  bool value() {
    if (++depth_ > 1024) return false;
    skipSpace();
    if (pos_ >= text_.size()) return false;
    bool ok = false;
    switch (text_[pos_]) {
      case '{':
        ok = container('}', true);
        break;
      case '[':
        ok = container(']', false);
        break;
      case '"':
        ok = string();
        break;
      case 't':
        ok = literal("true");
        break;
      case 'f':
        ok = literal("false");
        break;
      case 'n':
        ok = literal("null");
        break;
      default:
        ok = number();
        break;
    }
    --depth_;
    return ok;
  }
  bool container(char close, bool isObject) {
    ++pos_;
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == close) {
      ++pos_;
      return true;
    }
    for (;;) {
      skipSpace();
      if (isObject) {
        if (!string()) return false;
        skipSpace();
        if (pos_ >= text_.size() || text_[pos_] != ':') return false;
        ++pos_;
      }
      if (!value()) return false;
      skipSpace();
      if (pos_ >= text_.size()) return false;
      if (text_[pos_] == close) {
        ++pos_;
        return true;
      }
      if (text_[pos_] != ',') return false;
      ++pos_;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

[[noreturn]] void throwJsonError(std::string_view text, std::string_view source,
                                 simdjson::error_code code) {
  std::size_t offset = ErrorLocator(text).locate();
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  throw ParseError(std::string(source), line, column, simdjson::error_message(code));
}

const char kHex[] = "0123456789abcdef";

void appendUnicodeEscape(std::string& out, unsigned cp) {
  out += "\\u";
  out += kHex[(cp >> 12) & 0xf];
  out += kHex[(cp >> 8) & 0xf];
  out += kHex[(cp >> 4) & 0xf];
  out += kHex[cp & 0xf];
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid.
std::size_t utf8SequenceLength(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
  if (len == 0 || c > 0xf4 || i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  }
  if (len == 3) {
    unsigned char c1 = byte(i + 1);
    if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0)) return 0;  // overlong, surrogate
  }
  if (len == 4) {
    unsigned char c1 = byte(i + 1);
    if ((c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90)) return 0;
  }
  return len;
}

class JsonWriter {
 public:
  JsonWriter(std::string& out, const JsonPrintOptions& options) : out_(out), options_(options) {}

  void write(const Value& v, int depth) {
    switch (v.type()) {
      case Value::Type::Null:
        out_ += "null";
        break;
      case Value::Type::Bool:
        out_ += v.asBool() ? "true" : "false";
        break;
      case Value::Type::Int:
        out_ += std::to_string(v.asInt());
        break;
      case Value::Type::Double:
        out_ += formatJsonNumber(v.asDouble());
        break;
      case Value::Type::String:
        appendJsonString(out_, v.asString(), options_.escapeHtml);
        break;
      case Value::Type::Array: {
        const auto& arr = v.asArray();
        if (arr.empty()) {
          out_ += "[]";
          break;
        }
        out_ += '[';
        for (std::size_t i = 0; i < arr.size(); ++i) {
          if (i > 0) out_ += ',';
          newline(depth + 1);
          write(arr[i], depth + 1);
        }
        newline(depth);
        out_ += ']';
        break;
      }
      case Value::Type::Object: {
        const auto& obj = v.asObject();
        if (obj.empty()) {
          out_ += "{}";
          break;
        }
        out_ += '{';
        std::vector<const Member*> members;
        members.reserve(obj.size());
        for (const auto& m : obj)
          members.push_back(&m);
        if (options_.sortKeys) {
          std::sort(members.begin(), members.end(),
                    [](const Member* a, const Member* b) { return a->key < b->key; });
        }
        bool first = true;
        for (const Member* m : members) {
          if (!first) out_ += ',';
          first = false;
          newline(depth + 1);
          appendJsonString(out_, m->key, options_.escapeHtml);
          out_ += options_.indent > 0 ? ": " : ":";
          write(m->value, depth + 1);
        }
        newline(depth);
        out_ += '}';
        break;
      }
    }
  }

 private:
  void newline(int depth) {
    if (options_.indent <= 0) return;
    out_ += '\n';
    out_.append(static_cast<std::size_t>(depth * options_.indent), ' ');
  }

  std::string& out_;
  const JsonPrintOptions& options_;
};

}  // namespace

Value parseJson(std::string_view text, std::string_view source) {
  // One parser per thread: it keeps its buffers between documents.
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  if (auto error = parser.parse(padded).get(root)) throwJsonError(text, source, error);
  return convert(root);
}

void appendJsonString(std::string& out, std::string_view s, bool escapeHtml) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '<':
        case '>':
        case '&':
          if (escapeHtml) {
            appendUnicodeEscape(out, c);
          } else {
            out += static_cast<char>(c);
          }
          break;
        default:
          if (c < 0x20) {
            appendUnicodeEscape(out, c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    std::size_t len = utf8SequenceLength(s, i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    // U+2028 and U+2029 are escaped, as Go does for JavaScript safety.
    if (len == 3 && c == 0xe2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xfe) == 0xa8) {
      appendUnicodeEscape(out, 0x2028u + (static_cast<unsigned char>(s[i + 2]) & 1u));
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += '"';
}

std::string formatJsonNumber(double d) {
  if (std::isnan(d) || std::isinf(d)) {
    throw Error("json: unsupported value: " + formatGoFloat(d, 'g'));
  }
  double a = std::fabs(d);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    std::string s = formatGoFloat(d, 'e');
    // Go cleans e-07 to e-7.
    std::size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') s.erase(n - 2, 1);
    return s;
  }
  return formatGoFloat(d, 'f');
}

void appendJson(std::string& out, const Value& value, const JsonPrintOptions& options) {
  JsonWriter(out, options).write(value, 0);
}

std::string toJson(const Value& value, const JsonPrintOptions& options) {
  std::string out;
  appendJson(out, value, options);
  return out;
}

}  // namespace driftless::core
