#!/usr/bin/env bash
# Runs the conformance corpora of ../shared/conformance that the toolkit implements so far and
# prints "N passed, M failed" per corpus and in total. Skips cleanly when ../shared is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build/release}
SHARED=${SHARED:-../shared}

if [[ ! -d "$SHARED/conformance" ]]; then
  echo "conformance: $SHARED/conformance is absent, skipped"
  exit 0
fi

total_pass=0
total_fail=0
summary() {  # name, output containing "<name>: N passed, M failed"
  local line
  line=$(grep -E "^$1: [0-9]+ passed, [0-9]+ failed" <<<"$2" | tail -1)
  echo "$line"
  total_pass=$((total_pass + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
  total_fail=$((total_fail + $(sed -E 's/.*passed, ([0-9]+) failed.*/\1/' <<<"$line")))
}

# semver (Masterminds/semver v3 + Flux rules): run by the core unit tests' corpus runner.
out=$("$BUILD_DIR/bin/core_test" "semver conformance corpus" 2>&1 || true)
summary semver "$out"

echo "conformance: ${total_pass} passed, ${total_fail} failed"
[[ "$total_fail" == 0 ]]
