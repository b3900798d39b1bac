// Sprig's and Helm's template functions, one section per family.

#include <catch2/catch_test_macros.hpp>

#include <string>
#include <vector>

#include "driftless/core/json.h"
#include "driftless/gotemplate/template.h"

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

std::string render(const Case& c, const std::vector<std::pair<const char*, const char*>>& extra) {
  gt::TemplateSet set;
  for (const auto& [name, text] : extra)
    set.parse(name, text);
  set.parse("main", c.text);
  return set.execute("main", core::parseJson(c.data));
}

void runCases(const std::vector<Case>& cases,
              const std::vector<std::pair<const char*, const char*>>& extra = {}) {
  for (const auto& c : cases) {
    INFO(c.name << ": " << c.text);
    if (c.error) {
      try {
        std::string out = render(c, extra);
        FAIL("expected an error, got " << out);
      } catch (const gt::TemplateError& e) {
        INFO(e.what());
        CHECK(std::string(e.what()).find(c.expected) != std::string::npos);
      }
    } else {
      std::string out;
      CHECK_NOTHROW(out = render(c, extra));
      CHECK(out == c.expected);
    }
  }
}

}  // namespace

TEST_CASE("functions: registry and argument conversion", "[gotemplate][funcs]") {
  runCases({
      {"typed int parameter", "{{ trunc 2 \"abc\" }}", "null", "ab"},
      {"float64 data for an int parameter", "{{ trunc . \"abc\" }}", "2.0",
       "wrong type for value; expected int; got float64", true},
      {"int64 is not int", "{{ trunc (add 1 1) \"abc\" }}", "null",
       "wrong type for value; expected int; got int64", true},
      {"literal for an int parameter", "{{ trunc \"2\" \"abc\" }}", "null",
       "expected integer; found \"2\"", true},
      {"nil for a string parameter", "{{ upper nil }}", "null", "cannot assign nil to string",
       true},
      {"missing key for a map parameter", "{{ hasKey .nope \"a\" }}", "{}",
       "wrong type for value; expected map[string]interface {}; got interface {}", true},
      {"function error is wrapped", "{{ first 1 }}", "null",
       "error calling first: Cannot find first on type int", true},
      {"wrong number of args", "{{ upper }}", "null",
       "wrong number of args for upper: want 1 got 0", true},
      {"call of a non-function", "{{ call 1 }}", "null",
       "error calling call: non-function of type int", true},
      {"printf argument index", "{{ printf \"%[2]s %[1]s\" \"a\" \"b\" }}", "null", "b a"},
      {"printf bad index", "{{ printf \"%[3]d\" 1 }}", "null", "%!d(BADINDEX)"},
  });
}

