/*
 * q8_test_data.h — the random int8 test data the int8 kernel tests share: the x86 one
 * (tests/engine/test_kernels_q8.c, Check) and the ARM64 one (tests/arm/test_neon.c, plain C
 * under qemu). A deterministic generator (rng_state: set it to seed a sweep), per-channel
 * requantization multipliers that reach every rounding edge, inputs, weights as the quantizer
 * makes them, biases near the int32 ends, int8 ADD parameters and references. Static
 * functions: include once per test program.
 */
#ifndef ECNN_TESTS_Q8_TEST_DATA_H
#define ECNN_TESTS_Q8_TEST_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/kernels/q8_eltwise.h"
#include "../src/ops/q8/quant.h"

static uint32_t rng_state;
static inline uint32_t rnd(void) {
  rng_state = 1664525u * rng_state + 1013904223u;
  return rng_state >> 8;
}
static inline int32_t rnd_in(int32_t lo, int32_t hi) {
  return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1));
}

/* The requantization's edge sets, shared by the AVX2, VNNI and NEON tests: a 1x1 conv of one
 * input channel with weight +-1 makes acc = bias +- (x - in_zp), so every pixel x of 0..255
 * and each channel's bias put an accumulator where the roundings tie, a left shift saturates,
 * a float y reaches 2^31 (biases within 64 + 127 of INT32_MAX, at scale 1.0f: the clamp the
 * kernels' `big` variants do) or the int32 ends wrap. Each set is one multiplier and shift
 * (`mults` x `shifts`) for every channel (one bias each; every fourth channel's right shift
 * one less). */
typedef struct q8_edges {
  const int32_t *biases, *mults, *shifts;
  int32_t n_biases, n_mults, n_shifts;
} q8_edges;

static inline q8_edges q8_edge_sets(void) {
  static const int32_t biases[] = {0, 1, -1, 64, -64, 1 << 20, -(1 << 20), (1 << 30) + 5,
                                   -(1 << 30) - 5, INT32_MAX - 200, INT32_MIN + 200, 12345,
                                   -77777, 3 << 24, 1000, -1000, INT32_MAX - 60, INT32_MIN + 60,
                                   INT32_MAX - 132, INT32_MIN + 132, INT32_MAX, INT32_MIN};
  static const int32_t mults[] = {1 << 30, (1 << 30) + 1, INT32_MAX, 0, 1518500250, 1, 1 << 29};
  static const int32_t shifts[] = {-40, -31, -30, -17, -8, -3, -2, -1, 0, 1, 2, 7, 16, 30, 31, 32};
  const q8_edges e = {biases, mults, shifts, (int32_t)(sizeof biases / sizeof *biases),
                      (int32_t)(sizeof mults / sizeof *mults),
                      (int32_t)(sizeof shifts / sizeof *shifts)};
  return e;
}

/* One edge set's inputs (in: 256, every byte), weights and per-channel multipliers (w, mults,
 * shifts: oc each). */
static inline void q8_requant_edge_case(int32_t oc, int32_t mult, int32_t shift, uint8_t *in,
                                        uint8_t *w, int32_t *mults, int32_t *shifts) {
  for (int32_t i = 0; i < 256; i++) in[i] = (uint8_t)i;
  for (int32_t c = 0; c < oc; c++) {
    w[c] = c % 3 == 2 ? (uint8_t)(int8_t)-1 : 1;
    mults[c] = mult;
    shifts[c] = shift + (c % 4 == 3 && shift < 0 ? 1 : 0);
  }
}

/* Per-channel multipliers: mostly ones that keep outputs in range (shift -4..-15), with Q31
 * halves (ties of the doubling high multiply; as a conv's scale, a power of two: ties of the
 * single-precision rounding), one-bit right shifts (ties of the rounding shift), left shifts
 * (scales >= 1, saturating ones among them: the conv kernels' `big` variant), the largest
 * right shift and 0; with `left` 0 no shift goes left (the kernels' other variant). */
static inline void q8_multipliers(int32_t *mult, int32_t *shift, int32_t n, int left) {
  for (int32_t c = 0; c < n; c++) {
    mult[c] = (int32_t)((1u << 30) + (rnd() % (1u << 30)));
    shift[c] = -rnd_in(4, 15);
    switch (c % 11) {
    case 3: mult[c] = 1 << 30; break;
    case 5: shift[c] = -1; break;
    case 6: shift[c] = left ? rnd_in(1, 3) : -2; break;
    case 7: shift[c] = left ? 20 : -40, mult[c] = INT32_MAX; break;
    case 9: shift[c] = -31; break;
    case 10: mult[c] = rnd() % 2 ? 0 : 1 << 30, shift[c] = -2; break;
    default: break;
    }
  }
}

static inline void fill8(uint8_t *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = (uint8_t)rnd();
}

/* int8 weights in [-127, 127] as the quantizer makes them (-128 now and then); uint8 any. */
static inline void fill_weights8(uint8_t *w, size_t n, int u8) {
  for (size_t i = 0; i < n; i++) {
    int32_t v = rnd_in(-127, 127);
    if (rnd() % 97 == 0) v = -128;
    w[i] = u8 ? (uint8_t)rnd() : (uint8_t)(int8_t)v;
  }
}

