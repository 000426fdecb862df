/*
 * concatenation.c — CONCATENATION along any axis (negative counts from the end) of 1 to
 * ECNN_MAX_NODE_INPUTS inputs whose other dims are equal. The run moves bytes, so it serves
 * every dtype; a fused activation is applied to float32 outputs only (other dtypes must have
 * none). int8/uint8: the inputs must share the output's quantization (TFLite requires it for
 * int8; requantizing uint8 concatenation is not supported), so the byte copy is exact and the
 * quantized table may use ecnn_op_concatenation_run as is. MACs = 0.
 */
#include <string.h>

#include "../kernels/eltwise.h"
#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

static bool same_quant(const ecnn_tensor *a, const ecnn_tensor *b) {
  return a->quant.count >= 1 && b->quant.count >= 1 && a->quant.scale[0] == b->quant.scale[0] &&
         a->quant.zero_point[0] == b->quant.zero_point[0];
}

/* CONCATENATION: validates inputs (all present, same dtype and rank as the output, equal dims
 * off the axis, int8/uint8 quantization equal to the output's) and infers the output shape. */
ecnn_status ecnn_op_concatenation_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 1, ECNN_MAX_NODE_INPUTS, 1)) != ECNN_STATUS_OK) return st;
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if (!out) return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "output is missing", OPARG);
  const ecnn_tensor *t0 = ecnn_in(g, n, 0);
  const bool q8 = out->dtype == ECNN_DTYPE_I8 || out->dtype == ECNN_DTYPE_U8;
  if (ecnn_dtype_size(out->dtype) == 0)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "output has unknown dtype", OPARG);
  if (q8 && (st = ecnn_check_data_type(n, out, "output")) != ECNN_STATUS_OK) return st;
  if (t0->ndim < 1)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "input 0 '%s' is a scalar", OPARG,
                      t0->name);
  int32_t axis = n->params.axis;
  if (axis < -t0->ndim || axis >= t0->ndim)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "axis %d out of range for rank %d", OPARG,
                      (int)n->params.axis, (int)t0->ndim);
  if (axis < 0) axis += t0->ndim;
  if (out->dtype == ECNN_DTYPE_F32) {
    if ((st = ecnn_check_activation(n, n->params.activation)) != ECNN_STATUS_OK) return st;
  } else if (n->params.activation != ECNN_ACT_NONE) {
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "fused activation on %s data", OPARG,
                      ecnn_dtype_name(out->dtype));
  }
  int64_t sum = 0;
  for (int32_t i = 0; i < n->num_inputs; i++) {
    const ecnn_tensor *t = ecnn_in(g, n, i);
    if (!t) return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "input %d is missing", OPARG, i);
    if (t->dtype != out->dtype)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "input %d '%s' is %s but output is %s",
                        OPARG, (int)i, t->name, ecnn_dtype_name(t->dtype),
                        ecnn_dtype_name(out->dtype));
    if (t->ndim != t0->ndim)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "input %d '%s' has rank %d, expected %d",
                        OPARG, (int)i, t->name, (int)t->ndim, (int)t0->ndim);
    for (int32_t d = 0; d < t->ndim; d++)
      if (d != axis && t->dims[d] != t0->dims[d])
        return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                          OPFMT "input %d '%s' has dim %d = %d, input 0 has %d", OPARG, (int)i,
                          t->name, (int)d, (int)t->dims[d], (int)t0->dims[d]);
    sum += t->dims[axis];
    if (q8) {
      if ((st = ecnn_check_data_type(n, t, "input")) != ECNN_STATUS_OK) return st;
      /* TFLite's int8 spec requires shared parameters; uint8 inputs are requantized (q8) */
      if (!same_quant(t, out) && out->dtype == ECNN_DTYPE_I8)
        return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                          OPFMT "input %d '%s' is quantized unlike the output", OPARG, (int)i,
                          t->name);
    }
  }
  if (sum > INT32_MAX)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "concatenated axis too long", OPARG);
  int32_t dims[ECNN_MAX_DIMS];
  memcpy(dims, t0->dims, sizeof dims);
  dims[axis] = (int32_t)sum;
  ecnn_set_shape(out, t0->ndim, dims);
  n->macs = 0;
  return ECNN_STATUS_OK;
}

/* CONCATENATION run for any dtype (bytes), then the fused activation on float32. */
ecnn_status ecnn_op_concatenation_run(const ecnn_op_ctx *ctx) {
  const ecnn_node *n = ctx->node;
  const ecnn_graph *g = ctx->graph;
  const ecnn_tensor *out = &g->tensors[n->outputs[0]];
  int32_t axis = n->params.axis < 0 ? n->params.axis + out->ndim : n->params.axis;
  const size_t es = ecnn_dtype_size(out->dtype);
  size_t outer = 1;
  for (int32_t d = 0; d < axis; d++) outer *= (size_t)out->dims[d];
  const void *ins[ECNN_MAX_NODE_INPUTS];
  size_t row[ECNN_MAX_NODE_INPUTS];
  for (int32_t i = 0; i < n->num_inputs; i++) {
    const ecnn_tensor *t = ecnn_in(g, n, i);
    size_t r = es;
    for (int32_t d = axis; d < t->ndim; d++) r *= (size_t)t->dims[d];
    ins[i] = ecnn_ctx_in(ctx, i);
    row[i] = r;
  }
  ecnn_concat__scalar(outer, n->num_inputs, ins, row, ecnn_ctx_out(ctx, 0));
  if (out->dtype == ECNN_DTYPE_F32)
    ecnn_activate_n(ecnn_ctx_out(ctx, 0), ecnn_tensor_elements(out), n->params.activation);
  return ECNN_STATUS_OK;
}
