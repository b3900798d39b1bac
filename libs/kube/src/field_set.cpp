#include "driftless/kube/field_set.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <utility>

#include "apply_schema.h"
#include "driftless/core/error.h"
#include "driftless/core/go_format.h"
#include "driftless/core/json.h"

namespace driftless::kube {

// ---- values ----

namespace {

int sign(double a, double b) {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

template <typename T>
int sign3(const T& a, const T& b) {
  if (a < b) return -1;
  if (b < a) return 1;
  return 0;
}

// A copy with object members sorted by key at every level (how Go prints maps).
core::Value sortedCopy(const core::Value& value) {
  if (value.isArray()) {
    core::Array out;
    out.reserve(value.asArray().size());
    for (const auto& item : value.asArray())
      out.push_back(sortedCopy(item));
    return out;
  }
  if (!value.isObject()) return value;
  std::vector<const core::Member*> members;
  for (const auto& m : value.asObject())
    members.push_back(&m);
  std::sort(members.begin(), members.end(),
            [](const core::Member* a, const core::Member* b) { return a->key < b->key; });
  core::Object out;
  out.reserve(members.size());
  for (const auto* m : members)
    out.append(m->key, sortedCopy(m->value));
  return out;
}

// structured-merge-diff's value.ToString.
void appendValueString(std::string& out, const core::Value& v) {
  switch (v.type()) {
    case core::Value::Type::Null:
      out += "null";
      break;
    case core::Value::Type::Bool:
      out += v.asBool() ? "true" : "false";
      break;
    case core::Value::Type::Int:
      out += std::to_string(v.asInt());
      break;
    case core::Value::Type::Double:
      out += core::formatJsonNumber(v.asDouble());
      break;
    case core::Value::Type::String:
      out += core::goQuote(v.asString());
      break;
    case core::Value::Type::Array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.asArray()) {
        if (!first) out += ',';
        first = false;
        appendValueString(out, item);
      }
      out += ']';
      break;
    }
    case core::Value::Type::Object: {
      // Go iterates maps in random order; sorted is as good and stable.
      core::Value sorted = sortedCopy(v);
      for (const auto& m : sorted.asObject()) {
        out += m.key;
        out += '=';
        appendValueString(out, m.value);
      }
      break;
    }
  }
}

}  // namespace

int compareValues(const core::Value& a, const core::Value& b) {
  if (a.isDouble()) {
    if (b.isDouble() || b.isInt()) return sign(a.asDouble(), b.asDouble());
    return -1;
  }
  if (b.isDouble()) return a.isInt() ? sign(a.asDouble(), b.asDouble()) : 1;
  if (a.isInt()) return b.isInt() ? sign3(a.asInt(), b.asInt()) : -1;
  if (b.isInt()) return 1;
  if (a.isString()) return b.isString() ? sign3(a.asString(), b.asString()) : -1;
  if (b.isString()) return 1;
  if (a.isBool()) return b.isBool() ? sign3(a.asBool(), b.asBool()) : -1;
  if (b.isBool()) return 1;
  if (a.isArray()) {
    if (!b.isArray()) return -1;
    const auto& l = a.asArray();
    const auto& r = b.asArray();
    for (std::size_t i = 0;; ++i) {
      if (i >= l.size() && i >= r.size()) return 0;
      if (i >= l.size()) return -1;
      if (i >= r.size()) return 1;
      if (int c = compareValues(l[i], r[i]); c != 0) return c;
    }
  }
  if (b.isArray()) return 1;
  if (a.isObject()) {
    if (!b.isObject()) return -1;
    // value.MapCompare: walk the union of keys in lexical order.
    const auto& l = a.asObject();
    const auto& r = b.asObject();
    if (l.empty() && r.empty()) return 0;
    std::vector<std::string_view> keys;
    for (const auto& m : l)
      keys.push_back(m.key);
    for (const auto& m : r)
      if (!l.contains(m.key)) keys.push_back(m.key);
    std::sort(keys.begin(), keys.end());
    std::size_t i = 0;
    for (std::string_view key : keys) {
      const core::Value* lv = l.find(key);
      const core::Value* rv = r.find(key);
      int c = 0;
      if (i == l.size()) {
        c = -1;
      } else if (i == r.size()) {
        c = 1;
      } else if (lv == nullptr) {
        c = 1;
      } else if (rv == nullptr) {
        c = -1;
      } else {
        c = compareValues(*lv, *rv);
      }
      ++i;
      if (c != 0) return c;
    }
    return 0;
  }
  if (b.isObject()) return 1;
  return 0;  // both null
}

