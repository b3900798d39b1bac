// Sprig's string functions (strings.go, goutils, xstrings).

#include <algorithm>
#include <string>
#include <vector>

#include "driftless/core/go_format.h"
#include "funcs_util.h"
#include "internal.h"
#include "unicode.h"

namespace driftless::gotemplate {
namespace fn {

std::vector<std::string> goSplit(const std::string& s, const std::string& sep, long n) {
  std::vector<std::string> out;
  if (n == 0) return out;
  if (sep.empty()) {
    for (std::size_t i = 0; i < s.size();) {
      if (n > 0 && static_cast<long>(out.size()) == n - 1) {
        out.push_back(s.substr(i));
        return out;
      }
      std::uint32_t r = 0;
      std::size_t len = core::decodeUtf8Rune(s, i, r);
      if (len == 0) len = 1;
      out.push_back(s.substr(i, len));
      i += len;
    }
    return out;
  }
  std::size_t start = 0;
  while (n < 0 || static_cast<long>(out.size()) < n - 1) {
    std::size_t at = s.find(sep, start);
    if (at == std::string::npos) break;
    out.push_back(s.substr(start, at - start));
    start = at + sep.size();
  }
  out.push_back(s.substr(start));
  return out;
}

std::vector<std::string> strslice(const TValue& v) {
  std::vector<std::string> out;
  if (v.kind == Kind::Slice) {
    for (const auto& e : sliceElements(v)) {
      if (!e.isNil()) out.push_back(strval(e));
    }
    return out;
  }
  if (v.isNil()) return out;
  out.push_back(strval(v));
  return out;
}

}  // namespace fn

namespace {

using fn::Args;
using fn::str;

template <typename F>
std::string mapRunes(const std::string& s, F f) {
  bool ascii = true;
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    std::string out = s;
    for (auto& c : out)
      c = static_cast<char>(f(static_cast<unsigned char>(c)));
    return out;
  }
  auto rs = uni::runes(s);
  for (auto& r : rs)
    r = f(r);
  return uni::encode(rs);
}

// strings.Title: upper-cases the first letter of each word.
std::string title(const std::string& s) {
  auto rs = uni::runes(s);
  std::uint32_t prev = ' ';
  for (auto& r : rs) {
    bool sep;
    if (prev < 0x80) {
      sep = !((prev >= '0' && prev <= '9') || (prev >= 'a' && prev <= 'z') ||
              (prev >= 'A' && prev <= 'Z') || prev == '_');
    } else {
      sep = !(uni::isLetter(prev) || uni::isDigit(prev)) && uni::isSpace(prev);
    }
    std::uint32_t cur = r;
    if (sep) r = uni::toUpper(r);
    prev = cur;
  }
  return uni::encode(rs);
}

std::string untitle(const std::string& s) {
  auto rs = uni::runes(s);
  bool next = true;
  for (auto& r : rs) {
    if (uni::isSpace(r)) {
      next = true;
    } else if (next) {
      r = uni::toLower(r);
      next = false;
    }
  }
  return uni::encode(rs);
}

std::string swapcase(const std::string& s) {
  auto rs = uni::runes(s);
  [[maybe_unused]] bool whitespace = true;
  for (auto& r : rs) {
    if (uni::isUpper(r)) {
      r = uni::toLower(r);
      whitespace = false;
    } else if (uni::isLower(r)) {
      r = uni::toUpper(r);  // title case after whitespace: the same for these scripts
      whitespace = false;
    } else {
      whitespace = uni::isSpace(r);
    }
  }
  return uni::encode(rs);
}

// goutils works on bytes taken as runes: bytes >= 0x80 come back as two-byte sequences.
void appendByteRune(std::string& out, unsigned char b) {
  if (b < 0x80) {
    out += static_cast<char>(b);
  } else {
    core::appendUtf8Rune(out, b);
  }
}

std::string nospace(const std::string& s) {
  std::string out;
  bool removed = false;
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (uni::isSpace(b)) {
      removed = true;
      continue;
    }
    appendByteRune(out, b);
  }
  return removed ? out : s;
}

std::string initials(const std::string& s) {
  std::string out;
  bool gap = true;
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (uni::isSpace(b)) {
      gap = true;
    } else if (gap) {
      appendByteRune(out, b);
      gap = false;
    }
  }
  return out;
}

