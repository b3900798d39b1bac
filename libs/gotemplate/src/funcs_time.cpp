// Dates and durations: Sprig's date.go and Helm v4's duration helpers. The local time zone is
// UTC; other zones are known only as UTC offsets ("UTC", "Local" and "" are UTC).

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "driftless/core/duration.h"
#include "driftless/core/go_format.h"
#include "driftless/core/scalar.h"
#include "funcs_util.h"
#include "internal.h"

namespace driftless::gotemplate {
namespace {

using fn::Args;
using fn::str;

constexpr std::int64_t kSecond = 1000000000;

const char* const kMonths[] = {"January",   "February", "March",    "April",
                               "May",       "June",     "July",     "August",
                               "September", "October",  "November", "December"};
const char* const kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                             "Thursday", "Friday", "Saturday"};

// Days since 1970-01-01 of a civil date, and back (Howard Hinnant's algorithms).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month, day, hour, minute, second, weekday, yday;
};

Civil civilFromUnix(std::int64_t secs) {
  std::int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  std::int64_t rem = secs - days * 86400;
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  Civil c{};
  c.year = y;
  c.month = m;
  c.day = d;
  c.hour = static_cast<unsigned>(rem / 3600);
  c.minute = static_cast<unsigned>(rem % 3600 / 60);
  c.second = static_cast<unsigned>(rem % 60);
  c.weekday = static_cast<unsigned>(((days % 7) + 11) % 7);
  c.yday = static_cast<unsigned>(days - daysFromCivil(y, 1, 1) + 1);
  return c;
}

std::string pad(std::int64_t v, int width, char fill = '0') {
  std::string s = std::to_string(v < 0 ? -v : v);
  while (static_cast<int>(s.size()) < width)
    s.insert(s.begin(), fill);
  return v < 0 ? "-" + s : s;
}

bool startsWith(std::string_view s, std::size_t i, std::string_view p) {
  return s.substr(i, p.size()) == p;
}

std::string zoneOffset(std::int64_t off, bool colon, bool secondsToo, bool zulu, bool hoursOnly) {
  if (zulu && off == 0) return "Z";
  std::string out = off < 0 ? "-" : "+";
  std::int64_t a = off < 0 ? -off : off;
  out += pad(a / 3600, 2);
  if (hoursOnly) return out;
  if (colon) out += ':';
  out += pad(a % 3600 / 60, 2);
  if (secondsToo) {
    if (colon) out += ':';
    out += pad(a % 60, 2);
  }
  return out;
}

TValue timeValue(const TValue& t) {
  if (t.type != GoType::Time)
    callFail("wrong type for value; expected time.Time; got " + typeName(t));
  return t;
}

std::int64_t nowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TValue now() {
  std::int64_t n = nowNanos();
  return makeTime(n / kSecond, n % kSecond, 0, "UTC");
}

// Sprig's dateInZone: times, or Unix seconds as int/int64; anything else is now.
TValue dateArg(const TValue& d) {
  if (d.type == GoType::Time) return d;
  if (d.kind == Kind::Int && (d.type == GoType::Plain || d.type == GoType::Int64)) {
    return makeTime(d.v().asInt(), 0, 0, "UTC");
  }
  return now();
}

// A time zone of the system's tz database (TZif files, as Go's LoadLocation reads them).
struct Zone {
  struct Type {
    std::int64_t offset;
    std::string abbrev;
  };
  std::vector<std::int64_t> transitions;
  std::vector<std::uint8_t> typeOf;  // per transition
  std::vector<Type> types;
};

