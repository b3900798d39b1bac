#include "protobuf.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "driftless/core/base64.h"
#include "driftless/core/error.h"
#include "table.h"

namespace driftless::apiserver {

namespace {

// ---- wire format ----

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  [[nodiscard]] bool done() const { return pos_ >= data_.size(); }

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) throw core::Error("protobuf: truncated varint");
      auto b = static_cast<unsigned char>(data_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw core::Error("protobuf: varint too long");
  }

  std::string_view bytes() {
    std::uint64_t n = varint();
    if (n > data_.size() - pos_) throw core::Error("protobuf: truncated field");
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }

  void skip(int wireType) {
    switch (wireType) {
      case 0:
        varint();
        break;
      case 1:
        advance(8);
        break;
      case 2:
        bytes();
        break;
      case 5:
        advance(4);
        break;
      default:
        throw core::Error("protobuf: unsupported wire type " + std::to_string(wireType));
    }
  }

 private:
  void advance(std::size_t n) {
    if (n > data_.size() - pos_) throw core::Error("protobuf: truncated field");
    pos_ += n;
  }
  std::string_view data_;
  std::size_t pos_ = 0;
};

// ---- schemas (field numbers from k8s.io/api generated.proto) ----

enum class Kind { String, Bytes, Int, Bool, Time, Message, StringMap, BytesMap, Strings, Messages };

struct Message;
struct Field {
  int number;
  const char* name;
  Kind kind;
  const Message* message = nullptr;
};
struct Message {
  std::vector<Field> fields;
};

const Message kOwnerReference{{{1, "kind", Kind::String},
                               {3, "name", Kind::String},
                               {4, "uid", Kind::String},
                               {5, "apiVersion", Kind::String},
                               {6, "controller", Kind::Bool},
                               {7, "blockOwnerDeletion", Kind::Bool}}};
const Message kObjectMeta{{{1, "name", Kind::String},
                           {2, "generateName", Kind::String},
                           {3, "namespace", Kind::String},
                           {5, "uid", Kind::String},
                           {6, "resourceVersion", Kind::String},
                           {7, "generation", Kind::Int},
                           {8, "creationTimestamp", Kind::Time},
                           {11, "labels", Kind::StringMap},
                           {12, "annotations", Kind::StringMap},
                           {13, "ownerReferences", Kind::Messages, &kOwnerReference},
                           {14, "finalizers", Kind::Strings}}};
const Message kLocalObjectReference{{{1, "name", Kind::String}}};
const Message kConfigMap{{{1, "metadata", Kind::Message, &kObjectMeta},
                          {2, "data", Kind::StringMap},
                          {3, "binaryData", Kind::BytesMap},
                          {4, "immutable", Kind::Bool}}};
const Message kSecret{{{1, "metadata", Kind::Message, &kObjectMeta},
                       {2, "data", Kind::BytesMap},
                       {3, "type", Kind::String},
                       {4, "stringData", Kind::StringMap},
                       {5, "immutable", Kind::Bool}}};
const Message kNamespaceSpec{{{1, "finalizers", Kind::Strings}}};
const Message kNamespace{
    {{1, "metadata", Kind::Message, &kObjectMeta}, {2, "spec", Kind::Message, &kNamespaceSpec}}};
const Message kServiceAccount{{{1, "metadata", Kind::Message, &kObjectMeta},
                               {3, "imagePullSecrets", Kind::Messages, &kLocalObjectReference},
                               {4, "automountServiceAccountToken", Kind::Bool}}};
const Message kPolicyRule{{{1, "verbs", Kind::Strings},
                           {2, "apiGroups", Kind::Strings},
                           {3, "resources", Kind::Strings},
                           {4, "resourceNames", Kind::Strings},
                           {5, "nonResourceURLs", Kind::Strings}}};
const Message kRole{
    {{1, "metadata", Kind::Message, &kObjectMeta}, {2, "rules", Kind::Messages, &kPolicyRule}}};
const Message kSubject{{{1, "kind", Kind::String},
                        {2, "apiGroup", Kind::String},
                        {3, "name", Kind::String},
                        {4, "namespace", Kind::String}}};
const Message kRoleRef{
    {{1, "apiGroup", Kind::String}, {2, "kind", Kind::String}, {3, "name", Kind::String}}};
const Message kRoleBinding{{{1, "metadata", Kind::Message, &kObjectMeta},
                            {2, "subjects", Kind::Messages, &kSubject},
                            {3, "roleRef", Kind::Message, &kRoleRef}}};
const Message kPriorityClass{{{1, "metadata", Kind::Message, &kObjectMeta},
                              {2, "value", Kind::Int},
                              {3, "globalDefault", Kind::Bool},
                              {4, "description", Kind::String},
                              {5, "preemptionPolicy", Kind::String}}};

