/*
 * resize.c — RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR on NHWC tensors, with the output
 * height and width from a constant int32 [2] size input and TFLite's align_corners /
 * half_pixel_centers coordinate rules (reference kernels, reproduced exactly in
 * kernels/scalar/eltwise_scalar.c). Bilinear runs on float32; nearest moves elements by bytes,
 * so its run serves any dtype (the quantized table may reuse it: TFLite keeps the input's
 * quantization). MACs: 4 per bilinear output element, 0 for nearest.
 */
#include "../kernels/eltwise.h"
#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

static ecnn_status resize_prepare(ecnn_graph *g, ecnn_node *n, bool bilinear) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 2, 2, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *in = ecnn_in(g, n, 0), *size = ecnn_in(g, n, 1);
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if ((st = ecnn_check_data_type(n, in, "input")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_data_type(n, out, "output")) != ECNN_STATUS_OK) return st;
  if (out->dtype != in->dtype)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "output is %s but input is %s", OPARG,
                      ecnn_dtype_name(out->dtype), ecnn_dtype_name(in->dtype));
  if (in->ndim != 4)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "input '%s' has %d dims, expected 4",
                      OPARG, in->name, (int)in->ndim);
  if (in->dims[1] < 1 || in->dims[2] < 1)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "input '%s' is empty (%dx%d)", OPARG,
                      in->name, (int)in->dims[1], (int)in->dims[2]);
  if ((st = ecnn_check_const(n, size, "size")) != ECNN_STATUS_OK) return st;
  if (size->dtype != ECNN_DTYPE_I32 || size->ndim != 1 || size->dims[0] != 2 ||
      size->const_bytes < 2 * sizeof(int32_t))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "size '%s' must be int32 [2]", OPARG,
                      size->name);
  const int32_t *hw = size->data;
  if (hw[0] < 1 || hw[1] < 1)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "output size %dx%d", OPARG, (int)hw[0],
                      (int)hw[1]);
  if (bilinear && n->params.align_corners && n->params.half_pixel_centers)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "align_corners and half_pixel_centers are both set", OPARG);
  int64_t elems = (int64_t)in->dims[0] * in->dims[3] * hw[0]; /* <= 2^61 */
  if (elems > ECNN_MAX_TENSOR_ELEMENTS || elems * hw[1] > ECNN_MAX_TENSOR_ELEMENTS)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "output %dx%d is too large", OPARG,
                      (int)hw[0], (int)hw[1]);
  int32_t dims[4] = {in->dims[0], hw[0], hw[1], in->dims[3]};
  ecnn_set_shape(out, 4, dims);
  n->macs = bilinear ? 4 * elems * hw[1] : 0;
  return ECNN_STATUS_OK;
}

static void geometry(const ecnn_op_ctx *ctx, ecnn_resize_params *p) {
  const ecnn_tensor *in = ecnn_in(ctx->graph, ctx->node, 0);
  const ecnn_tensor *out = &ctx->graph->tensors[ctx->node->outputs[0]];
  p->batch = in->dims[0];
  p->in_h = in->dims[1];
  p->in_w = in->dims[2];
  p->channels = in->dims[3];
  p->out_h = out->dims[1];
  p->out_w = out->dims[2];
  p->align_corners = ctx->node->params.align_corners;
  p->half_pixel_centers = ctx->node->params.half_pixel_centers;
}

/* RESIZE_BILINEAR: input NHWC (H, W >= 1), size const int32 [2] >= 1; not both
 * align_corners and half_pixel_centers (TFLite rejects that too). */
ecnn_status ecnn_op_resize_bilinear_prepare(ecnn_graph *g, ecnn_node *n) {
  return resize_prepare(g, n, true);
}
/* Float32 RESIZE_BILINEAR run. */
ecnn_status ecnn_op_resize_bilinear_run(const ecnn_op_ctx *ctx) {
  ecnn_resize_params p;
  geometry(ctx, &p);
  ecnn_f32_resize_bilinear__scalar(&p, ecnn_ctx_in(ctx, 0), ecnn_ctx_out(ctx, 0));
  return ECNN_STATUS_OK;
}

/* RESIZE_NEAREST_NEIGHBOR: same inputs as bilinear. */
ecnn_status ecnn_op_resize_nearest_prepare(ecnn_graph *g, ecnn_node *n) {
  return resize_prepare(g, n, false);
}
/* RESIZE_NEAREST_NEIGHBOR run for any dtype (element copies). */
ecnn_status ecnn_op_resize_nearest_run(const ecnn_op_ctx *ctx) {
  ecnn_resize_params p;
  geometry(ctx, &p);
  const ecnn_tensor *in = ecnn_in(ctx->graph, ctx->node, 0);
  ecnn_resize_nearest__scalar(&p, ecnn_dtype_size(in->dtype), ecnn_ctx_in(ctx, 0),
                              ecnn_ctx_out(ctx, 0));
  return ECNN_STATUS_OK;
}