std::optional<Zone> readZone(const std::string& name) {
  if (name.empty() || name[0] == '/' || name.find("..") != std::string::npos) return std::nullopt;
  std::ifstream in("/usr/share/zoneinfo/" + name, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto be = [&](std::size_t at, int bytes) {
    std::uint64_t v = 0;
    for (int k = 0; k < bytes; ++k)
      v = (v << 8) | static_cast<unsigned char>(data[at + static_cast<std::size_t>(k)]);
    return v;
  };
  auto header = [&](std::size_t at, std::array<std::uint64_t, 6>& counts) {
    if (data.size() < at + 44 || data.compare(at, 4, "TZif") != 0) return false;
    for (std::size_t k = 0; k < 6; ++k)
      counts[k] = be(at + 20 + 4 * k, 4);
    return true;
  };
  std::array<std::uint64_t, 6> c{};  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  if (!header(0, c)) return std::nullopt;
  std::size_t at = 44;
  int timeSize = 4;
  if (data[4] >= '2') {  // skip the 32-bit block for the 64-bit one
    at += c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (!header(at, c)) return std::nullopt;
    at += 44;
    timeSize = 8;
  }
  std::size_t need = c[3] * static_cast<std::size_t>(timeSize + 1) + c[4] * 6 + c[5];
  if (data.size() < at + need || c[4] == 0) return std::nullopt;
  Zone z;
  for (std::size_t k = 0; k < c[3]; ++k) {
    std::uint64_t v = be(at + k * static_cast<std::size_t>(timeSize), timeSize);
    z.transitions.push_back(timeSize == 8
                                ? static_cast<std::int64_t>(v)
                                : static_cast<std::int32_t>(static_cast<std::uint32_t>(v)));
  }
  at += c[3] * static_cast<std::size_t>(timeSize);
  for (std::size_t k = 0; k < c[3]; ++k)
    z.typeOf.push_back(static_cast<std::uint8_t>(data[at + k]));
  at += c[3];
  std::size_t chars = at + c[4] * 6;
  for (std::size_t k = 0; k < c[4]; ++k) {
    auto off = static_cast<std::int32_t>(static_cast<std::uint32_t>(be(at + 6 * k, 4)));
    std::size_t idx = static_cast<unsigned char>(data[at + 6 * k + 5]);
    std::string abbrev = idx < c[5] ? std::string(data.c_str() + chars + idx) : "";
    z.types.push_back({off, abbrev});
  }
  for (auto t : z.typeOf) {
    if (t >= z.types.size()) return std::nullopt;
  }
  return z;
}

// The offset and abbreviation of zone `name` at a Unix time; false for an unknown zone.
bool zoneAt(const std::string& name, std::int64_t unix, std::int64_t& offset, std::string& abbrev) {
  static std::mutex mu;
  static std::map<std::string, std::optional<Zone>, std::less<>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, readZone(name)).first;
  if (!it->second) return false;
  const Zone& z = *it->second;
  auto pos = std::upper_bound(z.transitions.begin(), z.transitions.end(), unix);
  const Zone::Type& type =
      pos == z.transitions.begin()
          ? z.types.front()
          : z.types[z.typeOf[static_cast<std::size_t>(pos - z.transitions.begin() - 1)]];
  offset = type.offset;
  abbrev = type.abbrev;
  return true;
}

// Time.In(LoadLocation(zone)); an unknown zone is UTC, like Sprig's fallback. Local is UTC.
TValue inZone(const TValue& t, const std::string& zone) {
  const auto& a = t.v().asArray();
  std::int64_t offset = 0;
  std::string abbrev = "UTC";
  if (!zone.empty() && zone != "UTC" && zone != "Local" &&
      !zoneAt(zone, a[0].asInt(), offset, abbrev)) {
    offset = 0;
    abbrev = "UTC";
  }
  return makeTime(a[0].asInt(), a[1].asInt(), offset, abbrev);
}

