#!/usr/bin/env bash
# Runs the conformance corpora of ../shared/conformance that the toolkit implements (fully or in
# part) and prints "N passed, M failed" per corpus and in total. A corpus fails the script when
# its pass count drops below the floor recorded here (raise the floor as features land).
# Skips cleanly when ../shared is absent.
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
status=0
record() {  # name, "N passed, M failed" line, floor
  local name=$1 line=$2 floor=$3 pass fail
  pass=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  fail=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  echo "$name: $pass passed, $fail failed (floor $floor)"
  total_pass=$((total_pass + pass))
  total_fail=$((total_fail + fail))
  if ((pass < floor)); then
    echo "conformance: $name fell below its floor of $floor passing cases" >&2
    status=1
  fi
}

# semver (Masterminds/semver v3 + Flux rules): the core unit tests' corpus runner.
out=$("$BUILD_DIR/bin/core_test" "semver conformance corpus" 2>&1 || true)
record semver "$(grep -E '^semver: [0-9]+ passed' <<<"$out" | tail -1)" 421

# gotemplate (Go text/template, Sprig, Helm): Go's text/template with Sprig's and Helm's
# functions. The one known failure needs Go's map sharing (sprig/TestIssue188/2).
gt="$SHARED/conformance/gotemplate"
out=$(python3 "$gt/run.py" --batch "$gt/cases.jsonl" -- "$BUILD_DIR/bin/gotemplate_conformance" 2>&1 || true)
record gotemplate "$(tail -1 <<<"$out")" 950
out=$(python3 "$gt/run.py" --batch --filter go/ "$gt/cases.jsonl" -- "$BUILD_DIR/bin/gotemplate_conformance" 2>&1 || true)
echo "  of which Go's own text/template cases (go/): $(tail -1 <<<"$out")"

# kustomize (kubectl kustomize v1.32 = kustomize v5.5.0): `driftless kustomize build`.
kz="$SHARED/conformance/kustomize"
if [[ -x "$BUILD_DIR/bin/driftless" ]]; then
  out=$(RUN_JOBS=${RUN_JOBS:-4} "$kz/run.sh" "$kz/cases" -- "$BUILD_DIR/bin/driftless" kustomize build 2>&1 || true)
  record kustomize "$(tail -1 <<<"$out")" 293
else
  record kustomize "0 passed, 293 failed" 293
fi

# notification (Provider payloads, Alert matching, event server, Receivers): libs/notify's driver.
out=$("$BUILD_DIR/bin/notification_conformance" "$SHARED/conformance/notification" 2>&1 || true)
grep '^FAIL' <<<"$out" | head -20 || true
record notification "$(tail -1 <<<"$out")" 148

echo "conformance: ${total_pass} passed, ${total_fail} failed"
exit $status
