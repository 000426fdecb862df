/*
 * detection_postprocess.c — TFLite's custom op TFLite_Detection_PostProcess: decodes box
 * encodings (y, x, h, w against centre-size anchors with y/x/h/w scales), thresholds the class
 * scores (already probabilities; column 0 is background when the score tensor has
 * num_classes + 1 columns) and runs NMS: the fast path (use_regular_nms false) keeps each box's
 * best class and suppresses across classes; the regular path suppresses per class. Outputs:
 * boxes [1, M, 4] as (ymin, xmin, ymax, xmax), classes [1, M] (without background), scores
 * [1, M], and the count [1], M = max_detections. Only max_classes_per_detection = 1. The
 * regular path keeps at most detections_per_class boxes per class, as TFLite does (per-class
 * greedy NMS is independent across classes, so one class-aware pass over all candidates
 * followed by a per-class cap gives the same survivors). Runs per frame.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* Validates the three float32 inputs (box encodings [1, N, >= 4], scores [1, N, C or C + 1],
 * anchors [N, 4] as ycenter, xcenter, h, w) and the options; sets the four output shapes.
 * Errors name the op and its index. */
ecnn_status ecnn_op_detection_postprocess_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st = ecnn_check_io(n, 3, 3, 4);
  if (st != ECNN_STATUS_OK) return st;
  const ecnn_tensor *box = ecnn_in(g, n, 0), *cls = ecnn_in(g, n, 1), *anc = ecnn_in(g, n, 2);
  if ((st = ecnn_check_f32(n, box, "box encodings")) != ECNN_STATUS_OK ||
      (st = ecnn_check_f32(n, cls, "class predictions")) != ECNN_STATUS_OK ||
      (st = ecnn_check_f32(n, anc, "anchors")) != ECNN_STATUS_OK)
    return st;
  const ecnn_detpp_options *o = &n->params.detpp;
  if (box->ndim != 3 || box->dims[0] != 1 || box->dims[2] < 4 || cls->ndim != 3 ||
      cls->dims[0] != 1 || cls->dims[1] != box->dims[1] || anc->ndim != 2 ||
      anc->dims[0] != box->dims[1] || anc->dims[1] != 4)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      "DETECTION_POSTPROCESS #%d: shapes of boxes, scores and anchors disagree",
                      (int)n->index);
  if (o->num_classes < 1 || (cls->dims[2] != o->num_classes && cls->dims[2] != o->num_classes + 1))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      "DETECTION_POSTPROCESS #%d: %d score columns for %d classes", (int)n->index,
                      (int)cls->dims[2], (int)o->num_classes);
  if (o->max_detections < 1 || o->max_detections > 10000)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "DETECTION_POSTPROCESS #%d: max_detections %d",
                      (int)n->index, (int)o->max_detections);
  if (o->max_classes_per_detection != 1)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED,
                      "DETECTION_POSTPROCESS #%d: max_classes_per_detection %d (only 1)",
                      (int)n->index, (int)o->max_classes_per_detection);
  if (o->use_regular_nms && o->detections_per_class < 1)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      "DETECTION_POSTPROCESS #%d: detections_per_class %d with regular NMS",
                      (int)n->index, (int)o->detections_per_class);
  if (!(o->y_scale != 0 && o->x_scale != 0 && o->h_scale != 0 && o->w_scale != 0) ||
      !(o->nms_iou_threshold >= 0 && o->nms_iou_threshold <= 1))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "DETECTION_POSTPROCESS #%d: bad scales or IoU",
                      (int)n->index);
  const int32_t m = o->max_detections;
  int32_t d3[3] = {1, m, 4}, d2[2] = {1, m}, d1[1] = {1};
  ecnn_set_shape(ecnn_out(g, n, 0), 3, d3);
  ecnn_set_shape(ecnn_out(g, n, 1), 2, d2);
  ecnn_set_shape(ecnn_out(g, n, 2), 2, d2);
  ecnn_set_shape(ecnn_out(g, n, 3), 1, d1);
  for (int32_t i = 0; i < 4; i++)
    if ((st = ecnn_check_f32(n, ecnn_out(g, n, i), "output")) != ECNN_STATUS_OK) return st;
  n->macs = 0;
  return ECNN_STATUS_OK;
}

/* Decodes, thresholds and suppresses; writes all four outputs (unused rows zero). Needs a
 * prepared node. Allocates the candidate list per call (freed before return). */
