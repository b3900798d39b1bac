// Sprig's list and dict functions (list.go, dict.go).

#include <cmath>
#include <string>
#include <vector>

#include "funcs_util.h"
#include "internal.h"

namespace driftless::gotemplate {
namespace {

using fn::Args;
using fn::str;

// reflect.TypeOf(v).Kind() of an interface{} argument; a nil one makes Go panic.
std::string listKind(const TValue& v) {
  if (v.isNil()) callFail("runtime error: invalid memory address or nil pointer dereference");
  return kindName(v.unwrapped());
}

const std::vector<TValue>& requireList(const TValue& v, std::vector<TValue>& storage,
                                       const std::string& what) {
  if (v.kind != Kind::Slice) {
    std::string k = listKind(v);
    callFail(what + k);
  }
  storage = sliceElements(v);
  return storage;
}

// The element of a list as the interface{} a Sprig function returns.
TValue asInterface(TValue v) {
  v.iface = true;
  return v;
}

bool inList(const std::vector<TValue>& haystack, const TValue& needle) {
  for (const auto& h : haystack) {
    if (deepEqual(needle, h)) return true;
  }
  return false;
}

TValue push(Args a, Runtime&) {
  std::vector<TValue> s;
  auto items = requireList(a[0], s, "Cannot push on type ");
  items.push_back(a[1]);
  return makeList(std::move(items));
}

TValue prepend(Args a, Runtime&) {
  std::vector<TValue> s;
  auto items = requireList(a[0], s, "Cannot prepend on type ");
  items.insert(items.begin(), a[1]);
  return makeList(std::move(items));
}

TValue chunk(Args a, Runtime&) {
  std::vector<TValue> s;
  const auto& items = requireList(a[1], s, "Cannot chunk type ");
  std::int64_t size = fn::integer(a[0]);
  auto l = static_cast<std::int64_t>(items.size());
  if (size <= 0) {
    if (l == 0 && size < 0) return makeList({});
    callFail("runtime error: integer divide by zero");
  }
  std::int64_t cs = static_cast<std::int64_t>(
                        std::floor(static_cast<double>(l - 1) / static_cast<double>(size))) +
                    1;
  core::Array out;
  for (std::int64_t i = 0; i < cs; ++i) {
    std::int64_t clen = size;
    if (i == cs - 1) {
      clen = l % size;
      if (clen == 0) clen = size;
    }
    core::Array part;
    for (std::int64_t j = 0; j < clen; ++j)
      part.push_back(toCore(items[static_cast<std::size_t>(i * size + j)]));
    out.emplace_back(std::move(part));
  }
  return fromCore(core::Value(std::move(out)));
}

TValue endElement(Args a, bool firstOne) {
  std::vector<TValue> s;
  const auto& items =
      requireList(a[0], s, firstOne ? "Cannot find first on type " : "Cannot find last on type ");
  if (items.empty()) return TValue::nilInterface();
  return asInterface(firstOne ? items.front() : items.back());
}

TValue restOrInitial(Args a, bool rest) {
  std::vector<TValue> s;
  const auto& items =
      requireList(a[0], s, rest ? "Cannot find rest on type " : "Cannot find initial on type ");
  if (items.empty()) return makeList({});
  std::vector<TValue> out(items.begin() + (rest ? 1 : 0), items.end() - (rest ? 0 : 1));
  return makeList(std::move(out));
}

TValue reverse(Args a, Runtime&) {
  std::vector<TValue> s;
  auto items = requireList(a[0], s, "Cannot find reverse on type ");
  return makeList(std::vector<TValue>(items.rbegin(), items.rend()));
}

TValue compact(Args a, Runtime&) {
  std::vector<TValue> s;
  const auto& items = requireList(a[0], s, "Cannot compact on type ");
  std::vector<TValue> out;
  for (const auto& e : items) {
    if (!isEmpty(e)) out.push_back(e);
  }
  return makeList(std::move(out));
}

TValue uniq(Args a, Runtime&) {
  std::vector<TValue> s;
  const auto& items = requireList(a[0], s, "Cannot find uniq on type ");
  std::vector<TValue> out;
  for (const auto& e : items) {
    if (!inList(out, e)) out.push_back(e);
  }
  return makeList(std::move(out));
}

TValue without(Args a, Runtime&) {
  std::vector<TValue> s;
  const auto& items = requireList(a[0], s, "Cannot find without on type ");
  std::vector<TValue> omit(a.begin() + 1, a.end());
  std::vector<TValue> out;
  for (const auto& e : items) {
    if (!inList(omit, e)) out.push_back(e);
  }
  return makeList(std::move(out));
}

TValue has(Args a, Runtime&) {
  if (a[1].isNil()) return fn::boolean(false);
  std::vector<TValue> s;
  const auto& items = requireList(a[1], s, "Cannot find has on type ");
  return fn::boolean(inList(items, a[0]));
}

TValue slice(Args a, Runtime&) {
  TValue list = indirectIface(a[0]);
  if (list.kind != Kind::Slice) {
    std::string k = list.isNil() ? "invalid" : kindName(list);
    callFail("list should be type of slice or array but " + k);
  }
  const auto& arr = list.v().asArray();
  if (arr.empty()) return TValue::nilInterface();
  std::int64_t start = a.size() > 1 ? castInt64(indirectIface(a[1])) : 0;
  std::int64_t end =
      a.size() > 2 ? castInt64(indirectIface(a[2])) : static_cast<std::int64_t>(arr.size());
  if (start < 0 || end < start || end > static_cast<std::int64_t>(arr.size())) {
    callFail("reflect.Value.Slice: slice index out of bounds");
  }
  core::Array out(arr.begin() + start, arr.begin() + end);
  return asInterface(TValue::typed(core::Value(std::move(out)), list.type));
}

TValue concat(Args a, Runtime&) {
  std::vector<TValue> out;
  for (const auto& l : a) {
    if (l.kind != Kind::Slice) {
      std::string k = l.isNil() ? "invalid" : kindName(l.unwrapped());
      if (l.isNil()) callFail("runtime error: invalid memory address or nil pointer dereference");
      callFail("Cannot concat type " + k + " as list");
    }
    for (auto& e : sliceElements(l))
      out.push_back(std::move(e));
  }
  return asInterface(makeList(std::move(out)));
}

// mergo.Merge / MergeWithOverwrite of src into dst (both maps of interface{} values).
void mergeInto(core::Object& dst, const core::Object& src, bool overwrite) {
  for (const auto& m : src) {
    core::Value* d = dst.find(m.key);
    const core::Value& s = m.value;
    if (s.isNull()) {
      if (overwrite) dst.set(m.key, core::Value());
      continue;
    }
    if (s.isObject() && d && d->isObject() && d->size() != 0) {
      mergeInto(d->asObject(), s.asObject(), overwrite);
      continue;
    }
    bool dstEmpty = !d || isEmpty(TValue::element(nullptr, d));
    if (s.isArray() && d && !dstEmpty && !overwrite) continue;
    if (overwrite || dstEmpty) dst.set(m.key, s);
  }
}

TValue merge(Args a, Runtime& rt, bool overwrite) {
  core::Value merged = a[0].v();
  if (!merged.isObject()) merged = core::Value::object();
  for (std::size_t i = 1; i < a.size(); ++i)
    mergeInto(merged.asObject(), a[i].v().asObject(), overwrite);
  if (a[0].val) {
    core::Value& target = mutableValue(a[0]);
    rt.retire(std::move(target));
    target = std::move(merged);
    return asInterface(a[0]);
  }
  return asInterface(fromCore(std::move(merged)));
}

// Go's map assignment. Values that point into the map (variables, range and with dots) must
// keep what they saw: a new key is appended when there is room, a scalar replaced by a scalar
// of the same type in place (bound scalars are copies); otherwise the map gets new storage and
// the old one is retired, so nothing that points into it moves or changes type.
TValue set(Args a, Runtime& rt) {
  if (!a[0].val) return a[0];
  core::Value value = toCore(a[2]);
  core::Object& obj = mutableValue(a[0]).asObject();
  const std::string& key = str(a[1]);
  core::Value* existing = obj.find(key);
  if (!existing && obj.size() < obj.members().capacity()) {
    obj.append(key, std::move(value));
    return a[0];
  }
  auto scalar = [](const core::Value& v) { return !v.isArray() && !v.isObject(); };
  if (existing && scalar(*existing) && existing->type() == value.type()) {
    // Values bound from this slot were copied (exec.cpp's bind): overwrite in place.
    *existing = std::move(value);
    return a[0];
  }
  core::Object fresh;
  fresh.reserve(existing ? obj.members().capacity() : obj.size() * 2 + 4);
  for (const auto& m : obj) {
    if (&m.value == existing) {
      fresh.append(m.key, std::move(value));
    } else {
      fresh.append(m.key, m.value);
    }
  }
  if (!existing) fresh.append(key, std::move(value));
  rt.retire(core::Value(std::move(obj)));
  obj = std::move(fresh);
  return a[0];
}

TValue unset(Args a, Runtime& rt) {
  if (!a[0].val) return a[0];
  core::Object& obj = mutableValue(a[0]).asObject();
  const std::string& key = str(a[1]);
  if (!obj.contains(key)) return a[0];
  core::Object kept;
  kept.reserve(obj.size());
  for (const auto& m : obj) {
    if (m.key != key) kept.append(m.key, m.value);
  }
  rt.retire(core::Value(std::move(obj)));
  obj = std::move(kept);
  return a[0];
}

TValue dig(Args a, Runtime&) {
  if (a.size() < 3) callFail("dig needs at least three arguments");
  const TValue& last = a.back();
  if (last.kind != Kind::Map || last.type != GoType::Plain) {
    callFail("interface conversion: interface {} is " + typeName(last.unwrapped()) +
             ", not map[string]interface {}");
  }
  std::vector<std::string> keys;
  for (std::size_t i = 0; i + 2 < a.size(); ++i) {
    if (a[i].kind != Kind::String) {
      callFail("interface conversion: interface {} is " + typeName(a[i].unwrapped()) +
               ", not string");
    }
    keys.push_back(a[i].v().asString());
  }
  TValue cur = last;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const core::Value* step = cur.v().find(keys[i]);
    if (!step) return a[a.size() - 2];
    TValue next = TValue::element(cur.val, step);
    if (i + 1 == keys.size()) return next;
    if (next.kind != Kind::Map) {
      callFail("interface conversion: interface {} is " + typeName(next.unwrapped()) +
               ", not map[string]interface {}");
    }
    cur = next;
  }
  return a[a.size() - 2];
}

}  // namespace

