/**
 * SECTION:element-cnninfer
 * @title: cnninfer
 *
 * Runs a model with the libedgecnn engine — an SSD-style detector (MobileNet-SSD, BlazeFace),
 * a classifier or a segmentation model, as its sidecar says — on every frame (or every Nth, see #GstCnnInfer:interval) and attaches one
 * #GstVideoRegionOfInterestMeta per detection, in frame pixels, with a "detection"
 * #GstStructure parameter holding `label` (string), `class-id` (int), `confidence` (double)
 * and, for models with keypoints, `keypoints` (array of doubles x0, y0, x1, y1, ... in frame
 * pixels). Video passes through unchanged. The model's sidecar (MODEL.ini) says how to
 * preprocess and decode it. When an upstream cnnpreprocess attached a matching input tensor,
 * that tensor is used instead of preprocessing again. A classifier's top class becomes one ROI
 * covering the model's view of the frame. With #GstCnnInfer:saliency a saliency map is attached
 * too (for cnnheatmap): for detectors the SSD score map, for classifiers the class activation
 * map of the top class, for segmentation models the mask. #GstCnnInfer:json-file writes every
 * detection as one JSON line.
 *
 * By default each frame's inference runs in the streaming thread (with #GstCnnInfer:threads
 * threads). With #GstCnnInfer:inflight N > 1 the element runs up to N frames' inferences at
 * once, each on its own thread with its own engine instance, and lets the frames leave in
 * their order as their results are ready: on several cores more frames per second than one
 * inference split over the cores (no synchronisation between its layers), each frame later by
 * up to N - 1 frame times (the element reports that latency).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=tests/data/astronaut.png ! pngdec ! videoconvert ! \
 *   imagefreeze num-buffers=30 ! cnninfer model=models/ssd_mobilenetv2_oidv4_fp16.tflite \
 *   json-file=detections.jsonl ! cnnoverlay ! videoconvert ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcnninfer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/video/gstvideometa.h>
#include <gst/video/video.h>

#include "decode.h"
#include "gstcnnmeta.h"
#include "gstcnnutil.h"

GST_DEBUG_CATEGORY_STATIC (gst_cnn_infer_debug);
#define GST_CAT_DEFAULT gst_cnn_infer_debug

#define MAX_DETECTIONS 256

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_CONFIG,
  PROP_LABELS,
  PROP_THRESHOLD,
  PROP_IOU_THRESHOLD,
  PROP_MAX_DETECTIONS,
  PROP_THREADS,
  PROP_INTERVAL,
  PROP_SALIENCY,
  PROP_PRECISION,
  PROP_BACKEND,
  PROP_CALIBRATION,
  PROP_JSON_FILE,
  PROP_STATS_INTERVAL,
  PROP_LAST_LATENCY,
  PROP_FRAMES,
  PROP_INFLIGHT,
};

#define DEFAULT_THRESHOLD -1.0
#define DEFAULT_IOU_THRESHOLD -1.0
#define DEFAULT_MAX_DETECTIONS 0
#define DEFAULT_THREADS 1
#define DEFAULT_INTERVAL 1
#define DEFAULT_STATS_INTERVAL 30
#define DEFAULT_INFLIGHT 1
#define MAX_INFLIGHT 16

/* What one inference found: the detections, where the model saw the frame, the top class
 * (classifiers) and the saliency map (model input size; NULL until one is made). */
typedef struct
{
  ecnn_detection det[MAX_DETECTIONS];
  gint n;
  ecnn_letterbox map;
  gint top_class;
  gfloat *saliency;
} InferResult;

/* One instance of the engine: the streaming thread's, or one per frame in flight. */
typedef struct
{
  ecnn_detector *detector;      /* task ssd */
  ecnn_session *session;        /* tasks classify and segment */
  gboolean busy;                /* running a frame in flight (under the element's lock) */
} InferEngine;

/* A frame inside the element with inflight > 1, from its arrival until it leaves in order. */
typedef struct
{
  GstBuffer *buf;
  InferEngine *engine;          /* NULL: a frame between inferences (interval), ready at once */
  InferResult *res;             /* what the engine found (engine != NULL) */
  guint64 frame_index;
  gdouble latency_ms;
  gboolean done, ok;            /* done: under the element's lock */
} Pending;

struct _GstCnnInfer
{
  GstBaseTransform parent;

  /* properties */
  gchar *model, *config, *labels, *json_file, *calibration;
  gdouble threshold, iou_threshold;
  gint max_detections, threads, interval, stats_interval, inflight;
  gboolean saliency;
  ecnn_precision precision;
  ecnn_backend backend;

  /* running state (start .. stop) */
  ecnn_config cfg;
  ecnn_model *engine_model;     /* tasks classify and segment (shared by the engines) */
  InferEngine engines[MAX_INFLIGHT];
  gint n_engines;               /* 1, or inflight */
  GstVideoInfo info;
  gboolean have_info;
  FILE *json;
  guint64 frame_index, inferred;
  InferResult *cur;             /* the results frames leave with (the last inference's) */
  gboolean have_last;           /* cur holds a result for this stream */
  gdouble last_latency_ms, latency_sum_ms;
  gint64 stats_start_us;
  guint stats_frames;
  gint in_w, in_h;
  guint32 config_id;
  gfloat sidecar_threshold;     /* what threshold=-1 means */

  /* inflight > 1: the frames inside, oldest first (streaming thread only), spare results,
   * the workers, and the lock and condition that guard `done` and `busy` */
  GQueue pending, spare;
  gboolean dispatched;          /* an inference was started for this stream */
  GThreadPool *workers;
  GMutex lock;
  GCond cond;
};

