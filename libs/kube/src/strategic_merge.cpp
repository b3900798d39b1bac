#include "driftless/kube/strategic_merge.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driftless/core/json.h"

// The algorithms follow k8s.io/apimachinery/pkg/util/strategicpatch (patch.go) step by step, so
// that results, list orders and errors match the API server and kubectl. Where upstream's
// observable behaviour comes from Go specifics (string formatting with %v, slices sharing
// storage), the comments say what is reproduced.

namespace driftless::kube {

namespace {

using core::Array;
using core::Object;
using core::Value;

constexpr std::string_view kDirectiveMarker = "$patch";
constexpr std::string_view kDeleteDirective = "delete";
constexpr std::string_view kReplaceDirective = "replace";
constexpr std::string_view kMergeDirective = "merge";
constexpr std::string_view kRetainKeysDirective = "$retainKeys";
constexpr std::string_view kDeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";
constexpr std::string_view kSetElementOrderPrefix = "$setElementOrder";

struct MergeOptions {
  // Server side (applying a patch): process $deleteFromPrimitiveList and validate $retainKeys.
  // Client side (combining two patches in a three-way merge) keeps directives as they are.
  bool mergeParallelList = false;
  // Drop nulls that match nothing in the original (applying) or keep them (combining patches).
  bool ignoreUnmatchedNulls = false;
};

constexpr MergeOptions kApplyOptions{true, true};

struct DiffOptions {
  bool setElementOrder = false;
  bool ignoreChangesAndAdditions = false;
  bool ignoreDeletions = false;
  bool buildRetainKeysDirective = false;
};

[[noreturn]] void fail(std::string message) {
  throw StrategicMergeError(std::move(message));
}

std::string show(const Value& v) {
  return core::toJson(v);
}

[[noreturn]] void failNoMergeKey(const Value& item, std::string_view mergeKey) {
  fail("map: " + show(item) + " does not contain declared merge key: " + std::string(mergeKey));
}

[[noreturn]] void failBadArgType(std::string_view expected, const Value& actual) {
  fail("expected a " + std::string(expected) + ", but received a " + actual.typeName());
}

[[noreturn]] void failBadPatchType(const Value& directive, const Value& item) {
  std::string text = directive.isString() ? directive.asString() : show(directive);
  fail("unknown patch type: " + text + " in map: " + show(item));
}

bool isString(const Value* v, std::string_view s) {
  return v != nullptr && v->isString() && v->asString() == s;
}

// Go's %v for a float64 (strconv 'g' with the shortest digits: exponent form when the decimal
// exponent is below -4 or at least 6).
std::string formatGoFloat(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string s(buf, sci.ptr);
  std::size_t e = s.find('e');
  int exponent = 0;
  std::from_chars(s.data() + e + 1 + (s[e + 1] == '+' ? 1 : 0), s.data() + s.size(), exponent);
  if (exponent < -4 || exponent >= 6) return s;
  auto fixed = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::fixed);
  return std::string(buf, fixed.ptr);
}

// Go's fmt %v of a decoded JSON value, which upstream uses to sort and compare list items.
void appendGoFormat(std::string& out, const Value& v) {
  switch (v.type()) {
    case Value::Type::Null:
      out += "<nil>";
      break;
    case Value::Type::Bool:
      out += v.asBool() ? "true" : "false";
      break;
    case Value::Type::Int:
      out += std::to_string(v.asInt());
      break;
    case Value::Type::Double:
      out += formatGoFloat(v.asDouble());
      break;
    case Value::Type::String:
      out += v.asString();
      break;
    case Value::Type::Array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.asArray()) {
        if (!first) out += ' ';
        first = false;
        appendGoFormat(out, item);
      }
      out += ']';
      break;
    }
    case Value::Type::Object: {
      std::vector<const core::Member*> members;
      for (const auto& m : v.asObject())
        members.push_back(&m);
      std::sort(members.begin(), members.end(),
                [](const core::Member* a, const core::Member* b) { return a->key < b->key; });
      out += "map[";
      bool first = true;
      for (const auto* m : members) {
        if (!first) out += ' ';
        first = false;
        out += m->key;
        out += ':';
        appendGoFormat(out, m->value);
      }
      out += ']';
      break;
    }
  }
}

std::string goFormat(const Value& v) {
  std::string out;
  appendGoFormat(out, v);
  return out;
}

// sortScalars: a stable sort by the %v text.
Array sortScalars(Array list) {
  std::vector<std::pair<std::string, Value>> keyed;
  keyed.reserve(list.size());
  for (auto& v : list)
    keyed.emplace_back(goFormat(v), std::move(v));
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  Array out;
  out.reserve(keyed.size());
  for (auto& k : keyed)
    out.push_back(std::move(k.second));
  return out;
}

// deduplicateScalars, with upstream's in-place algorithm (a later duplicate is overwritten by
// the last element, so the order changes the same way).
void deduplicateScalars(Array& s) {
  std::ptrdiff_t length = static_cast<std::ptrdiff_t>(s.size()) - 1;
  for (std::ptrdiff_t i = 0; i < length; ++i) {
    for (std::ptrdiff_t j = i + 1; j <= length; ++j) {
      if (core::strictlyEqual(s[static_cast<std::size_t>(i)], s[static_cast<std::size_t>(j)])) {
        s[static_cast<std::size_t>(j)] = s[static_cast<std::size_t>(length)];
        s.resize(static_cast<std::size_t>(length));
        --length;
        --j;
      }
    }
  }
}

