/*
 * test_ops_conv.c — the convolution family of float32 reference ops (CONV_2D, grouped conv,
 * DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED, AVERAGE/MAX_POOL_2D, MEAN, PAD, PADV2):
 * tiny hand-built graphs, each op's prepare (shape inference, MACs, validation) then its run,
 * compared with expected values that are either computed by hand in the comments or pasted
 * from an independent numpy computation (/work/shared/tools/tfl_ref.py's conv/pool and plain
 * numpy; TRANSPOSE_CONV as the adjoint of the forward conv, TFLite's definition), and the
 * error paths a hostile model reaches (bad weight shapes, non-constant weights, zero strides…).
 * Test inputs are multiples of 1/4 so most expected sums are exact in float32.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "kernels/conv.h"
#include "ops/ops.h"
#include "test_util.h"

#include "test_ops_conv_expected.h"

/* ---- a minimal runner: prepare one node through the op table, then run it ---- */

static void fill_pat(float *x, int32_t n, int32_t a, int32_t m, int32_t off, float scale) {
  for (int32_t i = 0; i < n; i++) x[i] = (float)(((i * a) % m) - off) * scale;
}

static int64_t count(int32_t ndim, const int32_t *dims) {
  int64_t c = 1;
  for (int32_t i = 0; i < ndim; i++) c *= dims[i];
  return c;
}

/* A float32 tensor; constant when data is non-NULL. */
static int32_t tf(ecnn_graph *g, int32_t ndim, const int32_t *dims, const float *data) {
  size_t bytes = data ? (size_t)count(ndim, dims) * sizeof(float) : 0;
  int32_t id =
      ecnn_graph_add_tensor(g, data ? "const" : "act", ECNN_DTYPE_F32, ndim, dims, data, bytes);
  ck_assert_int_ge(id, 0);
  return id;
}

static int32_t ti32(ecnn_graph *g, int32_t ndim, const int32_t *dims, const int32_t *data) {
  int32_t id = ecnn_graph_add_tensor(g, "i32", ECNN_DTYPE_I32, ndim, dims, data,
                                     (size_t)count(ndim, dims) * sizeof(int32_t));
  ck_assert_int_ge(id, 0);
  return id;
}

static int32_t ti64(ecnn_graph *g, int32_t ndim, const int32_t *dims, const int64_t *data) {
  int32_t id = ecnn_graph_add_tensor(g, "i64", ECNN_DTYPE_I64, ndim, dims, data,
                                     (size_t)count(ndim, dims) * sizeof(int64_t));
  ck_assert_int_ge(id, 0);
  return id;
}

static int32_t node(ecnn_graph *g, ecnn_op op, const int32_t *ins, int32_t nin, int32_t out,
                    const ecnn_op_params *p) {
  int32_t k = ecnn_graph_add_node(g, op, ins, nin, &out, 1, p);
  ck_assert_int_ge(k, 0);
  return k;
}

static ecnn_status prepare(ecnn_graph *g, int32_t k) {
  ecnn_node *n = &g->nodes[k];
  return ecnn_ops[n->op].prepare(g, n);
}

/* Prepares node k, feeds `in` (n_in floats) to tensor in_id, runs, and checks the output
 * tensor's shape against (ndim, dims) and its values against exp within tol. */
static void run_check(ecnn_graph *g, int32_t k, int32_t in_id, const float *in, int32_t ndim,
                      const int32_t *dims, const float *exp, float tol) {
  ecnn_node *n = &g->nodes[k];
  ecnn_status st = ecnn_ops[n->op].prepare(g, n);
  ck_assert_msg(st == ECNN_STATUS_OK, "prepare failed: %s", ecnn_last_error());
  const ecnn_tensor *out = &g->tensors[n->outputs[0]];
  ck_assert_int_eq(out->ndim, ndim);
  for (int32_t i = 0; i < ndim; i++)
    ck_assert_msg(out->dims[i] == dims[i], "output dim %d is %d, expected %d", (int)i,
                  (int)out->dims[i], (int)dims[i]);
  void **data = calloc((size_t)g->num_tensors, sizeof(void *));
  ck_assert_ptr_nonnull(data);
  for (int32_t t = 0; t < g->num_tensors; t++) {
    const ecnn_tensor *tt = &g->tensors[t];
    if (tt->data)
      data[t] = tt->data;
    else {
      /* poison activations so that unwritten output elements show up */
      size_t nb = ecnn_tensor_bytes(tt);
      ck_assert_uint_le(nb, (size_t)1 << 24);
      data[t] = malloc(nb ? nb : 4);
      ck_assert_ptr_nonnull(data[t]);
      for (size_t b = 0; b + 4 <= nb; b += 4) memcpy((char *)data[t] + b, &(float){NAN}, 4);
    }
  }
  memcpy(data[in_id], in, ecnn_tensor_bytes(&g->tensors[in_id]));
  ecnn_op_ctx ctx = {.graph = g, .node = n, .data = data};
  st = ecnn_ops[n->op].run(&ctx);
  ck_assert_msg(st == ECNN_STATUS_OK, "run failed: %s", ecnn_last_error());
  const float *y = data[n->outputs[0]];
  int64_t ne = count(ndim, dims);
  for (int64_t i = 0; i < ne; i++)
    ck_assert_msg(fabsf(y[i] - exp[i]) <= tol, "%s: element %lld is %.9g, expected %.9g",
                  ecnn_op_name(n->op), (long long)i, (double)y[i], (double)exp[i]);
  for (int32_t t = 0; t < g->num_tensors; t++)
    if (!g->tensors[t].data) free(data[t]);
  free(data);
}

/* Asserts that preparing node k fails, with a message naming the op and containing `what`. */
static void expect_error(ecnn_graph *g, int32_t k, const char *what) {
  ecnn_status st = prepare(g, k);
  ck_assert_int_ne(st, ECNN_STATUS_OK);
  char name[64];
  snprintf(name, sizeof name, "%s #%d", ecnn_op_name(g->nodes[k].op), (int)g->nodes[k].index);
  ck_assert_msg(strstr(ecnn_last_error(), name) != NULL, "message '%s' does not name '%s'",
                ecnn_last_error(), name);
  ck_assert_msg(strstr(ecnn_last_error(), what) != NULL, "message '%s' does not mention '%s'",
                ecnn_last_error(), what);
}

static ecnn_op_params params(ecnn_padding pad, int32_t stride, ecnn_activation act) {
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.padding = pad;
  p.stride_h = p.stride_w = stride;
  p.activation = act;
  return p;
}

#define TOL 1e-5f

/* ---- CONV_2D ---- */

