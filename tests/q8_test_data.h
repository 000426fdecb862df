/*
 * q8_test_data.h — the random int8 test data the int8 kernel tests share: the x86 one
 * (tests/engine/test_kernels_q8.c, Check) and the ARM64 one (tests/arm/test_neon.c, plain C
 * under qemu). A deterministic generator (rng_state: set it to seed a sweep), per-channel
 * requantization multipliers that reach every rounding edge, inputs, weights as the quantizer
 * makes them, biases near the int32 ends. Static functions: include once per test program.
 */
#ifndef ECNN_TESTS_Q8_TEST_DATA_H
#define ECNN_TESTS_Q8_TEST_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static uint32_t rng_state;
static uint32_t rnd(void) {
  rng_state = 1664525u * rng_state + 1013904223u;
  return rng_state >> 8;
}
static int32_t rnd_in(int32_t lo, int32_t hi) {
  return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1));
}

/* Per-channel multipliers: mostly ones that keep outputs in range (shift -4..-15), with Q31
 * halves (ties of the doubling high multiply), one-bit right shifts (ties of the rounding
 * shift), left shifts (saturating ones among them), the largest right shift and 0; with
 * `left` 0 no shift goes left (the kernels' other variant). */
static void q8_multipliers(int32_t *mult, int32_t *shift, int32_t n, int left) {
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

static void fill8(uint8_t *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = (uint8_t)rnd();
}

/* int8 weights in [-127, 127] as the quantizer makes them (-128 now and then); uint8 any. */
static void fill_weights8(uint8_t *w, size_t n, int u8) {
  for (size_t i = 0; i < n; i++) {
    int32_t v = rnd_in(-127, 127);
    if (rnd() % 97 == 0) v = -128;
    w[i] = u8 ? (uint8_t)rnd() : (uint8_t)(int8_t)v;
  }
}

static void fill_bias32(int32_t *b, int32_t n) {
  for (int32_t c = 0; c < n; c++) b[c] = rnd_in(-40000, 40000);
  if (n > 2) b[2] = INT32_MAX - 3000; /* near the top: saturates the left shifts */
  if (n > 4) b[4] = INT32_MIN + 3000; /* and the bottom */
}

static void *packed_alloc(size_t bytes) {
  return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
}

#endif
