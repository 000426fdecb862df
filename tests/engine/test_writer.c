/*
 * test_writer.c — the TFLite writer (loader/tflite_write.h). The three real models go through
 * parse -> write -> parse and must come back the same field by field (ops, inputs, outputs,
 * every option, tensor names, dtypes, shapes, quantization, constant bytes, graph I/O), a
 * second write must give the same bytes, and models made from both graphs must give
 * bit-identical outputs. A hand-built int8 graph (QUANTIZE in, per-channel CONV_2D and
 * DEPTHWISE_CONV_2D weights with int32 biases, ADD, RESHAPE, CONCATENATION, DEQUANTIZE out)
 * keeps every quantization array and runs the same; a TFLite_Detection_PostProcess node keeps
 * its options (a FlexBuffer map with sorted keys); an absent optional input stays -1. The
 * file layout is checked (identifier, version, 16-byte aligned constant data, one operator
 * code per (op, version) with both code fields), and so are the graphs the writer must refuse
 * (packed weights, bad dtype, op or index). Operator versions, read back through each
 * operator's code, are TensorFlow Lite's for 117 float, hybrid, int8, uint8, int16 and int64
 * cases (per-channel and grouped weights, dilation, options, bias slots, broadcast rank).
 * A model missing from models/ (run models/fetch.sh) is reported and its test skipped.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "graph.h"
#include "loader/flatbuf.h"
#include "loader/flexbuf.h"
#include "loader/tflite.h"
#include "loader/tflite_opver.h"
#include "loader/tflite_write.h"
#include "model.h"
#include "test_util.h"

static const char *const models[] = {
    "ssd_mobilenetv2_oidv4_fp16.tflite",
    "face_detection_short_range.tflite",
    "selfie_segmentation.tflite",
};

/* The model's bytes, or NULL (with a note) when it is not there. */
static uint8_t *read_model(const char *name, size_t *size) {
  uint8_t *buf = tu_read_file(tu_model_path(name), size);
  if (!buf) printf("writer: %s not found (run models/fetch.sh): skipped\n", tu_model_path(name));
  return buf;
}