// time.Parse for the layout elements templates use (numbers, month and day names, fractions,
// offsets); false when value does not match.
bool parseGoTime(std::string_view layout, std::string_view value, TValue& out) {
  std::int64_t year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos = 0;
  std::int64_t offset = 0;
  bool pm = false, hasPm = false;
  std::size_t li = 0, vi = 0;
  auto num = [&](int minDigits, int maxDigits, std::int64_t& dst) {
    std::size_t b = vi;
    while (vi < value.size() && static_cast<int>(vi - b) < maxDigits &&
           std::isdigit(static_cast<unsigned char>(value[vi])))
      ++vi;
    if (static_cast<int>(vi - b) < minDigits) return false;
    dst = std::stoll(std::string(value.substr(b, vi - b)));
    return true;
  };
  auto name = [&](const char* const* names, int count, bool abbrev, std::int64_t& dst) {
    for (int k = 0; k < count; ++k) {
      std::string n = abbrev ? std::string(names[k], 3) : names[k];
      if (startsWith(value, vi, n)) {
        vi += n.size();
        dst = k + 1;
        return true;
      }
    }
    return false;
  };
  while (li < layout.size()) {
    std::int64_t ignored = 0;
    bool ok = true;
    if (startsWith(layout, li, "2006")) {
      li += 4;
      ok = num(4, 4, year);
    } else if (startsWith(layout, li, "January")) {
      li += 7;
      ok = name(kMonths, 12, false, month);
    } else if (startsWith(layout, li, "Jan")) {
      li += 3;
      ok = name(kMonths, 12, true, month);
    } else if (startsWith(layout, li, "Monday")) {
      li += 6;
      ok = name(kDays, 7, false, ignored);
    } else if (startsWith(layout, li, "Mon")) {
      li += 3;
      ok = name(kDays, 7, true, ignored);
    } else if (startsWith(layout, li, "MST")) {
      li += 3;
      while (vi < value.size() && std::isupper(static_cast<unsigned char>(value[vi])))
        ++vi;
    } else if (startsWith(layout, li, "01")) {
      li += 2;
      ok = num(2, 2, month);
    } else if (startsWith(layout, li, "02")) {
      li += 2;
      ok = num(2, 2, day);
    } else if (startsWith(layout, li, "_2")) {
      li += 2;
      if (vi < value.size() && value[vi] == ' ') ++vi;
      ok = num(1, 2, day);
    } else if (startsWith(layout, li, "03")) {
      li += 2;
      ok = num(2, 2, hour);
    } else if (startsWith(layout, li, "04")) {
      li += 2;
      ok = num(2, 2, minute);
    } else if (startsWith(layout, li, "05")) {
      li += 2;
      ok = num(2, 2, second);
    } else if (startsWith(layout, li, "06")) {
      li += 2;
      ok = num(2, 2, year);
      year += year >= 69 ? 1900 : 2000;
    } else if (startsWith(layout, li, "15")) {
      li += 2;
      ok = num(1, 2, hour);
    } else if (startsWith(layout, li, "PM") || startsWith(layout, li, "pm")) {
      li += 2;
      hasPm = true;
      std::string v(value.substr(vi, 2));
      pm = v == "PM" || v == "pm";
      vi += 2;
    } else if (startsWith(layout, li, "Z07:00") || startsWith(layout, li, "-07:00") ||
               startsWith(layout, li, "Z0700") || startsWith(layout, li, "-0700") ||
               startsWith(layout, li, "-07")) {
      bool zulu = layout[li] == 'Z';
      std::size_t len = startsWith(layout, li, "Z07:00") || startsWith(layout, li, "-07:00") ? 6
                        : startsWith(layout, li, "-07") && !startsWith(layout, li, "-0700")  ? 3
                                                                                             : 5;
      li += len;
      if (zulu && vi < value.size() && value[vi] == 'Z') {
        ++vi;
      } else {
        if (vi >= value.size() || (value[vi] != '+' && value[vi] != '-')) return false;
        int sign = value[vi++] == '-' ? -1 : 1;
        std::int64_t h = 0, m = 0;
        ok = num(2, 2, h);
        if (ok && len != 3) {
          if (vi < value.size() && value[vi] == ':') ++vi;
          ok = num(2, 2, m);
        }
        offset = sign * (h * 3600 + m * 60);
      }
    } else if (startsWith(layout, li, "1")) {
      li += 1;
      ok = num(1, 2, month);
    } else if (startsWith(layout, li, "2")) {
      li += 1;
      ok = num(1, 2, day);
    } else if (startsWith(layout, li, "3")) {
      li += 1;
      ok = num(1, 2, hour);
    } else if (startsWith(layout, li, "4")) {
      li += 1;
      ok = num(1, 2, minute);
    } else if (startsWith(layout, li, "5")) {
      li += 1;
      ok = num(1, 2, second);
    } else if ((layout[li] == '.' || layout[li] == ',') && li + 1 < layout.size() &&
               (layout[li + 1] == '0' || layout[li + 1] == '9')) {
      ++li;
      while (li < layout.size() && (layout[li] == '0' || layout[li] == '9'))
        ++li;
      if (vi < value.size() && (value[vi] == '.' || value[vi] == ',')) {
        ++vi;
        std::size_t b = vi;
        while (vi < value.size() && std::isdigit(static_cast<unsigned char>(value[vi])))
          ++vi;
        std::string frac(value.substr(b, vi - b));
        frac.resize(9, '0');
        nanos = std::stoll(frac);
      }
    } else {
      if (vi >= value.size() || value[vi] != layout[li]) return false;
      ++li;
      ++vi;
    }
    if (!ok) return false;
  }
  if (vi != value.size()) return false;
  if (hasPm && pm && hour < 12) hour += 12;
  if (hasPm && !pm && hour == 12) hour = 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  std::int64_t secs =
      daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hour * 3600 + minute * 60 + second - offset;
  out = makeTime(secs, nanos, 0, "UTC");
  return true;
}

