#!/usr/bin/env bash
# The whole test suite: dependencies, models, a -Werror build with every test, then the
# engine tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash models/fetch.sh
meson setup build --wipe -Dwerror=true >/dev/null 2>&1 || meson setup build -Dwerror=true
ninja -C build
meson test -C build --print-errorlogs
meson setup build-asan --wipe -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true \
  >/dev/null 2>&1 || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true
ninja -C build-asan
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
  meson test -C build-asan --suite engine --print-errorlogs --timeout-multiplier 3
# The elements under ASan+UBSan too (leaks are judged by leakcheck.sh, which can tell ours
# from GLib's and GStreamer's one-time allocations), then the full pipeline over 300 frames.
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=0 \
  meson test -C build-asan --suite elements --suite cli --print-errorlogs --timeout-multiplier 3
bash scripts/leakcheck.sh build-asan
# ARM64: the NEON kernels and both models, cross-built and run under qemu-aarch64.
bash scripts/test_arm.sh build-arm
