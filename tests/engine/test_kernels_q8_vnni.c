/*
 * test_kernels_q8_vnni.c — the AVX-512 VNNI int8 CONV_2D and DEPTHWISE_CONV_2D
 * (src/kernels/x86/q8_conv_vnni.c, q8_dwconv_vnni.c) against ecnn_q8_conv2d__scalar and
 * ecnn_q8_dwconv2d__scalar, bit for bit, on machines without AVX-512: the kernels' sources are
 * compiled a second time for this test with -DECNN_Q8_VNNI_EMULATE, which takes their
 * AVX-512 intrinsics from SIMDe (portable C; run on x86-64 here, it also compiles for ARM64)
 * and names their functions *_emu; that build always runs, and the native one (in libedgecnn)
 * too when the CPU has AVX-512 VNNI.
 *
 * DEPTHWISE: the sweep shared with the AVX2 test (test_util's tu_q8_dw_case: 22 kernels,
 * strides, dilations and paddings over 11 image sizes from 1x1, 1xN and Nx1 up, one and two
 * images) at channel counts below, at and above the 16-channel block, every int8 / uint8
 * pairing of activations and weights with zero points, a fifth of the cases with inputs and
 * weights at their types' ends only, row ranges cut four ways (tu_row_ranges); larger
 * MobileNetV2 and BlazeFace layers; the requantization's edges (with CONV_2D's).
 *
 * CONV_2D cases: output channels below, at and above the 16-channel block and the 32-channel tile
 * (partial last blocks), input depths that are and are not multiples of 4 and 16 (the
 * first layer's 3), odd widths (tiles of fewer than 8 pixels), 1x1 / 3x3 / 5x5 kernels,
 * strides 1 and 2, dilation, SAME and VALID padding, two images, a deep 3x3 (small chunks),
 * int8 and uint8 inputs with zero points across their range, per-channel scales below and
 * above 1 (power-of-two ones, whose products tie; ones whose y passes ECNN_Q8_FMAX), clamps;
 * pixel and block ranges as a thread pool cuts them and ones that start and end mid-way
 * (block pairs from an odd block). Then the requantization's edges one accumulator at a time,
 * the unpacked weights against the originals, and which parameters the kernel declines.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/isa.h"
#include "kernels/q8_conv.h"
#include "ops/ops.h"
#include "test_util.h"
#include "../q8_test_data.h"

/* The emulated build of q8_conv_vnni.c (the same functions with the suffix _emu). */
size_t ecnn_q8_conv2d_packed_bytes_vnni_emu(const ecnn_q8_conv_params *p);
ecnn_q8_packed_vnni *ecnn_q8_conv2d_pack_vnni_emu(const ecnn_q8_conv_params *p, const void *w,
                                                  const int32_t *bias, const int32_t *mult,
                                                  const int32_t *shift, void *dst);
void ecnn_q8_conv2d_unpack_vnni_emu(const ecnn_q8_packed_vnni *pk, int8_t *w);
size_t ecnn_q8_conv2d_scratch_bytes_vnni_emu(const ecnn_q8_conv_params *p,
                                             const ecnn_q8_packed_vnni *pk);
void ecnn_q8_conv2d__avx512vnni_emu(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,
                                    const void *in, void *out, int64_t px0, int64_t px1,
                                    int32_t nb0, int32_t nb1, void *scratch);
size_t ecnn_q8_dwconv2d_packed_bytes_vnni_emu(const ecnn_q8_conv_params *p);
ecnn_q8_packed_vnni *ecnn_q8_dwconv2d_pack_vnni_emu(const ecnn_q8_conv_params *p, const void *w,
                                                    const int32_t *bias, const int32_t *mult,
                                                    const int32_t *shift, void *dst);
void ecnn_q8_dwconv2d__avx512vnni_emu(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,
                                      const void *in, void *out, int32_t row0, int32_t row1);
#define SAME_TYPE(a, b) __builtin_types_compatible_p(__typeof__(&a), __typeof__(&b))
_Static_assert(SAME_TYPE(ecnn_q8_conv2d__avx512vnni, ecnn_q8_conv2d__avx512vnni_emu) &&
                   SAME_TYPE(ecnn_q8_conv2d_pack_vnni, ecnn_q8_conv2d_pack_vnni_emu) &&
                   SAME_TYPE(ecnn_q8_conv2d_unpack_vnni, ecnn_q8_conv2d_unpack_vnni_emu) &&
                   SAME_TYPE(ecnn_q8_conv2d_scratch_bytes_vnni,
                             ecnn_q8_conv2d_scratch_bytes_vnni_emu) &&
                   SAME_TYPE(ecnn_q8_conv2d_packed_bytes_vnni,
                             ecnn_q8_conv2d_packed_bytes_vnni_emu) &&
                   SAME_TYPE(ecnn_q8_dwconv2d__avx512vnni, ecnn_q8_dwconv2d__avx512vnni_emu) &&
                   SAME_TYPE(ecnn_q8_dwconv2d_pack_vnni, ecnn_q8_dwconv2d_pack_vnni_emu) &&
                   SAME_TYPE(ecnn_q8_dwconv2d_packed_bytes_vnni,
                             ecnn_q8_dwconv2d_packed_bytes_vnni_emu),
               "the emulated build declares what q8_conv.h declares");

