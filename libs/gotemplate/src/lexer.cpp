// The lexer of text/template (after Go's text/template/parse/lex.go).

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/go_format.h"
#include "internal.h"

namespace driftless::gotemplate {
namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool isAlphaNumeric(char c) {
  auto u = static_cast<unsigned char>(c);
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         u >= 0x80;
}
bool isDigitIn(char c, std::string_view digits) {
  return digits.find(c) != std::string_view::npos;
}

std::string describeRune(std::string_view s, std::size_t i) {
  std::uint32_t r = 0;
  std::size_t n = core::decodeUtf8Rune(s, i, r);
  if (n == 0) r = 0xFFFD;
  char buf[32];
  std::snprintf(buf, sizeof buf, "U+%04X", r);
  std::string out = buf;
  if (r >= 0x20 && r != 0x7F) {
    out += " '";
    out += n == 0 ? std::string("\xEF\xBF\xBD") : std::string(s.substr(i, n));
    out += "'";
  }
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  std::vector<Item> run() {
    while (true) {
      if (!lexText()) break;
      if (!lexAction()) break;
    }
    return std::move(items_);
  }

 private:
  int lineAt(std::size_t pos) {
    while (linePos_ < pos) {
      if (input_[linePos_] == '\n') ++line_;
      ++linePos_;
    }
    return line_;
  }
  void emit(ItemType t) {
    items_.push_back(
        {t, start_, std::string(input_.substr(start_, pos_ - start_)), lineAt(start_)});
    start_ = pos_;
  }
  bool error(std::string msg) {
    items_.push_back({ItemType::Error, start_, std::move(msg), lineAt(start_)});
    return false;
  }
  [[nodiscard]] char peek(std::size_t k = 0) const {
    return pos_ + k < input_.size() ? input_[pos_ + k] : '\0';
  }
  [[nodiscard]] bool eof() const { return pos_ >= input_.size(); }
  [[nodiscard]] bool hasLeftTrim(std::size_t p) const {
    return p + 1 < input_.size() && input_[p] == '-' && isSpace(input_[p + 1]);
  }
  [[nodiscard]] bool hasRightTrim(std::size_t p) const {
    return p + 1 < input_.size() && isSpace(input_[p]) && input_[p + 1] == '-';
  }
  // 0: no delimiter, 1: plain, 2: with trim marker.
  [[nodiscard]] int atRightDelim() const {
    if (hasRightTrim(pos_) && input_.substr(pos_ + 2).starts_with(kRightDelim)) return 2;
    if (input_.substr(pos_).starts_with(kRightDelim)) return 1;
    return 0;
  }
  void skipSpaces() {
    while (!eof() && isSpace(input_[pos_]))
      ++pos_;
    start_ = pos_;
  }

  // Emits text up to the next action; false at EOF.
  bool lexText() {
    std::size_t x = input_.find(kLeftDelim, pos_);
    if (x == std::string_view::npos) {
      pos_ = input_.size();
      if (pos_ > start_) emit(ItemType::Text);
      emit(ItemType::Eof);
      return false;
    }
    std::size_t end = x;
    if (hasLeftTrim(x + kLeftDelim.size())) {
      while (end > start_ && isSpace(input_[end - 1]))
        --end;
    }
    pos_ = end;
    if (pos_ > start_) emit(ItemType::Text);
    pos_ = x;
    start_ = x;
    return true;
  }

  bool lexAction() {
    pos_ += kLeftDelim.size();
    bool trim = hasLeftTrim(pos_);
    std::size_t after = trim ? 2 : 0;
    if (input_.substr(pos_ + after).starts_with("/*")) {
      pos_ += after;
      start_ = pos_;
      std::size_t end = input_.find("*/", pos_ + 2);
      if (end == std::string_view::npos) return error("unclosed comment");
      pos_ = end + 2;
      int d = atRightDelim();
      if (d == 0) return error("comment ends before closing delimiter");
      emit(ItemType::Comment);
      pos_ += (d == 2 ? 2 : 0) + kRightDelim.size();
      start_ = pos_;
      if (d == 2) skipSpaces();
      return true;
    }
    emit(ItemType::LeftDelim);
    pos_ += after;
    start_ = pos_;
    int parenDepth = 0;
    while (true) {
      int d = atRightDelim();
      if (d != 0) {
        if (parenDepth != 0) return error("unclosed left paren");
        if (d == 2) pos_ += 2;
        start_ = pos_;
        pos_ += kRightDelim.size();
        emit(ItemType::RightDelim);
        if (d == 2) skipSpaces();
        return true;
      }
      if (eof()) return error("unclosed action");
      char c = input_[pos_];
      if (isSpace(c)) {
        std::size_t n = 0;
        while (!eof() && isSpace(peek())) {
          ++pos_;
          ++n;
        }
        if (hasRightTrim(pos_ - 1) && input_.substr(pos_ + 1).starts_with(kRightDelim)) {
          --pos_;
          if (n == 1) continue;
        }
        emit(ItemType::Space);
        continue;
      }
      ++pos_;
      switch (c) {
        case '=':
          emit(ItemType::Assign);
          continue;
        case ':':
          if (peek() != '=') return error("expected :=");
          ++pos_;
          emit(ItemType::Declare);
          continue;
        case '|':
          emit(ItemType::Pipe);
          continue;
        case '"':
          if (!lexQuote('"', ItemType::String, "unterminated quoted string")) return false;
          continue;
        case '\'':
          if (!lexQuote('\'', ItemType::CharConstant, "unterminated character constant"))
            return false;
          continue;
        case '`': {
          std::size_t end = input_.find('`', pos_);
          if (end == std::string_view::npos) return error("unterminated raw quoted string");
          pos_ = end + 1;
          emit(ItemType::RawString);
          continue;
        }
        case '$':
          if (!lexFieldOrVariable(ItemType::Variable)) return false;
          continue;
        case '(':
          emit(ItemType::LeftParen);
          ++parenDepth;
          continue;
        case ')':
          emit(ItemType::RightParen);
          --parenDepth;
          if (parenDepth < 0)
            return error("unexpected right paren " + describeRune(input_, pos_ - 1));
          continue;
        default:
          break;
      }
      if (c == '.' && peek() >= '0' && peek() <= '9') c = '0';
      if (c == '.') {
        if (!lexFieldOrVariable(ItemType::Field)) return false;
      } else if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
        --pos_;
        if (!lexNumber()) return false;
      } else if (isAlphaNumeric(c)) {
        --pos_;
        if (!lexIdentifier()) return false;
      } else if (static_cast<unsigned char>(c) < 0x80 && c >= 0x20 && c != 0x7F) {
        emit(ItemType::Char);
      } else {
        return error("unrecognized character in action: " + describeRune(input_, pos_ - 1));
      }
    }
  }

