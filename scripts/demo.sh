#!/usr/bin/env bash
# Installs dependencies, builds, and runs the main job. Until the controllers land this shows
# what exists: the toolkit's value model and semver rules through the CLI, and the generated
# Flux CRDs (config/crd/bases) read back through the API types.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
bin=build/release/bin

echo "==> driftless version"
"$bin/driftless" version

echo "==> a Flux GitRepository, YAML to JSON and back (Kubernetes YAML conventions)"
cat >/tmp/driftless-demo.yaml <<'YAML'
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 1m
  url: https://github.com/stefanprodan/podinfo
  ref:
    semver: ">=6.0.0 <7.0.0"
  ignore: |
    /*
    !/kustomize
YAML
"$bin/driftless" convert --to json /tmp/driftless-demo.yaml
"$bin/driftless" convert --to json /tmp/driftless-demo.yaml | "$bin/driftless" convert --to yaml

echo "==> semver: the tag Flux would pick for '>=6.0.0 <7.0.0'"
"$bin/driftless" semver ">=6.0.0 <7.0.0" 5.2.1 6.0.0 6.1.0-rc.1 v6.5.3 6.4.0 7.0.0

echo "==> generated CRDs (kubectl apply -k config/crd installs them)"
ls config/crd/bases