/* One build of the kernel. */
typedef struct impl {
  const char *name;
  size_t (*packed_bytes)(const ecnn_q8_conv_params *);
  ecnn_q8_packed_vnni *(*pack)(const ecnn_q8_conv_params *, const void *, const int32_t *,
                               const int32_t *, const int32_t *, void *);
  void (*unpack)(const ecnn_q8_packed_vnni *, int8_t *);
  size_t (*scratch_bytes)(const ecnn_q8_conv_params *, const ecnn_q8_packed_vnni *);
  void (*run)(const ecnn_q8_conv_params *, const ecnn_q8_packed_vnni *, const void *, void *,
              int64_t, int64_t, int32_t, int32_t, void *);
  size_t (*dw_packed_bytes)(const ecnn_q8_conv_params *);
  ecnn_q8_packed_vnni *(*dw_pack)(const ecnn_q8_conv_params *, const void *, const int32_t *,
                                  const int32_t *, const int32_t *, void *);
  void (*dw_run)(const ecnn_q8_conv_params *, const ecnn_q8_packed_vnni *, const void *, void *,
                 int32_t, int32_t);
} impl;

static const impl impls[2] = {
    {"emulated", ecnn_q8_conv2d_packed_bytes_vnni_emu, ecnn_q8_conv2d_pack_vnni_emu,
     ecnn_q8_conv2d_unpack_vnni_emu, ecnn_q8_conv2d_scratch_bytes_vnni_emu,
     ecnn_q8_conv2d__avx512vnni_emu, ecnn_q8_dwconv2d_packed_bytes_vnni_emu,
     ecnn_q8_dwconv2d_pack_vnni_emu, ecnn_q8_dwconv2d__avx512vnni_emu},
    {"native", ecnn_q8_conv2d_packed_bytes_vnni, ecnn_q8_conv2d_pack_vnni,
     ecnn_q8_conv2d_unpack_vnni, ecnn_q8_conv2d_scratch_bytes_vnni, ecnn_q8_conv2d__avx512vnni,
     ecnn_q8_dwconv2d_packed_bytes_vnni, ecnn_q8_dwconv2d_pack_vnni,
     ecnn_q8_dwconv2d__avx512vnni},
};

/* The builds this machine runs: the emulated one, and the native one with AVX-512 VNNI. */
static int n_impls(void) {
  static int n = 0;
  if (!n) {
    n = ecnn_isa_has_vnni() ? 2 : 1;
    printf("kernels_q8_vnni: %s\n", n == 2 ? "AVX-512 VNNI: the native kernel runs too"
                                           : "no AVX-512 VNNI: the emulated kernel only");
  }
  return n;
}

/* Quantization of variant v: int8 weights with zero point 0 (what the kernel takes), int8 or
 * uint8 activations with zero points across the range, clamps. */
static void quantization(ecnn_q8_conv_params *p, int v) {
  p->u8 = v % 3 == 2;
  p->w_u8 = false, p->w_zp = 0;
  const int32_t lo = p->u8 ? 0 : -128, hi = p->u8 ? 255 : 127;
  p->in_zp = p->u8 ? (int32_t[]){0, 128, 255, 77}[(v / 3) % 4]
                   : (int32_t[]){-128, 0, 127, -5}[v % 4];
  p->out_zp = p->u8 ? (int32_t[]){255, 0, 128, 3}[(v / 2) % 4]
                    : (int32_t[]){-128, 0, 127, -5}[(v + 1) % 4];
  p->out_min = lo, p->out_max = hi;
  if (v % 4 == 1) p->out_min = p->out_zp > lo ? p->out_zp : lo; /* a RELU */
  if (v % 4 == 3) p->out_min = lo + 40, p->out_max = hi - 50;    /* a RELU6-like clamp */
}

/* Runs build `im` of the kernel on p over the whole output in one of the ways `split` says:
 * 0: everything at once; 1: ranges of 7 pixels x one block, last block first (a thread pool);
 * 2: pixel ranges [0, 3), [3, 14), [14, 25), ... x blocks [0, 1) and [1, nb) (tiles whose
 * pairs start at an odd block); 3: 5-pixel ranges from pixel 1 (pixel 0 last) x blocks [0, 2),
 * [2, 3), [3, nb). */
