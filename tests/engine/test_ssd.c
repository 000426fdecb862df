/*
 * test_ssd.c — SSD post-processing: anchors for the two shipped models (counts and exact
 * values, the SSD ones produced by ../shared/tools/ssd_decode.py anchors(), BlazeFace's from
 * the grid described in ../shared/tools/README.md), box decoding in both formats against
 * hand-computed boxes, hard (class-aware / agnostic) and weighted NMS, thresholds, IoU, and the
 * TFLite_Detection_PostProcess op on a small hand-built graph.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "graph.h"
#include "model.h"
#include "ops/ops.h"
#include "test_util.h"

#define EPS 1e-6f

static void ssd_options(ecnn_anchor_options *o) {
  ecnn_anchor_options_init(o);
  o->num_layers = 6;
  o->min_scale = 0.2f;
  o->max_scale = 0.95f;
  o->input_width = o->input_height = 300;
  const int32_t strides[6] = {16, 32, 64, 128, 256, 512};
  memcpy(o->strides, strides, sizeof strides);
  const float ratios[5] = {1.0f, 2.0f, 0.5f, 3.0f, 0.3333f};
  o->num_aspect_ratios = 5;
  memcpy(o->aspect_ratios, ratios, sizeof ratios);
  o->reduce_boxes_in_lowest_layer = true;
}

static void face_options(ecnn_anchor_options *o) {
  ecnn_anchor_options_init(o);
  o->num_layers = 4;
  o->min_scale = 0.1484375f;
  o->max_scale = 0.75f;
  o->input_width = o->input_height = 128;
  const int32_t strides[4] = {8, 16, 16, 16};
  memcpy(o->strides, strides, sizeof strides);
  o->num_aspect_ratios = 1;
  o->aspect_ratios[0] = 1.0f;
  o->fixed_anchor_size = true;
}

static void check_anchor(const ecnn_anchor *a, float cx, float cy, float w, float h) {
  ck_assert_msg(fabsf(a->cx - cx) < EPS && fabsf(a->cy - cy) < EPS && fabsf(a->w - w) < EPS &&
                    fabsf(a->h - h) < EPS,
                "anchor (%g %g %g %g), expected (%g %g %g %g)", (double)a->cx, (double)a->cy,
                (double)a->w, (double)a->h, (double)cx, (double)cy, (double)w, (double)h);
}

START_TEST(test_ssd_anchors) {
  ecnn_anchor_options o;
  ssd_options(&o);
  ck_assert_int_eq(ecnn_anchor_count(&o), 1917);
  ecnn_anchor *a = malloc(1917 * sizeof *a);
  int32_t n;
  ck_assert_int_eq(ecnn_anchors_generate(&o, a, 1917, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 1917);
  /* values printed by /usr/bin/python3 -c 'import ssd_decode as s; a = s.anchors(); ...'
   * (ssd_decode.py anchors(), default arguments = this model) as (cx, cy, w, h), %.7f;
   * layers start at 0, 1083, 1683, 1833, 1887, 1911 */
  check_anchor(&a[0], 0.0263158f, 0.0263158f, 0.1f, 0.1f);
  check_anchor(&a[1], 0.0263158f, 0.0263158f, 0.2828427f, 0.1414214f);
  check_anchor(&a[2], 0.0263158f, 0.0263158f, 0.1414214f, 0.2828427f);
  check_anchor(&a[3], 0.0789474f, 0.0263158f, 0.1f, 0.1f);
  check_anchor(&a[1082], 0.9736842f, 0.9736842f, 0.1414214f, 0.2828427f);
  check_anchor(&a[1083], 0.05f, 0.05f, 0.35f, 0.35f);
  check_anchor(&a[1084], 0.05f, 0.05f, 0.4949747f, 0.2474874f);
  check_anchor(&a[1086], 0.05f, 0.05f, 0.6062178f, 0.2020726f); /* ratio 3 */
  check_anchor(&a[1087], 0.05f, 0.05f, 0.2020625f, 0.6062481f); /* ratio 0.3333 */
  check_anchor(&a[1088], 0.05f, 0.05f, 0.4183300f, 0.4183300f);
  check_anchor(&a[1682], 0.95f, 0.95f, 0.4183300f, 0.4183300f);
  check_anchor(&a[1683], 0.1f, 0.1f, 0.5f, 0.5f);
  check_anchor(&a[1832], 0.9f, 0.9f, 0.5700877f, 0.5700877f);
  check_anchor(&a[1833], 0.1666667f, 0.1666667f, 0.65f, 0.65f);
  check_anchor(&a[1838], 0.1666667f, 0.1666667f, 0.7211103f, 0.7211103f);
  check_anchor(&a[1886], 0.8333333f, 0.8333333f, 0.7211103f, 0.7211103f);
  check_anchor(&a[1887], 0.25f, 0.25f, 0.8f, 0.8f);
  check_anchor(&a[1910], 0.75f, 0.75f, 0.8717798f, 0.8717798f);
  check_anchor(&a[1911], 0.5f, 0.5f, 0.95f, 0.95f);
  check_anchor(&a[1916], 0.5f, 0.5f, 0.9746794f, 0.9746794f);
  /* too little room is an error, not an overflow */
  ck_assert_int_eq(ecnn_anchors_generate(&o, a, 1916, &n), ECNN_STATUS_INVALID_ARGUMENT);
  free(a);
}
END_TEST

