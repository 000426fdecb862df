/*
 * test_quantize.c — post-training quantization (ecnn_quantizer_*) on the real models: the
 * SSD and BlazeFace calibrated on the two test photos; the int8 graph's structure (QUANTIZE in,
 * DEQUANTIZE out, per-channel int8 weights on the right axis, int32 biases at input x weight
 * scale, int8 activations, shared scales where TFLite requires them); its outputs against the
 * float model's (within four quanta of the output's scale on average) and their detections
 * (every confident float detection found by the int8 model, same class, IoU >= 0.5, score
 * within 0.05, and the other way round); the written file loading back to the same outputs
 * bit for bit and holding about a quarter of the float weight bytes; percentile calibration
 * narrowing ranges; float output heads; and the errors (no calibration yet, a bad
 * percentile, a wrong input size, an already quantized model).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "graph.h"
#include "model.h"
#include "quantizer.h"
#include "test_util.h"

typedef struct qcase {
  const char *model;
  int32_t size; /* square input */
} qcase;

static const qcase ssd = {"ssd_mobilenetv2_oidv4_fp16.tflite", 300};
static const qcase face = {"face_detection_short_range.tflite", 128};

/* A test photo (or the oracle's rand:1 input) as the models' [-1, 1] float input. */
static float *photo(const char *name, int32_t size) {
  float *x = tu_photo_f32(name, size);
  ck_assert_msg(x != NULL, "cannot read the %s photo at %d", name, (int)size);
  return x;
}

