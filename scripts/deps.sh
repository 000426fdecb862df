#!/usr/bin/env bash
# Installs the Debian 12 packages EdgeCNN needs to build, test and run (as root).
set -euo pipefail
# libxnnpack-dev + libpthreadpool-dev: the optional XNNPACK yardstick backend (docs/performance.md)
# gcc-aarch64-linux-gnu + libc6-dev-arm64-cross + qemu-user: the ARM64 NEON kernels, cross-built
# and tested (scripts/test_arm.sh; the C library headers are only a recommendation of the compiler)
# libsimde-dev: test-only, the AVX-512 VNNI kernel's emulated test on machines without AVX-512
pkgs=(meson ninja-build pkg-config gcc libc6-dev check
      libyuv-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
      gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
      libxnnpack-dev libpthreadpool-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
      libsimde-dev ca-certificates)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# models/fetch.sh needs npm; use the machine's own if it has one (Debian's otherwise)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
