/*
 * conv_neon.c — ARM64 NEON twins of the CONV_2D (packed weights, groups 1) and
 * DEPTHWISE_CONV_2D (multiplier 1) kernels, same contracts as the x86 ones in conv.h: tiles of
 * 4 output pixels (flat, across rows) x 16 output channels (16 q-register accumulators) over
 * the packed 32-channel weight blocks; depthwise over channels 4 at a time. Built on every target;
 * the bodies exist only on aarch64 (isa.c never selects them elsewhere). Tested against the scalar
 * kernels under qemu-aarch64 (tests/arm/).
 */
#include "../conv.h"
#include "../conv_tile.h"

#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#define ZERO_ROW 4096
static const float zero_row[ZERO_ROW];

/* 16 output channels at ob over the flat pixels [px0, px1), tiles of 4 pixels (16 q-register
 * accumulators); input rows through the indirection of conv_tile.h. */
static void conv_block_neon(const ecnn_conv_params *p, const float *in, const float *wp,
                            const float *bp, float *out, int64_t px0, int64_t px1, int32_t ob) {
  enum { MR = 4 };
  const int32_t IC = p->in_c, OC = p->out_c;
  const int32_t taps = p->kernel_h * p->kernel_w;
  const bool pointwise = ecnn_conv_is_pointwise(p);
  const float32x4_t lo = vdupq_n_f32(p->out_min), hi = vdupq_n_f32(p->out_max);
  const int32_t left = OC - ob < 16 ? OC - ob : 16;
  ecnn_tile_cursor cur = pointwise ? (ecnn_tile_cursor){0, 0, 0} : ecnn_tile_cursor_at(p, px0);
  for (int64_t px = px0; px < px1; px += MR) {
    const int32_t n = px1 - px < MR ? (int32_t)(px1 - px) : MR;
    ecnn_tile_origin org[MR];
    const bool interior = ecnn_tile_setup(p, in, &cur, n, pointwise, org);
    float32x4_t acc[MR][4];
    _Pragma("GCC unroll 4") for (int32_t j = 0; j < MR; j++)
        _Pragma("GCC unroll 4") for (int32_t v = 0; v < 4; v++) acc[j][v] =
            vld1q_f32(bp + ob + 4 * v);
    for (int32_t t = 0; t < taps; t++) {
      const float *x[MR];
      const int32_t ky = t / p->kernel_w, kx = t % p->kernel_w;
      ecnn_tile_tap_rows(p, in, org, pointwise, interior, px, n, MR, ky, kx, zero_row, x);
      const float *w = wp + ((size_t)(ob / 32) * taps + t) * IC * 32 + ob % 32;
      for (int32_t ic = 0; ic < IC; ic++, w += 32) {
        const float32x4_t w0 = vld1q_f32(w), w1 = vld1q_f32(w + 4), w2 = vld1q_f32(w + 8),
                          w3 = vld1q_f32(w + 12);
        _Pragma("GCC unroll 4") for (int32_t j = 0; j < MR; j++) {
          const float32x4_t xv = vdupq_n_f32(x[j][ic]);
          acc[j][0] = vfmaq_f32(acc[j][0], w0, xv);
          acc[j][1] = vfmaq_f32(acc[j][1], w1, xv);
          acc[j][2] = vfmaq_f32(acc[j][2], w2, xv);
          acc[j][3] = vfmaq_f32(acc[j][3], w3, xv);
        }
      }
    }
    for (int32_t j = 0; j < n; j++) {
      float tmp[16];
      for (int32_t v = 0; v < 4; v++)
        vst1q_f32(tmp + 4 * v, vminq_f32(vmaxq_f32(acc[j][v], lo), hi));
      memcpy(out + (size_t)(px + j) * OC + ob, tmp, (size_t)left * sizeof(float));
    }
  }
}