TEST_CASE("functions: strings", "[gotemplate][funcs][strings]") {
  runCases({
      {"case", "{{ upper \"abé\" }} {{ lower \"ABÉ\" }} {{ title \"hello wide world\" }}", "null",
       "ABÉ abé Hello Wide World"},
      {"untitle swapcase", "{{ untitle \"Hello World\" }} {{ swapcase \"Hello World\" }}", "null",
       "hello world hELLO wORLD"},
      {"trim family",
       "[{{ trim \"  a \" }}][{{ trimAll \"$\" \"$a$\" }}][{{ trimPrefix \"-\" \"-a\" }}][{{ "
       "trimSuffix \"-\" \"a-\" }}]",
       "null", "[a][a][a][a]"},
      {"substr trunc", "{{ substr 1 3 \"abcd\" }} {{ trunc -2 \"abcd\" }} {{ trunc 9 \"ab\" }}",
       "null", "bc cd ab"},
      {"abbrev", "{{ abbrev 5 \"hello world\" }} {{ abbrevboth 5 10 \"1234 5678 9123\" }}", "null",
       "he... ...5678..."},
      {"repeat nospace initials",
       "{{ repeat 3 \"ab\" }} {{ nospace \"a b\\tc\" }} {{ initials \"Go Lang\" }}", "null",
       "ababab abc GL"},
      {"case conversions",
       "{{ snakecase \"HTTPServer\" }} {{ kebabcase \"FirstName\" }} {{ camelcase \"http_server\" "
       "}}",
       "null", "http_server first-name HttpServer"},
      {"wrap", "{{ wrap 5 \"Hello World\" }}|{{ wrapWith 5 \"\\t\" \"Hello World\" }}", "null",
       "Hello\nWorld|Hello\tWorld"},
      {"contains prefix suffix",
       "{{ contains \"b\" \"abc\" }} {{ hasPrefix \"a\" \"abc\" }} {{ hasSuffix \"x\" \"abc\" }}",
       "null", "true true false"},
      {"quote", "{{ quote \"a\" 1 nil }} {{ squote \"a\" 2 }}", "null", "\"a\" \"1\" 'a' '2'"},
      {"cat", "{{ cat \"a\" 1 nil \"b\" }}", "null", "a 1 b"},
      {"indent", "{{ indent 2 \"a\\nb\" }}|{{ nindent 1 \"c\" }}", "null", "  a\n  b|\n c"},
      {"replace plural", "{{ replace \"a\" \"b\" \"aaa\" }} {{ plural \"one\" \"many\" 2 }}",
       "null", "bbb many"},
      {"split", "{{ $p := split \",\" \"a,b\" }}{{ $p._1 }} {{ (splitn \",\" 2 \"a,b,c\")._1 }}",
       "null", "b b,c"},
      {"splitList join", "{{ splitList \",\" \"a,b\" | join \"+\" }} {{ join \"-\" . }}",
       "[1,null,\"x\"]", "a+b 1-x"},
      {"sortAlpha toStrings",
       "{{ sortAlpha (list \"b\" \"a\" 3) }} {{ toStrings (list 1 2) | typeOf }}", "null",
       "[3 a b] []string"},
      {"substr out of range", "{{ substr -1 9 \"ab\" }}", "null", "slice bounds out of range",
       true},
  });
}

TEST_CASE("functions: lists", "[gotemplate][funcs][lists]") {
  runCases({
      {"list ends", "{{ list 1 2 3 | first }} {{ list 1 2 3 | last }} {{ list | first }}", "null",
       "1 3 <no value>"},
      {"rest initial reverse",
       "{{ list 1 2 3 | rest }} {{ list 1 2 3 | initial }} {{ list 1 2 3 | reverse }}", "null",
       "[2 3] [1 2] [3 2 1]"},
      {"append prepend concat",
       "{{ append (list 1) 2 }} {{ prepend (list 1) 0 }} {{ concat (list 1) (list 2 3) }}", "null",
       "[1 2] [0 1] [1 2 3]"},
      {"uniq without compact",
       "{{ uniq (list 1 1 \"a\" \"a\") }} {{ without (list 1 2 3) 2 }} {{ compact (list 0 \"\" 1) "
       "}}",
       "null", "[1 a] [1 3] [1]"},
      {"has", "{{ has 2 (list 1 2) }} {{ has 2.0 (list 1 2) }} {{ has 1 nil }}", "null",
       "true false false"},
      {"slice chunk", "{{ slice (list 1 2 3) 1 }} {{ chunk 2 (list 1 2 3) }}", "null",
       "[2 3] [[1 2] [3]]"},
      {"data lists", "{{ first . }} {{ rest . | len }}", "[\"a\",\"b\"]", "a 1"},
      {"until seq", "{{ until 3 }} {{ untilStep 0 10 4 }} {{ seq 3 }} {{ seq 5 -2 1 }}", "null",
       "[0 1 2] [0 4 8] 1 2 3 5 3 1"},
      {"push on a map", "{{ append . 1 }}", "{}", "error calling append: Cannot push on type map",
       true},
      {"slice of a string", "{{ slice \"abc\" 1 }}", "null",
       "list should be type of slice or array but string", true},
  });
}

