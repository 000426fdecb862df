/*
 * q8_avx2.h — the AVX2 pieces every quantized (int8 / uint8) kernel ends with: TFLite's
 * requantization (MultiplyByQuantizedMultiplier) of 8 int32 lanes, exactly, the convolutions'
 * single-precision one (quant.h's ecnn_q8_fround), and the packing
 * of requantized lanes to clamped output bytes. Header-only, static inline with AVX2 target
 * attributes: include it only from x86-64 kernel files (q8_conv_x86.c, q8_eltwise_x86.c) and
 * call it only from AVX2 functions.
 */
#ifndef ECNN_KERNELS_X86_Q8_AVX2_H
#define ECNN_KERNELS_X86_Q8_AVX2_H

#include <immintrin.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../ops/q8/quant.h"

#define ECNN_AVX2 __attribute__((target("avx2,fma")))
#define ECNN_INLINE __attribute__((always_inline)) static inline

/* The requantization constants of 8 lanes: q (Q31 multiplier), q_odd (lanes 1, 3, 5, 7 of q
 * in lanes 0, 2, 4, 6: what vpmuldq reads for the odd lanes), l (left shift: max(shift, 0)),
 * e (right shift: min(-shift, 31) when shift < 0, else 0), mask ((1 << e) - 1) and half
 * (mask >> 1). */
typedef struct ecnn_q8_rq_avx2 {
  __m256i q, q_odd, l, e, mask, half;
} ecnn_q8_rq_avx2;

/* ecnn_mbqm (src/ops/q8/quant.h) of 8 lanes, bit for bit: the saturating left shift (when
 * `left`: where shifting back does not give x, the saturated value), the 64-bit products of
 * even and odd lanes (vpmuldq) plus 2^30, bits 31..62 of each taken back to 32 bits (that is
 * the rounding doubling high multiply: its nudge and truncation amount to a floor of
 * (ab + 2^30) / 2^31, and q >= 0 rules out its one saturating case), then the rounding right
 * shift with ties away from zero (remainder against half the divisor, plus one when negative). */
ECNN_INLINE ECNN_AVX2 __m256i ecnn_q8_requant8_avx2(__m256i x, const ecnn_q8_rq_avx2 *r,
                                                    bool left) {
  if (left) {
    const __m256i s = _mm256_sllv_epi32(x, r->l);
    const __m256i ok = _mm256_cmpeq_epi32(_mm256_srav_epi32(s, r->l), x);
    const __m256i sat = _mm256_xor_si256(_mm256_srai_epi32(x, 31), _mm256_set1_epi32(INT32_MAX));
    x = _mm256_blendv_epi8(sat, s, ok);
  }
  const __m256i rnd = _mm256_set1_epi64x((int64_t)1 << 30);
  const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(x, r->q), rnd);
  const __m256i po = _mm256_add_epi64(
      _mm256_mul_epi32(_mm256_srli_epi64(x, 32), r->q_odd), rnd);
  /* bits 31..62: even lanes shifted down to their low half, odd lanes up to their high half */
  const __m256i h =
      _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
  const __m256i rem = _mm256_and_si256(h, r->mask);
  const __m256i thr = _mm256_add_epi32(r->half, _mm256_srli_epi32(h, 31));
  return _mm256_sub_epi32(_mm256_srav_epi32(h, r->e), _mm256_cmpgt_epi32(rem, thr));
}

/* The convolutions' single-precision requantization (quant.h's ecnn_q8_fround) of 8 lanes at
 * the scales s, bit for bit: vcvtdq2ps and vmulps round to nearest even as the C conversion
 * and product do; with `big` (some scale >= 1) y is clamped below 2^31 first; vcvtps2dq rounds
 * to nearest even and turns y < -2^31 into INT32_MIN, as the scalar clamp does. Without `big`
 * y cannot pass 2^31 - 128: |float(acc)| <= 2^31 and s <= 1 - 2^-24. */