std::string abbreviateFull(const std::string& s, long offset, long maxWidth) {
  auto len = static_cast<long>(s.size());
  if (s.empty() || maxWidth < 4) return "";
  if (len <= maxWidth) return s;
  if (offset > len) offset = len;
  if (len - offset < maxWidth - 3) offset = len - (maxWidth - 3);
  if (offset <= 4) return s.substr(0, static_cast<std::size_t>(maxWidth - 3)) + "...";
  if (maxWidth < 7) return "";
  if (offset + maxWidth - 3 < len) {
    return "..." + abbreviateFull(s.substr(static_cast<std::size_t>(offset)), 0, maxWidth - 3);
  }
  return "..." + s.substr(static_cast<std::size_t>(len - (maxWidth - 3)));
}

std::string wrapCustom(const std::string& s, long wrapLength, std::string newLine,
                       bool wrapLongWords) {
  if (s.empty()) return "";
  if (newLine.empty()) newLine = "\n";
  if (wrapLength < 1) wrapLength = 1;
  auto inputLen = static_cast<long>(s.size());
  long offset = 0;
  std::string out;
  auto sub = [&](long from, long to) {
    return s.substr(static_cast<std::size_t>(from), static_cast<std::size_t>(to - from));
  };
  while (inputLen - offset > wrapLength) {
    if (s[static_cast<std::size_t>(offset)] == ' ') {
      ++offset;
      continue;
    }
    long end = std::min(wrapLength + offset + 1, inputLen);
    std::size_t sp = sub(offset, end).rfind(' ');
    long spaceAt = sp == std::string::npos ? offset - 1 : static_cast<long>(sp) + offset;
    if (spaceAt >= offset) {
      out += sub(offset, spaceAt) + newLine;
      offset = spaceAt + 1;
    } else if (wrapLongWords) {
      out += sub(offset, wrapLength + offset) + newLine;
      offset += wrapLength;
    } else {
      long e = wrapLength + offset;
      std::size_t idx = s.find(' ', static_cast<std::size_t>(e));
      if (idx == std::string::npos) {
        out += sub(offset, inputLen);
        offset = inputLen;
      } else {
        out += sub(offset, static_cast<long>(idx)) + newLine;
        offset = static_cast<long>(idx) + 1;
      }
    }
  }
  out += sub(offset, inputLen);
  return out;
}

// xstrings word splitting for snakecase/kebabcase.
enum class Word { Invalid, Number, Upper, Alpha, Connector, Punct, Other };

bool isConnector(std::uint32_t r) {
  return r == '-' || r == '_' || uni::isSpace(r);
}

struct WordScan {
  Word type = Word::Invalid;
  std::size_t begin = 0, end = 0;
};

WordScan nextWord(const std::vector<std::uint32_t>& rs, std::size_t from) {
  WordScan w;
  w.begin = from;
  if (from >= rs.size()) return w;
  std::size_t i = from;
  std::uint32_t r = rs[i++];
  auto run = [&](auto pred) {
    while (i < rs.size() && pred(rs[i]))
      ++i;
  };
  if (r == 0xFFFD) {
    w.type = Word::Invalid;
  } else if (isConnector(r)) {
    w.type = Word::Connector;
    run(isConnector);
  } else if (uni::isPunct(r)) {
    w.type = Word::Punct;
    run(uni::isPunct);
  } else if (uni::isUpper(r)) {
    w.type = Word::Upper;
    if (i < rs.size()) {
      if (uni::isUpper(rs[i])) {
        run(uni::isUpper);
        if (i < rs.size() && uni::isLetter(rs[i])) --i;
      } else if (uni::isLetter(rs[i])) {
        run([](std::uint32_t c) { return uni::isLetter(c) && !uni::isUpper(c); });
      }
    }
  } else if (uni::isLetter(r)) {
    w.type = Word::Alpha;
    run([](std::uint32_t c) { return uni::isLetter(c) && !uni::isUpper(c); });
  } else if (uni::isDigit(r)) {
    w.type = Word::Number;
    run(uni::isDigit);
  } else {
    w.type = Word::Other;
    run([](std::uint32_t c) {
      return !(isConnector(c) || uni::isLetter(c) || uni::isDigit(c) || uni::isPunct(c));
    });
  }
  w.end = i;
  return w;
}

