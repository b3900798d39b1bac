#include "driftless/core/duration.h"

#include <cstdint>
#include <limits>

#include "driftless/core/error.h"

namespace driftless::core {

namespace {

struct Unit {
  std::string_view name;
  std::uint64_t nanos;
};

constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"\xc2\xb5s", 1'000},  // U+00B5 micro sign
    {"\xce\xbcs", 1'000},  // U+03BC Greek mu
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// Appends the decimal digits of v with a fractional part of `prec` digits, trimming trailing
// zeros of the fraction (Go's fmtFrac/fmtInt, written forwards).
void appendFrac(std::string& out, std::uint64_t v, int prec) {
  std::string frac;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    auto digit = static_cast<char>('0' + v % 10);
    print = print || digit != '0';
    if (print) frac.insert(frac.begin(), digit);
    v /= 10;
  }
  out += std::to_string(v);
  if (!frac.empty()) {
    out += '.';
    out += frac;
  }
}

}  // namespace

std::optional<Nanoseconds> tryParseDuration(std::string_view s) {
  std::string_view orig = s;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Nanoseconds(0);
  if (s.empty()) return std::nullopt;
  constexpr std::uint64_t kMax = std::uint64_t{1} << 63;
  std::uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || isDigit(s[0]))) return std::nullopt;
    // Integer part.
    std::uint64_t v = 0;
    std::size_t i = 0;
    bool overflow = false;
    while (i < s.size() && isDigit(s[i])) {
      if (v > (kMax - 1) / 10) overflow = true;
      v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
      if (v > kMax) overflow = true;
      ++i;
    }
    if (overflow) return std::nullopt;
    bool pre = i > 0;
    // Fractional part.
    std::uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      std::size_t start = i;
      bool fracOverflow = false;
      while (i < s.size() && isDigit(s[i])) {
        if (!fracOverflow) {
          if (f > (kMax - 1) / 10) {
            fracOverflow = true;
          } else {
            f = f * 10 + static_cast<std::uint64_t>(s[i] - '0');
            scale *= 10;
          }
        }
        ++i;
      }
      post = i > start;
    }
    if (!pre && !post) return std::nullopt;
    // Unit.
    std::size_t u = i;
    while (u < s.size() && s[u] != '.' && !isDigit(s[u]))
      ++u;
    if (u == i) return std::nullopt;  // missing unit
    std::string_view unitName = s.substr(i, u - i);
    const Unit* unit = nullptr;
    for (const auto& candidate : kUnits) {
      if (candidate.name == unitName) unit = &candidate;
    }
    if (unit == nullptr) return std::nullopt;
    if (v > kMax / unit->nanos) return std::nullopt;
    v *= unit->nanos;
    if (f > 0) {
      v += static_cast<std::uint64_t>(static_cast<double>(f) *
                                      (static_cast<double>(unit->nanos) / scale));
      if (v > kMax) return std::nullopt;
    }
    total += v;
    if (total > kMax) return std::nullopt;
    s.remove_prefix(u);
  }
  if (neg) return Nanoseconds(-static_cast<std::int64_t>(total - 1) - 1);
  if (total > kMax - 1) return std::nullopt;
  (void)orig;
  return Nanoseconds(static_cast<std::int64_t>(total));
}

Nanoseconds parseDuration(std::string_view text) {
  auto d = tryParseDuration(text);
  if (!d) throw Error("time: invalid duration \"" + std::string(text) + "\"");
  return *d;
}

std::string formatDuration(Nanoseconds d) {
  std::int64_t n = d.count();
  if (n == 0) return "0s";
  bool neg = n < 0;
  std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  std::string out = neg ? "-" : "";
  if (u < 1'000'000'000) {
    // Sub-second: the largest unit that keeps the value >= 1.
    if (u < 1'000) return out + std::to_string(u) + "ns";
    if (u < 1'000'000) {
      appendFrac(out, u, 3);
      return out + "\xc2\xb5s";
    }
    appendFrac(out, u, 6);
    return out + "ms";
  }
  std::uint64_t secondsNanos = u % 60'000'000'000;
  std::uint64_t minutes = u / 60'000'000'000;
  std::string seconds;
  appendFrac(seconds, secondsNanos, 9);
  if (minutes == 0) return out + seconds + "s";
  std::uint64_t hours = minutes / 60;
  minutes %= 60;
  if (hours > 0) out += std::to_string(hours) + "h";
  out += std::to_string(minutes) + "m" + seconds + "s";
  return out;
}

}  // namespace driftless::core
