#!/usr/bin/env bash
# Reconciliation runtime benchmark: one controller process (informer cache, work queue, 4
# workers, no-op reconciler) watching 10,000 ConfigMaps served by `driftless apiserver`, populated
# from a separate process. Reports peak RSS, time to sync and reconcile everything, event-to-
# reconcile latency and steady reconciles/s. Builds the release preset first.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake --preset release >/dev/null
cmake --build --preset release --target runtime_bench driftless >/dev/null
exec build/release/bin/runtime_bench "$@"
