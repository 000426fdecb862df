/*
 * pad.c — PAD and PADV2: validation and shape inference (once per model load, every dtype)
 * and the float32 runs through the element-size-generic scalar kernel. TFLite semantics:
 * input 1 is a constant int32 or int64 paddings tensor of shape [ndim, 2] (before, after per
 * dim, all >= 0); PAD fills with 0, PADV2 with its optional third input, a one-element tensor
 * of the input's dtype (constant or not; absent = 0). Rank 1..6. MACs: 0 (a copy).
 */
#include <string.h>

#include "../kernels/conv.h"
#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

/* Reads and validates the paddings; fills p (elem_size from the input dtype). */
static ecnn_status geometry(const ecnn_graph *g, const ecnn_node *n, ecnn_pad_params *p) {
  const ecnn_tensor *in = ecnn_in(g, n, 0), *pads = ecnn_in(g, n, 1);
  if (in->ndim < 1 || in->ndim > ECNN_KERNEL_MAX_DIMS)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "input '%s' has %d dims (1..%d supported)",
                      OPARG, in->name, (int)in->ndim, ECNN_KERNEL_MAX_DIMS);
  if ((pads->dtype != ECNN_DTYPE_I32 && pads->dtype != ECNN_DTYPE_I64) || pads->ndim != 2 ||
      pads->dims[0] != in->ndim || pads->dims[1] != 2 || !pads->data ||
      pads->const_bytes < ecnn_tensor_bytes(pads))
    return ecnn_error(ECNN_STATUS_UNSUPPORTED,
                      OPFMT "paddings '%s' must be a constant int32/int64 tensor of shape [%d, 2]",
                      OPARG, pads->name, (int)in->ndim);
  p->ndim = in->ndim;
  p->elem_size = ecnn_dtype_size(in->dtype);
  for (int32_t d = 0; d < in->ndim; d++) {
    int64_t v[2];
    for (int32_t k = 0; k < 2; k++)
      v[k] = pads->dtype == ECNN_DTYPE_I32 ? ((const int32_t *)pads->data)[2 * d + k]
                                           : ((const int64_t *)pads->data)[2 * d + k];
    if (in->dims[d] < 1)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "input '%s' is empty", OPARG, in->name);
    if (v[0] < 0 || v[1] < 0 || v[0] > INT32_MAX || v[1] > INT32_MAX ||
        in->dims[d] + v[0] + v[1] > ECNN_MAX_TENSOR_ELEMENTS)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                        OPFMT "padding (%lld, %lld) of dim %d is invalid", OPARG, (long long)v[0],
                        (long long)v[1], (int)d);
    p->in_dims[d] = in->dims[d];
    p->before[d] = (int32_t)v[0];
    p->after[d] = (int32_t)v[1];
  }
  return ECNN_STATUS_OK;
}

static ecnn_status pad_prepare(ecnn_graph *g, ecnn_node *n, int32_t max_inputs) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 2, max_inputs, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *in = ecnn_in(g, n, 0), *value = ecnn_in(g, n, 2);
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if ((st = ecnn_check_data_type(n, in, "input")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_data_type(n, out, "output")) != ECNN_STATUS_OK) return st;
  if (out->dtype != in->dtype)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "output is %s but input is %s", OPARG,
                      ecnn_dtype_name(out->dtype), ecnn_dtype_name(in->dtype));
  if ((st = ecnn_check_const(n, ecnn_in(g, n, 1), "paddings")) != ECNN_STATUS_OK) return st;
  if (value && (value->dtype != in->dtype || ecnn_tensor_elements(value) != 1 ||
                (value->data && value->const_bytes < ecnn_tensor_bytes(value))))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "constant_values '%s' must be one %s element", OPARG, value->name,
                      ecnn_dtype_name(in->dtype));
  ecnn_pad_params p = {0};
  if ((st = geometry(g, n, &p)) != ECNN_STATUS_OK) return st;
  int32_t dims[ECNN_KERNEL_MAX_DIMS];
  for (int32_t d = 0; d < p.ndim; d++) dims[d] = p.in_dims[d] + p.before[d] + p.after[d];
  ecnn_set_shape(out, p.ndim, dims);
  n->macs = 0;
  return ECNN_STATUS_OK;
}

static ecnn_status pad_run(const ecnn_op_ctx *ctx) {
  ecnn_pad_params p = {0};
  ecnn_status st = ecnn_check_f32_run(ctx, 0);
  if (st == ECNN_STATUS_OK) st = geometry(ctx->graph, ctx->node, &p);
  if (st != ECNN_STATUS_OK) return st;
  float fill = 0.0f;
  const float *value = ecnn_ctx_in(ctx, 2);
  if (value) fill = value[0];
  ecnn_pad__scalar(&p, ecnn_ctx_in(ctx, 0), ecnn_ctx_out(ctx, 0), &fill);
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_op_pad_prepare(ecnn_graph *g, ecnn_node *n) { return pad_prepare(g, n, 2); }

ecnn_status ecnn_op_pad_run(const ecnn_op_ctx *ctx) { return pad_run(ctx); }

ecnn_status ecnn_op_padv2_prepare(ecnn_graph *g, ecnn_node *n) { return pad_prepare(g, n, 3); }

ecnn_status ecnn_op_padv2_run(const ecnn_op_ctx *ctx) { return pad_run(ctx); }

bool ecnn_pad_channels_only(const ecnn_graph *g, const ecnn_node *n, int32_t *in_channels) {
  ecnn_pad_params p;
  const ecnn_tensor *in = n->num_inputs > 0 && n->inputs[0] >= 0 ? ecnn_in(g, n, 0) : NULL;
  if ((n->op != ECNN_OP_PAD && n->op != ECNN_OP_PADV2) || n->quantized || n->num_inputs < 2 ||
      n->num_outputs != 1 || !in || in->dtype != ECNN_DTYPE_F32 || !ecnn_in(g, n, 1) ||
      geometry(g, n, &p) != ECNN_STATUS_OK)
    return false;
  const ecnn_tensor *value = ecnn_in(g, n, 2); /* PADV2's fill: must be a constant 0 */
  if (value &&
      (!value->data || value->dtype != ECNN_DTYPE_F32 || ((const float *)value->data)[0] != 0.0f))
    return false;
  for (int32_t d = 0; d < p.ndim; d++)
    if (p.before[d] != 0 || (d < p.ndim - 1 && p.after[d] != 0)) return false;
  *in_channels = in->dims[in->ndim - 1];
  return true;
}
