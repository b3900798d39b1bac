#!/usr/bin/env bash
# Alerts at speed (issue F8): events POSTed to the notification-controller of `driftless up`,
# routed by an Alert to a generic Provider whose webhook is the benchmark's own HTTP server on
# 127.0.0.1. Prints the event -> webhook latency (p50/p99/max) at a steady RATE (default 100/s)
# and the events/s sustained in a burst, plus the controller's peak RSS.
# Environment: RATE, COUNT (default 2000), BURST (default 5000), BIN_DIR (default: build).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${BIN_DIR:-}" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target driftless source_controller kustomize_controller \
    notification_controller notification_bench >/dev/null
  BIN_DIR=$PWD/build/release/bin
fi
work=$(mktemp -d)
cleanup() { "$BIN_DIR/driftless" down --data-dir "$work/data" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
"$BIN_DIR/driftless" up -d --data-dir "$work/data" >/dev/null 2>&1
export KUBECONFIG=$work/data/kubeconfig
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
events=$(python3 -c "import json; print(json.load(open('$work/data/state.json'))['ports']['notification-controller-events'])")
kubectl apply -f - >/dev/null <<YAML
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: bench, namespace: flux-system}
spec: {type: generic, address: "http://127.0.0.1:$port/hook"}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: bench, namespace: flux-system}
spec: {providerRef: {name: bench}, eventSources: [{kind: Kustomization, name: "*"}]}
YAML
sleep 2  # the informers see the Alert and the Provider
"$BIN_DIR/notification_bench" --events "http://127.0.0.1:$events/" --listen "$port" \
  --rate "${RATE:-100}" --count "${COUNT:-2000}" --burst "${BURST:-5000}"
pid=$(pgrep -f "notification-controller .*--receiverAddr" | head -1)
echo "notification-controller peak RSS: $(awk '/VmHWM/ {printf "%.1f MiB\n", $2/1024}' /proc/$pid/status)"