static void run_split(const impl *im, const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,
                      const uint8_t *in, uint8_t *out, void *scratch, int split) {
  const int64_t npx = (int64_t)p->batch * p->out_h * p->out_w;
  const int32_t nb = (p->out_c + ECNN_Q8_CONV_NR - 1) / ECNN_Q8_CONV_NR;
  if (split == 0) {
    im->run(p, pk, in, out, 0, npx, 0, nb, scratch);
  } else if (split == 1) {
    for (int32_t b = nb - 1; b >= 0; b--)
      for (int64_t px = 0; px < npx; px += 7)
        im->run(p, pk, in, out, px, px + 7 < npx ? px + 7 : npx, b, b + 1, scratch);
  } else {
    const int32_t cuts2[] = {0, 1, nb}, cuts3[] = {0, 2, 3, nb};
    const int32_t *cuts = split == 2 ? cuts2 : cuts3, ncuts = split == 2 ? 2 : 3;
    for (int32_t c = 0; c < ncuts; c++) {
      const int32_t b0 = cuts[c] < nb ? cuts[c] : nb, b1 = cuts[c + 1] < nb ? cuts[c + 1] : nb;
      if (b0 >= b1) continue;
      if (split == 2) {
        for (int64_t px = 0; px < npx; px = px == 0 ? 3 : px + 11) {
          const int64_t e = px == 0 ? 3 : px + 11;
          im->run(p, pk, in, out, px, e < npx ? e : npx, b0, b1, scratch);
        }
      } else {
        for (int64_t px = 1; px < npx; px += 5)
          im->run(p, pk, in, out, px, px + 5 < npx ? px + 5 : npx, b0, b1, scratch);
        im->run(p, pk, in, out, 0, 1, b0, b1, scratch);
      }
    }
  }
}

/* One configuration on every build and every split; the unpacked weights against w. Returns
 * the runs compared. */
static int check_conv(const ecnn_q8_conv_params *p, int left, const char *what) {
  const size_t k = (size_t)p->kernel_h * p->kernel_w * p->in_c;
  const size_t ni = (size_t)p->batch * p->in_h * p->in_w * p->in_c;
  const size_t nw = (size_t)p->out_c * k;
  const size_t no = (size_t)p->batch * p->out_h * p->out_w * p->out_c;
  const int64_t npx = (int64_t)p->batch * p->out_h * p->out_w;
  /* the input at the end of its allocation: a read past it is caught by ASan */
  uint8_t *in = malloc(ni), *w = malloc(nw), *ref = malloc(no), *got = malloc(no + 1);
  int8_t *back = malloc(nw);
  int32_t *bias = malloc((size_t)p->out_c * 4), *mult = malloc((size_t)p->out_c * 4);
  int32_t *shift = malloc((size_t)p->out_c * 4);
  fill8(in, ni), fill_weights8(w, nw, 0), fill_bias32(bias, p->out_c);
  q8_multipliers(mult, shift, p->out_c, left);
  const bool no_bias = rnd() % 8 == 0;
  ecnn_q8_conv2d__scalar(p, in, w, no_bias ? NULL : bias, mult, shift, ref, 0, npx, 0,
                         p->out_c);
  int runs = 0;
  for (int i = 0; i < n_impls(); i++) {
    const impl *im = &impls[i];
    const size_t bytes = im->packed_bytes(p);
    ck_assert(bytes > 0);
    void *block = packed_alloc(bytes);
    const ecnn_q8_packed_vnni *pk = im->pack(p, w, no_bias ? NULL : bias, mult, shift, block);
    memset(back, 0x5a, nw);
    im->unpack(pk, back);
    ck_assert_msg(!memcmp(back, w, nw), "%s: %s: unpacked weights differ", im->name, what);
    void *scratch = malloc(im->scratch_bytes(p, pk));
    for (int split = 0; split < 4; split++) {
      memset(got, 0x5a, no);
      got[no] = 0xa5; /* a sentinel after the output: must stay */
      run_split(im, p, pk, in, got, scratch, split);
      size_t bad = 0;
      while (bad < no && got[bad] == ref[bad]) bad++;
      ck_assert_msg(bad == no,
                    "%s: %s: oc %d ic %d %dx%d in %dx%d batch %d stride %d dil %d pad %d,%d %s "
                    "zp %d/%d clamp [%d, %d] bias %s split %d: output %zu (pixel %zu channel "
                    "%zu) is %d, scalar %d",
                    im->name, what, (int)p->out_c, (int)p->in_c, (int)p->kernel_h,
                    (int)p->kernel_w, (int)p->in_h, (int)p->in_w, (int)p->batch,
                    (int)p->stride_h, (int)p->dilation_h, (int)p->pad_top, (int)p->pad_left,
                    p->u8 ? "u8" : "i8", (int)p->in_zp, (int)p->out_zp, (int)p->out_min,
                    (int)p->out_max, no_bias ? "none" : "yes", split, bad,
                    bad / (size_t)p->out_c, bad % (size_t)p->out_c,
                    p->u8 ? got[bad] : (int8_t)got[bad], p->u8 ? ref[bad] : (int8_t)ref[bad]);
      ck_assert_msg(got[no] == 0xa5, "%s: %s: wrote past the output", im->name, what);
      runs++;
    }
    free(block), free(scratch);
  }
  free(in), free(w), free(ref), free(got), free(back), free(bias), free(mult), free(shift);
  return runs;
}

