#include "driftless/kube/selector.h"

#include <catch2/catch_test_macros.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/core/json.h"

namespace core = driftless::core;
namespace kube = driftless::kube;

namespace {

const std::string kNameRegexError =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const std::string kValueRegexError =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const std::string kSubdomainRegexError =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

std::string errorOf(const std::string& text) {
  try {
    (void)kube::LabelSelector::parse(text);
  } catch (const kube::SelectorError& e) {
    return e.what();
  }
  return "<no error>";
}

std::string fromValueErrorOf(const std::string& json) {
  try {
    (void)kube::LabelSelector::fromValue(core::parseJson(json));
  } catch (const kube::SelectorError& e) {
    return e.what();
  }
  return "<no error>";
}

std::string fieldErrorOf(const std::string& text) {
  try {
    (void)kube::FieldSelector::parse(text);
  } catch (const kube::SelectorError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("LabelSelector: parses and prints the canonical form", "[kube][selector]") {
  struct Case {
    std::string input;
    std::string canonical;
  };
  const std::vector<Case> cases = {
      {"", ""},
      {"x=a,y=b,z=c", "x=a,y=b,z=c"},
      {"z=c,x=a", "x=a,z=c"},
      {"x!=a,y=b", "x!=a,y=b"},
      {"x==a", "x==a"},
      {"x=", "x="},
      {"x= ", "x="},
      {"x=,z= ", "x=,z="},
      {"  x = a  ,  y  ", "x=a,y"},
      {"x", "x"},
      {"!x", "!x"},
      {"! x", "!x"},
      {"x in (b,a,a)", "x in (a,b)"},
      {"x in(a)", "x in (a)"},
      {"x notin (a)", "x notin (a)"},
      {"x in ()", "x in ()"},
      {"x in (,a)", "x in (,a)"},
      {"x in (a,)", "x in (,a)"},
      {"x in (a,,b)", "x in (,a,b)"},
      {"in in (in, notin)", "in in (in,notin)"},
      {"notin notin (in)", "notin notin (in)"},
      {"x>1", "x>1"},
      {"x>1,z<5", "x>1,z<5"},
      {"example.com/app=web", "example.com/app=web"},
      {"a=b,!c,d notin (x)", "a=b,!c,d notin (x)"},
      {"app.kubernetes.io/name in (web, api),tier", "app.kubernetes.io/name in (api,web),tier"},
  };
  for (const auto& c : cases) {
    INFO("input: " << c.input);
    const auto selector = kube::LabelSelector::parse(c.input);
    CHECK(selector.toString() == c.canonical);
    CHECK(selector.empty() == c.canonical.empty());
    // The canonical form parses to the same selector.
    CHECK(kube::LabelSelector::parse(selector.toString()).requirements() ==
          selector.requirements());
  }
}

TEST_CASE("LabelSelector: parse errors carry Kubernetes' messages", "[kube][selector]") {
  struct Case {
    std::string input;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"x=a||y=b",
       "unable to parse requirement: values[0][x]: Invalid value: \"a||y\": " + kValueRegexError},
      {"x==a==b", "found '==', expected: ',' or 'end of string'"},
      {"!x=a", "found '=', expected: ',' or 'end of string'"},
      {"x<a",
       "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, "
       "the value must be an integer"},
      {"a$b=c",
       "unable to parse requirement: <nil>: Invalid value: \"a$b\": name part " + kNameRegexError},
      {"a=b,", "found '', expected: identifier after ','"},
      {"a=b,,c", "found ',', expected: identifier after ','"},
      {",a", "found ',', expected: !, identifier, or 'end of string'"},
      {"=a", "found '=', expected: !, identifier, or 'end of string'"},
      {"x in a", "unable to parse requirement: found 'a' expected: '('"},
      {"x in (a", "unable to parse requirement: found '', expected: ',' or ')'"},
      {"x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"},
      {"x in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"},
      {"x (a)", "unable to parse requirement: found '(', expected: '=', '!=', '==', 'in', notin'"},
      {"x y", "unable to parse requirement: found 'y', expected: '=', '!=', '==', 'in', notin'"},
      {"x=(a)", "unable to parse requirement: found '(', expected: identifier"},
      {"!", "unable to parse requirement: found '', expected: identifier"},
      {"!!x", "unable to parse requirement: found '!', expected: identifier"},
      {"x=a b", "found 'b', expected: ',' or 'end of string'"},
      {"a/b/c", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name " +
                    kNameRegexError +
                    " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"},
      {"Example.com/a",
       "unable to parse requirement: <nil>: Invalid value: \"Example.com/a\": prefix part " +
           kSubdomainRegexError},
      {"/a",
       "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be "
       "non-empty"},
      {"a/",
       "unable to parse requirement: <nil>: Invalid value: \"a/\": name part must be "
       "non-empty; name part " +
           kNameRegexError},
      {std::string(64, 'k'), "unable to parse requirement: <nil>: Invalid value: \"" +
                                 std::string(64, 'k') +
                                 "\": name part must be no more than 63 characters"},
      {"k=" + std::string(64, 'v'), "unable to parse requirement: values[0][k]: Invalid value: \"" +
                                        std::string(64, 'v') +
                                        "\": must be no more than 63 characters"},
      {"k in (-a,b-)",
       "unable to parse requirement: [values[0][k]: Invalid value: \"-a\": " + kValueRegexError +
           ", values[1][k]: Invalid value: \"b-\": " + kValueRegexError + "]"},
  };
  for (const auto& c : cases) {
    INFO("input: " << c.input);
    CHECK(errorOf(c.input) == c.error);
  }
  CHECK_THROWS_AS(kube::LabelSelector::parse("x=a=b"), core::Error);
}

TEST_CASE("LabelSelector: matching", "[kube][selector]") {
  struct Case {
    std::string selector;
    std::string labels;
    bool matches;
  };
  const std::vector<Case> cases = {
      {"", "null", true},
      {"", R"({"a":"b"})", true},
      {"x=a", R"({"x":"a"})", true},
      {"x==a", R"({"x":"a","y":"b"})", true},
      {"x=a", R"({"x":"b"})", false},
      {"x=a", "{}", false},
      {"x=a", "null", false},
      {"x!=a", "{}", true},
      {"x!=a", "null", true},
      {"x!=a", R"({"x":"a"})", false},
      {"x!=a", R"({"x":"b"})", true},
      {"x in (a,b)", R"({"x":"b"})", true},
      {"x in (a,b)", R"({"x":"c"})", false},
      {"x in (a,b)", "{}", false},
      {"x notin (a,b)", "{}", true},
      {"x notin (a,b)", R"({"x":"a"})", false},
      {"x notin (a,b)", R"({"x":"c"})", true},
      {"x", R"({"x":""})", true},
      {"x", "{}", false},
      {"!x", "{}", true},
      {"!x", R"({"x":"a"})", false},
      {"x>1", R"({"x":"2"})", true},
      {"x>1", R"({"x":"1"})", false},
      {"x>1", R"({"x":"a"})", false},
      {"x>1", "{}", false},
      {"x<1", R"({"x":"-5"})", true},
      {"x<1", R"({"x":"+0"})", true},
      {"x=a,y", R"({"x":"a","y":"z"})", true},
      {"x=a,y", R"({"x":"a"})", false},
      {"x=", R"({"x":""})", true},
      {"x=", "{}", false},
      {"x in ()", R"({"x":""})", true},
      // A non-string label value exists but equals nothing.
      {"x=1", R"({"x":1})", false},
      {"x!=1", R"({"x":1})", true},
      {"x", R"({"x":1})", true},
  };
  for (const auto& c : cases) {
    INFO("selector: " << c.selector << " labels: " << c.labels);
    CHECK(kube::LabelSelector::parse(c.selector).matches(core::parseJson(c.labels)) == c.matches);
  }
}

TEST_CASE("LabelSelector: from metav1.LabelSelector", "[kube][selector]") {
  const auto nothing = kube::LabelSelector::fromValue(core::Value());
  CHECK(nothing.matchesNothing());
  CHECK_FALSE(nothing.empty());
  CHECK_FALSE(nothing.matches(core::parseJson("{}")));
  CHECK_FALSE(nothing.matches(core::Value()));

  for (const char* everything :
       {"{}", R"({"matchLabels":{}})", R"({"matchLabels":null,"matchExpressions":[]})"}) {
    INFO(everything);
    const auto selector = kube::LabelSelector::fromValue(core::parseJson(everything));
    CHECK(selector.empty());
    CHECK(selector.matches(core::Value()));
    CHECK(selector.matches(core::parseJson(R"({"a":"b"})")));
  }

  const auto selector = kube::LabelSelector::fromValue(core::parseJson(R"({
    "matchLabels": {"tier": "fe", "app": "web"},
    "matchExpressions": [
      {"key": "env", "operator": "In", "values": ["prod", "staging"]},
      {"key": "canary", "operator": "DoesNotExist"},
      {"key": "team", "operator": "NotIn", "values": ["x"]},
      {"key": "owner", "operator": "Exists", "values": []}
    ]})"));
  CHECK(selector.toString() ==
        "app=web,!canary,env in (prod,staging),owner,team notin (x),tier=fe");
  CHECK(selector.requiresExactMatch("app") == std::optional<std::string>("web"));
  CHECK_FALSE(selector.requiresExactMatch("env").has_value());

  struct Case {
    std::string labels;
    bool matches;
  };
  const std::vector<Case> cases = {
      {R"({"app":"web","tier":"fe","env":"prod","owner":"me"})", true},
      {R"({"app":"web","tier":"fe","env":"staging","owner":"me","team":"y"})", true},
      {R"({"app":"web","tier":"fe","env":"dev","owner":"me"})", false},
      {R"({"app":"web","tier":"fe","env":"prod","owner":"me","canary":"true"})", false},
      {R"({"app":"web","tier":"fe","env":"prod","owner":"me","team":"x"})", false},
      {R"({"app":"web","tier":"fe","env":"prod"})", false},
      {R"({"app":"api","tier":"fe","env":"prod","owner":"me"})", false},
      {"null", false},
  };
  for (const auto& c : cases) {
    INFO("labels: " << c.labels);
    CHECK(selector.matches(core::parseJson(c.labels)) == c.matches);
  }
}

TEST_CASE("LabelSelector: invalid metav1.LabelSelector values", "[kube][selector]") {
  struct Case {
    std::string json;
    std::string error;
  };
  const std::vector<Case> cases = {
      {R"({"matchExpressions":[{"key":"a","operator":"Foo"}]})",
       "\"Foo\" is not a valid label selector operator"},
      {R"({"matchExpressions":[{"key":"a","operator":"in","values":["x"]}]})",
       "\"in\" is not a valid label selector operator"},
      {R"({"matchExpressions":[{"key":"a"}]})", "\"\" is not a valid label selector operator"},
      {R"({"matchExpressions":[{"key":"a","operator":"In"}]})",
       "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be "
       "empty"},
      {R"({"matchExpressions":[{"key":"a","operator":"NotIn","values":[]}]})",
       "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be "
       "empty"},
      {R"({"matchExpressions":[{"key":"a","operator":"Exists","values":["x","y"]}]})",
       "values: Invalid value: []string{\"x\", \"y\"}: values set must be empty for exists and "
       "does not exist"},
      {R"({"matchExpressions":[{"operator":"Exists"}]})",
       "key: Invalid value: \"\": name part must be non-empty; name part " + kNameRegexError},
      {R"({"matchLabels":{"a b":"c"}})",
       "key: Invalid value: \"a b\": name part " + kNameRegexError},
      {R"({"matchLabels":{"app":"-web"}})",
       "values[0][app]: Invalid value: \"-web\": " + kValueRegexError},
      {R"({"matchLabels":{"app":1}})", "matchLabels.app: expected string, got integer"},
      {R"({"matchLabels":[]})", "matchLabels: expected object, got array"},
      {R"({"matchExpressions":{}})", "matchExpressions: expected array, got object"},
      {R"({"matchExpressions":["a"]})", "matchExpressions[0]: expected object, got string"},
      {R"({"matchExpressions":[{"key":"a","operator":"In","values":[1]}]})",
       "matchExpressions[0].values[0]: expected string, got integer"},
      {R"("app=web")", "label selector: expected object, got string"},
  };
  for (const auto& c : cases) {
    INFO("selector: " << c.json);
    CHECK(fromValueErrorOf(c.json) == c.error);
  }
}

TEST_CASE("Label key and value validation", "[kube][selector]") {
  struct Case {
    std::string text;
    bool validKey;
    bool validValue;
  };
  const std::vector<Case> cases = {
      {"a", true, true},
      {"", false, true},
      {"app.kubernetes.io/name", true, false},
      {"my_value-1.2", true, true},
      {"_a", false, false},
      {"a.", false, false},
      {"example.com/MyName", true, false},
      {"EXAMPLE.com/a", false, false},
      {"ex_ample.com/a", false, false},
      {"-example.com/a", false, false},
      {"example..com/a", false, false},
      {std::string(63, 'a'), true, true},
      {std::string(64, 'a'), false, false},
      {std::string(253, 'a') + "/a", true, false},
      {"a/b/c", false, false},
      {"\xc3\xa9t\xc3\xa9", false, false},
  };
  for (const auto& c : cases) {
    INFO("text: " << c.text);
    CHECK(kube::qualifiedNameErrors(c.text).empty() == c.validKey);
    CHECK(kube::labelValueErrors(c.text).empty() == c.validValue);
  }
  CHECK(kube::qualifiedNameErrors(std::string(254, 'a') + "/a") ==
        std::vector<std::string>{"prefix part must be no more than 253 characters"});
}

TEST_CASE("FieldSelector: parsing and canonical form", "[kube][selector]") {
  struct Case {
    std::string input;
    std::vector<kube::FieldRequirement> requirements;
    std::string canonical;
  };
  using Op = kube::SelectorOperator;
  const std::vector<Case> cases = {
      {"", {}, ""},
      {"metadata.name=web", {{"metadata.name", Op::Equals, "web"}}, "metadata.name=web"},
      {"b=2,a=1", {{"a", Op::Equals, "1"}, {"b", Op::Equals, "2"}}, "a=1,b=2"},
      {"a==1", {{"a", Op::Equals, "1"}}, "a=1"},
      {"a!=1", {{"a", Op::NotEquals, "1"}}, "a!=1"},
      {"a=", {{"a", Op::Equals, ""}}, "a="},
      {"a=1,", {{"a", Op::Equals, "1"}}, "a=1"},
      {",a=1,,", {{"a", Op::Equals, "1"}}, "a=1"},
      {R"(a=x\,y)", {{"a", Op::Equals, "x,y"}}, R"(a=x\,y)"},
      {R"(a=x\=y)", {{"a", Op::Equals, "x=y"}}, R"(a=x\=y)"},
      {R"(a=x\\y)", {{"a", Op::Equals, R"(x\y)"}}, R"(a=x\\y)"},
      {R"(a=x\!y)", {{"a", Op::Equals, "x!y"}}, "a=x!y"},
      {"a=x!y", {{"a", Op::Equals, "x!y"}}, "a=x!y"},
      {"a=!y", {{"a", Op::Equals, "!y"}}, "a=!y"},
      {"=a", {{"", Op::Equals, "a"}}, "=a"},
      {"spec.nodeName!=,status.phase=Running",
       {{"spec.nodeName", Op::NotEquals, ""}, {"status.phase", Op::Equals, "Running"}},
       "spec.nodeName!=,status.phase=Running"},
  };
  for (const auto& c : cases) {
    INFO("input: " << c.input);
    const auto selector = kube::FieldSelector::parse(c.input);
    CHECK(selector.requirements() == c.requirements);
    CHECK(selector.toString() == c.canonical);
    CHECK(selector.empty() == c.requirements.empty());
    CHECK(kube::FieldSelector::parse(selector.toString()).requirements() ==
          selector.requirements());
  }
}

TEST_CASE("FieldSelector: parse errors", "[kube][selector]") {
  struct Case {
    std::string input;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"a", "invalid selector: 'a'; can't understand 'a'"},
      {"a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"},
      {"a=b=c", "invalid field selector: unescaped character in value: ="},
      {"a!==b", "invalid field selector: unescaped character in value: ="},
      {R"(a=b\x)", R"(invalid field selector: invalid escape sequence: \x)"},
      {R"(a=b\)", R"(invalid field selector: invalid escape sequence: \)"},
  };
  for (const auto& c : cases) {
    INFO("input: " << c.input);
    CHECK(fieldErrorOf(c.input) == c.error);
  }
}

TEST_CASE("FieldSelector: matching, fields and exact matches", "[kube][selector]") {
  const std::map<std::string, std::string, std::less<>> object = {
      {"metadata.name", "web"}, {"metadata.namespace", "default"}, {"status.phase", "Running"}};
  const kube::FieldSelector::FieldGetter get =
      [&](std::string_view field) -> std::optional<std::string> {
    auto it = object.find(field);
    if (it == object.end()) return std::nullopt;
    return it->second;
  };
  struct Case {
    std::string selector;
    bool matches;
  };
  const std::vector<Case> cases = {
      {"", true},
      {"metadata.name=web", true},
      {"metadata.name==web", true},
      {"metadata.name=api", false},
      {"metadata.name!=api", true},
      {"metadata.name!=web", false},
      {"metadata.name=web,metadata.namespace!=kube-system", true},
      {"metadata.name=web,metadata.namespace=kube-system", false},
      // An absent field compares as the empty string.
      {"spec.nodeName=", true},
      {"spec.nodeName!=", false},
      {"spec.nodeName=n1", false},
      {"spec.nodeName!=n1", true},
  };
  for (const auto& c : cases) {
    INFO("selector: " << c.selector);
    CHECK(kube::FieldSelector::parse(c.selector).matches(get) == c.matches);
  }

  const auto selector =
      kube::FieldSelector::parse("metadata.name=web,status.phase!=x,metadata.name!=y");
  CHECK(selector.fields() == std::vector<std::string>{"metadata.name", "status.phase"});
  CHECK(selector.requiresExactMatch("metadata.name") == std::optional<std::string>("web"));
  CHECK_FALSE(selector.requiresExactMatch("status.phase").has_value());
  CHECK(kube::escapeFieldSelectorValue(R"(a,b=c\d)") == R"(a\,b\=c\\d)");
}
