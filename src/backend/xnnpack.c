/*
 * xnnpack.c — the XNNPACK yardstick backend (xnnpack.h). Load-time: walk the nodes, mark the
 * ones XNNPACK's 2022 subgraph API supports with our exact semantics, cut the node list into
 * runs, define each run as a subgraph (constants as static values pointing at the graph's
 * data, boundary tensors as external values backed by the session arena) and create a
 * runtime on a shared pthreadpool. Run-time: runtimes and native nodes in node order.
 *
 * Float32 nodes map to XNNPACK's F32 operators. Int8 nodes (TFLite's integer semantics, as
 * src/ops/q8/ runs them) map to its QS8 / QC8 operators: int8 activations are qint8 values
 * (per-tensor scale and zero point), per-channel conv / depthwise weights qcint8 along their
 * output-channel axis (0 for CONV_2D [OC,KH,KW,IC], 3 for DEPTHWISE [1,KH,KW,OC]) with qcint32
 * biases (scale input x weight per channel), per-tensor weights qint8 with qint32 biases, and
 * QUANTIZE / DEQUANTIZE between float32 and int8 become Convert nodes. Fused activations go to
 * XNNPACK in real units for every datatype (it rounds them into the output's quantized range
 * itself). XNNPACK requantizes in fp32 where TFLite uses Q31 multipliers: outputs agree to a
 * quantum per layer. An int8 node is delegated only when this version has the operator, the
 * quantization fits its constraints (checked here, as its create functions would) and the
 * result is TFLite's up to that rounding; CONCATENATION, AVERAGE_POOL_2D, SOFTMAX, int8
 * requantizing QUANTIZE and the like stay native.
 */
#include "xnnpack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef ECNN_HAVE_XNNPACK
#include <pthreadpool.h>
#include <xnnpack.h>

#include "../kernels/conv.h"
#include "../kernels/q8_conv.h"

typedef struct xnn_run {
  int32_t first, last; /* node range [first, last]; native when rt == NULL */
  xnn_runtime_t rt;
  struct xnn_external_value *ext;
  size_t num_ext;
} xnn_run;

struct ecnn_xnn_plan {
  const ecnn_graph *g;
  pthreadpool_t pool;
  xnn_run *runs;
  int32_t num_runs;
  int32_t delegated;
  void **unpacked;   /* file-layout copies of packed conv weights (static values), one per tensor */
  float **bias_scales; /* per int32 bias tensor of an int8 conv / FC: its per-channel scales */
};

static bool initialized;

bool ecnn_xnn_available(void) { return true; }

static bool act_range(ecnn_activation a, float *lo, float *hi) {
  *lo = -INFINITY;
  *hi = INFINITY;
  switch (a) {
  case ECNN_ACT_NONE: return true;
  case ECNN_ACT_RELU: *lo = 0; return true;
  case ECNN_ACT_RELU_N1_TO_1: *lo = -1; *hi = 1; return true;
  case ECNN_ACT_RELU6: *lo = 0; *hi = 6; return true;
  default: return false;
  }
}

static bool is_f32(const ecnn_tensor *t) { return t && t->dtype == ECNN_DTYPE_F32; }

