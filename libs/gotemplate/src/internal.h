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
struct FuncDef;

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
  const FuncDef* func = nullptr;          // Identifier: the function, resolved when parsed
  std::string parseName;                  // template being parsed (for locations)
  std::shared_ptr<const std::string> source;
};

std::string nodeString(const Node& n);

bool isBuiltinFunction(std::string_view name);  // any function of the registry

// Parses text as template name into trees (Go's Tree.Parse with its treeSet); throws
// TemplateError.
void parseInto(const std::string& name, std::string_view text,
               std::map<std::string, NodePtr, std::less<>>& trees);

// A Go value as text/template's reflection sees it.
enum class Kind { Nil, Bool, Int, Float64, Complex, String, Slice, Map, Struct };

// The Go type behind a kind when it is not the plain one (int, float64, string,
// []interface {}, map[string]interface {}): Sprig and Helm functions return typed values, and
// typeOf, kindOf and "wrong type" messages name them.
enum class GoType : std::uint8_t {
  Plain,
  Int64,        // Int: int64
  Duration,     // Int: time.Duration (nanoseconds; prints as "1m30s")
  StringSlice,  // Slice: []string
  IntSlice,     // Slice: []int
  StringMap,    // Map: map[string]string
  Time,         // Struct: time.Time, stored as [unix seconds, nanoseconds, offset seconds, zone]
  Semver,       // Struct: *semver.Version, stored as its original text
  Cert          // Struct: sprig.certificate {Cert, Key}
};

struct TValue {
  Kind kind = Kind::Nil;
  // True when the static type is interface {} (map and slice elements); a Nil with iface is a
  // nil interface, without it the invalid reflect.Value ("no value").
  bool iface = false;
  GoType type = GoType::Plain;
  std::shared_ptr<const core::Value> val;

  [[nodiscard]] bool valid() const { return kind != Kind::Nil || iface; }
  // A nil interface or the invalid value: what Go's `v == nil` sees for an interface{} argument.
  [[nodiscard]] bool isNil() const { return kind == Kind::Nil; }
  [[nodiscard]] const core::Value& v() const { return val ? *val : core::nullValue(); }
  static TValue invalid() { return {}; }
  static TValue nilInterface() {
    TValue t;
    t.iface = true;
    return t;
  }
  static TValue of(core::Value v, bool iface = false);
  static TValue typed(core::Value v, GoType type);
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
std::string kindName(const TValue& t);        // reflect.Kind's String(): "map", "int64", ...
bool truth(const TValue& t);
std::string formatValue(const TValue& t);  // fmt's %v
std::string formatGoFloatV(double d);      // %v of a float64

// fmt.Sprint, Sprintln and Sprintf over template values.
std::string goSprint(const std::vector<TValue>& args);
std::string goSprintln(const std::vector<TValue>& args);
std::string goSprintf(std::string_view format, const std::vector<TValue>& args);

// A function's failure ("index out of range: 5"); the executor wraps it as `error calling NAME`.
struct CallError {
  std::string message;
};
[[noreturn]] inline void callFail(std::string msg) {
  throw CallError{std::move(msg)};
}

// What functions may ask of the running execution (Helm's include and tpl, map mutation).
class Runtime {
 public:
  virtual ~Runtime() = default;
  // Executes template `name` with data as dot (Helm's include, with its nested-reference cap).
  virtual std::string include(const std::string& name, const TValue& data) = 0;
  // Parses text in a copy of the template set and executes it (Helm's tpl).
  virtual std::string tpl(const std::string& text, const TValue& data) = 0;
  // Keeps replaced storage alive until the execution ends, so values that still point into it
  // (variables, range iterations) stay valid after a map is mutated (set, unset, merge).
  virtual void retire(core::Value old) = 0;
};

// Parameter kinds of a function signature, one letter each:
//   R reflect.Value   A interface {}   S string   I int   L int64   U uint32   F float64
//   B bool   M map[string]interface {}   V []interface {}   C sprig.certificate
using FuncImpl = TValue (*)(std::vector<TValue>& args, Runtime& rt);
struct FuncDef {
  std::string_view name;
  std::string_view params;  // fixed parameters
  char variadic;            // kind of the variadic parameter, 0 when not variadic
  FuncImpl fn;
};

// The function registry: Go's builtins, Sprig's TxtFuncMap (without env/expandenv) and Helm's
// functions, later families overriding earlier ones as Helm's funcMap does.
const FuncDef* findFunction(std::string_view name);

// The families (funcs_*.cpp).
std::vector<FuncDef> builtinFuncs();
std::vector<FuncDef> stringFuncs();
std::vector<FuncDef> listFuncs();
std::vector<FuncDef> dictFuncs();
std::vector<FuncDef> mathFuncs();
std::vector<FuncDef> defaultFuncs();
std::vector<FuncDef> encodingFuncs();
std::vector<FuncDef> regexFuncs();
std::vector<FuncDef> cryptoFuncs();
std::vector<FuncDef> certFuncs();
std::vector<FuncDef> timeFuncs();
std::vector<FuncDef> helmFuncs();

// Conversions shared by the families (after spf13/cast and Sprig's helpers).
TValue indirectIface(const TValue& t);  // a nil interface becomes invalid, others lose iface
std::string strval(const TValue& t);    // Sprig's strval: strings as is, others with %v
std::int64_t castInt64(const TValue& t);
double castFloat64(const TValue& t);
bool isEmpty(const TValue& t);                     // Sprig's empty
bool deepEqual(const TValue& a, const TValue& b);  // reflect.DeepEqual
// The elements of a slice (nullopt when t is not a slice), as interface{} values.
bool isSlice(const TValue& t);
std::vector<TValue> sliceElements(const TValue& t);
TValue makeList(std::vector<TValue> elems, GoType type = GoType::Plain);
core::Value toCore(const TValue& t);  // the data of a value, for storing into lists and maps
TValue fromCore(core::Value v);       // a freshly built value (not an interface)
// A mutable view of a map argument (maps are references in Go).
core::Value& mutableValue(const TValue& t);

// Time values (GoType::Time).
TValue makeTime(std::int64_t unixSeconds, std::int64_t nanos, std::int64_t offsetSeconds,
                const std::string& zone);
std::string formatGoTime(const TValue& t, std::string_view layout);
std::string formatDurationGo(std::int64_t nanos);

// Semver values (GoType::Semver): fields and methods.
TValue semverMember(const TValue& receiver, const std::string& name, std::vector<TValue>& args,
                    bool hasArgs);

}  // namespace driftless::gotemplate
