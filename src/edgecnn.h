/*
 * edgecnn.h — the one public header of libedgecnn, a small C engine that runs TFLite CNNs
 * (FP32, FP16-weight and INT8) on CPUs, plus the SSD / BlazeFace post-processing around them.
 *
 * Usage:
 *     ecnn_model *model = NULL;
 *     if (ecnn_model_load_file("ssd.tflite", &model) != ECNN_STATUS_OK)
 *         fprintf(stderr, "%s\n", ecnn_last_error());
 *     ecnn_session *s = NULL;
 *     ecnn_session_create(model, NULL, &s);          // NULL options: 1 thread, fp32, native
 *     ecnn_session_set_input(s, 0, pixels, nbytes);   // raw tensor in the input's dtype
 *     ecnn_session_run(s);
 *     ecnn_tensor_info info; const void *out;
 *     ecnn_session_output(s, 0, &out, &info);         // valid until the next run or free
 *     ecnn_session_free(s); ecnn_model_free(model);
 *
 * Errors: every call that can fail returns an ecnn_status and leaves one sentence, naming the
 * problem (file, op name and index, bad value), retrievable with ecnn_last_error() on the same
 * thread until the next failing call. Nothing aborts on bad input. Every _free(NULL) is a no-op.
 */
#ifndef EDGECNN_H
#define EDGECNN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ECNN_MAX_DIMS 6

/* ---- status ---------------------------------------------------------------------------- */

typedef enum ecnn_status {
  ECNN_STATUS_OK = 0,
  ECNN_STATUS_INVALID_ARGUMENT, /* caller passed a bad value (NULL, wrong size, index) */
  ECNN_STATUS_INVALID_MODEL,    /* the model file is malformed or inconsistent */
  ECNN_STATUS_UNSUPPORTED,      /* valid, but uses something this engine does not run */
  ECNN_STATUS_OUT_OF_MEMORY,
  ECNN_STATUS_INVALID_STATE, /* call out of order (e.g. output before run) */
  ECNN_STATUS_IO_ERROR,      /* a file could not be opened or read */
} ecnn_status;

/* Returns a static name such as "invalid model". */
const char *ecnn_status_name(ecnn_status status);

/* The message of the last failing call on this thread ("" if none). The string stays valid
 * until the next failing call on this thread. */
const char *ecnn_last_error(void);

/* ---- tensors --------------------------------------------------------------------------- */

typedef enum ecnn_dtype {
  ECNN_DTYPE_F32 = 0,
  ECNN_DTYPE_F16,
  ECNN_DTYPE_I32,
  ECNN_DTYPE_U8,
  ECNN_DTYPE_I8,
  ECNN_DTYPE_I16,
  ECNN_DTYPE_I64,
  ECNN_DTYPE_BOOL,
  ECNN_DTYPE_COUNT
} ecnn_dtype;

/* "float32", "float16", "int32", "uint8", "int8", "int16", "int64", "bool". */
const char *ecnn_dtype_name(ecnn_dtype dtype);
/* Bytes per element; 0 for an out-of-range value. */
size_t ecnn_dtype_size(ecnn_dtype dtype);

/* A description of a model or session tensor. Pointers inside are owned by the model and
 * valid while it lives. */
typedef struct ecnn_tensor_info {
  const char *name;
  ecnn_dtype dtype;
  int32_t ndim;                 /* 0..ECNN_MAX_DIMS */
  int32_t dims[ECNN_MAX_DIMS];  /* NHWC for images */
  size_t bytes;                 /* element count x dtype size */
  float scale;                  /* quantized tensors: first (per-tensor) scale, else 0 */
  int32_t zero_point;           /* quantized tensors: first zero point, else 0 */
} ecnn_tensor_info;

/* ---- models ---------------------------------------------------------------------------- */

typedef struct ecnn_model ecnn_model;

/* Loads and validates a .tflite file: every offset, length, shape and index is checked, FP16
 * constants behind DEQUANTIZE are folded to FP32, shapes are inferred and the memory plan made.
 * On success *model owns all it needs (the file is not kept open). */