/* Whether float node n can run in XNNPACK with TFLite semantics. */
static bool supported_f32(const ecnn_graph *g, const ecnn_node *n) {
  const ecnn_tensor *x = ecnn_in(g, n, 0), *y = &g->tensors[n->outputs[0]];
  float lo, hi;
  if (!is_f32(x) || !is_f32(y) || n->quantized || n->num_outputs != 1) return false;
  if (ecnn_tensor_is_const(x)) return false;
  switch (n->op) {
  case ECNN_OP_CONV_2D:
  case ECNN_OP_DEPTHWISE_CONV_2D: {
    const ecnn_tensor *w = ecnn_in(g, n, 1), *b = ecnn_in(g, n, 2);
    return is_f32(w) && ecnn_tensor_is_const(w) && (!b || (is_f32(b) && ecnn_tensor_is_const(b))) &&
           x->ndim == 4 && act_range(n->params.activation, &lo, &hi);
  }
  case ECNN_OP_FULLY_CONNECTED: {
    const ecnn_tensor *w = ecnn_in(g, n, 1), *b = ecnn_in(g, n, 2);
    return is_f32(w) && ecnn_tensor_is_const(w) && (!b || (is_f32(b) && ecnn_tensor_is_const(b))) &&
           x->ndim == 2 && y->ndim == 2 && act_range(n->params.activation, &lo, &hi);
  }
  case ECNN_OP_ADD:
  case ECNN_OP_SUB:
  case ECNN_OP_MUL:
  case ECNN_OP_DIV: {
    const ecnn_tensor *b = ecnn_in(g, n, 1);
    return is_f32(b) && act_range(n->params.activation, &lo, &hi);
  }
  case ECNN_OP_MAXIMUM:
  case ECNN_OP_MINIMUM: return is_f32(ecnn_in(g, n, 1));
  case ECNN_OP_MAX_POOL_2D: return x->ndim == 4 && act_range(n->params.activation, &lo, &hi);
  case ECNN_OP_AVERAGE_POOL_2D:
    /* XNNPACK counts padded elements differently from TFLite: only unpadded pools */
    return x->ndim == 4 && n->params.padding == ECNN_PADDING_VALID &&
           act_range(n->params.activation, &lo, &hi);
  case ECNN_OP_RELU:
  case ECNN_OP_RELU6:
  case ECNN_OP_RELU_N1_TO_1:
  case ECNN_OP_LOGISTIC:
  case ECNN_OP_HARD_SWISH:
  case ECNN_OP_LEAKY_RELU:
  case ECNN_OP_RESHAPE:
  case ECNN_OP_SQUEEZE: return true;
  case ECNN_OP_SOFTMAX: return n->params.beta == 1.0f;
  case ECNN_OP_PRELU: {
    const ecnn_tensor *s = ecnn_in(g, n, 1);
    return is_f32(s) && ecnn_tensor_is_const(s) && s->ndim == 1 && x->ndim == 4 &&
           s->dims[0] == x->dims[3];
  }
  case ECNN_OP_PAD: {
    const ecnn_tensor *p = ecnn_in(g, n, 1);
    return p && p->dtype == ECNN_DTYPE_I32 && ecnn_tensor_is_const(p);
  }
  case ECNN_OP_RESIZE_BILINEAR:
    return x->ndim == 4 && !(n->params.align_corners && n->params.half_pixel_centers);
  case ECNN_OP_MEAN: {
    const ecnn_tensor *ax = ecnn_in(g, n, 1);
    if (!n->params.keep_dims || x->ndim != 4 || !ax || ax->dtype != ECNN_DTYPE_I32 ||
        !ecnn_tensor_is_const(ax) || ecnn_tensor_elements(ax) != 2)
      return false;
    const int32_t *a = ax->data;
    return (a[0] == 1 && a[1] == 2) || (a[0] == 2 && a[1] == 1);
  }
  default: return false;
  }
}

/* ---- int8 ------------------------------------------------------------------------------ */

/* A scale XNNPACK accepts: finite, normalized, positive. */
static bool good_scale(float s) { return s > 0.0f && isnormal(s); }

/* An int8 tensor with one scale and zero point (an activation, or per-tensor weights). */
static bool is_qs8(const ecnn_tensor *t) {
  return t && t->dtype == ECNN_DTYPE_I8 && t->quant.count == 1 && good_scale(t->quant.scale[0]) &&
         t->quant.zero_point[0] >= -128 && t->quant.zero_point[0] <= 127;
}

static bool same_quant(const ecnn_tensor *a, const ecnn_tensor *b) {
  return a->quant.scale[0] == b->quant.scale[0] && a->quant.zero_point[0] == b->quant.zero_point[0];
}

/* The int8 clamp XNNPACK derives from a real-unit range [lo, hi] for output y (what its
 * subgraph does for every quantized operator: lrintf of lo / scale + zero point, saturated),
 * and whether its operators accept it (they refuse an empty range). */
static bool qs8_range_ok(const ecnn_tensor *y, float lo, float hi) {
  const float s = y->quant.scale[0], zp = (float)y->quant.zero_point[0];
  const long qlo = lrintf(fminf(fmaxf(lo / s + zp, -128.0f), 127.0f));
  const long qhi = lrintf(fminf(fmaxf(hi / s + zp, -128.0f), 127.0f));
  return qlo < qhi;
}

/* Int8 weights XNNPACK's QS8 / QC8 operators take: constant, in the file's layout, zero point
 * 0, one scale, or (when `channelwise`) one per output channel along `axis`; every bias scale
 * input x weight a normal float and every requantization scale input x weight / output below
 * 256 (XNNPACK's limits). */
static bool q8_weights_ok(const ecnn_tensor *x, const ecnn_tensor *w, const ecnn_tensor *y,
                          int32_t axis, bool channelwise) {
  if (!w || w->dtype != ECNN_DTYPE_I8 || !ecnn_tensor_is_const(w)) return false;
  const int32_t count = w->quant.count;
  if (count < 1 || (count > 1 && (!channelwise || w->quant.axis != axis || count != w->dims[axis])))
    return false;
  for (int32_t c = 0; c < count; c++)
    if (w->quant.zero_point[c] != 0 || !good_scale(w->quant.scale[c]) ||
        !good_scale(x->quant.scale[0] * w->quant.scale[c]) || /* the bias scale */
        !(x->quant.scale[0] * w->quant.scale[c] / y->quant.scale[0] < 256.0f))
      return false;
  return true;
}

