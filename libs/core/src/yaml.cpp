#include "driftless/core/yaml.h"

#include <yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/scalar.h"

namespace driftless::core {

namespace {

// Bound on nodes materialised through aliases ("billion laughs" protection).
constexpr std::size_t kMaxAliasNodes = 2'000'000;

std::size_t countNodes(const Value& v) {
  std::size_t n = 1;
  if (v.isArray()) {
    for (const auto& e : v.asArray())
      n += countNodes(e);
  } else if (v.isObject()) {
    for (const auto& m : v.asObject())
      n += countNodes(m.value);
  }
  return n;
}

struct ParserHandle {
  yaml_parser_t parser;
  ParserHandle() {
    if (yaml_parser_initialize(&parser) == 0) throw Error("yaml: cannot initialise parser");
  }
  ~ParserHandle() { yaml_parser_delete(&parser); }
  ParserHandle(const ParserHandle&) = delete;
  ParserHandle& operator=(const ParserHandle&) = delete;
};

struct EventHandle {
  yaml_event_t event{};
  bool live = false;
  ~EventHandle() { reset(); }
  void reset() {
    if (live) yaml_event_delete(&event);
    live = false;
  }
};

std::string_view tagOf(const unsigned char* tag) {
  return tag == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(tag));
}

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

// Converts a resolved mapping key to the string Kubernetes uses for it.
std::string keyString(const Value& key) {
  switch (key.type()) {
    case Value::Type::String:
      return key.asString();
    case Value::Type::Null:
      return "null";
    case Value::Type::Bool:
      return key.asBool() ? "true" : "false";
    case Value::Type::Int:
      return std::to_string(key.asInt());
    case Value::Type::Double:
      return formatGoFloat(key.asDouble(), 'g');
    default:
      return {};
  }
}

class StreamBuilder {
 public:
  explicit StreamBuilder(const YamlParseOptions& options) : options_(options) {}

  std::vector<Value> parse(std::string_view text) {
    ParserHandle handle;
    yaml_parser_set_input_string(&handle.parser,
                                 reinterpret_cast<const unsigned char*>(text.data()), text.size());
    std::vector<Value> docs;
    EventHandle ev;
    for (;;) {
      ev.reset();
      if (yaml_parser_parse(&handle.parser, &ev.event) == 0) throwParserError(handle.parser);
      ev.live = true;
      const yaml_event_t& e = ev.event;
      switch (e.type) {
        case YAML_STREAM_END_EVENT:
          return docs;
        case YAML_DOCUMENT_START_EVENT:
          root_ = Value();
          anchors_.clear();
          break;
        case YAML_DOCUMENT_END_EVENT:
          if (!root_.isNull() || options_.keepEmptyDocuments) docs.push_back(std::move(root_));
          break;
        case YAML_SCALAR_EVENT:
          onScalar(e);
          break;
        case YAML_ALIAS_EVENT:
          onAlias(e);
          break;
        case YAML_SEQUENCE_START_EVENT:
          beginContainer(e, false, tagOf(e.data.sequence_start.tag), e.data.sequence_start.anchor);
          break;
        case YAML_MAPPING_START_EVENT:
          beginContainer(e, true, tagOf(e.data.mapping_start.tag), e.data.mapping_start.anchor);
          break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          endContainer();
          break;
        default:
          break;
      }
    }
  }

 private:
  struct Frame {
    Value value;
    bool isMap = false;
    bool expectKey = true;
    bool mergeNext = false;
    std::string key;
    std::string anchor;
    std::size_t keyLine = 0;
    std::vector<std::string> mergedKeys;  // keys that came from `<<` and may be overridden
  };

  [[noreturn]] void throwParserError(const yaml_parser_t& p) const {
    std::string problem = p.problem != nullptr ? p.problem : "unknown YAML error";
    if (p.context != nullptr) {
      problem = std::string(p.context) + " (line " + std::to_string(p.context_mark.line + 1) +
                "): " + problem;
    }
    throw ParseError(options_.source, p.problem_mark.line + 1, p.problem_mark.column + 1, problem);
  }

  [[noreturn]] void fail(const yaml_mark_t& mark, const std::string& problem) const {
    throw ParseError(options_.source, mark.line + 1, mark.column + 1, problem);
  }

