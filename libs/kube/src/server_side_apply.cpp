#include "driftless/kube/server_side_apply.h"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "apply_schema.h"
#include "driftless/core/json.h"

namespace driftless::kube {

ApplyConflictError::ApplyConflictError(std::string message, std::vector<ApplyConflict> conflicts)
    : core::Error(std::move(message)), conflicts_(std::move(conflicts)) {}

namespace {

using detail::ApplyShape;
using detail::ApplyType;

constexpr std::size_t kMaxUpdateManagers = 10;

// ---- managers ----

struct Manager {
  std::string name;
  bool applied = false;  // operation Apply (else Update)
  std::string apiVersion;
  std::string subresource;
  std::optional<std::string> time;
  FieldSet set;

  [[nodiscard]] bool sameIdentity(const Manager& other) const {
    return name == other.name && applied == other.applied && subresource == other.subresource &&
           (applied || apiVersion == other.apiVersion);
  }

  // BuildManagerIdentifier: the entry without time and fields (and without apiVersion for
  // Apply), as Go's encoding/json prints it.
  [[nodiscard]] std::string identifier() const {
    std::string out = "{\"manager\":";
    core::appendJsonString(out, name);
    out += ",\"operation\":";
    out += applied ? "\"Apply\"" : "\"Update\"";
    if (!applied && !apiVersion.empty()) {
      out += ",\"apiVersion\":";
      core::appendJsonString(out, apiVersion);
    }
    if (!subresource.empty()) {
      out += ",\"subresource\":";
      core::appendJsonString(out, subresource);
    }
    out += '}';
    return out;
  }
};

using Managers = std::vector<Manager>;

Manager* findManager(Managers& managers, const Manager& identity) {
  for (auto& m : managers) {
    if (m.sameIdentity(identity)) return &m;
  }
  return nullptr;
}

void dropEmpty(Managers& managers) {
  std::erase_if(managers, [](const Manager& m) { return m.set.empty(); });
}

const core::Value* managedFieldsOf(const core::Value& obj) {
  const core::Value* metadata = obj.find("metadata");
  return metadata != nullptr ? metadata->find("managedFields") : nullptr;
}

std::string stringMember(const core::Value& entry, std::string_view key) {
  const core::Value* v = entry.find(key);
  return v != nullptr && v->isString() ? v->asString() : std::string();
}

// DecodeManagedFields.
Managers decodeManagers(const core::Value* list) {
  Managers out;
  if (list == nullptr || list->isNull()) return out;
  if (!list->isArray()) throw core::Error("managedFields must be a list");
  std::size_t index = 0;
  for (const auto& entry : list->asArray()) {
    if (!entry.isObject()) throw core::Error("managed fields entry must be an object");
    Manager m;
    m.name = stringMember(entry, "manager");
    std::string operation = stringMember(entry, "operation");
    if (operation != "Apply" && operation != "Update") {
      throw core::Error("operation must be `Apply` or `Update`");
    }
    m.applied = operation == "Apply";
    m.apiVersion = stringMember(entry, "apiVersion");
    if (m.apiVersion.empty()) throw core::Error("apiVersion must not be empty");
    std::string fieldsType = stringMember(entry, "fieldsType");
    if (fieldsType.empty()) {
      throw core::Error("missing fieldsType in managed fields entry " + std::to_string(index));
    }
    if (fieldsType != "FieldsV1") {
      std::string quoted;
      core::appendJsonString(quoted, fieldsType, false);
      throw core::Error("invalid fieldsType " + quoted + " in managed fields entry " +
                        std::to_string(index));
    }
    m.subresource = stringMember(entry, "subresource");
    if (const core::Value* t = entry.find("time"); t != nullptr && t->isString())
      m.time = t->asString();
    if (const core::Value* fields = entry.find("fieldsV1")) {
      try {
        m.set = FieldSet::fromFieldsV1(*fields);
      } catch (const core::Error& e) {
        throw core::Error("error decoding versioned set from entry " + std::to_string(index) +
                          ": " + e.what());
      }
    }
    if (Manager* existing = findManager(out, m)) {
      *existing = std::move(m);
    } else {
      out.push_back(std::move(m));
    }
    ++index;
  }
  return out;
}

Managers decodeOrEmpty(const core::Value* list) {
  try {
    return decodeManagers(list);
  } catch (const core::Error&) {
    return {};
  }
}

// Seconds since the epoch of an RFC 3339 time (0 when it does not parse).
std::int64_t unixSeconds(const std::optional<std::string>& text) {
  if (!text) return 0;
  const std::string& s = *text;
  auto digits = [&](std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(5, 2, month) || s[7] != '-' ||
      !digits(8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(11, 2, hour) || s[13] != ':' || !digits(14, 2, minute) || s[16] != ':' ||
      !digits(17, 2, second)) {
    return 0;
  }
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
      ++pos;
  }
  std::int64_t offset = 0;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(pos + 4, 2, om)) {
      return 0;
    }
    offset = (static_cast<std::int64_t>(oh) * 60 + om) * 60 * (s[pos] == '-' ? -1 : 1);
  }
  // Days from civil (Howard Hinnant's algorithm).
  int y = month <= 2 ? year - 1 : year;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<std::int64_t>(y - era * 400);
  std::int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  std::int64_t days = era * 146097 + doe - 719468;
  return days * 86400 + hour * 3600 + minute * 60 + second - offset;
}