TEST_CASE("functions: dicts", "[gotemplate][funcs][dicts]") {
  runCases({
      {"dict get hasKey",
       "{{ $d := dict \"a\" 1 \"b\" }}{{ get $d \"a\" }}|{{ get $d \"b\" }}|{{ get $d \"z\" }}|{{ "
       "hasKey $d \"b\" }}",
       "null", "1|||true"},
      {"set mutates", "{{ $d := dict }}{{ $_ := set $d \"k\" 1 }}{{ $d.k }}", "null", "1"},
      {"set on data", "{{ $_ := set .m \"k\" 2 }}{{ .m.k }} {{ len .m }}", R"({"m":{"a":1}})",
       "2 2"},
      {"variables survive growth",
       "{{ $d := dict \"a\" (list 1) }}{{ $a := $d.a }}{{ range until 50 }}{{ $_ := set $d "
       "(printf \"k%d\" .) . }}{{ end }}{{ $a }} {{ len $d }}",
       "null", "[1] 51"},
      {"bound scalars are copies",
       "{{ $d := dict \"n\" 0 }}{{ range until 3 }}{{ $old := $d.n }}{{ $_ := set $d \"n\" (add1 "
       "$old) }}{{ $old }}{{ end }} {{ $d.n }}",
       "null", "012 3"},
      {"range over a map that is set",
       "{{ range $k, $v := .m }}{{ $_ := set $.m $k 0 }}{{ $v }}{{ end }} {{ .m }}",
       R"({"m":{"a":"1","b":"2"}})", "12 map[a:0 b:0]"},
      {"maps in lists are references",
       "{{ $l := list (dict \"a\" 1) }}{{ range $l }}{{ $_ := set . \"b\" 2 }}{{ end }}{{ $l }}",
       "null", "[map[a:1 b:2]]"},
      {"replacing a map keeps what variables saw",
       "{{ $b := .m.b }}{{ $_ := set .m \"b\" 1 }}{{ $b.c }} {{ .m.b }}", R"({"m":{"b":{"c":3}}})",
       "3 1"},
      {"unset", "{{ $d := dict \"a\" 1 \"b\" 2 }}{{ $_ := unset $d \"a\" }}{{ $d }}", "null",
       "map[b:2]"},
      {"pluck keys values",
       "{{ pluck \"a\" (dict \"a\" 1) (dict \"a\" 2) (dict) }} {{ keys (dict \"x\" 1) }} {{ values "
       "(dict \"x\" 1) }}",
       "null", "[1 2] [x] [1]"},
      {"pick omit", "{{ pick . \"a\" \"c\" }} {{ omit . \"a\" }}", R"({"a":1,"b":2,"c":3})",
       "map[a:1 c:3] map[b:2 c:3]"},
      {"merge", "{{ merge .d .s }}", R"({"d":{"a":1,"n":{"x":1}},"s":{"a":2,"b":3,"n":{"y":2}}})",
       "map[a:1 b:3 n:map[x:1 y:2]]"},
      {"mergeOverwrite", "{{ mergeOverwrite .d .s }} {{ .d.a }}", R"({"d":{"a":1},"s":{"a":2}})",
       "map[a:2] 2"},
      {"dig", "{{ dig \"a\" \"b\" \"def\" . }} {{ dig \"a\" \"x\" \"def\" . }}",
       R"({"a":{"b":"found"}})", "found def"},
      {"deepCopy is independent",
       "{{ $a := dict \"k\" 1 }}{{ $b := deepCopy $a }}{{ $_ := set $b \"k\" 2 }}{{ $a.k }}{{ $b.k "
       "}}",
       "null", "12"},
  });
}

TEST_CASE("functions: math and conversions", "[gotemplate][funcs][math]") {
  runCases({
      {"integer math", "{{ add 1 2 3 }} {{ sub 5 2 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 2 }}",
       "null", "6 3 24 3 1"},
      {"casts in math", "{{ add \"2\" 1.9 true nil }} {{ add1 \"0x10\" }}", "null", "4 17"},
      {"float math",
       "{{ addf 1.5 2.2 3 }} {{ mulf 1.2 2.4 10 4 }} {{ divf 2 5 4 }} {{ subf 3 1.5 }}", "null",
       "6.7 115.2 0.1 1.5"},
      {"min max", "{{ max 1 5 3 }} {{ min 4 2 }} {{ maxf 1 2.5 }} {{ minf 1.5 3 }}", "null",
       "5 2 2.5 1.5"},
      {"rounding", "{{ floor 1.7 }} {{ ceil 1.2 }} {{ round 3.14159 2 }}", "null", "1 2 3.14"},
      {"conversions",
       "{{ int \"12\" }} {{ int64 3.9 | typeOf }} {{ float64 \"1.5\" }} {{ atoi \"x\" }} {{ "
       "toDecimal \"0777\" }}",
       "null", "12 int64 1.5 0 511"},
      {"division by zero", "{{ div 1 0 }}", "null", "integer divide by zero", true},
  });
}

