/*
 * test_neon.c — the ARM64 NEON kernels against their scalar twins, cross-built with
 * gcc-aarch64-linux-gnu and run under qemu-aarch64 (scripts/test_arm.sh; no Check or libyuv
 * for arm64 needed): float CONV_2D over output channels below/at/above the 16-wide tile, odd
 * widths, strides, dilation, padding; float DEPTHWISE over channel tails; the int8 CONV_2D
 * (plain NEON and sdot, each forced) and DEPTHWISE byte for byte against the scalar twins over
 * channels below / at / above the 16-channel blocks, odd widths, 1x1 / 3x3 / 5x5, strides 1 and
 * 2, dilation, SAME / VALID, two images, zero points -128 / 0 / 127 (uint8 too), per-channel
 * multipliers with right and left shifts, clamps, pixel / block / row ranges as the thread
 * pool cuts them, and the requantization's edges; the int8 / uint8 ADD and SUB and the
 * float32 -> int8 QUANTIZE byte for byte against theirs (every tail length, left shifts,
 * rounding ties, saturation, out aliasing an input; NaN, infinities, -0 and huge values), with
 * the mismatches counted; the int8 / uint8 FULLY_CONNECTED (on the CONV_2D kernels, plain and
 * sdot) and broadcasting ADD / SUB as ops, on the NEON path at 1 and 2 threads and the scalar
 * one, against their definitions written out here; then whole models given on the command line
 * on the NEON path against the scalar path: float ones within 1e-4 relative, int8 ones (after
 * --int8) bit for bit, with the plain and the sdot CONV_2D kernel, at 1 and 2 threads.
 *
 *   test_neon [float.tflite ...] [--int8 model.int8.tflite ...]
 *
 * ECNN_TEST_EXPECT_DOT=0|1 in the environment: what the sdot detection must report (the
 * emulated CPU's feature).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgecnn.h"
#include "graph.h"
#include "kernels/conv.h"
#include "kernels/eltwise.h"
#include "kernels/isa.h"
#include "kernels/q8_conv.h"
#include "kernels/q8_eltwise.h"
#include "ops/ops.h"
#include "ops/q8/quant.h"
#include "threadpool.h"
#include "../q8_test_data.h"

static int failures;

#define CHECK(cond, ...)                                                                       \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      failures++;                                                                              \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                     \
      fprintf(stderr, __VA_ARGS__);                                                            \
      fputc('\n', stderr);                                                                     \
    }                                                                                          \
  } while (0)

static void fill(float *x, size_t n, uint32_t s) {
  for (size_t i = 0; i < n; i++) {
    s = 1664525u * s + 1013904223u;
    x[i] = (float)((double)(s >> 8) / 16777216.0 * 2.0 - 1.0);
  }
}

static float rel_err(const float *a, const float *b, size_t n) {
  float d = 0, m = 1;
  for (size_t i = 0; i < n; i++) {
    d = fmaxf(d, fabsf(a[i] - b[i]));
    m = fmaxf(m, fabsf(a[i]));
  }
  return d / m;
}

/* TFLite SAME/VALID output size and leading padding. */
static int32_t out_size(int32_t in, int32_t k, int32_t s, int32_t d, int same, int32_t *pad) {
  int32_t eff = (k - 1) * d + 1;
  if (!same) {
    *pad = 0;
    return in >= eff ? (in - eff) / s + 1 : -1;
  }
  int32_t out = (in + s - 1) / s, total = (out - 1) * s + eff - in;
  *pad = total > 0 ? total / 2 : 0;
  return out;
}

static ecnn_conv_params geometry(int32_t h, int32_t w, int32_t ic, int32_t oc, int32_t k,
                                 int32_t s, int32_t d, int same) {
  ecnn_conv_params p;
  memset(&p, 0, sizeof p);
  p.batch = 1, p.in_h = h, p.in_w = w, p.in_c = ic, p.out_c = oc;
  p.kernel_h = p.kernel_w = k, p.stride_h = p.stride_w = s, p.dilation_h = p.dilation_w = d;
  p.groups = 1, p.depth_multiplier = 1;
  p.out_h = out_size(h, k, s, d, same, &p.pad_top);
  p.out_w = out_size(w, k, s, d, same, &p.pad_left);
  p.out_min = -INFINITY, p.out_max = INFINITY;
  return p;
}

static void test_conv(void) {
  static const int32_t ocs[] = {1, 3, 15, 16, 17, 31, 32, 33, 70};
  static const int32_t ics[] = {1, 3, 16, 37};
  static const int32_t widths[] = {1, 5, 7, 13};
  int n = 0;
  for (size_t a = 0; a < sizeof ocs / sizeof *ocs; a++)
    for (size_t b = 0; b < sizeof ics / sizeof *ics; b++)
      for (size_t c = 0; c < sizeof widths / sizeof *widths; c++)
        for (int cfg = 0; cfg < 4; cfg++) {
          int32_t k = cfg == 0 ? 1 : 3, s = cfg == 2 ? 2 : 1, d = cfg == 3 ? 2 : 1;
          ecnn_conv_params p = geometry(widths[c] + 2, widths[c], ics[b], ocs[a], k, s, d, cfg != 1);
          if (p.out_h < 1 || p.out_w < 1) continue;
          size_t ni = (size_t)p.in_h * p.in_w * p.in_c, nw = (size_t)p.out_c * k * k * p.in_c;
          size_t no = (size_t)p.out_h * p.out_w * p.out_c;
          float *in = malloc(ni * 4), *w = malloc(nw * 4), *bias = malloc((size_t)p.out_c * 4);
          float *ref = malloc(no * 4), *got = malloc(no * 4 + 4);
          fill(in, ni, 1), fill(w, nw, 2), fill(bias, (size_t)p.out_c, 3);
          if (cfg == 2) p.out_min = 0;
          ecnn_f32_conv2d__scalar(&p, in, w, bias, ref);
          float *pk = ecnn_f32_conv2d_pack(&p, w, bias);
          size_t ocp = ((size_t)p.out_c + 31) & ~(size_t)31;
          const int64_t npx = (int64_t)p.out_h * p.out_w;
          const int32_t nob = (p.out_c + 31) / 32;
          const float *bp = pk + (size_t)k * k * p.in_c * ocp;
          for (int split = 0; split < 2; split++) {
            memset(got, 0, no * 4);
            got[no] = 777.0f;
            if (!split)
              ecnn_f32_conv2d_packed__neon(&p, in, pk, bp, got, 0, npx, 0, nob);
            else /* ranges of 7 pixels, one block at a time, as a thread pool would */
              for (int32_t ob = 0; ob < nob; ob++)
                for (int64_t px = 0; px < npx; px += 7)
                  ecnn_f32_conv2d_packed__neon(&p, in, pk, bp, got, px, px + 7 < npx ? px + 7 : npx,
                                               ob, ob + 1);
            CHECK(rel_err(ref, got, no) < 1e-5f, "conv oc %d ic %d w %d cfg %d split %d: %g",
                  (int)p.out_c, (int)p.in_c, (int)p.in_w, cfg, split, (double)rel_err(ref, got, no));
            CHECK(got[no] == 777.0f, "conv wrote past its output");
          }
          free(in), free(w), free(bias), free(ref), free(got), free(pk);
          n++;
        }
  printf("neon: %d conv configurations\n", n);
}

