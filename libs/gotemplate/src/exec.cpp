// The executor of text/template (after Go's text/template/exec.go).

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "driftless/core/go_format.h"
#include "internal.h"

namespace driftless::gotemplate {
namespace {

constexpr int kMaxExecDepth = 100000;
// Go allows 100000 nested template calls; each costs ~2 KiB of C++ stack here (more with
// sanitizers), so execution stops earlier, with Go's message.
constexpr int kMaxNativeDepth = 1000;

enum class Flow { Normal, Break, Continue };

// Builtin signatures: parameter kinds R (reflect.Value), A (interface {}), S (string).
struct Signature {
  std::string_view name;
  std::string_view fixed;  // one letter per fixed parameter
  char variadic;           // 0 when not variadic
};

constexpr Signature kBuiltins[] = {{"and", "R", 'R'},  {"or", "R", 'R'},     {"not", "R", 0},
                                   {"len", "R", 0},    {"index", "R", 'R'},  {"slice", "A", 'A'},
                                   {"print", "", 'A'}, {"printf", "S", 'A'}, {"println", "", 'A'},
                                   {"html", "", 'A'},  {"js", "", 'A'},      {"urlquery", "", 'A'},
                                   {"eq", "R", 'R'},   {"ne", "RR", 0},      {"lt", "RR", 0},
                                   {"le", "RR", 0},    {"gt", "RR", 0},      {"ge", "RR", 0}};

const Signature* findBuiltin(std::string_view name) {
  for (const auto& s : kBuiltins) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

struct Variable {
  std::string name;
  TValue value;
};

class State {
 public:
  State(const TemplateSet& set, std::string name, const Node* root)
      : set_(set), name_(std::move(name)), root_(root) {}

  void run(const TValue& dot, std::string& out) {
    out_ = &out;
    vars_.push_back({"$", dot});
    walk(dot, *root_);
  }

 private:
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
          *out_ += formatValue(v);
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
          f = walk(node.type == NodeType::With ? v : dot, *node.list);
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
  bool iteration(const Node& r, const TValue& index, const TValue& elem) {
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
        const auto& arr = val.v().asArray();
        for (std::size_t i = 0; i < arr.size(); ++i) {
          ran = true;
          if (iteration(r, TValue::of(static_cast<std::int64_t>(i)),
                        TValue::element(val.val, &arr[i])))
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
    const Node* tmpl = set_.lookup(t.text);
    if (!tmpl) errorf("template " + core::goQuote(t.text) + " not defined");
    if (depth_ >= kMaxExecDepth || depth_ >= kMaxNativeDepth) {
      errorf("exceeded maximum template depth (" + std::to_string(kMaxExecDepth) + ")");
    }
    TValue newDot = t.pipe ? evalPipeline(dot, *t.pipe) : TValue::invalid();
    State inner(set_, t.text, tmpl);
    inner.depth_ = depth_ + 1;
    inner.out_ = out_;
    inner.vars_.push_back({"$", newDot});
    inner.walk(newDot, *tmpl);
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
    TValue value;
    bool have = false;
    for (const auto& cmd : pipe.nodes) {
      value = evalCommand(dot, *cmd, have ? &value : nullptr);
      have = true;
      value = value.unwrapped();
    }
    for (const auto& d : pipe.decls) {
      if (pipe.isAssign) {
        setVar(d->idents[0], value);
      } else {
        vars_.push_back({d->idents[0], value});
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
    std::string typ = staticTypeName(receiver);
    if (receiver.kind == Kind::Nil) {
      at(node);
      errorf("nil pointer evaluating " + typ + "." + field);
    }
    bool hasArgs = (args && args->size() > 1) || final;
    if (receiver.kind == Kind::Map) {
      at(node);
      if (hasArgs) errorf(field + " is not a method but has arguments");
      const core::Value* e = receiver.v().find(field);
      if (!e) {
        TValue nilIface;
        nilIface.iface = true;
        return nilIface;
      }
      return TValue::element(receiver.val, e);
    }
    at(node);
    errorf("can't evaluate field " + field + " in type " + typ);
  }

  TValue evalFunction(const TValue& dot, const Node& id, const Node& cmd, const TValue* final) {
    at(id);
    const Signature* sig = findBuiltin(id.text);
    if (!sig) errorf(core::goQuote(id.text) + " is not a defined function");
    const auto& all = cmd.nodes;
    std::size_t nargs = all.size() - 1;
    std::size_t numIn = nargs + (final ? 1 : 0);
    std::size_t numFixed = sig->fixed.size();
    if (sig->variadic) {
      if (numIn < numFixed) {
        errorf("wrong number of args for " + id.text + ": want at least " +
               std::to_string(numFixed) + " got " + std::to_string(nargs));
      }
    } else if (numIn != numFixed) {
      errorf("wrong number of args for " + id.text + ": want " + std::to_string(numFixed) +
             " got " + std::to_string(numIn));
    }
    auto paramKind = [&](std::size_t i) { return i < numFixed ? sig->fixed[i] : sig->variadic; };
    if (id.text == "and" || id.text == "or") {
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
    for (std::size_t i = 1; i < all.size(); ++i)
      argv.push_back(evalArg(dot, paramKind(i - 1), *all[i]));
    if (final) argv.push_back(validateType(*final, paramKind(nargs)));
    at(cmd);
    try {
      return callBuiltin(id.text, argv);
    } catch (const CallError& e) {
      at(cmd);
      errorf("error calling " + id.text + ": " + e.message);
    }
  }

  TValue validateType(const TValue& v, char kind) {
    if (kind == 'S') {
      if (!v.valid()) errorf("invalid value; expected string");
      if (v.kind != Kind::String) {
        errorf("wrong type for value; expected string; got " +
               (v.iface && v.kind == Kind::Nil ? std::string("interface {}") : typeName(v)));
      }
      return v.unwrapped();
    }
    if (kind == 'A' && !v.valid()) {
      TValue nilIface;
      nilIface.iface = true;
      return nilIface;
    }
    return v;
  }

  // kind: 'R', 'A', 'S' as in Signature, 0 for a chain operand.
  TValue evalArg(const TValue& dot, char kind, const Node& n) {
    at(n);
    switch (n.type) {
      case NodeType::Dot:
        return validateType(dot, kind);
      case NodeType::Nil:
        if (kind == 'S') errorf("cannot assign nil to string");
        if (kind == 0) errorf("nil is not a command");
        return validateType(TValue::invalid(), kind);
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
    if (kind == 'S') {
      if (n.type != NodeType::String) errorf("expected string; found " + nodeString(n));
      return TValue::of(n.text);
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

  const TemplateSet& set_;
  std::string name_;
  const Node* root_;
  std::string* out_ = nullptr;
  std::vector<Variable> vars_;
  const Node* node_ = nullptr;
  int depth_ = 0;
};

}  // namespace

bool isBuiltinFunction(std::string_view name) {
  return findBuiltin(name) != nullptr;
}

TemplateSet::TemplateSet(std::string rootName) : rootName_(std::move(rootName)) {}
TemplateSet::~TemplateSet() = default;

void TemplateSet::parse(const std::string& name, std::string_view text) {
  std::map<std::string, NodePtr, std::less<>> trees;
  parseInto(name, text, trees);
  for (auto& [n, root] : trees) {
    auto it = templates_.find(n);
    bool empty = true;
    for (const auto& c : root->nodes) {
      if (c->type == NodeType::Comment) continue;
      if (c->type != NodeType::Text || c->text.find_first_not_of(" \t\r\n") != std::string::npos) {
        empty = false;
        break;
      }
    }
    if (it != templates_.end() && empty) continue;
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
  State(*this, name, root).run(dot, out);
  return out;
}

}  // namespace driftless::gotemplate