TEST_CASE("functions: defaults and reflection", "[gotemplate][funcs][defaults]") {
  runCases({
      {"default empty", "{{ default \"d\" .a }} {{ default \"d\" .b }} {{ empty .c }}",
       R"({"a":"","b":"x","c":[]})", "d x true"},
      {"coalesce all any", "{{ coalesce \"\" 0 \"x\" }} {{ all 1 \"a\" }} {{ any 0 \"\" }}", "null",
       "x true false"},
      {"ternary", "{{ ternary \"y\" \"n\" true }} {{ false | ternary 1 2 }}", "null", "y 2"},
      {"typeOf kindOf",
       "{{ typeOf . }} {{ kindOf . }} {{ typeOf 1 }} {{ kindOf nil }} {{ typeIs \"string\" \"a\" "
       "}}",
       "{}", "map[string]interface {} map int invalid true"},
      {"deepEqual", "{{ deepEqual (list 1 2) (list 1 2) }} {{ deepEqual 1 1.0 }}", "null",
       "true false"},
      {"semver",
       "{{ (semver \"1.2.3-rc.1\").Minor }} {{ (semver \"1.2.3\").Compare (semver \"1.3.0\") }}",
       "null", "2 -1"},
      {"semverCompare",
       "{{ semverCompare \"^1.2.0\" \"1.4.0\" }} {{ semverCompare \">2\" \"1.0.0\" }}", "null",
       "true false"},
      {"bad semver", "{{ semver \"x\" }}", "null", "Invalid Semantic Version", true},
  });
}

TEST_CASE("functions: encodings, paths and URLs", "[gotemplate][funcs][encoding]") {
  runCases({
      {"base64 base32",
       "{{ b64enc \"hi\" }} {{ b64dec \"aGk=\" }} {{ b32enc \"hi\" }} {{ b32dec \"NBUQ====\" }}",
       "null", "aGk= hi NBUQ==== hi"},
      {"json", "{{ toJson . }} {{ toRawJson . }}", R"({"b":"<x>","a":[1,2.5]})",
       R"({"a":[1,2.5],"b":"\u003cx\u003e"} {"a":[1,2.5],"b":"<x>"})"},
      {"pretty json", "{{ toPrettyJson . }}", R"({"a":1})", "{\n  \"a\": 1\n}"},
      {"fromJson", "{{ (fromJson \"{\\\"a\\\": 2}\").a | typeOf }} {{ fromJson \"[1]\" }}", "null",
       "float64 map[Error:json: cannot unmarshal array into Go value of type map[string]interface "
       "{}]"},
      {"yaml", "{{ toYaml . }}", R"({"b":[1,2],"a":{"c":"yes"}})",
       "a:\n  c: \"yes\"\nb:\n- 1\n- 2"},
      {"yaml pretty", "{{ toYamlPretty . }}", R"({"b":[1,2]})", "b:\n  - 1\n  - 2"},
      {"fromYaml", "{{ (fromYaml \"a: 1\\nb: [x]\").b }} {{ fromYamlArray \"- 1\\n- two\" }}",
       "null", "[x] [1 two]"},
      {"toml", "{{ toToml . }}", R"({"a":"x","t":{"n":1}})", "a = \"x\"\n\n[t]\n  n = 1\n"},
      {"fromToml", "{{ fromToml \"a = 1\\n[t]\\nb = \\\"c\\\"\" }}", "null", "map[a:1 t:map[b:c]]"},
      {"paths",
       "{{ base \"a/b.txt\" }} {{ dir \"a/b/c\" }} {{ clean \"/a/../b/./c\" }} {{ ext \"x.tar.gz\" "
       "}} "
       "{{ isAbs \"/x\" }}",
       "null", "b.txt a/b /b/c .gz true"},
      {"urls",
       "{{ $u := urlParse \"https://u@h:8/p?q=1#f\" }}{{ $u.hostname }} {{ $u.path }} {{ $u.query "
       "}} "
       "{{ urlJoin $u }}",
       "null", "h /p q=1 https://u@h:8/p?q=1#f"},
  });
}