START_TEST(test_conv_vnni_vs_scalar) {
  static const int32_t ocs[] = {1, 7, 9, 15, 16, 17, 31, 32, 33, 48, 50, 64};
  static const int32_t ics[] = {1, 3, 4, 8, 13, 16, 37};
  static const int32_t widths[] = {1, 5, 7, 13};
  rng_state = 11;
  int configs = 0, runs = 0, variant = 0;
  for (size_t a = 0; a < sizeof ocs / sizeof *ocs; a++)
    for (size_t b = 0; b < sizeof ics / sizeof *ics; b++)
      for (size_t c = 0; c < sizeof widths / sizeof *widths; c++)
        for (int cfg = 0; cfg < TU_Q8_CONV_CONFIGS; cfg++) {
          const int32_t batch = 1 + (int32_t)(c & 1); /* two images: tiles cross into the next */
          ecnn_q8_conv_params p = tu_q8_conv_case(cfg, batch, widths[c], ics[b], ocs[a]);
          if (p.out_h < 1 || p.out_w < 1) continue;
          quantization(&p, variant++);
          runs += check_conv(&p, variant % 2, "sweep");
          configs++;
        }
  printf("kernels_q8_vnni: %d conv configurations, %d runs bit-identical\n", configs, runs);
}
END_TEST

/* Larger layers: a deep 3x3 (k = 2304: chunks of 8 pixels, 64-byte im2col runs), the first
 * layer of a MobileNet (3 channels, stride 2), a pointwise layer read straight from the input
 * (whole rows of 4-byte groups, chunks of 96), one whose rows are not. */
START_TEST(test_conv_vnni_layers) {
  rng_state = 12;
  int runs = 0;
  for (int u8 = 0; u8 < 2; u8++) {
    ecnn_q8_conv_params p = tu_q8_conv_geometry(1, 6, 7, 256, 40, 3, 1, 1, true);
    quantization(&p, u8 ? 5 : 0);
    runs += check_conv(&p, u8, "deep 3x3");
    p = tu_q8_conv_geometry(1, 33, 31, 3, 32, 3, 2, 1, true);
    quantization(&p, u8 ? 2 : 3);
    runs += check_conv(&p, 0, "first layer");
    p = tu_q8_conv_geometry(2, 15, 14, 72, 24, 1, 1, 1, true);
    quantization(&p, u8 ? 8 : 4);
    runs += check_conv(&p, !u8, "pointwise");
    p = tu_q8_conv_geometry(1, 16, 17, 70, 17, 1, 1, 1, true);
    quantization(&p, u8 ? 11 : 1);
    runs += check_conv(&p, 1, "pointwise, 70 channels");
  }
  printf("kernels_q8_vnni: %d layer runs bit-identical\n", runs);
}
END_TEST

/* Small input depths, where kernel rows of at most 16 bytes (kernel_w * in_c, dilation_w 1)
 * take im2col_short: in_c 1-5 and 16 (1 x 1 taps, 16 bytes), 6 (3 x 3: 18 bytes, the general
 * gather) against kernels 3 x 3, 5 x 5, 1 x 3, 3 x 1, 2 x 2, 1 x 1 of strides 1 and 2, SAME
 * (padding at every border, or right and bottom only) and VALID, dilation 2 in height (the
 * short path) or in width (not), on images from 1 x 1 (inputs under 16 bytes: every pixel
 * gathered tap by tap) to 17 x 20 (several chunks, a last one short), batches of 1 and 2. */