// sliceElementType: all elements of the lists share one type; lists of lists are rejected.
// nullopt when there are no elements at all.
std::optional<Value::Type> sliceElementType(std::initializer_list<const Array*> lists) {
  std::optional<Value::Type> type;
  for (const Array* list : lists) {
    if (list == nullptr) continue;
    for (const auto& v : *list) {
      if (!type) {
        type = v.type();
        if (*type == Value::Type::Array) fail("lists of lists are not supported");
      } else if (*type != v.type()) {
        std::string text;
        for (const Array* l : lists) {
          if (!text.empty()) text += ' ';
          text += l != nullptr ? show(Value(*l)) : "null";
        }
        fail("list element types are not identical: [" + text + "]");
      }
    }
  }
  return type;
}

// The key `s` carries after `prefix/` in a parallel-list directive key.
std::string extractKey(std::string_view s, std::string_view prefix) {
  std::size_t slash = s.find('/');
  if (slash == std::string_view::npos || s.substr(0, slash) != prefix) {
    if (prefix == kDeleteFromPrimitiveListPrefix) fail("invalid patch format of primitive list");
    if (prefix == kSetElementOrderPrefix) fail("invalid patch format of setElementOrder list");
    fail("fail to find unknown prefix \"" + std::string(prefix) + "\" in " + std::string(s));
  }
  return std::string(s.substr(slash + 1));
}

// The schema and interpreted strategy of a field.
struct FieldMeta {
  PatchSchema schema;
  PatchStrategies strategies;

  [[nodiscard]] bool merges() const { return strategies.strategy == PatchStrategy::Merge; }
  [[nodiscard]] const std::string& mergeKey() const { return schema.mergeKey(); }
};

FieldMeta lookupField(const PatchSchema& parent, std::string_view key) {
  FieldMeta meta{parent.field(key), {}};
  try {
    meta.strategies = meta.schema.strategies();
  } catch (const StrategicMergeError&) {
    throw;
  } catch (const core::Error& e) {
    fail(e.what());
  }
  return meta;
}

// ---- list ordering ----

// What identifies a list item for ordering and matching: its merge key value in a list of maps,
// the item itself in a list of primitives.
const Value& identity(const Value& item, std::string_view mergeKey, bool maps) {
  if (!maps) return item;
  const Value* key = item.find(mergeKey);
  return key != nullptr ? *key : core::nullValue();
}

Array identities(const Array& list, std::string_view mergeKey, bool maps,
                 std::size_t limit = SIZE_MAX) {
  Array out;
  std::size_t n = std::min(limit, list.size());
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(identity(list[i], mergeKey, maps));
  return out;
}

std::ptrdiff_t indexOf(const Array& keys, const Value& key) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (core::strictlyEqual(keys[i], key)) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

// validateMergeKeyInLists: every item is a map holding the merge key.
void validateMergeKeys(const Array& list, std::string_view mergeKey) {
  for (const auto& item : list) {
    if (!item.isObject()) failBadArgType("map", item);
    if (item.find(mergeKey) == nullptr) failNoMergeKey(item, mergeKey);
  }
}

bool isDeleteItem(const Value& item) {
  return item.isObject() && isString(item.find(kDirectiveMarker), kDeleteDirective);
}

// normalizeSliceOrder: sorts `toSort` by the position of each item in `orderKeys` (stable);
// items marked `$patch: delete` go last. Items absent from the order (which upstream's
// comparator does not order consistently) are put first.
Array normalizeSliceOrder(Array toSort, const Array& orderKeys, std::string_view mergeKey,
                          bool maps) {
  Array toDelete;
  if (maps) {
    validateMergeKeys(toSort, mergeKey);
    Array kept;
    kept.reserve(toSort.size());
    for (auto& item : toSort) {
      (isDeleteItem(item) ? toDelete : kept).push_back(std::move(item));
    }
    toSort = std::move(kept);
  }
  std::vector<std::pair<std::ptrdiff_t, Value>> keyed;
  keyed.reserve(toSort.size());
  for (auto& item : toSort) {
    std::ptrdiff_t index = indexOf(orderKeys, identity(item, mergeKey, maps));
    keyed.emplace_back(index, std::move(item));
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  Array out;
  out.reserve(keyed.size() + toDelete.size());
  for (auto& k : keyed)
    out.push_back(std::move(k.second));
  for (auto& d : toDelete)
    out.push_back(std::move(d));
  return out;
}

// mergeSortedSlice: interleaves server-only items (`left`) into the patch items (`right`): a
// left item goes before the next right item only when both appear in the server order and the
// left one comes first there.
Array mergeSortedSlice(Array left, Array right, const Array& serverKeys, std::string_view mergeKey,
                       bool maps) {
  Array out;
  out.reserve(left.size() + right.size());
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < left.size() || j < right.size()) {
    if (i >= left.size()) {
      out.push_back(std::move(right[j++]));
    } else if (j >= right.size()) {
      out.push_back(std::move(left[i++]));
    } else {
      std::ptrdiff_t li = indexOf(serverKeys, identity(left[i], mergeKey, maps));
      std::ptrdiff_t ri = indexOf(serverKeys, identity(right[j], mergeKey, maps));
      if (li >= 0 && ri >= 0 && li < ri) {
        out.push_back(std::move(left[i++]));
      } else {
        out.push_back(std::move(right[j++]));
      }
    }
  }
  return out;
}

// partition*ByPresentInList: items whose identity appears in `keys`, and the others.
std::pair<Array, Array> partitionByPresence(Array merged, const Array& keys,
                                            std::string_view mergeKey, bool maps) {
  Array present;
  Array absent;
  for (auto& item : merged) {
    if (maps) {
      if (!item.isObject()) failBadArgType("map", item);
      if (item.find(mergeKey) == nullptr) failNoMergeKey(item, mergeKey);
    }
    bool found = indexOf(keys, identity(item, mergeKey, maps)) >= 0;
    (found ? present : absent).push_back(std::move(item));
  }
  return {std::move(present), std::move(absent)};
}

