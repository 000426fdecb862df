/*
 * test_golden.c — raw outputs of both real models against golden files made by the
 * independent numpy interpreter ../shared/tools/tfl_ref.py (tests/golden/make_golden.py):
 * for the oracle's @rand:1 input and two photos, every output's shape, ~1000 sampled values
 * (max |ours - ref| <= 1e-4 x max(1, max |ref|)), and its sum and sum of squares within the
 * bound that tolerance implies, on every kernel path (scalar, AVX2, AVX-512) the CPU has.
 * Threads 1 and 2 must give identical outputs.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "kernels/isa.h"
#include "test_util.h"

typedef struct golden_case {
  const char *model, *base, *input; /* input: "rand1" or a photo name */
  int32_t w, h;
} golden_case;

static const golden_case cases[] = {
    {"ssd_mobilenetv2_oidv4_fp16.tflite", "ssd_mobilenetv2_oidv4_fp16", "rand1", 300, 300},
    {"ssd_mobilenetv2_oidv4_fp16.tflite", "ssd_mobilenetv2_oidv4_fp16", "astronaut", 300, 300},
    {"ssd_mobilenetv2_oidv4_fp16.tflite", "ssd_mobilenetv2_oidv4_fp16", "coffee", 300, 300},
    {"face_detection_short_range.tflite", "face_detection_short_range", "rand1", 128, 128},
    {"face_detection_short_range.tflite", "face_detection_short_range", "astronaut", 128, 128},
    {"face_detection_short_range.tflite", "face_detection_short_range", "coffee", 128, 128},
};

static float *make_input(const golden_case *c) {
  float *x = tu_photo_f32(c->input, c->w); /* the cases are square */
  ck_assert_msg(x != NULL && c->w == c->h, "cannot read golden input %s at %d", c->input,
                (int)c->w);
  return x;
}

static void run_case(int i, ecnn_isa isa) {
  const golden_case *c = &cases[i];
  ecnn_isa_set(isa);
  ecnn_model *m = NULL;
  ck_assert_msg(ecnn_model_load_file(tu_model_path(c->model), &m) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  ecnn_session *s1 = NULL, *s2 = NULL;
  ecnn_session_options o;
  ecnn_session_options_init(&o);
  ck_assert_int_eq(ecnn_session_create(m, &o, &s1), ECNN_STATUS_OK);
  o.threads = 2;
  ck_assert_int_eq(ecnn_session_create(m, &o, &s2), ECNN_STATUS_OK);
  float *x = make_input(c);
  size_t in_bytes = (size_t)c->w * c->h * 3 * sizeof(float);
  ck_assert_int_eq(ecnn_session_set_input(s1, 0, x, in_bytes), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_session_set_input(s2, 0, x, in_bytes), ECNN_STATUS_OK);
  ck_assert_msg(ecnn_session_run(s1) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ck_assert_msg(ecnn_session_run(s2) == ECNN_STATUS_OK, "%s", ecnn_last_error());

  char gname[256];
  snprintf(gname, sizeof gname, "%s_%s.gold", c->base, c->input);
  FILE *f = fopen(tu_golden_path(gname), "r");
  ck_assert_msg(f != NULL, "missing golden file %s", tu_golden_path(gname));
  char line[256];
  int outputs = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    int idx, nsamp;
    long n;
    char shape[64];
    double maxabs, sum, sumsq;
    ck_assert_msg(sscanf(line, "output %d %63s %ld %lf %lf %lf %d", &idx, shape, &n, &maxabs,
                         &sum, &sumsq, &nsamp) == 7,
                  "bad golden line: %s", line);
    const float *y, *y2;
    ecnn_tensor_info info;
    ck_assert_int_eq(ecnn_session_output(s1, idx, (const void **)&y, &info), ECNN_STATUS_OK);
    ck_assert_int_eq(ecnn_session_output(s2, idx, (const void **)&y2, NULL), ECNN_STATUS_OK);
    char ours[64] = "";
    for (int32_t d = 0; d < info.ndim; d++)
      snprintf(ours + strlen(ours), sizeof ours - strlen(ours), d ? "x%d" : "%d",
               (int)info.dims[d]);
    ck_assert_str_eq(ours, shape);
    ck_assert_int_eq((long)(info.bytes / 4), n);
    ck_assert_msg(memcmp(y, y2, info.bytes) == 0, "%s %s output %d: threads 1 and 2 differ",
                  c->base, c->input, idx);
    const double tol = 1e-4 * fmax(1.0, maxabs);
    double worst = 0, s = 0, ss = 0;
    for (int k = 0; k < nsamp; k++) {
      long j;
      double ref;
      ck_assert(fgets(line, sizeof line, f) && sscanf(line, "%ld %lf", &j, &ref) == 2);
      ck_assert(j >= 0 && j < n);
      worst = fmax(worst, fabs((double)y[j] - ref));
    }
    for (long j = 0; j < n; j++) s += y[j], ss += (double)y[j] * y[j];
    printf("golden %s %s output %d (%s): max |ours - ref| = %.3g (%.2g of max |ref| %.4g)\n",
           c->base, c->input, idx, ecnn_isa_name(isa), worst, worst / fmax(1.0, maxabs), maxabs);
    ck_assert_msg(worst <= tol, "%s %s output %d: max error %g > %g", c->base, c->input, idx,
                  worst, tol);
    ck_assert_msg(fabs(s - sum) <= n * tol, "%s %s output %d: sum %g vs %g", c->base, c->input,
                  idx, s, sum);
    ck_assert_msg(fabs(ss - sumsq) <= 2 * sqrt(sumsq * n) * tol + n * tol * tol,
                  "%s %s output %d: sum of squares %g vs %g", c->base, c->input, idx, ss, sumsq);
    outputs++;
  }
  fclose(f);
  ck_assert_int_eq(outputs, ecnn_model_output_count(m));
  free(x);
  ecnn_session_free(s1);
  ecnn_session_free(s2);
  ecnn_model_free(m);
}

/* every kernel path this CPU has gives the reference's outputs */
START_TEST(test_golden) {
  for (ecnn_isa isa = ECNN_ISA_SCALAR; isa <= ecnn_isa_best(); isa++) run_case(_i, isa);
}
END_TEST

int main(void) {
  Suite *s = suite_create("golden");
  TCase *tc = tcase_create("golden");
  tcase_set_timeout(tc, 900);
  tcase_add_loop_test(tc, test_golden, 0, (int)(sizeof cases / sizeof cases[0]));
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
