/*
 * colormap.c — colour maps (jet, inferno, turbo) and the in-place heatmap blend used by
 * cnnheatmap. The maps are our own approximations, no copied tables: jet is its classic
 * piecewise-linear formula; inferno and turbo interpolate linearly between nine control colours
 * picked by eye from their published ramps (close in hue and luminance, not bit-exact; inferno's
 * luminance still rises monotonically). The blend maps every frame pixel through the letterbox
 * region to map coordinates with per-row and per-column tables (no per-pixel division), samples
 * the map bilinearly (one vertical lerp per map column per row, one horizontal lerp per pixel),
 * looks the colour up in a 256-entry table already converted to the frame's format and mixes it
 * with integer arithmetic. YUV chroma is mixed once per chroma sample from the average over the
 * pixels it covers. Runs per frame: 1280x720 takes a few milliseconds on one core.
 */
#include <math.h>
#include <stdlib.h>

#include "kernels/blend.h"
#include "kernels/isa.h"
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

/* Where a frame column (row) samples the map: map indices i0, i1 and the weight of i1; i0 < 0
 * when the pixel centre lies outside the region. */
typedef struct axis {
  int32_t i0, i1;
  float f;
} axis;

/* Fills the table for n frame pixels; returns the contiguous range [*begin, *end) inside the
 * region (tensor coordinates grow with the frame coordinate, so the inside is one run). */
static void axis_table(int32_t n, float offset, float scale, int32_t tensor, int32_t m, axis *out,
                       int32_t *begin, int32_t *end) {
  const float to_map = (float)m / (float)tensor;
  *begin = n, *end = 0;
  for (int32_t i = 0; i < n; i++) {
    const float tc = ((float)i + 0.5f - offset) * scale; /* tensor coordinate of the centre */
    if (!(tc >= 0 && tc < (float)tensor)) {
      out[i] = (axis){-1, -1, 0};
      continue;
    }
    float mc = fminf(fmaxf(tc * to_map - 0.5f, 0.0f), (float)(m - 1)); /* half-pixel centres */
    const int32_t i0 = (int32_t)mc;
    out[i] = (axis){i0, i0 + 1 < m ? i0 + 1 : i0, mc - (float)i0};
    if (i < *begin) *begin = i;
    *end = i + 1;
  }
}

/* Everything the row loops need, computed once per call. */
typedef struct blend {
  const float *map;
  int32_t mw;
  const axis *rows;
  const int32_t *ci0, *ci1; /* the columns' map indices and weights (axis_table's, apart) */
  const float *cf;
  int32_t xb, xe; /* columns inside the region */
  float min_score;
  float *hrow[2]; /* two map rows interpolated horizontally to frame columns [xb, xe) */
  int32_t hkey[2]; /* the map row each holds, -1 for none */
  int32_t q;      /* alpha in 1/256 */
  void (*hrow_fn)(float *, const float *, const int32_t *, const int32_t *, const float *,
                  int32_t);
  void (*index_fn)(int16_t *, const float *, const float *, float, float, int32_t);
} blend;

/* Map row i interpolated horizontally (frame columns [xb, xe)), from the two-row cache; `keep`
 * is the other row the caller needs (not evicted). Frame rows walk the map rows in order, so
 * each map row is interpolated about once per call, not once per frame row. */
static const float *hrow_of(blend *b, int32_t i, int32_t keep) {
  if (b->hkey[0] == i) return b->hrow[0];
  if (b->hkey[1] == i) return b->hrow[1];
  const int s = b->hkey[0] == keep ? 1 : 0;
  float *h = b->hrow[s];
  const int32_t xb = b->xb;
  b->hrow_fn(h + xb, b->map + (size_t)i * b->mw, b->ci0 + xb, b->ci1 + xb, b->cf + xb,
             b->xe - xb);
  b->hkey[s] = i;
  return h;
}

/* Fills idx[xb..xe) for frame row y (colour table index, or -1 for an untouched pixel); false
 * when the row lies outside the region. */
