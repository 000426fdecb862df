/*
 * colormap.c — colour maps (jet, inferno, turbo) and the in-place heatmap blend used by
 * cnnheatmap. The maps are our own approximations: jet is its classic piecewise-linear
 * formula; inferno and turbo interpolate a handful of control colours read off their published
 * ramps (close, not bit-exact). The blend maps every frame pixel through the letterbox region to
 * map coordinates (per-row and per-column tables, no per-pixel division), samples the map
 * bilinearly and mixes the colour in the frame's own format. Runs per frame.
 */
#include <math.h>
#include <stdlib.h>

#include "pixel.h"
#include "status.h"

typedef struct stop {
  float t;
  uint8_t r, g, b;
} stop;

static const stop inferno_stops[] = {{0.00f, 0, 0, 4},      {0.13f, 31, 12, 72},
                                     {0.25f, 85, 15, 109},  {0.38f, 136, 34, 106},
                                     {0.50f, 186, 54, 85},  {0.63f, 227, 89, 51},
                                     {0.75f, 249, 140, 10}, {0.88f, 249, 201, 50},
                                     {1.00f, 252, 255, 164}};
static const stop turbo_stops[] = {{0.00f, 48, 18, 59},   {0.13f, 70, 107, 227},
                                   {0.25f, 41, 170, 237}, {0.38f, 26, 228, 182},
                                   {0.50f, 118, 254, 98}, {0.63f, 199, 239, 52},
                                   {0.75f, 250, 186, 57}, {0.88f, 233, 94, 13},
                                   {1.00f, 122, 4, 3}};

static ecnn_rgb from_stops(const stop *s, int n, float t) {
  int i = 0;
  while (i < n - 2 && t > s[i + 1].t) i++;
  float f = (t - s[i].t) / (s[i + 1].t - s[i].t);
  f = fminf(fmaxf(f, 0.0f), 1.0f);
  return (ecnn_rgb){(uint8_t)lroundf(s[i].r + f * (s[i + 1].r - s[i].r)),
                    (uint8_t)lroundf(s[i].g + f * (s[i + 1].g - s[i].g)),
                    (uint8_t)lroundf(s[i].b + f * (s[i + 1].b - s[i].b))};
}

static uint8_t jet_channel(float x) { /* the classic ramp: up, flat, down */
  float v = fminf(fmaxf(1.5f - fabsf(x), 0.0f), 1.0f);
  return (uint8_t)lroundf(v * 255.0f);
}

ecnn_rgb ecnn_colormap_lookup(ecnn_colormap map, float t) {
  t = fminf(fmaxf(isnan(t) ? 0.0f : t, 0.0f), 1.0f);
  switch (map) {
  case ECNN_COLORMAP_INFERNO: return from_stops(inferno_stops, 9, t);
  case ECNN_COLORMAP_TURBO: return from_stops(turbo_stops, 9, t);
  default: {
    const float x = 4.0f * t;
    return (ecnn_rgb){jet_channel(x - 3.0f), jet_channel(x - 2.0f), jet_channel(x - 1.0f)};
  }
  }
}

/* Map coordinate of each frame column / row (negative: outside the map). */
static void axis_table(int32_t n, float offset, float scale, int32_t tensor, int32_t m,
                       float *out) {
  for (int32_t i = 0; i < n; i++) {
    float tc = ((float)i + 0.5f - offset) * scale;     /* tensor coordinate of the pixel centre */
    if (tc < 0 || tc >= (float)tensor) {
      out[i] = -1.0f;
      continue;
    }
    float mc = tc * (float)m / (float)tensor - 0.5f;   /* map sample position */
    out[i] = fminf(fmaxf(mc, 0.0f), (float)(m - 1));
  }
}

static float sample(const float *map, int32_t mw, int32_t mh, float x, float y) {
  const int32_t x0 = (int32_t)x, y0 = (int32_t)y;
  const int32_t x1 = x0 + 1 < mw ? x0 + 1 : x0, y1 = y0 + 1 < mh ? y0 + 1 : y0;
  const float fx = x - (float)x0, fy = y - (float)y0;
  return map[y0 * mw + x0] * (1 - fx) * (1 - fy) + map[y0 * mw + x1] * fx * (1 - fy) +
         map[y1 * mw + x0] * (1 - fx) * fy + map[y1 * mw + x1] * fx * fy;
}