/* An int32 bias of `oc` constants (or none). */
static bool q8_bias_ok(const ecnn_tensor *b, int32_t oc) {
  return !b || (b->dtype == ECNN_DTYPE_I32 && ecnn_tensor_is_const(b) &&
                ecnn_tensor_elements(b) == oc);
}

/* XNNPACK's range for an input-to-output scale ratio r: [2^lo, 2^8). */
static bool ratio_ok(float r, int lo) { return r >= ldexpf(1.0f, lo) && r < 256.0f; }

/* Whether int8 node n (or a QUANTIZE / DEQUANTIZE between float32 and int8) can run in
 * XNNPACK's QS8 operators with TFLite's semantics, up to XNNPACK's fp32 requantization. */
static bool supported_q8(const ecnn_graph *g, const ecnn_node *n) {
  const ecnn_tensor *x = ecnn_in(g, n, 0), *y = &g->tensors[n->outputs[0]];
  if (n->num_outputs != 1 || !x || ecnn_tensor_is_const(x)) return false;
  if (n->op == ECNN_OP_QUANTIZE) return is_f32(x) && is_qs8(y);
  if (n->op == ECNN_OP_DEQUANTIZE) return is_qs8(x) && is_f32(y);
  if (!n->quantized || !is_qs8(x) || !is_qs8(y)) return false;
  float lo, hi;
  if (!act_range(n->params.activation, &lo, &hi) || !qs8_range_ok(y, lo, hi)) return false;
  const float sx = x->quant.scale[0], sy = y->quant.scale[0];
  switch (n->op) {
  case ECNN_OP_CONV_2D:
  case ECNN_OP_DEPTHWISE_CONV_2D: {
    const ecnn_tensor *w = ecnn_in(g, n, 1);
    const bool dw = n->op == ECNN_OP_DEPTHWISE_CONV_2D;
    return x->ndim == 4 && w && w->ndim == 4 && q8_weights_ok(x, w, y, dw ? 3 : 0, true) &&
           q8_bias_ok(ecnn_in(g, n, 2), dw ? w->dims[3] : w->dims[0]);
  }
  case ECNN_OP_FULLY_CONNECTED: { /* this XNNPACK has no per-channel (QC8) fully connected */
    const ecnn_tensor *w = ecnn_in(g, n, 1);
    return x->ndim == 2 && y->ndim == 2 && w && w->ndim == 2 &&
           q8_weights_ok(x, w, y, 0, false) && q8_bias_ok(ecnn_in(g, n, 2), w->dims[0]);
  }
  case ECNN_OP_ADD:
  case ECNN_OP_SUB:
  case ECNN_OP_MUL: {
    const ecnn_tensor *b = ecnn_in(g, n, 1);
    if (!is_qs8(b)) return false;
    const float sb = b->quant.scale[0];
    if (n->op == ECNN_OP_MUL) return ratio_ok(sx * sb / sy, -16);
    return ratio_ok(sx / sy, -10) && ratio_ok(sb / sy, -10);
  }
  case ECNN_OP_MAX_POOL_2D: return x->ndim == 4 && same_quant(x, y);
  case ECNN_OP_RELU:
  case ECNN_OP_RELU6:
  case ECNN_OP_RELU_N1_TO_1: { /* XNNPACK clamps the bytes: no rescaling */
    const float top = n->op == ECNN_OP_RELU ? INFINITY : n->op == ECNN_OP_RELU6 ? 6.0f : 1.0f;
    return same_quant(x, y) && qs8_range_ok(y, n->op == ECNN_OP_RELU_N1_TO_1 ? -1.0f : 0.0f, top);
  }
  case ECNN_OP_LOGISTIC: /* TFLite's fixed int8 output, the only one XNNPACK takes */
    return sy == 1.0f / 256.0f && y->quant.zero_point[0] == -128;
  case ECNN_OP_RESHAPE:
  case ECNN_OP_SQUEEZE: return same_quant(x, y);
  case ECNN_OP_PAD: { /* pads with the zero point, as TFLite does */
    const ecnn_tensor *p = ecnn_in(g, n, 1);
    return same_quant(x, y) && p && p->dtype == ECNN_DTYPE_I32 && ecnn_tensor_is_const(p);
  }
  case ECNN_OP_MEAN: {
    const ecnn_tensor *ax = ecnn_in(g, n, 1);
    if (!n->params.keep_dims || x->ndim != 4 || !ax || ax->dtype != ECNN_DTYPE_I32 ||
        !ecnn_tensor_is_const(ax) || ecnn_tensor_elements(ax) != 2 || !ratio_ok(sx / sy, -8))
      return false;
    const int32_t *a = ax->data;
    return (a[0] == 1 && a[1] == 2) || (a[0] == 2 && a[1] == 1);
  }
  default: return false;
  }
}

