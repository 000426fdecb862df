/*
 * transpose_conv.c — TRANSPOSE_CONV: validation and shape inference (once per model load,
 * every dtype) and the float32 run through the scalar reference kernel. TFLite's input order:
 * 0 = output_shape (constant int32 [4]: N, H, W, O), 1 = weights [O, KH, KW, I],
 * 2 = input [N, IH, IW, I], 3 = optional bias [O]. Padding follows TFLite: it is the padding
 * of the forward convolution that maps the H x W output back to the input (SAME: half of
 * max((ceil(H/s) - 1) * s + KH - H, 0), extra at the end; VALID: 0); output pixels the
 * scatter never reaches get only the bias. No dilation; fused activation applied.
 * MACs = N * IH * IW * I * KH * KW * O (every scattered product, clipped or not).
 */
#include <math.h>

#include "../kernels/conv.h"
#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

/* TFLite's ComputePaddingWithOffset for the forward conv out_size -> in_size (dilation 1). */
static int32_t tconv_pad(int32_t out_size, int32_t filter, int32_t stride, ecnn_padding pad) {
  int64_t fwd = pad == ECNN_PADDING_SAME ? ((int64_t)out_size + stride - 1) / stride
                                         : ((int64_t)out_size - filter + stride) / stride;
  int64_t total = (fwd - 1) * stride + filter - out_size;
  return total > 0 ? (int32_t)(total / 2) : 0;
}

static ecnn_status geometry(const ecnn_graph *g, const ecnn_node *n, ecnn_conv_params *p) {
  const ecnn_tensor *shape = ecnn_in(g, n, 0), *w = ecnn_in(g, n, 1), *in = ecnn_in(g, n, 2),
                    *bias = ecnn_in(g, n, 3);
  const ecnn_op_params *o = &n->params;
  if (shape->dtype != ECNN_DTYPE_I32 || shape->ndim != 1 || shape->dims[0] != 4 || !shape->data ||
      shape->const_bytes < 4 * sizeof(int32_t))
    return ecnn_error(ECNN_STATUS_UNSUPPORTED,
                      OPFMT "output_shape '%s' must be a constant int32 [4]", OPARG, shape->name);
  if (in->ndim != 4)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "input '%s' has %d dims, expected 4 (NHWC)",
                      OPARG, in->name, (int)in->ndim);
  if (w->ndim != 4)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "weights '%s' have %d dims, expected 4",
                      OPARG, w->name, (int)w->ndim);
  const int32_t *os = shape->data;
  for (int32_t i = 0; i < 4; i++)
    if (w->dims[i] < 1 || in->dims[i] < 1 || os[i] < 1)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                        OPFMT "input '%s', weights '%s' or output_shape is empty", OPARG, in->name,
                        w->name);
  if (!w->data || w->const_bytes < ecnn_tensor_bytes(w))
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "weights '%s' must be a constant", OPARG,
                      w->name);
  if (w->dims[3] != in->dims[3])
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "weights depth %d does not match the input depth %d", OPARG,
                      (int)w->dims[3], (int)in->dims[3]);
  if (os[0] != in->dims[0] || os[3] != w->dims[0])
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "output_shape [%d,%d,%d,%d] disagrees with batch %d / %d filters",
                      OPARG, (int)os[0], (int)os[1], (int)os[2], (int)os[3], (int)in->dims[0],
                      (int)w->dims[0]);
  if (o->stride_h < 1 || o->stride_w < 1)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "stride %dx%d must be >= 1", OPARG,
                      (int)o->stride_h, (int)o->stride_w);
  if (o->padding != ECNN_PADDING_SAME && o->padding != ECNN_PADDING_VALID)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "unknown padding %d", OPARG,
                      (int)o->padding);
  if (bias) {
    if (!bias->data || bias->const_bytes < ecnn_tensor_bytes(bias))
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "bias '%s' must be a constant", OPARG,
                        bias->name);
    if (bias->ndim != 1 || bias->dims[0] != w->dims[0])
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "bias '%s' must have shape [%d]", OPARG,
                        bias->name, (int)w->dims[0]);
  }
  p->batch = in->dims[0];
  p->in_h = in->dims[1];
  p->in_w = in->dims[2];
  p->in_c = in->dims[3];
  p->out_h = os[1];
  p->out_w = os[2];
  p->out_c = os[3];
  p->kernel_h = w->dims[1];
  p->kernel_w = w->dims[2];
  p->stride_h = o->stride_h;
  p->stride_w = o->stride_w;
  p->dilation_h = p->dilation_w = 1;
  p->groups = p->depth_multiplier = 1;
  p->pad_top = tconv_pad(p->out_h, p->kernel_h, p->stride_h, o->padding);
  p->pad_left = tconv_pad(p->out_w, p->kernel_w, p->stride_w, o->padding);
  ecnn_activation_range(o->activation, &p->out_min, &p->out_max);
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_op_transpose_conv_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 3, 4, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *shape = ecnn_in(g, n, 0), *w = ecnn_in(g, n, 1), *in = ecnn_in(g, n, 2),
                    *bias = ecnn_in(g, n, 3);
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if ((st = ecnn_check_const(n, shape, "output_shape")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_weighted_types(n, in, w, bias, out)) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_const(n, w, "weights")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_activation(n, n->params.activation)) != ECNN_STATUS_OK) return st;
  ecnn_conv_params p = {0};
  if ((st = geometry(g, n, &p)) != ECNN_STATUS_OK) return st;
  int32_t dims[4] = {p.batch, p.out_h, p.out_w, p.out_c};
  ecnn_set_shape(out, 4, dims);
  int64_t macs = (int64_t)p.in_h * p.in_w;
  int64_t f[5] = {p.in_c, p.kernel_h, p.kernel_w, p.out_c, p.batch};
  for (int i = 0; i < 5; i++)
    if (__builtin_mul_overflow(macs, f[i], &macs))
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "MAC count overflows", OPARG);
  n->macs = macs;
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_op_transpose_conv_run(const ecnn_op_ctx *ctx) {
  const ecnn_node *n = ctx->node;
  ecnn_conv_params p = {0};
  ecnn_status st = ecnn_check_f32_run(ctx, 2);
  if (st == ECNN_STATUS_OK) st = geometry(ctx->graph, n, &p);
  if (st != ECNN_STATUS_OK) return st;
  float *out = ecnn_ctx_out(ctx, 0);
  ecnn_f32_tconv2d__scalar(&p, ecnn_ctx_in(ctx, 2), ecnn_ctx_in(ctx, 1), ecnn_ctx_in(ctx, 3), out);
  if (n->params.activation == ECNN_ACT_TANH)
    ecnn_activate_n(out, (int64_t)p.batch * p.out_h * p.out_w * p.out_c, ECNN_ACT_TANH);
  return ECNN_STATUS_OK;
}
