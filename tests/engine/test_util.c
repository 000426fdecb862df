/*
 * test_util.c — helpers shared by the engine tests (see test_util.h).
 */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "ops/ops.h"

int tu_run_suite(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

uint8_t *tu_read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return NULL; }
  long n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
  uint8_t *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
  fclose(f);
  if (buf) { buf[n] = 0; if (size) *size = (size_t)n; }
  return buf;
}

int tu_write_file(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = fwrite(data, 1, size, f);
  return (fclose(f) == 0 && w == size) ? 0 : -1;
}

static const char *env_path(const char *var, const char *fallback, const char *name, char *buf,
                            size_t cap) {
  const char *dir = getenv(var);
  snprintf(buf, cap, "%s/%s", dir ? dir : fallback, name);
  return buf;
}

const char *tu_model_path(const char *name) {
  static char buf[4096];
  return env_path("ECNN_MODELS_DIR", "models", name, buf, sizeof buf);
}

const char *tu_data_path(const char *name) {
  static char buf[4096];
  return env_path("ECNN_TEST_DATA", "tests/data", name, buf, sizeof buf);
}

void tu_fill_rand_f32(float *x, size_t n, uint32_t seed) {
  uint32_t s = seed;
  for (size_t i = 0; i < n; i++) {
    s = 1664525u * s + 1013904223u;
    x[i] = (float)((double)(s >> 8) / 16777216.0 * 2.0 - 1.0);
  }
}

float tu_max_abs_diff(const float *a, const float *b, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; i++) {
    float d = fabsf(a[i] - b[i]);
    if (!(d <= m)) m = d; /* NaN propagates as a failure */
  }
  return m;
}

float tu_max_abs(const float *a, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; i++) if (fabsf(a[i]) > m) m = fabsf(a[i]);
  return m;
}

const char *tu_golden_path(const char *name) {
  static char buf[1024];
  const char *root = getenv("ECNN_SOURCE_ROOT");
  snprintf(buf, sizeof buf, "%s/tests/golden/%s", root ? root : ".", name);
  return buf;
}

float *tu_photo_f32(const char *name, int32_t size) {
  const size_t n = (size_t)size * size * 3;
  float *x = malloc(n * sizeof *x);
  if (!x) return NULL;
  if (!strcmp(name, "rand1")) {
    tu_fill_rand_f32(x, n, 1);
    return x;
  }
  char file[256];
  snprintf(file, sizeof file, "%s_%dx%d.rgb", name, (int)size, (int)size);
  size_t got = 0;
  uint8_t *u = tu_read_file(tu_golden_path(file), &got);
  if (!u || got != n) {
    free(u), free(x);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) x[i] = (float)u[i] / 127.5f - 1.0f;
  free(u);
  return x;
}

uint8_t *tu_quantize_on_photos(const uint8_t *model, size_t size, int32_t input_size,
                               size_t *out_size) {
  static const char *const photos[] = {"astronaut", "coffee"};
  ecnn_quantizer *q = NULL;
  uint8_t *file = NULL;
  *out_size = 0;
  if (ecnn_quantizer_create(model, size, 2, &q) != ECNN_STATUS_OK) return NULL;
  bool ok = true;
  for (int i = 0; i < 2 && ok; i++) {
    float *x = tu_photo_f32(photos[i], input_size);
    ok = x && ecnn_quantizer_observe(q, x, (size_t)input_size * input_size * 3 * sizeof(float)) ==
                  ECNN_STATUS_OK;
    free(x);
  }
  if (ok && ecnn_quantizer_write(q, NULL, &file, out_size, NULL) != ECNN_STATUS_OK) file = NULL;
  ecnn_quantizer_free(q);
  return file;
}

ecnn_q8_conv_params tu_q8_dw_geometry(int32_t batch, int32_t h, int32_t w, int32_t c,
                                      int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
                                      int32_t dw, bool same) {
  ecnn_q8_conv_params p;
  memset(&p, 0, sizeof p);
  p.batch = batch, p.in_h = h, p.in_w = w, p.in_c = p.out_c = c;
  p.kernel_h = kh, p.kernel_w = kw, p.stride_h = sh, p.stride_w = sw;
  p.dilation_h = dh, p.dilation_w = dw;
  p.groups = 1, p.depth_multiplier = 1;
  const ecnn_padding pad = same ? ECNN_PADDING_SAME : ECNN_PADDING_VALID;
  p.out_h = ecnn_conv_out_size(h, kh, sh, dh, pad, &p.pad_top);
  p.out_w = ecnn_conv_out_size(w, kw, sw, dw, pad, &p.pad_left);
  return p;
}

ecnn_q8_conv_params tu_q8_conv_geometry(int32_t batch, int32_t h, int32_t w, int32_t ic,
                                        int32_t oc, int32_t k, int32_t s, int32_t d, bool same) {
  ecnn_q8_conv_params p = tu_q8_dw_geometry(batch, h, w, ic, k, k, s, s, d, d, same);
  p.out_c = oc;
  return p;
}