START_TEST(test_face_anchors) {
  ecnn_anchor_options o;
  face_options(&o);
  ck_assert_int_eq(ecnn_anchor_count(&o), 896);
  ecnn_anchor a[896];
  int32_t n;
  ck_assert_int_eq(ecnn_anchors_generate(&o, a, 896, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 896);
  /* 16x16 grid with 2 anchors per cell, then 8x8 with 6 (three stride-16 layers merged) */
  check_anchor(&a[0], 0.5f / 16, 0.5f / 16, 1, 1);
  check_anchor(&a[1], 0.5f / 16, 0.5f / 16, 1, 1);
  check_anchor(&a[2], 1.5f / 16, 0.5f / 16, 1, 1);
  check_anchor(&a[32], 0.5f / 16, 1.5f / 16, 1, 1);
  check_anchor(&a[511], 15.5f / 16, 15.5f / 16, 1, 1);
  check_anchor(&a[512], 0.5f / 8, 0.5f / 8, 1, 1);
  check_anchor(&a[517], 0.5f / 8, 0.5f / 8, 1, 1);
  check_anchor(&a[518], 1.5f / 8, 0.5f / 8, 1, 1);
  check_anchor(&a[895], 7.5f / 8, 7.5f / 8, 1, 1);
}
END_TEST

START_TEST(test_bad_anchor_options) {
  ecnn_anchor_options o;
  ssd_options(&o);
  o.num_layers = 0;
  ck_assert_int_eq(ecnn_anchor_count(&o), -1);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "num_layers"));
  ssd_options(&o);
  o.num_layers = ECNN_MAX_SSD_LAYERS + 1;
  ck_assert_int_eq(ecnn_anchor_count(&o), -1);
  ssd_options(&o);
  o.strides[2] = 0;
  ck_assert_int_eq(ecnn_anchor_count(&o), -1);
  ssd_options(&o);
  o.min_scale = -1;
  ck_assert_int_eq(ecnn_anchor_count(&o), -1);
  ssd_options(&o);
  o.num_aspect_ratios = 99;
  ck_assert_int_eq(ecnn_anchor_count(&o), -1);
  ck_assert_int_eq(ecnn_anchor_count(NULL), -1);
  int32_t n = 7;
  ck_assert_int_eq(ecnn_anchors_generate(NULL, NULL, 0, &n), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(n, 0);
}
END_TEST

static void base_decode(ecnn_decode_options *d) {
  memset(d, 0, sizeof *d);
  d->box_format = ECNN_BOX_YXHW;
  d->y_scale = d->x_scale = 10;
  d->h_scale = d->w_scale = 5;
  d->num_coords = 4;
  d->num_classes = 3;
  d->ignore_class_0 = true;
  d->score_fn = ECNN_SCORE_SIGMOID;
  d->score_threshold = 0.5f;
  d->iou_threshold = 0.5f;
  d->nms = ECNN_NMS_HARD;
  d->max_detections = 10;
}

START_TEST(test_decode_yxhw) {
  ecnn_decode_options d;
  base_decode(&d);
  const ecnn_anchor anc[2] = {{0.5f, 0.5f, 0.2f, 0.4f}, {0.1f, 0.1f, 0.1f, 0.1f}};
  /* anchor 0: ty 1, tx 2, th 0, tw 5 ln 2 -> centre (0.54, 0.54), size 0.4 x 0.4 */
  const float boxes[8] = {1, 2, 0, 5 * logf(2), 0, 0, 0, 0};
  /* logits: anchor 0 best class 2 (sigmoid 2 = 0.8808); anchor 1 below threshold; a huge
   * background logit must be ignored */
  const float scores[6] = {50, 0.5f, 2, 50, -1, -2};
  ecnn_detection out[4];
  int32_t n;
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 2, out, 4, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 1);
  ck_assert_int_eq(out[0].class_id, 2);
  ck_assert_float_eq_tol(out[0].score, 1 / (1 + expf(-2)), 1e-6);
  ck_assert_float_eq_tol(out[0].xmin, 0.34, 1e-6);
  ck_assert_float_eq_tol(out[0].xmax, 0.74, 1e-6);
  ck_assert_float_eq_tol(out[0].ymin, 0.34, 1e-6);
  ck_assert_float_eq_tol(out[0].ymax, 0.74, 1e-6);
  /* softmax scores: row (0, 0, ln 2) -> class 2 has 2/4 = 0.5 */
  d.score_fn = ECNN_SCORE_SOFTMAX;
  const float sm[6] = {0, 0, logf(2), 0, 0, 0};
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, sm, anc, 2, out, 4, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 1);
  ck_assert_float_eq_tol(out[0].score, 0.5, 1e-6);
}
END_TEST