/* A quantizer for c calibrated on the two photos (NULL when the model is not fetched). */
static ecnn_quantizer *calibrated(const qcase *c, uint8_t **bytes, size_t *size) {
  *bytes = tu_read_file(tu_model_path(c->model), size);
  if (!*bytes) return NULL;
  ecnn_quantizer *q = NULL;
  ck_assert_msg(ecnn_quantizer_create(*bytes, *size, 2, &q) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  static const char *const photos[] = {"astronaut", "coffee"};
  for (int i = 0; i < 2; i++) {
    float *x = photo(photos[i], c->size);
    ck_assert_msg(ecnn_quantizer_observe(q, x, (size_t)c->size * c->size * 3 * sizeof(float)) ==
                      ECNN_STATUS_OK,
                  "%s", ecnn_last_error());
    free(x);
  }
  return q;
}

enum { MAX_OUT = 4 };

/* Runs model m on x once; copies of its outputs into y[] (element counts in n[]). */
static void run(const ecnn_model *m, const float *x, int32_t size, float **y, size_t *n) {
  ecnn_session *s = NULL;
  ck_assert_int_eq(ecnn_session_create(m, NULL, &s), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_session_set_input(s, 0, x, (size_t)size * size * 3 * sizeof(float)),
                   ECNN_STATUS_OK);
  ck_assert_msg(ecnn_session_run(s) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ck_assert_int_le(ecnn_model_output_count(m), MAX_OUT);
  for (int32_t o = 0; o < ecnn_model_output_count(m); o++) {
    const void *out = NULL;
    ecnn_tensor_info info;
    ck_assert_int_eq(ecnn_session_output(s, o, &out, &info), ECNN_STATUS_OK);
    ck_assert_int_eq(info.dtype, ECNN_DTYPE_F32);
    n[o] = info.bytes / sizeof(float);
    y[o] = malloc(info.bytes);
    memcpy(y[o], out, info.bytes);
  }
  ecnn_session_free(s);
}

static void free_outputs(float **y, int32_t count) {
  for (int32_t o = 0; o < count; o++) free(y[o]);
}

/* The int8 graph's structure. */
static void check_structure(const ecnn_graph *g) {
  ck_assert_int_eq(g->nodes[0].op, ECNN_OP_QUANTIZE);
  for (int32_t i = 0; i < g->num_outputs; i++)
    ck_assert_int_eq(g->nodes[g->num_nodes - g->num_outputs + i].op, ECNN_OP_DEQUANTIZE);
  ck_assert_int_eq(g->tensors[g->inputs[0]].dtype, ECNN_DTYPE_F32);
  for (int32_t k = 1; k < g->num_nodes - g->num_outputs; k++) {
    const ecnn_node *n = &g->nodes[k];
    ck_assert_msg(n->quantized, "%s #%d is not int8", ecnn_op_name(n->op), (int)n->index);
    for (int32_t o = 0; o < n->num_outputs; o++) {
      const ecnn_tensor *t = &g->tensors[n->outputs[o]];
      ck_assert_int_eq(t->dtype, ECNN_DTYPE_I8);
      ck_assert_int_eq(t->quant.count, 1);
      ck_assert(t->quant.scale[0] > 0);
      ck_assert(t->quant.zero_point[0] >= -128 && t->quant.zero_point[0] <= 127);
    }
    if (n->op == ECNN_OP_CONV_2D || n->op == ECNN_OP_DEPTHWISE_CONV_2D) {
      const ecnn_tensor *w = &g->tensors[n->inputs[1]], *b = &g->tensors[n->inputs[2]];
      const ecnn_tensor *in = &g->tensors[n->inputs[0]];
      const int32_t axis = n->op == ECNN_OP_CONV_2D ? 0 : 3, oc = w->dims[axis];
      ck_assert_int_eq(w->dtype, ECNN_DTYPE_I8);
      ck_assert_int_eq(w->quant.count, oc);
      ck_assert_int_eq(w->quant.axis, axis);
      int32_t peak = 0; /* (one assertion per weight would take Check seconds) */
      for (int64_t i = 0; i < ecnn_tensor_elements(w); i++) {
        const int32_t v = abs(((const int8_t *)w->data)[i]);
        peak = v > peak ? v : peak;
      }
      ck_assert_int_eq(peak, 127); /* symmetric, in [-127, 127]: some channel reaches 127 */
      ck_assert_int_eq(b->dtype, ECNN_DTYPE_I32);
      ck_assert_int_eq(b->quant.count, oc);
      int32_t bad = 0;
      for (int32_t c = 0; c < oc; c++) {
        const double want = (double)in->quant.scale[0] * w->quant.scale[c];
        bad += w->quant.zero_point[c] != 0 || b->quant.zero_point[c] != 0 ||
               fabs(b->quant.scale[c] - want) > 1e-6 * want;
      }
      ck_assert_msg(!bad, "%d channels with a nonzero zero point or a bias scale other than "
                    "input x weight scale", (int)bad);
    }
    if (n->op == ECNN_OP_RESHAPE || n->op == ECNN_OP_CONCATENATION || n->op == ECNN_OP_PAD ||
        n->op == ECNN_OP_MAX_POOL_2D) { /* TFLite: inputs and output share one scale */
      const ecnn_tensor *out = &g->tensors[n->outputs[0]];
      const int32_t count = n->op == ECNN_OP_CONCATENATION ? n->num_inputs : 1;
      for (int32_t i = 0; i < count; i++) {
        const ecnn_tensor *in = &g->tensors[n->inputs[i]];
        ck_assert(in->quant.scale[0] == out->quant.scale[0]);
        ck_assert_int_eq(in->quant.zero_point[0], out->quant.zero_point[0]);
      }
    }
  }
}

/* Mean |int8 - float| over every output, in quanta of the output's scale. */
static void check_outputs(const qcase *c, const ecnn_model *fm, const ecnn_model *qm,
                          const ecnn_graph *qg, const char *input) {
  float *x = photo(input, c->size), *a[MAX_OUT], *b[MAX_OUT];
  size_t na[MAX_OUT], nb[MAX_OUT];
  run(fm, x, c->size, a, na);
  run(qm, x, c->size, b, nb);
  for (int32_t o = 0; o < qg->num_outputs; o++) {
    ck_assert_uint_eq(na[o], nb[o]);
    /* the output's scale: the DEQUANTIZE's input */
    const ecnn_node *dq = &qg->nodes[qg->num_nodes - qg->num_outputs + o];
    const double scale = qg->tensors[dq->inputs[0]].quant.scale[0];
    double sum = 0;
    for (size_t i = 0; i < na[o]; i++) sum += fabs((double)a[o][i] - b[o][i]);
    const double mean = sum / (double)na[o] / scale;
    /* measured: SSD 0.4-0.7, BlazeFace 1.3-2.3 (its background logits span 130); a wrong
     * zero point or scale anywhere is tens */
    ck_assert_msg(mean <= 4.0, "%s %s output %d: int8 off by %.2f quanta on average", c->model,
                  input, (int)o, mean);
  }
  free_outputs(a, qg->num_outputs), free_outputs(b, qg->num_outputs);
  free(x);
}

static float iou(const ecnn_detection *a, const ecnn_detection *b) {
  const float w = fminf(a->xmax, b->xmax) - fmaxf(a->xmin, b->xmin);
  const float h = fminf(a->ymax, b->ymax) - fmaxf(a->ymin, b->ymin);
  if (w <= 0 || h <= 0) return 0;
  const float areas = (a->xmax - a->xmin) * (a->ymax - a->ymin) +
                      (b->xmax - b->xmin) * (b->ymax - b->ymin);
  return w * h / (areas - w * h);
}

/* Every detection of `a` scoring at least `sure` has one in `b` of its class at IoU >= 0.5
 * whose score is within 0.05 (b runs at a lower threshold, so a score a little under `sure`
 * still counts). */
static void all_found(const ecnn_detection *a, int32_t na, const ecnn_detection *b, int32_t nb,
                      float sure, const char *what) {
  for (int32_t i = 0; i < na; i++) {
    if (a[i].score < sure) continue;
    bool found = false;
    for (int32_t j = 0; j < nb && !found; j++)
      found = b[j].class_id == a[i].class_id && iou(&a[i], &b[j]) >= 0.5f &&
              fabsf(a[i].score - b[j].score) <= 0.05f;
    ck_assert_msg(found, "%s: class %d score %.3f has no match", what, (int)a[i].class_id,
                  (double)a[i].score);
  }
}

/* The int8 model detects what the float one does on the test photos. */
static void same_detections(const qcase *c, const uint8_t *file, size_t size) {
  char path[512];
  snprintf(path, sizeof path, "%s/ecnn_quantize_%d.tflite", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
           (int)c->size);
  ck_assert_int_eq(tu_write_file(path, file, size), 0);
  ecnn_config fc, qc;
  ecnn_config_init(&fc), ecnn_config_init(&qc);
  ck_assert_int_eq(ecnn_config_load_for_model(&fc, tu_model_path(c->model)), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_config_load_for_model(&qc, tu_model_path(c->model)), ECNN_STATUS_OK);
  snprintf(qc.model_path, sizeof qc.model_path, "%s", path);
  fc.decode.score_threshold = qc.decode.score_threshold = 0.25f;
  ecnn_detector *fd = NULL, *qd = NULL;
  ecnn_session_options o;
  ecnn_session_options_init(&o);
  ck_assert_int_eq(ecnn_detector_create(&fc, &o, &fd), ECNN_STATUS_OK);
  o.precision = ECNN_PRECISION_INT8;
  ck_assert_msg(ecnn_detector_create(&qc, &o, &qd) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  static const char *const photos[] = {"astronaut", "coffee"};
  int32_t total = 0;
  for (int i = 0; i < 2; i++) {
    char name[256];
    snprintf(name, sizeof name, "%s_%dx%d.rgb", photos[i], (int)c->size, (int)c->size);
    size_t n = 0;
    uint8_t *rgb = tu_read_file(tu_golden_path(name), &n);
    ck_assert_ptr_nonnull(rgb);
    ecnn_image im = {.format = ECNN_PIXEL_RGB24, .width = c->size, .height = c->size};
    im.planes[0] = rgb;
    im.strides[0] = c->size * 3;
    ecnn_detection a[64], b[64];
    int32_t na = 0, nb = 0;
    ck_assert_int_eq(ecnn_detector_detect(fd, &im, a, 64, &na), ECNN_STATUS_OK);
    ck_assert_int_eq(ecnn_detector_detect(qd, &im, b, 64, &nb), ECNN_STATUS_OK);
    all_found(a, na, b, nb, 0.35f, "float -> int8");
    all_found(b, nb, a, na, 0.35f, "int8 -> float");
    for (int32_t k = 0; k < na; k++) total += a[k].score >= 0.35f;
    free(rgb);
  }
  ck_assert_int_ge(total, 1); /* the photos do hold something confident (a person, a cup; a face) */
  ecnn_detector_free(fd), ecnn_detector_free(qd);
  ecnn_config_clear(&fc), ecnn_config_clear(&qc);
  remove(path);
}

static void quantize_and_run(const qcase *c) {
  uint8_t *bytes;
  size_t size;
  ecnn_quantizer *q = calibrated(c, &bytes, &size);
  if (!q) return; /* models not fetched: tests/engine/meson.build says how */
  ecnn_graph g;
  ecnn_graph_init(&g);
  ck_assert_msg(ecnn_quantizer_build(q, NULL, &g) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  check_structure(&g);
  ecnn_model *fm = NULL, *qm = NULL, *rm = NULL;
  ck_assert_int_eq(ecnn_model_load_buffer(bytes, size, &fm), ECNN_STATUS_OK);
  /* the written file: loads back to the same model, a quarter of the weight bytes */
  uint8_t *file = NULL;
  size_t file_size = 0;
  ecnn_quantize_report rep;
  ck_assert_msg(ecnn_quantizer_write(q, NULL, &file, &file_size, &rep) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  ck_assert_int_eq(rep.calibration_runs, 2);
  ck_assert_int_eq(rep.ops, g.num_nodes);
  ck_assert(rep.int8_weight_bytes * 3 < rep.float_weight_bytes);
  ck_assert(rep.int8_weight_bytes * 5 > rep.float_weight_bytes);
  /* the file against the float32 weights (the float file may hold fp16 ones); TFLite keeps
   * per-channel zero points as int64, which weighs on small models */
  ck_assert(file_size * 2 < rep.float_weight_bytes);
  ck_assert_msg(ecnn_model_load_buffer(file, file_size, &rm) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  /* the stats tell an int8 model from a float one (cnninfer skips calibration for it) */
  ecnn_model_stats fs, rs;
  ck_assert_int_eq(ecnn_model_get_stats(fm, &fs), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_model_get_stats(rm, &rs), ECNN_STATUS_OK);
  ck_assert_int_eq(fs.quantized_ops, 0);
  int32_t quantized = 0;
  for (int32_t k = 0; k < rm->graph.num_nodes; k++) quantized += rm->graph.nodes[k].quantized;
  ck_assert_int_gt(quantized, rm->graph.num_nodes / 2);
  ck_assert_int_eq(rs.quantized_ops, quantized);
  ck_assert_int_eq(ecnn_model_from_graph(&g, &qm), ECNN_STATUS_OK); /* takes the graph */
  check_outputs(c, fm, qm, &qm->graph, "astronaut");
  check_outputs(c, fm, qm, &qm->graph, "rand1");
  float *x = photo("coffee", c->size), *a[MAX_OUT], *b[MAX_OUT];
  size_t na[MAX_OUT], nb[MAX_OUT];
  run(qm, x, c->size, a, na);
  run(rm, x, c->size, b, nb);
  for (int32_t o = 0; o < qm->graph.num_outputs; o++) {
    ck_assert_uint_eq(na[o], nb[o]);
    ck_assert_msg(!memcmp(a[o], b[o], na[o] * sizeof(float)), "the written model runs differently");
  }
  free_outputs(a, qm->graph.num_outputs), free_outputs(b, qm->graph.num_outputs);
  free(x);
  same_detections(c, file, file_size);
  ecnn_model_free(fm), ecnn_model_free(qm), ecnn_model_free(rm);
  free(file);
  ecnn_quantizer_free(q);
  free(bytes);
}

START_TEST(test_quantize_ssd) { quantize_and_run(&ssd); }
END_TEST

START_TEST(test_quantize_blazeface) { quantize_and_run(&face); }
END_TEST

/* float_outputs: BlazeFace's four head convs (and the reshapes / concatenations after them)
 * stay float behind DEQUANTIZEs, the rest is int8, and the outputs come closer to the float
 * model's than the all-int8 model's do (its score logits span 130: one quantum is 0.52). */
START_TEST(test_float_outputs) {
  uint8_t *bytes;
  size_t size;
  ecnn_quantizer *q = calibrated(&face, &bytes, &size);
  if (!q) return;
  ecnn_quantize_options o;
  ecnn_quantize_options_init(&o);
  ck_assert(!o.float_outputs);
  ecnn_graph all, mixed;
  ecnn_graph_init(&all), ecnn_graph_init(&mixed);
  ck_assert_int_eq(ecnn_quantizer_build(q, &o, &all), ECNN_STATUS_OK);
  o.float_outputs = true;
  ck_assert_msg(ecnn_quantizer_build(q, &o, &mixed) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  int32_t float_convs = 0, int8_convs = 0, dequantize = 0;
  for (int32_t k = 0; k < mixed.num_nodes; k++) {
    const ecnn_node *n = &mixed.nodes[k];
    dequantize += n->op == ECNN_OP_DEQUANTIZE;
    if (n->op != ECNN_OP_CONV_2D) continue;
    const bool f = mixed.tensors[n->outputs[0]].dtype == ECNN_DTYPE_F32;
    ck_assert_int_eq(mixed.tensors[n->inputs[1]].dtype, f ? ECNN_DTYPE_F32 : ECNN_DTYPE_I8);
    ck_assert(f == !n->quantized);
    float_convs += f, int8_convs += !f;
  }
  ck_assert_int_eq(float_convs, 4); /* two scales x (boxes, scores) */
  ck_assert_int_gt(int8_convs, 10);
  ck_assert_int_ge(dequantize, 1);
  for (int32_t i = 0; i < mixed.num_outputs; i++)
    ck_assert_int_eq(mixed.tensors[mixed.outputs[i]].dtype, ECNN_DTYPE_F32);
  ecnn_model *fm = NULL, *am = NULL, *mm = NULL;
  ck_assert_int_eq(ecnn_model_load_buffer(bytes, size, &fm), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_model_from_graph(&all, &am), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_model_from_graph(&mixed, &mm), ECNN_STATUS_OK);
  float *x = photo("astronaut", face.size), *f[MAX_OUT], *a[MAX_OUT], *m[MAX_OUT];
  size_t nf[MAX_OUT], na[MAX_OUT], nm[MAX_OUT];
  run(fm, x, face.size, f, nf), run(am, x, face.size, a, na), run(mm, x, face.size, m, nm);
  for (int32_t out = 0; out < 2; out++) {
    double ea = 0, em = 0;
    for (size_t i = 0; i < nf[out]; i++)
      ea += fabs((double)f[out][i] - a[out][i]), em += fabs((double)f[out][i] - m[out][i]);
    ck_assert_msg(em < ea, "output %d: float heads off by %g on average, all-int8 by %g",
                  (int)out, em / (double)nf[out], ea / (double)nf[out]);
  }
  free_outputs(f, 2), free_outputs(a, 2), free_outputs(m, 2);
  free(x);
  ecnn_model_free(fm), ecnn_model_free(am), ecnn_model_free(mm);
  ecnn_quantizer_free(q);
  free(bytes);
}
END_TEST

/* Percentile calibration gives every activation a range no wider than min / max does. */
START_TEST(test_percentile) {
  uint8_t *bytes;
  size_t size;
  ecnn_quantizer *q = calibrated(&face, &bytes, &size);
  if (!q) return;
  ecnn_graph a, b;
  ecnn_graph_init(&a), ecnn_graph_init(&b);
  ecnn_quantize_options o;
  ecnn_quantize_options_init(&o);
  ck_assert_int_eq(o.method, ECNN_CALIBRATION_MINMAX);
  ck_assert_int_eq(ecnn_quantizer_build(q, &o, &a), ECNN_STATUS_OK);
  o.method = ECNN_CALIBRATION_PERCENTILE;
  o.percentile = 99.9;
  ck_assert_int_eq(ecnn_quantizer_build(q, &o, &b), ECNN_STATUS_OK);
  int32_t narrower = 0;
  for (int32_t t = 0; t < a.num_tensors; t++) {
    if (a.tensors[t].data || a.tensors[t].dtype != ECNN_DTYPE_I8) continue;
    ck_assert(b.tensors[t].quant.scale[0] <= a.tensors[t].quant.scale[0] * (1 + 1e-6));
    narrower += b.tensors[t].quant.scale[0] < a.tensors[t].quant.scale[0] * 0.99f;
  }
  ck_assert_int_gt(narrower, 10);
  o.percentile = 40;
  ck_assert_int_eq(ecnn_quantizer_build(q, &o, &b), ECNN_STATUS_INVALID_ARGUMENT);
  ecnn_graph_clear(&a), ecnn_graph_clear(&b);
  ecnn_quantizer_free(q);
  free(bytes);
}
END_TEST

START_TEST(test_errors) {
  size_t size = 0;
  uint8_t *bytes = tu_read_file(tu_model_path(face.model), &size);
  if (!bytes) return;
  ecnn_quantizer *q = NULL;
  ck_assert_int_eq(ecnn_quantizer_create(NULL, 0, 1, &q), ECNN_STATUS_INVALID_MODEL);
  ck_assert_int_eq(ecnn_quantizer_create(bytes, 100, 1, &q), ECNN_STATUS_INVALID_MODEL);
  ck_assert_ptr_null(q);
  ck_assert_int_eq(ecnn_quantizer_create(bytes, size, 1, &q), ECNN_STATUS_OK);
  uint8_t *file = NULL;
  size_t file_size = 0;
  ck_assert_int_eq(ecnn_quantizer_write(q, NULL, &file, &file_size, NULL),
                   ECNN_STATUS_INVALID_STATE);
  ck_assert(strstr(ecnn_last_error(), "calibration"));
  float x[10] = {0};
  ck_assert_int_eq(ecnn_quantizer_observe(q, x, sizeof x), ECNN_STATUS_INVALID_ARGUMENT);
  float *p = photo("astronaut", face.size);
  ck_assert_int_eq(ecnn_quantizer_observe(q, p, (size_t)128 * 128 * 3 * 4), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_quantizer_write(q, NULL, &file, &file_size, NULL), ECNN_STATUS_OK);
  /* an int8 model cannot be quantized again */
  ecnn_quantizer *again = NULL;
  ck_assert_int_eq(ecnn_quantizer_create(file, file_size, 1, &again), ECNN_STATUS_UNSUPPORTED);
  ck_assert(strstr(ecnn_last_error(), "float32") || strstr(ecnn_last_error(), "quantized"));
  ecnn_quantizer_free(again);
  ecnn_quantizer_free(q);
  ecnn_quantizer_free(NULL);
  free(file);
  free(p);
  free(bytes);
}
END_TEST

int main(void) {
  Suite *s = suite_create("quantize");
  TCase *tc = tcase_create("quantize");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_quantize_ssd);
  tcase_add_test(tc, test_quantize_blazeface);
  tcase_add_test(tc, test_percentile);
  tcase_add_test(tc, test_float_outputs);
  tcase_add_test(tc, test_errors);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
