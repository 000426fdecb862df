/*
 * test_kernels_q8.c — the AVX2 quantized kernels (src/kernels/q8_conv.h, q8_eltwise.h)
 * against their scalar twins, bit for bit: CONV_2D over output channels below, at and above
 * the 16-channel block and the 8-channel tile, input depths that are and are not multiples of
 * 8 and 16, odd widths, 1x1 / 3x3 / 5x5 kernels, strides 1 and 2, dilation, SAME and VALID
 * padding, two images, pixel and block ranges as a thread pool cuts them; DEPTHWISE_CONV_2D
 * on the shared sweep of test_util (tu_q8_dw_case: 3x3 and 5x5 at strides 1 and 2, VALID and
 * dilated, and 1x1 to 7x7 kernels, square and not, strides up to 3, over images from 1x1 to
 * 16 wide; channel counts whose last block is partial, up to and past 8 of it; half the cases
 * without left shifts, which int8 3x3 / 5x5 at strides 1 and 2 run on literal variants;
 * activations and weights int8 or uint8 with zero points; row ranges cut four ways);
 * ADD / SUB of same-shape tensors (TFLite's exact one, and the single-rounding one within a
 * quantum of it on every pair of bytes); MAX_POOL_2D and channel PAD; zero points across the
 * range (-128, 0, 127; uint8 too, with weight zero points), per-channel multipliers whose shifts go right
 * and left (ties of both roundings, saturation of the left shift), fused-activation clamps.
 * Then the whole int8 SSD and BlazeFace (quantized here on the two test photos, as
 * test_quantize does) give the same outputs bit for bit on the scalar and AVX2 paths, at 1
 * and 2 threads, and on the AVX-512 path (its CONV_2D and DEPTHWISE the VNNI kernels where
 * the CPU has VNNI) where the CPU has AVX-512. Skipped without AVX2.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "graph.h"
#include "model.h"
#include "kernels/eltwise.h"
#include "kernels/isa.h"
#include "kernels/q8_conv.h"
#include "kernels/q8_eltwise.h"
#include "kernels/q8_pool.h"
#include "ops/q8/quant.h"
#include "ops/ops.h"
#include "test_util.h"
#include "../q8_test_data.h"

static bool have_avx2(void) {
  const ecnn_isa best = ecnn_isa_best();
  if (best == ECNN_ISA_AVX2 || best == ECNN_ISA_AVX512) return true;
  printf("kernels_q8: no AVX2 on this CPU, skipped\n");
  return false;
}

/* Quantization of variant v: zero points, dtypes and the clamp. */
static void quantization(ecnn_q8_conv_params *p, int v) {
  static const int32_t zps[] = {-128, 0, 127, -5};
  p->u8 = v % 5 == 4;
  p->w_u8 = p->u8;
  const int32_t lo = p->u8 ? 0 : -128, hi = p->u8 ? 255 : 127;
  p->in_zp = p->u8 ? (int32_t[]){0, 128, 255, 77}[v % 4] : zps[v % 4];
  p->out_zp = p->u8 ? (int32_t[]){255, 0, 128, 3}[(v / 2) % 4] : zps[(v + 1) % 4];
  p->w_zp = p->u8 ? (int32_t[]){0, 128, 255, 131}[(v / 3) % 4] : 0;
  p->out_min = lo, p->out_max = hi;
  if (v % 3 == 1) p->out_min = p->out_zp > lo ? p->out_zp : lo;    /* a RELU */
  if (v % 3 == 2) p->out_min = lo + 40, p->out_max = hi - 50;       /* a RELU6-like clamp */
}

