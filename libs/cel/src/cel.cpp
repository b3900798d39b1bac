#include "driftless/cel/cel.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <set>
#include <utility>

#include "driftless/core/error.h"
#include "driftless/core/json.h"

namespace driftless::cel {

enum class Op {
  Literal,
  Ident,
  Select,  // a.b
  Index,   // a[b]
  Call,    // f(args) or target.f(args)
  Has,     // has(a.b)
  List,
  Map,
  Not,
  Negate,
  And,
  Or,
  Conditional,
  Binary,
};

struct Node {
  Op op = Op::Literal;
  core::Value literal;
  std::string name;  // identifier, field, function or binary operator
  bool hasTarget = false;
  std::vector<std::shared_ptr<const Node>> children;  // target first when hasTarget
};

namespace {

using NodePtr = std::shared_ptr<const Node>;

[[noreturn]] void fail(const std::string& message) {
  throw core::Error(message);
}

class Parser {
 public:
  Parser(std::string_view text, const std::vector<std::string>& variables)
      : text_(text), variables_(variables.begin(), variables.end()) {}

  NodePtr parse() {
    NodePtr e = expr();
    skipSpace();
    if (pos_ != text_.size()) syntax("unexpected '" + std::string(1, text_[pos_]) + "'");
    return e;
  }

 private:
  [[noreturn]] void syntax(const std::string& what) const {
    fail("ERROR: <input>:1:" + std::to_string(pos_ + 1) + ": Syntax error: " + what);
  }

  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
      ++pos_;
  }

  bool accept(std::string_view token) {
    skipSpace();
    if (text_.substr(pos_, token.size()) != token) return false;
    // `in` is a keyword: not the start of an identifier such as `index`.
    if (std::isalpha(static_cast<unsigned char>(token.back())) &&
        pos_ + token.size() < text_.size() &&
        (std::isalnum(static_cast<unsigned char>(text_[pos_ + token.size()])) ||
         text_[pos_ + token.size()] == '_'))
      return false;
    pos_ += token.size();
    return true;
  }

  void expect(std::string_view token) {
    if (!accept(token)) syntax("expected '" + std::string(token) + "'");
  }

  static NodePtr make(Op op, std::string name, std::vector<NodePtr> children,
                      bool hasTarget = false) {
    auto n = std::make_shared<Node>();
    n->op = op;
    n->name = std::move(name);
    n->children = std::move(children);
    n->hasTarget = hasTarget;
    return n;
  }

  NodePtr expr() {
    NodePtr c = orExpr();
    if (accept("?")) {
      NodePtr a = expr();
      expect(":");
      NodePtr b = expr();
      return make(Op::Conditional, "", {c, a, b});
    }
    return c;
  }

  NodePtr orExpr() {
    NodePtr l = andExpr();
    while (accept("||"))
      l = make(Op::Or, "", {l, andExpr()});
    return l;
  }

  NodePtr andExpr() {
    NodePtr l = relation();
    while (accept("&&"))
      l = make(Op::And, "", {l, relation()});
    return l;
  }

  NodePtr relation() {
    NodePtr l = addition();
    for (;;) {
      std::string op;
      for (std::string_view candidate : {"==", "!=", "<=", ">=", "<", ">", "in"}) {
        if (accept(candidate)) {
          op = candidate;
          break;
        }
      }
      if (op.empty()) return l;
      l = make(Op::Binary, op, {l, addition()});
    }
  }

  NodePtr addition() {
    NodePtr l = multiplication();
    for (;;) {
      if (accept("+")) {
        l = make(Op::Binary, "+", {l, multiplication()});
      } else if (accept("-")) {
        l = make(Op::Binary, "-", {l, multiplication()});
      } else {
        return l;
      }
    }
  }

  NodePtr multiplication() {
    NodePtr l = unary();
    for (;;) {
      std::string op;
      for (std::string_view candidate : {"*", "/", "%"}) {
        if (accept(candidate)) {
          op = candidate;
          break;
        }
      }
      if (op.empty()) return l;
      l = make(Op::Binary, op, {l, unary()});
    }
  }

