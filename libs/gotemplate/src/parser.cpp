// The parser of text/template (after Go's text/template/parse/parse.go and node.go).

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "driftless/core/go_format.h"
#include "internal.h"

namespace driftless::gotemplate {
namespace {

struct ParseFailure {
  std::string message;
};

int hexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one (possibly escaped) character; returns false on a syntax error. rune receives the
// value; raw is set for \x and octal escapes (a byte, not a rune).
bool unquoteChar(std::string_view s, std::size_t& i, char quote, std::uint32_t& rune, bool& raw) {
  raw = false;
  if (i >= s.size()) return false;
  char c = s[i];
  if (c == quote && (quote == '\'' || quote == '"')) return false;
  if (c != '\\') {
    std::size_t n = core::decodeUtf8Rune(s, i, rune);
    if (n == 0) {
      rune = 0xFFFD;
      n = 1;
    }
    i += n;
    return true;
  }
  if (++i >= s.size()) return false;
  c = s[i++];
  switch (c) {
    case 'a':
      rune = 7;
      return true;
    case 'b':
      rune = 8;
      return true;
    case 'f':
      rune = 12;
      return true;
    case 'n':
      rune = 10;
      return true;
    case 'r':
      rune = 13;
      return true;
    case 't':
      rune = 9;
      return true;
    case 'v':
      rune = 11;
      return true;
    case '\\':
      rune = '\\';
      return true;
    case 'x':
    case 'u':
    case 'U': {
      int n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      std::uint32_t v = 0;
      for (int k = 0; k < n; ++k) {
        if (i >= s.size() || hexVal(s[i]) < 0) return false;
        v = v * 16 + static_cast<std::uint32_t>(hexVal(s[i++]));
      }
      if (c == 'x') {
        raw = true;
      } else if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) {
        return false;
      }
      rune = v;
      return true;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      std::uint32_t v = static_cast<std::uint32_t>(c - '0');
      for (int k = 0; k < 2; ++k) {
        if (i >= s.size() || s[i] < '0' || s[i] > '7') return false;
        v = v * 8 + static_cast<std::uint32_t>(s[i++] - '0');
      }
      if (v > 255) return false;
      rune = v;
      raw = true;
      return true;
    }
    case '\'':
    case '"':
      if (c != quote) return false;
      rune = static_cast<std::uint32_t>(c);
      return true;
    default:
      return false;
  }
}

bool unquote(std::string_view q, std::string& out) {
  if (q.size() < 2) return false;
  if (q[0] == '`') {
    for (char c : q.substr(1, q.size() - 2)) {
      if (c != '\r') out += c;
    }
    return true;
  }
  std::string_view body = q.substr(1, q.size() - 2);
  std::size_t i = 0;
  while (i < body.size()) {
    std::uint32_t r = 0;
    bool raw = false;
    if (body[i] == '\n') return false;
    if (!unquoteChar(body, i, '"', r, raw)) return false;
    if (raw) {
      out += static_cast<char>(r);
    } else {
      core::appendUtf8Rune(out, r);
    }
  }
  return true;
}

bool parseGoInt(std::string text, bool& neg, unsigned long long& u) {
  neg = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    neg = text[0] == '-';
    text.erase(0, 1);
  }
  int base = 10;
  if (text.size() > 1 && text[0] == '0') {
    char b = text[1];
    if (b == 'x' || b == 'X')
      base = 16;
    else if (b == 'o' || b == 'O')
      base = 8;
    else if (b == 'b' || b == 'B')
      base = 2;
    else
      base = 8;
    text.erase(0, base == 8 && b != 'o' && b != 'O' ? 1 : 2);
  }
  // underscores only between digits
  bool prefixed = base != 10 && !(base == 8 && text.size() > 0 && text[0] != '_');
  std::string clean;
  for (std::size_t k = 0; k < text.size(); ++k) {
    if (text[k] == '_') {
      if ((k == 0 && !prefixed) || k + 1 == text.size() || text[k + 1] == '_') return false;
      continue;
    }
    clean += text[k];
  }
  if (clean.empty()) return false;
  for (char c : clean) {
    int d = hexVal(c);
    if (d < 0 || d >= base) return false;
  }
  errno = 0;
  u = std::strtoull(clean.c_str(), nullptr, base);
  return errno == 0;
}

bool parseFloatText(const std::string& text, double& out) {
  std::string clean;
  for (char c : text) {
    if (c != '_') clean += c;
  }
  if (clean.empty() || clean.find_first_of("nNxX") != std::string::npos) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtod(clean.c_str(), &end);
  return end == clean.c_str() + clean.size() && errno == 0;
}