// ---- path elements ----

FieldPathElement FieldPathElement::field(std::string name) {
  FieldPathElement e;
  e.type_ = Type::Field;
  e.name_ = std::move(name);
  return e;
}

FieldPathElement FieldPathElement::key(KeyFields fields) {
  FieldPathElement e;
  e.type_ = Type::Key;
  std::stable_sort(fields.begin(), fields.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  e.key_ = std::move(fields);
  return e;
}

FieldPathElement FieldPathElement::value(core::Value value) {
  FieldPathElement e;
  e.type_ = Type::Value;
  e.value_ = std::move(value);
  return e;
}

FieldPathElement FieldPathElement::index(std::int64_t index) {
  FieldPathElement e;
  e.type_ = Type::Index;
  e.index_ = index;
  return e;
}

std::optional<FieldPathElement> FieldPathElement::parse(std::string_view text) {
  if (text.size() < 2) {
    throw core::Error("invalid managed field path element \"" + std::string(text) +
                      "\": key must be 2 characters long");
  }
  if (text[1] != ':') throw core::Error("missing colon: " + std::string(text));
  std::string_view rest = text.substr(2);
  switch (text[0]) {
    case 'f':
      return field(std::string(rest));
    case 'v':
      return value(core::parseJson(rest, "managed field value"));
    case 'k': {
      core::Value parsed = core::parseJson(rest, "managed field key");
      if (!parsed.isObject()) {
        throw core::Error("invalid managed field key " + std::string(text) +
                          ": expected a JSON object");
      }
      KeyFields fields;
      for (auto& m : parsed.asObject())
        fields.emplace_back(m.key, std::move(m.value));
      return key(std::move(fields));
    }
    case 'i': {
      std::int64_t i = 0;
      std::string_view digits = rest;
      if (digits.starts_with('+')) digits.remove_prefix(1);
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
      if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) {
        throw core::Error("invalid managed field index " + std::string(text));
      }
      return index(i);
    }
    default:
      return std::nullopt;
  }
}

std::string FieldPathElement::serialize() const {
  core::JsonPrintOptions options;
  options.sortKeys = true;
  switch (type_) {
    case Type::Field:
      return "f:" + name_;
    case Type::Key: {
      std::string out = "k:{";
      bool first = true;
      for (const auto& [name, v] : key_) {
        if (!first) out += ',';
        first = false;
        core::appendJsonString(out, name, false);
        out += ':';
        core::appendJson(out, v, options);
      }
      out += '}';
      return out;
    }
    case Type::Value:
      return "v:" + core::toJson(value_, options);
    case Type::Index:
      return "i:" + std::to_string(index_);
  }
  return {};
}

std::string FieldPathElement::toString() const {
  std::string out;
  switch (type_) {
    case Type::Field:
      out += '.';
      out += name_;
      break;
    case Type::Key: {
      out += '[';
      bool first = true;
      for (const auto& [name, v] : key_) {
        if (!first) out += ',';
        first = false;
        out += name;
        out += '=';
        appendValueString(out, v);
      }
      out += ']';
      break;
    }
    case Type::Value:
      out += "[=";
      appendValueString(out, value_);
      out += ']';
      break;
    case Type::Index:
      out += "[" + std::to_string(index_) + "]";
      break;
  }
  return out;
}