ecnn_status ecnn_model_load_file(const char *path, ecnn_model **model);
/* Same from memory; data is not kept after return. */
ecnn_status ecnn_model_load_buffer(const void *data, size_t size, ecnn_model **model);
void ecnn_model_free(ecnn_model *model);

int32_t ecnn_model_input_count(const ecnn_model *model);
int32_t ecnn_model_output_count(const ecnn_model *model);
ecnn_status ecnn_model_input_info(const ecnn_model *model, int32_t index, ecnn_tensor_info *info);
ecnn_status ecnn_model_output_info(const ecnn_model *model, int32_t index, ecnn_tensor_info *info);

/* Operators after load-time folding, in execution order. */
int32_t ecnn_model_op_count(const ecnn_model *model);
/* The TFLite name of op `index` ("CONV_2D"), or NULL when out of range. */
const char *ecnn_model_op_name(const ecnn_model *model, int32_t index);

typedef struct ecnn_model_stats {
  int64_t macs;         /* multiply-accumulates of one run at the model's input shape */
  int64_t params;       /* elements of constant tensors used by ops (weights, biases) */
  int64_t weight_bytes; /* bytes of those constants as held in memory (after FP16 folding) */
  int64_t arena_bytes;  /* peak bytes of the activation arena from the planner */
  int64_t naive_bytes;  /* sum of all activation tensor sizes (what no planning would cost) */
  int32_t op_count;     /* ops after folding */
  int32_t quantized_ops; /* of those, the ones computing in int8 / uint8 (0: a float model) */
  int32_t tensor_count;
} ecnn_model_stats;

ecnn_status ecnn_model_get_stats(const ecnn_model *model, ecnn_model_stats *stats);

/* ---- sessions -------------------------------------------------------------------------- */

typedef enum ecnn_precision { ECNN_PRECISION_FP32 = 0, ECNN_PRECISION_INT8 } ecnn_precision;
typedef enum ecnn_backend { ECNN_BACKEND_NATIVE = 0, ECNN_BACKEND_XNNPACK } ecnn_backend;

typedef struct ecnn_session_options {
  int32_t threads; /* >= 1 */
  ecnn_precision precision;
  ecnn_backend backend;
} ecnn_session_options;

/* Fills the defaults: 1 thread, fp32, native. */
void ecnn_session_options_init(ecnn_session_options *options);

typedef struct ecnn_session ecnn_session;

/* Creates an executable instance of a model. The model must outlive the session. options may
 * be NULL (defaults). Allocates the arena. */
ecnn_status ecnn_session_create(const ecnn_model *model, const ecnn_session_options *options,
                                ecnn_session **session);
void ecnn_session_free(ecnn_session *session);

/* Copies `bytes` bytes (must equal the input's byte size) into input `index` (a no-op when
 * data is ecnn_session_input_data itself). */
ecnn_status ecnn_session_set_input(ecnn_session *session, int32_t index, const void *data,
                                   size_t bytes);
/* Direct pointer to input `index`'s storage, to be written before run; NULL if out of range.
 * Valid until the session is freed. */
void *ecnn_session_input_data(ecnn_session *session, int32_t index);
ecnn_status ecnn_session_run(ecnn_session *session);
/* Output `index` of the last run: *data points into the session (valid until the next run or
 * free); info describes it. Fails with INVALID_STATE before the first run. */
ecnn_status ecnn_session_output(const ecnn_session *session, int32_t index, const void **data,
                                ecnn_tensor_info *info);

/* ---- post-training quantization -------------------------------------------------------- */
/* A float model in, an int8 TFLite model out: activation ranges from calibration inputs run
 * through the float engine, symmetric per-channel int8 weights (per tensor for fully
 * connected), int32 biases, asymmetric int8 activations, QUANTIZE after the float input and
 * DEQUANTIZE before each float output, TFLite's constraints on shared scales (RESHAPE,
 * CONCATENATION, PAD, pooling, resize share one range) and fixed output ranges (LOGISTIC,
 * SOFTMAX, TANH). The file runs on this engine's int8 path and in TensorFlow Lite. */

