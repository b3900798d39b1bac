#include "event_payload.h"

#include <array>
#include <cstdio>
#include <ctime>
#include <random>

#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/random.h"

namespace driftless::runtime::events {
namespace {

const std::string& stringAt(const core::Value& object, std::string_view key) {
  static const std::string kEmpty;
  const core::Value& v = object[key];
  return v.isString() ? v.asString() : kEmpty;
}

void setIfNotEmpty(core::Object& out, std::string_view key, const std::string& value) {
  if (!value.empty()) out.append(std::string(key), value);
}

core::Value metadataValue(const Metadata& metadata) {
  core::Object out;
  // std::map iterates in bytewise key order, which is how Go's json.Marshal prints a map.
  for (const auto& [k, v] : metadata)
    out.append(k, v);
  return out;
}

bool isUtf8Continuation(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

}  // namespace

ObjectReference ObjectReference::of(const core::Value& object) {
  ObjectReference ref;
  ref.kind = stringAt(object, "kind");
  ref.apiVersion = stringAt(object, "apiVersion");
  const core::Value& meta = object["metadata"];
  ref.name = stringAt(meta, "name");
  ref.namespace_ = stringAt(meta, "namespace");
  ref.uid = stringAt(meta, "uid");
  ref.resourceVersion = stringAt(meta, "resourceVersion");
  if (ref.kind.empty() || ref.apiVersion.empty())
    throw core::Error("the object has no apiVersion or kind");
  if (ref.name.empty()) throw core::Error("the object has no metadata.name");
  return ref;
}

core::Value ObjectReference::toValue() const {
  core::Object out;
  setIfNotEmpty(out, "kind", kind);
  setIfNotEmpty(out, "namespace", namespace_);
  setIfNotEmpty(out, "name", name);
  setIfNotEmpty(out, "uid", uid);
  setIfNotEmpty(out, "apiVersion", apiVersion);
  setIfNotEmpty(out, "resourceVersion", resourceVersion);
  return out;
}

std::string apiGroupOf(std::string_view apiVersion) {
  auto slash = apiVersion.find('/');
  if (slash == std::string_view::npos) return {};
  return std::string(apiVersion.substr(0, slash));
}

Metadata eventMetadata(const core::Value& object, const Metadata& metadata) {
  Metadata out;
  const std::string group = apiGroupOf(stringAt(object, "apiVersion"));
  for (const auto& [key, value] : metadata) {
    if (group.empty() || key.find('/') != std::string::npos)
      out[key] = value;
    else
      out[group + "/" + key] = value;
  }
  const std::string prefix = std::string(kEventGroup) + "/";
  const core::Value& annotations = object["metadata"]["annotations"];
  if (annotations.isObject()) {
    for (const auto& m : annotations.asObject()) {
      if (m.key.starts_with(prefix) && m.value.isString()) out[m.key] = m.value.asString();
    }
  }
  return out;
}

std::string truncateMessage(std::string_view message, std::size_t max) {
  static constexpr std::string_view kSuffix = "...";
  if (message.size() <= max) return std::string(message);
  std::size_t keep = max > kSuffix.size() ? max - kSuffix.size() : 0;
  while (keep > 0 && isUtf8Continuation(message[keep]))
    --keep;
  std::string out(message.substr(0, keep));
  out += kSuffix;
  return out;
}

std::string_view severityOf(EventType type) noexcept {
  switch (type) {
    case EventType::Warning:
      return "error";
    case EventType::Trace:
      return "trace";
    case EventType::Normal:
      break;
  }
  return "info";
}

std::string_view kubeEventTypeOf(EventType type) noexcept {
  return type == EventType::Warning ? "Warning" : "Normal";
}

std::int64_t unixNanos(SystemClock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

bool isDnsSubdomain(std::string_view name) noexcept {
  // RFC 1123 subdomain: dot-separated labels of [a-z0-9-] that start and end alphanumeric.
  if (name.empty() || name.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  char prev = '.';
  for (char c : name) {
    if (c == '.') {
      if (!alnum(prev)) return false;
    } else if (c == '-') {
      if (prev == '.') return false;
    } else if (!alnum(c)) {
      return false;
    }
    prev = c;
  }
  return alnum(prev);
}

std::string eventName(std::string_view objectName, SystemClock::time_point t) {
  std::array<char, 24> hex{};
  int n =
      std::snprintf(hex.data(), hex.size(), "%llx", static_cast<unsigned long long>(unixNanos(t)));
  std::string name(objectName);
  name += '.';
  name.append(hex.data(), static_cast<std::size_t>(n));
  return isDnsSubdomain(name) ? name : core::newUuidV4();
}

core::Value ForwardedEvent::toValue() const {
  core::Object out;
  out.append("involvedObject", involvedObject.toValue());
  out.append("severity", severity);
  out.append("timestamp", timestamp);
  out.append("message", message);
  out.append("reason", reason);
  if (!metadata.empty()) out.append("metadata", metadataValue(metadata));
  out.append("reportingController", reportingController);
  setIfNotEmpty(out, "reportingInstance", reportingInstance);
  return out;
}

std::string ForwardedEvent::toJson() const {
  return core::toJson(toValue());
}

namespace {

std::string stringField(const core::Value& object, std::string_view key) {
  const core::Value& v = object[key];
  if (v.isNull()) return {};
  if (!v.isString())
    throw core::Error("json: cannot unmarshal " + std::string(v.typeName()) + " into field " +
                      std::string(key) + " of type string");
  return v.asString();
}

}  // namespace

ForwardedEvent ForwardedEvent::fromValue(const core::Value& value) {
  if (!value.isObject())
    throw core::Error("json: cannot unmarshal " + std::string(value.typeName()) + " into an event");
  ForwardedEvent e;
  const core::Value& ref = value["involvedObject"];
  if (!ref.isNull() && !ref.isObject())
    throw core::Error("json: cannot unmarshal " + std::string(ref.typeName()) +
                      " into field involvedObject");
  e.involvedObject.kind = stringField(ref, "kind");
  e.involvedObject.namespace_ = stringField(ref, "namespace");
  e.involvedObject.name = stringField(ref, "name");
  e.involvedObject.uid = stringField(ref, "uid");
  e.involvedObject.apiVersion = stringField(ref, "apiVersion");
  e.involvedObject.resourceVersion = stringField(ref, "resourceVersion");
  e.severity = stringField(value, "severity");
  e.timestamp = stringField(value, "timestamp");
  e.message = stringField(value, "message");
  e.reason = stringField(value, "reason");
  e.reportingController = stringField(value, "reportingController");
  e.reportingInstance = stringField(value, "reportingInstance");
  const core::Value& meta = value["metadata"];
  if (meta.isObject()) {
    for (const auto& m : meta.asObject())
      e.metadata[m.key] = m.value.isString() ? m.value.asString() : core::toJson(m.value);
  } else if (!meta.isNull()) {
    throw core::Error("json: cannot unmarshal " + std::string(meta.typeName()) +
                      " into field metadata of type map[string]string");
  }
  return e;
}

core::Value KubeEvent::toValue() const {
  core::Object meta;
  meta.append("name", name);
  meta.append("namespace", namespace_);
  setIfNotEmpty(meta, "resourceVersion", resourceVersion);
  if (!annotations.empty()) meta.append("annotations", metadataValue(annotations));

  core::Object source;
  setIfNotEmpty(source, "component", sourceComponent);
  setIfNotEmpty(source, "host", sourceHost);

  core::Object out;
  out.append("apiVersion", "v1");
  out.append("kind", "Event");
  out.append("metadata", std::move(meta));
  out.append("involvedObject", involvedObject.toValue());
  out.append("reason", reason);
  out.append("message", message);
  out.append("source", std::move(source));
  out.append("firstTimestamp", firstTimestamp);
  out.append("lastTimestamp", lastTimestamp);
  out.append("count", count);
  out.append("type", type);
  setIfNotEmpty(out, "reportingComponent", reportingController);
  setIfNotEmpty(out, "reportingInstance", reportingInstance);
  return out;
}

KubeEvent makeKubeEvent(const ObjectReference& ref, const Metadata& annotations,
                        std::string_view type, std::string_view reason, std::string_view message,
                        SystemClock::time_point t, std::string_view controller,
                        std::string_view instance) {
  KubeEvent e;
  e.namespace_ = ref.namespace_.empty() ? "default" : ref.namespace_;
  e.name = eventName(ref.name, t);
  e.annotations = annotations;
  e.involvedObject = ref;
  e.reason = reason;
  e.message = message;
  e.type = type;
  e.sourceComponent = controller;
  e.reportingController = controller;
  e.reportingInstance = instance;
  e.count = 1;
  e.firstTimestamp = formatRfc3339(t);
  e.lastTimestamp = e.firstTimestamp;
  return e;
}

}  // namespace driftless::runtime::events
