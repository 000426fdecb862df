/*
 * conv_x86.c — AVX2+FMA and AVX-512 kernels of CONV_2D (groups 1) and DEPTHWISE_CONV_2D
 * (multiplier 1), float32 NHWC, each the SIMD twin of the scalar kernel in conv_scalar.c.
 * CONV_2D reads weights packed once per model as [KH*KW*IC][OCP] (output channels contiguous,
 * OCP = out_c rounded up to 32, zero padded) and computes tiles of 6 output pixels x 32 output
 * channels (AVX-512: 12 zmm accumulators) or 4 x 16 (AVX2): per input channel two weight
 * vectors are loaded and each pixel's input is broadcast. Taps outside the input read a zero
 * row. Both kernels take a range of output rows (batch * out_h) so a thread pool can split them.
 * Compiled with per-function target attributes; only called when isa.c says the CPU has them.
 */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdbool.h>
#include <string.h>

#include "../conv.h"

#define ZERO_ROW 4096 /* input channels the zero row covers (larger: the caller uses scalar) */
static const float zero_row[ZERO_ROW];

/* Pointers to the input rows of the tile's pixels for tap (ky, kx) (zero row when outside). */
static inline void tap_rows(const ecnn_conv_params *p, const float *in, int32_t b, int32_t oy,
                            int32_t ox0, int32_t n, int32_t ky, int32_t kx, const float **rows) {
  const int64_t iy = (int64_t)oy * p->stride_h - p->pad_top + (int64_t)ky * p->dilation_h;
  for (int32_t j = 0; j < n; j++) {
    const int64_t ix = (int64_t)(ox0 + j) * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
    rows[j] = (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w)
                  ? zero_row
                  : in + (((size_t)b * p->in_h + (size_t)iy) * p->in_w + (size_t)ix) * p->in_c;
  }
}

/* 1x1, stride 1, no padding: a GEMM over the pixels [row0 * out_w, row1 * out_w) as one dense
 * matrix (rows of IC), tiles of 12 pixels x 32 channels (24 accumulators), the 32-channel weight
 * block outermost so it stays in L1 while every pixel tile streams past it. */
__attribute__((target("avx512f,fma"))) static void
gemm1x1_avx512(const ecnn_conv_params *p, const float *in, const float *wp, const float *bp,
               float *out, int64_t px0, int64_t px1) {
  enum { TP = 12 };
  const int32_t IC = p->in_c, OC = p->out_c, OCP = (OC + 31) & ~31;
  const __m512 lo = _mm512_set1_ps(p->out_min), hi = _mm512_set1_ps(p->out_max);
  for (int32_t ob = 0; ob < OC; ob += 32) {
    const int32_t left = OC - ob;
    const __mmask16 m0 = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1);
    const __mmask16 m1 = left >= 32 ? 0xFFFF : left > 16 ? (__mmask16)((1u << (left - 16)) - 1) : 0;
    const __m512 b0 = _mm512_loadu_ps(bp + ob), b1 = _mm512_loadu_ps(bp + ob + 16);
    for (int64_t px = px0; px < px1; px += TP) {
      const int32_t n = px1 - px < TP ? (int32_t)(px1 - px) : TP;
      const float *x[TP];
      _Pragma("GCC unroll 16") for (int32_t j = 0; j < TP; j++) x[j] = j < n ? in + (size_t)(px + j) * IC : zero_row;
      __m512 acc[TP][2];
      _Pragma("GCC unroll 16") for (int32_t j = 0; j < TP; j++) acc[j][0] = b0, acc[j][1] = b1;
      const float *w = wp + ob;
      for (int32_t ic = 0; ic < IC; ic++, w += OCP) {
        const __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16);
        _Pragma("GCC unroll 16") for (int32_t j = 0; j < TP; j++) {
          const __m512 xv = _mm512_set1_ps(x[j][ic]);
          acc[j][0] = _mm512_fmadd_ps(xv, w0, acc[j][0]);
          acc[j][1] = _mm512_fmadd_ps(xv, w1, acc[j][1]);
        }
      }
      for (int32_t j = 0; j < n; j++) {
        float *o = out + (size_t)(px + j) * OC + ob;
        _mm512_mask_storeu_ps(o, m0, _mm512_min_ps(_mm512_max_ps(acc[j][0], lo), hi));
        if (m1) _mm512_mask_storeu_ps(o + 16, m1, _mm512_min_ps(_mm512_max_ps(acc[j][1], lo), hi));
      }
    }
  }
}

