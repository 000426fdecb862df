/*
 * test_saliency.c — SSD saliency maps: a single hot anchor lights its cell and nothing far
 * away, grids are averaged, bad arguments are errors, and on the real SSD model the map
 * of astronaut.png is hotter inside the person than in the image corners; the class activation
 * map of a hand-built classifier and segmentation masks (MediaPipe selfie segmentation on the
 * astronaut).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "graph.h"
#include "model.h"
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

START_TEST(test_cam) {
  /* features F [1, 2, 2, 2] -> MEAN over H, W -> [1, 2] -> FULLY_CONNECTED (3 classes) */
  ecnn_graph g;
  ecnn_graph_init(&g);
  const int32_t df[4] = {1, 2, 2, 2}, dp[2] = {1, 2}, dax[1] = {2}, dw[2] = {3, 2}, dy[2] = {1, 3};
  const int32_t axes[2] = {1, 2};
  const float w[6] = {1, 0, 0, 1, -1, -1}; /* class 0 reads channel 0, class 1 channel 1 */
  int32_t f = ecnn_graph_add_tensor(&g, "features", ECNN_DTYPE_F32, 4, df, NULL, 0);
  int32_t ax = ecnn_graph_add_tensor(&g, "axes", ECNN_DTYPE_I32, 1, dax, axes, sizeof axes);
  int32_t pooled = ecnn_graph_add_tensor(&g, "pooled", ECNN_DTYPE_F32, 2, dp, NULL, 0);
  int32_t wi = ecnn_graph_add_tensor(&g, "weights", ECNN_DTYPE_F32, 2, dw, w, sizeof w);
  int32_t y = ecnn_graph_add_tensor(&g, "logits", ECNN_DTYPE_F32, 2, dy, NULL, 0);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  const int32_t in1[2] = {f, ax}, in2[2] = {pooled, wi};
  ck_assert_int_ge(ecnn_graph_add_node(&g, ECNN_OP_MEAN, in1, 2, &pooled, 1, &p), 0);
  ck_assert_int_ge(ecnn_graph_add_node(&g, ECNN_OP_FULLY_CONNECTED, in2, 2, &y, 1, &p), 0);
  g.num_inputs = 1, g.inputs[0] = f, g.num_outputs = 1, g.outputs[0] = y;
  ecnn_model *m = NULL;
  ck_assert_msg(ecnn_model_from_graph(&g, &m) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ck_assert(ecnn_model_has_cam(m));
  ecnn_session *s = NULL;
  ck_assert_int_eq(ecnn_session_create(m, NULL, &s), ECNN_STATUS_OK);
  float map[4];
  ck_assert_int_eq(ecnn_session_cam(s, 0, map, 2, 2), ECNN_STATUS_INVALID_STATE);
  /* channel 0 hot at the top-left cell, channel 1 at the bottom-right */
  const float x[8] = {4, 0, 1, 0, 2, 0, 0, 8};
  ck_assert_int_eq(ecnn_session_set_input(s, 0, x, sizeof x), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_session_run(s), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_session_cam(s, 0, map, 2, 2), ECNN_STATUS_OK);
  /* class 0: channel 0 = (4, 1, 2, 0) / 4 */
  ck_assert_float_eq_tol(map[0], 1.0, 1e-6);
  ck_assert_float_eq_tol(map[1], 0.25, 1e-6);
  ck_assert_float_eq_tol(map[2], 0.5, 1e-6);
  ck_assert_float_eq_tol(map[3], 0.0, 1e-6);
  ck_assert_int_eq(ecnn_session_cam(s, 1, map, 2, 2), ECNN_STATUS_OK);
  ck_assert_float_eq_tol(map[3], 1.0, 1e-6);
  ck_assert_float_eq_tol(map[0], 0.0, 1e-6);
  ck_assert_int_eq(ecnn_session_cam(s, 2, map, 2, 2), ECNN_STATUS_OK); /* all negative: zeros */
  ck_assert_float_eq_tol(map[3], 0.0, 1e-6);
  ck_assert_int_eq(ecnn_session_cam(s, 3, map, 2, 2), ECNN_STATUS_INVALID_ARGUMENT);
  ecnn_session_free(s);
  ecnn_model_free(m);
  /* the SSD model has no CAM structure */
  ck_assert_int_eq(ecnn_model_load_file(tu_model_path("ssd_mobilenetv2_oidv4_fp16.tflite"), &m), ECNN_STATUS_OK);
  ck_assert(!ecnn_model_has_cam(m));
  ecnn_model_free(m);
}
END_TEST

