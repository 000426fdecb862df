/*
 * test_saliency.c — SSD saliency maps: a single hot anchor lights its cell and nothing far
 * away, every anchor lands in the cell ecnn_anchors_generate gives it (reduced lowest layer,
 * merged equal-stride layers), grids are averaged, score functions, bad arguments are errors,
 * and on the real SSD model the map of astronaut.png is hotter inside the person than in the
 * image corners; colour maps (endpoints, continuity, inferno's rising luminance); the heatmap
 * blend against a plain float oracle in every format (letterbox region, min-score, odd sizes,
 * chroma averaged per block); the class activation map of a hand-built classifier and
 * segmentation masks (MediaPipe selfie segmentation on the astronaut).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "graph.h"
#include "kernels/isa.h"
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

/* ---- anchor layout, score functions ---------------------------------------------------- */

/* A MediaPipe-style layout: a reduced lowest layer (3 anchors per cell, 4x4), then two layers
 * with the same stride merged into one 2x2 grid (2 ratios + interpolated = 3 anchors each, 6
 * per cell). For every anchor alone hot, the map's maximum lies in the cell that
 * ecnn_anchors_generate puts that anchor's centre in. */
START_TEST(test_layout_matches_anchors) {
  ecnn_anchor_options o;
  ecnn_anchor_options_init(&o);
  o.num_layers = 3;
  o.min_scale = 0.2f;
  o.max_scale = 0.9f;
  o.input_width = o.input_height = 64;
  o.strides[0] = 16, o.strides[1] = 32, o.strides[2] = 32;
  o.num_aspect_ratios = 2;
  o.aspect_ratios[0] = 1.0f, o.aspect_ratios[1] = 2.0f;
  o.reduce_boxes_in_lowest_layer = true;
  o.interpolated_scale_aspect_ratio = 1.0f;
  const int32_t n = ecnn_anchor_count(&o);
  ck_assert_int_eq(n, 4 * 4 * 3 + 2 * 2 * 6);
  ecnn_anchor anchors[72];
  int32_t got = 0;
  ck_assert_int_eq(ecnn_anchors_generate(&o, anchors, 72, &got), ECNN_STATUS_OK);
  ck_assert_int_eq(got, n);
  ecnn_decode_options d;
  memset(&d, 0, sizeof d);
  d.num_classes = 1;
  d.score_fn = ECNN_SCORE_NONE;
  float scores[72], map[64 * 64];
  for (int32_t a = 0; a < n; a++) {
    for (int32_t i = 0; i < n; i++) scores[i] = 0;
    scores[a] = 1;
    ck_assert_int_eq(ecnn_saliency_ssd(&o, &d, scores, n, map, 64, 64), ECNN_STATUS_OK);
    int best = 0;
    for (int i = 1; i < 64 * 64; i++) best = map[i] > map[best] ? i : best;
    const int cell = a < 48 ? 16 : 32; /* cell size in map pixels of the anchor's grid */
    const int ax = (int)(anchors[a].cx * 64) / cell, ay = (int)(anchors[a].cy * 64) / cell;
    ck_assert_msg((best % 64) / cell == ax && (best / 64) / cell == ay,
                  "anchor %d (%.3f, %.3f): map peaks at (%d, %d)", a, anchors[a].cx,
                  anchors[a].cy, best % 64, best / 64);
    /* one of two grids: 0.5 at the cell's centre, which falls between map pixels */
    ck_assert_float_ge(map[best], 0.45f);
    ck_assert_float_le(map[best], 0.5f + 1e-6f);
  }
}
END_TEST

/* One 1x1 grid: the map is the cell's probability everywhere. */
static float one_cell(ecnn_decode_options *d, const float *scores, int32_t anchors_per_cell) {
  ecnn_anchor_options o;
  ecnn_anchor_options_init(&o);
  o.num_layers = 1;
  o.min_scale = o.max_scale = 0.5f;
  o.input_width = o.input_height = 8;
  o.strides[0] = 8;
  o.num_aspect_ratios = anchors_per_cell;
  for (int i = 0; i < anchors_per_cell; i++) o.aspect_ratios[i] = 1.0f + (float)i;
  o.interpolated_scale_aspect_ratio = 0;
  float map[4 * 3];
  ck_assert_int_eq(ecnn_saliency_ssd(&o, d, scores, anchors_per_cell, map, 4, 3), ECNN_STATUS_OK);
  for (int i = 1; i < 12; i++) ck_assert_float_eq_tol(map[i], map[0], 1e-6);
  return map[0];
}