Array normalizeElementOrder(Array patchItems, Array serverOnly, const Array& patchKeys,
                            const Array& serverKeys, std::string_view mergeKey, bool maps) {
  patchItems = normalizeSliceOrder(std::move(patchItems), patchKeys, mergeKey, maps);
  serverOnly = normalizeSliceOrder(std::move(serverOnly), serverKeys, mergeKey, maps);
  return mergeSortedSlice(std::move(serverOnly), std::move(patchItems), serverKeys, mergeKey, maps);
}

// ---- applying ----

Object mergeMap(Object original, Object patch, const PatchSchema& schema, const MergeOptions& opts);

bool isDirectiveKey(std::string_view key) {
  return key == kDirectiveMarker || key == kRetainKeysDirective ||
         key.starts_with(kSetElementOrderPrefix) || key.starts_with(kDeleteFromPrimitiveListPrefix);
}

// A value the patch brings in as a whole (a new field, a value of another type) goes through
// upstream's discardNullValuesFromPatch (when applying) and removeDirectives: maps carrying a
// `$patch` directive are dropped. When applying, the other directive keys are dropped as well, so
// that no directive survives in a result. Returns false when `v` itself is to be dropped.
bool removeDirectives(Value& v, const MergeOptions& opts) {
  if (v.isObject()) {
    if (v.asObject().contains(kDirectiveMarker)) return false;
    auto& members = v.asObject().members();
    std::vector<core::Member> kept;
    kept.reserve(members.size());
    for (auto& m : members) {
      if (opts.ignoreUnmatchedNulls && m.value.isNull()) continue;
      if (opts.mergeParallelList && isDirectiveKey(m.key)) continue;
      if (!removeDirectives(m.value, opts)) continue;
      kept.push_back(std::move(m));
    }
    members = std::move(kept);
  } else if (v.isArray()) {
    Array& items = v.asArray();
    Array kept;
    kept.reserve(items.size());
    for (auto& item : items) {
      if (removeDirectives(item, opts)) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  return true;
}

// Values upstream copies verbatim although they come from the patch (a map or list with patch
// strategy replace, an item added to a merged list, the items of a `$patch: replace` list):
// when applying, their contents are cleaned like new values, so that no directive (and no null)
// reaches the result. Combining patches (three-way) keeps them as they are.
void cleanWholesale(Value& v, const MergeOptions& opts) {
  if (!opts.mergeParallelList) return;
  if (v.isObject()) {
    auto& members = v.asObject().members();
    std::vector<core::Member> kept;
    kept.reserve(members.size());
    for (auto& m : members) {
      if (m.value.isNull() || isDirectiveKey(m.key)) continue;
      if (!removeDirectives(m.value, opts)) continue;
      kept.push_back(std::move(m));
    }
    members = std::move(kept);
  } else if (v.isArray()) {
    removeDirectives(v, opts);
  }
}

// handleDirectiveInMergeMap: `$patch: replace` keeps only the patch, `$patch: delete` empties
// the map.
Object handleDirectiveInMergeMap(const Value& directive, Object patch, const MergeOptions& opts) {
  if (isString(&directive, kReplaceDirective)) {
    patch.erase(kDirectiveMarker);
    Value replaced(std::move(patch));
    cleanWholesale(replaced, opts);
    return std::move(replaced.asObject());
  }
  if (isString(&directive, kDeleteDirective)) return Object{};
  failBadPatchType(directive, Value(std::move(patch)));
}

// findMapInSliceBasedOnKeyValue.
std::ptrdiff_t findByMergeKey(const Array& list, std::string_view mergeKey, const Value& value) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].isObject()) fail("value for key " + std::to_string(i) + " is not a map");
    const Value* candidate = list[i].find(mergeKey);
    if (candidate != nullptr && core::strictlyEqual(*candidate, value))
      return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

struct SpecialElements {
  Array rest;  // the patch items without directives
  bool replace = false;
};

// mergeSliceWithSpecialElements: applies `$patch: delete` items to `original` and detects
// `$patch: replace`.
SpecialElements extractSpecialElements(Array& original, Array patch, std::string_view mergeKey) {
  SpecialElements out;
  for (auto& item : patch) {
    const Value* directive = item.find(kDirectiveMarker);
    if (directive == nullptr) {
      out.rest.push_back(std::move(item));
    } else if (isString(directive, kDeleteDirective)) {
      const Value* value = item.find(mergeKey);
      if (value == nullptr) failNoMergeKey(item, mergeKey);
      while (true) {
        std::ptrdiff_t index = findByMergeKey(original, mergeKey, *value);
        if (index < 0) break;
        original.erase(original.begin() + index);
      }
    } else if (isString(directive, kReplaceDirective)) {
      out.replace = true;  // keep going to drop the other directive items
    } else if (isString(directive, kMergeDirective)) {
      // Upstream rejects `$patch: merge` in lists ("merging lists cannot yet be specified in the
      // patch"); merging is what this list does anyway, so the marker is dropped.
      item.asObject().erase(kDirectiveMarker);
      if (item.find(mergeKey) != nullptr) out.rest.push_back(std::move(item));
    } else {
      failBadPatchType(*directive, item);
    }
  }
  return out;
}

Array deleteFromSlice(Array current, const Array& toDelete) {
  Array out;
  out.reserve(current.size());
  for (auto& v : current) {
    bool drop = std::any_of(toDelete.begin(), toDelete.end(),
                            [&](const Value& d) { return core::strictlyEqual(d, v); });
    if (!drop) out.push_back(std::move(v));
  }
  return out;
}