static void test_dwconv(void) {
  static const int32_t cs[] = {1, 3, 4, 5, 8, 15, 16, 33, 96};
  static const int32_t widths[] = {1, 4, 9, 17, 30}; /* around the 4-pixel interior groups */
  int n = 0;
  for (size_t a = 0; a < sizeof cs / sizeof *cs; a++)
    for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++)
      for (int cfg = 0; cfg < 7; cfg++) {
        /* 0-3: 3x3 (stride 2, VALID, dilation 2); 4-6: 5x5 (stride 2, VALID) */
        const int32_t k = cfg >= 4 ? 5 : 3, s = cfg == 1 || cfg == 5 ? 2 : 1, d = cfg == 3 ? 2 : 1;
        const int32_t w0 = widths[wi];
        ecnn_conv_params p = geometry(w0 + 1, w0, cs[a], cs[a], k, s, d, cfg != 2 && cfg != 6);
        if (p.out_h < 1 || p.out_w < 1) continue;
        size_t ni = (size_t)p.in_h * p.in_w * p.in_c, no = (size_t)p.out_h * p.out_w * p.out_c;
        const size_t nw = (size_t)k * k * p.out_c;
        float *in = malloc(ni * 4), *w = malloc(nw * 4), *bias = malloc((size_t)p.out_c * 4);
        float *ref = malloc(no * 4), *got = malloc(no * 4);
        fill(in, ni, 4), fill(w, nw, 5), fill(bias, (size_t)p.out_c, 6);
        p.out_min = 0, p.out_max = 6;
        ecnn_f32_dwconv2d__scalar(&p, in, w, bias, ref);
        ecnn_f32_dwconv2d_rows__neon(&p, in, w, bias, got, 0, p.out_h);
        CHECK(rel_err(ref, got, no) < 1e-5f, "dwconv c %d w %d cfg %d", (int)p.out_c, (int)w0, cfg);
        free(in), free(w), free(bias), free(ref), free(got);
        n++;
      }
  printf("neon: %d depthwise configurations\n", n);
}

/* ---- int8 CONV_2D / DEPTHWISE_CONV_2D against the scalar twins, byte for byte ---- */

static bool dot_ok; /* the CPU has sdot: the __neondot kernel is tested too */

/* Geometry of an int8 convolution (kernel kh x kw, SAME or VALID). */
static ecnn_q8_conv_params q8_geometry(int32_t batch, int32_t h, int32_t w, int32_t ic,
                                       int32_t oc, int32_t kh, int32_t kw, int32_t s, int32_t d,
                                       int same) {
  ecnn_q8_conv_params p;
  memset(&p, 0, sizeof p);
  p.batch = batch, p.in_h = h, p.in_w = w, p.in_c = ic, p.out_c = oc;
  p.kernel_h = kh, p.kernel_w = kw, p.stride_h = p.stride_w = s;
  p.dilation_h = p.dilation_w = d;
  p.groups = 1, p.depth_multiplier = 1;
  p.out_h = out_size(h, kh, s, d, same, &p.pad_top);
  p.out_w = out_size(w, kw, s, d, same, &p.pad_left);
  return p;
}

/* Quantization of variant v: the dtypes (int8 activations and weights with weight zero point
 * 0 mostly; uint8 activations with int8 weights, which the sdot kernel reads with the top bit
 * flipped; uint8 both with weight zero points, which it leaves to the plain one), the zero
 * points (-128 / 0 / 127 and others) and the clamp (none, a RELU, a RELU6-like one). */
static void q8_quantization(ecnn_q8_conv_params *p, int v) {
  static const int32_t zps[] = {-128, 0, 127, -5};
  p->u8 = v % 5 >= 3;
  p->w_u8 = v % 5 == 4;
  const int32_t lo = p->u8 ? 0 : -128, hi = p->u8 ? 255 : 127;
  p->in_zp = p->u8 ? (int32_t[]){0, 128, 255, 77}[v % 4] : zps[v % 4];
  p->out_zp = p->u8 ? (int32_t[]){255, 0, 128, 3}[(v / 2) % 4] : zps[(v + 1) % 4];
  p->w_zp = p->w_u8 ? (int32_t[]){0, 128, 255, 131}[(v / 3) % 4] : 0;
  p->out_min = lo, p->out_max = hi;
  if (v % 3 == 1) p->out_min = p->out_zp > lo ? p->out_zp : lo; /* a RELU */
  if (v % 3 == 2) p->out_min = lo + 40, p->out_max = hi - 50;    /* a RELU6-like clamp */
}






/* Index of the first byte where got and ref differ (n: none). */
static size_t first_diff(const uint8_t *got, const uint8_t *ref, size_t n) {
  size_t i = 0;
  while (i < n && got[i] == ref[i]) i++;
  return i;
}

static int q8_val(const ecnn_q8_conv_params *p, uint8_t b) { return p->u8 ? b : (int8_t)b; }

/* p's CONV_2D with the given data on the NEON kernel packed for `dot` (whole, and in pixel
 * ranges of 7 x one block at a time, last block first), against ref. Returns whether the sdot
 * kernel ran. */
static int q8_conv_check(const ecnn_q8_conv_params *p, const uint8_t *in, const uint8_t *w,
                         const int32_t *bias, const int32_t *mult, const int32_t *shift,
                         const uint8_t *ref, int dot, const char *what) {
  const size_t no = (size_t)p->batch * p->out_h * p->out_w * p->out_c;
  const int64_t npx = (int64_t)p->batch * p->out_h * p->out_w;
  const int32_t nb = (p->out_c + 15) / 16;
  const size_t bytes = ecnn_q8_conv2d_packed_bytes_neon(p, dot);
  CHECK(bytes > 0, "%s: no NEON packing", what);
  void *block = packed_alloc(bytes);
  const ecnn_q8_packed_neon *pk = ecnn_q8_conv2d_pack_neon(p, w, bias, mult, shift, dot, block);
  const int takes = dot && !p->w_u8 && p->w_zp == 0;
  CHECK(pk->dot == takes, "%s: packed for %s", what, pk->dot ? "sdot" : "plain");
  void *scratch = malloc(ecnn_q8_conv2d_scratch_bytes_neon(p, pk));
  uint8_t *got = malloc(no + 16);
  for (int split = 0; split < 2; split++) {
    memset(got, 0x5a, no + 16); /* the 16 bytes after the output must stay */
    for (int32_t ob = split ? nb - 1 : 0; ob >= 0; ob--) {
      const int64_t step = split ? 7 : npx;
      for (int64_t px = 0; px < npx; px += step) {
        const int64_t px1 = px + step < npx ? px + step : npx;
        const int32_t ob1 = split ? ob + 1 : nb;
        if (pk->dot) ecnn_q8_conv2d__neondot(p, pk, in, got, px, px1, ob, ob1, scratch);
        else ecnn_q8_conv2d__neon(p, pk, in, got, px, px1, ob, ob1, scratch);
      }
      if (!split) break;
    }
    const size_t bad = first_diff(got, ref, no);
    CHECK(bad == no,
          "%s %s split %d: oc %d ic %d %dx%d k %dx%d s %d d %d pad %d/%d batch %d %s/%s zp "
          "%d/%d/%d clamp [%d, %d]: output %zu (channel %zu) is %d, scalar %d",
          what, pk->dot ? "sdot" : "plain", split, (int)p->out_c, (int)p->in_c, (int)p->in_h,
          (int)p->in_w, (int)p->kernel_h, (int)p->kernel_w, (int)p->stride_h,
          (int)p->dilation_h, (int)p->pad_top, (int)p->pad_left, (int)p->batch,
          p->u8 ? "u8" : "i8", p->w_u8 ? "u8" : "i8", (int)p->in_zp, (int)p->w_zp,
          (int)p->out_zp, (int)p->out_min, (int)p->out_max, bad, bad % (size_t)p->out_c,
          bad < no ? q8_val(p, got[bad]) : 0, bad < no ? q8_val(p, ref[bad]) : 0);
    size_t after = 0;
    while (after < 16 && got[no + after] == 0x5a) after++;
    CHECK(after == 16, "%s: wrote past its output", what);
  }
  const int ran_dot = pk->dot;
  free(got), free(scratch), free(block);
  return ran_dot;
}

