/*
 * q8_eltwise_x86.c — the AVX2 quantized ADD / SUB of two same-shape tensors (q8_eltwise.h),
 * both kinds bit-identical to q8_eltwise_scalar.c. The exact one: 16 elements at a time,
 * widened to two int32 vectors each, the three requantizations of q8_avx2.h, the saturating
 * packs. The single-rounding one (ecnn_q8_vadd, what models run): 16 elements in four
 * vpmaddwd (see vadd16), about 24 instructions against the exact one's 100. A partial last
 * group goes through 16-byte buffers. And float32 -> int8 QUANTIZE (a model's input), AVX2 and
 * AVX-512, bit-identical to ecnn_f32_quantize__scalar's double division with a float
 * reciprocal and an exact fma decision (the proof is above quantize8).
 */
#include "../q8_eltwise.h"

#if defined(__x86_64__)
#include <string.h>

#include "q8_avx2.h"

/* 16 elements at x widened to int32 lanes 0-7 (*lo) and 8-15 (*hi), minus zp, shifted. */
ECNN_INLINE ECNN_AVX2 void widen16(const void *x, bool u8, __m256i zp, __m128i shift,
                                   __m256i *lo, __m256i *hi) {
  const __m128i b = _mm_loadu_si128((const __m128i *)x), h = _mm_srli_si128(b, 8);
  const __m256i l32 = u8 ? _mm256_cvtepu8_epi32(b) : _mm256_cvtepi8_epi32(b);
  const __m256i h32 = u8 ? _mm256_cvtepu8_epi32(h) : _mm256_cvtepi8_epi32(h);
  *lo = _mm256_sll_epi32(_mm256_sub_epi32(l32, zp), shift);
  *hi = _mm256_sll_epi32(_mm256_sub_epi32(h32, zp), shift);
}

/* An input's requantization when TFLite makes it (left_shift 20, a right shift, q >= 0), for
 * v = x - zp in [-255, 255]: the high multiply of v * 2^20 by q is floor((v q + 2^10) / 2^11)
 * (see ecnn_q8_requant8_avx2), and with q = qh 2^16 + ql that is exactly
 * v (qh 2^5) + floor((v ql + 2^10) / 2^11): two 32-bit products (|v qh 2^5| < 2^28,
 * |v ql| < 2^24) in place of the widening ones; then the same rounding right shift. */
typedef struct in_rq {
  __m256i qh32, ql, e, mask, half;
} in_rq;

ECNN_INLINE ECNN_AVX2 in_rq in_rq_set(int32_t mult, int32_t shift) {
  const int32_t right = ecnn_q8_right_shift(shift);
  const int32_t mask = (int32_t)(((int64_t)1 << right) - 1);
  in_rq r;
  r.qh32 = _mm256_set1_epi32((mult >> 16) << 5);
  r.ql = _mm256_set1_epi32(mult & 0xFFFF);
  r.e = _mm256_set1_epi32(right);
  r.mask = _mm256_set1_epi32(mask);
  r.half = _mm256_set1_epi32(mask >> 1);
  return r;
}

ECNN_INLINE ECNN_AVX2 __m256i in_requant8(__m256i v, const in_rq *r) {
  const __m256i lo = _mm256_srai_epi32(
      _mm256_add_epi32(_mm256_mullo_epi32(v, r->ql), _mm256_set1_epi32(1 << 10)), 11);
  const __m256i h = _mm256_add_epi32(_mm256_mullo_epi32(v, r->qh32), lo);
  const __m256i rem = _mm256_and_si256(h, r->mask);
  const __m256i thr = _mm256_add_epi32(r->half, _mm256_srli_epi32(h, 31));
  return _mm256_sub_epi32(_mm256_srav_epi32(h, r->e), _mm256_cmpgt_epi32(rem, thr));
}

/* The kernel: with `tflite` (TFLite's multipliers: in_rq's conditions) the inputs take
 * in_requant8, else the general requantization after the left shift; `tflite`, and in its
 * variants `sub` and `u8`, are literals. */