ecnn_q8_conv_params tu_q8_conv_case(int32_t cfg, int32_t batch, int32_t width, int32_t ic,
                                    int32_t oc) {
  const int32_t k = cfg < 2 ? 1 : cfg == 6 ? 5 : 3;
  const int32_t s = cfg == 1 || cfg == 4 || cfg == 6 ? 2 : 1, d = cfg == 5 ? 2 : 1;
  return tu_q8_conv_geometry(batch, width + 2, width, ic, oc, k, s, d, cfg != 3);
}

enum { DW_CONFIGS = 22, DW_SIZES = 11 };

/* kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, SAME */
static const int32_t dw_cases[DW_CONFIGS][7] = {
    {3, 3, 1, 1, 1, 1, 1}, {3, 3, 2, 2, 1, 1, 1}, {3, 3, 1, 1, 1, 1, 0}, {3, 3, 2, 1, 1, 1, 1},
    {3, 3, 1, 1, 2, 1, 1}, {3, 3, 1, 2, 1, 1, 0}, {5, 5, 1, 1, 1, 1, 1}, {5, 5, 2, 2, 1, 1, 1},
    {5, 5, 1, 1, 1, 1, 0}, {5, 5, 2, 1, 2, 1, 1}, {3, 3, 1, 1, 2, 2, 1}, {5, 5, 1, 1, 2, 2, 1},
    {7, 7, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 0}, {2, 2, 2, 2, 1, 1, 0}, {3, 3, 3, 3, 1, 1, 1},
    {1, 3, 1, 1, 1, 1, 1}, {3, 1, 2, 1, 1, 1, 1}, {2, 5, 1, 2, 1, 1, 1}, {4, 4, 1, 1, 1, 1, 1},
    {5, 3, 3, 2, 1, 2, 0}, {4, 2, 1, 3, 1, 1, 1},
};

/* {h, w} */
static const int32_t dw_sizes[DW_SIZES][2] = {{1, 1}, {1, 7}, {7, 1}, {2, 3},  {3, 2},  {4, 5},
                                              {5, 4}, {6, 9}, {3, 13}, {9, 8}, {5, 16}};

bool tu_q8_dw_sweep_next(tu_q8_dw_sweep *s, ecnn_q8_conv_params *p) {
  for (; s->at < s->ncs * DW_SIZES * DW_CONFIGS; s->at++) {
    const int32_t cfg = s->at % DW_CONFIGS, sz = s->at / DW_CONFIGS % DW_SIZES;
    const int32_t *k = dw_cases[cfg];
    *p = tu_q8_dw_geometry(1 + (cfg + sz) % 2, dw_sizes[sz][0], dw_sizes[sz][1],
                           s->cs[s->at / (DW_CONFIGS * DW_SIZES)], k[0], k[1], k[2], k[3], k[4],
                           k[5], k[6] != 0);
    if (p->out_h < 1 || p->out_w < 1) continue;
    tu_q8_dw_quantization(p, s->variant++);
    s->at++;
    return true;
  }
  return false;
}

void tu_q8_dw_quantization(ecnn_q8_conv_params *p, int v) {
  static const int32_t i8_zps[] = {-128, 0, 127, -5}, u8_zps[] = {0, 128, 255, 77};
  static const int32_t i8_wzps[] = {0, 0, -3, 127}, u8_wzps[] = {128, 0, 255, 131};
  p->u8 = (v & 2) != 0;
  p->w_u8 = (v & 1) != 0;
  const int32_t *zps = p->u8 ? u8_zps : i8_zps;
  p->in_zp = zps[(v / 4) % 4];
  p->out_zp = zps[(v / 4 + v / 16 + 1) % 4];
  p->w_zp = (p->w_u8 ? u8_wzps : i8_wzps)[(v / 3) % 4];
  const int32_t lo = p->u8 ? 0 : -128, hi = p->u8 ? 255 : 127;
  p->out_min = lo, p->out_max = hi;
  if ((v / 7) % 3 == 1) p->out_min = p->out_zp > lo ? p->out_zp : lo; /* a RELU */
  if ((v / 7) % 3 == 2) p->out_min = lo + 40, p->out_max = hi - 50;    /* a RELU6-like clamp */
}

int32_t tu_row_ranges(int32_t rows, int split, int32_t (*r)[2]) {
  int32_t n = 0;
  if (split == 0) {
    r[n][0] = 0, r[n++][1] = rows;
  } else if (split == 1) {
    for (int32_t i = rows - 1; i >= 0; i--) r[n][0] = i, r[n++][1] = i + 1;
  } else if (split == 2) {
    const int32_t mid = rows / 2 + 1 < rows ? rows / 2 + 1 : rows;
    const int32_t cuts[] = {0, rows > 1 ? 1 : rows, mid, rows};
    for (int i = 0; i < 3; i++)
      if (cuts[i] < cuts[i + 1]) r[n][0] = cuts[i], r[n++][1] = cuts[i + 1];
  } else {
    for (int32_t i = 1; i < rows; i += 3) r[n][0] = i, r[n++][1] = i + 3 < rows ? i + 3 : rows;
    r[n][0] = 0, r[n++][1] = rows > 0 ? 1 : 0;
  }
  return n;
}
