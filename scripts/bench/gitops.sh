#!/usr/bin/env bash
# The GitOps loop at scale (issue F6): 100, 500 and 1,000 Kustomizations of 10 objects each from
# one GitRepository, through `driftless up` on this machine. Prints a Markdown table: time until
# every Kustomization is Ready, kustomize-controller CPU seconds and peak RSS, source-controller
# peak RSS, API requests per object for the first apply and for a reconcile with no change.
# Environment: SIZES (default "100 500 1000"), BIN_DIR (default: build the release preset).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${BIN_DIR:-}" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target driftless source_controller kustomize_controller >/dev/null
  BIN_DIR=$PWD/build/release/bin
fi
# shellcheck disable=SC2086
exec python3 scripts/bench/gitops.py "$BIN_DIR" ${SIZES:-100 500 1000}
