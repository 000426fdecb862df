/*
 * edgecnn.c — the `edgecnn` command (contract in ARCHITECTURE.md, usage in docs/cli.md):
 *   info MODEL                      inputs, outputs, op histogram, MACs, params, arena bytes
 *   run MODEL --input IN.bin --output-dir DIR   raw outputs + outputs.json
 *   detect MODEL IMAGE...           one JSON line per detection, in image pixels
 *   bench MODEL                     latency per backend x threads
 * Exit status: 0 ok, 1 bad input or failed run ("edgecnn: error: ..." on stderr), 2 bad usage.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <gst/gst.h>

#include "decode.h"
#include "edgecnn.h"

#define EXIT_BAD_INPUT 1
#define EXIT_USAGE 2

static int fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("edgecnn: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return EXIT_BAD_INPUT;
}

static int usage(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int usage(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("edgecnn: usage error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("\n(run 'edgecnn --help')\n", stderr);
  va_end(ap);
  return EXIT_USAGE;
}

static const char *help_text =
    "usage: edgecnn COMMAND MODEL [options]\n"
    "  info   MODEL                      inputs, outputs, op histogram, MACs, params, arena\n"
    "  run    MODEL --input IN.bin --output-dir DIR [--threads N] [--precision fp32|int8]\n"
    "                [--backend native|xnnpack]\n"
    "         IN.bin: the raw input tensor (little-endian, the input's dtype); writes\n"
    "         DIR/output<i>.bin (float32) and DIR/outputs.json\n"
    "  detect MODEL IMAGE... [--threshold T] [--config SIDECAR] [--threads N]\n"
    "         one JSON object per line per detection, in pixels of the image\n"
    "  bench  MODEL [--threads 1,2] [--runs N] [--warmup N] [--block N] [--precision fp32|int8]\n"
    "                [--backend native,xnnpack]\n"
    "         configurations take turns in blocks of N consecutive timed runs (default 5),\n"
    "         each block after one untimed run; median / min / mean over all blocks\n"
    "  quantize MODEL --calibration DIR|IMAGE[,IMAGE...] -o OUT.tflite [--method minmax|percentile]\n"
    "                [--percentile P] [--float-outputs] [--config SIDECAR] [--threads N]\n"
    "         post-training int8 quantization: the images, preprocessed as the model's sidecar\n"
    "         says, give every tensor's range (min/max, or the range holding P%% of the values,\n"
    "         default 99.99); writes an int8 TFLite model and its sidecar OUT.tflite.ini;\n"
    "         --float-outputs keeps the layers that compute the outputs float\n"
    "  prune  MODEL --sparsity S -o OUT.tflite [--block-channels B]\n"
    "         zeroes the share S (0..1) of each 1x1 convolution's weight blocks with the\n"
    "         smallest magnitudes (B output channels of one input channel, default 32: what\n"
    "         the float kernels skip); writes a float TFLite model and its sidecar\n"
    "exit status: 0 ok, 1 bad input or failed run, 2 bad usage\n";

static void shape_str(const ecnn_tensor_info *t, char *buf, size_t n) {
  size_t k = 0;
  buf[0] = 0;
  for (int32_t i = 0; i < t->ndim && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, i ? "x%d" : "%d", (int)t->dims[i]);
  if (t->ndim == 0) snprintf(buf, n, "scalar");
}

/* Prints s as a JSON string literal. */
static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 32) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

static int load_model(const char *path, ecnn_model **m) {
  if (ecnn_model_load_file(path, m) != ECNN_STATUS_OK) return fail("%s", ecnn_last_error());
  return 0;
}

/* ---- info ---- */

typedef struct op_count { const char *name; int count; } op_count;

static int cmp_ops(const void *a, const void *b) {
  const op_count *x = a, *y = b;
  return x->count != y->count ? y->count - x->count : strcmp(x->name, y->name);
}

static int cmd_info(int argc, char **argv) {
  if (argc != 1) return usage("info takes exactly one MODEL");
  ecnn_model *m = NULL;
  int rc = load_model(argv[0], &m);
  if (rc) return rc;
  char shp[128];
  printf("model: %s\n", argv[0]);
  for (int32_t i = 0; i < ecnn_model_input_count(m); i++) {
    ecnn_tensor_info t;
    ecnn_model_input_info(m, i, &t);
    shape_str(&t, shp, sizeof shp);
    printf("input %d: %s %s %s\n", (int)i, t.name, ecnn_dtype_name(t.dtype), shp);
  }
  for (int32_t i = 0; i < ecnn_model_output_count(m); i++) {
    ecnn_tensor_info t;
    ecnn_model_output_info(m, i, &t);
    shape_str(&t, shp, sizeof shp);
    printf("output %d: %s %s %s\n", (int)i, t.name, ecnn_dtype_name(t.dtype), shp);
  }
  int32_t nops = ecnn_model_op_count(m);
  op_count hist[64];
  int nh = 0;
  for (int32_t i = 0; i < nops; i++) {
    const char *name = ecnn_model_op_name(m, i);
    int k = 0;
    while (k < nh && strcmp(hist[k].name, name)) k++;
    if (k == nh && nh < 64) hist[nh++] = (op_count){name, 0};
    if (k < nh) hist[k].count++;
  }
  qsort(hist, (size_t)nh, sizeof hist[0], cmp_ops);
  printf("ops: %d\n", (int)nops);
  for (int k = 0; k < nh; k++) printf("  %-24s %d\n", hist[k].name, hist[k].count);
  ecnn_model_stats s;
  ecnn_model_get_stats(m, &s);
  printf("int8 ops: %d%s\n", (int)s.quantized_ops, s.quantized_ops ? "" : " (a float model)");
  printf("macs: %lld (%.1f M)\n", (long long)s.macs, (double)s.macs / 1e6);
  printf("params: %lld\n", (long long)s.params);
  printf("weight bytes: %lld\n", (long long)s.weight_bytes);
  printf("arena bytes: %lld (peak of the memory plan; %lld without planning)\n",
         (long long)s.arena_bytes, (long long)s.naive_bytes);
  ecnn_model_free(m);
  return 0;
}

