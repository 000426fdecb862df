/*
 * q8_vnni.h — what the AVX-512 VNNI int8 kernels (q8_conv_vnni.c, q8_dwconv_vnni.c) share:
 * their build setup, native (target attributes) or emulated (ECNN_Q8_VNNI_EMULATE: SIMDe's
 * portable intrinsics, for the tests on CPUs without AVX-512), and their last step, TFLite's
 * requantization (MultiplyByQuantizedMultiplier) of 16 int32 lanes, exactly, and the clamped
 * narrowing to 16 output bytes. Header-only, static inline: include it only from those files,
 * inside their x86-64-or-emulated part, and call it only from ECNN_VNNI functions.
 *
 * Under emulation only intrinsics SIMDe 0.7.4 (Debian 12) has may be used, and the ones it
 * lacks are made here of its ymm twins (same lanes, same semantics): vpsravd and vpmovsxbd /
 * vpmovzxbd on zmm.
 */
#ifndef ECNN_KERNELS_X86_Q8_VNNI_H
#define ECNN_KERNELS_X86_Q8_VNNI_H

#include <stdbool.h>
#include <stdint.h>

#if defined(ECNN_Q8_VNNI_EMULATE)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#define ECNN_VNNI
#if !defined(_mm512_srav_epi32)
static inline __m512i ecnn_emu_srav_epi32(__m512i a, __m512i n) {
  const __m256i lo = _mm256_srav_epi32(_mm512_castsi512_si256(a), _mm512_castsi512_si256(n));
  const __m256i hi =
      _mm256_srav_epi32(_mm512_extracti64x4_epi64(a, 1), _mm512_extracti64x4_epi64(n, 1));
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}
#define _mm512_srav_epi32 ecnn_emu_srav_epi32
#endif
/* vpmovsxbd / vpmovzxbd on zmm: bytes 0-7 and 8-15 by the ymm one */
#define ECNN_EMU_WIDEN8(CVT)                                                                   \
  static inline __m512i ecnn_emu##CVT(__m128i a) {                                             \
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256##CVT(a)),                          \
                              _mm256##CVT(_mm_srli_si128(a, 8)), 1);                           \
  }
#if !defined(_mm512_cvtepi8_epi32)
ECNN_EMU_WIDEN8(_cvtepi8_epi32)
#define _mm512_cvtepi8_epi32 ecnn_emu_cvtepi8_epi32
#endif
#if !defined(_mm512_cvtepu8_epi32)
ECNN_EMU_WIDEN8(_cvtepu8_epi32)
#define _mm512_cvtepu8_epi32 ecnn_emu_cvtepu8_epi32
#endif
#undef ECNN_EMU_WIDEN8
typedef simde__mmask16 ecnn_mask16;
#else
#include <immintrin.h>
#define ECNN_VNNI __attribute__((target("avx512f,avx512vnni")))
typedef __mmask16 ecnn_mask16;
#endif

/* Natively the helpers are forced inline and the tile loops unrolled (the accumulators are then
 * registers); the emulated build leaves both to the compiler: SIMDe's C inlined and unrolled
 * into every variant takes GCC minutes and a gigabyte to compile. */
#if defined(ECNN_Q8_VNNI_EMULATE)
#define ECNN_VNNI_INLINE static inline
#define ECNN_VNNI_UNROLL(n)
#else
#define ECNN_VNNI_INLINE __attribute__((always_inline)) static inline
#define ECNN_VNNI_UNROLL(n) _Pragma(#n)
#endif

/* The requantization constants of 16 lanes (per channel): q (Q31 multiplier), l (left shift:
 * min(max(shift, 0), 32)), e (right shift: min(-shift, 31) when shift < 0, else 0), mask
 * ((1 << e) - 1) and half (mask >> 1). */
typedef struct ecnn_q8_rq16 {
  __m512i q, l, e, mask, half;
} ecnn_q8_rq16;

