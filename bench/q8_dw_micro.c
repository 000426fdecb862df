/*
 * q8_dw_micro.c — times the int8 DEPTHWISE_CONV_2D VNNI kernel on the int8 SSD's 17 depthwise
 * layers (MobileNetV2: 3x3, strides 1 and 2, SAME), one thread, hot caches, and checks it against
 * the scalar kernel once per shape. Per shape the fastest of 15 timings (the least disturbed on a
 * shared machine), then their sum over the model's layers. A development benchmark for kernel
 * tuning: `build/src/q8_dw_micro [filter [scale]]` (only the shapes whose name contains it; scale
 * times the repetitions, e.g. 50 to profile one with perf); it needs a CPU with AVX-512 VNNI.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "micro_util.h"
#include "kernels/isa.h"
#include "kernels/q8_conv.h"
#include "ops/ops.h"

typedef struct shape { const char *name; int32_t h, w, c, s, n; } shape; /* n: layers */

int main(int argc, char **argv) {
  static const shape shapes[] = {
      /* input h, w, c, stride, layers */
      {"150x150x32", 150, 150, 32, 1, 1}, {"150x150x96/2", 150, 150, 96, 2, 1},
      {"75x75x144", 75, 75, 144, 1, 1},   {"75x75x144/2", 75, 75, 144, 2, 1},
      {"38x38x192", 38, 38, 192, 1, 2},   {"38x38x192/2", 38, 38, 192, 2, 1},
      {"19x19x384", 19, 19, 384, 1, 4},   {"19x19x576", 19, 19, 576, 1, 2},
      {"19x19x576/2", 19, 19, 576, 2, 1}, {"10x10x960", 10, 10, 960, 1, 3},
  };
  if (!ecnn_isa_has_vnni()) {
    printf("no AVX-512 VNNI\n");
    return 0;
  }
  double total = 0;
  for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
    const shape *sh = &shapes[k];
    if (argc > 1 && !strstr(sh->name, argv[1])) continue;
    ecnn_q8_conv_params p;
    memset(&p, 0, sizeof p);
    p.batch = 1, p.in_h = sh->h, p.in_w = sh->w, p.in_c = p.out_c = sh->c;
    p.kernel_h = p.kernel_w = 3, p.stride_h = p.stride_w = sh->s;
    p.dilation_h = p.dilation_w = 1, p.groups = 1, p.depth_multiplier = 1;
    p.out_h = ecnn_conv_out_size(sh->h, 3, sh->s, 1, ECNN_PADDING_SAME, &p.pad_top);
    p.out_w = ecnn_conv_out_size(sh->w, 3, sh->s, 1, ECNN_PADDING_SAME, &p.pad_left);
    p.in_zp = -3, p.out_zp = -128, p.out_min = -128, p.out_max = 127;
    const size_t ni = (size_t)p.in_h * p.in_w * p.in_c, nw = (size_t)9 * p.out_c;
    const size_t no = (size_t)p.out_h * p.out_w * p.out_c;
    int8_t *in = malloc(ni), *w = malloc(nw), *out = malloc(no), *ref = malloc(no);
    int32_t *bias = malloc((size_t)p.out_c * 12), *mult = bias + p.out_c, *shift = mult + p.out_c;
    for (size_t i = 0; i < ni; i++) in[i] = (int8_t)(i * 37 % 251);
    for (size_t i = 0; i < nw; i++) w[i] = (int8_t)(i * 13 % 255);
    for (int32_t c = 0; c < p.out_c; c++) bias[c] = c * 97 - 3000, mult[c] = 1 << 30, shift[c] = -9;
    void *block = aligned_alloc(64, (ecnn_q8_dwconv2d_packed_bytes_vnni(&p) + 63) & ~(size_t)63);
    const ecnn_q8_packed_vnni *pk = ecnn_q8_dwconv2d_pack_vnni(&p, w, bias, mult, shift, block);
    ecnn_q8_dwconv2d__scalar(&p, in, w, bias, mult, shift, ref, 0, p.out_h);
    ecnn_q8_dwconv2d__avx512vnni(&p, pk, in, out, 0, p.out_h);
    const bool same = !memcmp(out, ref, no);
    const double macs = (double)no * 9;
    int reps = (int)(2e7 * (argc > 2 ? atof(argv[2]) : 1) / macs) + 1;
    double t[15];
    for (int r = 0; r < 15; r++) {
      const double t0 = now();
      for (int i = 0; i < reps; i++) ecnn_q8_dwconv2d__avx512vnni(&p, pk, in, out, 0, p.out_h);
      t[r] = (now() - t0) / reps;
    }
    qsort(t, 15, sizeof *t, cmp);
    total += t[0] * sh->n;
    printf("%-14s x%d %8.4f ms %7.1f GMAC/s%s\n", sh->name, sh->n, 1e3 * t[0],
           macs / t[0] / 1e9, same ? "" : "  DIFFERS FROM SCALAR");
    free(in), free(w), free(out), free(ref), free(bias), free(block);
  }
  printf("total (the model's 17 layers) %.4f ms\n", 1e3 * total);
  return 0;
}
