/*
 * ssd_anchors.c — SSD anchor generation in the TF Object Detection API / MediaPipe
 * SsdAnchorsCalculator scheme: per layer a scale interpolated between min and max, one anchor
 * per aspect ratio (plus one at the interpolated scale), the lowest layer optionally reduced
 * to three boxes, layers with equal strides merged onto one grid, cells row-major with the
 * anchors of a cell adjacent. Load-time only.
 */
#include <math.h>
#include <string.h>

#include "ssd.h"
#include "status.h"

void ecnn_anchor_options_init(ecnn_anchor_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->anchor_offset_x = o->anchor_offset_y = 0.5f;
  o->interpolated_scale_aspect_ratio = 1.0f;
}

static float calc_scale(float lo, float hi, int32_t i, int32_t n) {
  return n > 1 ? lo + (hi - lo) * (float)i / (float)(n - 1) : (lo + hi) * 0.5f;
}

static ecnn_status check(const ecnn_anchor_options *o) {
  if (!o) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "anchor options are NULL");
  if (o->num_layers < 1 || o->num_layers > ECNN_MAX_SSD_LAYERS)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "anchors: num_layers %d is not in 1..%d",
                      (int)o->num_layers, ECNN_MAX_SSD_LAYERS);
  if (o->num_aspect_ratios < 0 || o->num_aspect_ratios > ECNN_MAX_ASPECT_RATIOS)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "anchors: %d aspect ratios (at most %d)",
                      (int)o->num_aspect_ratios, ECNN_MAX_ASPECT_RATIOS);
  if (o->input_width < 1 || o->input_height < 1 || o->input_width > 16384 ||
      o->input_height > 16384)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "anchors: input size %dx%d",
                      (int)o->input_width, (int)o->input_height);
  if (!(o->min_scale > 0.0f) || !(o->max_scale >= o->min_scale) || !isfinite(o->max_scale))
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "anchors: scales %g..%g", (double)o->min_scale,
                      (double)o->max_scale);
  for (int32_t i = 0; i < o->num_aspect_ratios; i++)
    if (!(o->aspect_ratios[i] > 0.0f) || !isfinite(o->aspect_ratios[i]))
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "anchors: aspect ratio %g",
                        (double)o->aspect_ratios[i]);
  if (!(o->interpolated_scale_aspect_ratio >= 0.0f))
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "anchors: interpolated aspect ratio %g",
                      (double)o->interpolated_scale_aspect_ratio);
  for (int32_t l = 0; l < o->num_layers; l++) {
    if (o->strides[l] < 1 && (o->feature_map_width[l] < 1 || o->feature_map_height[l] < 1))
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "anchors: layer %d has stride %d", (int)l,
                        (int)o->strides[l]);
    if (o->feature_map_width[l] < 0 || o->feature_map_height[l] < 0 ||
        o->feature_map_width[l] > 16384 || o->feature_map_height[l] > 16384)
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "anchors: layer %d feature map %dx%d",
                        (int)l, (int)o->feature_map_width[l], (int)o->feature_map_height[l]);
  }
  return ECNN_STATUS_OK;
}

/* Anchor shapes of the merged layer group starting at `layer`; returns the next layer. */
static int32_t layer_group(const ecnn_anchor_options *o, int32_t layer, float *w, float *h,
                           int32_t *n) {
  float ratios[ECNN_MAX_SSD_LAYERS * (ECNN_MAX_ASPECT_RATIOS + 1)];
  float scales[ECNN_MAX_SSD_LAYERS * (ECNN_MAX_ASPECT_RATIOS + 1)];
  int32_t k = 0, last = layer;
  while (last < o->num_layers && o->strides[last] == o->strides[layer]) {
    float s = calc_scale(o->min_scale, o->max_scale, last, o->num_layers);
    if (last == 0 && o->reduce_boxes_in_lowest_layer) {
      ratios[k] = 1.0f, scales[k++] = 0.1f;
      ratios[k] = 2.0f, scales[k++] = s;
      ratios[k] = 0.5f, scales[k++] = s;
    } else {
      for (int32_t i = 0; i < o->num_aspect_ratios; i++)
        ratios[k] = o->aspect_ratios[i], scales[k++] = s;
      if (o->interpolated_scale_aspect_ratio > 0.0f) {
        float next = last == o->num_layers - 1
                         ? 1.0f
                         : calc_scale(o->min_scale, o->max_scale, last + 1, o->num_layers);
        scales[k] = sqrtf(s * next);
        ratios[k++] = o->interpolated_scale_aspect_ratio;
      }
    }
    last++;
  }
  for (int32_t i = 0; i < k; i++) {
    float r = sqrtf(ratios[i]);
    h[i] = scales[i] / r;
    w[i] = scales[i] * r;
  }
  *n = k;
  return last;
}

