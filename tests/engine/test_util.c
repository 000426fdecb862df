/*
 * test_util.c — helpers shared by the engine tests (see test_util.h).
 */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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