int FieldPathElement::compare(const FieldPathElement& other) const {
  if (type_ != other.type_) return type_ < other.type_ ? -1 : 1;
  switch (type_) {
    case Type::Field: {
      int c = name_.compare(other.name_);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case Type::Key:
      for (std::size_t i = 0;; ++i) {
        if (i >= key_.size() && i >= other.key_.size()) return 0;
        if (i >= key_.size()) return -1;
        if (i >= other.key_.size()) return 1;
        int c = key_[i].first.compare(other.key_[i].first);
        if (c != 0) return c < 0 ? -1 : 1;
        c = compareValues(key_[i].second, other.key_[i].second);
        if (c != 0) return c;
      }
    case Type::Value:
      return compareValues(value_, other.value_);
    case Type::Index:
      return sign3(index_, other.index_);
  }
  return 0;
}

std::string formatFieldPath(const FieldPath& path) {
  std::string out;
  for (const auto& e : path)
    out += e.toString();
  return out;
}

// ---- sets ----

namespace {

auto findMember(const std::vector<FieldPathElement>& members, const FieldPathElement& e) {
  return std::lower_bound(members.begin(), members.end(), e);
}

template <typename Children>
auto findChild(Children& children, const FieldPathElement& e) {
  return std::lower_bound(
      children.begin(), children.end(), e,
      [](const auto& child, const FieldPathElement& x) { return child.element.compare(x) < 0; });
}

bool hasMember(const std::vector<FieldPathElement>& members, const FieldPathElement& e) {
  auto it = findMember(members, e);
  return it != members.end() && *it == e;
}

// Reads one FieldsV1 node into `children`; returns whether the node is itself a member
// (upstream readIterV1).
bool readNode(const core::Value& node, FieldSet& children) {
  bool isMember = false;
  bool haveChildren = false;
  if (!node.isNull() && !node.isObject()) {
    throw core::Error(std::string("invalid managed fields: expected an object, found ") +
                      node.typeName());
  }
  if (node.isObject()) {
    for (const auto& m : node.asObject()) {
      if (m.key == ".") {
        isMember = true;
        continue;
      }
      std::optional<FieldPathElement> element = FieldPathElement::parse(m.key);
      if (!element) continue;
      FieldSet grandchildren;
      bool childIsMember = readNode(m.value, grandchildren);
      if (childIsMember) {
        children.insertMember(*element);
        haveChildren = true;
      }
      if (!grandchildren.empty()) {
        children.descend(*element) = std::move(grandchildren);
        haveChildren = true;
      }
    }
  }
  if (!haveChildren) isMember = true;
  return isMember;
}

}  // namespace

FieldSet FieldSet::fromFieldsV1(const core::Value& fields) {
  FieldSet set;
  readNode(fields, set);
  return set;
}

void FieldSet::appendFieldsV1(core::Object& out, bool includeSelf) const {
  if (includeSelf && !(members_.empty() && children_.empty())) out.append(".", core::Object{});
  std::size_t mi = 0;
  std::size_t ci = 0;
  while (mi < members_.size() || ci < children_.size()) {
    int c = 0;
    if (mi == members_.size()) {
      c = 1;
    } else if (ci == children_.size()) {
      c = -1;
    } else {
      c = members_[mi].compare(children_[ci].element);
    }
    if (c < 0) {
      out.append(members_[mi].serialize(), core::Object{});
      ++mi;
      continue;
    }
    core::Object inner;
    children_[ci].set.appendFieldsV1(inner, c == 0);
    out.append(children_[ci].element.serialize(), std::move(inner));
    if (c == 0) ++mi;
    ++ci;
  }
}

core::Value FieldSet::toFieldsV1() const {
  core::Object out;
  appendFieldsV1(out, false);
  return out;
}

std::string FieldSet::toJson() const {
  return core::toJson(toFieldsV1());
}

void FieldSet::insertMember(const FieldPathElement& element) {
  auto it = findMember(members_, element);
  if (it == members_.end() || !(*it == element)) members_.insert(it, element);
}

FieldSet& FieldSet::descend(const FieldPathElement& element) {
  auto it = findChild(children_, element);
  if (it == children_.end() || !(it->element == element)) {
    it = children_.insert(it, Child{element, FieldSet{}});
  }
  return it->set;
}

const FieldSet* FieldSet::child(const FieldPathElement& element) const {
  auto it = findChild(children_, element);
  if (it == children_.end() || !(it->element == element)) return nullptr;
  return &it->set;
}

void FieldSet::insert(const FieldPath& path) {
  if (path.empty()) return;
  FieldSet* s = this;
  for (std::size_t i = 0; i + 1 < path.size(); ++i)
    s = &s->descend(path[i]);
  s->insertMember(path.back());
}

bool FieldSet::contains(const FieldPath& path) const {
  if (path.empty()) return false;
  const FieldSet* s = this;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    s = s->child(path[i]);
    if (s == nullptr) return false;
  }
  return hasMember(s->members_, path.back());
}

