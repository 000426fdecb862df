/*
 * common.c — helpers every op file shares: TFLite padding arithmetic, fused activations,
 * input/output and dtype checks with messages naming the op, broadcasting of shapes.
 */
#include <math.h>
#include <string.h>

#include "../kernels/eltwise.h"
#include "ops.h"

int32_t ecnn_conv_out_size(int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                           ecnn_padding padding, int32_t *pad_before) {
  if (pad_before) *pad_before = 0;
  if (in < 1 || filter < 1 || stride < 1 || dilation < 1) return -1;
  int64_t eff = (int64_t)(filter - 1) * dilation + 1;
  int64_t out;
  if (padding == ECNN_PADDING_SAME) {
    out = ((int64_t)in + stride - 1) / stride;
    int64_t total = (out - 1) * stride + eff - in;
    if (total < 0) total = 0;
    if (pad_before) *pad_before = (int32_t)(total / 2);
  } else if (padding == ECNN_PADDING_VALID) {
    if (eff > in) return -1;
    out = ((int64_t)in - eff) / stride + 1;
  } else {
    return -1;
  }
  return out > INT32_MAX ? -1 : (int32_t)out;
}

float ecnn_activate(float x, ecnn_activation act) {
  switch (act) {
  case ECNN_ACT_RELU: return x < 0.0f ? 0.0f : x;
  case ECNN_ACT_RELU6: return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x);
  case ECNN_ACT_RELU_N1_TO_1: return x < -1.0f ? -1.0f : (x > 1.0f ? 1.0f : x);
  case ECNN_ACT_TANH: return tanhf(x);
  default: return x;
  }
}

void ecnn_activate_n(float *x, int64_t n, ecnn_activation act) {
  switch (act) {
  case ECNN_ACT_NONE: return;
  /* the clamp kernel compiles to branch-free vector min/max (a data-dependent branch per
   * element mispredicts half the time; fmaxf is a libm call) */
  case ECNN_ACT_RELU: ecnn_f32_clamp__scalar((size_t)n, x, 0.0f, INFINITY, x); return;
  case ECNN_ACT_RELU6: ecnn_f32_clamp__scalar((size_t)n, x, 0.0f, 6.0f, x); return;
  case ECNN_ACT_RELU_N1_TO_1: ecnn_f32_clamp__scalar((size_t)n, x, -1.0f, 1.0f, x); return;
  default:
    for (int64_t i = 0; i < n; i++) x[i] = ecnn_activate(x[i], act);
  }
}

void ecnn_activation_range(ecnn_activation act, float *lo, float *hi) {
  *lo = -INFINITY;
  *hi = INFINITY;
  if (act == ECNN_ACT_RELU) *lo = 0.0f;
  if (act == ECNN_ACT_RELU6) *lo = 0.0f, *hi = 6.0f;
  if (act == ECNN_ACT_RELU_N1_TO_1) *lo = -1.0f, *hi = 1.0f;
}

ecnn_status ecnn_check_f32_run(const ecnn_op_ctx *ctx, int32_t data_input) {
  const ecnn_node *n = ctx->node;
  const ecnn_tensor *t = ecnn_in(ctx->graph, n, data_input);
  if (t && t->dtype == ECNN_DTYPE_F32) return ECNN_STATUS_OK;
  return ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: float kernel called on %s data",
                    ecnn_op_name(n->op), (int)n->index, t ? ecnn_dtype_name(t->dtype) : "missing");
}

ecnn_status ecnn_check_activation(const ecnn_node *n, ecnn_activation act) {
  if (act == ECNN_ACT_NONE || act == ECNN_ACT_RELU || act == ECNN_ACT_RELU6 ||
      act == ECNN_ACT_RELU_N1_TO_1 || act == ECNN_ACT_TANH)
    return ECNN_STATUS_OK;
  return ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: fused activation %d is not supported",
                    ecnn_op_name(n->op), (int)n->index, (int)act);
}