/* Whether node n can run in XNNPACK with TFLite semantics. */
static bool supported(const ecnn_graph *g, const ecnn_node *n) {
  const ecnn_tensor *x = ecnn_in(g, n, 0);
  if (!x || n->num_outputs != 1) return false;
  const bool q8 = n->quantized || n->op == ECNN_OP_QUANTIZE || n->op == ECNN_OP_DEQUANTIZE;
  return q8 ? supported_q8(g, n) : supported_f32(g, n);
}

static void pads(int32_t in, int32_t filter, int32_t stride, int32_t dil, ecnn_padding p,
                 uint32_t *before, uint32_t *after) {
  int32_t b = 0;
  int32_t out = ecnn_conv_out_size(in, filter, stride, dil, p, &b);
  int32_t total = (out - 1) * stride + (filter - 1) * dil + 1 - in;
  *before = (uint32_t)(b > 0 ? b : 0);
  *after = (uint32_t)(total - b > 0 ? total - b : 0);
}

typedef struct define_ctx {
  ecnn_xnn_plan *plan;
  const ecnn_graph *g;
  xnn_subgraph_t sg;
  uint32_t *ids; /* per tensor: XNNPACK value id or XNN_INVALID_VALUE_ID */
  const uint8_t *boundary; /* per tensor: 1 = external (lives in the arena) */
} define_ctx;

static ecnn_status value(define_ctx *c, int32_t t, uint32_t *id) {
  if (c->ids[t] != XNN_INVALID_VALUE_ID) {
    *id = c->ids[t];
    return ECNN_STATUS_OK;
  }
  const ecnn_tensor *x = &c->g->tensors[t];
  size_t dims[XNN_MAX_TENSOR_DIMS];
  for (int32_t i = 0; i < x->ndim; i++) dims[i] = (size_t)x->dims[i];
  uint32_t flags = 0, ext = XNN_INVALID_VALUE_ID;
  if (c->boundary[t] == 1) {
    ext = (uint32_t)t;
    flags = XNN_VALUE_FLAG_EXTERNAL_INPUT;
  } else if (c->boundary[t] == 2) {
    ext = (uint32_t)t;
    flags = XNN_VALUE_FLAG_EXTERNAL_OUTPUT;
  }
  const void *data = ecnn_tensor_is_const(x) ? x->data : NULL;
  /* the model keeps conv weights packed (float, and int8 on AVX2): XNNPACK gets the file
   * layout */
  if (data && x->packed) {
    if (!c->plan->unpacked[t]) {
      if (!(c->plan->unpacked[t] = malloc(ecnn_tensor_bytes(x))))
        return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "xnnpack: out of memory for weights");
      if (x->dtype == ECNN_DTYPE_F32) {
        ecnn_conv_params p = {0};
        p.out_c = x->dims[0], p.kernel_h = x->dims[1], p.kernel_w = x->dims[2];
        p.in_c = x->dims[3];
        ecnn_f32_conv2d_unpack(&p, x->data, c->plan->unpacked[t]);
      } else {
        ecnn_q8_conv2d_unpack_any(x->data, c->plan->unpacked[t]);
      }
    }
    data = c->plan->unpacked[t];
  }
  enum xnn_status xs;
  const size_t nd = (size_t)x->ndim;
  if (x->dtype == ECNN_DTYPE_F32)
    xs = xnn_define_tensor_value(c->sg, xnn_datatype_fp32, nd, dims, data, ext, flags, &c->ids[t]);
  else if (x->dtype == ECNN_DTYPE_I8 && x->quant.count == 1) /* activations, per-tensor weights */
    xs = xnn_define_quantized_tensor_value(c->sg, xnn_datatype_qint8, x->quant.zero_point[0],
                                           x->quant.scale[0], nd, dims, data, ext, flags,
                                           &c->ids[t]);
  else if (x->dtype == ECNN_DTYPE_I8 && x->quant.count > 1) /* per-channel weights, zp 0 */
    xs = xnn_define_channelwise_quantized_tensor_value(c->sg, xnn_datatype_qcint8, x->quant.scale,
                                                       nd, (size_t)x->quant.axis, dims, data,
                                                       ext, flags, &c->ids[t]);
  else
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack: tensor '%s' is %s", x->name,
                      ecnn_dtype_name(x->dtype));
  if (xs != xnn_status_success)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack: cannot define tensor '%s'", x->name);
  *id = c->ids[t];
  return ECNN_STATUS_OK;
}

