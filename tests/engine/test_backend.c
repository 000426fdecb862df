/*
 * test_backend.c — the XNNPACK yardstick backend (built only when meson finds XNNPACK) runs
 * the same parsed graph as the native engine and gives the same outputs on both real models,
 * at 1 and 2 threads.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "edgecnn.h"
#include "test_util.h"

static void compare(const char *name, int32_t threads) {
  ecnn_model *m = NULL;
  ck_assert_msg(ecnn_model_load_file(tu_model_path(name), &m) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  ecnn_session *s[2] = {NULL, NULL};
  for (int b = 0; b < 2; b++) {
    ecnn_session_options o;
    ecnn_session_options_init(&o);
    o.threads = threads;
    o.backend = b ? ECNN_BACKEND_XNNPACK : ECNN_BACKEND_NATIVE;
    ck_assert_msg(ecnn_session_create(m, &o, &s[b]) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  }
  ecnn_tensor_info in;
  ecnn_model_input_info(m, 0, &in);
  float *x = malloc(in.bytes);
  tu_fill_rand_f32(x, in.bytes / 4, 1);
  for (int b = 0; b < 2; b++) {
    ck_assert_int_eq(ecnn_session_set_input(s[b], 0, x, in.bytes), ECNN_STATUS_OK);
    ck_assert_msg(ecnn_session_run(s[b]) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  }
  for (int32_t i = 0; i < ecnn_model_output_count(m); i++) {
    const float *a, *b;
    ecnn_tensor_info info;
    ck_assert_int_eq(ecnn_session_output(s[0], i, (const void **)&a, &info), ECNN_STATUS_OK);
    ck_assert_int_eq(ecnn_session_output(s[1], i, (const void **)&b, NULL), ECNN_STATUS_OK);
    size_t n = info.bytes / 4;
    float tol = 1e-4f * fmaxf(1.0f, tu_max_abs(a, n));
    float d = tu_max_abs_diff(a, b, n);
    ck_assert_msg(d <= tol, "%s output %d: native vs xnnpack differ by %g (tolerance %g)", name,
                  (int)i, (double)d, (double)tol);
  }
  free(x);
  ecnn_session_free(s[0]);
  ecnn_session_free(s[1]);
  ecnn_model_free(m);
}

START_TEST(test_ssd) { compare("ssd_mobilenetv2_oidv4_fp16.tflite", 1 + _i); }
END_TEST

START_TEST(test_face) { compare("face_detection_short_range.tflite", 1 + _i); }
END_TEST

int main(void) {
  Suite *s = suite_create("backend");
  TCase *tc = tcase_create("xnnpack");
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, test_ssd, 0, 2);
  tcase_add_loop_test(tc, test_face, 0, 2);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