#define gst_cnn_infer_parent_class parent_class
G_DEFINE_TYPE (GstCnnInfer, gst_cnn_infer, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (cnninfer, "cnninfer", GST_RANK_NONE,
    GST_TYPE_CNN_INFER,
    GST_DEBUG_CATEGORY_INIT (gst_cnn_infer_debug, "cnninfer", 0,
        "edgecnn detection"));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (ECNN_GST_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (ECNN_GST_CAPS));

/* The id cnnpreprocess stamps on tensors made with the same settings (gstcnnpreprocess.c). */
guint32 ecnn_gst_preprocess_id (const ecnn_config * cfg, gint w, gint h);

static void
gst_cnn_infer_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstCnnInfer *self = GST_CNN_INFER (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model);
      self->model = g_value_dup_string (value);
      break;
    case PROP_CONFIG:
      g_free (self->config);
      self->config = g_value_dup_string (value);
      break;
    case PROP_LABELS:
      g_free (self->labels);
      self->labels = g_value_dup_string (value);
      break;
    case PROP_JSON_FILE:
      g_free (self->json_file);
      self->json_file = g_value_dup_string (value);
      break;
    case PROP_THRESHOLD:     /* (each inference reads it: threshold_now) */
      self->threshold = g_value_get_double (value);
      break;
    case PROP_IOU_THRESHOLD:
      self->iou_threshold = g_value_get_double (value);
      break;
    case PROP_MAX_DETECTIONS:
      self->max_detections = g_value_get_int (value);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_int (value);
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_int (value);
      break;
    case PROP_INFLIGHT:
      self->inflight = g_value_get_int (value);
      break;
    case PROP_STATS_INTERVAL:
      self->stats_interval = g_value_get_int (value);
      break;
    case PROP_SALIENCY:
      self->saliency = g_value_get_boolean (value);
      break;
    case PROP_CALIBRATION:
      g_free (self->calibration);
      self->calibration = g_value_dup_string (value);
      break;
    case PROP_PRECISION:
      self->precision = g_value_get_enum (value);
      break;
    case PROP_BACKEND:
      self->backend = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_cnn_infer_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstCnnInfer *self = GST_CNN_INFER (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_CONFIG:
      g_value_set_string (value, self->config);
      break;
    case PROP_LABELS:
      g_value_set_string (value, self->labels);
      break;
    case PROP_JSON_FILE:
      g_value_set_string (value, self->json_file);
      break;
    case PROP_THRESHOLD:
      g_value_set_double (value, self->threshold);
      break;
    case PROP_IOU_THRESHOLD:
      g_value_set_double (value, self->iou_threshold);
      break;
    case PROP_MAX_DETECTIONS:
      g_value_set_int (value, self->max_detections);
      break;
    case PROP_THREADS:
      g_value_set_int (value, self->threads);
      break;
    case PROP_INTERVAL:
      g_value_set_int (value, self->interval);
      break;
    case PROP_INFLIGHT:
      g_value_set_int (value, self->inflight);
      break;
    case PROP_STATS_INTERVAL:
      g_value_set_int (value, self->stats_interval);
      break;
    case PROP_SALIENCY:
      g_value_set_boolean (value, self->saliency);
      break;
    case PROP_PRECISION:
      g_value_set_enum (value, self->precision);
      break;
    case PROP_CALIBRATION:
      g_value_set_string (value, self->calibration);
      break;
    case PROP_BACKEND:
      g_value_set_enum (value, self->backend);
      break;
    case PROP_LAST_LATENCY:
      g_value_set_double (value, self->last_latency_ms);
      break;
    case PROP_FRAMES:
      g_value_set_uint64 (value, self->inferred);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
result_free (gpointer r)
{
  if (r)
    g_free (((InferResult *) r)->saliency);
  g_free (r);
}

/* The engines, their workers (waited for) and the results: what start made. */
static void
free_engines (GstCnnInfer * self)
{
  if (self->workers)
    g_thread_pool_free (self->workers, FALSE, TRUE);
  self->workers = NULL;
  for (gint i = 0; i < MAX_INFLIGHT; i++) {
    ecnn_detector_free (self->engines[i].detector);
    ecnn_session_free (self->engines[i].session);
    memset (&self->engines[i], 0, sizeof self->engines[i]);
  }
  self->n_engines = 0;
  ecnn_model_free (self->engine_model);
  self->engine_model = NULL;
  result_free (self->cur);
  self->cur = NULL;
  g_queue_clear_full (&self->spare, result_free);
}

static void run_pending (gpointer data, gpointer user);
static void drain (GstCnnInfer * self, gboolean push);

static void
calibration_progress (void *user, guint index, guint count, const char *path)
{
  GST_INFO_OBJECT (user, "calibrating %u/%u: %s", index + 1, count, path);
}

/* How many of the model's ops compute in int8 (0: a float model). FALSE after posting an
 * error. */
static gboolean
int8_op_count (GstCnnInfer * self, const gchar * bytes, gsize size, gint * count)
{
  ecnn_model *m = NULL;
  ecnn_model_stats ms;
  if (ecnn_model_load_buffer (bytes, size, &m) != ECNN_STATUS_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Cannot load model '%s': %s",
            self->cfg.model_path, ecnn_last_error ()), (NULL));
    return FALSE;
  }
  ecnn_model_get_stats (m, &ms);
  ecnn_model_free (m);
  *count = ms.quantized_ops;
  return TRUE;
}

/* precision=int8 with calibration images: quantizes cfg's float model (unless it is int8
 * already) into the user cache folder, named by a hash of the model bytes and the image list,
 * and points cfg at it. FALSE after posting an error. */