/* The bias of conv / depthwise / FC node n (XNN_INVALID_VALUE_ID when it has none). An int32
 * bias is quantized at input scale x weight scale: qint32 with per-tensor weights, qcint32
 * along its only dimension with per-channel ones (scales kept by the plan). */
static ecnn_status bias_value(define_ctx *c, const ecnn_node *n, uint32_t *id) {
  const ecnn_tensor *b = ecnn_in(c->g, n, 2);
  *id = XNN_INVALID_VALUE_ID;
  if (!b) return ECNN_STATUS_OK;
  const int32_t t = n->inputs[2];
  if (b->dtype != ECNN_DTYPE_I32 || c->ids[t] != XNN_INVALID_VALUE_ID) return value(c, t, id);
  const ecnn_tensor *x = ecnn_in(c->g, n, 0), *w = ecnn_in(c->g, n, 1);
  const size_t oc = (size_t)ecnn_tensor_elements(b);
  enum xnn_status xs;
  if (w->quant.count == 1) {
    xs = xnn_define_quantized_tensor_value(c->sg, xnn_datatype_qint32, 0,
                                           x->quant.scale[0] * w->quant.scale[0], 1, &oc,
                                           b->data, XNN_INVALID_VALUE_ID, 0, &c->ids[t]);
  } else {
    float *s = c->plan->bias_scales[t];
    if (!s && !(s = c->plan->bias_scales[t] = malloc(oc * sizeof *s)))
      return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "xnnpack: out of memory for bias scales");
    for (size_t k = 0; k < oc; k++) s[k] = x->quant.scale[0] * w->quant.scale[k];
    xs = xnn_define_channelwise_quantized_tensor_value(c->sg, xnn_datatype_qcint32, s, 1, 0, &oc,
                                                       b->data, XNN_INVALID_VALUE_ID, 0,
                                                       &c->ids[t]);
  }
  if (xs != xnn_status_success)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack: cannot define bias '%s'", b->name);
  *id = c->ids[t];
  return ECNN_STATUS_OK;
}

