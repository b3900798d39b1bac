#pragma once

// Label selectors (k8s.io/apimachinery/pkg/labels) and field selectors
// (k8s.io/apimachinery/pkg/fields), with Kubernetes' grammar, semantics and error messages.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/core/value.h"

namespace driftless::kube {

// A malformed or invalid selector. The message is Kubernetes' where practical, e.g.
// `unable to parse requirement: <nil>: Invalid value: "a$": name part must consist of ...`.
class SelectorError : public core::Error {
 public:
  using core::Error::Error;
};

enum class SelectorOperator : std::uint8_t {
  In,            // `key in (a,b)`, matchExpressions operator In
  NotIn,         // `key notin (a,b)`: also matches objects without the key
  Equals,        // `key=a`
  DoubleEquals,  // `key==a`
  NotEquals,     // `key!=a`: also matches objects without the key
  Exists,        // `key`
  DoesNotExist,  // `!key`
  GreaterThan,   // `key>3` (integers)
  LessThan,      // `key<3` (integers)
};

// One requirement of a label selector. Values are a sorted set when parsed from a string, and
// as given when built from a metav1.LabelSelector (as Kubernetes does).
struct LabelRequirement {
  std::string key;
  SelectorOperator op = SelectorOperator::Exists;
  std::vector<std::string> values;

  // labels: an object of string values, or null (no labels). A label with a non-string value
  // exists but equals no value.
  [[nodiscard]] bool matches(const core::Value& labels) const;
  // Kubernetes' canonical text: `!a`, `a`, `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`.
  [[nodiscard]] std::string toString() const;

  friend bool operator==(const LabelRequirement&, const LabelRequirement&) = default;
};

// A label selector: the AND of its requirements, sorted by key. The default selector has no
// requirements and matches everything; nothing() matches no object at all.
class LabelSelector {
 public:
  LabelSelector() = default;

  // Parses the string form (`app=web,tier in (a,b),!canary`). An empty string matches
  // everything. Throws SelectorError.
  static LabelSelector parse(std::string_view text);
  // Converts a metav1.LabelSelector value (matchLabels, matchExpressions with In, NotIn,
  // Exists, DoesNotExist) like metav1.LabelSelectorAsSelector: null matches nothing, an empty
  // selector everything. Throws SelectorError on invalid keys, values or operators.
  static LabelSelector fromValue(const core::Value& selector);
  static LabelSelector nothing();

  [[nodiscard]] bool matches(const core::Value& labels) const;
  // True when the selector does not restrict (no requirements); false for nothing().
  [[nodiscard]] bool empty() const noexcept { return !nothing_ && requirements_.empty(); }
  [[nodiscard]] bool matchesNothing() const noexcept { return nothing_; }
  [[nodiscard]] const std::vector<LabelRequirement>& requirements() const noexcept {
    return requirements_;
  }
  // The value a requirement on `key` pins (`key=v`, `key==v`, `key in (v)`), if any.
  [[nodiscard]] std::optional<std::string> requiresExactMatch(std::string_view key) const;
  // The comma-joined requirements; the empty string for everything and nothing().
  [[nodiscard]] std::string toString() const;

 private:
  std::vector<LabelRequirement> requirements_;
  bool nothing_ = false;
};

// Kubernetes' validation of label keys (validation.IsQualifiedName) and label values
// (validation.IsValidLabelValue): the list of problems, empty when valid.
std::vector<std::string> qualifiedNameErrors(std::string_view name);
std::vector<std::string> labelValueErrors(std::string_view value);

// One term of a field selector; `field==value` is stored as Equals.
struct FieldRequirement {
  std::string field;
  SelectorOperator op = SelectorOperator::Equals;  // Equals or NotEquals
  std::string value;

  friend bool operator==(const FieldRequirement&, const FieldRequirement&) = default;
};

// A field selector (`metadata.name=web,status.phase!=Running`): the AND of its terms, sorted.
// Values may escape `\`, `,`, `=` and `!` with a backslash.
class FieldSelector {
 public:
  // Looks a field up on an object; nullopt for an absent field, which compares as "".
  using FieldGetter = std::function<std::optional<std::string>(std::string_view field)>;

  FieldSelector() = default;

  // Parses the string form; an empty string matches everything. Throws SelectorError.
  static FieldSelector parse(std::string_view text);

  [[nodiscard]] bool matches(const FieldGetter& get) const;
  [[nodiscard]] bool empty() const noexcept { return requirements_.empty(); }
  // The distinct fields the selector refers to, so callers can reject unsupported ones.
  [[nodiscard]] std::vector<std::string> fields() const;
  [[nodiscard]] const std::vector<FieldRequirement>& requirements() const noexcept {
    return requirements_;
  }
  // The value an Equals term pins `field` to, if any (e.g. metadata.name for a lookup).
  [[nodiscard]] std::optional<std::string> requiresExactMatch(std::string_view field) const;
  // The canonical text, with values escaped.
  [[nodiscard]] std::string toString() const;

 private:
  std::vector<FieldRequirement> requirements_;
};

// Escapes `\`, `,` and `=` in a field selector value (fields.EscapeValue).
std::string escapeFieldSelectorValue(std::string_view value);

}  // namespace driftless::kube