std::string caseConvert(const std::string& s, char connector) {
  auto rs = uni::runes(s);
  std::vector<std::uint32_t> out;
  auto lower = [&](const WordScan& w) {
    for (std::size_t k = w.begin; k < w.end; ++k) {
      std::uint32_t r = rs[k];
      if (w.type != Word::Upper && w.type != Word::Connector) {
        out.push_back(r);
      } else if (isConnector(r)) {
        out.push_back(static_cast<std::uint32_t>(connector));
      } else {
        out.push_back(uni::toLower(r));
      }
    }
  };
  auto conn = [&] { out.push_back(static_cast<std::uint32_t>(connector)); };
  if (rs.empty()) return "";
  WordScan w = nextWord(rs, 0);
  while (w.end < rs.size()) {
    if (w.type != Word::Connector) lower(w);
    Word prev = w.type;
    WordScan last = w;
    w = nextWord(rs, w.end);
    switch (prev) {
      case Word::Number:
        while (w.type == Word::Alpha || w.type == Word::Number) {
          lower(w);
          w = nextWord(rs, w.end);
        }
        if (w.type != Word::Invalid && w.type != Word::Punct && w.type != Word::Connector) conn();
        break;
      case Word::Connector:
        lower(last);
        break;
      case Word::Punct:
        break;
      default:
        if (w.type != Word::Number) {
          if (w.type != Word::Connector && w.type != Word::Punct) conn();
          break;
        }
        if (w.end >= rs.size()) break;
        {
          WordScan num = w;
          w = nextWord(rs, w.end);
          if (w.type != Word::Alpha) {
            num.type = Word::Number;
            lower(num);
            if (w.type != Word::Connector && w.type != Word::Punct) conn();
            break;
          }
          conn();
          num.type = Word::Number;
          lower(num);
          while (w.type == Word::Alpha || w.type == Word::Number) {
            lower(w);
            w = nextWord(rs, w.end);
          }
          if (w.type != Word::Invalid && w.type != Word::Connector && w.type != Word::Punct) {
            conn();
          }
        }
    }
  }
  lower(w);
  return uni::encode(out);
}

// xstrings.ToPascalCase (Sprig's camelcase).
std::string pascalCase(const std::string& s) {
  auto rs = uni::runes(s);
  std::vector<std::uint32_t> out;
  std::size_t i = 0;
  std::uint32_t r0 = 0;
  bool have = false;
  while (i < rs.size()) {
    r0 = rs[i++];
    have = true;
    if (!isConnector(r0)) {
      r0 = uni::toUpper(r0);
      break;
    }
    out.push_back(r0);
  }
  if (i >= rs.size()) {
    if (have && !isConnector(r0)) out.push_back(r0);
    return uni::encode(out);
  }
  while (i < rs.size()) {
    std::uint32_t r1 = r0;
    r0 = rs[i++];
    if (isConnector(r0) && isConnector(r1)) {
      out.push_back(r1);
      continue;
    }
    if (isConnector(r1)) {
      r0 = uni::toUpper(r0);
    } else {
      out.push_back(r1);
    }
  }
  out.push_back(r0);
  return uni::encode(out);
}

std::string trimSpace(const std::string& s) {
  auto rs = uni::runes(s);
  std::size_t b = 0, e = rs.size();
  while (b < e && uni::isSpace(rs[b]))
    ++b;
  while (e > b && uni::isSpace(rs[e - 1]))
    --e;
  if (b == 0 && e == rs.size()) return s;
  return uni::encode(std::vector<std::uint32_t>(rs.begin() + static_cast<long>(b),
                                                rs.begin() + static_cast<long>(e)));
}

std::string trimCutset(const std::string& s, const std::string& cutset) {
  auto cut = uni::runes(cutset);
  auto in = [&](std::uint32_t r) { return std::find(cut.begin(), cut.end(), r) != cut.end(); };
  auto rs = uni::runes(s);
  std::size_t b = 0, e = rs.size();
  while (b < e && in(rs[b]))
    ++b;
  while (e > b && in(rs[e - 1]))
    --e;
  return uni::encode(std::vector<std::uint32_t>(rs.begin() + static_cast<long>(b),
                                                rs.begin() + static_cast<long>(e)));
}

std::string replaceAll(const std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) {
    // strings.Replace with an empty old string inserts `to` around every rune.
    std::string out = to;
    for (const auto& piece : fn::goSplit(s, "")) {
      out += piece;
      out += to;
    }
    return out;
  }
  std::string out;
  std::size_t pos = 0;
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, pos)) {
    out.append(s, pos, at - pos);
    out += to;
    pos = at + from.size();
  }
  out.append(s, pos, std::string::npos);
  return out;
}

std::string indent(std::int64_t spaces, const std::string& s) {
  if (spaces < 0) callFail("strings: negative Repeat count");
  std::string pad(static_cast<std::size_t>(spaces), ' ');
  return pad + replaceAll(s, "\n", "\n" + pad);
}

