#!/usr/bin/env python3
"""int8_accuracy.py - INT8 (and pruned) against FP32 detections, for docs/quantization.md (a
development benchmark: the build and the tests never run it; standard library only).

    bench/int8_accuracy.py BUILD_DIR MODEL PHOTO_DIR [--method minmax|percentile]
                           [--percentile P] [--threshold T] [--all] [--float-outputs]
                           [--prune S [--block-channels B] [--float]]

--prune S: the model judged is MODEL pruned to sparsity S (`edgecnn prune`), then quantized
(or, with --float, left float).

The photos (every png/jpg in PHOTO_DIR, sorted) are split in two halves by their order (even /
odd); the model is quantized with `edgecnn quantize` on one half and both models run
`edgecnn detect` on the other, then the other way round, so that no photo is judged by a
model calibrated on it (--all: calibrated on every photo, judged on every photo). Detections are matched greedily by score within a class at
IoU >= 0.5; a float detection without an int8 match is a miss, an int8 one without a float
match a false alarm. Prints per photo and in total: detections, matches, F1 and the mean
|score difference| of the matches.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def detect(edgecnn, model, images, threshold, precision):
    args = [edgecnn, "detect", model, *images, "--precision", precision]
    if threshold is not None:
        args += ["--threshold", str(threshold)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    dets = {img: [] for img in images}
    for line in out.splitlines():
        d = json.loads(line)
        dets[d["image"]].append(d)
    return dets


def iou(a, b):
    w = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
    h = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (a["w"] * a["h"] + b["w"] * b["h"] - inter)


def match(fl, q8):
    """Greedy by float score: returns the matched (float, int8) pairs."""
    pairs, used = [], set()
    for f in sorted(fl, key=lambda d: -d["score"]):
        best, best_iou = None, 0.5
        for j, q in enumerate(q8):
            if j in used or q["class_id"] != f["class_id"]:
                continue
            v = iou(f, q)
            if v >= best_iou:
                best, best_iou = j, v
        if best is not None:
            used.add(best)
            pairs.append((f, q8[best]))
    return pairs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("model")
    ap.add_argument("photos")
    ap.add_argument("--method", default="minmax")
    ap.add_argument("--percentile", default="99.99")
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--float-outputs", action="store_true",
                    help="quantize with --float-outputs (the output heads stay float)")
    ap.add_argument("--prune", type=float, default=None)
    ap.add_argument("--block-channels", default="32")
    ap.add_argument("--float", action="store_true", help="with --prune: do not quantize")
    ap.add_argument("--all", action="store_true",
                    help="calibrate on every photo and judge every photo (no split)")
    o = ap.parse_args()
    edgecnn = os.path.join(o.build, "src", "cli", "edgecnn")
    photos = sorted(os.path.join(o.photos, f) for f in os.listdir(o.photos)
                    if f.lower().endswith((".png", ".jpg", ".jpeg")))
    halves = [photos[0::2], photos[1::2]]
    folds = [(photos, photos)] if o.all else [(halves[0], halves[1]), (halves[1], halves[0])]
    total = {"float": 0, "int8": 0, "match": 0, "dscore": 0.0}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        source = o.model
        if o.prune is not None:
            source = os.path.join(tmp, "pruned.tflite")
            subprocess.run([edgecnn, "prune", o.model, "--sparsity", str(o.prune),
                            "--block-channels", o.block_channels, "-o", source],
                           check=True, capture_output=True)
            if o.float:
                folds = [(photos, photos)]
        for k, (calib, judged) in enumerate(folds):
            q8 = os.path.join(tmp, f"half{k}.int8.tflite")
            if o.prune is None or not o.float:
                subprocess.run([edgecnn, "quantize", source, "--calibration", ",".join(calib),
                                "-o", q8, "--method", o.method, "--percentile", o.percentile]
                               + (["--float-outputs"] if o.float_outputs else []),
                               check=True, capture_output=True)
            else:
                q8 = source
            fd = detect(edgecnn, o.model, judged, o.threshold, "fp32")
            qd = detect(edgecnn, q8, judged, o.threshold,
                        "fp32" if o.prune is not None and o.float else "int8")
            for img in judged:
                pairs = match(fd[img], qd[img])
                ds = sum(abs(f["score"] - q["score"]) for f, q in pairs)
                rows.append((os.path.basename(img), len(fd[img]), len(qd[img]), len(pairs),
                             ds / len(pairs) if pairs else 0.0,
                             ", ".join(f'{f["label"]} {f["score"]:.2f}/{q["score"]:.2f}'
                                       for f, q in pairs)))
                total["float"] += len(fd[img])
                total["int8"] += len(qd[img])
                total["match"] += len(pairs)
                total["dscore"] += ds
    print(f"| photo | float | int8 | matched | mean abs score diff | matches (float/int8 score) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]:.3f} | {r[5]} |")
    f1 = 2 * total["match"] / (total["float"] + total["int8"]) if total["float"] + total["int8"] else 1
    ds = total["dscore"] / total["match"] if total["match"] else 0
    print(f"\ntotal: {total['float']} float detections, {total['int8']} int8, {total['match']} "
          f"matched: F1 {f1:.3f}, mean |score difference| {ds:.4f}")


if __name__ == "__main__":
    sys.exit(main())
