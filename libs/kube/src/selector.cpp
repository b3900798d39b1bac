#include "driftless/kube/selector.h"

#include "driftless/core/go_format.h"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <system_error>
#include <utility>

namespace driftless::kube {

namespace {

// ---------------------------------------------------------------------------------------------
// Validation (k8s.io/apimachinery/pkg/util/validation)

constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameErrMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::size_t kQualifiedNameMaxLength = 63;

constexpr std::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueErrMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::size_t kLabelValueMaxLength = 63;

constexpr std::string_view kDns1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDns1123SubdomainErrMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::size_t kDns1123SubdomainMaxLength = 253;

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool isQualifiedNamePart(std::string_view s) {
  if (s.empty() || !isAlnum(s.front()) || !isAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*
bool isDns1123Subdomain(std::string_view s) {
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    const std::string_view label =
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || !isLowerAlnum(label.front()) || !isLowerAlnum(label.back())) return false;
    if (!std::all_of(label.begin(), label.end(),
                     [](char c) { return isLowerAlnum(c) || c == '-'; }))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string regexError(std::string_view msg, std::string_view fmt,
                       std::initializer_list<std::string_view> examples) {
  std::string out(msg);
  if (examples.size() == 0) {
    out += " (regex used for validation is '";
    out += fmt;
    out += "')";
    return out;
  }
  out += " (e.g. ";
  bool first = true;
  for (std::string_view example : examples) {
    if (!first) out += " or ";
    first = false;
    out += '\'';
    out += example;
    out += "', ";
  }
  out += "regex used for validation is '";
  out += fmt;
  out += "')";
  return out;
}

std::string maxLenError(std::size_t length) {
  return "must be no more than " + std::to_string(length) + " characters";
}

std::vector<std::string> dns1123SubdomainErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDns1123SubdomainMaxLength)
    errs.push_back(maxLenError(kDns1123SubdomainMaxLength));
  if (!isDns1123Subdomain(value))
    errs.push_back(regexError(kDns1123SubdomainErrMsg, kDns1123SubdomainFmt, {"example.com"}));
  return errs;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// Go's %#v for a []string: `[]string(nil)` or `[]string{"a", "b"}`.
std::string goStringSlice(const std::vector<std::string>& values) {
  if (values.empty()) return "[]string(nil)";
  std::string out = "[]string{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += core::goQuote(values[i]);
  }
  out += '}';
  return out;
}

// field.Invalid(path, value, detail).Error()
std::string invalidError(std::string_view path, std::string_view renderedValue,
                         std::string_view detail) {
  std::string out(path);
  out += ": Invalid value: ";
  out += renderedValue;
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

// validateLabelKey: the field error for an invalid key, or "" when valid.
std::string labelKeyError(std::string_view key, std::string_view path) {
  const auto errs = qualifiedNameErrors(key);
  if (errs.empty()) return {};
  return invalidError(path, core::goQuote(key), join(errs, "; "));
}

// errors.NewAggregate(...).Error() over de-duplicated messages.
std::string aggregate(const std::vector<std::string>& errors) {
  std::vector<std::string> unique;
  for (const auto& e : errors)
    if (std::find(unique.begin(), unique.end(), e) == unique.end()) unique.push_back(e);
  if (unique.size() == 1) return unique.front();
  return "[" + join(unique, ", ") + "]";
}

bool parseInt64(std::string_view s, std::int64_t& out) {
  // strconv.ParseInt(s, 10, 64): an optional sign and decimal digits.
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s.front() == '-') return false;
  }
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 10);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// labels.NewRequirement: validates a requirement (the path is Kubernetes' field path of a
// requirement without a parent, as both the parser and LabelSelectorAsSelector use).
void validateRequirement(const LabelRequirement& r) {
  std::vector<std::string> errs;
  if (auto e = labelKeyError(r.key, "key"); !e.empty()) errs.push_back(std::move(e));
  switch (r.op) {
    case SelectorOperator::In:
    case SelectorOperator::NotIn:
      if (r.values.empty())
        errs.push_back(invalidError("values", goStringSlice(r.values),
                                    "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case SelectorOperator::Equals:
    case SelectorOperator::DoubleEquals:
    case SelectorOperator::NotEquals:
      if (r.values.size() != 1)
        errs.push_back(invalidError("values", goStringSlice(r.values),
                                    "exact-match compatibility requires one single value"));
      break;
    case SelectorOperator::Exists:
    case SelectorOperator::DoesNotExist:
      if (!r.values.empty())
        errs.push_back(invalidError("values", goStringSlice(r.values),
                                    "values set must be empty for exists and does not exist"));
      break;
    case SelectorOperator::GreaterThan:
    case SelectorOperator::LessThan:
      if (r.values.size() != 1)
        errs.push_back(invalidError("values", goStringSlice(r.values),
                                    "for 'Gt', 'Lt' operators, exactly one value is required"));
      for (std::size_t i = 0; i < r.values.size(); ++i) {
        std::int64_t ignored = 0;
        if (!parseInt64(r.values[i], ignored))
          errs.push_back(invalidError("values[" + std::to_string(i) + "]",
                                      core::goQuote(r.values[i]),
                                      "for 'Gt', 'Lt' operators, the value must be an integer"));
      }
      break;
  }
  for (std::size_t i = 0; i < r.values.size(); ++i) {
    const auto valueErrs = labelValueErrors(r.values[i]);
    if (!valueErrs.empty())
      errs.push_back(invalidError("values[" + std::to_string(i) + "][" + r.key + "]",
                                  core::goQuote(r.values[i]), join(valueErrs, "; ")));
  }
  if (!errs.empty()) throw SelectorError(aggregate(errs));
}

void sortByKey(std::vector<LabelRequirement>& requirements) {
  std::stable_sort(
      requirements.begin(), requirements.end(),
      [](const LabelRequirement& a, const LabelRequirement& b) { return a.key < b.key; });
}

// ---------------------------------------------------------------------------------------------
// The label selector lexer and parser (labels.Lexer, labels.Parser)

enum class Token : std::uint8_t {
  Error,
  EndOfString,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
};

struct ScannedItem {
  Token tok = Token::Error;
  std::string literal;
};

bool isWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool isSpecialSymbol(char c) {
  switch (c) {
    case '=':
    case '!':
    case '(':
    case ')':
    case ',':
    case '>':
    case '<':
      return true;
    default:
      return false;
  }
}

std::optional<Token> symbolToken(std::string_view s) {
  if (s == ")") return Token::ClosedPar;
  if (s == ",") return Token::Comma;
  if (s == "!") return Token::DoesNotExist;
  if (s == "==") return Token::DoubleEquals;
  if (s == "=") return Token::Equals;
  if (s == ">") return Token::GreaterThan;
  if (s == "<") return Token::LessThan;
  if (s == "!=") return Token::NotEquals;
  if (s == "(") return Token::OpenPar;
  return std::nullopt;
}

std::vector<ScannedItem> lex(std::string_view s) {
  std::vector<ScannedItem> items;
  std::size_t pos = 0;
  while (true) {
    while (pos < s.size() && isWhitespace(s[pos]))
      ++pos;
    if (pos >= s.size()) {
      items.push_back({Token::EndOfString, ""});
      return items;
    }
    if (isSpecialSymbol(s[pos])) {
      // The longest run of special symbols that is a token.
      std::string buffer;
      std::optional<ScannedItem> last;
      while (pos < s.size() && isSpecialSymbol(s[pos])) {
        buffer += s[pos++];
        if (auto tok = symbolToken(buffer)) {
          last = ScannedItem{*tok, buffer};
        } else if (last) {
          --pos;
          break;
        }
      }
      if (last)
        items.push_back(std::move(*last));
      else
        items.push_back({Token::Error, "error expected: keyword found '" + buffer + "'"});
      continue;
    }
    const std::size_t start = pos;
    while (pos < s.size() && !isSpecialSymbol(s[pos]) && !isWhitespace(s[pos]))
      ++pos;
    std::string literal(s.substr(start, pos - start));
    Token tok = Token::Identifier;
    if (literal == "in")
      tok = Token::In;
    else if (literal == "notin")
      tok = Token::NotIn;
    items.push_back({tok, std::move(literal)});
  }
}

enum class Context : std::uint8_t { KeyAndOperator, Values };

class Parser {
 public:
  explicit Parser(std::string_view text) : items_(lex(text)) {}

  std::vector<LabelRequirement> parse() {
    std::vector<LabelRequirement> requirements;
    while (true) {
      const auto [tok, lit] = lookahead(Context::Values);
      switch (tok) {
        case Token::Identifier:
        case Token::DoesNotExist: {
          try {
            requirements.push_back(parseRequirement());
          } catch (const SelectorError& e) {
            throw SelectorError(std::string("unable to parse requirement: ") + e.what());
          }
          const auto [t, l] = consume(Context::Values);
          switch (t) {
            case Token::EndOfString:
              return requirements;
            case Token::Comma: {
              const auto [t2, l2] = lookahead(Context::Values);
              if (t2 != Token::Identifier && t2 != Token::DoesNotExist)
                throw SelectorError("found '" + l2 + "', expected: identifier after ','");
              break;
            }
            default:
              throw SelectorError("found '" + l + "', expected: ',' or 'end of string'");
          }
          break;
        }
        case Token::EndOfString:
          return requirements;
        default:
          throw SelectorError("found '" + lit + "', expected: !, identifier, or 'end of string'");
      }
    }
  }

 private:
  std::pair<Token, std::string> lookahead(Context context) const {
    const auto& item = items_[position_];
    return {mapToken(item.tok, context), item.literal};
  }

  std::pair<Token, std::string> consume(Context context) {
    const auto& item = items_[position_];
    if (position_ + 1 < items_.size()) ++position_;  // EndOfString stays current
    return {mapToken(item.tok, context), item.literal};
  }

  static Token mapToken(Token tok, Context context) {
    if (context == Context::Values && (tok == Token::In || tok == Token::NotIn))
      return Token::Identifier;
    return tok;
  }

  LabelRequirement parseRequirement() {
    LabelRequirement r;
    // parseKeyAndInferOperator
    bool notExists = false;
    std::pair<Token, std::string> item = consume(Context::Values);
    if (item.first == Token::DoesNotExist) {
      notExists = true;
      item = consume(Context::Values);
    }
    if (item.first != Token::Identifier)
      throw SelectorError("found '" + item.second + "', expected: identifier");
    if (auto e = labelKeyError(item.second, "<nil>"); !e.empty()) throw SelectorError(e);
    r.key = std::move(item.second);
    const Token next = lookahead(Context::Values).first;
    if (notExists || next == Token::EndOfString || next == Token::Comma) {
      r.op = notExists ? SelectorOperator::DoesNotExist : SelectorOperator::Exists;
      validateRequirement(r);
      return r;
    }
    r.op = parseOperator();
    switch (r.op) {
      case SelectorOperator::In:
      case SelectorOperator::NotIn:
        r.values = parseValues();
        break;
      default:
        r.values = parseExactValue();
        break;
    }
    validateRequirement(r);
    return r;
  }

  SelectorOperator parseOperator() {
    const auto [tok, lit] = consume(Context::KeyAndOperator);
    switch (tok) {
      case Token::In:
        return SelectorOperator::In;
      case Token::Equals:
        return SelectorOperator::Equals;
      case Token::DoubleEquals:
        return SelectorOperator::DoubleEquals;
      case Token::GreaterThan:
        return SelectorOperator::GreaterThan;
      case Token::LessThan:
        return SelectorOperator::LessThan;
      case Token::NotIn:
        return SelectorOperator::NotIn;
      case Token::NotEquals:
        return SelectorOperator::NotEquals;
      default:
        throw SelectorError("found '" + lit + "', expected: '=', '!=', '==', 'in', notin'");
    }
  }

  // A sorted set, as sets.String.List() gives.
  static std::vector<std::string> sortedSet(std::vector<std::string> values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return values;
  }

  std::vector<std::string> parseValues() {
    const auto [tok, lit] = consume(Context::Values);
    if (tok != Token::OpenPar) throw SelectorError("found '" + lit + "' expected: '('");
    const auto [tok2, lit2] = lookahead(Context::Values);
    switch (tok2) {
      case Token::Identifier:
      case Token::Comma: {
        auto values = parseIdentifiersList();
        if (consume(Context::Values).first != Token::ClosedPar)
          throw SelectorError("found '" + lit2 + "', expected: ')'");
        return sortedSet(std::move(values));
      }
      case Token::ClosedPar:  // "()"
        consume(Context::Values);
        return {""};
      default:
        throw SelectorError("found '" + lit2 + "', expected: ',', ')' or identifier");
    }
  }

  std::vector<std::string> parseIdentifiersList() {
    std::vector<std::string> values;
    while (true) {
      const auto [tok, lit] = consume(Context::Values);
      switch (tok) {
        case Token::Identifier: {
          values.push_back(lit);
          const auto [tok2, lit2] = lookahead(Context::Values);
          switch (tok2) {
            case Token::Comma:
              continue;
            case Token::ClosedPar:
              return values;
            default:
              throw SelectorError("found '" + lit2 + "', expected: ',' or ')'");
          }
        }
        case Token::Comma: {  // "(," ",," ",)" stand for empty values
          if (values.empty()) values.emplace_back();
          const Token tok2 = lookahead(Context::Values).first;
          if (tok2 == Token::ClosedPar) {
            values.emplace_back();
            return values;
          }
          if (tok2 == Token::Comma) {
            consume(Context::Values);
            values.emplace_back();
          }
          break;
        }
        default:
          throw SelectorError("found '" + lit + "', expected: ',', or identifier");
      }
    }
  }

  std::vector<std::string> parseExactValue() {
    const Token next = lookahead(Context::Values).first;
    if (next == Token::EndOfString || next == Token::Comma) return {""};
    const auto [tok, lit] = consume(Context::Values);
    if (tok == Token::Identifier) return {lit};
    throw SelectorError("found '" + lit + "', expected: identifier");
  }

  std::vector<ScannedItem> items_;
  std::size_t position_ = 0;
};

const std::string& requireString(const core::Value& v, const std::string& path) {
  if (!v.isString())
    throw SelectorError(path + ": expected string, got " + std::string(v.typeName()));
  return v.asString();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Validation

std::vector<std::string> qualifiedNameErrors(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  const std::size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back(
          "a qualified name " +
          regexError(kQualifiedNameErrMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
          " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
    }
    const std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.emplace_back("prefix part must be non-empty");
    } else {
      for (const auto& msg : dns1123SubdomainErrors(prefix))
        errs.push_back("prefix part " + msg);
    }
  }
  if (name.empty())
    errs.emplace_back("name part must be non-empty");
  else if (name.size() > kQualifiedNameMaxLength)
    errs.push_back("name part " + maxLenError(kQualifiedNameMaxLength));
  if (!isQualifiedNamePart(name))
    errs.push_back("name part " + regexError(kQualifiedNameErrMsg, kQualifiedNameFmt,
                                             {"MyName", "my.name", "123-abc"}));
  return errs;
}

std::vector<std::string> labelValueErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kLabelValueMaxLength) errs.push_back(maxLenError(kLabelValueMaxLength));
  if (!value.empty() && !isQualifiedNamePart(value))
    errs.push_back(regexError(kLabelValueErrMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// LabelRequirement

bool LabelRequirement::matches(const core::Value& labels) const {
  const core::Value* label = labels.isObject() ? labels.find(key) : nullptr;
  const auto hasValue = [&] {
    return label->isString() &&
           std::find(values.begin(), values.end(), label->asString()) != values.end();
  };
  switch (op) {
    case SelectorOperator::In:
    case SelectorOperator::Equals:
    case SelectorOperator::DoubleEquals:
      return label != nullptr && hasValue();
    case SelectorOperator::NotIn:
    case SelectorOperator::NotEquals:
      return label == nullptr || !hasValue();
    case SelectorOperator::Exists:
      return label != nullptr;
    case SelectorOperator::DoesNotExist:
      return label == nullptr;
    case SelectorOperator::GreaterThan:
    case SelectorOperator::LessThan: {
      if (label == nullptr || !label->isString() || values.size() != 1) return false;
      std::int64_t actual = 0;
      std::int64_t bound = 0;
      if (!parseInt64(label->asString(), actual) || !parseInt64(values.front(), bound))
        return false;
      return op == SelectorOperator::GreaterThan ? actual > bound : actual < bound;
    }
  }
  return false;
}

std::string LabelRequirement::toString() const {
  std::string out;
  if (op == SelectorOperator::DoesNotExist) out += '!';
  out += key;
  switch (op) {
    case SelectorOperator::Equals:
      out += "=";
      break;
    case SelectorOperator::DoubleEquals:
      out += "==";
      break;
    case SelectorOperator::NotEquals:
      out += "!=";
      break;
    case SelectorOperator::In:
      out += " in ";
      break;
    case SelectorOperator::NotIn:
      out += " notin ";
      break;
    case SelectorOperator::GreaterThan:
      out += ">";
      break;
    case SelectorOperator::LessThan:
      out += "<";
      break;
    case SelectorOperator::Exists:
    case SelectorOperator::DoesNotExist:
      return out;
  }
  const bool set = op == SelectorOperator::In || op == SelectorOperator::NotIn;
  if (set) out += '(';
  std::vector<std::string> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  out += join(sorted, ",");
  if (set) out += ')';
  return out;
}

// ---------------------------------------------------------------------------------------------
// LabelSelector

LabelSelector LabelSelector::parse(std::string_view text) {
  LabelSelector selector;
  selector.requirements_ = Parser(text).parse();
  sortByKey(selector.requirements_);
  return selector;
}

LabelSelector LabelSelector::fromValue(const core::Value& value) {
  if (value.isNull()) return nothing();
  if (!value.isObject())
    throw SelectorError("label selector: expected object, got " + std::string(value.typeName()));

  std::vector<LabelRequirement> requirements;
  const core::Value& matchLabels = value["matchLabels"];
  if (!matchLabels.isNull()) {
    if (!matchLabels.isObject())
      throw SelectorError("matchLabels: expected object, got " +
                          std::string(matchLabels.typeName()));
    for (const auto& m : matchLabels.asObject()) {
      LabelRequirement r{
          m.key, SelectorOperator::Equals, {requireString(m.value, "matchLabels." + m.key)}};
      validateRequirement(r);
      requirements.push_back(std::move(r));
    }
  }

  const core::Value& matchExpressions = value["matchExpressions"];
  if (!matchExpressions.isNull()) {
    if (!matchExpressions.isArray())
      throw SelectorError("matchExpressions: expected array, got " +
                          std::string(matchExpressions.typeName()));
    const auto& expressions = matchExpressions.asArray();
    for (std::size_t i = 0; i < expressions.size(); ++i) {
      const std::string path = "matchExpressions[" + std::to_string(i) + "]";
      const core::Value& expr = expressions[i];
      if (!expr.isObject())
        throw SelectorError(path + ": expected object, got " + std::string(expr.typeName()));
      LabelRequirement r;
      r.key = expr["key"].isNull() ? std::string() : requireString(expr["key"], path + ".key");
      const std::string op = expr["operator"].isNull()
                                 ? std::string()
                                 : requireString(expr["operator"], path + ".operator");
      if (op == "In")
        r.op = SelectorOperator::In;
      else if (op == "NotIn")
        r.op = SelectorOperator::NotIn;
      else if (op == "Exists")
        r.op = SelectorOperator::Exists;
      else if (op == "DoesNotExist")
        r.op = SelectorOperator::DoesNotExist;
      else
        throw SelectorError(core::goQuote(op) + " is not a valid label selector operator");
      const core::Value& values = expr["values"];
      if (!values.isNull()) {
        if (!values.isArray())
          throw SelectorError(path + ".values: expected array, got " +
                              std::string(values.typeName()));
        for (std::size_t j = 0; j < values.asArray().size(); ++j)
          r.values.push_back(
              requireString(values.asArray()[j], path + ".values[" + std::to_string(j) + "]"));
      }
      validateRequirement(r);
      requirements.push_back(std::move(r));
    }
  }

  LabelSelector selector;
  selector.requirements_ = std::move(requirements);
  sortByKey(selector.requirements_);
  return selector;
}

LabelSelector LabelSelector::nothing() {
  LabelSelector selector;
  selector.nothing_ = true;
  return selector;
}

bool LabelSelector::matches(const core::Value& labels) const {
  if (nothing_) return false;
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const LabelRequirement& r) { return r.matches(labels); });
}

std::optional<std::string> LabelSelector::requiresExactMatch(std::string_view key) const {
  for (const auto& r : requirements_) {
    if (r.key != key) continue;
    switch (r.op) {
      case SelectorOperator::Equals:
      case SelectorOperator::DoubleEquals:
      case SelectorOperator::In:
        if (r.values.size() == 1) return r.values.front();
        break;
      default:
        break;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::string LabelSelector::toString() const {
  std::string out;
  for (std::size_t i = 0; i < requirements_.size(); ++i) {
    if (i > 0) out += ',';
    out += requirements_[i].toString();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// FieldSelector

namespace {

// fields.splitTerms: comma-separated terms; `\,` does not split.
std::vector<std::string> splitTerms(std::string_view text) {
  std::vector<std::string> terms;
  if (text.empty()) return terms;
  std::size_t start = 0;
  bool inSlash = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inSlash) {
      inSlash = false;
    } else if (c == '\\') {
      inSlash = true;
    } else if (c == ',') {
      terms.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.emplace_back(text.substr(start));
  return terms;
}

// fields.splitTerm: the first operator (trying `!=`, `==`, `=` at each position) splits.
bool splitTerm(std::string_view term, std::string& lhs, std::string& op, std::string& rhs) {
  static constexpr std::string_view kOperators[] = {"!=", "==", "="};
  for (std::size_t i = 0; i < term.size(); ++i) {
    const std::string_view remaining = term.substr(i);
    for (std::string_view candidate : kOperators) {
      if (remaining.starts_with(candidate)) {
        lhs = term.substr(0, i);
        op = candidate;
        rhs = remaining.substr(candidate.size());
        return true;
      }
    }
  }
  return false;
}

std::string unescapeValue(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool inSlash = false;
  for (char c : s) {
    if (inSlash) {
      if (c != '\\' && c != ',' && c != '=' && c != '!')
        throw SelectorError(std::string("invalid field selector: invalid escape sequence: \\") + c);
      out += c;
      inSlash = false;
      continue;
    }
    if (c == '\\') {
      inSlash = true;
    } else if (c == ',' || c == '=') {
      throw SelectorError(std::string("invalid field selector: unescaped character in value: ") +
                          c);
    } else {
      out += c;
    }
  }
  if (inSlash) throw SelectorError("invalid field selector: invalid escape sequence: \\");
  return out;
}

}  // namespace

std::string escapeFieldSelectorValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

FieldSelector FieldSelector::parse(std::string_view text) {
  auto parts = splitTerms(text);
  std::sort(parts.begin(), parts.end());
  FieldSelector selector;
  for (const auto& part : parts) {
    if (part.empty()) continue;
    std::string lhs;
    std::string op;
    std::string rhs;
    if (!splitTerm(part, lhs, op, rhs))
      throw SelectorError("invalid selector: '" + std::string(text) + "'; can't understand '" +
                          part + "'");
    selector.requirements_.push_back(
        {std::move(lhs), op == "!=" ? SelectorOperator::NotEquals : SelectorOperator::Equals,
         unescapeValue(rhs)});
  }
  return selector;
}

bool FieldSelector::matches(const FieldGetter& get) const {
  for (const auto& r : requirements_) {
    const std::string actual = get(r.field).value_or(std::string());
    const bool equal = actual == r.value;
    if (equal != (r.op == SelectorOperator::Equals)) return false;
  }
  return true;
}

std::vector<std::string> FieldSelector::fields() const {
  std::vector<std::string> out;
  for (const auto& r : requirements_)
    if (std::find(out.begin(), out.end(), r.field) == out.end()) out.push_back(r.field);
  return out;
}

std::optional<std::string> FieldSelector::requiresExactMatch(std::string_view field) const {
  for (const auto& r : requirements_)
    if (r.field == field && r.op == SelectorOperator::Equals) return r.value;
  return std::nullopt;
}

std::string FieldSelector::toString() const {
  std::string out;
  for (std::size_t i = 0; i < requirements_.size(); ++i) {
    if (i > 0) out += ',';
    const auto& r = requirements_[i];
    out += r.field;
    out += r.op == SelectorOperator::NotEquals ? "!=" : "=";
    out += escapeFieldSelectorValue(r.value);
  }
  return out;
}

}  // namespace driftless::kube