START_TEST(conv_1x1_input) {
  /* 1x1x1x2 input {2, -3}, 1x1 kernel, 3 filters {1,2}, {-1,0.5}, {0,4}, bias {0.5,1,-2}:
   * 2*1 - 3*2 + 0.5 = -3.5; -2 - 1.5 + 1 = -2.5; 0 - 12 - 2 = -14 (by hand) */
  ecnn_graph g;
  ecnn_graph_init(&g);
  const float w[6] = {1, 2, -1, 0.5f, 0, 4}, b[3] = {0.5f, 1, -2}, x[2] = {2, -3};
  int32_t in = tf(&g, 4, (int32_t[]){1, 1, 1, 2}, NULL);
  int32_t wt = tf(&g, 4, (int32_t[]){3, 1, 1, 2}, w), bt = tf(&g, 1, (int32_t[]){3}, b);
  int32_t out = tf(&g, 4, (int32_t[]){1, 1, 1, 3}, NULL);
  ecnn_op_params p = params(ECNN_PADDING_VALID, 1, ECNN_ACT_NONE);
  int32_t k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt, bt}, 3, out, &p);
  run_check(&g, k, in, x, 4, (int32_t[]){1, 1, 1, 3}, (const float[]){-3.5f, -2.5f, -14}, TOL);
  ck_assert_int_eq(g.nodes[k].macs, 6);
  ecnn_graph_clear(&g);

  /* 1x1 input, 3x3 kernel 1..9, SAME, stride 2: only the centre tap (5) sees the input:
   * 3 * 5 = 15 (by hand) */
  ecnn_graph_init(&g);
  float w9[9];
  for (int i = 0; i < 9; i++) w9[i] = (float)(i + 1);
  in = tf(&g, 4, (int32_t[]){1, 1, 1, 1}, NULL);
  wt = tf(&g, 4, (int32_t[]){1, 3, 3, 1}, w9);
  out = tf(&g, 4, (int32_t[]){1, 1, 1, 1}, NULL);
  p = params(ECNN_PADDING_SAME, 2, ECNN_ACT_NONE);
  k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt}, 2, out, &p);
  run_check(&g, k, in, (const float[]){3}, 4, (int32_t[]){1, 1, 1, 1}, (const float[]){15}, TOL);
  ecnn_graph_clear(&g);
}
END_TEST

START_TEST(conv_stride2_odd_sizes) {
  ecnn_graph g;
  /* 5x5x1 input, two 3x3 filters, stride 2, SAME, no bias (2 inputs) -> 3x3x2 */
  ecnn_graph_init(&g);
  float x[84], w[54];
  fill_pat(x, 25, 7, 11, 5, 0.25f);
  fill_pat(w, 18, 5, 7, 3, 0.5f);
  int32_t in = tf(&g, 4, (int32_t[]){1, 5, 5, 1}, NULL);
  int32_t wt = tf(&g, 4, (int32_t[]){2, 3, 3, 1}, w);
  int32_t out = tf(&g, 0, NULL, NULL); /* undeclared shape: inferred */
  ecnn_op_params p = params(ECNN_PADDING_SAME, 2, ECNN_ACT_NONE);
  int32_t k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt}, 2, out, &p);
  run_check(&g, k, in, x, 4, (int32_t[]){1, 3, 3, 2}, exp_conv5_s2_same, TOL);
  ck_assert_int_eq(g.nodes[k].macs, 3 * 3 * 2 * 9);
  ecnn_graph_clear(&g);

  /* 7x6x2 input, three 3x3x2 filters, stride 2: VALID with bias -> 3x2x3; SAME with the
   * bias slot present but absent (-1) -> 4x3x3 (pad rows 1+1, cols 0+1) */
  for (int same = 0; same < 2; same++) {
    ecnn_graph_init(&g);
    fill_pat(x, 84, 3, 13, 6, 0.25f);
    fill_pat(w, 54, 5, 11, 5, 0.5f);
    const float b[3] = {0.5f, -1, 2};
    in = tf(&g, 4, (int32_t[]){1, 7, 6, 2}, NULL);
    wt = tf(&g, 4, (int32_t[]){3, 3, 3, 2}, w);
    int32_t bt = same ? -1 : tf(&g, 1, (int32_t[]){3}, b);
    out = tf(&g, 0, NULL, NULL);
    p = params(same ? ECNN_PADDING_SAME : ECNN_PADDING_VALID, 2, ECNN_ACT_NONE);
    k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt, bt}, 3, out, &p);
    if (same)
      run_check(&g, k, in, x, 4, (int32_t[]){1, 4, 3, 3}, exp_conv76_s2_same, TOL);
    else
      run_check(&g, k, in, x, 4, (int32_t[]){1, 3, 2, 3}, exp_conv76_s2_valid, TOL);
    ecnn_graph_clear(&g);
  }
}
END_TEST

START_TEST(conv_same_pads_at_end) {
  /* 4x4 input v = 4y + x, 3x3 kernel with w[0][0] = 1 and w[2][2] = 100, stride 2, SAME:
   * total padding (2-1)*2 + 3 - 4 = 1 goes to the end (TFLite), so out[oy][ox] =
   * in[2oy][2ox] + 100 * in[2oy+2][2ox+2] (when inside): {0 + 100*10, 2, 8, 10} (by hand) */
  ecnn_graph g;
  ecnn_graph_init(&g);
  float x[16], w[9] = {1, 0, 0, 0, 0, 0, 0, 0, 100};
  for (int i = 0; i < 16; i++) x[i] = (float)i;
  int32_t in = tf(&g, 4, (int32_t[]){1, 4, 4, 1}, NULL);
  int32_t wt = tf(&g, 4, (int32_t[]){1, 3, 3, 1}, w);
  int32_t out = tf(&g, 4, (int32_t[]){1, 2, 2, 1}, NULL);
  ecnn_op_params p = params(ECNN_PADDING_SAME, 2, ECNN_ACT_NONE);
  int32_t k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt}, 2, out, &p);
  run_check(&g, k, in, x, 4, (int32_t[]){1, 2, 2, 1}, (const float[]){1000, 2, 8, 10}, TOL);
  ck_assert_int_eq(g.nodes[k].macs, 36);
  ecnn_graph_clear(&g);
}
END_TEST

START_TEST(conv_dilation2) {
  /* 5x5 input, 2x2 kernel {1,2,3,4}, dilation 2, VALID -> 3x3: out[y][x] = in[y][x] +
   * 2 in[y][x+2] + 3 in[y+2][x] + 4 in[y+2][x+2]; e.g. out[0][0] = -1.25 + 2*-0.5 + 3*1.5 +
   * 4*-0.75 = -1 (by hand; all nine from numpy) */
  ecnn_graph g;
  ecnn_graph_init(&g);
  float x[25];
  fill_pat(x, 25, 7, 11, 5, 0.25f);
  int32_t in = tf(&g, 4, (int32_t[]){1, 5, 5, 1}, NULL);
  int32_t wt = tf(&g, 4, (int32_t[]){1, 2, 2, 1}, (const float[]){1, 2, 3, 4});
  int32_t out = tf(&g, 0, NULL, NULL);
  ecnn_op_params p = params(ECNN_PADDING_VALID, 1, ECNN_ACT_NONE);
  p.dilation_h = p.dilation_w = 2;
  int32_t k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt}, 2, out, &p);
  run_check(&g, k, in, x, 4, (int32_t[]){1, 3, 3, 1}, exp_conv_dil2, TOL);
  ecnn_graph_clear(&g);
}
END_TEST

