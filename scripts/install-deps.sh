#!/usr/bin/env bash
# Installs every Debian 12 package moat needs to build, test and run its
# benchmarks. Idempotent: installs only what is missing.
set -euo pipefail

packages=(
  # build
  cmake g++ make pkg-config clang-format clang-tidy clang libclang-rt-14-dev
  libboost1.74-dev libboost-program-options1.74-dev libboost-filesystem1.74-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  # engine and runtimes
  docker.io runc runsc iptables ca-certificates curl
  # workloads, images, reports
  fio debootstrap busybox-static tar chromium libpng-dev hyperfine jq python3-jsonschema tmux python3-websockets procps
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root: sudo $0" >&2
  exit 77
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