  Value resolveScalar(const yaml_event_t& e) const {
    const auto& s = e.data.scalar;
    std::string_view text(reinterpret_cast<const char*>(s.value), s.length);
    std::string_view tag = tagOf(s.tag);
    if (tag.substr(0, kTagPrefix.size()) == kTagPrefix) {
      std::string_view t = tag.substr(kTagPrefix.size());
      if (t == "str" || t == "binary" || t == "timestamp") return Value(text);
      if (t == "null") return Value();
      Value v = resolvePlainScalar(text, options_.schema);
      bool ok = (t == "int" && v.isInt()) || (t == "float" && v.isNumber()) ||
                (t == "bool" && v.isBool());
      if (t == "float" && v.isInt()) v = Value(static_cast<double>(v.asInt()));
      if (ok || (t != "int" && t != "float" && t != "bool")) return v;
      fail(e.start_mark, "cannot decode !!" + std::string(t) + " `" + std::string(text) + "`");
    }
    if (tag == "!" || s.style != YAML_PLAIN_SCALAR_STYLE) {
      Value v(text);
      v.setQuotedStyle(s.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                       s.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE);
      return v;
    }
    return resolvePlainScalar(text, options_.schema);
  }

  void onScalar(const yaml_event_t& e) {
    const auto& s = e.data.scalar;
    if (inKeyPosition()) {
      std::string_view text(reinterpret_cast<const char*>(s.value), s.length);
      Frame& f = stack_.back();
      if (s.style == YAML_PLAIN_SCALAR_STYLE && text == "<<" && s.tag == nullptr) {
        f.mergeNext = true;
        f.expectKey = false;
        return;
      }
      setKey(f, keyString(resolveScalar(e)), e.start_mark);
      return;
    }
    Value v = resolveScalar(e);
    if (s.anchor != nullptr) remember(reinterpret_cast<const char*>(s.anchor), v);
    addNode(std::move(v), e.start_mark);
  }

  void onAlias(const yaml_event_t& e) {
    std::string name(reinterpret_cast<const char*>(e.data.alias.anchor));
    auto it = anchors_.find(name);
    if (it == anchors_.end()) fail(e.start_mark, "unknown anchor '" + name + "' referenced");
    aliasNodes_ += it->second.nodes;
    if (aliasNodes_ > kMaxAliasNodes) fail(e.start_mark, "document contains excessive aliasing");
    if (inKeyPosition()) {
      const Value& key = it->second.value;
      if (key.isArray() || key.isObject()) fail(e.start_mark, "mapping key must be a scalar");
      setKey(stack_.back(), keyString(key), e.start_mark);
      return;
    }
    addNode(Value(it->second.value), e.start_mark);
  }

  void beginContainer(const yaml_event_t& e, bool isMap, std::string_view /*tag*/,
                      const unsigned char* anchor) {
    if (inKeyPosition()) fail(e.start_mark, "mapping key must be a scalar, not a collection");
    if (stack_.size() >= 10000) fail(e.start_mark, "document nesting is too deep");
    Frame f;
    f.isMap = isMap;
    f.value = isMap ? Value::object() : Value::array();
    if (anchor != nullptr) f.anchor = reinterpret_cast<const char*>(anchor);
    f.keyLine = e.start_mark.line;
    stack_.push_back(std::move(f));
    marks_.push_back(e.start_mark);
  }

  void endContainer() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    yaml_mark_t mark = marks_.back();
    marks_.pop_back();
    if (!f.anchor.empty()) remember(f.anchor, f.value);
    addNode(std::move(f.value), mark);
  }

  bool inKeyPosition() const {
    return !stack_.empty() && stack_.back().isMap && stack_.back().expectKey;
  }

  void setKey(Frame& f, std::string key, const yaml_mark_t& mark) {
    Object& obj = f.value.asObject();
    if (obj.contains(key)) {
      bool merged = false;
      for (auto it = f.mergedKeys.begin(); it != f.mergedKeys.end(); ++it) {
        if (*it == key) {
          f.mergedKeys.erase(it);
          merged = true;
          break;
        }
      }
      if (!merged && !options_.allowDuplicateKeys) {
        fail(mark, "key \"" + key + "\" already set in map");
      }
    }
    f.key = std::move(key);
    f.keyLine = mark.line;
    f.expectKey = false;
  }

  void remember(const std::string& name, const Value& v) {
    anchors_[name] = Anchor{v, countNodes(v)};
  }

  void merge(Frame& f, const Value& source, const yaml_mark_t& mark) {
    auto mergeOne = [&](const Value& m) {
      if (!m.isObject()) fail(mark, "map merge requires map or sequence of maps as the value");
      Object& obj = f.value.asObject();
      for (const auto& member : m.asObject()) {
        if (obj.contains(member.key)) continue;
        obj.append(member.key, member.value);
        f.mergedKeys.push_back(member.key);
      }
    };
    if (source.isArray()) {
      for (const auto& m : source.asArray())
        mergeOne(m);
    } else {
      mergeOne(source);
    }
  }