// mergeSlice for a list with patch strategy merge. When `serverView` is given it receives the
// identities upstream's outer $setElementOrder pass sees as the live order: the live list after
// `$patch: delete`, followed by the items the patch adds, cut to the live list's length (upstream
// reads these through a slice that shares storage with the merged list).
Array mergeSlice(Array original, Array patch, const FieldMeta& field, const MergeOptions& opts,
                 bool isDeleteList, Array* serverView) {
  const std::string& mergeKey = field.mergeKey();
  if (original.empty() && patch.empty()) {
    if (serverView != nullptr) serverView->clear();
    return original;
  }
  std::optional<Value::Type> type = sliceElementType({&original, &patch});
  bool maps = type == Value::Type::Object;
  Array merged;
  Array serverKeys;
  Array patchKeys;
  if (!maps) {
    if (opts.mergeParallelList && isDeleteList) {
      if (serverView != nullptr) *serverView = original;
      return deleteFromSlice(std::move(original), patch);
    }
    serverKeys = original;
    patchKeys = patch;
    merged = std::move(original);
    for (auto& v : patch)
      merged.push_back(std::move(v));
    deduplicateScalars(merged);
    if (serverView != nullptr) *serverView = serverKeys;
  } else {
    if (mergeKey.empty()) {
      fail("cannot merge lists without merge key for " +
           (field.schema.name().empty() ? std::string("map") : field.schema.name()));
    }
    std::size_t liveCount = original.size();
    SpecialElements special = extractSpecialElements(original, std::move(patch), mergeKey);
    if (special.replace) {
      if (serverView != nullptr) *serverView = identities(original, mergeKey, true);
      original = std::move(special.rest);
      for (auto& item : original)
        cleanWholesale(item, opts);
      patch.clear();
    } else {
      patch = std::move(special.rest);
    }
    serverKeys = identities(original, mergeKey, true);
    for (const auto& item : patch) {
      if (item.find(mergeKey) == nullptr) failNoMergeKey(item, mergeKey);
    }
    patchKeys = identities(patch, mergeKey, true);
    // mergeSliceWithoutSpecialElements: items with a known key merge into the first match,
    // others are added.
    PatchSchema itemSchema = field.schema.items();
    merged = std::move(original);
    for (auto& item : patch) {
      std::ptrdiff_t index = findByMergeKey(merged, mergeKey, *item.find(mergeKey));
      if (index >= 0) {
        Value& target = merged[static_cast<std::size_t>(index)];
        target = Value(
            mergeMap(std::move(target.asObject()), std::move(item.asObject()), itemSchema, opts));
      } else {
        cleanWholesale(item, opts);
        merged.push_back(std::move(item));
      }
    }
    if (serverView != nullptr && !special.replace) {
      *serverView = identities(merged, mergeKey, true, liveCount);
    }
  }
  auto [patchItems, serverOnly] = partitionByPresence(std::move(merged), patchKeys, mergeKey, maps);
  return normalizeElementOrder(std::move(patchItems), std::move(serverOnly), patchKeys, serverKeys,
                               mergeKey, maps);
}

// mergeSliceHandler: deletion lists always remove values; other lists merge when the strategy
// says so and are replaced otherwise.
Array mergeSliceHandler(Array original, Array patch, const FieldMeta& field, bool isDeleteList,
                        const MergeOptions& opts, Array* serverView) {
  if (field.merges() || isDeleteList) {
    return mergeSlice(std::move(original), std::move(patch), field, opts, isDeleteList, serverView);
  }
  if (serverView != nullptr) *serverView = std::move(original);
  Value replaced(std::move(patch));
  cleanWholesale(replaced, opts);
  return std::move(replaced.asArray());
}

// applyRetainKeysDirective.
void applyRetainKeysDirective(Object& original, Object& patch, const MergeOptions& opts) {
  Value* found = patch.find(kRetainKeysDirective);
  if (found == nullptr) return;
  Value retain = std::move(*found);
  patch.erase(kRetainKeysDirective);
  if (!opts.mergeParallelList) {
    // Combining patches: both must carry the same list.
    if (const Value* existing = original.find(kRetainKeysDirective)) {
      if (!core::strictlyEqual(*existing, retain)) {
        fail(show(*existing) + " and " + show(retain) +
             " are not deep equal: this may happen when calculating the 3-way diff patch");
      }
    } else {
      original.append(std::string(kRetainKeysDirective), std::move(retain));
    }
    return;
  }
  if (!retain.isArray()) fail("invalid patch format of retainKeys");
  auto retained = [&](std::string_view key) {
    return std::any_of(retain.asArray().begin(), retain.asArray().end(),
                       [&](const Value& v) { return v.isString() && v.asString() == key; });
  };
  for (const auto& m : patch) {
    if (m.value.isNull() || std::string_view(m.key).starts_with(kDeleteFromPrimitiveListPrefix) ||
        std::string_view(m.key).starts_with(kSetElementOrderPrefix)) {
      continue;
    }
    if (!retained(m.key)) fail("invalid patch format of retainKeys");
  }
  auto& members = original.members();
  members.erase(std::remove_if(members.begin(), members.end(),
                               [&](const core::Member& m) { return !retained(m.key); }),
                members.end());
}

// mergeKeyValueEqual.
bool mergeKeyValueEqual(const Value& left, const Value& right, std::string_view mergeKey) {
  if (mergeKey.empty()) return core::strictlyEqual(left, right);
  if (!left.isObject()) failBadArgType("map", left);
  if (!right.isObject()) failBadArgType("map", right);
  const Value* l = left.find(mergeKey);
  if (l == nullptr) failNoMergeKey(left, mergeKey);
  const Value* r = right.find(mergeKey);
  if (r == nullptr) failNoMergeKey(right, mergeKey);
  return core::strictlyEqual(*l, *r);
}

