#!/usr/bin/env bash
# Rendering throughput of libs/gotemplate (Go text/template + Sprig + Helm functions) on a
# generated chart: 50 templates with nested includes, ranges over 1,000-element lists and toYaml
# of big maps. Reports renders/s and MB/s of output. Builds the release preset first.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake --preset release >/dev/null
cmake --build --preset release --target gotemplate_bench >/dev/null
exec build/release/bin/gotemplate_bench "$@"
