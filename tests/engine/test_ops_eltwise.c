/*
 * test_ops_eltwise.c — the elementwise, activation, shape and conversion ops (ADD … MINIMUM,
 * the activations, SOFTMAX, CONCATENATION, RESHAPE, SQUEEZE, RESIZE_*, DEQUANTIZE, QUANTIZE)
 * on tiny hand-built graphs: each node is prepared and run through a minimal runner below
 * (prepare -> buffers sized from the inferred shapes -> run), and outputs are compared with
 * hand-computed literals (each test says how). Error cases check the status and that the
 * message names the op.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "kernels/eltwise.h"
#include "ops/ops.h"
#include "test_util.h"

/* ---- minimal runner ------------------------------------------------------------------ */

#define MAXT 96

typedef struct tg {
  ecnn_graph g;
  void *buf[MAXT];        /* activation storage, allocated after prepare */
  const void *src[MAXT];  /* values to copy into non-constant inputs before the run */
} tg;

static void tg_init(tg *t) {
  memset(t, 0, sizeof *t);
  ecnn_graph_init(&t->g);
}

static void tg_free(tg *t) {
  for (int i = 0; i < MAXT; i++) free(t->buf[i]);
  ecnn_graph_clear(&t->g);
}

static int32_t tensor(tg *t, ecnn_dtype dt, int32_t ndim, const int32_t *dims, const void *data) {
  int32_t tmp[1] = {0};
  size_t bytes = 0;
  if (data) {
    ecnn_tensor probe = {.dtype = dt, .ndim = ndim};
    for (int32_t i = 0; i < ndim; i++) probe.dims[i] = dims[i];
    bytes = ecnn_tensor_bytes(&probe);
  }
  int32_t id = ecnn_graph_add_tensor(&t->g, "t", dt, ndim, ndim ? dims : tmp, data, bytes);
  ck_assert_msg(id >= 0 && id < MAXT, "add_tensor: %s", ecnn_last_error());
  return id;
}

/* A float32 activation tensor whose run-time value is `vals`. */
static int32_t fin(tg *t, int32_t ndim, const int32_t *dims, const float *vals) {
  int32_t id = tensor(t, ECNN_DTYPE_F32, ndim, dims, NULL);
  t->src[id] = vals;
  return id;
}

/* An output tensor with no declared shape. */
static int32_t fout(tg *t, ecnn_dtype dt) { return tensor(t, dt, 0, NULL, NULL); }

static void quant(tg *t, int32_t id, int32_t count, int32_t axis, const float *s,
                  const int32_t *zp) {
  ck_assert_int_eq(ecnn_graph_set_quant(&t->g, id, count, axis, s, zp), ECNN_STATUS_OK);
}

/* The ops under test, called directly (independent of the registry). */
#define MY_OPS(X)                                                                             \
  X(ADD, add) X(SUB, sub) X(MUL, mul) X(DIV, div) X(MAXIMUM, maximum) X(MINIMUM, minimum)    \
  X(CONCATENATION, concatenation) X(RESHAPE, reshape) X(SQUEEZE, squeeze)                     \
  X(SOFTMAX, softmax) X(LOGISTIC, logistic) X(TANH, tanh) X(RELU, relu) X(RELU6, relu6)       \
  X(RELU_N1_TO_1, relu_n1_to_1) X(LEAKY_RELU, leaky_relu) X(PRELU, prelu)                     \
  X(HARD_SWISH, hard_swish) X(RESIZE_BILINEAR, resize_bilinear)                               \
  X(RESIZE_NEAREST_NEIGHBOR, resize_nearest) X(DEQUANTIZE, dequantize) X(QUANTIZE, quantize)

static ecnn_status dispatch_prepare(ecnn_graph *g, ecnn_node *n) {
  switch (n->op) {
#define X(e, name)                                                                            \
  case ECNN_OP_##e: return ecnn_op_##name##_prepare(g, n);
    MY_OPS(X)
#undef X
  default: return ECNN_STATUS_UNSUPPORTED;
  }
}

static ecnn_status dispatch_run(const ecnn_op_ctx *ctx) {
  switch (ctx->node->op) {
#define X(e, name)                                                                            \
  case ECNN_OP_##e: return ecnn_op_##name##_run(ctx);
    MY_OPS(X)
#undef X
  default: return ECNN_STATUS_UNSUPPORTED;
  }
}

/* Adds one node, prepares it and, when that succeeds, runs it. */
static ecnn_status op(tg *t, ecnn_op o, const int32_t *ins, int32_t nin, int32_t out,
                      const ecnn_op_params *p) {
  int32_t k = ecnn_graph_add_node(&t->g, o, ins, nin, &out, 1, p);
  ck_assert_msg(k >= 0, "add_node: %s", ecnn_last_error());
  ecnn_node *n = &t->g.nodes[k];
  ecnn_status st = dispatch_prepare(&t->g, n);
  if (st != ECNN_STATUS_OK) return st;
  void *data[MAXT] = {0};
  for (int32_t i = 0; i < t->g.num_tensors; i++) {
    ecnn_tensor *tt = &t->g.tensors[i];
    if (tt->data) {
      data[i] = tt->data;
      continue;
    }
    if (!t->buf[i]) { /* earlier outputs keep their values */
      size_t bytes = ecnn_tensor_bytes(tt);
      t->buf[i] = calloc(bytes ? bytes : 1, 1);
      ck_assert_ptr_nonnull(t->buf[i]);
      if (t->src[i]) memcpy(t->buf[i], t->src[i], bytes);
    }
    data[i] = t->buf[i];
  }
  ecnn_op_ctx ctx = {.graph = &t->g, .node = n, .data = data};
  return dispatch_run(&ctx);
}

static const ecnn_tensor *T(tg *t, int32_t id) { return &t->g.tensors[id]; }
static const float *F(tg *t, int32_t id) { return t->buf[id]; }

static void expect_shape(tg *t, int32_t id, int32_t ndim, const int32_t *dims) {
  ck_assert_int_eq(T(t, id)->ndim, ndim);
  for (int32_t i = 0; i < ndim; i++) ck_assert_int_eq(T(t, id)->dims[i], dims[i]);
}

static void expect_f(tg *t, int32_t id, const float *want, size_t n, float tol) {
  ck_assert_uint_eq((size_t)ecnn_tensor_elements(T(t, id)), n);
  const float *got = F(t, id);
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(fabsf(got[i] - want[i]) <= tol, "element %zu: got %.9g, want %.9g", i,
                  (double)got[i], (double)want[i]);
}

static void expect_error(ecnn_status st, const char *opname) {
  ck_assert_int_ne(st, ECNN_STATUS_OK);
  ck_assert_msg(strstr(ecnn_last_error(), opname) != NULL, "message '%s' lacks '%s'",
                ecnn_last_error(), opname);
}

