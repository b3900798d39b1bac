#include "driftless/kube/secret.h"

#include "driftless/core/base64.h"

namespace driftless::kube {

std::map<std::string, std::string> secretData(const core::Value& secret) {
  std::map<std::string, std::string> data;
  if (const core::Value* d = secret.find("data"); d != nullptr && d->isObject()) {
    for (const auto& m : d->asObject()) {
      if (!m.value.isString()) continue;
      if (auto decoded = core::base64Decode(m.value.asString())) data[m.key] = *decoded;
    }
  }
  if (const core::Value* d = secret.find("stringData"); d != nullptr && d->isObject()) {
    for (const auto& m : d->asObject()) {
      if (m.value.isString()) data[m.key] = m.value.asString();
    }
  }
  return data;
}

}  // namespace driftless::kube
