/*
 * fully_connected.c — FULLY_CONNECTED: validation and shape inference (once per model load,
 * every dtype) and the float32 run through the scalar reference kernel. TFLite semantics:
 * weights [O, I] (constant, default weights format), the input flattened to [rows, I]
 * (its element count must be a multiple of I), optional bias [O], fused activation. Output:
 * [rows, O], or with keep_num_dims the input's shape with its last dim (which must be I)
 * replaced by O. MACs = rows * O * I.
 */
#include <math.h>

#include "../kernels/conv.h"
#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

static ecnn_status geometry(const ecnn_graph *g, const ecnn_node *n, ecnn_fc_params *p) {
  const ecnn_tensor *in = ecnn_in(g, n, 0), *w = ecnn_in(g, n, 1), *bias = ecnn_in(g, n, 2);
  if (w->ndim != 2 || w->dims[0] < 1 || w->dims[1] < 1)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "weights '%s' must have shape [O, I] with O, I >= 1", OPARG, w->name);
  if (!w->data || w->const_bytes < ecnn_tensor_bytes(w))
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "weights '%s' must be a constant", OPARG,
                      w->name);
  p->out_features = w->dims[0];
  p->in_features = w->dims[1];
  int64_t elems = ecnn_tensor_elements(in);
  if (in->ndim < 1 || elems < 1 || elems > ECNN_MAX_TENSOR_ELEMENTS)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "input '%s' is empty or too large", OPARG,
                      in->name);
  if (elems % p->in_features != 0)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "input '%s' has %lld elements, not a multiple of %d", OPARG, in->name,
                      (long long)elems, (int)p->in_features);
  if (n->params.keep_dims && in->dims[in->ndim - 1] != p->in_features)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "keep_num_dims needs the input's last dim (%d) to equal %d", OPARG,
                      (int)in->dims[in->ndim - 1], (int)p->in_features);
  p->rows = elems / p->in_features;
  if (bias) {
    if (!bias->data || bias->const_bytes < ecnn_tensor_bytes(bias))
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "bias '%s' must be a constant", OPARG,
                        bias->name);
    if (bias->ndim != 1 || bias->dims[0] != p->out_features)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "bias '%s' must have shape [%d]", OPARG,
                        bias->name, (int)p->out_features);
  }
  ecnn_activation_range(n->params.activation, &p->out_min, &p->out_max);
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_op_fully_connected_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 2, 3, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *in = ecnn_in(g, n, 0), *w = ecnn_in(g, n, 1), *bias = ecnn_in(g, n, 2);
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if ((st = ecnn_check_weighted_types(n, in, w, bias, out)) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_const(n, w, "weights")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_activation(n, n->params.activation)) != ECNN_STATUS_OK) return st;
  ecnn_fc_params p = {0};
  if ((st = geometry(g, n, &p)) != ECNN_STATUS_OK) return st;
  if (n->params.keep_dims) {
    int32_t dims[ECNN_MAX_DIMS];
    for (int32_t i = 0; i < in->ndim; i++) dims[i] = in->dims[i];
    dims[in->ndim - 1] = p.out_features;
    ecnn_set_shape(out, in->ndim, dims);
  } else {
    if (p.rows > INT32_MAX)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "too many rows", OPARG);
    int32_t dims[2] = {(int32_t)p.rows, p.out_features};
    ecnn_set_shape(out, 2, dims);
  }
  int64_t macs;
  if (__builtin_mul_overflow(p.rows, (int64_t)p.out_features * p.in_features, &macs))
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "MAC count overflows", OPARG);
  n->macs = macs;
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_op_fully_connected_run(const ecnn_op_ctx *ctx) {
  const ecnn_node *n = ctx->node;
  ecnn_fc_params p = {0};
  ecnn_status st = ecnn_check_f32_run(ctx, 0);
  if (st == ECNN_STATUS_OK) st = geometry(ctx->graph, n, &p);
  if (st != ECNN_STATUS_OK) return st;
  float *out = ecnn_ctx_out(ctx, 0);
  ecnn_f32_fully_connected__scalar(&p, ecnn_ctx_in(ctx, 0), ecnn_ctx_in(ctx, 1),
                                   ecnn_ctx_in(ctx, 2), out);
  if (n->params.activation == ECNN_ACT_TANH)
    ecnn_activate_n(out, p.rows * p.out_features, ECNN_ACT_TANH);
  return ECNN_STATUS_OK;
}