// "1.5i" or "1+2i" (real part, signed imaginary part).
bool parseComplex(const std::string& text, double& re, double& im) {
  std::string body = text.substr(0, text.size() - 1);
  std::size_t split = std::string::npos;
  for (std::size_t i = body.size(); i-- > 1;) {
    char c = body[i];
    char prev = body[i - 1];
    if ((c == '+' || c == '-') && prev != 'e' && prev != 'E') {
      split = i;
      break;
    }
  }
  re = 0;
  if (split == std::string::npos) return parseFloatText(body, im);
  return parseFloatText(body.substr(0, split), re) && parseFloatText(body.substr(split), im);
}

class Parser {
 public:
  Parser(std::string name, std::string_view text,
         std::map<std::string, NodePtr, std::less<>>& treeSet)
      : name_(std::move(name)),
        source_(std::make_shared<const std::string>(text)),
        items_(lex(text)),
        treeSet_(treeSet) {}

  void parse() {
    auto root = newNode(NodeType::List, peek());
    while (peek().type != ItemType::Eof) {
      if (peek().type == ItemType::LeftDelim) {
        std::size_t save = index_;
        next();
        if (nextNonSpace().type == ItemType::Define) {
          parseDefinition();
          continue;
        }
        index_ = save;
      }
      NodePtr n = textOrAction();
      if (n->type == NodeType::End || n->type == NodeType::Else) {
        errorf("unexpected " + nodeString(*n));
      }
      root->nodes.push_back(n);
    }
    add(name_, root);
  }

 private:
  [[noreturn]] void errorf(const std::string& msg) {
    throw ParseFailure{"template: " + name_ + ":" + std::to_string(token_.line) + ": " + msg};
  }
  const Item& next() {
    token_ = items_[std::min(index_, items_.size() - 1)];
    ++index_;
    return token_;
  }
  const Item& peek() { return items_[std::min(index_, items_.size() - 1)]; }
  const Item& nextNonSpace() {
    while (peek().type == ItemType::Space)
      next();
    return next();
  }
  const Item& peekNonSpace() {
    while (peek().type == ItemType::Space)
      next();
    return peek();
  }
  void backup() { --index_; }

  NodePtr newNode(NodeType t, const Item& at) {
    auto n = std::make_shared<Node>();
    n->type = t;
    n->pos = at.pos;
    n->line = at.line;
    n->parseName = name_;
    n->source = source_;
    return n;
  }

  [[noreturn]] void unexpected(const Item& item, const std::string& context) {
    if (item.type == ItemType::Error) {
      std::string extra;
      if (actionLine_ != 0 && actionLine_ != item.line) {
        extra = " in action started at " + name_ + ":" + std::to_string(actionLine_);
        if (item.val.ends_with(" action")) extra = extra.substr(std::string(" in action").size());
      }
      errorf(item.val + extra);
    }
    errorf("unexpected " + itemString(item) + " in " + context);
  }

  const Item& expect(ItemType t, const std::string& context) {
    const Item& item = nextNonSpace();
    if (item.type != t) unexpected(item, context);
    return item;
  }

  static bool isEmptyTree(const Node& n) {
    for (const auto& c : n.nodes) {
      if (c->type == NodeType::Comment) continue;
      if (c->type != NodeType::Text) return false;
      for (char ch : c->text) {
        if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') return false;
      }
    }
    return true;
  }

  void add(const std::string& name, const NodePtr& root) {
    auto it = treeSet_.find(name);
    if (it == treeSet_.end() || isEmptyTree(*it->second)) {
      treeSet_[name] = root;
      return;
    }
    if (!isEmptyTree(*root))
      errorf("template: multiple definition of template " + core::goQuote(name));
  }

  std::string parseTemplateName(const Item& token, const std::string& context) {
    if (token.type != ItemType::String && token.type != ItemType::RawString) {
      unexpected(token, context);
    }
    std::string s;
    if (!unquote(token.val, s)) errorf("invalid syntax");
    return s;
  }

  void parseDefinition() {
    const std::string context = "define clause";
    std::string name = parseTemplateName(nextNonSpace(), context);
    expect(ItemType::RightDelim, "define end");
    auto [list, end] = itemList();
    if (end->type != NodeType::End) errorf("unexpected " + nodeString(*end) + " in " + context);
    add(name, list);
  }