TValue toDate(Args a, bool must) {
  TValue t;
  if (parseGoTime(str(a[0]), str(a[1]), t)) return t;
  if (must) {
    callFail("parsing time " + core::goQuote(str(a[1])) + " as " + core::goQuote(str(a[0])) +
             ": cannot parse " + core::goQuote(str(a[1])) + " as " + core::goQuote(str(a[0])));
  }
  return makeTime(-62135596800, 0, 0, "UTC");
}

TValue dateModify(Args a, bool must) {
  TValue t = timeValue(a[1]);
  auto d = core::tryParseDuration(str(a[0]));
  if (!d) {
    if (must) callFail("time: invalid duration " + core::goQuote(str(a[0])));
    return t;
  }
  const auto& arr = t.v().asArray();
  std::int64_t total = arr[1].asInt() + d->count();
  std::int64_t secs = arr[0].asInt() + total / kSecond;
  std::int64_t nanos = total % kSecond;
  if (nanos < 0) {
    nanos += kSecond;
    --secs;
  }
  return makeTime(secs, nanos, arr[2].asInt(), arr[3].asString());
}

std::string durationRound(const TValue& v) {
  std::int64_t d = 0;
  if (v.kind == Kind::String) {
    auto p = core::tryParseDuration(v.v().asString());
    d = p ? p->count() : 0;
  } else if (v.type == GoType::Int64 || v.type == GoType::Duration) {
    d = v.v().asInt();
  } else if (v.type == GoType::Time) {
    d = nowNanos() - (v.v()[0].asInt() * kSecond + v.v()[1].asInt());
  }
  std::uint64_t u = d < 0 ? 0ULL - static_cast<std::uint64_t>(d) : static_cast<std::uint64_t>(d);
  constexpr std::uint64_t kHour = 3600ULL * kSecond, kDay = 24 * kHour;
  const std::pair<std::uint64_t, const char*> units[] = {
      {365 * kDay, "y"}, {30 * kDay, "mo"},      {kDay, "d"},
      {kHour, "h"},      {60ULL * kSecond, "m"}, {static_cast<std::uint64_t>(kSecond), "s"}};
  for (const auto& [size, suffix] : units) {
    if (u > size) return std::to_string(u / size) + suffix;
  }
  return "0s";
}

