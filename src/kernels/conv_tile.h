/*
 * conv_tile.h — the indirection shared by the packed CONV_2D kernels of every ISA: a tile is a
 * run of consecutive output pixels of the flattened [batch * out_h * out_w] range (it may cross
 * rows and images), and for each tap (ky, kx) each of its pixels reads one input row of in_c
 * floats, or a row of zeros when the tap falls in the padding. Header-only, static inline.
 */
#ifndef ECNN_KERNELS_CONV_TILE_H
#define ECNN_KERNELS_CONV_TILE_H

#include <stdbool.h>

#include "conv.h"

/* Where each of the n pixels from flat index px starts reading: its image's first input
 * element (base) and the input coordinates of its tap (0, 0) (iy, ix, possibly negative). */
typedef struct ecnn_tile_origin {
  const float *base;
  int32_t iy, ix;
} ecnn_tile_origin;

/* A walk over consecutive flat output pixels: the next pixel's image and output position,
 * found by division once (ecnn_tile_cursor_at), then advanced pixel by pixel. */
typedef struct ecnn_tile_cursor {
  int32_t b, oy, ox;
} ecnn_tile_cursor;

static inline ecnn_tile_cursor ecnn_tile_cursor_at(const ecnn_conv_params *p, int64_t px) {
  const int64_t rest = px / p->out_w;
  ecnn_tile_cursor c = {(int32_t)(rest / p->out_h), (int32_t)(rest % p->out_h),
                        (int32_t)(px % p->out_w)};
  return c;
}

/* The origins of the next n pixels of the walk; the cursor moves past them. */
static inline void ecnn_tile_origins_next(const ecnn_conv_params *p, const float *in,
                                          ecnn_tile_cursor *c, int32_t n, ecnn_tile_origin *o) {
  const size_t image = (size_t)p->in_h * p->in_w * p->in_c;
  if (c->ox + n < p->out_w) { /* all on the cursor's row (the common case): no checks */
    const float *base = in + (size_t)c->b * image;
    const int32_t iy = c->oy * p->stride_h - p->pad_top, ix = c->ox * p->stride_w - p->pad_left;
    for (int32_t j = 0; j < n; j++) o[j].base = base, o[j].iy = iy, o[j].ix = ix + j * p->stride_w;
    c->ox += n;
    return;
  }
  for (int32_t j = 0; j < n; j++) {
    o[j].base = in + (size_t)c->b * image;
    o[j].iy = c->oy * p->stride_h - p->pad_top;
    o[j].ix = c->ox * p->stride_w - p->pad_left;
    if (++c->ox == p->out_w) {
      c->ox = 0;
      if (++c->oy == p->out_h) c->oy = 0, c->b++;
    }
  }
}

static inline void ecnn_tile_origins(const ecnn_conv_params *p, const float *in, int64_t px,
                                     int32_t n, ecnn_tile_origin *o) {
  ecnn_tile_cursor c = ecnn_tile_cursor_at(p, px);
  ecnn_tile_origins_next(p, in, &c, n, o);
}

/* The input row pixel o reads for tap (ky, kx), or `zero` when that lies in the padding. */
static inline const float *ecnn_tile_row(const ecnn_conv_params *p, const ecnn_tile_origin *o,
                                         int32_t ky, int32_t kx, const float *zero) {
  const int64_t iy = (int64_t)o->iy + (int64_t)ky * p->dilation_h;
  const int64_t ix = (int64_t)o->ix + (int64_t)kx * p->dilation_w;
  if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) return zero;
  return o->base + ((size_t)iy * p->in_w + (size_t)ix) * p->in_c;
}

/* Whether the n pixels of a tile lie on one output row and read no padding: then tap (ky, kx)
 * of pixel j reads ecnn_tile_first(...) + j * stride_w * in_c (no bounds to check). */
static inline bool ecnn_tile_interior(const ecnn_conv_params *p, const ecnn_tile_origin *o,
                                      int32_t n) {
  return o[n - 1].iy == o[0].iy && o[n - 1].base == o[0].base && o[0].iy >= 0 && o[0].ix >= 0 &&
         (int64_t)o[0].iy + (int64_t)(p->kernel_h - 1) * p->dilation_h < p->in_h &&
         (int64_t)o[n - 1].ix + (int64_t)(p->kernel_w - 1) * p->dilation_w < p->in_w;
}

/* The input row the first pixel of an interior tile reads for tap (ky, kx). */
static inline const float *ecnn_tile_first(const ecnn_conv_params *p, const ecnn_tile_origin *o,
                                           int32_t ky, int32_t kx) {
  return o->base + ((size_t)(o->iy + ky * p->dilation_h) * p->in_w +
                    (size_t)(o->ix + kx * p->dilation_w)) * p->in_c;
}

/* A tile's start: the origins of its n pixels, the next n of the cursor's walk (unless
 * pointwise), and whether it is interior. */
static inline bool ecnn_tile_setup(const ecnn_conv_params *p, const float *in,
                                   ecnn_tile_cursor *c, int32_t n, bool pointwise,
                                   ecnn_tile_origin *org) {
  if (pointwise) return false;
  ecnn_tile_origins_next(p, in, c, n, org);
  return ecnn_tile_interior(p, org, n);
}

/* The input row each of a tile's mr slots reads for tap (ky, kx): slots past n read `zero`;
 * pointwise tiles read rows px.. directly, interior tiles a pointer and a stride, the others
 * through ecnn_tile_row. Inlined into the kernels with a literal mr. */
static inline void ecnn_tile_tap_rows(const ecnn_conv_params *p, const float *in,
                                      const ecnn_tile_origin *org, bool pointwise, bool interior,
                                      int64_t px, int32_t n, int32_t mr, int32_t ky, int32_t kx,
                                      const float *zero, const float **x) {
  if (interior) {
    const float *x0 = ecnn_tile_first(p, &org[0], ky, kx);
    const size_t step = (size_t)p->stride_w * p->in_c;
    for (int32_t j = 0; j < mr; j++) x[j] = j < n ? x0 + (size_t)j * step : zero;
  } else {
    for (int32_t j = 0; j < mr; j++)
      x[j] = j >= n      ? zero
             : pointwise ? in + (size_t)(px + j) * p->in_c
                         : ecnn_tile_row(p, &org[j], ky, kx, zero);
  }
}

/* How many consecutive taps (kx = 0 .. merge - 1 of a kernel row) a tile reads as one: an
 * interior tile without horizontal dilation reads a kernel row's taps as one contiguous run
 * of kernel_w * in_c inputs per pixel (NHWC), matching the packed weights' [ky][kx][ic] rows,
 * so the kernels loop over kernel_w * in_c at once (few input channels, e.g. a first layer's
 * 3, no longer mean a short loop per tap). Otherwise 1. */
static inline int32_t ecnn_tile_merged_taps(const ecnn_conv_params *p, bool interior) {
  return interior && p->dilation_w == 1 ? p->kernel_w : 1;
}

/* 1x1, stride 1, no padding: pixel px reads input row px directly. */
static inline bool ecnn_conv_is_pointwise(const ecnn_conv_params *p) {
  return p->kernel_h == 1 && p->kernel_w == 1 && p->stride_h == 1 && p->stride_w == 1 &&
         p->pad_top == 0 && p->pad_left == 0 && p->out_w == p->in_w && p->out_h == p->in_h;
}

#endif /* ECNN_KERNELS_CONV_TILE_H */
