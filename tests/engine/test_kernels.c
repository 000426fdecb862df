/*
 * test_kernels.c — every SIMD kernel against its scalar twin, on every ISA path this CPU has
 * (paths it lacks are reported and skipped: they are tested on machines that have them):
 * CONV_2D with packed weights (also the plain-C packed twin, and unpacking) and
 * DEPTHWISE_CONV_2D (3x3 and 5x5) over output-channel counts below, at and above the tile, odd
 * widths, strides 1 and 2, dilation, SAME and VALID padding, pixel ranges that cross rows and
 * images; the 1x1 kernel on pruned weights; and the thread pool's parallel_for.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/blend.h"
#include "kernels/conv.h"
#include "kernels/isa.h"
#include "ops/ops.h"
#include "test_util.h"
#include "threadpool.h"

static void fill(float *x, size_t n, uint32_t seed) { tu_fill_rand_f32(x, n, seed); }

/* Geometry like conv2d.c makes it (SAME: TFLite padding; VALID: none). */
static ecnn_conv_params geometry(int32_t h, int32_t w, int32_t ic, int32_t oc, int32_t k,
                                 int32_t s, int32_t d, bool same) {
  ecnn_conv_params p;
  memset(&p, 0, sizeof p);
  p.batch = 1, p.in_h = h, p.in_w = w, p.in_c = ic, p.out_c = oc;
  p.kernel_h = p.kernel_w = k, p.stride_h = p.stride_w = s, p.dilation_h = p.dilation_w = d;
  p.groups = 1, p.depth_multiplier = 1;
  ecnn_padding pad = same ? ECNN_PADDING_SAME : ECNN_PADDING_VALID;
  p.out_h = ecnn_conv_out_size(h, k, s, d, pad, &p.pad_top);
  p.out_w = ecnn_conv_out_size(w, k, s, d, pad, &p.pad_left);
  p.out_min = -INFINITY, p.out_max = INFINITY;
  return p;
}

static float rel_err(const float *a, const float *b, size_t n) {
  return tu_max_abs_diff(a, b, n) / fmaxf(1.0f, tu_max_abs(a, n));
}

typedef void (*packed_conv_fn)(const ecnn_conv_params *, const float *, const float *,
                               const float *, float *, int64_t, int64_t, int32_t, int32_t);

