#pragma once

// Internal declarations of libs/gotemplate: tokens, syntax tree, runtime values, builtins.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/gotemplate/template.h"

namespace driftless::gotemplate {

enum class ItemType {
  Error,
  Bool,
  Char,
  CharConstant,
  Comment,
  Complex,
  Assign,
  Declare,
  Eof,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  Keyword,  // keywords follow
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With
};

struct Item {
  ItemType type = ItemType::Eof;
  std::size_t pos = 0;
  std::string val;
  int line = 1;
};

// Go's item.String(): EOF, the error text, <keyword> or a quoted value.
std::string itemString(const Item& item);

// Tokenizes a whole template; the last item is Eof or Error.
std::vector<Item> lex(std::string_view input);

enum class NodeType {
  Text,
  Action,
  Command,
  Pipe,
  Field,
  Variable,
  Dot,
  Nil,
  Bool,
  Number,
  String,
  Chain,
  Identifier,
  If,
  Range,
  With,
  Template,
  Break,
  Continue,
  List,
  End,
  Else,
  Comment
};

using NodePtr = std::shared_ptr<Node>;

struct Node {
  NodeType type = NodeType::List;
  std::size_t pos = 0;
  int line = 1;
  std::string text;                 // Text, String value, Identifier, Template name, Number text
  std::vector<std::string> idents;  // Field, Variable, Chain field names
  std::vector<NodePtr> nodes;       // List items, Command args, Pipe commands
  std::vector<NodePtr> decls;       // Pipe declarations (Variable nodes)
  bool isAssign = false;
  bool boolean = false;
  // Number
  bool isInt = false, isFloat = false, isComplex = false, isUint = false;
  std::int64_t intValue = 0;
  double floatValue = 0;
  double imagValue = 0;                   // with isComplex: floatValue is the real part
  NodePtr pipe, list, elseList, operand;  // If/Range/With/Action/Template; Chain operand
  std::string parseName;                  // template being parsed (for locations)
  std::shared_ptr<const std::string> source;
};

std::string nodeString(const Node& n);

bool isBuiltinFunction(std::string_view name);

// Parses text as template name into trees (Go's Tree.Parse with its treeSet); throws
// TemplateError.
void parseInto(const std::string& name, std::string_view text,
               std::map<std::string, NodePtr, std::less<>>& trees);

// A Go value as text/template's reflection sees it.
enum class Kind { Nil, Bool, Int, Float64, Complex, String, Slice, Map };

struct TValue {
  Kind kind = Kind::Nil;
  // True when the static type is interface {} (map and slice elements); a Nil with iface is a
  // nil interface, without it the invalid reflect.Value ("no value").
  bool iface = false;
  std::shared_ptr<const core::Value> val;

  [[nodiscard]] bool valid() const { return kind != Kind::Nil || iface; }
  [[nodiscard]] const core::Value& v() const { return val ? *val : core::nullValue(); }
  static TValue invalid() { return {}; }
  static TValue of(core::Value v, bool iface = false);
  // An element of a data tree held by owner.
  static TValue element(const std::shared_ptr<const core::Value>& owner, const core::Value* elem);
  [[nodiscard]] TValue unwrapped() const {
    TValue t = *this;
    t.iface = false;
    return t;
  }
};

std::string typeName(const TValue& t);        // dynamic type (interface {} for a nil interface)
std::string staticTypeName(const TValue& t);  // interface {} when iface
bool truth(const TValue& t);
std::string formatValue(const TValue& t);  // fmt's %v
std::string formatGoFloatV(double d);      // %v of a float64

// fmt.Sprint, Sprintln and Sprintf over template values.
std::string goSprint(const std::vector<TValue>& args);
std::string goSprintln(const std::vector<TValue>& args);
std::string goSprintf(std::string_view format, const std::vector<TValue>& args);

// A builtin's failure ("index out of range: 5"); the executor wraps it as `error calling NAME`.
struct CallError {
  std::string message;
};

// Calls builtin name (not and/or) with evaluated args; throws CallError.
TValue callBuiltin(std::string_view name, std::vector<TValue>& args);

}  // namespace driftless::gotemplate
