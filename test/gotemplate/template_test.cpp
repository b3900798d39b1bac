#include "driftless/gotemplate/template.h"

#include <catch2/catch_test_macros.hpp>

#include <string>
#include <vector>

#include "driftless/core/json.h"

namespace core = driftless::core;
namespace gt = driftless::gotemplate;

namespace {

struct Case {
  const char* name;
  const char* text;
  const char* data;  // JSON; integers become Go ints, numbers with a '.' float64
  const char* expected;
  bool error = false;  // expected is then a substring of the message
};

std::string render(const Case& c) {
  gt::TemplateSet set;
  set.parse("main", c.text);
  return set.execute("main", core::parseJson(c.data));
}

void runCases(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    INFO(c.name << ": " << c.text);
    if (c.error) {
      try {
        std::string out = render(c);
        FAIL("expected an error, got " << out);
      } catch (const gt::TemplateError& e) {
        INFO(e.what());
        CHECK(std::string(e.what()).find(c.expected) != std::string::npos);
      }
    } else {
      std::string out;
      CHECK_NOTHROW(out = render(c));
      CHECK(out == c.expected);
    }
  }
}

}  // namespace

TEST_CASE("lexer: text, trim markers and comments", "[gotemplate][lexer]") {
  runCases({
      {"plain text", "some text", "null", "some text"},
      {"left trim", "a  \n {{- 1}}", "null", "a1"},
      {"right trim", "{{1 -}} \n b", "null", "1b"},
      {"both", "a {{- 1 -}} b", "null", "a1b"},
      {"minus number is not a trim", "{{-3}}", "null", "-3"},
      {"comment", "a{{/* x */}}b", "null", "ab"},
      {"trimmed comment", "a {{- /* x */ -}} b", "null", "ab"},
      {"newline in action", "{{\n1\n}}", "null", "1"},
      {"raw string", "{{`a\\nb`}}", "null", "a\\nb"},
      {"escapes", "{{\"a\\tb\\u00e9\"}}", "null", "a\tb\xc3\xa9"},
      {"char constant is an int", "{{'a'}}", "null", "97"},
      {"unclosed action", "{{", "null", "unclosed action", true},
      {"unclosed action across lines", "{{\n\n", "null", "unclosed action started at main:1", true},
      {"unclosed comment", "{{/*}}", "null", "unclosed comment", true},
      {"comment before delimiter", "{{/* */ 1}}", "null", "comment ends before closing delimiter",
       true},
      {"bad character", "{{a#}}", "null", "bad character U+0023 '#'", true},
      {"unterminated string", "{{\"a}}", "null", "unterminated quoted string", true},
      {"unterminated raw", "{{`a}}", "null", "unterminated raw quoted string", true},
  });
}

TEST_CASE("parser: syntax and Go's parse errors", "[gotemplate][parser]") {
  runCases({
      {"number forms", "{{0x1F}} {{0o17}} {{0b101}} {{1_000}} {{1e3}} {{.5}}", "null",
       "31 15 5 1000 1000 0.5"},
      {"complex", "{{1+2i}} {{printf \"%v\" 1.5i}}", "null", "(1+2i) (0+1.5i)"},
      {"integer overflow", "{{18446744073709551616}}", "null", "integer overflow", true},
      {"missing value", "{{}}", "null", "missing value for command", true},
      {"unexpected end", "{{end}}", "null", "unexpected {{end}}", true},
      {"multiple else", "{{if 1}}1{{else}}2{{else}}3{{end}}", "null",
       "expected end; found {{else}}", true},
      {"unexpected eof", "{{range .}}", "null", "unexpected EOF", true},
      {"undefined function", "{{nope}}", "null", "function \"nope\" not defined", true},
      {"undefined variable", "{{$x}}", "null", "undefined variable \"$x\"", true},
      {"variable scope ends", "{{with $x := 4}}{{end}}{{$x}}", "null", "undefined variable", true},
      {"dot after literal", "{{true.x}}", "null", "unexpected . after term \"true\"", true},
      {"non executable stage", "{{1|2}}", "null", "non executable command in pipeline stage 2",
       true},
      {"break outside range", "{{break}}", "null", "{{break}} outside {{range}}", true},
      {"range decls", "{{range $a, $b, $c := .}}{{end}}", "null", "too many declarations in range",
       true},
      {"multiple definition", "{{define \"a\"}}x{{end}}{{define \"a\"}}y{{end}}", "null",
       "multiple definition of template \"a\"", true},
      {"error location", "\n{{nope}}", "null", "template: main:2: function", true},
  });
}

