// Renders the cases of the gotemplate conformance corpus (shared/conformance/gotemplate) with
// the rendering model its README describes: templates parsed in name order into a set rooted at
// "gotpl", `main` executed with the case's data (JSON numbers as float64), `<no value>` removed.
// Per-case mode reads one case from stdin; with --batch, one case per line, one JSON answer each.

#include <algorithm>
#include <exception>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/gotemplate/template.h"

namespace {

namespace core = driftless::core;
namespace gt = driftless::gotemplate;

// Helm decodes values through JSON: every number is a float64.
core::Value toFloat64(const core::Value& v) {
  if (v.isInt()) return core::Value(static_cast<double>(v.asInt()));
  if (v.isArray()) {
    core::Array out;
    for (const auto& e : v.asArray())
      out.push_back(toFloat64(e));
    return core::Value(std::move(out));
  }
  if (v.isObject()) {
    core::Object out;
    for (const auto& m : v.asObject())
      out.append(m.key, toFloat64(m.value));
    return core::Value(std::move(out));
  }
  return v;
}

void removeNoValue(std::string& s) {
  constexpr std::string_view kNoValue = "<no value>";
  std::string out;
  std::size_t pos = 0;
  while (true) {
    std::size_t at = s.find(kNoValue, pos);
    if (at == std::string::npos) break;
    out.append(s, pos, at - pos);
    pos = at + kNoValue.size();
  }
  out.append(s, pos, std::string::npos);
  s = std::move(out);
}

// Returns true on success; result holds the output or the error message.
bool render(const core::Value& c, std::string& result) {
  try {
    gt::TemplateSet set("gotpl");
    if (const core::Value* extra = c.find("templates"); extra && extra->isObject()) {
      std::vector<const core::Member*> members;
      for (const auto& m : extra->asObject())
        members.push_back(&m);
      std::sort(members.begin(), members.end(),
                [](const core::Member* a, const core::Member* b) { return a->key < b->key; });
      for (const auto* m : members)
        set.parse(m->key, m->value.asString());
    }
    set.parse("main", c["template"].isString() ? c["template"].asString() : std::string());
    result = set.execute("main", toFloat64(c["data"]));
    removeNoValue(result);
    return true;
  } catch (const std::exception& e) {
    result = e.what();
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool batch = argc > 1 && std::string_view(argv[argc - 1]) == "--batch";
  if (!batch) {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    std::string result;
    bool ok = false;
    try {
      ok = render(core::parseJson(text), result);
    } catch (const core::Error& e) {
      result = e.what();
    }
    (ok ? std::cout : std::cerr) << result;
    return ok ? 0 : 1;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    std::string result;
    bool ok = false;
    try {
      ok = render(core::parseJson(line), result);
    } catch (const core::Error& e) {
      result = e.what();
    }
    core::Value answer = core::Value::object();
    answer[ok ? "output" : "error"] = core::Value(result);
    std::cout << core::toJson(answer, {.indent = 0, .escapeHtml = false}) << '\n' << std::flush;
  }
  return 0;
}