ecnn_status ecnn_check_io(const ecnn_node *n, int32_t min_in, int32_t max_in, int32_t num_out) {
  if (n->num_inputs < min_in || n->num_inputs > max_in)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s #%d: has %d inputs, expected %d..%d",
                      ecnn_op_name(n->op), (int)n->index, (int)n->num_inputs, (int)min_in,
                      (int)max_in);
  if (n->num_outputs != num_out)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s #%d: has %d outputs, expected %d",
                      ecnn_op_name(n->op), (int)n->index, (int)n->num_outputs, (int)num_out);
  for (int32_t i = 0; i < min_in; i++)
    if (n->inputs[i] < 0)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s #%d: required input %d is missing",
                        ecnn_op_name(n->op), (int)n->index, (int)i);
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_check_f32(const ecnn_node *n, const ecnn_tensor *t, const char *role) {
  if (!t)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s #%d: %s is missing", ecnn_op_name(n->op),
                      (int)n->index, role);
  if (t->dtype != ECNN_DTYPE_F32)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: %s '%s' is %s, expected float32",
                      ecnn_op_name(n->op), (int)n->index, role, t->name,
                      ecnn_dtype_name(t->dtype));
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_check_data_type(const ecnn_node *n, const ecnn_tensor *t, const char *role) {
  if (!t)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s #%d: %s is missing", ecnn_op_name(n->op),
                      (int)n->index, role);
  if (t->dtype == ECNN_DTYPE_F32) return ECNN_STATUS_OK;
  if (t->dtype == ECNN_DTYPE_I8 || t->dtype == ECNN_DTYPE_U8) {
    if (t->quant.count < 1)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                        "%s #%d: %s '%s' is %s without quantization parameters",
                        ecnn_op_name(n->op), (int)n->index, role, t->name,
                        ecnn_dtype_name(t->dtype));
    return ECNN_STATUS_OK;
  }
  return ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: %s '%s' has unsupported dtype %s",
                    ecnn_op_name(n->op), (int)n->index, role, t->name,
                    ecnn_dtype_name(t->dtype));
}

ecnn_status ecnn_check_weighted_types(const ecnn_node *n, const ecnn_tensor *in,
                                      const ecnn_tensor *w, const ecnn_tensor *bias,
                                      const ecnn_tensor *out) {
  const char *op = ecnn_op_name(n->op);
  ecnn_status st;
  if ((st = ecnn_check_data_type(n, in, "input")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_data_type(n, out, "output")) != ECNN_STATUS_OK) return st;
  if (out->dtype != in->dtype)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: output is %s but input is %s", op,
                      (int)n->index, ecnn_dtype_name(out->dtype), ecnn_dtype_name(in->dtype));
  if (in->dtype == ECNN_DTYPE_F32) {
    if ((st = ecnn_check_f32(n, w, "weights")) != ECNN_STATUS_OK) return st;
    if (bias && (st = ecnn_check_f32(n, bias, "bias")) != ECNN_STATUS_OK) return st;
    return ECNN_STATUS_OK;
  }
  if ((st = ecnn_check_data_type(n, w, "weights")) != ECNN_STATUS_OK) return st;
  if (w->dtype == ECNN_DTYPE_F32)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: float weights with %s input", op,
                      (int)n->index, ecnn_dtype_name(in->dtype));
  if (bias && bias->dtype != ECNN_DTYPE_I32)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: bias is %s, expected int32", op,
                      (int)n->index, ecnn_dtype_name(bias->dtype));
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_check_const(const ecnn_node *n, const ecnn_tensor *t, const char *role) {
  if (!t)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s #%d: %s is missing", ecnn_op_name(n->op),
                      (int)n->index, role);
  if (!t->data)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: %s '%s' must be a constant",
                      ecnn_op_name(n->op), (int)n->index, role, t->name);
  return ECNN_STATUS_OK;
}

void ecnn_set_shape(ecnn_tensor *t, int32_t ndim, const int32_t *dims) {
  t->ndim = ndim;
  memset(t->dims, 0, sizeof t->dims);
  if (ndim > 0) memcpy(t->dims, dims, (size_t)ndim * sizeof(int32_t));
}

ecnn_status ecnn_broadcast_shape(const ecnn_node *n, const ecnn_tensor *a, const ecnn_tensor *b,
                                 int32_t *ndim, int32_t *dims) {
  int32_t nd = a->ndim > b->ndim ? a->ndim : b->ndim;
  for (int32_t i = 0; i < nd; i++) {
    int32_t ia = i - (nd - a->ndim), ib = i - (nd - b->ndim);
    int32_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if (da != db && da != 1 && db != 1)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                        "%s #%d: shapes of '%s' and '%s' do not broadcast (dim %d: %d vs %d)",
                        ecnn_op_name(n->op), (int)n->index, a->name, b->name, (int)i, (int)da,
                        (int)db);
    dims[i] = da == 1 ? db : da;
  }
  *ndim = nd;
  return ECNN_STATUS_OK;
}