// validatePatchWithSetOrderList: the patch list's items (deletions aside) appear in the
// $setElementOrder list, in the same relative order.
void validatePatchWithSetOrderList(const Array& patchList, const Array& setOrder,
                                   std::string_view mergeKey) {
  if (setOrder.empty() || patchList.empty()) return;
  std::vector<const Value*> nonDelete;
  for (const auto& item : patchList) {
    if (!mergeKey.empty()) {
      if (!item.isObject()) failBadArgType("map", item);
      if (isDeleteItem(item)) continue;
    }
    nonDelete.push_back(&item);
  }
  std::size_t p = 0;
  std::size_t s = 0;
  while (p < nonDelete.size() && s < setOrder.size()) {
    if (nonDelete[p]->isObject() && nonDelete[p]->find(kDirectiveMarker) != nullptr) {
      ++p;
      continue;
    }
    if (mergeKeyValueEqual(*nonDelete[p], setOrder[s], mergeKey)) ++p;
    ++s;
  }
  if (p < nonDelete.size() && s >= setOrder.size()) {
    fail("The order in patch list:\n" + show(Value(patchList)) + "\n doesn't match " +
         std::string(kSetElementOrderPrefix) + " list:\n" + show(Value(setOrder)) + "\n");
  }
}

// mergePatchIntoOriginal: processes each `$setElementOrder/<field>` together with <field> from
// the patch: merges the list, then orders it ($setElementOrder first, then the live order for
// server-only items).
void mergePatchIntoOriginal(Object& original, Object& patch, const PatchSchema& schema,
                            const MergeOptions& opts) {
  std::vector<std::string> keys;
  for (const auto& m : patch) {
    if (std::string_view(m.key).starts_with(kSetElementOrderPrefix)) keys.push_back(m.key);
  }
  for (const auto& key : keys) {
    Value setOrder = std::move(*patch.find(key));
    patch.erase(key);
    if (!opts.mergeParallelList) {
      if (const Value* existing = original.find(key)) {
        if (!core::strictlyEqual(*existing, setOrder))
          fail("invalid patch format of setElementOrder list");
      } else {
        original.append(key, setOrder);
      }
    }
    if (!setOrder.isArray()) failBadArgType("list", setOrder);
    std::string fieldKey = extractKey(key, kSetElementOrderPrefix);

    Value* originalList = original.find(fieldKey);
    Value* patchList = patch.find(fieldKey);
    if (originalList != nullptr && !originalList->isArray()) failBadArgType("list", *originalList);
    if (patchList != nullptr && !patchList->isArray()) failBadArgType("list", *patchList);
    FieldMeta field = lookupField(schema, fieldKey);
    const std::string& mergeKey = field.mergeKey();
    const Array& order = setOrder.asArray();
    validatePatchWithSetOrderList(patchList != nullptr ? patchList->asArray() : Array{}, order,
                                  mergeKey);
    if (originalList == nullptr && patchList == nullptr) continue;

    bool foundOriginal = originalList != nullptr;
    bool foundPatch = patchList != nullptr;
    Array live = foundOriginal ? std::move(originalList->asArray()) : Array{};
    Array fromPatch = foundPatch ? std::move(patchList->asArray()) : Array{};
    if (foundPatch) patch.erase(fieldKey);

    std::optional<Value::Type> type = sliceElementType({&live, &fromPatch});
    bool maps = type == Value::Type::Object && !mergeKey.empty();
    Array merged;
    Array serverKeys;
    if (foundOriginal && foundPatch) {
      Array view;
      merged = mergeSliceHandler(live, std::move(fromPatch), field, false, opts, &view);
      serverKeys = field.merges() && maps ? std::move(view) : identities(live, mergeKey, maps);
    } else if (foundOriginal) {
      merged = live;
      serverKeys = identities(live, mergeKey, maps);
    } else {
      Value added(std::move(fromPatch));
      removeDirectives(added, opts);
      merged = std::move(added.asArray());
    }
    if (!type) {
      original.set(fieldKey, Value(std::move(merged)));
      continue;
    }
    if (maps) validateMergeKeys(order, mergeKey);
    Array orderKeys = identities(order, mergeKey, maps);
    auto [patchItems, serverOnly] =
        partitionByPresence(std::move(merged), orderKeys, mergeKey, maps);
    Array both = normalizeElementOrder(std::move(patchItems), std::move(serverOnly), orderKeys,
                                       serverKeys, mergeKey, maps);
    original.set(fieldKey, Value(std::move(both)));
  }
}

Object mergeMap(Object original, Object patch, const PatchSchema& schema,
                const MergeOptions& opts) {
  if (const Value* directive = patch.find(kDirectiveMarker)) {
    if (isString(directive, kMergeDirective)) {
      // Merging is what happens anyway (upstream rejects the explicit directive).
      patch.erase(kDirectiveMarker);
    } else {
      Value d = *directive;
      return handleDirectiveInMergeMap(d, std::move(patch), opts);
    }
  }
  applyRetainKeysDirective(original, patch, opts);
  mergePatchIntoOriginal(original, patch, schema, opts);

  for (auto& member : patch.members()) {
    std::string key = member.key;
    Value& patchValue = member.value;
    bool isDeleteList = false;
    if (std::string_view(key).starts_with(kDeleteFromPrimitiveListPrefix)) {
      if (!opts.mergeParallelList) {
        original.set(key, std::move(patchValue));
        continue;
      }
      key = extractKey(key, kDeleteFromPrimitiveListPrefix);
      isDeleteList = true;
    }

    if (patchValue.isNull()) {
      original.erase(key);
      if (opts.ignoreUnmatchedNulls) continue;
    }

    Value* originalValue = original.find(key);
    if (originalValue == nullptr || originalValue->type() != patchValue.type()) {
      // Not in the original (or of another type): take the patch value.
      if (isDeleteList) continue;
      if (removeDirectives(patchValue, opts)) {
        original.set(key, std::move(patchValue));
      } else {
        original.erase(key);
      }
      continue;
    }
    switch (originalValue->type()) {
      case Value::Type::Object: {
        FieldMeta field = lookupField(schema, key);
        if (field.strategies.strategy == PatchStrategy::Replace) {
          cleanWholesale(patchValue, opts);
          *originalValue = std::move(patchValue);
        } else {
          *originalValue = Value(mergeMap(std::move(originalValue->asObject()),
                                          std::move(patchValue.asObject()), field.schema, opts));
        }
        break;
      }
      case Value::Type::Array: {
        FieldMeta field = lookupField(schema, key);
        *originalValue = Value(mergeSliceHandler(std::move(originalValue->asArray()),
                                                 std::move(patchValue.asArray()), field,
                                                 isDeleteList, opts, nullptr));
        break;
      }
      default:
        *originalValue = std::move(patchValue);
        break;
    }
  }
  return original;
}