static ecnn_status define_node(define_ctx *c, const ecnn_node *n) {
  const ecnn_graph *g = c->g;
  const ecnn_op_params *p = &n->params;
  const ecnn_tensor *x = ecnn_in(g, n, 0), *y = &g->tensors[n->outputs[0]];
  uint32_t in = 0, in2 = XNN_INVALID_VALUE_ID, out = 0, bias = XNN_INVALID_VALUE_ID;
  ecnn_status st = value(c, n->inputs[0], &in);
  if (st == ECNN_STATUS_OK) st = value(c, n->outputs[0], &out);
  if (st != ECNN_STATUS_OK) return st;
  float lo, hi;
  act_range(p->activation, &lo, &hi);
  enum xnn_status xs = xnn_status_success;
  uint32_t pt, pb, pl, pr;
  switch (n->op) {
  case ECNN_OP_CONV_2D:
  case ECNN_OP_DEPTHWISE_CONV_2D: {
    const ecnn_tensor *w = ecnn_in(g, n, 1);
    if ((st = value(c, n->inputs[1], &in2)) != ECNN_STATUS_OK) return st;
    if ((st = bias_value(c, n, &bias)) != ECNN_STATUS_OK) return st;
    int32_t kh = w->dims[1], kw = w->dims[2];
    pads(x->dims[1], kh, p->stride_h, p->dilation_h, p->padding, &pt, &pb);
    pads(x->dims[2], kw, p->stride_w, p->dilation_w, p->padding, &pl, &pr);
    if (n->op == ECNN_OP_CONV_2D) {
      int32_t cin = w->dims[3], groups = x->dims[3] / cin;
      xs = xnn_define_convolution_2d(c->sg, pt, pr, pb, pl, (uint32_t)kh, (uint32_t)kw,
                                     (uint32_t)p->stride_h, (uint32_t)p->stride_w,
                                     (uint32_t)p->dilation_h, (uint32_t)p->dilation_w,
                                     (uint32_t)groups, (size_t)cin, (size_t)(w->dims[0] / groups),
                                     lo, hi, in, in2, bias, out, 0);
    } else {
      xs = xnn_define_depthwise_convolution_2d(
          c->sg, pt, pr, pb, pl, (uint32_t)kh, (uint32_t)kw, (uint32_t)p->stride_h,
          (uint32_t)p->stride_w, (uint32_t)p->dilation_h, (uint32_t)p->dilation_w,
          (uint32_t)(y->dims[3] / x->dims[3]), (size_t)x->dims[3], lo, hi, in, in2, bias, out, 0);
    }
    break;
  }
  case ECNN_OP_FULLY_CONNECTED:
    if ((st = value(c, n->inputs[1], &in2)) != ECNN_STATUS_OK) return st;
    if ((st = bias_value(c, n, &bias)) != ECNN_STATUS_OK) return st;
    xs = xnn_define_fully_connected(c->sg, lo, hi, in, in2, bias, out, 0);
    break;
  case ECNN_OP_ADD:
  case ECNN_OP_SUB:
  case ECNN_OP_MUL:
  case ECNN_OP_DIV:
  case ECNN_OP_MAXIMUM:
  case ECNN_OP_MINIMUM:
    if ((st = value(c, n->inputs[1], &in2)) != ECNN_STATUS_OK) return st;
    if (n->op == ECNN_OP_ADD) xs = xnn_define_add2(c->sg, lo, hi, in, in2, out, 0);
    else if (n->op == ECNN_OP_SUB) xs = xnn_define_subtract(c->sg, lo, hi, in, in2, out, 0);
    else if (n->op == ECNN_OP_MUL) xs = xnn_define_multiply2(c->sg, lo, hi, in, in2, out, 0);
    else if (n->op == ECNN_OP_DIV) xs = xnn_define_divide(c->sg, lo, hi, in, in2, out, 0);
    else if (n->op == ECNN_OP_MAXIMUM) xs = xnn_define_maximum2(c->sg, in, in2, out, 0);
    else xs = xnn_define_minimum2(c->sg, in, in2, out, 0);
    break;
  case ECNN_OP_MAX_POOL_2D:
  case ECNN_OP_AVERAGE_POOL_2D:
    pads(x->dims[1], p->filter_h, p->stride_h, 1, p->padding, &pt, &pb);
    pads(x->dims[2], p->filter_w, p->stride_w, 1, p->padding, &pl, &pr);
    if (n->op == ECNN_OP_MAX_POOL_2D)
      xs = xnn_define_max_pooling_2d(c->sg, pt, pr, pb, pl, (uint32_t)p->filter_h,
                                     (uint32_t)p->filter_w, (uint32_t)p->stride_h,
                                     (uint32_t)p->stride_w, 1, 1, lo, hi, in, out, 0);
    else
      xs = xnn_define_average_pooling_2d(c->sg, pt, pr, pb, pl, (uint32_t)p->filter_h,
                                         (uint32_t)p->filter_w, (uint32_t)p->stride_h,
                                         (uint32_t)p->stride_w, lo, hi, in, out, 0);
    break;
  case ECNN_OP_RELU: xs = xnn_define_clamp(c->sg, 0, INFINITY, in, out, 0); break;
  case ECNN_OP_RELU6: xs = xnn_define_clamp(c->sg, 0, 6, in, out, 0); break;
  case ECNN_OP_RELU_N1_TO_1: xs = xnn_define_clamp(c->sg, -1, 1, in, out, 0); break;
  case ECNN_OP_LOGISTIC: xs = xnn_define_sigmoid(c->sg, in, out, 0); break;
  case ECNN_OP_HARD_SWISH: xs = xnn_define_hardswish(c->sg, in, out, 0); break;
  case ECNN_OP_LEAKY_RELU: xs = xnn_define_leaky_relu(c->sg, p->alpha, in, out, 0); break;
  case ECNN_OP_SOFTMAX: xs = xnn_define_softmax(c->sg, in, out, 0); break;
  case ECNN_OP_PRELU:
    if ((st = value(c, n->inputs[1], &in2)) != ECNN_STATUS_OK) return st;
    xs = xnn_define_prelu(c->sg, in, in2, out, 0);
    break;
  case ECNN_OP_RESHAPE:
  case ECNN_OP_SQUEEZE: {
    size_t shape[XNN_MAX_TENSOR_DIMS];
    for (int32_t i = 0; i < y->ndim; i++) shape[i] = (size_t)y->dims[i];
    xs = xnn_define_static_reshape(c->sg, (size_t)y->ndim, shape, in, out, 0);
    break;
  }
  case ECNN_OP_PAD: {
    const int32_t *pp = ecnn_in(g, n, 1)->data;
    size_t pre[XNN_MAX_TENSOR_DIMS], post[XNN_MAX_TENSOR_DIMS];
    for (int32_t i = 0; i < x->ndim; i++) {
      pre[i] = (size_t)pp[2 * i];
      post[i] = (size_t)pp[2 * i + 1];
    }
    xs = xnn_define_static_constant_pad(c->sg, pre, post, 0.0f, in, out, 0);
    break;
  }
  case ECNN_OP_RESIZE_BILINEAR: {
    uint32_t flags = p->align_corners ? XNN_FLAG_ALIGN_CORNERS
                     : p->half_pixel_centers ? 0
                                             : XNN_FLAG_TENSORFLOW_LEGACY_MODE;
    xs = xnn_define_static_resize_bilinear_2d(c->sg, (size_t)y->dims[1], (size_t)y->dims[2], in,
                                              out, flags);
    break;
  }
  case ECNN_OP_MEAN:
    xs = xnn_define_global_average_pooling_2d(c->sg, -INFINITY, INFINITY, in, out, 0);
    break;
  case ECNN_OP_QUANTIZE:
  case ECNN_OP_DEQUANTIZE: xs = xnn_define_convert(c->sg, in, out, 0); break;
  default: return ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack: %s", ecnn_op_name(n->op));
  }
  if (xs != xnn_status_success)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack refused %s #%d (status %d)",
                      ecnn_op_name(n->op), (int)n->index, (int)xs);
  return ECNN_STATUS_OK;
}