#define SAME(f) ck_assert_msg(a->f == b->f, "node %d: params." #f " differs", (int)k)
#define SAME_BITS(f) \
  ck_assert_msg(memcmp(&a->f, &b->f, sizeof a->f) == 0, "node %d: params." #f " differs", (int)k)

static void expect_same_params(const ecnn_op_params *a, const ecnn_op_params *b, int32_t k) {
  SAME(padding);
  SAME(stride_w);
  SAME(stride_h);
  SAME(dilation_w);
  SAME(dilation_h);
  SAME(filter_w);
  SAME(filter_h);
  SAME(depth_multiplier);
  SAME(activation);
  SAME(axis);
  SAME(keep_dims);
  SAME(align_corners);
  SAME(half_pixel_centers);
  SAME_BITS(beta);
  SAME_BITS(alpha);
  SAME(num_squeeze_dims);
  for (int32_t i = 0; i < a->num_squeeze_dims; i++) SAME(squeeze_dims[i]);
  SAME(num_new_shape);
  for (int32_t i = 0; i < a->num_new_shape; i++) SAME(new_shape[i]);
  SAME(detpp.max_detections);
  SAME(detpp.max_classes_per_detection);
  SAME(detpp.detections_per_class);
  SAME(detpp.num_classes);
  SAME_BITS(detpp.nms_score_threshold);
  SAME_BITS(detpp.nms_iou_threshold);
  SAME_BITS(detpp.y_scale);
  SAME_BITS(detpp.x_scale);
  SAME_BITS(detpp.h_scale);
  SAME_BITS(detpp.w_scale);
  SAME(detpp.use_regular_nms);
}

static void expect_same_graph(const ecnn_graph *a, const ecnn_graph *b) {
  ck_assert_int_eq(a->num_tensors, b->num_tensors);
  for (int32_t i = 0; i < a->num_tensors; i++) {
    const ecnn_tensor *x = &a->tensors[i], *y = &b->tensors[i];
    ck_assert_str_eq(x->name, y->name);
    ck_assert_msg(x->dtype == y->dtype && x->ndim == y->ndim, "tensor %d '%s': dtype or rank",
                  (int)i, x->name);
    ck_assert_msg(memcmp(x->dims, y->dims, (size_t)x->ndim * sizeof x->dims[0]) == 0,
                  "tensor %d '%s': shape", (int)i, x->name);
    ck_assert_msg(x->quant.count == y->quant.count && x->quant.axis == y->quant.axis,
                  "tensor %d '%s': %d/%d scales, axis %d/%d", (int)i, x->name,
                  (int)x->quant.count, (int)y->quant.count, (int)x->quant.axis,
                  (int)y->quant.axis);
    if (x->quant.count > 0) {
      ck_assert(memcmp(x->quant.scale, y->quant.scale, (size_t)x->quant.count * 4) == 0);
      ck_assert(memcmp(x->quant.zero_point, y->quant.zero_point, (size_t)x->quant.count * 4) ==
                0);
    }
    ck_assert_msg((x->data == NULL) == (y->data == NULL), "tensor %d '%s': constant or not",
                  (int)i, x->name);
    ck_assert_uint_eq(x->const_bytes, y->const_bytes);
    if (x->data)
      ck_assert_msg(memcmp(x->data, y->data, x->const_bytes) == 0, "tensor %d '%s': data",
                    (int)i, x->name);
    ck_assert(x->is_input == y->is_input && x->is_output == y->is_output);
  }
  ck_assert_int_eq(a->num_nodes, b->num_nodes);
  for (int32_t k = 0; k < a->num_nodes; k++) {
    const ecnn_node *x = &a->nodes[k], *y = &b->nodes[k];
    ck_assert_msg(x->op == y->op, "node %d: %s became %s", (int)k, ecnn_op_name(x->op),
                  ecnn_op_name(y->op));
    ck_assert_int_eq(x->num_inputs, y->num_inputs);
    ck_assert_int_eq(x->num_outputs, y->num_outputs);
    ck_assert(memcmp(x->inputs, y->inputs, (size_t)x->num_inputs * 4) == 0);
    ck_assert(memcmp(x->outputs, y->outputs, (size_t)x->num_outputs * 4) == 0);
    expect_same_params(&x->params, &y->params, k);
  }
  ck_assert_int_eq(a->num_inputs, b->num_inputs);
  ck_assert_int_eq(a->num_outputs, b->num_outputs);
  ck_assert(memcmp(a->inputs, b->inputs, (size_t)a->num_inputs * 4) == 0);
  ck_assert(memcmp(a->outputs, b->outputs, (size_t)a->num_outputs * 4) == 0);
}

/* Writes g and parses the file back into *back; returns the file. */
static uint8_t *round_trip(const ecnn_graph *g, ecnn_graph *back, size_t *size) {
  uint8_t *file = NULL;
  ck_assert_msg(ecnn_tflite_write(g, &file, size) == ECNN_STATUS_OK, "write: %s",
                ecnn_last_error());
  ck_assert_ptr_nonnull(file);
  ecnn_graph_init(back);
  ck_assert_msg(ecnn_tflite_parse(file, *size, back) == ECNN_STATUS_OK, "parse: %s",
                ecnn_last_error());
  return file;
}

/* The builtin code and version of the first `max` operators of the file, read through their
 * OperatorCodes (version 1 when the field is left out, the schema's default). Returns how
 * many operators were read. */
static int32_t file_op_versions(const uint8_t *file, size_t size, int32_t *builtin,
                                int32_t *version, int32_t max) {
  fb_buf b = {file, size};
  fb_table model, sg;
  fb_vec codes, sgs, ops;
  ck_assert_int_eq(fb_root(&b, &model), ECNN_STATUS_OK);
  ck_assert_int_eq(fb_vector(&model, 1, 4, &codes, "codes"), ECNN_STATUS_OK);
  ck_assert_int_eq(fb_vector(&model, 2, 4, &sgs, "subgraphs"), ECNN_STATUS_OK);
  ck_assert_int_eq(fb_vec_table(&sgs, 0, &sg, "subgraph"), ECNN_STATUS_OK);
  ck_assert_int_eq(fb_vector(&sg, 3, 4, &ops, "operators"), ECNN_STATUS_OK);
  int32_t n = 0;
  for (; n < (int32_t)ops.len && n < max; n++) {
    fb_table op, code;
    int32_t index = -1;
    ck_assert_int_eq(fb_vec_table(&ops, (uint32_t)n, &op, "operator"), ECNN_STATUS_OK);
    ck_assert_int_eq(fb_i32(&op, 0, 0, &index, "opcode index"), ECNN_STATUS_OK);
    ck_assert(index >= 0 && (uint32_t)index < codes.len);
    ck_assert_int_eq(fb_vec_table(&codes, (uint32_t)index, &code, "code"), ECNN_STATUS_OK);
    ck_assert_int_eq(fb_i32(&code, 3, -1, &builtin[n], "builtin"), ECNN_STATUS_OK);
    ck_assert_int_eq(fb_i32(&code, 2, 1, &version[n], "version"), ECNN_STATUS_OK);
  }
  return n;
}

/* Identifier, version, buffers (0 empty, one per constant, data 16-byte aligned), and one
 * operator code per (op, version) used, with deprecated_builtin_code and builtin_code both
 * set and the version of tflite_opver.h. */
static void expect_layout(const uint8_t *file, size_t size, const ecnn_graph *g) {
  ck_assert_uint_eq(size % 4, 0);
  ck_assert(memcmp(file + 4, "TFL3", 4) == 0);
  fb_buf b = {file, size};
  fb_table model;
  uint64_t version = 0;
  ck_assert_int_eq(fb_root(&b, &model), ECNN_STATUS_OK);
  ck_assert_int_eq(fb_scalar(&model, 0, 4, 0, &version, "version"), ECNN_STATUS_OK);
  ck_assert_uint_eq(version, 3);
  fb_vec buffers;
  ck_assert_int_eq(fb_vector(&model, 4, 4, &buffers, "buffers"), ECNN_STATUS_OK);
  uint32_t constants = 0;
  for (int32_t i = 0; i < g->num_tensors; i++) constants += g->tensors[i].data != NULL;
  ck_assert_uint_eq(buffers.len, 1 + constants);
  for (uint32_t i = 0; i < buffers.len; i++) {
    fb_table t;
    fb_vec data;
    ck_assert_int_eq(fb_vec_table(&buffers, i, &t, "buffer"), ECNN_STATUS_OK);
    ck_assert_int_eq(fb_vector(&t, 0, 1, &data, "data"), ECNN_STATUS_OK);
    ck_assert(i == 0 ? data.len == 0 : data.len > 0);
    ck_assert_msg(data.len == 0 || data.pos % 16 == 0, "buffer %u at %zu", i, data.pos);
  }
  /* one code per (op, version) used, each operator's code carrying its op's version */
  bool used[ECNN_OP_COUNT][ECNN_TFLITE_MAX_OP_VERSION + 1] = {{false}};
  uint32_t distinct = 0;
  for (int32_t k = 0; k < g->num_nodes; k++) {
    const int32_t v = ecnn_tflite_op_version(g, &g->nodes[k]);
    ck_assert_msg(v >= 1 && v <= ECNN_TFLITE_MAX_OP_VERSION, "node %d: version %d", (int)k, v);
    if (!used[g->nodes[k].op][v]) used[g->nodes[k].op][v] = true, distinct++;
  }
  fb_vec codes;
  ck_assert_int_eq(fb_vector(&model, 1, 4, &codes, "codes"), ECNN_STATUS_OK);
  ck_assert_uint_eq(codes.len, distinct);
  int32_t seen[ECNN_OP_COUNT * ECNN_TFLITE_MAX_OP_VERSION][2];
  for (uint32_t i = 0; i < codes.len; i++) {
    fb_table t;
    uint8_t dep = 0xff;
    int32_t code = -1, version = -1;
    ck_assert_int_eq(fb_vec_table(&codes, i, &t, "code"), ECNN_STATUS_OK);
    ck_assert_int_eq(fb_u8(&t, 0, 0xff, &dep, "deprecated"), ECNN_STATUS_OK);
    ck_assert_int_eq(fb_i32(&t, 3, -1, &code, "builtin"), ECNN_STATUS_OK);
    ck_assert_int_eq(fb_i32(&t, 2, 1, &version, "version"), ECNN_STATUS_OK);
    ck_assert_msg(code >= 0 && dep == (code < 127 ? code : 127), "code %u: %d / %u", i,
                  (int)code, dep);
    for (uint32_t j = 0; j < i; j++)
      ck_assert_msg(seen[j][0] != code || seen[j][1] != version, "codes %u and %u: %d v%d", j,
                    i, (int)code, (int)version);
    seen[i][0] = code, seen[i][1] = version;
  }
  int32_t op_code[256], op_version[256];
  const int32_t n = file_op_versions(file, size, op_code, op_version, 256);
  ck_assert_int_eq(n, g->num_nodes < 256 ? g->num_nodes : 256);
  for (int32_t k = 0; k < n; k++)
    ck_assert_msg(op_version[k] == ecnn_tflite_op_version(g, &g->nodes[k]), "%s node %d: v%d",
                  ecnn_op_name(g->nodes[k].op), (int)k, (int)op_version[k]);
}

/* Runs models a and b on the same pseudo-random inputs; every output must match bit for bit.
 * Returns the number of output bytes compared. */
static size_t expect_same_outputs(const ecnn_model *a, const ecnn_model *b, uint32_t seed) {
  ecnn_session *sa = NULL, *sb = NULL;
  ck_assert_int_eq(ecnn_session_create(a, NULL, &sa), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_session_create(b, NULL, &sb), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_model_input_count(a), ecnn_model_input_count(b));
  for (int32_t i = 0; i < ecnn_model_input_count(a); i++) {
    ecnn_tensor_info info;
    ck_assert_int_eq(ecnn_model_input_info(a, i, &info), ECNN_STATUS_OK);
    uint8_t *x = malloc(info.bytes + 4);
    if (info.dtype == ECNN_DTYPE_F32) {
      tu_fill_rand_f32((float *)x, info.bytes / 4, seed + (uint32_t)i);
    } else {
      uint32_t s = seed + (uint32_t)i;
      for (size_t j = 0; j < info.bytes; j++) {
        s = 1664525u * s + 1013904223u;
        x[j] = (uint8_t)(s >> 24);
      }
    }
    ck_assert_int_eq(ecnn_session_set_input(sa, i, x, info.bytes), ECNN_STATUS_OK);
    ck_assert_int_eq(ecnn_session_set_input(sb, i, x, info.bytes), ECNN_STATUS_OK);
    free(x);
  }
  ck_assert_msg(ecnn_session_run(sa) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ck_assert_msg(ecnn_session_run(sb) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ck_assert_int_eq(ecnn_model_output_count(a), ecnn_model_output_count(b));
  size_t compared = 0;
  for (int32_t o = 0; o < ecnn_model_output_count(a); o++) {
    const void *ya, *yb;
    ecnn_tensor_info ia, ib;
    ck_assert_int_eq(ecnn_session_output(sa, o, &ya, &ia), ECNN_STATUS_OK);
    ck_assert_int_eq(ecnn_session_output(sb, o, &yb, &ib), ECNN_STATUS_OK);
    ck_assert_int_eq(ia.dtype, ib.dtype);
    ck_assert_uint_eq(ia.bytes, ib.bytes);
    ck_assert_msg(memcmp(ya, yb, ia.bytes) == 0, "output %d differs", (int)o);
    compared += ia.bytes;
  }
  ecnn_session_free(sa);
  ecnn_session_free(sb);
  return compared;
}

/* Makes models of both graphs (which they take over) and compares their outputs. */
static size_t run_both(ecnn_graph *a, ecnn_graph *b, uint32_t seed) {
  ecnn_model *ma = NULL, *mb = NULL;
  ck_assert_msg(ecnn_model_from_graph(a, &ma) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ck_assert_msg(ecnn_model_from_graph(b, &mb) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  size_t n = expect_same_outputs(ma, mb, seed);
  ecnn_model_free(ma);
  ecnn_model_free(mb);
  return n;
}

/* parse -> write -> parse: the same graph, the same bytes when written again, the same
 * outputs */
START_TEST(test_model_round_trip) {
  size_t size = 0;
  uint8_t *orig = read_model(models[_i], &size);
  if (!orig) return;
  ecnn_graph g1, g2, g3;
  ecnn_graph_init(&g1);
  ck_assert_msg(ecnn_tflite_parse(orig, size, &g1) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  size_t n1 = 0, n2 = 0;
  uint8_t *file = round_trip(&g1, &g2, &n1);
  expect_same_graph(&g1, &g2);
  expect_layout(file, n1, &g1);
  uint8_t *again = round_trip(&g2, &g3, &n2);
  ck_assert_msg(n1 == n2 && memcmp(file, again, n1) == 0, "a second write differs");
  size_t compared = run_both(&g1, &g2, 1);
  printf("writer: %s: %zu -> %zu bytes, %d tensors, %d ops, %zu output bytes identical\n",
         models[_i], size, n1, (int)g3.num_tensors, (int)g3.num_nodes, compared);
  ecnn_graph_clear(&g1);
  ecnn_graph_clear(&g2);
  ecnn_graph_clear(&g3);
  free(orig);
  free(file);
  free(again);
}
END_TEST

/* ---- the hand-built int8 graph -------------------------------------------------------- */

static uint32_t lcg_state;
static int32_t lcg(int32_t lo, int32_t hi) {
  lcg_state = 1664525u * lcg_state + 1013904223u;
  return lo + (int32_t)((lcg_state >> 8) % (uint32_t)(hi - lo + 1));
}

static int32_t add_tensor(ecnn_graph *g, const char *name, ecnn_dtype dt, int32_t ndim,
                          const int32_t *dims, const void *data, size_t bytes) {
  int32_t id = ecnn_graph_add_tensor(g, name, dt, ndim, dims, data, bytes);
  ck_assert_msg(id >= 0, "%s", ecnn_last_error());
  return id;
}

static void set_quant(ecnn_graph *g, int32_t t, int32_t count, int32_t axis, const float *scale,
                      const int32_t *zp) {
  ck_assert_int_eq(ecnn_graph_set_quant(g, t, count, axis, scale, zp), ECNN_STATUS_OK);
}

static void add_node(ecnn_graph *g, ecnn_op op, const int32_t *in, int32_t nin, int32_t out,
                     const ecnn_op_params *p) {
  ck_assert_msg(ecnn_graph_add_node(g, op, in, nin, &out, 1, p) >= 0, "%s", ecnn_last_error());
}

/* x float [1,6,6,3] -> QUANTIZE -> CONV_2D 3x3 (4 output channels, per-channel scales on
 * axis 0, RELU) -> DEPTHWISE_CONV_2D 3x3 stride 2 (per-channel scales on axis 3) -> ADD of a
 * constant -> RESHAPE [1,36] -> CONCATENATION with a constant [1,8] -> DEQUANTIZE -> y float
 * [1,44]. Biases are int32 with scale input scale x weight scale per channel. */
static void build_int8_graph(ecnn_graph *g) {
  static const int32_t dx[4] = {1, 6, 6, 3}, dw1[4] = {4, 3, 3, 3}, db[1] = {4},
                       dc[4] = {1, 6, 6, 4}, dw2[4] = {1, 3, 3, 4}, dd[4] = {1, 3, 3, 4},
                       dsh[1] = {2}, dr[2] = {1, 36}, dk[2] = {1, 8}, dy[2] = {1, 44};
  static const float ws1[4] = {0.01f, 0.02f, 0.015f, 0.005f},
                     ws2[4] = {0.02f, 0.01f, 0.03f, 0.015f};
  static const int32_t zeros[4] = {0, 0, 0, 0}, shape[2] = {1, 36};
  const float xs = 0.008f, cs = 0.05f, ds = 0.04f, ks = 0.03f, as = 0.06f;
  const int32_t xz = 3, cz = -10, dz = 5, kz = -2, az = 1;
  int8_t w1[4 * 27], w2[36], k1[36], k2[8];
  int32_t b1[4], b2[4];
  float bs1[4], bs2[4];
  lcg_state = 42;
  for (int i = 0; i < 4 * 27; i++) w1[i] = (int8_t)lcg(-127, 127);
  for (int i = 0; i < 36; i++) w2[i] = (int8_t)lcg(-127, 127), k1[i] = (int8_t)lcg(-128, 127);
  for (int i = 0; i < 8; i++) k2[i] = (int8_t)lcg(-128, 127);
  for (int c = 0; c < 4; c++) {
    b1[c] = lcg(-2000, 2000), b2[c] = lcg(-500, 500);
    bs1[c] = xs * ws1[c], bs2[c] = cs * ws2[c];
  }
  ecnn_graph_init(g);
  int32_t x = add_tensor(g, "x", ECNN_DTYPE_F32, 4, dx, NULL, 0);
  int32_t xq = add_tensor(g, "x_int8", ECNN_DTYPE_I8, 4, dx, NULL, 0);
  set_quant(g, xq, 1, 0, &xs, &xz);
  int32_t tw1 = add_tensor(g, "conv/weights", ECNN_DTYPE_I8, 4, dw1, w1, sizeof w1);
  set_quant(g, tw1, 4, 0, ws1, zeros);
  int32_t tb1 = add_tensor(g, "conv/bias", ECNN_DTYPE_I32, 1, db, b1, sizeof b1);
  set_quant(g, tb1, 4, 0, bs1, zeros);
  int32_t c1 = add_tensor(g, "conv", ECNN_DTYPE_I8, 4, dc, NULL, 0);
  set_quant(g, c1, 1, 0, &cs, &cz);
  int32_t tw2 = add_tensor(g, "dw/weights", ECNN_DTYPE_I8, 4, dw2, w2, sizeof w2);
  set_quant(g, tw2, 4, 3, ws2, zeros);
  int32_t tb2 = add_tensor(g, "dw/bias", ECNN_DTYPE_I32, 1, db, b2, sizeof b2);
  set_quant(g, tb2, 4, 0, bs2, zeros);
  int32_t d1 = add_tensor(g, "dw", ECNN_DTYPE_I8, 4, dd, NULL, 0);
  set_quant(g, d1, 1, 0, &ds, &dz);
  int32_t tk1 = add_tensor(g, "add/const", ECNN_DTYPE_I8, 4, dd, k1, sizeof k1);
  set_quant(g, tk1, 1, 0, &ks, &kz);
  int32_t a1 = add_tensor(g, "add", ECNN_DTYPE_I8, 4, dd, NULL, 0);
  set_quant(g, a1, 1, 0, &as, &az);
  int32_t tsh = add_tensor(g, "reshape/shape", ECNN_DTYPE_I32, 1, dsh, shape, sizeof shape);
  int32_t r1 = add_tensor(g, "reshape", ECNN_DTYPE_I8, 2, dr, NULL, 0);
  set_quant(g, r1, 1, 0, &as, &az);
  int32_t tk2 = add_tensor(g, "concat/const", ECNN_DTYPE_I8, 2, dk, k2, sizeof k2);
  set_quant(g, tk2, 1, 0, &as, &az);
  int32_t o1 = add_tensor(g, "concat", ECNN_DTYPE_I8, 2, dy, NULL, 0);
  set_quant(g, o1, 1, 0, &as, &az);
  int32_t y = add_tensor(g, "y", ECNN_DTYPE_F32, 2, dy, NULL, 0);

  ecnn_op_params p;
  add_node(g, ECNN_OP_QUANTIZE, &x, 1, xq, NULL);
  ecnn_op_params_init(&p);
  p.activation = ECNN_ACT_RELU;
  const int32_t conv_in[3] = {xq, tw1, tb1};
  add_node(g, ECNN_OP_CONV_2D, conv_in, 3, c1, &p);
  ecnn_op_params_init(&p);
  p.stride_w = p.stride_h = 2;
  const int32_t dw_in[3] = {c1, tw2, tb2};
  add_node(g, ECNN_OP_DEPTHWISE_CONV_2D, dw_in, 3, d1, &p);
  const int32_t add_in[2] = {d1, tk1};
  add_node(g, ECNN_OP_ADD, add_in, 2, a1, NULL);
  ecnn_op_params_init(&p);
  p.num_new_shape = 2;
  p.new_shape[0] = 1, p.new_shape[1] = 36;
  const int32_t reshape_in[2] = {a1, tsh};
  add_node(g, ECNN_OP_RESHAPE, reshape_in, 2, r1, &p);
  ecnn_op_params_init(&p);
  p.axis = 1;
  const int32_t concat_in[2] = {r1, tk2};
  add_node(g, ECNN_OP_CONCATENATION, concat_in, 2, o1, &p);
  add_node(g, ECNN_OP_DEQUANTIZE, &o1, 1, y, NULL);
  g->num_inputs = 1, g->inputs[0] = x;
  g->num_outputs = 1, g->outputs[0] = y;
  g->tensors[x].is_input = g->tensors[y].is_output = true;
}

/* every scale, zero point and quantized dimension survives; outputs are bit-identical */
START_TEST(test_int8_round_trip) {
  ecnn_graph g, back;
  build_int8_graph(&g);
  size_t size = 0;
  uint8_t *file = round_trip(&g, &back, &size);
  expect_same_graph(&g, &back);
  expect_layout(file, size, &g);
  /* spot checks on what the comparison covers: per-channel axis 0 and 3, int32 bias scales */
  ck_assert_int_eq(back.tensors[2].quant.count, 4);
  ck_assert_int_eq(back.tensors[2].quant.axis, 0);
  ck_assert_int_eq(back.tensors[5].quant.axis, 3);
  ck_assert_float_eq(back.tensors[3].quant.scale[1], 0.008f * 0.02f);
  ck_assert_int_eq(back.tensors[1].quant.zero_point[0], 3);
  ecnn_model *ma = NULL, *mb = NULL;
  ck_assert_msg(ecnn_model_from_graph(&g, &ma) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ck_assert_msg(ecnn_model_load_buffer(file, size, &mb) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  ck_assert_int_eq(ecnn_model_op_count(mb), 7);
  for (uint32_t seed = 1; seed <= 3; seed++)
    ck_assert_uint_eq(expect_same_outputs(ma, mb, seed), 44 * 4);
  ecnn_model_free(ma);
  ecnn_model_free(mb);
  ecnn_graph_clear(&back);
  free(file);
}
END_TEST

/* ---- TFLite_Detection_PostProcess ----------------------------------------------------- */

static const float pp_anchors[12] = {0.5f, 0.5f, 0.2f, 0.2f, 0.52f, 0.5f, 0.2f, 0.2f,
                                     0.1f, 0.1f, 0.1f, 0.1f};

/* boxes [1,3,4] + scores [1,3,3] + constant anchors [3,4] -> the detection op (4 outputs) */
static void build_detpp_graph(ecnn_graph *g, bool regular) {
  const int32_t db[3] = {1, 3, 4}, dc[3] = {1, 3, 3}, da[2] = {3, 4};
  ecnn_graph_init(g);
  int32_t tb = add_tensor(g, "boxes", ECNN_DTYPE_F32, 3, db, NULL, 0);
  int32_t tc = add_tensor(g, "scores", ECNN_DTYPE_F32, 3, dc, NULL, 0);
  int32_t ta = add_tensor(g, "anchors", ECNN_DTYPE_F32, 2, da, pp_anchors, sizeof pp_anchors);
  static const char *const names[4] = {"detection_boxes", "detection_classes",
                                       "detection_scores", "num_detections"};
  int32_t outs[4];
  for (int i = 0; i < 4; i++) outs[i] = add_tensor(g, names[i], ECNN_DTYPE_F32, 0, NULL, NULL, 0);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.detpp.max_detections = 3;
  p.detpp.max_classes_per_detection = 1;
  p.detpp.detections_per_class = regular ? 7 : 100;
  p.detpp.num_classes = 2;
  p.detpp.nms_score_threshold = 0.3f;
  p.detpp.nms_iou_threshold = 0.55f;
  p.detpp.y_scale = 10.0f, p.detpp.x_scale = 10.5f;
  p.detpp.h_scale = 5.0f, p.detpp.w_scale = 5.25f;
  p.detpp.use_regular_nms = regular;
  const int32_t ins[3] = {tb, tc, ta};
  ck_assert_int_ge(ecnn_graph_add_node(g, ECNN_OP_DETECTION_POSTPROCESS, ins, 3, outs, 4, &p), 0);
  g->num_inputs = 2, g->inputs[0] = tb, g->inputs[1] = tc;
  g->num_outputs = 4;
  for (int i = 0; i < 4; i++) g->outputs[i] = outs[i], g->tensors[outs[i]].is_output = true;
  g->tensors[tb].is_input = g->tensors[tc].is_input = true;
}

/* The custom op's code and options map: keys strictly sorted, as FlexBuffers lookups need. */
static void expect_detpp_file(const uint8_t *file, size_t size) {
  fb_buf b = {file, size};
  fb_table model, sg, op, code;
  fb_vec v, custom;
  ck_assert_int_eq(fb_root(&b, &model), ECNN_STATUS_OK);
  ck_assert_int_eq(fb_vector(&model, 1, 4, &v, "codes"), ECNN_STATUS_OK);
  ck_assert_int_eq(v.len, 1);
  ck_assert_int_eq(fb_vec_table(&v, 0, &code, "code"), ECNN_STATUS_OK);
  const char *name;
  uint32_t len;
  int32_t builtin;
  ck_assert_int_eq(fb_string(&code, 1, &name, &len, "custom code"), ECNN_STATUS_OK);
  ck_assert(len == strlen("TFLite_Detection_PostProcess") &&
            memcmp(name, "TFLite_Detection_PostProcess", len) == 0);
  ck_assert_int_eq(fb_i32(&code, 3, -1, &builtin, "builtin"), ECNN_STATUS_OK);
  ck_assert_int_eq(builtin, 32); /* CUSTOM */
  ck_assert_int_eq(fb_vector(&model, 2, 4, &v, "subgraphs"), ECNN_STATUS_OK);
  ck_assert_int_eq(fb_vec_table(&v, 0, &sg, "subgraph"), ECNN_STATUS_OK);
  ck_assert_int_eq(fb_vector(&sg, 3, 4, &v, "operators"), ECNN_STATUS_OK);
  ck_assert_int_eq(fb_vec_table(&v, 0, &op, "operator"), ECNN_STATUS_OK);
  ck_assert_int_eq(fb_vector(&op, 5, 1, &custom, "custom options"), ECNN_STATUS_OK);
  fx_map m;
  ck_assert_int_eq(fx_map_root(fb_vec_data(&custom), custom.len, &m, "options"), ECNN_STATUS_OK);
  ck_assert_int_eq(m.len, 11);
  const char *prev = NULL;
  for (uint32_t i = 0; i < m.len; i++) {
    size_t at = m.keys + (size_t)i * m.key_width;
    uint32_t back = 0;
    for (size_t k = 0; k < m.key_width; k++) back |= (uint32_t)m.data[at + k] << (8 * k);
    ck_assert(back <= at);
    const char *key = (const char *)m.data + at - back;
    ck_assert_ptr_nonnull(memchr(key, 0, (size_t)((const char *)m.data + m.size - key)));
    if (prev) ck_assert_msg(strcmp(prev, key) < 0, "keys '%s' then '%s'", prev, key);
    prev = key;
  }
  double d;
  ecnn_status st;
  ck_assert(fx_map_number(&m, "use_regular_nms", &d, &st) && st == ECNN_STATUS_OK);
}

/* the options come back (fast and regular NMS), the outputs are bit-identical */
START_TEST(test_detection_postprocess) {
  for (int regular = 0; regular < 2; regular++) {
    ecnn_graph g, back;
    build_detpp_graph(&g, regular);
    size_t size = 0;
    uint8_t *file = round_trip(&g, &back, &size);
    expect_same_graph(&g, &back);
    expect_layout(file, size, &g);
    expect_detpp_file(file, size);
    ck_assert_int_eq(back.nodes[0].params.detpp.detections_per_class, regular ? 7 : 100);
    ck_assert(back.nodes[0].params.detpp.use_regular_nms == (bool)regular);
    ck_assert_float_eq(back.nodes[0].params.detpp.w_scale, 5.25f);
    run_both(&g, &back, 5);
    free(file);
  }
}
END_TEST

/* an absent optional input (a CONV_2D without bias) is written as -1 and stays absent */
START_TEST(test_absent_input) {
  const int32_t dx[4] = {1, 3, 3, 2}, dw[4] = {2, 1, 1, 2};
  const float w[4] = {0.5f, -1.0f, 2.0f, 0.25f};
  ecnn_graph g, back;
  ecnn_graph_init(&g);
  int32_t x = add_tensor(&g, "x", ECNN_DTYPE_F32, 4, dx, NULL, 0);
  int32_t tw = add_tensor(&g, "w", ECNN_DTYPE_F32, 4, dw, w, sizeof w);
  int32_t y = add_tensor(&g, "y", ECNN_DTYPE_F32, 4, dx, NULL, 0);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.padding = ECNN_PADDING_VALID;
  p.activation = ECNN_ACT_RELU6;
  const int32_t in[3] = {x, tw, -1};
  add_node(&g, ECNN_OP_CONV_2D, in, 3, y, &p);
  g.num_inputs = 1, g.inputs[0] = x;
  g.num_outputs = 1, g.outputs[0] = y;
  g.tensors[x].is_input = g.tensors[y].is_output = true;
  size_t size = 0;
  uint8_t *file = round_trip(&g, &back, &size);
  expect_same_graph(&g, &back);
  ck_assert_int_eq(back.nodes[0].num_inputs, 3);
  ck_assert_int_eq(back.nodes[0].inputs[2], -1);
  ck_assert_int_eq(back.nodes[0].params.activation, ECNN_ACT_RELU6);
  run_both(&g, &back, 9);
  free(file);
}
END_TEST

/* ---- operator versions ---------------------------------------------------------------- */

/* A graph of unconnected cases, one node each, with the version TensorFlow Lite's rules
 * (op_version.cc) give it; shapes only need to mean what the rule reads. */
#define MAX_CASES 128
typedef struct vcases {
  ecnn_graph g;
  int32_t expect[MAX_CASES];
  const char *what[MAX_CASES];
} vcases;

/* A tensor of dtype dt (zeros when constant); int8 / uint8 / int16 ones get one scale. */
static int32_t vt(ecnn_graph *g, ecnn_dtype dt, int32_t ndim, const int32_t *dims,
                  bool constant) {
  ecnn_tensor probe = {.dtype = dt, .ndim = ndim};
  memcpy(probe.dims, dims, (size_t)ndim * sizeof dims[0]);
  const size_t bytes = ecnn_tensor_bytes(&probe);
  void *zeros = constant ? calloc(bytes ? bytes : 1, 1) : NULL;
  char name[16];
  snprintf(name, sizeof name, "t%d", (int)g->num_tensors);
  int32_t id = add_tensor(g, name, dt, ndim, dims, zeros, constant ? bytes : 0);
  free(zeros);
  if (dt == ECNN_DTYPE_I8 || dt == ECNN_DTYPE_U8 || dt == ECNN_DTYPE_I16) {
    const float scale = 0.05f;
    const int32_t zp = 0;
    set_quant(g, id, 1, 0, &scale, &zp);
  }
  return id;
}

/* count scales of `scale` along axis (count 1: per tensor; 0: not quantized) */
static void vquant(ecnn_graph *g, int32_t t, int32_t count, int32_t axis, float scale) {
  float s[16];
  int32_t z[16] = {0};
  for (int32_t i = 0; i < count; i++) s[i] = scale;
  if (count == 0) {
    g->tensors[t].quant.count = 0;
    return;
  }
  set_quant(g, t, count, axis, s, z);
}

static void vcase(vcases *v, ecnn_op op, const int32_t *in, int32_t nin, int32_t out,
                  const ecnn_op_params *p, int32_t expect, const char *what) {
  const int32_t k = v->g.num_nodes;
  ck_assert_int_lt(k, MAX_CASES);
  add_node(&v->g, op, in, nin, out, p);
  v->expect[k] = expect;
  v->what[k] = what;
}

/* One-input op on [1,8,8,4] of dtype dt (out: out_dt). */
static void vunary(vcases *v, ecnn_op op, ecnn_dtype dt, ecnn_dtype out_dt,
                   const ecnn_op_params *p, int32_t expect, const char *what) {
  static const int32_t d[4] = {1, 8, 8, 4};
  const int32_t x = vt(&v->g, dt, 4, d, false), y = vt(&v->g, out_dt, 4, d, false);
  vcase(v, op, &x, 1, y, p, expect, what);
}

/* CONV_2D / DEPTHWISE_CONV_2D on [1,8,8,4]: weights w_dims of dtype wt with wq scales along
 * the output-channel axis (0 / 3); a bias of out channels, int32 for integer inputs. */
static void vconv(vcases *v, ecnn_op op, ecnn_dtype in, ecnn_dtype wt, int32_t wq,
                  const int32_t *w_dims, const ecnn_op_params *p, int32_t expect,
                  const char *what) {
  static const int32_t dx[4] = {1, 8, 8, 4};
  const bool dw = op == ECNN_OP_DEPTHWISE_CONV_2D;
  const int32_t oc = dw ? w_dims[3] : w_dims[0], db[1] = {oc}, dy[4] = {1, 8, 8, oc};
  const int32_t x = vt(&v->g, in, 4, dx, false), w = vt(&v->g, wt, 4, w_dims, true);
  vquant(&v->g, w, wt == ECNN_DTYPE_F32 ? 0 : wq, dw ? 3 : 0, 0.01f);
  const ecnn_dtype bt = in == ECNN_DTYPE_F32 ? ECNN_DTYPE_F32 : ECNN_DTYPE_I32;
  const int32_t ins[3] = {x, w, vt(&v->g, bt, 1, db, true)};
  vcase(v, op, ins, 3, vt(&v->g, in, 4, dy, false), p, expect, what);
}

/* FULLY_CONNECTED [1,16] x [8,16] (+ bias: 1 present, 0 absent (-1), -1 no slot). */
static void vfc(vcases *v, ecnn_dtype in, ecnn_dtype wt, int32_t wq, int bias, bool keep_dims,
                int32_t expect, const char *what) {
  static const int32_t dx[2] = {1, 16}, dw[2] = {8, 16}, db[1] = {8}, dy[2] = {1, 8};
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.keep_dims = keep_dims;
  const int32_t x = vt(&v->g, in, 2, dx, false), w = vt(&v->g, wt, 2, dw, true);
  vquant(&v->g, w, wt == ECNN_DTYPE_F32 ? 0 : wq, 0, 0.01f);
  const ecnn_dtype bt = in == ECNN_DTYPE_F32 ? ECNN_DTYPE_F32 : ECNN_DTYPE_I32;
  const int32_t ins[3] = {x, w, bias > 0 ? vt(&v->g, bt, 1, db, true) : -1};
  vcase(v, ECNN_OP_FULLY_CONNECTED, ins, bias < 0 ? 2 : 3, vt(&v->g, in, 2, dy, false), &p,
        expect, what);
}

/* A two-input op: a (na dims) op b (nb dims), dtype dt, output shaped like a. */
static void vbinary(vcases *v, ecnn_op op, ecnn_dtype dt, int32_t na, const int32_t *da,
                    int32_t nb, const int32_t *db, int32_t expect, const char *what) {
  const int32_t ins[2] = {vt(&v->g, dt, na, da, false), vt(&v->g, dt, nb, db, false)};
  vcase(v, op, ins, 2, vt(&v->g, dt, na, da, false), NULL, expect, what);
}

/* MUL of int8 tensors with scales sa, sb and output scale sy. */
static void vmul_q(vcases *v, float sa, float sb, float sy, int32_t expect, const char *what) {
  static const int32_t d[4] = {1, 4, 4, 4};
  const int32_t a = vt(&v->g, ECNN_DTYPE_I8, 4, d, false);
  const int32_t b = vt(&v->g, ECNN_DTYPE_I8, 4, d, false);
  const int32_t y = vt(&v->g, ECNN_DTYPE_I8, 4, d, false);
  vquant(&v->g, a, 1, 0, sa), vquant(&v->g, b, 1, 0, sb), vquant(&v->g, y, 1, 0, sy);
  const int32_t ins[2] = {a, b};
  vcase(v, ECNN_OP_MUL, ins, 2, y, NULL, expect, what);
}

/* RESIZE_* from [1,4,4,4] to [1,8,8,4] of dtype dt. */
static void vresize(vcases *v, ecnn_op op, ecnn_dtype dt, bool align, bool half, int32_t expect,
                    const char *what) {
  static const int32_t dx[4] = {1, 4, 4, 4}, dy[4] = {1, 8, 8, 4}, ds[1] = {2};
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.align_corners = align, p.half_pixel_centers = half;
  const int32_t ins[2] = {vt(&v->g, dt, 4, dx, false), vt(&v->g, ECNN_DTYPE_I32, 1, ds, true)};
  vcase(v, op, ins, 2, vt(&v->g, dt, 4, dy, false), &p, expect, what);
}

/* TRANSPOSE_CONV [1,4,4,4] -> [1,8,8,4], weights of dtype wt, with or without bias. */
static void vtconv(vcases *v, ecnn_dtype dt, ecnn_dtype wt, bool bias, ecnn_activation act,
                   int32_t expect, const char *what) {
  static const int32_t ds[1] = {4}, dw[4] = {4, 3, 3, 4}, dx[4] = {1, 4, 4, 4}, db[1] = {4},
                       dy[4] = {1, 8, 8, 4};
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.stride_w = p.stride_h = 2;
  p.activation = act;
  const ecnn_dtype bt = dt == ECNN_DTYPE_F32 ? ECNN_DTYPE_F32 : ECNN_DTYPE_I32;
  const int32_t ins[4] = {vt(&v->g, ECNN_DTYPE_I32, 1, ds, true), vt(&v->g, wt, 4, dw, true),
                          vt(&v->g, dt, 4, dx, false), bias ? vt(&v->g, bt, 1, db, true) : -1};
  vcase(v, ECNN_OP_TRANSPOSE_CONV, ins, 4, vt(&v->g, dt, 4, dy, false), &p, expect, what);
}

/* PAD / PADV2 of an ndim-D tensor of dtype dt. */
static void vpad(vcases *v, ecnn_op op, ecnn_dtype dt, int32_t ndim, int32_t expect,
                 const char *what) {
  static const int32_t d[5] = {1, 2, 4, 4, 4};
  const int32_t dp[2] = {ndim, 2}, one[1] = {1};
  const bool v2 = op == ECNN_OP_PADV2;
  int32_t ins[3] = {vt(&v->g, dt, ndim, d, false), vt(&v->g, ECNN_DTYPE_I32, 2, dp, true),
                    v2 ? vt(&v->g, dt, 1, one, true) : -1};
  vcase(v, op, ins, v2 ? 3 : 2, vt(&v->g, dt, ndim, d, false), NULL, expect, what);
}

/* The float cases: version 1 unless an option or a shape needs more. */
static void float_cases(vcases *v) {
  static const int32_t w[4] = {4, 3, 3, 4}, w_grouped[4] = {4, 3, 3, 2},
                       dw[4] = {1, 3, 3, 4}, dw_mult2[4] = {1, 3, 3, 8};
  static const int32_t d4[4] = {1, 2, 3, 4}, d4b[4] = {1, 1, 3, 4}, d5[5] = {1, 1, 2, 3, 4},
                       d5b[5] = {1, 2, 1, 3, 4};
  const ecnn_dtype F = ECNN_DTYPE_F32, I8 = ECNN_DTYPE_I8;
  ecnn_op_params p, dil;
  ecnn_op_params_init(&p);
  ecnn_op_params_init(&dil);
  dil.dilation_w = dil.dilation_h = 2;
  vconv(v, ECNN_OP_CONV_2D, F, F, 0, w, &p, 1, "float CONV_2D");
  vconv(v, ECNN_OP_CONV_2D, F, F, 0, w, &dil, 1, "dilated float CONV_2D (no rule)");
  vconv(v, ECNN_OP_CONV_2D, F, F, 0, w_grouped, &p, 6, "grouped float CONV_2D");
  vconv(v, ECNN_OP_CONV_2D, F, I8, 1, w, &p, 2, "hybrid CONV_2D, per-tensor");
  vconv(v, ECNN_OP_CONV_2D, F, I8, 4, w, &p, 5, "hybrid CONV_2D, per-channel");
  vconv(v, ECNN_OP_DEPTHWISE_CONV_2D, F, F, 0, dw, &p, 1, "float DEPTHWISE_CONV_2D");
  vconv(v, ECNN_OP_DEPTHWISE_CONV_2D, F, F, 0, dw, &dil, 2, "dilated float DEPTHWISE");
  dil.dilation_w = 1;
  vconv(v, ECNN_OP_DEPTHWISE_CONV_2D, F, F, 0, dw, &dil, 2, "float DEPTHWISE dilated in h");
  dil.dilation_w = 2;
  ecnn_op_params_init(&p);
  p.depth_multiplier = 2;
  vconv(v, ECNN_OP_DEPTHWISE_CONV_2D, F, F, 0, dw_mult2, &p, 1, "float DEPTHWISE multiplier 2");
  ecnn_op_params_init(&p);
  vconv(v, ECNN_OP_DEPTHWISE_CONV_2D, F, I8, 1, dw, &p, 4, "hybrid DEPTHWISE, per-tensor");
  vconv(v, ECNN_OP_DEPTHWISE_CONV_2D, F, I8, 4, dw, &p, 6, "hybrid DEPTHWISE, per-channel");
  vfc(v, F, F, 0, 1, false, 1, "float FULLY_CONNECTED");
  vfc(v, F, F, 0, 0, false, 1, "float FULLY_CONNECTED, bias -1");
  vfc(v, F, F, 0, -1, false, 6, "float FULLY_CONNECTED, two inputs");
  vfc(v, F, F, 0, 1, true, 5, "float FULLY_CONNECTED, keep_num_dims");
  vfc(v, F, I8, 1, 1, false, 3, "hybrid FULLY_CONNECTED, per-tensor");
  vfc(v, F, I8, 8, 1, false, 12, "hybrid FULLY_CONNECTED, per-channel");
  vtconv(v, F, F, false, ECNN_ACT_NONE, 1, "float TRANSPOSE_CONV");
  vtconv(v, F, F, true, ECNN_ACT_NONE, 3, "float TRANSPOSE_CONV with bias");
  vtconv(v, F, F, true, ECNN_ACT_RELU, 4, "float TRANSPOSE_CONV with RELU");
  vresize(v, ECNN_OP_RESIZE_BILINEAR, F, false, false, 1, "RESIZE_BILINEAR");
  vresize(v, ECNN_OP_RESIZE_BILINEAR, F, true, false, 1, "RESIZE_BILINEAR align_corners");
  vresize(v, ECNN_OP_RESIZE_BILINEAR, F, false, true, 3, "RESIZE_BILINEAR half_pixel_centers");
  vresize(v, ECNN_OP_RESIZE_NEAREST_NEIGHBOR, F, false, false, 1, "RESIZE_NEAREST");
  vresize(v, ECNN_OP_RESIZE_NEAREST_NEIGHBOR, F, true, false, 3, "RESIZE_NEAREST align_corners");
  vresize(v, ECNN_OP_RESIZE_NEAREST_NEIGHBOR, F, false, true, 3, "RESIZE_NEAREST half_pixel");
  vbinary(v, ECNN_OP_ADD, F, 4, d4, 4, d4b, 1, "float ADD, broadcast");
  vbinary(v, ECNN_OP_SUB, F, 4, d4, 4, d4b, 1, "float SUB, 4-D broadcast");
  vbinary(v, ECNN_OP_SUB, F, 5, d5, 5, d5b, 3, "float SUB, 5-D broadcast");
  vbinary(v, ECNN_OP_DIV, F, 5, d5, 5, d5b, 2, "float DIV, 5-D broadcast");
  vbinary(v, ECNN_OP_MAXIMUM, F, 5, d5, 5, d5b, 3, "float MAXIMUM, 5-D broadcast");
  vbinary(v, ECNN_OP_MINIMUM, F, 5, d5, 5, d5, 1, "float MINIMUM, 5-D, same shapes");
  vbinary(v, ECNN_OP_MUL, F, 4, d4, 4, d4, 1, "float MUL");
  vpad(v, ECNN_OP_PAD, F, 4, 1, "float PAD");
  vpad(v, ECNN_OP_PAD, F, 5, 4, "float PAD, 5-D");
  vpad(v, ECNN_OP_PADV2, F, 4, 1, "float PADV2");
  static const ecnn_op unary[] = {ECNN_OP_AVERAGE_POOL_2D, ECNN_OP_MAX_POOL_2D, ECNN_OP_MEAN,
                                  ECNN_OP_SOFTMAX, ECNN_OP_LOGISTIC, ECNN_OP_TANH, ECNN_OP_RELU,
                                  ECNN_OP_RELU6, ECNN_OP_RELU_N1_TO_1, ECNN_OP_LEAKY_RELU,
                                  ECNN_OP_HARD_SWISH, ECNN_OP_RESHAPE, ECNN_OP_SQUEEZE,
                                  ECNN_OP_CONCATENATION};
  for (size_t i = 0; i < sizeof unary / sizeof unary[0]; i++)
    vunary(v, unary[i], F, F, NULL, 1, ecnn_op_name(unary[i]));
  vunary(v, ECNN_OP_QUANTIZE, F, I8, NULL, 1, "QUANTIZE to int8");
  vunary(v, ECNN_OP_QUANTIZE, F, ECNN_DTYPE_I16, NULL, 2, "QUANTIZE to int16");
  vunary(v, ECNN_OP_DEQUANTIZE, ECNN_DTYPE_F16, F, NULL, 3, "DEQUANTIZE of float16");
}

/* The int8, uint8, int16 and int64 cases. */
static void integer_cases(vcases *v) {
  static const int32_t w[4] = {4, 3, 3, 4}, w_grouped[4] = {4, 3, 3, 2}, dw[4] = {1, 3, 3, 4},
                       d4[4] = {1, 2, 3, 4}, d4b[4] = {1, 1, 3, 4};
  const ecnn_dtype F = ECNN_DTYPE_F32, I8 = ECNN_DTYPE_I8, U8 = ECNN_DTYPE_U8,
                   I16 = ECNN_DTYPE_I16, I64 = ECNN_DTYPE_I64;
  ecnn_op_params p, dil;
  ecnn_op_params_init(&p);
  ecnn_op_params_init(&dil);
  dil.dilation_w = dil.dilation_h = 2;
  vconv(v, ECNN_OP_CONV_2D, I8, I8, 4, w, &p, 3, "int8 CONV_2D, per-channel");
  vconv(v, ECNN_OP_CONV_2D, I8, I8, 1, w, &p, 3, "int8 CONV_2D, per-tensor");
  vconv(v, ECNN_OP_CONV_2D, I8, I8, 4, w, &dil, 3, "dilated int8 CONV_2D");
  vconv(v, ECNN_OP_CONV_2D, I8, I8, 4, w_grouped, &p, 6, "grouped int8 CONV_2D");
  vconv(v, ECNN_OP_CONV_2D, U8, U8, 1, w, &p, 1, "uint8 CONV_2D");
  vconv(v, ECNN_OP_CONV_2D, I16, I16, 1, w, &p, 4, "int16 x int16 CONV_2D");
  vconv(v, ECNN_OP_DEPTHWISE_CONV_2D, I8, I8, 4, dw, &p, 3, "int8 DEPTHWISE, multiplier 1");
  vconv(v, ECNN_OP_DEPTHWISE_CONV_2D, I8, I8, 4, dw, &dil, 3, "dilated int8 DEPTHWISE");
  vconv(v, ECNN_OP_DEPTHWISE_CONV_2D, U8, U8, 1, dw, &p, 1, "uint8 DEPTHWISE");
  vconv(v, ECNN_OP_DEPTHWISE_CONV_2D, U8, U8, 1, dw, &dil, 2, "dilated uint8 DEPTHWISE");
  vconv(v, ECNN_OP_DEPTHWISE_CONV_2D, I16, I16, 1, dw, &p, 5, "int16 x int16 DEPTHWISE");
  vfc(v, I8, I8, 1, 1, false, 4, "int8 FULLY_CONNECTED");
  vfc(v, I8, I8, 8, 1, true, 5, "int8 FULLY_CONNECTED, keep_num_dims");
  vfc(v, I8, I8, 1, -1, false, 6, "int8 FULLY_CONNECTED, two inputs");
  vfc(v, U8, U8, 1, 1, false, 1, "uint8 FULLY_CONNECTED");
  vfc(v, I16, I16, 1, 1, false, 7, "int16 x int16 FULLY_CONNECTED");
  vtconv(v, I8, I8, false, ECNN_ACT_NONE, 2, "int8 TRANSPOSE_CONV");
  vtconv(v, I8, I8, true, ECNN_ACT_NONE, 3, "int8 TRANSPOSE_CONV with bias");
  vresize(v, ECNN_OP_RESIZE_BILINEAR, I8, false, false, 2, "int8 RESIZE_BILINEAR");
  vresize(v, ECNN_OP_RESIZE_BILINEAR, I8, false, true, 3, "int8 RESIZE_BILINEAR half_pixel");
  vresize(v, ECNN_OP_RESIZE_BILINEAR, I16, false, true, 4, "int16 RESIZE_BILINEAR");
  vresize(v, ECNN_OP_RESIZE_NEAREST_NEIGHBOR, I8, false, false, 2, "int8 RESIZE_NEAREST");
  vresize(v, ECNN_OP_RESIZE_NEAREST_NEIGHBOR, U8, false, false, 1, "uint8 RESIZE_NEAREST");
  vbinary(v, ECNN_OP_ADD, I8, 4, d4, 4, d4b, 2, "int8 ADD");
  vbinary(v, ECNN_OP_ADD, U8, 4, d4, 4, d4, 1, "uint8 ADD");
  vbinary(v, ECNN_OP_ADD, I16, 4, d4, 4, d4, 1, "quantized int16 ADD");
  vbinary(v, ECNN_OP_ADD, I64, 4, d4, 4, d4, 4, "int64 ADD");
  vbinary(v, ECNN_OP_SUB, I8, 4, d4, 4, d4, 2, "int8 SUB");
  vbinary(v, ECNN_OP_SUB, I64, 4, d4, 4, d4, 4, "int64 SUB");
  vbinary(v, ECNN_OP_MAXIMUM, I8, 4, d4, 4, d4b, 2, "int8 MAXIMUM");
  vbinary(v, ECNN_OP_MINIMUM, I16, 4, d4, 4, d4, 4, "int16 MINIMUM");
  vbinary(v, ECNN_OP_MUL, I16, 4, d4, 4, d4, 4, "quantized int16 MUL");
  vbinary(v, ECNN_OP_MUL, I64, 4, d4, 4, d4, 5, "int64 MUL");
  vmul_q(v, 0.05f, 0.05f, 0.1f, 2, "int8 MUL, rescale 0.025");
  vmul_q(v, 0.5f, 0.4f, 0.2f, 3, "int8 MUL, rescale 1");
  vpad(v, ECNN_OP_PAD, I8, 4, 2, "int8 PAD");
  vpad(v, ECNN_OP_PADV2, I8, 4, 2, "int8 PADV2");
  vpad(v, ECNN_OP_PAD, I16, 4, 3, "int16 PAD");
  vpad(v, ECNN_OP_PADV2, I8, 5, 4, "int8 PADV2, 5-D");
  static const ecnn_op v2[] = {ECNN_OP_AVERAGE_POOL_2D, ECNN_OP_MAX_POOL_2D, ECNN_OP_MEAN,
                               ECNN_OP_SOFTMAX, ECNN_OP_LOGISTIC, ECNN_OP_TANH, ECNN_OP_RELU,
                               ECNN_OP_RELU6, ECNN_OP_CONCATENATION};
  for (size_t i = 0; i < sizeof v2 / sizeof v2[0]; i++)
    vunary(v, v2[i], I8, I8, NULL, 2, ecnn_op_name(v2[i]));
  static const ecnn_op v1[] = {ECNN_OP_LEAKY_RELU, ECNN_OP_HARD_SWISH, ECNN_OP_RESHAPE,
                               ECNN_OP_SQUEEZE, ECNN_OP_RELU_N1_TO_1};
  for (size_t i = 0; i < sizeof v1 / sizeof v1[0]; i++)
    vunary(v, v1[i], I8, I8, NULL, 1, ecnn_op_name(v1[i]));
  vunary(v, ECNN_OP_AVERAGE_POOL_2D, U8, U8, NULL, 1, "uint8 AVERAGE_POOL_2D");
  vunary(v, ECNN_OP_RELU, U8, U8, NULL, 2, "uint8 RELU");
  vunary(v, ECNN_OP_SOFTMAX, I16, I16, NULL, 3, "int16 SOFTMAX");
  vunary(v, ECNN_OP_LOGISTIC, I16, I16, NULL, 3, "int16 LOGISTIC");
  vunary(v, ECNN_OP_TANH, I16, I8, NULL, 1, "int16 -> int8 TANH");
  vunary(v, ECNN_OP_LEAKY_RELU, I16, I16, NULL, 2, "int16 LEAKY_RELU");
  vunary(v, ECNN_OP_DEQUANTIZE, I8, F, NULL, 2, "DEQUANTIZE of int8");
  vunary(v, ECNN_OP_DEQUANTIZE, U8, F, NULL, 1, "DEQUANTIZE of uint8");
  vunary(v, ECNN_OP_DEQUANTIZE, I16, F, NULL, 3, "DEQUANTIZE of int16");
  vunary(v, ECNN_OP_DEQUANTIZE, I8, F, NULL, 5, "DEQUANTIZE of per-channel int8");
  vquant(&v->g, v->g.nodes[v->g.num_nodes - 1].inputs[0], 4, 3, 0.05f);
  vunary(v, ECNN_OP_QUANTIZE, F, I8, NULL, 3, "QUANTIZE to per-channel int8");
  vquant(&v->g, v->g.nodes[v->g.num_nodes - 1].outputs[0], 4, 3, 0.05f);
}

/* the versions in the file, read through each operator's code, are TFLite's; ops of one
 * builtin and version share a code, other versions get their own; the file reads back */
START_TEST(test_op_versions) {
  vcases *v = calloc(1, sizeof *v);
  ecnn_graph_init(&v->g);
  float_cases(v);
  integer_cases(v);
  bool pair[ECNN_OP_COUNT][ECNN_TFLITE_MAX_OP_VERSION + 1] = {{false}};
  uint32_t pairs = 0;
  for (int32_t k = 0; k < v->g.num_nodes; k++) {
    ck_assert_int_le(v->expect[k], ECNN_TFLITE_MAX_OP_VERSION);
    bool *seen = &pair[v->g.nodes[k].op][v->expect[k]];
    if (!*seen) *seen = true, pairs++;
  }
  ecnn_graph back;
  size_t size = 0;
  uint8_t *file = round_trip(&v->g, &back, &size);
  expect_same_graph(&v->g, &back);
  int32_t code[MAX_CASES], version[MAX_CASES];
  ck_assert_int_eq(file_op_versions(file, size, code, version, MAX_CASES), v->g.num_nodes);
  for (int32_t k = 0; k < v->g.num_nodes; k++)
    ck_assert_msg(version[k] == v->expect[k], "%s: version %d, TFLite's is %d", v->what[k],
                  (int)version[k], (int)v->expect[k]);
  fb_buf b = {file, size};
  fb_table model;
  fb_vec codes;
  ck_assert_int_eq(fb_root(&b, &model), ECNN_STATUS_OK);
  ck_assert_int_eq(fb_vector(&model, 1, 4, &codes, "codes"), ECNN_STATUS_OK);
  ck_assert_uint_eq(codes.len, pairs);
  expect_layout(file, size, &v->g);
  printf("writer: %d operator versions checked, %u operator codes\n", (int)v->g.num_nodes,
         codes.len);
  free(file);
  ecnn_graph_clear(&back);
  ecnn_graph_clear(&v->g);
  free(v);
}
END_TEST

/* ---- what the writer refuses ---------------------------------------------------------- */

static void small_graph(ecnn_graph *g) {
  const int32_t d[2] = {1, 4};
  const float c[4] = {1, 2, 3, 4};
  ecnn_graph_init(g);
  int32_t x = add_tensor(g, "x", ECNN_DTYPE_F32, 2, d, NULL, 0);
  int32_t k = add_tensor(g, "k", ECNN_DTYPE_F32, 2, d, c, sizeof c);
  int32_t y = add_tensor(g, "y", ECNN_DTYPE_F32, 2, d, NULL, 0);
  const int32_t in[2] = {x, k};
  add_node(g, ECNN_OP_ADD, in, 2, y, NULL);
  g->num_inputs = 1, g->inputs[0] = x;
  g->num_outputs = 1, g->outputs[0] = y;
}

static void expect_refused(const ecnn_graph *g, const char *words) {
  uint8_t *file = (uint8_t *)0x1;
  size_t size = 7;
  ck_assert_int_eq(ecnn_tflite_write(g, &file, &size), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_ptr_null(file);
  ck_assert_uint_eq(size, 0);
  ck_assert_msg(strstr(ecnn_last_error(), words) != NULL, "'%s' does not say '%s'",
                ecnn_last_error(), words);
}

START_TEST(test_refusals) {
  ecnn_graph g;
  small_graph(&g);
  uint8_t *file = NULL;
  size_t size = 0;
  ck_assert_int_eq(ecnn_tflite_write(&g, &file, &size), ECNN_STATUS_OK);
  free(file);
  g.tensors[1].packed = true;
  expect_refused(&g, "packed");
  g.tensors[1].packed = false;
  g.tensors[0].dtype = ECNN_DTYPE_COUNT;
  expect_refused(&g, "no TFLite tensor type");
  g.tensors[0].dtype = ECNN_DTYPE_F32;
  g.nodes[0].op = ECNN_OP_COUNT;
  expect_refused(&g, "not an op");
  g.nodes[0].op = ECNN_OP_ADD;
  g.nodes[0].inputs[1] = 3;
  expect_refused(&g, "input 1 is tensor 3 of 3");
  g.nodes[0].inputs[1] = 1;
  g.outputs[0] = -1;
  expect_refused(&g, "graph output 0");
  g.outputs[0] = 2;
  const float s[3] = {1, 1, 1};
  const int32_t z[3] = {0, 0, 0};
  set_quant(&g, 1, 3, 1, s, z); /* 3 scales along a dimension of 4 */
  expect_refused(&g, "per-channel");
  g.tensors[1].const_bytes = 8;
  g.tensors[1].quant.count = 0;
  expect_refused(&g, "8 bytes of constant data");
  ck_assert_int_eq(ecnn_tflite_write(NULL, &file, &size), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_tflite_write(&g, NULL, &size), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_tflite_write(&g, &file, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  g.tensors[1].const_bytes = 16;
  ecnn_graph_clear(&g);

  /* an empty graph is a valid (if useless) file */
  ecnn_graph e, back;
  ecnn_graph_init(&e);
  file = round_trip(&e, &back, &size);
  ck_assert_int_eq(back.num_tensors, 0);
  ck_assert_int_eq(back.num_nodes, 0);
  free(file);
  ecnn_graph_clear(&back);

  /* a loaded model's graph: its float conv weights are packed, the file layout is gone */
  ecnn_model *m = NULL;
  const char *path = tu_model_path("face_detection_short_range.tflite");
  if (ecnn_model_load_file(path, &m) != ECNN_STATUS_OK) {
    printf("writer: %s not found (run models/fetch.sh): packed-model check skipped\n", path);
    return;
  }
  bool packed = false;
  for (int32_t i = 0; i < m->graph.num_tensors; i++) packed |= m->graph.tensors[i].packed;
  ck_assert(packed);
  expect_refused(&m->graph, "packed");
  ecnn_model_free(m);
}
END_TEST

int main(void) {
  Suite *s = suite_create("writer");
  TCase *tc = tcase_create("writer");
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, test_model_round_trip, 0, (int)(sizeof models / sizeof models[0]));
  tcase_add_test(tc, test_int8_round_trip);
  tcase_add_test(tc, test_detection_postprocess);
  tcase_add_test(tc, test_absent_input);
  tcase_add_test(tc, test_op_versions);
  tcase_add_test(tc, test_refusals);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