ECNN_INLINE ECNN_AVX2 void add_body(const ecnn_q8_add_params *p, const uint8_t *pa,
                                    const uint8_t *pb, uint8_t *po, size_t n, const bool tflite,
                                    const bool sub, const bool u8) {
  const in_rq ta = in_rq_set(p->a_mult, p->a_shift), tb = in_rq_set(p->b_mult, p->b_shift);
  const ecnn_q8_rq_avx2 ra = ecnn_q8_rq_set1_avx2(p->a_mult, p->a_shift);
  const ecnn_q8_rq_avx2 rb = ecnn_q8_rq_set1_avx2(p->b_mult, p->b_shift);
  const ecnn_q8_rq_avx2 ro = ecnn_q8_rq_set1_avx2(p->out_mult, p->out_shift);
  const bool la = p->a_shift > 0, lb = p->b_shift > 0, lo_ = p->out_shift > 0;
  const ecnn_q8_out_avx2 k = ecnn_q8_out_set_avx2(p->out_zp, p->out_min, p->out_max, u8);
  const __m256i za = _mm256_set1_epi32(p->a_zp), zb = _mm256_set1_epi32(p->b_zp);
  /* (in_requant8 takes the 2^20 into its products) */
  const __m128i sh = tflite ? _mm_setzero_si128() : _mm_cvtsi32_si128(p->left_shift);
  for (size_t i = 0; i < n; i += 16) {
    uint8_t ba[16], bb[16], bo[16];
    const bool part = n - i < 16;
    const void *xa = pa + i, *xb = pb + i;
    if (part) {
      memcpy(ba, pa + i, n - i);
      memcpy(bb, pb + i, n - i);
      xa = ba, xb = bb;
    }
    __m256i a0, a1, b0, b1;
    widen16(xa, u8, za, sh, &a0, &a1);
    widen16(xb, u8, zb, sh, &b0, &b1);
    if (tflite) {
      a0 = in_requant8(a0, &ta), a1 = in_requant8(a1, &ta);
      b0 = in_requant8(b0, &tb), b1 = in_requant8(b1, &tb);
    } else {
      a0 = ecnn_q8_requant8_avx2(a0, &ra, la), a1 = ecnn_q8_requant8_avx2(a1, &ra, la);
      b0 = ecnn_q8_requant8_avx2(b0, &rb, lb), b1 = ecnn_q8_requant8_avx2(b1, &rb, lb);
    }
    const __m256i s0 = sub ? _mm256_sub_epi32(a0, b0) : _mm256_add_epi32(a0, b0);
    const __m256i s1 = sub ? _mm256_sub_epi32(a1, b1) : _mm256_add_epi32(a1, b1);
    const __m128i r = ecnn_q8_pack16_avx2(ecnn_q8_requant8_avx2(s0, &ro, lo_),
                                          ecnn_q8_requant8_avx2(s1, &ro, lo_), &k);
    if (part) {
      _mm_storeu_si128((__m128i *)bo, r);
      memcpy(po + i, bo, n - i);
    } else {
      _mm_storeu_si128((__m128i *)(po + i), r);
    }
  }
}

#define ADD_VARIANT(NAME, SUB, U8)                                                             \
  ECNN_AVX2 static void NAME(const ecnn_q8_add_params *p, const uint8_t *a, const uint8_t *b,  \
                             uint8_t *out, size_t n) {                                         \
    add_body(p, a, b, out, n, true, SUB, U8);                                                  \
  }
ADD_VARIANT(add_i8, false, false)
ADD_VARIANT(sub_i8, true, false)
ADD_VARIANT(add_u8, false, true)
ADD_VARIANT(sub_u8, true, true)
#undef ADD_VARIANT

ECNN_AVX2 void ecnn_q8_add__avx2(const ecnn_q8_add_params *p, const void *a, const void *b,
                                 void *out, size_t n) {
  if (p->left_shift == 20 && p->a_shift <= 0 && p->b_shift <= 0 && p->a_mult >= 0 &&
      p->b_mult >= 0)
    (p->u8 ? (p->sub ? sub_u8 : add_u8) : (p->sub ? sub_i8 : add_i8))(p, a, b, out, n);
  else
    add_body(p, a, b, out, n, false, p->sub, p->u8);
}

/* ---- the single-rounding ADD (ecnn_q8_vadd) ---- */