static gboolean
quantize_at_start (GstCnnInfer * self)
{
  gchar *bytes = NULL;
  gsize size = 0;
  GError *err = NULL;
  if (!g_file_get_contents (self->cfg.model_path, &bytes, &size, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Cannot read model '%s': %s",
            self->cfg.model_path, err->message), (NULL));
    g_error_free (err);
    return FALSE;
  }
  GPtrArray *files = cli_image_files (self->calibration);
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, (const guchar *) bytes, (gssize) size);
  for (guint i = 0; i < files->len; i++) {
    const gchar *f = g_ptr_array_index (files, i);
    GStatBuf st;
    gchar stamp[64];
    g_checksum_update (sum, (const guchar *) f, -1);
    if (g_stat (f, &st) == 0) {
      g_snprintf (stamp, sizeof stamp, ":%lld:%lld", (long long) st.st_size,
          (long long) st.st_mtime);
      g_checksum_update (sum, (const guchar *) stamp, -1);
    }
  }
  gchar *base = g_path_get_basename (self->cfg.model_path);
  gchar *dir = g_build_filename (g_get_user_cache_dir (), "edgecnn", NULL);
  gchar *name = g_strdup_printf ("%s.%.16s.int8.tflite", base,
      g_checksum_get_string (sum));
  gchar *int8_path = g_build_filename (dir, name, NULL);
  g_free (name);
  g_free (base);
  g_checksum_free (sum);
  gboolean ok = TRUE;
  gint int8_ops = 0;
  ecnn_quantizer *q = NULL;
  if (g_file_test (int8_path, G_FILE_TEST_IS_REGULAR)) {
    GST_INFO_OBJECT (self, "int8 model from the cache: %s", int8_path);
  } else if (!(ok = int8_op_count (self, bytes, size, &int8_ops)) || int8_ops > 0) {
    /* an int8 model runs as it is (the calibration images are for float models) */
    if (ok)
      GST_INFO_OBJECT (self, "%s is int8 already (%d int8 ops): calibration ignored",
          self->cfg.model_path, int8_ops);
    g_clear_pointer (&int8_path, g_free);
  } else if (ecnn_quantizer_create (bytes, size, self->threads, &q) != ECNN_STATUS_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Cannot quantize model "
            "'%s': %s", self->cfg.model_path, ecnn_last_error ()), (NULL));
    ok = FALSE;
  } else {
    char why[512];
    uint8_t *file = NULL;
    size_t file_size = 0;
    const gint64 t0 = g_get_monotonic_time ();
    if (!cli_calibrate (q, &self->cfg, files, calibration_progress, self, why,
            sizeof why)) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Cannot calibrate model "
              "'%s' on '%s': %s", self->cfg.model_path, self->calibration, why),
          (NULL));
      ok = FALSE;
    } else if (ecnn_quantizer_write (q, NULL, &file, &file_size, NULL)
        != ECNN_STATUS_OK) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Cannot quantize model "
              "'%s': %s", self->cfg.model_path, ecnn_last_error ()), (NULL));
      ok = FALSE;
    } else if (g_mkdir_with_parents (dir, 0755) != 0
        || !g_file_set_contents (int8_path, (const gchar *) file,
            (gssize) file_size, &err)) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("Cannot write the int8 "
              "model '%s': %s", int8_path, err ? err->message :
              g_strerror (errno)), (NULL));
      g_clear_error (&err);
      ok = FALSE;
    } else {
      GST_INFO_OBJECT (self, "quantized %s on %u images in %.1f s: %s",
          self->cfg.model_path, files->len,
          (g_get_monotonic_time () - t0) / 1e6, int8_path);
    }
    free (file);
  }
  if (ok && int8_path)
    g_strlcpy (self->cfg.model_path, int8_path, sizeof self->cfg.model_path);
  ecnn_quantizer_free (q);
  g_ptr_array_unref (files);
  g_free (int8_path);
  g_free (dir);
  g_free (bytes);
  return ok;
}

