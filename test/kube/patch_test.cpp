#include "driftless/kube/patch.h"

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers.hpp>

#include <string>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/core/json.h"

namespace core = driftless::core;
namespace kube = driftless::kube;

namespace {

core::Value json(const std::string& text) {
  return core::parseJson(text);
}

// Compact JSON, which keeps key order: comparing it checks order as well as content.
std::string compact(const core::Value& v) {
  return core::toJson(v);
}

std::string jsonPatchErrorOf(const std::string& target, const std::string& operations) {
  try {
    (void)kube::applyJsonPatch(json(target), json(operations));
  } catch (const kube::PatchError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("Merge patch: RFC 7386 appendix A", "[kube][patch]") {
  struct Case {
    std::string original;
    std::string patch;
    std::string result;
  };
  const std::vector<Case> cases = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", "null", "null"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const auto& c : cases) {
    INFO("original: " << c.original << " patch: " << c.patch);
    CHECK(compact(kube::applyMergePatch(json(c.original), json(c.patch))) ==
          compact(json(c.result)));
  }
}

TEST_CASE("Merge patch: RFC 7386 section 3 example keeps key order", "[kube][patch]") {
  const auto target = json(R"({
    "title": "Goodbye!",
    "author": {"givenName": "John", "familyName": "Doe"},
    "tags": ["example", "sample"],
    "content": "This will be unchanged"
  })");
  const auto patch = json(R"({
    "title": "Hello!",
    "phoneNumber": "+01-123-456-7890",
    "author": {"familyName": null},
    "tags": ["example"]
  })");
  const auto expected = json(R"({
    "title": "Hello!",
    "author": {"givenName": "John"},
    "tags": ["example"],
    "content": "This will be unchanged",
    "phoneNumber": "+01-123-456-7890"
  })");
  CHECK(compact(kube::applyMergePatch(target, patch)) == compact(expected));
}

TEST_CASE("Merge patch: nested additions and replacements", "[kube][patch]") {
  struct Case {
    std::string original;
    std::string patch;
    std::string result;
  };
  const std::vector<Case> cases = {
      // Patching into a scalar replaces it with an object built from the patch.
      {R"({"a":1})", R"({"a":{"b":2,"c":null}})", R"({"a":{"b":2}})"},
      // New keys append after the existing ones, in the patch's order.
      {R"({"z":1,"a":2})", R"({"m":3,"a":4,"b":5})", R"({"z":1,"a":4,"m":3,"b":5})"},
      {R"({"spec":{"replicas":1,"template":{"x":1}}})", R"({"spec":{"template":{"y":2}}})",
       R"({"spec":{"replicas":1,"template":{"x":1,"y":2}}})"},
      {R"({"a":1})", R"({})", R"({"a":1})"},
      {R"({"a":1})", R"({"missing":null})", R"({"a":1})"},
      {"null", R"({"a":1})", R"({"a":1})"},
  };
  for (const auto& c : cases) {
    INFO("original: " << c.original << " patch: " << c.patch);
    CHECK(compact(kube::applyMergePatch(json(c.original), json(c.patch))) ==
          compact(json(c.result)));
  }
}

