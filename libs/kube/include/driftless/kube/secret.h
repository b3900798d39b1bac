#pragma once

// The data of a Secret as controllers read it: `data` values base64-decoded (values that do not
// decode are skipped), `stringData` values as they are (a Secret not yet normalised by a
// server, e.g. in a fake client).

#include <map>
#include <string>

#include "driftless/core/value.h"

namespace driftless::kube {

std::map<std::string, std::string> secretData(const core::Value& secret);

}  // namespace driftless::kube