static gboolean
gst_cnn_infer_start (GstBaseTransform * trans)
{
  GstCnnInfer *self = GST_CNN_INFER (trans);
  if (!ecnn_gst_load_config (GST_ELEMENT (self), self->model, self->config,
          self->labels, &self->cfg))
    return FALSE;
  self->sidecar_threshold = self->cfg.decode.score_threshold;
  if (self->threshold >= 0)
    self->cfg.decode.score_threshold = (float) self->threshold;
  if (self->iou_threshold >= 0)
    self->cfg.decode.iou_threshold = (float) self->iou_threshold;
  if (self->max_detections > 0)
    self->cfg.decode.max_detections = self->max_detections;
  if (self->precision == ECNN_PRECISION_INT8 && self->calibration
      && !quantize_at_start (self))
    goto fail;
  ecnn_session_options so;
  ecnn_session_options_init (&so);
  so.threads = self->threads;
  so.precision = self->precision;
  so.backend = self->backend;
  const ecnn_model *m = NULL;
  self->n_engines = CLAMP (self->inflight, 1, MAX_INFLIGHT);
  if (self->cfg.task == ECNN_TASK_SSD) {
    for (gint i = 0; i < self->n_engines; i++)
      if (ecnn_detector_create (&self->cfg, &so, &self->engines[i].detector)
          != ECNN_STATUS_OK)
        goto engine_error;
    m = ecnn_detector_model (self->engines[0].detector);
  } else if (self->cfg.task == ECNN_TASK_CLASSIFY
      || self->cfg.task == ECNN_TASK_SEGMENT) {
    ecnn_tensor_info in, out;
    if (ecnn_model_load_file (self->cfg.model_path, &self->engine_model) != ECNN_STATUS_OK)
      goto engine_error;
    ecnn_model_input_info (self->engine_model, 0, &in);
    ecnn_model_output_info (self->engine_model, 0, &out);
    gboolean ok = in.dtype == ECNN_DTYPE_F32 && in.ndim == 4 && in.dims[0] == 1
        && in.dims[3] == 3 && out.dtype == ECNN_DTYPE_F32 && (self->cfg.task ==
        ECNN_TASK_CLASSIFY || out.ndim == 4);
    if (!ok) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Model '%s' does not fit task "
              "%s: it needs a float32 1xHxWx3 input and a %s float32 output.",
              self->cfg.model_path, self->cfg.task == ECNN_TASK_CLASSIFY ?
              "classify" : "segment", self->cfg.task == ECNN_TASK_CLASSIFY ?
              "class-score" : "1xHxWxC"), (NULL));
      goto fail;
    }
    for (gint i = 0; i < self->n_engines; i++)
      if (ecnn_session_create (self->engine_model, &so, &self->engines[i].session)
          != ECNN_STATUS_OK)
        goto engine_error;
    m = self->engine_model;
  } else {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("cnninfer runs sidecar tasks ssd, "
            "classify and segment; '%s' has another task.", self->cfg.model_path),
        (NULL));
    goto fail;
  }
  ecnn_tensor_info in;
  ecnn_model_input_info (m, 0, &in);
  self->in_h = in.dims[1];
  self->in_w = in.dims[2];
  self->config_id = ecnn_gst_preprocess_id (&self->cfg, self->in_w, self->in_h);
  ecnn_model_stats stats;
  ecnn_model_get_stats (m, &stats);
  GST_INFO_OBJECT (self, "model %s: input %dx%dx3, %d ops, %.1f M MACs, "
      "%lld parameters, arena %lld bytes, %d labels, threshold %.2f",
      self->cfg.model_path, self->in_w, self->in_h, (int) stats.op_count,
      stats.macs / 1e6, (long long) stats.params,
      (long long) stats.arena_bytes, (int) self->cfg.num_labels,
      self->cfg.decode.score_threshold);
  if (self->json_file) {
    self->json = fopen (self->json_file, "w");
    if (!self->json) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          ("Cannot write JSON file '%s': %s", self->json_file,
              g_strerror (errno)), (NULL));
      goto fail;
    }
  }
  if (self->n_engines > 1) {
    GError *err = NULL;
    self->workers = g_thread_pool_new (run_pending, self, self->n_engines, TRUE, &err);
    if (!self->workers) {
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Cannot start %d inference threads: %s",
              self->n_engines, err->message), (NULL));
      g_error_free (err);
      goto fail;
    }
  }
  self->cur = g_new0 (InferResult, 1);
  self->frame_index = self->inferred = 0;
  self->have_last = self->dispatched = FALSE;
  self->stats_start_us = g_get_monotonic_time ();
  self->stats_frames = 0;
  self->latency_sum_ms = 0;
  return TRUE;

engine_error:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Cannot run model '%s': %s", self->cfg.model_path, ecnn_last_error ()),
      (NULL));
fail:
  free_engines (self);
  ecnn_config_clear (&self->cfg);
  return FALSE;
}

static gboolean
gst_cnn_infer_stop (GstBaseTransform * trans)
{
  GstCnnInfer *self = GST_CNN_INFER (trans);
  drain (self, FALSE);
  free_engines (self);
  ecnn_config_clear (&self->cfg);
  if (self->json)
    fclose (self->json);
  self->json = NULL;
  self->have_last = FALSE;
  self->have_info = FALSE;
  return TRUE;
}

static gboolean
gst_cnn_infer_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstCnnInfer *self = GST_CNN_INFER (trans);
  GstVideoInfo info;
  ecnn_pixel_format pf;
  (void) outcaps;
  if (!gst_video_info_from_caps (&info, incaps)
      || !ecnn_gst_pixel_format (GST_VIDEO_INFO_FORMAT (&info), &pf)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Unsupported caps %" GST_PTR_FORMAT,
            incaps), (NULL));
    return FALSE;
  }
  /* a new size or format: earlier results no longer describe these frames */
  if (!self->have_info || info.width != self->info.width
      || info.height != self->info.height)
    self->have_last = self->dispatched = FALSE;
  self->info = info;
  self->have_info = TRUE;
  return TRUE;
}

static void
json_string (GString * s, const gchar * str)
{
  g_string_append_c (s, '"');
  for (const gchar * c = str; c && *c; c++) {
    if (*c == '"' || *c == '\\')
      g_string_append_c (s, '\\');
    if ((guchar) * c < 32)
      g_string_append_printf (s, "\\u%04x", *c);
    else
      g_string_append_c (s, *c);
  }
  g_string_append_c (s, '"');
}

static const gchar *
label_of (GstCnnInfer * self, gint class_id, gchar * buf, gsize n)
{
  const char *l = ecnn_config_label (&self->cfg, class_id);
  if (l)
    return l;
  g_snprintf (buf, n, "class %d", class_id);
  return buf;
}