  NodePtr unary() {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == '!' && text_.substr(pos_, 2) != "!=") {
      ++pos_;
      return make(Op::Not, "", {unary()});
    }
    if (pos_ < text_.size() && text_[pos_] == '-' && pos_ + 1 < text_.size() &&
        !std::isdigit(static_cast<unsigned char>(text_[pos_ + 1]))) {
      ++pos_;
      return make(Op::Negate, "", {unary()});
    }
    return member();
  }

  std::vector<NodePtr> arguments(char close) {
    std::vector<NodePtr> args;
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == close) {
      ++pos_;
      return args;
    }
    for (;;) {
      args.push_back(expr());
      if (accept(",")) continue;
      expect(std::string(1, close));
      return args;
    }
  }

  std::string identifier() {
    skipSpace();
    const std::size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
      ++pos_;
    if (start == pos_ || std::isdigit(static_cast<unsigned char>(text_[start])))
      syntax("expected an identifier");
    return std::string(text_.substr(start, pos_ - start));
  }

  NodePtr member() {
    NodePtr e = primary();
    for (;;) {
      if (accept(".")) {
        std::string field = identifier();
        if (accept("(")) {
          std::vector<NodePtr> args{e};
          for (auto& a : arguments(')'))
            args.push_back(std::move(a));
          e = make(Op::Call, field, std::move(args), true);
        } else {
          e = make(Op::Select, field, {e});
        }
      } else if (accept("[")) {
        NodePtr index = expr();
        expect("]");
        e = make(Op::Index, "", {e, index});
      } else {
        return e;
      }
    }
  }

  NodePtr literal(core::Value v) {
    auto n = std::make_shared<Node>();
    n->literal = std::move(v);
    return n;
  }

  std::string stringLiteral() {
    const char quote = text_[pos_];
    const bool triple = text_.substr(pos_, 3) == std::string(3, quote);
    pos_ += triple ? 3 : 1;
    std::string out;
    for (;;) {
      if (pos_ >= text_.size()) syntax("unterminated string");
      if (triple ? text_.substr(pos_, 3) == std::string(3, quote) : text_[pos_] == quote) {
        pos_ += triple ? 3 : 1;
        return out;
      }
      char c = text_[pos_++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) syntax("unterminated string");
      char e = text_[pos_++];
      switch (e) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '\'':
          out.push_back('\'');
          break;
        case '"':
          out.push_back('"');
          break;
        case '`':
          out.push_back('`');
          break;
        case '?':
          out.push_back('?');
          break;
        default:
          syntax(std::string("invalid escape \\") + e);
      }
    }
  }

  NodePtr primary() {
    skipSpace();
    if (pos_ >= text_.size()) syntax("unexpected end of expression");
    const char c = text_[pos_];
    if (c == '(') {
      ++pos_;
      NodePtr e = expr();
      expect(")");
      return e;
    }
    if (c == '[') {
      ++pos_;
      return make(Op::List, "", arguments(']'));
    }
    if (c == '{') {
      ++pos_;
      std::vector<NodePtr> entries;
      if (!accept("}")) {
        for (;;) {
          entries.push_back(expr());
          expect(":");
          entries.push_back(expr());
          if (accept(",")) continue;
          expect("}");
          break;
        }
      }
      return make(Op::Map, "", std::move(entries));
    }
    if (c == '\'' || c == '"') return literal(stringLiteral());
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      const std::size_t start = pos_;
      if (c == '-') ++pos_;
      bool isDouble = false;
      while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) ||
                                     text_[pos_] == '.' || text_[pos_] == 'e')) {
        if (text_[pos_] == '.' || text_[pos_] == 'e') isDouble = true;
        ++pos_;
      }
      const std::string number(text_.substr(start, pos_ - start));
      try {
        if (isDouble) return literal(std::stod(number));
        return literal(static_cast<long long>(std::stoll(number)));
      } catch (const std::exception&) {
        syntax("invalid number " + number);
      }
    }
    std::string name = identifier();
    if (name == "true") return literal(true);
    if (name == "false") return literal(false);
    if (name == "null") return literal(nullptr);
    if (accept("(")) {
      std::vector<NodePtr> args = arguments(')');
      if (name == "has") {
        if (args.size() != 1 || args[0]->op != Op::Select)
          fail("ERROR: <input>: invalid argument to has() macro");
        return make(Op::Has, "", {args[0]});
      }
      return make(Op::Call, name, std::move(args));
    }
    if (!variables_.contains(name))
      fail("ERROR: <input>: undeclared reference to '" + name + "' (in container '')");
    auto n = make(Op::Ident, name, {});
    return n;
  }

  std::string_view text_;
  std::set<std::string, std::less<>> variables_;
  std::size_t pos_ = 0;
};

