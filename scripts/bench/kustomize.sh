#!/usr/bin/env bash
# `driftless kustomize build` against `kubectl kustomize` (kustomize v5.5.0), side by side in one
# run, on generated trees (scripts/bench/kustomize_trees.py: a base with three overlays, ten nested
# bases, a 2,000-resource base with 20 components, flat kustomizations of 1,000 and 5,000
# resources) and on a few conformance cases. Each tree's outputs are checked to be identical
# first; then the median wall time of RUNS runs and the peak RSS of each command are printed with
# their ratios.
#
# Environment: RUNS (default 5), KUBECTL_RUNS_SLOW (runs of kubectl on the 2,000- and
# 5,000-resource trees, default 1: kubectl needs minutes there), DRIFTLESS (binary; default: build
# the release preset), CASES (conformance cases dir; default ../shared/conformance/kustomize/cases).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${DRIFTLESS:-}" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target driftless >/dev/null
  DRIFTLESS=build/release/bin/driftless
fi
RUNS=${RUNS:-5}
KUBECTL_RUNS_SLOW=${KUBECTL_RUNS_SLOW:-1}
CASES=${CASES:-../shared/conformance/kustomize/cases}
command -v kubectl >/dev/null || { echo "kubectl is required" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is required (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/bench/kustomize_trees.py "$work/trees"

# measure RUNS CMD... -> "median_seconds max_rss_kib" (wall time in nanoseconds around
# /usr/bin/time, whose own %e has only 10 ms resolution; peak RSS from its %M)
measure() {
  local runs=$1
  shift
  local times=() rss=0 start end m
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr"
    end=$(date +%s%N)
    read -r m <"$work/time"
    times+=("$(awk -v d=$((end - start)) 'BEGIN { printf "%.4f", d / 1e9 }')")
    ((m > rss)) && rss=$m
  done
  printf '%s\n' "${times[@]}" | sort -g | awk -v rss="$rss" \
    '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
       printf "%s %s\n", m, rss }'
}

targets=(
  "overlay (3 overlays, 60 res)|$work/trees/overlay/overlays/prod|$RUNS"
  "nested (10 levels)|$work/trees/nested/level0|$RUNS"
  "flat 1,000|$work/trees/flat-1000|$RUNS"
  "components (20 x 2,000 res)|$work/trees/large/overlay|$KUBECTL_RUNS_SLOW"
  "flat 5,000|$work/trees/flat-5000|$KUBECTL_RUNS_SLOW"
)
for c in complexcomposition__TestComplexComposition_Prod_SuccessWithBaseTransformers \
  diamonds__TestBasicDiamond configmaps__TestGeneratorOverlays; do
  dir="$CASES/$c/input"
  [ -f "$CASES/$c/build-path" ] && dir="$dir/$(cat "$CASES/$c/build-path")"
  label=${c#*__Test}
  [ -d "$dir" ] && targets+=("case ${label%%_Success*}|$dir|$RUNS")
  [ -d "$dir" ] || echo "skipping missing case $c" >&2
done

printf '%-36s %10s %10s %8s %10s %10s %7s\n' tree "ours s" "kubectl s" speedup \
  "ours MiB" "kubectl MiB" "mem %"
status=0
for entry in "${targets[@]}"; do
  IFS='|' read -r name dir kruns <<<"$entry"
  "$DRIFTLESS" kustomize build "$dir" >"$work/ours.yaml"
  kubectl kustomize "$dir" >"$work/kubectl.yaml" 2>/dev/null
  if ! cmp -s "$work/ours.yaml" "$work/kubectl.yaml"; then
    echo "$name: outputs differ" >&2
    status=1
    continue
  fi
  read -r ot om < <(measure "$RUNS" "$DRIFTLESS" kustomize build "$dir")
  read -r kt km < <(measure "$kruns" kubectl kustomize "$dir")
  awk -v n="$name" -v ot="$ot" -v om="$om" -v kt="$kt" -v km="$km" 'BEGIN {
    printf "%-36s %10.4f %10.4f %7.0fx %10.1f %10.1f %6.0f%%\n", n, ot, kt, kt / (ot > 0 ? ot : 0.001),
      om / 1024, km / 1024, 100 * om / km }'
done | tee "$work/table"
awk 'NR > 0 { s = $(NF - 3); sub("x", "", s); if (min == "" || s + 0 < min) min = s + 0;
  if (s + 0 > max) max = s + 0; m = $NF; sub("%", "", m); if (m + 0 > mem) mem = m + 0 }
  END { printf "summary: outputs identical; driftless %gx to %gx faster than kubectl kustomize, peak RSS at most %g%% of kubectl\n", min, max, mem }' \
  "$work/table"
exit $status
