#!/usr/bin/env bash
# The full pipeline under AddressSanitizer + LeakSanitizer over 300 frames (also with frames in
# flight), with the plugin and engine built with -fsanitize=address,undefined (the build-asan
# directory of scripts/test.sh).
# Fails if any ASan error appears or if a leak report has a frame in our code (gstcnn*, ecnn_*,
# libedgecnn); leaks inside GLib/GStreamer's own one-time allocations are not ours.
#   scripts/leakcheck.sh [ASAN_BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build-asan}"
case "$build" in /*) ;; *) build="$PWD/$build" ;; esac
asan="$(gcc -print-file-name=libasan.so)"
log="$build/leakcheck.log"
M=models/ssd_mobilenetv2_oidv4_fp16.tflite
F=models/face_detection_short_range.tflite
run() {
  env GST_PLUGIN_PATH="$build/gst" GST_REGISTRY_1_0="$build/leakcheck-registry.bin" \
    LD_PRELOAD="$asan" ASAN_OPTIONS=detect_leaks=1:halt_on_error=0:log_path="$log" \
    UBSAN_OPTIONS=print_stacktrace=1 \
    gst-launch-1.0 -q videotestsrc num-buffers=300 pattern=ball ! \
    video/x-raw,width=320,height=240,format=I420 ! "$@" ! fakesink sync=false
}
rm -f "$log".*
run cnnpreprocess model=$M ! queue ! cnninfer model=$M interval=10 saliency=true json-file=/dev/null ! \
  queue ! cnnoverlay ! cnnheatmap
run videoconvert ! video/x-raw,format=BGRx ! cnninfer model=$F ! cnnoverlay ! cnnheatmap
# two frames in flight (two engines, their worker threads, frames held and let go in order)
run cnnpreprocess model=$M ! queue ! cnninfer model=$M inflight=2 interval=5 saliency=true ! \
  queue ! cnnoverlay ! cnnheatmap
status=0
for f in "$log".*; do
  [ -f "$f" ] || continue
  if grep -q "ERROR: AddressSanitizer\|runtime error:" "$f"; then
    echo "leakcheck: ASan/UBSan error in $f"; status=1
  fi
  # each leak record is a paragraph; ours if any frame names our code
  if awk 'BEGIN{RS=""} /(Direct|Indirect) leak/ && /gstcnn|ecnn_|libedgecnn|gstedgecnn/ {found=1; print} END{exit !found}' "$f"; then
    echo "leakcheck: leak attributable to edgecnn in $f"; status=1
  fi
done
[ $status -eq 0 ] && echo "leakcheck: 3 pipelines x 300 frames, no ASan error and no leak in edgecnn code"
exit $status