static inline void fill_bias32(int32_t *b, int32_t n) {
  for (int32_t c = 0; c < n; c++) b[c] = rnd_in(-40000, 40000);
  if (n > 2) b[2] = INT32_MAX - 3000; /* near the top: saturates the left shifts */
  if (n > 4) b[4] = INT32_MIN + 3000; /* and the bottom */
}

/* The ADD / SUB parameters every variant v has, for uint8 elements or int8, ADD or SUB: zero
 * points across the range (the ends among them: v % 7 == 0 or 1), the clamp (none; v % 4 ==
 * 1: a RELU; 2: a narrow one); the multipliers 0. */
static inline ecnn_q8_add_params q8_add_base(int v, bool u8, bool sub) {
  ecnn_q8_add_params p;
  memset(&p, 0, sizeof p);
  p.u8 = u8, p.sub = sub;
  const int32_t lo = p.u8 ? 0 : -128, hi = p.u8 ? 255 : 127;
  p.a_zp = rnd_in(lo, hi), p.b_zp = rnd_in(lo, hi), p.out_zp = rnd_in(lo, hi);
  if (v % 7 == 0) p.a_zp = lo, p.b_zp = hi, p.out_zp = hi;
  if (v % 7 == 1) p.a_zp = hi, p.b_zp = lo, p.out_zp = lo;
  p.out_min = lo, p.out_max = hi;
  if (v % 4 == 1) p.out_min = p.out_zp; /* a RELU */
  if (v % 4 == 2) p.out_min = lo + 30, p.out_max = hi - 17;
  return p;
}

/* An ADD / SUB of variant v as the int8 prepare makes it: random scales, zero points across
 * the range (the ends among them), clamps (none, a RELU, a narrow one), int8 and uint8, ADD
 * and SUB; every fifth variant's output scale near the single-rounding kernel's limit (input
 * ratios up to 31.9: shift 10) and every seventh's far above the inputs' (ratios down to
 * 1e-7: multipliers of a few units). *exact: TFLite's three roundings (ecnn_q8_add__*); *once:
 * the single-rounding kernel's (ecnn_q8_vadd__*; ecnn_q8_vadd_init takes every variant);
 * ratio[0], ratio[1]: the input scales over the output's. */
static inline void q8_add_variant(int v, ecnn_q8_add_params *exact, ecnn_q8_vadd_params *once,
                                  double ratio[2]) {
  ecnn_q8_add_params p = q8_add_base(v, v % 5 == 4, v % 3 == 1);
  const double s1 = 0.001 + (double)(rnd() % 1000) * 1e-4;
  const double s2 = 0.001 + (double)(rnd() % 1000) * 1e-4;
  double so = 0.001 + (double)(rnd() % 1000) * 2e-4;
  if (v % 5 == 2) so = (s1 > s2 ? s1 : s2) / (31.9 - (double)(rnd() % 100) * 0.05);
  if (v % 7 == 3) so = (s1 > s2 ? s1 : s2) * (1e3 + (double)(rnd() % 10000) * 1e3);
  const double twice = 2 * (s1 > s2 ? s1 : s2);
  p.left_shift = 20;
  ecnn_quantize_multiplier(s1 / twice, &p.a_mult, &p.a_shift);
  ecnn_quantize_multiplier(s2 / twice, &p.b_mult, &p.b_shift);
  ecnn_quantize_multiplier(twice / ((double)(1 << 20) * so), &p.out_mult, &p.out_shift);
  *exact = p;
  ratio[0] = s1 / so, ratio[1] = s2 / so;
  if (!ecnn_q8_vadd_init(s1 / so, s2 / so, p.a_zp, p.b_zp, p.out_zp, p.out_min, p.out_max,
                         p.sub, p.u8, once))
    abort();
}

/* One element of an int8 / uint8 ADD (SUB: `sub`) of scales sa, sb -> so and zero points za,
 * zb -> zo, clamped to [lo, hi], from its definitions: *exact TFLite's (both inputs to twice
 * the larger scale, 20 bits up, then to the output), the result the single-rounding one the
 * engine runs (q8_eltwise.h; -1000 if ecnn_q8_vadd_init refuses the scales). */
static inline int32_t q8_add_reference(bool sub, bool u8, double sa, double sb, double so,
                                       int32_t za, int32_t zb, int32_t zo, int32_t lo, int32_t hi,
                                       int32_t va, int32_t vb, int32_t *exact) {
  const double twice = 2 * (sa > sb ? sa : sb);
  int32_t qa, sha, qb, shb, qo, sho;
  ecnn_quantize_multiplier(sa / twice, &qa, &sha);
  ecnn_quantize_multiplier(sb / twice, &qb, &shb);
  ecnn_quantize_multiplier(twice / ((double)(1 << 20) * so), &qo, &sho);
  const int32_t x1 = ecnn_mbqm((va - za) * (1 << 20), qa, sha);
  const int32_t x2 = ecnn_mbqm((vb - zb) * (1 << 20), qb, shb);
  const int32_t v = ecnn_mbqm(sub ? x1 - x2 : x1 + x2, qo, sho) + zo;
  *exact = v < lo ? lo : v > hi ? hi : v;
  ecnn_q8_vadd_params p;
  if (!ecnn_q8_vadd_init(sa / so, sb / so, za, zb, zo, lo, hi, sub, u8, &p)) return -1000;
  return ecnn_q8_vadd1(&p, va, vb);
}

static inline void *packed_alloc(size_t bytes) {
  return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
}

#endif
