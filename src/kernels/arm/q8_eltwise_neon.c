/*
 * q8_eltwise_neon.c — the ARM64 NEON quantized ADD / SUB of two same-shape tensors
 * (q8_eltwise.h) and float32 -> int8 QUANTIZE, bit-identical to their scalar twins
 * (q8_eltwise_scalar.c; ecnn_f32_quantize__scalar in eltwise_scalar.c), as the AVX2 ones in
 * q8_eltwise_x86.c are. The residual connections of the int8 models and their input QUANTIZE;
 * memory-bound, a few instructions a byte.
 *
 * ADD / SUB: 16 elements at a time, widened to int16 with the zero point taken off (exact:
 * |x - zp| <= 255), to four int32 vectors shifted left by left_shift (exact: <= 255 * 2^20),
 * the three requantizations of q8_neon.h, the sum or difference wrapping like the scalar
 * twin's, the saturating narrows and the clamp. A partial last group goes through 16-byte
 * buffers, so out may be a or b.
 *
 * QUANTIZE: 8 floats at a time, widened to double (exact), divided by the scale in double
 * (vdivq_f64: IEEE, the scalar twin's quotient), then one FCVTAS (vcvtaq_s64_f64): round to
 * nearest with ties away from zero, which is round(); saturating to int64, NaN giving 0 — so
 * NaN ends as the zero point and +-inf, huge values saturate like the twin's clamp. Then the
 * saturating narrows int64 -> int32 -> int16, + zero point (saturating: a saturated lane stays
 * beyond the int8 range on its side), -> int8. A partial last group goes through a buffer.
 *
 * Like q8_conv_neon.c, built on every target (meson; scripts/test_arm.sh cross-builds and
 * tests it), the kernels only on ARM64: callers guard their calls with
 * `#if defined(__aarch64__)`.
 */
#include "../q8_eltwise.h"

#if defined(__aarch64__)
#include <string.h>

#include "q8_neon.h"

/* The constants of one requantization (ecnn_mbqm's q and shift) for every lane. */
typedef struct rq_consts {
  int32x4_t q, l, r;
  bool left;
} rq_consts;

static rq_consts rq_set(int32_t mult, int32_t shift) {
  rq_consts c;
  c.q = vdupq_n_s32(mult);
  c.l = vdupq_n_s32(ecnn_q8_left_shift(shift));
  c.r = vdupq_n_s32(ecnn_q8_rshift_neon(shift));
  c.left = shift > 0;
  return c;
}

ECNN_NEON_INLINE int32x4_t rq(int32x4_t x, const rq_consts *c) {
  return ecnn_q8_requant4_neon(x, c->q, c->l, c->r, c->left);
}

/* 16 elements at x, minus zp, times 2^shift, as int32 lanes 0-3 .. 12-15 in v[0..3]. */
ECNN_NEON_INLINE void widen16(const uint8_t *x, int16x8_t zp, int32x4_t shift, const bool u8,
                              int32x4_t v[4]) {
  const uint8x16_t b = vld1q_u8(x);
  int16x8_t lo, hi;
  if (u8) {
    lo = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(b)));
    hi = vreinterpretq_s16_u16(vmovl_high_u8(b));
  } else {
    const int8x16_t s = vreinterpretq_s8_u8(b);
    lo = vmovl_s8(vget_low_s8(s));
    hi = vmovl_high_s8(s);
  }
  lo = vsubq_s16(lo, zp);
  hi = vsubq_s16(hi, zp);
  v[0] = vshlq_s32(vmovl_s16(vget_low_s16(lo)), shift);
  v[1] = vshlq_s32(vmovl_high_s16(lo), shift);
  v[2] = vshlq_s32(vmovl_s16(vget_low_s16(hi)), shift);
  v[3] = vshlq_s32(vmovl_high_s16(hi), shift);
}

/* 16 elements: a and b readable for 16 bytes, 16 bytes of out written. */
ECNN_NEON_INLINE uint8x16_t add16(const uint8_t *a, const uint8_t *b, int16x8_t za,
                                  int16x8_t zb, int32x4_t shift, const rq_consts *ra,
                                  const rq_consts *rb, const rq_consts *ro,
                                  const ecnn_q8_out_neon *k, const bool sub, const bool u8) {
  int32x4_t x[4], y[4], s[4];
  widen16(a, za, shift, u8, x);
  widen16(b, zb, shift, u8, y);
  for (int v = 0; v < 4; v++) {
    const int32x4_t x1 = rq(x[v], ra), x2 = rq(y[v], rb);
    s[v] = rq(sub ? vsubq_s32(x1, x2) : vaddq_s32(x1, x2), ro); /* wraps, like the twin */
  }
  return ecnn_q8_finish16_neon(s[0], s[1], s[2], s[3], k, u8);
}