/* ---- shared option parsing ---- */

typedef struct cli_opts {
  const char *input, *output_dir, *config;
  const char *calibration, *output, *method; /* quantize, prune */
  double percentile, sparsity;
  bool float_outputs;
  int block_channels;
  char threads[64], backend[64];
  const char *precision;
  float threshold;
  bool has_threshold;
  int runs, warmup, block;
} cli_opts;

/* Parses options after the positional arguments; positional ones are collected in pos. */
static int parse_opts(int argc, char **argv, cli_opts *o, char **pos, int *npos, int maxpos) {
  memset(o, 0, sizeof *o);
  snprintf(o->threads, sizeof o->threads, "1");
  snprintf(o->backend, sizeof o->backend, "native");
  o->precision = "fp32";
  o->runs = 20;
  o->warmup = 3;
  o->block = 5;
  o->method = "minmax";
  o->percentile = 99.99;
  o->sparsity = -1;
  o->block_channels = 32;
  *npos = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || !a[1]) {
      if (*npos >= maxpos) return usage("unexpected argument '%s'", a);
      pos[(*npos)++] = argv[i];
      continue;
    }
    if (!strcmp(a, "--float-outputs")) { /* the one option without a value */
      o->float_outputs = true;
      continue;
    }
    if (i + 1 >= argc) return usage("option %s needs a value", a);
    const char *v = argv[++i];
    char *end;
    if (!strcmp(a, "--input")) o->input = v;
    else if (!strcmp(a, "--output-dir")) o->output_dir = v;
    else if (!strcmp(a, "--config")) o->config = v;
    else if (!strcmp(a, "--calibration")) o->calibration = v;
    else if (!strcmp(a, "-o") || !strcmp(a, "--output")) o->output = v;
    else if (!strcmp(a, "--method")) o->method = v;
    else if (!strcmp(a, "--sparsity")) {
      o->sparsity = strtod(v, &end);
      if (*end || !(o->sparsity >= 0 && o->sparsity < 1))
        return usage("--sparsity must be a number in [0, 1), got '%s'", v);
    } else if (!strcmp(a, "--block-channels")) {
      long n = strtol(v, &end, 10);
      if (*end || n < 1 || n > 1024) return usage("--block-channels must be 1..1024, got '%s'", v);
      o->block_channels = (int)n;
    } else if (!strcmp(a, "--percentile")) {
      o->percentile = strtod(v, &end);
      if (*end || !(o->percentile > 50 && o->percentile <= 100))
        return usage("--percentile must be a number in (50, 100], got '%s'", v);
    }
    else if (!strcmp(a, "--precision")) o->precision = v;
    else if (!strcmp(a, "--threads")) snprintf(o->threads, sizeof o->threads, "%s", v);
    else if (!strcmp(a, "--backend")) snprintf(o->backend, sizeof o->backend, "%s", v);
    else if (!strcmp(a, "--threshold")) {
      o->threshold = strtof(v, &end);
      if (*end || !(o->threshold >= 0 && o->threshold <= 1))
        return usage("--threshold must be a number in 0..1, got '%s'", v);
      o->has_threshold = true;
    } else if (!strcmp(a, "--runs") || !strcmp(a, "--warmup") || !strcmp(a, "--block")) {
      long n = strtol(v, &end, 10);
      if (*end || n < (a[2] == 'w' ? 0 : 1) || n > 100000) return usage("bad %s '%s'", a, v);
      if (a[2] == 'r') o->runs = (int)n;
      else if (a[2] == 'b') o->block = (int)n;
      else o->warmup = (int)n;
    } else
      return usage("unknown option '%s'", a);
  }
  return 0;
}

static int parse_session_opts(const cli_opts *o, const char *backend, int threads,
                              ecnn_session_options *so) {
  ecnn_session_options_init(so);
  so->threads = threads;
  if (!strcmp(o->precision, "fp32")) so->precision = ECNN_PRECISION_FP32;
  else if (!strcmp(o->precision, "int8")) so->precision = ECNN_PRECISION_INT8;
  else return usage("--precision must be fp32 or int8, got '%s'", o->precision);
  if (!strcmp(backend, "native")) so->backend = ECNN_BACKEND_NATIVE;
  else if (!strcmp(backend, "xnnpack")) so->backend = ECNN_BACKEND_XNNPACK;
  else return usage("--backend must be native or xnnpack, got '%s'", backend);
  return 0;
}

