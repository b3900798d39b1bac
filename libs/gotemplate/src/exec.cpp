// The executor of text/template (after Go's text/template/exec.go).

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/core/go_format.h"
#include "internal.h"

namespace driftless::gotemplate {
namespace {

constexpr int kMaxExecDepth = 100000;
// Go allows 100000 nested template calls; each costs a few KiB of C++ stack here (more with
// sanitizers), so execution stops earlier, with Go's message. Helm's include stops a name
// included more than 1000 levels deep; the cap here counts every nested execution (template,
// include, tpl) and leaves room for that.
constexpr int kMaxNativeDepth = 2500;
// Helm's recursionMaxNums.
constexpr int kMaxIncludeDepth = 1000;

enum class Flow { Normal, Break, Continue };

// The templates an execution sees: the set, or a tpl's copy of it (its own definitions over
// those of the enclosing scope, as Helm's tpl clones the template set).
struct Scope {
  const TemplateSet* set = nullptr;
  const Scope* parent = nullptr;
  std::map<std::string, NodePtr, std::less<>> own;

  [[nodiscard]] const Node* lookup(const std::string& name) const {
    if (auto it = own.find(name); it != own.end()) return it->second.get();
    return parent ? parent->lookup(name) : set->lookup(name);
  }
};

// State shared by every nested execution of one TemplateSet::execute.
struct Shared {
  std::map<std::string, int, std::less<>> included;  // Helm's includedNames
  std::vector<core::Value> retired;
  int depth = 0;
};

// A value that outlives the expression it came from (a variable, the dot of range, with or a
// template call): scalars are copied, as Go copies them, so that a later `set` of the map slot
// they came from (which overwrites a scalar in place) cannot change them. Maps and lists stay
// references into the data.
TValue bind(const TValue& t) {
  switch (t.kind) {
    case Kind::Bool:
    case Kind::Int:
    case Kind::Float64:
    case Kind::Complex:
    case Kind::String: {
      TValue copy = t;
      copy.val = std::make_shared<core::Value>(t.v());
      return copy;
    }
    default:
      return t;
  }
}

bool isEmptyTree(const Node& root) {
  for (const auto& c : root.nodes) {
    if (c->type == NodeType::Comment) continue;
    if (c->type != NodeType::Text || c->text.find_first_not_of(" \t\r\n") != std::string::npos) {
      return false;
    }
  }
  return true;
}

struct Variable {
  std::string name;
  TValue value;
};

class State final : public Runtime {
 public:
  State(const Scope& scope, Shared& shared, std::string name, const Node* root)
      : scope_(scope), shared_(shared), name_(std::move(name)), root_(root) {}

  void run(const TValue& dot, std::string& out) {
    out_ = &out;
    TValue bound = bind(dot);
    vars_.push_back({"$", bound});
    walk(bound, *root_);
  }

  std::string include(const std::string& name, const TValue& data) override {
    auto [it, inserted] = shared_.included.try_emplace(name, 0);
    if (it->second > kMaxIncludeDepth) {
      callFail("rendering template has a nested reference name: " + name +
               ": unable to execute template");
    }
    ++it->second;
    struct Release {
      int& count;
      ~Release() { --count; }
    } release{it->second};
    const Node* tmpl = scope_.lookup(name);
    if (!tmpl) {
      throw TemplateError("template: no template " + core::goQuote(name) +
                          " associated with template " + core::goQuote(scope_rootName()));
    }
    std::string out;
    nested(scope_, name, tmpl, data, out);
    return out;
  }

  std::string tpl(const std::string& text, const TValue& data) override {
    Scope scope;
    scope.set = scope_.set;
    scope.parent = &scope_;
    std::map<std::string, NodePtr, std::less<>> trees;
    const std::string& root = scope_rootName();
    try {
      parseInto(root, text, trees);
    } catch (const TemplateError& e) {
      callFail("cannot parse template " + core::goQuote(text) + ": " + e.what());
    }
    NodePtr main;
    for (auto& [n, tree] : trees) {
      if (n == root) main = tree;
      if (isEmptyTree(*tree) && scope.lookup(n)) continue;
      scope.own[n] = tree;
    }
    std::string out;
    if (main) {
      try {
        nested(scope, root, main.get(), data, out);
      } catch (const TemplateError& e) {
        callFail("error during tpl function execution for " + core::goQuote(text) + ": " +
                 e.what());
      }
    }
    constexpr std::string_view kNoValue = "<no value>";
    for (std::size_t at = out.find(kNoValue); at != std::string::npos; at = out.find(kNoValue, at))
      out.erase(at, kNoValue.size());
    return out;
  }

