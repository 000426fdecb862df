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
 * code per op with both code fields), and so are the graphs the writer must refuse (packed
 * weights, bad dtype, op or index).
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

/* Identifier, version, buffers (0 empty, one per constant, data 16-byte aligned), and one
 * operator code per op used, with deprecated_builtin_code and builtin_code both set. */
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
  bool used[ECNN_OP_COUNT] = {false};
  uint32_t distinct = 0;
  for (int32_t k = 0; k < g->num_nodes; k++)
    if (!used[g->nodes[k].op]) used[g->nodes[k].op] = true, distinct++;
  fb_vec codes;
  ck_assert_int_eq(fb_vector(&model, 1, 4, &codes, "codes"), ECNN_STATUS_OK);
  ck_assert_uint_eq(codes.len, distinct);
  int32_t seen[ECNN_OP_COUNT];
  for (uint32_t i = 0; i < codes.len; i++) {
    fb_table t;
    uint8_t dep = 0xff;
    int32_t code = -1;
    ck_assert_int_eq(fb_vec_table(&codes, i, &t, "code"), ECNN_STATUS_OK);
    ck_assert_int_eq(fb_u8(&t, 0, 0xff, &dep, "deprecated"), ECNN_STATUS_OK);
    ck_assert_int_eq(fb_i32(&t, 3, -1, &code, "builtin"), ECNN_STATUS_OK);
    ck_assert_msg(code >= 0 && dep == (code < 127 ? code : 127), "code %u: %d / %u", i,
                  (int)code, dep);
    for (uint32_t j = 0; j < i; j++) ck_assert_int_ne(seen[j], code);
    seen[i] = code;
  }
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
  tcase_add_test(tc, test_refusals);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
