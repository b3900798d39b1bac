// Sprig's numeric, default, reflection and semver functions (numeric.go, defaults.go,
// reflect.go, semver.go).

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/core/scalar.h"
#include "driftless/core/semver.h"
#include "funcs_util.h"
#include "internal.h"

namespace driftless::gotemplate {
namespace {

using fn::Args;
using fn::str;

// shopspring/decimal arithmetic on float64 operands (NewFromFloat keeps the shortest decimal
// form): the operands are read back from that form at extended precision, which rounds like
// the decimal result for the sums and products templates compute.
long double decimalOf(const TValue& t) {
  double d = castFloat64(t);
  if (!std::isfinite(d)) return d;
  std::string text = core::formatGoFloat(d, 'g');
  return std::strtold(text.c_str(), nullptr);
}

template <typename Op>
TValue decimalOp(const TValue& first, const std::vector<TValue>& rest, std::size_t from, Op op) {
  long double acc = decimalOf(first);
  for (std::size_t i = from; i < rest.size(); ++i)
    acc = op(acc, decimalOf(rest[i]));
  return fn::float64(static_cast<double>(acc));
}

std::int64_t divInt(std::int64_t a, std::int64_t b, bool mod) {
  if (b == 0) callFail("runtime error: integer divide by zero");
  if (b == -1) return mod ? 0 : static_cast<std::int64_t>(0ULL - static_cast<std::uint64_t>(a));
  return mod ? a % b : a / b;
}

std::vector<std::int64_t> untilStep(std::int64_t start, std::int64_t stop, std::int64_t step) {
  std::vector<std::int64_t> v;
  if (stop < start) {
    if (step >= 0) return v;
    for (std::int64_t i = start; i > stop; i += step)
      v.push_back(i);
    return v;
  }
  if (step <= 0) return v;
  for (std::int64_t i = start; i < stop; i += step)
    v.push_back(i);
  return v;
}

TValue intList(const std::vector<std::int64_t>& items) {
  core::Array arr;
  arr.reserve(items.size());
  for (auto i : items)
    arr.emplace_back(i);
  return TValue::typed(core::Value(std::move(arr)), GoType::IntSlice);
}

std::string joinInts(const std::vector<std::int64_t>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ' ';
    out += std::to_string(items[i]);
  }
  return out;
}

TValue seq(Args a, Runtime&) {
  std::vector<std::int64_t> p;
  for (const auto& v : a)
    p.push_back(fn::integer(v));
  switch (p.size()) {
    case 1: {
      std::int64_t inc = p[0] < 1 ? -1 : 1;
      return fn::string(joinInts(untilStep(1, p[0] + inc, inc)));
    }
    case 2: {
      std::int64_t step = p[1] < p[0] ? -1 : 1;
      return fn::string(joinInts(untilStep(p[0], p[1] + step, step)));
    }
    case 3: {
      std::int64_t start = p[0], step = p[1], end = p[2], inc = 1;
      if (end < start) {
        inc = -1;
        if (step > 0) return fn::string("");
      }
      return fn::string(joinInts(untilStep(start, end + inc, step)));
    }
    default:
      return fn::string("");
  }
}

TValue roundFn(Args a, Runtime&) {
  double roundOn = a.size() > 2 ? a[2].v().asDouble() : 0.5;
  double val = castFloat64(a[0]);
  double pow = std::pow(10.0, static_cast<double>(fn::integer(a[1])));
  double digit = pow * val;
  double intPart = 0;
  double frac = std::modf(digit, &intPart);
  double r = frac >= roundOn ? std::ceil(digit) : std::floor(digit);
  return fn::float64(r / pow);
}

TValue dfault(Args a, Runtime&) {
  if (a.size() < 2 || isEmpty(a[1])) return a[0];
  return a[1];
}

std::string goTypeOf(const TValue& t) {
  if (t.isNil()) return "<nil>";
  return typeName(t.unwrapped());
}

// Semver values: [original, String()].
TValue makeSemver(const std::string& text) {
  auto v = core::Version::parse(text);
  if (!v) callFail("Invalid Semantic Version");
  return TValue::typed(core::Value(core::Array{core::Value(text), core::Value(v->toString())}),
                       GoType::Semver);
}

core::Version semverOf(const TValue& t) {
  return *core::Version::parse(t.v()[0].asString());
}

}  // namespace

