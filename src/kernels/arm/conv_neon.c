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
  for (int64_t px = px0; px < px1; px += MR) {
    const int32_t n = px1 - px < MR ? (int32_t)(px1 - px) : MR;
    ecnn_tile_origin org[MR];
    const bool interior = ecnn_tile_setup(p, in, px, n, pointwise, org);
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

void ecnn_f32_dwconv2d_rows__neon(const ecnn_conv_params *p, const float *in, const float *w,
                                  const float *bias, float *out, int32_t row0, int32_t row1) {
  const int32_t C = p->out_c;
  const float32x4_t lo = vdupq_n_f32(p->out_min), hi = vdupq_n_f32(p->out_max);
  for (int32_t row = row0; row < row1; row++) {
    const int32_t b = row / p->out_h, oy = row % p->out_h;
    for (int32_t ox = 0; ox < p->out_w; ox++) {
      float *o = out + ((size_t)row * p->out_w + ox) * C;
      int32_t c = 0;
      for (; c <= C - 4; c += 4) {
        float32x4_t acc = bias ? vld1q_f32(bias + c) : vdupq_n_f32(0.0f);
        for (int32_t ky = 0; ky < p->kernel_h; ky++) {
          const int64_t iy = (int64_t)oy * p->stride_h - p->pad_top + (int64_t)ky * p->dilation_h;
          if (iy < 0 || iy >= p->in_h) continue;
          for (int32_t kx = 0; kx < p->kernel_w; kx++) {
            const int64_t ix =
                (int64_t)ox * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
            if (ix < 0 || ix >= p->in_w) continue;
            const float *ip =
                in + (((size_t)b * p->in_h + (size_t)iy) * p->in_w + (size_t)ix) * C + c;
            acc = vfmaq_f32(acc, vld1q_f32(ip),
                            vld1q_f32(w + ((size_t)ky * p->kernel_w + kx) * C + c));
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
            const int64_t ix =
                (int64_t)ox * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
            if (ix < 0 || ix >= p->in_w) continue;
            acc += in[(((size_t)b * p->in_h + (size_t)iy) * p->in_w + (size_t)ix) * C + c] *
                   w[((size_t)ky * p->kernel_w + kx) * C + c];
          }
        }
        o[c] = acc < p->out_min ? p->out_min : acc > p->out_max ? p->out_max : acc;
      }
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
