#!/usr/bin/env bash
# The source-controller's work for a new revision, beside its floor, in one run (issue F4):
# a shallow libgit2 checkout plus Flux's tarball with digest (scripts/bench/source_bench.cpp)
# against `git clone --depth 1` followed by `tar czf` of the same tree, on a generated
# repository of 10,000 files and on one with 1,000 commits of history, both served by
# `git daemon` on 127.0.0.1. Then the source-controller's memory with 500 GitRepositories
# (through `driftless up`), idle after all are Ready.
# Environment: RUNS (default 5), REPOS (GitRepositories for the memory figure, default 500).
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake --preset release >/dev/null
cmake --build --preset release --target source_bench driftless source_controller kustomize_controller >/dev/null
bin=$PWD/build/release/bin
RUNS=${RUNS:-5}
REPOS=${REPOS:-500}
work=$(mktemp -d /tmp/driftless-source-bench.XXXXXX)
daemon=""
cleanup() {
  "$bin/driftless" down --data-dir "$work/data" >/dev/null 2>&1 || true
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
git_c() { git -c user.email=b@e -c user.name=bench "$@"; }

echo "generating repositories..." >&2
mkdir -p "$work/git"
# 10,000 files of about 1 KiB in 100 directories, one commit.
git init -q -b main "$work/src-files"
python3 - "$work/src-files" <<'PY'
import os, sys, random
root = sys.argv[1]
rnd = random.Random(7)
for d in range(100):
    os.makedirs(f"{root}/dir{d:03}", exist_ok=True)
    for f in range(100):
        with open(f"{root}/dir{d:03}/file{f:03}.yaml", "w") as out:
            out.write("".join(f"key{i}: {rnd.getrandbits(64):x}\n" for i in range(40)))
PY
git_c -C "$work/src-files" add -A && git_c -C "$work/src-files" commit -qm files
git clone -q --bare "$work/src-files" "$work/git/files.git"
# 1,000 commits over a tree of 200 files.
git init -q -b main "$work/src-history"
python3 - "$work/src-history" <<'PY'
import os, sys
root = sys.argv[1]
for f in range(200):
    with open(f"{root}/f{f:03}.txt", "w") as out:
        out.write("v0\n" * 20)
PY
git_c -C "$work/src-history" add -A && git_c -C "$work/src-history" commit -qm c0
for i in $(seq 1 999); do
  echo "v$i" >>"$work/src-history/f$(printf %03d $((i % 200))).txt"
  git_c -C "$work/src-history" commit -qam "c$i"
done
git clone -q --bare "$work/src-history" "$work/git/history.git"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
git daemon --reuseaddr --export-all --listen=127.0.0.1 --port="$port" --base-path="$work/git" \
  "$work/git" >/dev/null 2>&1 &
daemon=$!
sleep 0.5

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
floor() {  # URL -> median seconds of git clone --depth 1 + tar czf
  local url=$1
  for _ in $(seq 1 "$RUNS"); do
    rm -rf "$work/floor" "$work/floor.tgz"
    local s e
    s=$(date +%s%N)
    git clone -q --depth 1 --branch main "$url" "$work/floor"
    tar czf "$work/floor.tgz" -C "$work/floor" --exclude=.git .
    e=$(date +%s%N)
    echo "$(((e - s) / 1000000))"
  done | median | awk '{printf "%.3f", $1 / 1000}'
}

echo "| repository | git clone --depth 1 + tar czf | driftless (libgit2 + Flux tarball) | ratio | driftless peak RSS |"
echo "| --- | --- | --- | --- | --- |"
for repo in files history; do
  url="git://127.0.0.1:$port/$repo.git"
  f=$(floor "$url")
  read -r ours rss < <("$bin/source_bench" "$url" main "$work/ours" "$RUNS")
  ratio=$(awk -v a="$ours" -v b="$f" 'BEGIN { printf "%.2fx", a / b }')
  case $repo in
    files) label="10,000 files, 1 commit" ;;
    history) label="200 files, 1,000 commits" ;;
  esac
  echo "| $label | ${f} s | ${ours} s | $ratio | $((rss / 1024)) MiB |"
done

# Memory of the source-controller with REPOS GitRepositories (the small history repository).
"$bin/driftless" up -d --data-dir "$work/data" >/dev/null 2>&1
export KUBECONFIG=$work/data/kubeconfig
for i in $(seq 1 "$REPOS"); do
  cat <<YAML
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: repo-$i
  namespace: flux-system
spec:
  interval: 10m
  url: git://127.0.0.1:$port/history.git
  ref:
    branch: main
---
YAML
done >"$work/repos.yaml"
start=$(date +%s%N)
kubectl create -f "$work/repos.yaml" >/dev/null
while [ "$(kubectl -n flux-system get gitrepositories -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)" -lt "$REPOS" ]; do
  sleep 0.5
done
ready=$((($(date +%s%N) - start) / 1000000))
sleep 5
pid=$(pgrep -f "source-controller --kubeconfig=$work/data/kubeconfig")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
echo
echo "| GitRepositories | all Ready after | source-controller RSS, idle | peak RSS |"
echo "| --- | --- | --- | --- |"
echo "| $REPOS | $(awk -v m="$ready" 'BEGIN { printf "%.1f", m / 1000 }') s | $((rss / 1024)) MiB | $((hwm / 1024)) MiB |"
