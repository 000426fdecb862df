/*
 * nms.c — non-maximum suppression over decoded detections: class-aware and class-agnostic
 * hard NMS (the TF Object Detection API scheme) and MediaPipe's weighted NMS (clusters of
 * overlapping boxes averaged by score). Runs per frame on at most a few thousand candidates;
 * candidates are sorted once, stable on ties.
 */
#include <stdlib.h>
#include <string.h>

#include "status.h"

float ecnn_box_iou(const ecnn_detection *a, const ecnn_detection *b) {
  float aw = a->xmax - a->xmin, ah = a->ymax - a->ymin;
  float bw = b->xmax - b->xmin, bh = b->ymax - b->ymin;
  if (!(aw > 0.0f && ah > 0.0f && bw > 0.0f && bh > 0.0f)) return 0.0f;
  float x0 = a->xmin > b->xmin ? a->xmin : b->xmin, y0 = a->ymin > b->ymin ? a->ymin : b->ymin;
  float x1 = a->xmax < b->xmax ? a->xmax : b->xmax, y1 = a->ymax < b->ymax ? a->ymax : b->ymax;
  if (x1 <= x0 || y1 <= y0) return 0.0f;
  float inter = (x1 - x0) * (y1 - y0);
  return inter / (aw * ah + bw * bh - inter);
}

/* Insertion-free stable sort by descending score (merge sort on an index array). */
static void sort_desc(ecnn_detection *d, int32_t n, ecnn_detection *tmp) {
  if (n < 2) return;
  int32_t h = n / 2;
  sort_desc(d, h, tmp);
  sort_desc(d + h, n - h, tmp);
  int32_t i = 0, j = h, k = 0;
  while (i < h && j < n) tmp[k++] = d[j].score > d[i].score ? d[j++] : d[i++];
  while (i < h) tmp[k++] = d[i++];
  while (j < n) tmp[k++] = d[j++];
  memcpy(d, tmp, (size_t)n * sizeof *d);
}

ecnn_status ecnn_nms_run(ecnn_nms kind, float iou_threshold, int32_t max_detections,
                         ecnn_detection *dets, int32_t *count) {
  if (!count || (*count > 0 && !dets))
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "nms: NULL detections");
  int32_t n = *count;
  if (n < 0) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "nms: count %d", (int)n);
  if ((unsigned)kind > ECNN_NMS_NONE)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "nms: unknown kind %d", (int)kind);
  if (!(iou_threshold >= 0.0f && iou_threshold <= 1.0f))
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "nms: IoU threshold %g is not in 0..1",
                      (double)iou_threshold);
  if (max_detections < 0) max_detections = 0;
  if (n == 0) return ECNN_STATUS_OK;
  ecnn_detection *tmp = malloc((size_t)n * sizeof *tmp);
  uint8_t *gone = calloc((size_t)n, 1);
  if (!tmp || !gone) {
    free(tmp);
    free(gone);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "nms: out of memory for %d candidates", (int)n);
  }
  sort_desc(dets, n, tmp);
  int32_t kept = 0;
  for (int32_t i = 0; i < n && kept < max_detections; i++) {
    if (gone[i]) continue;
    ecnn_detection best = dets[i];
    if (kind == ECNN_NMS_WEIGHTED) {
      /* average the cluster (the top box and every remaining box overlapping it) by score */
      float ws = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0, kp[ECNN_MAX_KEYPOINTS][2] = {{0}};
      for (int32_t j = i; j < n; j++) {
        if (gone[j] || (j != i && ecnn_box_iou(&dets[i], &dets[j]) <= iou_threshold)) continue;
        float s = dets[j].score;
        ws += s;
        x0 += s * dets[j].xmin, y0 += s * dets[j].ymin;
        x1 += s * dets[j].xmax, y1 += s * dets[j].ymax;
        for (int32_t k = 0; k < best.num_keypoints && k < ECNN_MAX_KEYPOINTS; k++)
          kp[k][0] += s * dets[j].keypoints[k][0], kp[k][1] += s * dets[j].keypoints[k][1];
        if (j != i) gone[j] = 1;
      }
      if (ws > 0) {
        best.xmin = x0 / ws, best.ymin = y0 / ws, best.xmax = x1 / ws, best.ymax = y1 / ws;
        for (int32_t k = 0; k < best.num_keypoints && k < ECNN_MAX_KEYPOINTS; k++)
          best.keypoints[k][0] = kp[k][0] / ws, best.keypoints[k][1] = kp[k][1] / ws;
      }
    } else if (kind != ECNN_NMS_NONE) {
      for (int32_t j = i + 1; j < n; j++) {
        if (gone[j]) continue;
        if (kind == ECNN_NMS_HARD && dets[j].class_id != dets[i].class_id) continue;
        if (ecnn_box_iou(&dets[i], &dets[j]) > iou_threshold) gone[j] = 1;
      }
    }
    tmp[kept++] = best;
  }
  memcpy(dets, tmp, (size_t)kept * sizeof *dets);
  *count = kept;
  free(tmp);
  free(gone);
  return ECNN_STATUS_OK;
}