START_TEST(test_score_functions) {
  ecnn_decode_options d;
  memset(&d, 0, sizeof d);
  d.num_classes = 3;
  d.ignore_class_0 = true;
  d.score_fn = ECNN_SCORE_SOFTMAX;
  /* softmax(0, ln 3, 0) = (1/5, 3/5, 1/5); the second anchor is lower */
  const float two[6] = {0, logf(3.0f), 0, 5, 0, 0};
  ck_assert_float_eq_tol(one_cell(&d, two, 2), 0.6, 1e-5);
  /* a high background alone is not salient */
  const float bg[3] = {9, 0, 0};
  ck_assert_float_le(one_cell(&d, bg, 1), 2e-4f);
  d.ignore_class_0 = false; /* then it is */
  ck_assert_float_ge(one_cell(&d, bg, 1), 0.99f);
  d.score_fn = ECNN_SCORE_SIGMOID;
  d.ignore_class_0 = true;
  const float logit[3] = {50, -1, 1};
  ck_assert_float_eq_tol(one_cell(&d, logit, 1), 1.0 / (1.0 + exp(-1.0)), 1e-5);
  d.score_fn = ECNN_SCORE_NONE; /* already probabilities, clamped to 0..1 */
  const float probs[6] = {0, 0.25f, 0.75f, 0, 3.0f, 0};
  ck_assert_float_eq_tol(one_cell(&d, probs, 1), 0.75, 1e-6);
  ck_assert_float_eq_tol(one_cell(&d, probs, 2), 1.0, 1e-6);
}
END_TEST