TEST_CASE("functions: regular expressions", "[gotemplate][funcs][regex]") {
  runCases({
      {"match find", "{{ regexMatch \"^a.c$\" \"abc\" }} {{ regexFind \"b+\" \"abbbc\" }}", "null",
       "true bbb"},
      {"find all",
       "{{ regexFindAll \"a.\" \"axaya\" -1 }} {{ regexFindAll \"x*\" \"ab\" -1 | len }}", "null",
       "[ax ay] 3"},
      {"replace",
       "{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"${1}W\" }} {{ "
       "regexReplaceAllLiteral \"a\" \"aa\" \"$1\" }}",
       "null", "-W-xxW- $1$1"},
      {"split", "{{ regexSplit \"z+\" \"pizza\" -1 }} {{ regexSplit \"/\" \"a/b/c\" 2 }}", "null",
       "[pi a] [a b/c]"},
      {"quote meta", "{{ regexQuoteMeta \"1.2+\" }}", "null", "1\\.2\\+"},
      {"bad pattern", "{{ mustRegexMatch \"(\" \"x\" }}", "null",
       "error parsing regexp: missing closing ): `(`", true},
      {"bad pattern is false", "{{ regexMatch \"(\" \"x\" }}", "null", "false"},
  });
}

TEST_CASE("functions: crypto and random", "[gotemplate][funcs][crypto]") {
  runCases({
      {"hashes",
       "{{ sha1sum \"abc\" }} {{ sha256sum \"abc\" | trunc 8 }} {{ sha512sum \"abc\" | trunc 8 }} "
       "{{ adler32sum \"abc\" }}",
       "null", "a9993e364706816aba3e25717850c26c9cd0d89d ba7816bf ddaf35a1 38600999"},
      {"derivePassword", "{{ derivePassword 1 \"long\" \"password\" \"user\" \"example.com\" }}",
       "null", "ZedaFaxcZaso9*"},
      {"aes round trip", "{{ encryptAES \"k\" \"secret\" | decryptAES \"k\" }}", "null", "secret"},
      {"random lengths",
       "{{ randAlphaNum 5 | len }} {{ randAlpha 3 | len }} {{ randNumeric 2 | len }} {{ uuidv4 | "
       "len }}",
       "null", "5 3 2 36"},
  });
}

TEST_CASE("functions: keys and certificates", "[gotemplate][funcs][crypto]") {
  runCases({
      {"private keys",
       "{{ genPrivateKey \"ecdsa\" | trunc 30 }} {{ genPrivateKey \"ed25519\" | trunc 27 }} {{ "
       "genPrivateKey \"x\" }}",
       "null", "-----BEGIN EC PRIVATE KEY----- -----BEGIN PRIVATE KEY----- Unknown type x"},
      {"CA and signed certificate",
       "{{ $ca := genCA \"ca\" 30 }}{{ $c := genSignedCert \"svc\" (list \"10.0.0.1\") (list "
       "\"svc.ns\") 30 $ca }}{{ typeOf $c }} {{ $c.Cert | trunc 27 }} {{ $c.Key | trunc 31 }}",
       "null", "sprig.certificate -----BEGIN CERTIFICATE----- -----BEGIN RSA PRIVATE KEY-----"},
      {"self-signed with a key",
       "{{ $k := genPrivateKey \"ecdsa\" }}{{ $c := genSelfSignedCertWithKey \"x\" nil nil 1 $k "
       "}}{{ eq $c.Key $k }}",
       "null", "true"},
      {"buildCustomCert round trip",
       "{{ $c := genCA \"ca\" 1 }}{{ $b := buildCustomCert ($c.Cert | b64enc) ($c.Key | b64enc) "
       "}}{{ eq $b.Cert $c.Cert }}",
       "null", "true"},
      {"bad ip", "{{ genSelfSignedCert \"x\" (list \"nope\") nil 1 }}", "null",
       "error parsing ip: nope", true},
      {"bcrypt htpasswd", "{{ bcrypt \"x\" | trunc 7 }} {{ htpasswd \"u\" \"p\" | trunc 9 }}",
       "null", "$2a$10$ u:$2a$10$"},
  });
}

