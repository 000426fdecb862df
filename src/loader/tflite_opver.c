/*
 * tflite_opver.c — operator versions for the TFLite writer (tflite_opver.h). Called once per
 * node and write, in constant time per node.
 *
 * The rules are TensorFlow Lite's: GetBuiltinOperatorVersion in
 * tensorflow/lite/tools/versioning/op_version.cc, with the facts op_signature.cc derives from
 * the file (per-channel weights, grouped convolution, which tensors carry quantization),
 * restated over our IR. The writer puts a tensor's quantization table in the file only when it
 * has scales (quant.count > 0), so "quantized" below means that. An absent optional input (-1)
 * has no type, as in TFLite's signature. Where a rule reads something our graphs cannot say,
 * the value our writer always writes decides it, noted at the op: no int4 / uint32 / int64-only
 * features beyond the dtypes ecnn_dtype holds, no sparse weights, FULLY_CONNECTED's
 * weights_format DEFAULT and asymmetric_quantize_inputs false, no quantized_bias_type, and
 * ADD / SUB pot_scale_int16 at the schema default (true: we do not write the field).
 */
#include "tflite_opver.h"

#define NO_TYPE (-1) /* the type of an absent input or output */

static const ecnn_tensor *input(const ecnn_graph *g, const ecnn_node *n, int32_t i) {
  return i < n->num_inputs && n->inputs[i] >= 0 ? &g->tensors[n->inputs[i]] : NULL;
}

static int32_t in_type(const ecnn_graph *g, const ecnn_node *n, int32_t i) {
  const ecnn_tensor *t = input(g, n, i);
  return t ? (int32_t)t->dtype : NO_TYPE;
}

static int32_t out_type(const ecnn_graph *g, const ecnn_node *n, int32_t i) {
  return i < n->num_outputs ? (int32_t)g->tensors[n->outputs[i]].dtype : NO_TYPE;
}

static bool quantized(const ecnn_tensor *t) { return t && t->quant.count > 0; }

/* The input / weights / output type triple is (a, b, c). */
static bool types_are(int32_t in, int32_t w, int32_t out, ecnn_dtype a, ecnn_dtype b,
                      ecnn_dtype c) {
  return in == (int32_t)a && w == (int32_t)b && out == (int32_t)c;
}

/* Scales along the quantized dimension, one per entry of it, more than one (DEQUANTIZE's and
 * QUANTIZE's per-channel test; FULLY_CONNECTED's, whose dimension is 0). */
static bool per_channel_along(const ecnn_tensor *t, int32_t dim) {
  return t && t->quant.count > 1 && dim >= 0 && dim < t->ndim && t->quant.count == t->dims[dim];
}

/* The convolutions' per-channel test: as many scales as the filter has entries on `dim`, one
 * scale included (a one-filter CONV_2D counts). */
static bool scales_match(const ecnn_tensor *w, int32_t dim) {
  return w && w->quant.count > 0 && dim < w->ndim && w->quant.count == w->dims[dim];
}

/* TFLite's broadcast test: two or more inputs and the first two shapes differ. */
static bool broadcasts(const ecnn_graph *g, const ecnn_node *n) {
  const ecnn_tensor *a = input(g, n, 0), *b = input(g, n, 1);
  if (n->num_inputs < 2) return false;
  const int32_t na = a ? a->ndim : 0, nb = b ? b->ndim : 0;
  if (na != nb) return true;
  for (int32_t d = 0; d < na; d++)
    if (a->dims[d] != b->dims[d]) return true;
  return false;
}

static int32_t max_input_dims(const ecnn_graph *g, const ecnn_node *n) {
  int32_t m = 0;
  for (int32_t i = 0; i < n->num_inputs; i++) {
    const ecnn_tensor *t = input(g, n, i);
    if (t && t->ndim > m) m = t->ndim;
  }
  return m;
}

/* MUL, ADD, SUB, MAXIMUM, MINIMUM, DIV: broadcasting on more than 4 dimensions. */
static bool broadcasts_5d(const ecnn_graph *g, const ecnn_node *n) {
  return broadcasts(g, n) && max_input_dims(g, n) > 4;
}

