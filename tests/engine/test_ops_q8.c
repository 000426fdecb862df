/*
 * test_ops_q8.c — int8/uint8 reference kernels with TFLite integer semantics. Requantization
 * helpers at the rounding edges (values worked out by hand from TFLite's formulas: the doubling
 * high multiply rounds ties upward, the power-of-two divide rounds ties away from zero), and
 * every quantized op on small hand-built graphs with expected outputs computed by hand in the
 * comments.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "kernels/isa.h"
#include "kernels/q8_eltwise.h"
#include "ops/ops.h"
#include "ops/q8/quant.h"
#include "test_util.h"
#include "threadpool.h"
#include "../q8_test_data.h"

START_TEST(test_requant_helpers) {
  int32_t q, s;
  ecnn_quantize_multiplier(0.5, &q, &s);
  ck_assert_int_eq(q, 1 << 30);
  ck_assert_int_eq(s, 0);
  ck_assert_int_eq(ecnn_mbqm(100, q, s), 50);
  ck_assert_int_eq(ecnn_mbqm(3, q, s), 2);   /* 1.5: the high multiply rounds up */
  ck_assert_int_eq(ecnn_mbqm(-3, q, s), -1); /* -1.5: ... also upward */
  ecnn_quantize_multiplier(0.25, &q, &s);
  ck_assert_int_eq(q, 1 << 30);
  ck_assert_int_eq(s, -1);
  ck_assert_int_eq(ecnn_mbqm(6, q, s), 2);   /* 1.5 -> 2 (away from zero) */
  ck_assert_int_eq(ecnn_mbqm(-6, q, s), -2); /* -1.5 -> -2 */
  ck_assert_int_eq(ecnn_mbqm(5, q, s), 2);   /* 1.25: 2.5 after the high multiply, then 2 (TFLite's double rounding) */
  ecnn_quantize_multiplier(1.0, &q, &s);
  ck_assert_int_eq(s, 1);
  ck_assert_int_eq(ecnn_mbqm(7, q, s), 7);
  ecnn_quantize_multiplier(0.75, &q, &s);
  ck_assert_int_eq(q, 1610612736);
  ck_assert_int_eq(s, 0);
  ck_assert_int_eq(ecnn_mbqm(4, q, s), 3);
  ecnn_quantize_multiplier(1e-12, &q, &s);
  ck_assert_int_eq(q, 0);
  ck_assert_int_eq(ecnn_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
  ck_assert_int_eq(ecnn_rdbpot(-33, 1), -17);
  ck_assert_int_eq(ecnn_rdbpot(22, 2), 6);
  ck_assert_int_eq(ecnn_rdbpot(-22, 2), -6);
  ck_assert_int_eq(ecnn_rdbpot(-21, 2), -5);
  /* the convolutions' single-precision requantization: one rounding, ties to even */
  ecnn_quantize_multiplier(0.25, &q, &s);
  ck_assert(ecnn_q8_fscale(q, s) == 0.25f);
  ck_assert_int_eq(ecnn_q8_fround(5, 0.25f), 1);   /* 1.25 (mbqm: 2, rounding twice) */
  ck_assert_int_eq(ecnn_q8_fround(6, 0.25f), 2);   /* 1.5 -> 2 */
  ck_assert_int_eq(ecnn_q8_fround(10, 0.25f), 2);  /* 2.5 -> 2 (mbqm: 3) */
  ck_assert_int_eq(ecnn_q8_fround(-6, 0.25f), -2); /* -1.5 -> -2 */
  ck_assert_int_eq(ecnn_q8_fround(-10, 0.25f), -2); /* -2.5 -> -2 */
  ck_assert_int_eq(ecnn_q8_fround(7, 0.25f), 2);   /* 1.75 */
  ck_assert_int_eq(ecnn_q8_fround(-7, 0.25f), -2);
  ecnn_quantize_multiplier(0.75, &q, &s);
  ck_assert(ecnn_q8_fscale(q, s) == 0.75f);
  ck_assert_int_eq(ecnn_q8_fround(4, 0.75f), 3);
  /* the scale rounded to float: 1/3 is 0x3eaaaaab, a little above */
  ecnn_quantize_multiplier(1.0 / 3.0, &q, &s);
  ck_assert(ecnn_q8_fscale(q, s) == 1.0f / 3.0f);
  ck_assert_int_eq(ecnn_q8_fround(3000000, 1.0f / 3.0f), 1000000);
  /* a multiplier just below 1 rounds up to scale 1.0f (the kernels' `big` case) */
  ck_assert(ecnn_q8_fscale(INT32_MAX, 0) == 1.0f);
  /* float(acc) rounds: 2^24 + 1 is 2^24 in float */
  ck_assert_int_eq(ecnn_q8_fround((1 << 24) + 1, 1.0f), 1 << 24);
  /* past 2^31 the clamp: INT32_MAX becomes 2^31 in float, then the largest float below */
  ck_assert_int_eq(ecnn_q8_fround(INT32_MAX, 1.0f), 2147483520);
  ck_assert_int_eq(ecnn_q8_fround(1 << 30, ecnn_q8_fscale(1 << 30, 3)), 2147483520);
  ck_assert_int_eq(ecnn_q8_fround(INT32_MIN, 2.0f), INT32_MIN);
  ck_assert_int_eq(ecnn_q8_fround(-3, 0.0f), 0);
  /* shifts beyond any model's stay finite: no NaN from 0 x inf */
  ck_assert(ecnn_q8_fscale(INT32_MAX, 500) == 0x1p95f);
  ck_assert_int_eq(ecnn_q8_fround(0, ecnn_q8_fscale(INT32_MAX, 500)), 0);
  ck_assert_int_eq(ecnn_q8_fround(-1, ecnn_q8_fscale(INT32_MAX, 500)), INT32_MIN);
  ck_assert(ecnn_q8_fscale(1 << 30, -2000) == 0.0f);
}
END_TEST