static void test_conv_q8(void) {
  static const int32_t ocs[] = {1, 8, 15, 16, 17, 33};
  static const int32_t ics[] = {1, 3, 8, 16, 17, 32};
  static const int32_t widths[] = {1, 5, 7, 13}; /* 13: 195 pixels, over one 96-pixel chunk */
  rng_state = 1;
  int checked = 0, dots = 0, variant = 0;
  for (size_t a = 0; a < sizeof ocs / sizeof *ocs; a++)
    for (size_t b = 0; b < sizeof ics / sizeof *ics; b++)
      for (size_t c = 0; c < sizeof widths / sizeof *widths; c++)
        for (int cfg = 0; cfg < 8; cfg++) {
          /* 1x1; 1x1 stride 2; 3x3 SAME; 3x3 VALID; 3x3 stride 2; 3x3 dilation 2; 5x5 stride
           * 2; 5x5 VALID */
          const int32_t k = cfg < 2 ? 1 : cfg >= 6 ? 5 : 3;
          const int32_t s = cfg == 1 || cfg == 4 || cfg == 6 ? 2 : 1, d = cfg == 5 ? 2 : 1;
          const int32_t batch = 1 + (int32_t)(c == 1); /* two images: tiles cross into the next */
          ecnn_q8_conv_params p = q8_geometry(batch, widths[c] + 2, widths[c], ics[b], ocs[a], k,
                                              k, s, d, cfg != 3 && cfg != 7);
          if (p.out_h < 1 || p.out_w < 1) continue;
          const int v = variant++;
          q8_quantization(&p, v);
          const size_t ni = (size_t)p.batch * p.in_h * p.in_w * p.in_c;
          const size_t nw = (size_t)p.out_c * k * k * p.in_c;
          const size_t no = (size_t)p.batch * p.out_h * p.out_w * p.out_c;
          const int64_t npx = (int64_t)p.batch * p.out_h * p.out_w;
          uint8_t *in = malloc(ni), *w = malloc(nw), *ref = malloc(no);
          int32_t *bias = malloc((size_t)p.out_c * 4), *mult = malloc((size_t)p.out_c * 4);
          int32_t *shift = malloc((size_t)p.out_c * 4);
          fill8(in, ni), fill_weights8(w, nw, p.w_u8), fill_bias32(bias, p.out_c);
          q8_multipliers(mult, shift, p.out_c, v % 2);
          const int32_t *bp = cfg == 2 && c == 2 ? NULL : bias; /* no bias now and then */
          ecnn_q8_conv2d__scalar(&p, in, w, bp, mult, shift, ref, 0, npx, 0, p.out_c);
          q8_conv_check(&p, in, w, bp, mult, shift, ref, 0, "conv");
          if (dot_ok) dots += q8_conv_check(&p, in, w, bp, mult, shift, ref, 1, "conv");
          free(in), free(w), free(ref), free(bias), free(mult), free(shift);
          checked++;
        }
  printf("neon: %d int8 conv configurations bit-identical (plain; sdot on %d of them)\n",
         checked, dots);
}

static void test_dwconv_q8(void) {
  static const int32_t cs[] = {1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 33, 40};
  static const int32_t widths[] = {1, 4, 9};
  rng_state = 2;
  int checked = 0, variant = 0;
  for (size_t a = 0; a < sizeof cs / sizeof *cs; a++)
    for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++)
      for (int cfg = 0; cfg < 11; cfg++) {
        /* 0-4: 3x3 (SAME, stride 2, VALID, stride 2 VALID, dilation 2); 5-7: 5x5 (SAME,
         * stride 2, stride 2 VALID); 8: 1x1; 9: 7x7 SAME; 10: 3x5 SAME (the general loop) */
        static const int32_t kh[] = {3, 3, 3, 3, 3, 5, 5, 5, 1, 7, 3};
        static const int32_t kw[] = {3, 3, 3, 3, 3, 5, 5, 5, 1, 7, 5};
        const int32_t s = cfg == 1 || cfg == 3 || cfg == 6 || cfg == 7 ? 2 : 1;
        const int32_t d = cfg == 4 ? 2 : 1, w0 = widths[wi];
        const int same = cfg != 2 && cfg != 3 && cfg != 7;
        const int32_t batch = 1 + (int32_t)(wi == 1);
        ecnn_q8_conv_params p =
            q8_geometry(batch, w0 + 2, w0, cs[a], cs[a], kh[cfg], kw[cfg], s, d, same);
        if (p.out_h < 1 || p.out_w < 1) continue;
        const int v = variant++;
        q8_quantization(&p, v);
        const size_t ni = (size_t)p.batch * p.in_h * p.in_w * p.in_c;
        const size_t nw = (size_t)kh[cfg] * kw[cfg] * p.out_c;
        const size_t no = (size_t)p.batch * p.out_h * p.out_w * p.out_c;
        const int32_t rows = p.batch * p.out_h;
        /* the input exactly its size: the tails must not read past it */
        uint8_t *in = malloc(ni), *w = malloc(nw), *ref = malloc(no), *got = malloc(no + 16);
        int32_t *bias = malloc((size_t)p.out_c * 4), *mult = malloc((size_t)p.out_c * 4);
        int32_t *shift = malloc((size_t)p.out_c * 4);
        fill8(in, ni), fill_weights8(w, nw, p.w_u8), fill_bias32(bias, p.out_c);
        q8_multipliers(mult, shift, p.out_c, v % 2);
        const int32_t *bp = cfg == 0 && wi == 2 ? NULL : bias;
        ecnn_q8_dwconv2d__scalar(&p, in, w, bp, mult, shift, ref, 0, rows);
        const size_t bytes = ecnn_q8_dwconv2d_packed_bytes_neon(&p);
        CHECK(bytes > 0, "dwconv: no NEON packing");
        void *block = packed_alloc(bytes);
        const ecnn_q8_packed_neon *pk = ecnn_q8_dwconv2d_pack_neon(&p, w, bp, mult, shift, block);
        for (int split = 0; split < 2; split++) {
          memset(got, 0x5a, no + 16);
          if (!split)
            ecnn_q8_dwconv2d__neon(&p, pk, in, got, 0, rows);
          else /* a row at a time, last first */
            for (int32_t r = rows - 1; r >= 0; r--)
              ecnn_q8_dwconv2d__neon(&p, pk, in, got, r, r + 1);
          const size_t bad = first_diff(got, ref, no);
          CHECK(bad == no,
                "dwconv split %d: c %d %dx%d k %dx%d s %d d %d batch %d %s/%s zp %d/%d/%d "
                "clamp [%d, %d]: output %zu (channel %zu) is %d, scalar %d",
                split, (int)p.out_c, (int)p.in_h, (int)p.in_w, (int)p.kernel_h, (int)p.kernel_w,
                (int)s, (int)d, (int)p.batch, p.u8 ? "u8" : "i8", p.w_u8 ? "u8" : "i8",
                (int)p.in_zp, (int)p.w_zp, (int)p.out_zp, (int)p.out_min, (int)p.out_max, bad,
                bad % (size_t)p.out_c, bad < no ? q8_val(&p, got[bad]) : 0,
                bad < no ? q8_val(&p, ref[bad]) : 0);
          size_t after = 0;
          while (after < 16 && got[no + after] == 0x5a) after++;
          CHECK(after == 16, "dwconv wrote past its output");
        }
        free(in), free(w), free(ref), free(got), free(bias), free(mult), free(shift), free(block);
        checked++;
      }
  printf("neon: %d int8 depthwise configurations bit-identical\n", checked);
}

/* The requantization's edges one accumulator at a time: a 1x1 conv (and a 1x1 depthwise) of
 * weight +-1 makes acc = bias +- (x - in_zp), so the 256 pixels x = -128..127 and each
 * channel's bias and multiplier put accumulators where the roundings tie, the left shift
 * saturates and the int32 ends are near (and wrap). */
