#!/usr/bin/env bash
# V4L2 camera -> display, detections drawn live (one inference every 2nd frame).
#   examples/camera_to_display.sh [/dev/video0]
set -euo pipefail
dev="${1:-/dev/video0}"
M=models/ssd_mobilenetv2_oidv4_fp16.tflite
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$PWD/build/gst}"
gst-launch-1.0 v4l2src device="$dev" ! video/x-raw,width=1280,height=720 ! videoconvert ! \
  cnnpreprocess model=$M ! queue max-size-buffers=2 leaky=downstream ! \
  cnninfer model=$M threads=2 interval=2 ! queue ! cnnoverlay ! videoconvert ! autovideosink sync=false
