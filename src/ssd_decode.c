/*
 * ssd_decode.c — turns raw SSD outputs (box encodings + class scores per anchor) into
 * detections: per anchor the best class (background excluded when asked), its score through
 * sigmoid / softmax / identity, a threshold, box decoding against the anchor (TF OD API log
 * sizes, or MediaPipe's linear centre/size with keypoints), then NMS. Runs per frame.
 */
#include <math.h>
#include <stdlib.h>

#include "status.h"

static ecnn_status check(const ecnn_decode_options *o) {
  if (!o) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "decode options are NULL");
  if ((unsigned)o->box_format > ECNN_BOX_XYWH)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "decode: unknown box format %d",
                      (int)o->box_format);
  if (o->num_keypoints < 0 || o->num_keypoints > ECNN_MAX_KEYPOINTS)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "decode: %d keypoints (at most %d)",
                      (int)o->num_keypoints, ECNN_MAX_KEYPOINTS);
  if (o->num_coords < 4 + 2 * o->num_keypoints)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                      "decode: %d values per box cannot hold 4 + 2 x %d keypoints",
                      (int)o->num_coords, (int)o->num_keypoints);
  if (o->num_classes < 1 || (o->ignore_class_0 && o->num_classes < 2))
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "decode: %d classes", (int)o->num_classes);
  if ((unsigned)o->score_fn > ECNN_SCORE_NONE)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "decode: unknown score function %d",
                      (int)o->score_fn);
  if (!(o->y_scale != 0 && o->x_scale != 0 && o->h_scale != 0 && o->w_scale != 0))
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "decode: box scales must be non-zero");
  return ECNN_STATUS_OK;
}

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

/* Best class of one anchor's score row and its probability. */
static void best_class(const ecnn_decode_options *o, const float *row, int32_t *cls, float *p) {
  const int32_t first = o->ignore_class_0 ? 1 : 0;
  int32_t best = first;
  for (int32_t c = first + 1; c < o->num_classes; c++)
    if (row[c] > row[best]) best = c;
  float v = row[best];
  if (o->score_clip > 0)
    v = v > o->score_clip ? o->score_clip : v < -o->score_clip ? -o->score_clip : v;
  switch (o->score_fn) {
  case ECNN_SCORE_SIGMOID: *p = sigmoid(v); break;
  case ECNN_SCORE_SOFTMAX: {
    float m = row[0];
    for (int32_t c = 1; c < o->num_classes; c++) m = row[c] > m ? row[c] : m;
    float sum = 0;
    for (int32_t c = 0; c < o->num_classes; c++) sum += expf(row[c] - m);
    *p = expf(row[best] - m) / sum;
    break;
  }
  default: *p = v; break;
  }
  *cls = best;
}

ecnn_status ecnn_ssd_decode(const ecnn_decode_options *o, const float *boxes, const float *scores,
                            const ecnn_anchor *anchors, int32_t num_anchors, ecnn_detection *out,
                            int32_t capacity, int32_t *count) {
  if (!count) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "decode: count is NULL");
  *count = 0;
  ecnn_status st = check(o);
  if (st != ECNN_STATUS_OK) return st;
  if (num_anchors < 0 || (num_anchors > 0 && (!boxes || !scores || !anchors)) ||
      (capacity > 0 && !out) || capacity < 0)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "decode: NULL or negative argument");
  /* candidates above the threshold */
  int32_t n = 0;
  for (int32_t a = 0; a < num_anchors; a++) {
    int32_t c;
    float p;
    best_class(o, scores + (size_t)a * o->num_classes, &c, &p);
    if (p >= o->score_threshold) n++;
  }
  if (n == 0) return ECNN_STATUS_OK;
  ecnn_detection *cand = malloc((size_t)n * sizeof *cand);
  if (!cand) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "decode: out of memory");
  int32_t k = 0;
  for (int32_t a = 0; a < num_anchors; a++) {
    int32_t c;
    float p;
    best_class(o, scores + (size_t)a * o->num_classes, &c, &p);
    if (p < o->score_threshold) continue;
    const float *b = boxes + (size_t)a * o->num_coords;
    const ecnn_anchor *an = &anchors[a];
    float cx, cy, w, h;
    ecnn_detection *d = &cand[k++];
    if (o->box_format == ECNN_BOX_YXHW) {
      cy = b[0] / o->y_scale * an->h + an->cy;
      cx = b[1] / o->x_scale * an->w + an->cx;
      h = expf(b[2] / o->h_scale) * an->h;
      w = expf(b[3] / o->w_scale) * an->w;
    } else {
      cx = b[0] / o->x_scale * an->w + an->cx;
      cy = b[1] / o->y_scale * an->h + an->cy;
      w = b[2] / o->w_scale * an->w;
      h = b[3] / o->h_scale * an->h;
    }
    d->xmin = cx - w * 0.5f;
    d->ymin = cy - h * 0.5f;
    d->xmax = cx + w * 0.5f;
    d->ymax = cy + h * 0.5f;
    d->score = p;
    d->class_id = c;
    d->num_keypoints = o->num_keypoints;
    for (int32_t i = 0; i < o->num_keypoints; i++) {
      const float *kp = b + 4 + 2 * i;
      if (o->box_format == ECNN_BOX_YXHW) {
        d->keypoints[i][1] = kp[0] / o->y_scale * an->h + an->cy;
        d->keypoints[i][0] = kp[1] / o->x_scale * an->w + an->cx;
      } else {
        d->keypoints[i][0] = kp[0] / o->x_scale * an->w + an->cx;
        d->keypoints[i][1] = kp[1] / o->y_scale * an->h + an->cy;
      }
    }
  }
  int32_t max = o->max_detections > 0 ? o->max_detections : n;
  if (max > capacity) max = capacity;
  st = ecnn_nms_run(o->nms, o->iou_threshold, max, cand, &n);
  if (st == ECNN_STATUS_OK) {
    for (int32_t i = 0; i < n; i++) out[i] = cand[i];
    *count = n;
  }
  free(cand);
  return st;
}