  void addNode(Value v, const yaml_mark_t& mark) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return;
    }
    Frame& f = stack_.back();
    if (!f.isMap) {
      f.value.asArray().push_back(std::move(v));
      return;
    }
    if (f.mergeNext) {
      f.mergeNext = false;
      f.expectKey = true;
      merge(f, v, mark);
      return;
    }
    Object& obj = f.value.asObject();
    if (Value* existing = obj.find(f.key)) {
      *existing = std::move(v);  // overrides a merged key
    } else {
      obj.append(std::move(f.key), std::move(v));
    }
    f.key.clear();
    f.expectKey = true;
  }

  struct Anchor {
    Value value;
    std::size_t nodes = 0;
  };

  const YamlParseOptions& options_;
  std::vector<Frame> stack_;
  std::vector<yaml_mark_t> marks_;
  std::unordered_map<std::string, Anchor> anchors_;
  std::size_t aliasNodes_ = 0;
  Value root_;
};

// ---- printing (libyaml's emitter, the C original of go-yaml's) ----

int appendToString(void* data, unsigned char* buffer, size_t size) {
  static_cast<std::string*>(data)->append(reinterpret_cast<const char*>(buffer), size);
  return 1;
}

class Emitter {
 public:
  Emitter(std::string& out, const YamlPrintOptions& options)
      : sortKeys_(options.sortKeys), keepQuotedStyle_(options.keepQuotedStyle) {
    if (yaml_emitter_initialize(&emitter_) == 0) throw Error("yaml: cannot initialise emitter");
    yaml_emitter_set_output(&emitter_, appendToString, &out);
    yaml_emitter_set_unicode(&emitter_, 1);
    yaml_emitter_set_indent(&emitter_, options.indent);
    yaml_emitter_set_width(&emitter_, 80);
  }
  ~Emitter() { yaml_emitter_delete(&emitter_); }
  Emitter(const Emitter&) = delete;
  Emitter& operator=(const Emitter&) = delete;

  void document(const Value& v) {
    yaml_event_t e;
    yaml_stream_start_event_initialize(&e, YAML_UTF8_ENCODING);
    emit(e);
    yaml_document_start_event_initialize(&e, nullptr, nullptr, nullptr, 1);
    emit(e);
    node(v);
    yaml_document_end_event_initialize(&e, 1);
    emit(e);
    yaml_stream_end_event_initialize(&e);
    emit(e);
  }

 private:
  void emit(yaml_event_t& e) {
    if (yaml_emitter_emit(&emitter_, &e) == 0) {
      throw Error(std::string("yaml: ") +
                  (emitter_.problem != nullptr ? emitter_.problem : "emitter error"));
    }
  }

  void scalar(std::string_view text, yaml_scalar_style_t style) {
    yaml_event_t e;
    yaml_scalar_event_initialize(&e, nullptr, nullptr,
                                 reinterpret_cast<const yaml_char_t*>(text.data()),
                                 static_cast<int>(text.size()), 1, 1, style);
    emit(e);
  }

  void string(const std::string& s, bool quoted) {
    yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;
    if (s.find('\n') != std::string::npos) {
      style = YAML_LITERAL_SCALAR_STYLE;
    } else if ((quoted && keepQuotedStyle_) || plainScalarNeedsQuotes(s)) {
      style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    }
    scalar(s, style);
  }