/* A small graph with buffers for every non-constant tensor. */
typedef struct tg {
  ecnn_graph g;
  void *data[32];
} tg;

static int32_t tensor(tg *t, ecnn_dtype dt, int32_t ndim, const int32_t *dims, const void *data,
                      float scale, int32_t zp) {
  ecnn_tensor tmp = {.dtype = dt, .ndim = ndim};
  memcpy(tmp.dims, dims, (size_t)ndim * sizeof(int32_t));
  size_t bytes = data ? ecnn_tensor_bytes(&tmp) : 0;
  int32_t id = ecnn_graph_add_tensor(&t->g, "t", dt, ndim, dims, data, bytes);
  ck_assert_int_ge(id, 0);
  if (scale > 0) ck_assert_int_eq(ecnn_graph_set_quant(&t->g, id, 1, 0, &scale, &zp), ECNN_STATUS_OK);
  t->data[id] = data ? t->g.tensors[id].data : calloc(1, ecnn_tensor_bytes(&tmp) + 16);
  return id;
}

/* Adds the node, marks graph I/O, prepares; returns the status. */
static ecnn_status node(tg *t, ecnn_op op, const int32_t *in, int32_t nin, int32_t out,
                        const ecnn_op_params *p) {
  ck_assert_int_ge(ecnn_graph_add_node(&t->g, op, in, nin, &out, 1, p), 0);
  t->g.num_inputs = 0;
  for (int32_t i = 0; i < nin; i++)
    if (!t->g.tensors[in[i]].data) t->g.inputs[t->g.num_inputs++] = in[i];
  t->g.num_outputs = 1;
  t->g.outputs[0] = out;
  return ecnn_graph_prepare(&t->g);
}

static void run(tg *t) {
  ecnn_node *n = &t->g.nodes[0];
  ck_assert(n->quantized);
  ecnn_op_ctx ctx = {.graph = &t->g, .node = n, .data = t->data};
  ck_assert_msg(ecnn_q8_ops[n->op].run(&ctx) == ECNN_STATUS_OK, "%s", ecnn_last_error());
}

static void done(tg *t) {
  for (int32_t i = 0; i < t->g.num_tensors; i++)
    if (!t->g.tensors[i].data) free(t->data[i]);
  ecnn_graph_clear(&t->g);
}

