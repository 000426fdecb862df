/*
 * quant.h — TFLite's integer requantization arithmetic (quantization_util / common.h):
 * a real multiplier as a Q31 fixed-point value and a power-of-two shift, the saturating
 * rounding doubling high multiply, and the rounding (half away from zero) divide by a power of
 * two. Used by every int8/uint8 kernel so their outputs match TFLite's bit for bit.
 */
#ifndef ECNN_QUANT_H
#define ECNN_QUANT_H

#include <math.h>
#include <stdint.h>

/* Splits m (>= 0) into *q (Q31, in [2^30, 2^31) or 0) and *shift with m = q * 2^(shift - 31).
 * Multipliers too small to represent become 0. */
void ecnn_quantize_multiplier(double m, int32_t *q, int32_t *shift);

/* round(a * b / 2^31) with ties away from zero; INT32_MIN * INT32_MIN saturates to INT32_MAX. */
static inline int32_t ecnn_srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * b;
  int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x / 2^e rounded to nearest, ties away from zero (0 <= e <= 31). */
static inline int32_t ecnn_rdbpot(int32_t x, int32_t e) {
  const int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
  const int32_t rem = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (rem > threshold ? 1 : 0);
}

/* A requantization's shift split as the SIMD kernels take it: the left shift max(shift, 0), at
 * most 32 (every nonzero value saturates from there on), and the right shift min(-shift, 31)
 * when shift < 0, else 0 (ecnn_rdbpot's limit). */
static inline int32_t ecnn_q8_left_shift(int32_t shift) {
  return shift > 0 ? (shift > 32 ? 32 : shift) : 0;
}
static inline int32_t ecnn_q8_right_shift(int32_t shift) {
  return shift > 0 ? 0 : (-shift > 31 ? 31 : -shift);
}

/* x * q * 2^(shift - 31) the TFLite way (MultiplyByQuantizedMultiplier). */
static inline int32_t ecnn_mbqm(int32_t x, int32_t q, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  int64_t xs = (int64_t)x * ((int64_t)1 << left);
  if (xs > INT32_MAX) xs = INT32_MAX;
  if (xs < INT32_MIN) xs = INT32_MIN;
  return ecnn_rdbpot(ecnn_srdhm((int32_t)xs, q), right > 31 ? 31 : right);
}

/* ---- the convolutions' requantization (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED) ----
 *
 * Their int32 accumulators are requantized in single precision, as TensorFlow Lite's XNNPACK
 * path (its default on x86 and ARM, and the oracle's) does it: y = float(acc) * scale with
 * scale = float(q * 2^(shift - 31)), both roundings to nearest even, then y rounded to the
 * nearest integer, ties to even, and clamped into int32 (every SIMD conversion saturates the
 * same way). One rounding of the real product instead of mbqm's two; see docs/design.md for
 * why (on AVX2 it is 4 vector operations for 8 outputs instead of 14). Every kernel computes
 * exactly these float operations, so the results are identical on every ISA. */

/* q * 2^(shift - 31) as a float (q >= 0; ecnn_quantize_multiplier makes shifts in -31..30):
 * the double is exact, its rounding to float the one rounding. Shifts are taken into
 * -900..95, so the scale is finite (at most 2^95, where every nonzero acc saturates and 0
 * stays 0: no NaN). */
static inline float ecnn_q8_fscale(int32_t q, int32_t shift) {
  shift = shift < -900 ? -900 : shift > 95 ? 95 : shift;
  union { uint64_t u; double d; } p2 = {(uint64_t)(1023 + shift - 31) << 52};
  return (float)((double)q * p2.d);
}

/* The largest float below 2^31: y is clamped to it before the conversion (the SIMD
 * conversions turn larger values into INT32_MIN). */
#define ECNN_Q8_FMAX 2147483520.0f

/* The requantized value of acc at `scale` (the file comment above), before the zero point. */
static inline int32_t ecnn_q8_fround(int32_t acc, float scale) {
  float y = (float)acc * scale;
  if (y > ECNN_Q8_FMAX) y = ECNN_Q8_FMAX;
  if (y < -2147483648.0f) y = -2147483648.0f;
  return (int32_t)lrintf(y); /* the default rounding mode: nearest, ties to even */
}

#endif