START_TEST(test_bad_arguments) {
  ecnn_anchor_options o;
  two_grids(&o);
  ecnn_decode_options d;
  memset(&d, 0, sizeof d);
  d.num_classes = 2;
  d.ignore_class_0 = true;
  float scores[40] = {0}, map[16];
  ck_assert_int_eq(ecnn_saliency_ssd(&o, &d, scores, 1917, map, 4, 4), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_msg(strstr(ecnn_last_error(), "20") && strstr(ecnn_last_error(), "1917"),
                "message names both counts: %s", ecnn_last_error());
  ck_assert_int_eq(ecnn_saliency_ssd(NULL, &d, scores, 20, map, 4, 4), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_saliency_ssd(&o, NULL, scores, 20, map, 4, 4), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_saliency_ssd(&o, &d, scores, 20, NULL, 4, 4), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_saliency_ssd(&o, &d, scores, 20, map, 4, -1), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_saliency_ssd(&o, &d, scores, -5, map, 4, 4), ECNN_STATUS_INVALID_ARGUMENT);
  d.num_classes = 1; /* only the background, which is ignored */
  ck_assert_int_eq(ecnn_saliency_ssd(&o, &d, scores, 20, map, 4, 4), ECNN_STATUS_INVALID_ARGUMENT);
  d.num_classes = 2;
  o.num_layers = 0;
  ck_assert_int_eq(ecnn_saliency_ssd(&o, &d, scores, 20, map, 4, 4), ECNN_STATUS_INVALID_ARGUMENT);
  o.num_layers = 99;
  ck_assert_int_eq(ecnn_saliency_ssd(&o, &d, scores, 20, map, 4, 4), ECNN_STATUS_INVALID_ARGUMENT);
}
END_TEST

/* ---- colour maps ----------------------------------------------------------------------- */

START_TEST(test_colormap_tables) {
  ecnn_rgb c = ecnn_colormap_lookup(ECNN_COLORMAP_JET, 0);
  ck_assert(c.r == 0 && c.g == 0 && c.b == 128); /* dark blue */
  c = ecnn_colormap_lookup(ECNN_COLORMAP_JET, 1);
  ck_assert(c.r == 128 && c.g == 0 && c.b == 0); /* dark red */
  c = ecnn_colormap_lookup(ECNN_COLORMAP_INFERNO, 0);
  ck_assert(c.r + c.g + c.b < 15); /* near black */
  c = ecnn_colormap_lookup(ECNN_COLORMAP_INFERNO, 1);
  ck_assert(c.r > 240 && c.g > 240 && c.b > 120); /* pale yellow */
  c = ecnn_colormap_lookup(ECNN_COLORMAP_TURBO, 0);
  ck_assert(c.b > c.r && c.b > c.g && c.r + c.g + c.b < 160); /* dark blue-violet */
  c = ecnn_colormap_lookup(ECNN_COLORMAP_TURBO, 1);
  ck_assert(c.r > 100 && c.g < 20 && c.b < 20); /* dark red */
  /* clamping, NaN, out-of-range maps */
  ecnn_rgb lo = ecnn_colormap_lookup(ECNN_COLORMAP_TURBO, -3), z = ecnn_colormap_lookup(ECNN_COLORMAP_TURBO, 0);
  ck_assert(lo.r == z.r && lo.g == z.g && lo.b == z.b);
  lo = ecnn_colormap_lookup(ECNN_COLORMAP_TURBO, NAN);
  ck_assert(lo.r == z.r && lo.g == z.g && lo.b == z.b);
  for (int m = 0; m < ECNN_COLORMAP_COUNT; m++) {
    ecnn_rgb prev = ecnn_colormap_lookup((ecnn_colormap)m, 0);
    int prev_lum = -1;
    for (int i = 0; i < 256; i++) {
      c = ecnn_colormap_lookup((ecnn_colormap)m, (float)i / 255.0f);
      /* continuous: neighbouring entries differ by a few levels at most */
      ck_assert_msg(abs(c.r - prev.r) <= 6 && abs(c.g - prev.g) <= 6 && abs(c.b - prev.b) <= 6,
                    "map %d jumps at entry %d", m, i);
      prev = c;
      const int lum = 299 * c.r + 587 * c.g + 114 * c.b;
      if (m == ECNN_COLORMAP_INFERNO) {
        ck_assert_msg(lum >= prev_lum, "inferno's luminance falls at entry %d", i);
        prev_lum = lum;
      }
    }
  }
}
END_TEST

/* ---- heatmap blend against a plain float oracle ---------------------------------------- */

typedef struct tframe {
  ecnn_frame f;
  uint8_t *mem;
  size_t size;
} tframe;

/* A frame of any format with padded strides, filled with pseudo-random bytes. */
static tframe tframe_make(ecnn_pixel_format fmt, int w, int h, uint32_t seed) {
  tframe t;
  memset(&t, 0, sizeof t);
  t.f.format = fmt, t.f.width = w, t.f.height = h;
  const int cw = (w + 1) / 2, ch = (h + 1) / 2;
  int bytes0 = w, rows[3] = {h, 0, 0};
  if (fmt <= ECNN_PIXEL_BGR24) bytes0 = 3 * w;
  else if (fmt <= ECNN_PIXEL_BGRX) bytes0 = 4 * w;
  else if (fmt == ECNN_PIXEL_YUY2) bytes0 = 4 * cw;
  t.f.strides[0] = bytes0 + 5;
  if (fmt == ECNN_PIXEL_I420) t.f.strides[1] = t.f.strides[2] = cw + 3, rows[1] = rows[2] = ch;
  if (fmt == ECNN_PIXEL_NV12) t.f.strides[1] = 2 * cw + 3, rows[1] = ch;
  size_t off[3], total = 0;
  for (int p = 0; p < 3; p++) off[p] = total, total += (size_t)t.f.strides[p] * rows[p];
  t.mem = malloc(total);
  t.size = total;
  for (int p = 0; p < 3; p++) t.f.planes[p] = rows[p] ? t.mem + off[p] : NULL;
  uint32_t s = seed;
  for (size_t i = 0; i < total; i++) s = s * 1664525u + 1013904223u, t.mem[i] = (uint8_t)(s >> 24);
  return t;
}

/* The oracle's colour-table index of frame pixel (x, y), or -1 when it stays untouched. */
static int oracle_index(const float *map, int mw, int mh, const ecnn_letterbox *r, int x, int y,
                        float min_score) {
  const double tx = (x + 0.5 - r->offset_x) * r->scale_x, ty = (y + 0.5 - r->offset_y) * r->scale_y;
  if (tx < 0 || tx >= r->tensor_width || ty < 0 || ty >= r->tensor_height) return -1;
  double mx = tx * mw / r->tensor_width - 0.5, my = ty * mh / r->tensor_height - 0.5;
  mx = mx < 0 ? 0 : mx > mw - 1 ? mw - 1 : mx;
  my = my < 0 ? 0 : my > mh - 1 ? mh - 1 : my;
  const int x0 = (int)floor(mx), y0 = (int)floor(my);
  const int x1 = x0 + 1 < mw ? x0 + 1 : x0, y1 = y0 + 1 < mh ? y0 + 1 : y0;
  const double fx = mx - x0, fy = my - y0;
  const double v = map[y0 * mw + x0] * (1 - fx) * (1 - fy) + map[y0 * mw + x1] * fx * (1 - fy) +
                   map[y1 * mw + x0] * (1 - fx) * fy + map[y1 * mw + x1] * fx * fy;
  if (!(v >= min_score)) return -1;
  return (int)lround((v > 1 ? 1 : v < 0 ? 0 : v) * 255);
}

/* The oracle's colour in the frame's terms: BT.601 limited-range Y, U, V or full-range gray. */
static void oracle_yuv(ecnn_colormap cm, int i, double *y, double *u, double *v, double *gray) {
  const ecnn_rgb c = ecnn_colormap_lookup(cm, (float)i / 255.0f);
  *y = 16 + (65.481 * c.r + 128.553 * c.g + 24.966 * c.b) / 255;
  *u = 128 + (-37.797 * c.r - 74.203 * c.g + 112.0 * c.b) / 255;
  *v = 128 + (112.0 * c.r - 93.786 * c.g - 18.214 * c.b) / 255;
  *gray = 0.299 * c.r + 0.587 * c.g + 0.114 * c.b;
}

/* Checks a blended frame `t` against its original `o` sample by sample; returns the largest
 * difference from the oracle (untouched samples must be identical: checked here). */
static double check_blend(const tframe *o, const tframe *t, const float *map, int mw, int mh,
                          const ecnn_letterbox *r, ecnn_colormap cm, double alpha, float min_score) {
  const ecnn_frame *f = &t->f;
  const int w = f->width, h = f->height, fmt = f->format;
  double worst = 0;
#define CHECK_SAMPLE(p, off, expect_touched, expect)                                              \
  do {                                                                                            \
    const int got_ = t->f.planes[p][off], was_ = o->f.planes[p][off];                            \
    if (!(expect_touched)) ck_assert_msg(got_ == was_, "fmt %d plane %d offset %d touched", fmt, \
                                         p, (int)(off));                                          \
    else worst = fmax(worst, fabs((double)got_ - (double)(expect)));                                            \
  } while (0)
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const int i = oracle_index(map, mw, mh, r, x, y, min_score);
      const ecnn_rgb c = ecnn_colormap_lookup(cm, i < 0 ? 0 : (float)i / 255.0f);
      double Y, U, V, G;
      oracle_yuv(cm, i < 0 ? 0 : i, &Y, &U, &V, &G);
      const size_t row = (size_t)y * f->strides[0];
      if (fmt <= ECNN_PIXEL_BGRX) {
        const int bpp = fmt <= ECNN_PIXEL_BGR24 ? 3 : 4;
        const bool bgr = fmt == ECNN_PIXEL_BGR24 || fmt == ECNN_PIXEL_BGRA || fmt == ECNN_PIXEL_BGRX;
        const size_t p = row + (size_t)x * bpp;
        const int ch[3] = {bgr ? c.b : c.r, c.g, bgr ? c.r : c.b};
        for (int k = 0; k < 3; k++)
          CHECK_SAMPLE(0, p + k, i >= 0, o->f.planes[0][p + k] + alpha * (ch[k] - o->f.planes[0][p + k]));
        if (bpp == 4) CHECK_SAMPLE(0, p + 3, false, 0); /* alpha / padding byte never written */
      } else if (fmt == ECNN_PIXEL_GRAY8) {
        CHECK_SAMPLE(0, row + x, i >= 0, o->f.planes[0][row + x] + alpha * (G - o->f.planes[0][row + x]));
      } else {
        const size_t p = fmt == ECNN_PIXEL_YUY2 ? row + 2 * (size_t)x : row + x;
        CHECK_SAMPLE(0, p, i >= 0, o->f.planes[0][p] + alpha * (Y - o->f.planes[0][p]));
      }
    }
  if (fmt == ECNN_PIXEL_I420 || fmt == ECNN_PIXEL_NV12 || fmt == ECNN_PIXEL_YUY2) {
    /* chroma: the average over the pixels a sample covers of each pixel's blended chroma */
    const int bh = fmt == ECNN_PIXEL_YUY2 ? 1 : 2;
    for (int by = 0; by * bh < h; by++)
      for (int bx = 0; 2 * bx < w; bx++) {
        double su = 0, sv = 0;
        int n = 0, touched = 0;
        size_t pu, pv;
        int plane_u, plane_v;
        if (fmt == ECNN_PIXEL_YUY2) {
          plane_u = plane_v = 0, pu = (size_t)by * f->strides[0] + 4 * (size_t)bx + 1, pv = pu + 2;
        } else if (fmt == ECNN_PIXEL_NV12) {
          plane_u = plane_v = 1, pu = (size_t)by * f->strides[1] + 2 * (size_t)bx, pv = pu + 1;
        } else {
          plane_u = 1, plane_v = 2, pu = (size_t)by * f->strides[1] + bx, pv = (size_t)by * f->strides[2] + bx;
        }
        const int u0 = o->f.planes[plane_u][pu], v0 = o->f.planes[plane_v][pv];
        for (int y = by * bh; y < by * bh + bh && y < h; y++)
          for (int x = 2 * bx; x < 2 * bx + 2 && x < w; x++) {
            const int i = oracle_index(map, mw, mh, r, x, y, min_score);
            double Y, U = u0, V = v0, G;
            if (i >= 0) oracle_yuv(cm, i, &Y, &U, &V, &G), touched++;
            su += u0 + alpha * (U - u0), sv += v0 + alpha * (V - v0), n++;
          }
        CHECK_SAMPLE(plane_u, pu, touched, su / n);
        CHECK_SAMPLE(plane_v, pv, touched, sv / n);
      }
  }
#undef CHECK_SAMPLE
  return worst;
}