static ecnn_op_params params(void) {
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  return p;
}

/* One binary op a (shape da) op b (shape db); returns the output id. */
static int32_t binop(tg *t, ecnn_op o, int32_t na, const int32_t *da, const float *a, int32_t nb,
                     const int32_t *db, const float *b, ecnn_activation act) {
  ecnn_op_params p = params();
  p.activation = act;
  int32_t ins[2] = {fin(t, na, da, a), fin(t, nb, db, b)}, y = fout(t, ECNN_DTYPE_F32);
  ck_assert_msg(op(t, o, ins, 2, y, &p) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  return y;
}

/* ---- binary ops --------------------------------------------------------------------- */

/* a[i][j] = 3i + j ([2,3,1]); b[j][k] = 100j + 10k ([1,3,4]). */
static const int32_t D231[3] = {2, 3, 1}, D134[3] = {1, 3, 4};
static const float A231[6] = {0, 1, 2, 3, 4, 5};
static const float B134[12] = {0, 10, 20, 30, 100, 110, 120, 130, 200, 210, 220, 230};

START_TEST(add_broadcast_2x3x1_1x3x4) {
  tg t;
  tg_init(&t);
  int32_t y = binop(&t, ECNN_OP_ADD, 3, D231, A231, 3, D134, B134, ECNN_ACT_NONE);
  const int32_t want_dims[3] = {2, 3, 4};
  expect_shape(&t, y, 3, want_dims);
  /* out[i][j][k] = (3i + j) + (100j + 10k) */
  const float want[24] = {0, 10, 20, 30, 101, 111, 121, 131, 202, 212, 222, 232,
                          3, 13, 23, 33, 104, 114, 124, 134, 205, 215, 225, 235};
  expect_f(&t, y, want, 24, 0);
  tg_free(&t);
}
END_TEST

START_TEST(sub_broadcast_both_directions) {
  tg t;
  tg_init(&t);
  /* a - b: inner axis of a broadcast -> reversed scalar kernel; out = 3i + j - 100j - 10k */
  int32_t y1 = binop(&t, ECNN_OP_SUB, 3, D231, A231, 3, D134, B134, ECNN_ACT_NONE);
  const float w1[24] = {0,  -10,  -20,  -30,  -99,  -109, -119, -129, -198, -208, -218, -228,
                        3,  -7,   -17,  -27,  -96,  -106, -116, -126, -195, -205, -215, -225};
  expect_f(&t, y1, w1, 24, 0);
  /* b - a */
  int32_t y2 = binop(&t, ECNN_OP_SUB, 3, D134, B134, 3, D231, A231, ECNN_ACT_NONE);
  for (int i = 0; i < 24; i++) ck_assert_float_eq(F(&t, y2)[i], -w1[i]);
  tg_free(&t);
}
END_TEST

START_TEST(scalar_and_div) {
  tg t;
  tg_init(&t);
  const int32_t d22[2] = {2, 2};
  const float a[4] = {1, -2, 3, -4}, two[1] = {2}, mtwo[1] = {-2};
  /* [2,2] * scalar(ndim 0) 2 */
  int32_t y1 = binop(&t, ECNN_OP_MUL, 2, d22, a, 0, NULL, two, ECNN_ACT_NONE);
  const float w1[4] = {2, -4, 6, -8};
  expect_shape(&t, y1, 2, d22);
  expect_f(&t, y1, w1, 4, 0);
  /* scalar 2 / a: 2/1, 2/-2, 2/3, 2/-4 */
  int32_t y2 = binop(&t, ECNN_OP_DIV, 0, NULL, two, 2, d22, a, ECNN_ACT_NONE);
  const float w2[4] = {2, -1, 0.6666667f, -0.5f};
  expect_f(&t, y2, w2, 4, 1e-7f);
  /* a / [-2] (shape [1]) */
  const int32_t d1[1] = {1};
  int32_t y3 = binop(&t, ECNN_OP_DIV, 2, d22, a, 1, d1, mtwo, ECNN_ACT_NONE);
  const float w3[4] = {-0.5f, 1, -1.5f, 2};
  expect_f(&t, y3, w3, 4, 0);
  /* 1 / 0 = inf, as TFLite's float division */
  const float one[1] = {1}, zero[1] = {0};
  int32_t y4 = binop(&t, ECNN_OP_DIV, 1, d1, one, 1, d1, zero, ECNN_ACT_NONE);
  ck_assert(isinf(F(&t, y4)[0]) && F(&t, y4)[0] > 0);
  tg_free(&t);
}
END_TEST

START_TEST(last_axis_and_rank_mismatch) {
  tg t;
  tg_init(&t);
  const int32_t d23[2] = {2, 3}, d3[1] = {3}, d41[2] = {4, 1}, d4[1] = {4};
  const float a[6] = {1, 2, 3, 4, 5, 6}, b[3] = {10, 20, 30}, c[4] = {1, 2, 3, 4};
  /* [2,3] + [3]: rows plus {10,20,30} */
  int32_t y1 = binop(&t, ECNN_OP_ADD, 2, d23, a, 1, d3, b, ECNN_ACT_NONE);
  const float w1[6] = {11, 22, 33, 14, 25, 36};
  expect_f(&t, y1, w1, 6, 0);
  /* [4,1] * [3] -> [4,3], outer product c[i] * b[j] */
  int32_t y2 = binop(&t, ECNN_OP_MUL, 2, d41, c, 1, d3, b, ECNN_ACT_NONE);
  const int32_t d43[2] = {4, 3};
  expect_shape(&t, y2, 2, d43);
  const float w2[12] = {10, 20, 30, 20, 40, 60, 30, 60, 90, 40, 80, 120};
  expect_f(&t, y2, w2, 12, 0);
  /* [2,3] vs [4] do not broadcast */
  int32_t ins[2] = {fin(&t, 2, d23, a), fin(&t, 1, d4, c)};
  expect_error(op(&t, ECNN_OP_ADD, ins, 2, fout(&t, ECNN_DTYPE_F32), NULL), "ADD #");
  tg_free(&t);
}
END_TEST

START_TEST(fused_activations) {
  tg t;
  tg_init(&t);
  const int32_t d4[1] = {4}, d2[1] = {2};
  const float a[4] = {-3, -1.5f, -0.5f, 6}, one[1] = {1};
  /* a + 1 = {-2, -0.5, 0.5, 7}, then each activation */
  int32_t r = binop(&t, ECNN_OP_ADD, 1, d4, a, 0, NULL, one, ECNN_ACT_RELU);
  const float wr[4] = {0, 0, 0.5f, 7};
  expect_f(&t, r, wr, 4, 0);
  int32_t r6 = binop(&t, ECNN_OP_ADD, 1, d4, a, 0, NULL, one, ECNN_ACT_RELU6);
  const float wr6[4] = {0, 0, 0.5f, 6};
  expect_f(&t, r6, wr6, 4, 0);
  int32_t r1 = binop(&t, ECNN_OP_ADD, 1, d4, a, 0, NULL, one, ECNN_ACT_RELU_N1_TO_1);
  const float wr1[4] = {-1, -0.5f, 0.5f, 1};
  expect_f(&t, r1, wr1, 4, 0);
  int32_t th = binop(&t, ECNN_OP_ADD, 1, d4, a, 0, NULL, one, ECNN_ACT_TANH);
  const float wth[4] = {-0.96402758f, -0.46211716f, 0.46211716f, 0.99999834f}; /* math.tanh */
  expect_f(&t, th, wth, 4, 1e-6f);
  /* SUB + RELU: {1,5} - {3,2} = {-2,3} -> {0,3} */
  const float s1[2] = {1, 5}, s2[2] = {3, 2};
  int32_t ys = binop(&t, ECNN_OP_SUB, 1, d2, s1, 1, d2, s2, ECNN_ACT_RELU);
  const float ws[2] = {0, 3};
  expect_f(&t, ys, ws, 2, 0);
  /* MUL + RELU6: {2,-1} * {4,1} = {8,-1} -> {6,0} */
  const float m1[2] = {2, -1}, m2[2] = {4, 1};
  int32_t ym = binop(&t, ECNN_OP_MUL, 1, d2, m1, 1, d2, m2, ECNN_ACT_RELU6);
  const float wm[2] = {6, 0};
  expect_f(&t, ym, wm, 2, 0);
  /* DIV + RELU_N1_TO_1: {-6,1} / {2,4} = {-3,0.25} -> {-1,0.25} */
  const float q1[2] = {-6, 1}, q2[2] = {2, 4};
  int32_t yq = binop(&t, ECNN_OP_DIV, 1, d2, q1, 1, d2, q2, ECNN_ACT_RELU_N1_TO_1);
  const float wq[2] = {-1, 0.25f};
  expect_f(&t, yq, wq, 2, 0);
  /* SIGN_BIT is rejected */
  ecnn_op_params p = params();
  p.activation = ECNN_ACT_SIGN_BIT;
  int32_t ins[2] = {fin(&t, 1, d2, q1), fin(&t, 1, d2, q2)};
  expect_error(op(&t, ECNN_OP_MUL, ins, 2, fout(&t, ECNN_DTYPE_F32), &p), "MUL #");
  tg_free(&t);
}
END_TEST

START_TEST(maximum_minimum_and_types) {
  tg t;
  tg_init(&t);
  const int32_t d3[1] = {3};
  const float a[3] = {1, -2, 3}, b[3] = {0, 0, 5};
  int32_t mx = binop(&t, ECNN_OP_MAXIMUM, 1, d3, a, 1, d3, b, ECNN_ACT_NONE);
  int32_t mn = binop(&t, ECNN_OP_MINIMUM, 1, d3, a, 1, d3, b, ECNN_ACT_NONE);
  const float wmx[3] = {1, 0, 5}, wmn[3] = {0, -2, 3};
  expect_f(&t, mx, wmx, 3, 0);
  expect_f(&t, mn, wmn, 3, 0);
  /* float32 + int32 is refused; so is a missing input */
  int32_t ins[2] = {fin(&t, 1, d3, a), tensor(&t, ECNN_DTYPE_I32, 1, d3, NULL)};
  expect_error(op(&t, ECNN_OP_ADD, ins, 2, fout(&t, ECNN_DTYPE_F32), NULL), "ADD #");
  ins[1] = -1;
  expect_error(op(&t, ECNN_OP_SUB, ins, 2, fout(&t, ECNN_DTYPE_F32), NULL), "SUB #");
  tg_free(&t);
}
END_TEST

/* ---- activations ---------------------------------------------------------------------- */

static const int32_t D7[1] = {7};
static const float X7[7] = {-3, -1, 0, 1, 3, 6, 7};

static int32_t unop(tg *t, ecnn_op o, const ecnn_op_params *p) {
  int32_t x = fin(t, 1, D7, X7), y = fout(t, ECNN_DTYPE_F32);
  ck_assert_msg(op(t, o, &x, 1, y, p) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  expect_shape(t, y, 1, D7);
  return y;
}

START_TEST(activations_at_breakpoints) {
  tg t;
  tg_init(&t);
  const float relu[7] = {0, 0, 0, 1, 3, 6, 7}, relu6[7] = {0, 0, 0, 1, 3, 6, 6};
  const float n1[7] = {-1, -1, 0, 1, 1, 1, 1};
  expect_f(&t, unop(&t, ECNN_OP_RELU, NULL), relu, 7, 0);
  expect_f(&t, unop(&t, ECNN_OP_RELU6, NULL), relu6, 7, 0);
  expect_f(&t, unop(&t, ECNN_OP_RELU_N1_TO_1, NULL), n1, 7, 0);
  /* leaky, alpha 0.2: negatives times 0.2 */
  ecnn_op_params p = params();
  p.alpha = 0.2f;
  const float leaky[7] = {-0.6f, -0.2f, 0, 1, 3, 6, 7};
  expect_f(&t, unop(&t, ECNN_OP_LEAKY_RELU, &p), leaky, 7, 1e-7f);
  /* hard swish x * clamp(x + 3, 0, 6) / 6: -3*0, -1*2/6, 0, 1*4/6, 3*6/6, 6, 7 */
  const float hs[7] = {0, -1.0f / 3, 0, 2.0f / 3, 3, 6, 7};
  expect_f(&t, unop(&t, ECNN_OP_HARD_SWISH, NULL), hs, 7, 1e-7f);
  /* logistic 1 / (1 + exp(-x)) and tanh, from Python's math module */
  const float sig[7] = {0.047425873f, 0.26894142f, 0.5f,       0.73105858f,
                        0.95257413f,  0.99752738f, 0.99908895f};
  expect_f(&t, unop(&t, ECNN_OP_LOGISTIC, NULL), sig, 7, 1e-6f);
  const float th[7] = {-0.99505475f, -0.76159416f, 0, 0.76159416f, 0.99505475f, 0.99998771f,
                       0.99999834f};
  expect_f(&t, unop(&t, ECNN_OP_TANH, NULL), th, 7, 1e-6f);
  /* logistic saturates without nan */
  const int32_t d2[1] = {2};
  const float big[2] = {-200, 200};
  int32_t x = fin(&t, 1, d2, big), y = fout(&t, ECNN_DTYPE_F32);
  ck_assert_int_eq(op(&t, ECNN_OP_LOGISTIC, &x, 1, y, NULL), ECNN_STATUS_OK);
  ck_assert_float_eq(F(&t, y)[0], 0.0f);
  ck_assert_float_eq(F(&t, y)[1], 1.0f);
  /* leaky with a nan alpha is refused */
  p.alpha = NAN;
  x = fin(&t, 1, D7, X7);
  expect_error(op(&t, ECNN_OP_LEAKY_RELU, &x, 1, fout(&t, ECNN_DTYPE_F32), &p), "LEAKY_RELU #");
  tg_free(&t);
}
END_TEST

START_TEST(prelu_broadcast) {
  tg t;
  tg_init(&t);
  /* x [1,2,2,2] (pixels (c0,c1)): (-1,-2) (3,-4) (0,-6) (1,1); alpha per channel {0.1, 0.5} */
  const int32_t dx[4] = {1, 2, 2, 2}, da1[1] = {2}, da3[3] = {1, 1, 2};
  const float x[8] = {-1, -2, 3, -4, 0, -6, 1, 1}, alpha[2] = {0.1f, 0.5f};
  const float want[8] = {-0.1f, -1, 3, -2, 0, -3, 1, 1};
  for (int k = 0; k < 2; k++) {
    int32_t ins[2] = {fin(&t, 4, dx, x), fin(&t, k ? 3 : 1, k ? da3 : da1, alpha)};
    int32_t y = fout(&t, ECNN_DTYPE_F32);
    ck_assert_int_eq(op(&t, ECNN_OP_PRELU, ins, 2, y, NULL), ECNN_STATUS_OK);
    expect_shape(&t, y, 4, dx);
    expect_f(&t, y, want, 8, 1e-7f);
  }
  /* alpha of 3 channels against 2 */
  const int32_t d3[1] = {3};
  const float a3[3] = {1, 2, 3};
  int32_t ins[2] = {fin(&t, 4, dx, x), fin(&t, 1, d3, a3)};
  expect_error(op(&t, ECNN_OP_PRELU, ins, 2, fout(&t, ECNN_DTYPE_F32), NULL), "PRELU #");
  tg_free(&t);
}
END_TEST

/* ---- softmax ------------------------------------------------------------------------- */

START_TEST(softmax_beta_and_large_values) {
  tg t;
  tg_init(&t);
  /* beta 2 on {1,2,3}: exp(2(x-3)) = e^-4, e^-2, 1 normalized (Python math) */
  const int32_t d3[1] = {3};
  const float x[3] = {1, 2, 3};
  ecnn_op_params p = params();
  p.beta = 2;
  int32_t in = fin(&t, 1, d3, x), y = fout(&t, ECNN_DTYPE_F32);
  ck_assert_int_eq(op(&t, ECNN_OP_SOFTMAX, &in, 1, y, &p), ECNN_STATUS_OK);
  const float w[3] = {0.01587624f, 0.11731043f, 0.86681333f};
  expect_f(&t, y, w, 3, 1e-6f);
  /* two rows, beta 1: {1000,1001,1002} -> e^-2, e^-1, 1 normalized; {-1000 x3} -> 1/3 each */
  const int32_t d23[2] = {2, 3};
  const float xl[6] = {1000, 1001, 1002, -1000, -1000, -1000};
  p.beta = 1;
  in = fin(&t, 2, d23, xl);
  y = fout(&t, ECNN_DTYPE_F32);
  ck_assert_int_eq(op(&t, ECNN_OP_SOFTMAX, &in, 1, y, &p), ECNN_STATUS_OK);
  const float wl[6] = {0.090030573f, 0.24472847f, 0.66524096f, 1.0f / 3, 1.0f / 3, 1.0f / 3};
  expect_f(&t, y, wl, 6, 1e-6f);
  /* infinite beta is refused */
  p.beta = INFINITY;
  in = fin(&t, 1, d3, x);
  expect_error(op(&t, ECNN_OP_SOFTMAX, &in, 1, fout(&t, ECNN_DTYPE_F32), &p), "SOFTMAX #");
  tg_free(&t);
}
END_TEST

/* ---- concatenation, reshape, squeeze ---------------------------------------------------- */

static int32_t concat(tg *t, int32_t axis, ecnn_activation act, int32_t n, const int32_t *ins) {
  ecnn_op_params p = params();
  p.axis = axis;
  p.activation = act;
  int32_t y = fout(t, ECNN_DTYPE_F32);
  ck_assert_msg(op(t, ECNN_OP_CONCATENATION, ins, n, y, &p) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  return y;
}

START_TEST(concatenation_axes) {
  tg t;
  tg_init(&t);
  const int32_t d12[2] = {1, 2}, d22[2] = {2, 2}, d21[2] = {2, 1};
  const float a[2] = {1, 2}, b[4] = {3, 4, 5, 6};
  /* axis 0: [1,2] ++ [2,2] -> rows {1,2},{3,4},{5,6} */
  int32_t ins[3] = {fin(&t, 2, d12, a), fin(&t, 2, d22, b)};
  int32_t y = concat(&t, 0, ECNN_ACT_NONE, 2, ins);
  const int32_t d32[2] = {3, 2};
  expect_shape(&t, y, 2, d32);
  const float w0[6] = {1, 2, 3, 4, 5, 6};
  expect_f(&t, y, w0, 6, 0);
  /* axis -1: [2,1] ++ [2,2] -> {1,3,4},{2,5,6} */
  ins[0] = fin(&t, 2, d21, a);
  ins[1] = fin(&t, 2, d22, b);
  y = concat(&t, -1, ECNN_ACT_NONE, 2, ins);
  const float w1[6] = {1, 3, 4, 2, 5, 6};
  expect_f(&t, y, w1, 6, 0);
  /* middle axis 1 of three inputs [2,1,2] ++ [2,2,2] ++ [2,1,2], RELU on negatives */
  const int32_t d212[3] = {2, 1, 2}, d222[3] = {2, 2, 2};
  const float c[4] = {1, 2, 3, 4}, d[8] = {10, 11, 12, 13, 14, 15, 16, 17};
  const float e[4] = {-1, 5, 6, -7};
  ins[0] = fin(&t, 3, d212, c);
  ins[1] = fin(&t, 3, d222, d);
  ins[2] = fin(&t, 3, d212, e);
  y = concat(&t, 1, ECNN_ACT_RELU, 3, ins);
  const int32_t d242[3] = {2, 4, 2};
  expect_shape(&t, y, 3, d242);
  const float w2[16] = {1, 2, 10, 11, 12, 13, 0, 5, 3, 4, 14, 15, 16, 17, 6, 0};
  expect_f(&t, y, w2, 16, 0);
  /* errors: other dims differ; axis out of range */
  ins[0] = fin(&t, 2, d12, a);
  ins[1] = fin(&t, 2, d21, a);
  ecnn_op_params p = params();
  expect_error(op(&t, ECNN_OP_CONCATENATION, ins, 2, fout(&t, ECNN_DTYPE_F32), &p),
               "CONCATENATION #");
  p.axis = 2;
  ins[1] = fin(&t, 2, d12, a);
  expect_error(op(&t, ECNN_OP_CONCATENATION, ins, 2, fout(&t, ECNN_DTYPE_F32), &p),
               "CONCATENATION #");
  /* an absent input in the middle */
  p.axis = 0;
  ins[1] = -1;
  ins[2] = fin(&t, 2, d12, a);
  expect_error(op(&t, ECNN_OP_CONCATENATION, ins, 3, fout(&t, ECNN_DTYPE_F32), &p),
               "CONCATENATION #");
  tg_free(&t);
}
END_TEST

START_TEST(concatenation_int8_bytes) {
  tg t;
  tg_init(&t);
  const int32_t d2[1] = {2}, d3[1] = {3};
  const int8_t a[2] = {-128, 5}, b[3] = {1, 2, 127};
  const float s[1] = {0.5f};
  const int32_t zp[1] = {-3}, zp2[1] = {4};
  int32_t ins[2] = {tensor(&t, ECNN_DTYPE_I8, 1, d2, NULL), tensor(&t, ECNN_DTYPE_I8, 1, d3, NULL)};
  int32_t y = fout(&t, ECNN_DTYPE_I8);
  quant(&t, ins[0], 1, 0, s, zp);
  quant(&t, ins[1], 1, 0, s, zp);
  quant(&t, y, 1, 0, s, zp);
  t.src[ins[0]] = a;
  t.src[ins[1]] = b;
  ck_assert_int_eq(op(&t, ECNN_OP_CONCATENATION, ins, 2, y, NULL), ECNN_STATUS_OK);
  const int8_t want[5] = {-128, 5, 1, 2, 127};
  ck_assert_int_eq(memcmp(t.buf[y], want, 5), 0);
  /* int8 inputs quantized unlike the output: refused (TFLite requires equal parameters) */
  int32_t y2 = fout(&t, ECNN_DTYPE_I8);
  quant(&t, y2, 1, 0, s, zp2);
  expect_error(op(&t, ECNN_OP_CONCATENATION, ins, 2, y2, NULL), "CONCATENATION #");
  tg_free(&t);
}
END_TEST

START_TEST(reshape_cases) {
  tg t;
  tg_init(&t);
  const int32_t d23[2] = {2, 3}, d2[1] = {2};
  const float x[6] = {1, 2, 3, 4, 5, 6};
  /* shape tensor {3, -1} -> [3, 2], same bytes */
  const int32_t shp[2] = {3, -1};
  int32_t ins[2] = {fin(&t, 2, d23, x), tensor(&t, ECNN_DTYPE_I32, 1, d2, shp)};
  int32_t y = fout(&t, ECNN_DTYPE_F32);
  ck_assert_int_eq(op(&t, ECNN_OP_RESHAPE, ins, 2, y, NULL), ECNN_STATUS_OK);
  const int32_t d32[2] = {3, 2};
  expect_shape(&t, y, 2, d32);
  expect_f(&t, y, x, 6, 0);
  /* options' new_shape {-1} -> [6] */
  ecnn_op_params p = params();
  p.num_new_shape = 1;
  p.new_shape[0] = -1;
  int32_t in = fin(&t, 2, d23, x);
  y = fout(&t, ECNN_DTYPE_F32);
  ck_assert_int_eq(op(&t, ECNN_OP_RESHAPE, &in, 1, y, &p), ECNN_STATUS_OK);
  const int32_t d6[1] = {6};
  expect_shape(&t, y, 1, d6);
  /* int32 data moves as bytes */
  const int32_t iv[6] = {7, -8, 9, 10, 11, -12};
  in = tensor(&t, ECNN_DTYPE_I32, 2, d23, NULL);
  t.src[in] = iv;
  y = fout(&t, ECNN_DTYPE_I32);
  ck_assert_int_eq(op(&t, ECNN_OP_RESHAPE, &in, 1, y, &p), ECNN_STATUS_OK);
  ck_assert_int_eq(memcmp(t.buf[y], iv, sizeof iv), 0);
  /* bad element count {4, 2}: invalid model */
  const int32_t bad[2] = {4, 2}, two_m1[2] = {-1, -1}, neg[2] = {-2, -3};
  const int32_t *cases[3] = {bad, two_m1, neg};
  for (int k = 0; k < 3; k++) {
    ins[0] = fin(&t, 2, d23, x);
    ins[1] = tensor(&t, ECNN_DTYPE_I32, 1, d2, cases[k]);
    ecnn_status st = op(&t, ECNN_OP_RESHAPE, ins, 2, fout(&t, ECNN_DTYPE_F32), NULL);
    expect_error(st, "RESHAPE #");
    ck_assert_int_eq(st, ECNN_STATUS_INVALID_MODEL);
  }
  /* a computed (non-constant) shape without options: dynamic, unsupported */
  ins[0] = fin(&t, 2, d23, x);
  ins[1] = tensor(&t, ECNN_DTYPE_I32, 1, d2, NULL);
  expect_error(op(&t, ECNN_OP_RESHAPE, ins, 2, fout(&t, ECNN_DTYPE_F32), NULL), "RESHAPE #");
  tg_free(&t);
}
END_TEST

START_TEST(squeeze_cases) {
  tg t;
  tg_init(&t);
  const int32_t d[4] = {1, 2, 1, 3};
  const float x[6] = {1, 2, 3, 4, 5, 6};
  ecnn_op_params p = params();
  p.num_squeeze_dims = -1; /* all size-1 dims */
  int32_t in = fin(&t, 4, d, x), y = fout(&t, ECNN_DTYPE_F32);
  ck_assert_int_eq(op(&t, ECNN_OP_SQUEEZE, &in, 1, y, &p), ECNN_STATUS_OK);
  const int32_t w1[2] = {2, 3};
  expect_shape(&t, y, 2, w1);
  expect_f(&t, y, x, 6, 0);
  p.num_squeeze_dims = 1;
  p.squeeze_dims[0] = 0;
  in = fin(&t, 4, d, x);
  y = fout(&t, ECNN_DTYPE_F32);
  ck_assert_int_eq(op(&t, ECNN_OP_SQUEEZE, &in, 1, y, &p), ECNN_STATUS_OK);
  const int32_t w2[3] = {2, 1, 3};
  expect_shape(&t, y, 3, w2);
  p.squeeze_dims[0] = -2;
  in = fin(&t, 4, d, x);
  y = fout(&t, ECNN_DTYPE_F32);
  ck_assert_int_eq(op(&t, ECNN_OP_SQUEEZE, &in, 1, y, &p), ECNN_STATUS_OK);
  const int32_t w3[3] = {1, 2, 3};
  expect_shape(&t, y, 3, w3);
  /* dim 1 has size 2; dim 4 does not exist */
  p.squeeze_dims[0] = 1;
  in = fin(&t, 4, d, x);
  expect_error(op(&t, ECNN_OP_SQUEEZE, &in, 1, fout(&t, ECNN_DTYPE_F32), &p), "SQUEEZE #");
  p.squeeze_dims[0] = 4;
  in = fin(&t, 4, d, x);
  expect_error(op(&t, ECNN_OP_SQUEEZE, &in, 1, fout(&t, ECNN_DTYPE_F32), &p), "SQUEEZE #");
  tg_free(&t);
}
END_TEST

/* ---- resize ---------------------------------------------------------------------------- */

/* Resizes x [1,h,w,c] to oh x ow; returns the output id (or -1 with *st set on failure). */
static int32_t resize(tg *t, ecnn_op o, int32_t h, int32_t w, int32_t c, const float *x,
                      int32_t oh, int32_t ow, bool align, bool half, ecnn_status *st) {
  const int32_t dx[4] = {1, h, w, c}, d2[1] = {2}, hw[2] = {oh, ow};
  ecnn_op_params p = params();
  p.align_corners = align;
  p.half_pixel_centers = half;
  int32_t ins[2] = {fin(t, 4, dx, x), tensor(t, ECNN_DTYPE_I32, 1, d2, hw)};
  int32_t y = fout(t, ECNN_DTYPE_F32);
  *st = op(t, o, ins, 2, y, &p);
  return y;
}

START_TEST(resize_bilinear_modes) {
  tg t;
  tg_init(&t);
  ecnn_status st;
  /* 2x2 {0,1;2,3} = 2y + x -> 4x4. The kernel interpolates at coordinates clamped to the
   * input, so out = 2 * cy + cx with per-mode coordinates (worked out by hand):
   *   (0,0): o * 0.5 -> 0, 0.5, 1, 1(.5 clamped)
   *   (1,0): o * 1/3 -> 0, 1/3, 2/3, 1
   *   (0,1): (o + 0.5) * 0.5 - 0.5 -> 0(-0.25), 0.25, 0.75, 1(1.25) */
  const float x22[4] = {0, 1, 2, 3};
  const float c0[4] = {0, 0.5f, 1, 1}, c1[4] = {0, 1.0f / 3, 2.0f / 3, 1};
  const float c2[4] = {0, 0.25f, 0.75f, 1};
  const float *coords[3] = {c0, c1, c2};
  const bool modes[3][2] = {{false, false}, {true, false}, {false, true}};
  for (int m = 0; m < 3; m++) {
    int32_t y = resize(&t, ECNN_OP_RESIZE_BILINEAR, 2, 2, 1, x22, 4, 4, modes[m][0], modes[m][1],
                       &st);
    ck_assert_msg(st == ECNN_STATUS_OK, "%s", ecnn_last_error());
    const int32_t dy[4] = {1, 4, 4, 1};
    expect_shape(&t, y, 4, dy);
    float want[16];
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++) want[i * 4 + j] = 2 * coords[m][i] + coords[m][j];
    expect_f(&t, y, want, 16, 1e-6f);
  }
  /* 3x3 of f(y,x) = 10y + x + xy (bilinear, so interpolation is exact) -> 5x2. Coordinates:
   *   (0,0): y 0, .6, 1.2, 1.8, 2(2.4)   x 0, 1.5
   *   (1,0): y 0, .5, 1, 1.5, 2          x 0, 2
   *   (0,1): y 0(-.2), .4, 1, 1.6, 2(2.2) x .25, 1.75
   * values f at those points (evaluated in Python) */
  float x33[9];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) x33[i * 3 + j] = 10.0f * i + j + i * j;
  const float want53[3][10] = {{0, 1.5f, 6, 8.4f, 12, 15.3f, 18, 22.2f, 20, 24.5f},
                               {0, 2, 5, 8, 10, 14, 15, 20, 20, 26},
                               {0.25f, 1.75f, 4.35f, 6.45f, 10.5f, 13.5f, 16.65f, 20.55f, 20.75f,
                                25.25f}};
  for (int m = 0; m < 3; m++) {
    int32_t y = resize(&t, ECNN_OP_RESIZE_BILINEAR, 3, 3, 1, x33, 5, 2, modes[m][0], modes[m][1],
                       &st);
    ck_assert_int_eq(st, ECNN_STATUS_OK);
    expect_f(&t, y, want53[m], 10, 2e-5f);
  }
  /* 1x1 input with 2 channels: every output pixel repeats it, in every mode */
  const float one[2] = {7, -1};
  for (int m = 0; m < 3; m++) {
    int32_t y = resize(&t, ECNN_OP_RESIZE_BILINEAR, 1, 1, 2, one, 3, 2, modes[m][0],
                       modes[m][1], &st);
    ck_assert_int_eq(st, ECNN_STATUS_OK);
    const float want[12] = {7, -1, 7, -1, 7, -1, 7, -1, 7, -1, 7, -1};
    /* half-pixel weights are 4/3 and -1/3 on the same pixel (as in TFLite): float rounding */
    expect_f(&t, y, want, 12, 2e-6f);
  }
  /* both flags, zero size: refused */
  resize(&t, ECNN_OP_RESIZE_BILINEAR, 2, 2, 1, x22, 4, 4, true, true, &st);
  expect_error(st, "RESIZE_BILINEAR #");
  resize(&t, ECNN_OP_RESIZE_BILINEAR, 2, 2, 1, x22, 0, 4, false, false, &st);
  expect_error(st, "RESIZE_BILINEAR #");
  tg_free(&t);
}
END_TEST

START_TEST(resize_nearest_modes) {
  tg t;
  tg_init(&t);
  ecnn_status st;
  /* Source indices by hand from TFLite's GetNearestNeighbor:
   *   (0,0) floor(o * in/out); (1,0) round(o * (in-1)/(out-1)); (0,1) floor((o+.5) * in/out)
   *   2->4: (0,0) 0,0,1,1   (1,0) 0,0,1,1 (0, .33, .67, 1)   (0,1) 0,0,1,1 (.25,.75,1.25,1.75)
   *   3->5: (0,0) 0,0,1,1,2 (1,0) 0,1,1,2,2 (round .5 up)   (0,1) 0,0,1,2,2 (.3,.9,1.5,2.1,2.7)
   *   3->2: (0,0) 0,1       (1,0) 0,2                        (0,1) 0,2 (.75, 2.25) */
  const int32_t i24[3][4] = {{0, 0, 1, 1}, {0, 0, 1, 1}, {0, 0, 1, 1}};
  const int32_t i35[3][5] = {{0, 0, 1, 1, 2}, {0, 1, 1, 2, 2}, {0, 0, 1, 2, 2}};
  const int32_t i32[3][2] = {{0, 1}, {0, 2}, {0, 2}};
  const bool modes[3][2] = {{false, false}, {true, false}, {false, true}};
  const float x22[4] = {0, 1, 10, 11};
  float x33[9];
  for (int i = 0; i < 9; i++) x33[i] = 10.0f * (i / 3) + (i % 3); /* 10y + x */
  for (int m = 0; m < 3; m++) {
    int32_t y = resize(&t, ECNN_OP_RESIZE_NEAREST_NEIGHBOR, 2, 2, 1, x22, 4, 4, modes[m][0],
                       modes[m][1], &st);
    ck_assert_msg(st == ECNN_STATUS_OK, "%s", ecnn_last_error());
    float want[16];
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++) want[i * 4 + j] = 10.0f * i24[m][i] + i24[m][j];
    expect_f(&t, y, want, 16, 0);
    y = resize(&t, ECNN_OP_RESIZE_NEAREST_NEIGHBOR, 3, 3, 1, x33, 5, 2, modes[m][0], modes[m][1],
               &st);
    ck_assert_int_eq(st, ECNN_STATUS_OK);
    float want53[10];
    for (int i = 0; i < 5; i++)
      for (int j = 0; j < 2; j++) want53[i * 2 + j] = 10.0f * i35[m][i] + i32[m][j];
    expect_f(&t, y, want53, 10, 0);
  }
  /* 1x1 -> 2x3 */
  const float one[1] = {4};
  int32_t y = resize(&t, ECNN_OP_RESIZE_NEAREST_NEIGHBOR, 1, 1, 1, one, 2, 3, false, true, &st);
  const float w1[6] = {4, 4, 4, 4, 4, 4};
  ck_assert_int_eq(st, ECNN_STATUS_OK);
  expect_f(&t, y, w1, 6, 0);
  /* a non-constant size is refused */
  const int32_t dx[4] = {1, 2, 2, 1}, d2[1] = {2};
  int32_t ins[2] = {fin(&t, 4, dx, x22), tensor(&t, ECNN_DTYPE_I32, 1, d2, NULL)};
  expect_error(op(&t, ECNN_OP_RESIZE_NEAREST_NEIGHBOR, ins, 2, fout(&t, ECNN_DTYPE_F32), NULL),
               "RESIZE_NEAREST_NEIGHBOR #");
  tg_free(&t);
}
END_TEST

