/*
 * softmax.c — SOFTMAX over the last axis with TFLite's beta: y = exp(beta * (x - max)) / sum,
 * the row maximum subtracted first so that large logits (1000 and up) do not overflow.
 * Prepare validates and infers the shape for float32 and int8/uint8 graphs; the float32 run
 * calls ecnn_f32_softmax__scalar. MACs = output elements.
 */
#include <math.h>

#include "../kernels/eltwise.h"
#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

/* SOFTMAX: one data input of rank >= 1, finite params.beta; output same dtype and shape. */
ecnn_status ecnn_op_softmax_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 1, 1, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *in = ecnn_in(g, n, 0);
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if ((st = ecnn_check_data_type(n, in, "input")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_data_type(n, out, "output")) != ECNN_STATUS_OK) return st;
  if (out->dtype != in->dtype)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "output is %s but input is %s", OPARG,
                      ecnn_dtype_name(out->dtype), ecnn_dtype_name(in->dtype));
  if (in->ndim < 1)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "input '%s' is a scalar", OPARG,
                      in->name);
  if (!isfinite(n->params.beta))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "beta %g is not finite", OPARG,
                      (double)n->params.beta);
  ecnn_set_shape(out, in->ndim, in->dims);
  n->macs = ecnn_tensor_elements(out);
  return ECNN_STATUS_OK;
}

/* Float32 SOFTMAX run. */
ecnn_status ecnn_op_softmax_run(const ecnn_op_ctx *ctx) {
  const ecnn_tensor *in = ecnn_in(ctx->graph, ctx->node, 0);
  const int64_t total = ecnn_tensor_elements(in);
  const int32_t cols = in->ndim > 0 ? in->dims[in->ndim - 1] : 1;
  if (total <= 0 || cols <= 0) return ECNN_STATUS_OK;
  ecnn_f32_softmax__scalar((size_t)(total / cols), (size_t)cols, ctx->node->params.beta,
                           ecnn_ctx_in(ctx, 0), ecnn_ctx_out(ctx, 0));
  return ECNN_STATUS_OK;
}
