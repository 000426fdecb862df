#!/usr/bin/python3
"""Makes the golden files of tests/engine/test_golden.c with the independent numpy reference
interpreter ../shared/tools/tfl_ref.py (never called by the build or the tests).

  tests/golden/make_golden.py [SHARED_TOOLS_DIR]

Inputs per model: the tflite-oracle's @rand:1 tensor (values in [-1, 1), see test_util.c) and
the photos in tests/data resized to the model input (bilinear, GStreamer videoscale), stored as
uint8 RGB (<photo>_<W>x<H>.rgb; the float input is u / 127.5 - 1). For every output the golden
file keeps its shape, max |ref|, sum and sum of squares, and ~1000 sampled values (every k-th
element plus the largest), so the repository stays small."""
import json, os, subprocess, sys
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
tools = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, '..', 'shared', 'tools')
sys.path.insert(0, tools)
import tfl_ref  # noqa: E402

MODELS = [('ssd_mobilenetv2_oidv4_fp16.tflite', 300, 300), ('face_detection_short_range.tflite', 128, 128)]
PHOTOS = ['astronaut.png', 'coffee.png']

def rand_input(n, seed=1):
    s = seed; out = np.empty(n, np.float32)
    for i in range(n):
        s = (1664525 * s + 1013904223) & 0xffffffff
        out[i] = np.float32((s >> 8) / 16777216.0) * np.float32(2) - np.float32(1)
    return out

def photo_rgb(photo, w, h):
    path = os.path.join(here, '%s_%dx%d.rgb' % (photo[:-4], w, h))
    if not os.path.exists(path):
        subprocess.run(['gst-launch-1.0', '-q', 'filesrc', 'location=' + os.path.join(root, 'tests', 'data', photo),
                        '!', 'pngdec', '!', 'videoconvert', '!', 'videoscale', 'method=bilinear', '!',
                        'video/x-raw,format=RGB,width=%d,height=%d' % (w, h), '!', 'filesink', 'location=' + path],
                       check=True)
    u = np.fromfile(path, np.uint8)
    assert u.size == w * h * 3, (path, u.size)
    return (u.astype(np.float32) / np.float32(127.5) - np.float32(1)).astype(np.float32)

def write_golden(name, outs):
    with open(os.path.join(here, name), 'w') as f:
        f.write('# made by make_golden.py with tfl_ref.py; see README.md\n')
        for i, (oname, shape, v) in enumerate(outs):
            v = v.reshape(-1).astype(np.float64)
            n = v.size
            k = max(1, n // 1000)
            idx = sorted(set(range(0, n, k)) | {int(np.argmax(np.abs(v)))})
            f.write('output %d %s %d %.9g %.9g %.9g %d\n' % (i, 'x'.join(map(str, shape)), n,
                    np.abs(v).max(), v.sum(), (v * v).sum(), len(idx)))
            for j in idx:
                f.write('%d %.9g\n' % (j, v[j]))

for model, w, h in MODELS:
    path = os.path.join(root, 'models', model)
    base = model.split('.')[0]
    inputs = [('rand1', rand_input(w * h * 3))] + [(p[:-4], photo_rgb(p, w, h)) for p in PHOTOS]
    for tag, x in inputs:
        outs, _ = tfl_ref.run(path, x)
        write_golden('%s_%s.gold' % (base, tag), outs)
        print(base, tag, [(o[0], o[1]) for o in outs])