static int parse_threads(const char *s, int *out, int max, int *n) {
  char buf[64];
  snprintf(buf, sizeof buf, "%s", s);
  *n = 0;
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    char *end;
    long v = strtol(t, &end, 10);
    if (*end || v < 1 || v > 256 || *n >= max) return usage("bad --threads '%s'", s);
    out[(*n)++] = (int)v;
  }
  return *n ? 0 : usage("bad --threads '%s'", s);
}

/* ---- run ---- */

static int cmd_run(int argc, char **argv) {
  cli_opts o;
  char *pos[1];
  int npos, rc, threads[1], nt;
  if ((rc = parse_opts(argc, argv, &o, pos, &npos, 1))) return rc;
  if (npos != 1 || !o.input || !o.output_dir)
    return usage("run needs MODEL --input IN.bin --output-dir DIR");
  if ((rc = parse_threads(o.threads, threads, 1, &nt))) return rc;
  ecnn_session_options so;
  if ((rc = parse_session_opts(&o, o.backend, threads[0], &so))) return rc;
  ecnn_model *m = NULL;
  if ((rc = load_model(pos[0], &m))) return rc;
  ecnn_session *s = NULL;
  gchar *in = NULL;
  gsize in_len = 0;
  GError *err = NULL;
  ecnn_tensor_info ti;
  if (ecnn_session_create(m, &so, &s) != ECNN_STATUS_OK) {
    rc = fail("%s", ecnn_last_error());
    goto done;
  }
  if (ecnn_model_input_count(m) != 1) {
    rc = fail("%s has %d inputs; run feeds exactly one", pos[0], (int)ecnn_model_input_count(m));
    goto done;
  }
  if (!g_file_get_contents(o.input, &in, &in_len, &err)) {
    rc = fail("cannot read input '%s': %s", o.input, err->message);
    g_clear_error(&err);
    goto done;
  }
  ecnn_model_input_info(m, 0, &ti);
  if (in_len != ti.bytes) {
    char shp[128];
    shape_str(&ti, shp, sizeof shp);
    rc = fail("input '%s' has %zu bytes; the model's input %s %s needs %zu", o.input,
              (size_t)in_len, ecnn_dtype_name(ti.dtype), shp, ti.bytes);
    goto done;
  }
  if (ecnn_session_set_input(s, 0, in, in_len) != ECNN_STATUS_OK ||
      ecnn_session_run(s) != ECNN_STATUS_OK) {
    rc = fail("%s", ecnn_last_error());
    goto done;
  }
  if (g_mkdir_with_parents(o.output_dir, 0755) != 0) {
    rc = fail("cannot create output directory '%s': %s", o.output_dir, g_strerror(errno));
    goto done;
  }
  GString *json = g_string_new("[");
  for (int32_t i = 0; i < ecnn_model_output_count(m) && !rc; i++) {
    const void *data;
    ecnn_session_output(s, i, &data, &ti);
    size_t n = ti.bytes / ecnn_dtype_size(ti.dtype);
    float *f = g_malloc(n * sizeof(float) + 1);
    for (size_t k = 0; k < n; k++) {
      switch (ti.dtype) {
      case ECNN_DTYPE_F32: f[k] = ((const float *)data)[k]; break;
      case ECNN_DTYPE_I8: f[k] = (((const int8_t *)data)[k] - ti.zero_point) * ti.scale; break;
      case ECNN_DTYPE_U8: f[k] = (((const uint8_t *)data)[k] - ti.zero_point) * ti.scale; break;
      case ECNN_DTYPE_I32: f[k] = (float)((const int32_t *)data)[k]; break;
      default: f[k] = NAN; break;
      }
    }
    gchar *name = g_strdup_printf("output%d.bin", (int)i);
    gchar *path = g_build_filename(o.output_dir, name, NULL);
    if (!g_file_set_contents(path, (const gchar *)f, (gssize)(n * sizeof(float)), &err)) {
      rc = fail("cannot write '%s': %s", path, err->message);
      g_clear_error(&err);
    }
    g_string_append_printf(json, "%s\n {\"name\": \"", i ? "," : "");
    for (const char *c = ti.name; *c; c++) {
      if (*c == '"' || *c == '\\') g_string_append_c(json, '\\');
      g_string_append_c(json, *c);
    }
    g_string_append(json, "\", \"shape\": [");
    for (int32_t d = 0; d < ti.ndim; d++)
      g_string_append_printf(json, d ? ", %d" : "%d", (int)ti.dims[d]);
    g_string_append_printf(json, "], \"dtype\": \"float32\", \"file\": \"%s\"}", name);
    g_free(f);
    g_free(name);
    g_free(path);
  }
  g_string_append(json, "\n]\n");
  if (!rc) {
    gchar *path = g_build_filename(o.output_dir, "outputs.json", NULL);
    if (!g_file_set_contents(path, json->str, (gssize)json->len, &err)) {
      rc = fail("cannot write '%s': %s", path, err->message);
      g_clear_error(&err);
    }
    g_free(path);
  }
  g_string_free(json, TRUE);
done:
  g_free(in);
  ecnn_session_free(s);
  ecnn_model_free(m);
  return rc;
}

/* ---- detect ---- */

#define MAX_DETECTIONS 256