static void test_requant_q8(void) {
  const q8_edges e = q8_edge_sets();
  const int32_t *biases = e.biases;
  enum { OC = 22 };
  if (e.n_biases != OC) {
    CHECK(0, "q8_edge_sets has %d biases, not %d", (int)e.n_biases, (int)OC);
    return;
  }
  int checked = 0;
  for (int32_t m = 0; m < e.n_mults; m++)
    for (int32_t sh = 0; sh < e.n_shifts; sh++)
      for (int zv = 0; zv < 3; zv++) {
        ecnn_q8_conv_params p = q8_geometry(1, 16, 16, 1, OC, 1, 1, 1, 1, 1);
        p.in_zp = zv == 0 ? 0 : zv == 1 ? -128 : 127;
        p.out_zp = zv == 0 ? -128 : zv == 1 ? 0 : 127;
        p.out_min = -128, p.out_max = 127;
        uint8_t in[256], w[OC], ref[256 * OC], got[256 * OC];
        int32_t mult[OC], shift[OC];
        q8_requant_edge_case(OC, e.mults[m], e.shifts[sh], in, w, mult, shift);
        char what[64];
        snprintf(what, sizeof what, "requant mult %d shift %d", (int)e.mults[m], (int)e.shifts[sh]);
        ecnn_q8_conv2d__scalar(&p, in, w, biases, mult, shift, ref, 0, 256, 0, OC);
        q8_conv_check(&p, in, w, biases, mult, shift, ref, 0, what);
        if (dot_ok) q8_conv_check(&p, in, w, biases, mult, shift, ref, 1, what);
        /* the same as a 1x1 depthwise: one channel per bias, the pixels across the image */
        ecnn_q8_conv_params q = q8_geometry(1, 1, 256, OC, OC, 1, 1, 1, 1, 1);
        q.in_zp = p.in_zp, q.out_zp = p.out_zp, q.out_min = -128, q.out_max = 127;
        uint8_t *xin = malloc(256 * OC);
        for (size_t i = 0; i < 256 * (size_t)OC; i++) xin[i] = (uint8_t)(i / OC);
        ecnn_q8_dwconv2d__scalar(&q, xin, w, biases, mult, shift, ref, 0, 1);
        void *block = packed_alloc(ecnn_q8_dwconv2d_packed_bytes_neon(&q));
        const ecnn_q8_packed_neon *pk =
            ecnn_q8_dwconv2d_pack_neon(&q, w, biases, mult, shift, block);
        ecnn_q8_dwconv2d__neon(&q, pk, xin, got, 0, 1);
        const size_t bad = first_diff(got, ref, 256 * OC);
        CHECK(bad == 256 * OC, "%s depthwise: pixel %zu channel %zu (bias %d) is %d, scalar %d",
              what, bad / OC, bad % OC, (int)biases[bad % OC], (int8_t)got[bad], (int8_t)ref[bad]);
        free(xin), free(block);
        checked++;
      }
  printf("neon: %d int8 requantization edge sets bit-identical (conv and depthwise)\n", checked);
}

/* ---- int8 ADD / SUB and QUANTIZE against the scalar twins, byte for byte ---- */

/* Bytes where got and ref differ. */
static size_t count_diffs(const uint8_t *got, const uint8_t *ref, size_t n) {
  size_t d = 0;
  for (size_t i = 0; i < n; i++) d += got[i] != ref[i];
  return d;
}

/* The add parameters of variant v: int8 and uint8, ADD and SUB, zero points across the range
 * (the ends among them), clamps (none, a RELU, a narrow one), left_shift 20 (TFLite's) or any
 * of 0..20; multipliers from scales as binary_prepare makes them (v % 3 == 0), else drawn
 * from q8_multipliers' 11 kinds (Q31 halves: ties of the doubling high multiply; shift -1:
 * ties of the rounding shift; -31, -40, 0; left shifts 1-3 and 20 with INT32_MAX, which
 * saturate) independently for a, b and the output. */
static ecnn_q8_add_params add_variant(int v) {
  ecnn_q8_add_params p = q8_add_base(v, v % 2, (v / 2) % 2);
  p.left_shift = v % 5 == 3 ? rnd_in(0, 20) : v % 5 == 4 ? (v % 2 ? 0 : 20) : 20;
  if (v % 3 == 0) {
    const double s1 = 0.001 + (double)(rnd() % 1000) * 1e-4;
    const double s2 = 0.001 + (double)(rnd() % 1000) * 1e-4;
    const double so = 0.001 + (double)(rnd() % 1000) * 2e-4, twice = 2 * (s1 > s2 ? s1 : s2);
    const double l = (double)(1 << p.left_shift);
    ecnn_quantize_multiplier(s1 / twice, &p.a_mult, &p.a_shift);
    ecnn_quantize_multiplier(s2 / twice, &p.b_mult, &p.b_shift);
    ecnn_quantize_multiplier(twice / (l * so), &p.out_mult, &p.out_shift);
  } else {
    int32_t mult[11], shift[11];
    q8_multipliers(mult, shift, 11, (v / 3) % 2); /* left shifts in every other set */
    const int ia = v % 11, ib = (v / 11 + 3) % 11, io = (7 * v + 5) % 11;
    p.a_mult = mult[ia], p.a_shift = shift[ia];
    p.b_mult = mult[ib], p.b_shift = shift[ib];
    p.out_mult = mult[io], p.out_shift = shift[io];
  }
  return p;
}

/* ecnn_q8_add__neon against ecnn_q8_add__scalar: every length 0..40 (each tail of the 16-wide
 * groups, twice) and longer ones, out a third buffer (nothing written past it), out == a and
 * out == b; every (a, b) pair of bytes (65536 elements) for a quarter of the variants. */
static void test_add_q8(void) {
  static const size_t longer[] = {63, 64, 65, 100, 255, 4099};
  enum { SHORT = 41, VARIANTS = 264, PAIRS = 65536 };
  rng_state = 5;
  long cases = 0, elements = 0, mismatches = 0, left = 0, ties = 0;
  uint8_t *a = malloc(PAIRS), *b = malloc(PAIRS), *ref = malloc(PAIRS), *got = malloc(PAIRS + 16);
  for (int v = 0; v < VARIANTS; v++) {
    const ecnn_q8_add_params p = add_variant(v);
    left += p.a_shift > 0 || p.b_shift > 0 || p.out_shift > 0;
    ties += p.a_mult == 1 << 30 || p.b_mult == 1 << 30 || p.out_mult == 1 << 30 ||
            p.a_shift == -1 || p.b_shift == -1 || p.out_shift == -1;
    const size_t nlen = SHORT + sizeof longer / sizeof *longer + (v % 4 == 0);
    for (size_t l = 0; l < nlen; l++) {
      const size_t n = l < SHORT ? l : l < nlen - (v % 4 == 0) ? longer[l - SHORT] : PAIRS;
      if (n == PAIRS)
        for (size_t i = 0; i < PAIRS; i++) a[i] = (uint8_t)i, b[i] = (uint8_t)(i >> 8);
      else
        fill8(a, n), fill8(b, n);
      ecnn_q8_add__scalar(&p, a, b, ref, n);
      for (int mode = 0; mode < 3; mode++) { /* out separate, out == a, out == b */
        uint8_t *out = got;
        memset(got, 0x5a, n + 16);
        if (mode) memcpy(got, mode == 1 ? a : b, n);
        const void *xa = mode == 1 ? got : a, *xb = mode == 2 ? got : b;
        ecnn_q8_add__neon(&p, xa, xb, out, n);
        const size_t d = count_diffs(got, ref, n);
        mismatches += (long)d;
        size_t after = 0;
        while (after < 16 && got[n + after] == 0x5a) after++;
        CHECK(after == 16, "add wrote past its output (n %zu)", n);
        if (d) {
          const size_t bad = first_diff(got, ref, n);
          CHECK(0,
                "%s %s n %zu mode %d: %zu mismatches; zp %d/%d/%d left_shift %d mult %d/%d/%d "
                "shift %d/%d/%d clamp [%d, %d]: element %zu (a %d b %d) is %d, scalar %d",
                p.sub ? "sub" : "add", p.u8 ? "u8" : "i8", n, mode, d, (int)p.a_zp,
                (int)p.b_zp, (int)p.out_zp, (int)p.left_shift, (int)p.a_mult, (int)p.b_mult,
                (int)p.out_mult, (int)p.a_shift, (int)p.b_shift, (int)p.out_shift,
                (int)p.out_min, (int)p.out_max, bad, p.u8 ? a[bad] : (int8_t)a[bad],
                p.u8 ? b[bad] : (int8_t)b[bad], p.u8 ? got[bad] : (int8_t)got[bad],
                p.u8 ? ref[bad] : (int8_t)ref[bad]);
        }
        elements += (long)n;
        cases++;
      }
    }
  }
  free(a), free(b), free(ref), free(got);
  printf("neon: int8 add / sub: %d parameter sets (%ld with a left shift, %ld with a tie "
         "multiplier or shift), %ld cases, %ld elements, %ld mismatches\n",
         VARIANTS, left, ties, cases, elements, mismatches);
}