/* 16 elements: a and b readable for 16 bytes. Widened to int16 and interleaved in (a, b)
 * pairs; with each multiplier split as h 2^11 + l (l its low 11 bits, h the rest: both
 * int16), one vpmaddwd gives a h_a + b h_b and one a l_a + b l_b, and
 * acc = (that << 11) + this + bias, wrapping like the scalar twin's uint32 sum. vpackssdw
 * undoes the interleave's lane order (both work within 128-bit lanes), and the sums, below
 * 2^14 in magnitude after the shift, take the zero point and the saturating pack exactly. */
ECNN_INLINE ECNN_AVX2 __m256i vadd8(__m256i pairs, __m256i mh, __m256i ml, __m256i bias,
                                    __m128i shift) {
  const __m256i hi = _mm256_slli_epi32(_mm256_madd_epi16(pairs, mh), 11);
  const __m256i acc = _mm256_add_epi32(_mm256_add_epi32(hi, _mm256_madd_epi16(pairs, ml)), bias);
  return _mm256_sra_epi32(acc, shift);
}

ECNN_INLINE ECNN_AVX2 __m128i vadd16(const uint8_t *a, const uint8_t *b, __m256i mh, __m256i ml,
                                     __m256i bias, __m128i shift, __m256i zp, __m128i lo,
                                     __m128i hi, const bool u8) {
  const __m128i xa = _mm_loadu_si128((const __m128i *)a), xb = _mm_loadu_si128((const __m128i *)b);
  const __m256i wa = u8 ? _mm256_cvtepu8_epi16(xa) : _mm256_cvtepi8_epi16(xa);
  const __m256i wb = u8 ? _mm256_cvtepu8_epi16(xb) : _mm256_cvtepi8_epi16(xb);
  const __m256i s0 = vadd8(_mm256_unpacklo_epi16(wa, wb), mh, ml, bias, shift);
  const __m256i s1 = vadd8(_mm256_unpackhi_epi16(wa, wb), mh, ml, bias, shift);
  const __m256i v = _mm256_adds_epi16(_mm256_packs_epi32(s0, s1), zp);
  const __m128i v0 = _mm256_castsi256_si128(v), v1 = _mm256_extracti128_si256(v, 1);
  if (u8) return _mm_min_epu8(_mm_max_epu8(_mm_packus_epi16(v0, v1), lo), hi);
  return _mm_min_epi8(_mm_max_epi8(_mm_packs_epi16(v0, v1), lo), hi);
}

/* (a, b) int16 pairs for vpmaddwd */
static int32_t int16_pair(int32_t a, int32_t b) {
  return (int32_t)(((uint32_t)(uint16_t)b << 16) | (uint16_t)a);
}

ECNN_INLINE ECNN_AVX2 void vadd_loop(const ecnn_q8_vadd_params *p, const uint8_t *a,
                                     const uint8_t *b, uint8_t *out, size_t n, const bool u8) {
  const __m256i mh = _mm256_set1_epi32(int16_pair(p->a_mult >> 11, p->b_mult >> 11));
  const __m256i ml = _mm256_set1_epi32(int16_pair(p->a_mult & 0x7FF, p->b_mult & 0x7FF));
  const __m256i bias = _mm256_set1_epi32(p->bias), zp = _mm256_set1_epi16((int16_t)p->out_zp);
  const __m128i shift = _mm_cvtsi32_si128(p->shift);
  const __m128i lo = _mm_set1_epi8((char)p->out_min), hi = _mm_set1_epi8((char)p->out_max);
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm_storeu_si128((__m128i *)(out + i),
                     vadd16(a + i, b + i, mh, ml, bias, shift, zp, lo, hi, u8));
  if (i < n) {
    uint8_t ba[16] = {0}, bb[16] = {0}, bo[16];
    memcpy(ba, a + i, n - i);
    memcpy(bb, b + i, n - i);
    _mm_storeu_si128((__m128i *)bo, vadd16(ba, bb, mh, ml, bias, shift, zp, lo, hi, u8));
    memcpy(out + i, bo, n - i);
  }
}

ECNN_AVX2 static void vadd_i8(const ecnn_q8_vadd_params *p, const uint8_t *a, const uint8_t *b,
                              uint8_t *out, size_t n) {
  vadd_loop(p, a, b, out, n, false);
}

ECNN_AVX2 static void vadd_u8(const ecnn_q8_vadd_params *p, const uint8_t *a, const uint8_t *b,
                              uint8_t *out, size_t n) {
  vadd_loop(p, a, b, out, n, true);
}