static int cmd_detect(int argc, char **argv) {
  cli_opts o;
  char **pos = g_new0(char *, (gsize)argc + 1);
  int npos, rc, threads[1], nt;
  ecnn_config cfg;
  ecnn_detector *det = NULL;
  ecnn_config_init(&cfg);
  if ((rc = parse_opts(argc, argv, &o, pos, &npos, argc))) goto out;
  if (npos < 2) {
    rc = usage("detect needs MODEL and at least one IMAGE");
    goto out;
  }
  if ((rc = parse_threads(o.threads, threads, 1, &nt))) goto out;
  ecnn_session_options so;
  if ((rc = parse_session_opts(&o, o.backend, threads[0], &so))) goto out;
  ecnn_status st = o.config ? ecnn_config_load_file(&cfg, o.config)
                            : ecnn_config_load_for_model(&cfg, pos[0]);
  if (st != ECNN_STATUS_OK) {
    rc = fail("%s%s", ecnn_last_error(),
              o.config ? "" : " (write one, see docs/sidecar.md, or pass --config)");
    goto out;
  }
  snprintf(cfg.model_path, sizeof cfg.model_path, "%s", pos[0]);
  if (o.has_threshold) cfg.decode.score_threshold = o.threshold;
  if (ecnn_detector_create(&cfg, &so, &det) != ECNN_STATUS_OK) {
    rc = fail("%s", ecnn_last_error());
    goto out;
  }
  ecnn_detection dets[MAX_DETECTIONS];
  for (int i = 1; i < npos; i++) {
    cli_image img;
    char err[512];
    if (!cli_decode_image(pos[i], &img, err, sizeof err)) {
      rc = fail("%s", err);
      continue; /* the other images still get their detections */
    }
    ecnn_image im = {.format = ECNN_PIXEL_RGB24, .width = img.width, .height = img.height};
    im.planes[0] = img.rgb;
    im.strides[0] = img.width * 3;
    int32_t n = 0;
    if (ecnn_detector_detect(det, &im, dets, MAX_DETECTIONS, &n) != ECNN_STATUS_OK) {
      rc = fail("%s: %s", pos[i], ecnn_last_error());
      g_free(img.rgb);
      continue;
    }
    for (int32_t k = 0; k < n; k++) {
      const ecnn_detection *d = &dets[k];
      const char *label = ecnn_config_label(&cfg, d->class_id);
      char fallback[32];
      if (!label) {
        snprintf(fallback, sizeof fallback, "class %d", (int)d->class_id);
        label = fallback;
      }
      printf("{\"image\": ");
      json_str(stdout, pos[i]);
      printf(", \"label\": ");
      json_str(stdout, label);
      printf(", \"class_id\": %d, \"score\": %.4f, \"x\": %.1f, \"y\": %.1f, \"w\": %.1f, "
             "\"h\": %.1f",
             (int)d->class_id, (double)d->score, (double)d->xmin, (double)d->ymin,
             (double)(d->xmax - d->xmin), (double)(d->ymax - d->ymin));
      if (d->num_keypoints > 0) {
        printf(", \"keypoints\": [");
        for (int32_t p = 0; p < d->num_keypoints; p++)
          printf("%s[%.1f, %.1f]", p ? ", " : "", (double)d->keypoints[p][0],
                 (double)d->keypoints[p][1]);
        printf("]");
      }
      printf("}\n");
    }
    fflush(stdout);
    g_free(img.rgb);
  }
out:
  ecnn_detector_free(det);
  ecnn_config_clear(&cfg);
  g_free(pos);
  return rc;
}

/* ---- bench ---- */

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

#define MAX_CONFIGS 8

/* This core's fp32 multiply-accumulate peak, measured with independent FMA chains (the
 * yardstick for "% of peak"); 0 when the CPU has neither AVX-512 nor AVX2+FMA. */
#if defined(__x86_64__)
#include <immintrin.h>
/* Twelve independent FMA chains in named registers (an array may be kept in memory). */
#define FMA12(F, a)                                                                          \
  a##0 = F(a##0, m, c), a##1 = F(a##1, m, c), a##2 = F(a##2, m, c), a##3 = F(a##3, m, c),    \
  a##4 = F(a##4, m, c), a##5 = F(a##5, m, c), a##6 = F(a##6, m, c), a##7 = F(a##7, m, c),    \
  a##8 = F(a##8, m, c), a##9 = F(a##9, m, c), a##10 = F(a##10, m, c), a##11 = F(a##11, m, c)