ECNN_INLINE ECNN_AVX2 __m256i ecnn_q8_fround8_avx2(__m256i x, __m256 s, bool big) {
  __m256 y = _mm256_mul_ps(_mm256_cvtepi32_ps(x), s);
  if (big) y = _mm256_min_ps(y, _mm256_set1_ps(ECNN_Q8_FMAX));
  return _mm256_cvtps_epi32(y);
}

/* The constants of one multiplier for every lane. */
ECNN_INLINE ECNN_AVX2 ecnn_q8_rq_avx2 ecnn_q8_rq_set1_avx2(int32_t mult, int32_t shift) {
  const int32_t left = ecnn_q8_left_shift(shift), right = ecnn_q8_right_shift(shift);
  const int32_t mask = (int32_t)(((int64_t)1 << right) - 1);
  ecnn_q8_rq_avx2 r;
  r.q = r.q_odd = _mm256_set1_epi32(mult);
  r.l = _mm256_set1_epi32(left);
  r.e = _mm256_set1_epi32(right);
  r.mask = _mm256_set1_epi32(mask);
  r.half = _mm256_set1_epi32(mask >> 1);
  return r;
}

/* Output constants: the zero point as int16 lanes, the clamp as 8-bit lanes. */
typedef struct ecnn_q8_out_avx2 {
  __m256i zp;
  __m128i lo, hi;
  bool u8;
} ecnn_q8_out_avx2;

ECNN_INLINE ECNN_AVX2 ecnn_q8_out_avx2 ecnn_q8_out_set_avx2(int32_t zp, int32_t lo, int32_t hi,
                                                            bool u8) {
  ecnn_q8_out_avx2 k;
  k.zp = _mm256_set1_epi16((int16_t)zp);
  k.lo = _mm_set1_epi8((char)lo);
  k.hi = _mm_set1_epi8((char)hi);
  k.u8 = u8;
  return k;
}

/* 16 requantized values already packed to int16 (in order), plus the zero point (saturating:
 * the same as adding it exactly and clamping, for clamps inside the 8-bit range), to 16
 * clamped bytes. */
ECNN_INLINE ECNN_AVX2 __m128i ecnn_q8_finish16_avx2(__m256i s, const ecnn_q8_out_avx2 *k) {
  s = _mm256_adds_epi16(s, k->zp);
  const __m128i a = _mm256_castsi256_si128(s), b = _mm256_extracti128_si256(s, 1);
  if (k->u8) return _mm_min_epu8(_mm_max_epu8(_mm_packus_epi16(a, b), k->lo), k->hi);
  return _mm_min_epi8(_mm_max_epi8(_mm_packs_epi16(a, b), k->lo), k->hi);
}

/* Lanes 0-7 of v0 and 8-15 of v1 (requantized) to 16 output bytes in order. */
ECNN_INLINE ECNN_AVX2 __m128i ecnn_q8_pack16_avx2(__m256i v0, __m256i v1,
                                                  const ecnn_q8_out_avx2 *k) {
  /* vpackssdw interleaves 128-bit halves: [v0 0-3, v1 0-3 | v0 4-7, v1 4-7] */
  return ecnn_q8_finish16_avx2(_mm256_permute4x64_epi64(_mm256_packs_epi32(v0, v1), 0xD8), k);
}

/* 8 requantized lanes to 8 output bytes (the low half). */
ECNN_INLINE ECNN_AVX2 __m128i ecnn_q8_pack8_avx2(__m256i v, const ecnn_q8_out_avx2 *k) {
  __m128i s = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_adds_epi16(s, _mm256_castsi256_si128(k->zp));
  if (k->u8) return _mm_min_epu8(_mm_max_epu8(_mm_packus_epi16(s, s), k->lo), k->hi);
  return _mm_min_epi8(_mm_max_epi8(_mm_packs_epi16(s, s), k->lo), k->hi);
}

#endif /* ECNN_KERNELS_X86_Q8_AVX2_H */