// encodeManagedFields + sortEncodedManagedFields.
core::Value encodeManagers(Managers managers) {
  std::stable_sort(managers.begin(), managers.end(), [](const Manager& p, const Manager& q) {
    if (p.applied != q.applied) return p.applied;  // "Apply" < "Update"
    std::int64_t ps = unixSeconds(p.time);
    std::int64_t qs = unixSeconds(q.time);
    if (ps != qs) return ps < qs;
    if (p.name != q.name) return p.name < q.name;
    if (p.apiVersion != q.apiVersion) return p.apiVersion < q.apiVersion;
    return p.subresource < q.subresource;
  });
  core::Array out;
  for (const auto& m : managers) {
    core::Object entry;
    if (!m.name.empty()) entry.append("manager", m.name);
    entry.append("operation", m.applied ? "Apply" : "Update");
    if (!m.apiVersion.empty()) entry.append("apiVersion", m.apiVersion);
    if (m.time) entry.append("time", *m.time);
    entry.append("fieldsType", "FieldsV1");
    entry.append("fieldsV1", m.set.toFieldsV1());
    if (!m.subresource.empty()) entry.append("subresource", m.subresource);
    out.push_back(std::move(entry));
  }
  return out;
}

// capManagersManager.capUpdateManagers.
void capUpdateManagers(Managers& managers) {
  std::vector<std::string> updaters;
  for (const auto& m : managers) {
    if (!m.applied) updaters.push_back(m.identifier());
  }
  if (updaters.size() <= kMaxUpdateManagers) return;
  auto byIdentifier = [&](const std::string& id) -> Manager* {
    for (auto& m : managers) {
      if (m.identifier() == id) return &m;
    }
    return nullptr;
  };
  std::map<std::string, std::int64_t> seconds;
  for (const auto& m : managers)
    seconds[m.identifier()] = unixSeconds(m.time);
  std::sort(updaters.begin(), updaters.end(), [&](const std::string& a, const std::string& b) {
    if (seconds[a] != seconds[b]) return seconds[a] < seconds[b];
    return a < b;
  });
  std::map<std::string, std::string> versionToFirstManager;
  std::size_t length = updaters.size();
  for (std::size_t i = 0; i < updaters.size() && length > kMaxUpdateManagers; ++i) {
    Manager* m = byIdentifier(updaters[i]);
    if (m == nullptr) continue;
    std::string version = m->apiVersion;
    Manager bucketIdentity{"ancient-changes", false, version, "", std::nullopt, {}};
    auto first = versionToFirstManager.find(version);
    if (first == versionToFirstManager.end()) {
      versionToFirstManager.emplace(version, updaters[i]);
      continue;
    }
    if (findManager(managers, bucketIdentity) == nullptr) {
      if (Manager* f = byIdentifier(first->second)) {
        f->name = bucketIdentity.name;
        f->subresource.clear();
      }
    }
    Manager* bucket = findManager(managers, bucketIdentity);
    m = byIdentifier(updaters[i]);
    if (bucket == nullptr || m == nullptr) continue;
    bucket->set = m->set.unionWith(bucket->set);
    bucket->time = m->time;
    std::string removed = updaters[i];
    std::erase_if(managers, [&](const Manager& x) { return x.identifier() == removed; });
    --length;
  }
}

