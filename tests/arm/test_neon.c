/*
 * test_neon.c — the ARM64 NEON kernels against their scalar twins, cross-built with
 * gcc-aarch64-linux-gnu and run under qemu-aarch64 (scripts/test_arm.sh; no Check or libyuv
 * for arm64 needed): CONV_2D over output channels below/at/above the 16-wide tile, odd widths,
 * strides, dilation, padding; DEPTHWISE over channel tails; then a whole model (the path given
 * on the command line) on the NEON path against the scalar path within 1e-4 relative.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "kernels/conv.h"
#include "kernels/isa.h"

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

int main(int argc, char **argv) {
  CHECK(ecnn_isa_best() == ECNN_ISA_NEON, "NEON not detected (%s)", ecnn_isa_name(ecnn_isa_best()));
  test_conv();
  test_dwconv();
  for (int i = 1; i < argc; i++) test_model(argv[i]);
  printf("neon: %s\n", failures ? "FAILED" : "all passed");
  return failures ? 1 : 0;
}