/* ---- dequantize / quantize ----------------------------------------------------------- */

START_TEST(dequantize_per_channel_and_fp16) {
  tg t;
  tg_init(&t);
  /* int8 [2,3] per channel along axis 1: scales {0.5, 2, 0.1}, zero points {0, 1, -3}:
   * (x - zp) * s by hand */
  const int32_t d23[2] = {2, 3};
  const int8_t q[6] = {-128, 1, 7, 127, -5, 0};
  const float s[3] = {0.5f, 2, 0.1f};
  const int32_t zp[3] = {0, 1, -3};
  int32_t in = tensor(&t, ECNN_DTYPE_I8, 2, d23, NULL), y = fout(&t, ECNN_DTYPE_F32);
  quant(&t, in, 3, 1, s, zp);
  t.src[in] = q;
  ck_assert_msg(op(&t, ECNN_OP_DEQUANTIZE, &in, 1, y, NULL) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  const float w1[6] = {-64, 0, 1.0f, 63.5f, -12, 0.3f};
  expect_shape(&t, y, 2, d23);
  expect_f(&t, y, w1, 6, 1e-6f);
  /* same data as [3,2] per channel along axis 0 (scales {0.5, 2, 0.1}, zp {0, 1, -3}) */
  const int32_t d32[2] = {3, 2};
  in = tensor(&t, ECNN_DTYPE_I8, 2, d32, NULL);
  y = fout(&t, ECNN_DTYPE_F32);
  quant(&t, in, 3, 0, s, zp);
  t.src[in] = q;
  ck_assert_int_eq(op(&t, ECNN_OP_DEQUANTIZE, &in, 1, y, NULL), ECNN_STATUS_OK);
  const float w2[6] = {-64, 0.5f, 12, 252, -0.2f, 0.3f};
  expect_f(&t, y, w2, 6, 1e-6f);
  /* uint8 per tensor, scale 0.5, zp 128 */
  const int32_t d3[1] = {3};
  const uint8_t u[3] = {0, 128, 255};
  const float s1[1] = {0.5f};
  const int32_t zp1[1] = {128};
  in = tensor(&t, ECNN_DTYPE_U8, 1, d3, NULL);
  y = fout(&t, ECNN_DTYPE_F32);
  quant(&t, in, 1, 0, s1, zp1);
  t.src[in] = u;
  ck_assert_int_eq(op(&t, ECNN_OP_DEQUANTIZE, &in, 1, y, NULL), ECNN_STATUS_OK);
  const float w3[3] = {-64, 0, 63.5f};
  expect_f(&t, y, w3, 3, 0);
  /* float16 bit patterns: 1, -2, 2^-24 (smallest subnormal), 1023 * 2^-24 (largest
   * subnormal), 2^-14 (smallest normal), 65504 (largest), 1/3 rounded (0x3555 =
   * 1.0100110101b * 2^-2 = 0.333251953125), -0, +inf, -inf, nan */
  const int32_t d11[1] = {11};
  const uint16_t h[11] = {0x3C00, 0xC000, 0x0001, 0x03FF, 0x0400, 0x7BFF,
                          0x3555, 0x8000, 0x7C00, 0xFC00, 0x7E00};
  in = tensor(&t, ECNN_DTYPE_F16, 1, d11, NULL);
  y = fout(&t, ECNN_DTYPE_F32);
  t.src[in] = h;
  ck_assert_int_eq(op(&t, ECNN_OP_DEQUANTIZE, &in, 1, y, NULL), ECNN_STATUS_OK);
  const float *f = F(&t, y);
  const float wh[7] = {1, -2, 0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, 65504, 0.333251953125f};
  for (int i = 0; i < 7; i++) ck_assert_float_eq(f[i], wh[i]);
  ck_assert(f[7] == 0 && signbit(f[7]));
  ck_assert(isinf(f[8]) && f[8] > 0);
  ck_assert(isinf(f[9]) && f[9] < 0);
  ck_assert(isnan(f[10]));
  /* per-channel count that does not match the axis; float32 input */
  in = tensor(&t, ECNN_DTYPE_I8, 2, d32, NULL);
  quant(&t, in, 3, 1, s, zp);
  expect_error(op(&t, ECNN_OP_DEQUANTIZE, &in, 1, fout(&t, ECNN_DTYPE_F32), NULL),
               "DEQUANTIZE #");
  in = fin(&t, 2, d32, w2);
  expect_error(op(&t, ECNN_OP_DEQUANTIZE, &in, 1, fout(&t, ECNN_DTYPE_F32), NULL),
               "DEQUANTIZE #");
  tg_free(&t);
}
END_TEST

START_TEST(quantize_rounding_and_saturation) {
  tg t;
  tg_init(&t);
  /* int8, scale 1, zp 0: round half away from zero, saturate to [-128, 127] */
  const int32_t d8[1] = {8};
  const float x[8] = {2.5f, -2.5f, 0.5f, -0.5f, 1.49f, 200, -200, 127.5f};
  const float s1[1] = {1};
  const int32_t z0[1] = {0};
  int32_t in = fin(&t, 1, d8, x), y = fout(&t, ECNN_DTYPE_I8);
  quant(&t, y, 1, 0, s1, z0);
  ck_assert_msg(op(&t, ECNN_OP_QUANTIZE, &in, 1, y, NULL) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  const int8_t w1[8] = {3, -3, 1, -1, 1, 127, -128, 127};
  ck_assert_int_eq(memcmp(t.buf[y], w1, 8), 0);
  /* uint8, scale 0.5, zp 10: x / 0.5 + 10 -> 0 -> 10, 1.25 -> 2.5 -> 3 -> 13, -10 -> -10 -> 0,
   * 300 -> 610 -> 255, nan -> zero point */
  const int32_t d5[1] = {5};
  const float xu[5] = {0, 1.25f, -10, 300, NAN};
  const float s05[1] = {0.5f};
  const int32_t z10[1] = {10};
  in = fin(&t, 1, d5, xu);
  y = fout(&t, ECNN_DTYPE_U8);
  quant(&t, y, 1, 0, s05, z10);
  ck_assert_int_eq(op(&t, ECNN_OP_QUANTIZE, &in, 1, y, NULL), ECNN_STATUS_OK);
  const uint8_t w2[5] = {10, 13, 0, 255, 10};
  ck_assert_int_eq(memcmp(t.buf[y], w2, 5), 0);
  /* requantize int8 (scale 1, zp 0) -> uint8 (scale 1, zp 128): q + 128 */
  const int32_t d3[1] = {3};
  const int8_t qi[3] = {-128, 0, 127};
  const int32_t z128[1] = {128};
  in = tensor(&t, ECNN_DTYPE_I8, 1, d3, NULL);
  quant(&t, in, 1, 0, s1, z0);
  t.src[in] = qi;
  y = fout(&t, ECNN_DTYPE_U8);
  quant(&t, y, 1, 0, s1, z128);
  ck_assert_int_eq(op(&t, ECNN_OP_QUANTIZE, &in, 1, y, NULL), ECNN_STATUS_OK);
  const uint8_t w3[3] = {0, 128, 255};
  ck_assert_int_eq(memcmp(t.buf[y], w3, 3), 0);
  /* requantize int8 scale 1 -> int8 scale 2: {5, -5, 3} / 2 = {2.5, -2.5, 1.5} -> {3, -3, 2} */
  const int8_t qj[3] = {5, -5, 3};
  const float s2[1] = {2};
  in = tensor(&t, ECNN_DTYPE_I8, 1, d3, NULL);
  quant(&t, in, 1, 0, s1, z0);
  t.src[in] = qj;
  y = fout(&t, ECNN_DTYPE_I8);
  quant(&t, y, 1, 0, s2, z0);
  ck_assert_int_eq(op(&t, ECNN_OP_QUANTIZE, &in, 1, y, NULL), ECNN_STATUS_OK);
  const int8_t w4[3] = {3, -3, 2};
  ck_assert_int_eq(memcmp(t.buf[y], w4, 3), 0);
  /* zero scale, out-of-range zero point, float output: refused */
  const float s0[1] = {0};
  const int32_t z300[1] = {300};
  in = fin(&t, 1, d8, x);
  y = fout(&t, ECNN_DTYPE_I8);
  quant(&t, y, 1, 0, s0, z0);
  expect_error(op(&t, ECNN_OP_QUANTIZE, &in, 1, y, NULL), "QUANTIZE #");
  in = fin(&t, 1, d8, x);
  y = fout(&t, ECNN_DTYPE_I8);
  quant(&t, y, 1, 0, s1, z300);
  expect_error(op(&t, ECNN_OP_QUANTIZE, &in, 1, y, NULL), "QUANTIZE #");
  in = fin(&t, 1, d8, x);
  expect_error(op(&t, ECNN_OP_QUANTIZE, &in, 1, fout(&t, ECNN_DTYPE_F32), NULL), "QUANTIZE #");
  tg_free(&t);
}
END_TEST

/* ---- kernel-level checks ------------------------------------------------------------- */

START_TEST(binary_kernel_general_strides) {
  /* [2,1,3,1] - [1,2,1,2] -> [2,2,3,2]: both operands broadcast on alternating axes; checked
   * element by element against the index formula a[i][k] - b[j][l] */
  const int32_t da[4] = {2, 1, 3, 1}, db[4] = {1, 2, 1, 2};
  float a[6], b[4], y[24];
  for (int i = 0; i < 6; i++) a[i] = (float)(i * i);
  for (int i = 0; i < 4; i++) b[i] = (float)(100 + 7 * i);
  ecnn_binary_params p;
  ck_assert(ecnn_binary_params_init(&p, ECNN_BINARY_SUB, 4, da, 4, db));
  ecnn_f32_binary__scalar(&p, a, b, y);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      for (int k = 0; k < 3; k++)
        for (int l = 0; l < 2; l++)
          ck_assert_float_eq(y[((i * 2 + j) * 3 + k) * 2 + l], a[i * 3 + k] - b[j * 2 + l]);
  const int32_t bad[2] = {2, 1}; /* [3, 1] vs [2, 1] */
  ck_assert(!ecnn_binary_params_init(&p, ECNN_BINARY_ADD, 4, da, 2, bad));
}
END_TEST

int main(void) {
  Suite *suite = suite_create("ops_eltwise");
  TCase *tc = tcase_create("ops_eltwise");
  tcase_add_test(tc, add_broadcast_2x3x1_1x3x4);
  tcase_add_test(tc, sub_broadcast_both_directions);
  tcase_add_test(tc, scalar_and_div);
  tcase_add_test(tc, last_axis_and_rank_mismatch);
  tcase_add_test(tc, fused_activations);
  tcase_add_test(tc, maximum_minimum_and_types);
  tcase_add_test(tc, activations_at_breakpoints);
  tcase_add_test(tc, prelu_broadcast);
  tcase_add_test(tc, softmax_beta_and_large_values);
  tcase_add_test(tc, concatenation_axes);
  tcase_add_test(tc, concatenation_int8_bytes);
  tcase_add_test(tc, reshape_cases);
  tcase_add_test(tc, squeeze_cases);
  tcase_add_test(tc, resize_bilinear_modes);
  tcase_add_test(tc, resize_nearest_modes);
  tcase_add_test(tc, dequantize_per_channel_and_fp16);
  tcase_add_test(tc, quantize_rounding_and_saturation);
  tcase_add_test(tc, binary_kernel_general_strides);
  suite_add_tcase(suite, tc);
  return tu_run_suite(suite);
}