// Helm v4's asDuration.
std::int64_t asDuration(const TValue& v, std::string& err) {
  auto fromSeconds = [&](double s, const std::string& text) -> std::int64_t {
    if (std::isnan(s) || std::isinf(s)) {
      err = "invalid duration seconds: " + text;
      return 0;
    }
    if (s > 9223372036.854775807 || s < -9223372036.854775808) {
      err = "duration seconds overflow: " + text;
      return 0;
    }
    return static_cast<std::int64_t>(s * 1e9);
  };
  if (v.type == GoType::Duration) return v.v().asInt();
  switch (v.kind) {
    case Kind::String: {
      std::string s = v.v().asString();
      s.erase(0, s.find_first_not_of(" \t\n\r\v\f"));
      s.erase(s.find_last_not_of(" \t\n\r\v\f") + 1);
      if (s.empty()) {
        err = "empty duration";
        return 0;
      }
      if (auto d = core::tryParseDuration(s)) return d->count();
      char* end = nullptr;
      double f = std::strtod(s.c_str(), &end);
      if (end == s.c_str() + s.size() && s.find_first_of("xX") == std::string::npos) {
        return fromSeconds(f, formatGoFloatV(f));
      }
      err = "could not parse duration " + core::goQuote(v.v().asString());
      return 0;
    }
    case Kind::Nil:
      err = "invalid duration";
      return 0;
    case Kind::Int: {
      std::int64_t s = v.v().asInt();
      if (s > 9223372036 || s < -9223372036) {
        err = "duration seconds overflow: " + std::to_string(s);
        return 0;
      }
      return s * kSecond;
    }
    case Kind::Float64:
      return fromSeconds(v.v().asDouble(), formatGoFloatV(v.v().asDouble()));
    default:
      err = "unsupported duration type " + typeName(v.unwrapped());
      return 0;
  }
}

TValue durationValue(std::int64_t nanos) {
  return TValue::typed(core::Value(nanos), GoType::Duration);
}

template <typename F>
FuncImpl durationConverter() {
  return [](Args a, Runtime&) -> TValue {
    std::string err;
    std::int64_t d = asDuration(a[0], err);
    if (!err.empty()) d = 0;
    return F::convert(d);
  };
}

struct Seconds {
  static TValue convert(std::int64_t d) {
    return fn::float64(static_cast<double>(d / kSecond) + static_cast<double>(d % kSecond) / 1e9);
  }
};
struct Millis {
  static TValue convert(std::int64_t d) { return fn::int64(d / 1000000); }
};
struct Micros {
  static TValue convert(std::int64_t d) { return fn::int64(d / 1000); }
};
struct Nanos {
  static TValue convert(std::int64_t d) { return fn::int64(d); }
};
double hoursOf(std::int64_t d) {
  std::int64_t h = d / (3600 * kSecond);
  std::int64_t ns = d % (3600 * kSecond);
  return static_cast<double>(h) + static_cast<double>(ns) / (3600e9);
}
struct Minutes {
  static TValue convert(std::int64_t d) {
    std::int64_t m = d / (60 * kSecond);
    std::int64_t ns = d % (60 * kSecond);
    return fn::float64(static_cast<double>(m) + static_cast<double>(ns) / 60e9);
  }
};
struct Hours {
  static TValue convert(std::int64_t d) { return fn::float64(hoursOf(d)); }
};
struct Days {
  static TValue convert(std::int64_t d) { return fn::float64(hoursOf(d) / 24.0); }
};
struct Weeks {
  static TValue convert(std::int64_t d) { return fn::float64(hoursOf(d) / 24.0 / 7.0); }
};

TValue durationTo(Args a, bool round) {
  std::string err;
  std::int64_t d = asDuration(a[0], err);
  if (!err.empty()) return durationValue(0);
  std::int64_t m = asDuration(a[1], err);
  if (!err.empty() || m <= 0) return durationValue(d);
  if (!round) return durationValue(d - d % m);
  std::int64_t r = d % m;
  if (d < 0) {
    r = -r;
    if (r + r < m) return durationValue(d + r);
    return durationValue(d - m + r);
  }
  if (r + r < m) return durationValue(d - r);
  return durationValue(d + m - r);
}

}  // namespace

TValue makeTime(std::int64_t unixSeconds, std::int64_t nanos, std::int64_t offsetSeconds,
                const std::string& zone) {
  return TValue::typed(core::Value(core::Array{core::Value(unixSeconds), core::Value(nanos),
                                               core::Value(offsetSeconds), core::Value(zone)}),
                       GoType::Time);
}

std::string formatDurationGo(std::int64_t nanos) {
  return core::formatDuration(core::Nanoseconds(nanos));
}

