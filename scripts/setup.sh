#!/usr/bin/env bash
# Installs the Debian 12 packages Prescient builds against (idempotent), then
# configures and builds the project into ./build (Release, -j2).
# Usage: scripts/setup.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libcaf-dev                 # actor runtime: caf_core, caf_io, caf_openssl
  capnproto libcapnp-dev     # wire schemas + RPC (kj async I/O)
  librocksdb-dev             # per-node storage
  libtorch-dev               # learned next-app model (CPU)
  catch2                     # tests
  libtomlplusplus-dev        # config parsing with line/column errors
  libcli11-dev               # command-line parsing for every binary
  nlohmann-json3-dev         # --json output of the tools
  libssl-dev                 # caf_openssl
  openssl                    # tests make TLS certificates with the openssl command
  python3                    # tests/replay/reference_check.py (reference keep-alive model)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -q >/dev/null
  $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "${1:-}" = "--no-build" ] && exit 0
cmake -S . -B build -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" >/dev/null
cmake --build build -j"${PRESCIENT_JOBS:-2}"