START_TEST(test_conv_vs_scalar) {
  static const int32_t ocs[] = {1, 7, 16, 17, 31, 32, 33, 48, 70};
  static const int32_t ics[] = {1, 3, 16, 24, 32, 37}; /* 16-32: the short-input 1x1 tiles */
  static const int32_t widths[] = {1, 5, 7, 13, 30}; /* 30: interior 6-pixel tiles at stride 2 */
  int checked = 0;
  for (ecnn_isa isa = ECNN_ISA_SCALAR; isa <= ECNN_ISA_AVX512; isa++) {
    if (ecnn_isa_best() < isa) {
      printf("kernels: %s not available on this CPU, skipped\n", ecnn_isa_name(isa));
      continue;
    }
    const packed_conv_fn fn = isa == ECNN_ISA_AVX512 ? ecnn_f32_conv2d_packed__avx512
                              : isa == ECNN_ISA_AVX2 ? ecnn_f32_conv2d_packed__avx2
                                                     : ecnn_f32_conv2d_packed__scalar;
    for (size_t a = 0; a < sizeof ocs / sizeof *ocs; a++)
      for (size_t b = 0; b < sizeof ics / sizeof *ics; b++)
        for (size_t c = 0; c < sizeof widths / sizeof *widths; c++)
          for (int cfg = 0; cfg < 5; cfg++) {
            /* 1x1; 3x3 valid; 3x3 stride 2; 3x3 dilated; 5x5 stride 2 (BlazeFace's first) */
            const int32_t k = cfg == 0 ? 1 : cfg == 4 ? 5 : 3, s = cfg == 2 || cfg == 4 ? 2 : 1;
            const int32_t d = cfg == 3 ? 2 : 1;
            const bool same = cfg != 1;
            ecnn_conv_params p = geometry(widths[c] + 2, widths[c], ics[b], ocs[a], k, s, d, same);
            if (p.out_h < 1 || p.out_w < 1) continue;
            p.batch = 1 + (int32_t)(c & 1); /* two images: tiles that cross into the next one */
            size_t ni = (size_t)p.batch * p.in_h * p.in_w * p.in_c, nw = (size_t)p.out_c * k * k * p.in_c;
            size_t no = (size_t)p.batch * p.out_h * p.out_w * p.out_c;
            const int64_t npx = (int64_t)p.batch * p.out_h * p.out_w;
            const int32_t nob = (p.out_c + 31) / 32;
            float *in = malloc(ni * 4), *w = malloc(nw * 4), *bias = malloc((size_t)p.out_c * 4);
            float *ref = malloc(no * 4), *got = malloc(no * 4 + 64);
            fill(in, ni, 1), fill(w, nw, 2), fill(bias, (size_t)p.out_c, 3);
            /* fused activations: a RELU on one configuration, a clamp on every other width */
            p.out_min = cfg == 2 || (c & 2) ? 0.0f : -INFINITY;
            p.out_max = c & 2 ? 0.25f : INFINITY;
            ecnn_f32_conv2d__scalar(&p, in, w, bias, ref);
            float *pk = ecnn_f32_conv2d_pack(&p, w, bias);
            const size_t ocp = ((size_t)p.out_c + 31) & ~(size_t)31;
            const float *bp = pk + (size_t)k * k * p.in_c * ocp;
            if (isa == ECNN_ISA_SCALAR) { /* unpack inverts pack (the XNNPACK backend's copy) */
              float *back = malloc(nw * 4);
              ecnn_f32_conv2d_unpack(&p, pk, back);
              ck_assert(memcmp(back, w, nw * 4) == 0);
              free(back);
            }
            for (int split = 0; split < 2; split++) {
              memset(got, 0, no * 4);
              got[no] = 12345.0f; /* a sentinel after the output: must stay */
              if (!split) {
                fn(&p, in, pk, bp, got, 0, npx, 0, nob);
              } else { /* as a thread pool would: ranges of 7 pixels, one block at a time */
                for (int32_t ob = nob - 1; ob >= 0; ob--)
                  for (int64_t px = 0; px < npx; px += 7)
                    fn(&p, in, pk, bp, got, px, px + 7 < npx ? px + 7 : npx, ob, ob + 1);
              }
              ck_assert_msg(rel_err(ref, got, no) < 1e-5f,
                            "%s conv oc %d ic %d w %d batch %d cfg %d split %d: error %g",
                            ecnn_isa_name(isa), (int)p.out_c, (int)p.in_c, (int)p.in_w,
                            (int)p.batch, cfg, split, (double)rel_err(ref, got, no));
              ck_assert(got[no] == 12345.0f);
            }
            free(in), free(w), free(bias), free(ref), free(got), free(pk);
            checked++;
          }
  }
  printf("kernels: %d conv configurations checked\n", checked);
}
END_TEST