// printManager in internal/conflict.go.
std::string printManager(const Manager& m) {
  std::string out;
  core::appendJsonString(out, m.name, false);
  if (!m.subresource.empty()) {
    out += " with subresource ";
    core::appendJsonString(out, m.subresource, false);
  }
  if (!m.applied) out += " using " + m.apiVersion;
  return out;
}

// ---- walks over values ----

// The shape two sides are walked with: a side that is absent or null takes the other's.
ApplyShape commonShape(const ApplyType& type, const core::Value* l, const core::Value* r) {
  if (l == nullptr || l->isNull())
    return r == nullptr ? ApplyShape::Leaf : detail::shapeOf(type, *r);
  if (r == nullptr || r->isNull()) return detail::shapeOf(type, *l);
  ApplyShape sl = detail::shapeOf(type, *l);
  ApplyShape sr = detail::shapeOf(type, *r);
  return sl == sr ? sl : ApplyShape::Leaf;
}

const core::Object* objectOrNull(const core::Value* v) {
  return v != nullptr && v->isObject() ? &v->asObject() : nullptr;
}

const core::Array* arrayOrNull(const core::Value* v) {
  return v != nullptr && v->isArray() ? &v->asArray() : nullptr;
}

FieldPathElement itemElement(const ApplyType& type, const core::Value& item, const FieldPath& path,
                             std::size_t index) {
  try {
    return detail::listItemElement(type, item);
  } catch (const core::Error& e) {
    throw core::Error(detail::elementError(path, index, e.what()));
  }
}

struct Comparison {
  FieldSet removed;
  FieldSet modified;
  FieldSet added;
};

// typed.Compare: which fields `r` removed, modified and added relative to `l`.
class Comparer {
 public:
  explicit Comparer(Comparison& out) : out_(out) {}

  void compare(const core::Value* l, const core::Value* r, const ApplyType& type) {
    switch (commonShape(type, l, r)) {
      case ApplyShape::Leaf:
        leaf(l, r);
        return;
      case ApplyShape::Map: {
        const core::Object* lm = objectOrNull(l);
        const core::Object* rm = objectOrNull(r);
        if ((lm == nullptr || lm->empty()) && (rm == nullptr || rm->empty())) {
          leaf(l, r);
          return;
        }
        if (lm != nullptr) {
          for (const auto& m : *lm)
            member(m.key, &m.value, rm != nullptr ? rm->find(m.key) : nullptr, type);
        }
        if (rm != nullptr) {
          for (const auto& m : *rm) {
            if (lm == nullptr || !lm->contains(m.key)) member(m.key, nullptr, &m.value, type);
          }
        }
        break;
      }
      case ApplyShape::List: {
        const core::Array* la = arrayOrNull(l);
        const core::Array* ra = arrayOrNull(r);
        if ((la == nullptr || la->empty()) && (ra == nullptr || ra->empty())) {
          leaf(l, r);
          return;
        }
        list(la, ra, type);
        break;
      }
    }
    if (l == nullptr) {
      out_.added.insert(path_);
    } else if (r == nullptr) {
      out_.removed.insert(path_);
    }
  }

 private:
  void leaf(const core::Value* l, const core::Value* r) {
    if (l == nullptr) {
      out_.added.insert(path_);
    } else if (r == nullptr) {
      out_.removed.insert(path_);
    } else if (!(*l == *r)) {
      out_.modified.insert(path_);
    }
  }

  void member(const std::string& key, const core::Value* l, const core::Value* r,
              const ApplyType& type) {
    path_.push_back(FieldPathElement::field(key));
    compare(l, r, detail::memberType(type, key));
    path_.pop_back();
  }

