#!/usr/bin/env bash
# JSON/YAML parse and print throughput of libs/core on a generated 5,000-resource manifest,
# with peak RSS. Builds the release preset first.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake --preset release >/dev/null
cmake --build --preset release --target core_bench >/dev/null
exec build/release/bin/core_bench "$@"