__attribute__((target("avx512f"))) static double fma_peak_avx512(void) {
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  __m512 r0 = m, r1 = c, r2 = m, r3 = c, r4 = m, r5 = c, r6 = m, r7 = c, r8 = m, r9 = c,
         r10 = m, r11 = c;
  const long iters = 4000000;
  double t0 = now_ms();
  for (long k = 0; k < iters; k++) {
    FMA12(_mm512_fmadd_ps, r);
    __asm__ volatile("" : "+v"(r0), "+v"(r1), "+v"(r2), "+v"(r3), "+v"(r4), "+v"(r5));
    __asm__ volatile("" : "+v"(r6), "+v"(r7), "+v"(r8), "+v"(r9), "+v"(r10), "+v"(r11));
  }
  double ms = now_ms() - t0;
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(r0, r1), _mm512_add_ps(r2, r3)),
                           _mm512_add_ps(_mm512_add_ps(r4, r5), _mm512_add_ps(r6, r7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(r8, r9), _mm512_add_ps(r10, r11)));
  if (_mm512_reduce_add_ps(s) == 12345.0f) fprintf(stderr, " ");
  return 16.0 * 12 * iters / (ms * 1e6); /* GMAC/s */
}
__attribute__((target("avx2,fma"))) static double fma_peak_avx2(void) {
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  __m256 r0 = m, r1 = c, r2 = m, r3 = c, r4 = m, r5 = c, r6 = m, r7 = c, r8 = m, r9 = c,
         r10 = m, r11 = c;
  const long iters = 4000000;
  double t0 = now_ms();
  for (long k = 0; k < iters; k++) {
    FMA12(_mm256_fmadd_ps, r);
    __asm__ volatile("" : "+x"(r0), "+x"(r1), "+x"(r2), "+x"(r3), "+x"(r4), "+x"(r5));
    __asm__ volatile("" : "+x"(r6), "+x"(r7), "+x"(r8), "+x"(r9), "+x"(r10), "+x"(r11));
  }
  double ms = now_ms() - t0;
  float out[8];
  _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(r0, r1), _mm256_add_ps(r10, r11)));
  if (out[0] == 12345.0f) fprintf(stderr, " ");
  return 8.0 * 12 * iters / (ms * 1e6);
}
/* The int8 multiply-accumulate peak of what the int8 kernels use: AVX-512 VNNI vpdpbusd (64
 * MACs an instruction) when the CPU has it, else AVX2 vpmaddwd on widened values (16 MACs)
 * with the vpaddd each needs, twelve independent chains. */
#define MAC12(F, a) a##0 = F(a##0), a##1 = F(a##1), a##2 = F(a##2), a##3 = F(a##3), \
  a##4 = F(a##4), a##5 = F(a##5), a##6 = F(a##6), a##7 = F(a##7), a##8 = F(a##8),    \
  a##9 = F(a##9), a##10 = F(a##10), a##11 = F(a##11)
__attribute__((target("avx512f,avx512vnni"))) static double int8_peak_vnni(void) {
  const __m512i m = _mm512_set1_epi8(3), c = _mm512_set1_epi8(-5);
  __m512i r0 = m, r1 = c, r2 = m, r3 = c, r4 = m, r5 = c, r6 = m, r7 = c, r8 = m, r9 = c,
          r10 = m, r11 = c;
  const long iters = 4000000;
  double t0 = now_ms();
#define DP(x) _mm512_dpbusd_epi32(x, m, c)
  for (long k = 0; k < iters; k++) {
    MAC12(DP, r);
    __asm__ volatile("" : "+v"(r0), "+v"(r1), "+v"(r2), "+v"(r3), "+v"(r4), "+v"(r5));
    __asm__ volatile("" : "+v"(r6), "+v"(r7), "+v"(r8), "+v"(r9), "+v"(r10), "+v"(r11));
  }
#undef DP
  double ms = now_ms() - t0;
  __m512i s = _mm512_add_epi32(_mm512_add_epi32(r0, r11), _mm512_add_epi32(r5, r6));
  if (_mm512_reduce_add_epi32(s) == 12345) fprintf(stderr, " ");
  return 64.0 * 12 * iters / (ms * 1e6);
}
__attribute__((target("avx2"))) static double int8_peak_avx2(void) {
  const __m256i m = _mm256_set1_epi16(3), c = _mm256_set1_epi16(-5);
  __m256i r0 = m, r1 = c, r2 = m, r3 = c, r4 = m, r5 = c, r6 = m, r7 = c, r8 = m, r9 = c,
          r10 = m, r11 = c;
  const long iters = 4000000;
  double t0 = now_ms();
  (void)m; /* each chain multiplies its own accumulator: nothing to hoist out of the loop */
#define MW(x) _mm256_add_epi32(x, _mm256_madd_epi16(x, c))
  for (long k = 0; k < iters; k++) {
    MAC12(MW, r);
    __asm__ volatile("" : "+x"(r0), "+x"(r1), "+x"(r2), "+x"(r3), "+x"(r4), "+x"(r5));
    __asm__ volatile("" : "+x"(r6), "+x"(r7), "+x"(r8), "+x"(r9), "+x"(r10), "+x"(r11));
  }
#undef MW
  double ms = now_ms() - t0;
  int32_t out[8];
  _mm256_storeu_si256((__m256i *)out, _mm256_add_epi32(r0, r11));
  if (out[0] == 12345) fprintf(stderr, " ");
  return 16.0 * 12 * iters / (ms * 1e6);
}
#endif

/* The peak is the best of several short runs: one run on a shared machine can lose time to
 * a neighbour, and a low peak would flatter every %peak figure. int8: the int8 kernels'
 * multiply-accumulate peak instead of the fp32 FMA one. */
static double fma_peak(bool int8, const char **what) {
  double best = 0;
  *what = "fp32 FMA";
#if defined(__x86_64__)
  __builtin_cpu_init();
  for (int r = 0; r < 5; r++) {
    double g = 0;
    if (int8 && __builtin_cpu_supports("avx512vnni"))
      g = int8_peak_vnni(), *what = "int8 VNNI vpdpbusd";
    else if (int8 && __builtin_cpu_supports("avx2"))
      g = int8_peak_avx2(), *what = "int8 (AVX2 vpmaddwd + vpaddd)";
    else if (__builtin_cpu_supports("avx512f")) g = fma_peak_avx512();
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) g = fma_peak_avx2();
    if (g > best) best = g;
  }