START_TEST(test_conv_vnni_small_depth) {
  /* kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, SAME */
  static const int32_t cases[][7] = {
      {3, 3, 1, 1, 1, 1, 1}, {3, 3, 2, 2, 1, 1, 1}, {3, 3, 2, 2, 1, 1, 0}, {5, 5, 1, 1, 1, 1, 1},
      {5, 5, 2, 2, 1, 1, 1}, {1, 3, 1, 1, 1, 1, 1}, {3, 1, 2, 1, 1, 1, 1}, {3, 3, 1, 1, 2, 1, 1},
      {3, 3, 1, 2, 1, 2, 1}, {2, 2, 2, 2, 1, 1, 0}, {1, 1, 2, 2, 1, 1, 0}, {3, 3, 1, 2, 1, 1, 1},
  };
  static const int32_t sizes[][2] = {{1, 1}, {2, 3}, {5, 4}, {7, 9}, {12, 13}, {17, 20}};
  static const int32_t ics[] = {1, 2, 3, 4, 5, 6, 16};
  static const int32_t ocs[] = {5, 16, 32, 40, 33};
  rng_state = 13;
  int configs = 0, runs = 0, variant = 0;
  for (size_t c = 0; c < sizeof ics / sizeof *ics; c++)
    for (size_t g = 0; g < sizeof cases / sizeof *cases; g++)
      for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
        const int32_t *k = cases[g];
        if (ics[c] == 16 && k[1] != 1) continue; /* (1 x 1 and 3 x 1 only: 16 bytes a row) */
        ecnn_q8_conv_params p =
            tu_q8_dw_geometry(1 + (int32_t)((g + z) % 2), sizes[z][0], sizes[z][1], ics[c], k[0],
                              k[1], k[2], k[3], k[4], k[5], k[6] != 0);
        if (p.out_h < 1 || p.out_w < 1) continue;
        p.out_c = ocs[(c + g + z) % (sizeof ocs / sizeof *ocs)];
        quantization(&p, variant++);
        runs += check_conv(&p, variant % 2, "small depth");
        configs++;
      }
  printf("kernels_q8_vnni: %d small-depth configurations, %d runs bit-identical\n", configs,
         runs);
}
END_TEST

/* The 256 x oc outputs of a requantization-edge case against the scalar kernel's. */
static void check_edges(const impl *im, const char *what, const ecnn_q8_conv_params *p,
                        const uint8_t *got, const uint8_t *ref, const int32_t *biases,
                        const int32_t *mult, const int32_t *shift) {
  const size_t n = (size_t)256 * p->out_c, oc = (size_t)p->out_c;
  size_t bad = 0;
  while (bad < n && got[bad] == ref[bad]) bad++;
  ck_assert_msg(bad == n,
                "%s: %s: mult %d shift %d in_zp %d out_zp %d: pixel %zu channel %zu (bias %d) "
                "is %d, scalar %d",
                im->name, what, (int)mult[bad % oc], (int)shift[bad % oc], (int)p->in_zp,
                (int)p->out_zp, bad / oc, bad % oc, (int)biases[bad % oc],
                p->u8 ? got[bad] : (int8_t)got[bad], p->u8 ? ref[bad] : (int8_t)ref[bad]);
}

/* The requantization's edges one accumulator at a time: a 1x1 conv of one input channel with
 * weight +-1 makes acc = bias +- (x - in_zp), so every pixel x in -128..127 and every channel's
 * bias and scale put an accumulator where the rounding ties (power-of-two scales), y passes
 * ECNN_Q8_FMAX or -2^31 (scales >= 1, among them INT32_MAX at shift 0, whose float scale
 * rounds up to exactly 1) or the int32 ends are near; then the same accumulators through the
 * depthwise kernel (a 1x1 depthwise whose pixel x holds x in every channel). */