const char* typeOf(const core::Value& v) {
  switch (v.type()) {
    case core::Value::Type::Null:
      return "null_type";
    case core::Value::Type::Bool:
      return "bool";
    case core::Value::Type::Int:
      return "int";
    case core::Value::Type::Double:
      return "double";
    case core::Value::Type::String:
      return "string";
    case core::Value::Type::Array:
      return "list";
    case core::Value::Type::Object:
      return "map";
  }
  return "unknown";
}

[[noreturn]] void noOverload(const std::string& fn, const std::vector<core::Value>& args) {
  std::string types;
  for (const auto& a : args)
    types += (types.empty() ? "" : ", ") + std::string(typeOf(a));
  fail("no such overload: " + fn + "(" + types + ")");
}

bool truthy(const core::Value& v, const char* where) {
  if (!v.isBool()) fail(std::string("no such overload: ") + where + " on " + typeOf(v));
  return v.asBool();
}

int compare(const core::Value& a, const core::Value& b, const std::string& op) {
  if (a.isNumber() && b.isNumber()) {
    if (a.isInt() && b.isInt()) return a.asInt() < b.asInt() ? -1 : a.asInt() > b.asInt() ? 1 : 0;
    const double x = a.asDouble();
    const double y = b.asDouble();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.isString() && b.isString()) return a.asString().compare(b.asString());
  if (a.isBool() && b.isBool()) return static_cast<int>(a.asBool()) - static_cast<int>(b.asBool());
  noOverload("_" + op + "_", {a, b});
}

core::Value evaluate(const Node& n, const std::map<std::string, core::Value>& vars);

core::Value select(const core::Value& target, const std::string& field) {
  if (!target.isObject()) fail("no such key: " + field);
  const core::Value* v = target.find(field);
  if (v == nullptr) fail("no such key: " + field);
  return *v;
}