  void list(const core::Array* la, const core::Array* ra, const ApplyType& type) {
    std::vector<FieldPathElement> all;
    std::map<FieldPathElement, std::vector<const core::Value*>> lValues;
    std::map<FieldPathElement, std::vector<const core::Value*>> rValues;
    if (la != nullptr) {
      for (std::size_t i = 0; i < la->size(); ++i) {
        FieldPathElement e = itemElement(type, (*la)[i], path_, i);
        auto& items = lValues[e];
        if (items.empty()) all.push_back(e);
        items.push_back(&(*la)[i]);
      }
    }
    if (ra != nullptr) {
      for (std::size_t i = 0; i < ra->size(); ++i) {
        FieldPathElement e = itemElement(type, (*ra)[i], path_, i);
        auto& items = rValues[e];
        if (items.empty() && !lValues.contains(e)) all.push_back(e);
        items.push_back(&(*ra)[i]);
      }
    }
    ApplyType item = detail::itemType(type);
    static const std::vector<const core::Value*> kNone;
    for (const auto& e : all) {
      auto li = lValues.find(e);
      auto ri = rValues.find(e);
      const auto& lList = li != lValues.end() ? li->second : kNone;
      const auto& rList = ri != rValues.end() ? ri->second : kNone;
      path_.push_back(e);
      if (lList.size() <= 1 && rList.size() <= 1) {
        compare(lList.empty() ? nullptr : lList[0], rList.empty() ? nullptr : rList[0], item);
      } else if (lList.size() >= 2 && rList.size() >= 2) {
        bool same = lList.size() == rList.size();
        for (std::size_t i = 0; same && i < lList.size(); ++i)
          same = *lList[i] == *rList[i];
        if (!same) out_.modified.insert(path_);
      } else if (lList.size() >= 2) {
        if (!rList.empty()) compare(nullptr, rList[0], item);
        out_.removed.insert(path_);
      } else {
        if (!lList.empty()) compare(lList[0], nullptr, item);
        out_.added.insert(path_);
      }
      path_.pop_back();
    }
  }

  Comparison& out_;
  FieldPath path_;
};

Comparison compareObjects(const core::Value& l, const core::Value& r, const ApplyType& type) {
  Comparison out;
  Comparer(out).compare(&l, &r, type);
  return out;
}

// typed.Merge with ruleKeepRHS: `r` (the configuration) merged into `l` (the live object).
class Merger {
 public:
  std::optional<core::Value> merge(const core::Value* l, const core::Value* r,
                                   const ApplyType& type) {
    switch (commonShape(type, l, r)) {
      case ApplyShape::Leaf:
        return keepRhs(l, r);
      case ApplyShape::Map: {
        const core::Object* lm = objectOrNull(l);
        const core::Object* rm = objectOrNull(r);
        if ((lm == nullptr || lm->empty()) && (rm == nullptr || rm->empty())) return keepRhs(l, r);
        core::Object out;
        if (lm != nullptr) {
          for (const auto& m : *lm)
            member(out, m.key, &m.value, rm != nullptr ? rm->find(m.key) : nullptr, type);
        }
        if (rm != nullptr) {
          for (const auto& m : *rm) {
            if (lm == nullptr || !lm->contains(m.key)) member(out, m.key, nullptr, &m.value, type);
          }
        }
        return core::Value(std::move(out));
      }
      case ApplyShape::List: {
        const core::Array* la = arrayOrNull(l);
        const core::Array* ra = arrayOrNull(r);
        if ((la == nullptr || la->empty()) && (ra == nullptr || ra->empty())) return keepRhs(l, r);
        return list(la, ra, type);
      }
    }
    return std::nullopt;
  }

 private:
  static std::optional<core::Value> keepRhs(const core::Value* l, const core::Value* r) {
    if (r != nullptr) return *r;
    if (l != nullptr) return *l;
    return std::nullopt;
  }

  void member(core::Object& out, const std::string& key, const core::Value* l, const core::Value* r,
              const ApplyType& type) {
    // A null in the configuration removes the field (see the header).
    if (r != nullptr && r->isNull()) return;
    path_.push_back(FieldPathElement::field(key));
    std::optional<core::Value> merged = merge(l, r, detail::memberType(type, key));
    path_.pop_back();
    if (merged) out.append(key, std::move(*merged));
  }