std::string sliceBounds(std::int64_t a, std::int64_t b, std::size_t len, bool hasLow) {
  if (!hasLow) {
    return "runtime error: slice bounds out of range [:" + std::to_string(b) + "] with length " +
           std::to_string(len);
  }
  if (b < 0) {
    return "runtime error: slice bounds out of range [" + std::to_string(a) + ":]";
  }
  return "runtime error: slice bounds out of range [" + std::to_string(a) + ":" +
         std::to_string(b) + "]";
}

TValue substr(Args a, Runtime&) {
  std::int64_t start = fn::integer(a[0]), end = fn::integer(a[1]);
  const std::string& s = str(a[2]);
  auto len = static_cast<std::int64_t>(s.size());
  if (start < 0) {
    if (end < 0 || end > len) callFail(sliceBounds(0, end, s.size(), false));
    return fn::string(s.substr(0, static_cast<std::size_t>(end)));
  }
  if (end < 0 || end > len) {
    if (start > len) callFail(sliceBounds(start, len, s.size(), true));
    return fn::string(s.substr(static_cast<std::size_t>(start)));
  }
  if (start > end) callFail(sliceBounds(start, end, s.size(), true));
  return fn::string(
      s.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start)));
}

TValue trunc(Args a, Runtime&) {
  std::int64_t c = fn::integer(a[0]);
  const std::string& s = str(a[1]);
  auto len = static_cast<std::int64_t>(s.size());
  if (c < 0 && len + c > 0) return fn::string(s.substr(static_cast<std::size_t>(len + c)));
  if (c >= 0 && len > c) return fn::string(s.substr(0, static_cast<std::size_t>(c)));
  return fn::string(s);
}

TValue quote(Args a, bool single) {
  std::string out;
  bool first = true;
  for (const auto& v : a) {
    if (v.isNil()) continue;
    if (!first) out += ' ';
    first = false;
    out += single ? "'" + formatValue(v.unwrapped()) + "'" : core::goQuote(strval(v));
  }
  return fn::string(out);
}

TValue splitMap(const std::vector<std::string>& parts) {
  core::Object obj;
  for (std::size_t i = 0; i < parts.size(); ++i)
    obj.append("_" + std::to_string(i), core::Value(parts[i]));
  return TValue::typed(core::Value(std::move(obj)), GoType::StringMap);
}

}  // namespace