void ecnn_f32_conv2d_packed__neon(const ecnn_conv_params *p, const float *in, const float *wp,
                                  const float *bp, float *out, int64_t px0, int64_t px1,
                                  int32_t ob0, int32_t ob1) {
  for (int32_t ob = 32 * ob0; ob < 32 * ob1 && ob < p->out_c; ob += 16)
    conv_block_neon(p, in, wp, bp, out, px0, px1, ob);
}

/* One output pixel, channels [c0, C): 4 at a time, then one by one, over its in-bounds taps. */
static void dw_pixel_neon(const ecnn_conv_params *p, const float *in, const float *w,
                          const float *bias, float *o, int32_t b, int32_t oy, int32_t ox,
                          int32_t c0) {
  const int32_t C = p->out_c;
  const float32x4_t lo = vdupq_n_f32(p->out_min), hi = vdupq_n_f32(p->out_max);
  int32_t c = c0;
  for (; c <= C - 4; c += 4) {
    float32x4_t acc = bias ? vld1q_f32(bias + c) : vdupq_n_f32(0.0f);
    for (int32_t ky = 0; ky < p->kernel_h; ky++) {
      const int64_t iy = (int64_t)oy * p->stride_h - p->pad_top + (int64_t)ky * p->dilation_h;
      if (iy < 0 || iy >= p->in_h) continue;
      for (int32_t kx = 0; kx < p->kernel_w; kx++) {
        const int64_t ix = (int64_t)ox * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
        if (ix < 0 || ix >= p->in_w) continue;
        const float *ip = in + (((size_t)b * p->in_h + (size_t)iy) * p->in_w + (size_t)ix) * C + c;
        acc = vfmaq_f32(acc, vld1q_f32(ip), vld1q_f32(w + ((size_t)ky * p->kernel_w + kx) * C + c));
      }
    }
    vst1q_f32(o + c, vminq_f32(vmaxq_f32(acc, lo), hi));
  }
  for (; c < C; c++) { /* channel tail */
    float acc = bias ? bias[c] : 0.0f;
    for (int32_t ky = 0; ky < p->kernel_h; ky++) {
      const int64_t iy = (int64_t)oy * p->stride_h - p->pad_top + (int64_t)ky * p->dilation_h;
      if (iy < 0 || iy >= p->in_h) continue;
      for (int32_t kx = 0; kx < p->kernel_w; kx++) {
        const int64_t ix = (int64_t)ox * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
        if (ix < 0 || ix >= p->in_w) continue;
        acc += in[(((size_t)b * p->in_h + (size_t)iy) * p->in_w + (size_t)ix) * C + c] *
               w[((size_t)ky * p->kernel_w + kx) * C + c];
      }
    }
    o[c] = acc < p->out_min ? p->out_min : acc > p->out_max ? p->out_max : acc;
  }
}

/* Four interior pixels x 4 channels, KH x KW taps at horizontal stride S (literals after
 * inlining): each input row's (4 - 1) * S + KW pixels loaded once for all taps reading them. */
static inline __attribute__((always_inline)) void
dw_rows_reuse_neon(const float *x0, size_t rs, int32_t C, const float *wl, const int32_t KH,
                   const int32_t KW, const int32_t S, float32x4_t *acc) {
  _Pragma("GCC unroll 5") for (int32_t ky = 0; ky < KH; ky++) {
    float32x4_t x[3 * 2 + 5];
    _Pragma("GCC unroll 11") for (int32_t i = 0; i < 3 * S + KW; i++) x[i] =
        vld1q_f32(x0 + ky * rs + (size_t)i * C);
    _Pragma("GCC unroll 5") for (int32_t kx = 0; kx < KW; kx++) {
      const float32x4_t wt = vld1q_f32(wl + (size_t)(ky * KW + kx) * C);
      _Pragma("GCC unroll 4") for (int32_t j = 0; j < 4; j++) acc[j] =
          vfmaq_f32(acc[j], x[j * S + kx], wt);
    }
  }
}

