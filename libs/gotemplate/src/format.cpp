// fmt.Sprint, Sprintln and Sprintf of Go for template values.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "driftless/core/go_format.h"
#include "driftless/core/scalar.h"
#include "internal.h"

namespace driftless::gotemplate {
namespace {

struct Spec {
  bool plus = false, minus = false, sharp = false, zero = false, space = false;
  int width = -1;
  int prec = -1;
};

// Pads s to the width; numeric text gets zeros after its sign when the zero flag is set.
std::string pad(std::string s, const Spec& sp, bool numeric) {
  auto n = core::runeCount(s);
  if (sp.width < 0 || n >= sp.width) return s;
  std::size_t fill = static_cast<std::size_t>(sp.width - n);
  if (sp.minus) return s + std::string(fill, ' ');
  if (sp.zero) {
    std::size_t at = 0;
    if (numeric && !s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) at = 1;
    if (numeric && s.size() > at + 1 && s[at] == '0' && (s[at + 1] == 'x' || s[at + 1] == 'X')) {
      at += 2;
    }
    return s.insert(at, std::string(fill, '0'));
  }
  return std::string(fill, ' ') + s;
}

std::string fmtInt(std::int64_t v, char verb, const Spec& sp) {
  if (verb == 'c') {
    std::string s;
    core::appendUtf8Rune(s, static_cast<std::uint32_t>(v));
    return pad(s, sp, false);
  }
  if (verb == 'q') {
    std::string s;
    core::appendUtf8Rune(s, static_cast<std::uint32_t>(v));
    std::string q = core::goQuote(s);
    std::string inner = q.substr(1, q.size() - 2);
    if (inner == "'") inner = "\\'";
    if (inner == "\\\"") inner = "\"";
    return pad("'" + inner + "'", sp, false);
  }
  if (verb == 'U') {
    char buf[32];
    std::snprintf(buf, sizeof buf, "U+%04llX", static_cast<unsigned long long>(v));
    return pad(buf, sp, false);
  }
  int base = 10;
  const char* digits = "0123456789abcdef";
  if (verb == 'x') base = 16;
  if (verb == 'X') {
    base = 16;
    digits = "0123456789ABCDEF";
  }
  if (verb == 'o' || verb == 'O') base = 8;
  if (verb == 'b') base = 2;
  bool neg = v < 0;
  unsigned long long u =
      neg ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  std::string d;
  if (u == 0 && sp.prec != 0) d = "0";
  while (u > 0) {
    d.insert(d.begin(), digits[u % static_cast<unsigned>(base)]);
    u /= static_cast<unsigned>(base);
  }
  if (sp.prec > 0 && static_cast<int>(d.size()) < sp.prec) {
    d.insert(0, static_cast<std::size_t>(sp.prec) - d.size(), '0');
  }
  if (sp.sharp) {
    if (base == 16) d.insert(0, verb == 'X' ? "0X" : "0x");
    if (base == 8 && (d.empty() || d[0] != '0')) d.insert(0, "0");
    if (base == 2) d.insert(0, "0b");
  }
  if (verb == 'O') d.insert(0, "0o");
  if (neg) {
    d.insert(0, "-");
  } else if (sp.plus) {
    d.insert(0, "+");
  } else if (sp.space) {
    d.insert(0, " ");
  }
  Spec p = sp;
  if (sp.prec >= 0) p.zero = false;
  return pad(d, p, true);
}

std::string fmtFloat(double v, char verb, const Spec& sp) {
  std::string s;
  if (std::isnan(v)) {
    s = "NaN";
  } else if (std::isinf(v)) {
    s = v > 0 ? "+Inf" : "-Inf";
  } else {
    char f = verb == 'v' ? 'g' : verb;
    int prec = sp.prec;
    if (prec < 0 && (f == 'e' || f == 'E' || f == 'f' || f == 'F')) prec = 6;
    if (prec < 0) {
      char lower = f == 'G' ? 'g' : f;
      s = core::formatGoFloat(v, lower);
      if (f == 'G') {
        for (auto& c : s) {
          if (c == 'e') c = 'E';
        }
      }
    } else {
      char fmt[16];
      std::snprintf(fmt, sizeof fmt, "%%.%d%c", prec, f == 'F' ? 'f' : f);
      char buf[512];
      std::snprintf(buf, sizeof buf, fmt, v);
      s = buf;
    }
  }
  if (s[0] != '-' && s[0] != '+') {
    if (sp.plus) {
      s.insert(0, "+");
    } else if (sp.space) {
      s.insert(0, " ");
    }
  } else if (s[0] == '+' && !sp.plus && s == "+Inf") {
    s = sp.space ? " Inf" : "+Inf";
  }
  Spec p = sp;
  if (std::isinf(v) || std::isnan(v)) p.zero = false;
  return pad(s, p, true);
}

std::string fmtString(const std::string& v, char verb, const Spec& sp) {
  std::string s = v;
  if (sp.prec >= 0 && (verb == 's' || verb == 'v' || verb == 'q')) {
    std::size_t i = 0;
    int n = 0;
    while (i < s.size() && n < sp.prec) {
      std::uint32_t r = 0;
      std::size_t len = core::decodeUtf8Rune(s, i, r);
      i += len == 0 ? 1 : len;
      ++n;
    }
    s = s.substr(0, i);
  }
  if (verb == 'q') {
    if (sp.sharp && s.find('`') == std::string::npos) return pad("`" + s + "`", sp, false);
    return pad(core::goQuote(s), sp, false);
  }
  if (verb == 'x' || verb == 'X') {
    const char* digits = verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
    std::string h;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (sp.space && i > 0) h += ' ';
      if (sp.sharp && (sp.space || i == 0)) h += verb == 'x' ? "0x" : "0X";
      auto c = static_cast<unsigned char>(v[i]);
      h += digits[c >> 4];
      h += digits[c & 15];
    }
    return pad(h, sp, false);
  }
  return pad(s, sp, false);
}

void formatOne(std::string& out, const TValue& a, char verb, const Spec& sp);

void badVerb(std::string& out, const TValue& a, char verb) {
  out += "%!";
  out += verb;
  out += '(';
  if (a.kind == Kind::Nil) {
    out += "<nil>";
  } else {
    out += typeName(a.unwrapped()) + "=" + formatValue(a.unwrapped());
  }
  out += ')';
}

void formatElement(std::string& out, const core::Value& v, char verb, const Spec& sp) {
  TValue t = TValue::of(v);
  if (v.isNull()) t.iface = true;
  formatOne(out, t, verb, sp);
}

void formatOne(std::string& out, const TValue& a, char verb, const Spec& sp) {
  if (verb == 'T') {
    out += pad(a.kind == Kind::Nil ? "<nil>" : typeName(a.unwrapped()), sp, false);
    return;
  }
  const core::Value& v = a.v();
  switch (a.kind) {
    case Kind::Nil:
      if (verb == 'v') {
        out += pad("<nil>", sp, false);
      } else {
        badVerb(out, a, verb);
      }
      return;
    case Kind::Bool:
      if (verb == 'v' || verb == 't') {
        out += pad(v.asBool() ? "true" : "false", sp, false);
      } else {
        badVerb(out, a, verb);
      }
      return;
    case Kind::Struct:
      out += pad(formatValue(a), sp, false);
      return;
    case Kind::Int:
      if (a.type == GoType::Duration && (verb == 'v' || verb == 's')) {
        out += pad(formatValue(a), sp, false);
        return;
      }
      if (std::string_view("bcdoOqxXUv").find(verb) != std::string_view::npos) {
        out += fmtInt(v.asInt(), verb == 'v' ? 'd' : verb, sp);
      } else {
        badVerb(out, a, verb);
      }
      return;
    case Kind::Float64:
      if (std::string_view("eEfFgGv").find(verb) != std::string_view::npos) {
        out += fmtFloat(v.asDouble(), verb, sp);
      } else {
        badVerb(out, a, verb);
      }
      return;
    case Kind::String:
      if (std::string_view("vsqxX").find(verb) != std::string_view::npos) {
        out += fmtString(v.asString(), verb, sp);
      } else {
        badVerb(out, a, verb);
      }
      return;
    case Kind::Slice: {
      out += '[';
      bool first = true;
      for (const auto& e : v.asArray()) {
        if (!first) out += ' ';
        first = false;
        formatElement(out, e, verb, sp);
      }
      out += ']';
      return;
    }
    case Kind::Map: {
      std::vector<const core::Member*> ms;
      for (const auto& m : v.asObject())
        ms.push_back(&m);
      std::sort(ms.begin(), ms.end(),
                [](const core::Member* x, const core::Member* y) { return x->key < y->key; });
      out += "map[";
      bool first = true;
      for (const auto* m : ms) {
        if (!first) out += ' ';
        first = false;
        out += fmtString(m->key, verb == 'v' ? 's' : verb, sp);
        out += ':';
        formatElement(out, m->value, verb, sp);
      }
      out += ']';
      return;
    }
    case Kind::Complex:
      if (std::string_view("eEfFgGv").find(verb) != std::string_view::npos) {
        Spec im = sp;
        im.plus = true;
        out +=
            "(" + fmtFloat(v[0].asDouble(), verb, sp) + fmtFloat(v[1].asDouble(), verb, im) + "i)";
      } else {
        badVerb(out, a, verb);
      }
      return;
  }
}

}  // namespace