START_TEST(conv_grouped) {
  /* 3x3x4 input, weights [4,2,2,2]: 2 groups (channels 0-1 -> outputs 0-1, 2-3 -> 2-3),
   * VALID -> 2x2x4; numpy computed each group as a separate conv */
  ecnn_graph g;
  ecnn_graph_init(&g);
  float x[36], w[32];
  fill_pat(x, 36, 5, 13, 6, 0.25f);
  fill_pat(w, 32, 3, 7, 3, 0.5f);
  int32_t in = tf(&g, 4, (int32_t[]){1, 3, 3, 4}, NULL);
  int32_t wt = tf(&g, 4, (int32_t[]){4, 2, 2, 2}, w);
  int32_t out = tf(&g, 0, NULL, NULL);
  ecnn_op_params p = params(ECNN_PADDING_VALID, 1, ECNN_ACT_NONE);
  int32_t k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt}, 2, out, &p);
  run_check(&g, k, in, x, 4, (int32_t[]){1, 2, 2, 4}, exp_grouped, TOL);
  ck_assert_int_eq(g.nodes[k].macs, 2 * 2 * 4 * 2 * 2 * 2); /* I per group = 2 */
  ecnn_graph_clear(&g);
}
END_TEST

START_TEST(conv_every_activation) {
  /* identity 1x1 conv on {-8, -0.5, 0.5, 3, 8}; clamps by hand, tanh from numpy */
  static const float x[5] = {-8, -0.5f, 0.5f, 3, 8};
  static const float clamped[5][5] = {
      {-8, -0.5f, 0.5f, 3, 8}, /* NONE */
      {0, 0, 0.5f, 3, 8},      /* RELU */
      {-1, -0.5f, 0.5f, 1, 1}, /* RELU_N1_TO_1 */
      {0, 0, 0.5f, 3, 6},      /* RELU6 */
      {0},                     /* TANH: exp_tanh */
  };
  for (int a = 0; a <= ECNN_ACT_TANH; a++) {
    ecnn_graph g;
    ecnn_graph_init(&g);
    int32_t in = tf(&g, 4, (int32_t[]){1, 1, 5, 1}, NULL);
    int32_t wt = tf(&g, 4, (int32_t[]){1, 1, 1, 1}, (const float[]){1});
    int32_t out = tf(&g, 0, NULL, NULL);
    ecnn_op_params p = params(ECNN_PADDING_SAME, 1, (ecnn_activation)a);
    int32_t k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt, -1}, 3, out, &p);
    run_check(&g, k, in, x, 4, (int32_t[]){1, 1, 5, 1}, a == ECNN_ACT_TANH ? exp_tanh : clamped[a],
              1e-6f);
    ecnn_graph_clear(&g);
  }
}
END_TEST

START_TEST(conv_errors) {
  ecnn_graph g;
  float w[54] = {0};
  /* weight depth 2 does not divide input depth 3 */
  ecnn_graph_init(&g);
  int32_t in = tf(&g, 4, (int32_t[]){1, 5, 5, 3}, NULL);
  int32_t wt = tf(&g, 4, (int32_t[]){3, 3, 3, 2}, w);
  int32_t out = tf(&g, 0, NULL, NULL);
  ecnn_op_params p = params(ECNN_PADDING_SAME, 1, ECNN_ACT_NONE);
  int32_t k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt}, 2, out, &p);
  expect_error(&g, k, "depth");
  ecnn_graph_clear(&g);
  /* 3-D weights */
  ecnn_graph_init(&g);
  in = tf(&g, 4, (int32_t[]){1, 5, 5, 2}, NULL);
  wt = tf(&g, 3, (int32_t[]){3, 3, 2}, w);
  out = tf(&g, 0, NULL, NULL);
  k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt}, 2, out, &p);
  expect_error(&g, k, "weights");
  ecnn_graph_clear(&g);
  /* bias of the wrong length */
  ecnn_graph_init(&g);
  in = tf(&g, 4, (int32_t[]){1, 5, 5, 2}, NULL);
  wt = tf(&g, 4, (int32_t[]){3, 3, 3, 2}, w);
  int32_t bt = tf(&g, 1, (int32_t[]){2}, w);
  out = tf(&g, 0, NULL, NULL);
  k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt, bt}, 3, out, &p);
  expect_error(&g, k, "bias");
  ecnn_graph_clear(&g);
  /* non-constant weights */
  ecnn_graph_init(&g);
  in = tf(&g, 4, (int32_t[]){1, 5, 5, 2}, NULL);
  wt = tf(&g, 4, (int32_t[]){3, 3, 3, 2}, NULL);
  out = tf(&g, 0, NULL, NULL);
  k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt}, 2, out, &p);
  expect_error(&g, k, "constant");
  ecnn_graph_clear(&g);
  /* zero stride, zero dilation, kernel larger than a VALID input, bad activation */
  for (int c = 0; c < 5; c++) {
    ecnn_graph_init(&g);
    in = tf(&g, 4, (int32_t[]){1, 2, 5, 2}, NULL);
    wt = tf(&g, 4, (int32_t[]){3, 3, 3, 2}, w);
    out = tf(&g, 0, NULL, NULL);
    ecnn_op_params q = params(ECNN_PADDING_SAME, 1, ECNN_ACT_NONE);
    if (c == 0) q.stride_w = 0;
    if (c == 1) q.dilation_h = 0;
    if (c == 2) q.padding = ECNN_PADDING_VALID;
    if (c == 3) q.activation = ECNN_ACT_SIGN_BIT;
    if (c == 4) q.dilation_w = 1 << 30; /* (3-1) * 2^30 would overflow TFLite's int math */
    k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt}, 2, out, &q);
    static const char *const what[] = {"stride", "dilation", "does not fit", "activation",
                                       "extent"};
    expect_error(&g, k, what[c]);
    ecnn_graph_clear(&g);
  }
  /* missing weights, wrong output count handled by ecnn_check_io; input not 4-D */
  ecnn_graph_init(&g);
  in = tf(&g, 3, (int32_t[]){5, 5, 2}, NULL);
  wt = tf(&g, 4, (int32_t[]){3, 3, 3, 2}, w);
  out = tf(&g, 0, NULL, NULL);
  k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt}, 2, out, &p);
  expect_error(&g, k, "dims");
  k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in}, 1, out, &p);
  expect_error(&g, k, "inputs");
  ecnn_graph_clear(&g);
}
END_TEST

/* ---- DEPTHWISE_CONV_2D ---- */

START_TEST(dwconv_multiplier2) {
  /* 4x4x2 input, weights [1,3,3,4] (multiplier 2), bias, SAME stride 1 (numpy) */
  ecnn_graph g;
  ecnn_graph_init(&g);
  float x[32], w[36];
  fill_pat(x, 32, 3, 7, 3, 0.5f);
  fill_pat(w, 36, 5, 11, 5, 0.25f);
  int32_t in = tf(&g, 4, (int32_t[]){1, 4, 4, 2}, NULL);
  int32_t wt = tf(&g, 4, (int32_t[]){1, 3, 3, 4}, w);
  int32_t bt = tf(&g, 1, (int32_t[]){4}, (const float[]){1, 0, -1, 0.5f});
  int32_t out = tf(&g, 4, (int32_t[]){1, 4, 4, 4}, NULL);
  ecnn_op_params p = params(ECNN_PADDING_SAME, 1, ECNN_ACT_NONE);
  p.depth_multiplier = 2;
  int32_t k = node(&g, ECNN_OP_DEPTHWISE_CONV_2D, (int32_t[]){in, wt, bt}, 3, out, &p);
  run_check(&g, k, in, x, 4, (int32_t[]){1, 4, 4, 4}, exp_dw_mult2, TOL);
  ck_assert_int_eq(g.nodes[k].macs, 4 * 4 * 4 * 9);
  ecnn_graph_clear(&g);
}
END_TEST

