/*
 * test_kernels_quantize.c — the float32 -> int8 QUANTIZE kernels (src/kernels/q8_eltwise.h:
 * AVX2, and AVX-512 where the CPU has it) against their scalar twin ecnn_f32_quantize__scalar,
 * bit for bit, and their not writing past n. The cases aim at the kernels' exact rounding
 * decision (a reciprocal's candidate, settled by the sign of an fma residual): ties of the
 * quotient, the floats next to them both ways, huge values, subnormals, +-0, +-inf, NaNs
 * (either sign), scales that are and are not powers of two, tiny, subnormal and huge ones
 * (either side of where the kernels leave the reciprocal for the division), every zero point,
 * every length 0..40 at every alignment of 0..3 floats, and a random sweep of millions of
 * values (random bits, and values around the int8 range). Skipped without AVX2.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/eltwise.h"
#include "kernels/isa.h"
#include "kernels/q8_eltwise.h"

typedef void (*quantize_fn)(size_t n, const float *x, float scale, int32_t zero_point,
                            int8_t *y);

/* The kernels this CPU runs, with their names; returns how many. */
static int kernels(quantize_fn fn[2], const char *name[2]) {
  const ecnn_isa best = ecnn_isa_best();
  int k = 0;
  if (best == ECNN_ISA_AVX2 || best == ECNN_ISA_AVX512)
    fn[k] = ecnn_f32_quantize_i8__avx2, name[k++] = "avx2";
  if (best == ECNN_ISA_AVX512) fn[k] = ecnn_f32_quantize_i8__avx512, name[k++] = "avx512";
  if (!k) printf("kernels_quantize: no AVX2 on this CPU, skipped\n");
  return k;
}

/* Scales: powers of two and not, ones with few significant bits (so that quotients can be
 * exact ties), the ends of the reciprocal's range [2^-125, 2^126] and the floats beyond them,
 * subnormal and huge ones. */
static const float scales[] = {
    0.0078125f, 1.0f, 0.5f, 4.0f, 0x1p-20f, 0x1p40f, 0.1f, 0.02367f, 3.0f, 1.0f / 3.0f,
    1.0f / 127.5f, 0.0078431377f, 0.75f, 5 * 0x1p-9f, 0x1.fffffep-1f, 0x1.000002p0f, 1e-3f,
    123.456f, 1e-30f, 1e30f, 0x1p-125f, 0x1.000002p-125f, 0x1.fffffep-126f, 0x1p-126f,
    0x1p126f, 0x1.fffffep125f, 0x1.000002p126f, 0x1p127f, FLT_MAX, FLT_MIN, 1e-40f, 0x1p-149f,
    3 * 0x1p-149f, 0x1.8p-140f};
enum { NSCALES = sizeof scales / sizeof *scales };

/* The special values for scale s into x (at most 8192); returns how many. */
static size_t specials(float s, float *x) {
  size_t n = 0;
  static const float fixed[] = {0.0f,      -0.0f,    INFINITY, -INFINITY, NAN,      -NAN,
                                FLT_MAX,   -FLT_MAX, 1e38f,    -1e38f,    1e20f,    -1e20f,
                                FLT_MIN,   -FLT_MIN, 1e-40f,   -1e-40f,   0x1p-149f, -0x1p-149f,
                                1.0f,      -1.0f,    0.5f,     -0.5f};
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) x[n++] = fixed[i];
  uint32_t nan_bits = 0x7FC12345u, snan_bits = 0xFF800001u; /* a payload; a signalling one */
  memcpy(&x[n++], &nan_bits, 4), memcpy(&x[n++], &snan_bits, 4);
  for (int32_t k = -300; k <= 300; k++) {
    const float h = (float)k + 0.5f; /* the tie k + 1/2 and the integer k, times s */
    const float t = h * s, i = (float)k * s;
    x[n++] = t, x[n++] = nextafterf(t, INFINITY), x[n++] = nextafterf(t, -INFINITY);
    x[n++] = nextafterf(nextafterf(t, INFINITY), INFINITY);
    x[n++] = nextafterf(nextafterf(t, -INFINITY), -INFINITY);
    x[n++] = i, x[n++] = nextafterf(i, INFINITY);
  }
  x[n++] = 256.5f * s, x[n++] = -256.5f * s, x[n++] = 257.0f * s, x[n++] = 1e6f * s;
  return n;
}

/* Checks kernel fn against the scalar twin on x[0..n) for scale s and zero point zp, and
 * that it writes nothing past n; false (with a message) on a difference. */
