/*
 * cam.c — saliency for classifiers and segmentation models: the class activation map (CAM:
 * the classifier's weights for one class applied to the feature map its global pool reads;
 * the model loader keeps that feature map alive in the arena) and segmentation masks as maps.
 * Both end with the same bilinear upsampling to the requested size. Per inferred frame.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "status.h"

/* Bilinear (half-pixel centres) resize of a single-channel grid. */
static void upsample(const float *src, int32_t sw, int32_t sh, float *dst, int32_t dw, int32_t dh) {
  for (int32_t y = 0; y < dh; y++) {
    float sy = fminf(fmaxf(((float)y + 0.5f) * (float)sh / (float)dh - 0.5f, 0.0f), (float)(sh - 1));
    const int32_t y0 = (int32_t)sy, y1 = y0 + 1 < sh ? y0 + 1 : y0;
    const float fy = sy - (float)y0;
    for (int32_t x = 0; x < dw; x++) {
      float sx = fminf(fmaxf(((float)x + 0.5f) * (float)sw / (float)dw - 0.5f, 0.0f), (float)(sw - 1));
      const int32_t x0 = (int32_t)sx, x1 = x0 + 1 < sw ? x0 + 1 : x0;
      const float fx = sx - (float)x0;
      dst[(size_t)y * dw + x] = src[y0 * sw + x0] * (1 - fy) * (1 - fx) + src[y0 * sw + x1] * (1 - fy) * fx +
                                src[y1 * sw + x0] * fy * (1 - fx) + src[y1 * sw + x1] * fy * fx;
    }
  }
}

static ecnn_status check_size(int32_t w, int32_t h) {
  if (w < 1 || h < 1 || w > 16384 || h > 16384)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "saliency map size %dx%d", (int)w, (int)h);
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_session_cam(const ecnn_session *s, int32_t class_id, float *map, int32_t width,
                             int32_t height) {
  if (!s || !map) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "CAM: NULL argument");
  ecnn_status st = check_size(width, height);
  if (st != ECNN_STATUS_OK) return st;
  const ecnn_model *m = ecnn_session_model(s);
  if (m->cam_node < 0)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED,
                      "CAM: the model has no global pooling feeding a classifier");
  if (!ecnn_session_has_run(s))
    return ecnn_error(ECNN_STATUS_INVALID_STATE, "CAM: no successful run yet");
  const ecnn_graph *g = &m->graph;
  const ecnn_node *n = &g->nodes[m->cam_node];
  const ecnn_tensor *w = &g->tensors[n->inputs[1]], *f = &g->tensors[m->cam_features];
  const int32_t classes = w->dims[0], C = f->dims[3], H = f->dims[1], W = f->dims[2];
  if (class_id < 0 || class_id >= classes)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "CAM: class %d of %d", (int)class_id,
                      (int)classes);
  const float *feat = ecnn_session_tensor(s, m->cam_features);
  const float *wrow = (const float *)w->data + (size_t)class_id * C;
  float *grid = malloc((size_t)W * H * sizeof *grid);
  if (!grid) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "CAM: out of memory");
  float mx = 0;
  for (int32_t i = 0; i < W * H; i++) {
    float acc = 0;
    for (int32_t c = 0; c < C; c++) acc += wrow[c] * feat[(size_t)i * C + c];
    grid[i] = acc > 0 ? acc : 0;
    mx = grid[i] > mx ? grid[i] : mx;
  }
  for (int32_t i = 0; i < W * H; i++) grid[i] = mx > 0 ? grid[i] / mx : 0;
  upsample(grid, W, H, map, width, height);
  free(grid);
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_saliency_mask(const float *out, int32_t oh, int32_t ow, int32_t channels,
                               const ecnn_decode_options *d, float *map, int32_t width,
                               int32_t height) {
  if (!out || !d || !map) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "mask: NULL argument");
  ecnn_status st = check_size(width, height);
  if (st != ECNN_STATUS_OK) return st;
  if (oh < 1 || ow < 1 || channels < 1 || oh > 16384 || ow > 16384 || channels > 4096)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "mask: output %dx%dx%d", (int)oh, (int)ow,
                      (int)channels);
  float *grid = malloc((size_t)oh * ow * sizeof *grid);
  if (!grid) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "mask: out of memory");
  for (int32_t i = 0; i < oh * ow; i++) {
    const float *v = out + (size_t)i * channels;
    float p;
    if (channels == 1) {
      p = d->score_fn == ECNN_SCORE_SIGMOID ? 1.0f / (1.0f + expf(-v[0])) : v[0];
    } else {
      float m = v[0], sum = 0, best = 0;
      for (int32_t c = 1; c < channels; c++) m = v[c] > m ? v[c] : m;
      for (int32_t c = 0; c < channels; c++) sum += expf(v[c] - m);
      for (int32_t c = d->ignore_class_0 ? 1 : 0; c < channels; c++) {
        float q = expf(v[c] - m) / sum;
        best = q > best ? q : best;
      }
      p = d->ignore_class_0 ? 1.0f - expf(v[0] - m) / sum : best;
    }
    grid[i] = fminf(fmaxf(p, 0.0f), 1.0f);
  }
  upsample(grid, ow, oh, map, width, height);
  free(grid);
  return ECNN_STATUS_OK;
}
