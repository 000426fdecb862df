/*
 * mean.c — MEAN: validation and shape inference (once per model load, every dtype) and the
 * float32 run through the scalar reference kernel. TFLite semantics: input 1 is a constant
 * int32 (or int64) list of axes, scalar or 1-D, negative values counting from the end,
 * duplicates allowed; keep_dims keeps reduced axes as size 1, otherwise they are removed (all
 * removed: a scalar). The kernel sums in double. MACs: 0 (a reduction, not conv/FC work).
 */
#include "../kernels/conv.h"
#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

_Static_assert(ECNN_KERNEL_MAX_DIMS == ECNN_MAX_DIMS, "kernel and graph rank limits differ");

/* Reads the axes into a bit mask over the input's dims (ndim >= 1). */
static ecnn_status reduce_mask(const ecnn_graph *g, const ecnn_node *n, uint32_t *mask) {
  const ecnn_tensor *in = ecnn_in(g, n, 0), *ax = ecnn_in(g, n, 1);
  if ((ax->dtype != ECNN_DTYPE_I32 && ax->dtype != ECNN_DTYPE_I64) || ax->ndim > 1 || !ax->data ||
      ax->const_bytes < ecnn_tensor_bytes(ax))
    return ecnn_error(ECNN_STATUS_UNSUPPORTED,
                      OPFMT "axes '%s' must be a constant int32/int64 scalar or vector", OPARG,
                      ax->name);
  int64_t count = ecnn_tensor_elements(ax);
  *mask = 0;
  for (int64_t i = 0; i < count; i++) {
    int64_t a = ax->dtype == ECNN_DTYPE_I32 ? ((const int32_t *)ax->data)[i]
                                            : ((const int64_t *)ax->data)[i];
    if (a < -(int64_t)in->ndim || a >= in->ndim)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                        OPFMT "axis %lld is out of range for the %d-D input '%s'", OPARG,
                        (long long)a, (int)in->ndim, in->name);
    if (a < 0) a += in->ndim;
    *mask |= 1u << a;
  }
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_op_mean_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 2, 2, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *in = ecnn_in(g, n, 0), *ax = ecnn_in(g, n, 1);
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if ((st = ecnn_check_data_type(n, in, "input")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_data_type(n, out, "output")) != ECNN_STATUS_OK) return st;
  if (out->dtype != in->dtype)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "output is %s but input is %s", OPARG,
                      ecnn_dtype_name(out->dtype), ecnn_dtype_name(in->dtype));
  if ((st = ecnn_check_const(n, ax, "axes")) != ECNN_STATUS_OK) return st;
  for (int32_t i = 0; i < in->ndim; i++)
    if (in->dims[i] < 1)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "input '%s' is empty", OPARG, in->name);
  uint32_t mask;
  if ((st = reduce_mask(g, n, &mask)) != ECNN_STATUS_OK) return st;
  int32_t dims[ECNN_MAX_DIMS], nd = 0;
  for (int32_t i = 0; i < in->ndim; i++) {
    if (!(mask & (1u << i)))
      dims[nd++] = in->dims[i];
    else if (n->params.keep_dims)
      dims[nd++] = 1;
  }
  ecnn_set_shape(out, nd, dims);
  n->macs = 0;
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_op_mean_run(const ecnn_op_ctx *ctx) {
  const ecnn_node *n = ctx->node;
  const ecnn_tensor *in = ecnn_in(ctx->graph, n, 0);
  uint32_t mask;
  ecnn_status st = ecnn_check_f32_run(ctx, 0);
  if (st == ECNN_STATUS_OK) st = reduce_mask(ctx->graph, n, &mask);
  if (st != ECNN_STATUS_OK) return st;
  static const int32_t one = 1;
  ecnn_f32_mean__scalar(in->ndim > 0 ? in->ndim : 1, in->ndim > 0 ? in->dims : &one, mask,
                        ecnn_ctx_in(ctx, 0), ecnn_ctx_out(ctx, 0));
  return ECNN_STATUS_OK;
}