  void retire(core::Value old) override { shared_.retired.push_back(std::move(old)); }

 private:
  [[nodiscard]] const std::string& scope_rootName() const { return scope_.set->rootName(); }

  // Executes tmpl as a nested template call (its own variables, the shared depth count).
  void nested(const Scope& scope, const std::string& name, const Node* tmpl, const TValue& dot,
              std::string& out) {
    if (shared_.depth >= kMaxExecDepth || shared_.depth >= kMaxNativeDepth) {
      errorf("exceeded maximum template depth (" + std::to_string(kMaxExecDepth) + ")");
    }
    ++shared_.depth;
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{shared_.depth};
    State inner(scope, shared_, name, tmpl);
    inner.run(dot, out);
  }

  [[noreturn]] void errorf(const std::string& msg) {
    if (!node_) throw TemplateError("template: " + name_ + ": " + msg);
    const Node& n = *node_;
    std::string_view text = n.source ? std::string_view(*n.source) : std::string_view();
    std::size_t pos = std::min(n.pos, text.size());
    std::string_view before = text.substr(0, pos);
    std::size_t nl = before.rfind('\n');
    std::size_t col = nl == std::string_view::npos ? pos : pos - (nl + 1);
    auto line = 1 + std::count(before.begin(), before.end(), '\n');
    std::string context = nodeString(n);
    if (context.size() > 20) context = context.substr(0, 20) + "...";
    throw TemplateError("template: " + n.parseName + ":" + std::to_string(line) + ":" +
                        std::to_string(col) + ": executing " + core::goQuote(name_) + " at <" +
                        context + ">: " + msg);
  }
  void at(const Node& n) { node_ = &n; }

  Flow walk(const TValue& dot, const Node& node) {
    at(node);
    switch (node.type) {
      case NodeType::Action: {
        TValue v = evalPipeline(dot, *node.pipe);
        if (node.pipe->decls.empty()) {
          at(node);
          if (v.kind == Kind::String) {
            *out_ += v.v().asString();
          } else {
            *out_ += formatValue(v);
          }
        }
        return Flow::Normal;
      }
      case NodeType::Break:
        return Flow::Break;
      case NodeType::Continue:
        return Flow::Continue;
      case NodeType::Comment:
        return Flow::Normal;
      case NodeType::If:
      case NodeType::With: {
        std::size_t mark = vars_.size();
        TValue v = evalPipeline(dot, *node.pipe);
        Flow f = Flow::Normal;
        if (truth(v)) {
          f = walk(node.type == NodeType::With ? bind(v) : dot, *node.list);
        } else if (node.elseList) {
          f = walk(dot, *node.elseList);
        }
        vars_.resize(mark);
        return f;
      }
      case NodeType::List:
        for (const auto& n : node.nodes) {
          Flow f = walk(dot, *n);
          if (f != Flow::Normal) return f;
        }
        return Flow::Normal;
      case NodeType::Range:
        return walkRange(dot, node);
      case NodeType::Template:
        return walkTemplate(dot, node);
      case NodeType::Text:
        *out_ += node.text;
        return Flow::Normal;
      default:
        errorf("unknown node: " + nodeString(node));
    }
  }

  // Runs one iteration; true when the loop must stop.
  bool iteration(const Node& r, const TValue& index, const TValue& element) {
    TValue elem = bind(element);
    const auto& decls = r.pipe->decls;
    if (!decls.empty()) {
      if (r.pipe->isAssign) {
        setVar(decls[0]->idents[0], decls.size() > 1 ? index : elem);
      } else {
        vars_[vars_.size() - 1].value = elem;
      }
    }
    if (decls.size() > 1) {
      if (r.pipe->isAssign) {
        setVar(decls[1]->idents[0], elem);
      } else {
        vars_[vars_.size() - 2].value = index;
      }
    }
    std::size_t inner = vars_.size();
    Flow f = walk(elem, *r.list);
    vars_.resize(inner);
    return f == Flow::Break;
  }