  bool lexQuote(char q, ItemType t, const char* msg) {
    while (true) {
      if (eof()) return error(msg);
      char c = input_[pos_++];
      if (c == '\\') {
        if (eof() || input_[pos_] == '\n') return error(msg);
        ++pos_;
      } else if (c == '\n') {
        return error(msg);
      } else if (c == q) {
        break;
      }
    }
    emit(t);
    return true;
  }

  [[nodiscard]] bool atTerminator() const {
    if (eof()) return true;
    char c = input_[pos_];
    if (isSpace(c)) return true;
    switch (c) {
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
      default:
        return input_.substr(pos_).starts_with(kRightDelim);
    }
  }

  bool lexFieldOrVariable(ItemType t) {
    if (atTerminator()) {
      emit(t == ItemType::Variable ? ItemType::Variable : ItemType::Dot);
      return true;
    }
    while (!eof() && isAlphaNumeric(input_[pos_]))
      ++pos_;
    if (!atTerminator()) return error("bad character " + describeRune(input_, pos_));
    emit(t);
    return true;
  }

  bool lexIdentifier() {
    while (!eof() && isAlphaNumeric(input_[pos_]))
      ++pos_;
    if (!atTerminator()) return error("bad character " + describeRune(input_, pos_));
    std::string_view word = input_.substr(start_, pos_ - start_);
    static const std::pair<std::string_view, ItemType> kKeys[] = {{"block", ItemType::Block},
                                                                  {"break", ItemType::Break},
                                                                  {"continue", ItemType::Continue},
                                                                  {"define", ItemType::Define},
                                                                  {"else", ItemType::Else},
                                                                  {"end", ItemType::End},
                                                                  {"if", ItemType::If},
                                                                  {"range", ItemType::Range},
                                                                  {"nil", ItemType::Nil},
                                                                  {"template", ItemType::Template},
                                                                  {"with", ItemType::With}};
    for (const auto& [k, t] : kKeys) {
      if (word == k) {
        emit(t);
        return true;
      }
    }
    emit(word == "true" || word == "false" ? ItemType::Bool : ItemType::Identifier);
    return true;
  }