START_TEST(dwconv_stride2_dilation2_relu6) {
  /* 5x5x2 input, 3x3 kernel, stride 2, dilation 2, SAME (pad 2 each side), no bias, RELU6;
   * the multiplier option says 0 and is ignored (taken from the weights), as in TFLite */
  ecnn_graph g;
  ecnn_graph_init(&g);
  float x[50], w[18];
  fill_pat(x, 50, 7, 11, 5, 0.25f);
  fill_pat(w, 18, 3, 7, 3, 0.5f);
  int32_t in = tf(&g, 4, (int32_t[]){1, 5, 5, 2}, NULL);
  int32_t wt = tf(&g, 4, (int32_t[]){1, 3, 3, 2}, w);
  int32_t out = tf(&g, 0, NULL, NULL);
  ecnn_op_params p = params(ECNN_PADDING_SAME, 2, ECNN_ACT_RELU6);
  p.dilation_h = p.dilation_w = 2;
  p.depth_multiplier = 0;
  int32_t k = node(&g, ECNN_OP_DEPTHWISE_CONV_2D, (int32_t[]){in, wt}, 2, out, &p);
  run_check(&g, k, in, x, 4, (int32_t[]){1, 3, 3, 2}, exp_dw_s2_dil2_relu6, TOL);
  ecnn_graph_clear(&g);
}
END_TEST

START_TEST(dwconv_errors) {
  ecnn_graph g;
  float w[36] = {0};
  ecnn_op_params p = params(ECNN_PADDING_SAME, 1, ECNN_ACT_NONE);
  /* weights [2,3,3,2]: first dim must be 1; [1,3,3,3] with 2 input channels */
  for (int c = 0; c < 3; c++) {
    ecnn_graph_init(&g);
    int32_t in = tf(&g, 4, (int32_t[]){1, 4, 4, 2}, NULL);
    int32_t wt = c == 0   ? tf(&g, 4, (int32_t[]){2, 3, 3, 2}, w)
                 : c == 1 ? tf(&g, 4, (int32_t[]){1, 3, 3, 3}, w)
                          : tf(&g, 4, (int32_t[]){1, 3, 3, 2}, NULL);
    int32_t out = tf(&g, 0, NULL, NULL);
    int32_t k = node(&g, ECNN_OP_DEPTHWISE_CONV_2D, (int32_t[]){in, wt}, 2, out, &p);
    expect_error(&g, k, c == 0 ? "[1, KH, KW, C*M]" : c == 1 ? "multiple" : "constant");
    ecnn_graph_clear(&g);
  }
  ecnn_graph_init(&g);
  int32_t in = tf(&g, 4, (int32_t[]){1, 4, 4, 2}, NULL);
  int32_t wt = tf(&g, 4, (int32_t[]){1, 3, 3, 2}, w);
  int32_t out = tf(&g, 0, NULL, NULL);
  ecnn_op_params q = params(ECNN_PADDING_SAME, 0, ECNN_ACT_NONE);
  int32_t k = node(&g, ECNN_OP_DEPTHWISE_CONV_2D, (int32_t[]){in, wt}, 2, out, &q);
  expect_error(&g, k, "stride");
  ecnn_graph_clear(&g);
}
END_TEST

/* ---- TRANSPOSE_CONV ---- */

static void tconv_case(ecnn_padding pad, int32_t oh, const float *exp, bool bias) {
  ecnn_graph g;
  ecnn_graph_init(&g);
  float x[18], w[54];
  fill_pat(x, 18, 7, 11, 5, 0.25f);
  fill_pat(w, 54, 5, 11, 5, 0.5f);
  int32_t shape = ti32(&g, 1, (int32_t[]){4}, (const int32_t[]){1, oh, oh, 3});
  int32_t wt = tf(&g, 4, (int32_t[]){3, 3, 3, 2}, w);
  int32_t in = tf(&g, 4, (int32_t[]){1, 3, 3, 2}, NULL);
  int32_t bt = tf(&g, 1, (int32_t[]){3}, (const float[]){0.5f, 0, -0.5f});
  int32_t out = tf(&g, 0, NULL, NULL);
  ecnn_op_params p = params(pad, 2, ECNN_ACT_NONE);
  int32_t k = node(&g, ECNN_OP_TRANSPOSE_CONV, (int32_t[]){shape, wt, in, bias ? bt : -1},
                   bias ? 4 : 3, out, &p);
  run_check(&g, k, in, x, 4, (int32_t[]){1, oh, oh, 3}, exp, TOL);
  ck_assert_int_eq(g.nodes[k].macs, 3 * 3 * 2 * 9 * 3);
  ecnn_graph_clear(&g);
}

START_TEST(tconv_stride2_same_and_valid) {
  /* 3x3x2 input, weights [3,3,3,2], stride 2. SAME to 6x6 (padding 0 before, 1 after) with
   * bias {0.5, 0, -0.5}; VALID to 7x7 without bias. numpy: the adjoint of TFLite's forward
   * conv from the output shape to the input shape, plus the bias */
  tconv_case(ECNN_PADDING_SAME, 6, exp_tconv_same, true);
  tconv_case(ECNN_PADDING_VALID, 7, exp_tconv_valid, false);
}
END_TEST

START_TEST(tconv_errors) {
  float w[54] = {0};
  for (int c = 0; c < 4; c++) {
    ecnn_graph g;
    ecnn_graph_init(&g);
    int32_t shape = c == 0
                        ? tf(&g, 1, (int32_t[]){4}, (const float[]){1, 6, 6, 3})
                        : ti32(&g, 1, (int32_t[]){4}, (const int32_t[]){1, 6, 6, c == 1 ? 4 : 3});
    int32_t wt =
        c == 2 ? tf(&g, 4, (int32_t[]){3, 3, 3, 1}, w) : tf(&g, 4, (int32_t[]){3, 3, 3, 2}, w);
    int32_t in = tf(&g, 4, (int32_t[]){1, 3, 3, 2}, NULL);
    int32_t out = tf(&g, 0, NULL, NULL);
    ecnn_op_params p = params(ECNN_PADDING_SAME, c == 3 ? 0 : 2, ECNN_ACT_NONE);
    int32_t k = node(&g, ECNN_OP_TRANSPOSE_CONV, (int32_t[]){shape, wt, in}, 3, out, &p);
    static const char *const what[] = {"output_shape", "disagrees", "depth", "stride"};
    expect_error(&g, k, what[c]);
    ecnn_graph_clear(&g);
  }
}
END_TEST

/* ---- FULLY_CONNECTED ---- */