START_TEST(test_conv_q8_vs_scalar) {
  if (!have_avx2()) return;
  static const int32_t ocs[] = {1, 7, 8, 9, 15, 16, 17, 24, 33, 48};
  static const int32_t ics[] = {1, 3, 8, 13, 16, 24, 37};
  static const int32_t widths[] = {1, 5, 7, 13};
  rng_state = 1;
  int checked = 0, variant = 0;
  for (size_t a = 0; a < sizeof ocs / sizeof *ocs; a++)
    for (size_t b = 0; b < sizeof ics / sizeof *ics; b++)
      for (size_t c = 0; c < sizeof widths / sizeof *widths; c++)
        for (int cfg = 0; cfg < TU_Q8_CONV_CONFIGS; cfg++) {
          const int32_t batch = 1 + (int32_t)(c & 1); /* two images: tiles cross into the next */
          ecnn_q8_conv_params p = tu_q8_conv_case(cfg, batch, widths[c], ics[b], ocs[a]);
          const int32_t k = p.kernel_h;
          if (p.out_h < 1 || p.out_w < 1) continue;
          quantization(&p, variant++);
          const size_t ni = (size_t)p.batch * p.in_h * p.in_w * p.in_c;
          const size_t nw = (size_t)p.out_c * k * k * p.in_c;
          const size_t no = (size_t)p.batch * p.out_h * p.out_w * p.out_c;
          const int64_t npx = (int64_t)p.batch * p.out_h * p.out_w;
          const int32_t nb = (p.out_c + ECNN_Q8_CONV_NR - 1) / ECNN_Q8_CONV_NR;
          uint8_t *in = malloc(ni), *w = malloc(nw), *ref = malloc(no), *got = malloc(no + 1);
          int32_t *bias = malloc((size_t)p.out_c * 4), *mult = malloc((size_t)p.out_c * 4);
          int32_t *shift = malloc((size_t)p.out_c * 4);
          fill8(in, ni), fill_weights8(w, nw, p.w_u8), fill_bias32(bias, p.out_c);
          q8_multipliers(mult, shift, p.out_c, 1);
          const bool no_bias = cfg == 2 && (c & 2);
          ecnn_q8_conv2d__scalar(&p, in, w, no_bias ? NULL : bias, mult, shift, ref, 0, npx, 0,
                                 p.out_c);
          const size_t bytes = ecnn_q8_conv2d_packed_bytes(&p);
          ck_assert(bytes > 0);
          void *block = packed_alloc(bytes);
          const ecnn_q8_packed *pk =
              ecnn_q8_conv2d_pack(&p, w, no_bias ? NULL : bias, mult, shift, block);
          uint8_t *back = malloc(nw); /* the weights back from the packed block */
          ecnn_q8_conv2d_unpack(pk, back);
          ck_assert_msg(!memcmp(back, w, nw), "conv oc %d ic %d k %d: unpacked weights differ",
                        (int)p.out_c, (int)p.in_c, (int)k);
          free(back);
          int16_t *scratch = calloc(ecnn_q8_conv2d_scratch_elems(&p), sizeof(int16_t));
          for (int split = 0; split < 2; split++) {
            memset(got, 0x5a, no);
            got[no] = 0xa5; /* a sentinel after the output: must stay */
            if (!split) {
              ecnn_q8_conv2d__avx2(&p, pk, in, got, 0, npx, 0, nb, scratch);
            } else { /* as a thread pool would: ranges of 7 pixels, one block at a time */
              for (int32_t ob = nb - 1; ob >= 0; ob--)
                for (int64_t px = 0; px < npx; px += 7)
                  ecnn_q8_conv2d__avx2(&p, pk, in, got, px, px + 7 < npx ? px + 7 : npx, ob,
                                       ob + 1, scratch);
            }
            size_t bad = 0;
            while (bad < no && got[bad] == ref[bad]) bad++;
            ck_assert_msg(bad == no,
                          "conv oc %d ic %d w %d batch %d cfg %d %s zp %d/%d/%d clamp [%d, %d] "
                          "split %d: output %zu (channel %zu) is %d, scalar %d",
                          (int)p.out_c, (int)p.in_c, (int)p.in_w, (int)p.batch, cfg,
                          p.u8 ? "u8" : "i8", (int)p.in_zp, (int)p.w_zp, (int)p.out_zp,
                          (int)p.out_min, (int)p.out_max, split, bad, bad % (size_t)p.out_c,
                          p.u8 ? got[bad] : (int8_t)got[bad], p.u8 ? ref[bad] : (int8_t)ref[bad]);
            ck_assert(got[no] == 0xa5);
          }
          free(in), free(w), free(ref), free(got), free(bias), free(mult), free(shift);
          free(block), free(scratch);
          checked++;
        }
  printf("kernels_q8: %d conv configurations bit-identical\n", checked);
}
END_TEST