  bool scanNumber() {
    if (peek() == '+' || peek() == '-') ++pos_;
    std::string_view digits = "0123456789_";
    if (peek() == '0') {
      char n = peek(1);
      if (n == 'x' || n == 'X') {
        pos_ += 2;
        digits = "0123456789abcdefABCDEF_";
      } else if (n == 'o' || n == 'O') {
        pos_ += 2;
        digits = "01234567_";
      } else if (n == 'b' || n == 'B') {
        pos_ += 2;
        digits = "01_";
      }
    }
    while (!eof() && isDigitIn(peek(), digits))
      ++pos_;
    if (peek() == '.') {
      ++pos_;
      while (!eof() && isDigitIn(peek(), digits))
        ++pos_;
    }
    bool hex = digits.size() > 20;
    if (digits.size() == 11 && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      while (!eof() && isDigitIn(peek(), "0123456789_"))
        ++pos_;
    }
    if (hex && (peek() == 'p' || peek() == 'P')) {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      while (!eof() && isDigitIn(peek(), "0123456789_"))
        ++pos_;
    }
    if (peek() == 'i') ++pos_;
    if (!eof() && isAlphaNumeric(peek())) {
      ++pos_;
      return false;
    }
    return true;
  }

  bool lexNumber() {
    if (!scanNumber()) {
      return error("bad number syntax: " + core::goQuote(input_.substr(start_, pos_ - start_)));
    }
    if (peek() == '+' || peek() == '-') {
      if (!scanNumber() || input_[pos_ - 1] != 'i') {
        return error("bad number syntax: " + core::goQuote(input_.substr(start_, pos_ - start_)));
      }
      emit(ItemType::Complex);
    } else {
      emit(ItemType::Number);
    }
    return true;
  }

  std::string_view input_;
  std::size_t start_ = 0;
  std::size_t pos_ = 0;
  std::size_t linePos_ = 0;
  int line_ = 1;
  std::vector<Item> items_;
};

}  // namespace

std::string itemString(const Item& item) {
  if (item.type == ItemType::Eof) return "EOF";
  if (item.type == ItemType::Error) return item.val;
  if (item.type > ItemType::Keyword) return "<" + item.val + ">";
  if (item.val.size() > 10) {
    // %.10q: the quoted form of the first 10 runes.
    std::size_t i = 0;
    int runes = 0;
    while (i < item.val.size() && runes < 10) {
      std::uint32_t r = 0;
      std::size_t n = core::decodeUtf8Rune(item.val, i, r);
      i += n == 0 ? 1 : n;
      ++runes;
    }
    return core::goQuote(std::string_view(item.val).substr(0, i)) + "...";
  }
  return core::goQuote(item.val);
}

std::vector<Item> lex(std::string_view input) {
  return Lexer(input).run();
}

}  // namespace driftless::gotemplate