START_TEST(test_dwconv_vs_scalar) {
  static const int32_t cs[] = {1, 7, 8, 9, 15, 16, 17, 33, 96};
  for (ecnn_isa isa = ECNN_ISA_AVX2; isa <= ECNN_ISA_AVX512; isa++) {
    if (ecnn_isa_best() < isa) continue;
    static const int32_t widths[] = {1, 4, 5, 8, 9, 12, 13, 17, 30}; /* around the pixel groups */
    for (size_t a = 0; a < sizeof cs / sizeof *cs; a++)
      for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++)
      for (int cfg = 0; cfg < 8; cfg++) {
        /* 0-4: 3x3 (stride 2, VALID, dilation 2, odd height); 5-7: 5x5 (BlazeFace) likewise */
        const int32_t s = cfg == 1 || cfg == 4 || cfg == 6 ? 2 : 1, d = cfg == 3 ? 2 : 1;
        const int32_t w0 = widths[wi], k = cfg >= 5 ? 5 : 3;
        ecnn_conv_params p = geometry(w0 + 1 + (cfg == 4), w0, cs[a], cs[a], k, s, d, cfg != 2 && cfg != 7);
        if (p.out_h < 1 || p.out_w < 1) continue;
        size_t ni = (size_t)p.in_h * p.in_w * p.in_c, no = (size_t)p.out_h * p.out_w * p.out_c;
        const size_t nw = (size_t)k * k * p.out_c;
        float *in = malloc(ni * 4), *w = malloc(nw * 4), *bias = malloc((size_t)p.out_c * 4);
        float *ref = malloc(no * 4), *got = malloc(no * 4);
        fill(in, ni, 4), fill(w, nw, 5), fill(bias, (size_t)p.out_c, 6);
        p.out_max = 6.0f, p.out_min = 0.0f; /* RELU6 */
        ecnn_f32_dwconv2d__scalar(&p, in, w, bias, ref);
        if (isa == ECNN_ISA_AVX512) ecnn_f32_dwconv2d_rows__avx512(&p, in, w, bias, got, 0, p.out_h);
        else ecnn_f32_dwconv2d_rows__avx2(&p, in, w, bias, got, 0, p.out_h);
        ck_assert_msg(rel_err(ref, got, no) < 1e-5f, "%s dwconv c %d w %d cfg %d", ecnn_isa_name(isa),
                      (int)p.out_c, (int)p.in_w, cfg);
        free(in), free(w), free(bias), free(ref), free(got);
      }
  }
}
END_TEST

static void add_range(void *arg, int64_t begin, int64_t end) {
  int32_t *hits = arg;
  for (int64_t i = begin; i < end; i++) __atomic_add_fetch(&hits[i], 1, __ATOMIC_RELAXED);
}

/* The smallest and largest range one call of a job got. */
typedef struct range_sizes {
  int64_t lo, hi;
} range_sizes;

static void note_range(void *arg, int64_t begin, int64_t end) {
  range_sizes *r = arg;
  const int64_t size = end - begin;
  int64_t v = __atomic_load_n(&r->lo, __ATOMIC_RELAXED);
  while (size < v && !__atomic_compare_exchange_n(&r->lo, &v, size, false, __ATOMIC_RELAXED,
                                                  __ATOMIC_RELAXED)) {
  }
  v = __atomic_load_n(&r->hi, __ATOMIC_RELAXED);
  while (size > v && !__atomic_compare_exchange_n(&r->hi, &v, size, false, __ATOMIC_RELAXED,
                                                  __ATOMIC_RELAXED)) {
  }
}

/* The AVX2 1x1 kernel on pruned weights against the dense AVX2 kernel (bit for bit: it only
 * skips fma(x, 0, acc)) and the scalar twin, over channel counts below / at / above the
 * blocks, pixel counts with and without a partial tile, clamped or not, half or three
 * quarters of the 32-wide weight rows zero; fewer zero rows than asked give no index. */