TEST_CASE("Merge patch: creating the minimal patch", "[kube][patch]") {
  struct Case {
    std::string original;
    std::string modified;
    std::string patch;
  };
  const std::vector<Case> cases = {
      {R"({"a":1,"b":2})", R"({"a":1,"b":2})", R"({})"},
      {R"({"a":1,"b":2})", R"({"b":2,"a":1})", R"({})"},
      {R"({"a":1,"b":2})", R"({"a":1,"b":3})", R"({"b":3})"},
      {R"({"a":1,"b":2})", R"({"a":1})", R"({"b":null})"},
      {R"({"a":1})", R"({"c":1,"a":1})", R"({"c":1})"},
      {R"({"a":1,"b":2})", R"({"b":2,"c":3})", R"({"c":3,"a":null})"},
      {R"({"a":{"x":1,"y":2}})", R"({"a":{"x":1,"y":3}})", R"({"a":{"y":3}})"},
      {R"({"a":{"x":1,"y":2}})", R"({"a":{"x":1}})", R"({"a":{"y":null}})"},
      {R"({"a":[1,2]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"({"a":"x"})", R"({"a":{"b":1}})", R"({"a":{"b":1}})"},
      {R"({"a":{"b":1}})", R"({"a":"x"})", R"({"a":"x"})"},
      {R"({"metadata":{"labels":{"a":"1"},"name":"n"}})",
       R"({"metadata":{"labels":{"b":"2"},"name":"n"}})",
       R"({"metadata":{"labels":{"b":"2","a":null}}})"},
      {R"([1])", R"([2])", R"([2])"},
      {R"({"a":1})", R"("s")", R"("s")"},
  };
  for (const auto& c : cases) {
    INFO("original: " << c.original << " modified: " << c.modified);
    const auto original = json(c.original);
    const auto modified = json(c.modified);
    const auto patch = kube::createMergePatch(original, modified);
    CHECK(compact(patch) == compact(json(c.patch)));
    // The patch turns the original into the modified document.
    CHECK(kube::applyMergePatch(original, patch) == modified);
  }
}

TEST_CASE("JSON patch: RFC 6902 appendix A", "[kube][patch]") {
  struct Case {
    std::string name;
    std::string target;
    std::string patch;
    std::string result;  // empty: an error
    std::string error;
  };
  const std::vector<Case> cases = {
      {"A.1 adding an object member", R"({"foo":"bar"})",
       R"([{"op":"add","path":"/baz","value":"qux"}])", R"({"baz":"qux","foo":"bar"})", ""},
      {"A.2 adding an array element", R"({"foo":["bar","baz"]})",
       R"([{"op":"add","path":"/foo/1","value":"qux"}])", R"({"foo":["bar","qux","baz"]})", ""},
      {"A.3 removing an object member", R"({"baz":"qux","foo":"bar"})",
       R"([{"op":"remove","path":"/baz"}])", R"({"foo":"bar"})", ""},
      {"A.4 removing an array element", R"({"foo":["bar","qux","baz"]})",
       R"([{"op":"remove","path":"/foo/1"}])", R"({"foo":["bar","baz"]})", ""},
      {"A.5 replacing a value", R"({"baz":"qux","foo":"bar"})",
       R"([{"op":"replace","path":"/baz","value":"boo"}])", R"({"baz":"boo","foo":"bar"})", ""},
      {"A.6 moving a value", R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
       R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
       R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})", ""},
      {"A.7 moving an array element", R"({"foo":["all","grass","cows","eat"]})",
       R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])",
       R"({"foo":["all","cows","eat","grass"]})", ""},
      {"A.8 testing a value: success", R"({"baz":"qux","foo":["a",2,"c"]})",
       R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])",
       R"({"baz":"qux","foo":["a",2,"c"]})", ""},
      {"A.9 testing a value: error", R"({"baz":"qux"})",
       R"([{"op":"test","path":"/baz","value":"bar"}])", "",
       "testing value /baz failed: test failed"},
      {"A.10 adding a nested member object", R"({"foo":"bar"})",
       R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])",
       R"({"foo":"bar","child":{"grandchild":{}}})", ""},
      {"A.11 ignoring unrecognized elements", R"({"foo":"bar"})",
       R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])", R"({"foo":"bar","baz":"qux"})",
       ""},
      {"A.12 adding to a nonexistent target", R"({"foo":"bar"})",
       R"([{"op":"add","path":"/baz/bat","value":"qux"}])", "",
       R"(add operation does not apply: doc is missing path: "/baz/bat": missing value)"},
      // A.13 (duplicate "op") is decoded as Go's encoding/json does: the last member wins.
      {"A.13 duplicate members", R"({"baz":"qux","foo":"bar"})",
       R"([{"op":"add","path":"/baz","value":"qux","op":"remove"}])", R"({"foo":"bar"})", ""},
      {"A.14 ~ escape ordering", R"({"/":9,"~1":10})",
       R"([{"op":"test","path":"/~01","value":10}])", R"({"/":9,"~1":10})", ""},
      {"A.15 comparing strings and numbers", R"({"/":9,"~1":10})",
       R"([{"op":"test","path":"/~01","value":"10"}])", "",
       "testing value /~01 failed: test failed"},
      {"A.16 adding an array value", R"({"foo":["bar"]})",
       R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])",
       R"({"foo":["bar",["abc","def"]]})", ""},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    if (c.result.empty()) {
      CHECK(jsonPatchErrorOf(c.target, c.patch) == c.error);
    } else {
      CHECK(kube::applyJsonPatch(json(c.target), json(c.patch)) == json(c.result));
    }
  }
}