ECNN_AVX2 void ecnn_q8_vadd__avx2(const ecnn_q8_vadd_params *p, const void *a, const void *b,
                                  void *out, size_t n) {
  (p->u8 ? vadd_u8 : vadd_i8)(p, a, b, out, n);
}

/* ---- QUANTIZE float32 -> int8 ----
 *
 * The scalar twin's q = sat8(round_half_away(fl64(x / s)) + zp), NaN giving zp, without a
 * division: a = |x|, y = a * r in float with r = fl32(1 / s), a floor f of y (clamped to
 * [0, 256]), and the one rounding decision that y may get wrong settled exactly by the sign of
 * E = fma(-(f + 1/2), s, a) = fl32(a - h s), h = f + 1/2; the sign of x is put back at the
 * end. Why that is the twin's value, for every float x, when 2^-125 <= s <= 2^126 (other
 * scales take the division below):
 *
 * 1. The twin's quotient. In double, x / s neither overflows nor underflows (|x / s| lies in
 *    [2^-277, 2^277] or is 0, inf), and it rounds to the same integer as the exact t = x / s:
 *    write x = X 2^ex, s = S 2^es with X, S < 2^24 integers. For a half-integer h != t with
 *    |h| <= 2^9, x - h s is a nonzero multiple of 2^min(ex, es - 1), so |t - h| >= |t| 2^-24
 *    (if ex <= es - 1) or >= 1 / (2S) > 2^-25 (else), both more than the double rounding's
 *    2^-44 at |t| <= 2^9: fl64(t) is on h's side of h, or is h when t is. Beyond 2^9 fl64 is
 *    monotone, so both saturate. So the twin computes sat8(R(t) + zp), R rounding ties away
 *    from zero, and R(t) = sign(x) R(|t|): the sign can be taken off and put back.
 * 2. The candidate. r is a normal float (1 / s in [2^-126, 2^125]) within 2^-24 (relative,
 *    plus 2^-53 from the double quotient) of 1 / s, and y = fl32(a r) is within 2^-24 of a r
 *    or, below 2^-126, within 2^-150; so |y - t| <= 2^-22 t + 2^-150 < 2^-13 while y <= 256
 *    (then t < 257). y' = min(max(y, 0), 256) (max first: a NaN y becomes 0) and
 *    f = trunc(y') = floor(y') is exact. With y <= 256, t lies in (f - 2^-13, f + 1 + 2^-13),
 *    where R(t) = f + [t >= f + 1/2] (ties up, t >= 0). With y > 256 (inf included), f = 256
 *    and t > 255.99, so R(t) >= 256 and f + [..] >= 256: both saturate (|zp| <= 128).
 * 3. The decision. t >= h exactly when a - h s >= 0. h s is a multiple of 2^-149 (s >= 2^-125
 *    is a multiple of 2^-148), and so is a, so a - h s is 0 or at least 2^-149 in magnitude:
 *    the fma's one rounding keeps its sign (2^-149 is a float; an overflow gives inf of that
 *    sign; a = inf gives inf), and E >= 0 exactly when t >= h. [E >= 0] is false for NaN.
 * 4. The rest. NaN: y' = 0, E NaN, so 0, and zp. -0: 0. vpsignd puts the sign back (x's sign
 *    bit, so -0 and negative NaNs give -0 = 0); q is in [-257, 257], so the int16 pack, the
 *    saturating add of zp and the saturating pack to int8 are sat8(q + zp). */

/* 8 floats to int32 lanes R(x / s) with |.| <= 257 (NaN 0): r = fl32(1 / s). */
ECNN_INLINE ECNN_AVX2 __m256i quantize8(__m256 x, __m256 s, __m256 r) {
  const __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
  const __m256 y = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(a, r), _mm256_setzero_ps()),
                                 _mm256_set1_ps(256.0f));
  const __m256i f = _mm256_cvttps_epi32(y);
  const __m256 h = _mm256_add_ps(_mm256_cvtepi32_ps(f), _mm256_set1_ps(0.5f));
  const __m256 e = _mm256_fnmadd_ps(h, s, a); /* a - h s, rounded once */
  const __m256i up = _mm256_castps_si256(_mm256_cmp_ps(e, _mm256_setzero_ps(), _CMP_GE_OQ));
  return _mm256_sign_epi32(_mm256_sub_epi32(f, up), _mm256_castps_si256(x));
}