START_TEST(test_pointwise_sparse) {
  const ecnn_isa best = ecnn_isa_best();
  if (best != ECNN_ISA_AVX2 && best != ECNN_ISA_AVX512) {
    fprintf(stderr, "test_pointwise_sparse: no AVX2 here, skipped\n");
    return;
  }
  static const int32_t ics[] = {1, 16, 37, 96}, ocs[] = {8, 24, 32, 40, 96}, widths[] = {5, 6, 13};
  int32_t checked = 0;
  for (size_t a = 0; a < sizeof ics / sizeof ics[0]; a++)
    for (size_t b = 0; b < sizeof ocs / sizeof ocs[0]; b++)
      for (size_t c = 0; c < sizeof widths / sizeof widths[0]; c++)
        for (int32_t share = 2; share <= 4; share += 2) { /* 1/2 or 3/4 of the rows */
          ecnn_conv_params p = geometry(3, widths[c], ics[a], ocs[b], 1, 1, 1, true);
          if (c == 1) p.out_min = 0.0f, p.out_max = 6.0f;
          const size_t ni = (size_t)3 * p.in_w * p.in_c, nw = (size_t)p.out_c * p.in_c,
                       no = (size_t)3 * p.out_w * p.out_c;
          float *in = malloc(ni * sizeof *in), *w = malloc(nw * sizeof *w),
                *bias = malloc((size_t)p.out_c * sizeof *bias), *dense = malloc(no * sizeof *dense),
                *sparse = malloc(no * sizeof *sparse), *ref = malloc(no * sizeof *ref);
          fill(in, ni, 11), fill(w, nw, 12), fill(bias, (size_t)p.out_c, 13);
          /* zero whole rows (input channel k of a 32-channel block) the way blocks of 32 prune */
          for (int32_t k = 0; k < p.in_c; k++)
            for (int32_t ob = 0; ob * 32 < p.out_c; ob++)
              if ((k * 7 + ob * 3) % 4 < share)
                for (int32_t o = 32 * ob; o < p.out_c && o < 32 * ob + 32; o++)
                  w[(size_t)o * p.in_c + k] = 0;
          float *wp = ecnn_f32_conv2d_pack(&p, w, bias);
          const float *bp = wp + (size_t)p.in_c * (((size_t)p.out_c + 31) & ~(size_t)31);
          int32_t *rows = ecnn_f32_conv2d_sparse_rows(&p, wp, 0.2);
          const int32_t nob = (p.out_c + 31) / 32;
          if (!rows) { /* too few rows to bother: 1 input channel, or a single block's luck */
            free(in), free(w), free(bias), free(dense), free(sparse), free(ref), free(wp);
            continue;
          }
          ck_assert_int_le(rows[nob], (int32_t)((int64_t)nob * p.in_c * 4 / 5));
          const int64_t npx = (int64_t)3 * p.out_w;
          ecnn_f32_conv2d_packed__avx2(&p, in, wp, bp, dense, 0, npx, 0, nob);
          ecnn_f32_conv2d_packed__scalar(&p, in, wp, bp, ref, 0, npx, 0, nob);
          /* two ranges, as threads would split it */
          ecnn_f32_conv2d_pw_sparse__avx2(&p, in, wp, bp, rows, sparse, 0, npx / 2, 0, nob);
          ecnn_f32_conv2d_pw_sparse__avx2(&p, in, wp, bp, rows, sparse, npx / 2, npx, 0, nob);
          ck_assert_msg(!memcmp(dense, sparse, no * sizeof *dense),
                        "sparse 1x1 differs from dense: ic %d oc %d w %d", (int)p.in_c,
                        (int)p.out_c, (int)p.in_w);
          ck_assert(rel_err(ref, sparse, no) < 1e-5f);
          checked++;
          free(rows), free(wp);
          free(in), free(w), free(bias), free(dense), free(sparse), free(ref);
        }
  ck_assert_int_gt(checked, 40);
  /* a dense layer has no index */
  ecnn_conv_params p = geometry(2, 6, 16, 32, 1, 1, 1, true);
  float w[16 * 32], bias[32];
  fill(w, 16 * 32, 3), fill(bias, 32, 4);
  float *wp = ecnn_f32_conv2d_pack(&p, w, bias);
  ck_assert_ptr_null(ecnn_f32_conv2d_sparse_rows(&p, wp, 0.2));
  free(wp);
}
END_TEST