  std::pair<NodePtr, NodePtr> itemList() {
    auto list = newNode(NodeType::List, peek());
    while (peekNonSpace().type != ItemType::Eof) {
      NodePtr n = textOrAction();
      if (n->type == NodeType::End || n->type == NodeType::Else) return {list, n};
      list->nodes.push_back(n);
    }
    errorf("unexpected EOF");
  }

  NodePtr textOrAction() {
    const Item& token = nextNonSpace();
    switch (token.type) {
      case ItemType::Text: {
        auto n = newNode(NodeType::Text, token);
        n->text = token.val;
        return n;
      }
      case ItemType::LeftDelim: {
        int saved = actionLine_;
        actionLine_ = token.line;
        NodePtr n = action();
        actionLine_ = saved;
        return n;
      }
      case ItemType::Comment:
        return newNode(NodeType::Comment, token);
      default:
        unexpected(token, "input");
    }
  }

  NodePtr action() {
    Item token = nextNonSpace();
    switch (token.type) {
      case ItemType::Block:
        return blockControl();
      case ItemType::Break:
      case ItemType::Continue: {
        bool isBreak = token.type == ItemType::Break;
        std::string word = isBreak ? "{{break}}" : "{{continue}}";
        const Item& t = nextNonSpace();
        if (t.type != ItemType::RightDelim) unexpected(t, word);
        if (rangeDepth_ == 0) errorf(word + " outside {{range}}");
        return newNode(isBreak ? NodeType::Break : NodeType::Continue, token);
      }
      case ItemType::Else: {
        const Item& p = peekNonSpace();
        if (p.type == ItemType::If || p.type == ItemType::With) {
          auto e = newNode(NodeType::Else, p);
          return e;
        }
        return newNode(NodeType::Else, expect(ItemType::RightDelim, "else"));
      }
      case ItemType::End:
        return newNode(NodeType::End, expect(ItemType::RightDelim, "end"));
      case ItemType::If:
        return parseControl(NodeType::If, "if", token);
      case ItemType::Range:
        return parseControl(NodeType::Range, "range", token);
      case ItemType::With:
        return parseControl(NodeType::With, "with", token);
      case ItemType::Template:
        return templateControl(token);
      default:
        break;
    }
    backup();
    auto n = newNode(NodeType::Action, peek());
    n->pipe = pipeline("command", ItemType::RightDelim);
    return n;
  }

  NodePtr parseControl(NodeType type, const std::string& context, const Item& at) {
    std::size_t vars = vars_.size();
    auto n = newNode(type, at);
    n->pipe = pipeline(context, ItemType::RightDelim);
    if (type == NodeType::Range) ++rangeDepth_;
    auto [list, next] = itemList();
    if (type == NodeType::Range) --rangeDepth_;
    n->list = list;
    if (next->type == NodeType::Else) {
      ItemType chained = type == NodeType::If ? ItemType::If : ItemType::With;
      if (type != NodeType::Range && peek().type == chained) {
        const Item& kw = this->next();
        auto elseList = newNode(NodeType::List, kw);
        elseList->nodes.push_back(parseControl(type, context, kw));
        n->elseList = elseList;
      } else {
        auto [elseList, end] = itemList();
        if (end->type != NodeType::End) errorf("expected end; found " + nodeString(*end));
        n->elseList = elseList;
      }
    }
    vars_.resize(vars);
    return n;
  }

  NodePtr blockControl() {
    const std::string context = "block clause";
    const Item token = nextNonSpace();
    std::string name = parseTemplateName(token, context);
    auto n = newNode(NodeType::Template, token);
    n->text = name;
    n->pipe = pipeline(context, ItemType::RightDelim);
    std::vector<std::string> savedVars = vars_;
    vars_ = {"$"};
    int savedDepth = rangeDepth_;
    rangeDepth_ = 0;
    auto [list, end] = itemList();
    if (end->type != NodeType::End) errorf("unexpected " + nodeString(*end) + " in " + context);
    add(name, list);
    vars_ = savedVars;
    rangeDepth_ = savedDepth;
    return n;
  }

  NodePtr templateControl(const Item& at) {
    const std::string context = "template clause";
    const Item token = nextNonSpace();
    auto n = newNode(NodeType::Template, at);
    n->text = parseTemplateName(token, context);
    if (nextNonSpace().type != ItemType::RightDelim) {
      backup();
      n->pipe = pipeline(context, ItemType::RightDelim);
    }
    return n;
  }