typedef enum ecnn_calibration {
  ECNN_CALIBRATION_MINMAX = 0,     /* each tensor's range: the smallest and largest value seen */
  ECNN_CALIBRATION_PERCENTILE = 1, /* the range that keeps `percentile` % of the values seen */
} ecnn_calibration;

typedef struct ecnn_quantize_options {
  ecnn_calibration method;
  double percentile;  /* PERCENTILE: e.g. 99.99 (values outside saturate) */
  bool float_outputs; /* the ops that compute the graph's outputs (the last conv of each, and
                       * the reshapes / concatenations after it) stay float: a detector's
                       * scores keep their float precision (mixed int8 / float model) */
} ecnn_quantize_options;

/* Fills the defaults: min/max, percentile 99.99 (used only with PERCENTILE), all int8. */
void ecnn_quantize_options_init(ecnn_quantize_options *options);

/* What ecnn_quantizer_write produced. */
typedef struct ecnn_quantize_report {
  int32_t calibration_runs;
  int32_t int8_tensors, ops;       /* activations quantized; ops in the written model */
  size_t float_weight_bytes;       /* the float model's constants */
  size_t int8_weight_bytes;        /* the written model's constants */
  size_t file_bytes;
} ecnn_quantize_report;

typedef struct ecnn_quantizer ecnn_quantizer;

/* Reads a float TFLite model (one float32 input) for quantization; `threads` run the
 * calibration. */
ecnn_status ecnn_quantizer_create(const void *model_data, size_t size, int32_t threads,
                                  ecnn_quantizer **quantizer);
void ecnn_quantizer_free(ecnn_quantizer *quantizer);
/* The float model the calibration runs: its input 0 tells the calibration data's shape. */
const ecnn_model *ecnn_quantizer_model(const ecnn_quantizer *quantizer);
/* Runs one calibration input (input 0, float32, preprocessed as the model expects; `bytes`
 * its size) and records the range of every tensor. */
ecnn_status ecnn_quantizer_observe(ecnn_quantizer *quantizer, const float *input, size_t bytes);
/* Builds the int8 model from the ranges observed so far and serializes it: *data is a
 * malloc'd TFLite file of *size bytes (the caller frees it). report may be NULL. Fails
 * before any observe, or when the model has an op the int8 path does not run. */
ecnn_status ecnn_quantizer_write(ecnn_quantizer *quantizer, const ecnn_quantize_options *options,
                                 uint8_t **data, size_t *size, ecnn_quantize_report *report);

/* ---- pruning ------------------------------------------------------------------------------ */
/* Magnitude pruning of a float model's 1x1 CONV_2D weights: each such layer loses the
 * `sparsity` share of its weight blocks (`block` consecutive output channels of one input
 * channel) with the smallest sum of magnitudes. The result is a float TFLite file (quantize it
 * afterwards for int8). Blocks of 32 are what the packed float kernels skip (faster); smaller
 * blocks only make zeros. */

typedef struct ecnn_prune_options {
  double sparsity; /* [0, 1): share of each layer's blocks set to zero */
  int32_t block;   /* output channels per block (1 = single weights) */
} ecnn_prune_options;

/* Fills the defaults: sparsity 0.5, blocks of 32. */
void ecnn_prune_options_init(ecnn_prune_options *options);

typedef struct ecnn_prune_report {
  int32_t layers;         /* 1x1 convolutions pruned */
  int64_t weights, zeroed; /* their weights, and how many are now zero */
} ecnn_prune_report;

/* Prunes the float TFLite model in data[0..size) into *out (malloc'd, *out_size bytes; the
 * caller frees it). report may be NULL. */
ecnn_status ecnn_prune(const void *data, size_t size, const ecnn_prune_options *options,
                       uint8_t **out, size_t *out_size, ecnn_prune_report *report);

/* ---- SSD anchors, decoding, NMS -------------------------------------------------------- */