__attribute__((target("avx512f,fma"))) void
ecnn_f32_conv2d_packed__avx512(const ecnn_conv_params *p, const float *in, const float *wp,
                               const float *bp, float *out, int32_t row0, int32_t row1) {
  enum { TP = 6 };
  if (p->kernel_h == 1 && p->kernel_w == 1 && p->stride_h == 1 && p->stride_w == 1 &&
      p->pad_top == 0 && p->pad_left == 0 && p->out_w == p->in_w && p->out_h == p->in_h) {
    gemm1x1_avx512(p, in, wp, bp, out, (int64_t)row0 * p->out_w, (int64_t)row1 * p->out_w);
    return;
  }
  const int32_t IC = p->in_c, OC = p->out_c, OCP = (OC + 31) & ~31;
  const int32_t taps = p->kernel_h * p->kernel_w;
  const __m512 lo = _mm512_set1_ps(p->out_min), hi = _mm512_set1_ps(p->out_max);
  for (int32_t row = row0; row < row1; row++) {
    const int32_t b = row / p->out_h, oy = row % p->out_h;
    float *orow = out + (size_t)row * p->out_w * OC;
    for (int32_t ob = 0; ob < OC; ob += 32) /* a block's weights stay in L1 along the row */
    for (int32_t ox = 0; ox < p->out_w; ox += TP) {
      const int32_t n = p->out_w - ox < TP ? p->out_w - ox : TP;
      {
        __m512 acc[TP][2];
        const __m512 b0 = _mm512_loadu_ps(bp + ob), b1 = _mm512_loadu_ps(bp + ob + 16);
        _Pragma("GCC unroll 16") for (int32_t j = 0; j < TP; j++) acc[j][0] = b0, acc[j][1] = b1;
        for (int32_t t = 0; t < taps; t++) {
          const float *rows[TP];
          tap_rows(p, in, b, oy, ox, n, t / p->kernel_w, t % p->kernel_w, rows);
          for (int32_t j = n; j < TP; j++) rows[j] = zero_row;
          const float *w = wp + (size_t)t * IC * OCP + ob;
          for (int32_t ic = 0; ic < IC; ic++, w += OCP) {
            const __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16);
            _Pragma("GCC unroll 16") for (int32_t j = 0; j < TP; j++) {
              const __m512 x = _mm512_set1_ps(rows[j][ic]);
              acc[j][0] = _mm512_fmadd_ps(x, w0, acc[j][0]);
              acc[j][1] = _mm512_fmadd_ps(x, w1, acc[j][1]);
            }
          }
        }
        const int32_t left = OC - ob;
        const __mmask16 m0 = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1);
        const __mmask16 m1 = left >= 32 ? 0xFFFF : left > 16 ? (__mmask16)((1u << (left - 16)) - 1) : 0;
        for (int32_t j = 0; j < n; j++) {
          float *o = orow + (size_t)(ox + j) * OC + ob;
          _mm512_mask_storeu_ps(o, m0, _mm512_min_ps(_mm512_max_ps(acc[j][0], lo), hi));
          if (m1) _mm512_mask_storeu_ps(o + 16, m1, _mm512_min_ps(_mm512_max_ps(acc[j][1], lo), hi));
        }
      }
    }
  }
}

__attribute__((target("avx2,fma"))) static inline __m256i avx2_mask(int32_t left) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(left), idx);
}

__attribute__((target("avx2,fma"))) void
ecnn_f32_conv2d_packed__avx2(const ecnn_conv_params *p, const float *in, const float *wp,
                             const float *bp, float *out, int32_t row0, int32_t row1) {
  enum { TP = 4 };
  const int32_t IC = p->in_c, OC = p->out_c, OCP = (OC + 31) & ~31;
  const int32_t taps = p->kernel_h * p->kernel_w;
  const __m256 lo = _mm256_set1_ps(p->out_min), hi = _mm256_set1_ps(p->out_max);
  for (int32_t row = row0; row < row1; row++) {
    const int32_t b = row / p->out_h, oy = row % p->out_h;
    float *orow = out + (size_t)row * p->out_w * OC;
    for (int32_t ob = 0; ob < OC; ob += 16) /* a block's weights stay in L1 along the row */
    for (int32_t ox = 0; ox < p->out_w; ox += TP) {
      const int32_t n = p->out_w - ox < TP ? p->out_w - ox : TP;
      {
        __m256 acc[TP][2];
        const __m256 b0 = _mm256_loadu_ps(bp + ob), b1 = _mm256_loadu_ps(bp + ob + 8);
        _Pragma("GCC unroll 16") for (int32_t j = 0; j < TP; j++) acc[j][0] = b0, acc[j][1] = b1;
        for (int32_t t = 0; t < taps; t++) {
          const float *rows[TP];
          tap_rows(p, in, b, oy, ox, n, t / p->kernel_w, t % p->kernel_w, rows);
          for (int32_t j = n; j < TP; j++) rows[j] = zero_row;
          const float *w = wp + (size_t)t * IC * OCP + ob;
          for (int32_t ic = 0; ic < IC; ic++, w += OCP) {
            const __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
            _Pragma("GCC unroll 16") for (int32_t j = 0; j < TP; j++) {
              const __m256 x = _mm256_broadcast_ss(rows[j] + ic);
              acc[j][0] = _mm256_fmadd_ps(x, w0, acc[j][0]);
              acc[j][1] = _mm256_fmadd_ps(x, w1, acc[j][1]);
            }
          }
        }
        const int32_t left = OC - ob;
        const __m256i m0 = avx2_mask(left), m1 = avx2_mask(left - 8);
        for (int32_t j = 0; j < n; j++) {
          float *o = orow + (size_t)(ox + j) * OC + ob;
          _mm256_maskstore_ps(o, m0, _mm256_min_ps(_mm256_max_ps(acc[j][0], lo), hi));
          if (left > 8) _mm256_maskstore_ps(o + 8, m1, _mm256_min_ps(_mm256_max_ps(acc[j][1], lo), hi));
        }
      }
    }
  }
}