ECNN_NEON_INLINE void add_loop(const ecnn_q8_add_params *p, const uint8_t *a, const uint8_t *b,
                               uint8_t *out, size_t n, const bool sub, const bool u8) {
  const rq_consts ra = rq_set(p->a_mult, p->a_shift), rb = rq_set(p->b_mult, p->b_shift);
  const rq_consts ro = rq_set(p->out_mult, p->out_shift);
  const ecnn_q8_out_neon k = ecnn_q8_out_set_neon(p->out_zp, p->out_min, p->out_max);
  const int16x8_t za = vdupq_n_s16((int16_t)p->a_zp), zb = vdupq_n_s16((int16_t)p->b_zp);
  const int32x4_t shift = vdupq_n_s32(p->left_shift);
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    vst1q_u8(out + i, add16(a + i, b + i, za, zb, shift, &ra, &rb, &ro, &k, sub, u8));
  if (i < n) {
    uint8_t ba[16] = {0}, bb[16] = {0}, bo[16];
    memcpy(ba, a + i, n - i);
    memcpy(bb, b + i, n - i);
    vst1q_u8(bo, add16(ba, bb, za, zb, shift, &ra, &rb, &ro, &k, sub, u8));
    memcpy(out + i, bo, n - i);
  }
}

void ecnn_q8_add__neon(const ecnn_q8_add_params *p, const void *a, const void *b, void *out,
                       size_t n) {
  /* one loop per (sub, u8): the choice is not made per element */
  if (p->sub) {
    if (p->u8) add_loop(p, a, b, out, n, true, true);
    else add_loop(p, a, b, out, n, true, false);
  } else {
    if (p->u8) add_loop(p, a, b, out, n, false, true);
    else add_loop(p, a, b, out, n, false, false);
  }
}

/* ---- the single-rounding ADD (ecnn_q8_vadd) ---- */

/* 8 elements widened to int16 (a, b) to 8 int16 results before the clamp: both widened to
 * int32, acc = bias + a a_mult + b b_mult in int32 lanes (vmlaq: wrapping, like the twin's
 * uint32 sum), the arithmetic right shift (vshlq by -shift: floor, as the twin's >>), the
 * narrow and the zero point (exact: below 2^14 + 255). */
ECNN_NEON_INLINE int32x4_t vadd4(int16x4_t a, int16x4_t b, int32_t am, int32_t bm,
                                 int32x4_t bias, int32x4_t shift) {
  return vshlq_s32(vmlaq_n_s32(vmlaq_n_s32(bias, vmovl_s16(a), am), vmovl_s16(b), bm), shift);
}

ECNN_NEON_INLINE int16x8_t vadd8(int16x8_t a, int16x8_t b, int32_t am, int32_t bm,
                                 int32x4_t bias, int32x4_t shift, int16x8_t zp) {
  const int32x4_t lo = vadd4(vget_low_s16(a), vget_low_s16(b), am, bm, bias, shift);
  const int32x4_t hi = vadd4(vget_high_s16(a), vget_high_s16(b), am, bm, bias, shift);
  return vaddq_s16(vqmovn_high_s32(vqmovn_s32(lo), hi), zp);
}