/* Attaches the current results (self->cur) to frame number `frame`. */
static void
attach (GstCnnInfer * self, GstBuffer * buf, guint64 frame)
{
  const gint W = GST_VIDEO_INFO_WIDTH (&self->info);
  const gint H = GST_VIDEO_INFO_HEIGHT (&self->info);
  const InferResult *r = self->cur;
  GString *json = self->json ? g_string_new (NULL) : NULL;
  for (gint i = 0; i < r->n; i++) {
    const ecnn_detection *d = &r->det[i];
    gchar tmp[32];
    const gchar *label = label_of (self, d->class_id, tmp, sizeof tmp);
    gint x0 = CLAMP ((gint) (d->xmin + 0.5f), 0, W - 1);
    gint y0 = CLAMP ((gint) (d->ymin + 0.5f), 0, H - 1);
    gint x1 = CLAMP ((gint) (d->xmax + 0.5f), x0 + 1, W);
    gint y1 = CLAMP ((gint) (d->ymax + 0.5f), y0 + 1, H);
    GstVideoRegionOfInterestMeta *roi =
        gst_buffer_add_video_region_of_interest_meta (buf, label, x0, y0,
        x1 - x0, y1 - y0);
    GstStructure *s = gst_structure_new ("detection",
        "label", G_TYPE_STRING, label,
        "class-id", G_TYPE_INT, (gint) d->class_id,
        "confidence", G_TYPE_DOUBLE, (gdouble) d->score, NULL);
    if (d->num_keypoints > 0) {
      GValue arr = G_VALUE_INIT, v = G_VALUE_INIT;
      g_value_init (&arr, GST_TYPE_ARRAY);
      g_value_init (&v, G_TYPE_DOUBLE);
      for (gint k = 0; k < d->num_keypoints; k++)
        for (gint c = 0; c < 2; c++) {
          g_value_set_double (&v, d->keypoints[k][c]);
          gst_value_array_append_value (&arr, &v);
        }
      gst_structure_take_value (s, "keypoints", &arr);
      g_value_unset (&v);
    }
    gst_video_region_of_interest_meta_add_param (roi, s);
    if (json) {
      g_string_append_printf (json, "{\"pts\": %" G_GUINT64_FORMAT
          ", \"frame\": %" G_GUINT64_FORMAT ", \"label\": ",
          GST_BUFFER_PTS_IS_VALID (buf) ? GST_BUFFER_PTS (buf) : 0, frame);
      json_string (json, label);
      g_string_append_printf (json, ", \"class_id\": %d, \"score\": %.4f, "
          "\"x\": %.1f, \"y\": %.1f, \"w\": %.1f, \"h\": %.1f}\n",
          (int) d->class_id, d->score, d->xmin, d->ymin, d->xmax - d->xmin,
          d->ymax - d->ymin);
    }
  }
  if (json) {
    fputs (json->str, self->json);
    fflush (self->json);
    g_string_free (json, TRUE);
  }
  if (self->saliency && r->saliency) {
    gint dims[4] = { 1, self->in_h, self->in_w, 1 };
    gsize bytes = (gsize) self->in_w * self->in_h * sizeof (gfloat);
    gst_buffer_add_ecnn_tensor_meta (buf, "saliency", ECNN_DTYPE_F32, 4, dims,
        g_memdup2 (r->saliency, bytes), bytes, &r->map);
  }
}

static void
post_stats (GstCnnInfer * self)
{
  gint64 now = g_get_monotonic_time ();
  gdouble secs = (now - self->stats_start_us) / 1e6;
  gdouble fps = secs > 0 ? self->stats_frames / secs : 0;
  gdouble mean = self->stats_frames ? self->latency_sum_ms / self->stats_frames : 0;
  GstStructure *s = gst_structure_new ("cnninfer-stats",
      "frames", G_TYPE_UINT64, self->inferred,
      "fps", G_TYPE_DOUBLE, fps,
      "mean-latency-ms", G_TYPE_DOUBLE, mean,
      "last-latency-ms", G_TYPE_DOUBLE, self->last_latency_ms, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
  GST_DEBUG_OBJECT (self, "%.1f fps, mean latency %.2f ms", fps, mean);
  self->stats_start_us = now;
  self->stats_frames = 0;
  self->latency_sum_ms = 0;
}

/* Fills the model input (from an upstream tensor meta when it matches, else from the frame). */
static gboolean
fill_input (GstCnnInfer * self, GstBuffer * buf, gfloat * input, ecnn_letterbox * map)
{
  const gsize bytes = (gsize) self->in_w * self->in_h * 3 * sizeof (gfloat);
  EcnnTensorMeta *tm = gst_buffer_get_ecnn_tensor_meta (buf, "input");
  if (tm && tm->config_id == self->config_id && tm->dtype == ECNN_DTYPE_F32
      && tm->bytes == bytes) {
    memcpy (input, tm->data, bytes);
    *map = tm->map;
    return TRUE;
  }
  GstVideoFrame frame;
  ecnn_image image;
  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Cannot map the frame."), (NULL));
    return FALSE;
  }
  ecnn_gst_frame_image (&frame, &image);
  ecnn_status st = ecnn_image_to_tensor (&image, &self->cfg, self->in_w, self->in_h,
      ECNN_DTYPE_F32, input, map);
  gst_video_frame_unmap (&frame);
  if (st != ECNN_STATUS_OK) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Preprocessing failed: %s",
            ecnn_last_error ()), (NULL));
    return FALSE;
  }
  return TRUE;
}

/* Top-1 of a classifier's scores as one "detection" covering the model's view of the frame. */
static void
classify (GstCnnInfer * self, InferResult * r, const gfloat * v, gint k,
    const ecnn_letterbox * map, gfloat threshold)
{
  gint best = self->cfg.decode.ignore_class_0 && k > 1 ? 1 : 0;
  for (gint c = best + 1; c < k; c++)
    if (v[c] > v[best])
      best = c;
  gdouble p = v[best];
  if (self->cfg.decode.score_fn == ECNN_SCORE_SIGMOID)
    p = 1.0 / (1.0 + exp (-p));
  else if (self->cfg.decode.score_fn == ECNN_SCORE_SOFTMAX) {
    gdouble sum = 0;
    for (gint c = 0; c < k; c++)
      sum += exp (v[c] - v[best]);
    p = 1.0 / sum;
  }
  r->n = 0;
  r->top_class = best;
  if (p < threshold)
    return;
  ecnn_detection *d = &r->det[0];
  memset (d, 0, sizeof *d);
  d->xmin = d->ymin = 0;
  d->xmax = d->ymax = 1;
  d->score = (float) p;
  d->class_id = best;
  ecnn_letterbox_unmap (map, d);
  r->n = 1;
}