START_TEST(test_decode_xywh_keypoints) {
  ecnn_decode_options d;
  base_decode(&d);
  d.box_format = ECNN_BOX_XYWH;
  d.x_scale = d.y_scale = d.w_scale = d.h_scale = 128;
  d.num_coords = 8;
  d.num_keypoints = 2;
  d.num_classes = 1;
  d.ignore_class_0 = false;
  d.score_clip = 100;
  const ecnn_anchor anc[1] = {{0.25f, 0.75f, 1, 1}};
  const float boxes[8] = {12.8f, -25.6f, 64, 32, 6.4f, 0, -32, 12.8f};
  const float scores[1] = {1000}; /* clipped to 100 first: sigmoid = 1 */
  ecnn_detection out[1];
  int32_t n;
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 1, out, 1, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 1);
  ck_assert_float_eq_tol(out[0].xmin, 0.1, 1e-6);
  ck_assert_float_eq_tol(out[0].xmax, 0.6, 1e-6);
  ck_assert_float_eq_tol(out[0].ymin, 0.425, 1e-6);
  ck_assert_float_eq_tol(out[0].ymax, 0.675, 1e-6);
  ck_assert_int_eq(out[0].num_keypoints, 2);
  ck_assert_float_eq_tol(out[0].keypoints[0][0], 0.3, 1e-6);
  ck_assert_float_eq_tol(out[0].keypoints[0][1], 0.75, 1e-6);
  ck_assert_float_eq_tol(out[0].keypoints[1][0], 0.0, 1e-6);
  ck_assert_float_eq_tol(out[0].keypoints[1][1], 0.85, 1e-6);
  /* bad options are errors */
  d.num_coords = 7;
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 1, out, 1, &n),
                   ECNN_STATUS_INVALID_ARGUMENT);
  d.num_coords = 8;
  d.num_keypoints = ECNN_MAX_KEYPOINTS + 1;
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 1, out, 1, &n),
                   ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_ssd_decode(NULL, boxes, scores, anc, 1, out, 1, &n),
                   ECNN_STATUS_INVALID_ARGUMENT);
}
END_TEST

static ecnn_detection det(float x0, float y0, float x1, float y1, float s, int32_t c) {
  ecnn_detection d;
  memset(&d, 0, sizeof d);
  d.xmin = x0, d.ymin = y0, d.xmax = x1, d.ymax = y1, d.score = s, d.class_id = c;
  return d;
}

START_TEST(test_iou) {
  ecnn_detection a = det(0, 0, 2, 2, 1, 0), b = det(1, 1, 3, 3, 1, 0), c = det(5, 5, 6, 6, 1, 0);
  ecnn_detection in = det(0.5f, 0.5f, 1.5f, 1.5f, 1, 0), empty = det(1, 1, 1, 2, 1, 0);
  ck_assert_float_eq_tol(ecnn_box_iou(&a, &b), 1.0 / 7.0, 1e-6);
  ck_assert_float_eq_tol(ecnn_box_iou(&a, &a), 1.0, 1e-6);
  ck_assert_float_eq_tol(ecnn_box_iou(&a, &c), 0.0, 1e-9);
  ck_assert_float_eq_tol(ecnn_box_iou(&a, &in), 0.25, 1e-6);
  ck_assert_float_eq_tol(ecnn_box_iou(&a, &empty), 0.0, 1e-9);
}
END_TEST