__attribute__((target("avx512f,fma"))) void
ecnn_f32_dwconv2d_rows__avx512(const ecnn_conv_params *p, const float *in, const float *w,
                               const float *bias, float *out, int32_t row0, int32_t row1) {
  /* channel block outermost: the block's (up to 3x3) weights stay in registers for the row */
  const int32_t C = p->out_c, taps = p->kernel_h * p->kernel_w;
  const __m512 lo = _mm512_set1_ps(p->out_min), hi = _mm512_set1_ps(p->out_max);
  for (int32_t row = row0; row < row1; row++) {
    const int32_t b = row / p->out_h, oy = row % p->out_h;
    for (int32_t c = 0; c < C; c += 16) {
      const __mmask16 m = C - c >= 16 ? 0xFFFF : (__mmask16)((1u << (C - c)) - 1);
      const __m512 bv = bias ? _mm512_maskz_loadu_ps(m, bias + c) : _mm512_setzero_ps();
      __m512 wv[9];
      _Pragma("GCC unroll 9") for (int32_t t = 0; t < 9; t++)
        wv[t] = t < taps ? _mm512_maskz_loadu_ps(m, w + (size_t)t * C + c) : _mm512_setzero_ps();
      /* 3x3 without dilation, output row fully inside vertically: interior pixels take an
       * unrolled path, 4 pixels at a time (independent FMA chains); the rest the general one */
      const int64_t iy0 = (int64_t)oy * p->stride_h - p->pad_top;
      const bool fast_rows = p->kernel_h == 3 && p->kernel_w == 3 && p->dilation_h == 1 &&
                             p->dilation_w == 1 && iy0 >= 0 && iy0 + 2 < p->in_h;
      int32_t ox_lo = p->out_w, ox_hi = p->out_w;
      if (fast_rows) {
        /* interior: ox * sw - pl >= 0 and ox * sw - pl + 2 <= in_w - 1 */
        ox_lo = (p->pad_left + p->stride_w - 1) / p->stride_w;
        ox_hi = p->in_w - 3 + p->pad_left >= 0 ? (p->in_w - 3 + p->pad_left) / p->stride_w + 1 : 0;
        if (ox_hi > p->out_w) ox_hi = p->out_w;
        if (ox_lo > ox_hi) ox_lo = ox_hi;
      }
      const float *r0 = fast_rows ? in + ((size_t)b * p->in_h + (size_t)iy0) * p->in_w * C + c : NULL;
      const size_t rs = (size_t)p->in_w * C, ps = (size_t)p->stride_w * C;
      for (int32_t ox = 0; ox < p->out_w; ox++) {
        if (ox == ox_lo && ox < ox_hi) {
          for (; ox + 4 <= ox_hi; ox += 4) {
            const float *x0 = r0 + ((size_t)ox * p->stride_w - p->pad_left) * C;
            __m512 a0 = bv, a1 = bv, a2 = bv, a3 = bv;
            _Pragma("GCC unroll 3") for (int32_t ky = 0; ky < 3; ky++)
              _Pragma("GCC unroll 3") for (int32_t kx = 0; kx < 3; kx++) {
                const float *q = x0 + ky * rs + (size_t)kx * C;
                const __m512 wt = wv[ky * 3 + kx];
                a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q), wt, a0);
                a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + ps), wt, a1);
                a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + 2 * ps), wt, a2);
                a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + 3 * ps), wt, a3);
              }
            float *o = out + ((size_t)row * p->out_w + ox) * C + c;
            _mm512_mask_storeu_ps(o, m, _mm512_min_ps(_mm512_max_ps(a0, lo), hi));
            _mm512_mask_storeu_ps(o + C, m, _mm512_min_ps(_mm512_max_ps(a1, lo), hi));
            _mm512_mask_storeu_ps(o + 2 * (size_t)C, m, _mm512_min_ps(_mm512_max_ps(a2, lo), hi));
            _mm512_mask_storeu_ps(o + 3 * (size_t)C, m, _mm512_min_ps(_mm512_max_ps(a3, lo), hi));
          }
          if (ox >= p->out_w) break;
        }
        __m512 acc = bv;
        for (int32_t ky = 0; ky < p->kernel_h; ky++) {
          const int64_t iy = (int64_t)oy * p->stride_h - p->pad_top + (int64_t)ky * p->dilation_h;
          if (iy < 0 || iy >= p->in_h) continue;
          const float *irow = in + ((size_t)b * p->in_h + (size_t)iy) * p->in_w * C + c;
          for (int32_t kx = 0; kx < p->kernel_w; kx++) {
            const int64_t ix = (int64_t)ox * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
            if (ix < 0 || ix >= p->in_w) continue;
            const int32_t t = ky * p->kernel_w + kx;
            const __m512 wt = taps <= 9 ? wv[t] : _mm512_maskz_loadu_ps(m, w + (size_t)t * C + c);
            acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, irow + (size_t)ix * C), wt, acc);
          }
        }
        _mm512_mask_storeu_ps(out + ((size_t)row * p->out_w + ox) * C + c, m,
                              _mm512_min_ps(_mm512_max_ps(acc, lo), hi));
      }
    }
  }
}

