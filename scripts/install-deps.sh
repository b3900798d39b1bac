#!/usr/bin/env bash
# Installs every build and test dependency of driftless from Debian packages.
# Idempotent; run as root on Debian 12 (bookworm). Nothing is downloaded from elsewhere.
set -euo pipefail

if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -E "$0" "$@"; fi
  echo "install-deps.sh: must run as root (or with sudo available)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# libgit2 >= 1.7 (shallow clones), Catch2 3 and a recent CMake come from bookworm-backports.
backports=/etc/apt/sources.list.d/bookworm-backports.sources
if [[ ! -f "$backports" ]]; then
  cat >"$backports" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

# Skip the slow part when everything is already present (keeps repeated runs fast).
stamp=/var/lib/driftless-deps.stamp
want_hash=$(sha256sum "$0" | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want_hash" && "${DRIFTLESS_FORCE_DEPS:-}" != 1 ]]; then
  exit 0
fi

apt-get update -q

backported=(libgit2-dev catch2 cmake cmake-data)
packages=(
  build-essential g++ pkg-config ninja-build ccache clang-format git python3 python3-yaml
  libsimdjson-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  prometheus-cpp-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev libsqlite3-dev sqlite3
  libboost-dev libboost-system-dev
  libyaml-dev libfyaml-dev
  libre2-dev
  libgpgme-dev gnupg openssh-server openssh-client
  python3-kubernetes curl
  time age
)

apt-get install -y -q --no-install-recommends -t bookworm-backports "${backported[@]}"
apt-get install -y -q --no-install-recommends "${packages[@]}"

echo "$want_hash" >"$stamp"