TEST_CASE("JSON patch: operations", "[kube][patch]") {
  struct Case {
    std::string name;
    std::string target;
    std::string patch;
    std::string result;  // compared as compact JSON, so key order counts
  };
  const std::vector<Case> cases = {
      {"add replaces an existing member in place", R"({"a":1,"b":2})",
       R"([{"op":"add","path":"/a","value":3}])", R"({"a":3,"b":2})"},
      {"add appends a new member", R"({"b":1})", R"([{"op":"add","path":"/a","value":2}])",
       R"({"b":1,"a":2})"},
      {"add at the end index of an array", R"({"a":[1]})",
       R"([{"op":"add","path":"/a/1","value":2}])", R"({"a":[1,2]})"},
      {"add at index 0", R"({"a":[1]})", R"([{"op":"add","path":"/a/0","value":0}])",
       R"({"a":[0,1]})"},
      {"add - to an empty array", R"({"a":[]})", R"([{"op":"add","path":"/a/-","value":1}])",
       R"({"a":[1]})"},
      {"add null", R"({})", R"([{"op":"add","path":"/a","value":null}])", R"({"a":null})"},
      {"add the root", R"({"a":1})", R"([{"op":"add","path":"","value":[1]}])", "[1]"},
      {"replace the root", R"({"a":1})", R"([{"op":"replace","path":"","value":{"b":2}}])",
       R"({"b":2})"},
      {"replace an array element", R"([1,2,3])", R"([{"op":"replace","path":"/1","value":9}])",
       "[1,9,3]"},
      {"replace keeps the member position", R"({"a":1,"b":2})",
       R"([{"op":"replace","path":"/a","value":"x"}])", R"({"a":"x","b":2})"},
      {"remove the last array element", R"([1,2])", R"([{"op":"remove","path":"/1"}])", "[1]"},
      {"the empty key", R"({"":1})", R"([{"op":"replace","path":"/","value":2}])", R"({"":2})"},
      {"escaped slash and tilde", R"({"a/b":{"c~d":1}})",
       R"([{"op":"replace","path":"/a~1b/c~0d","value":2}])", R"({"a/b":{"c~d":2}})"},
      {"move to the same location is a no-op", R"({"a":1})",
       R"([{"op":"move","from":"/a","path":"/a"}])", R"({"a":1})"},
      {"move replaces an existing member", R"({"a":1,"b":2})",
       R"([{"op":"move","from":"/a","path":"/b"}])", R"({"b":1})"},
      {"move to the root", R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":""}])",
       R"({"b":1})"},
      {"move an array element to the end", R"([1,2,3])",
       R"([{"op":"move","from":"/0","path":"/-"}])", "[2,3,1]"},
      {"move into a sibling's child", R"({"a":1,"ab":{}})",
       R"([{"op":"move","from":"/a","path":"/ab/c"}])", R"({"ab":{"c":1}})"},
      {"copy a subtree", R"({"a":{"b":[1]}})", R"([{"op":"copy","from":"/a","path":"/c"}])",
       R"({"a":{"b":[1]},"c":{"b":[1]}})"},
      {"copy into itself", R"({"a":{"b":1}})", R"([{"op":"copy","from":"/a","path":"/a/c"}])",
       R"({"a":{"b":1,"c":{"b":1}}})"},
      {"copy the root", R"({"a":1})", R"([{"op":"copy","from":"","path":"/b"}])",
       R"({"a":1,"b":{"a":1}})"},
      {"copied values are independent", R"({"a":{"b":1}})",
       R"([{"op":"copy","from":"/a","path":"/c"},{"op":"replace","path":"/c/b","value":2}])",
       R"({"a":{"b":1},"c":{"b":2}})"},
      {"test compares numbers numerically", R"({"a":1})",
       R"([{"op":"test","path":"/a","value":1.0}])", R"({"a":1})"},
      {"test compares objects ignoring order", R"({"a":{"x":1,"y":2}})",
       R"([{"op":"test","path":"/a","value":{"y":2,"x":1}}])", R"({"a":{"x":1,"y":2}})"},
      {"test null", R"({"a":null})", R"([{"op":"test","path":"/a","value":null}])",
       R"({"a":null})"},
      {"test the root", R"({"a":1})", R"([{"op":"test","path":"","value":{"a":1}}])", R"({"a":1})"},
      {"a patch of null does nothing", R"({"a":1})", "null", R"({"a":1})"},
      {"an empty patch does nothing", R"({"a":1})", "[]", R"({"a":1})"},
      {"operations apply in order", R"({})",
       R"([{"op":"add","path":"/a","value":{}},{"op":"add","path":"/a/b","value":[]},
           {"op":"add","path":"/a/b/-","value":1},{"op":"test","path":"/a/b/0","value":1}])",
       R"({"a":{"b":[1]}})"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(compact(kube::applyJsonPatch(json(c.target), json(c.patch))) == compact(json(c.result)));
  }
}

