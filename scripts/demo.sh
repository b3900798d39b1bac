#!/usr/bin/env bash
# Installs dependencies, builds, and runs the main job: the GitOps loop on the embedded control
# plane. The sample application of config/samples/podinfo is committed to a local Git repository
# served by `git daemon` on 127.0.0.1; `driftless up -d` starts the control plane and the
# controllers; the Flux objects of config/samples/flux (a GitRepository and a Kustomization,
# plain Flux YAML) are applied with kubectl. Then the loop: a commit rolls out, a `kubectl scale`
# drift is reverted, a removed file is pruned, a broken commit is refused while the running
# objects stay. DEMO_KEEP=1 leaves everything running at the end; DEMO_SKIP_INSTALL=1 skips apt.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${DEMO_SKIP_INSTALL:-0}" = 1 ] || bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
bin="$PWD/build/release/bin"
samples="$PWD/config/samples"

work="$(mktemp -d /tmp/driftless-demo.XXXXXX)"
data="$work/data"
repo="$work/git/work"
export KUBECONFIG="$data/kubeconfig"
daemon_pid=""
cleanup() {
  if [ "${DEMO_KEEP:-0}" = 1 ]; then
    return
  fi
  "$bin/driftless" down --data-dir "$data" >/dev/null 2>&1 || true
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
commit() {
  git -C "$repo" -c user.email=demo@example.com -c user.name=demo add -A
  git -C "$repo" -c user.email=demo@example.com -c user.name=demo commit -qm "$1"
  git -C "$repo" push -q "$work/git/podinfo.git" main
  git -C "$repo" rev-parse --short HEAD
}
# What `flux reconcile source git podinfo` does: ask for a reconcile now.
reconcile_source() {
  kubectl -n flux-system annotate --overwrite gitrepository/podinfo \
    reconcile.fluxcd.io/requestedAt="$(date +%s%N)" >/dev/null
}
reconcile_kustomization() {
  kubectl -n flux-system annotate --overwrite kustomization/podinfo \
    reconcile.fluxcd.io/requestedAt="$(date +%s%N)" >/dev/null
}
# wait_for DESCRIPTION EXPECTED COMMAND...: polls COMMAND (10 s at most) until it prints EXPECTED.
wait_for() {
  local what="$1" expected="$2" start
  shift 2
  start=$(date +%s%N)
  for _ in $(seq 1 100); do
    if [ "$("$@" 2>/dev/null)" = "$expected" ]; then
      echo "$what after $((($(date +%s%N) - start) / 1000000)) ms"
      return 0
    fi
    sleep 0.1
  done
  echo "timed out waiting for: $what" >&2
  return 1
}
kustomization() { kubectl -n flux-system get kustomization podinfo -o jsonpath="$1"; }

step "a Git repository with the sample app (config/samples/podinfo), served by git daemon"
git init -q -b main "$repo"
git init -q --bare -b main "$work/git/podinfo.git"
cp "$samples"/podinfo/*.yaml "$repo/"
echo "commit $(commit "podinfo 6.7.0")"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
git daemon --reuseaddr --export-all --listen=127.0.0.1 --port="$port" \
  --base-path="$work/git" "$work/git" >"$work/git-daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 50); do git ls-remote "git://127.0.0.1:$port/podinfo.git" >/dev/null 2>&1 && break; sleep 0.1; done

step "driftless up -d --data-dir $data"
"$bin/driftless" up -d --data-dir "$data"

step "kubectl apply -f config/samples/flux/podinfo.yaml (a GitRepository and a Kustomization)"
sed "s|GIT_URL|git://127.0.0.1:$port/podinfo.git|" "$samples/flux/podinfo.yaml" | kubectl apply -f -
kubectl -n flux-system wait kustomization/podinfo --for=condition=ready --timeout=60s
kubectl -n flux-system get gitrepositories,kustomizations
kubectl get deployments,services,configmaps -l kustomize.toolkit.fluxcd.io/name=podinfo

step "a commit rolls out: podinfo 6.7.1 with 3 replicas"
sed -i 's/podinfo:6.7.0/podinfo:6.7.1/; s/replicas: 2/replicas: 3/' "$repo/deployment.yaml"
rev=$(commit "podinfo 6.7.1, 3 replicas")
echo "commit $rev"
reconcile_source
wait_for "deployment at 6.7.1" "ghcr.io/stefanprodan/podinfo:6.7.1 3" \
  kubectl get deployment podinfo -o jsonpath='{.spec.template.spec.containers[0].image} {.spec.replicas}'
kubectl get deployment podinfo -o wide

step "drift: kubectl scale --replicas=1 by hand; the next reconcile puts 3 back"
kubectl scale deployment podinfo --replicas=1
reconcile_kustomization
wait_for "3 replicas again" 3 kubectl get deployment podinfo -o jsonpath='{.spec.replicas}'

step "a file removed from Git is pruned: git rm configmap.yaml"
git -C "$repo" rm -q configmap.yaml
echo "commit $(commit "drop the settings ConfigMap")"
reconcile_source
wait_for "configmap/podinfo-settings pruned" "" kubectl get configmap podinfo-settings -o name

step "a broken commit is refused (BuildFailed); what runs stays"
printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [broken\n' >"$repo/broken.yaml"
echo "commit $(commit "a broken manifest")"
reconcile_source
wait_for "Ready=False, reason BuildFailed" "False BuildFailed" \
  kustomization '{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason}'
kustomization '{.status.conditions[?(@.type=="Ready")].message}{"\n"}'
echo "last applied: $(kustomization '{.status.lastAppliedRevision}'), attempted: $(kustomization '{.status.lastAttemptedRevision}')"
kubectl get deployments,services -l kustomize.toolkit.fluxcd.io/name=podinfo

step "events of the Flux objects"
kubectl -n flux-system get events -o custom-columns=OBJECT:.involvedObject.name,TYPE:.type,REASON:.reason,MESSAGE:.message

step "explore further"
if [ "${DEMO_KEEP:-0}" = 1 ]; then
  cat <<EOF
everything is still running:
  export KUBECONFIG=$KUBECONFIG
  kubectl -n flux-system get gitrepositories,kustomizations
  the Git work tree is $repo (commit, then annotate the GitRepository to reconcile now)
  logs: $data/logs/
stop with: $bin/driftless down --data-dir $data
EOF
else
  echo "run with DEMO_KEEP=1 to keep it running and explore with kubectl; now stopping."
  step "driftless down --data-dir $data"
  "$bin/driftless" down --data-dir "$data"
fi