std::string goSprint(const std::vector<TValue>& args) {
  std::string out;
  bool prevString = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool isString = args[i].kind == Kind::String;
    if (i > 0 && !isString && !prevString) out += ' ';
    out += args[i].kind == Kind::Nil ? "<nil>" : formatValue(args[i]);
    prevString = isString;
  }
  return out;
}

std::string goSprintln(const std::vector<TValue>& args) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ' ';
    out += args[i].kind == Kind::Nil ? "<nil>" : formatValue(args[i]);
  }
  return out + "\n";
}

std::string goSprintf(std::string_view format, const std::vector<TValue>& args) {
  std::string out;
  std::size_t argNum = 0;
  std::size_t i = 0;
  bool reordered = false;
  bool goodArgNum = true;
  // An explicit argument index `[n]` (fmt's argNumber).
  auto argIndex = [&]() {
    if (i >= format.size() || format[i] != '[') return;
    reordered = true;
    std::size_t close = format.find(']', i + 1);
    if (close == std::string_view::npos) {
      goodArgNum = false;
      ++i;
      return;
    }
    std::string_view digits = format.substr(i + 1, close - i - 1);
    bool ok = !digits.empty() && digits.size() < 7 &&
              digits.find_first_not_of("0123456789") == std::string_view::npos;
    i = close + 1;
    if (!ok) {
      goodArgNum = false;
      return;
    }
    std::size_t n = 0;
    for (char d : digits)
      n = n * 10 + static_cast<std::size_t>(d - '0');
    if (n >= 1 && n <= args.size()) {
      argNum = n - 1;
    } else {
      goodArgNum = false;
    }
  };
  auto intArg = [&](int& dst) {
    if (argNum < args.size() && args[argNum].kind == Kind::Int) {
      dst = static_cast<int>(args[argNum].v().asInt());
    } else {
      out += "%!(BADWIDTH)";
    }
    ++argNum;
  };
  while (i < format.size()) {
    char c = format[i];
    if (c != '%') {
      out += c;
      ++i;
      continue;
    }
    ++i;
    goodArgNum = true;
    Spec sp;
    for (; i < format.size(); ++i) {
      char f = format[i];
      if (f == '+')
        sp.plus = true;
      else if (f == '-')
        sp.minus = true;
      else if (f == '#')
        sp.sharp = true;
      else if (f == '0')
        sp.zero = !sp.minus;
      else if (f == ' ')
        sp.space = true;
      else
        break;
    }
    argIndex();
    if (i < format.size() && format[i] == '*') {
      ++i;
      intArg(sp.width);
      if (sp.width < 0) {
        sp.minus = true;
        sp.width = -sp.width;
      }
    } else {
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        sp.width = (sp.width < 0 ? 0 : sp.width * 10) + (format[i++] - '0');
      }
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      sp.prec = 0;
      argIndex();
      if (i < format.size() && format[i] == '*') {
        ++i;
        intArg(sp.prec);
      } else {
        while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
          sp.prec = sp.prec * 10 + (format[i++] - '0');
        }
      }
    }
    argIndex();
    if (sp.minus) sp.zero = false;
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    std::uint32_t r = 0;
    std::size_t len = core::decodeUtf8Rune(format, i, r);
    if (len == 0) len = 1;
    std::string verbText(format.substr(i, len));
    i += len;
    if (verbText == "%") {
      out += '%';
      continue;
    }
    if (!goodArgNum) {
      out += "%!" + verbText + "(BADINDEX)";
      continue;
    }
    if (argNum >= args.size()) {
      out += "%!" + verbText + "(MISSING)";
      continue;
    }
    const TValue& a = args[argNum++];
    if (len > 1 || verbText[0] == 'w') {
      out +=
          "%!" + verbText + "(" + typeName(a.unwrapped()) + "=" + formatValue(a.unwrapped()) + ")";
      continue;
    }
    char verb = verbText[0];
    if (verb == 's' && a.kind != Kind::String && a.kind != Kind::Slice && a.kind != Kind::Map &&
        a.kind != Kind::Nil && a.kind != Kind::Struct && a.type != GoType::Duration) {
      badVerb(out, a, verb);
      continue;
    }
    formatOne(out, a, verb == 's' && a.kind != Kind::String ? 's' : verb, sp);
  }
  if (!reordered && argNum < args.size()) {
    out += "%!(EXTRA ";
    for (std::size_t k = argNum; k < args.size(); ++k) {
      if (k > argNum) out += ", ";
      if (args[k].kind == Kind::Nil) {
        out += "<nil>";
      } else {
        out += typeName(args[k].unwrapped()) + "=" + formatValue(args[k].unwrapped());
      }
    }
    out += ')';
  }
  return out;
}

}  // namespace driftless::gotemplate
