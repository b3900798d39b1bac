#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test (CTest), then the conformance corpora.
#   scripts/test.sh            release build + all tests
#   PRESET=asan scripts/test.sh  the same under AddressSanitizer/UBSan
# In CI (CI=true) the unit tests also run under the asan preset.
set -euo pipefail
cd "$(dirname "$0")/.."

PRESET=${PRESET:-release}
JOBS=${JOBS:-$(nproc)}

bash scripts/install-deps.sh

run_preset() {
  local preset=$1
  echo "==> configure and build ($preset)"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$JOBS"
  echo "==> tests ($preset)"
  ctest --preset "$preset" -j "$JOBS" "${@:2}"
}

run_preset "$PRESET"

if [[ "${CI:-}" == "true" && "$PRESET" != "asan" ]]; then
  # Sanitizers on the unit tests (everything but the format check, which is build-independent).
  run_preset asan -E '^format\.'
fi

if [[ -d ../shared/conformance ]]; then
  BUILD_DIR="build/$PRESET" bash scripts/conformance.sh
else
  echo "==> conformance: ../shared is absent, skipped"
fi