TEST_CASE("JSON patch: errors", "[kube][patch]") {
  struct Case {
    std::string target;
    std::string patch;
    std::string error;
  };
  const std::vector<Case> cases = {
      {R"({"data":{}})", R"([{"op":"remove","path":"/data/x"}])",
       "error in remove for path: '/data/x': Unable to remove nonexistent key: x: missing value"},
      {R"({})", R"([{"op":"remove","path":"/a/b"}])",
       R"(remove operation does not apply: doc is missing path: "/a/b": missing value)"},
      {R"({})", R"([{"op":"remove","path":""}])",
       R"(remove operation does not apply: doc is missing path: "": missing value)"},
      {R"({"a":[1]})", R"([{"op":"remove","path":"/a/1"}])",
       "error in remove for path: '/a/1': Unable to access invalid index: 1: invalid index "
       "referenced"},
      {R"({"a":[1]})", R"([{"op":"remove","path":"/a/-"}])",
       "error in remove for path: '/a/-': Unable to access invalid index: -: invalid index "
       "referenced"},
      {R"({"data":{}})", R"([{"op":"replace","path":"/data/x","value":1}])",
       "replace operation does not apply: doc is missing key: /data/x: missing value"},
      {R"({"a":[]})", R"([{"op":"replace","path":"/a/0","value":1}])",
       "replace operation does not apply: doc is missing key: /a/0: missing value"},
      {R"({})", R"([{"op":"replace","path":"/a/b","value":1}])",
       "replace operation does not apply: doc is missing path: /a/b: missing value"},
      {R"({"a":[1]})", R"([{"op":"add","path":"/a/3","value":1}])",
       "error in add for path: '/a/3': Unable to access invalid index: 3: invalid index "
       "referenced"},
      {R"({"a":[1]})", R"([{"op":"add","path":"/a/01","value":1}])",
       "error in add for path: '/a/01': Unable to access invalid index: 01: invalid index "
       "referenced"},
      {R"({"a":[1]})", R"([{"op":"add","path":"/a/x","value":1}])",
       "error in add for path: '/a/x': value was not a proper array index: 'x'"},
      {R"({"a":[1]})", R"([{"op":"add","path":"/a/-1","value":1}])",
       "error in add for path: '/a/-1': value was not a proper array index: '-1'"},
      {R"({"a":1})", R"([{"op":"add","path":"/a/b","value":1}])",
       R"(add operation does not apply: doc is missing path: "/a/b": missing value)"},
      {R"({"a":[[1]]})", R"([{"op":"add","path":"/a/1/0","value":1}])",
       R"(add operation does not apply: doc is missing path: "/a/1/0": missing value)"},
      {R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a/c"}])",
       R"(move operation does not apply: cannot move "/a" into its own child "/a/c")"},
      {R"({"a":1})", R"([{"op":"move","from":"","path":"/b"}])",
       R"(move operation does not apply: cannot move "" into its own child "/b")"},
      {R"({"a":1})", R"([{"op":"move","from":"/b","path":"/c"}])",
       "error in move for path: '/b': Unable to remove nonexistent key: b: missing value"},
      {R"({"a":1})", R"([{"op":"move","from":"/b","path":"/b"}])",
       "error in move for path: '/b': unable to get nonexistent key: b: missing value"},
      {R"({"a":1})", R"([{"op":"move","from":"/x/y","path":"/c"}])",
       "move operation does not apply: doc is missing from path: /x/y: missing value"},
      {R"({"a":1})", R"([{"op":"move","from":"/a","path":"/x/y"}])",
       "move operation does not apply: doc is missing destination path: /x/y: missing value"},
      {R"({"a":1,"b":[]})", R"([{"op":"move","from":"/a","path":"/b/2"}])",
       "error in move for path: '/b/2': Unable to access invalid index: 2: invalid index "
       "referenced"},
      {R"({"a":1})", R"([{"op":"copy","from":"/x","path":"/c"}])",
       "error in copy for from: '/x': unable to get nonexistent key: x: missing value"},
      {R"({"a":[]})", R"([{"op":"copy","from":"/a/0","path":"/c"}])",
       "error in copy for from: '/a/0': Unable to access invalid index: 0: invalid index "
       "referenced"},
      {R"({"a":1})", R"([{"op":"copy","from":"/x/y","path":"/c"}])",
       "copy operation does not apply: doc is missing from path: /x/y: missing value"},
      {R"({"a":1})", R"([{"op":"copy","from":"/a","path":"/x/y"}])",
       "copy operation does not apply: doc is missing destination path: /x/y: missing value"},
      {R"({"a":1,"b":[]})", R"([{"op":"copy","from":"/a","path":"/b/1"}])",
       "error while adding value during copy: Unable to access invalid index: 1: invalid index "
       "referenced"},
      {R"({"a":1})", R"([{"op":"test","path":"/x","value":null}])",
       "testing value /x failed: test failed"},
      {R"({"a":[1]})", R"([{"op":"test","path":"/a/1","value":1}])",
       "testing value /a/1 failed: test failed"},
      {R"({"a":1})", R"([{"op":"test","path":"/x/y","value":1}])",
       "test operation does not apply: is missing path: /x/y: missing value"},
      {R"({"a":1})", R"([{"op":"test","path":"","value":{}}])",
       "testing value  failed: test failed"},
      {R"({"a":"1"})", R"([{"op":"test","path":"/a","value":1}])",
       "testing value /a failed: test failed"},
      {R"({"a":[1,2]})", R"([{"op":"test","path":"/a","value":[2,1]}])",
       "testing value /a failed: test failed"},
      {R"({})", R"([{"op":"frob","path":"/a"}])", "Unexpected kind: frob"},
      {R"({})", R"([{"path":"/a"}])", "Unexpected kind: unknown"},
      {R"({})", R"([{"op":1,"path":"/a"}])", "Unexpected kind: unknown"},
      {R"({})", R"([null])", "Unexpected kind: unknown"},
      {R"({})", R"([{"op":"add","value":1}])",
       "add operation failed to decode path: operation missing path field: missing value"},
      {R"({})", R"([{"op":"remove","path":5}])",
       "remove operation failed to decode path: json: cannot unmarshal number into Go value of "
       "type string"},
      {R"({})", R"([{"op":"move","path":"/a"}])",
       "move operation failed to decode from: operation, missing from field: missing value"},
      {R"({})", R"([{"op":"add","path":"/a"}])",
       "add operation failed to decode value: operation, missing value field: missing value"},
      {R"({"a":1})", R"([{"op":"replace","path":"/a"}])",
       "replace operation failed to decode value: operation, missing value field: missing value"},
      {R"({"a":1})", R"([{"op":"test","path":"/a"}])",
       "test operation failed to decode value: operation, missing value field: missing value"},
      {R"({})", R"([{"op":"add","path":"a/b","value":1}])",
       R"(add operation failed to decode path: invalid JSON pointer: "a/b")"},
      {R"({})", R"([{"op":"add","path":"/a~2","value":1}])",
       R"(add operation failed to decode path: invalid JSON pointer: "/a~2")"},
      {R"({})", R"([{"op":"copy","from":"/a~","path":"/b"}])",
       R"(copy operation failed to decode from: invalid JSON pointer: "/a~")"},
      // The first failure stops the patch.
      {R"({"a":1})",
       R"([{"op":"replace","path":"/a","value":2},{"op":"test","path":"/a","value":1}])",
       "testing value /a failed: test failed"},
  };
  for (const auto& c : cases) {
    INFO("target: " << c.target << " patch: " << c.patch);
    CHECK(jsonPatchErrorOf(c.target, c.patch) == c.error);
  }
}

