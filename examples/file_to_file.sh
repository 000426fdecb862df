#!/usr/bin/env bash
# File -> annotated file: decode any video, detect, draw boxes and the heatmap, encode MJPEG AVI
# (gstreamer1.0-plugins-good) and write the detections as JSON lines. Offline, throughput is
# what counts: two frames' inferences at once (inflight=2), one thread each.
#   examples/file_to_file.sh input.mp4 out.avi
set -euo pipefail
in="${1:?input video}"; out="${2:-annotated.avi}"
M=models/ssd_mobilenetv2_oidv4_fp16.tflite
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$PWD/build/gst}"
gst-launch-1.0 -e filesrc location="$in" ! decodebin ! videoconvert ! \
  cnnpreprocess model=$M ! queue ! cnninfer model=$M threads=1 inflight=2 saliency=true \
  json-file="${out%.*}.jsonl" ! \
  queue ! cnnoverlay ! cnnheatmap ! videoconvert ! jpegenc ! avimux ! filesink location="$out"