static void conv1x1(ecnn_activation act, const int8_t *expect) {
  tg t = {0};
  ecnn_graph_init(&t.g);
  const int32_t din[4] = {1, 2, 2, 1}, dw[4] = {2, 1, 1, 1}, db[1] = {2}, dout[4] = {1, 2, 2, 2};
  const int8_t w[2] = {2, -3};
  const int32_t bias[2] = {4, -6};
  int32_t x = tensor(&t, ECNN_DTYPE_I8, 4, din, NULL, 0.5f, 0);
  int32_t wi = tensor(&t, ECNN_DTYPE_I8, 4, dw, w, 0, 0);
  const float ws[2] = {0.25f, 0.5f};
  const int32_t wz[2] = {0, 0};
  ck_assert_int_eq(ecnn_graph_set_quant(&t.g, wi, 2, 0, ws, wz), ECNN_STATUS_OK);
  int32_t bi = tensor(&t, ECNN_DTYPE_I32, 1, db, bias, 0, 0);
  int32_t y = tensor(&t, ECNN_DTYPE_I8, 4, dout, NULL, 1.0f, -5);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.activation = act;
  const int32_t ins[3] = {x, wi, bi};
  ck_assert_msg(node(&t, ECNN_OP_CONV_2D, ins, 3, y, &p) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  const int8_t xin[4] = {10, 20, -30, 40};
  memcpy(t.data[x], xin, 4);
  run(&t);
  ck_assert_mem_eq(t.data[y], expect, 8);
  done(&t);
}

START_TEST(test_conv_per_channel) {
  /* out[c] = fround(bias[c] + 2|-3 * q, 0.5 * ws[c] / 1) - 5, ties to even:
   * q=10: 24*.125=3 -> -2, -36*.25=-9 -> -14; q=20: 5.5 -> 6 -> 1, -16.5 -> -16 -> -21;
   * q=-30: -7 -> -12, 21 -> 16; q=40: 10.5 -> 10 -> 5, -31.5 -> -32 -> -37 */
  const int8_t none[8] = {-2, -14, 1, -21, -12, 16, 5, -37};
  conv1x1(ECNN_ACT_NONE, none);
  const int8_t relu[8] = {-2, -5, 1, -5, -5, 16, 5, -5}; /* RELU clamps at the zero point -5 */
  conv1x1(ECNN_ACT_RELU, relu);
}
END_TEST

START_TEST(test_depthwise_stride2_same) {
  tg t = {0};
  ecnn_graph_init(&t.g);
  const int32_t din[4] = {1, 3, 3, 1}, dw[4] = {1, 3, 3, 1}, dout[4] = {1, 2, 2, 1};
  const int8_t w[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  int32_t x = tensor(&t, ECNN_DTYPE_I8, 4, din, NULL, 1.0f, 0);
  int32_t wi = tensor(&t, ECNN_DTYPE_I8, 4, dw, w, 1.0f, 0);
  int32_t y = tensor(&t, ECNN_DTYPE_I8, 4, dout, NULL, 1.0f, 0);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.stride_w = p.stride_h = 2;
  const int32_t ins[2] = {x, wi};
  ck_assert_msg(node(&t, ECNN_OP_DEPTHWISE_CONV_2D, ins, 2, y, &p) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  const int8_t xin[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  memcpy(t.data[x], xin, 9);
  run(&t);
  /* SAME, 3 -> 2 with stride 2: one padded row/column before; windows sum 2x2 corners */
  const int8_t expect[4] = {12, 16, 24, 28};
  ck_assert_mem_eq(t.data[y], expect, 4);
  done(&t);
}
END_TEST

START_TEST(test_fc_uint8) {
  tg t = {0};
  ecnn_graph_init(&t.g);
  const int32_t din[2] = {1, 2}, dw[2] = {1, 2}, dout[2] = {1, 1};
  const uint8_t w[2] = {129, 127}; /* 1, -1 */
  int32_t x = tensor(&t, ECNN_DTYPE_U8, 2, din, NULL, 1.0f, 128);
  int32_t wi = tensor(&t, ECNN_DTYPE_U8, 2, dw, w, 1.0f, 128);
  int32_t y = tensor(&t, ECNN_DTYPE_U8, 2, dout, NULL, 1.0f, 128);
  const int32_t ins[2] = {x, wi};
  ck_assert_msg(node(&t, ECNN_OP_FULLY_CONNECTED, ins, 2, y, NULL) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  const uint8_t xin[2] = {130, 126}; /* 2, -2: 2*1 + -2*-1 = 4 */
  memcpy(t.data[x], xin, 2);
  run(&t);
  ck_assert_int_eq(((uint8_t *)t.data[y])[0], 132);
  done(&t);
}
END_TEST

static void binary(ecnn_op op, const int8_t *expect) {
  tg t = {0};
  ecnn_graph_init(&t.g);
  const int32_t da[4] = {1, 1, 2, 1}, db[1] = {1};
  int32_t a = tensor(&t, ECNN_DTYPE_I8, 4, da, NULL, 0.5f, 0);
  const int8_t bq[1] = {30}; /* (30 - 10) * 0.25 = 5 */
  int32_t b = tensor(&t, ECNN_DTYPE_I8, 1, db, bq, 0.25f, 10);
  int32_t y = op == ECNN_OP_ADD ? tensor(&t, ECNN_DTYPE_I8, 4, da, NULL, 1.0f, -3)
                                : tensor(&t, ECNN_DTYPE_I8, 4, da, NULL, 0.5f, 0);
  const int32_t ins[2] = {a, b};
  ck_assert_msg(node(&t, op, ins, 2, y, NULL) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  const int8_t ain[2] = {4, -6}; /* 2, -3 */
  memcpy(t.data[a], ain, 2);
  run(&t);
  ck_assert_mem_eq(t.data[y], expect, 2);
  done(&t);
}

START_TEST(test_add_mul_broadcast) {
  const int8_t add[2] = {4, -1};   /* 2 + 5 = 7 -> 7 - 3; -3 + 5 = 2 -> -1 */
  binary(ECNN_OP_ADD, add);
  const int8_t mul[2] = {20, -30}; /* 10 / 0.5; -15 / 0.5 */
  binary(ECNN_OP_MUL, mul);
}
END_TEST

static void pool(ecnn_op op, const int8_t *in, int8_t expect) {
  tg t = {0};
  ecnn_graph_init(&t.g);
  const int32_t din[4] = {1, 2, 2, 1}, dout[4] = {1, 1, 1, 1};
  int32_t x = tensor(&t, ECNN_DTYPE_I8, 4, din, NULL, 0.5f, 0);
  int32_t y = tensor(&t, ECNN_DTYPE_I8, 4, dout, NULL, 0.5f, 0);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.filter_w = p.filter_h = 2;
  p.padding = ECNN_PADDING_VALID;
  const int32_t ins[1] = {x};
  ck_assert_msg(node(&t, op, ins, 1, y, &p) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  memcpy(t.data[x], in, 4);
  run(&t);
  ck_assert_int_eq(((int8_t *)t.data[y])[0], expect);
  done(&t);
}

START_TEST(test_pools) {
  const int8_t a[4] = {1, 2, 3, 5}, b[4] = {-1, -2, -3, -5}, c[4] = {1, 7, -3, 5};
  pool(ECNN_OP_AVERAGE_POOL_2D, a, 3);  /* 11 / 4 = 2.75 -> 3 */
  pool(ECNN_OP_AVERAGE_POOL_2D, b, -3); /* -2.75 -> -3 */
  pool(ECNN_OP_MAX_POOL_2D, c, 7);
}
END_TEST

START_TEST(test_mean) {
  tg t = {0};
  ecnn_graph_init(&t.g);
  const int32_t din[4] = {1, 2, 2, 1}, dout[4] = {1, 1, 1, 1}, dax[1] = {2};
  const int32_t axes[2] = {1, 2};
  int32_t x = tensor(&t, ECNN_DTYPE_I8, 4, din, NULL, 0.5f, 0);
  int32_t ax = tensor(&t, ECNN_DTYPE_I32, 1, dax, axes, 0, 0);
  int32_t y = tensor(&t, ECNN_DTYPE_I8, 4, dout, NULL, 0.5f, 0);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.keep_dims = true;
  const int32_t ins[2] = {x, ax};
  ck_assert_msg(node(&t, ECNN_OP_MEAN, ins, 2, y, &p) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  const int8_t xin[4] = {1, 2, 3, 6}; /* mean 3 quanta */
  memcpy(t.data[x], xin, 4);
  run(&t);
  ck_assert_int_eq(((int8_t *)t.data[y])[0], 3);
  done(&t);
}
END_TEST

START_TEST(test_logistic_softmax) {
  tg t = {0};
  ecnn_graph_init(&t.g);
  const int32_t d[2] = {1, 2};
  int32_t x = tensor(&t, ECNN_DTYPE_I8, 2, d, NULL, 0.1f, 0);
  int32_t y = tensor(&t, ECNN_DTYPE_I8, 2, d, NULL, 1.0f / 256, -128);
  const int32_t ins[1] = {x};
  ck_assert_msg(node(&t, ECNN_OP_LOGISTIC, ins, 1, y, NULL) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  const int8_t xin[2] = {0, 20}; /* sigmoid(0) = .5 -> 0; sigmoid(2) = .8808 * 256 = 225 -> 97 */
  memcpy(t.data[x], xin, 2);
  run(&t);
  const int8_t e1[2] = {0, 97};
  ck_assert_mem_eq(t.data[y], e1, 2);
  done(&t);
  tg s = {0};
  ecnn_graph_init(&s.g);
  x = tensor(&s, ECNN_DTYPE_I8, 2, d, NULL, 1.0f, 0);
  y = tensor(&s, ECNN_DTYPE_I8, 2, d, NULL, 1.0f / 256, -128);
  const int32_t ins2[1] = {x};
  ck_assert_msg(node(&s, ECNN_OP_SOFTMAX, ins2, 1, y, NULL) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  const int8_t sin[2] = {5, 5}; /* equal logits: 0.5 each -> 128 - 128 = 0 */
  memcpy(s.data[x], sin, 2);
  run(&s);
  const int8_t e2[2] = {0, 0};
  ck_assert_mem_eq(s.data[y], e2, 2);
  done(&s);
}
END_TEST

START_TEST(test_concat_requant_and_pad) {
  tg t = {0};
  ecnn_graph_init(&t.g);
  const int32_t d1[2] = {1, 1}, d2[2] = {1, 2};
  /* uint8: inputs with other parameters are requantized (int8 models must share them) */
  int32_t a = tensor(&t, ECNN_DTYPE_U8, 2, d1, NULL, 1.0f, 0);
  int32_t b = tensor(&t, ECNN_DTYPE_U8, 2, d1, NULL, 0.5f, 0);
  int32_t y = tensor(&t, ECNN_DTYPE_U8, 2, d2, NULL, 1.0f, 0);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.axis = 1;
  const int32_t ins[2] = {a, b};
  ck_assert_msg(node(&t, ECNN_OP_CONCATENATION, ins, 2, y, &p) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  ((uint8_t *)t.data[a])[0] = 10;
  ((uint8_t *)t.data[b])[0] = 10; /* 5.0 in the output's scale */
  run(&t);
  const uint8_t e[2] = {10, 5};
  ck_assert_mem_eq(t.data[y], e, 2);
  done(&t);

  tg q = {0};
  ecnn_graph_init(&q.g);
  const int32_t din[4] = {1, 1, 1, 1}, dp[2] = {4, 2}, dout[4] = {1, 3, 3, 1};
  const int32_t pads[8] = {0, 0, 1, 1, 1, 1, 0, 0};
  int32_t x = tensor(&q, ECNN_DTYPE_I8, 4, din, NULL, 0.5f, -3);
  int32_t pi = tensor(&q, ECNN_DTYPE_I32, 2, dp, pads, 0, 0);
  int32_t o = tensor(&q, ECNN_DTYPE_I8, 4, dout, NULL, 0.5f, -3);
  const int32_t ins2[2] = {x, pi};
  ck_assert_msg(node(&q, ECNN_OP_PAD, ins2, 2, o, NULL) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ((int8_t *)q.data[x])[0] = 7;
  run(&q);
  const int8_t e3[9] = {-3, -3, -3, -3, 7, -3, -3, -3, -3}; /* padded with the zero point */
  ck_assert_mem_eq(q.data[o], e3, 9);
  done(&q);
}
END_TEST

/* MAX_POOL_2D and channel PAD on random int8 data of odd sizes, on every path the CPU has
 * (the fast kernels where the windows lie inside / only channels are padded, the generic code
 * else), against the definitions computed here. */
static uint32_t lcg = 7;
static int8_t rnd8(void) {
  lcg = 1664525u * lcg + 1013904223u;
  return (int8_t)(lcg >> 24);
}

static void maxpool_case(int32_t h, int32_t w, int32_t c, int32_t f, int32_t s, ecnn_padding pad,
                         ecnn_activation act, size_t *bad) {
  tg t = {0};
  ecnn_graph_init(&t.g);
  int32_t pt, pl;
  const int32_t oh = ecnn_conv_out_size(h, f, s, 1, pad, &pt);
  const int32_t ow = ecnn_conv_out_size(w, f, s, 1, pad, &pl);
  const int32_t din[4] = {2, h, w, c}, dout[4] = {2, oh, ow, c};
  int32_t x = tensor(&t, ECNN_DTYPE_I8, 4, din, NULL, 0.1f, -3);
  int32_t y = tensor(&t, ECNN_DTYPE_I8, 4, dout, NULL, 0.1f, -3);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.filter_w = p.filter_h = f, p.stride_w = p.stride_h = s, p.padding = pad, p.activation = act;
  const int32_t ins[1] = {x};
  ck_assert_msg(node(&t, ECNN_OP_MAX_POOL_2D, ins, 1, y, &p) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  int8_t *xi = t.data[x], *yo = t.data[y];
  for (int32_t i = 0; i < 2 * h * w * c; i++) xi[i] = rnd8();
  const int32_t lo = act == ECNN_ACT_RELU ? -3 : -128; /* RELU: the zero point */
  for (int v = 0; v < 2; v++) {
    ecnn_isa_set(v ? ecnn_isa_best() : ECNN_ISA_SCALAR);
    memset(yo, 0x5a, (size_t)2 * oh * ow * c);
    run(&t);
    for (int32_t b = 0; b < 2; b++)
      for (int32_t oy = 0; oy < oh; oy++)
        for (int32_t ox = 0; ox < ow; ox++)
          for (int32_t k = 0; k < c; k++) {
            int32_t m = -1000;
            for (int32_t iy = oy * s - pt; iy < oy * s - pt + f; iy++)
              for (int32_t ix = ox * s - pl; ix < ox * s - pl + f; ix++)
                if (iy >= 0 && iy < h && ix >= 0 && ix < w && xi[((b * h + iy) * w + ix) * c + k] > m)
                  m = xi[((b * h + iy) * w + ix) * c + k];
            *bad += yo[((b * oh + oy) * ow + ox) * c + k] != (m < lo ? lo : m);
          }
  }
  ecnn_isa_set(ecnn_isa_best());
  done(&t);
}

static void pad_case(int32_t h, int32_t w, int32_t c, int32_t before, int32_t after, size_t *bad) {
  tg t = {0};
  ecnn_graph_init(&t.g);
  const int32_t oc = before + c + after;
  const int32_t din[4] = {1, h, w, c}, dp[2] = {4, 2}, dout[4] = {1, h, w, oc};
  const int32_t pads[8] = {0, 0, 0, 0, 0, 0, before, after};
  int32_t x = tensor(&t, ECNN_DTYPE_I8, 4, din, NULL, 0.5f, -7);
  int32_t pi = tensor(&t, ECNN_DTYPE_I32, 2, dp, pads, 0, 0);
  int32_t o = tensor(&t, ECNN_DTYPE_I8, 4, dout, NULL, 0.5f, -7);
  const int32_t ins[2] = {x, pi};
  ck_assert_msg(node(&t, ECNN_OP_PAD, ins, 2, o, NULL) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  int8_t *xi = t.data[x], *yo = t.data[o];
  for (int32_t i = 0; i < h * w * c; i++) xi[i] = rnd8();
  for (int v = 0; v < 2; v++) {
    ecnn_isa_set(v ? ecnn_isa_best() : ECNN_ISA_SCALAR);
    memset(yo, 0x5a, (size_t)h * w * oc);
    run(&t);
    for (int32_t i = 0; i < h * w; i++)
      for (int32_t k = 0; k < oc; k++)
        *bad += yo[i * oc + k] != (k < before || k >= before + c ? -7 : xi[i * c + k - before]);
  }
  ecnn_isa_set(ecnn_isa_best());
  done(&t);
}

START_TEST(test_maxpool_pad_paths) {
  size_t bad = 0;
  maxpool_case(8, 6, 28, 2, 2, ECNN_PADDING_VALID, ECNN_ACT_NONE, &bad);  /* fast */
  maxpool_case(9, 7, 33, 2, 2, ECNN_PADDING_VALID, ECNN_ACT_RELU, &bad);  /* fast, odd */
  maxpool_case(6, 10, 42, 2, 2, ECNN_PADDING_SAME, ECNN_ACT_NONE, &bad);  /* fast: no padding */
  maxpool_case(7, 5, 5, 3, 2, ECNN_PADDING_SAME, ECNN_ACT_NONE, &bad);    /* generic */
  maxpool_case(5, 5, 3, 3, 1, ECNN_PADDING_VALID, ECNN_ACT_RELU, &bad);   /* fast, 3x3 */
  ck_assert_uint_eq(bad, 0);
  pad_case(5, 7, 24, 0, 4, &bad);
  pad_case(3, 9, 37, 2, 3, &bad);
  pad_case(4, 3, 100, 0, 60, &bad); /* wider than the vector path */
  pad_case(1, 1, 1, 0, 1, &bad);
  ck_assert_uint_eq(bad, 0);
}
END_TEST

/* ---- FULLY_CONNECTED on the CONV_2D kernels, against a loop written out here ---- */

/* Tensor id's buffer (tensor() leaves 16 bytes spare) replaced by one of exactly `bytes`, so
 * that ASan sees a read past the input. */
static void exact_buffer(tg *t, int32_t id, size_t bytes) {
  free(t->data[id]);
  t->data[id] = malloc(bytes);
}

/* A graph's node run on `pool` (NULL: inline). */
static void run_on(tg *t, ecnn_threadpool *pool) {
  ecnn_op_ctx ctx = {.graph = &t->g, .pool = pool, .node = &t->g.nodes[0], .data = t->data};
  ck_assert_msg(ecnn_q8_ops[t->g.nodes[0].op].run(&ctx) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
}

/* The clamp of a fused activation in the output's quantized domain, as TFLite derives it. */
static void q8_clamp(ecnn_activation act, bool u8, float scale, int32_t zp, int32_t *lo,
                     int32_t *hi) {
  *lo = u8 ? 0 : -128, *hi = u8 ? 255 : 127;
  const int32_t z = zp, one = (int32_t)lroundf(1.0f / scale), six = (int32_t)lroundf(6.0f / scale);
  if (act == ECNN_ACT_RELU || act == ECNN_ACT_RELU6) *lo = z > *lo ? z : *lo;
  if (act == ECNN_ACT_RELU6) *hi = z + six < *hi ? z + six : *hi;
  if (act == ECNN_ACT_RELU_N1_TO_1) {
    *lo = z - one > *lo ? z - one : *lo;
    *hi = z + one < *hi ? z + one : *hi;
  }
}

static int32_t q8_get(const void *p, size_t i, bool u8) {
  return u8 ? ((const uint8_t *)p)[i] : ((const int8_t *)p)[i];
}

/* One FULLY_CONNECTED of `rows` rows of I inputs to O outputs, case number v picking the
 * rest (dtype, per-channel or per-tensor scales, zero points, bias or none, activation, the
 * input's shape, whether the packed weights replace the file's), on the scalar and the best
 * path at 1 and 2 threads; counts the output bytes that differ from the definition. */
static void fc_case(int32_t rows, int32_t I, int32_t O, int v, ecnn_threadpool *pool2,
                    size_t *bad) {
  const bool u8 = v % 2, per_channel = v % 3 != 0, has_bias = v % 5 != 0;
  const ecnn_activation acts[4] = {ECNN_ACT_NONE, ECNN_ACT_RELU, ECNN_ACT_RELU6,
                                   ECNN_ACT_RELU_N1_TO_1};
  const ecnn_activation act = acts[v % 4];
  const ecnn_dtype dt = u8 ? ECNN_DTYPE_U8 : ECNN_DTYPE_I8;
  /* weight zero points: int8 0 (TFLite; the AVX2 / NEON int8 layouts, VNNI, sdot) or 3,
   * uint8 128 (int8 layout again) or 117 (int16) */
  const int32_t w_zp = u8 ? (v % 7 < 4 ? 128 : 117) : (v % 7 < 5 ? 0 : 3);
  const int32_t in_zp = u8 ? 100 + v % 50 : -20 + v % 41, out_zp = u8 ? 90 + v % 70 : -35 + v % 60;
  const float in_s = 0.05f;
  /* outputs a hundred quanta wide, so the clamps cut; every 6th case a tiny output scale
   * (multipliers above 1: left shifts) */
  const float out_s = v % 6 == 5 ? 0.0004f : 0.02f * sqrtf((float)I);
  float ws[64];
  int32_t wz[64];
  for (int32_t o = 0; o < O; o++) ws[o] = 0.004f + 0.001f * (float)((o * 7 + v) % 17), wz[o] = w_zp;
  tg t = {0};
  ecnn_graph_init(&t.g);
  uint8_t *wbytes = malloc((size_t)O * I);
  int32_t *bias = malloc((size_t)O * sizeof(int32_t));
  for (int32_t i = 0; i < O * I; i++) wbytes[i] = (uint8_t)rnd8();
  for (int32_t o = 0; o < O; o++) bias[o] = (int32_t)(rnd8() * 37);
  /* the input as [rows, I], [1, rows, I] with keep_num_dims, or flat [1, rows * I] */
  const int shape = v % 3;
  const int32_t d2[2] = {rows, I}, d3[3] = {1, rows, I}, dflat[2] = {1, rows * I};
  const int32_t dwt[2] = {O, I}, db[1] = {O}, do2[2] = {rows, O}, do3[3] = {1, rows, O};
  int32_t x = shape == 1   ? tensor(&t, dt, 3, d3, NULL, in_s, in_zp)
              : shape == 2 ? tensor(&t, dt, 2, dflat, NULL, in_s, in_zp)
                           : tensor(&t, dt, 2, d2, NULL, in_s, in_zp);
  int32_t wi = tensor(&t, dt, 2, dwt, wbytes, 0, 0);
  ck_assert_int_eq(ecnn_graph_set_quant(&t.g, wi, per_channel ? O : 1, 0, ws, wz),
                   ECNN_STATUS_OK);
  int32_t bi = tensor(&t, ECNN_DTYPE_I32, 1, db, bias, 0, 0);
  int32_t y = shape == 1 ? tensor(&t, dt, 3, do3, NULL, out_s, out_zp)
                         : tensor(&t, dt, 2, do2, NULL, out_s, out_zp);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.activation = act, p.keep_dims = shape == 1;
  const int32_t ins[3] = {x, wi, bi};
  ck_assert_msg(node(&t, ECNN_OP_FULLY_CONNECTED, ins, has_bias ? 3 : 2, y, &p) == ECNN_STATUS_OK,
                "%s", ecnn_last_error());
  /* what model.c does once the model is final (x86: packs for AVX2 / AVX-512 VNNI), the
   * packed copy in place of the file's weights (own) or beside them */
  const bool own = v % 4 < 2;
  ck_assert_int_eq(ecnn_q8_conv2d_pack_weights(&t.g, &t.g.nodes[0], own), ECNN_STATUS_OK);
  const bool x86 = ecnn_isa_best() == ECNN_ISA_AVX2 || ecnn_isa_best() == ECNN_ISA_AVX512;
  ck_assert(t.g.tensors[wi].packed == (own && x86));
  t.data[wi] = t.g.tensors[wi].data;
  exact_buffer(&t, x, (size_t)rows * I);
  uint8_t *xi = t.data[x], *yo = t.data[y];
  for (int32_t i = 0; i < rows * I; i++) xi[i] = (uint8_t)rnd8();
  int32_t lo, hi;
  q8_clamp(act, u8, out_s, out_zp, &lo, &hi);
  uint8_t *ref = malloc((size_t)rows * O);
  for (int32_t r = 0; r < rows; r++)
    for (int32_t o = 0; o < O; o++) {
      int32_t acc = has_bias ? bias[o] : 0;
      for (int32_t i = 0; i < I; i++)
        acc += (q8_get(xi, (size_t)r * I + i, u8) - in_zp) *
               (q8_get(wbytes, (size_t)o * I + i, u8) - w_zp);
      int32_t q, sh;
      ecnn_quantize_multiplier((double)in_s * ws[per_channel ? o : 0] / out_s, &q, &sh);
      const int32_t val = ecnn_q8_fround(acc, ecnn_q8_fscale(q, sh)) + out_zp;
      ref[r * O + o] = (uint8_t)(val < lo ? lo : val > hi ? hi : val);
    }
  for (int path = 0; path < 4; path++) {
    ecnn_isa_set(path / 2 ? ecnn_isa_best() : ECNN_ISA_SCALAR);
    memset(yo, 0x5a, (size_t)rows * O + 16);
    run_on(&t, path % 2 ? pool2 : NULL);
    size_t diff = 0;
    for (int32_t i = 0; i < rows * O; i++) diff += yo[i] != ref[i];
    for (int32_t i = rows * O; i < rows * O + 16; i++) diff += yo[i] != 0x5a; /* past the end */
    if (diff)
      fprintf(stderr, "FC rows %d I %d O %d case %d path %d: %zu bytes differ\n", (int)rows,
              (int)I, (int)O, v, path, diff);
    *bad += diff;
  }
  ecnn_isa_set(ecnn_isa_best());
  free(ref), free(wbytes), free(bias);
  done(&t);
}

START_TEST(test_fc_sweep) {
  /* rows below, at and across the 6- and 8-pixel tiles and the 24-pixel work units; inputs
   * odd, even, around the 8 and 16 of the vector loads and the 4 / 16 of the dot layouts;
   * outputs around the 16-channel blocks */
  const int32_t rows[] = {1, 2, 3, 5, 6, 7, 8, 12, 13, 30};
  const int32_t ins[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 70};
  const int32_t outs[] = {1, 5, 15, 16, 17, 31, 33, 40};
  ecnn_threadpool *pool2 = NULL;
  ck_assert_int_eq(ecnn_threadpool_create(2, &pool2), ECNN_STATUS_OK);
  size_t bad = 0;
  int v = 0;
  for (size_t r = 0; r < sizeof rows / sizeof *rows; r++)
    for (size_t i = 0; i < sizeof ins / sizeof *ins; i++)
      for (size_t o = 0; o < sizeof outs / sizeof *outs; o++)
        fc_case(rows[r], ins[i], outs[o], v++, pool2, &bad);
  ecnn_threadpool_free(pool2);
  ck_assert_uint_eq(bad, 0);
}
END_TEST

/* ---- broadcasting ADD / SUB, against the per-element definitions ---- */

/* out = a (op) b for a of shape da and b of shape db (TFLite's right-aligned broadcasting),
 * on the scalar and the best path at 1 and 2 threads; counts the bytes that differ. */
static void bcast_case(ecnn_op op, int32_t nda, const int32_t *da, int32_t ndb,
                       const int32_t *db, bool u8, ecnn_activation act, ecnn_threadpool *pool2,
                       size_t *bad) {
  const int32_t nd = nda > ndb ? nda : ndb;
  int32_t dout[ECNN_MAX_DIMS], ea[ECNN_MAX_DIMS], eb[ECNN_MAX_DIMS]; /* right-aligned */
  int64_t total = 1, na = 1, nb = 1;
  for (int32_t d = 0; d < nd; d++) {
    ea[d] = d - (nd - nda) >= 0 ? da[d - (nd - nda)] : 1;
    eb[d] = d - (nd - ndb) >= 0 ? db[d - (nd - ndb)] : 1;
    dout[d] = ea[d] > eb[d] ? ea[d] : eb[d];
    total *= dout[d], na *= ea[d], nb *= eb[d];
  }
  const ecnn_dtype dt = u8 ? ECNN_DTYPE_U8 : ECNN_DTYPE_I8;
  const float sa = 0.05f, sb = 0.03f, so = 0.06f;
  const int32_t za = u8 ? 120 : -7, zb = u8 ? 131 : 12, zo = u8 ? 125 : 3;
  tg t = {0};
  ecnn_graph_init(&t.g);
  int32_t a = tensor(&t, dt, nda, da, NULL, sa, za);
  int32_t b = tensor(&t, dt, ndb, db, NULL, sb, zb);
  int32_t y = tensor(&t, dt, nd, dout, NULL, so, zo);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.activation = act;
  const int32_t ins[2] = {a, b};
  ck_assert_msg(node(&t, op, ins, 2, y, &p) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  exact_buffer(&t, a, (size_t)na);
  exact_buffer(&t, b, (size_t)nb);
  uint8_t *xa = t.data[a], *xb = t.data[b], *yo = t.data[y];
  for (int64_t i = 0; i < na; i++) xa[i] = (uint8_t)rnd8();
  for (int64_t i = 0; i < nb; i++) xb[i] = (uint8_t)rnd8();
  int32_t lo, hi;
  q8_clamp(act, u8, so, zo, &lo, &hi);
  uint8_t *ref = malloc((size_t)total);
  for (int64_t i = 0; i < total; i++) {
    int64_t rest = i, ia = 0, ib = 0, stra = 1, strb = 1;
    for (int32_t d = nd - 1; d >= 0; d--) {
      const int64_t idx = rest % dout[d];
      rest /= dout[d];
      ia += (ea[d] == 1 ? 0 : idx) * stra, ib += (eb[d] == 1 ? 0 : idx) * strb;
      stra *= ea[d], strb *= eb[d];
    }
    int32_t exact;
    const int32_t once = q8_add_reference(op == ECNN_OP_SUB, u8, sa, sb, so, za, zb, zo, lo, hi,
                                          q8_get(xa, (size_t)ia, u8), q8_get(xb, (size_t)ib, u8),
                                          &exact);
    ck_assert_int_le(abs(once - exact), 1); /* (and not -1000: the engine's kernel) */
    ref[i] = (uint8_t)once;
  }
  for (int path = 0; path < 4; path++) {
    ecnn_isa_set(path / 2 ? ecnn_isa_best() : ECNN_ISA_SCALAR);
    memset(yo, 0x5a, (size_t)total + 16);
    run_on(&t, path % 2 ? pool2 : NULL);
    size_t diff = 0;
    for (int64_t i = 0; i < total; i++) diff += yo[i] != ref[i];
    for (int64_t i = total; i < total + 16; i++) diff += yo[i] != 0x5a;
    if (diff) {
      char sha_[64] = "", shb_[64] = "";
      for (int32_t d = 0; d < nda; d++)
        snprintf(sha_ + strlen(sha_), sizeof sha_ - strlen(sha_), "%d,", (int)da[d]);
      for (int32_t d = 0; d < ndb; d++)
        snprintf(shb_ + strlen(shb_), sizeof shb_ - strlen(shb_), "%d,", (int)db[d]);
      fprintf(stderr, "%s [%s] [%s] %s path %d: %zu bytes differ\n", ecnn_op_name(op), sha_, shb_,
              u8 ? "u8" : "i8", path, diff);
    }
    *bad += diff;
  }
  ecnn_isa_set(ecnn_isa_best());
  free(ref);
  done(&t);
}

START_TEST(test_add_broadcast_paths) {
  ecnn_threadpool *pool2 = NULL;
  ck_assert_int_eq(ecnn_threadpool_create(2, &pool2), ECNN_STATUS_OK);
  size_t bad = 0;
  int v = 0;
  /* channel counts under, at and over the kernels' 16 and the short runs' 32; odd ones */
  const int32_t cs[] = {1, 3, 5, 8, 13, 16, 17, 31, 32, 33, 70};
  for (size_t ci = 0; ci < sizeof cs / sizeof *cs; ci++) {
    const int32_t C = cs[ci], H = 3 + (int32_t)ci % 3, W = 5 + (int32_t)ci % 4;
    const int32_t full[4] = {1, H, W, C}, chan[4] = {1, 1, 1, C}, row[4] = {1, 1, W, C};
    const int32_t col[4] = {1, H, 1, C}, pix[4] = {1, H, W, 1}, c1[1] = {C}, one[1] = {1};
    const int32_t *shapes[6] = {chan, row, col, pix, c1, one};
    const int32_t nds[6] = {4, 4, 4, 4, 1, 1};
    for (int k = 0; k < 6; k++)
      for (int order = 0; order < 2; order++, v++) {
        const ecnn_op op = v % 3 ? ECNN_OP_ADD : ECNN_OP_SUB;
        const bool u8 = v % 2;
        const ecnn_activation act = v % 5 == 4 ? ECNN_ACT_RELU6 : ECNN_ACT_NONE;
        if (order) bcast_case(op, nds[k], shapes[k], 4, full, u8, act, pool2, &bad);
        else bcast_case(op, 4, full, nds[k], shapes[k], u8, act, pool2, &bad);
      }
    /* each input broadcast along a different dim, and the same shapes */
    const int32_t a3[3] = {4, 1, C}, b3[3] = {1, 5, C};
    bcast_case(ECNN_OP_ADD, 3, a3, 3, b3, ci % 2, ECNN_ACT_NONE, pool2, &bad);
    bcast_case(ECNN_OP_SUB, 3, b3, 3, a3, ci % 2 == 0, ECNN_ACT_RELU, pool2, &bad);
    bcast_case(ECNN_OP_ADD, 4, full, 4, full, ci % 2, ECNN_ACT_NONE, pool2, &bad);
  }
  /* several work items of 4096 elements, their edges inside runs and repeating periods */
  const int32_t big[4] = {1, 20, 30, 17}, big_c[4] = {1, 1, 1, 17}, big_p[4] = {1, 20, 30, 1};
  const int32_t rgb[4] = {1, 64, 65, 3}, rgb_c[1] = {3}, one[1] = {1};
  bcast_case(ECNN_OP_ADD, 4, big, 4, big_c, false, ECNN_ACT_NONE, pool2, &bad);
  bcast_case(ECNN_OP_SUB, 4, big_c, 4, big, true, ECNN_ACT_NONE, pool2, &bad);
  bcast_case(ECNN_OP_ADD, 4, big, 4, big_p, true, ECNN_ACT_RELU, pool2, &bad);
  bcast_case(ECNN_OP_SUB, 4, rgb, 1, rgb_c, false, ECNN_ACT_NONE, pool2, &bad);
  bcast_case(ECNN_OP_ADD, 1, one, 4, rgb, false, ECNN_ACT_NONE, pool2, &bad);
  ecnn_threadpool_free(pool2);
  ck_assert_uint_eq(bad, 0);
}
END_TEST

START_TEST(test_bad_quantization) {
  tg t = {0};
  ecnn_graph_init(&t.g);
  const int32_t din[4] = {1, 1, 1, 1}, dw[4] = {2, 1, 1, 1}, dout[4] = {1, 1, 1, 2};
  const int8_t w[2] = {1, 1};
  int32_t x = tensor(&t, ECNN_DTYPE_I8, 4, din, NULL, 0.5f, 0);
  int32_t wi = tensor(&t, ECNN_DTYPE_I8, 4, dw, w, 0, 0);
  const float ws[3] = {1, 1, 1};
  const int32_t wz[3] = {0, 0, 0};
  /* three scales for two output channels: the setter accepts arrays, prepare must refuse */
  t.g.tensors[wi].quant.count = 0;
  ck_assert_int_eq(ecnn_graph_set_quant(&t.g, wi, 3, 0, ws, wz), ECNN_STATUS_OK);
  int32_t y = tensor(&t, ECNN_DTYPE_I8, 4, dout, NULL, 1.0f, 0);
  const int32_t ins[2] = {x, wi};
  ecnn_status st = node(&t, ECNN_OP_CONV_2D, ins, 2, y, NULL);
  ck_assert_int_ne(st, ECNN_STATUS_OK);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "CONV_2D"));
  done(&t);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ops_q8");
  TCase *tc = tcase_create("q8");
  tcase_add_test(tc, test_requant_helpers);
  tcase_add_test(tc, test_conv_per_channel);
  tcase_add_test(tc, test_depthwise_stride2_same);
  tcase_add_test(tc, test_fc_uint8);
  tcase_add_test(tc, test_add_mul_broadcast);
  tcase_add_test(tc, test_pools);
  tcase_add_test(tc, test_mean);
  tcase_add_test(tc, test_logistic_softmax);
  tcase_add_test(tc, test_concat_requant_and_pad);
  tcase_add_test(tc, test_maxpool_pad_paths);
  tcase_add_test(tc, test_fc_sweep);
  tcase_add_test(tc, test_add_broadcast_paths);
  tcase_add_test(tc, test_bad_quantization);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