#else
  (void)int8;
#endif
  return best;
}

/* Resident set size now and at its peak, from /proc/self/status (0 when unavailable). */
static void rss_mb(double *now, double *peak) {
  *now = *peak = 0;
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return;
  char line[256];
  while (fgets(line, sizeof line, f)) {
    long kb;
    if (sscanf(line, "VmRSS: %ld", &kb) == 1) *now = kb / 1024.0;
    if (sscanf(line, "VmHWM: %ld", &kb) == 1) *peak = kb / 1024.0;
  }
  fclose(f);
}

static int cmd_bench(int argc, char **argv) {
  cli_opts o;
  char *pos[1];
  int npos, rc, threads[4], nt;
  if ((rc = parse_opts(argc, argv, &o, pos, &npos, 1))) return rc;
  if (npos != 1) return usage("bench needs exactly one MODEL");
  if ((rc = parse_threads(o.threads, threads, 4, &nt))) return rc;
  const char *backends[2];
  int nb = 0;
  char bbuf[64];
  snprintf(bbuf, sizeof bbuf, "%s", o.backend);
  for (char *save = NULL, *t = strtok_r(bbuf, ",", &save); t && nb < 2;
       t = strtok_r(NULL, ",", &save))
    backends[nb++] = t;
  if (!nb) return usage("bad --backend '%s'", o.backend);
  ecnn_model *m = NULL;
  if ((rc = load_model(pos[0], &m))) return rc;
  ecnn_model_stats ms;
  ecnn_model_get_stats(m, &ms);
  ecnn_session *sess[MAX_CONFIGS] = {0};
  const char *cb[MAX_CONFIGS];
  int ct[MAX_CONFIGS], nc = 0;
  for (int b = 0; b < nb && !rc; b++)
    for (int t = 0; t < nt && !rc; t++) {
      ecnn_session_options so;
      if ((rc = parse_session_opts(&o, backends[b], threads[t], &so))) break;
      if (ecnn_session_create(m, &so, &sess[nc]) != ECNN_STATUS_OK) {
        rc = fail("%s (backend %s, %d threads)", ecnn_last_error(), backends[b], threads[t]);
        break;
      }
      cb[nc] = backends[b];
      ct[nc++] = threads[t];
    }
  double *times = g_new0(double, (gsize)nc * (gsize)o.runs + 1);
  if (!rc) {
    ecnn_tensor_info in;
    ecnn_model_input_info(m, 0, &in);
    for (int c = 0; c < nc; c++) {
      uint8_t *p = ecnn_session_input_data(sess[c], 0);
      uint32_t seed = 1;
      for (size_t i = 0; i < in.bytes; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (uint8_t)(seed >> 24);
      }
      if (in.dtype == ECNN_DTYPE_F32)
        for (size_t i = 0; i < in.bytes / 4; i++)
          ((float *)(void *)p)[i] = (float)(p[4 * i] % 200) / 100.0f - 1.0f;
    }
    fprintf(
        stderr,
        "bench: %s, %d warm-up + %d timed runs per configuration, taking turns in blocks of %d\n",
        pos[0], o.warmup, o.runs, o.block);
    double last = now_ms();
    /* Configurations take turns: the warm-up runs alternate, then each configuration runs
     * blocks of `block` consecutive timed runs (steady state, as in a video pipeline), each
     * after one untimed run. Between configurations the process sleeps 250 ms, outside the
     * timing, so the previous pool's spinning workers do not steal this one's cores: Debian's
     * pthreadpool (XNNPACK's) keeps spinning for up to about 100 ms after its last job (perf,
     * session 8: its samples filled the first 50-100 ms of our blocks after a 50 ms pause,
     * none after 250 ms). */
    for (int r = 0; r < o.warmup && !rc; r++)
      for (int c = 0; c < nc && !rc; c++)
        if (ecnn_session_run(sess[c]) != ECNN_STATUS_OK) rc = fail("%s", ecnn_last_error());
    for (int r0 = 0; r0 < o.runs && !rc; r0 += o.block)
      for (int c = 0; c < nc && !rc; c++) {
        if (nc > 1) usleep(250000);
        for (int r = r0 - 1; r < r0 + o.block && r < o.runs; r++) {
          double t0 = now_ms();
          if (ecnn_session_run(sess[c]) != ECNN_STATUS_OK) {
            rc = fail("%s", ecnn_last_error());
            break;
          }
          double dt = now_ms() - t0;
          if (r >= r0) times[c * o.runs + r] = dt;
        }
        if (now_ms() - last > 2000) {
          fprintf(stderr, "bench: run %d/%d\n", r0 + o.block < o.runs ? r0 + o.block : o.runs,
                  o.runs);
          last = now_ms();
        }
      }
  }
  if (!rc) {
    const char *peak_what;
    const double peak = fma_peak(!strcmp(o.precision, "int8"), &peak_what);
    double rss, rss_peak;
    rss_mb(&rss, &rss_peak);
    printf("model: %s  macs: %.1f M  arena: %lld bytes  weights: %lld bytes\n", pos[0],
           (double)ms.macs / 1e6, (long long)ms.arena_bytes, (long long)ms.weight_bytes);
    printf("machine: %s peak %.1f GMAC/s per core (measured); process RSS %.1f MB "
           "(peak %.1f MB, all sessions)\n", peak_what, peak, rss, rss_peak);
    printf("%-8s %7s %10s %10s %10s %9s %7s\n", "backend", "threads", "median_ms", "min_ms",
           "mean_ms", "GMAC/s", "%peak");
    double med[MAX_CONFIGS];
    for (int c = 0; c < nc; c++) {
      double *t = times + c * o.runs, sum = 0;
      for (int r = 0; r < o.runs; r++) sum += t[r];
      qsort(t, (size_t)o.runs, sizeof *t, cmp_double);
      med[c] = o.runs % 2 ? t[o.runs / 2] : 0.5 * (t[o.runs / 2 - 1] + t[o.runs / 2]);
      const double gmacs = (double)ms.macs / (med[c] * 1e6);
      printf("%-8s %7d %10.2f %10.2f %10.2f %9.2f %6.0f%%\n", cb[c], ct[c], med[c], t[0],
             sum / o.runs, gmacs, peak > 0 ? 100.0 * gmacs / (peak * ct[c]) : 0.0);
    }
    for (int c = 0; c < nc; c++)
      for (int d = 0; d < nc; d++)
        if (!strcmp(cb[c], "native") && !strcmp(cb[d], "xnnpack") && ct[c] == ct[d])
          printf("ratio native/xnnpack at %d threads: %.2f\n", ct[c], med[c] / med[d]);
  }
  g_free(times);
  for (int c = 0; c < nc; c++) ecnn_session_free(sess[c]);
  ecnn_model_free(m);
  return rc;
}