START_TEST(test_dwconv_q8_vs_scalar) {
  if (!have_avx2()) return;
  static const int32_t cs[] = {1, 7, 8, 15, 16, 17, 20, 24, 28, 33, 36, 42, 46, 96};
  rng_state = 2;
  int checked = 0;
  tu_q8_dw_sweep sweep = {cs, (int32_t)(sizeof cs / sizeof *cs), 0, 0};
  ecnn_q8_conv_params p;
  while (tu_q8_dw_sweep_next(&sweep, &p)) {
    /* every other configuration without left shifts: the kernels' variant for them (with
     * int8: the literal 3x3 / 5x5, stride 1 / 2 ones) */
    const int left = (sweep.variant / 2) % 2;
    const size_t ni = (size_t)p.batch * p.in_h * p.in_w * p.in_c;
    const size_t nw = (size_t)p.kernel_h * p.kernel_w * p.out_c;
    const size_t no = (size_t)p.batch * p.out_h * p.out_w * p.out_c;
    const int32_t rows = p.batch * p.out_h;
    /* the input at the end of its allocation: a read past it is caught by ASan */
    uint8_t *in = malloc(ni), *w = malloc(nw), *ref = malloc(no), *got = malloc(no + 1);
    int32_t *bias = malloc((size_t)p.out_c * 4), *mult = malloc((size_t)p.out_c * 4);
    int32_t *shift = malloc((size_t)p.out_c * 4), (*ranges)[2] = malloc((rows + 1) * 8u);
    fill8(in, ni), fill_weights8(w, nw, p.w_u8), fill_bias32(bias, p.out_c);
    q8_multipliers(mult, shift, p.out_c, left);
    ecnn_q8_dwconv2d__scalar(&p, in, w, bias, mult, shift, ref, 0, rows);
    const size_t bytes = ecnn_q8_dwconv2d_packed_bytes(&p);
    ck_assert(bytes > 0);
    void *block = packed_alloc(bytes);
    const ecnn_q8_packed *pk = ecnn_q8_dwconv2d_pack(&p, w, bias, mult, shift, block);
    for (int split = 0; split < TU_ROW_SPLITS; split++) {
      memset(got, 0x5a, no);
      got[no] = 0xa5;
      const int32_t n = tu_row_ranges(rows, split, ranges);
      for (int32_t r = 0; r < n; r++)
        ecnn_q8_dwconv2d__avx2(&p, pk, in, got, ranges[r][0], ranges[r][1]);
      size_t bad = 0;
      while (bad < no && got[bad] == ref[bad]) bad++;
      ck_assert_msg(bad == no,
                    "dwconv c %d %dx%d in %dx%d batch %d stride %d,%d dil %d,%d %s w %s left %d "
                    "zp %d/%d/%d clamp [%d, %d] split %d: output %zu (channel %zu) is %d, "
                    "scalar %d",
                    (int)p.out_c, (int)p.kernel_h, (int)p.kernel_w, (int)p.in_h, (int)p.in_w,
                    (int)p.batch, (int)p.stride_h, (int)p.stride_w, (int)p.dilation_h,
                    (int)p.dilation_w, p.u8 ? "u8" : "i8", p.w_u8 ? "u8" : "i8", left,
                    (int)p.in_zp, (int)p.w_zp, (int)p.out_zp, (int)p.out_min, (int)p.out_max,
                    split, bad, bad % (size_t)p.out_c, p.u8 ? got[bad] : (int8_t)got[bad],
                    p.u8 ? ref[bad] : (int8_t)ref[bad]);
      ck_assert(got[no] == 0xa5);
    }
    free(in), free(w), free(ref), free(got), free(bias), free(mult), free(shift), free(block);
    free(ranges);
    checked++;
  }
  printf("kernels_q8: %d depthwise configurations bit-identical\n", checked);
}
END_TEST

/* The requantization's edges one accumulator at a time: a 1x1 conv of one input channel with
 * weight 1 and zero point 0 makes acc = bias + x, so every pixel x in -128..127 and every
 * channel's bias and multiplier put an accumulator where the roundings tie, the left shift
 * saturates or the int32 ends are near. */
START_TEST(test_requant_edges) {
  if (!have_avx2()) return;
  const q8_edges e = q8_edge_sets();
  const int32_t *biases = e.biases, oc = e.n_biases;
  int checked = 0;
  for (int32_t m = 0; m < e.n_mults; m++)
    for (int32_t s = 0; s < e.n_shifts; s++)
      for (int zv = 0; zv < 3; zv++) {
        ecnn_q8_conv_params p = tu_q8_conv_geometry(1, 16, 16, 1, oc, 1, 1, 1, true);
        p.out_zp = zv == 0 ? -128 : zv == 1 ? 0 : 127;
        p.out_min = -128, p.out_max = 127;
        uint8_t in[256], w[64], ref[256 * 64], got[256 * 64];
        int32_t mult[64], shift[64];
        q8_requant_edge_case(oc, e.mults[m], e.shifts[s], in, w, mult, shift);
        ecnn_q8_conv2d__scalar(&p, in, w, biases, mult, shift, ref, 0, 256, 0, oc);
        void *block = packed_alloc(ecnn_q8_conv2d_packed_bytes(&p));
        const ecnn_q8_packed *pk = ecnn_q8_conv2d_pack(&p, w, biases, mult, shift, block);
        int16_t *scratch = calloc(ecnn_q8_conv2d_scratch_elems(&p), sizeof(int16_t));
        ecnn_q8_conv2d__avx2(&p, pk, in, got, 0, 256, 0, (oc + 15) / 16, scratch);
        for (size_t i = 0; i < (size_t)256 * oc; i++)
          ck_assert_msg(got[i] == ref[i],
                        "mult %d shift %d out_zp %d: pixel %zu channel %zu (bias %d) is %d, "
                        "scalar %d",
                        (int)e.mults[m], (int)shift[i % (size_t)oc], (int)p.out_zp, i / (size_t)oc,
                        i % (size_t)oc, (int)biases[i % (size_t)oc], (int8_t)got[i],
                        (int8_t)ref[i]);
        free(block), free(scratch);
        checked++;
      }
  printf("kernels_q8: %d requantization edge sets bit-identical\n", checked);
}
END_TEST