core::Value callFunction(const Node& n, const std::vector<core::Value>& a) {
  const std::string& f = n.name;
  auto str = [&](std::size_t i) -> const std::string& {
    if (i >= a.size() || !a[i].isString()) noOverload(f, a);
    return a[i].asString();
  };
  if (f == "size" && a.size() == 1) {
    if (a[0].isString()) {
      // Code points, as CEL counts them.
      long long count = 0;
      for (unsigned char c : a[0].asString())
        count += (c & 0xC0U) != 0x80U ? 1 : 0;
      return count;
    }
    if (a[0].isArray() || a[0].isObject()) return static_cast<long long>(a[0].size());
    noOverload(f, a);
  }
  if (f == "string" && a.size() == 1) {
    if (a[0].isString()) return a[0];
    if (a[0].isInt()) return std::to_string(a[0].asInt());
    if (a[0].isDouble()) return core::formatJsonNumber(a[0].asDouble());
    if (a[0].isBool()) return a[0].asBool() ? "true" : "false";
    noOverload(f, a);
  }
  if (f == "int" && a.size() == 1) {
    if (a[0].isInt()) return a[0];
    if (a[0].isDouble()) return static_cast<long long>(std::trunc(a[0].asDouble()));
    if (a[0].isString()) {
      try {
        std::size_t used = 0;
        long long v = std::stoll(a[0].asString(), &used);
        if (used == a[0].asString().size()) return v;
      } catch (const std::exception&) {
      }
      fail("cannot convert '" + a[0].asString() + "' to int");
    }
    noOverload(f, a);
  }
  if (!n.hasTarget) fail("undeclared reference to '" + f + "' (in container '')");
  if (f == "contains" && a.size() == 2) return str(0).find(str(1)) != std::string::npos;
  if (f == "startsWith" && a.size() == 2) return str(0).starts_with(str(1));
  if (f == "endsWith" && a.size() == 2) return str(0).ends_with(str(1));
  if ((f == "lowerAscii" || f == "upperAscii") && a.size() == 1) {
    std::string s = str(0);
    for (char& c : s) {
      c = static_cast<char>(f == "lowerAscii" ? std::tolower(static_cast<unsigned char>(c))
                                              : std::toupper(static_cast<unsigned char>(c)));
    }
    return s;
  }
  if (f == "trim" && a.size() == 1) {
    const std::string& s = str(0);
    const std::size_t b = s.find_first_not_of(" \t\n\r\f\v");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\n\r\f\v") - b + 1);
  }
  if (f == "split" && a.size() == 2) {
    const std::string& s = str(0);
    const std::string& sep = str(1);
    core::Array out;
    if (sep.empty()) {
      for (char c : s)
        out.emplace_back(std::string(1, c));
      return out;
    }
    std::size_t start = 0;
    for (;;) {
      const std::size_t at = s.find(sep, start);
      out.emplace_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
      if (at == std::string::npos) return out;
      start = at + sep.size();
    }
  }
  if (f == "join" && (a.size() == 1 || a.size() == 2) && a[0].isArray()) {
    const std::string sep = a.size() == 2 ? str(1) : "";
    std::string out;
    bool first = true;
    for (const auto& e : a[0].asArray()) {
      if (!e.isString()) noOverload(f, a);
      out += (first ? "" : sep) + e.asString();
      first = false;
    }
    return out;
  }
  noOverload(f, a);
}

core::Value binary(const std::string& op, const core::Value& l, const core::Value& r) {
  if (op == "==") return l == r;
  if (op == "!=") return !(l == r);
  if (op == "<") return compare(l, r, op) < 0;
  if (op == "<=") return compare(l, r, op) <= 0;
  if (op == ">") return compare(l, r, op) > 0;
  if (op == ">=") return compare(l, r, op) >= 0;
  if (op == "in") {
    if (r.isArray())
      return std::find(r.asArray().begin(), r.asArray().end(), l) != r.asArray().end();
    if (r.isObject() && l.isString()) return r.find(l.asString()) != nullptr;
    noOverload("@in", {l, r});
  }
  if (op == "+") {
    if (l.isString() && r.isString()) return l.asString() + r.asString();
    if (l.isArray() && r.isArray()) {
      core::Array out = l.asArray();
      out.insert(out.end(), r.asArray().begin(), r.asArray().end());
      return out;
    }
  }
  if (l.isInt() && r.isInt()) {
    const std::int64_t x = l.asInt();
    const std::int64_t y = r.asInt();
    std::int64_t out = 0;
    if (op == "+" && !__builtin_add_overflow(x, y, &out)) return static_cast<long long>(out);
    if (op == "-" && !__builtin_sub_overflow(x, y, &out)) return static_cast<long long>(out);
    if (op == "*" && !__builtin_mul_overflow(x, y, &out)) return static_cast<long long>(out);
    if (op == "/" || op == "%") {
      if (y == 0) fail(op == "/" ? "division by zero" : "modulus by zero");
      return static_cast<long long>(op == "/" ? x / y : x % y);
    }
    fail("return error for overflow");
  }
  if (l.isDouble() && r.isDouble()) {
    const double x = l.asDouble();
    const double y = r.asDouble();
    if (op == "+") return x + y;
    if (op == "-") return x - y;
    if (op == "*") return x * y;
    if (op == "/") return x / y;
  }
  const std::string name = op == "+"   ? "_+_"
                           : op == "-" ? "_-_"
                           : op == "*" ? "_*_"
                           : op == "/" ? "_/_"
                                       : "_%_";
  noOverload(name, {l, r});
}

