#pragma once

// api::ObjectMeta: the metadata of an API object (metav1.ObjectMeta). The fields controllers use
// are typed; ownerReferences and managedFields stay values, and every other key is kept in
// `extra`, so that toValue(fromValue(x)) keeps all of x (empty fields are omitted, as in Go).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/value.h"

namespace driftless::api {

struct ObjectMeta {
  std::string name;
  std::string generateName;
  std::string namespace_;  // JSON `namespace`
  std::string uid;
  std::string resourceVersion;
  std::int64_t generation = 0;
  std::string creationTimestamp;  // RFC 3339
  std::string deletionTimestamp;  // RFC 3339
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  core::Value ownerReferences;  // an array, or null when absent
  std::vector<std::string> finalizers;
  core::Value managedFields;  // an array, or null when absent
  core::Object extra;         // every other key (e.g. deletionGracePeriodSeconds), in order

  // Throws core::TypeError naming the path (`metadata.labels.app: expected string, got number`).
  static ObjectMeta fromValue(const core::Value& value, std::string_view path = "metadata");
  [[nodiscard]] core::Value toValue() const;

  [[nodiscard]] const std::string* label(std::string_view key) const;
  [[nodiscard]] const std::string* annotation(std::string_view key) const;

  bool operator==(const ObjectMeta&) const = default;
};

}  // namespace driftless::api