START_TEST(test_parallel_for) {
  for (int32_t threads = 1; threads <= 4; threads++) {
    ecnn_threadpool *pool = NULL;
    ck_assert_int_eq(ecnn_threadpool_create(threads, &pool), ECNN_STATUS_OK);
    ck_assert_int_eq(ecnn_threadpool_size(pool), threads);
    for (int64_t n = 0; n < 40; n += 3)
      for (int rep = 0; rep < 20; rep++) {
        int32_t hits[40] = {0};
        ecnn_parallel_for(pool, n, 1, add_range, hits);
        for (int64_t i = 0; i < 40; i++) ck_assert_int_eq(hits[i], i < n ? 1 : 0);
      }
    /* a job splits into ecnn_threadpool_parts chunks that differ by at most one item (the
     * ops size their work to share out evenly over them) */
    const int64_t parts = ecnn_threadpool_parts(pool);
    for (int64_t n = parts; n < 3 * parts + 2; n++) {
      range_sizes r = {n, 0};
      ecnn_parallel_for(pool, n, 1, note_range, &r);
      ck_assert_msg(r.lo == n / parts && r.hi == (n + parts - 1) / parts,
                    "%d threads, %d items: chunks of %d..%d", (int)threads, (int)n, (int)r.lo,
                    (int)r.hi);
    }
    ecnn_threadpool_free(pool);
  }
  /* many short jobs back to back, of changing sizes: a worker still on the last job must
   * never run a chunk of the next one, nor the next job lose a chunk to it; now and then the
   * pool is parked (as after a session's run), which cuts workers' spins short, and the next
   * job must wake them (a lost wake-up would hang here) */
  ecnn_threadpool *pool = NULL;
  ck_assert_int_eq(ecnn_threadpool_create(3, &pool), ECNN_STATUS_OK);
  for (int rep = 0; rep < 20000; rep++) {
    int32_t hits[40] = {0};
    const int64_t n = 1 + rep % 40;
    if (rep % 7 == 3) ecnn_threadpool_park(pool);
    ecnn_parallel_for(pool, n, 1, add_range, hits);
    for (int64_t i = 0; i < 40; i++) ck_assert_int_eq(hits[i], i < n ? 1 : 0);
  }
  ecnn_threadpool_free(pool);
  ecnn_threadpool *p = NULL;
  ck_assert_int_eq(ecnn_threadpool_create(0, &p), ECNN_STATUS_INVALID_ARGUMENT);
  ecnn_threadpool_free(NULL);
  ecnn_threadpool_park(NULL);
}
END_TEST

/* The heatmap blend loops: the AVX2 ones byte for byte the scalar ones, over lengths that
 * cross their 8- and 16-pixel and 8-block steps, indices -1..255 (untouched pixels among
 * them), I420 and NV12 chroma, several alphas, map values outside 0..1 and NaN; on a CPU
 * without AVX2 the scalar ones against themselves. */