  void node(const Value& v) {
    yaml_event_t e;
    switch (v.type()) {
      case Value::Type::Null:
        scalar("null", YAML_PLAIN_SCALAR_STYLE);
        break;
      case Value::Type::Bool:
        scalar(v.asBool() ? "true" : "false", YAML_PLAIN_SCALAR_STYLE);
        break;
      case Value::Type::Int:
        scalar(std::to_string(v.asInt()), YAML_PLAIN_SCALAR_STYLE);
        break;
      case Value::Type::Double:
        scalar(formatDouble(v.asDouble()), YAML_PLAIN_SCALAR_STYLE);
        break;
      case Value::Type::String:
        string(v.asString(), v.quotedStyle());
        break;
      case Value::Type::Array: {
        bool empty = v.asArray().empty();
        yaml_sequence_start_event_initialize(
            &e, nullptr, nullptr, 1, empty ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
        emit(e);
        for (const auto& item : v.asArray())
          node(item);
        yaml_sequence_end_event_initialize(&e);
        emit(e);
        break;
      }
      case Value::Type::Object: {
        bool empty = v.asObject().empty();
        yaml_mapping_start_event_initialize(
            &e, nullptr, nullptr, 1, empty ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
        emit(e);
        if (sortKeys_) {
          std::vector<const Member*> members;
          members.reserve(v.asObject().size());
          for (const auto& m : v.asObject())
            members.push_back(&m);
          std::stable_sort(members.begin(), members.end(), [](const Member* a, const Member* b) {
            return goYamlKeyLess(a->key, b->key);
          });
          for (const Member* m : members) {
            string(m->key, false);
            node(m->value);
          }
        } else {
          for (const auto& m : v.asObject()) {
            string(m.key, false);
            node(m.value);
          }
        }
        yaml_mapping_end_event_initialize(&e);
        emit(e);
        break;
      }
    }
  }

  static std::string formatDouble(double d) {
    if (std::isnan(d)) return ".nan";
    if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
    return formatGoFloat(d, 'g');
  }

  yaml_emitter_t emitter_{};
  bool sortKeys_ = false;
  bool keepQuotedStyle_ = false;
};

// Decodes one UTF-8 rune at s[i] (advancing i); invalid bytes decode as themselves.
char32_t nextRune(std::string_view s, std::size_t& i) {
  auto c = static_cast<unsigned char>(s[i++]);
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  char32_t r = extra == 3 ? (c & 0x07U) : extra == 2 ? (c & 0x0FU) : extra == 1 ? (c & 0x1FU) : c;
  for (int k = 0; k < extra && i < s.size(); ++k)
    r = (r << 6) | (static_cast<unsigned char>(s[i++]) & 0x3FU);
  return r;
}

std::u32string runes(std::string_view s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();)
    out.push_back(nextRune(s, i));
  return out;
}

bool isRuneDigit(char32_t r) {
  return r >= U'0' && r <= U'9';
}

// unicode.IsLetter for the keys Kubernetes objects use: ASCII letters, and every non-ASCII
// rune above U+00BF that is not a known symbol block (an approximation of the Unicode tables).
bool isRuneLetter(char32_t r) {
  if (r < 0x80) return (r >= U'a' && r <= U'z') || (r >= U'A' && r <= U'Z');
  if (r == 0xAA || r == 0xB5 || r == 0xBA) return true;
  if (r < 0xC0 || r == 0xD7 || r == 0xF7) return false;
  return !(r >= 0x2000 && r <= 0x2BFF) && !(r >= 0x3000 && r <= 0x303F);
}

}  // namespace

bool goYamlKeyLess(std::string_view a, std::string_view b) {
  const std::u32string ar = runes(a);
  const std::u32string br = runes(b);
  for (std::size_t i = 0; i < ar.size() && i < br.size(); ++i) {
    if (ar[i] == br[i]) continue;
    const bool al = isRuneLetter(ar[i]);
    const bool bl = isRuneLetter(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return bl;
    std::int64_t an = 0;
    std::int64_t bn = 0;
    if (ar[i] == U'0' || br[i] == U'0') {
      for (std::size_t j = i; j-- > 0 && isRuneDigit(ar[j]);) {
        if (ar[j] != U'0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    std::size_t ai = i;
    std::size_t bi = i;
    for (; ai < ar.size() && isRuneDigit(ar[ai]); ++ai)
      an = an * 10 + static_cast<std::int64_t>(ar[ai] - U'0');
    for (; bi < br.size() && isRuneDigit(br[bi]); ++bi)
      bn = bn * 10 + static_cast<std::int64_t>(br[bi] - U'0');
    if (an != bn) return an < bn;
    if (ai != bi) return ai < bi;
    return ar[i] < br[i];
  }
  return ar.size() < br.size();
}

std::vector<Value> parseYamlStream(std::string_view text, const YamlParseOptions& options) {
  StreamBuilder builder(options);
  return builder.parse(text);
}

Value parseYaml(std::string_view text, const YamlParseOptions& options) {
  auto docs = parseYamlStream(text, options);
  if (docs.empty()) return Value();
  if (docs.size() > 1) {
    throw Error(options.source + ": expected a single YAML document, found " +
                std::to_string(docs.size()));
  }
  return std::move(docs.front());
}

void appendYaml(std::string& out, const Value& value, const YamlPrintOptions& options) {
  Emitter emitter(out, options);
  emitter.document(value);
}

std::string toYaml(const Value& value, const YamlPrintOptions& options) {
  std::string out;
  appendYaml(out, value, options);
  return out;
}

std::string toYamlStream(const std::vector<Value>& documents, const YamlPrintOptions& options) {
  std::string out;
  for (std::size_t i = 0; i < documents.size(); ++i) {
    if (i > 0) out += "---\n";
    appendYaml(out, documents[i], options);
  }
  return out;
}

}  // namespace driftless::core