START_TEST(test_nms_hard) {
  /* two overlapping boxes of class 1 (IoU 0.81), one of class 2 over them, one far away */
  ecnn_detection base[4] = {det(0, 0, 1, 1, 0.6f, 1), det(0.05f, 0.05f, 1, 1, 0.9f, 1),
                            det(0, 0, 1, 1, 0.8f, 2), det(3, 3, 4, 4, 0.1f, 1)};
  ecnn_detection d[4];
  int32_t n = 4;
  memcpy(d, base, sizeof d);
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_HARD, 0.5f, 10, d, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 3); /* class-aware: the class-2 box survives */
  ck_assert_float_eq_tol(d[0].score, 0.9, 1e-6);
  ck_assert_int_eq(d[1].class_id, 2);
  ck_assert_float_eq_tol(d[2].score, 0.1, 1e-6);
  memcpy(d, base, sizeof d);
  n = 4;
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_HARD_AGNOSTIC, 0.5f, 10, d, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 2);
  ck_assert_float_eq_tol(d[0].score, 0.9, 1e-6);
  ck_assert_float_eq_tol(d[1].score, 0.1, 1e-6);
  memcpy(d, base, sizeof d);
  n = 4;
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_HARD, 0.5f, 1, d, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 1); /* max_detections */
  memcpy(d, base, sizeof d);
  n = 4;
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_NONE, 0.5f, 10, d, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 4);
  ck_assert(d[0].score >= d[1].score && d[1].score >= d[2].score && d[2].score >= d[3].score);
  n = 4;
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_HARD, 1.5f, 10, d, &n), ECNN_STATUS_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_nms_weighted) {
  /* cluster of two (IoU 0.6) with scores 0.75 and 0.25, plus one separate box */
  ecnn_detection d[3] = {det(0, 0, 1, 1, 0.25f, 0), det(0.25f, 0, 1.25f, 1, 0.75f, 0),
                         det(5, 5, 6, 6, 0.5f, 0)};
  d[0].num_keypoints = d[1].num_keypoints = 1;
  d[0].keypoints[0][0] = 0.0f, d[0].keypoints[0][1] = 1.0f;
  d[1].keypoints[0][0] = 1.0f, d[1].keypoints[0][1] = 0.0f;
  int32_t n = 3;
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_WEIGHTED, 0.3f, 10, d, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 2);
  /* top score kept, box = (0.75 * box1 + 0.25 * box0) / 1.0 */
  ck_assert_float_eq_tol(d[0].score, 0.75, 1e-6);
  ck_assert_float_eq_tol(d[0].xmin, 0.1875, 1e-6);
  ck_assert_float_eq_tol(d[0].xmax, 1.1875, 1e-6);
  ck_assert_float_eq_tol(d[0].ymin, 0.0, 1e-6);
  ck_assert_float_eq_tol(d[0].keypoints[0][0], 0.75, 1e-6);
  ck_assert_float_eq_tol(d[0].keypoints[0][1], 0.25, 1e-6);
  ck_assert_float_eq_tol(d[1].score, 0.5, 1e-6);
  ck_assert_float_eq_tol(d[1].xmin, 5.0, 1e-6);
}
END_TEST

/* The detection op on 3 anchors and 2 classes + background. Anchors 0 and 1 (0.2 x 0.2, centres
 * 0.02 apart in y) overlap with IoU 0.036 / 0.044 = 0.82; anchor 2 is elsewhere. Box encodings
 * are zero, so each box is its anchor. Scores (background, class 0, class 1):
 * anchor 0 (0, 0.7, 0.1), anchor 1 (0, 0.2, 0.9), anchor 2 (0, 0.4, 0.35); threshold 0.3. */
static const float pp_anchors[12] = {0.5f, 0.5f, 0.2f, 0.2f, 0.52f, 0.5f, 0.2f, 0.2f,
                                     0.1f, 0.1f, 0.1f, 0.1f};
static const float pp_scores[9] = {0, 0.7f, 0.1f, 0, 0.2f, 0.9f, 0, 0.4f, 0.35f};

static void pp_params(ecnn_op_params *p) {
  ecnn_op_params_init(p);
  p->detpp.max_detections = 3;
  p->detpp.max_classes_per_detection = 1;
  p->detpp.detections_per_class = 100;
  p->detpp.num_classes = 2;
  p->detpp.nms_score_threshold = 0.3f;
  p->detpp.nms_iou_threshold = 0.5f;
  p->detpp.y_scale = p->detpp.x_scale = 10;
  p->detpp.h_scale = p->detpp.w_scale = 5;
}

/* Builds boxes [1,3,4] + scores [1,3,cols] + constant anchors [na,4] -> detection op; returns
 * the status of ecnn_graph_prepare. outs receives the 4 output tensor ids. */