START_TEST(fc_keep_num_dims_both_ways) {
  /* input [2,3,4], weights [5,4], bias {0,1,-1,2,-2}: 6 rows of x @ w.T + b (numpy);
   * keep_num_dims false -> [6,5], true -> [2,3,5], same values */
  for (int keep = 0; keep < 2; keep++) {
    ecnn_graph g;
    ecnn_graph_init(&g);
    float x[24], w[20];
    fill_pat(x, 24, 7, 11, 5, 0.25f);
    fill_pat(w, 20, 3, 7, 3, 0.5f);
    int32_t in = tf(&g, 3, (int32_t[]){2, 3, 4}, NULL);
    int32_t wt = tf(&g, 2, (int32_t[]){5, 4}, w);
    int32_t bt = tf(&g, 1, (int32_t[]){5}, (const float[]){0, 1, -1, 2, -2});
    int32_t out = tf(&g, 0, NULL, NULL);
    ecnn_op_params p = params(ECNN_PADDING_SAME, 1, ECNN_ACT_NONE);
    p.keep_dims = keep;
    int32_t k = node(&g, ECNN_OP_FULLY_CONNECTED, (int32_t[]){in, wt, bt}, 3, out, &p);
    if (keep)
      run_check(&g, k, in, x, 3, (int32_t[]){2, 3, 5}, exp_fc, TOL);
    else
      run_check(&g, k, in, x, 2, (int32_t[]){6, 5}, exp_fc, TOL);
    ck_assert_int_eq(g.nodes[k].macs, 6 * 5 * 4);
    ecnn_graph_clear(&g);
  }
}
END_TEST

START_TEST(fc_no_bias_relu) {
  /* [1,1,1,3] input {1,-2,3}, weights [[1,1,1],[0,1,0]], no bias, RELU:
   * {1-2+3, -2} -> {2, 0} (by hand); the 4-D input flattens to one row */
  ecnn_graph g;
  ecnn_graph_init(&g);
  int32_t in = tf(&g, 4, (int32_t[]){1, 1, 1, 3}, NULL);
  int32_t wt = tf(&g, 2, (int32_t[]){2, 3}, (const float[]){1, 1, 1, 0, 1, 0});
  int32_t out = tf(&g, 2, (int32_t[]){1, 2}, NULL);
  ecnn_op_params p = params(ECNN_PADDING_SAME, 1, ECNN_ACT_RELU);
  int32_t k = node(&g, ECNN_OP_FULLY_CONNECTED, (int32_t[]){in, wt, -1}, 3, out, &p);
  run_check(&g, k, in, (const float[]){1, -2, 3}, 2, (int32_t[]){1, 2}, (const float[]){2, 0}, TOL);
  ecnn_graph_clear(&g);
}
END_TEST

START_TEST(fc_errors) {
  float w[20] = {0};
  for (int c = 0; c < 4; c++) {
    ecnn_graph g;
    ecnn_graph_init(&g);
    /* c0: 10 elements not a multiple of 4; c1: keep_num_dims with last dim 2 (8 elements);
     * c2: weights 1-D; c3: non-constant weights */
    int32_t in = c == 0 ? tf(&g, 2, (int32_t[]){2, 5}, NULL) : tf(&g, 2, (int32_t[]){4, 2}, NULL);
    int32_t wt = c == 2   ? tf(&g, 1, (int32_t[]){4}, w)
                 : c == 3 ? tf(&g, 2, (int32_t[]){5, 4}, NULL)
                          : tf(&g, 2, (int32_t[]){5, 4}, w);
    int32_t out = tf(&g, 0, NULL, NULL);
    ecnn_op_params p = params(ECNN_PADDING_SAME, 1, ECNN_ACT_NONE);
    p.keep_dims = c == 1;
    int32_t k = node(&g, ECNN_OP_FULLY_CONNECTED, (int32_t[]){in, wt}, 2, out, &p);
    static const char *const what[] = {"multiple", "keep_num_dims", "[O, I]", "constant"};
    expect_error(&g, k, what[c]);
    ecnn_graph_clear(&g);
  }
}
END_TEST

/* ---- pooling ---- */

static void pool_case(ecnn_op op, int32_t h, int32_t w, int32_t c, const float *x, int32_t f,
                      int32_t s, ecnn_padding pad, ecnn_activation act, int32_t oh, int32_t ow,
                      const float *exp) {
  ecnn_graph g;
  ecnn_graph_init(&g);
  int32_t in = tf(&g, 4, (int32_t[]){1, h, w, c}, NULL);
  int32_t out = tf(&g, 0, NULL, NULL);
  ecnn_op_params p = params(pad, s, act);
  p.filter_h = p.filter_w = f;
  int32_t k = node(&g, op, &in, 1, out, &p);
  run_check(&g, k, in, x, 4, (int32_t[]){1, oh, ow, c}, exp, TOL);
  ck_assert_int_eq(g.nodes[k].macs, 0);
  ecnn_graph_clear(&g);
}

START_TEST(avgpool_same_counts_in_bounds_only) {
  /* 3x3 input 1..9, 2x2 filter, stride 2, SAME (pad 0 before, 1 after): windows {1,2,4,5},
   * {3,6}, {7,8}, {9} -> {3, 4.5, 7.5, 9} (by hand; padding would give 2.25, 2.25, ...) */
  float x[40];
  for (int i = 0; i < 9; i++) x[i] = (float)(i + 1);
  pool_case(ECNN_OP_AVERAGE_POOL_2D, 3, 3, 1, x, 2, 2, ECNN_PADDING_SAME, ECNN_ACT_NONE, 2, 2,
            (const float[]){3, 4.5f, 7.5f, 9});
  /* same with RELU_N1_TO_1: all clamp to 1 (by hand) */
  pool_case(ECNN_OP_AVERAGE_POOL_2D, 3, 3, 1, x, 2, 2, ECNN_PADDING_SAME, ECNN_ACT_RELU_N1_TO_1, 2,
            2, (const float[]){1, 1, 1, 1});
  /* 4x5x2, 3x3 filter, stride 1, SAME: corner windows of 4, edges of 6, inside 9 (numpy) */
  fill_pat(x, 40, 7, 11, 5, 0.25f);
  pool_case(ECNN_OP_AVERAGE_POOL_2D, 4, 5, 2, x, 3, 1, ECNN_PADDING_SAME, ECNN_ACT_NONE, 4, 5,
            exp_avg3_same);
  /* 5x5, 2x2 filter, stride 2, SAME -> 3x3 (numpy) */
  fill_pat(x, 25, 3, 13, 6, 0.25f);
  pool_case(ECNN_OP_AVERAGE_POOL_2D, 5, 5, 1, x, 2, 2, ECNN_PADDING_SAME, ECNN_ACT_NONE, 3, 3,
            exp_avg2_s2_same);
}
END_TEST

START_TEST(maxpool_negative_values) {
  /* 3x3 input -1..-9, 2x2 filter, stride 2, SAME: windows {-1,-2,-4,-5}, {-3,-6}, {-7,-8},
   * {-9} -> {-1, -3, -7, -9} (by hand; zero padding would wrongly give 0s) */
  float x[25];
  for (int i = 0; i < 9; i++) x[i] = (float)-(i + 1);
  pool_case(ECNN_OP_MAX_POOL_2D, 3, 3, 1, x, 2, 2, ECNN_PADDING_SAME, ECNN_ACT_NONE, 2, 2,
            (const float[]){-1, -3, -7, -9});
  /* with RELU: all 0 (by hand) */
  pool_case(ECNN_OP_MAX_POOL_2D, 3, 3, 1, x, 2, 2, ECNN_PADDING_SAME, ECNN_ACT_RELU, 2, 2,
            (const float[]){0, 0, 0, 0});
  /* 5x5, 3x3 filter, stride 2, VALID -> 2x2 (numpy) */
  fill_pat(x, 25, 3, 13, 6, 0.25f);
  pool_case(ECNN_OP_MAX_POOL_2D, 5, 5, 1, x, 3, 2, ECNN_PADDING_VALID, ECNN_ACT_NONE, 2, 2,
            exp_max3_s2_valid);
}
END_TEST