ecnn_status ecnn_op_detection_postprocess_run(const ecnn_op_ctx *ctx) {
  const ecnn_graph *g = ctx->graph;
  const ecnn_node *n = ctx->node;
  const ecnn_detpp_options *o = &n->params.detpp;
  const ecnn_tensor *bt = ecnn_in(g, n, 0), *ct = ecnn_in(g, n, 1);
  const float *boxes = ecnn_ctx_in(ctx, 0), *scores = ecnn_ctx_in(ctx, 1);
  const float *anchors = ecnn_ctx_in(ctx, 2);
  const int32_t na = bt->dims[1], stride = bt->dims[2], cols = ct->dims[2];
  const int32_t off = cols - o->num_classes; /* 1 when column 0 is background */
  const int32_t per_box = o->use_regular_nms ? o->num_classes : 1;
  int32_t n_cand = 0;
  for (int32_t a = 0; a < na; a++)
    for (int32_t c = 0; c < o->num_classes; c++)
      n_cand += scores[(size_t)a * cols + off + c] >= o->nms_score_threshold;
  if (!o->use_regular_nms && n_cand > na) n_cand = na;
  ecnn_detection *cand = malloc(((size_t)n_cand + 1) * sizeof *cand);
  if (!cand) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "DETECTION_POSTPROCESS: out of memory");
  int32_t k = 0;
  for (int32_t a = 0; a < na && k < n_cand; a++) {
    const float *row = scores + (size_t)a * cols + off;
    const float *b = boxes + (size_t)a * stride, *an = anchors + (size_t)a * 4;
    float cy = b[0] / o->y_scale * an[2] + an[0], cx = b[1] / o->x_scale * an[3] + an[1];
    float h = expf(b[2] / o->h_scale) * an[2], w = expf(b[3] / o->w_scale) * an[3];
    int32_t best = 0;
    for (int32_t c = 1; c < o->num_classes; c++)
      if (row[c] > row[best]) best = c;
    for (int32_t j = 0; j < per_box && k < n_cand; j++) {
      int32_t c = o->use_regular_nms ? j : best;
      if (row[c] < o->nms_score_threshold) continue;
      ecnn_detection *d = &cand[k++];
      memset(d, 0, sizeof *d);
      d->xmin = cx - w * 0.5f, d->xmax = cx + w * 0.5f;
      d->ymin = cy - h * 0.5f, d->ymax = cy + h * 0.5f;
      d->score = row[c];
      d->class_id = c;
    }
  }
  ecnn_status st = ecnn_nms_run(o->use_regular_nms ? ECNN_NMS_HARD : ECNN_NMS_HARD_AGNOSTIC,
                                o->nms_iou_threshold, o->use_regular_nms ? k : o->max_detections,
                                cand, &k);
  if (st == ECNN_STATUS_OK && o->use_regular_nms) {
    /* survivors are sorted by score: keep the first detections_per_class of each class */
    int32_t *per = calloc((size_t)o->num_classes, sizeof *per), kept = 0;
    if (!per) {
      free(cand);
      return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "DETECTION_POSTPROCESS: out of memory");
    }
    for (int32_t i = 0; i < k && kept < o->max_detections; i++)
      if (per[cand[i].class_id]++ < o->detections_per_class) cand[kept++] = cand[i];
    k = kept;
    free(per);
  }
  if (st == ECNN_STATUS_OK) {
    float *ob = ecnn_ctx_out(ctx, 0), *oc = ecnn_ctx_out(ctx, 1), *os = ecnn_ctx_out(ctx, 2);
    float *on = ecnn_ctx_out(ctx, 3);
    memset(ob, 0, (size_t)o->max_detections * 4 * sizeof(float));
    memset(oc, 0, (size_t)o->max_detections * sizeof(float));
    memset(os, 0, (size_t)o->max_detections * sizeof(float));
    for (int32_t i = 0; i < k; i++) {
      ob[4 * i + 0] = cand[i].ymin, ob[4 * i + 1] = cand[i].xmin;
      ob[4 * i + 2] = cand[i].ymax, ob[4 * i + 3] = cand[i].xmax;
      oc[i] = (float)cand[i].class_id;
      os[i] = cand[i].score;
    }
    on[0] = (float)k;
  }
  free(cand);
  return st;
}
