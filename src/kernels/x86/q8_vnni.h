/*
 * q8_vnni.h — what the AVX-512 VNNI int8 kernels (q8_conv_vnni.c, q8_dwconv_vnni.c) share:
 * their build setup, native (target attributes) or emulated (ECNN_Q8_VNNI_EMULATE: SIMDe's
 * portable intrinsics, for the tests on CPUs without AVX-512), and their last step, the
 * convolutions' single-precision requantization of src/ops/q8/quant.h (ecnn_q8_fround) on 16
 * int32 lanes, exactly, and the clamped narrowing to 16 output bytes. Header-only, static
 * inline: include it only from those files, inside their x86-64-or-emulated part, and call it
 * only from ECNN_VNNI functions.
 *
 * Under emulation only intrinsics SIMDe 0.7.4 (Debian 12) has may be used, and the ones it
 * lacks are made here of its narrower twins (same lanes, same semantics): vpmovsxbd /
 * vpmovzxbd and vcvtdq2ps on zmm of the ymm ones, vcvtps2dq on zmm of the xmm one (SIMDe's
 * portable ymm one leaves out-of-range lanes to a C cast; the xmm one gives INT32_MIN, as the
 * instruction does).
 */
#ifndef ECNN_KERNELS_X86_Q8_VNNI_H
#define ECNN_KERNELS_X86_Q8_VNNI_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../../ops/q8/quant.h"

#if defined(ECNN_Q8_VNNI_EMULATE)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#define ECNN_VNNI
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
#if !defined(_mm512_cvtepi32_ps)
static inline __m512 ecnn_emu_cvtepi32_ps(__m512i a) {
  const __m256 lo = _mm256_cvtepi32_ps(_mm512_castsi512_si256(a));
  const __m256 hi = _mm256_cvtepi32_ps(_mm512_extracti64x4_epi64(a, 1));
  return _mm512_castsi512_ps(_mm512_inserti64x4(
      _mm512_castsi256_si512(_mm256_castps_si256(lo)), _mm256_castps_si256(hi), 1));
}
#define _mm512_cvtepi32_ps ecnn_emu_cvtepi32_ps
#endif
#if !defined(_mm512_cvtps_epi32)
static inline __m512i ecnn_emu_cvtps_epi32(__m512 a) {
  __m512i r = _mm512_castsi128_si512(_mm_cvtps_epi32(_mm512_castps512_ps128(a)));
  r = _mm512_inserti32x4(r, _mm_cvtps_epi32(_mm512_extractf32x4_ps(a, 1)), 1);
  r = _mm512_inserti32x4(r, _mm_cvtps_epi32(_mm512_extractf32x4_ps(a, 2)), 2);
  return _mm512_inserti32x4(r, _mm_cvtps_epi32(_mm512_extractf32x4_ps(a, 3)), 3);
}
#define _mm512_cvtps_epi32 ecnn_emu_cvtps_epi32
#endif
/* vpdpwssd: SIMDe's adds the products to the accumulator in signed int32 C arithmetic, whose
 * overflow is undefined (UBSan stops there when a bias near INT32_MIN starts the sum); the
 * instruction wraps modulo 2^32, as here: vpmaddwd's pair sums (which cannot overflow for
 * the kernels' int16 operands, |value| <= 255) added as unsigned. */
static inline __m512i ecnn_emu_dpwssd_epi32(__m512i acc, __m512i a, __m512i b) {
  const __m256i lo = _mm256_madd_epi16(_mm512_castsi512_si256(a), _mm512_castsi512_si256(b));
  const __m256i hi =
      _mm256_madd_epi16(_mm512_extracti64x4_epi64(a, 1), _mm512_extracti64x4_epi64(b, 1));
  const __m512i p = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
  uint32_t x[16], y[16];
  memcpy(x, &acc, sizeof x);
  memcpy(y, &p, sizeof y);
  for (int i = 0; i < 16; i++) x[i] += y[i];
  memcpy(&acc, x, sizeof x);
  return acc;
}
#undef _mm512_dpwssd_epi32
#define _mm512_dpwssd_epi32 ecnn_emu_dpwssd_epi32
#else
#include <immintrin.h>
#define ECNN_VNNI __attribute__((target("avx512f,avx512vnni")))
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

/* vpmovdb (truncating) is not in SIMDe 0.7.4: emulated, the low byte sign-extended first
 * ((a & 255 ^ 128) - 128) so that vpmovsdb keeps it as is. */
#if defined(ECNN_Q8_VNNI_EMULATE) && !defined(_mm512_cvtepi32_epi8)
static inline __m128i ecnn_emu_cvtepi32_epi8(__m512i a) {
  const __m512i b = _mm512_xor_si512(_mm512_and_si512(a, _mm512_set1_epi32(255)),
                                     _mm512_set1_epi32(128));
  return _mm512_cvtsepi32_epi8(_mm512_sub_epi32(b, _mm512_set1_epi32(128)));
}
#define _mm512_cvtepi32_epi8 ecnn_emu_cvtepi32_epi8
#endif

/* The output constants of the float-clamped end (ecnn_q8_finish16f). */
typedef struct ecnn_q8_outf {
  __m512 lo, hi; /* out_min - out_zp, out_max - out_zp (integers, exact as floats) */
  __m128i zp;    /* out_zp's byte (uint8 outputs: as is; int8: its two's complement byte) */
} ecnn_q8_outf;

ECNN_VNNI_INLINE ECNN_VNNI ecnn_q8_outf ecnn_q8_outf_set(int32_t zp, int32_t lo, int32_t hi) {
  ecnn_q8_outf k;
  k.lo = _mm512_set1_ps((float)(lo - zp));
  k.hi = _mm512_set1_ps((float)(hi - zp));
  k.zp = _mm_set1_epi8((char)(uint8_t)zp);
  return k;
}

/* 16 output bytes of acc (the bias added): y = float(acc) x scale clamped to [out_min - out_zp,
 * out_max - out_zp] in float, rounded (vcvtps2dq), narrowed by truncation (vpmovdb) and out_zp
 * added bytewise. Exactly quant.h's clamp(fround(acc) + out_zp, out_min, out_max), for any
 * scale: rounding is monotonic and the bounds are integers, so clamping before rounding gives
 * what clamping after does (also for the y beyond ECNN_Q8_FMAX that fround clamps first; y is
 * finite, see ecnn_q8_fscale), and y + out_zp lies in the output type's range, so its low
 * byte, (y mod 256) + out_zp mod 256, is the output (int8 or uint8 alike). 6 zmm operations
 * and an xmm byte add (the end before it, clamping in int32 after the conversion and a
 * saturating narrow, took 7-8 and vpmovsdb, and a variant with a float clamp for scales >= 1). */
ECNN_VNNI_INLINE ECNN_VNNI __m128i ecnn_q8_finish16f(__m512i acc, __m512 scale,
                                                     const ecnn_q8_outf *k) {
  __m512 y = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
  y = _mm512_min_ps(_mm512_max_ps(y, k->lo), k->hi);
  return _mm_add_epi8(_mm512_cvtepi32_epi8(_mm512_cvtps_epi32(y)), k->zp);
}

#endif /* ECNN_KERNELS_X86_Q8_VNNI_H */