static void grid(const ecnn_anchor_options *o, int32_t l, int32_t *fw, int32_t *fh) {
  *fw = o->feature_map_width[l] > 0
            ? o->feature_map_width[l]
            : (int32_t)ceilf((float)o->input_width / (float)o->strides[l]);
  *fh = o->feature_map_height[l] > 0
            ? o->feature_map_height[l]
            : (int32_t)ceilf((float)o->input_height / (float)o->strides[l]);
}

int32_t ecnn_anchor_count(const ecnn_anchor_options *o) {
  if (check(o) != ECNN_STATUS_OK) return -1;
  int64_t total = 0;
  float w[ECNN_MAX_SSD_LAYERS * (ECNN_MAX_ASPECT_RATIOS + 1)], h[sizeof w / sizeof w[0]];
  for (int32_t l = 0; l < o->num_layers;) {
    int32_t n, fw, fh;
    int32_t next = layer_group(o, l, w, h, &n);
    grid(o, l, &fw, &fh);
    total += (int64_t)fw * fh * n;
    l = next;
  }
  if (total > (1 << 24)) {
    ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "anchors: %lld anchors is too many", (long long)total);
    return -1;
  }
  return (int32_t)total;
}

ecnn_status ecnn_anchors_generate(const ecnn_anchor_options *o, ecnn_anchor *anchors,
                                  int32_t capacity, int32_t *count) {
  if (!count) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "count is NULL");
  *count = 0;
  int32_t total = ecnn_anchor_count(o);
  if (total < 0) return ECNN_STATUS_INVALID_ARGUMENT;
  if (!anchors || capacity < total)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "anchors: need room for %d, have %d",
                      (int)total, (int)capacity);
  float w[ECNN_MAX_SSD_LAYERS * (ECNN_MAX_ASPECT_RATIOS + 1)], h[sizeof w / sizeof w[0]];
  int32_t k = 0;
  for (int32_t l = 0; l < o->num_layers;) {
    int32_t n, fw, fh;
    int32_t next = layer_group(o, l, w, h, &n);
    grid(o, l, &fw, &fh);
    for (int32_t y = 0; y < fh; y++)
      for (int32_t x = 0; x < fw; x++)
        for (int32_t a = 0; a < n; a++) {
          ecnn_anchor *an = &anchors[k++];
          an->cx = ((float)x + o->anchor_offset_x) / (float)fw;
          an->cy = ((float)y + o->anchor_offset_y) / (float)fh;
          an->w = o->fixed_anchor_size ? 1.0f : w[a];
          an->h = o->fixed_anchor_size ? 1.0f : h[a];
        }
    l = next;
  }
  *count = k;
  return ECNN_STATUS_OK;
}

int32_t ecnn_anchor_layout(const ecnn_anchor_options *o, int32_t *grid_w, int32_t *grid_h,
                           int32_t *per_cell) {
  if (ecnn_anchor_count(o) < 0) return -1;
  float w[ECNN_MAX_SSD_LAYERS * (ECNN_MAX_ASPECT_RATIOS + 1)], h[sizeof w / sizeof w[0]];
  int32_t k = 0;
  for (int32_t l = 0; l < o->num_layers;) {
    int32_t next = layer_group(o, l, w, h, &per_cell[k]);
    grid(o, l, &grid_w[k], &grid_h[k]);
    k++;
    l = next;
  }
  return k;
}