/* The constants of 16 lanes from their five arrays (16 int32 each, any alignment). */
ECNN_VNNI_INLINE ECNN_VNNI ecnn_q8_rq16 ecnn_q8_rq16_load(const int32_t *q, const int32_t *l,
                                                          const int32_t *e, const int32_t *mask,
                                                          const int32_t *half) {
  ecnn_q8_rq16 r;
  r.q = _mm512_loadu_si512((const void *)q);
  r.l = _mm512_loadu_si512((const void *)l);
  r.e = _mm512_loadu_si512((const void *)e);
  r.mask = _mm512_loadu_si512((const void *)mask);
  r.half = _mm512_loadu_si512((const void *)half);
  return r;
}

/* ecnn_mbqm of 16 lanes, bit for bit (q8_avx2.h says why each step is exact): with `left`,
 * lanes whose shift back does not give x saturate; then bits 31..62 of x * q + 2^30 (even
 * lanes from vpmuldq of x and q, odd ones of both shifted down 32 bits; q >= 0); then the
 * right shift by e rounded with ties away from zero: + 1 where the remainder passes half the
 * divisor (plus one for negative values). */
ECNN_VNNI_INLINE ECNN_VNNI __m512i ecnn_q8_requant16(__m512i x, const ecnn_q8_rq16 *r,
                                                     const bool left) {
  const __m512i zero = _mm512_setzero_si512();
  if (left) {
    const __m512i s = _mm512_sllv_epi32(x, r->l);
    const ecnn_mask16 ok = _mm512_cmpeq_epi32_mask(_mm512_srav_epi32(s, r->l), x);
    const ecnn_mask16 neg = _mm512_cmpgt_epi32_mask(zero, x);
    const __m512i sat =
        _mm512_mask_blend_epi32(neg, _mm512_set1_epi32(INT32_MAX), _mm512_set1_epi32(INT32_MIN));
    x = _mm512_mask_blend_epi32(ok, sat, s);
  }
  const __m512i rnd = _mm512_set1_epi64((int64_t)1 << 30);
  const __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(x, r->q), rnd);
  const __m512i po = _mm512_add_epi64(
      _mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(r->q, 32)), rnd);
  /* even lanes: bits 31..62 shifted down to their low half; odd lanes: up to their high half */
  const __m512i h =
      _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 31), _mm512_slli_epi64(po, 1));
  const __m512i rem = _mm512_and_si512(h, r->mask);
  const __m512i thr = _mm512_add_epi32(r->half, _mm512_srli_epi32(h, 31));
  const __m512i y = _mm512_srav_epi32(h, r->e);
  return _mm512_mask_add_epi32(y, _mm512_cmpgt_epi32_mask(rem, thr), y, _mm512_set1_epi32(1));
}

/* The output constants: the clamp moved before the zero point, the zero point as added. */
typedef struct ecnn_q8_out16 {
  __m512i lo, hi, zp;
} ecnn_q8_out16;

ECNN_VNNI_INLINE ECNN_VNNI ecnn_q8_out16 ecnn_q8_out16_set(int32_t zp, int32_t lo, int32_t hi,
                                                           bool u8) {
  ecnn_q8_out16 k;
  k.lo = _mm512_set1_epi32(lo - zp);
  k.hi = _mm512_set1_epi32(hi - zp);
  k.zp = _mm512_set1_epi32(zp - (u8 ? 128 : 0));
  return k;
}

/* 16 requantized lanes to 16 output bytes: clamp(y + out_zp, out_min, out_max) exactly (y is
 * clamped to the bounds minus out_zp first, so the add cannot wrap), narrowed to bytes by
 * vpmovsdb (in range: exact; uint8: out_zp - 128 added and the top bit flipped back). */
ECNN_VNNI_INLINE ECNN_VNNI __m128i ecnn_q8_finish16(__m512i y, const ecnn_q8_out16 *k,
                                                    const bool u8) {
  y = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(y, k->lo), k->hi), k->zp);
  const __m128i b = _mm512_cvtsepi32_epi8(y);
  return u8 ? _mm_xor_si128(b, _mm_set1_epi8((char)0x80)) : b;
}

#endif /* ECNN_KERNELS_X86_Q8_VNNI_H */