/* A 7x5 map of varied values over a letterboxed region (bands above and below, a margin
 * left), odd and even frame sizes, every format, every colour map, blended on the ISA path
 * active now, against the oracle. */
static void blend_against_oracle(void) {
  float map[7 * 5];
  for (int i = 0; i < 35; i++) map[i] = (float)((i * 37) % 35) / 33.0f; /* 0..1.03 */
  const int sizes[4][2] = {{40, 30}, {33, 21}, {5, 3}, {70, 44}};
  for (int s = 0; s < 4; s++) {
    const int w = sizes[s][0], h = sizes[s][1];
    /* the tensor (16x16) covers frame x 2..w-2, y 3..h-3 */
    ecnn_letterbox r = {2.0f, 3.0f, 16.0f / (float)(w - 4), 16.0f / (float)(h - 6), 16, 16};
    if (h <= 6) r.offset_y = 0, r.scale_y = 16.0f / (float)h;
    for (int fmt = 0; fmt < ECNN_PIXEL_COUNT; fmt++)
      for (int cm = 0; cm < ECNN_COLORMAP_COUNT; cm++) {
        tframe o = tframe_make((ecnn_pixel_format)fmt, w, h, 7u + (uint32_t)fmt);
        tframe t = o;
        t.mem = malloc(o.size);
        memcpy(t.mem, o.mem, o.size);
        for (int p = 0; p < 3; p++)
          t.f.planes[p] = o.f.planes[p] ? t.mem + (o.f.planes[p] - o.mem) : NULL;
        const float min_score = s == 1 ? 0.0f : 0.35f;
        ck_assert_msg(ecnn_heatmap_blend(&t.f, map, 7, 5, &r, (ecnn_colormap)cm, 0.6f, min_score) ==
                          ECNN_STATUS_OK, "%s", ecnn_last_error());
        const double worst = check_blend(&o, &t, map, 7, 5, &r, (ecnn_colormap)cm, 0.6, min_score);
        /* rounding and alpha in 1/256 steps (the map avoids values on a table entry's
         * rounding edge, where float and double could pick neighbouring entries) */
        ck_assert_msg(worst <= 1.5, "%dx%d format %d map %d: off by %g", w, h, fmt, cm, worst);
        free(o.mem);
        free(t.mem);
      }
  }
}