std::vector<FuncDef> stringFuncs() {
  return {
      {"abbrev", "IS", 0,
       [](Args a, Runtime&) {
         if (fn::integer(a[0]) < 4) return a[1];
         return fn::string(abbreviateFull(str(a[1]), 0, fn::integer(a[0])));
       }},
      {"abbrevboth", "IIS", 0,
       [](Args a, Runtime&) {
         std::int64_t left = fn::integer(a[0]), right = fn::integer(a[1]);
         if (right < 4 || (left > 0 && right < 7)) return a[2];
         return fn::string(abbreviateFull(str(a[2]), left, right));
       }},
      {"trunc", "IS", 0, trunc},
      {"trim", "S", 0, [](Args a, Runtime&) { return fn::string(trimSpace(str(a[0]))); }},
      {"upper", "S", 0,
       [](Args a, Runtime&) { return fn::string(mapRunes(str(a[0]), uni::toUpper)); }},
      {"lower", "S", 0,
       [](Args a, Runtime&) { return fn::string(mapRunes(str(a[0]), uni::toLower)); }},
      {"title", "S", 0, [](Args a, Runtime&) { return fn::string(title(str(a[0]))); }},
      {"untitle", "S", 0, [](Args a, Runtime&) { return fn::string(untitle(str(a[0]))); }},
      {"substr", "IIS", 0, substr},
      {"repeat", "IS", 0,
       [](Args a, Runtime&) {
         std::int64_t n = fn::integer(a[0]);
         if (n < 0) callFail("strings: negative Repeat count");
         const std::string& s = str(a[1]);
         if (!s.empty() && static_cast<std::uint64_t>(n) > (1ULL << 30) / s.size()) {
           callFail("strings: Repeat output length overflow");
         }
         std::string out;
         out.reserve(s.size() * static_cast<std::size_t>(n));
         for (std::int64_t i = 0; i < n; ++i)
           out += s;
         return fn::string(std::move(out));
       }},
      {"trimall", "SS", 0,
       [](Args a, Runtime&) { return fn::string(trimCutset(str(a[1]), str(a[0]))); }},
      {"trimAll", "SS", 0,
       [](Args a, Runtime&) { return fn::string(trimCutset(str(a[1]), str(a[0]))); }},
      {"trimSuffix", "SS", 0,
       [](Args a, Runtime&) {
         const std::string &suf = str(a[0]), &s = str(a[1]);
         bool has =
             s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
         return has ? fn::string(s.substr(0, s.size() - suf.size())) : a[1];
       }},
      {"trimPrefix", "SS", 0,
       [](Args a, Runtime&) {
         const std::string &pre = str(a[0]), &s = str(a[1]);
         return s.rfind(pre, 0) == 0 ? fn::string(s.substr(pre.size())) : a[1];
       }},
      {"nospace", "S", 0, [](Args a, Runtime&) { return fn::string(nospace(str(a[0]))); }},
      {"initials", "S", 0, [](Args a, Runtime&) { return fn::string(initials(str(a[0]))); }},
      {"swapcase", "S", 0, [](Args a, Runtime&) { return fn::string(swapcase(str(a[0]))); }},
      {"snakecase", "S", 0,
       [](Args a, Runtime&) { return fn::string(caseConvert(str(a[0]), '_')); }},
      {"kebabcase", "S", 0,
       [](Args a, Runtime&) { return fn::string(caseConvert(str(a[0]), '-')); }},
      {"camelcase", "S", 0, [](Args a, Runtime&) { return fn::string(pascalCase(str(a[0]))); }},
      {"wrap", "IS", 0,
       [](Args a, Runtime&) {
         return fn::string(wrapCustom(str(a[1]), fn::integer(a[0]), "", false));
       }},
      {"wrapWith", "ISS", 0,
       [](Args a, Runtime&) {
         return fn::string(wrapCustom(str(a[2]), fn::integer(a[0]), str(a[1]), true));
       }},
      {"contains", "SS", 0,
       [](Args a, Runtime&) {
         return fn::boolean(str(a[1]).find(str(a[0])) != std::string::npos);
       }},
      {"hasPrefix", "SS", 0,
       [](Args a, Runtime&) { return fn::boolean(str(a[1]).rfind(str(a[0]), 0) == 0); }},
      {"hasSuffix", "SS", 0,
       [](Args a, Runtime&) {
         const std::string &suf = str(a[0]), &s = str(a[1]);
         return fn::boolean(s.size() >= suf.size() &&
                            s.compare(s.size() - suf.size(), suf.size(), suf) == 0);
       }},
      {"quote", "", 'A', [](Args a, Runtime&) { return quote(a, false); }},
      {"squote", "", 'A', [](Args a, Runtime&) { return quote(a, true); }},
      {"cat", "", 'A',
       [](Args a, Runtime&) {
         std::string out;
         bool first = true;
         for (const auto& v : a) {
           if (v.isNil()) continue;
           if (!first) out += ' ';
           first = false;
           out += formatValue(v.unwrapped());
         }
         return fn::string(out);
       }},
      {"indent", "IS", 0,
       [](Args a, Runtime&) { return fn::string(indent(fn::integer(a[0]), str(a[1]))); }},
      {"nindent", "IS", 0,
       [](Args a, Runtime&) { return fn::string("\n" + indent(fn::integer(a[0]), str(a[1]))); }},
      {"replace", "SSS", 0,
       [](Args a, Runtime&) { return fn::string(replaceAll(str(a[2]), str(a[0]), str(a[1]))); }},
      {"plural", "SSI", 0, [](Args a, Runtime&) { return fn::integer(a[2]) == 1 ? a[0] : a[1]; }},
      {"toString", "A", 0, [](Args a, Runtime&) { return fn::string(strval(a[0])); }},
      {"toStrings", "A", 0, [](Args a, Runtime&) { return fn::stringList(fn::strslice(a[0])); }},
      {"join", "SA", 0,
       [](Args a, Runtime&) {
         std::string out;
         bool first = true;
         for (const auto& s : fn::strslice(a[1])) {
           if (!first) out += str(a[0]);
           first = false;
           out += s;
         }
         return fn::string(out);
       }},
      {"sortAlpha", "A", 0,
       [](Args a, Runtime&) {
         if (a[0].kind != Kind::Slice) return fn::stringList({strval(a[0])});
         auto items = fn::strslice(a[0]);
         std::sort(items.begin(), items.end());
         return fn::stringList(items);
       }},
      {"split", "SS", 0,
       [](Args a, Runtime&) { return splitMap(fn::goSplit(str(a[1]), str(a[0]))); }},
      {"splitn", "SIS", 0,
       [](Args a, Runtime&) {
         return splitMap(fn::goSplit(str(a[2]), str(a[0]), static_cast<long>(fn::integer(a[1]))));
       }},
      {"splitList", "SS", 0,
       [](Args a, Runtime&) { return fn::stringList(fn::goSplit(str(a[1]), str(a[0]))); }},
  };
}

}  // namespace driftless::gotemplate
