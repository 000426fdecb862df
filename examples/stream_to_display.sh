#!/usr/bin/env bash
# RTSP (or any URI, e.g. udp://@:5000 with an MPEG-TS stream) -> display with face detection.
#   examples/stream_to_display.sh rtsp://camera/stream
set -euo pipefail
uri="${1:?stream URI}"
M=models/face_detection_short_range.tflite
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$PWD/build/gst}"
gst-launch-1.0 uridecodebin uri="$uri" ! videoconvert ! \
  cnninfer model=$M ! queue ! cnnoverlay show-scores=false ! videoconvert ! autovideosink sync=false