  Flow walkRange(const TValue& dot, const Node& r) {
    at(r);
    std::size_t mark = vars_.size();
    TValue val = evalPipeline(dot, *r.pipe).unwrapped();
    bool ran = false;
    switch (val.kind) {
      case Kind::Slice: {
        // The elements, not the vector: the body may replace the list in its map (set, merge),
        // which moves the vector into retired storage but keeps its elements where they are.
        const core::Value* elems = val.v().asArray().data();
        std::size_t n = val.v().asArray().size();
        for (std::size_t i = 0; i < n; ++i) {
          ran = true;
          if (iteration(r, TValue::of(static_cast<std::int64_t>(i)),
                        TValue::element(val.val, elems + i)))
            break;
        }
        break;
      }
      case Kind::Map: {
        const auto& obj = val.v().asObject();
        std::vector<const core::Member*> members;
        for (const auto& m : obj)
          members.push_back(&m);
        std::sort(members.begin(), members.end(),
                  [](const core::Member* a, const core::Member* b) { return a->key < b->key; });
        for (const auto* m : members) {
          ran = true;
          if (iteration(r, TValue::of(m->key), TValue::element(val.val, &m->value))) break;
        }
        break;
      }
      case Kind::Int: {
        std::int64_t n = val.v().asInt();
        for (std::int64_t i = 0; i < n; ++i) {
          ran = true;
          if (iteration(r, TValue::of(i), TValue::of(i))) break;
        }
        break;
      }
      case Kind::Nil:
        break;
      default:
        at(r);
        errorf("range can't iterate over " + formatValue(val));
    }
    if (!ran && r.elseList) walk(dot, *r.elseList);
    vars_.resize(mark);
    return Flow::Normal;
  }

  Flow walkTemplate(const TValue& dot, const Node& t) {
    at(t);
    const Node* tmpl = scope_.lookup(t.text);
    if (!tmpl) errorf("template " + core::goQuote(t.text) + " not defined");
    TValue newDot = t.pipe ? evalPipeline(dot, *t.pipe) : TValue::invalid();
    at(t);
    nested(scope_, t.text, tmpl, newDot, *out_);
    return Flow::Normal;
  }