START_TEST(test_mask) {
  ecnn_decode_options d;
  memset(&d, 0, sizeof d);
  d.score_fn = ECNN_SCORE_NONE;
  const float one[4] = {1, 0, 0.5f, 0};
  float map[4];
  ck_assert_int_eq(ecnn_saliency_mask(one, 2, 2, 1, &d, map, 2, 2), ECNN_STATUS_OK);
  ck_assert_float_eq_tol(map[0], 1.0, 1e-6);
  ck_assert_float_eq_tol(map[2], 0.5, 1e-6);
  /* two channels, background first: 1 - softmax(background) */
  d.ignore_class_0 = true;
  const float two[2] = {0, 0};
  ck_assert_int_eq(ecnn_saliency_mask(two, 1, 1, 2, &d, map, 1, 1), ECNN_STATUS_OK);
  ck_assert_float_eq_tol(map[0], 0.5, 1e-6);
  ck_assert_int_eq(ecnn_saliency_mask(two, 0, 1, 2, &d, map, 1, 1), ECNN_STATUS_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_selfie_segmentation) {
  /* MediaPipe's selfie segmentation (custom Convolution2DTransposeBias op) on the astronaut:
   * the mask is high on her, low in the top-right background */
  ecnn_config cfg;
  ecnn_config_init(&cfg);
  ck_assert_msg(ecnn_config_load_for_model(&cfg, tu_model_path("selfie_segmentation.tflite")) ==
                    ECNN_STATUS_OK, "%s", ecnn_last_error());
  ck_assert_int_eq(cfg.task, ECNN_TASK_SEGMENT);
  ecnn_model *m = NULL;
  ck_assert_msg(ecnn_model_load_file(cfg.model_path, &m) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ecnn_session *s = NULL;
  ck_assert_int_eq(ecnn_session_create(m, NULL, &s), ECNN_STATUS_OK);
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/golden/astronaut_300x300.rgb", getenv("ECNN_SOURCE_ROOT"));
  size_t size;
  uint8_t *px = tu_read_file(path, &size);
  ck_assert(px && size == 300 * 300 * 3);
  ecnn_image im = {.format = ECNN_PIXEL_RGB24, .width = 300, .height = 300};
  im.planes[0] = px;
  im.strides[0] = 900;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &cfg, 256, 256, ECNN_DTYPE_F32,
                                        ecnn_session_input_data(s, 0), NULL), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_session_run(s), ECNN_STATUS_OK);
  const float *out;
  ecnn_tensor_info oi;
  ck_assert_int_eq(ecnn_session_output(s, 0, (const void **)&out, &oi), ECNN_STATUS_OK);
  float *map = malloc(256 * 256 * sizeof *map);
  ck_assert_int_eq(ecnn_saliency_mask(out, oi.dims[1], oi.dims[2], oi.dims[3], &cfg.decode, map, 256, 256),
                   ECNN_STATUS_OK);
  double face = 0, bg = 0;
  for (int y = 40; y < 100; y++)
    for (int x = 90; x < 140; x++) face += map[y * 256 + x] / (60.0 * 50);
  for (int y = 0; y < 30; y++)
    for (int x = 200; x < 256; x++) bg += map[y * 256 + x] / (30.0 * 56);
  printf("selfie mask: face %.3f, background %.3f\n", face, bg);
  ck_assert_msg(face > 0.8 && bg < 0.1, "face %g background %g", face, bg);
  free(map);
  free(px);
  ecnn_session_free(s);
  ecnn_model_free(m);
  ecnn_config_clear(&cfg);
}
END_TEST

int main(void) {
  Suite *s = suite_create("saliency");
  TCase *tc = tcase_create("saliency");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_hot_cell);
  tcase_add_test(tc, test_person_is_hot);
  tcase_add_test(tc, test_cam);
  tcase_add_test(tc, test_mask);
  tcase_add_test(tc, test_selfie_segmentation);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