/* ecnn_q8_vadd__neon (the single-rounding ADD / SUB the models run) against
 * ecnn_q8_vadd__scalar on q8_add_variant's parameter sets: every length 0..40 and longer
 * ones, every (a, b) pair of bytes, out a third buffer (nothing written past it), out == a
 * and out == b. */
static void test_vadd_q8(void) {
  static const size_t longer[] = {63, 64, 65, 100, 4099, 65536};
  enum { SHORT = 41, VARIANTS = 70, PAIRS = 65536 };
  rng_state = 13;
  long cases = 0, mismatches = 0;
  uint8_t *a = malloc(PAIRS), *b = malloc(PAIRS), *ref = malloc(PAIRS), *got = malloc(PAIRS + 16);
  for (int v = 0; v < VARIANTS; v++) {
    ecnn_q8_add_params exact;
    ecnn_q8_vadd_params p;
    double ratio[2];
    q8_add_variant(v, &exact, &p, ratio);
    for (size_t l = 0; l < SHORT + sizeof longer / sizeof *longer; l++) {
      const size_t n = l < SHORT ? l : longer[l - SHORT];
      if (n == PAIRS)
        for (size_t i = 0; i < PAIRS; i++) a[i] = (uint8_t)i, b[i] = (uint8_t)(i >> 8);
      else
        fill8(a, n), fill8(b, n);
      ecnn_q8_vadd__scalar(&p, a, b, ref, n);
      for (int mode = 0; mode < 3; mode++) { /* out separate, out == a, out == b */
        memset(got, 0x5a, n + 16);
        if (mode) memcpy(got, mode == 1 ? a : b, n);
        ecnn_q8_vadd__neon(&p, mode == 1 ? got : a, mode == 2 ? got : b, got, n);
        const size_t d = count_diffs(got, ref, n);
        mismatches += (long)d;
        size_t after = 0;
        while (after < 16 && got[n + after] == 0x5a) after++;
        CHECK(after == 16, "vadd wrote past its output (n %zu)", n);
        if (d) {
          const size_t bad = first_diff(got, ref, n);
          CHECK(0, "vadd variant %d n %zu mode %d: %zu mismatches; element %zu is %d, scalar %d",
                v, n, mode, d, bad, got[bad], ref[bad]);
        }
        cases++;
      }
    }
  }
  free(a), free(b), free(ref), free(got);
  printf("neon: single-rounding int8 add / sub: %d parameter sets, %ld cases, %ld mismatches\n",
         VARIANTS, cases, mismatches);
}

/* ---- int8 FULLY_CONNECTED and broadcasting ADD / SUB as ops (src/ops/q8/q8_ops.c) ---- */

/* A one-node quantized graph, with a buffer (16 bytes spare) for each non-constant tensor. */
typedef struct op_graph {
  ecnn_graph g;
  void *data[8];
} op_graph;

static int32_t og_tensor(op_graph *t, ecnn_dtype dt, int32_t nd, const int32_t *dims,
                         const void *data, size_t bytes, int32_t nq, const float *scale,
                         const int32_t *zp) {
  const int32_t id = ecnn_graph_add_tensor(&t->g, "t", dt, nd, dims, data, bytes);
  if (nq) ecnn_graph_set_quant(&t->g, id, nq, 0, scale, zp);
  t->data[id] = data ? t->g.tensors[id].data : calloc(1, ecnn_tensor_bytes(&t->g.tensors[id]) + 16);
  return id;
}

/* Adds the node (its non-constant inputs the graph's inputs) and prepares the graph. */
static int og_node(op_graph *t, ecnn_op op, const int32_t *in, int32_t nin, int32_t out,
                   const ecnn_op_params *p) {
  ecnn_graph_add_node(&t->g, op, in, nin, &out, 1, p);
  for (int32_t i = 0; i < nin; i++)
    if (!t->g.tensors[in[i]].data) t->g.inputs[t->g.num_inputs++] = in[i];
  t->g.outputs[t->g.num_outputs++] = out;
  return ecnn_graph_prepare(&t->g) == ECNN_STATUS_OK;
}

static void og_free(op_graph *t) {
  for (int32_t i = 0; i < t->g.num_tensors; i++)
    if (!t->g.tensors[i].data) free(t->data[i]);
  ecnn_graph_clear(&t->g);
}

/* The node run on the scalar path, then on the NEON path at 1 and 2 threads, each output
 * (n bytes, none written past) against ref; returns the bytes that differ. */
static long og_check(op_graph *t, int32_t y, const uint8_t *ref, size_t n, ecnn_threadpool *pool2,
                     const char *what) {
  long bad = 0;
  for (int path = 0; path < 3; path++) {
    ecnn_isa_set(path ? ECNN_ISA_NEON : ECNN_ISA_SCALAR);
    uint8_t *got = t->data[y];
    memset(got, 0x5a, n + 16);
    ecnn_op_ctx ctx = {.graph = &t->g, .pool = path == 2 ? pool2 : NULL,
                       .node = &t->g.nodes[0], .data = t->data};
    CHECK(ecnn_q8_ops[t->g.nodes[0].op].run(&ctx) == ECNN_STATUS_OK, "%s: run: %s", what,
          ecnn_last_error());
    size_t d = count_diffs(got, ref, n), after = 0;
    while (after < 16 && got[n + after] == 0x5a) after++;
    CHECK(d == 0 && after == 16, "%s on the %s path (%d threads): %zu bytes differ%s", what,
          path ? "NEON" : "scalar", path == 2 ? 2 : 1, d, after < 16 ? ", wrote past" : "");
    bad += (long)d + (after < 16);
  }
  ecnn_isa_set(ECNN_ISA_NEON);
  return bad;
}

/* A fused activation's clamp in the output's quantized domain (TFLite's). */
static void act_clamp(ecnn_activation act, bool u8, float scale, int32_t zp, int32_t *lo,
                      int32_t *hi) {
  *lo = u8 ? 0 : -128, *hi = u8 ? 255 : 127;
  if (act == ECNN_ACT_RELU || act == ECNN_ACT_RELU6) *lo = zp > *lo ? zp : *lo;
  if (act == ECNN_ACT_RELU6) {
    const int32_t six = zp + (int32_t)lroundf(6.0f / scale);
    *hi = six < *hi ? six : *hi;
  }
}

/* FULLY_CONNECTED [rows, I] x [O, I] as the NEON CONV_2D kernels run it (packed at prepare:
 * sdot for int8 weights of zero point 0 when `dot`, else plain), against its definition. */
