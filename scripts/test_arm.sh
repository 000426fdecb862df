#!/usr/bin/env bash
# ARM64: cross-builds the engine (everything but the libyuv and GStreamer parts) and the NEON
# kernel tests with gcc-aarch64-linux-gnu (-Wall -Wextra -Werror), and runs them under
# qemu-aarch64, including both shipped models on the NEON path against the scalar path.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build-arm}"
mkdir -p "$out"
srcs=$(ls src/*.c src/loader/*.c src/ops/*.c src/ops/q8/*.c src/kernels/*.c src/kernels/scalar/*.c \
          src/kernels/arm/*.c src/kernels/x86/*.c src/backend/*.c | grep -v -E 'src/(image|detector)\.c')
aarch64-linux-gnu-gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -static -pthread \
  -Isrc -o "$out/test_neon" tests/arm/test_neon.c $srcs -lm
qemu-aarch64 "$out/test_neon" models/face_detection_short_range.tflite \
  models/ssd_mobilenetv2_oidv4_fp16.tflite