TEST_CASE("exec: control structures and variables", "[gotemplate][exec]") {
  runCases({
      {"if else if", "{{if .a}}A{{else if .b}}B{{else}}C{{end}}", R"({"b":1})", "B"},
      {"with else with", "{{with .a}}A{{else with .b}}{{.}}{{end}}", R"({"b":"x"})", "x"},
      {"range array", "{{range $i, $v := .}}{{$i}}{{$v}},{{end}}", "[\"a\",\"b\"]", "0a,1b,"},
      {"range map sorted", "{{range $k, $v := .}}{{$k}}={{$v}} {{end}}", R"({"b":2,"a":1})",
       "a=1 b=2 "},
      {"range int", "{{range $i := 3}}{{$i}}{{end}}", "null", "012"},
      {"range else", "{{range .}}x{{else}}empty{{end}}", "[]", "empty"},
      {"break continue",
       "{{range .}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}",
       "[1,2,3,4,5]", "13"},
      {"assign", "{{$x := 1}}{{range .}}{{$x = .}}{{end}}{{$x}}", "[5,6]", "6"},
      {"dollar", "{{range .l}}{{$.n}}{{end}}", R"({"l":[1,2],"n":"n"})", "nn"},
      {"template call", "{{define \"t\"}}[{{.}}]{{end}}{{template \"t\" .x}}", R"({"x":1})", "[1]"},
      {"block", "{{block \"b\" .}}<{{.}}>{{end}}", "7", "<7>"},
      {"parenthesized field", "{{(.a).b}}", R"({"a":{"b":"c"}})", "c"},
      {"variable field", "{{$m := .a}}{{$m.b}}", R"({"a":{"b":"c"}})", "c"},
      {"missing key prints no value", "{{.nope}}", "{}", "<no value>"},
      {"nil interface field", "{{.a.b}}", "{}", "nil pointer evaluating interface {}.b", true},
      {"field of string", "{{$x := \"s\"}}{{$x.y}}", "null",
       "can't evaluate field y in type string", true},
      {"not a function", "{{1 2}}", "null", "can't give argument to non-function 1", true},
      {"nil command", "{{nil}}", "null", "nil is not a command", true},
      {"undefined template", "{{template \"x\"}}", "null", "template \"x\" not defined", true},
  });
}

TEST_CASE("exec: printing and builtins", "[gotemplate][funcs]") {
  runCases({
      {"map and slice", "{{.}}", R"({"b":[1,"x",null],"a":true})", "map[a:true b:[1 x <nil>]]"},
      {"float printing", "{{.a}} {{.b}} {{.c}}", R"({"a":1000000.0,"b":0.5,"c":100000.0})",
       "1e+06 0.5 100000"},
      {"and or", "{{and 1 0 2}} {{or 0 \"\" \"x\"}} {{and 1 2}}", "null", "0 x 2"},
      {"not len", "{{not 0}} {{len .}}", "[1,2,3]", "true 3"},
      {"index", "{{index . 1}} {{index .}}", "[\"a\",\"b\"]", "b [a b]"},
      {"index map missing", "{{index . \"x\"}}", "{}", "<no value>"},
      {"index out of range", "{{index . 5}}", "[1]", "error calling index: index out of range: 5",
       true},
      {"print", "{{print 1 2 \"a\" 3}} {{println 1 \"a\"}}", "null", "1 2a3 1 a\n"},
      {"printf verbs",
       "{{printf \"%d|%5.2f|%-3s|%q|%x|%t|%T|%v|%%\" 7 3.14159 \"a\" \"q\" 255 true 1.5 .}}", "[1]",
       "7| 3.14|a  |\"q\"|ff|true|float64|[1]|%"},
      {"printf bad verb", "{{printf \"%d %s\" 1.0}}", "null", "%!d(float64=1) %!s(MISSING)"},
      {"printf extra", "{{printf \"x\" 1 \"a\"}}", "null", "x%!(EXTRA int=1, string=a)"},
      {"escapers", "{{html \"<a href='x'>\"}} {{js \"a'b<\"}} {{urlquery \"a b/c\"}}", "null",
       "&lt;a href=&#39;x&#39;&gt; a\\'b\\u003C a+b%2Fc"},
      {"comparisons",
       "{{eq 1 2 1}} {{ne \"a\" \"b\"}} {{lt 1 2}} {{le 2 2}} {{gt 1.5 2.5}} {{ge \"b\" \"a\"}}",
       "null", "true true true true false true"},
      {"eq incompatible", "{{eq 1 1.0}}", "null",
       "error calling eq: incompatible types for comparison", true},
      {"lt invalid", "{{lt true false}}", "null", "error calling lt: invalid type for comparison",
       true},
      {"printf wrong type", "{{1|printf}}", "null",
       "wrong type for value; expected string; got int", true},
  });
}

TEST_CASE("template set: definitions and lookup", "[gotemplate][set]") {
  gt::TemplateSet set;
  set.parse("helpers", R"({{define "a"}}A1{{end}}{{define "b"}}B{{end}})");
  set.parse("main", R"({{define "a"}}A2{{end}}{{template "a"}}{{template "b"}})");
  CHECK(set.execute("main", core::Value()) == "A2B");
  set.parse("other", R"({{define "a"}}{{end}}x)");  // an empty redefinition is ignored
  CHECK(set.execute("main", core::Value()) == "A2B");
  CHECK(set.has("helpers"));
  try {
    (void)set.execute("nope", core::Value());
    FAIL("expected an error");
  } catch (const gt::TemplateError& e) {
    CHECK(std::string(e.what()) ==
          R"(template: no template "nope" associated with template "gotpl")");
  }
}