TValue semverMember(const TValue& receiver, const std::string& name, std::vector<TValue>& args,
                    bool hasArgs) {
  core::Version v = semverOf(receiver);
  auto noArgs = [&](TValue result) {
    if (hasArgs)
      callFail("wrong number of args for " + name + ": want 0 got " + std::to_string(args.size()));
    return result;
  };
  if (name == "Major") return noArgs(fn::integerValue(static_cast<std::int64_t>(v.major())));
  if (name == "Minor") return noArgs(fn::integerValue(static_cast<std::int64_t>(v.minor())));
  if (name == "Patch") return noArgs(fn::integerValue(static_cast<std::int64_t>(v.patch())));
  if (name == "Prerelease") return noArgs(fn::string(v.prerelease()));
  if (name == "Metadata") return noArgs(fn::string(v.metadata()));
  if (name == "Original") return noArgs(fn::string(receiver.v()[0].asString()));
  if (name == "String") return noArgs(fn::string(v.toString()));
  if (name == "Compare" || name == "LessThan" || name == "GreaterThan" || name == "Equal") {
    if (args.size() != 1) {
      callFail("wrong number of args for " + name + ": want 1 got " + std::to_string(args.size()));
    }
    const TValue& o = args[0];
    if (o.type != GoType::Semver) {
      callFail("wrong type for value; expected *semver.Version; got " + goTypeOf(o));
    }
    int c = v.compare(semverOf(o));
    if (name == "Compare") return fn::integerValue(c);
    if (name == "LessThan") return fn::boolean(c < 0);
    if (name == "GreaterThan") return fn::boolean(c > 0);
    return fn::boolean(c == 0);
  }
  callFail("can't evaluate field " + name + " in type *semver.Version");
}

std::vector<FuncDef> mathFuncs() {
  return {
      {"add1", "A", 0, [](Args a, Runtime&) { return fn::int64(castInt64(a[0]) + 1); }},
      {"add", "", 'A',
       [](Args a, Runtime&) {
         std::int64_t sum = 0;
         for (const auto& v : a)
           sum += castInt64(v);
         return fn::int64(sum);
       }},
      {"sub", "AA", 0,
       [](Args a, Runtime&) { return fn::int64(castInt64(a[0]) - castInt64(a[1])); }},
      {"div", "AA", 0,
       [](Args a, Runtime&) { return fn::int64(divInt(castInt64(a[0]), castInt64(a[1]), false)); }},
      {"mod", "AA", 0,
       [](Args a, Runtime&) { return fn::int64(divInt(castInt64(a[0]), castInt64(a[1]), true)); }},
      {"mul", "A", 'A',
       [](Args a, Runtime&) {
         std::int64_t p = castInt64(a[0]);
         for (std::size_t i = 1; i < a.size(); ++i)
           p *= castInt64(a[i]);
         return fn::int64(p);
       }},
      {"add1f", "A", 0,
       [](Args a, Runtime&) { return fn::float64(static_cast<double>(decimalOf(a[0]) + 1)); }},
      {"addf", "", 'A',
       [](Args a, Runtime&) {
         return decimalOp(fn::float64(0), a, 0, [](long double x, long double y) { return x + y; });
       }},
      {"subf", "A", 'A',
       [](Args a, Runtime&) {
         return decimalOp(a[0], a, 1, [](long double x, long double y) { return x - y; });
       }},
      {"mulf", "A", 'A',
       [](Args a, Runtime&) {
         return decimalOp(a[0], a, 1, [](long double x, long double y) { return x * y; });
       }},
      {"divf", "A", 'A',
       [](Args a, Runtime&) {
         for (std::size_t i = 1; i < a.size(); ++i) {
           if (castFloat64(a[i]) == 0) callFail("decimal division by 0");
         }
         return decimalOp(a[0], a, 1, [](long double x, long double y) { return x / y; });
       }},
      {"max", "A", 'A',
       [](Args a, Runtime&) {
         std::int64_t m = castInt64(a[0]);
         for (const auto& v : a)
           m = std::max(m, castInt64(v));
         return fn::int64(m);
       }},
      {"biggest", "A", 'A',
       [](Args a, Runtime&) {
         std::int64_t m = castInt64(a[0]);
         for (const auto& v : a)
           m = std::max(m, castInt64(v));
         return fn::int64(m);
       }},
      {"min", "A", 'A',
       [](Args a, Runtime&) {
         std::int64_t m = castInt64(a[0]);
         for (const auto& v : a)
           m = std::min(m, castInt64(v));
         return fn::int64(m);
       }},
      {"maxf", "A", 'A',
       [](Args a, Runtime&) {
         double m = castFloat64(a[0]);
         for (const auto& v : a)
           m = std::fmax(m, castFloat64(v));
         return fn::float64(m);
       }},
      {"minf", "A", 'A',
       [](Args a, Runtime&) {
         double m = castFloat64(a[0]);
         for (const auto& v : a)
           m = std::fmin(m, castFloat64(v));
         return fn::float64(m);
       }},
      {"floor", "A", 0,
       [](Args a, Runtime&) { return fn::float64(std::floor(castFloat64(a[0]))); }},
      {"ceil", "A", 0, [](Args a, Runtime&) { return fn::float64(std::ceil(castFloat64(a[0]))); }},
      {"round", "AI", 'F', roundFn},
      {"int", "A", 0, [](Args a, Runtime&) { return fn::integerValue(castInt64(a[0])); }},
      {"int64", "A", 0, [](Args a, Runtime&) { return fn::int64(castInt64(a[0])); }},
      {"float64", "A", 0, [](Args a, Runtime&) { return fn::float64(castFloat64(a[0])); }},
      {"atoi", "S", 0,
       [](Args a, Runtime&) {
         const std::string& s = str(a[0]);
         std::size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
         if (i == s.size() || s.find_first_not_of("0123456789", i) != std::string::npos) {
           return fn::integerValue(0);
         }
         errno = 0;
         long long v = std::strtoll(s.c_str(), nullptr, 10);
         return fn::integerValue(errno == 0 ? v : 0);
       }},
      {"toDecimal", "A", 0,
       [](Args a, Runtime&) {
         std::string s = a[0].isNil() ? "<nil>" : formatValue(a[0].unwrapped());
         std::size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
         if (i == s.size() || s.find_first_not_of("01234567", i) != std::string::npos) {
           return fn::int64(0);
         }
         errno = 0;
         long long v = std::strtoll(s.c_str(), nullptr, 8);
         return fn::int64(errno == 0 ? v : 0);
       }},
      {"until", "I", 0,
       [](Args a, Runtime&) {
         std::int64_t n = fn::integer(a[0]);
         return intList(untilStep(0, n, n < 0 ? -1 : 1));
       }},
      {"untilStep", "III", 0,
       [](Args a, Runtime&) {
         return intList(untilStep(fn::integer(a[0]), fn::integer(a[1]), fn::integer(a[2])));
       }},
      {"seq", "", 'I', seq},
  };
}