  core::Value list(const core::Array* la, const core::Array* ra, const ApplyType& type) {
    static const core::Array kEmpty;
    const core::Array& lhs = la != nullptr ? *la : kEmpty;
    const core::Array& rhs = ra != nullptr ? *ra : kEmpty;

    std::vector<FieldPathElement> rhsPEs;
    std::map<FieldPathElement, const core::Value*> observedRhs;
    for (std::size_t i = 0; i < rhs.size(); ++i) {
      FieldPathElement e = itemElement(type, rhs[i], path_, i);
      if (observedRhs.contains(e)) {
        std::string where = formatFieldPath(path_);
        throw core::Error((where.empty() ? "" : where + ": ") + "duplicate entries for key " +
                          e.toString());
      }
      observedRhs.emplace(e, &rhs[i]);
      rhsPEs.push_back(std::move(e));
    }
    std::vector<FieldPathElement> lhsPEs;
    std::map<FieldPathElement, const core::Value*> observedLhs;
    for (std::size_t i = 0; i < lhs.size(); ++i) {
      FieldPathElement e = itemElement(type, lhs[i], path_, i);
      auto [it, inserted] = observedLhs.emplace(e, &lhs[i]);
      // Duplicated items are not merged with the configuration's item.
      if (!inserted) it->second = &core::nullValue();
      lhsPEs.push_back(std::move(e));
    }

    std::deque<const FieldPathElement*> sharedOrder;
    for (const auto& e : rhsPEs) {
      if (observedLhs.contains(e)) sharedOrder.push_back(&e);
    }
    const FieldPathElement* nextShared = nullptr;
    auto advanceShared = [&] {
      nextShared = nullptr;
      if (!sharedOrder.empty()) {
        nextShared = sharedOrder.front();
        sharedOrder.pop_front();
      }
    };
    advanceShared();

    ApplyType item = detail::itemType(type);
    core::Array out;
    auto emit = [&](const FieldPathElement& e, const core::Value* l, const core::Value* r) {
      path_.push_back(e);
      std::optional<core::Value> merged = merge(l, r, item);
      path_.pop_back();
      if (merged) out.push_back(std::move(*merged));
    };
    auto lookup = [](const std::map<FieldPathElement, const core::Value*>& m,
                     const FieldPathElement& e) -> const core::Value* {
      auto it = m.find(e);
      return it != m.end() ? it->second : nullptr;
    };

    std::set<FieldPathElement> mergedRhs;
    std::size_t lI = 0;
    std::size_t rI = 0;
    while (lI < lhsPEs.size() || rI < rhsPEs.size()) {
      if (lI < lhsPEs.size() && rI < rhsPEs.size()) {
        const FieldPathElement& e = lhsPEs[lI];
        if (e == rhsPEs[rI]) {
          mergedRhs.insert(e);
          emit(e, lookup(observedLhs, e), lookup(observedRhs, e));
          ++lI;
          ++rI;
          advanceShared();
          continue;
        }
        if (observedRhs.contains(e) && nextShared != nullptr && !(*nextShared == e)) {
          ++lI;
          continue;
        }
      }
      if (lI < lhsPEs.size()) {
        const FieldPathElement& e = lhsPEs[lI];
        if (!observedRhs.contains(e)) {
          emit(e, &lhs[lI], nullptr);
          ++lI;
          continue;
        }
        if (mergedRhs.contains(e)) ++lI;
      }
      if (rI < rhsPEs.size()) {
        const FieldPathElement& e = rhsPEs[rI];
        mergedRhs.insert(e);
        emit(e, lookup(observedLhs, e), lookup(observedRhs, e));
        ++rI;
        if (nextShared != nullptr && *nextShared == e) advanceShared();
      }
    }
    return out;
  }

  FieldPath path_;
};

core::Value mergeObjects(const core::Value& live, const core::Value& config,
                         const ApplyType& type) {
  std::optional<core::Value> merged = Merger().merge(&live, &config, type);
  return merged ? std::move(*merged) : core::Value(core::Object{});
}

// typed.RemoveItems: `value` without the paths of `toRemove` (list items and map entries go
// with their subtree). nullopt when nothing is left.
std::optional<core::Value> removeItems(const core::Value& value, const FieldSet& toRemove,
                                       const ApplyType& type) {
  ApplyShape shape = detail::shapeOf(type, value);
  if (value.isObject()) {
    if (value.asObject().empty() || shape != ApplyShape::Map) return std::nullopt;
    core::Object out;
    for (const auto& m : value.asObject()) {
      FieldPathElement e = FieldPathElement::field(m.key);
      if (toRemove.contains({e})) continue;
      FieldSet below = toRemove.withPrefix(e);
      if (below.empty()) {
        out.append(m.key, m.value);
      } else if (auto kept = removeItems(m.value, below, detail::memberType(type, m.key))) {
        out.append(m.key, std::move(*kept));
      }
    }
    if (out.empty()) return std::nullopt;
    return core::Value(std::move(out));
  }
  if (value.isArray()) {
    if (value.asArray().empty() || shape != ApplyShape::List) return std::nullopt;
    ApplyType item = detail::itemType(type);
    core::Array out;
    for (const auto& v : value.asArray()) {
      FieldPathElement e = detail::listItemElement(type, v);
      if (toRemove.contains({e})) continue;
      FieldSet below = toRemove.withPrefix(e);
      if (below.empty()) {
        out.push_back(v);
      } else if (auto kept = removeItems(v, below, item)) {
        out.push_back(std::move(*kept));
      }
    }
    if (out.empty()) return std::nullopt;
    return core::Value(std::move(out));
  }
  return value;
}

