/*
 * detector.c — model + sidecar + session + SSD decoding in one object: checks at create time
 * that the model's input and outputs fit the sidecar (one float32 NHWC 3-channel input; box and
 * score outputs with one row per anchor), generates the anchors once, then per frame
 * preprocesses (image.c), runs, decodes and maps boxes back to frame pixels.
 */
#include <stdlib.h>
#include <string.h>

#include "status.h"

struct ecnn_detector {
  ecnn_config config; /* copy; labels shared with the caller's config */
  ecnn_model *model;
  ecnn_session *session;
  ecnn_anchor *anchors;
  int32_t num_anchors;
  int32_t in_w, in_h;
  const float *scores; /* last run's score output */
};

static ecnn_status check_outputs(ecnn_detector *d) {
  const ecnn_config *c = &d->config;
  const char *path = c->model_path;
  int32_t nout = ecnn_model_output_count(d->model);
  if (c->boxes_output < 0 || c->boxes_output >= nout || c->scores_output < 0 ||
      c->scores_output >= nout || c->boxes_output == c->scores_output)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                      "%s: sidecar names outputs %d (boxes) and %d (scores), the model has %d",
                      path, (int)c->boxes_output, (int)c->scores_output, (int)nout);
  ecnn_tensor_info b, s;
  ecnn_model_output_info(d->model, c->boxes_output, &b);
  ecnn_model_output_info(d->model, c->scores_output, &s);
  int64_t nb = b.ndim ? b.bytes / 4 : 0, ns = s.ndim ? s.bytes / 4 : 0;
  if (b.dtype != ECNN_DTYPE_F32 || s.dtype != ECNN_DTYPE_F32)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s: SSD outputs must be float32", path);
  if (nb != (int64_t)d->num_anchors * c->decode.num_coords ||
      ns != (int64_t)d->num_anchors * c->decode.num_classes)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                      "%s: outputs hold %lld box values and %lld scores, but the sidecar expects "
                      "%d anchors x %d coords and x %d classes",
                      path, (long long)nb, (long long)ns, (int)d->num_anchors,
                      (int)c->decode.num_coords, (int)c->decode.num_classes);
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_detector_create(const ecnn_config *config, const ecnn_session_options *options,
                                 ecnn_detector **out) {
  if (!out) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "detector pointer is NULL");
  *out = NULL;
  if (!config) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "config is NULL");
  if (config->task != ECNN_TASK_SSD)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s: the detector needs task = ssd in the sidecar",
                      config->model_path);
  ecnn_detector *d = calloc(1, sizeof *d);
  if (!d) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory creating a detector");
  d->config = *config;
  ecnn_status st = ecnn_model_load_file(config->model_path, &d->model);
  if (st != ECNN_STATUS_OK) goto fail;
  ecnn_tensor_info in;
  if (ecnn_model_input_count(d->model) != 1 ||
      ecnn_model_input_info(d->model, 0, &in) != ECNN_STATUS_OK || in.dtype != ECNN_DTYPE_F32 ||
      in.ndim != 4 || in.dims[0] != 1 || in.dims[3] != 3) {
    st = ecnn_error(ECNN_STATUS_UNSUPPORTED,
                    "%s: the detector needs one float32 1xHxWx3 input", config->model_path);
    goto fail;
  }
  d->in_h = in.dims[1];
  d->in_w = in.dims[2];
  d->num_anchors = ecnn_anchor_count(&config->anchors);
  if (d->num_anchors < 1) {
    st = ecnn_error_prefix(ECNN_STATUS_INVALID_ARGUMENT, "%s: sidecar", config->model_path);
    goto fail;
  }
  d->anchors = malloc((size_t)d->num_anchors * sizeof *d->anchors);
  if (!d->anchors) {
    st = ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory for anchors");
    goto fail;
  }
  int32_t n;
  if ((st = ecnn_anchors_generate(&config->anchors, d->anchors, d->num_anchors, &n)) !=
          ECNN_STATUS_OK ||
      (st = check_outputs(d)) != ECNN_STATUS_OK ||
      (st = ecnn_session_create(d->model, options, &d->session)) != ECNN_STATUS_OK)
    goto fail;
  *out = d;
  return ECNN_STATUS_OK;