std::string formatGoTime(const TValue& t, std::string_view layout) {
  const auto& a = t.v().asArray();
  std::int64_t off = a[2].asInt();
  std::int64_t nanos = a[1].asInt();
  const std::string& zone = a[3].asString();
  Civil c = civilFromUnix(a[0].asInt() + off);
  std::string out;
  std::size_t i = 0;
  while (i < layout.size()) {
    auto is = [&](std::string_view p) { return startsWith(layout, i, p); };
    if (is("2006")) {
      out += pad(c.year, 4);
      i += 4;
    } else if (is("January")) {
      out += kMonths[c.month - 1];
      i += 7;
    } else if (is("Jan")) {
      out += std::string(kMonths[c.month - 1], 3);
      i += 3;
    } else if (is("Monday")) {
      out += kDays[c.weekday];
      i += 6;
    } else if (is("Mon")) {
      out += std::string(kDays[c.weekday], 3);
      i += 3;
    } else if (is("MST")) {
      out += zone.empty() ? zoneOffset(off, false, false, false, false) : zone;
      i += 3;
    } else if (is("01")) {
      out += pad(c.month, 2);
      i += 2;
    } else if (is("02")) {
      out += pad(c.day, 2);
      i += 2;
    } else if (is("_2")) {
      out += pad(c.day, 2, ' ');
      i += 2;
    } else if (is("002")) {
      out += pad(c.yday, 3);
      i += 3;
    } else if (is("03")) {
      out += pad(c.hour % 12 == 0 ? 12 : c.hour % 12, 2);
      i += 2;
    } else if (is("04")) {
      out += pad(c.minute, 2);
      i += 2;
    } else if (is("05")) {
      out += pad(c.second, 2);
      i += 2;
    } else if (is("06")) {
      out += pad(c.year % 100, 2);
      i += 2;
    } else if (is("15")) {
      out += pad(c.hour, 2);
      i += 2;
    } else if (is("PM")) {
      out += c.hour >= 12 ? "PM" : "AM";
      i += 2;
    } else if (is("pm")) {
      out += c.hour >= 12 ? "pm" : "am";
      i += 2;
    } else if (is("Z07:00:00") || is("-07:00:00")) {
      out += zoneOffset(off, true, true, layout[i] == 'Z', false);
      i += 9;
    } else if (is("Z07:00") || is("-07:00")) {
      out += zoneOffset(off, true, false, layout[i] == 'Z', false);
      i += 6;
    } else if (is("Z0700") || is("-0700")) {
      out += zoneOffset(off, false, false, layout[i] == 'Z', false);
      i += 5;
    } else if (is("Z07") || is("-07")) {
      out += zoneOffset(off, false, false, layout[i] == 'Z', true);
      i += 3;
    } else if (is("1")) {
      out += std::to_string(c.month);
      i += 1;
    } else if (is("2")) {
      out += std::to_string(c.day);
      i += 1;
    } else if (is("3")) {
      out += std::to_string(c.hour % 12 == 0 ? 12 : c.hour % 12);
      i += 1;
    } else if (is("4")) {
      out += std::to_string(c.minute);
      i += 1;
    } else if (is("5")) {
      out += std::to_string(c.second);
      i += 1;
    } else if ((layout[i] == '.' || layout[i] == ',') && i + 1 < layout.size() &&
               (layout[i + 1] == '0' || layout[i + 1] == '9') &&
               (i + 2 >= layout.size() ||
                !std::isdigit(static_cast<unsigned char>(layout[i + 2])) ||
                layout[i + 2] == layout[i + 1])) {
      char kind = layout[i + 1];
      std::size_t j = i + 1;
      while (j < layout.size() && layout[j] == kind)
        ++j;
      auto digits = j - i - 1;
      std::string frac = pad(nanos, 9).substr(0, digits);
      if (kind == '9') {
        while (!frac.empty() && frac.back() == '0')
          frac.pop_back();
        if (!frac.empty()) out += layout[i] + frac;
      } else {
        out += layout[i] + frac;
      }
      i = j;
    } else {
      out += layout[i++];
    }
  }
  return out;
}