std::vector<FuncDef> defaultFuncs() {
  return {
      {"default", "A", 'A', dfault},
      {"empty", "A", 0, [](Args a, Runtime&) { return fn::boolean(isEmpty(a[0])); }},
      {"coalesce", "", 'A',
       [](Args a, Runtime&) {
         for (const auto& v : a) {
           if (!isEmpty(v)) return v;
         }
         return TValue::nilInterface();
       }},
      {"all", "", 'A',
       [](Args a, Runtime&) {
         return fn::boolean(
             std::none_of(a.begin(), a.end(), [](const TValue& v) { return isEmpty(v); }));
       }},
      {"any", "", 'A',
       [](Args a, Runtime&) {
         return fn::boolean(
             std::any_of(a.begin(), a.end(), [](const TValue& v) { return !isEmpty(v); }));
       }},
      {"ternary", "AAB", 0, [](Args a, Runtime&) { return a[2].v().asBool() ? a[0] : a[1]; }},
      {"typeOf", "A", 0, [](Args a, Runtime&) { return fn::string(goTypeOf(a[0])); }},
      {"typeIs", "SA", 0,
       [](Args a, Runtime&) { return fn::boolean(str(a[0]) == goTypeOf(a[1])); }},
      {"typeIsLike", "SA", 0,
       [](Args a, Runtime&) {
         std::string t = goTypeOf(a[1]);
         return fn::boolean(str(a[0]) == t || "*" + str(a[0]) == t);
       }},
      {"kindOf", "A", 0,
       [](Args a, Runtime&) {
         return fn::string(a[0].isNil() ? "invalid" : kindName(a[0].unwrapped()));
       }},
      {"kindIs", "SA", 0,
       [](Args a, Runtime&) {
         return fn::boolean(str(a[0]) == (a[1].isNil() ? "invalid" : kindName(a[1].unwrapped())));
       }},
      {"deepEqual", "AA", 0, [](Args a, Runtime&) { return fn::boolean(deepEqual(a[0], a[1])); }},
      {"semver", "S", 0, [](Args a, Runtime&) { return makeSemver(str(a[0])); }},
      {"semverCompare", "SS", 0,
       [](Args a, Runtime&) {
         core::Constraints c;
         try {
           c = core::Constraints::parse(str(a[0]));
         } catch (const core::Error& e) {
           callFail(e.what());
         }
         auto v = core::Version::parse(str(a[1]));
         if (!v) callFail("Invalid Semantic Version");
         return fn::boolean(c.check(*v));
       }},
  };
}

}  // namespace driftless::gotemplate
