/*
 * pool.c — AVERAGE_POOL_2D and MAX_POOL_2D: validation and shape inference (once per model
 * load, every dtype) and the float32 runs through the scalar reference kernels. TFLite
 * semantics: NHWC input, filter and stride from the options, SAME (extra padding at the end)
 * or VALID padding; the average divides by the number of in-bounds elements of each window;
 * fused activation. MACs: 0 — pooling does no multiply-accumulate work, so `edgecnn info`
 * counts only conv/FC work, the usual convention.
 */
#include <math.h>

#include "../kernels/conv.h"
#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

static ecnn_status geometry(const ecnn_graph *g, const ecnn_node *n, ecnn_pool_params *p) {
  const ecnn_tensor *in = ecnn_in(g, n, 0);
  const ecnn_op_params *o = &n->params;
  if (in->ndim != 4)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "input '%s' has %d dims, expected 4 (NHWC)",
                      OPARG, in->name, (int)in->ndim);
  for (int32_t i = 0; i < 4; i++)
    if (in->dims[i] < 1)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "input '%s' is empty", OPARG, in->name);
  if (o->filter_h < 1 || o->filter_w < 1 || o->stride_h < 1 || o->stride_w < 1)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "filter %dx%d / stride %dx%d must be >= 1",
                      OPARG, (int)o->filter_h, (int)o->filter_w, (int)o->stride_h,
                      (int)o->stride_w);
  if (o->padding != ECNN_PADDING_SAME && o->padding != ECNN_PADDING_VALID)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "unknown padding %d", OPARG,
                      (int)o->padding);
  p->batch = in->dims[0];
  p->in_h = in->dims[1];
  p->in_w = in->dims[2];
  p->channels = in->dims[3];
  p->filter_h = o->filter_h;
  p->filter_w = o->filter_w;
  p->stride_h = o->stride_h;
  p->stride_w = o->stride_w;
  p->out_h = ecnn_conv_out_size(p->in_h, p->filter_h, p->stride_h, 1, o->padding, &p->pad_top);
  p->out_w = ecnn_conv_out_size(p->in_w, p->filter_w, p->stride_w, 1, o->padding, &p->pad_left);
  if (p->out_h < 1 || p->out_w < 1)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "%dx%d filter does not fit the %dx%d input",
                      OPARG, (int)p->filter_h, (int)p->filter_w, (int)p->in_h, (int)p->in_w);
  ecnn_activation_range(o->activation, &p->out_min, &p->out_max);
  return ECNN_STATUS_OK;
}

static ecnn_status pool_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 1, 1, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *in = ecnn_in(g, n, 0);
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if ((st = ecnn_check_data_type(n, in, "input")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_data_type(n, out, "output")) != ECNN_STATUS_OK) return st;
  if (out->dtype != in->dtype)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "output is %s but input is %s", OPARG,
                      ecnn_dtype_name(out->dtype), ecnn_dtype_name(in->dtype));
  if ((st = ecnn_check_activation(n, n->params.activation)) != ECNN_STATUS_OK) return st;
  ecnn_pool_params p = {0};
  if ((st = geometry(g, n, &p)) != ECNN_STATUS_OK) return st;
  int32_t dims[4] = {p.batch, p.out_h, p.out_w, p.channels};
  ecnn_set_shape(out, 4, dims);
  n->macs = 0;
  return ECNN_STATUS_OK;
}

static ecnn_status pool_run(const ecnn_op_ctx *ctx, bool max) {
  const ecnn_node *n = ctx->node;
  ecnn_pool_params p = {0};
  ecnn_status st = ecnn_check_f32_run(ctx, 0);
  if (st == ECNN_STATUS_OK) st = geometry(ctx->graph, n, &p);
  if (st != ECNN_STATUS_OK) return st;
  float *out = ecnn_ctx_out(ctx, 0);
  if (max)
    ecnn_f32_maxpool2d__scalar(&p, ecnn_ctx_in(ctx, 0), out);
  else
    ecnn_f32_avgpool2d__scalar(&p, ecnn_ctx_in(ctx, 0), out);
  if (n->params.activation == ECNN_ACT_TANH)
    ecnn_activate_n(out, (int64_t)p.batch * p.out_h * p.out_w * p.channels, ECNN_ACT_TANH);
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_op_average_pool2d_prepare(ecnn_graph *g, ecnn_node *n) {
  return pool_prepare(g, n);
}

ecnn_status ecnn_op_average_pool2d_run(const ecnn_op_ctx *ctx) { return pool_run(ctx, false); }

ecnn_status ecnn_op_max_pool2d_prepare(ecnn_graph *g, ecnn_node *n) { return pool_prepare(g, n); }

ecnn_status ecnn_op_max_pool2d_run(const ecnn_op_ctx *ctx) { return pool_run(ctx, true); }
