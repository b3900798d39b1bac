#pragma once

// Decoding of Kubernetes' protobuf wire format for request bodies. kubectl's typed commands
// (`kubectl create namespace|configmap|secret|serviceaccount|role|...`) send
// application/vnd.kubernetes.protobuf; this turns the bodies of the kinds they create into the
// JSON value model. Other kinds are refused with 415 by the caller.

#include <optional>
#include <string_view>

#include "driftless/core/value.h"

namespace driftless::apiserver {

// Decodes a `k8s\0`-prefixed runtime.Unknown envelope. Returns nullopt when the kind inside is
// not one this decoder knows; throws core::Error on malformed bytes.
std::optional<core::Value> decodeKubernetesProtobuf(std::string_view body);

}  // namespace driftless::apiserver