START_TEST(test_requant_edges) {
  const q8_edges e = q8_edge_sets();
  const int32_t *biases = e.biases, oc = e.n_biases;
  int checked = 0;
  for (int i = 0; i < n_impls(); i++) {
    const impl *im = &impls[i];
    for (int32_t m = 0; m < e.n_mults; m++)
      for (int32_t s = 0; s < e.n_shifts; s++)
        for (int zv = 0; zv < 4; zv++) {
          ecnn_q8_conv_params p = tu_q8_conv_geometry(1, 16, 16, 1, oc, 1, 1, 1, true);
          p.u8 = zv == 3;
          p.in_zp = p.u8 ? 131 : zv == 1 ? 0 : -128;
          p.out_zp = zv == 0 ? -128 : zv == 1 ? 0 : zv == 2 ? 127 : 200;
          p.out_min = p.u8 ? 0 : -128, p.out_max = p.u8 ? 255 : 127;
          uint8_t in[256], w[64], ref[256 * 64], got[256 * 64];
          int32_t mult[64], shift[64];
          q8_requant_edge_case(oc, e.mults[m], e.shifts[s], in, w, mult, shift);
          ecnn_q8_conv2d__scalar(&p, in, w, biases, mult, shift, ref, 0, 256, 0, oc);
          void *block = packed_alloc(im->packed_bytes(&p));
          const ecnn_q8_packed_vnni *pk = im->pack(&p, w, biases, mult, shift, block);
          void *scratch = malloc(im->scratch_bytes(&p, pk));
          im->run(&p, pk, in, got, 0, 256, 0, (oc + 15) / 16, scratch);
          check_edges(im, "conv", &p, got, ref, biases, mult, shift);
          free(block), free(scratch);
          ecnn_q8_conv_params d = tu_q8_dw_geometry(1, 16, 16, oc, 1, 1, 1, 1, 1, 1, false);
          d.u8 = p.u8, d.in_zp = p.in_zp, d.out_zp = p.out_zp;
          d.out_min = p.out_min, d.out_max = p.out_max;
          uint8_t in_dw[256 * 64];
          for (int32_t px = 0; px < 256; px++) memset(in_dw + px * oc, in[px], (size_t)oc);
          ecnn_q8_dwconv2d__scalar(&d, in_dw, w, biases, mult, shift, ref, 0, 16);
          block = packed_alloc(im->dw_packed_bytes(&d));
          im->dw_run(&d, im->dw_pack(&d, w, biases, mult, shift, block), in_dw, got, 0, 16);
          check_edges(im, "depthwise", &d, got, ref, biases, mult, shift);
          free(block);
          checked++;
        }
  }
  printf("kernels_q8_vnni: %d requantization edge sets bit-identical (conv and depthwise)\n",
         checked);
}
END_TEST

/* ---- DEPTHWISE_CONV_2D ---- */

/* One depthwise configuration on every build and every way of cutting the rows
 * (tu_row_ranges), against the scalar kernel. `extreme`: inputs and weights at their types'
 * ends only (the largest products and sums). Returns the runs compared. */
static int check_dw(const ecnn_q8_conv_params *p, int left, bool extreme, const char *what) {
  const size_t ni = (size_t)p->batch * p->in_h * p->in_w * p->in_c;
  const size_t nw = (size_t)p->kernel_h * p->kernel_w * p->out_c;
  const size_t no = (size_t)p->batch * p->out_h * p->out_w * p->out_c;
  const int32_t rows = p->batch * p->out_h;
  /* the input at the end of its allocation: a read past it is caught by ASan */
  uint8_t *in = malloc(ni), *w = malloc(nw), *ref = malloc(no), *got = malloc(no + 1);
  uint8_t *lone = malloc(no + 1);
  int32_t *bias = malloc((size_t)p->out_c * 4), *mult = malloc((size_t)p->out_c * 4);
  int32_t *shift = malloc((size_t)p->out_c * 4), (*ranges)[2] = malloc(((size_t)rows + 1) * 8);
  fill8(in, ni), fill_weights8(w, nw, p->w_u8), fill_bias32(bias, p->out_c);
  if (extreme) {
    for (size_t i = 0; i < ni; i++) in[i] = rnd() % 2 ? (p->u8 ? 255 : 0x7f) : (p->u8 ? 0 : 0x80);
    for (size_t i = 0; i < nw; i++) w[i] = rnd() % 2 ? (p->w_u8 ? 255 : 0x7f) : (p->w_u8 ? 0 : 0x80);
  }
  q8_multipliers(mult, shift, p->out_c, left);
  const bool no_bias = rnd() % 8 == 0;
  ecnn_q8_dwconv2d__scalar(p, in, w, no_bias ? NULL : bias, mult, shift, ref, 0, rows);
  int runs = 0;
  for (int i = 0; i < n_impls(); i++) {
    const impl *im = &impls[i];
    const size_t bytes = im->dw_packed_bytes(p);
    ck_assert(bytes > 0);
    void *block = packed_alloc(bytes);
    const ecnn_q8_packed_vnni *pk = im->dw_pack(p, w, no_bias ? NULL : bias, mult, shift, block);
    for (int split = 0; split < TU_ROW_SPLITS; split++) {
      memset(got, 0x5a, no);
      got[no] = 0xa5; /* a sentinel after the output: must stay */
      const int32_t n = tu_row_ranges(rows, split, ranges);
      for (int32_t r = 0; r < n; r++) im->dw_run(p, pk, in, got, ranges[r][0], ranges[r][1]);
      /* each range alone writes its rows only (the two-row tiles must not run on past it):
       * concurrent ranges are disjoint */
      const size_t row_bytes = no / (size_t)(rows > 0 ? rows : 1);
      for (int32_t r = 0; r < n && split == 3; r++) {
        memset(lone, 0x5a, no);
        im->dw_run(p, pk, in, lone, ranges[r][0], ranges[r][1]);
        for (size_t i = 0; i < no; i++) {
          const int32_t row = (int32_t)(i / row_bytes);
          const bool inside = row >= ranges[r][0] && row < ranges[r][1];
          ck_assert_msg(lone[i] == (inside ? ref[i] : 0x5a),
                        "%s: dw %s: rows [%d, %d) alone: output %zu (row %d) wrong", im->name,
                        what, (int)ranges[r][0], (int)ranges[r][1], i, (int)row);
        }
      }
      size_t bad = 0;
      while (bad < no && got[bad] == ref[bad]) bad++;
      ck_assert_msg(bad == no,
                    "%s: dw %s: c %d %dx%d in %dx%d batch %d stride %d,%d dil %d,%d pad %d,%d "
                    "%s w %s zp %d/%d/%d clamp [%d, %d] bias %s split %d: output %zu (pixel %zu "
                    "channel %zu) is %d, scalar %d",
                    im->name, what, (int)p->out_c, (int)p->kernel_h, (int)p->kernel_w,
                    (int)p->in_h, (int)p->in_w, (int)p->batch, (int)p->stride_h,
                    (int)p->stride_w, (int)p->dilation_h, (int)p->dilation_w, (int)p->pad_top,
                    (int)p->pad_left, p->u8 ? "u8" : "i8", p->w_u8 ? "u8" : "i8", (int)p->in_zp,
                    (int)p->w_zp, (int)p->out_zp, (int)p->out_min, (int)p->out_max,
                    no_bias ? "none" : "yes", split, bad, bad / (size_t)p->out_c,
                    bad % (size_t)p->out_c, p->u8 ? got[bad] : (int8_t)got[bad],
                    p->u8 ? ref[bad] : (int8_t)ref[bad]);
      ck_assert_msg(got[no] == 0xa5, "%s: dw %s: wrote past the output", im->name, what);
      runs++;
    }
    free(block);
  }
  free(in), free(w), free(ref), free(got), free(lone), free(bias), free(mult), free(shift);
  free(ranges);
  return runs;
}