START_TEST(pool_errors) {
  for (int c = 0; c < 3; c++) {
    ecnn_graph g;
    ecnn_graph_init(&g);
    int32_t in = tf(&g, 4, (int32_t[]){1, 2, 2, 1}, NULL);
    int32_t out = tf(&g, 0, NULL, NULL);
    ecnn_op_params p =
        params(c == 2 ? ECNN_PADDING_VALID : ECNN_PADDING_SAME, c == 1 ? 0 : 1, ECNN_ACT_NONE);
    p.filter_h = p.filter_w = c == 0 ? 0 : 3;
    int32_t k = node(&g, c ? ECNN_OP_MAX_POOL_2D : ECNN_OP_AVERAGE_POOL_2D, &in, 1, out, &p);
    static const char *const what[] = {"filter", "stride", "does not fit"};
    expect_error(&g, k, what[c]);
    ecnn_graph_clear(&g);
  }
}
END_TEST

/* ---- MEAN ---- */

static void mean_case(const int32_t *axes, int32_t naxes, bool keep, int32_t ndim,
                      const int32_t *dims, const float *exp) {
  ecnn_graph g;
  ecnn_graph_init(&g);
  float x[12];
  fill_pat(x, 12, 7, 11, 5, 0.25f);
  int32_t in = tf(&g, 4, (int32_t[]){1, 2, 3, 2}, NULL);
  int32_t ax = ti32(&g, 1, &naxes, axes);
  int32_t out = tf(&g, 0, NULL, NULL);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.keep_dims = keep;
  int32_t k = node(&g, ECNN_OP_MEAN, (int32_t[]){in, ax}, 2, out, &p);
  run_check(&g, k, in, x, ndim, dims, exp, 1e-6f);
  ecnn_graph_clear(&g);
}

START_TEST(mean_axes) {
  /* input [1,2,3,2] (pattern); channel 0 holds -5,-2,1,4,-4,-1 quarters: mean -7/24
   * (by hand), channel 1 from numpy */
  mean_case((const int32_t[]){1, 2}, 2, true, 4, (int32_t[]){1, 1, 1, 2}, exp_mean_12);
  mean_case((const int32_t[]){1, 2}, 2, false, 2, (int32_t[]){1, 2}, exp_mean_12);
  mean_case((const int32_t[]){-1}, 1, false, 3, (int32_t[]){1, 2, 3}, exp_mean_last);
  mean_case((const int32_t[]){2, 1, -2}, 3, false, 2, (int32_t[]){1, 2}, exp_mean_12);
  ck_assert_float_eq_tol(exp_mean_12[0], -7.0f / 24.0f, 1e-7f);
  /* all axes: a scalar; mean of the 12 pattern values = -5/48 (by hand: sum of quarters -5) */
  mean_case((const int32_t[]){0, 1, 2, 3}, 4, false, 0, NULL, (const float[]){-5.0f / 48.0f});
}
END_TEST

START_TEST(mean_errors) {
  ecnn_graph g;
  ecnn_graph_init(&g);
  int32_t in = tf(&g, 4, (int32_t[]){1, 2, 3, 2}, NULL);
  int32_t ax = ti32(&g, 1, (int32_t[]){1}, (const int32_t[]){4});
  int32_t ax2 = tf(&g, 1, (int32_t[]){1}, (const float[]){1});
  int32_t ax3 = ecnn_graph_add_tensor(&g, "dyn", ECNN_DTYPE_I32, 1, (int32_t[]){1}, NULL, 0);
  int32_t out = tf(&g, 0, NULL, NULL);
  int32_t k = node(&g, ECNN_OP_MEAN, (int32_t[]){in, ax}, 2, out, NULL);
  expect_error(&g, k, "out of range");
  k = node(&g, ECNN_OP_MEAN, (int32_t[]){in, ax2}, 2, out, NULL);
  expect_error(&g, k, "int32");
  k = node(&g, ECNN_OP_MEAN, (int32_t[]){in, ax3}, 2, out, NULL);
  expect_error(&g, k, "constant");
  ecnn_graph_clear(&g);
}
END_TEST

/* ---- PAD / PADV2 ---- */

START_TEST(pad_and_padv2) {
  ecnn_graph g;
  /* [2,3] = 1..6, paddings {{1,0},{0,2}} (int32, then int64) -> [3,5] (by hand) */
  static const float exp1[15] = {0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0};
  static const float x[6] = {1, 2, 3, 4, 5, 6};
  for (int wide = 0; wide < 2; wide++) {
    ecnn_graph_init(&g);
    int32_t in = tf(&g, 2, (int32_t[]){2, 3}, NULL);
    int32_t pads = wide ? ti64(&g, 2, (int32_t[]){2, 2}, (const int64_t[]){1, 0, 0, 2})
                        : ti32(&g, 2, (int32_t[]){2, 2}, (const int32_t[]){1, 0, 0, 2});
    int32_t out = tf(&g, 0, NULL, NULL);
    int32_t k = node(&g, ECNN_OP_PAD, (int32_t[]){in, pads}, 2, out, NULL);
    run_check(&g, k, in, x, 2, (int32_t[]){3, 5}, exp1, 0);
    ecnn_graph_clear(&g);
  }
  /* PADV2: [1,2,2,1] = 1..4, paddings {{0,0},{1,1},{0,1},{0,0}}, value -1 -> [1,4,3,1]
   * (by hand) */
  static const float exp2[12] = {-1, -1, -1, 1, 2, -1, 3, 4, -1, -1, -1, -1};
  ecnn_graph_init(&g);
  int32_t in = tf(&g, 4, (int32_t[]){1, 2, 2, 1}, NULL);
  int32_t pads = ti32(&g, 2, (int32_t[]){4, 2}, (const int32_t[]){0, 0, 1, 1, 0, 1, 0, 0});
  int32_t val = tf(&g, 0, NULL, (const float[]){-1});
  int32_t out = tf(&g, 0, NULL, NULL);
  int32_t k = node(&g, ECNN_OP_PADV2, (int32_t[]){in, pads, val}, 3, out, NULL);
  run_check(&g, k, in, x, 4, (int32_t[]){1, 4, 3, 1}, exp2, 0);
  ecnn_graph_clear(&g);
  /* errors: negative padding, wrong paddings shape, non-constant paddings, 2-element value */
  for (int c = 0; c < 4; c++) {
    ecnn_graph_init(&g);
    in = tf(&g, 2, (int32_t[]){2, 3}, NULL);
    pads = c == 0   ? ti32(&g, 2, (int32_t[]){2, 2}, (const int32_t[]){1, -1, 0, 0})
           : c == 1 ? ti32(&g, 2, (int32_t[]){3, 2}, (const int32_t[]){0, 0, 0, 0, 0, 0})
           : c == 2
               ? ecnn_graph_add_tensor(&g, "dyn", ECNN_DTYPE_I32, 2, (int32_t[]){2, 2}, NULL, 0)
               : ti32(&g, 2, (int32_t[]){2, 2}, (const int32_t[]){0, 0, 0, 0});
    val = tf(&g, 1, (int32_t[]){2}, (const float[]){0, 0});
    out = tf(&g, 0, NULL, NULL);
    k = node(&g, c == 3 ? ECNN_OP_PADV2 : ECNN_OP_PAD, (int32_t[]){in, pads, val}, c == 3 ? 3 : 2,
             out, NULL);
    static const char *const what[] = {"padding", "shape [2, 2]", "constant", "constant_values"};
    expect_error(&g, k, what[c]);
    ecnn_graph_clear(&g);
  }
}
END_TEST