#define ECNN_MAX_SSD_LAYERS 8
#define ECNN_MAX_ASPECT_RATIOS 8
#define ECNN_MAX_KEYPOINTS 8

typedef struct ecnn_anchor {
  float cx, cy, w, h; /* normalized to the model input, 0..1 */
} ecnn_anchor;

/* The TF Object Detection API / MediaPipe SsdAnchorsCalculator scheme. */
typedef struct ecnn_anchor_options {
  int32_t num_layers;             /* 1..ECNN_MAX_SSD_LAYERS */
  float min_scale, max_scale;
  int32_t input_width, input_height;
  float anchor_offset_x, anchor_offset_y; /* usually 0.5 */
  int32_t strides[ECNN_MAX_SSD_LAYERS];   /* one per layer */
  /* optional explicit feature map sizes (0 = ceil(input / stride)) */
  int32_t feature_map_width[ECNN_MAX_SSD_LAYERS], feature_map_height[ECNN_MAX_SSD_LAYERS];
  int32_t num_aspect_ratios;
  float aspect_ratios[ECNN_MAX_ASPECT_RATIOS];
  bool reduce_boxes_in_lowest_layer;
  float interpolated_scale_aspect_ratio; /* 0 = no interpolated-scale anchor */
  bool fixed_anchor_size;                /* w = h = 1 */
} ecnn_anchor_options;

/* Fills options with MediaPipe's defaults (offsets 0.5, interpolated ratio 1, rest 0). */
void ecnn_anchor_options_init(ecnn_anchor_options *options);
/* Number of anchors the options produce, or -1 with a message if they are invalid. */
int32_t ecnn_anchor_count(const ecnn_anchor_options *options);
/* Writes the anchors (same order as MediaPipe) into anchors[0..capacity); *count = number. */
ecnn_status ecnn_anchors_generate(const ecnn_anchor_options *options, ecnn_anchor *anchors,
                                  int32_t capacity, int32_t *count);

typedef enum ecnn_score_fn {
  ECNN_SCORE_SIGMOID = 0,
  ECNN_SCORE_SOFTMAX,
  ECNN_SCORE_NONE, /* the raw values are already probabilities */
} ecnn_score_fn;

typedef enum ecnn_nms {
  ECNN_NMS_HARD = 0,      /* class-aware hard NMS */
  ECNN_NMS_HARD_AGNOSTIC, /* one class per box, suppression across classes */
  ECNN_NMS_WEIGHTED,      /* MediaPipe weighted NMS (class-agnostic, overlap-weighted average) */
  ECNN_NMS_NONE,
} ecnn_nms;

typedef enum ecnn_box_format {
  ECNN_BOX_YXHW = 0, /* TF OD API: ty, tx, th, tw (log sizes) */
  ECNN_BOX_XYWH,     /* MediaPipe / BlazeFace: cx, cy, w, h in input pixels (linear) */
} ecnn_box_format;

typedef struct ecnn_decode_options {
  ecnn_box_format box_format;
  float y_scale, x_scale, h_scale, w_scale; /* YXHW: 10, 10, 5, 5; XYWH: input h, w, h, w */
  int32_t num_coords;            /* values per box row (4, or 4 + 2 * keypoints...) */
  int32_t num_keypoints;         /* 0..ECNN_MAX_KEYPOINTS, stored after the 4 box values */
  int32_t num_classes;           /* columns of the score tensor */
  bool ignore_class_0;           /* background class */
  ecnn_score_fn score_fn;
  float score_clip;              /* clip logits to +-score_clip first; 0 = no clip */
  float score_threshold;
  float iou_threshold;
  ecnn_nms nms;
  int32_t max_detections;        /* after NMS */
} ecnn_decode_options;

/* One detection, normalized to the model input (0..1, may exceed slightly). */
typedef struct ecnn_detection {
  float xmin, ymin, xmax, ymax;
  float score;
  int32_t class_id; /* column of the score tensor */
  int32_t num_keypoints;
  float keypoints[ECNN_MAX_KEYPOINTS][2]; /* x, y */
} ecnn_detection;