core::Value evaluate(const Node& n, const std::map<std::string, core::Value>& vars) {
  switch (n.op) {
    case Op::Literal:
      return n.literal;
    case Op::Ident: {
      auto it = vars.find(n.name);
      if (it == vars.end()) fail("no such attribute: " + n.name);
      return it->second;
    }
    case Op::Select:
      return select(evaluate(*n.children[0], vars), n.name);
    case Op::Has: {
      const Node& sel = *n.children[0];
      core::Value target = evaluate(*sel.children[0], vars);
      if (!target.isObject()) fail("no such overload: has() on " + std::string(typeOf(target)));
      return target.find(sel.name) != nullptr;
    }
    case Op::Index: {
      core::Value target = evaluate(*n.children[0], vars);
      core::Value index = evaluate(*n.children[1], vars);
      if (target.isArray() && index.isInt()) {
        const std::int64_t i = index.asInt();
        if (i < 0 || static_cast<std::size_t>(i) >= target.size())
          fail("index out of bounds: " + std::to_string(i));
        return target[static_cast<std::size_t>(i)];
      }
      if (target.isObject() && index.isString()) return select(target, index.asString());
      noOverload("_[_]", {target, index});
    }
    case Op::Call: {
      std::vector<core::Value> args;
      args.reserve(n.children.size());
      for (const auto& c : n.children)
        args.push_back(evaluate(*c, vars));
      return callFunction(n, args);
    }
    case Op::List: {
      core::Array out;
      for (const auto& c : n.children)
        out.push_back(evaluate(*c, vars));
      return out;
    }
    case Op::Map: {
      core::Object out;
      for (std::size_t i = 0; i + 1 < n.children.size(); i += 2) {
        core::Value k = evaluate(*n.children[i], vars);
        if (!k.isString()) fail("unsupported key type: " + std::string(typeOf(k)));
        out.set(k.asString(), evaluate(*n.children[i + 1], vars));
      }
      return out;
    }
    case Op::Not:
      return !truthy(evaluate(*n.children[0], vars), "!_");
    case Op::Negate: {
      core::Value v = evaluate(*n.children[0], vars);
      if (v.isInt()) return static_cast<long long>(-v.asInt());
      if (v.isDouble()) return -v.asDouble();
      noOverload("-_", {v});
    }
    case Op::And: {
      // CEL's commutative logic: false wins over an error on either side.
      bool leftError = false;
      try {
        if (!truthy(evaluate(*n.children[0], vars), "_&&_")) return false;
      } catch (const core::Error&) {
        leftError = true;
      }
      if (!truthy(evaluate(*n.children[1], vars), "_&&_")) return false;
      if (leftError) return truthy(evaluate(*n.children[0], vars), "_&&_");
      return true;
    }
    case Op::Or: {
      bool leftError = false;
      try {
        if (truthy(evaluate(*n.children[0], vars), "_||_")) return true;
      } catch (const core::Error&) {
        leftError = true;
      }
      if (truthy(evaluate(*n.children[1], vars), "_||_")) return true;
      if (leftError) return truthy(evaluate(*n.children[0], vars), "_||_");
      return false;
    }
    case Op::Conditional:
      return truthy(evaluate(*n.children[0], vars), "_?_:_") ? evaluate(*n.children[1], vars)
                                                             : evaluate(*n.children[2], vars);
    case Op::Binary:
      return binary(n.name, evaluate(*n.children[0], vars), evaluate(*n.children[1], vars));
  }
  fail("invalid expression");
}

}  // namespace

Program Program::compile(std::string_view expression, const std::vector<std::string>& variables) {
  Program p;
  p.source_ = std::string(expression);
  p.root_ = Parser(p.source_, variables).parse();
  return p;
}

core::Value Program::evaluate(const std::map<std::string, core::Value>& variables) const {
  return cel::evaluate(*root_, variables);
}

}  // namespace driftless::cel