START_TEST(test_blend_matches_oracle) {
  /* with the scalar loops, and with the SIMD ones (src/kernels/blend.h) where the CPU has them */
  const ecnn_isa best = ecnn_isa_best();
  ecnn_isa_set(ECNN_ISA_SCALAR);
  blend_against_oracle();
  ecnn_isa_set(best);
  blend_against_oracle();
}
END_TEST

START_TEST(test_blend_alpha_and_mask) {
  float hot[4] = {1, 1, 1, 1}, cool[4] = {0.1f, 0.1f, 0.1f, 0.1f};
  for (int fmt = 0; fmt < ECNN_PIXEL_COUNT; fmt++) {
    tframe o = tframe_make((ecnn_pixel_format)fmt, 6, 4, 99);
    tframe t = o;
    t.mem = malloc(o.size);
    memcpy(t.mem, o.mem, o.size);
    for (int p = 0; p < 3; p++) t.f.planes[p] = o.f.planes[p] ? t.mem + (o.f.planes[p] - o.mem) : NULL;
    /* alpha 0, and everything below min-score: byte for byte unchanged */
    ck_assert_int_eq(ecnn_heatmap_blend(&t.f, hot, 2, 2, NULL, ECNN_COLORMAP_JET, 0.0f, 0.0f), ECNN_STATUS_OK);
    ck_assert(memcmp(t.mem, o.mem, o.size) == 0);
    ck_assert_int_eq(ecnn_heatmap_blend(&t.f, cool, 2, 2, NULL, ECNN_COLORMAP_JET, 1.0f, 0.2f), ECNN_STATUS_OK);
    ck_assert(memcmp(t.mem, o.mem, o.size) == 0);
    /* alpha 1 at value 1: the colour itself (inferno(1), a pale yellow) */
    ck_assert_int_eq(ecnn_heatmap_blend(&t.f, hot, 2, 2, NULL, ECNN_COLORMAP_INFERNO, 1.0f, 0.2f), ECNN_STATUS_OK);
    const ecnn_rgb c = ecnn_colormap_lookup(ECNN_COLORMAP_INFERNO, 1);
    double Y, U, V, G;
    oracle_yuv(ECNN_COLORMAP_INFERNO, 255, &Y, &U, &V, &G);
    const uint8_t *p0 = t.f.planes[0] + t.f.strides[0] * 3; /* row 3 */
    switch (fmt) {
    case ECNN_PIXEL_RGB24: ck_assert(p0[9] == c.r && p0[10] == c.g && p0[11] == c.b); break;
    case ECNN_PIXEL_BGR24: ck_assert(p0[9] == c.b && p0[10] == c.g && p0[11] == c.r); break;
    case ECNN_PIXEL_RGBA:
    case ECNN_PIXEL_RGBX: ck_assert(p0[12] == c.r && p0[13] == c.g && p0[14] == c.b); break;
    case ECNN_PIXEL_BGRA:
    case ECNN_PIXEL_BGRX: ck_assert(p0[12] == c.b && p0[13] == c.g && p0[14] == c.r); break;
    case ECNN_PIXEL_GRAY8: ck_assert_float_eq_tol(p0[3], G, 1.0); break;
    case ECNN_PIXEL_YUY2:
      ck_assert_float_eq_tol(p0[6], Y, 1.0);
      ck_assert_float_eq_tol(p0[5], U, 1.0);
      ck_assert_float_eq_tol(p0[7], V, 1.0);
      break;
    default: {
      ck_assert_float_eq_tol(p0[3], Y, 1.0);
      const uint8_t *u = t.f.planes[1] + t.f.strides[1];
      const uint8_t *v = fmt == ECNN_PIXEL_NV12 ? u + 1 : t.f.planes[2] + t.f.strides[2];
      const int step = fmt == ECNN_PIXEL_NV12 ? 2 : 1;
      ck_assert_float_eq_tol(u[step], U, 1.0);
      ck_assert_float_eq_tol(v[step], V, 1.0);
    }
    }
    free(o.mem);
    free(t.mem);
  }
}
END_TEST