/* Defines nodes [first, last] as one subgraph and makes its runtime. */
static ecnn_status build_run(ecnn_xnn_plan *plan, xnn_run *r, void *const *data) {
  const ecnn_graph *g = plan->g;
  ecnn_status st = ECNN_STATUS_OK;
  uint8_t *boundary = calloc((size_t)g->num_tensors, 1);
  uint32_t *ids = malloc((size_t)g->num_tensors * sizeof *ids);
  xnn_subgraph_t sg = NULL;
  if (!boundary || !ids) {
    st = ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory building the xnnpack plan");
    goto done;
  }
  for (int32_t i = 0; i < g->num_tensors; i++) ids[i] = XNN_INVALID_VALUE_ID;
  /* produced inside? consumed outside (or a graph output)? */
  uint8_t *inside = calloc((size_t)g->num_tensors, 1);
  if (!inside) {
    st = ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory building the xnnpack plan");
    goto done;
  }
  for (int32_t k = r->first; k <= r->last; k++)
    for (int32_t o = 0; o < g->nodes[k].num_outputs; o++) inside[g->nodes[k].outputs[o]] = 1;
  for (int32_t k = r->first; k <= r->last; k++)
    for (int32_t i = 0; i < g->nodes[k].num_inputs; i++) {
      int32_t t = g->nodes[k].inputs[i];
      if (t >= 0 && !inside[t] && !ecnn_tensor_is_const(&g->tensors[t])) boundary[t] = 1;
    }
  for (int32_t k = 0; k < g->num_nodes; k++) {
    if (k >= r->first && k <= r->last) continue;
    for (int32_t i = 0; i < g->nodes[k].num_inputs; i++) {
      int32_t t = g->nodes[k].inputs[i];
      if (t >= 0 && inside[t]) boundary[t] = 2;
    }
  }
  for (int32_t i = 0; i < g->num_outputs; i++)
    if (inside[g->outputs[i]]) boundary[g->outputs[i]] = 2;
  for (int32_t i = 0; i < g->num_tensors; i++) /* read after the run (CAM features) */
    if (inside[i] && g->tensors[i].keep_alive) boundary[i] = 2;
  free(inside);
  if (xnn_create_subgraph((uint32_t)g->num_tensors, 0, &sg) != xnn_status_success) {
    st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack: cannot create a subgraph");
    goto done;
  }
  define_ctx c = {plan, g, sg, ids, boundary};
  for (int32_t k = r->first; k <= r->last && st == ECNN_STATUS_OK; k++)
    st = define_node(&c, &g->nodes[k]);
  if (st != ECNN_STATUS_OK) goto done;
  if (xnn_create_runtime_v2(sg, plan->pool, 0, &r->rt) != xnn_status_success) {
    st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack: cannot create a runtime");
    goto done;
  }
  size_t n = 0;
  for (int32_t i = 0; i < g->num_tensors; i++)
    n += boundary[i] != 0 && ids[i] != XNN_INVALID_VALUE_ID;
  r->ext = calloc(n ? n : 1, sizeof *r->ext);
  if (!r->ext) {
    st = ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory building the xnnpack plan");
    goto done;
  }
  for (int32_t i = 0; i < g->num_tensors; i++)
    if (boundary[i] && ids[i] != XNN_INVALID_VALUE_ID)
      r->ext[r->num_ext++] = (struct xnn_external_value){(uint32_t)i, data[i]};
  if (xnn_setup_runtime(r->rt, r->num_ext, r->ext) != xnn_status_success)
    st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack: cannot set up a runtime");
done:
  if (sg) xnn_delete_subgraph(sg);
  free(boundary);
  free(ids);
  return st;
}