/* ---- quantize ---- */

/* Writes the quantized model's sidecar: the float one's lines, its labels path made absolute
 * (the new model may sit elsewhere) and no `model =` line (the sidecar's own name says it). */
static int write_sidecar(const ecnn_config *cfg, const char *float_ini, const char *out_ini,
                         const char *command) {
  gchar *text = NULL;
  if (!g_file_get_contents(float_ini, &text, NULL, NULL))
    return fail("cannot read the sidecar '%s'", float_ini);
  GString *o = g_string_new(NULL);
  g_string_append_printf(o, "# model made by 'edgecnn %s' from the model of %s\n", command,
                         float_ini);
  gchar **lines = g_strsplit(text, "\n", -1);
  for (gchar **l = lines; *l; l++) {
    const char *t = *l + strspn(*l, " \t");
    const size_t key = strcspn(t, " \t=");
    if (key == 5 && !strncmp(t, "model", 5) && t[key + strspn(t + key, " \t")] == '=') continue;
    if (key == 6 && !strncmp(t, "labels", 6) && cfg->labels_path[0]) {
      gchar *abs = g_canonicalize_filename(cfg->labels_path, NULL);
      g_string_append_printf(o, "labels = %s\n", abs);
      g_free(abs);
      continue;
    }
    if (l[1] || **l) g_string_append_printf(o, "%s\n", *l);
  }
  g_strfreev(lines);
  g_free(text);
  GError *err = NULL;
  const bool ok = g_file_set_contents(out_ini, o->str, (gssize)o->len, &err);
  g_string_free(o, TRUE);
  if (!ok) {
    int rc = fail("cannot write '%s': %s", out_ini, err->message);
    g_error_free(err);
    return rc;
  }
  return 0;
}

static void quantize_progress(void *user, guint index, guint count, const char *path) {
  (void)user;
  fprintf(stderr, "quantize: calibrating %u/%u %s\n", index + 1, count, path);
}