static ecnn_status pp_graph(ecnn_graph *g, const ecnn_op_params *p, int32_t cols, int32_t na,
                            int32_t outs[4]) {
  ecnn_graph_init(g);
  const int32_t db[3] = {1, 3, 4}, dc[3] = {1, 3, cols}, da[2] = {na, 4};
  int32_t tb = ecnn_graph_add_tensor(g, "boxes", ECNN_DTYPE_F32, 3, db, NULL, 0);
  int32_t tc = ecnn_graph_add_tensor(g, "scores", ECNN_DTYPE_F32, 3, dc, NULL, 0);
  int32_t ta = ecnn_graph_add_tensor(g, "anchors", ECNN_DTYPE_F32, 2, da, pp_anchors,
                                     (size_t)na * 4 * sizeof(float));
  ck_assert(tb >= 0 && tc >= 0 && ta >= 0);
  for (int i = 0; i < 4; i++) {
    outs[i] = ecnn_graph_add_tensor(g, "out", ECNN_DTYPE_F32, 0, NULL, NULL, 0);
    ck_assert_int_ge(outs[i], 0);
  }
  const int32_t ins[3] = {tb, tc, ta};
  ck_assert_int_ge(ecnn_graph_add_node(g, ECNN_OP_DETECTION_POSTPROCESS, ins, 3, outs, 4, p), 0);
  g->num_inputs = 2, g->inputs[0] = tb, g->inputs[1] = tc;
  g->num_outputs = 4;
  for (int i = 0; i < 4; i++) g->outputs[i] = outs[i];
  return ecnn_graph_prepare(g);
}