ecnn_status ecnn_xnn_create(const ecnn_graph *g, void *const *data, int32_t threads,
                            ecnn_xnn_plan **out) {
  *out = NULL;
  if (!initialized) {
    if (xnn_initialize(NULL) != xnn_status_success)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack does not run on this CPU");
    initialized = true;
  }
  ecnn_xnn_plan *plan = calloc(1, sizeof *plan);
  if (!plan || !(plan->runs = calloc((size_t)g->num_nodes + 1, sizeof *plan->runs)) ||
      !(plan->unpacked = calloc((size_t)g->num_tensors + 1, sizeof *plan->unpacked)) ||
      !(plan->bias_scales = calloc((size_t)g->num_tensors + 1, sizeof *plan->bias_scales))) {
    if (plan) {
      free(plan->runs);
      free(plan->unpacked);
    }
    free(plan);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory building the xnnpack plan");
  }
  plan->g = g;
  if (threads > 1) plan->pool = pthreadpool_create((size_t)threads);
  ecnn_status st = ECNN_STATUS_OK;
  for (int32_t k = 0; k < g->num_nodes && st == ECNN_STATUS_OK;) {
    bool sup = supported(g, &g->nodes[k]);
    int32_t e = k;
    while (e + 1 < g->num_nodes && supported(g, &g->nodes[e + 1]) == sup) e++;
    xnn_run *r = &plan->runs[plan->num_runs++];
    r->first = k;
    r->last = e;
    if (sup) {
      st = build_run(plan, r, data);
      plan->delegated += e - k + 1;
    }
    k = e + 1;
  }
  if (st != ECNN_STATUS_OK) {
    ecnn_xnn_free(plan);
    return st;
  }
  *out = plan;
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_xnn_run(ecnn_xnn_plan *plan, ecnn_op_ctx *ctx) {
  for (int32_t i = 0; i < plan->num_runs; i++) {
    xnn_run *r = &plan->runs[i];
    if (r->rt) {
      if (xnn_invoke_runtime(r->rt) != xnn_status_success)
        return ecnn_error(ECNN_STATUS_INVALID_STATE, "xnnpack runtime failed");
      continue;
    }
    for (int32_t k = r->first; k <= r->last; k++) {
      const ecnn_node *n = &plan->g->nodes[k];
      ctx->node = n;
      ecnn_op_run_fn run = n->quantized ? ecnn_q8_ops[n->op].run : ecnn_ops[n->op].run;
      ecnn_status st = run(ctx);
      if (st != ECNN_STATUS_OK) return st;
    }
  }
  return ECNN_STATUS_OK;
}

bool ecnn_xnn_node_supported(const ecnn_graph *g, int32_t k) {
  return g && k >= 0 && k < g->num_nodes && supported(g, &g->nodes[k]);
}

int32_t ecnn_xnn_delegated_nodes(const ecnn_xnn_plan *plan) { return plan ? plan->delegated : 0; }

void ecnn_xnn_free(ecnn_xnn_plan *plan) {
  if (!plan) return;
  for (int32_t i = 0; i < plan->num_runs; i++) {
    if (plan->runs[i].rt) xnn_delete_runtime(plan->runs[i].rt);
    free(plan->runs[i].ext);
  }
  if (plan->pool) pthreadpool_destroy(plan->pool);
  for (int32_t t = 0; plan->unpacked && t < plan->g->num_tensors; t++) free(plan->unpacked[t]);
  for (int32_t t = 0; plan->bias_scales && t < plan->g->num_tensors; t++)
    free(plan->bias_scales[t]);
  free(plan->unpacked);
  free(plan->bias_scales);
  free(plan->runs);
  free(plan);
}

#else /* !ECNN_HAVE_XNNPACK */

bool ecnn_xnn_available(void) { return false; }

ecnn_status ecnn_xnn_create(const ecnn_graph *g, void *const *data, int32_t threads,
                            ecnn_xnn_plan **plan) {
  (void)g;
  (void)data;
  (void)threads;
  *plan = NULL;
  return ecnn_error(ECNN_STATUS_UNSUPPORTED,
                    "backend xnnpack is not available in this build (install libxnnpack-dev "
                    "and libpthreadpool-dev, then reconfigure)");
}

ecnn_status ecnn_xnn_run(ecnn_xnn_plan *plan, ecnn_op_ctx *ctx) {
  (void)plan;
  (void)ctx;
  return ecnn_error(ECNN_STATUS_UNSUPPORTED, "backend xnnpack is not available in this build");
}

bool ecnn_xnn_node_supported(const ecnn_graph *g, int32_t k) {
  (void)g;
  (void)k;
  return false;
}

int32_t ecnn_xnn_delegated_nodes(const ecnn_xnn_plan *plan) {
  (void)plan;
  return 0;
}

void ecnn_xnn_free(ecnn_xnn_plan *plan) { (void)plan; }

#endif