/* Decodes raw SSD outputs: boxes [num_anchors x num_coords], scores [num_anchors x num_classes]
 * (row-major floats, not kept), scores thresholded, then NMS. Writes at most `capacity`
 * detections sorted by descending score; *count = number written. */
ecnn_status ecnn_ssd_decode(const ecnn_decode_options *options, const float *boxes,
                            const float *scores, const ecnn_anchor *anchors, int32_t num_anchors,
                            ecnn_detection *out, int32_t capacity, int32_t *count);

/* NMS alone over candidate detections (modified in place and compacted; *count updated). */
ecnn_status ecnn_nms_run(ecnn_nms kind, float iou_threshold, int32_t max_detections,
                         ecnn_detection *dets, int32_t *count);

/* Intersection over union of two boxes (0 when either is empty). */
float ecnn_box_iou(const ecnn_detection *a, const ecnn_detection *b);

/* ---- model configuration (sidecar NAME.tflite.ini) ------------------------------------- */

typedef enum ecnn_task {
  ECNN_TASK_RAW = 0,
  ECNN_TASK_SSD,      /* raw box encodings + class scores, decoded with anchors */
  ECNN_TASK_SSD_POSTPROCESSED, /* model ends in TFLite_Detection_PostProcess */
  ECNN_TASK_CLASSIFY,
  ECNN_TASK_SEGMENT,
} ecnn_task;

typedef enum ecnn_resize_mode {
  ECNN_RESIZE_STRETCH = 0,
  ECNN_RESIZE_LETTERBOX,
  ECNN_RESIZE_CENTER_CROP,
} ecnn_resize_mode;

#define ECNN_MAX_LABELS 1024
#define ECNN_MAX_PATH 1024

/* Everything needed to use a model, as read from its sidecar. */
typedef struct ecnn_config {
  char model_path[ECNN_MAX_PATH]; /* resolved relative to the sidecar's folder */
  char labels_path[ECNN_MAX_PATH];
  ecnn_task task;
  /* input normalization: value = (pixel - mean[c]) * scale[c], channels in `bgr` order or RGB */
  float mean[3], scale[3];
  bool bgr;
  ecnn_resize_mode resize;
  ecnn_anchor_options anchors;
  ecnn_decode_options decode;
  int32_t boxes_output, scores_output; /* output indices of the box and score tensors */
  /* labels, loaded from labels_path (one per line); NULL when absent */
  int32_t num_labels;
  char **labels;
} ecnn_config;

/* Built-in defaults (task raw, mean 127.5, scale 1/127.5, RGB, stretch, no labels). */
void ecnn_config_init(ecnn_config *config);
/* Parses an INI sidecar (GKeyFile syntax) and its label file. Unknown keys are an error naming
 * the key and line. Frees any previous labels. */
ecnn_status ecnn_config_load_file(ecnn_config *config, const char *path);
/* Looks for MODEL.ini beside a model file (model.tflite -> model.tflite.ini); returns OK and
 * loads it if present, IO_ERROR if absent. */
ecnn_status ecnn_config_load_for_model(ecnn_config *config, const char *model_path);
/* The label for class `id`, or NULL. */
const char *ecnn_config_label(const ecnn_config *config, int32_t id);
void ecnn_config_clear(ecnn_config *config); /* frees labels; config stays usable */

/* ---- image preprocessing (libyuv) ------------------------------------------------------ */

typedef enum ecnn_pixel_format {
  ECNN_PIXEL_RGB24 = 0, /* bytes R, G, B */
  ECNN_PIXEL_BGR24,
  ECNN_PIXEL_RGBA,
  ECNN_PIXEL_BGRA,
  ECNN_PIXEL_RGBX,
  ECNN_PIXEL_BGRX,
  ECNN_PIXEL_GRAY8,
  ECNN_PIXEL_I420,
  ECNN_PIXEL_NV12,
  ECNN_PIXEL_YUY2,
  ECNN_PIXEL_COUNT
} ecnn_pixel_format;