static bool row_indices(blend *b, int32_t y, int16_t *idx) {
  const axis r = b->rows[y];
  if (r.i0 < 0) return false;
  const float *h0 = hrow_of(b, r.i0, r.i1), *h1 = hrow_of(b, r.i1, r.i0);
  const int32_t xb = b->xb;
  b->index_fn(idx + xb, h0 + xb, h1 + xb, r.f, b->min_score, b->xe - xb);
  return true;
}

/* a + q/256 * (c - a), rounded; q in 0..256 (256 gives c exactly). */
static inline uint8_t mix(int a, int c, int32_t q) {
  return (uint8_t)(a + ((((c - a) * q) + 128 + 65536) >> 8) - 256);
}

ecnn_status ecnn_heatmap_blend(const ecnn_frame *f, const float *map, int32_t mw, int32_t mh,
                               const ecnn_letterbox *region, ecnn_colormap cmap, float alpha,
                               float min_score) {
  ecnn_status st = ecnn_frame_check(f);
  if (st != ECNN_STATUS_OK) return st;
  if (!map || mw < 1 || mh < 1 || mw > 16384 || mh > 16384)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "heatmap: map is NULL or %dx%d", (int)mw,
                      (int)mh);
  if ((unsigned)cmap >= ECNN_COLORMAP_COUNT)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "heatmap: colormap %d out of range",
                      (int)cmap);
  if (!(alpha >= 0.0f && alpha <= 1.0f))
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "heatmap: alpha %g not in 0..1",
                      (double)alpha);
  ecnn_letterbox whole = {0, 0, (float)mw / (float)f->width, (float)mh / (float)f->height, mw, mh};
  const ecnn_letterbox *r = region ? region : &whole;
  if (!(r->scale_x > 0 && r->scale_y > 0 && isfinite(r->scale_x) && isfinite(r->scale_y) &&
        isfinite(r->offset_x) && isfinite(r->offset_y)) ||
      r->tensor_width < 1 || r->tensor_height < 1)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                      "heatmap: bad region (offset %g,%g scale %g,%g tensor %dx%d)",
                      (double)r->offset_x, (double)r->offset_y, (double)r->scale_x,
                      (double)r->scale_y, (int)r->tensor_width, (int)r->tensor_height);
  const int32_t q = (int32_t)lroundf(alpha * 256.0f);
  if (q == 0) return ECNN_STATUS_OK;

  const int32_t W = f->width, H = f->height;
  /* one allocation: cols, rows, two interpolated map rows, the columns' indices and weights
   * apart, two rows of indices */
  const size_t bytes = (size_t)W * sizeof(axis) + (size_t)H * sizeof(axis) +
                       5 * (size_t)W * sizeof(float) + 2 * (size_t)W * sizeof(int16_t);
  unsigned char *mem = malloc(bytes);
  if (!mem) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "heatmap: out of memory");
  axis *cols = (axis *)mem, *rows = cols + W;
  float *hrows = (float *)(rows + H), *cf = hrows + 2 * (size_t)W;
  int32_t *ci0 = (int32_t *)(cf + W), *ci1 = ci0 + W;
  int16_t *idx0 = (int16_t *)(ci1 + W), *idx1 = idx0 + W;
  const ecnn_isa isa = ecnn_isa_active();
  const bool avx2 = isa == ECNN_ISA_AVX2 || isa == ECNN_ISA_AVX512;
  blend b = {map, mw, rows, ci0, ci1, cf, 0, 0, min_score, {hrows, hrows + W}, {-1, -1}, q,
             avx2 ? ecnn_blend_hrow__avx2 : ecnn_blend_hrow__scalar,
             avx2 ? ecnn_blend_index__avx2 : ecnn_blend_index__scalar};
  int32_t yb, ye;
  axis_table(W, r->offset_x, r->scale_x, r->tensor_width, mw, cols, &b.xb, &b.xe);
  axis_table(H, r->offset_y, r->scale_y, r->tensor_height, mh, rows, &yb, &ye);
  if (b.xb >= b.xe || yb >= ye) {
    free(mem);
    return ECNN_STATUS_OK;
  }
  for (int32_t x = b.xb; x < b.xe; x++)
    ci0[x] = cols[x].i0, ci1[x] = cols[x].i1, cf[x] = cols[x].f;

  /* the colour table in the frame's own terms */
  uint8_t c0[256], c1[256], c2[256];
  ecnn_packed l = {0, 0, 0, 0};
  const bool packed = ecnn_packed_layout(f->format, &l);
  for (int i = 0; i < 256; i++) {
    const ecnn_rgb c = ecnn_colormap_lookup(cmap, (float)i / 255.0f);
    if (packed) {
      c0[i] = c.r, c1[i] = c.g, c2[i] = c.b;
    } else if (f->format == ECNN_PIXEL_GRAY8) {
      c0[i] = (uint8_t)ecnn_rgb_to_gray(c.r, c.g, c.b);
    } else {
      int Y, U, V;
      ecnn_rgb_to_yuv(c.r, c.g, c.b, &Y, &U, &V);
      c0[i] = ecnn_clamp_u8(Y), c1[i] = ecnn_clamp_u8(U), c2[i] = ecnn_clamp_u8(V);
    }
  }
  /* the luma (or grey, or first channel's) blend a + q/256 (c - a) as (a (256 - q) + ty) >> 8:
   * mix's rounding exactly */
  int32_t ty[256];
  for (int i = 0; i < 256; i++) ty[i] = c0[i] * q + 128;
  const int32_t keep = 256 - q;
  const int16_t *idx = idx0;

  /* the luma (or grey) blend as a table entry per index + 1 (0: an untouched pixel): ty and
   * the weight of the old value << 17 (untouched: 256 and 0, the value unchanged) */
  int32_t ent[257];
  ent[0] = 256 << 17;
  for (int i = 0; i < 256; i++) ent[i + 1] = ty[i] | keep << 17;
  void (*luma)(uint8_t *, const int16_t *, const int32_t *, int32_t) =
      avx2 ? ecnn_blend_luma__avx2 : ecnn_blend_luma__scalar;
  void (*chroma)(uint8_t *, uint8_t *, int32_t, const int16_t *, const int16_t *,
                 const int32_t *, int32_t, int32_t) =
      avx2 ? ecnn_blend_chroma__avx2 : ecnn_blend_chroma__scalar;

  if (f->format == ECNN_PIXEL_GRAY8) {
    for (int32_t y = yb; y < ye; y++)
      if (row_indices(&b, y, idx0))
        luma(f->planes[0] + (size_t)y * f->strides[0] + b.xb, idx0 + b.xb, ent + 1, b.xe - b.xb);
  } else if (packed) {
    for (int32_t y = yb; y < ye; y++) {
      if (!row_indices(&b, y, idx0)) continue;
      uint8_t *row = f->planes[0] + (size_t)y * f->strides[0];
      for (int32_t x = b.xb; x < b.xe; x++) {
        const int i = idx[x];
        if (i < 0) continue;
        uint8_t *p = row + (size_t)x * l.bpp;
        p[l.r] = (uint8_t)((p[l.r] * keep + ty[i]) >> 8);
        p[l.g] = mix(p[l.g], c1[i], q), p[l.b] = mix(p[l.b], c2[i], q);
      }
    }
  } else if (f->format == ECNN_PIXEL_YUY2) {
    /* Y per pixel; U/V of each pair from the average over its (one or two) pixels */
    const int32_t qn[3] = {0, (int32_t)lroundf(alpha * 65536.0f), (int32_t)lroundf(alpha * 32768.0f)};
    for (int32_t y = yb; y < ye; y++) {
      if (!row_indices(&b, y, idx0)) continue;
      uint8_t *row = f->planes[0] + (size_t)y * f->strides[0];
      for (int32_t x = b.xb & ~1; x < b.xe; x += 2) {
        uint8_t *p = row + (size_t)x * 2;
        const int nb = x + 1 < W ? 2 : 1;
        int32_t su = 0, sv = 0, n = 0;
        for (int k = 0; k < nb; k++) {
          const int i = x + k >= b.xb && x + k < b.xe ? idx[x + k] : -1;
          if (i < 0) continue;
          p[2 * k] = (uint8_t)((p[2 * k] * keep + ty[i]) >> 8);
          su += c1[i], sv += c2[i], n++;
        }
        if (!n) continue;
        p[1] = ecnn_blend_mix_sum(p[1], su - n * p[1], qn[nb]);
        p[3] = ecnn_blend_mix_sum(p[3], sv - n * p[3], qn[nb]);
      }
    }
  } else {
    /* I420 / NV12: Y per pixel; each U/V sample from the average over its 2x2 block (fewer
     * pixels at odd edges). Per pair of rows: each row's indices and its luma (the luma
     * kernel), then the chroma: the whole blocks of two rows by the chroma kernel, the others
     * (a first or last column or row the region cuts) here */
    const int32_t qn[5] = {0, (int32_t)lroundf(alpha * 65536.0f), (int32_t)lroundf(alpha * 32768.0f),
                           0, (int32_t)lroundf(alpha * 16384.0f)};
    const bool nv12 = f->format == ECNN_PIXEL_NV12;
    const int32_t cb = b.xb / 2, ce = (b.xe + 1) / 2;
    /* the whole blocks: both their columns inside [xb, xe) */
    const int32_t kb = (b.xb + 1) / 2, ke = b.xe / 2 > kb ? b.xe / 2 : kb;
    /* per index + 1: U | V << 11 | 1 << 22 (four of them sum without carries: U, V and the
     * count of touched pixels) */
    int32_t uvn[257];
    uvn[0] = 0;
    for (int i = 0; i < 256; i++) uvn[i + 1] = c1[i] | c2[i] << 11 | 1 << 22;
    const int32_t *s0 = uvn + 1;
    for (int32_t by = yb / 2; by <= (ye - 1) / 2; by++) {
      const int32_t y0 = 2 * by, bh = y0 + 1 < H ? 2 : 1;
      int16_t *ix[2] = {idx0, idx1};
      int rows_in = 0;
      for (int32_t k = 0; k < bh; k++) {
        const int32_t y = y0 + k;
        if (y < yb || y >= ye || !row_indices(&b, y, ix[rows_in])) continue;
        luma(f->planes[0] + (size_t)y * f->strides[0] + b.xb, ix[rows_in] + b.xb, ent + 1,
             b.xe - b.xb);
        rows_in++;
      }
      if (!rows_in) continue;
      uint8_t *pu = f->planes[1] + (size_t)by * f->strides[1];
      uint8_t *pv = nv12 ? pu + 1 : f->planes[2] + (size_t)by * f->strides[2];
      const int step = nv12 ? 2 : 1;
      if (rows_in == 2)
        chroma(pu + (size_t)kb * step, pv + (size_t)kb * step, step, ix[0] + 2 * kb,
               ix[1] + 2 * kb, s0, qn[4], ke - kb);
      for (int32_t k = cb; k < ce; k++) {
        if (rows_in == 2 && k >= kb && k < ke) continue; /* (done) */
        const int32_t x0 = 2 * k > b.xb ? 2 * k : b.xb, x1 = 2 * k + 2 < b.xe ? 2 * k + 2 : b.xe;
        int32_t sum = 0;
        for (int rr = 0; rr < rows_in; rr++)
          for (int32_t x = x0; x < x1; x++) sum += s0[ix[rr][x]];
        if (!(sum >> 22)) continue; /* none touched */
        const int nb = (2 * k + 1 < W ? 2 : 1) * bh;
        ecnn_blend_chroma_pair(pu + (size_t)k * step, pv + (size_t)k * step, sum, qn[nb]);
      }
    }
  }
  free(mem);
  return ECNN_STATUS_OK;
}
