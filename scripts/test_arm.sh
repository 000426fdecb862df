#!/usr/bin/env bash
# ARM64: cross-builds the engine (everything but the libyuv and GStreamer parts) and the NEON
# kernel tests with gcc-aarch64-linux-gnu (-Wall -Wextra -Werror), and runs them under
# qemu-aarch64, including both shipped models on the NEON path against the scalar path, float
# and int8 (the int8 ones quantized here first by the host build's CLI, calibrated on the test
# photos; they must agree bit for bit). Two emulated CPUs: `max` (with the ARMv8.2 dot product:
# the plain and the sdot int8 CONV_2D kernels) and a Cortex-A53 (without: the sdot kernel must
# not be chosen). The CLI comes from the host build (build/, or $ECNN_HOST_BUILD; brought up to
# date here).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build-arm}"
host="${ECNN_HOST_BUILD:-build}"
mkdir -p "$out"
srcs=$(ls src/*.c src/loader/*.c src/ops/*.c src/ops/q8/*.c src/kernels/*.c src/kernels/scalar/*.c \
          src/kernels/arm/*.c src/kernels/x86/*.c src/backend/*.c | grep -v -E 'src/(image|detector)\.c')
aarch64-linux-gnu-gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -static -pthread \
  -Isrc -o "$out/test_neon" tests/arm/test_neon.c $srcs -lm

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ninja -C "$host" src/cli/edgecnn
for m in face_detection_short_range ssd_mobilenetv2_oidv4_fp16; do
  "$host/src/cli/edgecnn" quantize "models/$m.tflite" --calibration tests/data \
    -o "$tmp/$m.int8.tflite" >"$tmp/quantize.log" 2>&1 || { cat "$tmp/quantize.log"; exit 1; }
done

int8=("$tmp/face_detection_short_range.int8.tflite" "$tmp/ssd_mobilenetv2_oidv4_fp16.int8.tflite")
ECNN_TEST_EXPECT_DOT=1 qemu-aarch64 -cpu max "$out/test_neon" \
  models/face_detection_short_range.tflite models/ssd_mobilenetv2_oidv4_fp16.tflite \
  --int8 "${int8[@]}"
ECNN_TEST_EXPECT_DOT=0 qemu-aarch64 -cpu cortex-a53 "$out/test_neon" --int8 "${int8[@]}"
