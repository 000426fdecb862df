#!/usr/bin/env bash
# The detection pipeline of the main job: makes a short 1280x720 clip from the two test photos
# (each held for N frames, scaled with borders), runs it through
#   cnnpreprocess ! queue ! cnninfer ! queue ! cnnoverlay ! cnnheatmap
# (two frames' inferences at once, one thread each: inflight=2 threads=1, the most frames per
# second on two cores; one inference on two threads, with the encoder beside it, gave 44-53 fps
# against 62) and writes an annotated MJPEG AVI, a snapshot PNG and the detections as JSON
# lines; prints the frame rate reached. Usage: scripts/pipeline.sh [BUILD_DIR] [FRAMES_PER_PHOTO] [INTERVAL]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
frames="${2:-60}"
interval="${3:-1}"
model=models/ssd_mobilenetv2_oidv4_fp16.tflite
mkdir -p out
case "$build" in /*) ;; *) build="$PWD/$build" ;; esac
export GST_PLUGIN_PATH="$build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
gst-inspect-1.0 cnninfer >/dev/null || { echo "pipeline: the edgecnn plugin is not built in $build/gst" >&2; exit 1; }

photo() { # photo FILE -> a 1280x720 segment of $frames frames
  echo "filesrc location=tests/data/$1 ! pngdec ! videoconvert ! imagefreeze num-buffers=$frames ! \
        videorate ! video/x-raw,framerate=30/1 ! videoscale add-borders=true ! \
        video/x-raw,width=1280,height=720,pixel-aspect-ratio=1/1 ! videoconvert ! video/x-raw,format=I420 ! c."
}

start=$(date +%s.%N)
gst-launch-1.0 -q concat name=c ! cnnpreprocess model="$model" ! queue ! \
  cnninfer model="$model" threads=1 inflight=2 interval="$interval" saliency=true \
    json-file=out/detections.jsonl ! queue ! \
  cnnoverlay thickness=3 ! cnnheatmap alpha=0.4 ! tee name=t \
  t. ! queue ! jpegenc quality=85 ! avimux ! filesink location=out/annotated.avi \
  t. ! queue ! videorate drop-only=true ! video/x-raw,framerate=1/1 ! jpegenc ! \
    multifilesink location=out/frame%02d.jpg \
  $(photo astronaut.png) $(photo coffee.png)
end=$(date +%s.%N)
total=$((2 * frames))
awk -v n="$total" -v s="$start" -v e="$end" -v i="$interval" 'BEGIN {
  printf "pipeline: %d frames of 1280x720 in %.1f s: %.1f fps (inference every %d frame(s))\n",
         n, e - s, n / (e - s), i }'
echo "pipeline: wrote out/annotated.avi, out/frame*.jpg, out/detections.jsonl ($(wc -l < out/detections.jsonl) detections)"