__attribute__((target("avx2,fma"))) void
ecnn_f32_dwconv2d_rows__avx2(const ecnn_conv_params *p, const float *in, const float *w,
                             const float *bias, float *out, int32_t row0, int32_t row1) {
  const int32_t C = p->out_c;
  const __m256 lo = _mm256_set1_ps(p->out_min), hi = _mm256_set1_ps(p->out_max);
  for (int32_t row = row0; row < row1; row++) {
    const int32_t b = row / p->out_h, oy = row % p->out_h;
    for (int32_t ox = 0; ox < p->out_w; ox++) {
      float *o = out + ((size_t)row * p->out_w + ox) * C;
      for (int32_t c = 0; c < C; c += 8) {
        const __m256i m = avx2_mask(C - c);
        __m256 acc = bias ? _mm256_maskload_ps(bias + c, m) : _mm256_setzero_ps();
        for (int32_t ky = 0; ky < p->kernel_h; ky++) {
          const int64_t iy = (int64_t)oy * p->stride_h - p->pad_top + (int64_t)ky * p->dilation_h;
          if (iy < 0 || iy >= p->in_h) continue;
          for (int32_t kx = 0; kx < p->kernel_w; kx++) {
            const int64_t ix = (int64_t)ox * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
            if (ix < 0 || ix >= p->in_w) continue;
            const float *ip = in + (((size_t)b * p->in_h + (size_t)iy) * p->in_w + (size_t)ix) * C + c;
            const float *wq = w + ((size_t)ky * p->kernel_w + kx) * C + c;
            acc = _mm256_fmadd_ps(_mm256_maskload_ps(ip, m), _mm256_maskload_ps(wq, m), acc);
          }
        }
        _mm256_maskstore_ps(o + c, m, _mm256_min_ps(_mm256_max_ps(acc, lo), hi));
      }
    }
  }
}

int32_t ecnn_conv_packed_max_ic(void) { return ZERO_ROW; }

#else /* not x86-64: isa.c never selects these */
#include "../conv.h"

#if defined(__aarch64__)
int32_t ecnn_conv_packed_max_ic(void) { return 4096; } /* the NEON kernels' zero row */
#else
int32_t ecnn_conv_packed_max_ic(void) { return 0; }
#endif
#define UNUSED_KERNEL(name, wname)                                                             \
  void name(const ecnn_conv_params *p, const float *in, const float *wname, const float *b,    \
            float *out, int32_t r0, int32_t r1) {                                              \
    (void)p, (void)in, (void)wname, (void)b, (void)out, (void)r0, (void)r1;                    \
  }
UNUSED_KERNEL(ecnn_f32_conv2d_packed__avx512, wp)
UNUSED_KERNEL(ecnn_f32_conv2d_packed__avx2, wp)
UNUSED_KERNEL(ecnn_f32_dwconv2d_rows__avx512, w)
UNUSED_KERNEL(ecnn_f32_dwconv2d_rows__avx2, w)
#endif /* __x86_64__ */
