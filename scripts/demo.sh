#!/usr/bin/env bash
# Installs dependencies, builds, and runs the main job: the GitOps loop on the embedded control
# plane. A local Git repository is served by `git daemon`; `driftless up` starts the control
# plane and the controllers; plain Flux YAML (a GitRepository and a Kustomization) is applied
# with kubectl; a commit is pushed and the cluster follows; drift is corrected; then
# `driftless down`. Set DEMO_KEEP=1 to leave everything running at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${DEMO_SKIP_INSTALL:-0}" = 1 ] || bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
bin="$PWD/build/release/bin"

work="$(mktemp -d /tmp/driftless-demo.XXXXXX)"
data="$work/data"
export KUBECONFIG="$data/kubeconfig"
daemon_pid=""
cleanup() {
  if [ "${DEMO_KEEP:-0}" = 1 ]; then
    echo "==> left running: export KUBECONFIG=$KUBECONFIG; stop with: $bin/driftless down --data-dir $data"
    return
  fi
  "$bin/driftless" down --data-dir "$data" >/dev/null 2>&1 || true
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> a Git repository with an app (served by git daemon on 127.0.0.1)"
git init -q -b main "$work/git/work"
git init -q --bare -b main "$work/git/app.git"
mkdir -p "$work/git/work/apps"
cat >"$work/git/work/apps/deployment.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: default
spec:
  replicas: ${replicas:=1}
  selector:
    matchLabels: {app: podinfo}
  template:
    metadata:
      labels: {app: podinfo}
    spec:
      containers:
      - name: podinfo
        image: ghcr.io/stefanprodan/podinfo:6.7.0
YAML
cat >"$work/git/work/apps/config.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: podinfo-config
  namespace: default
data:
  color: "${color}"
YAML
git -C "$work/git/work" -c user.email=demo@example.com -c user.name=demo add -A
git -C "$work/git/work" -c user.email=demo@example.com -c user.name=demo commit -qm "podinfo"
git -C "$work/git/work" push -q "$work/git/app.git" main
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
git daemon --reuseaddr --export-all --listen=127.0.0.1 --port="$port" \
  --base-path="$work/git" "$work/git" >"$work/git-daemon.log" 2>&1 &
daemon_pid=$!
sleep 0.5

echo "==> driftless up -d --data-dir $data"
"$bin/driftless" up -d --data-dir "$data"

echo "==> kubectl apply: a GitRepository and a Kustomization (plain Flux YAML)"
kubectl apply -f - <<YAML
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: app
  namespace: flux-system
spec:
  interval: 1m
  url: git://127.0.0.1:$port/app.git
  ref:
    branch: main
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  wait: true
  sourceRef:
    kind: GitRepository
    name: app
  postBuild:
    substitute:
      color: blue
YAML
kubectl -n flux-system wait kustomization/app --for=condition=ready --timeout=60s
kubectl -n flux-system get gitrepositories,kustomizations
kubectl get deployments,configmaps -l kustomize.toolkit.fluxcd.io/name=app

echo "==> a commit scales the app to 3 replicas"
sed -i 's/replicas: ${replicas:=1}/replicas: 3/' "$work/git/work/apps/deployment.yaml"
git -C "$work/git/work" -c user.email=demo@example.com -c user.name=demo commit -qam "scale to 3"
git -C "$work/git/work" push -q "$work/git/app.git" main
kubectl -n flux-system annotate --overwrite gitrepository/app reconcile.fluxcd.io/requestedAt="$(date +%s)" >/dev/null
for _ in $(seq 1 100); do
  [ "$(kubectl get deployment podinfo -o jsonpath='{.spec.replicas}')" = 3 ] && break
  sleep 0.1
done
kubectl get deployment podinfo

echo "==> drift: someone edits the ConfigMap by hand; the next reconcile puts it back"
kubectl patch configmap podinfo-config --type merge -p '{"data":{"color":"red"}}' >/dev/null
kubectl get configmap podinfo-config -o jsonpath='{.data.color}{"\n"}'
kubectl -n flux-system annotate --overwrite kustomization/app reconcile.fluxcd.io/requestedAt="drift-$(date +%s)" >/dev/null
for _ in $(seq 1 100); do
  [ "$(kubectl get configmap podinfo-config -o jsonpath='{.data.color}')" = blue ] && break
  sleep 0.1
done
kubectl get configmap podinfo-config -o jsonpath='{.data.color}{"\n"}'

echo "==> events"
kubectl -n flux-system get events -o custom-columns=OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message

echo "==> driftless down"
"$bin/driftless" down --data-dir "$data"