/* Runs engine e on frame buf into r. FALSE after posting an error. Any thread: it reads only
 * what stays fixed while frames flow (cfg, info, the model's size). */
/* The minimum score now: the property (changeable while playing), else the sidecar's. */
static gfloat
threshold_now (GstCnnInfer * self)
{
  GST_OBJECT_LOCK (self);
  const gfloat t = self->threshold >= 0 ? (gfloat) self->threshold : self->sidecar_threshold;
  GST_OBJECT_UNLOCK (self);
  return t;
}

static gboolean
infer (GstCnnInfer * self, InferEngine * e, GstBuffer * buf, InferResult * r)
{
  ecnn_session *session = e->detector ? ecnn_detector_session (e->detector) : e->session;
  gfloat *input = ecnn_session_input_data (session, 0);
  ecnn_letterbox map;
  int32_t n = 0;
  ecnn_status st;
  const gfloat threshold = threshold_now (self);
  if (!fill_input (self, buf, input, &map))
    return FALSE;
  if (e->detector) {
    ecnn_detector_set_threshold (e->detector, threshold);
    st = ecnn_detector_detect_tensor (e->detector, input, &map, r->det, MAX_DETECTIONS, &n);
    r->n = n;
  } else {
    st = ecnn_session_run (session);
  }
  if (st != ECNN_STATUS_OK) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Inference failed: %s",
            ecnn_last_error ()), (NULL));
    return FALSE;
  }
  const void *out = NULL;
  ecnn_tensor_info oi;
  if (!e->detector) {
    ecnn_session_output (session, 0, &out, &oi);
    if (self->cfg.task == ECNN_TASK_CLASSIFY)
      classify (self, r, out, oi.dims[oi.ndim - 1], &map, threshold);
    else
      r->n = 0;
  }
  r->map = map;
  if (self->saliency) {
    if (!r->saliency)
      r->saliency = g_new (gfloat, (gsize) self->in_w * self->in_h);
    if (e->detector) {
      int32_t na = 0;
      const float *scores = ecnn_detector_scores (e->detector, &na);
      st = ecnn_saliency_ssd (&self->cfg.anchors, &self->cfg.decode, scores, na,
          r->saliency, self->in_w, self->in_h);
    } else if (self->cfg.task == ECNN_TASK_SEGMENT) {
      st = ecnn_saliency_mask (out, oi.dims[1], oi.dims[2], oi.dims[3],
          &self->cfg.decode, r->saliency, self->in_w, self->in_h);
    } else {
      st = ecnn_session_cam (session, r->top_class, r->saliency, self->in_w, self->in_h);
    }
    if (st != ECNN_STATUS_OK) {
      GST_WARNING_OBJECT (self, "no saliency map: %s", ecnn_last_error ());
      g_free (r->saliency);
      r->saliency = NULL;
    }
  }
  return TRUE;
}

/* The bookkeeping of one inference as its frame leaves: latency, counts, stats messages. */
static void
count_inference (GstCnnInfer * self, guint64 frame, gdouble latency_ms)
{
  self->last_latency_ms = latency_ms;
  self->latency_sum_ms += latency_ms;
  self->stats_frames++;
  self->inferred++;
  self->have_last = TRUE;
  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %d detections in %.2f ms", frame,
      self->cur->n, latency_ms);
  if (self->stats_interval > 0 && self->stats_frames >= (guint) self->stats_interval)
    post_stats (self);
}

static gboolean
check_ready (GstCnnInfer * self)
{
  if (self->n_engines < 1 || !self->have_info) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("No caps or model before data."),
        (NULL));
    return FALSE;
  }
  return TRUE;
}

/* inflight = 1: each frame's inference in the streaming thread. */
static GstFlowReturn
gst_cnn_infer_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstCnnInfer *self = GST_CNN_INFER (trans);
  if (!check_ready (self))
    return GST_FLOW_NOT_NEGOTIATED;
  if (!self->have_last || self->frame_index % MAX (1, self->interval) == 0) {
    gint64 t0 = g_get_monotonic_time ();
    if (!infer (self, &self->engines[0], buf, self->cur))
      return GST_FLOW_ERROR;
    count_inference (self, self->frame_index, (g_get_monotonic_time () - t0) / 1000.0);
  }
  attach (self, buf, self->frame_index);
  self->frame_index++;
  return GST_FLOW_OK;
}

/* ---- inflight > 1 ---------------------------------------------------------------------- */