/* ADD and SUB of same-shape tensors: lengths around the 16-element groups, zero points
 * across the range, multipliers as TFLite makes them (inputs halved against twice the larger
 * scale, left shift 20) and raw ones whose output shift goes left, clamps, uint8 too. */
START_TEST(test_add_q8_vs_scalar) {
  if (!have_avx2()) return;
  static const size_t lens[] = {1, 7, 15, 16, 17, 31, 33, 100, 4099};
  rng_state = 3;
  int checked = 0;
  for (int v = 0; v < 120; v++) {
    ecnn_q8_add_params p = q8_add_base(v, v % 5 == 4, v % 3 == 1);
    p.left_shift = 20;
    if (v % 2 == 0) { /* from scales, as binary_prepare makes them */
      const double s1 = 0.001 + (double)(rnd() % 1000) * 1e-4;
      const double s2 = 0.001 + (double)(rnd() % 1000) * 1e-4;
      const double so = 0.001 + (double)(rnd() % 1000) * 2e-4, twice = 2 * (s1 > s2 ? s1 : s2);
      ecnn_quantize_multiplier(s1 / twice, &p.a_mult, &p.a_shift);
      ecnn_quantize_multiplier(s2 / twice, &p.b_mult, &p.b_shift);
      ecnn_quantize_multiplier(twice / ((double)(1 << 20) * so), &p.out_mult, &p.out_shift);
    } else { /* raw: ties (Q31 halves), left shifts of the output */
      p.a_mult = v % 3 ? (int32_t)((1u << 30) + rnd() % (1u << 30)) : 1 << 30;
      p.b_mult = (int32_t)((1u << 30) + rnd() % (1u << 30));
      p.out_mult = v % 5 == 1 ? 1 << 30 : (int32_t)((1u << 30) + rnd() % (1u << 30));
      p.a_shift = -rnd_in(1, 6), p.b_shift = -rnd_in(1, 6);
      p.out_shift = rnd_in(-22, 3);
      if (v % 8 == 3) /* the input multipliers' ends (the AVX2 kernel splits them at bit 16) */
        p.a_mult = INT32_MAX, p.b_mult = v % 16 == 3 ? 65535 : 65536, p.a_shift = -1,
        p.b_shift = -31;
    }
    if (v % 10 == 9) p.left_shift = 12; /* not TFLite's: the AVX2 kernel's general path */
    for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
      const size_t n = lens[l];
      uint8_t *a = malloc(n), *b = malloc(n), *ref = malloc(n), *got = malloc(n + 1);
      fill8(a, n), fill8(b, n);
      ecnn_q8_add__scalar(&p, a, b, ref, n);
      memset(got, 0x5a, n);
      got[n] = 0xa5;
      ecnn_q8_add__avx2(&p, a, b, got, n);
      size_t bad = 0;
      while (bad < n && got[bad] == ref[bad]) bad++;
      ck_assert_msg(bad == n,
                    "%s %s n %zu zp %d/%d/%d mult %d/%d/%d shift %d/%d/%d: element %zu is %d, "
                    "scalar %d",
                    p.sub ? "sub" : "add", p.u8 ? "u8" : "i8", n, (int)p.a_zp, (int)p.b_zp,
                    (int)p.out_zp, (int)p.a_mult, (int)p.b_mult, (int)p.out_mult, (int)p.a_shift,
                    (int)p.b_shift, (int)p.out_shift, bad, p.u8 ? got[bad] : (int8_t)got[bad],
                    p.u8 ? ref[bad] : (int8_t)ref[bad]);
      ck_assert(got[n] == 0xa5);
      /* in place, as a graph may run it */
      memcpy(got, a, n);
      ecnn_q8_add__avx2(&p, got, b, got, n);
      ck_assert(!memcmp(got, ref, n));
      free(a), free(b), free(ref), free(got);
      checked++;
    }
  }
  printf("kernels_q8: %d add / sub cases bit-identical\n", checked);
}
END_TEST

/* MAX_POOL_2D with the windows inside: channels below, at and above the 32-byte groups,
 * odd widths, 2x2 / 3x3 / 3x2 windows, strides 1-3, two images, clamps, uint8 too; whole
 * calls and a row at a time (last first), the input at the end of its allocation (ASan). */