/* ---- int8 shape inference: the float prepare handles quantized tensors too ---- */

START_TEST(int8_shapes_inferred) {
  ecnn_graph g;
  ecnn_graph_init(&g);
  int8_t w[2 * 3 * 3 * 4] = {0};
  int32_t bias[2] = {0};
  float s = 0.5f;
  int32_t zp = 0;
  int32_t in = ecnn_graph_add_tensor(&g, "x", ECNN_DTYPE_I8, 4, (int32_t[]){1, 5, 5, 4}, NULL, 0);
  int32_t wt =
      ecnn_graph_add_tensor(&g, "w", ECNN_DTYPE_I8, 4, (int32_t[]){2, 3, 3, 4}, w, sizeof w);
  int32_t bt = ecnn_graph_add_tensor(&g, "b", ECNN_DTYPE_I32, 1, (int32_t[]){2}, bias, sizeof bias);
  int32_t out = ecnn_graph_add_tensor(&g, "y", ECNN_DTYPE_I8, 0, NULL, NULL, 0);
  int32_t pooled = ecnn_graph_add_tensor(&g, "p", ECNN_DTYPE_I8, 0, NULL, NULL, 0);
  ck_assert_int_eq(ecnn_graph_set_quant(&g, in, 1, 0, &s, &zp), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_graph_set_quant(&g, wt, 1, 0, &s, &zp), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_graph_set_quant(&g, out, 1, 0, &s, &zp), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_graph_set_quant(&g, pooled, 1, 0, &s, &zp), ECNN_STATUS_OK);
  ecnn_op_params p = params(ECNN_PADDING_VALID, 2, ECNN_ACT_RELU);
  int32_t k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt, bt}, 3, out, &p);
  ck_assert_int_eq(prepare(&g, k), ECNN_STATUS_OK);
  ck_assert_int_eq(g.tensors[out].ndim, 4);
  ck_assert_int_eq(g.tensors[out].dims[1], 2);
  ck_assert_int_eq(g.tensors[out].dims[3], 2);
  ecnn_op_params q = params(ECNN_PADDING_SAME, 2, ECNN_ACT_NONE);
  q.filter_h = q.filter_w = 2;
  k = node(&g, ECNN_OP_MAX_POOL_2D, &out, 1, pooled, &q);
  ck_assert_int_eq(prepare(&g, k), ECNN_STATUS_OK);
  ck_assert_int_eq(g.tensors[pooled].dims[1], 1);
  /* the float run refuses int8 data instead of misreading it */
  void *nodata[8] = {0};
  ecnn_op_ctx ctx = {.graph = &g, .node = &g.nodes[0], .data = nodata};
  ck_assert_int_eq(ecnn_ops[ECNN_OP_CONV_2D].run(&ctx), ECNN_STATUS_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "CONV_2D #0"));
  /* float bias with int8 input is rejected */
  int32_t fb = tf(&g, 1, (int32_t[]){2}, (const float[]){0, 0});
  k = node(&g, ECNN_OP_CONV_2D, (int32_t[]){in, wt, fb}, 3, out, &p);
  expect_error(&g, k, "int32");
  ecnn_graph_clear(&g);
}
END_TEST

/* ---- hostile shapes: random (often inconsistent) geometry; prepare must either fail or
 * accept a node whose run stays inside exactly-sized buffers (checked under ASan) ---- */

static uint32_t rnd(uint32_t *s, uint32_t n) {
  *s = *s * 1664525u + 1013904223u;
  return (*s >> 8) % n;
}

/* Runs an already prepared node k on exactly-sized buffers filled with a pattern. */
static void run_only(ecnn_graph *g, int32_t k) {
  ecnn_node *n = &g->nodes[k];
  void **data = calloc((size_t)g->num_tensors, sizeof(void *));
  ck_assert_ptr_nonnull(data);
  for (int32_t t = 0; t < g->num_tensors; t++) {
    const ecnn_tensor *tt = &g->tensors[t];
    if (tt->data) {
      data[t] = tt->data;
      continue;
    }
    size_t nb = ecnn_tensor_bytes(tt);
    ck_assert_uint_le(nb, (size_t)1 << 24);
    data[t] = malloc(nb ? nb : 1);
    ck_assert_ptr_nonnull(data[t]);
    if (tt->dtype == ECNN_DTYPE_F32) fill_pat(data[t], (int32_t)(nb / 4), 7, 11, 5, 0.25f);
  }
  ecnn_op_ctx ctx = {.graph = g, .node = n, .data = data};
  ck_assert_int_eq(ecnn_ops[n->op].run(&ctx), ECNN_STATUS_OK);
  for (int32_t t = 0; t < g->num_tensors; t++)
    if (!g->tensors[t].data) free(data[t]);
  free(data);
}