// ---- diffing ----

Object diffMaps(const Object& original, const Object& modified, const PatchSchema& schema,
                DiffOptions opts);

PatchStrategies strategiesForDiff(const PatchSchema& field, const Value& original,
                                  const Value& modified, bool& skip) {
  skip = false;
  try {
    return field.strategies();
  } catch (const core::Error& e) {
    // Like upstream: metadata problems only matter when the values differ.
    if (core::strictlyEqual(original, modified)) {
      skip = true;
      return {};
    }
    fail(e.what());
  }
}

void replacePatchFieldIfNotEqual(const std::string& key, const Value& original,
                                 const Value& modified, Object& patch, const DiffOptions& opts) {
  if (opts.ignoreChangesAndAdditions) return;
  if (core::strictlyEqual(original, modified)) return;
  patch.set(key, modified);
}

void handleMapDiff(const std::string& key, const Value& original, const Value& modified,
                   Object& patch, const PatchSchema& schema, DiffOptions opts) {
  PatchSchema field = schema.field(key);
  bool skip = false;
  PatchStrategies strategies = strategiesForDiff(field, original, modified, skip);
  if (skip) return;
  opts.buildRetainKeysDirective = strategies.retainKeys;
  if (strategies.strategy == PatchStrategy::Replace) {
    if (!opts.ignoreChangesAndAdditions) patch.set(key, modified);
    return;
  }
  Object value = diffMaps(original.asObject(), modified.asObject(), field, opts);
  if (!value.empty()) patch.set(key, Value(std::move(value)));
}

struct ListDiff {
  Array patch;
  Array deletions;
  Array order;
};

// diffListsOfScalars: additions and deletions, found by walking both lists sorted by %v text.
std::pair<Array, Array> diffListsOfScalars(const Array& original, const Array& modified,
                                           const DiffOptions& opts) {
  auto sorted = [](const Array& list) {
    std::vector<std::pair<std::string, const Value*>> out;
    out.reserve(list.size());
    for (const auto& v : list)
      out.emplace_back(goFormat(v), &v);
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  };
  auto o = sorted(original);
  auto m = sorted(modified);
  Array additions;
  Array deletions;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < o.size() || j < m.size()) {
    bool oIn = i < o.size();
    bool mIn = j < m.size();
    if (oIn && mIn && o[i].first == m[j].first) {
      ++i;
      ++j;
    } else if (!oIn || (mIn && o[i].first > m[j].first)) {
      if (!opts.ignoreChangesAndAdditions) additions.push_back(*m[j].second);
      ++j;
    } else {
      if (!opts.ignoreDeletions) deletions.push_back(*o[i].second);
      ++i;
    }
  }
  deduplicateScalars(deletions);
  return {std::move(additions), std::move(deletions)};
}

Value createDeleteDirective(std::string_view mergeKey, const Value& value) {
  Object item;
  item.append(std::string(kDirectiveMarker), Value(kDeleteDirective));
  item.append(std::string(mergeKey), value);
  return Value(std::move(item));
}

// diffListsOfMaps: changed and added items (recursive patches), and `$patch: delete` items,
// found by walking both lists sorted by the %v text of their merge keys.
std::pair<Array, Array> diffListsOfMaps(const Array& original, const Array& modified,
                                        const PatchSchema& itemSchema, std::string_view mergeKey,
                                        const DiffOptions& opts) {
  auto sorted = [&](const Array& list) {
    std::vector<std::pair<std::string, const Value*>> out;
    out.reserve(list.size());
    for (const auto& v : list) {
      const Value* key = v.isObject() ? v.find(mergeKey) : nullptr;
      out.emplace_back(goFormat(key != nullptr ? *key : core::nullValue()), &v);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  };
  auto checked = [&](const Value& item) -> const Value& {
    if (!item.isObject()) failBadArgType("map", item);
    const Value* key = item.find(mergeKey);
    if (key == nullptr) failNoMergeKey(item, mergeKey);
    return *key;
  };
  auto o = sorted(original);
  auto m = sorted(modified);
  Array patch;
  Array deletions;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < o.size() || j < m.size()) {
    bool oIn = i < o.size();
    bool mIn = j < m.size();
    const Value* oKey = oIn ? &checked(*o[i].second) : nullptr;
    const Value* mKey = mIn ? &checked(*m[j].second) : nullptr;
    if (oIn && mIn && o[i].first == m[j].first) {
      Object value = diffMaps(o[i].second->asObject(), m[j].second->asObject(), itemSchema, opts);
      if (!value.empty()) {
        value.set(mergeKey, *mKey);
        patch.emplace_back(std::move(value));
      }
      ++i;
      ++j;
    } else if (!oIn || (mIn && o[i].first > m[j].first)) {
      if (!opts.ignoreChangesAndAdditions) patch.push_back(*m[j].second);
      ++j;
    } else {
      if (!opts.ignoreDeletions) deletions.push_back(createDeleteDirective(mergeKey, *oKey));
      ++i;
    }
  }
  return {std::move(patch), std::move(deletions)};
}

bool isOrderSame(const Array& original, const Array& modified, std::string_view mergeKey) {
  if (original.size() != modified.size()) return false;
  for (std::size_t i = 0; i < modified.size(); ++i) {
    if (!mergeKeyValueEqual(original[i], modified[i], mergeKey)) return false;
  }
  return true;
}