static int32_t conv2d_version(const ecnn_graph *g, const ecnn_node *n) {
  const ecnn_tensor *x = input(g, n, 0), *w = input(g, n, 1);
  const int32_t in = in_type(g, n, 0), wt = in_type(g, n, 1), out = out_type(g, n, 0);
  /* 8: int16 x int8 with quantized_bias_type, an option we never write */
  /* grouped: the filter's input channels differ from the input's (NHWC / OHWI) */
  if (x && w && x->ndim >= 4 && w->ndim >= 4 && x->dims[3] != w->dims[3]) return 6;
  /* int16 x int16 -> int16. TFLite's rule reads a second output here, which CONV_2D does not
   * have; the comment beside it says "inputs and outputs", so we read the output. */
  if (types_are(in, wt, out, ECNN_DTYPE_I16, ECNN_DTYPE_I16, ECNN_DTYPE_I16)) return 4;
  if (types_are(in, wt, out, ECNN_DTYPE_I8, ECNN_DTYPE_I8, ECNN_DTYPE_I8)) return 3;
  /* 7: int4 weights, a dtype we do not hold */
  if (types_are(in, wt, out, ECNN_DTYPE_F32, ECNN_DTYPE_I8, ECNN_DTYPE_F32)) /* hybrid */
    return scales_match(w, 0) ? 5 : 2;
  return 1; /* float, uint8; dilation does not change CONV_2D's version */
}

static int32_t depthwise_version(const ecnn_graph *g, const ecnn_node *n) {
  const int32_t in = in_type(g, n, 0), wt = in_type(g, n, 1), out = out_type(g, n, 0);
  /* int16 x int16: the output read as for CONV_2D */
  if (types_are(in, wt, out, ECNN_DTYPE_I16, ECNN_DTYPE_I16, ECNN_DTYPE_I16)) return 5;
  if (types_are(in, wt, out, ECNN_DTYPE_F32, ECNN_DTYPE_I8, ECNN_DTYPE_F32)) /* hybrid */
    return scales_match(input(g, n, 1), 3) ? 6 : 4;
  if (types_are(in, wt, out, ECNN_DTYPE_I8, ECNN_DTYPE_I8, ECNN_DTYPE_I8)) return 3;
  /* 7: int4 weights */
  if (n->params.dilation_w != 1 || n->params.dilation_h != 1) return 2;
  return 1; /* float and uint8, whatever the depth multiplier */
}

static int32_t fully_connected_version(const ecnn_graph *g, const ecnn_node *n) {
  const int32_t in = in_type(g, n, 0), wt = in_type(g, n, 1), out = out_type(g, n, 0);
  const bool hybrid = types_are(in, wt, out, ECNN_DTYPE_F32, ECNN_DTYPE_I8, ECNN_DTYPE_F32);
  if (hybrid && per_channel_along(input(g, n, 1), 0)) return 12;
  /* 11: int16 x int8 with quantized_bias_type; 8: sparse weights; never written */
  if (types_are(in, wt, out, ECNN_DTYPE_I16, ECNN_DTYPE_I16, ECNN_DTYPE_I16)) return 7;
  if (n->num_inputs == 2) return 6; /* no bias slot at all (an absent -1 bias is a slot) */
  if (n->params.keep_dims) return 5;
  if (types_are(in, wt, out, ECNN_DTYPE_I8, ECNN_DTYPE_I8, ECNN_DTYPE_I8)) return 4;
  /* 10: int4 weights */
  if (hybrid) return 3; /* 9 with asymmetric_quantize_inputs, never written */
  return 1;             /* 2 with shuffled weights, never written */
}

static int32_t mul_version(const ecnn_graph *g, const ecnn_node *n) {
  const ecnn_tensor *a = input(g, n, 0), *b = input(g, n, 1);
  const ecnn_tensor *y = n->num_outputs > 0 ? &g->tensors[n->outputs[0]] : NULL;
  const int32_t in = in_type(g, n, 0);
  const bool input_quantized = n->num_inputs >= 2 && (quantized(a) || quantized(b));
  if (in == ECNN_DTYPE_I16 && !input_quantized) return 7; /* also uint32, not held */
  /* 6: complex64, not held */
  if (in == ECNN_DTYPE_I64) return 5;
  if (in == ECNN_DTYPE_I16) return 4;
  if (n->num_inputs >= 2 && quantized(a) && quantized(b) && quantized(y)) {
    const float s = a->quant.scale[0] * b->quant.scale[0] / y->quant.scale[0];
    if (s >= 1.0) return 3; /* a rescale of 1 or more */
  }
  if (in == ECNN_DTYPE_I8) return 2;
  return 1;
}

static int32_t transpose_conv_version(const ecnn_graph *g, const ecnn_node *n) {
  /* inputs: output shape, weights, input, optional bias. 5: quantized_bias_type. */
  if (n->params.activation != ECNN_ACT_NONE) return 4;
  if (n->num_inputs == 4 && n->inputs[3] >= 0) return 3;
  if (in_type(g, n, 1) == ECNN_DTYPE_I8) return 2;
  return 1;
}