std::vector<FuncDef> listFuncs() {
  return {
      {"list", "", 'A', [](Args a, Runtime&) { return makeList(a); }},
      {"tuple", "", 'A', [](Args a, Runtime&) { return makeList(a); }},
      {"append", "AA", 0, push},
      {"push", "AA", 0, push},
      {"mustAppend", "AA", 0, push},
      {"mustPush", "AA", 0, push},
      {"prepend", "AA", 0, prepend},
      {"mustPrepend", "AA", 0, prepend},
      {"first", "A", 0, [](Args a, Runtime&) { return endElement(a, true); }},
      {"mustFirst", "A", 0, [](Args a, Runtime&) { return endElement(a, true); }},
      {"last", "A", 0, [](Args a, Runtime&) { return endElement(a, false); }},
      {"mustLast", "A", 0, [](Args a, Runtime&) { return endElement(a, false); }},
      {"rest", "A", 0, [](Args a, Runtime&) { return restOrInitial(a, true); }},
      {"mustRest", "A", 0, [](Args a, Runtime&) { return restOrInitial(a, true); }},
      {"initial", "A", 0, [](Args a, Runtime&) { return restOrInitial(a, false); }},
      {"mustInitial", "A", 0, [](Args a, Runtime&) { return restOrInitial(a, false); }},
      {"reverse", "A", 0, reverse},
      {"mustReverse", "A", 0, reverse},
      {"uniq", "A", 0, uniq},
      {"mustUniq", "A", 0, uniq},
      {"without", "A", 'A', without},
      {"mustWithout", "A", 'A', without},
      {"has", "AA", 0, has},
      {"mustHas", "AA", 0, has},
      {"slice", "A", 'A', slice},
      {"mustSlice", "A", 'A', slice},
      {"concat", "", 'A', concat},
      {"chunk", "IA", 0, chunk},
      {"mustChunk", "IA", 0, chunk},
      {"compact", "A", 0, compact},
      {"mustCompact", "A", 0, compact},
  };
}