const std::map<std::string, const Message*>& knownKinds() {
  static const std::map<std::string, const Message*> kinds = {
      {"v1/ConfigMap", &kConfigMap},
      {"v1/Secret", &kSecret},
      {"v1/Namespace", &kNamespace},
      {"v1/ServiceAccount", &kServiceAccount},
      {"rbac.authorization.k8s.io/v1/Role", &kRole},
      {"rbac.authorization.k8s.io/v1/ClusterRole", &kRole},
      {"rbac.authorization.k8s.io/v1/RoleBinding", &kRoleBinding},
      {"rbac.authorization.k8s.io/v1/ClusterRoleBinding", &kRoleBinding},
      {"scheduling.k8s.io/v1/PriorityClass", &kPriorityClass},
  };
  return kinds;
}

const Field* fieldFor(const Message& m, int number) {
  for (const auto& f : m.fields) {
    if (f.number == number) return &f;
  }
  return nullptr;
}

std::pair<std::string, std::string_view> mapEntry(std::string_view entry) {
  Reader r(entry);
  std::string key;
  std::string_view value;
  while (!r.done()) {
    std::uint64_t tag = r.varint();
    int wire = static_cast<int>(tag & 7);
    if (wire != 2) {
      r.skip(wire);
      continue;
    }
    if ((tag >> 3) == 1) {
      key = std::string(r.bytes());
    } else if ((tag >> 3) == 2) {
      value = r.bytes();
    } else {
      r.bytes();
    }
  }
  return {key, value};
}

core::Value decodeTime(std::string_view data) {
  Reader r(data);
  std::int64_t seconds = 0;
  while (!r.done()) {
    std::uint64_t tag = r.varint();
    if ((tag >> 3) == 1 && (tag & 7) == 0) {
      seconds = static_cast<std::int64_t>(r.varint());
    } else {
      r.skip(static_cast<int>(tag & 7));
    }
  }
  if (seconds == 0) return core::Value();
  return core::formatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(seconds)));
}

core::Value decodeMessage(std::string_view data, const Message& schema) {
  Reader r(data);
  core::Value out = core::Object{};
  while (!r.done()) {
    std::uint64_t tag = r.varint();
    int wire = static_cast<int>(tag & 7);
    const Field* f = fieldFor(schema, static_cast<int>(tag >> 3));
    if (f == nullptr) {
      r.skip(wire);
      continue;
    }
    if ((f->kind == Kind::Int || f->kind == Kind::Bool) != (wire == 0)) {
      throw core::Error(std::string("protobuf: wrong wire type for ") + f->name);
    }
    switch (f->kind) {
      case Kind::String: {
        std::string_view s = r.bytes();
        if (!s.empty()) out[f->name] = std::string(s);
        break;
      }
      case Kind::Bytes:
        out[f->name] = core::base64Encode(r.bytes());
        break;
      case Kind::Int: {
        auto v = static_cast<std::int64_t>(r.varint());
        if (v != 0) out[f->name] = v;
        break;
      }
      case Kind::Bool: {
        bool b = r.varint() != 0;
        if (b) out[f->name] = true;
        break;
      }
      case Kind::Time: {
        core::Value t = decodeTime(r.bytes());
        if (!t.isNull()) out[f->name] = std::move(t);
        break;
      }
      case Kind::Message: {
        core::Value m = decodeMessage(r.bytes(), *f->message);
        if (m.size() > 0) out[f->name] = std::move(m);
        break;
      }
      case Kind::StringMap:
      case Kind::BytesMap: {
        auto [key, value] = mapEntry(r.bytes());
        out[f->name][key] =
            f->kind == Kind::BytesMap ? core::base64Encode(value) : std::string(value);
        break;
      }
      case Kind::Strings:
        out[f->name].push_back(std::string(r.bytes()));
        break;
      case Kind::Messages:
        out[f->name].push_back(decodeMessage(r.bytes(), *f->message));
        break;
    }
  }
  return out;
}

}  // namespace

std::optional<core::Value> decodeKubernetesProtobuf(std::string_view body) {
  constexpr std::string_view kMagic("k8s\0", 4);
  if (body.substr(0, 4) != kMagic) throw core::Error("protobuf: missing the k8s envelope");
  Reader r(body.substr(4));
  std::string apiVersion;
  std::string kind;
  std::string_view raw;
  while (!r.done()) {
    std::uint64_t tag = r.varint();
    int wire = static_cast<int>(tag & 7);
    if (wire != 2) {
      r.skip(wire);
      continue;
    }
    std::string_view value = r.bytes();
    if ((tag >> 3) == 1) {
      Reader tm(value);
      while (!tm.done()) {
        std::uint64_t t = tm.varint();
        if ((t & 7) != 2) {
          tm.skip(static_cast<int>(t & 7));
          continue;
        }
        std::string_view s = tm.bytes();
        if ((t >> 3) == 1) apiVersion = std::string(s);
        if ((t >> 3) == 2) kind = std::string(s);
      }
    } else if ((tag >> 3) == 2) {
      raw = value;
    }
  }
  auto it = knownKinds().find(apiVersion + "/" + kind);
  if (it == knownKinds().end()) return std::nullopt;
  core::Value obj = core::Object{{"apiVersion", apiVersion}, {"kind", kind}};
  core::Value decoded = decodeMessage(raw, *it->second);
  for (auto& m : decoded.asObject())
    obj[m.key] = std::move(m.value);
  return obj;
}

}  // namespace driftless::apiserver
