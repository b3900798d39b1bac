// Runs every case of ../shared/conformance/semver/cases.jsonl (Masterminds/semver v3 and Flux's
// version rules) and prints "semver: N passed, M failed".

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <regex>
#include <string>

#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/semver.h"

namespace core = driftless::core;

namespace {

const std::filesystem::path kCases = DRIFTLESS_SHARED_DIR "/conformance/semver/cases.jsonl";

std::optional<core::Constraints> tryConstraints(const std::string& text) {
  try {
    return core::Constraints::parse(text);
  } catch (const core::Error&) {
    return std::nullopt;
  }
}

struct Candidate {
  std::string tag;
  core::Version version;
  double tieKey = 0;  // larger wins among equal versions
};

// Picks the highest candidate matching `range`, ties to the largest tieKey; "" when none.
std::string pickLatest(const std::vector<Candidate>& candidates, const core::Constraints& range) {
  const Candidate* best = nullptr;
  for (const auto& c : candidates) {
    if (!range.check(c.version)) continue;
    if (best == nullptr) {
      best = &c;
      continue;
    }
    int d = c.version.compare(best->version);
    if (d > 0 || (d == 0 && c.tieKey > best->tieKey)) best = &c;
  }
  return best == nullptr ? "" : best->tag;
}

// The ways Flux APIs choose "the latest" tag (see the corpus README).
std::string fluxLatest(const core::Value& c) {
  const std::string context = c["context"].asString();
  const std::string constraint = c["constraint"].asString();
  std::vector<Candidate> candidates;
  std::function<double(const std::string&)> tieKey = [](const std::string&) { return 0.0; };
  if (context.rfind("GitRepository", 0) == 0) {
    tieKey = [&](const std::string& tag) {
      for (const auto& d : c["tag_details"].asArray()) {
        if (d["tag"].asString() == tag) return d["commit_time_offset_min"].asDouble();
      }
      return 0.0;
    };
  } else if (context.rfind("HelmChart.spec.version (HelmRepository index)", 0) == 0) {
    for (const auto& t : c["tags"].asArray()) {
      if (t.asString() == constraint) return constraint;
    }
    tieKey = [&](const std::string& tag) {
      const auto& created = c["created_offset_min"][tag];
      return created.isNull() ? 0.0 : created.asDouble();
    };
  } else if (context.rfind("HelmChart.spec.version (OCI", 0) == 0) {
    if (core::Version::parseFlux(constraint)) return constraint;
  }
  std::string range = constraint;
  if (context.rfind("HelmChart", 0) == 0 && (range.empty() || range == "*")) range = "*";
  bool helmLayer = context.find("Helm chart") != std::string::npos;
  std::optional<std::regex> filter;
  if (!c["semver_filter"].isNull()) filter.emplace(c["semver_filter"].asString());
  for (const auto& t : c["tags"].asArray()) {
    std::string tag = t.asString();
    if (filter && !std::regex_search(tag, *filter)) continue;
    std::string text = tag;
    if (helmLayer) std::replace(text.begin(), text.end(), '_', '+');
    if (auto v = core::Version::parseFlux(text)) candidates.push_back({tag, *v, tieKey(tag)});
  }
  auto parsed = tryConstraints(range);
  if (!parsed) return "error";
  std::string picked = pickLatest(candidates, *parsed);
  return picked.empty() ? "error" : picked;
}

// Returns "" when the case passes, else a description of the difference.
std::string runCase(const core::Value& c) {
  const std::string kind = c["kind"].asString();
  auto str = [&](const char* k) { return c[k].asString(); };
  if (kind == "check") {
    auto cs = tryConstraints(str("constraint"));
    auto v = core::Version::parse(str("version"));
    if (!cs || !v) return "constraint or version did not parse";
    bool got = cs->check(*v);
    bool fluxOk = core::Version::parseFlux(str("version")).has_value();
    if (fluxOk != c["flux_parse_ok"].asBool()) return "flux_parse_ok differs";
    return got == c["matches"].asBool() ? "" : "check gave " + std::to_string(got);
  }
  if (kind == "constraint_error") {
    return tryConstraints(str("constraint")) ? "constraint parsed but should fail" : "";
  }
  if (kind == "constraint_parse") {
    auto cs = tryConstraints(str("constraint"));
    if (cs.has_value() != c["valid"].asBool()) return "validity differs";
    if (cs && !c["or_groups"].isNull()) {
      if (cs->orGroups() != static_cast<std::size_t>(c["or_groups"].asInt())) return "or groups";
      if (cs->termsInGroup(0) != static_cast<std::size_t>(c["and_terms_in_first_group"].asInt())) {
        return "and terms";
      }
    }
    return "";
  }
  if (kind == "rewrite_range") {
    std::string got = core::rewriteHyphenRanges(str("constraint"));
    return got == str("rewritten") ? "" : "rewrote to \"" + got + "\"";
  }
  if (kind == "version_parse") {
    bool valid = core::Version::parse(str("version")).has_value();
    bool flux = core::Version::parseFlux(str("version")).has_value();
    if (valid != c["valid"].asBool()) return "validity differs";
    return flux == c["flux_parse_ok"].asBool() ? "" : "flux validity differs";
  }
  if (kind == "flux_parse_version") {
    bool ok = core::Version::parseFlux(str("version")).has_value();
    return ok == c["valid"].asBool() ? "" : "flux validity differs";
  }
  if (kind == "compare" || kind == "less_than" || kind == "greater_than") {
    auto a = core::Version::parse(str("v1"));
    auto b = core::Version::parse(str("v2"));
    if (!a || !b) return "version did not parse";
    int d = a->compare(*b);
    if (kind == "compare")
      return d == c["result"].asInt() ? "" : "compare gave " + std::to_string(d);
    bool got = kind == "less_than" ? d < 0 : d > 0;
    return got == c["result"].asBool() ? "" : "comparison differs";
  }
  if (kind == "flux_sort") {
    auto cs = tryConstraints(str("constraint"));
    std::vector<core::Version> versions;
    for (const auto& t : c["tags"].asArray()) {
      auto v = core::Version::parseFlux(t.asString());
      if (v && (!cs || cs->check(*v))) versions.push_back(*v);
    }
    // Descending; equal versions keep their input order.
    std::stable_sort(versions.begin(), versions.end(),
                     [](const core::Version& a, const core::Version& b) { return b < a; });
    core::Value got = core::Value::array();
    for (const auto& v : versions)
      got.push_back(v.original());
    return got == c["expected_sorted"] ? "" : "sorted to " + core::toJson(got);
  }
  if (kind == "flux_latest") {
    std::string got = fluxLatest(c);
    if (!c["expected_one_of"].isNull()) {
      for (const auto& e : c["expected_one_of"].asArray()) {
        if (e.asString() == got) return "";
      }
      return "picked " + got;
    }
    return got == str("expected") ? "" : "picked " + got;
  }
  return "unknown case kind " + kind;
}

}  // namespace

