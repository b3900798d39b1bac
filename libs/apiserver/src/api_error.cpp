#include "api_error.h"

namespace driftless::apiserver {

core::Value statusDetails(const std::string& name, const std::string& group,
                          const std::string& kind) {
  core::Object d;
  if (!name.empty()) d.append("name", name);
  if (!group.empty()) d.append("group", group);
  d.append("kind", kind);
  return core::Value(std::move(d));
}

}  // namespace driftless::apiserver