  void setVar(const std::string& name, const TValue& v) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->name == name) {
        it->value = v;
        return;
      }
    }
    errorf("undefined variable: " + name);
  }
  TValue varValue(const std::string& name) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->name == name) return it->value;
    }
    errorf("undefined variable: " + name);
  }

  TValue evalPipeline(const TValue& dot, const Node& pipe) {
    at(pipe);
    curDot_ = &dot;
    TValue value;
    bool have = false;
    for (const auto& cmd : pipe.nodes) {
      value = evalCommand(dot, *cmd, have ? &value : nullptr);
      have = true;
      value = value.unwrapped();
    }
    for (const auto& d : pipe.decls) {
      if (pipe.isAssign) {
        setVar(d->idents[0], bind(value));
      } else {
        vars_.push_back({d->idents[0], bind(value)});
      }
    }
    return value;
  }

  void notAFunction(const std::vector<NodePtr>& args, const TValue* final) {
    if (args.size() > 1 || final) {
      errorf("can't give argument to non-function " + nodeString(*args[0]));
    }
  }

  TValue evalCommand(const TValue& dot, const Node& cmd, const TValue* final) {
    const Node& first = *cmd.nodes[0];
    switch (first.type) {
      case NodeType::Field:
        at(first);
        return evalFieldChain(dot, first, first.idents, &cmd.nodes, final);
      case NodeType::Chain:
        return evalChain(dot, first, &cmd.nodes, final);
      case NodeType::Identifier:
        return evalFunction(dot, first, cmd, final);
      case NodeType::Pipe:
        at(first);
        notAFunction(cmd.nodes, final);
        return evalPipeline(dot, first);
      case NodeType::Variable:
        return evalVariable(first, &cmd.nodes, final);
      default:
        break;
    }
    at(first);
    notAFunction(cmd.nodes, final);
    switch (first.type) {
      case NodeType::Bool:
        return TValue::of(first.boolean);
      case NodeType::Dot:
        return dot;
      case NodeType::Nil:
        errorf("nil is not a command");
      case NodeType::Number:
        return idealConstant(first);
      case NodeType::String:
        return TValue::of(first.text);
      default:
        errorf("can't evaluate command " + core::goQuote(nodeString(first)));
    }
  }

  TValue idealConstant(const Node& c) {
    at(c);
    bool looksFloat = c.text.find_first_of(".eEpP") != std::string::npos &&
                      !(c.text.size() > 1 && (c.text[1] == 'x' || c.text[1] == 'X') &&
                        c.text.find_first_of("pP") == std::string::npos) &&
                      c.text[0] != '\'';
    if (c.isComplex) {
      TValue t = TValue::of(core::Value(core::Array{c.floatValue, c.imagValue}));
      t.kind = Kind::Complex;
      return t;
    }
    if (c.isFloat && looksFloat) return TValue::of(c.floatValue);
    if (c.isInt) return TValue::of(c.intValue);
    if (c.isUint) errorf(c.text + " overflows int");
    return TValue::invalid();
  }

  TValue evalVariable(const Node& v, const std::vector<NodePtr>* args, const TValue* final) {
    at(v);
    TValue value = varValue(v.idents[0]);
    if (v.idents.size() == 1) {
      if (args) notAFunction(*args, final);
      return value;
    }
    std::vector<std::string> rest(v.idents.begin() + 1, v.idents.end());
    return evalFieldChain(value, v, rest, args, final);
  }

  TValue evalChain(const TValue& dot, const Node& chain, const std::vector<NodePtr>* args,
                   const TValue* final) {
    at(chain);
    if (chain.operand->type == NodeType::Nil) {
      errorf("indirection through explicit nil in " + nodeString(chain));
    }
    TValue pipe = evalArg(dot, 0, *chain.operand);
    return evalFieldChain(pipe, chain, chain.idents, args, final);
  }

  TValue evalFieldChain(TValue receiver, const Node& node, const std::vector<std::string>& idents,
                        const std::vector<NodePtr>* args, const TValue* final) {
    for (std::size_t i = 0; i + 1 < idents.size(); ++i) {
      receiver = evalField(idents[i], node, nullptr, nullptr, receiver);
    }
    return evalField(idents.back(), node, args, final, receiver);
  }

  TValue evalField(const std::string& field, const Node& node, const std::vector<NodePtr>* args,
                   const TValue* final, const TValue& receiver) {
    if (!receiver.valid()) return TValue::invalid();
    if (receiver.kind == Kind::Nil) {
      at(node);
      errorf("nil pointer evaluating " + staticTypeName(receiver) + "." + field);
    }
    bool hasArgs = (args && args->size() > 1) || final;
    if (receiver.kind == Kind::Map) {
      at(node);
      if (hasArgs) errorf(field + " is not a method but has arguments");
      const core::Value* e = receiver.v().find(field);
      if (!e) {
        if (receiver.type == GoType::StringMap) return TValue::of(std::string());
        return TValue::nilInterface();
      }
      return TValue::element(receiver.val, e);
    }
    if (receiver.kind == Kind::Struct) {
      at(node);
      if (receiver.type == GoType::Cert && (field == "Cert" || field == "Key")) {
        if (hasArgs) errorf(field + " is not a method but has arguments");
        return TValue::of(receiver.v()[field]);
      }
      if (receiver.type == GoType::Semver) {
        std::vector<TValue> argv;
        if (args) {
          for (std::size_t i = 1; i < args->size(); ++i)
            argv.push_back(evalArg(curDot_ ? *curDot_ : TValue::invalid(), 'A', *(*args)[i]));
        }
        if (final) argv.push_back(validateType(*final, 'A'));
        at(node);
        try {
          return semverMember(receiver, field, argv, hasArgs);
        } catch (const CallError& e) {
          errorf(e.message);
        }
      }
    }
    at(node);
    errorf("can't evaluate field " + field + " in type " + staticTypeName(receiver));
  }

  static std::string_view paramTypeName(char kind) {
    switch (kind) {
      case 'S':
        return "string";
      case 'I':
        return "int";
      case 'L':
        return "int64";
      case 'U':
        return "uint32";
      case 'F':
        return "float64";
      case 'B':
        return "bool";
      case 'M':
        return "map[string]interface {}";
      case 'V':
        return "[]interface {}";
      case 'R':
        return "reflect.Value";
      case 'C':
        return "sprig.certificate";
      default:
        return "interface {}";
    }
  }

  static bool assignable(const TValue& v, char kind) {
    switch (kind) {
      case 'S':
        return v.kind == Kind::String;
      case 'I':
        return v.kind == Kind::Int && v.type == GoType::Plain;
      case 'L':
        return v.kind == Kind::Int && v.type == GoType::Int64;
      case 'F':
        return v.kind == Kind::Float64;
      case 'B':
        return v.kind == Kind::Bool;
      case 'M':
        return v.kind == Kind::Map && v.type == GoType::Plain;
      case 'V':
        return v.kind == Kind::Slice && v.type == GoType::Plain;
      case 'C':
        return v.kind == Kind::Struct && v.type == GoType::Cert;
      default:
        return false;
    }
  }

  TValue evalFunction(const TValue& dot, const Node& id, const Node& cmd, const TValue* final) {
    at(id);
    const FuncDef* fn = id.func ? id.func : findFunction(id.text);
    if (!fn) errorf(core::goQuote(id.text) + " is not a defined function");
    const auto& all = cmd.nodes;
    std::size_t nargs = all.size() - 1;
    std::size_t numIn = nargs + (final ? 1 : 0);
    std::size_t numFixed = fn->params.size();
    if (fn->variadic) {
      if (numIn < numFixed) {
        errorf("wrong number of args for " + id.text + ": want at least " +
               std::to_string(numFixed) + " got " + std::to_string(nargs));
      }
    } else if (numIn != numFixed) {
      errorf("wrong number of args for " + id.text + ": want " + std::to_string(numFixed) +
             " got " + std::to_string(numIn));
    }
    auto paramKind = [&](std::size_t i) { return i < numFixed ? fn->params[i] : fn->variadic; };
    if (!fn->fn) {  // and, or: evaluated lazily
      bool isOr = id.text == "or";
      TValue v;
      for (std::size_t i = 1; i < all.size(); ++i) {
        v = evalArg(dot, 'R', *all[i]);
        if (truth(v) == isOr) return v.unwrapped();
      }
      if (final) v = final->unwrapped();
      return v;
    }
    std::vector<TValue> argv;
    argv.reserve(numIn);
    for (std::size_t i = 1; i < all.size(); ++i)
      argv.push_back(evalArg(dot, paramKind(i - 1), *all[i]));
    if (final) argv.push_back(validateType(*final, paramKind(nargs)));
    at(cmd);
    try {
      return fn->fn(argv, *this);
    } catch (const CallError& e) {
      at(cmd);
      errorf("error calling " + id.text + ": " + e.message);
    } catch (const TemplateError& e) {  // from include and tpl
      at(cmd);
      errorf("error calling " + id.text + ": " + e.what());
    } catch (const core::Error& e) {  // a value the core printers reject (NaN in JSON, ...)
      at(cmd);
      errorf("error calling " + id.text + ": " + e.what());
    }
  }

  TValue validateType(const TValue& v, char kind) {
    if (kind == 'R' || kind == 0) return v;
    if (!v.valid()) {
      if (kind == 'A') return TValue::nilInterface();
      if (kind == 'M') return TValue::of(core::Value::object());
      if (kind == 'V') return TValue::of(core::Value::array());
      errorf("invalid value; expected " + std::string(paramTypeName(kind)));
    }
    if (kind == 'A') return v;
    if (assignable(v, kind)) return v.unwrapped();
    std::string got = staticTypeName(v);
    if (v.iface && v.kind != Kind::Nil) {
      TValue e = v.unwrapped();
      if (assignable(e, kind)) return e;
      got = typeName(e);
    }
    errorf("wrong type for value; expected " + std::string(paramTypeName(kind)) + "; got " + got);
  }

  // kind: a parameter kind of FuncDef, 0 for a chain operand.
  TValue evalArg(const TValue& dot, char kind, const Node& n) {
    at(n);
    switch (n.type) {
      case NodeType::Dot:
        return validateType(dot, kind);
      case NodeType::Nil:
        if (kind == 0) errorf("nil is not a command");
        if (kind == 'A' || kind == 'R' || kind == 'M' || kind == 'V') {
          return validateType(TValue::invalid(), kind);
        }
        errorf("cannot assign nil to " + std::string(paramTypeName(kind)));
      case NodeType::Field:
        return validateType(evalFieldChain(dot, n, n.idents, nullptr, nullptr), kind);
      case NodeType::Variable:
        return validateType(evalVariable(n, nullptr, nullptr), kind);
      case NodeType::Pipe:
        return validateType(evalPipeline(dot, n), kind);
      case NodeType::Identifier: {
        Node cmd = n;
        cmd.type = NodeType::Command;
        cmd.nodes = {std::make_shared<Node>(n)};
        return validateType(evalFunction(dot, n, cmd, nullptr), kind);
      }
      case NodeType::Chain:
        return validateType(evalChain(dot, n, nullptr, nullptr), kind);
      default:
        break;
    }
    switch (kind) {
      case 'S':
        if (n.type != NodeType::String) errorf("expected string; found " + nodeString(n));
        return TValue::of(n.text);
      case 'B':
        if (n.type != NodeType::Bool) errorf("expected bool; found " + nodeString(n));
        return TValue::of(n.boolean);
      case 'I':
      case 'L':
        if (n.type != NodeType::Number || !n.isInt) {
          errorf("expected integer; found " + nodeString(n));
        }
        return kind == 'I' ? TValue::of(n.intValue)
                           : TValue::typed(core::Value(n.intValue), GoType::Int64);
      case 'U':
        if (n.type != NodeType::Number || !n.isUint || n.intValue < 0) {
          errorf("expected unsigned integer; found " + nodeString(n));
        }
        if (n.intValue > 0xFFFFFFFFLL) errorf("overflow: " + nodeString(n));
        return TValue::of(n.intValue);
      case 'F':
        if (n.type != NodeType::Number || !n.isFloat) {
          errorf("expected float; found " + nodeString(n));
        }
        return TValue::of(n.floatValue);
      case 'M':
      case 'V':
      case 'C':
        errorf("can't handle " + nodeString(n) + " for arg of type " +
               std::string(paramTypeName(kind)));
      default:
        break;
    }
    switch (n.type) {
      case NodeType::Bool:
        return TValue::of(n.boolean);
      case NodeType::Number:
        return idealConstant(n);
      case NodeType::String:
        return TValue::of(n.text);
      default:
        errorf("can't handle " + nodeString(n) + " for arg");
    }
  }

  const Scope& scope_;
  Shared& shared_;
  std::string name_;
  const Node* root_;
  std::string* out_ = nullptr;
  std::vector<Variable> vars_;
  const Node* node_ = nullptr;
  // Dot of the pipeline being evaluated (for method arguments); it outlives the evaluation.
  const TValue* curDot_ = nullptr;
};

}  // namespace