/* A view of a frame: up to 3 planes, each with its byte stride. Not owned. */
typedef struct ecnn_image {
  ecnn_pixel_format format;
  int32_t width, height;
  const uint8_t *planes[3];
  int32_t strides[3];
} ecnn_image;

/* Where the model input came from in the frame: tensor x = (frame x - offset_x) * scale_x.
 * Used to map boxes back to frame pixels. */
typedef struct ecnn_letterbox {
  float offset_x, offset_y; /* frame pixels */
  float scale_x, scale_y;   /* tensor pixels per frame pixel */
  int32_t tensor_width, tensor_height;
} ecnn_letterbox;

/* Scales/converts `image` into a float32 NHWC tensor [1 x th x tw x 3] (or uint8/int8 when
 * dtype says so, then without normalization), normalized per `config`. `tensor` must hold
 * th*tw*3 elements. *map tells how tensor pixels relate to frame pixels (may be NULL). */
ecnn_status ecnn_image_to_tensor(const ecnn_image *image, const ecnn_config *config,
                                 int32_t tw, int32_t th, ecnn_dtype dtype, void *tensor,
                                 ecnn_letterbox *map);

/* Maps a normalized detection box (0..1 of the tensor) into frame pixels with `map`. */
void ecnn_letterbox_unmap(const ecnn_letterbox *map, ecnn_detection *det);

/* ---- detector: model + sidecar + session + decode in one object ------------------------ */

typedef struct ecnn_detector ecnn_detector;

/* Loads config->model_path (config is copied; labels are shared with it and must outlive the
 * detector). options may be NULL. Fails if the model's input/outputs do not match the task. */
ecnn_status ecnn_detector_create(const ecnn_config *config, const ecnn_session_options *options,
                                 ecnn_detector **detector);
void ecnn_detector_free(ecnn_detector *detector);
/* Preprocesses, runs and decodes one frame. Detections come back in frame pixels. */
ecnn_status ecnn_detector_detect(ecnn_detector *detector, const ecnn_image *image,
                                 ecnn_detection *out, int32_t capacity, int32_t *count);
/* Runs and decodes an input tensor prepared elsewhere (e.g. by cnnpreprocess): `tensor` holds
 * the model input (float32, not kept); `map` tells how it relates to the frame. Detections come
 * back in frame pixels. */
ecnn_status ecnn_detector_detect_tensor(ecnn_detector *detector, const float *tensor,
                                        const ecnn_letterbox *map, ecnn_detection *out,
                                        int32_t capacity, int32_t *count);
/* The raw score output of the last run ([num_anchors x num_classes] floats) and the anchor
 * count, for saliency maps; NULL before the first run. */
const float *ecnn_detector_scores(const ecnn_detector *detector, int32_t *num_anchors);
/* The configuration the detector runs with (its copy). */
const ecnn_config *ecnn_detector_config(const ecnn_detector *detector);
/* Changes the minimum score of the detections from the next run on (0..1; the sidecar's
 * value until then). Not while another thread runs the detector. */
ecnn_status ecnn_detector_set_threshold(ecnn_detector *detector, float score_threshold);
const ecnn_model *ecnn_detector_model(const ecnn_detector *detector);
ecnn_session *ecnn_detector_session(ecnn_detector *detector);

/* ---- frames for in-place drawing (cnnoverlay, cnnheatmap) ------------------------------- */

/* A writable view of a frame (same layout rules as ecnn_image). Not owned. */
typedef struct ecnn_frame {
  ecnn_pixel_format format;
  int32_t width, height;
  uint8_t *planes[3];
  int32_t strides[3];
} ecnn_frame;

/* ---- drawing: boxes and text (src/draw.c) ---------------------------------------------- */

typedef struct ecnn_rgb {
  uint8_t r, g, b;
} ecnn_rgb;

/* A fixed colour per class (12 distinct hues, then darker shades of them). */
ecnn_rgb ecnn_class_color(int32_t class_id);
/* Fills [x0, x1) x [y0, y1) (clipped) with a colour, in the frame's own format: RGB bytes,
 * GRAY8 luma, YUV formats BT.601 limited-range Y per pixel and U/V for every chroma sample the
 * rectangle touches. */
