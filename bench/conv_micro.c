/*
 * conv_micro.c — times the packed CONV_2D and the depthwise kernels on the SSD model's (and
 * BlazeFace's) layer shapes, one thread, hot caches, and prints GMAC/s per shape: the fastest
 * of 15 timings (the least disturbed on a shared machine). A development benchmark for kernel
 * tuning: `build/src/conv_micro [isa [filter]]` (isa: scalar|avx2|avx512|neon; default: the best;
 * filter: only the shapes whose name contains it, e.g. to profile one with perf).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "micro_util.h"
#include "kernels/conv.h"
#include "kernels/isa.h"
#include "ops/ops.h"

typedef struct shape { const char *name; int32_t h, w, ic, oc, k, s; } shape;

int main(int argc, char **argv) {
  static const shape shapes[] = {
      {"first 3x3/2 3->32", 300, 300, 3, 32, 3, 2},   {"first 5x5/2 3->24 (BlazeFace)", 128, 128, 3, 24, 5, 2},
      {"1x1 150x150 32->16", 150, 150, 32, 16, 1, 1},
      {"1x1 150x150 16->96", 150, 150, 16, 96, 1, 1},
      /* the same layer as the SSD's fused block runs it: the 3 rows one band reads, its
       * output in L2 (the whole image's 8.6 MB output goes to memory, which sets the pace) */
      {"1x1 3x150 16->96 (one fused band)", 3, 150, 16, 96, 1, 1},
      {"1x1 75x75 144->24", 75, 75, 144, 24, 1, 1},
      {"1x1 38x38 32->192", 38, 38, 32, 192, 1, 1},   {"1x1 19x19 96->576", 19, 19, 96, 576, 1, 1},
      {"1x1 19x19 576->96", 19, 19, 576, 96, 1, 1},   {"1x1 10x10 960->320", 10, 10, 960, 320, 1, 1},
      {"1x1 10x10 320->1280", 10, 10, 320, 1280, 1, 1}, {"3x3/2 10x10 256->512", 10, 10, 256, 512, 3, 2},
      {"3x3/2 5x5 128->256", 5, 5, 128, 256, 3, 2},
  };
  if (argc > 1) {
    for (ecnn_isa i = ECNN_ISA_SCALAR; i <= ECNN_ISA_NEON; i++)
      if (!strcmp(argv[1], ecnn_isa_name(i))) ecnn_isa_set(i);
  }
  const ecnn_isa isa = ecnn_isa_active();
  printf("isa %s\n", ecnn_isa_name(isa));
  for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
    const shape *sh = &shapes[k];
    if (argc > 2 && !strstr(sh->name, argv[2])) continue;
    ecnn_conv_params p;
    memset(&p, 0, sizeof p);
    p.batch = 1, p.in_h = sh->h, p.in_w = sh->w, p.in_c = sh->ic, p.out_c = sh->oc;
    p.kernel_h = p.kernel_w = sh->k, p.stride_h = p.stride_w = sh->s;
    p.dilation_h = p.dilation_w = 1, p.groups = 1, p.depth_multiplier = 1;
    p.out_h = ecnn_conv_out_size(sh->h, sh->k, sh->s, 1, ECNN_PADDING_SAME, &p.pad_top);
    p.out_w = ecnn_conv_out_size(sh->w, sh->k, sh->s, 1, ECNN_PADDING_SAME, &p.pad_left);
    p.out_min = 0, p.out_max = 6;
    const size_t ni = (size_t)p.in_h * p.in_w * p.in_c, nw = (size_t)p.out_c * sh->k * sh->k * p.in_c;
    const size_t no = (size_t)p.out_h * p.out_w * p.out_c;
    float *in = malloc(ni * 4), *w = malloc(nw * 4), *bias = calloc((size_t)p.out_c, 4);
    float *out = malloc(no * 4);
    for (size_t i = 0; i < ni; i++) in[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < nw; i++) w[i] = (float)(i % 5) * 0.01f;
    float *pk = ecnn_f32_conv2d_pack(&p, w, bias);
    const float *bp = pk + (size_t)sh->k * sh->k * p.in_c * (((size_t)p.out_c + 31) & ~(size_t)31);
    const int64_t npx = (int64_t)p.out_h * p.out_w;
    const int32_t nob = (p.out_c + 31) / 32;
    const double macs = (double)npx * p.out_c * sh->k * sh->k * p.in_c;
    int reps = (int)(2e8 / macs) + 1;
    double t[15];
    for (int r = 0; r < 15; r++) {
      const double t0 = now();
      for (int i = 0; i < reps; i++) {
        if (isa == ECNN_ISA_AVX512) ecnn_f32_conv2d_packed__avx512(&p, in, pk, bp, out, 0, npx, 0, nob);
        else if (isa == ECNN_ISA_NEON) ecnn_f32_conv2d_packed__neon(&p, in, pk, bp, out, 0, npx, 0, nob);
        else ecnn_f32_conv2d_packed__avx2(&p, in, pk, bp, out, 0, npx, 0, nob);
      }
      t[r] = (now() - t0) / reps;
    }
    qsort(t, 15, sizeof *t, cmp);
    printf("%-30s %8.3f ms %7.1f GMAC/s\n", sh->name, 1e3 * t[0], macs / t[0] / 1e9);
    free(in), free(w), free(bias), free(out), free(pk);
  }
  /* depthwise 3x3 (SSD) and 5x5 (BlazeFace) */
  static const shape dws[] = {
      {"dw3x3 150x150x32", 150, 150, 32, 32, 3, 1}, {"dw3x3/2 150x150x96", 150, 150, 96, 96, 3, 2},
      {"dw3x3 75x75x144", 75, 75, 144, 144, 3, 1},  {"dw3x3 19x19x384", 19, 19, 384, 384, 3, 1},
      {"dw3x3 10x10x960", 10, 10, 960, 960, 3, 1},  {"dw5x5 64x64x24", 64, 64, 24, 24, 5, 1},
      {"dw5x5 16x16x96", 16, 16, 96, 96, 5, 1},
  };
  for (size_t k = 0; k < sizeof dws / sizeof *dws; k++) {
    const shape *sh = &dws[k];
    if (argc > 2 && !strstr(sh->name, argv[2])) continue;
    ecnn_conv_params p;
    memset(&p, 0, sizeof p);
    p.batch = 1, p.in_h = sh->h, p.in_w = sh->w, p.in_c = p.out_c = sh->ic;
    p.kernel_h = p.kernel_w = sh->k, p.stride_h = p.stride_w = sh->s;
    p.dilation_h = p.dilation_w = 1, p.groups = 1, p.depth_multiplier = 1;
    p.out_h = ecnn_conv_out_size(sh->h, sh->k, sh->s, 1, ECNN_PADDING_SAME, &p.pad_top);
    p.out_w = ecnn_conv_out_size(sh->w, sh->k, sh->s, 1, ECNN_PADDING_SAME, &p.pad_left);
    p.out_min = 0, p.out_max = 6;
    const size_t ni = (size_t)p.in_h * p.in_w * p.in_c, nw = (size_t)sh->k * sh->k * p.out_c;
    const size_t no = (size_t)p.out_h * p.out_w * p.out_c;
    float *in = aligned_alloc(64, (ni * 4 + 63) & ~(size_t)63), *w = aligned_alloc(64, (nw * 4 + 63) & ~(size_t)63);
    float *bias = calloc((size_t)p.out_c, 4), *out = aligned_alloc(64, (no * 4 + 63) & ~(size_t)63);
    for (size_t i = 0; i < ni; i++) in[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < nw; i++) w[i] = (float)(i % 5) * 0.01f;
    const double macs = (double)no * sh->k * sh->k;
    int reps = (int)(5e7 / macs) + 1;
    double t[15];
    for (int r = 0; r < 15; r++) {
      const double t0 = now();
      for (int i = 0; i < reps; i++) {
        if (isa == ECNN_ISA_AVX512) ecnn_f32_dwconv2d_rows__avx512(&p, in, w, bias, out, 0, p.out_h);
        else if (isa == ECNN_ISA_NEON) ecnn_f32_dwconv2d_rows__neon(&p, in, w, bias, out, 0, p.out_h);
        else if (isa == ECNN_ISA_AVX2) ecnn_f32_dwconv2d_rows__avx2(&p, in, w, bias, out, 0, p.out_h);
        else ecnn_f32_dwconv2d__scalar(&p, in, w, bias, out);
      }
      t[r] = (now() - t0) / reps;
    }
    qsort(t, 15, sizeof *t, cmp);
    printf("%-30s %8.3f ms %7.1f GMAC/s\n", sh->name, 1e3 * t[0], macs / t[0] / 1e9);
    free(in), free(w), free(bias), free(out);
  }
  return 0;
}