/* The depthwise sweep: tu_q8_dw_case's kernels, strides, dilations and paddings over
 * tu_q8_dw_sizes' images (one and two of them), channels below, at and above the 16-channel
 * block (partial last blocks, C < 16), every quantization variant, shifts left in half. */
START_TEST(test_dwconv_vnni_vs_scalar) {
  static const int32_t cs[] = {1, 3, 8, 15, 16, 17, 24, 31, 32, 33, 40, 48};
  rng_state = 21;
  int configs = 0, runs = 0;
  tu_q8_dw_sweep sweep = {cs, (int32_t)(sizeof cs / sizeof *cs), 0, 0};
  ecnn_q8_conv_params p;
  while (tu_q8_dw_sweep_next(&sweep, &p)) {
    runs += check_dw(&p, (sweep.variant / 2) % 2, sweep.variant % 5 == 0, "sweep");
    configs++;
  }
  printf("kernels_q8_vnni: %d depthwise configurations, %d runs bit-identical\n", configs, runs);
}
END_TEST

/* Larger depthwise layers: MobileNetV2's (144 and 960 channels: whole blocks; 136 and 88: a
 * partial last one; the 960-channel one with every row padded reading the in_zp row across
 * its widest tile), BlazeFace's 5x5 ones, two images of a VALID 3x3, and rows of exactly one
 * row tile padded on both sides (4 wide at stride 1 and 2; 5x5 over 6 columns, two images). */
START_TEST(test_dwconv_vnni_layers) {
  rng_state = 22;
  int runs = 0;
  for (int u8 = 0; u8 < 2; u8++) {
    static const int32_t layers[][8] = {
        /* h, w, c, k, stride, SAME, batch */
        {19, 19, 144, 3, 1, 1, 1}, {20, 21, 136, 3, 2, 1, 1}, {5, 5, 960, 3, 1, 1, 1},
        {3, 12, 960, 5, 2, 1, 1},  {16, 16, 88, 5, 1, 1, 1},  {17, 17, 24, 5, 2, 1, 1},
        {9, 12, 40, 3, 1, 0, 2},   {4, 4, 48, 5, 1, 1, 1},    {7, 7, 32, 3, 2, 1, 1},
        {3, 6, 24, 5, 1, 1, 2},
    };
    for (size_t i = 0; i < sizeof layers / sizeof *layers; i++) {
      const int32_t *l = layers[i];
      ecnn_q8_conv_params p =
          tu_q8_dw_geometry(l[6], l[0], l[1], l[2], l[3], l[3], l[4], l[4], 1, 1, l[5] != 0);
      tu_q8_dw_quantization(&p, (int)i * 5 + u8 * 2);
      runs += check_dw(&p, (int)i % 2, false, "layer");
    }
  }
  printf("kernels_q8_vnni: %d depthwise layer runs bit-identical\n", runs);
}
END_TEST