ecnn_status ecnn_draw_rect(const ecnn_frame *frame, int32_t x0, int32_t y0, int32_t x1,
                           int32_t y1, ecnn_rgb color);
/* A box outline `thickness` pixels wide inside [x0, x1) x [y0, y1) (clipped; thickness < 1
 * draws nothing). */
ecnn_status ecnn_draw_box(const ecnn_frame *frame, int32_t x0, int32_t y0, int32_t x1,
                          int32_t y1, int32_t thickness, ecnn_rgb color);
/* Size in pixels of `text` drawn with the built-in 5x7 font at `scale` (1..64). */
void ecnn_text_size(const char *text, int32_t scale, int32_t *width, int32_t *height);
/* Draws text with its top-left corner at (x, y) on a filled background box (clipped). Bytes
 * outside ASCII 32..126 show as '?'. */
ecnn_status ecnn_draw_text(const ecnn_frame *frame, int32_t x, int32_t y, const char *text,
                           int32_t scale, ecnn_rgb fg, ecnn_rgb bg);

/* ---- saliency and heatmaps (src/saliency.c, src/colormap.c) ---------------------------- */

/* The saliency map of an SSD model's raw class scores: for each anchor layer (feature map),
 * each cell's highest non-background class probability over its anchors; each layer's grid is
 * upsampled bilinearly to width x height and the grids are averaged (a maximum would let the
 * one-cell grids paint everything). scores:
 * [num_anchors x decode->num_classes] as the model outputs them (decode->score_fn and
 * ignore_class_0 are applied here; not kept). map: width*height floats in 0..1, row-major,
 * covering the model input. */
ecnn_status ecnn_saliency_ssd(const ecnn_anchor_options *anchors,
                              const ecnn_decode_options *decode, const float *scores,
                              int32_t num_anchors, float *map, int32_t width, int32_t height);

/* Whether the model is a classifier whose class activation map can be computed (its classifier
 * reads a global average pool of a feature map; detected at load). */
bool ecnn_model_has_cam(const ecnn_model *model);
/* The class activation map of class `class_id` after the last run: per feature-map cell,
 * ReLU(sum over channels of classifier weight x feature), scaled so its maximum is 1, upsampled
 * bilinearly to width x height (covering the model input). */
ecnn_status ecnn_session_cam(const ecnn_session *session, int32_t class_id, float *map,
                             int32_t width, int32_t height);
/* A segmentation model's mask as a saliency map: output [oh x ow x channels] (not kept); one
 * channel: its score (decode->score_fn: sigmoid or none); several: 1 - p(class 0) when
 * decode->ignore_class_0 (softmax) else the largest probability. Upsampled to width x height. */
ecnn_status ecnn_saliency_mask(const float *output, int32_t oh, int32_t ow, int32_t channels,
                               const ecnn_decode_options *decode, float *map, int32_t width,
                               int32_t height);

typedef enum ecnn_colormap {
  ECNN_COLORMAP_JET = 0,
  ECNN_COLORMAP_INFERNO,
  ECNN_COLORMAP_TURBO,
  ECNN_COLORMAP_COUNT
} ecnn_colormap;

/* The colour of value t (0..1, clamped) in a colour map. */
ecnn_rgb ecnn_colormap_lookup(ecnn_colormap colormap, float t);

/* Blends a saliency map over a frame in place: map is mw x mh floats in 0..1 covering the
 * model input, which `region` places in the frame (NULL: the whole frame). Pixels whose value
 * is below min_score are left untouched; others get colormap(value) mixed with weight alpha
 * (0..1). Works in every ecnn_pixel_format. */
ecnn_status ecnn_heatmap_blend(const ecnn_frame *frame, const float *map, int32_t mw, int32_t mh,
                               const ecnn_letterbox *region, ecnn_colormap colormap, float alpha,
                               float min_score);

#ifdef __cplusplus
}
#endif

#endif /* EDGECNN_H */