fail:
  ecnn_detector_free(d);
  return st;
}

void ecnn_detector_free(ecnn_detector *d) {
  if (!d) return;
  ecnn_session_free(d->session);
  ecnn_model_free(d->model);
  free(d->anchors);
  free(d);
}

/* Runs the session on the input already in place and decodes into frame pixels. */
static ecnn_status run_decode(ecnn_detector *d, const ecnn_letterbox *map, ecnn_detection *out,
                              int32_t capacity, int32_t *count) {
  ecnn_status st = ecnn_session_run(d->session);
  if (st != ECNN_STATUS_OK) return st;
  const void *boxes, *scores;
  ecnn_session_output(d->session, d->config.boxes_output, &boxes, NULL);
  ecnn_session_output(d->session, d->config.scores_output, &scores, NULL);
  d->scores = scores;
  st = ecnn_ssd_decode(&d->config.decode, boxes, scores, d->anchors, d->num_anchors, out,
                       capacity, count);
  if (st != ECNN_STATUS_OK) return st;
  for (int32_t i = 0; i < *count; i++) ecnn_letterbox_unmap(map, &out[i]);
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_detector_detect(ecnn_detector *d, const ecnn_image *image, ecnn_detection *out,
                                 int32_t capacity, int32_t *count) {
  if (!count) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "count is NULL");
  *count = 0;
  if (!d) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "detector is NULL");
  ecnn_letterbox map;
  ecnn_status st = ecnn_image_to_tensor(image, &d->config, d->in_w, d->in_h, ECNN_DTYPE_F32,
                                        ecnn_session_input_data(d->session, 0), &map);
  if (st != ECNN_STATUS_OK) return st;
  return run_decode(d, &map, out, capacity, count);
}

ecnn_status ecnn_detector_detect_tensor(ecnn_detector *d, const float *tensor,
                                        const ecnn_letterbox *map, ecnn_detection *out,
                                        int32_t capacity, int32_t *count) {
  if (!count) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "count is NULL");
  *count = 0;
  if (!d || !tensor || !map) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "NULL argument");
  if (map->tensor_width != d->in_w || map->tensor_height != d->in_h)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                      "tensor of %dx%d given to a model with a %dx%d input",
                      (int)map->tensor_width, (int)map->tensor_height, (int)d->in_w,
                      (int)d->in_h);
  ecnn_status st =
      ecnn_session_set_input(d->session, 0, tensor, (size_t)d->in_w * d->in_h * 3 * sizeof(float));
  if (st != ECNN_STATUS_OK) return st;
  return run_decode(d, map, out, capacity, count);
}

const float *ecnn_detector_scores(const ecnn_detector *d, int32_t *num_anchors) {
  if (num_anchors) *num_anchors = d ? d->num_anchors : 0;
  return d ? d->scores : NULL;
}

const ecnn_config *ecnn_detector_config(const ecnn_detector *d) { return d ? &d->config : NULL; }

ecnn_status ecnn_detector_set_threshold(ecnn_detector *d, float score_threshold) {
  if (!d) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "detector is NULL");
  if (!(score_threshold >= 0.0f && score_threshold <= 1.0f))
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "score threshold %g not in 0..1",
                      (double)score_threshold);
  d->config.decode.score_threshold = score_threshold;
  return ECNN_STATUS_OK;
}
const ecnn_model *ecnn_detector_model(const ecnn_detector *d) { return d ? d->model : NULL; }
ecnn_session *ecnn_detector_session(ecnn_detector *d) { return d ? d->session : NULL; }