START_TEST(test_maxpool_q8_vs_scalar) {
  if (!have_avx2()) return;
  static const int32_t cs[] = {1, 5, 24, 28, 31, 32, 33, 42, 64, 88, 100};
  static const int32_t widths[] = {2, 3, 7, 9};
  rng_state = 4;
  int checked = 0, bad_cases = 0;
  for (size_t a = 0; a < sizeof cs / sizeof *cs; a++)
    for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++)
      for (int cfg = 0; cfg < 5; cfg++) {
        ecnn_q8_pool_params p;
        memset(&p, 0, sizeof p);
        p.batch = 1 + (int32_t)(wi & 1), p.c = cs[a];
        p.in_w = widths[wi] + (cfg == 3), p.in_h = widths[wi] + 2;
        p.filter_h = cfg == 2 ? 3 : 2, p.filter_w = cfg == 2 || cfg == 4 ? 3 : 2;
        p.stride_h = cfg == 1 ? 1 : 2, p.stride_w = cfg == 1 ? 1 : cfg == 4 ? 3 : 2;
        if (p.filter_w > p.in_w) continue;
        p.out_h = (p.in_h - p.filter_h) / p.stride_h + 1;
        p.out_w = (p.in_w - p.filter_w) / p.stride_w + 1;
        p.u8 = checked % 4 == 3;
        const int32_t lo = p.u8 ? 0 : -128, hi = p.u8 ? 255 : 127;
        p.out_min = checked % 3 == 1 ? lo + 20 : lo, p.out_max = checked % 5 == 2 ? hi - 9 : hi;
        const size_t ni = (size_t)p.batch * p.in_h * p.in_w * p.c;
        const size_t no = (size_t)p.batch * p.out_h * p.out_w * p.c;
        const int32_t rows = p.batch * p.out_h;
        uint8_t *in = malloc(ni), *ref = malloc(no), *got = malloc(no + 1);
        fill8(in, ni);
        ecnn_q8_maxpool__scalar(&p, in, ref, 0, rows);
        for (int split = 0; split < 2; split++) {
          memset(got, 0x5a, no);
          got[no] = 0xa5;
          if (!split) ecnn_q8_maxpool__avx2(&p, in, got, 0, rows);
          else
            for (int32_t r = rows - 1; r >= 0; r--) ecnn_q8_maxpool__avx2(&p, in, got, r, r + 1);
          size_t bad = 0;
          for (size_t i = 0; i < no; i++) bad += got[i] != ref[i];
          if (bad || got[no] != 0xa5) {
            printf("maxpool c %d in %dx%d cfg %d %s split %d: %zu bytes differ\n", (int)p.c,
                   (int)p.in_h, (int)p.in_w, cfg, p.u8 ? "u8" : "i8", split, bad);
            bad_cases++;
          }
        }
        free(in), free(ref), free(got);
        checked++;
      }
  ck_assert_int_eq(bad_cases, 0);
  printf("kernels_q8: %d max pool configurations bit-identical\n", checked);
}
END_TEST

/* Channel PAD: channels and paddings around the 32-byte groups and past the vector path's
 * 128 bytes, pads before, after and both; whole calls and ranges as a thread pool cuts them
 * (the input and output at the ends of their allocations). */
START_TEST(test_pad_channels_vs_scalar) {
  if (!have_avx2()) return;
  static const size_t cs[] = {1, 3, 24, 28, 31, 32, 33, 64, 88, 120, 200};
  static const size_t pads[][2] = {{0, 4}, {0, 1}, {4, 0}, {3, 5}, {0, 31}, {17, 0}, {1, 40}};
  static const size_t ns[] = {1, 2, 5, 63};
  rng_state = 5;
  int checked = 0, bad_cases = 0;
  for (size_t a = 0; a < sizeof cs / sizeof *cs; a++)
    for (size_t b = 0; b < sizeof pads / sizeof *pads; b++)
      for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
        const size_t c = cs[a], bf = pads[b][0], af = pads[b][1], n = ns[k], oc = bf + c + af;
        const uint8_t fill = (uint8_t)rnd();
        uint8_t *in = malloc(n * c), *ref = malloc(n * oc), *got = malloc(n * oc);
        fill8(in, n * c);
        ecnn_q8_pad_channels__scalar(in, ref, n, c, bf, af, fill);
        for (int split = 0; split < 2; split++) {
          memset(got, 0x5a, n * oc);
          if (!split) ecnn_q8_pad_channels__avx2(in, got, n, c, bf, af, fill);
          else /* three ranges, last first */
            for (size_t r = 3; r-- > 0;) {
              const size_t i0 = n * r / 3, i1 = n * (r + 1) / 3;
              ecnn_q8_pad_channels__avx2(in + i0 * c, got + i0 * oc, i1 - i0, c, bf, af, fill);
            }
          size_t bad = 0;
          for (size_t i = 0; i < n * oc; i++) bad += got[i] != ref[i];
          if (bad) {
            printf("pad c %zu before %zu after %zu n %zu split %d: %zu bytes differ\n", c, bf,
                   af, n, split, bad);
            bad_cases++;
          }
        }
        free(in), free(ref), free(got);
        checked++;
      }
  ck_assert_int_eq(bad_cases, 0);
  printf("kernels_q8: %d channel pad configurations bit-identical\n", checked);
}
END_TEST

/* ---- whole models ---- */

typedef struct qcase {
  const char *model;
  int32_t size; /* square input */
} qcase;