core::Value removeFrom(const core::Value& value, const FieldSet& toRemove, const ApplyType& type) {
  if (toRemove.empty()) return value;
  std::optional<core::Value> kept = removeItems(value, toRemove, type);
  return kept ? std::move(*kept) : core::Value(core::Object{});
}

// fieldpath.Set.EnsureNamedFieldsAreMembers: struct fields with members below them become
// members themselves.
FieldSet ensureNamedFieldsAreMembers(const FieldSet& set, const ApplyType& type) {
  FieldSet out;
  for (const auto& m : set.members())
    out.insertMember(m);
  for (const auto& child : set.children()) {
    ApplyType childType{PatchSchema::unknown(), false};
    if (child.element.type() == FieldPathElement::Type::Field) {
      if (detail::isNamedField(type, child.element.fieldName())) out.insertMember(child.element);
      childType = detail::memberType(type, child.element.fieldName());
    } else if (child.element.type() == FieldPathElement::Type::Key) {
      childType = detail::itemType(type);
    }
    FieldSet below = ensureNamedFieldsAreMembers(child.set, childType);
    if (!below.empty()) out.descend(child.element) = std::move(below);
  }
  return out;
}

// Updater.prune: removes what the applier applied last time but not now, unless another
// manager (or the new configuration) owns it.
core::Value prune(const core::Value& merged, const Managers& managers, const FieldSet& lastSet,
                  const ApplyType& type) {
  if (lastSet.empty()) return merged;
  FieldSet last = ensureNamedFieldsAreMembers(lastSet, type);
  core::Value pruned = removeFrom(merged, last, type);

  // addBackOwnedItems
  FieldSet managed;
  for (const auto& m : managers)
    managed = managed.unionWith(m.set);
  FieldSet mergedSet = ensureNamedFieldsAreMembers(detail::rawFieldSet(merged, type), type);
  FieldSet prunedSet = ensureNamedFieldsAreMembers(detail::rawFieldSet(pruned, type), type);
  pruned = removeFrom(
      merged, mergedSet.difference(prunedSet.unionWith(ensureNamedFieldsAreMembers(managed, type))),
      type);

  // addBackDanglingItems
  prunedSet = ensureNamedFieldsAreMembers(detail::rawFieldSet(pruned, type), type);
  return removeFrom(merged, mergedSet.difference(prunedSet).intersection(last), type);
}

// Updater.update: conflicts with (and removals from) the managers other than `self`.
Comparison updateManagers(const core::Value& live, const core::Value& next, const ApplyType& type,
                          FieldScope scope, Managers& managers, const Manager* self, bool force) {
  Comparison cmp = compareObjects(live, next, type);
  cmp.removed = scopeFieldSet(cmp.removed, scope);
  cmp.modified = scopeFieldSet(cmp.modified, scope);
  cmp.added = scopeFieldSet(cmp.added, scope);
  FieldSet changed = cmp.modified.unionWith(cmp.added);

  std::vector<std::pair<std::size_t, FieldSet>> conflicts;
  for (std::size_t i = 0; i < managers.size(); ++i) {
    if (self != nullptr && managers[i].sameIdentity(*self)) continue;
    FieldSet conflict = managers[i].set.intersection(changed);
    if (!conflict.empty()) conflicts.emplace_back(i, std::move(conflict));
  }
  if (!force && !conflicts.empty()) {
    std::sort(conflicts.begin(), conflicts.end(), [&](const auto& a, const auto& b) {
      return managers[a.first].identifier() < managers[b.first].identifier();
    });
    std::vector<ApplyConflict> list;
    std::string details;
    for (const auto& [index, set] : conflicts) {
      const Manager& m = managers[index];
      std::string printed = printManager(m);
      details += (details.empty() ? "" : "\n") + ("conflicts with " + printed + ":");
      set.forEach([&](const FieldPath& path) {
        std::string text = formatFieldPath(path);
        list.push_back({m.name, text, "conflict with " + printed});
        details += "\n- " + text;
      });
    }
    std::string message =
        list.size() == 1
            ? "Apply failed with 1 conflict: " + list[0].message + ": " + list[0].path
            : "Apply failed with " + std::to_string(list.size()) + " conflicts: " + details;
    throw ApplyConflictError(std::move(message), std::move(list));
  }
  for (const auto& [index, set] : conflicts)
    managers[index].set = managers[index].set.difference(set);
  if (!cmp.removed.empty()) {
    for (auto& m : managers) {
      if (self != nullptr && m.sameIdentity(*self)) continue;
      m.set = m.set.difference(cmp.removed);
    }
  }
  dropEmpty(managers);
  return cmp;
}