static int cmd_quantize(int argc, char **argv) {
  cli_opts o;
  char *pos[1];
  int npos, rc, threads[1], nt;
  if ((rc = parse_opts(argc, argv, &o, pos, &npos, 1))) return rc;
  if (npos != 1) return usage("quantize needs MODEL");
  if (!o.calibration) return usage("quantize needs --calibration DIR or IMAGE[,IMAGE...]");
  if (!o.output) return usage("quantize needs -o OUT.tflite");
  if ((rc = parse_threads(o.threads, threads, 1, &nt))) return rc;
  ecnn_quantize_options qo;
  ecnn_quantize_options_init(&qo);
  if (!strcmp(o.method, "minmax")) qo.method = ECNN_CALIBRATION_MINMAX;
  else if (!strcmp(o.method, "percentile")) qo.method = ECNN_CALIBRATION_PERCENTILE;
  else return usage("--method must be minmax or percentile, got '%s'", o.method);
  qo.percentile = o.percentile;
  qo.float_outputs = o.float_outputs;

  ecnn_config cfg;
  ecnn_config_init(&cfg);
  gchar *float_ini = o.config ? g_strdup(o.config) : g_strdup_printf("%s.ini", pos[0]);
  gchar *out_ini = g_strdup_printf("%s.ini", o.output);
  gchar *bytes = NULL;
  gsize size = 0;
  GError *err = NULL;
  ecnn_quantizer *q = NULL;
  uint8_t *file = NULL;
  size_t file_size = 0;
  GPtrArray *files = cli_image_files(o.calibration);
  ecnn_status st = ecnn_config_load_file(&cfg, float_ini);
  if (st != ECNN_STATUS_OK) {
    rc = fail("%s (the model's preprocessing comes from its sidecar: write one, see "
              "docs/sidecar.md, or pass --config)",
              ecnn_last_error());
    goto out;
  }
  if (!g_file_get_contents(pos[0], &bytes, &size, &err)) {
    rc = fail("cannot read model '%s': %s", pos[0], err->message);
    g_error_free(err);
    goto out;
  }
  if (ecnn_quantizer_create(bytes, size, threads[0], &q) != ECNN_STATUS_OK) {
    rc = fail("%s: %s", pos[0], ecnn_last_error());
    goto out;
  }
  const double t0 = now_ms();
  char why[512];
  const guint used = cli_calibrate(q, &cfg, files, quantize_progress, NULL, why, sizeof why);
  if (!used) {
    rc = fail("%s (calibration '%s')", why, o.calibration);
    goto out;
  }
  ecnn_quantize_report rep;
  if (ecnn_quantizer_write(q, &qo, &file, &file_size, &rep) != ECNN_STATUS_OK) {
    rc = fail("%s: %s", pos[0], ecnn_last_error());
    goto out;
  }
  if (!g_file_set_contents(o.output, (const gchar *)file, (gssize)file_size, &err)) {
    rc = fail("cannot write '%s': %s", o.output, err->message);
    g_error_free(err);
    goto out;
  }
  if ((rc = write_sidecar(&cfg, float_ini, out_ini, "quantize"))) goto out;
  printf("quantize: %s -> %s (%s calibration", pos[0], o.output, o.method);
  if (qo.method == ECNN_CALIBRATION_PERCENTILE) printf(" %g%%", qo.percentile);
  printf(" on %u images, %.1f s)\n", used, (now_ms() - t0) / 1000);
  printf("quantize: %d int8 activations, %d ops; weights %.2f MB float -> %.2f MB int8; file "
         "%.2f MB; sidecar %s\n",
         (int)rep.int8_tensors, (int)rep.ops, rep.float_weight_bytes / 1e6,
         rep.int8_weight_bytes / 1e6, rep.file_bytes / 1e6, out_ini);
out:
  free(file);
  ecnn_quantizer_free(q);
  g_ptr_array_unref(files);
  g_free(bytes);
  g_free(float_ini);
  g_free(out_ini);
  ecnn_config_clear(&cfg);
  return rc;
}

/* ---- prune ---- */

static int cmd_prune(int argc, char **argv) {
  cli_opts o;
  char *pos[1];
  int npos, rc;
  if ((rc = parse_opts(argc, argv, &o, pos, &npos, 1))) return rc;
  if (npos != 1) return usage("prune needs MODEL");
  if (o.sparsity < 0) return usage("prune needs --sparsity S (0 <= S < 1)");
  if (!o.output) return usage("prune needs -o OUT.tflite");
  ecnn_prune_options po;
  ecnn_prune_options_init(&po);
  po.sparsity = o.sparsity;
  po.block = o.block_channels;
  gchar *bytes = NULL, *out_ini = g_strdup_printf("%s.ini", o.output);
  gchar *ini = o.config ? g_strdup(o.config) : g_strdup_printf("%s.ini", pos[0]);
  gsize size = 0;
  GError *err = NULL;
  uint8_t *file = NULL;
  size_t file_size = 0;
  ecnn_prune_report rep;
  ecnn_config cfg;
  ecnn_config_init(&cfg);
  if (!g_file_get_contents(pos[0], &bytes, &size, &err)) {
    rc = fail("cannot read model '%s': %s", pos[0], err->message);
    g_error_free(err);
  } else if (ecnn_prune(bytes, size, &po, &file, &file_size, &rep) != ECNN_STATUS_OK) {
    rc = fail("%s: %s", pos[0], ecnn_last_error());
  } else if (!g_file_set_contents(o.output, (const gchar *)file, (gssize)file_size, &err)) {
    rc = fail("cannot write '%s': %s", o.output, err->message);
    g_error_free(err);
  } else {
    printf("prune: %s -> %s: %d 1x1 convolutions, %lld of %lld weights zero (%.1f%%), blocks of "
           "%d\n",
           pos[0], o.output, (int)rep.layers, (long long)rep.zeroed, (long long)rep.weights,
           100.0 * (double)rep.zeroed / (double)rep.weights, (int)po.block);
    /* the sidecar comes along when there is one */
    if (g_file_test(ini, G_FILE_TEST_EXISTS)) {
      if (ecnn_config_load_file(&cfg, ini) != ECNN_STATUS_OK)
        rc = fail("%s", ecnn_last_error());
      else
        rc = write_sidecar(&cfg, ini, out_ini, "prune");
    }
  }
  free(file);
  g_free(bytes);
  g_free(ini);
  g_free(out_ini);
  ecnn_config_clear(&cfg);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage("missing COMMAND");
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(help_text, stdout);
    return 0;
  }
  for (int i = 2; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(help_text, stdout);
      return 0;
    }
  if (!strcmp(cmd, "info")) return cmd_info(argc - 2, argv + 2);
  if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2);
  if (!strcmp(cmd, "detect")) {
    gst_init(NULL, NULL);
    return cmd_detect(argc - 2, argv + 2);
  }
  if (!strcmp(cmd, "bench")) return cmd_bench(argc - 2, argv + 2);
  if (!strcmp(cmd, "prune")) return cmd_prune(argc - 2, argv + 2);
  if (!strcmp(cmd, "quantize")) {
    gst_init(NULL, NULL);
    return cmd_quantize(argc - 2, argv + 2);
  }
  return usage("unknown command '%s'", cmd);
}