// diffLists: the patch list, the parallel deletion list (primitives) and the
// $setElementOrder list of a merged list.
ListDiff diffLists(const Array& original, const Array& modified, const PatchSchema& field,
                   const DiffOptions& opts) {
  ListDiff out;
  if (original.empty()) {
    if (modified.empty() || opts.ignoreChangesAndAdditions) return out;
    out.patch = modified;
    return out;
  }
  std::optional<Value::Type> type = sliceElementType({&original, &modified});
  const std::string& mergeKey = field.mergeKey();
  if (type == Value::Type::Object) {
    auto [patch, deletions] = diffListsOfMaps(original, modified, field.items(), mergeKey, opts);
    validateMergeKeys(modified, mergeKey);
    Array modifiedKeys = identities(modified, mergeKey, true);
    out.patch = normalizeSliceOrder(std::move(patch), modifiedKeys, mergeKey, true);
    bool orderSame = isOrderSame(original, modified, mergeKey);
    for (auto& d : deletions)
      out.patch.push_back(std::move(d));
    if (opts.setElementOrder &&
        ((!opts.ignoreChangesAndAdditions && (!out.patch.empty() || !orderSame)) ||
         (!opts.ignoreDeletions && !out.patch.empty()))) {
      for (const auto& item : modified) {
        Object entry;
        entry.append(mergeKey, *item.find(mergeKey));
        out.order.emplace_back(std::move(entry));
      }
    }
    return out;
  }
  auto [additions, deletions] = diffListsOfScalars(original, modified, opts);
  out.patch = normalizeSliceOrder(std::move(additions), modified, "", false);
  out.deletions = std::move(deletions);
  // Upstream sorts the original list in place before this comparison, so an unchanged list
  // that is not sorted still gets a $setElementOrder.
  if (opts.setElementOrder &&
      ((!opts.ignoreDeletions && !out.deletions.empty()) ||
       (!opts.ignoreChangesAndAdditions &&
        !core::strictlyEqual(Value(sortScalars(original)), Value(modified))))) {
    out.order = modified;
  }
  return out;
}

void handleSliceDiff(const std::string& key, const Value& original, const Value& modified,
                     Object& patch, const PatchSchema& schema, DiffOptions opts) {
  PatchSchema field = schema.field(key);
  bool skip = false;
  PatchStrategies strategies = strategiesForDiff(field, original, modified, skip);
  if (skip) return;
  if (strategies.strategy != PatchStrategy::Merge) {
    replacePatchFieldIfNotEqual(key, original, modified, patch, opts);
    return;
  }
  opts.buildRetainKeysDirective = strategies.retainKeys;
  ListDiff diff = diffLists(original.asArray(), modified.asArray(), field, opts);
  if (!diff.patch.empty()) patch.set(key, Value(std::move(diff.patch)));
  if (!diff.deletions.empty()) {
    patch.set(std::string(kDeleteFromPrimitiveListPrefix) + "/" + key,
              Value(std::move(diff.deletions)));
  }
  if (!diff.order.empty()) {
    patch.set(std::string(kSetElementOrderPrefix) + "/" + key, Value(std::move(diff.order)));
  }
}

bool hasAdditionalNewField(const Object& original, const Object& modified) {
  for (const auto& m : original) {
    if (!m.value.isNull() && !modified.contains(m.key)) return true;
  }
  return false;
}

Object diffMaps(const Object& original, const Object& modified, const PatchSchema& schema,
                DiffOptions opts) {
  Object patch;
  Array retainKeys;
  for (const auto& m : modified) {
    if (opts.buildRetainKeysDirective && !m.value.isNull()) retainKeys.emplace_back(m.key);
    const Value* originalValue = original.find(m.key);
    if (originalValue == nullptr) {
      if (!opts.ignoreChangesAndAdditions) patch.set(m.key, m.value);
      continue;
    }
    if (m.key == kDirectiveMarker) {
      if (!originalValue->isString() || !m.value.isString()) {
        fail("invalid value for special key: " + std::string(kDirectiveMarker));
      }
      if (originalValue->asString() != m.value.asString()) patch.set(m.key, m.value);
      continue;
    }
    if (originalValue->type() != m.value.type()) {
      if (!opts.ignoreChangesAndAdditions) patch.set(m.key, m.value);
      continue;
    }
    switch (m.value.type()) {
      case Value::Type::Object:
        handleMapDiff(m.key, *originalValue, m.value, patch, schema, opts);
        break;
      case Value::Type::Array:
        handleSliceDiff(m.key, *originalValue, m.value, patch, schema, opts);
        break;
      default:
        replacePatchFieldIfNotEqual(m.key, *originalValue, m.value, patch, opts);
        break;
    }
  }
  if (!opts.ignoreDeletions) {
    for (const auto& o : original) {
      if (!modified.contains(o.key)) patch.set(o.key, Value());
    }
  }
  if (!retainKeys.empty() && (!patch.empty() || hasAdditionalNewField(original, modified))) {
    patch.set(kRetainKeysDirective, Value(sortScalars(std::move(retainKeys))));
  }
  return patch;
}

// ---- conflicts ----

bool fieldsHaveConflicts(const Value& left, const Value& right, const PatchSchema& schema,
                         PatchStrategy strategy, const std::string& mergeKey);

bool mapsHaveConflicts(const Object& left, const Object& right, const PatchSchema& schema) {
  for (const auto& m : left) {
    if (m.key == kDirectiveMarker || m.key == kRetainKeysDirective) continue;
    const Value* other = right.find(m.key);
    if (other == nullptr) continue;
    FieldMeta field;
    if (m.value.isObject() || m.value.isArray()) field = lookupField(schema, m.key);
    if (fieldsHaveConflicts(m.value, *other, field.schema, field.strategies.strategy,
                            field.mergeKey())) {
      return true;
    }
  }
  return false;
}