TEST_CASE("semver conformance corpus", "[core][semver][conformance]") {
  if (!std::filesystem::exists(kCases)) SKIP("../shared/conformance/semver is absent");
  std::ifstream in(kCases);
  std::string line;
  int passed = 0;
  int failed = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto c = core::parseJson(line);
    std::string diff;
    try {
      diff = runCase(c);
    } catch (const std::exception& e) {
      diff = std::string("threw: ") + e.what();
    }
    if (diff.empty()) {
      ++passed;
    } else {
      ++failed;
      UNSCOPED_INFO(line << "\n  -> " << diff);
    }
  }
  std::cout << "semver: " << passed << " passed, " << failed << " failed\n";
  CHECK(failed == 0);
}

TEST_CASE("Version and Constraints basics", "[core][semver]") {
  auto v = core::Version::parse("v1.2.3-rc.1+build.5");
  REQUIRE(v);
  CHECK(v->major() == 1);
  CHECK(v->prerelease() == "rc.1");
  CHECK(v->metadata() == "build.5");
  CHECK(v->original() == "v1.2.3-rc.1+build.5");
  CHECK(v->toString() == "1.2.3-rc.1+build.5");
  CHECK_FALSE(core::Version::parseFlux("v1.2"));
  CHECK(core::Version::parse("v1.2")->toString() == "1.2.0");
  CHECK_THROWS_WITH(core::Constraints::parse(""), "improper constraint: ");
  CHECK(core::Constraints::parse(">=1.0.0 <2.0.0 || ^3.1").check(*core::Version::parse("3.9.9")));
}