/* The two-row tiles (stride_h 1, dilation_h 1): output heights 1 to 6 (odd and even, a last
 * row alone), SAME (padded top and bottom rows, one row padded on both sides) and VALID, one
 * and two images (a pair never spans two), 3x3 and 5x5 at stride_w 1 and 2, widths of one
 * row tile and of several with edge tiles, whole and partial blocks; tu_row_ranges' cuts
 * start ranges at odd rows and end them mid-pair. */
START_TEST(test_dwconv_vnni_two_rows) {
  rng_state = 23;
  int runs = 0, v = 0;
  static const int32_t cases[][4] = {
      /* kernel, stride_w, SAME, width */
      {3, 1, 1, 9}, {3, 1, 0, 6}, {3, 2, 1, 11}, {5, 1, 1, 7}, {5, 1, 0, 9}, {5, 2, 1, 8},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    for (int32_t oh = 1; oh <= 6; oh++)
      for (int32_t batch = 1; batch <= 2; batch++) {
        const int32_t *c = cases[i], ks = c[0];
        const int32_t h = c[2] ? oh : oh + ks - 1, ch = (oh + batch) % 2 ? 32 : 24;
        ecnn_q8_conv_params p =
            tu_q8_dw_geometry(batch, h, c[3], ch, ks, ks, 1, c[1], 1, 1, c[2] != 0);
        ck_assert_int_eq(p.out_h, oh);
        tu_q8_dw_quantization(&p, v);
        runs += check_dw(&p, v % 2, v % 7 == 0, "two rows");
        v++;
      }
  printf("kernels_q8_vnni: %d two-row depthwise runs bit-identical\n", runs);
}
END_TEST

/* What the kernels decline: CONV_2D groups, uint8 weights, weight zero points; DEPTHWISE
 * depth multipliers other than 1 and kernels over 64 taps (it takes weights of any type and
 * zero point). */
START_TEST(test_vnni_declines) {
  for (int i = 0; i < 2; i++) { /* (packing is plain C: the native build runs anywhere) */
    const impl *im = &impls[i];
    ecnn_q8_conv_params p = tu_q8_conv_geometry(1, 8, 8, 16, 16, 3, 1, 1, true);
    quantization(&p, 0);
    ck_assert(im->packed_bytes(&p) > 0);
    p.u8 = true;
    ck_assert(im->packed_bytes(&p) > 0); /* uint8 activations: taken */
    p.groups = 2;
    ck_assert_uint_eq(im->packed_bytes(&p), 0);
    p.groups = 1, p.w_zp = 3;
    ck_assert_uint_eq(im->packed_bytes(&p), 0);
    p.w_zp = 0, p.w_u8 = true;
    ck_assert_uint_eq(im->packed_bytes(&p), 0);
    p = tu_q8_dw_geometry(1, 9, 9, 16, 8, 8, 1, 1, 1, 1, true);
    tu_q8_dw_quantization(&p, 1); /* uint8 weights with a zero point: taken */
    ck_assert(im->dw_packed_bytes(&p) > 0);
    p = tu_q8_dw_geometry(1, 9, 9, 16, 9, 9, 1, 1, 1, 1, true); /* 81 taps */
    ck_assert_uint_eq(im->dw_packed_bytes(&p), 0);
    p = tu_q8_dw_geometry(1, 9, 9, 8, 3, 3, 1, 1, 1, 1, true);
    p.out_c = 16, p.depth_multiplier = 2;
    ck_assert_uint_eq(im->dw_packed_bytes(&p), 0);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernels_q8_vnni");
  TCase *tc = tcase_create("kernels_q8_vnni");
  tcase_set_timeout(tc, 900);
  tcase_add_test(tc, test_conv_vnni_vs_scalar);
  tcase_add_test(tc, test_conv_vnni_layers);
  tcase_add_test(tc, test_conv_vnni_small_depth);
  tcase_add_test(tc, test_requant_edges);
  tcase_add_test(tc, test_dwconv_vnni_vs_scalar);
  tcase_add_test(tc, test_dwconv_vnni_layers);
  tcase_add_test(tc, test_dwconv_vnni_two_rows);
  tcase_add_test(tc, test_vnni_declines);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