/* 32 floats at x to 32 int8 values (packs work within 128-bit lanes: the permute undoes it). */
ECNN_INLINE ECNN_AVX2 __m256i quantize32(const float *x, __m256 s, __m256 r, __m256i zp) {
  const __m256i q0 = quantize8(_mm256_loadu_ps(x), s, r);
  const __m256i q1 = quantize8(_mm256_loadu_ps(x + 8), s, r);
  const __m256i q2 = quantize8(_mm256_loadu_ps(x + 16), s, r);
  const __m256i q3 = quantize8(_mm256_loadu_ps(x + 24), s, r);
  const __m256i w0 = _mm256_adds_epi16(_mm256_packs_epi32(q0, q1), zp);
  const __m256i w1 = _mm256_adds_epi16(_mm256_packs_epi32(q2, q3), zp);
  return _mm256_permutevar8x32_epi32(_mm256_packs_epi16(w0, w1),
                                     _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* round(v) with ties away from zero, exactly: the truncation, plus the sign when the
 * remainder (exact: Sterbenz) is at least a half. */
ECNN_INLINE ECNN_AVX2 __m256d round_away_pd(__m256d v) {
  const __m256d t = _mm256_round_pd(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256d sign = _mm256_and_pd(v, _mm256_set1_pd(-0.0));
  const __m256d d = _mm256_andnot_pd(_mm256_set1_pd(-0.0), _mm256_sub_pd(v, t));
  const __m256d step = _mm256_and_pd(_mm256_cmp_pd(d, _mm256_set1_pd(0.5), _CMP_GE_OQ),
                                     _mm256_or_pd(sign, _mm256_set1_pd(1.0)));
  return _mm256_add_pd(t, step);
}

/* The scales outside [2^-125, 2^126], with the twin's division: 4 floats to int32 quantized
 * values (before the zero point), saturated so that adding zp stays in [-128, 127]; NaN 0. */
ECNN_INLINE ECNN_AVX2 __m128i quantize4_div(__m128 x, __m256d s, __m256d lo, __m256d hi) {
  __m256d v = _mm256_div_pd(_mm256_cvtps_pd(x), s);
  v = _mm256_and_pd(v, _mm256_cmp_pd(v, v, _CMP_ORD_Q)); /* NaN -> 0 */
  v = _mm256_min_pd(_mm256_max_pd(round_away_pd(v), lo), hi);
  return _mm256_cvtpd_epi32(v); /* integral already: exact */
}

ECNN_AVX2 static void quantize_div(size_t n, const float *x, float scale, int32_t zero_point,
                                   int8_t *y) {
  const __m256d s = _mm256_set1_pd((double)scale);
  const __m256d lo = _mm256_set1_pd(-128.0 - zero_point), hi = _mm256_set1_pd(127.0 - zero_point);
  const __m128i zp = _mm_set1_epi16((int16_t)zero_point);
  for (size_t i = 0; i < n; i += 8) { /* n a multiple of 8 */
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m128i a = quantize4_div(_mm256_castps256_ps128(v), s, lo, hi);
    const __m128i b = quantize4_div(_mm256_extractf128_ps(v, 1), s, lo, hi);
    const __m128i q16 = _mm_add_epi16(_mm_packs_epi32(a, b), zp); /* within int8 already */
    _mm_storel_epi64((__m128i *)(y + i), _mm_packs_epi16(q16, q16));
  }
}

/* Whether the division-free kernels take `scale` (the proof's range, above; false for NaN). */
static inline bool quantize_fast_scale(float scale) {
  return scale >= 0x1p-125f && scale <= 0x1p126f;
}

ECNN_AVX2 void ecnn_f32_quantize_i8__avx2(size_t n, const float *x, float scale,
                                          int32_t zero_point, int8_t *y) {
  if (!quantize_fast_scale(scale)) {
    const size_t body = n & ~(size_t)7;
    quantize_div(body, x, scale, zero_point, y);
    if (body < n) {
      float tail[8] = {0};
      int8_t out[8];
      memcpy(tail, x + body, (n - body) * sizeof *tail);
      quantize_div(8, tail, scale, zero_point, out);
      memcpy(y + body, out, n - body);
    }
    return;
  }
  const __m256 s = _mm256_set1_ps(scale), r = _mm256_set1_ps((float)(1.0 / (double)scale));
  const __m256i zp = _mm256_set1_epi16((int16_t)zero_point);
  const size_t body = n & ~(size_t)31;
  for (size_t i = 0; i < body; i += 32)
    _mm256_storeu_si256((__m256i *)(y + i), quantize32(x + i, s, r, zp));
  if (body < n) {
    float tail[32] = {0};
    int8_t out[32];
    memcpy(tail, x + body, (n - body) * sizeof *tail);
    _mm256_storeu_si256((__m256i *)out, quantize32(tail, s, r, zp));
    memcpy(y + body, out, n - body);
  }
}

/* The same with AVX-512F, 16 lanes, the decision of quantize8 in float: f by vrndscaleps,
 * f + [E >= 0] by a masked add, x's sign bit ORed in (vpternlogd), zp added (exact: integers
 * below 2^9), vcvtps2dq (exact: integral) and the saturating vpmovsdb, with masked loads and
 * stores for the tail. */
#define ECNN_AVX512 __attribute__((target("avx512f")))

ECNN_INLINE ECNN_AVX512 __m512i quantize16(__m512 x, __m512 s, __m512 r, __m512 zp) {
  const __m512 a = _mm512_abs_ps(x);
  const __m512 y = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(a, r), _mm512_setzero_ps()),
                                 _mm512_set1_ps(256.0f));
  const __m512 f = _mm512_roundscale_ps(y, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  const __m512 e = _mm512_fnmadd_ps(_mm512_add_ps(f, _mm512_set1_ps(0.5f)), s, a);
  const __mmask16 up = _mm512_cmp_ps_mask(e, _mm512_setzero_ps(), _CMP_GE_OQ);
  const __m512i q = _mm512_castps_si512(_mm512_mask_add_ps(f, up, f, _mm512_set1_ps(1.0f)));
  const __m512i sq = _mm512_ternarylogic_epi32(q, _mm512_castps_si512(x),
                                               _mm512_set1_epi32(INT32_MIN), 0xF8); /* q|x&m */
  return _mm512_cvtps_epi32(_mm512_add_ps(_mm512_castsi512_ps(sq), zp));
}

ECNN_AVX512 void ecnn_f32_quantize_i8__avx512(size_t n, const float *x, float scale,
                                              int32_t zero_point, int8_t *y) {
  if (!quantize_fast_scale(scale)) {
    ecnn_f32_quantize_i8__avx2(n, x, scale, zero_point, y);
    return;
  }
  const __m512 s = _mm512_set1_ps(scale), r = _mm512_set1_ps((float)(1.0 / (double)scale));
  const __m512 zp = _mm512_set1_ps((float)zero_point);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i q = quantize16(_mm512_loadu_ps(x + i), s, r, zp);
    _mm512_mask_cvtsepi32_storeu_epi8(y + i, 0xFFFF, q);
  }
  if (i < n) {
    const __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
    const __m512i q = quantize16(_mm512_maskz_loadu_ps(k, x + i), s, r, zp);
    _mm512_mask_cvtsepi32_storeu_epi8(y + i, k, q);
  }
}

#else /* not x86-64: isa.c never selects it */

void ecnn_q8_add__avx2(const ecnn_q8_add_params *p, const void *a, const void *b, void *out,
                       size_t n) {
  (void)p, (void)a, (void)b, (void)out, (void)n;
}

void ecnn_f32_quantize_i8__avx2(size_t n, const float *x, float scale, int32_t zero_point,
                                int8_t *y) {
  (void)n, (void)x, (void)scale, (void)zero_point, (void)y;
}

void ecnn_q8_vadd__avx2(const ecnn_q8_vadd_params *p, const void *a, const void *b, void *out,
                        size_t n) {
  (void)p, (void)a, (void)b, (void)out, (void)n;
}

void ecnn_f32_quantize_i8__avx512(size_t n, const float *x, float scale, int32_t zero_point,
                                  int8_t *y) {
  (void)n, (void)x, (void)scale, (void)zero_point, (void)y;
}

#endif