void ecnn_f32_dwconv2d_rows__neon(const ecnn_conv_params *p, const float *in, const float *w,
                                  const float *bias, float *out, int32_t row0, int32_t row1) {
  /* interior pixels four at a time with input reuse (3x3 and 5x5, strides 1 and 2); borders,
   * dilated kernels and channel tails one pixel at a time */
  const int32_t C = p->out_c, KH = p->kernel_h, KW = p->kernel_w;
  const float32x4_t lo = vdupq_n_f32(p->out_min), hi = vdupq_n_f32(p->out_max);
  const bool reuse = p->dilation_h == 1 && p->dilation_w == 1 && KH == KW &&
                     (KH == 3 || KH == 5) && (p->stride_w == 1 || p->stride_w == 2);
  int32_t ox_lo = (p->pad_left + p->stride_w - 1) / p->stride_w;
  int32_t ox_hi = p->in_w - KW + p->pad_left >= 0 ? (p->in_w - KW + p->pad_left) / p->stride_w + 1 : 0;
  if (ox_hi > p->out_w) ox_hi = p->out_w;
  if (ox_lo > ox_hi) ox_lo = ox_hi;
  const size_t rs = (size_t)p->in_w * C;
  for (int32_t row = row0; row < row1; row++) {
    const int32_t b = row / p->out_h, oy = row % p->out_h;
    const int64_t iy0 = (int64_t)oy * p->stride_h - p->pad_top;
    const bool fast_rows = reuse && iy0 >= 0 && iy0 + KH - 1 < p->in_h;
    for (int32_t ox = 0; ox < p->out_w;) {
      float *o = out + ((size_t)row * p->out_w + ox) * C;
      if (fast_rows && ox >= ox_lo && ox + 4 <= ox_hi) {
        const float *xb = in + ((size_t)b * p->in_h + (size_t)iy0) * rs +
                          ((size_t)ox * p->stride_w - p->pad_left) * C;
        int32_t c = 0;
        for (; c <= C - 4; c += 4) {
          const float32x4_t bv = bias ? vld1q_f32(bias + c) : vdupq_n_f32(0.0f);
          float32x4_t acc[4] = {bv, bv, bv, bv};
          if (KH == 3 && p->stride_w == 1) dw_rows_reuse_neon(xb + c, rs, C, w + c, 3, 3, 1, acc);
          else if (KH == 3) dw_rows_reuse_neon(xb + c, rs, C, w + c, 3, 3, 2, acc);
          else if (p->stride_w == 1) dw_rows_reuse_neon(xb + c, rs, C, w + c, 5, 5, 1, acc);
          else dw_rows_reuse_neon(xb + c, rs, C, w + c, 5, 5, 2, acc);
          for (int32_t j = 0; j < 4; j++)
            vst1q_f32(o + (size_t)j * C + c, vminq_f32(vmaxq_f32(acc[j], lo), hi));
        }
        if (c < C) /* channel tail */
          for (int32_t j = 0; j < 4; j++)
            dw_pixel_neon(p, in, w, bias, o + (size_t)j * C, b, oy, ox + j, c);
        ox += 4;
        continue;
      }
      dw_pixel_neon(p, in, w, bias, o, b, oy, ox, 0);
      ox++;
    }
  }
}

#else /* not aarch64: never selected */

void ecnn_f32_conv2d_packed__neon(const ecnn_conv_params *p, const float *in, const float *wp,
                                  const float *bp, float *out, int64_t px0, int64_t px1,
                                  int32_t ob0, int32_t ob1) {
  (void)p, (void)in, (void)wp, (void)bp, (void)out, (void)px0, (void)px1, (void)ob0, (void)ob1;
}
void ecnn_f32_dwconv2d_rows__neon(const ecnn_conv_params *p, const float *in, const float *w,
                                  const float *bias, float *out, int32_t row0, int32_t row1) {
  (void)p, (void)in, (void)w, (void)bias, (void)out, (void)row0, (void)row1;
}

#endif