static inline uint8_t mix(uint8_t a, int b, float alpha) {
  return ecnn_clamp_u8((int)lroundf((float)a + alpha * (float)(b - a)));
}

ecnn_status ecnn_heatmap_blend(const ecnn_frame *f, const float *map, int32_t mw, int32_t mh,
                               const ecnn_letterbox *region, ecnn_colormap cmap, float alpha,
                               float min_score) {
  ecnn_status st = ecnn_frame_check(f);
  if (st != ECNN_STATUS_OK) return st;
  if (!map || mw < 1 || mh < 1 || mw > 16384 || mh > 16384)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "heatmap: map %dx%d", (int)mw, (int)mh);
  if ((unsigned)cmap >= ECNN_COLORMAP_COUNT || !(alpha >= 0.0f && alpha <= 1.0f))
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "heatmap: colormap %d, alpha %g", (int)cmap,
                      (double)alpha);
  ecnn_letterbox whole = {0, 0, (float)mw / (float)f->width, (float)mh / (float)f->height, mw, mh};
  const ecnn_letterbox *r = region ? region : &whole;
  if (!(r->scale_x > 0 && r->scale_y > 0) || r->tensor_width < 1 || r->tensor_height < 1)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "heatmap: bad region");
  if (alpha == 0.0f) return ECNN_STATUS_OK;
  float *cols = malloc((size_t)f->width * sizeof *cols), *rows = malloc((size_t)f->height * sizeof *rows);
  if (!cols || !rows) {
    free(cols);
    free(rows);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "heatmap: out of memory");
  }
  axis_table(f->width, r->offset_x, r->scale_x, r->tensor_width, mw, cols);
  axis_table(f->height, r->offset_y, r->scale_y, r->tensor_height, mh, rows);
  ecnn_rgb lut[256];
  for (int i = 0; i < 256; i++) lut[i] = ecnn_colormap_lookup(cmap, (float)i / 255.0f);
  ecnn_packed l = {0, 0, 0, 0};
  const bool packed = ecnn_packed_layout(f->format, &l);
  for (int32_t y = 0; y < f->height; y++) {
    if (rows[y] < 0) continue;
    uint8_t *row = f->planes[0] + (size_t)y * f->strides[0];
    for (int32_t x = 0; x < f->width; x++) {
      if (cols[x] < 0) continue;
      const float v = sample(map, mw, mh, cols[x], rows[y]);
      if (!(v >= min_score)) continue;
      const ecnn_rgb c = lut[(int)lroundf(fminf(fmaxf(v, 0.0f), 1.0f) * 255.0f)];
      if (packed) {
        uint8_t *p = row + (size_t)x * l.bpp;
        p[l.r] = mix(p[l.r], c.r, alpha), p[l.g] = mix(p[l.g], c.g, alpha), p[l.b] = mix(p[l.b], c.b, alpha);
        continue;
      }
      if (f->format == ECNN_PIXEL_GRAY8) {
        row[x] = mix(row[x], ecnn_rgb_to_gray(c.r, c.g, c.b), alpha);
        continue;
      }
      int Y, U, V;
      ecnn_rgb_to_yuv(c.r, c.g, c.b, &Y, &U, &V);
      if (f->format == ECNN_PIXEL_YUY2) {
        row[2 * x] = mix(row[2 * x], Y, alpha);
        if (!(x & 1)) {
          row[(x / 2) * 4 + 1] = mix(row[(x / 2) * 4 + 1], U, alpha);
          row[(x / 2) * 4 + 3] = mix(row[(x / 2) * 4 + 3], V, alpha);
        }
        continue;
      }
      row[x] = mix(row[x], Y, alpha);
      if ((x & 1) || (y & 1)) continue; /* chroma once per 2x2 block, from its top-left pixel */
      if (f->format == ECNN_PIXEL_I420) {
        uint8_t *u = f->planes[1] + (size_t)(y / 2) * f->strides[1] + x / 2;
        uint8_t *v2 = f->planes[2] + (size_t)(y / 2) * f->strides[2] + x / 2;
        *u = mix(*u, U, alpha), *v2 = mix(*v2, V, alpha);
      } else {
        uint8_t *uv = f->planes[1] + (size_t)(y / 2) * f->strides[1] + x;
        uv[0] = mix(uv[0], U, alpha), uv[1] = mix(uv[1], V, alpha);
      }
    }
  }
  free(cols);
  free(rows);
  return ECNN_STATUS_OK;
}