START_TEST(hostile_random_geometry) {
  static const ecnn_op ops[] = {ECNN_OP_CONV_2D,
                                ECNN_OP_DEPTHWISE_CONV_2D,
                                ECNN_OP_TRANSPOSE_CONV,
                                ECNN_OP_FULLY_CONNECTED,
                                ECNN_OP_AVERAGE_POOL_2D,
                                ECNN_OP_MAX_POOL_2D,
                                ECNN_OP_MEAN,
                                ECNN_OP_PAD};
  float w[4096];
  fill_pat(w, 4096, 5, 7, 3, 0.5f);
  uint32_t s = 12345;
  int accepted[8] = {0};
  for (int it = 0; it < 4000; it++) {
    ecnn_graph g;
    ecnn_graph_init(&g);
    const uint32_t which = rnd(&s, 8);
    const ecnn_op op = ops[which];
    /* half of the cases are consistent apart from random sizes, the rest anything goes */
    const bool sane = rnd(&s, 2);
    int32_t ind[ECNN_MAX_DIMS], wd[4];
    for (int i = 0; i < ECNN_MAX_DIMS; i++) ind[i] = (int32_t)rnd(&s, 6) + (sane || !i);
    for (int i = 0; i < 4; i++) wd[i] = (int32_t)rnd(&s, 5) + (sane || rnd(&s, 8) != 0);
    int32_t in_nd = !sane && rnd(&s, 6) == 0 ? (int32_t)rnd(&s, 5) + 1 : 4;
    int32_t w_nd = op == ECNN_OP_FULLY_CONNECTED ? 2 : !sane && rnd(&s, 8) == 0 ? 3 : 4;
    int32_t bdim = (int32_t)rnd(&s, 5);
    ecnn_op_params p;
    ecnn_op_params_init(&p);
    p.padding = (ecnn_padding)rnd(&s, sane ? 2 : 3);
    p.stride_h = (int32_t)rnd(&s, 4) + sane;
    p.stride_w = (int32_t)rnd(&s, 4) + sane;
    p.dilation_h = (int32_t)rnd(&s, 3) + sane;
    p.dilation_w = (int32_t)rnd(&s, 3) + sane;
    p.filter_h = (int32_t)rnd(&s, 5) + sane;
    p.filter_w = (int32_t)rnd(&s, 5) + sane;
    p.activation = (ecnn_activation)rnd(&s, sane ? 5 : 6);
    p.keep_dims = rnd(&s, 2);
    int32_t os[4] = {ind[0], (int32_t)rnd(&s, 12) + sane, (int32_t)rnd(&s, 12) + sane, wd[0]};
    int32_t vals[12], pd[2] = {(int32_t)rnd(&s, 6), op == ECNN_OP_PAD ? 2 : 1};
    for (int i = 0; i < 12; i++)
      vals[i] = (int32_t)rnd(&s, 9) - (op == ECNN_OP_MEAN ? 5 : sane ? 0 : 1);
    if (sane) {
      if (op == ECNN_OP_CONV_2D) {
        bool grouped = ind[3] % 2 == 0 && rnd(&s, 2);
        wd[3] = grouped ? ind[3] / 2 : ind[3];
        wd[0] = grouped ? 2 * wd[0] : wd[0];
      } else if (op == ECNN_OP_DEPTHWISE_CONV_2D) {
        wd[0] = 1;
        wd[3] = ind[3] * ((int32_t)rnd(&s, 2) + 1);
      } else if (op == ECNN_OP_TRANSPOSE_CONV) {
        wd[3] = ind[3];
        os[3] = wd[0];
      } else if (op == ECNN_OP_FULLY_CONNECTED) {
        wd[1] = ind[in_nd - 1];
      }
      bdim = op == ECNN_OP_DEPTHWISE_CONV_2D ? wd[3] : wd[0];
      pd[0] = op == ECNN_OP_PAD ? in_nd : (int32_t)rnd(&s, 3) + 1;
    }
    int32_t in = tf(&g, in_nd, ind, NULL);
    int32_t wt = tf(&g, w_nd, wd, count(w_nd, wd) <= 4096 ? w : NULL);
    int32_t bt = rnd(&s, 2) ? tf(&g, 1, &bdim, w) : -1;
    int32_t out = tf(&g, 0, NULL, NULL);
    int32_t k;
    if (op == ECNN_OP_TRANSPOSE_CONV) {
      int32_t shape = ti32(&g, 1, (int32_t[]){4}, os);
      k = node(&g, op, (int32_t[]){shape, wt, in, bt}, 4, out, &p);
    } else if (op == ECNN_OP_MEAN || op == ECNN_OP_PAD) {
      int32_t aux = pd[0] * pd[1] <= 12 ? ti32(&g, op == ECNN_OP_PAD ? 2 : 1, pd, vals)
                                        : ti32(&g, 1, (int32_t[]){1}, vals);
      k = node(&g, op, (int32_t[]){in, aux}, 2, out, &p);
    } else if (op == ECNN_OP_AVERAGE_POOL_2D || op == ECNN_OP_MAX_POOL_2D) {
      k = node(&g, op, &in, 1, out, &p);
    } else {
      k = node(&g, op, (int32_t[]){in, wt, bt}, 3, out, &p);
    }
    if (prepare(&g, k) == ECNN_STATUS_OK) {
      accepted[which]++;
      run_only(&g, k);
    } else {
      ck_assert_msg(strstr(ecnn_last_error(), ecnn_op_name(op)) != NULL,
                    "message '%s' does not name the op", ecnn_last_error());
    }
    ecnn_graph_clear(&g);
  }
  for (int i = 0; i < 8; i++) /* the generator does reach every kernel */
    ck_assert_msg(accepted[i] >= 10, "%s accepted only %d times", ecnn_op_name(ops[i]),
                  accepted[i]);
}
END_TEST

/* ---- kernels called directly (as the SIMD tests will): batch 2 equals two batch-1 runs ---- */

START_TEST(kernel_batch2) {
  float x[2 * 5 * 5 * 3], w[4 * 3 * 3 * 3], b[4] = {1, -1, 0.5f, 0};
  fill_pat(x, 150, 7, 17, 8, 0.25f);
  fill_pat(w, 108, 5, 13, 6, 0.25f);
  ecnn_conv_params p = {.batch = 2,
                        .in_h = 5,
                        .in_w = 5,
                        .in_c = 3,
                        .out_h = 3,
                        .out_w = 3,
                        .out_c = 4,
                        .kernel_h = 3,
                        .kernel_w = 3,
                        .stride_h = 2,
                        .stride_w = 2,
                        .dilation_h = 1,
                        .dilation_w = 1,
                        .pad_top = 1,
                        .pad_left = 1,
                        .groups = 1,
                        .depth_multiplier = 1,
                        .out_min = -INFINITY,
                        .out_max = INFINITY};
  float y2[2 * 36], y1[36];
  ecnn_f32_conv2d__scalar(&p, x, w, b, y2);
  p.batch = 1;
  for (int n = 0; n < 2; n++) {
    ecnn_f32_conv2d__scalar(&p, x + n * 75, w, b, y1);
    for (int i = 0; i < 36; i++) ck_assert_float_eq(y1[i], y2[n * 36 + i]);
  }
}
END_TEST

int main(void) {
  Suite *suite = suite_create("ops_conv");
  TCase *tc = tcase_create("ops_conv");
  tcase_add_test(tc, conv_1x1_input);
  tcase_add_test(tc, conv_stride2_odd_sizes);
  tcase_add_test(tc, conv_same_pads_at_end);
  tcase_add_test(tc, conv_dilation2);
  tcase_add_test(tc, conv_grouped);
  tcase_add_test(tc, conv_every_activation);
  tcase_add_test(tc, conv_errors);
  tcase_add_test(tc, dwconv_multiplier2);
  tcase_add_test(tc, dwconv_stride2_dilation2_relu6);
  tcase_add_test(tc, dwconv_errors);
  tcase_add_test(tc, tconv_stride2_same_and_valid);
  tcase_add_test(tc, tconv_errors);
  tcase_add_test(tc, fc_keep_num_dims_both_ways);
  tcase_add_test(tc, fc_no_bias_relu);
  tcase_add_test(tc, fc_errors);
  tcase_add_test(tc, avgpool_same_counts_in_bounds_only);
  tcase_add_test(tc, maxpool_negative_values);
  tcase_add_test(tc, pool_errors);
  tcase_add_test(tc, mean_axes);
  tcase_add_test(tc, mean_errors);
  tcase_add_test(tc, pad_and_padv2);
  tcase_add_test(tc, int8_shapes_inferred);
  tcase_add_test(tc, hostile_random_geometry);
  tcase_add_test(tc, kernel_batch2);
  suite_add_tcase(suite, tc);
  return tu_run_suite(suite);
}