START_TEST(test_blend_chroma_average) {
  /* I420 4x2, only the left column hot: the first chroma sample moves half way (2 of the 4
   * pixels it covers), the second not at all */
  float map[4] = {1, 0, 0, 0};
  ecnn_letterbox r = {0, 0, 1, 1, 4, 1}; /* map 4x1 over the 4x2 frame, column by column */
  uint8_t y[8], u[2] = {128, 128}, v[2] = {128, 128};
  memset(y, 100, sizeof y);
  ecnn_frame f = {ECNN_PIXEL_I420, 4, 2, {y, u, v}, {4, 2, 2}};
  r.scale_y = 0.5f;
  ck_assert_int_eq(ecnn_heatmap_blend(&f, map, 4, 1, &r, ECNN_COLORMAP_JET, 1.0f, 0.5f), ECNN_STATUS_OK);
  double Y, U, V, G;
  oracle_yuv(ECNN_COLORMAP_JET, 255, &Y, &U, &V, &G);
  ck_assert_float_eq_tol(y[0], Y, 1.0);
  ck_assert_float_eq_tol(y[4], Y, 1.0);
  ck_assert_int_eq(y[1], 100);
  ck_assert_int_eq(y[5], 100);
  ck_assert_float_eq_tol(u[0], 128 + (U - 128) / 2, 1.0);
  ck_assert_float_eq_tol(v[0], 128 + (V - 128) / 2, 1.0);
  ck_assert(u[1] == 128 && v[1] == 128);
  /* bad arguments */
  ck_assert_int_eq(ecnn_heatmap_blend(NULL, map, 4, 1, &r, ECNN_COLORMAP_JET, 1, 0), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_heatmap_blend(&f, NULL, 4, 1, &r, ECNN_COLORMAP_JET, 1, 0), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_heatmap_blend(&f, map, 4, 0, &r, ECNN_COLORMAP_JET, 1, 0), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_heatmap_blend(&f, map, 4, 1, &r, ECNN_COLORMAP_COUNT, 1, 0), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_heatmap_blend(&f, map, 4, 1, &r, ECNN_COLORMAP_JET, -0.1f, 0), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_heatmap_blend(&f, map, 4, 1, &r, ECNN_COLORMAP_JET, NAN, 0), ECNN_STATUS_INVALID_ARGUMENT);
  r.scale_x = 0;
  ck_assert_int_eq(ecnn_heatmap_blend(&f, map, 4, 1, &r, ECNN_COLORMAP_JET, 1, 0), ECNN_STATUS_INVALID_ARGUMENT);
  r.scale_x = 1, r.tensor_width = 0;
  ck_assert_int_eq(ecnn_heatmap_blend(&f, map, 4, 1, &r, ECNN_COLORMAP_JET, 1, 0), ECNN_STATUS_INVALID_ARGUMENT);
  f.strides[1] = 1; /* too short for two chroma samples */
  r.tensor_width = 4;
  ck_assert_int_eq(ecnn_heatmap_blend(&f, map, 4, 1, &r, ECNN_COLORMAP_JET, 1, 0), ECNN_STATUS_INVALID_ARGUMENT);
  /* a region entirely off the frame touches nothing */
  f.strides[1] = 2;
  const uint8_t before = y[0];
  r.offset_x = 100;
  ck_assert_int_eq(ecnn_heatmap_blend(&f, map, 4, 1, &r, ECNN_COLORMAP_TURBO, 1, 0), ECNN_STATUS_OK);
  ck_assert_int_eq(y[0], before);
}
END_TEST

int main(void) {
  Suite *s = suite_create("saliency");
  TCase *tc = tcase_create("saliency");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_hot_cell);
  tcase_add_test(tc, test_layout_matches_anchors);
  tcase_add_test(tc, test_score_functions);
  tcase_add_test(tc, test_bad_arguments);
  tcase_add_test(tc, test_colormap_tables);
  tcase_add_test(tc, test_blend_matches_oracle);
  tcase_add_test(tc, test_blend_alpha_and_mask);
  tcase_add_test(tc, test_blend_chroma_average);
  tcase_add_test(tc, test_person_is_hot);
  tcase_add_test(tc, test_cam);
  tcase_add_test(tc, test_mask);
  tcase_add_test(tc, test_selfie_segmentation);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