core::Value withoutManagedFields(const core::Value& obj) {
  core::Value out = obj;
  if (core::Value* metadata = out.find("metadata"); metadata != nullptr && metadata->isObject()) {
    metadata->asObject().erase("managedFields");
  }
  return out;
}

// The non-apply write of `next` over `previous` by `identity` (Update + managedFieldsUpdater +
// stripmeta).
void recordUpdate(const core::Value& previous, const core::Value& next, const ApplyType& type,
                  FieldScope scope, Managers& managers, const Manager& identity,
                  const std::string& now) {
  Comparison cmp = updateManagers(previous, next, type, scope, managers, nullptr, true);
  FieldSet current = cmp.modified.unionWith(cmp.added).difference(detail::strippedFields());
  if (current.empty()) return;
  if (Manager* existing = findManager(managers, identity)) {
    existing->set = current.unionWith(existing->set);
    existing->apiVersion = identity.apiVersion;
    if (!now.empty()) existing->time = now;
  } else {
    Manager m = identity;
    m.set = std::move(current);
    if (!now.empty()) m.time = now;
    managers.push_back(std::move(m));
  }
}

FieldScope scopeFor(const std::string& subresource, bool ignoreStatus) {
  if (subresource == "status") return FieldScope::StatusOnly;
  return ignoreStatus ? FieldScope::IgnoreStatus : FieldScope::All;
}

// Keeps `status` (ignoreStatus) or everything but `status` (status subresource) at the live
// values.
core::Value restoreOutOfScope(const core::Value& live, core::Value merged, FieldScope scope) {
  if (scope == FieldScope::All) return merged;
  const core::Value* liveStatus = live.find("status");
  if (scope == FieldScope::IgnoreStatus) {
    if (liveStatus != nullptr) {
      merged.asObject().set("status", *liveStatus);
    } else {
      merged.asObject().erase("status");
    }
    return merged;
  }
  core::Value out = live;
  if (const core::Value* status = merged.find("status")) {
    out.asObject().set("status", *status);
  } else {
    out.asObject().erase("status");
  }
  return out;
}

// Writes the list into obj.metadata.managedFields (where the live object had it), or removes it
// when empty.
void storeManagedFields(core::Value& obj, core::Value list, const core::Value& live) {
  if (!obj.isObject()) return;
  core::Value& metadata = obj.asObject()["metadata"];
  if (metadata.isNull()) metadata = core::Object{};
  if (!metadata.isObject()) return;
  core::Object& meta = metadata.asObject();
  if (list.asArray().empty()) {
    meta.erase("managedFields");
    if (meta.empty()) obj.asObject().erase("metadata");
    return;
  }
  if (meta.contains("managedFields")) {
    meta.set("managedFields", std::move(list));
    return;
  }
  std::size_t position = meta.size();
  if (const core::Value* liveMeta = live.find("metadata");
      liveMeta != nullptr && liveMeta->isObject()) {
    const auto& members = liveMeta->asObject().members();
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (members[i].key == "managedFields") {
        position = std::min(i, meta.size());
        break;
      }
    }
  }
  auto& members = meta.members();
  members.insert(members.begin() + static_cast<std::ptrdiff_t>(position),
                 core::Member{"managedFields", std::move(list)});
}

bool isResetManagedFields(const core::Value* list) {
  if (list == nullptr || !list->isArray()) return false;
  const auto& items = list->asArray();
  if (items.empty()) return true;
  if (items.size() != 1 || !items[0].isObject()) return false;
  for (const auto& m : items[0].asObject()) {
    if (!(m.value.isNull() || (m.value.isString() && m.value.asString().empty()))) return false;
  }
  return true;
}

}  // namespace