START_TEST(test_blend_vs_scalar) {
  const bool avx2 = ecnn_isa_best() == ECNN_ISA_AVX2 || ecnn_isa_best() == ECNN_ISA_AVX512;
  uint32_t r = 12345;
#define RND() (r = r * 1664525u + 1013904223u, r >> 8)
  int32_t ent[257], uvn[257];
  int16_t i0[200], i1[200];
  uint8_t a[400], b[400], a2[400], b2[400];
  int cases = 0;
  for (int alpha = 0; alpha <= 256; alpha += 64) {
    const int keep = 256 - alpha;
    ent[0] = 256 << 17, uvn[0] = 0;
    for (int i = 0; i < 256; i++) {
      const int c0 = (int)(RND() % 256), c1 = (int)(RND() % 256), c2 = (int)(RND() % 256);
      ent[i + 1] = (c0 * alpha + 128) | keep << 17;
      uvn[i + 1] = c1 | c2 << 11 | 1 << 22;
    }
    for (int32_t n = 0; n <= 90; n++) {
      for (int k = 0; k < 200; k++) {
        /* runs of untouched pixels, as a min-score leaves them */
        i0[k] = (int16_t)(RND() % 5 == 0 ? -1 : (int)(RND() % 256));
        i1[k] = (int16_t)(RND() % 7 == 0 ? -1 : (int)(RND() % 256));
      }
      for (int k = 0; k < 400; k++) a[k] = a2[k] = (uint8_t)RND(), b[k] = b2[k] = (uint8_t)RND();
      ecnn_blend_luma__scalar(a, i0, ent + 1, n);
      if (avx2) ecnn_blend_luma__avx2(a2, i0, ent + 1, n);
      else ecnn_blend_luma__scalar(a2, i0, ent + 1, n);
      ck_assert_msg(!memcmp(a, a2, sizeof a), "luma, %d pixels, alpha %d", (int)n, alpha);
      for (int step = 1; step <= 2; step++) {
        const int32_t qn = alpha * 64; /* alpha / 4 in 1/65536: four pixels a block */
        ecnn_blend_chroma__scalar(a, step == 2 ? a + 1 : b, step, i0, i1, uvn + 1, qn, n / 2);
        if (avx2)
          ecnn_blend_chroma__avx2(a2, step == 2 ? a2 + 1 : b2, step, i0, i1, uvn + 1, qn, n / 2);
        else
          ecnn_blend_chroma__scalar(a2, step == 2 ? a2 + 1 : b2, step, i0, i1, uvn + 1, qn, n / 2);
        ck_assert_msg(!memcmp(a, a2, sizeof a) && !memcmp(b, b2, sizeof b),
                      "chroma, %d blocks, step %d, alpha %d", (int)n / 2, step, alpha);
        cases++;
      }
    }
  }
  /* the map interpolation and the indices (values below 0, above 1, NaN; min-scores 0 to 1) */
  float m[64], h0[100], h1[100], fw[100], hs[100], hv[100];
  int32_t c0[100], c1[100];
  int16_t is[100], iv[100];
  for (int k = 0; k < 64; k++) m[k] = (float)((int)(RND() % 2400) - 600) / 1000.0f;
  for (int32_t n = 0; n <= 100; n++) {
    for (int k = 0; k < 100; k++) {
      c0[k] = (int32_t)(RND() % 63), c1[k] = c0[k] + 1, fw[k] = (float)(RND() % 1000) / 999.0f;
      h0[k] = (float)((int)(RND() % 2400) - 600) / 1000.0f;
      h1[k] = RND() % 23 == 0 ? NAN : (float)((int)(RND() % 2400) - 600) / 1000.0f;
    }
    memset(hs, 0, sizeof hs), memset(hv, 0, sizeof hv);
    ecnn_blend_hrow__scalar(hs, m, c0, c1, fw, n);
    (avx2 ? ecnn_blend_hrow__avx2 : ecnn_blend_hrow__scalar)(hv, m, c0, c1, fw, n);
    ck_assert_msg(!memcmp(hs, hv, sizeof hs), "map row, %d columns", (int)n);
    const float f = (float)(RND() % 1000) / 999.0f, lo = (float)(n % 5) / 4.0f;
    memset(is, 0x55, sizeof is), memset(iv, 0x55, sizeof iv);
    ecnn_blend_index__scalar(is, h0, h1, f, lo, n);
    (avx2 ? ecnn_blend_index__avx2 : ecnn_blend_index__scalar)(iv, h0, h1, f, lo, n);
    ck_assert_msg(!memcmp(is, iv, sizeof is), "indices, %d pixels, min-score %g", (int)n,
                  (double)lo);
    for (int32_t k = 0; k < n; k++) ck_assert(is[k] >= -1 && is[k] <= 255);
    cases++;
  }
#undef RND
  ck_assert_int_eq(cases, 5 * 91 * 2 + 101);
}
END_TEST

START_TEST(test_isa_override) {
  ecnn_isa best = ecnn_isa_best();
  ck_assert_int_eq(ecnn_isa_set(ECNN_ISA_SCALAR), ECNN_ISA_SCALAR);
  ck_assert_int_eq(ecnn_isa_active(), ECNN_ISA_SCALAR);
  ck_assert_int_eq(ecnn_isa_set(ECNN_ISA_AVX512), best); /* clamped to what the CPU has */
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernels");
  TCase *tc = tcase_create("kernels");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_conv_vs_scalar);
  tcase_add_test(tc, test_dwconv_vs_scalar);
  tcase_add_test(tc, test_parallel_for);
  tcase_add_test(tc, test_pointwise_sparse);
  tcase_add_test(tc, test_blend_vs_scalar);
  tcase_add_test(tc, test_isa_override);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