static long fc_op_case(int32_t rows, int32_t I, int32_t O, int v, int dot,
                       ecnn_threadpool *pool2) {
  const bool u8 = v % 2, per_channel = v % 3 != 0;
  const ecnn_activation act = v % 4 == 1 ? ECNN_ACT_RELU : v % 4 == 2 ? ECNN_ACT_RELU6
                                                                      : ECNN_ACT_NONE;
  const ecnn_dtype dt = u8 ? ECNN_DTYPE_U8 : ECNN_DTYPE_I8;
  const int32_t w_zp = u8 ? (v % 5 < 3 ? 128 : 117) : (v % 5 < 4 ? 0 : 3);
  const int32_t in_zp = u8 ? rnd_in(90, 160) : rnd_in(-30, 30);
  const int32_t out_zp = u8 ? rnd_in(80, 170) : rnd_in(-40, 40);
  const float in_s = 0.05f, out_s = v % 6 == 5 ? 0.0004f : 0.02f * sqrtf((float)I);
  float ws[64];
  int32_t wz[64];
  for (int32_t o = 0; o < O; o++) ws[o] = 0.004f + 0.001f * (float)((o * 7 + v) % 17), wz[o] = w_zp;
  uint8_t *w = malloc((size_t)O * I), *ref = malloc((size_t)rows * O);
  int32_t bias[64];
  fill8(w, (size_t)O * I);
  for (int32_t o = 0; o < O; o++) bias[o] = rnd_in(-5000, 5000);
  ecnn_q8_neon_dot_set(dot);
  op_graph t;
  memset(&t, 0, sizeof t);
  ecnn_graph_init(&t.g);
  const int32_t dx[2] = {rows, I}, dw[2] = {O, I}, db[1] = {O}, dy[2] = {rows, O};
  const int32_t x = og_tensor(&t, dt, 2, dx, NULL, 0, 1, &in_s, &in_zp);
  const int32_t wi = og_tensor(&t, dt, 2, dw, w, (size_t)O * I, per_channel ? O : 1, ws, wz);
  const int32_t bi = og_tensor(&t, ECNN_DTYPE_I32, 1, db, bias, (size_t)O * 4, 0, NULL, NULL);
  const int32_t y = og_tensor(&t, dt, 2, dy, NULL, 0, 1, &out_s, &out_zp);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.activation = act;
  const int32_t ins[3] = {x, wi, bi};
  long bad = 0;
  if (!og_node(&t, ECNN_OP_FULLY_CONNECTED, ins, 3, y, &p)) {
    CHECK(0, "fc prepare: %s", ecnn_last_error());
    bad = 1;
  } else {
    uint8_t *xi = t.data[x];
    fill8(xi, (size_t)rows * I);
    int32_t lo, hi;
    act_clamp(act, u8, out_s, out_zp, &lo, &hi);
    for (int32_t r = 0; r < rows; r++)
      for (int32_t o = 0; o < O; o++) {
        int32_t acc = bias[o], q, sh;
        for (int32_t i = 0; i < I; i++)
          acc += ((u8 ? xi[r * I + i] : (int8_t)xi[r * I + i]) - in_zp) *
                 ((u8 ? w[o * I + i] : (int8_t)w[o * I + i]) - w_zp);
        ecnn_quantize_multiplier((double)in_s * ws[per_channel ? o : 0] / out_s, &q, &sh);
        const int32_t val = ecnn_q8_fround(acc, ecnn_q8_fscale(q, sh)) + out_zp;
        ref[r * O + o] = (uint8_t)(val < lo ? lo : val > hi ? hi : val);
      }
    char what[96];
    snprintf(what, sizeof what, "fc rows %d I %d O %d %s (%s)", (int)rows, (int)I, (int)O,
             u8 ? "u8" : "i8", dot ? "sdot" : "plain");
    bad = og_check(&t, y, ref, (size_t)rows * O, pool2, what);
  }
  og_free(&t);
  free(w), free(ref);
  ecnn_q8_neon_dot_set(dot_ok);
  return bad;
}

/* out = a (op) b with TFLite's broadcasting, against its definition (q8_add_reference). */
static long bcast_op_case(ecnn_op op, int32_t nda, const int32_t *da, int32_t ndb,
                          const int32_t *db, bool u8, ecnn_threadpool *pool2) {
  const int32_t nd = nda > ndb ? nda : ndb;
  int32_t dy[4], ea[4], eb[4];
  size_t total = 1, na = 1, nb = 1;
  for (int32_t d = 0; d < nd; d++) {
    ea[d] = d >= nd - nda ? da[d - (nd - nda)] : 1;
    eb[d] = d >= nd - ndb ? db[d - (nd - ndb)] : 1;
    dy[d] = ea[d] > eb[d] ? ea[d] : eb[d];
    total *= (size_t)dy[d], na *= (size_t)ea[d], nb *= (size_t)eb[d];
  }
  const ecnn_dtype dt = u8 ? ECNN_DTYPE_U8 : ECNN_DTYPE_I8;
  const float sa = 0.05f, sb = 0.03f, so = 0.06f;
  const int32_t za = u8 ? 120 : -7, zb = u8 ? 131 : 12, zo = u8 ? 125 : 3;
  op_graph t;
  memset(&t, 0, sizeof t);
  ecnn_graph_init(&t.g);
  const int32_t a = og_tensor(&t, dt, nda, da, NULL, 0, 1, &sa, &za);
  const int32_t b = og_tensor(&t, dt, ndb, db, NULL, 0, 1, &sb, &zb);
  const int32_t y = og_tensor(&t, dt, nd, dy, NULL, 0, 1, &so, &zo);
  const int32_t ins[2] = {a, b};
  long bad = 0;
  if (!og_node(&t, op, ins, 2, y, NULL)) {
    CHECK(0, "add prepare: %s", ecnn_last_error());
    bad = 1;
  } else {
    uint8_t *xa = t.data[a], *xb = t.data[b], *ref = malloc(total);
    fill8(xa, na), fill8(xb, nb);
    for (size_t i = 0; i < total; i++) {
      size_t rest = i, ia = 0, ib = 0, stra = 1, strb = 1;
      for (int32_t d = nd - 1; d >= 0; d--) {
        const size_t idx = rest % (size_t)dy[d];
        rest /= (size_t)dy[d];
        ia += (ea[d] == 1 ? 0 : idx) * stra, ib += (eb[d] == 1 ? 0 : idx) * strb;
        stra *= (size_t)ea[d], strb *= (size_t)eb[d];
      }
      const int32_t va = u8 ? xa[ia] : (int8_t)xa[ia], vb = u8 ? xb[ib] : (int8_t)xb[ib];
      int32_t exact;
      const int32_t once = q8_add_reference(op == ECNN_OP_SUB, u8, sa, sb, so, za, zb, zo,
                                            u8 ? 0 : -128, u8 ? 255 : 127, va, vb, &exact);
      CHECK(abs(once - exact) <= 1, "add single rounding %d, exact %d", once, exact);
      ref[i] = (uint8_t)once;
    }
    char what[96];
    snprintf(what, sizeof what, "%s [%d..%d] (%d dims) with [%d..%d] (%d dims) %s",
             ecnn_op_name(op), (int)da[0], (int)da[nda - 1], (int)nda, (int)db[0],
             (int)db[ndb - 1], (int)ndb, u8 ? "u8" : "i8");
    bad = og_check(&t, y, ref, total, pool2, what);
    free(ref);
  }
  og_free(&t);
  return bad;
}

/* FULLY_CONNECTED over rows, inputs and outputs below / at / above the kernels' tiles (4
 * pixels, 16 channels, 8 / 16 inputs), int8 and uint8, with the plain and (when the CPU has
 * it) the sdot kernel; broadcasting ADD / SUB of [1, H, W, C] with [1, 1, 1, C], [1, 1, W, C],
 * [1, H, 1, C], [1, H, W, 1] and a scalar, both orders, odd C, one of several work items. */