core::Value serverSideApply(const core::Value& live, const core::Value& config,
                            const PatchSchema& schema, const ApplyOptions& options) {
  if (!config.isObject()) throw ApplyError("the apply configuration must be an object");
  if (const core::Value* mf = managedFieldsOf(config); mf != nullptr && !mf->isNull()) {
    throw ApplyError("metadata.managedFields must be nil");
  }
  bool liveExists = live.isObject();
  if (!live.isNull() && !liveExists) throw ApplyError("the live object must be an object");
  FieldScope scope = scopeFor(options.subresource, options.ignoreStatus);
  if (scope == FieldScope::StatusOnly && !liveExists) {
    throw ApplyError("the status subresource can only be applied to an existing object");
  }
  ApplyType type{schema, true};
  std::string apiVersion = options.apiVersion;
  if (apiVersion.empty()) {
    if (const core::Value* v = config.find("apiVersion"); v != nullptr && v->isString())
      apiVersion = v->asString();
  }

  Managers managers;
  if (liveExists) {
    try {
      managers = decodeManagers(managedFieldsOf(live));
    } catch (const core::Error& e) {
      throw ApplyError(std::string("failed to decode managed fields: ") + e.what());
    }
  }
  core::Value liveObject = liveExists ? withoutManagedFields(live) : core::Value(core::Object{});

  // skipNonAppliedManager: the fields of an object nobody tracked yet go to before-first-apply.
  if (liveExists && managers.empty()) {
    core::Object empty;
    for (const char* key : {"apiVersion", "kind"}) {
      if (const core::Value* v = liveObject.find(key)) empty.append(key, *v);
    }
    Manager before{"before-first-apply", false, apiVersion, options.subresource, std::nullopt, {}};
    recordUpdate(core::Value(std::move(empty)), liveObject, type, scope, managers, before,
                 options.now);
  }

  Manager self{options.manager.empty() ? "unknown" : options.manager,
               true,
               apiVersion,
               options.subresource,
               std::nullopt,
               {}};
  core::Value merged = mergeObjects(liveObject, config, type);

  FieldSet lastSet;
  Manager* existing = findManager(managers, self);
  bool isNew = existing == nullptr;
  if (existing != nullptr) {
    lastSet = existing->set;
    existing->set = scopeFieldSet(detail::rawFieldSet(config, type), scope);
    existing->apiVersion = apiVersion;
  } else {
    Manager m = self;
    m.set = scopeFieldSet(detail::rawFieldSet(config, type), scope);
    managers.push_back(std::move(m));
  }
  merged = prune(merged, managers, lastSet, type);
  merged = restoreOutOfScope(liveObject, std::move(merged), scope);

  updateManagers(liveObject, merged, type, scope, managers, &self, options.force);

  if (Manager* mine = findManager(managers, self)) {
    mine->set = mine->set.difference(detail::strippedFields());
    bool changed = isNew || !(mine->set == lastSet) || !(liveObject == merged);
    if (changed && !options.now.empty()) mine->time = options.now;
  }
  dropEmpty(managers);

  storeManagedFields(merged, encodeManagers(std::move(managers)), live);
  return merged;
}

core::Value updateManagedFields(const core::Value& oldObj, const core::Value& newObj,
                                const PatchSchema& schema, const std::string& manager,
                                const std::string& apiVersion, const std::string& now,
                                const std::string& subresource, bool ignoreStatus) {
  FieldScope scope = scopeFor(subresource, ignoreStatus);
  bool creating = !oldObj.isObject();
  const core::Value* liveList = creating ? nullptr : managedFieldsOf(oldObj);
  const core::Value* newList = managedFieldsOf(newObj);

  // decodeLiveOrNew
  Managers managers;
  if (!subresource.empty()) {
    managers = decodeOrEmpty(liveList);
  } else if (!isResetManagedFields(newList)) {
    try {
      managers = decodeManagers(newList);
    } catch (const core::Error&) {
      managers.clear();
    }
    if (managers.empty()) managers = decodeOrEmpty(liveList);
  }

  // skipNonAppliedManager: updates do not start tracking an existing object.
  if (managers.empty() && !creating) return core::Value(core::Array{});

  ApplyType type{schema, true};
  core::Value previous = creating ? core::Value(core::Object{}) : withoutManagedFields(oldObj);
  Manager identity{
      manager.empty() ? "unknown" : manager, false, apiVersion, subresource, std::nullopt, {}};
  recordUpdate(previous, withoutManagedFields(newObj), type, scope, managers, identity, now);
  capUpdateManagers(managers);
  return encodeManagers(std::move(managers));
}

}  // namespace driftless::kube
