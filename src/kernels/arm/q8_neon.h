/*
 * q8_neon.h — the NEON pieces every quantized (int8 / uint8) ARM64 kernel ends with:
 * TFLite's requantization (MultiplyByQuantizedMultiplier, ecnn_mbqm in src/ops/q8/quant.h) of
 * 4 int32 lanes, exactly (ADD / SUB), the convolutions' single-precision one (ecnn_q8_fround),
 * and the narrowing of requantized lanes to clamped output bytes.
 * Header-only, static inline: include it only from aarch64 code (q8_conv_neon.c,
 * q8_eltwise_neon.c, inside their `#if defined(__aarch64__)`).
 *
 * The requantization is three instructions and a fixup. The saturating left shift is
 * vqshlq_s32 (a count of 0 leaves x alone). The saturating rounding doubling high multiply is
 * vqrdmulhq_s32, exactly ecnn_srdhm: its nudge and truncation amount to
 * floor((2ab + 2^31) / 2^32), and both saturate INT32_MIN * INT32_MIN alone. The rounding right
 * shift with ties away from zero (ecnn_rdbpot) is vrshlq_s32 by -e, which computes
 * floor((x + 2^(e-1)) / 2^e), ties up; so a negative x first loses 1 when e > 0 (the sign bit
 * of x & -e shifted arithmetically down: -1 or 0, added saturating). That changes the result
 * exactly where x is a tie (x + 2^(e-1) a multiple of 2^e), which then goes down, away from
 * zero; INT32_MIN, kept by the saturation, gives -2^(31-e) either way.
 *
 * Output: saturating narrows to int16, + out_zp (saturating: the same as adding it exactly
 * for clamps inside the 8-bit range, since a saturated lane stays beyond that range on its
 * side), saturating narrows to 8 bits (unsigned for uint8) and the clamp.
 */
#ifndef ECNN_KERNELS_ARM_Q8_NEON_H
#define ECNN_KERNELS_ARM_Q8_NEON_H

#include <arm_neon.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../ops/q8/quant.h"

#define ECNN_NEON_INLINE __attribute__((always_inline)) static inline

/* A requantization's right shift as vrshlq's negative count (quant.h's ecnn_q8_right_shift,
 * negated); the left shift is ecnn_q8_left_shift. */
ECNN_NEON_INLINE int32_t ecnn_q8_rshift_neon(int32_t shift) {
  return -ecnn_q8_right_shift(shift);
}

/* ecnn_mbqm of 4 lanes, bit for bit (see the file comment): q the Q31 multipliers, l the left
 * shifts, r the right shifts as negative counts (ecnn_q8_left_shift / ecnn_q8_rshift_neon);
 * `left` false when every l is 0 (the left shift is skipped). */
ECNN_NEON_INLINE int32x4_t ecnn_q8_requant4_neon(int32x4_t x, int32x4_t q, int32x4_t l,
                                                 int32x4_t r, const bool left) {
  if (left) x = vqshlq_s32(x, l);
  x = vqrdmulhq_s32(x, q);
  const int32x4_t fix = vshrq_n_s32(vandq_s32(x, r), 31);
  return vrshlq_s32(vqaddq_s32(x, fix), r);
}

/* The convolutions' requantization of 4 lanes (quant.h's ecnn_q8_fround, bit for bit): y =
 * float(x) * s, rounded to nearest, ties to even (vcvtnq). `big` when some scale is >= 1: y is
 * clamped to ECNN_Q8_FMAX first. (vcvtnq saturates, so without the clamp a large y gives
 * INT32_MAX instead of 2147483520; either is past every 8-bit clamp, but the clamp keeps the
 * lanes equal to the scalar twin's.) Below, y >= -2^31 for every scale under 1; a larger
 * scale's y saturates to INT32_MIN, as fround's clamp does. */
ECNN_NEON_INLINE int32x4_t ecnn_q8_fround4_neon(int32x4_t x, float32x4_t s, const bool big) {
  float32x4_t y = vmulq_f32(vcvtq_f32_s32(x), s);
  if (big) y = vminq_f32(y, vdupq_n_f32(ECNN_Q8_FMAX));
  return vcvtnq_s32_f32(y);
}

/* The output's zero point (int16 lanes) and clamp (byte lanes, as the output type reads
 * them). */
typedef struct ecnn_q8_out_neon {
  int16x8_t zp;
  uint8x16_t lo, hi;
} ecnn_q8_out_neon;

/* zp, lo <= hi inside the output type's range. */
ECNN_NEON_INLINE ecnn_q8_out_neon ecnn_q8_out_set_neon(int32_t zp, int32_t lo, int32_t hi) {
  ecnn_q8_out_neon k;
  k.zp = vdupq_n_s16((int16_t)zp);
  k.lo = vdupq_n_u8((uint8_t)lo);
  k.hi = vdupq_n_u8((uint8_t)hi);
  return k;
}

/* 16 requantized lanes (a, b, c, d in order) to 16 clamped output bytes. */
ECNN_NEON_INLINE uint8x16_t ecnn_q8_finish16_neon(int32x4_t a, int32x4_t b, int32x4_t c,
                                                  int32x4_t d, const ecnn_q8_out_neon *k,
                                                  const bool u8) {
  const int16x8_t lo = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(a), b), k->zp);
  const int16x8_t hi = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(c), d), k->zp);
  if (u8) return vminq_u8(vmaxq_u8(vqmovun_high_s16(vqmovun_s16(lo), hi), k->lo), k->hi);
  const int8x16_t s = vqmovn_high_s16(vqmovn_s16(lo), hi);
  return vreinterpretq_u8_s8(vminq_s8(vmaxq_s8(s, vreinterpretq_s8_u8(k->lo)),
                                      vreinterpretq_s8_u8(k->hi)));
}

/* 8 requantized lanes (a, b in order) to 8 clamped output bytes. */
ECNN_NEON_INLINE uint8x8_t ecnn_q8_finish8_neon(int32x4_t a, int32x4_t b,
                                                const ecnn_q8_out_neon *k, const bool u8) {
  const int16x8_t s = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(a), b), k->zp);
  if (u8) return vmin_u8(vmax_u8(vqmovun_s16(s), vget_low_u8(k->lo)), vget_low_u8(k->hi));
  return vreinterpret_u8_s8(vmin_s8(vmax_s8(vqmovn_s16(s), vreinterpret_s8_u8(vget_low_u8(k->lo))),
                                    vreinterpret_s8_u8(vget_low_u8(k->hi))));
}

#endif /* ECNN_KERNELS_ARM_Q8_NEON_H */