static void test_ops_q8(void) {
  static const int32_t rows[] = {1, 3, 4, 7, 13}, ins[] = {1, 5, 8, 16, 17, 33, 70},
                       outs[] = {1, 15, 16, 17, 40}, cs[] = {3, 8, 17, 33};
  ecnn_threadpool *pool2 = NULL;
  CHECK(ecnn_threadpool_create(2, &pool2) == ECNN_STATUS_OK, "threadpool");
  rng_state = 9;
  long fc_cases = 0, fc_bad = 0, add_cases = 0, add_bad = 0;
  int v = 0;
  for (int dot = 0; dot <= dot_ok; dot++)
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++)
      for (size_t i = 0; i < sizeof ins / sizeof *ins; i++)
        for (size_t o = 0; o < sizeof outs / sizeof *outs; o++, fc_cases++)
          fc_bad += fc_op_case(rows[r], ins[i], outs[o], v++, dot, pool2);
  for (size_t ci = 0; ci < sizeof cs / sizeof *cs; ci++) {
    const int32_t C = cs[ci];
    const int32_t full[4] = {1, 3, 5, C}, chan[4] = {1, 1, 1, C}, row[4] = {1, 1, 5, C},
                  col[4] = {1, 3, 1, C}, pix[4] = {1, 3, 5, 1}, one[1] = {1};
    const int32_t *other[5] = {chan, row, col, pix, one};
    for (int k = 0; k < 5; k++, add_cases += 2) {
      const int32_t nk = k == 4 ? 1 : 4;
      add_bad += bcast_op_case(k % 2 ? ECNN_OP_SUB : ECNN_OP_ADD, 4, full, nk, other[k], ci % 2,
                               pool2);
      add_bad += bcast_op_case(k % 2 ? ECNN_OP_ADD : ECNN_OP_SUB, nk, other[k], 4, full,
                               ci % 2 == 0, pool2);
    }
  }
  const int32_t big[4] = {1, 20, 30, 17}, big_c[4] = {1, 1, 1, 17};
  add_bad += bcast_op_case(ECNN_OP_SUB, 4, big, 4, big_c, false, pool2);
  add_cases++;
  ecnn_threadpool_free(pool2);
  printf("neon: int8 FULLY_CONNECTED ops: %ld cases, %ld bytes differ; broadcasting ADD / SUB "
         "ops: %ld cases, %ld bytes differ (NEON at 1 and 2 threads and scalar, against the "
         "definitions)\n",
         fc_cases, fc_bad, add_cases, add_bad);
}

/* ecnn_f32_quantize_i8__neon against ecnn_f32_quantize__scalar (int8): random values across
 * and far beyond the int8 range; exact ties x / scale = k + 0.5 of both signs (counted: the
 * quotient in double is checked to be one) and the floats either side of them; NaNs (both
 * signs, a payload), +-inf, +-0, +-FLT_MAX, 1e30, denormals, quotients past 2^63; the
 * specials also in the last 8 elements (the tail path); every length N - 16 .. N and 0..17. */
static void test_quantize_q8(void) {
  /* 0x1.acp-1, 0x1.b0ep-6: 12-bit mantissas, so (k + 0.5) * scale is a float (an exact tie)
   * and 1 / scale is inexact: x * (1 / scale) misses many of those ties; x / scale does not */
  static const float scales[] = {0.0078125f, 0.1f, 0.02367f, 3.0f, 1.0f, 0x1p-20f, 1e-30f,
                                 1e30f, 0x1.acp-1f, 0x1.b0ep-6f};
  enum { NSCALES = sizeof scales / sizeof *scales, NZPS = 5, NLENS = 35 };
  static const int32_t zps[NZPS] = {-128, -1, 0, 17, 127};
  enum { N = 4099 };
  float *x = malloc(N * sizeof *x);
  int8_t *ref = malloc(N + 16), *got = malloc(N + 16);
  long cases = 0, elements = 0, mismatches = 0, ties = 0;
  for (size_t si = 0; si < sizeof scales / sizeof *scales; si++)
    for (size_t zi = 0; zi < sizeof zps / sizeof *zps; zi++) {
      const float s = scales[si];
      fill(x, N, (uint32_t)(si * 10 + zi + 1));
      for (int32_t i = 0; i < N; i++) x[i] *= (i % 3 ? 200.0f : 1e6f) * s;
      /* ties: k + 0.5 for k in -140..139 (both sides of every saturation edge), and the
       * floats next to them */
      int32_t at = 0;
      for (int32_t k = -140; k < 140; k++, at += 3) {
        const float t = (float)(((double)k + 0.5) * s);
        x[at] = t, x[at + 1] = nextafterf(t, INFINITY), x[at + 2] = nextafterf(t, -INFINITY);
        ties += (double)t / (double)s == (double)k + 0.5;
      }
      const float nan_payload = (float)(union { uint32_t u; float f; }){0x7fc12345u}.f;
      const float specials[] = {NAN, -NAN, nan_payload, INFINITY, -INFINITY, 0.0f, -0.0f,
                                FLT_MAX, -FLT_MAX, 1e30f, -1e30f, 1e-40f, -1e-40f,
                                0x1p64f * s, -0x1p64f * s, 127.5f * s};
      enum { NS = sizeof specials / sizeof *specials };
      memcpy(x + at, specials, sizeof specials);
      for (int32_t i = 0; i < 8; i++) x[N - 8 + i] = specials[(i * 3) % NS];
      x[N - 1] = NAN;
      for (int32_t l = 0; l < NLENS; l++) { /* N - 16 .. N, then 0..17 */
        const size_t n = l < 17 ? (size_t)(N - 16 + l) : (size_t)(l - 17);
        const float *xs = l < 17 ? x : x + N - n; /* the short ones read the specials too */
        memset(ref, 0x55, N + 16), memset(got, 0x55, N + 16);
        ecnn_f32_quantize__scalar(n, xs, s, zps[zi], ECNN_QTYPE_I8, ref);
        ecnn_f32_quantize_i8__neon(n, xs, s, zps[zi], got);
        const size_t d = count_diffs((const uint8_t *)got, (const uint8_t *)ref, N + 16);
        mismatches += (long)d;
        if (d) {
          const size_t bad = first_diff((const uint8_t *)got, (const uint8_t *)ref, N + 16);
          CHECK(0, "quantize scale %g zp %d n %zu: %zu mismatches; element %zu (x %.9g) is %d, "
                "scalar %d", (double)s, (int)zps[zi], n, d, bad,
                bad < n ? (double)xs[bad] : 0.0, got[bad], ref[bad]);
        }
        elements += (long)n;
        cases++;
      }
    }
  free(x), free(ref), free(got);
  printf("neon: int8 quantize: %ld cases (%d scales x %d zero points x %d lengths), %ld "
         "elements, %ld exact ties among the %d data sets, %ld mismatches\n",
         cases, NSCALES, NZPS, NLENS, elements, ties, NSCALES * NZPS, mismatches);
}