std::vector<FuncDef> timeFuncs() {
  return {
      {"now", "", 0, [](Args, Runtime&) { return now(); }},
      {"date", "SA", 0,
       [](Args a, Runtime&) {
         return fn::string(formatGoTime(inZone(dateArg(a[1]), "Local"), str(a[0])));
       }},
      {"dateInZone", "SAS", 0,
       [](Args a, Runtime&) {
         return fn::string(formatGoTime(inZone(dateArg(a[1]), str(a[2])), str(a[0])));
       }},
      {"date_in_zone", "SAS", 0,
       [](Args a, Runtime&) {
         return fn::string(formatGoTime(inZone(dateArg(a[1]), str(a[2])), str(a[0])));
       }},
      {"htmlDate", "A", 0,
       [](Args a, Runtime&) { return fn::string(formatGoTime(dateArg(a[0]), "2006-01-02")); }},
      {"htmlDateInZone", "AS", 0,
       [](Args a, Runtime&) {
         return fn::string(formatGoTime(inZone(dateArg(a[0]), str(a[1])), "2006-01-02"));
       }},
      {"dateModify", "SA", 0, [](Args a, Runtime&) { return dateModify(a, false); }},
      {"date_modify", "SA", 0, [](Args a, Runtime&) { return dateModify(a, false); }},
      {"mustDateModify", "SA", 0, [](Args a, Runtime&) { return dateModify(a, true); }},
      {"must_date_modify", "SA", 0, [](Args a, Runtime&) { return dateModify(a, true); }},
      {"toDate", "SS", 0, [](Args a, Runtime&) { return toDate(a, false); }},
      {"mustToDate", "SS", 0, [](Args a, Runtime&) { return toDate(a, true); }},
      {"unixEpoch", "A", 0,
       [](Args a, Runtime&) { return fn::string(std::to_string(timeValue(a[0]).v()[0].asInt())); }},
      {"ago", "A", 0,
       [](Args a, Runtime&) {
         TValue t = dateArg(a[0]);
         std::int64_t since = nowNanos() - (t.v()[0].asInt() * kSecond + t.v()[1].asInt());
         std::int64_t rounded = (since + kSecond / 2) / kSecond * kSecond;
         return fn::string(formatDurationGo(rounded));
       }},
      {"duration", "A", 0,
       [](Args a, Runtime&) {
         std::int64_t n = 0;
         if (a[0].kind == Kind::String) {
           const std::string& s = a[0].v().asString();
           char* end = nullptr;
           long long v = std::strtoll(s.c_str(), &end, 10);
           if (!s.empty() && end == s.c_str() + s.size()) n = v;
         } else if (a[0].type == GoType::Int64) {
           n = a[0].v().asInt();
         }
         return fn::string(formatDurationGo(n * kSecond));
       }},
      {"durationRound", "A", 0, [](Args a, Runtime&) { return fn::string(durationRound(a[0])); }},
      {"mustToDuration", "A", 0,
       [](Args a, Runtime&) {
         std::string err;
         std::int64_t d = asDuration(a[0], err);
         if (!err.empty()) callFail(err);
         return durationValue(d);
       }},
      {"durationSeconds", "A", 0, durationConverter<Seconds>()},
      {"durationMilliseconds", "A", 0, durationConverter<Millis>()},
      {"durationMicroseconds", "A", 0, durationConverter<Micros>()},
      {"durationNanoseconds", "A", 0, durationConverter<Nanos>()},
      {"durationMinutes", "A", 0, durationConverter<Minutes>()},
      {"durationHours", "A", 0, durationConverter<Hours>()},
      {"durationDays", "A", 0, durationConverter<Days>()},
      {"durationWeeks", "A", 0, durationConverter<Weeks>()},
      {"durationRoundTo", "AA", 0, [](Args a, Runtime&) { return durationTo(a, true); }},
      {"durationTruncateTo", "AA", 0, [](Args a, Runtime&) { return durationTo(a, false); }},
  };
}

}  // namespace driftless::gotemplate