/* A test photo as the models' [-1, 1] float input. */
static float *photo(const char *name, int32_t size) {
  float *x = tu_photo_f32(name, size);
  ck_assert_msg(x != NULL, "cannot read the %s photo at %d", name, (int)size);
  return x;
}

/* The int8 model of c, calibrated on the two photos (NULL when the model is not fetched). */
static ecnn_model *int8_model(const qcase *c) {
  size_t size = 0, file_size = 0;
  uint8_t *bytes = tu_read_file(tu_model_path(c->model), &size);
  if (!bytes) {
    printf("kernels_q8: %s not fetched, skipped\n", c->model);
    return NULL;
  }
  uint8_t *file = tu_quantize_on_photos(bytes, size, c->size, &file_size);
  ck_assert_msg(file != NULL, "%s", ecnn_last_error());
  ecnn_model *m = NULL;
  ck_assert_msg(ecnn_model_load_buffer(file, file_size, &m) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  free(file);
  free(bytes);
  return m;
}

enum { MAX_OUT = 4 };

/* Runs m on x on the ISA path and thread count given; the outputs' bytes into y[], n[]. */
static int32_t run(const ecnn_model *m, const float *x, int32_t size, ecnn_isa isa,
                   int32_t threads, uint8_t **y, size_t *n) {
  ck_assert_int_eq(ecnn_isa_set(isa), isa);
  ecnn_session_options o;
  ecnn_session_options_init(&o);
  o.threads = threads;
  o.precision = ECNN_PRECISION_INT8;
  ecnn_session *s = NULL;
  ck_assert_msg(ecnn_session_create(m, &o, &s) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ck_assert_int_eq(ecnn_session_set_input(s, 0, x, (size_t)size * size * 3 * sizeof(float)),
                   ECNN_STATUS_OK);
  ck_assert_msg(ecnn_session_run(s) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  const int32_t count = ecnn_model_output_count(m);
  ck_assert_int_le(count, MAX_OUT);
  for (int32_t i = 0; i < count; i++) {
    const void *out = NULL;
    ecnn_tensor_info info;
    ck_assert_int_eq(ecnn_session_output(s, i, &out, &info), ECNN_STATUS_OK);
    n[i] = info.bytes;
    y[i] = malloc(info.bytes);
    memcpy(y[i], out, info.bytes);
  }
  ecnn_session_free(s);
  return count;
}

static void check_model(const qcase *c) {
  if (!have_avx2()) return;
  ecnn_model *m = int8_model(c);
  if (!m) return;
  const ecnn_isa best = ecnn_isa_best();
  /* the CONV_2D weights are held once, packed as int8 (the scalar runs below unpack them) */
  int32_t convs = 0;
  for (int32_t k = 0; k < m->graph.num_nodes; k++) {
    const ecnn_node *n = &m->graph.nodes[k];
    if (n->op != ECNN_OP_CONV_2D) continue;
    const ecnn_tensor *w = &m->graph.tensors[n->inputs[1]];
    ck_assert_msg(w->packed, "%s: CONV_2D #%d keeps its file weights", c->model, (int)n->index);
    const ecnn_q8_packed *pk = w->data; /* (the AVX2 layout, or the VNNI one on such CPUs) */
    ck_assert(pk->tag == ECNN_Q8_PACKED_VNNI ||
              (pk->tag == ECNN_Q8_PACKED_AVX2 && pk->w8 != NULL && pk->w == NULL));
    convs++;
  }
  ck_assert_int_gt(convs, 10);
  static const char *const photos[] = {"astronaut", "coffee"};
  for (int i = 0; i < 2; i++) {
    float *x = photo(photos[i], c->size);
    uint8_t *ref[MAX_OUT], *got[MAX_OUT];
    size_t nref[MAX_OUT], ngot[MAX_OUT];
    const int32_t count = run(m, x, c->size, ECNN_ISA_SCALAR, 1, ref, nref);
    /* scalar at 2 threads; AVX2 at 1 and 2; AVX-512 (its CONV_2D VNNI where the CPU has it)
     * at 2 */
    for (int v = 0; v < (best == ECNN_ISA_AVX512 ? 4 : 3); v++) {
      const ecnn_isa isa = v == 0 ? ECNN_ISA_SCALAR : v == 3 ? ECNN_ISA_AVX512 : ECNN_ISA_AVX2;
      const int32_t threads = v == 1 ? 1 : 2;
      run(m, x, c->size, isa, threads, got, ngot);
      for (int32_t o = 0; o < count; o++) {
        ck_assert_uint_eq(ngot[o], nref[o]);
        ck_assert_msg(!memcmp(got[o], ref[o], nref[o]),
                      "%s on %s: output %d differs between scalar (1 thread) and %s (%d threads)",
                      c->model, photos[i], (int)o, ecnn_isa_name(isa), (int)threads);
        free(got[o]);
      }
    }
    for (int32_t o = 0; o < count; o++) free(ref[o]);
    free(x);
  }
  ecnn_isa_set(best);
  ecnn_model_free(m);
}

/* QUANTIZE float32 -> int8, AVX2 against the scalar twin byte for byte: ties in both
 * directions (x / scale exactly k + 0.5), saturation, NaN, infinities, -0, tails of 1-7. */
/* The single-rounding ADD / SUB (ecnn_q8_vadd, what the int8 models' ADDs run): within one
 * quantum of TFLite's three roundings (ecnn_q8_add__scalar on the same scales) and within
 * 0.5 + 1/256 of the real-valued result on every pair of input bytes, for every variant of q8_add_variant (the multipliers' limits among them);
 * the AVX2 kernel bit-identical to the scalar one on those 65536 elements and on lengths
 * around its 16-element groups, out a separate buffer (nothing written past it) or in place. */
START_TEST(test_vadd_q8) {
  enum { PAIRS = 65536, VARIANTS = 210 };
  static const size_t lens[] = {1, 7, 15, 16, 17, 31, 33, 100, 4099};
  rng_state = 11;
  uint8_t *a = malloc(PAIRS), *b = malloc(PAIRS), *exact = malloc(PAIRS), *once = malloc(PAIRS),
          *got = malloc(PAIRS + 16);
  long off_by_one = 0, checked = 0;
  for (int v = 0; v < VARIANTS; v++) {
    ecnn_q8_add_params pe;
    ecnn_q8_vadd_params p;
    double r[2];
    q8_add_variant(v, &pe, &p, r);
    ck_assert(p.shift >= 10 && p.shift <= 30);
    for (size_t i = 0; i < PAIRS; i++) a[i] = (uint8_t)i, b[i] = (uint8_t)(i >> 8);
    ecnn_q8_add__scalar(&pe, a, b, exact, PAIRS);
    ecnn_q8_vadd__scalar(&p, a, b, once, PAIRS);
    for (size_t i = 0; i < PAIRS; i++) {
      const int32_t e = pe.u8 ? exact[i] : (int8_t)exact[i], o = pe.u8 ? once[i] : (int8_t)once[i];
      ck_assert_msg(abs(e - o) <= 1, "variant %d: %s %d, %d: exact %d, single rounding %d", v,
                    pe.sub ? "sub" : "add", pe.u8 ? a[i] : (int8_t)a[i],
                    pe.u8 ? b[i] : (int8_t)b[i], e, o);
      off_by_one += e != o;
      /* one rounding of a sum within 1/256 of the real one: within 0.5 + 1/256, clamped */
      const double za = pe.u8 ? a[i] : (int8_t)a[i], zb = pe.u8 ? b[i] : (int8_t)b[i];
      double x = r[0] * (za - pe.a_zp) + (pe.sub ? -r[1] : r[1]) * (zb - pe.b_zp) + pe.out_zp;
      x = x < pe.out_min ? pe.out_min : x > pe.out_max ? pe.out_max : x;
      ck_assert_msg(fabs(o - x) <= 0.5 + 1.0 / 256, "variant %d: %d, %d: %d for %.4f", v, (int)za, (int)zb,
                    o, x);
    }
    if (!have_avx2()) continue;
    for (size_t l = 0; l <= sizeof lens / sizeof *lens; l++) {
      const size_t n = l < sizeof lens / sizeof *lens ? lens[l] : PAIRS;
      if (n < PAIRS) fill8(a, n), fill8(b, n), ecnn_q8_vadd__scalar(&p, a, b, once, n);
      for (int mode = 0; mode < 3; mode++) { /* out separate, out == a, out == b */
        memset(got, 0x5a, n + 16);
        if (mode) memcpy(got, mode == 1 ? a : b, n);
        ecnn_q8_vadd__avx2(&p, mode == 1 ? got : a, mode == 2 ? got : b, got, n);
        size_t bad = 0;
        while (bad < n && got[bad] == once[bad]) bad++;
        ck_assert_msg(bad == n, "variant %d n %zu mode %d: element %zu is %d, scalar %d", v, n,
                      mode, bad, got[bad], once[bad]);
        for (size_t i = n; i < n + 16; i++) ck_assert(got[i] == 0x5a);
        checked++;
      }
    }
  }
  printf("kernels_q8: single-rounding add / sub: %d variants x 65536 pairs within 1 quantum "
         "of TFLite's (%.2f%% off by one); %ld AVX2 cases bit-identical\n",
         VARIANTS, 100.0 * (double)off_by_one / ((double)VARIANTS * PAIRS), checked);
  free(a), free(b), free(exact), free(once), free(got);
}
END_TEST

/* ecnn_q8_vadd_init refuses what its bound does not cover (a ratio of 32 or more, zero, NaN)
 * and takes the ends it does. */
START_TEST(test_vadd_init_limits) {
  ecnn_q8_vadd_params p;
  ck_assert(!ecnn_q8_vadd_init(32.0, 1.0, 0, 0, 0, -128, 127, false, false, &p));
  ck_assert(!ecnn_q8_vadd_init(1.0, 40.0, 0, 0, 0, -128, 127, false, false, &p));
  ck_assert(!ecnn_q8_vadd_init(0.0, 1.0, 0, 0, 0, -128, 127, false, false, &p));
  ck_assert(!ecnn_q8_vadd_init(NAN, 1.0, 0, 0, 0, -128, 127, false, false, &p));
  ck_assert(ecnn_q8_vadd_init(31.99, 0.5, -128, 127, 5, -128, 127, true, false, &p));
  ck_assert_int_eq(p.shift, 16);
  ck_assert_int_eq(p.a_mult, 2096497); /* round(31.99 * 2^16) < 2^21 */
  ck_assert_int_eq(p.b_mult, -32768);  /* SUB */
  ck_assert_int_eq(p.bias, 32768 + 2096497 * 128 + 32768 * 127);
  ck_assert(ecnn_q8_vadd_init(0.5, 0.25, 0, 0, 0, 0, 255, false, true, &p));
  ck_assert_int_eq(p.shift, 21); /* 0.5 * 2^22 = 2^21 is one too many */
  ck_assert_int_eq(p.a_mult, 1 << 20);
  ck_assert_int_eq(p.b_mult, 1 << 19);
  /* 1 + (-1) with scales 1, 1 -> 0 quantum; 100 + 27 saturates */
  ck_assert(ecnn_q8_vadd_init(1.0, 1.0, 0, 0, 0, -128, 127, false, false, &p));
  ck_assert_int_eq(ecnn_q8_vadd1(&p, 1, -1), 0);
  ck_assert_int_eq(ecnn_q8_vadd1(&p, 100, 27), 127);
  ck_assert_int_eq(ecnn_q8_vadd1(&p, 100, 28), 127);
  ck_assert_int_eq(ecnn_q8_vadd1(&p, -100, -29), -128);
}
END_TEST

START_TEST(test_quantize_f32_vs_scalar) {
  if (!have_avx2()) return;
  static const float scales[] = {0.0078125f, 0.1f, 0.02367f, 3.0f};
  static const int32_t zps[] = {-128, -1, 0, 17, 127};
  enum { N = 4099 };
  float *x = malloc(N * sizeof *x);
  int8_t *a = malloc(N), *b = malloc(N);
  int32_t cases = 0;
  for (size_t si = 0; si < sizeof scales / sizeof *scales; si++)
    for (size_t zi = 0; zi < sizeof zps / sizeof *zps; zi++) {
      const float s = scales[si];
      tu_fill_rand_f32(x, N, (uint32_t)(si * 10 + zi + 1));
      for (int32_t i = 0; i < N; i++) x[i] *= 200.0f * s; /* beyond the int8 range too */
      for (int32_t i = 0; i < 64; i++) x[i] = ((float)(i - 32) + 0.5f) * s; /* ties */
      x[64] = NAN, x[65] = INFINITY, x[66] = -INFINITY, x[67] = -0.0f, x[68] = 1e30f;
      for (size_t n = N - 7; n <= N; n++) { /* every tail length */
        memset(a, 0x55, N), memset(b, 0x55, N);
        ecnn_f32_quantize__scalar(n, x, s, zps[zi], ECNN_QTYPE_I8, a);
        ecnn_f32_quantize_i8__avx2(n, x, s, zps[zi], b);
        ck_assert_msg(!memcmp(a, b, N), "quantize scale %g zp %d n %zu", (double)s,
                      (int)zps[zi], n);
        cases++;
      }
    }
  ck_assert_int_eq(cases, 4 * 5 * 8);
  free(x), free(a), free(b);
}
END_TEST

START_TEST(test_ssd_int8_paths_agree) {
  static const qcase ssd = {"ssd_mobilenetv2_oidv4_fp16.tflite", 300};
  check_model(&ssd);
}
END_TEST

START_TEST(test_blazeface_int8_paths_agree) {
  static const qcase face = {"face_detection_short_range.tflite", 128};
  check_model(&face);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernels_q8");
  TCase *tc = tcase_create("kernels_q8");
  tcase_set_timeout(tc, 900);
  tcase_add_test(tc, test_conv_q8_vs_scalar);
  tcase_add_test(tc, test_dwconv_q8_vs_scalar);
  tcase_add_test(tc, test_requant_edges);
  tcase_add_test(tc, test_add_q8_vs_scalar);
  tcase_add_test(tc, test_vadd_q8);
  tcase_add_test(tc, test_vadd_init_limits);
  tcase_add_test(tc, test_quantize_f32_vs_scalar);
  tcase_add_test(tc, test_maxpool_q8_vs_scalar);
  tcase_add_test(tc, test_pad_channels_vs_scalar);
  tcase_add_test(tc, test_ssd_int8_paths_agree);
  tcase_add_test(tc, test_blazeface_int8_paths_agree);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
