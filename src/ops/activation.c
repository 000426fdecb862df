/*
 * activation.c — the standalone activation ops LOGISTIC, TANH, RELU, RELU6, RELU_N1_TO_1,
 * LEAKY_RELU, HARD_SWISH (one data input, same shape out) and PRELU (alpha broadcast against
 * the input, NumPy style, as TFLite does; alpha is usually [C] or [1, 1, C]). Prepare validates
 * and infers shapes for float32 and int8/uint8 graphs; the float32 runs call the unary kernels
 * of kernels/eltwise.h. MACs = output elements.
 */
#include <math.h>

#include "../kernels/eltwise.h"
#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

/* One data input, one output of the same dtype and shape. */
static ecnn_status unary_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 1, 1, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *in = ecnn_in(g, n, 0);
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if ((st = ecnn_check_data_type(n, in, "input")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_data_type(n, out, "output")) != ECNN_STATUS_OK) return st;
  if (out->dtype != in->dtype)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "output is %s but input is %s", OPARG,
                      ecnn_dtype_name(out->dtype), ecnn_dtype_name(in->dtype));
  ecnn_set_shape(out, in->ndim, in->dims);
  n->macs = ecnn_tensor_elements(out);
  return ECNN_STATUS_OK;
}

static size_t count(const ecnn_op_ctx *ctx) {
  return (size_t)ecnn_tensor_elements(&ctx->graph->tensors[ctx->node->outputs[0]]);
}

/* LOGISTIC: y = 1 / (1 + exp(-x)). */
ecnn_status ecnn_op_logistic_prepare(ecnn_graph *g, ecnn_node *n) { return unary_prepare(g, n); }
/* Float32 LOGISTIC run. */
ecnn_status ecnn_op_logistic_run(const ecnn_op_ctx *ctx) {
  ecnn_f32_sigmoid__scalar(count(ctx), ecnn_ctx_in(ctx, 0), ecnn_ctx_out(ctx, 0));
  return ECNN_STATUS_OK;
}

/* TANH: y = tanh(x). */
ecnn_status ecnn_op_tanh_prepare(ecnn_graph *g, ecnn_node *n) { return unary_prepare(g, n); }
/* Float32 TANH run. */
ecnn_status ecnn_op_tanh_run(const ecnn_op_ctx *ctx) {
  ecnn_f32_tanh__scalar(count(ctx), ecnn_ctx_in(ctx, 0), ecnn_ctx_out(ctx, 0));
  return ECNN_STATUS_OK;
}

/* RELU: y = max(x, 0). */
ecnn_status ecnn_op_relu_prepare(ecnn_graph *g, ecnn_node *n) { return unary_prepare(g, n); }
/* Float32 RELU run. */
ecnn_status ecnn_op_relu_run(const ecnn_op_ctx *ctx) {
  ecnn_f32_clamp__scalar(count(ctx), ecnn_ctx_in(ctx, 0), 0.0f, INFINITY, ecnn_ctx_out(ctx, 0));
  return ECNN_STATUS_OK;
}

/* RELU6: y = min(max(x, 0), 6). */
ecnn_status ecnn_op_relu6_prepare(ecnn_graph *g, ecnn_node *n) { return unary_prepare(g, n); }
/* Float32 RELU6 run. */
ecnn_status ecnn_op_relu6_run(const ecnn_op_ctx *ctx) {
  ecnn_f32_clamp__scalar(count(ctx), ecnn_ctx_in(ctx, 0), 0.0f, 6.0f, ecnn_ctx_out(ctx, 0));
  return ECNN_STATUS_OK;
}

/* RELU_N1_TO_1: y = min(max(x, -1), 1). */
ecnn_status ecnn_op_relu_n1_to_1_prepare(ecnn_graph *g, ecnn_node *n) {
  return unary_prepare(g, n);
}
/* Float32 RELU_N1_TO_1 run. */
ecnn_status ecnn_op_relu_n1_to_1_run(const ecnn_op_ctx *ctx) {
  ecnn_f32_clamp__scalar(count(ctx), ecnn_ctx_in(ctx, 0), -1.0f, 1.0f, ecnn_ctx_out(ctx, 0));
  return ECNN_STATUS_OK;
}

/* LEAKY_RELU: y = x >= 0 ? x : alpha * x; params.alpha must be finite. */
ecnn_status ecnn_op_leaky_relu_prepare(ecnn_graph *g, ecnn_node *n) {
  if (!isfinite(n->params.alpha))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "alpha %g is not finite", OPARG,
                      (double)n->params.alpha);
  return unary_prepare(g, n);
}
/* Float32 LEAKY_RELU run. */
ecnn_status ecnn_op_leaky_relu_run(const ecnn_op_ctx *ctx) {
  ecnn_f32_leaky_relu__scalar(count(ctx), ecnn_ctx_in(ctx, 0), ctx->node->params.alpha,
                              ecnn_ctx_out(ctx, 0));
  return ECNN_STATUS_OK;
}

/* HARD_SWISH: y = x * relu6(x + 3) / 6. */
ecnn_status ecnn_op_hard_swish_prepare(ecnn_graph *g, ecnn_node *n) {
  return unary_prepare(g, n);
}
/* Float32 HARD_SWISH run. */
ecnn_status ecnn_op_hard_swish_run(const ecnn_op_ctx *ctx) {
  ecnn_f32_hswish__scalar(count(ctx), ecnn_ctx_in(ctx, 0), ecnn_ctx_out(ctx, 0));
  return ECNN_STATUS_OK;
}

/* PRELU: inputs x and alpha (same dtype, broadcastable); output shape = broadcast shape. */
ecnn_status ecnn_op_prelu_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 2, 2, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *x = ecnn_in(g, n, 0), *alpha = ecnn_in(g, n, 1);
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if ((st = ecnn_check_data_type(n, x, "input")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_data_type(n, alpha, "alpha")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_data_type(n, out, "output")) != ECNN_STATUS_OK) return st;
  if (alpha->dtype != x->dtype || out->dtype != x->dtype)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "mixed dtypes %s, alpha %s -> %s", OPARG,
                      ecnn_dtype_name(x->dtype), ecnn_dtype_name(alpha->dtype),
                      ecnn_dtype_name(out->dtype));
  int32_t nd, dims[ECNN_MAX_DIMS];
  if ((st = ecnn_broadcast_shape(n, x, alpha, &nd, dims)) != ECNN_STATUS_OK) return st;
  ecnn_set_shape(out, nd, dims);
  n->macs = ecnn_tensor_elements(out);
  return ECNN_STATUS_OK;
}

/* Float32 PRELU run (broadcast through the binary driver). */
ecnn_status ecnn_op_prelu_run(const ecnn_op_ctx *ctx) {
  const ecnn_node *n = ctx->node;
  const ecnn_tensor *x = ecnn_in(ctx->graph, n, 0), *alpha = ecnn_in(ctx->graph, n, 1);
  ecnn_binary_params p;
  if (!ecnn_binary_params_init(&p, ECNN_BINARY_PRELU, x->ndim, x->dims, alpha->ndim,
                               alpha->dims))
    return ecnn_error(ECNN_STATUS_INVALID_STATE, OPFMT "alpha does not broadcast", OPARG);
  ecnn_f32_binary__scalar(&p, ecnn_ctx_in(ctx, 0), ecnn_ctx_in(ctx, 1), ecnn_ctx_out(ctx, 0));
  return ECNN_STATUS_OK;
}