std::vector<FuncDef> dictFuncs() {
  return {
      {"dict", "", 'A',
       [](Args a, Runtime&) {
         core::Object obj;
         for (std::size_t i = 0; i < a.size(); i += 2) {
           obj.set(strval(a[i]), i + 1 < a.size() ? toCore(a[i + 1]) : core::Value(""));
         }
         return fromCore(core::Value(std::move(obj)));
       }},
      {"get", "MS", 0,
       [](Args a, Runtime&) {
         const core::Value* e = a[0].v().find(str(a[1]));
         return e ? asInterface(TValue::element(a[0].val, e)) : fn::string("");
       }},
      {"set", "MSA", 0, set},
      {"unset", "MS", 0, unset},
      {"hasKey", "MS", 0,
       [](Args a, Runtime&) { return fn::boolean(a[0].v().find(str(a[1])) != nullptr); }},
      {"pluck", "S", 'M',
       [](Args a, Runtime&) {
         std::vector<TValue> out;
         for (std::size_t i = 1; i < a.size(); ++i) {
           if (const core::Value* e = a[i].v().find(str(a[0]))) {
             out.push_back(TValue::element(a[i].val, e));
           }
         }
         return makeList(std::move(out));
       }},
      {"keys", "", 'M',
       [](Args a, Runtime&) {
         std::vector<std::string> out;
         for (const auto& d : a) {
           if (d.v().isObject()) {
             for (const auto& m : d.v().asObject())
               out.push_back(m.key);
           }
         }
         return fn::stringList(out);
       }},
      {"pick", "M", 'S',
       [](Args a, Runtime&) {
         core::Object out;
         for (std::size_t i = 1; i < a.size(); ++i) {
           if (const core::Value* e = a[0].v().find(str(a[i]))) out.set(str(a[i]), *e);
         }
         return fromCore(core::Value(std::move(out)));
       }},
      {"omit", "M", 'S',
       [](Args a, Runtime&) {
         core::Object out;
         if (a[0].v().isObject()) {
           for (const auto& m : a[0].v().asObject()) {
             bool drop = false;
             for (std::size_t i = 1; i < a.size() && !drop; ++i)
               drop = str(a[i]) == m.key;
             if (!drop) out.append(m.key, m.value);
           }
         }
         return fromCore(core::Value(std::move(out)));
       }},
      {"merge", "M", 'M', [](Args a, Runtime& rt) { return merge(a, rt, false); }},
      {"mustMerge", "M", 'M', [](Args a, Runtime& rt) { return merge(a, rt, false); }},
      {"mergeOverwrite", "M", 'M', [](Args a, Runtime& rt) { return merge(a, rt, true); }},
      {"mustMergeOverwrite", "M", 'M', [](Args a, Runtime& rt) { return merge(a, rt, true); }},
      {"values", "M", 0,
       [](Args a, Runtime&) {
         std::vector<TValue> out;
         if (a[0].v().isObject()) {
           for (const auto& m : a[0].v().asObject())
             out.push_back(TValue::element(a[0].val, &m.value));
         }
         return makeList(std::move(out));
       }},
      {"deepCopy", "A", 0,
       [](Args a, Runtime&) {
         if (a[0].isNil()) return TValue::nilInterface();
         return asInterface(TValue::typed(a[0].v(), a[0].type));
       }},
      {"mustDeepCopy", "A", 0,
       [](Args a, Runtime&) {
         if (a[0].isNil()) return TValue::nilInterface();
         return asInterface(TValue::typed(a[0].v(), a[0].type));
       }},
      {"dig", "", 'A', dig},
  };
}

}  // namespace driftless::gotemplate