ECNN_NEON_INLINE void vadd_loop(const ecnn_q8_vadd_params *p, const uint8_t *a,
                                const uint8_t *b, uint8_t *out, size_t n, const bool u8) {
  const int32_t am = p->a_mult, bm = p->b_mult;
  const int32x4_t bias = vdupq_n_s32(p->bias), shift = vdupq_n_s32(-p->shift);
  const int16x8_t zp = vdupq_n_s16((int16_t)p->out_zp);
  const int16x8_t lo = vdupq_n_s16((int16_t)p->out_min), hi = vdupq_n_s16((int16_t)p->out_max);
  uint8_t ba[16], bb[16], bo[16];
  for (size_t i = 0; i < n; i += 16) {
    const uint8_t *xa = a + i, *xb = b + i;
    if (n - i < 16) {
      memset(ba, 0, sizeof ba), memset(bb, 0, sizeof bb);
      memcpy(ba, xa, n - i), memcpy(bb, xb, n - i);
      xa = ba, xb = bb;
    }
    const uint8x16_t va = vld1q_u8(xa), vb = vld1q_u8(xb);
    int16x8_t a0, a1, b0, b1;
    if (u8) {
      a0 = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(va)));
      a1 = vreinterpretq_s16_u16(vmovl_high_u8(va));
      b0 = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(vb)));
      b1 = vreinterpretq_s16_u16(vmovl_high_u8(vb));
    } else {
      a0 = vmovl_s8(vget_low_s8(vreinterpretq_s8_u8(va)));
      a1 = vmovl_high_s8(vreinterpretq_s8_u8(va));
      b0 = vmovl_s8(vget_low_s8(vreinterpretq_s8_u8(vb)));
      b1 = vmovl_high_s8(vreinterpretq_s8_u8(vb));
    }
    const int16x8_t r0 = vminq_s16(vmaxq_s16(vadd8(a0, b0, am, bm, bias, shift, zp), lo), hi);
    const int16x8_t r1 = vminq_s16(vmaxq_s16(vadd8(a1, b1, am, bm, bias, shift, zp), lo), hi);
    /* in [out_min, out_max], inside the type: the narrows are exact */
    const uint8x16_t r = u8 ? vcombine_u8(vqmovun_s16(r0), vqmovun_s16(r1))
                            : vreinterpretq_u8_s8(vcombine_s8(vqmovn_s16(r0), vqmovn_s16(r1)));
    if (n - i < 16) {
      vst1q_u8(bo, r);
      memcpy(out + i, bo, n - i);
    } else {
      vst1q_u8(out + i, r);
    }
  }
}

void ecnn_q8_vadd__neon(const ecnn_q8_vadd_params *p, const void *a, const void *b, void *out,
                        size_t n) {
  if (p->u8) vadd_loop(p, a, b, out, n, true);
  else vadd_loop(p, a, b, out, n, false);
}

/* 4 floats to int32 lanes round(x / s) (saturated; NaN 0), before the zero point. */
ECNN_NEON_INLINE int32x4_t quantize4(float32x4_t x, float64x2_t s) {
  const int64x2_t lo = vcvtaq_s64_f64(vdivq_f64(vcvt_f64_f32(vget_low_f32(x)), s));
  const int64x2_t hi = vcvtaq_s64_f64(vdivq_f64(vcvt_high_f64_f32(x), s));
  return vqmovn_high_s64(vqmovn_s64(lo), hi);
}

/* 8 floats at x to 8 int8 values. */
ECNN_NEON_INLINE int8x8_t quantize8(const float *x, float64x2_t s, int16x8_t zp) {
  const int32x4_t a = quantize4(vld1q_f32(x), s), b = quantize4(vld1q_f32(x + 4), s);
  return vqmovn_s16(vqaddq_s16(vqmovn_high_s32(vqmovn_s32(a), b), zp));
}

void ecnn_f32_quantize_i8__neon(size_t n, const float *x, float scale, int32_t zero_point,
                                int8_t *y) {
  const float64x2_t s = vdupq_n_f64((double)scale);
  const int16x8_t zp = vdupq_n_s16((int16_t)zero_point);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) vst1_s8(y + i, quantize8(x + i, s, zp));
  if (i < n) {
    float tail[8] = {0};
    int8_t out[8];
    memcpy(tail, x + i, (n - i) * sizeof *tail);
    vst1_s8(out, quantize8(tail, s, zp));
    memcpy(y + i, out, n - i);
  }
}

#else /* not aarch64: never called (the callers' calls are under the same guard) */

void ecnn_q8_add__neon(const ecnn_q8_add_params *p, const void *a, const void *b, void *out,
                       size_t n) {
  (void)p, (void)a, (void)b, (void)out, (void)n;
}

void ecnn_f32_quantize_i8__neon(size_t n, const float *x, float scale, int32_t zero_point,
                                int8_t *y) {
  (void)n, (void)x, (void)scale, (void)zero_point, (void)y;
}

void ecnn_q8_vadd__neon(const ecnn_q8_vadd_params *p, const void *a, const void *b, void *out,
                        size_t n) {
  (void)p, (void)a, (void)b, (void)out, (void)n;
}

#endif /* __aarch64__ */