/* A worker: one frame's inference on its engine. */
static void
run_pending (gpointer data, gpointer user)
{
  Pending *p = data;
  GstCnnInfer *self = user;
  gint64 t0 = g_get_monotonic_time ();
  p->ok = infer (self, p->engine, p->buf, p->res);
  p->latency_ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_mutex_lock (&self->lock);
  p->done = TRUE;
  p->engine->busy = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* Takes a frame in: it starts an inference on a free engine (waiting for one when all are
 * busy) or, between inferences (interval), waits in line for the results before it. */
static GstFlowReturn
gst_cnn_infer_submit_input_buffer (GstBaseTransform * trans, gboolean discont,
    GstBuffer * buf)
{
  GstCnnInfer *self = GST_CNN_INFER (trans);
  if (self->n_engines <= 1)
    return GST_BASE_TRANSFORM_CLASS (parent_class)->submit_input_buffer (trans, discont,
        buf);
  if (!check_ready (self)) {
    gst_buffer_unref (buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  /* a slow oldest frame holds the rest: past a few frames inside, wait for it (backpressure;
   * it then leaves from generate_output) */
  Pending *head = g_queue_peek_head (&self->pending);
  if (head && g_queue_get_length (&self->pending) >=
      (guint) (2 * self->n_engines + MAX (1, self->interval))) {
    g_mutex_lock (&self->lock);
    while (!head->done)
      g_cond_wait (&self->cond, &self->lock);
    g_mutex_unlock (&self->lock);
  }
  Pending *p = g_new0 (Pending, 1);
  p->buf = buf;
  p->frame_index = self->frame_index++;
  if (!self->dispatched || p->frame_index % MAX (1, self->interval) == 0) {
    p->res = g_queue_pop_head (&self->spare);
    if (!p->res)
      p->res = g_new0 (InferResult, 1);
    g_mutex_lock (&self->lock);
    for (;;) {
      for (gint i = 0; i < self->n_engines && !p->engine; i++)
        if (!self->engines[i].busy)
          p->engine = &self->engines[i];
      if (p->engine)
        break;
      g_cond_wait (&self->cond, &self->lock);
    }
    p->engine->busy = TRUE;
    g_mutex_unlock (&self->lock);
    self->dispatched = TRUE;
    g_queue_push_tail (&self->pending, p);
    g_thread_pool_push (self->workers, p, NULL);
  } else {
    p->done = TRUE;
    g_queue_push_tail (&self->pending, p);
  }
  return GST_FLOW_OK;
}

/* The oldest frame leaves with its results (or, between inferences, the last ones). */
static GstFlowReturn
finish_pending (GstCnnInfer * self, Pending * p, GstBuffer ** out)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstBuffer *buf = p->buf;
  if (p->engine && !p->ok) {    /* (the worker posted the error) */
    gst_buffer_unref (buf);
    ret = GST_FLOW_ERROR;
  } else {
    if (p->engine) {
      InferResult *old = self->cur;
      self->cur = p->res;
      p->res = old;
      count_inference (self, p->frame_index, p->latency_ms);
    }
    buf = gst_buffer_make_writable (buf);
    attach (self, buf, p->frame_index);
    *out = buf;
  }
  if (p->res)
    g_queue_push_tail (&self->spare, p->res);
  g_free (p);
  return ret;
}

/* Hands out the oldest frame when its results are ready; none otherwise (it leaves after a
 * later frame comes in, or at a serialized event). */
static GstFlowReturn
gst_cnn_infer_generate_output (GstBaseTransform * trans, GstBuffer ** out)
{
  GstCnnInfer *self = GST_CNN_INFER (trans);
  if (self->n_engines <= 1)
    return GST_BASE_TRANSFORM_CLASS (parent_class)->generate_output (trans, out);
  *out = NULL;
  Pending *p = g_queue_peek_head (&self->pending);
  if (!p)
    return GST_FLOW_OK;
  g_mutex_lock (&self->lock);
  const gboolean done = p->done;
  g_mutex_unlock (&self->lock);
  if (!done)
    return GST_FLOW_OK;
  g_queue_pop_head (&self->pending);
  return finish_pending (self, p, out);
}

/* Waits for every frame inside, then pushes them downstream in order (push) or drops them. */
static void
drain (GstCnnInfer * self, gboolean push)
{
  GstFlowReturn ret = GST_FLOW_OK;
  Pending *p;
  while ((p = g_queue_pop_head (&self->pending))) {
    g_mutex_lock (&self->lock);
    while (!p->done)
      g_cond_wait (&self->cond, &self->lock);
    g_mutex_unlock (&self->lock);
    GstBuffer *out = NULL;
    if (push && ret == GST_FLOW_OK) {
      ret = finish_pending (self, p, &out);
      if (out)
        ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), out);
    } else {
      gst_buffer_unref (p->buf);
      if (p->res)
        g_queue_push_tail (&self->spare, p->res);
      g_free (p);
    }
  }
}

/* Events keep their place among the frames: a serialized one lets every frame inside leave
 * first; a flush drops them. */
static gboolean
gst_cnn_infer_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstCnnInfer *self = GST_CNN_INFER (trans);
  if (self->n_engines > 1 && !g_queue_is_empty (&self->pending)) {
    if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
      drain (self, FALSE);
    else if (GST_EVENT_IS_SERIALIZED (event))
      drain (self, TRUE);
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    self->dispatched = self->have_last = FALSE;
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* With frames in flight the element holds each frame up to inflight - 1 frame times longer. */
static gboolean
gst_cnn_infer_query (GstBaseTransform * trans, GstPadDirection direction, GstQuery * query)
{
  GstCnnInfer *self = GST_CNN_INFER (trans);
  gboolean ok = GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction, query);
  if (ok && direction == GST_PAD_SRC && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY
      && self->inflight > 1 && self->have_info && GST_VIDEO_INFO_FPS_N (&self->info) > 0) {
    gboolean live;
    GstClockTime min, max;
    gst_query_parse_latency (query, &live, &min, &max);
    const GstClockTime extra = gst_util_uint64_scale_int ((guint64) (self->inflight - 1)
        * GST_SECOND, GST_VIDEO_INFO_FPS_D (&self->info), GST_VIDEO_INFO_FPS_N (&self->info));
    gst_query_set_latency (query, live, min + extra,
        GST_CLOCK_TIME_IS_VALID (max) ? max + extra : max);
  }
  return ok;
}

