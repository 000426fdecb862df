/*
 * q8_conv_scalar.c — the plain-C quantized CONV_2D and DEPTHWISE_CONV_2D (q8_conv.h): TFLite's
 * integer accumulation and the single-precision requantization of quant.h, written for
 * clarity, one output at a time. They are the oracle of the SIMD kernels and the int8 path on
 * CPUs without them (and under ECNN_ISA=scalar). The
 * accumulator is a uint32_t so that its wrap-around is defined; it is exact whenever the sum
 * fits in int32, which every real model's does.
 */
#include "../q8_conv.h"

static inline int32_t ld8(const void *p, size_t i, bool u8) {
  return u8 ? ((const uint8_t *)p)[i] : ((const int8_t *)p)[i];
}

/* sum over i < n of (x[i] - xz) * (w[i] - wz), wrapping; the element types as flags (the
 * branches leave the loops). */
static uint32_t dot(const void *x, bool xu8, int32_t xz, const void *w, bool wu8, int32_t wz,
                    int32_t n) {
  uint32_t acc = 0;
#define DOT(XT, WT)                                                                            \
  for (int32_t i = 0; i < n; i++)                                                              \
    acc += (uint32_t)(((int32_t)((const XT *)x)[i] - xz) * ((int32_t)((const WT *)w)[i] - wz));
  if (!xu8 && !wu8) DOT(int8_t, int8_t)
  else if (!xu8) DOT(int8_t, uint8_t)
  else if (!wu8) DOT(uint8_t, int8_t)
  else DOT(uint8_t, uint8_t)
#undef DOT
  return acc;
}

static inline void st8(void *p, size_t i, int32_t v, bool u8) {
  if (u8) ((uint8_t *)p)[i] = (uint8_t)v;
  else ((int8_t *)p)[i] = (int8_t)v;
}

void ecnn_q8_conv2d__scalar(const ecnn_q8_conv_params *p, const void *in, const void *w,
                            const int32_t *bias, const int32_t *mult, const int32_t *shift,
                            void *out, int64_t px0, int64_t px1, int32_t oc0, int32_t oc1) {
  const int32_t icg = p->in_c / p->groups, ocg = p->out_c / p->groups;
  const size_t wstride = (size_t)p->kernel_h * p->kernel_w * icg; /* per output channel */
  for (int64_t px = px0; px < px1; px++) {
    const int64_t rest = px / p->out_w;
    const int32_t ox = (int32_t)(px % p->out_w), oy = (int32_t)(rest % p->out_h);
    const size_t b = (size_t)(rest / p->out_h);
    for (int32_t oc = oc0; oc < oc1; oc++) {
      const int32_t c0 = (oc / ocg) * icg;
      uint32_t acc = bias ? (uint32_t)bias[oc] : 0;
      for (int32_t ky = 0; ky < p->kernel_h; ky++) {
        const int64_t iy = (int64_t)oy * p->stride_h - p->pad_top + (int64_t)ky * p->dilation_h;
        if (iy < 0 || iy >= p->in_h) continue;
        for (int32_t kx = 0; kx < p->kernel_w; kx++) {
          const int64_t ix =
              (int64_t)ox * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
          if (ix < 0 || ix >= p->in_w) continue;
          const size_t xb = ((b * p->in_h + (size_t)iy) * p->in_w + (size_t)ix) * p->in_c + c0;
          const size_t wb = (size_t)oc * wstride + ((size_t)ky * p->kernel_w + kx) * icg;
          acc += dot((const uint8_t *)in + xb, p->u8, p->in_zp, (const uint8_t *)w + wb, p->w_u8,
                     p->w_zp, icg);
        }
      }
      st8(out, (size_t)px * p->out_c + oc,
          ecnn_q8_requantize((int32_t)acc, mult[oc], shift[oc], p), p->u8);
    }
  }
}

void ecnn_q8_dwconv2d__scalar(const ecnn_q8_conv_params *p, const void *in, const void *w,
                              const int32_t *bias, const int32_t *mult, const int32_t *shift,
                              void *out, int32_t row0, int32_t row1) {
  const int32_t m = p->depth_multiplier;
  for (int32_t r = row0; r < row1; r++) {
    const size_t b = (size_t)(r / p->out_h);
    const int32_t oy = r % p->out_h;
    for (int32_t ox = 0; ox < p->out_w; ox++)
      for (int32_t oc = 0; oc < p->out_c; oc++) {
        uint32_t acc = bias ? (uint32_t)bias[oc] : 0;
        for (int32_t ky = 0; ky < p->kernel_h; ky++) {
          const int64_t iy =
              (int64_t)oy * p->stride_h - p->pad_top + (int64_t)ky * p->dilation_h;
          if (iy < 0 || iy >= p->in_h) continue;
          for (int32_t kx = 0; kx < p->kernel_w; kx++) {
            const int64_t ix =
                (int64_t)ox * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
            if (ix < 0 || ix >= p->in_w) continue;
            const size_t xi =
                ((b * p->in_h + (size_t)iy) * p->in_w + (size_t)ix) * p->in_c + oc / m;
            const size_t wi = ((size_t)ky * p->kernel_w + kx) * p->out_c + oc;
            acc += (uint32_t)((ld8(in, xi, p->u8) - p->in_zp) * (ld8(w, wi, p->w_u8) - p->w_zp));
          }
        }
        st8(out, (((b * p->out_h + oy) * p->out_w) + ox) * p->out_c + oc,
            ecnn_q8_requantize((int32_t)acc, mult[oc], shift[oc], p), p->u8);
      }
  }
}