  NodePtr newVariable(const Item& at, const std::string& ident) {
    auto v = newNode(NodeType::Variable, at);
    std::size_t s = 0;
    while (true) {
      std::size_t d = ident.find('.', s);
      v->idents.push_back(ident.substr(s, d == std::string::npos ? d : d - s));
      if (d == std::string::npos) break;
      s = d + 1;
    }
    return v;
  }

  NodePtr pipeline(const std::string& context, ItemType end) {
    auto pipe = newNode(NodeType::Pipe, peekNonSpace());
    while (true) {  // declarations
      if (peekNonSpace().type != ItemType::Variable) break;
      std::size_t varIndex = index_;
      Item v = next();
      Item nx = peekNonSpace();
      if (nx.type == ItemType::Assign || nx.type == ItemType::Declare) {
        pipe->isAssign = nx.type == ItemType::Assign;
        nextNonSpace();
        pipe->decls.push_back(newVariable(v, v.val));
        vars_.push_back(v.val);
      } else if (nx.type == ItemType::Char && nx.val == ",") {
        nextNonSpace();
        pipe->decls.push_back(newVariable(v, v.val));
        vars_.push_back(v.val);
        if (context == "range" && pipe->decls.size() < 2) {
          ItemType t = peekNonSpace().type;
          if (t == ItemType::Variable || t == ItemType::RightDelim || t == ItemType::RightParen) {
            continue;
          }
          errorf("range can only initialize variables");
        }
        errorf("too many declarations in " + context);
      } else {
        index_ = varIndex;
      }
      break;
    }
    while (true) {
      const Item& token = nextNonSpace();
      if (token.type == end) {
        if (pipe->nodes.empty()) errorf("missing value for " + context);
        for (std::size_t i = 1; i < pipe->nodes.size(); ++i) {
          switch (pipe->nodes[i]->nodes[0]->type) {
            case NodeType::Bool:
            case NodeType::Dot:
            case NodeType::Nil:
            case NodeType::Number:
            case NodeType::String:
              errorf("non executable command in pipeline stage " + std::to_string(i + 1));
            default:
              break;
          }
        }
        return pipe;
      }
      switch (token.type) {
        case ItemType::Bool:
        case ItemType::CharConstant:
        case ItemType::Complex:
        case ItemType::Dot:
        case ItemType::Field:
        case ItemType::Identifier:
        case ItemType::Number:
        case ItemType::Nil:
        case ItemType::RawString:
        case ItemType::String:
        case ItemType::Variable:
        case ItemType::LeftParen:
          backup();
          pipe->nodes.push_back(command());
          break;
        default:
          unexpected(token, context);
      }
    }
  }

  NodePtr command() {
    auto cmd = newNode(NodeType::Command, peekNonSpace());
    while (true) {
      peekNonSpace();
      NodePtr op = operand();
      if (op) cmd->nodes.push_back(op);
      const Item& token = next();
      if (token.type == ItemType::Space) continue;
      if (token.type == ItemType::RightDelim || token.type == ItemType::RightParen) {
        backup();
      } else if (token.type != ItemType::Pipe) {
        unexpected(token, "operand");
      }
      break;
    }
    if (cmd->nodes.empty()) errorf("empty command");
    return cmd;
  }

  NodePtr operand() {
    NodePtr node = term();
    if (!node) return nullptr;
    if (peek().type == ItemType::Field) {
      std::vector<std::string> fields;
      Item at = peek();
      while (peek().type == ItemType::Field)
        fields.push_back(next().val.substr(1));
      switch (node->type) {
        case NodeType::Field:
        case NodeType::Variable:
          for (auto& f : fields)
            node->idents.push_back(f);
          break;
        case NodeType::Bool:
        case NodeType::String:
        case NodeType::Number:
        case NodeType::Nil:
        case NodeType::Dot:
          errorf("unexpected . after term " + core::goQuote(nodeString(*node)));
        default: {
          auto chain = newNode(NodeType::Chain, at);
          chain->operand = node;
          chain->idents = fields;
          node = chain;
        }
      }
    }
    return node;
  }