static void
gst_cnn_infer_finalize (GObject * object)
{
  GstCnnInfer *self = GST_CNN_INFER (object);
  g_free (self->model);
  g_free (self->config);
  g_free (self->labels);
  g_free (self->json_file);
  g_free (self->calibration);
  free_engines (self);
  ecnn_config_clear (&self->cfg);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  if (self->json)
    fclose (self->json);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_cnn_infer_class_init (GstCnnInferClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_cnn_infer_set_property;
  gobject_class->get_property = gst_cnn_infer_get_property;
  gobject_class->finalize = gst_cnn_infer_finalize;

  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model", "The .tflite model file; its "
          "sidecar MODEL.ini is read from beside it", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_CONFIG,
      g_param_spec_string ("config", "Config", "A sidecar .ini to use instead "
          "of MODEL.ini (docs/sidecar.md); its [model] file names the model when "
          "'model' is not set", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_LABELS,
      g_param_spec_string ("labels", "Labels", "A label file (one label per "
          "line, line N = class N) replacing the sidecar's", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold", "Minimum detection score; "
          "-1 = the sidecar's", -1.0, 1.0, DEFAULT_THRESHOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_IOU_THRESHOLD,
      g_param_spec_double ("iou-threshold", "IoU threshold", "Overlap above "
          "which NMS suppresses a box; -1 = the sidecar's", -1.0, 1.0,
          DEFAULT_IOU_THRESHOLD, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_DETECTIONS,
      g_param_spec_int ("max-detections", "Max detections", "Most detections "
          "per frame; 0 = the sidecar's", 0, MAX_DETECTIONS,
          DEFAULT_MAX_DETECTIONS, rw));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_int ("threads", "Threads", "Inference threads", 1, 64,
          DEFAULT_THREADS, rw));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_int ("interval", "Interval", "Infer every Nth frame; the "
          "frames between carry the last results", 1, 1000, DEFAULT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_INFLIGHT,
      g_param_spec_int ("inflight", "Frames in flight", "Frames whose inferences "
          "run at once, each on its own thread with its own engine instance (of "
          "'threads' threads each); frames leave in order. 1: each frame's inference "
          "in the streaming thread. More: more frames per second on several cores "
          "(e.g. inflight=2 threads=1 on two), each frame later by up to inflight - 1 "
          "frame times", 1, MAX_INFLIGHT, DEFAULT_INFLIGHT, rw));
  g_object_class_install_property (gobject_class, PROP_SALIENCY,
      g_param_spec_boolean ("saliency", "Saliency", "Attach the saliency map "
          "(an EcnnTensorMeta \"saliency\") for cnnheatmap", FALSE, rw));
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision", "Arithmetic precision "
          "(int8 needs an int8 model, or a float one and calibration images)",
          ECNN_TYPE_PRECISION,
          ECNN_PRECISION_FP32, rw));
  g_object_class_install_property (gobject_class, PROP_BACKEND,
      g_param_spec_enum ("backend", "Backend", "Inference backend",
          ECNN_TYPE_BACKEND, ECNN_BACKEND_NATIVE, rw));
  g_object_class_install_property (gobject_class, PROP_CALIBRATION,
      g_param_spec_string ("calibration", "Calibration images",
          "With precision=int8 and a float model: quantize the model at start "
          "(min/max post-training quantization, as 'edgecnn quantize') on these "
          "images, a folder or a comma-separated list of files, preprocessed as "
          "the sidecar says; the int8 model is written to the user cache folder "
          "(edgecnn/) and reused while the model and images are unchanged. "
          "Ignored for a model that is already int8", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_JSON_FILE,
      g_param_spec_string ("json-file", "JSON file", "Write every detection "
          "as one JSON line {pts, frame, label, class_id, score, x, y, w, h} "
          "(frame pixels)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_STATS_INTERVAL,
      g_param_spec_int ("stats-interval", "Stats interval", "Post a "
          "\"cnninfer-stats\" element message (fps, latency) every N inferred "
          "frames; 0 = never", 0, G_MAXINT, DEFAULT_STATS_INTERVAL, rw));
  g_object_class_install_property (gobject_class, PROP_LAST_LATENCY,
      g_param_spec_double ("last-latency-ms", "Last latency",
          "Milliseconds the last inference took (preprocess + run + decode)",
          0, G_MAXDOUBLE, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_FRAMES,
      g_param_spec_uint64 ("frames", "Frames", "Frames inferred since start",
          0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class, "CNN object detection",
      "Filter/Analyzer/Video", "Detects objects with a TFLite SSD model and "
      "attaches GstVideoRegionOfInterestMeta", "EdgeCNN");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_cnn_infer_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_cnn_infer_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_cnn_infer_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_cnn_infer_transform_ip);
  trans_class->submit_input_buffer =
      GST_DEBUG_FUNCPTR (gst_cnn_infer_submit_input_buffer);
  trans_class->generate_output = GST_DEBUG_FUNCPTR (gst_cnn_infer_generate_output);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_cnn_infer_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_cnn_infer_query);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (ECNN_TYPE_PRECISION, 0);
  gst_type_mark_as_plugin_api (ECNN_TYPE_BACKEND, 0);
}

static void
gst_cnn_infer_init (GstCnnInfer * self)
{
  self->threshold = DEFAULT_THRESHOLD;
  self->iou_threshold = DEFAULT_IOU_THRESHOLD;
  self->max_detections = DEFAULT_MAX_DETECTIONS;
  self->threads = DEFAULT_THREADS;
  self->interval = DEFAULT_INTERVAL;
  self->stats_interval = DEFAULT_STATS_INTERVAL;
  self->inflight = DEFAULT_INFLIGHT;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->pending);
  g_queue_init (&self->spare);
  self->precision = ECNN_PRECISION_FP32;
  self->backend = ECNN_BACKEND_NATIVE;
  ecnn_config_init (&self->cfg);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