bool FieldSet::empty() const noexcept {
  if (!members_.empty()) return false;
  return std::all_of(children_.begin(), children_.end(),
                     [](const Child& c) { return c.set.empty(); });
}

std::size_t FieldSet::size() const noexcept {
  std::size_t n = members_.size();
  for (const auto& c : children_)
    n += c.set.size();
  return n;
}

FieldSet FieldSet::unionWith(const FieldSet& other) const {
  FieldSet out;
  std::set_union(members_.begin(), members_.end(), other.members_.begin(), other.members_.end(),
                 std::back_inserter(out.members_));
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < children_.size() || j < other.children_.size()) {
    int c = i == children_.size() ? 1
            : j == other.children_.size()
                ? -1
                : children_[i].element.compare(other.children_[j].element);
    if (c < 0) {
      out.children_.push_back(children_[i++]);
    } else if (c > 0) {
      out.children_.push_back(other.children_[j++]);
    } else {
      out.children_.push_back(
          Child{children_[i].element, children_[i].set.unionWith(other.children_[j].set)});
      ++i;
      ++j;
    }
  }
  return out;
}

FieldSet FieldSet::intersection(const FieldSet& other) const {
  FieldSet out;
  std::set_intersection(members_.begin(), members_.end(), other.members_.begin(),
                        other.members_.end(), std::back_inserter(out.members_));
  for (const auto& c : children_) {
    const FieldSet* o = other.child(c.element);
    if (o == nullptr) continue;
    FieldSet both = c.set.intersection(*o);
    if (!both.empty()) out.children_.push_back(Child{c.element, std::move(both)});
  }
  return out;
}

FieldSet FieldSet::difference(const FieldSet& other) const {
  FieldSet out;
  std::set_difference(members_.begin(), members_.end(), other.members_.begin(),
                      other.members_.end(), std::back_inserter(out.members_));
  for (const auto& c : children_) {
    const FieldSet* o = other.child(c.element);
    if (o == nullptr) {
      out.children_.push_back(c);
      continue;
    }
    FieldSet rest = c.set.difference(*o);
    if (!rest.empty()) out.children_.push_back(Child{c.element, std::move(rest)});
  }
  return out;
}

FieldSet FieldSet::recursiveDifference(const FieldSet& other) const {
  FieldSet out;
  std::set_difference(members_.begin(), members_.end(), other.members_.begin(),
                      other.members_.end(), std::back_inserter(out.members_));
  for (const auto& c : children_) {
    if (hasMember(other.members_, c.element)) continue;
    const FieldSet* o = other.child(c.element);
    if (o == nullptr) {
      out.children_.push_back(c);
      continue;
    }
    FieldSet rest = c.set.recursiveDifference(*o);
    if (!rest.empty()) out.children_.push_back(Child{c.element, std::move(rest)});
  }
  return out;
}

FieldSet FieldSet::withPrefix(const FieldPathElement& element) const {
  const FieldSet* c = child(element);
  return c != nullptr ? *c : FieldSet{};
}

void FieldSet::forEachPrefixed(FieldPath& prefix,
                               const std::function<void(const FieldPath&)>& f) const {
  for (const auto& m : members_) {
    prefix.push_back(m);
    f(prefix);
    prefix.pop_back();
  }
  for (const auto& c : children_) {
    prefix.push_back(c.element);
    c.set.forEachPrefixed(prefix, f);
    prefix.pop_back();
  }
}

void FieldSet::forEach(const std::function<void(const FieldPath&)>& f) const {
  FieldPath prefix;
  forEachPrefixed(prefix, f);
}