  NodePtr term() {
    const Item token = nextNonSpace();
    switch (token.type) {
      case ItemType::Identifier: {
        const FuncDef* fn = findFunction(token.val);
        if (!fn) errorf("function " + core::goQuote(token.val) + " not defined");
        auto n = newNode(NodeType::Identifier, token);
        n->text = token.val;
        n->func = fn;
        return n;
      }
      case ItemType::Dot:
        return newNode(NodeType::Dot, token);
      case ItemType::Nil:
        return newNode(NodeType::Nil, token);
      case ItemType::Variable: {
        auto v = newVariable(token, token.val);
        for (const auto& name : vars_) {
          if (name == v->idents[0]) return v;
        }
        errorf("undefined variable " + core::goQuote(v->idents[0]));
      }
      case ItemType::Field: {
        auto n = newNode(NodeType::Field, token);
        std::string s = token.val.substr(1);
        std::size_t p = 0;
        while (true) {
          std::size_t d = s.find('.', p);
          n->idents.push_back(s.substr(p, d == std::string::npos ? d : d - p));
          if (d == std::string::npos) break;
          p = d + 1;
        }
        return n;
      }
      case ItemType::Bool: {
        auto n = newNode(NodeType::Bool, token);
        n->boolean = token.val == "true";
        return n;
      }
      case ItemType::CharConstant:
      case ItemType::Complex:
      case ItemType::Number:
        return newNumber(token);
      case ItemType::LeftParen:
        return pipeline("parenthesized pipeline", ItemType::RightParen);
      case ItemType::String:
      case ItemType::RawString: {
        auto n = newNode(NodeType::String, token);
        n->idents.push_back(token.val);
        if (!unquote(token.val, n->text)) errorf("invalid syntax");
        return n;
      }
      default:
        backup();
        return nullptr;
    }
  }

  NodePtr newNumber(const Item& token) {
    auto n = newNode(NodeType::Number, token);
    const std::string& text = token.val;
    n->text = text;
    if (token.type == ItemType::CharConstant) {
      std::string_view body = std::string_view(text).substr(1);
      std::size_t i = 0;
      std::uint32_t r = 0;
      bool raw = false;
      if (!unquoteChar(body, i, '\'', r, raw)) errorf("invalid syntax");
      if (body.substr(i) != "'") errorf("malformed character constant: " + text);
      n->isInt = n->isFloat = n->isUint = true;
      n->intValue = r;
      n->floatValue = r;
      return n;
    }
    if (token.type == ItemType::Complex || (!text.empty() && text.back() == 'i')) {
      if (parseComplex(text, n->floatValue, n->imagValue)) {
        n->isComplex = true;
        return n;
      }
      if (token.type == ItemType::Complex) errorf("expected integer");
    }
    bool neg = false;
    unsigned long long u = 0;
    if (parseGoInt(text, neg, u)) {
      if (!neg) n->isUint = true;
      if (neg ? u <= 9223372036854775808ULL : u <= 9223372036854775807ULL) {
        n->isInt = true;
        n->intValue = neg ? static_cast<std::int64_t>(0 - u) : static_cast<std::int64_t>(u);
        n->floatValue = static_cast<double>(n->intValue);
      } else if (!neg) {
        n->floatValue = static_cast<double>(u);
      }
      if (n->isInt || n->isUint) n->isFloat = true;
      if (!n->isFloat) errorf("illegal number syntax: " + core::goQuote(text));
      return n;
    }
    std::string clean;
    for (char c : text) {
      if (c != '_') clean += c;
    }
    bool hexFloat = clean.find("0x") != std::string::npos || clean.find("0X") != std::string::npos;
    char* end = nullptr;
    errno = 0;
    double f = std::strtod(clean.c_str(), &end);
    bool ok = end == clean.c_str() + clean.size() && !clean.empty() && errno == 0 &&
              clean.find_first_of("nN") == std::string::npos &&
              (!hexFloat || clean.find_first_of("pP") != std::string::npos);
    if (!ok) errorf("illegal number syntax: " + core::goQuote(text));
    if (text.find_first_of(".eEpP") == std::string::npos) {
      errorf("integer overflow: " + core::goQuote(text));
    }
    n->isFloat = true;
    n->floatValue = f;
    if (std::fabs(f) < 9.2e18 && static_cast<double>(static_cast<std::int64_t>(f)) == f) {
      n->isInt = true;
      n->intValue = static_cast<std::int64_t>(f);
    }
    return n;
  }

  std::string name_;
  std::shared_ptr<const std::string> source_;
  std::vector<Item> items_;
  std::size_t index_ = 0;
  Item token_;
  std::map<std::string, NodePtr, std::less<>>& treeSet_;
  std::vector<std::string> vars_{"$"};
  int rangeDepth_ = 0;
  int actionLine_ = 0;
};

}  // namespace

void parseInto(const std::string& name, std::string_view text,
               std::map<std::string, NodePtr, std::less<>>& trees) {
  try {
    Parser(name, text, trees).parse();
  } catch (const ParseFailure& f) {
    throw TemplateError(f.message);
  }
}

}  // namespace driftless::gotemplate
