/*
 * reshape.c — RESHAPE and SQUEEZE: shape inference and a byte copy, for every dtype (the
 * quantized table may use these runs as they are: quantization passes through unchanged).
 * RESHAPE takes its new shape from a constant int32 1-D second input, else from the options'
 * new_shape; one -1 is inferred; the element count must match. SQUEEZE drops the listed
 * size-1 dims (negative counts from the end) or, with none listed, every size-1 dim.
 */
#include <string.h>

#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

/* Input 0 and output present, same dtype (any known one). */
static ecnn_status data_io(ecnn_graph *g, ecnn_node *n, const ecnn_tensor **in,
                           ecnn_tensor **out) {
  *in = ecnn_in(g, n, 0);
  *out = ecnn_out(g, n, 0);
  if (!*in || !*out)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "input or output is missing", OPARG);
  if (ecnn_dtype_size((*in)->dtype) == 0 || (*out)->dtype != (*in)->dtype)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "output is %s but input is %s", OPARG,
                      ecnn_dtype_name((*out)->dtype), ecnn_dtype_name((*in)->dtype));
  if ((*in)->dtype == ECNN_DTYPE_I8 || (*in)->dtype == ECNN_DTYPE_U8) {
    ecnn_status st = ecnn_check_data_type(n, *in, "input");
    if (st != ECNN_STATUS_OK) return st;
  }
  return ECNN_STATUS_OK;
}

/* RESHAPE: validates the new shape (<= ECNN_MAX_DIMS entries, each >= 0 or a single -1) and
 * that it holds the input's element count; INVALID_MODEL otherwise. A non-constant shape
 * input without options' new_shape is UNSUPPORTED (dynamic shapes). */
ecnn_status ecnn_op_reshape_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 1, 2, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *in;
  ecnn_tensor *out;
  if ((st = data_io(g, n, &in, &out)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *shape = ecnn_in(g, n, 1);
  int32_t nd, dims[ECNN_MAX_DIMS];
  if (shape && ecnn_tensor_is_const(shape)) {
    if (shape->dtype != ECNN_DTYPE_I32)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "shape '%s' is %s, expected int32",
                        OPARG, shape->name, ecnn_dtype_name(shape->dtype));
    if (shape->ndim != 1)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "shape '%s' has rank %d, expected 1",
                        OPARG, shape->name, (int)shape->ndim);
    if (shape->dims[0] > ECNN_MAX_DIMS)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "new shape has %d dims (at most %d)",
                        OPARG, (int)shape->dims[0], ECNN_MAX_DIMS);
    if (shape->const_bytes < (size_t)shape->dims[0] * sizeof(int32_t))
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "shape '%s' data is truncated", OPARG,
                        shape->name);
    nd = shape->dims[0];
    memcpy(dims, shape->data, (size_t)nd * sizeof(int32_t));
  } else if (shape && n->params.num_new_shape <= 0) {
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "shape input '%s' is not a constant",
                      OPARG, shape->name);
  } else {
    if (n->params.num_new_shape < 0 || n->params.num_new_shape > ECNN_MAX_DIMS)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "new_shape has %d dims (at most %d)",
                        OPARG, (int)n->params.num_new_shape, ECNN_MAX_DIMS);
    nd = n->params.num_new_shape;
    memcpy(dims, n->params.new_shape, (size_t)nd * sizeof(int32_t));
  }
  int32_t infer = -1;
  int64_t known = 1, total = ecnn_tensor_elements(in);
  for (int32_t d = 0; d < nd; d++) {
    if (dims[d] == -1 && infer < 0) {
      infer = d;
    } else if (dims[d] < 0) {
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "new shape dim %d is %d", OPARG,
                        (int)d, (int)dims[d]);
    } else if (known <= ECNN_MAX_TENSOR_ELEMENTS) { /* saturates above: caught below */
      known *= dims[d];
    }
  }
  if (known > ECNN_MAX_TENSOR_ELEMENTS)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "new shape is too large", OPARG);
  if (infer >= 0) {
    if (known == 0 || total % known != 0 || total / known > INT32_MAX)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                        OPFMT "cannot infer dim %d: %lld elements into blocks of %lld", OPARG,
                        (int)infer, (long long)total, (long long)known);
    dims[infer] = (int32_t)(total / known);
    known *= dims[infer];
  }
  if (known != total)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "new shape holds %lld elements, input '%s' has %lld", OPARG,
                      (long long)known, in->name, (long long)total);
  ecnn_set_shape(out, nd, dims);
  n->macs = 0;
  return ECNN_STATUS_OK;
}

static ecnn_status copy_run(const ecnn_op_ctx *ctx) {
  const ecnn_tensor *out = &ctx->graph->tensors[ctx->node->outputs[0]];
  const void *x = ecnn_ctx_in(ctx, 0);
  void *y = ecnn_ctx_out(ctx, 0);
  size_t bytes = ecnn_tensor_bytes(out);
  if (x != y && bytes) memmove(y, x, bytes);
  return ECNN_STATUS_OK;
}

/* RESHAPE run: copies the bytes (nothing when the planner aliased input and output). */
ecnn_status ecnn_op_reshape_run(const ecnn_op_ctx *ctx) { return copy_run(ctx); }

/* SQUEEZE: params.num_squeeze_dims <= 0 squeezes every size-1 dim; otherwise each listed dim
 * (in [-rank, rank), repeats allowed) must have size 1. */
ecnn_status ecnn_op_squeeze_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 1, 1, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *in;
  ecnn_tensor *out;
  if ((st = data_io(g, n, &in, &out)) != ECNN_STATUS_OK) return st;
  bool drop[ECNN_MAX_DIMS] = {false};
  const int32_t ns = n->params.num_squeeze_dims;
  if (ns > ECNN_MAX_DIMS)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "%d squeeze dims (at most %d)", OPARG,
                      (int)ns, ECNN_MAX_DIMS);
  if (ns <= 0) {
    for (int32_t d = 0; d < in->ndim; d++) drop[d] = in->dims[d] == 1;
  } else {
    for (int32_t i = 0; i < ns; i++) {
      int32_t d = n->params.squeeze_dims[i];
      if (d < -in->ndim || d >= in->ndim)
        return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                          OPFMT "squeeze dim %d out of range for rank %d", OPARG, (int)d,
                          (int)in->ndim);
      if (d < 0) d += in->ndim;
      if (in->dims[d] != 1)
        return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "cannot squeeze dim %d of size %d",
                          OPARG, (int)d, (int)in->dims[d]);
      drop[d] = true;
    }
  }
  int32_t nd = 0, dims[ECNN_MAX_DIMS];
  for (int32_t d = 0; d < in->ndim; d++)
    if (!drop[d]) dims[nd++] = in->dims[d];
  ecnn_set_shape(out, nd, dims);
  n->macs = 0;
  return ECNN_STATUS_OK;
}

/* SQUEEZE run: a byte copy. */
ecnn_status ecnn_op_squeeze_run(const ecnn_op_ctx *ctx) { return copy_run(ctx); }