TEST_CASE("functions: dates and durations", "[gotemplate][funcs][time]") {
  runCases({
      {"toDate date", "{{ toDate \"2006-01-02\" \"2017-12-31\" | date \"02/01/2006 Mon\" }}",
       "null", "31/12/2017 Sun"},
      {"unix seconds", "{{ date \"2006-01-02T15:04:05Z07:00\" 86400 }} {{ htmlDate 0 }}", "null",
       "1970-01-02T00:00:00Z 1970-01-01"},
      {"dateModify",
       "{{ toDate \"2006-01-02\" \"2020-02-28\" | dateModify \"48h\" | date \"Jan 2\" }}", "null",
       "Mar 1"},
      {"time zones",
       "{{ dateInZone \"2006-01-02 15:04 MST -07:00\" 1700000000 \"Europe/Berlin\" }} {{ "
       "dateInZone \"15:04 MST\" 0 \"No/Such\" }}",
       "null", "2023-11-14 23:13 CET +01:00 00:00 UTC"},
      {"time printing", "{{ toDate \"2006-01-02 15:04\" \"2020-01-02 03:04\" }}", "null",
       "2020-01-02 03:04:00 +0000 UTC"},
      {"sprig durations", "{{ duration \"93784\" }} {{ durationRound \"2400h5s\" }}", "null",
       "26h3m4s 3mo"},
      {"helm durations",
       "{{ durationSeconds \"1m30s\" }} {{ durationMinutes 90 }} {{ durationRoundTo \"93s\" \"1m\" "
       "}} "
       "{{ mustToDuration 30 }}",
       "null", "90 1.5 2m0s 30s"},
      {"bad duration", "{{ mustToDuration \"x\" }}", "null", "could not parse duration \"x\"",
       true},
  });
}

TEST_CASE("functions: Helm's include, tpl, required and fail", "[gotemplate][funcs][helm]") {
  runCases(
      {
          {"include", "{{ include \"h\" . | upper }}", R"({"n":"x"})", "[X]"},
          {"include in a pipeline", "{{ include \"h\" . | indent 2 }}", R"({"n":"y"})", "  [y]"},
          {"include of a missing template", "{{ include \"nope\" . }}", "null",
           "error calling include: template: no template \"nope\" associated with template "
           "\"gotpl\"",
           true},
          {"include recursion is stopped", "{{ include \"loop\" . }}", "null",
           "rendering template has a nested reference name: loop: unable to execute template",
           true},
          {"tpl", "{{ tpl \"{{ .n }}-{{ include \\\"h\\\" . }}\" . }}", R"({"n":"z"})", "z-[z]"},
          {"tpl definitions stay local",
           "{{ tpl \"{{ define \\\"h\\\" }}local{{ end }}{{ include \\\"h\\\" . }}\" . }} {{ "
           "include "
           "\"h\" . }}",
           R"({"n":"g"})", "local [g]"},
          {"tpl removes no value", "{{ tpl \"{{ .missing }}\" . }}", "{}", ""},
          {"required", "{{ required \"need a\" .a }}", R"({"a":1})", "1"},
          {"required missing", "{{ required \"need a\" .a }}", "{}", "need a", true},
          {"required empty string", "{{ required \"need a\" .a }}", R"({"a":""})", "need a", true},
          {"fail", "{{ fail \"boom\" }}", "null", "error calling fail: boom", true},
          {"lookup getHostByName",
           "{{ lookup \"v1\" \"Pod\" \"ns\" \"n\" }}{{ getHostByName \"x\" }}", "null", "map[]"},
      },
      {{"helpers",
        "{{ define \"h\" }}[{{ .n }}]{{ end }}{{ define \"loop\" }}{{ include \"loop\" . }}{{ end "
        "}}"}});
}
