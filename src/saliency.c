/*
 * saliency.c — where an SSD model "looks": for each anchor grid (feature map), each cell's
 * highest non-background class probability over its anchors; each grid upsampled bilinearly
 * (half-pixel centres) to the requested size; grids combined by their mean. Computed from the
 * scores output the detector already has, so it costs one pass over the scores plus the
 * upsampling. Grids are averaged, not maxed: the coarsest grids (one cell for the whole
 * image) always hold some large anchor with a fair score and would otherwise paint the whole
 * frame; averaging keeps what several scales agree on. Runs per inferred frame when asked for:
 * per-column sampling tables, each grid row upsampled horizontally once, and each map row a
 * (vectorized) lerp of two of those keep it well under 1 ms at 300x300 (1917 anchors).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ssd.h"
#include "status.h"

/* Probability of the best class of one anchor (the decode options' score function). */
static float anchor_prob(const ecnn_decode_options *d, const float *row) {
  const int32_t first = d->ignore_class_0 ? 1 : 0;
  float best = row[first];
  for (int32_t c = first + 1; c < d->num_classes; c++) best = row[c] > best ? row[c] : best;
  if (d->score_clip > 0) best = fminf(fmaxf(best, -d->score_clip), d->score_clip);
  switch (d->score_fn) {
  case ECNN_SCORE_SIGMOID: return 1.0f / (1.0f + expf(-best));
  case ECNN_SCORE_SOFTMAX: {
    float m = row[0], sum = 0;
    for (int32_t c = 1; c < d->num_classes; c++) m = row[c] > m ? row[c] : m;
    for (int32_t c = 0; c < d->num_classes; c++) sum += expf(row[c] - m);
    return expf(best - m) / sum;
  }
  default: return fminf(fmaxf(best, 0.0f), 1.0f);
  }
}

ecnn_status ecnn_saliency_ssd(const ecnn_anchor_options *anchors,
                              const ecnn_decode_options *decode, const float *scores,
                              int32_t num_anchors, float *map, int32_t width, int32_t height) {
  if (!anchors || !decode || !scores || !map)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "saliency: NULL argument");
  if (width < 1 || height < 1 || width > 16384 || height > 16384)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "saliency: map size %dx%d", (int)width,
                      (int)height);
  if (decode->num_classes < 1 || (decode->ignore_class_0 && decode->num_classes < 2))
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "saliency: %d classes",
                      (int)decode->num_classes);
  int32_t gw[ECNN_MAX_SSD_LAYERS], gh[ECNN_MAX_SSD_LAYERS], pc[ECNN_MAX_SSD_LAYERS];
  int32_t ng = ecnn_anchor_layout(anchors, gw, gh, pc);
  if (ng < 0) return ECNN_STATUS_INVALID_ARGUMENT;
  int64_t total = 0;
  for (int32_t g = 0; g < ng; g++) total += (int64_t)gw[g] * gh[g] * pc[g];
  if (total != num_anchors)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                      "saliency: the anchor options give %lld anchors, the scores have %d",
                      (long long)total, (int)num_anchors);
  /* one allocation: the largest grid's cells, its rows upsampled horizontally, and the
   * per-column sampling table (x0, x1, weight) */
  int32_t cells = 1, hmax = 1;
  for (int32_t g = 0; g < ng; g++) {
    cells = gw[g] * gh[g] > cells ? gw[g] * gh[g] : cells;
    hmax = gh[g] > hmax ? gh[g] : hmax;
  }
  float *cell = malloc(((size_t)cells + (size_t)hmax * width + width) * sizeof(float) +
                       (size_t)width * 2 * sizeof(int32_t));
  if (!cell) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "saliency: out of memory");
  float *hrows = cell + cells, *fxs = hrows + (size_t)hmax * width;
  int32_t *xs = (int32_t *)(fxs + width);
  memset(map, 0, (size_t)width * height * sizeof *map);
  const float inv_ng = 1.0f / (float)ng;
  size_t a = 0;
  for (int32_t g = 0; g < ng; g++) {
    const int32_t W = gw[g], H = gh[g];
    for (int32_t i = 0; i < W * H; i++) {
      float m = 0;
      for (int32_t k = 0; k < pc[g]; k++, a++) {
        float p = anchor_prob(decode, scores + a * (size_t)decode->num_classes);
        m = p > m ? p : m;
      }
      cell[i] = m * inv_ng; /* grids are averaged */
    }
    /* bilinear, half-pixel centres, edges clamped: each grid row upsampled horizontally once,
     * then every map row a lerp of two of them (contiguous: it vectorizes) */
    const float kx = (float)W / (float)width, ky = (float)H / (float)height;
    for (int32_t x = 0; x < width; x++) {
      const float sx = fminf(fmaxf(((float)x + 0.5f) * kx - 0.5f, 0.0f), (float)(W - 1));
      xs[2 * x] = (int32_t)sx;
      xs[2 * x + 1] = xs[2 * x] + 1 < W ? xs[2 * x] + 1 : xs[2 * x];
      fxs[x] = sx - (float)xs[2 * x];
    }
    for (int32_t j = 0; j < H; j++) {
      const float *c = cell + (size_t)j * W;
      float *h = hrows + (size_t)j * width;
      for (int32_t x = 0; x < width; x++) {
        const float v0 = c[xs[2 * x]], v1 = c[xs[2 * x + 1]];
        h[x] = v0 + fxs[x] * (v1 - v0);
      }
    }
    for (int32_t y = 0; y < height; y++) {
      const float sy = fminf(fmaxf(((float)y + 0.5f) * ky - 0.5f, 0.0f), (float)(H - 1));
      const int32_t y0 = (int32_t)sy, y1 = y0 + 1 < H ? y0 + 1 : y0;
      const float fy = sy - (float)y0;
      const float *h0 = hrows + (size_t)y0 * width, *h1 = hrows + (size_t)y1 * width;
      float *out = map + (size_t)y * width;
      for (int32_t x = 0; x < width; x++) out[x] += h0[x] + fy * (h1[x] - h0[x]);
    }
  }
  free(cell);
  return ECNN_STATUS_OK;
}