std::vector<FieldPath> FieldSet::paths() const {
  std::vector<FieldPath> out;
  forEach([&](const FieldPath& p) { out.push_back(p); });
  return out;
}

bool operator==(const FieldSet& a, const FieldSet& b) {
  return a.members_ == b.members_ && a.children_ == b.children_;
}

FieldSet scopeFieldSet(const FieldSet& set, FieldScope scope) {
  static const FieldPathElement status = FieldPathElement::field("status");
  switch (scope) {
    case FieldScope::All:
      return set;
    case FieldScope::IgnoreStatus: {
      FieldSet statusSet;
      statusSet.insert({status});
      return set.recursiveDifference(statusSet);
    }
    case FieldScope::StatusOnly: {
      FieldSet out;
      if (set.contains({status})) out.insertMember(status);
      if (const FieldSet* below = set.child(status); below != nullptr && !below->empty()) {
        out.descend(status) = *below;
      }
      return out;
    }
  }
  return set;
}

// ---- schema walks ----

namespace detail {

namespace {

// ObjectMeta as kube's OpenAPI describes it, for objects whose schema leaves `metadata` open
// (custom resources: kube merges ObjectMeta into their schema).
const PatchSchema& objectMetaSchema() {
  static const PatchSchema schema = PatchSchema::fromJsonSchema(core::parseJson(R"({
    "type": "object",
    "properties": {
      "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
      "labels": {"type": "object", "additionalProperties": {"type": "string"}},
      "finalizers": {"type": "array", "items": {"type": "string"},
                     "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge"},
      "ownerReferences": {
        "type": "array",
        "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["uid"],
        "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "uid",
        "items": {"type": "object", "x-kubernetes-map-type": "atomic",
                  "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                 "name": {"type": "string"}, "uid": {"type": "string"},
                                 "controller": {"type": "boolean"},
                                 "blockOwnerDeletion": {"type": "boolean"}}}},
      "managedFields": {"type": "array", "items": {"type": "object"},
                        "x-kubernetes-list-type": "atomic"},
      "name": {"type": "string"}, "generateName": {"type": "string"},
      "namespace": {"type": "string"}, "selfLink": {"type": "string"},
      "uid": {"type": "string"}, "resourceVersion": {"type": "string"},
      "generation": {"type": "integer"}, "creationTimestamp": {"type": "string"},
      "deletionTimestamp": {"type": "string"},
      "deletionGracePeriodSeconds": {"type": "integer"}
    }
  })",
                                                                                "ObjectMeta"));
  return schema;
}

std::string goQuotedList(const std::vector<std::string>& names) {
  std::string out = "[";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ' ';
    out += core::goQuote(names[i]);
  }
  out += ']';
  return out;
}

void walkFieldSet(const core::Value& value, const ApplyType& type, FieldPath& path, FieldSet& set) {
  switch (shapeOf(type, value)) {
    case ApplyShape::Leaf:
      set.insert(path);
      return;
    case ApplyShape::Map:
      for (const auto& m : value.asObject()) {
        path.push_back(FieldPathElement::field(m.key));
        walkFieldSet(m.value, memberType(type, m.key), path, set);
        if (m.value.isNull() || (m.value.isObject() && m.value.asObject().empty()) ||
            !isNamedField(type, m.key)) {
          set.insert(path);
        }
        path.pop_back();
      }
      return;
    case ApplyShape::List: {
      const auto& items = value.asArray();
      std::vector<FieldPathElement> elements;
      elements.reserve(items.size());
      std::map<FieldPathElement, int> counts;
      for (std::size_t i = 0; i < items.size(); ++i) {
        try {
          elements.push_back(listItemElement(type, items[i]));
        } catch (const core::Error& e) {
          throw core::Error(elementError(path, i, e.what()));
        }
        ++counts[elements.back()];
      }
      ApplyType item = itemType(type);
      for (const auto& [element, count] : counts) {
        if (count > 1) {
          path.push_back(element);
          set.insert(path);
          path.pop_back();
        }
      }
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (counts[elements[i]] > 1) continue;
        path.push_back(elements[i]);
        walkFieldSet(items[i], item, path, set);
        set.insert(path);
        path.pop_back();
      }
      return;
    }
  }
}

}  // namespace

