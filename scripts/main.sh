#!/usr/bin/env bash
# The main job end to end: dependencies, build, model fetch, the engine on the sample photos
# (edgecnn info / detect), then the GStreamer detection pipeline on a clip made from them,
# writing an annotated video, snapshots and JSON detections into out/, and the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash models/fetch.sh
meson setup build >/dev/null 2>&1 || true
ninja -C build
mkdir -p out
./build/src/cli/edgecnn info models/ssd_mobilenetv2_oidv4_fp16.tflite
./build/src/cli/edgecnn detect models/ssd_mobilenetv2_oidv4_fp16.tflite \
  tests/data/astronaut.png tests/data/coffee.png | tee out/photo_detections.jsonl
./build/src/cli/edgecnn detect models/face_detection_short_range.tflite \
  tests/data/astronaut.png | tee out/faces.jsonl
./build/src/cli/edgecnn bench models/ssd_mobilenetv2_oidv4_fp16.tflite --runs 5 --backend native,xnnpack \
  || ./build/src/cli/edgecnn bench models/ssd_mobilenetv2_oidv4_fp16.tflite --runs 5
bash scripts/pipeline.sh build 60 1
echo "main: out/annotated.avi (annotated video), out/frame*.jpg, out/detections.jsonl (pipeline),"
echo "      out/photo_detections.jsonl and out/faces.jsonl (edgecnn detect)"
