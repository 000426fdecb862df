#!/usr/bin/env bash
# Pipeline benchmark (not a test): a 1280x720 I420 stream made from astronaut.png, through
#   cnnpreprocess ! cnninfer ! cnnoverlay ! cnnheatmap ! fakesink
# with 1 and 2 inference threads, and the time each stage adds per frame (measured by adding
# the stages one at a time); then the whole pipeline with a queue before each stage, and so
# with two frames in flight (cnninfer inflight=2 threads=1). Every figure is steady state:
# the time 2N frames take minus the time N frames take, so process start-up, model loading
# and the PNG decode cancel out.
# Results go in docs/performance.md.
#   bench/pipeline_bench.sh [BUILD_DIR] [FRAMES] [BACKEND] [MODEL] [PRECISION]
# (MODEL: default the float SSD; an int8 one from `edgecnn quantize` with PRECISION int8)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"; frames="${2:-30}"; backend="${3:-native}"
case "$build" in /*) ;; *) build="$PWD/$build" ;; esac
export GST_PLUGIN_PATH="$build/gst"
M="${4:-models/ssd_mobilenetv2_oidv4_fp16.tflite}"; precision="${5:-fp32}"
# decode and scale once; the source then only copies a frame
source() { # source N: a stream of N frames
  echo "filesrc location=tests/data/astronaut.png ! pngdec ! videoconvert ! videoscale add-borders=true ! \
video/x-raw,width=1280,height=720,pixel-aspect-ratio=1/1 ! videoconvert ! video/x-raw,format=I420 ! \
imagefreeze num-buffers=$1 ! video/x-raw,framerate=1000/1"
}
src=$(source "$frames")

run() { # run STAGES [SOURCE] -> median seconds of 3 runs (the machine may be shared: take medians)
  local s e t=() from="${2:-$src}"
  for _ in 1 2 3; do
    s=$(date +%s.%N)
    eval gst-launch-1.0 -q $from $1 ! fakesink sync=false >/dev/null ||
      { echo "pipeline bench: this pipeline failed: $1" >&2; return 1; }
    e=$(date +%s.%N)
    t+=("$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')")
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n 2p
}

steady() { # steady STAGES -> seconds that N more frames take (start-up, model loading and the
  # PNG decode cancel out)
  local one two
  one=$(run "$1") || exit 1
  two=$(run "$1" "$(source $((2 * frames)))") || exit 1
  awk -v a="$one" -v b="$two" 'BEGIN { printf "%.4f", b - a }'
}

echo "pipeline bench: $frames frames 1280x720 I420, $M, backend $backend, precision $precision, $(nproc) cores (steady state)"
base=$(steady "") || exit 1
for threads in 1 2; do
  pre=$(steady "! cnnpreprocess model=$M") || exit 1
  inf=$(steady "! cnnpreprocess model=$M ! cnninfer model=$M threads=$threads backend=$backend precision=$precision") || exit 1
  ovl=$(steady "! cnnpreprocess model=$M ! cnninfer model=$M threads=$threads backend=$backend precision=$precision ! cnnoverlay") || exit 1
  all=$(steady "! cnnpreprocess model=$M ! cnninfer model=$M threads=$threads backend=$backend precision=$precision saliency=true ! cnnoverlay ! cnnheatmap") || exit 1
  # the same with a queue before each stage: each stage in its own streaming thread, so frame
  # n + 1's preprocessing and frame n - 1's overlay and heatmap overlap frame n's inference
  que=$(steady "! queue ! cnnpreprocess model=$M ! queue ! cnninfer model=$M threads=$threads backend=$backend precision=$precision saliency=true ! queue ! cnnoverlay ! cnnheatmap") || exit 1
  awk -v n="$frames" -v t="$threads" -v b="$base" -v p="$pre" -v i="$inf" -v o="$ovl" -v a="$all" -v q="$que" 'BEGIN {
    printf "threads %d: %.1f fps end to end (%.1f fps with queues); per frame: source %.2f ms, preprocess %.2f ms, infer %.2f ms, overlay %.2f ms, heatmap (+saliency) %.2f ms\n",
      t, n / a, n / q, 1000 * b / n, 1000 * (p - b) / n, 1000 * (i - p) / n, 1000 * (o - i) / n, 1000 * (a - o) / n }'
done
# two frames in flight, one thread each (cnninfer inflight=2), with the queues
fly=$(steady "! queue ! cnnpreprocess model=$M ! queue ! cnninfer model=$M threads=1 inflight=2 backend=$backend precision=$precision saliency=true ! queue ! cnnoverlay ! cnnheatmap") || exit 1
awk -v n="$frames" -v f="$fly" 'BEGIN { printf "inflight=2 threads=1, with queues: %.1f fps end to end\n", n / f }'