static void test_model(const char *path) {
  ecnn_model *m = NULL;
  if (ecnn_model_load_file(path, &m) != ECNN_STATUS_OK) {
    CHECK(0, "load %s: %s", path, ecnn_last_error());
    return;
  }
  ecnn_tensor_info in;
  ecnn_model_input_info(m, 0, &in);
  float *x = malloc(in.bytes), *outs[2][4] = {{0}};
  fill(x, in.bytes / 4, 1);
  for (int k = 0; k < 2; k++) {
    ecnn_isa_set(k ? ECNN_ISA_NEON : ECNN_ISA_SCALAR);
    ecnn_session *s = NULL;
    CHECK(ecnn_session_create(m, NULL, &s) == ECNN_STATUS_OK, "session");
    ecnn_session_set_input(s, 0, x, in.bytes);
    CHECK(ecnn_session_run(s) == ECNN_STATUS_OK, "run: %s", ecnn_last_error());
    for (int32_t o = 0; o < ecnn_model_output_count(m) && o < 4; o++) {
      const void *d;
      ecnn_tensor_info oi;
      ecnn_session_output(s, o, &d, &oi);
      outs[k][o] = malloc(oi.bytes);
      memcpy(outs[k][o], d, oi.bytes);
      if (k) {
        float e = rel_err(outs[0][o], outs[1][o], oi.bytes / 4);
        printf("neon: %s output %d: neon vs scalar %.3g\n", path, (int)o, (double)e);
        CHECK(e < 1e-4f, "model output %d differs by %g", (int)o, (double)e);
      }
    }
    ecnn_session_free(s);
  }
  for (int k = 0; k < 2; k++)
    for (int o = 0; o < 4; o++) free(outs[k][o]);
  free(x);
  ecnn_model_free(m);
}

/* ---- whole int8 models ---- */

enum { MAX_OUT = 4 };

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Loads the int8 model at path (packing its weights for the sdot kernel or not) and runs it on
 * x on the ISA path and thread count given; the outputs' bytes into y[] / n[]. Returns the
 * output count (0: failed). */
static int32_t run_int8(const char *path, int dot, ecnn_isa isa, int32_t threads, const float *x,
                        size_t x_bytes, uint8_t **y, size_t *n) {
  CHECK(ecnn_q8_neon_dot_set(dot) == dot, "sdot %s refused", dot ? "on" : "off");
  ecnn_model *m = NULL;
  if (ecnn_model_load_file(path, &m) != ECNN_STATUS_OK) {
    CHECK(0, "load %s: %s", path, ecnn_last_error());
    return 0;
  }
  CHECK(ecnn_isa_set(isa) == isa, "isa %s refused", ecnn_isa_name(isa));
  ecnn_session_options o;
  ecnn_session_options_init(&o);
  o.threads = threads;
  o.precision = ECNN_PRECISION_INT8;
  ecnn_session *s = NULL;
  int32_t count = 0;
  if (ecnn_session_create(m, &o, &s) != ECNN_STATUS_OK) {
    CHECK(0, "%s: session: %s", path, ecnn_last_error());
  } else {
    CHECK(ecnn_session_set_input(s, 0, x, x_bytes) == ECNN_STATUS_OK, "input");
    const double t0 = now_ms();
    const ecnn_status st = ecnn_session_run(s);
    const double ms = now_ms() - t0;
    CHECK(st == ECNN_STATUS_OK, "%s: run: %s", path, ecnn_last_error());
    count = ecnn_model_output_count(m);
    count = count < MAX_OUT ? count : MAX_OUT;
    for (int32_t i = 0; i < count; i++) {
      const void *d = NULL;
      ecnn_tensor_info oi;
      ecnn_session_output(s, i, &d, &oi);
      n[i] = oi.bytes;
      y[i] = malloc(oi.bytes);
      memcpy(y[i], d, oi.bytes);
    }
    printf("neon: %s on %s%s, %d thread%s: %.0f ms (emulated)\n", path, ecnn_isa_name(isa),
           isa == ECNN_ISA_NEON ? (dot ? " (sdot)" : " (plain)") : "", (int)threads,
           threads > 1 ? "s" : "", ms);
  }
  ecnn_session_free(s);
  ecnn_model_free(m);
  return count;
}

static int cmp_u32(const void *a, const void *b) {
  const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* Distinct 4-byte values among the n bytes at y (the outputs are float after DEQUANTIZE): a
 * comparison of constant outputs would prove little. */
static size_t distinct4(const uint8_t *y, size_t n) {
  const size_t k = n / 4;
  uint32_t *v = malloc(k * sizeof *v + 1);
  memcpy(v, y, k * sizeof *v);
  qsort(v, k, sizeof *v, cmp_u32);
  size_t d = k ? 1 : 0;
  for (size_t i = 1; i < k; i++) d += v[i] != v[i - 1];
  free(v);
  return d;
}

/* An int8 model: its outputs on the NEON path (plain and, when the CPU has it, sdot CONV_2D;
 * 1 and 2 threads) byte for byte those of the scalar path. */
static void test_model_int8(const char *path) {
  ecnn_model *m = NULL;
  if (ecnn_model_load_file(path, &m) != ECNN_STATUS_OK) {
    CHECK(0, "load %s: %s", path, ecnn_last_error());
    return;
  }
  ecnn_tensor_info in;
  ecnn_model_input_info(m, 0, &in);
  ecnn_model_free(m);
  CHECK(in.dtype == ECNN_DTYPE_F32, "%s: a float input expected (QUANTIZE after it)", path);
  float *x = malloc(in.bytes);
  fill(x, in.bytes / 4, 7);
  uint8_t *ref[MAX_OUT] = {0}, *got[MAX_OUT] = {0};
  size_t nref[MAX_OUT] = {0}, ngot[MAX_OUT] = {0};
  const int32_t count = run_int8(path, 0, ECNN_ISA_SCALAR, 1, x, in.bytes, ref, nref);
  size_t distinct[MAX_OUT] = {0};
  for (int32_t o = 0; o < count; o++) {
    distinct[o] = distinct4(ref[o], nref[o]);
    CHECK(distinct[o] > 16, "%s output %d: only %zu distinct values", path, (int)o, distinct[o]);
  }
  int paths = 0, differ = 0;
  for (int v = 0; v < 4; v++) {
    const int dot = v >= 2;
    const int32_t threads = v % 2 ? 2 : 1;
    if (dot && !dot_ok) continue;
    const int32_t c = run_int8(path, dot, ECNN_ISA_NEON, threads, x, in.bytes, got, ngot);
    CHECK(c == count, "%s: %d outputs, scalar %d", path, (int)c, (int)count);
    for (int32_t o = 0; o < c && o < count; o++) {
      const int same = ngot[o] == nref[o] && !memcmp(got[o], ref[o], nref[o]);
      differ += !same;
      CHECK(same,
            "%s output %d: NEON (%s, %d threads) differs from scalar", path, (int)o,
            dot ? "sdot" : "plain", (int)threads);
      free(got[o]);
    }
    paths++;
  }
  printf("neon: %s: %d outputs (%zu, %zu distinct values) %s on %d NEON paths and the scalar "
         "one\n",
         path, (int)count, distinct[0], distinct[1],
         differ ? "NOT bit-identical" : "bit-identical", paths);
  for (int32_t o = 0; o < count; o++) free(ref[o]);
  free(x);
  ecnn_q8_neon_dot_set(dot_ok);
  ecnn_isa_set(ECNN_ISA_NEON);
}

int main(int argc, char **argv) {
  CHECK(ecnn_isa_best() == ECNN_ISA_NEON, "NEON not detected (%s)", ecnn_isa_name(ecnn_isa_best()));
  dot_ok = ecnn_q8_neon_dot_supported();
  const char *expect = getenv("ECNN_TEST_EXPECT_DOT");
  if (expect)
    CHECK(dot_ok == (atoi(expect) != 0), "sdot detection says %d, the CPU %s", dot_ok, expect);
  printf("neon: sdot %s\n", dot_ok ? "available: both int8 CONV_2D kernels tested"
                                    : "not available: the plain int8 CONV_2D kernel only");
  CHECK(ecnn_q8_neon_dot_active() == dot_ok, "sdot not chosen by default");
  test_conv();
  test_dwconv();
  test_conv_q8();
  test_dwconv_q8();
  test_requant_q8();
  test_add_q8();
  test_vadd_q8();
  test_quantize_q8();
  test_ops_q8();
  int int8 = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--int8")) int8 = 1;
    else if (int8) test_model_int8(argv[i]);
    else test_model(argv[i]);
  }
  printf("neon: %s\n", failures ? "FAILED" : "all passed");
  return failures ? 1 : 0;
}