bool slicesHaveConflicts(const Array& left, const Array& right, const PatchSchema& schema,
                         PatchStrategy strategy, const std::string& mergeKey) {
  std::optional<Value::Type> type = sliceElementType({&left, &right});
  if (!type) return false;
  PatchSchema itemSchema = schema.items();
  if (strategy == PatchStrategy::Merge) {
    // Merged lists of primitives have no conflicts by definition.
    if (type != Value::Type::Object) return false;
    auto byKey = [&](const Array& list) {
      std::map<std::string, const Value*> out;
      for (const auto& item : list) {
        const Value* key = item.find(mergeKey);
        if (key == nullptr) {
          fail("cannot find merge key `" + mergeKey + "` in merging list element:" + show(item));
        }
        out[show(*key)] = &item;
      }
      return out;
    };
    auto l = byKey(left);
    auto r = byKey(right);
    for (const auto& [key, value] : l) {
      auto it = r.find(key);
      if (it != r.end() &&
          fieldsHaveConflicts(*value, *it->second, itemSchema, PatchStrategy::None, "")) {
        return true;
      }
    }
    return false;
  }
  if (left.size() != right.size()) return true;
  Array l = left;
  Array r = right;
  if (type != Value::Type::Object) {
    deduplicateScalars(l);
    l = sortScalars(std::move(l));
    deduplicateScalars(r);
    r = sortScalars(std::move(r));
    if (l.size() != r.size()) return true;
  }
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (fieldsHaveConflicts(l[i], r[i], itemSchema, PatchStrategy::None, "")) return true;
  }
  return false;
}

bool fieldsHaveConflicts(const Value& left, const Value& right, const PatchSchema& schema,
                         PatchStrategy strategy, const std::string& mergeKey) {
  switch (left.type()) {
    case Value::Type::Object: {
      if (!right.isObject()) return true;
      const Value* leftMarker = left.find(kDirectiveMarker);
      const Value* rightMarker = right.find(kDirectiveMarker);
      if (leftMarker != nullptr || rightMarker != nullptr) {
        if ((leftMarker == nullptr) != (rightMarker == nullptr)) return true;
        if (!core::strictlyEqual(*leftMarker, *rightMarker)) return true;
      }
      if (strategy == PatchStrategy::Replace) return false;
      return mapsHaveConflicts(left.asObject(), right.asObject(), schema);
    }
    case Value::Type::Array:
      if (!right.isArray()) return true;
      return slicesHaveConflicts(left.asArray(), right.asArray(), schema, strategy, mergeKey);
    default:
      return !core::strictlyEqual(left, right);
  }
}

// ---- entry points ----

Object documentObject(const Value& v, std::string_view what) {
  if (v.isNull()) return Object{};
  if (!v.isObject()) fail("invalid JSON document: " + std::string(what) + " is not an object");
  return v.asObject();
}

// Go's encoding/json prints map keys sorted; patches are sorted the same way.
void sortKeys(Value& v) {
  if (v.isArray()) {
    for (auto& item : v.asArray())
      sortKeys(item);
  } else if (v.isObject()) {
    auto& members = v.asObject().members();
    std::stable_sort(members.begin(), members.end(),
                     [](const core::Member& a, const core::Member& b) { return a.key < b.key; });
    for (auto& m : members)
      sortKeys(m.value);
  }
}

}  // namespace

core::Value applyStrategicMergePatch(const core::Value& original, const core::Value& patch,
                                     const PatchSchema& schema) {
  Object result = mergeMap(documentObject(original, "original"), documentObject(patch, "patch"),
                           schema, kApplyOptions);
  return Value(std::move(result));
}

core::Value createTwoWayMergePatch(const core::Value& original, const core::Value& modified,
                                   const PatchSchema& schema) {
  DiffOptions opts;
  opts.setElementOrder = true;
  Value patch(diffMaps(documentObject(original, "original"), documentObject(modified, "modified"),
                       schema, opts));
  sortKeys(patch);
  return patch;
}

core::Value createThreeWayMergePatch(const core::Value& original, const core::Value& modified,
                                     const core::Value& current, const PatchSchema& schema,
                                     bool overwrite) {
  Object originalMap = documentObject(original, "original");
  Object modifiedMap = documentObject(modified, "modified");
  Object currentMap = documentObject(current, "current");

  // The patch is the difference from current to modified without deletions, plus the deletions
  // from original to modified.
  DiffOptions deltaOptions;
  deltaOptions.setElementOrder = true;
  deltaOptions.ignoreDeletions = true;
  Object delta = diffMaps(currentMap, modifiedMap, schema, deltaOptions);
  DiffOptions deletionOptions;
  deletionOptions.setElementOrder = true;
  deletionOptions.ignoreChangesAndAdditions = true;
  Object deletions = diffMaps(originalMap, modifiedMap, schema, deletionOptions);
  Value patch(mergeMap(std::move(deletions), std::move(delta), schema, MergeOptions{}));

  if (!overwrite) {
    Value changed(diffMaps(originalMap, currentMap, schema, DiffOptions{}));
    if (fieldsHaveConflicts(patch, changed, schema, PatchStrategy::None, "")) {
      sortKeys(patch);
      sortKeys(changed);
      throw MergeConflictError("there is a meaningful conflict:\n diff1=" + show(changed) +
                               "\n, diff2=" + show(patch) + "\n");
    }
  }
  sortKeys(patch);
  return patch;
}

bool mergingMapsHaveConflicts(const core::Value& left, const core::Value& right,
                              const PatchSchema& schema) {
  return fieldsHaveConflicts(left, right, schema, PatchStrategy::None, "");
}

}  // namespace driftless::kube
