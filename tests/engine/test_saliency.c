/*
 * test_saliency.c — SSD saliency maps: a single hot anchor lights its cell and nothing far
 * away, grids are averaged, bad arguments are errors, and on the real SSD model the map
 * of astronaut.png is hotter inside the person than in the image corners.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "test_util.h"

static void two_grids(ecnn_anchor_options *o) {
  ecnn_anchor_options_init(o);
  o->num_layers = 2;
  o->min_scale = 0.2f;
  o->max_scale = 0.6f;
  o->input_width = o->input_height = 64;
  o->strides[0] = 16; /* 4x4 */
  o->strides[1] = 32; /* 2x2 */
  o->num_aspect_ratios = 1;
  o->aspect_ratios[0] = 1.0f;
  o->interpolated_scale_aspect_ratio = 0; /* one anchor per cell */
}

START_TEST(test_hot_cell) {
  ecnn_anchor_options o;
  two_grids(&o);
  ck_assert_int_eq(ecnn_anchor_count(&o), 20);
  ecnn_decode_options d;
  memset(&d, 0, sizeof d);
  d.num_classes = 2;
  d.ignore_class_0 = true;
  d.score_fn = ECNN_SCORE_SIGMOID;
  float scores[40];
  for (int i = 0; i < 40; i++) scores[i] = -20; /* sigmoid ~ 0 */
  scores[(1 * 4 + 2) * 2 + 0] = 50;             /* background of cell (2, 1): ignored */
  scores[(0 * 4 + 0) * 2 + 1] = 20;             /* class 1 hot in 4x4 cell (0, 0) */
  float map[64 * 64];
  ck_assert_int_eq(ecnn_saliency_ssd(&o, &d, scores, 20, map, 64, 64), ECNN_STATUS_OK);
  ck_assert_float_ge(map[7 * 64 + 7], 0.49f);   /* the cell (one of two grids: mean 0.5) */
  ck_assert_float_le(map[60 * 64 + 60], 1e-6f); /* far away */
  ck_assert_float_le(map[24 * 64 + 40], 1e-6f); /* the background-only cell */
  /* where both grids agree the map reaches 1: the coarse cell (0, 0) covers the fine one */
  scores[16 * 2 + 1] = 20; /* 2x2 cell (0, 0) */
  ck_assert_int_eq(ecnn_saliency_ssd(&o, &d, scores, 20, map, 64, 64), ECNN_STATUS_OK);
  ck_assert_float_ge(map[7 * 64 + 7], 0.99f);
  ck_assert_float_ge(map[7 * 64 + 15], 0.49f); /* coarse cell centre */
  ck_assert_float_le(map[7 * 64 + 56], 0.01f); /* neither grid */
  ck_assert_float_le(map[60 * 64 + 60], 1e-6f);
  ck_assert_int_eq(ecnn_saliency_ssd(&o, &d, scores, 21, map, 64, 64), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_saliency_ssd(&o, &d, scores, 20, map, 0, 64), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_saliency_ssd(&o, &d, NULL, 20, map, 64, 64), ECNN_STATUS_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_person_is_hot) {
  ecnn_config cfg;
  ecnn_config_init(&cfg);
  ck_assert_int_eq(ecnn_config_load_for_model(&cfg, tu_model_path("ssd_mobilenetv2_oidv4_fp16.tflite")),
                   ECNN_STATUS_OK);
  ecnn_detector *det = NULL;
  ck_assert_msg(ecnn_detector_create(&cfg, NULL, &det) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/golden/astronaut_300x300.rgb", getenv("ECNN_SOURCE_ROOT"));
  size_t size;
  uint8_t *px = tu_read_file(path, &size);
  ck_assert(px && size == 300 * 300 * 3);
  ecnn_image im = {.format = ECNN_PIXEL_RGB24, .width = 300, .height = 300};
  im.planes[0] = px;
  im.strides[0] = 900;
  ecnn_detection dets[32];
  int32_t n, na;
  ck_assert_int_eq(ecnn_detector_detect(det, &im, dets, 32, &n), ECNN_STATUS_OK);
  const float *scores = ecnn_detector_scores(det, &na);
  ck_assert_int_eq(na, 1917);
  float *map = malloc(300 * 300 * sizeof *map);
  ck_assert_int_eq(ecnn_saliency_ssd(&cfg.anchors, &cfg.decode, scores, na, map, 300, 300), ECNN_STATUS_OK);
  /* mean inside the person box (0.04..0.71 x 0.03..0.99, shrunk a little) vs the top-right
   * and bottom-right corners (outside it) */
  double in = 0, corner = 0;
  int ni = 0, nc = 0;
  for (int y = 0; y < 300; y++)
    for (int x = 0; x < 300; x++) {
      if (x > 40 && x < 190 && y > 40 && y < 280) in += map[y * 300 + x], ni++;
      if (x > 250 && (y < 30 || y > 270)) corner += map[y * 300 + x], nc++;
    }
  in /= ni, corner /= nc;
  printf("saliency: person %.3f, corners %.3f\n", in, corner);
  /* measured: person 0.21, corners 0.13 (the one-cell grid covers both) */
  ck_assert_msg(in > 1.4 * corner && in > 0.15, "person %g vs corners %g", in, corner);
  free(map);
  free(px);
  ecnn_detector_free(det);
  ecnn_config_clear(&cfg);
}
END_TEST

int main(void) {
  Suite *s = suite_create("saliency");
  TCase *tc = tcase_create("saliency");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_hot_cell);
  tcase_add_test(tc, test_person_is_hot);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