/* The common ladder: int16 in (and out, if out16) -> v16, int8 in -> 2, else 1. */
static int32_t ladder(int32_t in, int32_t out, bool out16, int32_t v16) {
  if (in == ECNN_DTYPE_I16 && (!out16 || out == ECNN_DTYPE_I16)) return v16;
  return in == ECNN_DTYPE_I8 ? 2 : 1;
}

int32_t ecnn_tflite_op_version(const ecnn_graph *g, const ecnn_node *n) {
  const ecnn_op_params *p = &n->params;
  const int32_t in = in_type(g, n, 0), out = out_type(g, n, 0);
  switch (n->op) {
  case ECNN_OP_CONV_2D: return conv2d_version(g, n);
  case ECNN_OP_DEPTHWISE_CONV_2D: return depthwise_version(g, n);
  case ECNN_OP_TRANSPOSE_CONV: return transpose_conv_version(g, n);
  case ECNN_OP_FULLY_CONNECTED: return fully_connected_version(g, n);
  case ECNN_OP_MUL: return mul_version(g, n);
  case ECNN_OP_AVERAGE_POOL_2D:
  case ECNN_OP_MAX_POOL_2D:
  case ECNN_OP_TANH:
  case ECNN_OP_LOGISTIC: return ladder(in, out, true, 3);
  case ECNN_OP_MEAN:
  case ECNN_OP_SOFTMAX:
  case ECNN_OP_RELU6:
  case ECNN_OP_CONCATENATION: return ladder(in, out, false, 3); /* CONCATENATION: 4 uint32 */
  case ECNN_OP_RELU: return in == ECNN_DTYPE_U8 ? 2 : ladder(in, out, false, 3);
  case ECNN_OP_PAD:
  case ECNN_OP_PADV2: {
    const ecnn_tensor *x = input(g, n, 0);
    if (x && x->ndim > 4) return 4;
    return ladder(in, out, false, 3);
  }
  case ECNN_OP_ADD:
    if (in == ECNN_DTYPE_I16 && !quantized(input(g, n, 0))) return 5;
    if (in == ECNN_DTYPE_I64) return 4;
    /* 3: quantized int16 without pot_scale_int16; the schema default (true) is what we write */
    return in == ECNN_DTYPE_I8 ? 2 : 1;
  case ECNN_OP_SUB:
    /* 5: int16 without pot_scale_int16, as for ADD never the case */
    if (in == ECNN_DTYPE_I64) return 4;
    if (broadcasts_5d(g, n)) return 3;
    return in == ECNN_DTYPE_I8 ? 2 : 1;
  case ECNN_OP_DIV: return broadcasts_5d(g, n) ? 2 : 1;
  case ECNN_OP_MAXIMUM:
  case ECNN_OP_MINIMUM:
    if (in == ECNN_DTYPE_I16 && out == ECNN_DTYPE_I16) return 4;
    if (broadcasts_5d(g, n)) return 3;
    return in == ECNN_DTYPE_I8 ? 2 : 1;
  case ECNN_OP_LEAKY_RELU: return in == ECNN_DTYPE_I16 ? 2 : 1; /* int8 stays 1 */
  case ECNN_OP_RESIZE_BILINEAR: /* align_corners does not count here */
    if (in == ECNN_DTYPE_I16) return 4;
    if (p->half_pixel_centers) return 3;
    return in == ECNN_DTYPE_I8 ? 2 : 1;
  case ECNN_OP_RESIZE_NEAREST_NEIGHBOR:
    if (in == ECNN_DTYPE_I16) return 4;
    if (p->half_pixel_centers || p->align_corners) return 3;
    return in == ECNN_DTYPE_I8 ? 2 : 1;
  case ECNN_OP_DEQUANTIZE: {
    const ecnn_tensor *x = input(g, n, 0);
    if (in == ECNN_DTYPE_I16 || in == ECNN_DTYPE_F16) return 3; /* 6: int4 */
    if (in == ECNN_DTYPE_I8) return per_channel_along(x, x->quant.axis) ? 5 : 2;
    return 1; /* uint8 */
  }
  case ECNN_OP_QUANTIZE: {
    const ecnn_tensor *y = n->num_outputs > 0 ? &g->tensors[n->outputs[0]] : NULL;
    /* 4: int4 */
    if (y && per_channel_along(y, y->quant.axis)) return 3;
    return out == ECNN_DTYPE_I16 ? 2 : 1;
  }
  case ECNN_OP_SQUEEZE: /* 2: string input, which we do not hold */
  case ECNN_OP_RESHAPE:
  case ECNN_OP_RELU_N1_TO_1:
  case ECNN_OP_PRELU:
  case ECNN_OP_HARD_SWISH:
  case ECNN_OP_DETECTION_POSTPROCESS: /* custom: TFLite does not version those */
  case ECNN_OP_COUNT: return 1;
  }
  return 1;
}