ApplyShape shapeOf(const ApplyType& type, const core::Value& value) {
  SchemaKind kind = type.schema.kind();
  if (value.isObject()) {
    if (kind == SchemaKind::Unknown) return ApplyShape::Map;
    if (kind == SchemaKind::Struct || kind == SchemaKind::Map) {
      return type.schema.mapType() == "atomic" ? ApplyShape::Leaf : ApplyShape::Map;
    }
    return ApplyShape::Leaf;
  }
  if (value.isArray()) {
    if (kind != SchemaKind::List) return ApplyShape::Leaf;
    std::string_view listType = type.schema.listType();
    return listType == "set" || listType == "map" ? ApplyShape::List : ApplyShape::Leaf;
  }
  return ApplyShape::Leaf;
}

ApplyType memberType(const ApplyType& type, std::string_view key) {
  if (type.root && key == "metadata") {
    PatchSchema declared = type.schema.field(key);
    if (!declared.isStruct()) return {objectMetaSchema(), false};
    return {declared, false};
  }
  return {type.schema.field(key), false};
}

ApplyType itemType(const ApplyType& type) {
  return {type.schema.items(), false};
}

bool isNamedField(const ApplyType& type, std::string_view key) {
  return (type.root && key == "metadata") || type.schema.hasField(key);
}

FieldPathElement listItemElement(const ApplyType& list, const core::Value& item) {
  if (list.schema.listType() == "map") {
    if (item.isNull()) throw core::Error("associative list with keys may not have a null element");
    if (!item.isObject()) {
      throw core::Error("associative list with keys may not have non-map elements");
    }
    std::vector<std::string> keys = list.schema.listMapKeys();
    PatchSchema itemSchema = list.schema.items();
    FieldPathElement::KeyFields fields;
    for (const auto& key : keys) {
      if (const core::Value* v = item.find(key)) {
        fields.emplace_back(key, *v);
      } else if (const core::Value* def = itemSchema.field(key).defaultValue()) {
        fields.emplace_back(key, *def);
      } else if (key == "protocol") {
        // The built-in lists keyed by protocol (container, service and endpoint ports) default it
        // to TCP; the published OpenAPI documents do not always carry that default.
        fields.emplace_back(key, "TCP");
      }
    }
    if (!keys.empty() && fields.empty()) {
      throw core::Error("associative list with keys has an element that omits all key fields " +
                        goQuotedList(keys) +
                        " (and doesn't have default values for any key fields)");
    }
    return FieldPathElement::key(std::move(fields));
  }
  if (item.isObject()) {
    throw core::Error("associative list without keys has an element that's a map type");
  }
  if (item.isArray()) throw core::Error("not supported: associative list with lists as elements");
  if (item.isNull()) {
    throw core::Error("associative list without keys has an element that's an explicit null");
  }
  return FieldPathElement::value(item);
}

FieldSet rawFieldSet(const core::Value& value, const ApplyType& type) {
  FieldSet set;
  FieldPath path;
  walkFieldSet(value, type, path, set);
  return set;
}

const FieldSet& strippedFields() {
  static const FieldSet set = [] {
    FieldSet s;
    s.insert({FieldPathElement::field("apiVersion")});
    s.insert({FieldPathElement::field("kind")});
    s.insert({FieldPathElement::field("metadata")});
    for (const char* name :
         {"name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation",
          "managedFields", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"}) {
      s.insert({FieldPathElement::field("metadata"), FieldPathElement::field(name)});
    }
    return s;
  }();
  return set;
}

std::string elementError(const FieldPath& path, std::size_t index, std::string_view problem) {
  std::string out = formatFieldPath(path);
  if (!out.empty()) out += ": ";
  out += "element " + std::to_string(index) + ": ";
  out += problem;
  return out;
}

}  // namespace detail

FieldSet fieldSetOf(const core::Value& obj, const PatchSchema& schema, FieldScope scope) {
  FieldSet set = detail::rawFieldSet(obj, detail::ApplyType{schema, true});
  return scopeFieldSet(set.difference(detail::strippedFields()), scope);
}

}  // namespace driftless::kube