/* Runs the prepared op directly on the fixed inputs. */
static void pp_run(ecnn_graph *g, float ob[12], float oc[3], float os[3], float on[1]) {
  float boxes[12] = {0}, scores[9];
  memcpy(scores, pp_scores, sizeof scores);
  void *data[7] = {boxes, scores, (void *)pp_anchors, ob, oc, os, on};
  ecnn_op_ctx ctx = {.graph = g, .node = &g->nodes[0], .data = data};
  ck_assert_msg(ecnn_ops[ECNN_OP_DETECTION_POSTPROCESS].run(&ctx) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
}

/* Fast NMS (class-agnostic on each box's best class): anchor 1 (class 1, 0.9) suppresses
 * anchor 0; anchor 2 (class 0, 0.4) stays. */
static void check_fast_nms(const float *ob, const float *oc, const float *os, const float *on) {
  ck_assert_float_eq(on[0], 2);
  ck_assert_float_eq_tol(os[0], 0.9, 1e-6);
  ck_assert_float_eq(oc[0], 1); /* class 1 (column 2, background removed) */
  ck_assert_float_eq_tol(ob[0], 0.42, 1e-6); /* ymin = 0.52 - 0.1 */
  ck_assert_float_eq_tol(ob[1], 0.4, 1e-6);  /* xmin */
  ck_assert_float_eq_tol(ob[2], 0.62, 1e-6);
  ck_assert_float_eq_tol(ob[3], 0.6, 1e-6);
  ck_assert_float_eq_tol(os[1], 0.4, 1e-6);
  ck_assert_float_eq(oc[1], 0);
  ck_assert_float_eq_tol(ob[4], 0.05, 1e-6);
  ck_assert_float_eq_tol(ob[7], 0.15, 1e-6);
  ck_assert_float_eq(os[2], 0); /* unused rows are zero */
  ck_assert_float_eq(ob[8], 0);
}

START_TEST(test_detection_postprocess_op) {
  ecnn_graph g;
  ecnn_op_params p;
  int32_t outs[4];
  pp_params(&p);
  ck_assert_msg(pp_graph(&g, &p, 3, 3, outs) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ck_assert_int_eq(g.tensors[outs[0]].ndim, 3);
  ck_assert_int_eq(g.tensors[outs[0]].dims[1], 3);
  ck_assert_int_eq(g.tensors[outs[0]].dims[2], 4);
  ck_assert_int_eq(g.tensors[outs[1]].dims[1], 3);
  ck_assert_int_eq(g.tensors[outs[3]].ndim, 1);
  float ob[12], oc[3], os[3], on[1];
  pp_run(&g, ob, oc, os, on);
  check_fast_nms(ob, oc, os, on);
  ecnn_graph_clear(&g);
}
END_TEST

START_TEST(test_detection_postprocess_regular) {
  /* per-class NMS: candidates (a1 c1 0.9) (a0 c0 0.7) (a2 c0 0.4) (a2 c1 0.35); nothing of the
   * same class overlaps, so the top 3 survive (anchor 0 is no longer suppressed by anchor 1) */
  ecnn_graph g;
  ecnn_op_params p;
  int32_t outs[4];
  pp_params(&p);
  p.detpp.use_regular_nms = true;
  ck_assert_msg(pp_graph(&g, &p, 3, 3, outs) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  float ob[12], oc[3], os[3], on[1];
  pp_run(&g, ob, oc, os, on);
  ck_assert_float_eq(on[0], 3);
  ck_assert_float_eq_tol(os[0], 0.9, 1e-6);
  ck_assert_float_eq(oc[0], 1);
  ck_assert_float_eq_tol(os[1], 0.7, 1e-6);
  ck_assert_float_eq(oc[1], 0);
  ck_assert_float_eq_tol(ob[4], 0.4, 1e-6); /* anchor 0: (0.4, 0.4)-(0.6, 0.6) */
  ck_assert_float_eq_tol(ob[7], 0.6, 1e-6);
  ck_assert_float_eq_tol(os[2], 0.4, 1e-6);
  ck_assert_float_eq(oc[2], 0);
  ecnn_graph_clear(&g);
  /* detections_per_class 1: the best of each class only */
  p.detpp.detections_per_class = 1;
  ck_assert_msg(pp_graph(&g, &p, 3, 3, outs) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  pp_run(&g, ob, oc, os, on);
  ck_assert_float_eq(on[0], 2);
  ck_assert_float_eq_tol(os[0], 0.9, 1e-6);
  ck_assert_float_eq_tol(os[1], 0.7, 1e-6);
  ck_assert_float_eq(os[2], 0);
  ecnn_graph_clear(&g);
}
END_TEST

START_TEST(test_detection_postprocess_session) {
  /* the same graph through the public session path (prepare + plan + run) */
  ecnn_graph g;
  ecnn_op_params p;
  int32_t outs[4];
  pp_params(&p);
  ck_assert_msg(pp_graph(&g, &p, 3, 3, outs) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ecnn_model *m = NULL;
  ck_assert_msg(ecnn_model_from_graph(&g, &m) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ecnn_session *s = NULL;
  ck_assert_msg(ecnn_session_create(m, NULL, &s) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  const float boxes[12] = {0};
  ck_assert_int_eq(ecnn_session_set_input(s, 0, boxes, sizeof boxes), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_session_set_input(s, 1, pp_scores, sizeof pp_scores), ECNN_STATUS_OK);
  ck_assert_msg(ecnn_session_run(s) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  const void *o[4];
  ecnn_tensor_info info;
  for (int i = 0; i < 4; i++)
    ck_assert_int_eq(ecnn_session_output(s, i, &o[i], &info), ECNN_STATUS_OK);
  check_fast_nms(o[0], o[1], o[2], o[3]);
  ecnn_session_free(s);
  ecnn_model_free(m);
}
END_TEST

START_TEST(test_detection_postprocess_bad) {
  ecnn_graph g;
  ecnn_op_params p;
  int32_t outs[4];
  pp_params(&p);
  p.detpp.max_classes_per_detection = 2;
  ck_assert_int_eq(pp_graph(&g, &p, 3, 3, outs), ECNN_STATUS_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "DETECTION_POSTPROCESS #0"));
  ecnn_graph_clear(&g);
  pp_params(&p);
  ck_assert_int_eq(pp_graph(&g, &p, 3, 2, outs), ECNN_STATUS_INVALID_MODEL); /* 2 anchors */
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "DETECTION_POSTPROCESS #0"));
  ecnn_graph_clear(&g);
  p.detpp.num_classes = 5; /* 3 score columns */
  ck_assert_int_eq(pp_graph(&g, &p, 3, 3, outs), ECNN_STATUS_INVALID_MODEL);
  ecnn_graph_clear(&g);
  pp_params(&p);
  p.detpp.max_detections = 0;
  ck_assert_int_eq(pp_graph(&g, &p, 3, 3, outs), ECNN_STATUS_INVALID_MODEL);
  ecnn_graph_clear(&g);
  pp_params(&p);
  p.detpp.use_regular_nms = true;
  p.detpp.detections_per_class = 0;
  ck_assert_int_eq(pp_graph(&g, &p, 3, 3, outs), ECNN_STATUS_INVALID_MODEL);
  ecnn_graph_clear(&g);
  pp_params(&p);
  p.detpp.y_scale = 0;
  ck_assert_int_eq(pp_graph(&g, &p, 3, 3, outs), ECNN_STATUS_INVALID_MODEL);
  ecnn_graph_clear(&g);
  /* num_classes without a background column is accepted */
  pp_params(&p);
  p.detpp.num_classes = 3;
  ck_assert_msg(pp_graph(&g, &p, 3, 3, outs) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ecnn_graph_clear(&g);
}
END_TEST

START_TEST(test_anchor_variants) {
  /* not reduced, no interpolated box, two layers: ssd_decode.py anchors(num_layers=2,
   * min_scale=0.2, max_scale=0.8, size=64, strides=(32, 64), ratios=(1.0, 4.0),
   * reduce_lowest=False, interp=0) printed with %.7f */
  static const float want[10][4] = {
      {0.25f, 0.25f, 0.2f, 0.2f}, {0.25f, 0.25f, 0.4f, 0.1f}, {0.75f, 0.25f, 0.2f, 0.2f},
      {0.75f, 0.25f, 0.4f, 0.1f}, {0.25f, 0.75f, 0.2f, 0.2f}, {0.25f, 0.75f, 0.4f, 0.1f},
      {0.75f, 0.75f, 0.2f, 0.2f}, {0.75f, 0.75f, 0.4f, 0.1f}, {0.5f, 0.5f, 0.8f, 0.8f},
      {0.5f, 0.5f, 1.6f, 0.4f}};
  ecnn_anchor_options o;
  ecnn_anchor_options_init(&o);
  o.num_layers = 2;
  o.min_scale = 0.2f, o.max_scale = 0.8f;
  o.input_width = o.input_height = 64;
  o.strides[0] = 32, o.strides[1] = 64;
  o.num_aspect_ratios = 2;
  o.aspect_ratios[0] = 1.0f, o.aspect_ratios[1] = 4.0f;
  o.interpolated_scale_aspect_ratio = 0;
  ecnn_anchor a[16];
  int32_t n;
  ck_assert_int_eq(ecnn_anchors_generate(&o, a, 16, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 10);
  for (int i = 0; i < 10; i++) check_anchor(&a[i], want[i][0], want[i][1], want[i][2], want[i][3]);

  /* one layer (scale (0.2 + 0.4) / 2 = 0.3), non-square input 100 x 50, stride 32: a 4 x 2
   * grid; the interpolated box has scale sqrt(0.3 * 1.0) (next scale of the last layer = 1) */
  ecnn_anchor_options_init(&o);
  o.num_layers = 1;
  o.min_scale = 0.2f, o.max_scale = 0.4f;
  o.input_width = 100, o.input_height = 50;
  o.strides[0] = 32;
  o.num_aspect_ratios = 1;
  o.aspect_ratios[0] = 1.0f;
  ck_assert_int_eq(ecnn_anchor_count(&o), 16);
  ck_assert_int_eq(ecnn_anchors_generate(&o, a, 16, &n), ECNN_STATUS_OK);
  check_anchor(&a[10], 1.5f / 4, 1.5f / 2, 0.3f, 0.3f); /* cell (x 1, y 1), first box */
  check_anchor(&a[11], 1.5f / 4, 1.5f / 2, sqrtf(0.3f), sqrtf(0.3f));
  /* explicit feature map 3 x 1 and zero offsets */
  o.feature_map_width[0] = 3, o.feature_map_height[0] = 1;
  o.anchor_offset_x = o.anchor_offset_y = 0;
  ck_assert_int_eq(ecnn_anchors_generate(&o, a, 16, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 6);
  check_anchor(&a[4], 2.0f / 3, 0, 0.3f, 0.3f);
  /* with an explicit feature map the stride may be 0 */
  o.strides[0] = 0;
  ck_assert_int_eq(ecnn_anchor_count(&o), 6);
  /* negative sizes */
  o.feature_map_width[0] = -3;
  ck_assert_int_eq(ecnn_anchor_count(&o), -1);
  o.feature_map_width[0] = 3;
  o.input_width = -100;
  ck_assert_int_eq(ecnn_anchor_count(&o), -1);
  o.input_width = 100;
  o.aspect_ratios[0] = -1;
  ck_assert_int_eq(ecnn_anchor_count(&o), -1);
  /* generate with NULL room */
  o.aspect_ratios[0] = 1;
  ck_assert_int_eq(ecnn_anchors_generate(&o, NULL, 16, &n), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_anchors_generate(&o, a, 16, NULL), ECNN_STATUS_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_decode_threshold_max) {
  /* 4 identical-size anchors far apart, 1 class, raw probabilities, no NMS */
  ecnn_decode_options d;
  base_decode(&d);
  d.num_classes = 1;
  d.ignore_class_0 = false;
  d.score_fn = ECNN_SCORE_NONE;
  d.nms = ECNN_NMS_NONE;
  const ecnn_anchor anc[4] = {{0.1f, 0.1f, 0.1f, 0.1f}, {0.3f, 0.1f, 0.1f, 0.1f},
                              {0.5f, 0.1f, 0.1f, 0.1f}, {0.7f, 0.1f, 0.1f, 0.1f}};
  const float boxes[16] = {0};
  const float scores[4] = {0.4f, 0.9f, 0.5f, 0.7f};
  ecnn_detection out[4];
  int32_t n;
  /* threshold inclusive: 0.9, 0.7, 0.5 in that order */
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 4, out, 4, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 3);
  ck_assert_float_eq_tol(out[0].score, 0.9, 1e-6);
  ck_assert_float_eq_tol(out[0].xmin, 0.25, 1e-6);
  ck_assert_float_eq_tol(out[1].score, 0.7, 1e-6);
  ck_assert_float_eq_tol(out[2].score, 0.5, 1e-6);
  ck_assert_float_eq_tol(out[2].xmin, 0.45, 1e-6);
  d.max_detections = 2;
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 4, out, 4, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 2);
  d.max_detections = 10;
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 4, out, 1, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 1); /* capacity */
  ck_assert_float_eq_tol(out[0].score, 0.9, 1e-6);
  /* ties keep anchor order */
  const float ties[4] = {0.6f, 0.6f, 0.6f, 0.6f};
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, ties, anc, 4, out, 4, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 4);
  for (int i = 0; i < 4; i++) ck_assert_float_eq_tol(out[i].xmin, 0.05 + 0.2 * i, 1e-6);
  /* nothing above the threshold */
  d.score_threshold = 0.95f;
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 4, out, 4, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 0);
  /* bad arguments */
  d.num_classes = 0;
  n = 5;
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 4, out, 4, &n),
                   ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(n, 0);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "classes"));
  d.num_classes = 1;
  d.ignore_class_0 = true; /* nothing left but the background */
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 4, out, 4, &n),
                   ECNN_STATUS_INVALID_ARGUMENT);
  d.ignore_class_0 = false;
  ck_assert_int_eq(ecnn_ssd_decode(&d, NULL, scores, anc, 4, out, 4, &n),
                   ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, NULL, 4, out, 4, &n),
                   ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 4, NULL, 4, &n),
                   ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, -1, out, 4, &n),
                   ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 4, out, 4, NULL),
                   ECNN_STATUS_INVALID_ARGUMENT);
  d.num_coords = 3;
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 4, out, 4, &n),
                   ECNN_STATUS_INVALID_ARGUMENT);
  d.num_coords = 4;
  d.x_scale = 0;
  ck_assert_int_eq(ecnn_ssd_decode(&d, boxes, scores, anc, 4, out, 4, &n),
                   ECNN_STATUS_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_nms_ties_and_bad) {
  /* three identical boxes with equal scores: agnostic NMS keeps the first (stable by index),
   * NONE keeps the input order */
  ecnn_detection d[3] = {det(0, 0, 1, 1, 0.5f, 5), det(0, 0, 1, 1, 0.5f, 3),
                         det(0, 0, 1, 1, 0.5f, 7)};
  ecnn_detection e[3];
  memcpy(e, d, sizeof e);
  int32_t n = 3;
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_HARD_AGNOSTIC, 0.5f, 10, e, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 1);
  ck_assert_int_eq(e[0].class_id, 5);
  memcpy(e, d, sizeof e);
  n = 3;
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_NONE, 0.5f, 10, e, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 3);
  ck_assert_int_eq(e[0].class_id, 5);
  ck_assert_int_eq(e[1].class_id, 3);
  ck_assert_int_eq(e[2].class_id, 7);
  /* class-aware: three classes, nothing suppressed */
  memcpy(e, d, sizeof e);
  n = 3;
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_HARD, 0.5f, 10, e, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 3);
  /* weighted with equal scores: the average of identical boxes is that box */
  memcpy(e, d, sizeof e);
  n = 3;
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_WEIGHTED, 0.3f, 10, e, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 1);
  ck_assert_float_eq_tol(e[0].xmax, 1.0, 1e-6);
  ck_assert_int_eq(e[0].class_id, 5);
  /* bad arguments */
  n = 3;
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_HARD, 0.5f, 10, NULL, &n), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_HARD, 0.5f, 10, e, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  n = -1;
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_HARD, 0.5f, 10, e, &n), ECNN_STATUS_INVALID_ARGUMENT);
  n = 3;
  ck_assert_int_eq(ecnn_nms_run((ecnn_nms)42, 0.5f, 10, e, &n), ECNN_STATUS_INVALID_ARGUMENT);
  n = 0;
  ck_assert_int_eq(ecnn_nms_run(ECNN_NMS_HARD, 0.5f, 10, NULL, &n), ECNN_STATUS_OK);
  ck_assert_int_eq(n, 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ssd");
  TCase *tc = tcase_create("ssd");
  tcase_add_test(tc, test_ssd_anchors);
  tcase_add_test(tc, test_face_anchors);
  tcase_add_test(tc, test_bad_anchor_options);
  tcase_add_test(tc, test_decode_yxhw);
  tcase_add_test(tc, test_decode_xywh_keypoints);
  tcase_add_test(tc, test_iou);
  tcase_add_test(tc, test_nms_hard);
  tcase_add_test(tc, test_nms_weighted);
  tcase_add_test(tc, test_anchor_variants);
  tcase_add_test(tc, test_decode_threshold_max);
  tcase_add_test(tc, test_nms_ties_and_bad);
  tcase_add_test(tc, test_detection_postprocess_op);
  tcase_add_test(tc, test_detection_postprocess_regular);
  tcase_add_test(tc, test_detection_postprocess_session);
  tcase_add_test(tc, test_detection_postprocess_bad);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
