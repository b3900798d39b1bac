#!/usr/bin/env bash
# Embedded control plane benchmark: 10,000 ConfigMaps over HTTPS, a list of them, 100 watchers
# receiving 1,000 updates. Builds the release preset first.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake --preset release >/dev/null
cmake --build --preset release --target apiserver_bench driftless >/dev/null
exec build/release/bin/apiserver_bench "$@"