bool isBuiltinFunction(std::string_view name) {
  return findFunction(name) != nullptr;
}

TemplateSet::TemplateSet(std::string rootName) : rootName_(std::move(rootName)) {}
TemplateSet::~TemplateSet() = default;

void TemplateSet::parse(const std::string& name, std::string_view text) {
  std::map<std::string, NodePtr, std::less<>> trees;
  parseInto(name, text, trees);
  for (auto& [n, root] : trees) {
    auto it = templates_.find(n);
    if (it != templates_.end() && isEmptyTree(*root)) continue;
    templates_[n] = root;
  }
}

bool TemplateSet::has(const std::string& name) const {
  return templates_.count(name) != 0;
}

const Node* TemplateSet::lookup(const std::string& name) const {
  auto it = templates_.find(name);
  return it == templates_.end() ? nullptr : it->second.get();
}

std::string TemplateSet::execute(const std::string& name, const core::Value& data) const {
  const Node* root = lookup(name);
  if (!root) {
    throw TemplateError("template: no template " + core::goQuote(name) +
                        " associated with template " + core::goQuote(rootName_));
  }
  std::string out;
  TValue dot = data.isNull() ? TValue::invalid() : TValue::of(data);
  Scope scope;
  scope.set = this;
  Shared shared;
  State(scope, shared, name, root).run(dot, out);
  return out;
}

}  // namespace driftless::gotemplate