static bool same(quantize_fn fn, const char *name, const float *x, size_t n, float s,
                 int32_t zp) {
  enum { GUARD = 64 };
  int8_t ref[8192 + GUARD], got[8192 + GUARD];
  ck_assert(n <= 8192);
  memset(ref, 0x5A, n + GUARD), memset(got, 0x5A, n + GUARD);
  ecnn_f32_quantize__scalar(n, x, s, zp, ECNN_QTYPE_I8, ref);
  fn(n, x, s, zp, got);
  for (size_t i = 0; i < n + GUARD; i++)
    if (ref[i] != got[i]) {
      printf("%s: scale %a zp %d n %zu: x[%zu] = %a gives %d, scalar %d\n", name, (double)s,
             (int)zp, n, i, i < n ? (double)x[i] : 0.0, got[i], ref[i]);
      fflush(stdout); /* Check's forked test ends without flushing */
      return false;
    }
  return true;
}

START_TEST(test_quantize_specials) {
  quantize_fn fn[2];
  const char *name[2];
  const int nk = kernels(fn, name);
  float *x = malloc(8192 * sizeof *x);
  for (int si = 0; si < NSCALES; si++) {
    const size_t n = specials(scales[si], x);
    for (int k = 0; k < nk; k++)
      for (int32_t zp = -128; zp <= 127; zp++)
        ck_assert(same(fn[k], name[k], x, n, scales[si], zp));
  }
  free(x);
}
END_TEST

/* Every length 0..40 at offsets 0..3 (the tails, and the masked loads and stores). */
START_TEST(test_quantize_tails) {
  quantize_fn fn[2];
  const char *name[2];
  const int nk = kernels(fn, name);
  float x[64];
  for (int si = 0; si < NSCALES; si++) {
    const float s = scales[si];
    for (int i = 0; i < 64; i++) x[i] = ((float)(i * 37 % 61) - 30.0f + 0.5f * (i % 2)) * s;
    x[5] = NAN, x[17] = -0.0f, x[33] = INFINITY, x[39] = -1e38f;
    for (int k = 0; k < nk; k++)
      for (size_t off = 0; off < 4; off++)
        for (size_t n = 0; n <= 40; n++)
          ck_assert(same(fn[k], name[k], x + off, n, s, (int32_t)(n * 13 % 256) - 128));
  }
}
END_TEST

static uint64_t rng_next(uint64_t *st) { /* splitmix64 */
  uint64_t z = (*st += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* 4 M random values per scale for a few scales, 4096 at a time: random bit patterns, values
 * x s within the int8 range and past it, and ties and their neighbours. */
START_TEST(test_quantize_random) {
  quantize_fn fn[2];
  const char *name[2];
  const int nk = kernels(fn, name);
  static const float sweep[] = {0.0078125f, 0.0078431377f, 0.02367f, 1.0f / 3.0f, 1e-30f,
                                0x1p-125f, 1e30f, 1e-40f};
  uint64_t st = 42;
  float x[4096];
  for (size_t si = 0; si < sizeof sweep / sizeof *sweep; si++) {
    const float s = sweep[si];
    for (int block = 0; block < 1024; block++) {
      for (int i = 0; i < 4096; i++) {
        const uint64_t r = rng_next(&st);
        const uint32_t bits = (uint32_t)r;
        const float u = (float)(r >> 40) * 0x1p-24f; /* [0, 1) */
        switch ((r >> 32) % 4) {
        case 0: memcpy(&x[i], &bits, 4); break;
        case 1: x[i] = (u * 600.0f - 300.0f) * s; break;
        case 2: x[i] = (u * 2.0f - 1.0f) * s; break;
        default: { /* a tie, or up to 3 floats either side of it */
          const float t = (floorf(u * 520.0f - 260.0f) + 0.5f) * s;
          const int32_t d = (int32_t)((bits >> 8) % 7) - 3;
          x[i] = t;
          for (int32_t j = 0; j < abs(d); j++)
            x[i] = nextafterf(x[i], d > 0 ? INFINITY : -INFINITY);
        }
        }
      }
      const int32_t zp = (int32_t)(rng_next(&st) % 256) - 128;
      for (int k = 0; k < nk; k++) ck_assert(same(fn[k], name[k], x, 4096, s, zp));
    }
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernels_quantize");
  TCase *tc = tcase_create("kernels_quantize");
  tcase_set_timeout(tc, 900);
  tcase_add_test(tc, test_quantize_specials);
  tcase_add_test(tc, test_quantize_tails);
  tcase_add_test(tc, test_quantize_random);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