TEST_CASE("JSON patch: malformed patch documents", "[kube][patch]") {
  const auto target = json(R"({"a":1})");
  CHECK_THROWS_AS(kube::applyJsonPatch(target, json(R"({"op":"add"})")), kube::MalformedPatchError);
  CHECK_THROWS_WITH(kube::applyJsonPatch(target, json(R"({"op":"add"})")),
                    "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  CHECK_THROWS_WITH(kube::applyJsonPatch(target, json(R"("x")")),
                    "json: cannot unmarshal string into Go value of type jsonpatch.Patch");
  CHECK_THROWS_WITH(
      kube::applyJsonPatch(target, json(R"([{"op":"test","path":"/a","value":1},3])")),
      "json: cannot unmarshal number into Go value of type jsonpatch.Operation");
  // Patch errors are core::Errors; a failed patch leaves the target as it was.
  CHECK_THROWS_AS(kube::applyJsonPatch(target, json(R"([{"op":"remove","path":"/b"}])")),
                  core::Error);
  CHECK(compact(target) == R"({"a":1})");
}

TEST_CASE("JSON pointers", "[kube][patch]") {
  struct Case {
    std::string pointer;
    std::vector<std::string> tokens;
  };
  const std::vector<Case> cases = {
      {"", {}},         {"/", {""}},        {"/a", {"a"}},      {"/a/b", {"a", "b"}},
      {"//", {"", ""}}, {"/a~1b", {"a/b"}}, {"/m~0n", {"m~n"}}, {"/~01", {"~1"}},
      {"/~10", {"/0"}},
  };
  for (const auto& c : cases) {
    INFO("pointer: " << c.pointer);
    CHECK(kube::parseJsonPointer(c.pointer) == c.tokens);
    CHECK(kube::formatJsonPointer(c.tokens) == c.pointer);
  }
  for (const char* bad : {"a", "/a~", "/a~2", "#/a"}) {
    INFO("pointer: " << bad);
    CHECK_THROWS_AS(kube::parseJsonPointer(bad), kube::PatchError);
  }

  // RFC 6901 section 5.
  const auto doc = json(R"({"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,
                            "i\\j":5,"k\"l":6," ":7,"m~n":8})");
  struct Lookup {
    std::string pointer;
    std::string value;  // empty: absent
  };
  const std::vector<Lookup> lookups = {
      {"", compact(doc)},
      {"/foo", R"(["bar","baz"])"},
      {"/foo/0", R"("bar")"},
      {"/", "0"},
      {"/a~1b", "1"},
      {"/c%d", "2"},
      {"/e^f", "3"},
      {"/g|h", "4"},
      {"/i\\j", "5"},
      {"/k\"l", "6"},
      {"/ ", "7"},
      {"/m~0n", "8"},
      {"/foo/2", ""},
      {"/foo/-", ""},
      {"/foo/01", ""},
      {"/missing", ""},
      {"/foo/0/x", ""},
  };
  for (const auto& l : lookups) {
    INFO("pointer: " << l.pointer);
    const core::Value* found = kube::resolveJsonPointer(doc, l.pointer);
    if (l.value.empty()) {
      CHECK(found == nullptr);
    } else {
      REQUIRE(found != nullptr);
      CHECK(compact(*found) == l.value);
    }
  }
}
