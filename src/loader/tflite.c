/*
 * tflite.c — the TFLite loader: walks a .tflite flatbuffer with the bounds-checked reader
 * (flatbuf.h) and builds the graph IR (graph.h). Field numbers follow the order of
 * tensorflow/lite/schema/schema.fbs (version 3). Everything read from the file is checked:
 * vector lengths against the file size, tensor and buffer indices against their tables, shapes
 * against ECNN_MAX_DIMS and element limits, constant byte counts against shapes, quantization
 * arrays against the quantized dimension. Ops are mapped through ops.inc; an op outside it
 * fails with UNSUPPORTED naming the op and its index. Constants behind DEQUANTIZE (FP16
 * weights, or quantized constants) are converted to FP32 here and the DEQUANTIZE dropped.
 * Only subgraph 0 runs; models whose ops call other subgraphs are rejected by the op map.
 */
#include "tflite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flatbuf.h"
#include "flexbuf.h"

/* The schema's BuiltinOperator names, by code (for messages about unsupported ops). */
static const char *const builtin_names[] = {
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE",
    "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP",
    "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC",
    "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1", "RELU6", "RESHAPE",
    "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS",
    "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
    "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND",
    "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE",
    "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2", "SPLIT", "LOG_SOFTMAX", "DELEGATE",
    "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM", "ARG_MAX", "MINIMUM", "LESS",
    "NEG", "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN",
    "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG",
    "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX",
    "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN",
    "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD", "RANGE",
    "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS", "SPLIT_V",
    "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK", "ELU",
    "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND", "HARD_SWISH", "IF",
    "WHILE", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2",
    "DENSIFY", "SEGMENT_SUM", "BATCH_MATMUL", "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM",
    "CALL_ONCE", "BROADCAST_TO", "RFFT2D", "CONV_3D", "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE",
    "HASHTABLE_FIND", "HASHTABLE_IMPORT", "HASHTABLE_SIZE", "REDUCE_ALL", "CONV_3D_TRANSPOSE",
    "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL",
    "BUCKETIZE", "RANDOM_UNIFORM", "MULTINOMIAL", "GELU", "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1",
    "UNSORTED_SEGMENT_PROD", "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM", "ATAN2",
    "UNSORTED_SEGMENT_MIN", "SIGN",
};
#define NUM_BUILTIN_NAMES ((int32_t)(sizeof builtin_names / sizeof builtin_names[0]))
#define BUILTIN_CUSTOM 32

/* Schema field numbers. */
enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { OPCODE_DEPRECATED = 0, OPCODE_CUSTOM = 1, OPCODE_BUILTIN = 3 };
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
enum { TENSOR_SHAPE = 0, TENSOR_TYPE = 1, TENSOR_BUFFER = 2, TENSOR_NAME = 3, TENSOR_QUANT = 4,
       TENSOR_SPARSITY = 6 };
enum { QUANT_SCALE = 2, QUANT_ZERO_POINT = 3, QUANT_DIM = 6 };
enum { OP_OPCODE = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPTIONS = 4, OP_CUSTOM_OPTIONS = 5 };
enum { BUFFER_DATA = 0, BUFFER_OFFSET = 1, BUFFER_SIZE = 2 };

/* An operator code resolved to our op enum (or -1 with a name for the error). */
typedef struct opcode_entry {
  int32_t op; /* ecnn_op or -1 */
  bool tconv_bias; /* MediaPipe's custom Convolution2DTransposeBias (becomes TRANSPOSE_CONV) */
  int32_t builtin;
  char custom[64];
} opcode_entry;

static const int32_t op_codes[] = {
#define ECNN_OP(e, n, c) c,
#include "../ops/ops.inc"
#undef ECNN_OP
};

static ecnn_status parse_opcodes(const fb_table *model, opcode_entry **out, uint32_t *count) {
  fb_vec v;
  ecnn_status st = fb_vector(model, MODEL_OPCODES, 4, &v, "operator_codes");
  if (st != ECNN_STATUS_OK) return st;
  *count = v.len;
  *out = calloc(v.len ? v.len : 1, sizeof **out);
  if (!*out) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory for operator codes");
  for (uint32_t i = 0; i < v.len; i++) {
    opcode_entry *e = &(*out)[i];
    fb_table t;
    uint8_t dep;
    int32_t code;
    const char *custom;
    uint32_t clen;
    if ((st = fb_vec_table(&v, i, &t, "operator_codes")) != ECNN_STATUS_OK ||
        (st = fb_u8(&t, OPCODE_DEPRECATED, 0, &dep, "operator code")) != ECNN_STATUS_OK ||
        (st = fb_i32(&t, OPCODE_BUILTIN, 0, &code, "operator code")) != ECNN_STATUS_OK ||
        (st = fb_string(&t, OPCODE_CUSTOM, &custom, &clen, "custom code")) != ECNN_STATUS_OK)
      return st;
    /* Files from before schema 3a only fill the byte field; newer ones fill both. */
    if ((int8_t)dep > code) code = (int8_t)dep;
    e->builtin = code;
    e->op = -1;
    size_t n = clen < sizeof e->custom - 1 ? clen : sizeof e->custom - 1;
    memcpy(e->custom, custom, n);
    e->custom[n] = 0;
    for (size_t k = 0; k < n; k++)
      if (e->custom[k] < 32 || e->custom[k] > 126) e->custom[k] = '?';
    if (code == BUILTIN_CUSTOM) {
      if (clen == strlen("TFLite_Detection_PostProcess") &&
          memcmp(custom, "TFLite_Detection_PostProcess", clen) == 0)
        e->op = ECNN_OP_DETECTION_POSTPROCESS;
      if (clen == strlen("Convolution2DTransposeBias") &&
          memcmp(custom, "Convolution2DTransposeBias", clen) == 0) {
        e->op = ECNN_OP_TRANSPOSE_CONV;
        e->tconv_bias = true;
      }
      continue;
    }
    for (int32_t k = 0; k < ECNN_OP_COUNT; k++)
      if (op_codes[k] == code) e->op = k;
  }
  return ECNN_STATUS_OK;
}

/* TFLite TensorType → our dtype; -1 if we do not hold that type. */
static int32_t map_dtype(uint8_t t) {
  switch (t) {
  case 0: return ECNN_DTYPE_F32;
  case 1: return ECNN_DTYPE_F16;
  case 2: return ECNN_DTYPE_I32;
  case 3: return ECNN_DTYPE_U8;
  case 4: return ECNN_DTYPE_I64;
  case 6: return ECNN_DTYPE_BOOL;
  case 7: return ECNN_DTYPE_I16;
  case 9: return ECNN_DTYPE_I8;
  default: return -1;
  }
}

/* The bytes of buffer `index` (NULL/0 when empty). */
static ecnn_status buffer_data(const fb_buf *b, const fb_vec *buffers, uint32_t index,
                               const uint8_t **data, size_t *size, const char *tname) {
  *data = NULL;
  *size = 0;
  if (index == 0 && buffers->len == 0) return ECNN_STATUS_OK;
  if (index >= buffers->len)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "tensor '%s': buffer %u of %u", tname, index,
                      buffers->len);
  fb_table t;
  fb_vec v;
  ecnn_status st = fb_vec_table(buffers, index, &t, "buffers");
  if (st == ECNN_STATUS_OK) st = fb_vector(&t, BUFFER_DATA, 1, &v, "buffer data");
  if (st != ECNN_STATUS_OK) return st;
  if (v.len) {
    *data = fb_vec_data(&v);
    *size = v.len;
    return ECNN_STATUS_OK;
  }
  /* Large models (> 2 GB) keep data outside the flatbuffer: offset/size from the file start. */
  uint64_t off, sz;
  if ((st = fb_scalar(&t, BUFFER_OFFSET, 8, 0, &off, "buffer offset")) != ECNN_STATUS_OK ||
      (st = fb_scalar(&t, BUFFER_SIZE, 8, 0, &sz, "buffer size")) != ECNN_STATUS_OK)
    return st;
  if (off > 1 && sz > 0) {
    if (off > b->size || sz > b->size - off)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                        "tensor '%s': buffer %u at offset %llu + %llu bytes is outside the file",
                        tname, index, (unsigned long long)off, (unsigned long long)sz);
    *data = b->data + off;
    *size = (size_t)sz;
  }
  return ECNN_STATUS_OK;
}

static ecnn_status parse_quant(ecnn_graph *g, int32_t id, const fb_table *q) {
  const ecnn_tensor *t = &g->tensors[id];
  fb_vec scale, zp;
  int32_t axis;
  ecnn_status st;
  if ((st = fb_vector(q, QUANT_SCALE, 4, &scale, "quantization scale")) != ECNN_STATUS_OK ||
      (st = fb_vector(q, QUANT_ZERO_POINT, 8, &zp, "quantization zero point")) != ECNN_STATUS_OK ||
      (st = fb_i32(q, QUANT_DIM, 0, &axis, "quantized dimension")) != ECNN_STATUS_OK)
    return st;
  if (scale.len == 0) return ECNN_STATUS_OK; /* min/max only: not a quantized tensor */
  if (zp.len != 0 && zp.len != scale.len)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      "tensor '%s': %u quantization scales but %u zero points", t->name,
                      scale.len, zp.len);
  if (scale.len > 1) {
    if (axis < 0 || axis >= t->ndim || (int64_t)t->dims[axis] != (int64_t)scale.len)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                        "tensor '%s': %u per-channel scales do not match dimension %d", t->name,
                        scale.len, (int)axis);
  }
  if (scale.len > (uint32_t)ECNN_MAX_TENSOR_ELEMENTS)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "tensor '%s': too many scales", t->name);
  float *s = malloc((size_t)scale.len * sizeof *s);
  int32_t *z = calloc(scale.len, sizeof *z);
  if (!s || !z) {
    free(s);
    free(z);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory for quantization");
  }
  for (uint32_t i = 0; i < scale.len; i++) {
    s[i] = fb_vec_f32(&scale, i);
    int64_t zv = zp.len ? fb_vec_i64(&zp, i) : 0;
    if (!(s[i] > 0.0f) || !isfinite(s[i]) || zv < INT32_MIN || zv > INT32_MAX) {
      st = ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      "tensor '%s': bad quantization (scale %g, zero point %lld) at %u", t->name,
                      (double)s[i], (long long)zv, i);
      break;
    }
    z[i] = (int32_t)zv;
  }
  if (st == ECNN_STATUS_OK) st = ecnn_graph_set_quant(g, id, (int32_t)scale.len, axis, s, z);
  free(s);
  free(z);
  return st;
}

static ecnn_status parse_tensors(const fb_buf *b, const fb_table *sg, const fb_vec *buffers,
                                 ecnn_graph *g) {
  fb_vec v;
  ecnn_status st = fb_vector(sg, SG_TENSORS, 4, &v, "tensors");
  if (st != ECNN_STATUS_OK) return st;
  if (v.len > (1u << 24))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%u tensors is too many", v.len);
  for (uint32_t i = 0; i < v.len; i++) {
    fb_table t, q, sparsity;
    fb_vec shape;
    uint8_t type;
    uint32_t buffer;
    uint64_t buf64;
    const char *name;
    uint32_t nlen;
    if ((st = fb_vec_table(&v, i, &t, "tensors")) != ECNN_STATUS_OK ||
        (st = fb_vector(&t, TENSOR_SHAPE, 4, &shape, "tensor shape")) != ECNN_STATUS_OK ||
        (st = fb_u8(&t, TENSOR_TYPE, 0, &type, "tensor type")) != ECNN_STATUS_OK ||
        (st = fb_scalar(&t, TENSOR_BUFFER, 4, 0, &buf64, "tensor buffer")) != ECNN_STATUS_OK ||
        (st = fb_string(&t, TENSOR_NAME, &name, &nlen, "tensor name")) != ECNN_STATUS_OK ||
        (st = fb_subtable(&t, TENSOR_QUANT, &q, "quantization")) != ECNN_STATUS_OK ||
        (st = fb_subtable(&t, TENSOR_SPARSITY, &sparsity, "sparsity")) != ECNN_STATUS_OK)
      return ecnn_error_prefix(st, "tensor %u", i);
    buffer = (uint32_t)buf64;
    char tname[128];
    size_t n = nlen < sizeof tname - 1 ? nlen : sizeof tname - 1;
    memcpy(tname, name, n);
    tname[n] = 0;
    for (size_t k = 0; k < n; k++)
      if ((unsigned char)tname[k] < 32) tname[k] = '?';
    int32_t dtype = map_dtype(type);
    if (dtype < 0)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, "tensor %u '%s': tensor type %u is not supported",
                        i, tname, type);
    if (sparsity.present)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, "tensor %u '%s': sparse tensors are not supported",
                        i, tname);
    if (shape.len > ECNN_MAX_DIMS)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, "tensor %u '%s': %u dimensions (at most %d)", i,
                        tname, shape.len, ECNN_MAX_DIMS);
    int32_t dims[ECNN_MAX_DIMS];
    int64_t elems = 1;
    for (uint32_t d = 0; d < shape.len; d++) {
      dims[d] = fb_vec_i32(&shape, d);
      if (dims[d] < 0)
        return ecnn_error(ECNN_STATUS_UNSUPPORTED,
                          "tensor %u '%s': dimension %u is %d (dynamic shapes are not supported)",
                          i, tname, d, (int)dims[d]);
      elems *= dims[d] ? dims[d] : 1;
      if (elems > ECNN_MAX_TENSOR_ELEMENTS)
        return ecnn_error(ECNN_STATUS_UNSUPPORTED, "tensor %u '%s': too many elements", i, tname);
    }
    const uint8_t *data;
    size_t size;
    if ((st = buffer_data(b, buffers, buffer, &data, &size, tname)) != ECNN_STATUS_OK) return st;
    int32_t id = ecnn_graph_add_tensor(g, tname, (ecnn_dtype)dtype, (int32_t)shape.len, dims, data,
                                       size);
    if (id < 0) return ecnn_error_prefix(ECNN_STATUS_INVALID_MODEL, "tensor %u", i);
    if ((st = parse_quant(g, id, &q)) != ECNN_STATUS_OK) return st;
  }
  return ECNN_STATUS_OK;
}

/* Reads an int32 index vector (graph inputs/outputs) into ids, checking every index. */
static ecnn_status parse_io(const fb_table *sg, int field, const char *what, int32_t num_tensors,
                            int32_t *ids, int32_t *count) {
  fb_vec v;
  ecnn_status st = fb_vector(sg, field, 4, &v, what);
  if (st != ECNN_STATUS_OK) return st;
  if (v.len > ECNN_MAX_GRAPH_IO)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "the model has %u %s (at most %d)", v.len, what,
                      ECNN_MAX_GRAPH_IO);
  for (uint32_t i = 0; i < v.len; i++) {
    ids[i] = fb_vec_i32(&v, i);
    if (ids[i] < 0 || ids[i] >= num_tensors)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s %u refers to tensor %d of %d", what, i,
                        (int)ids[i], (int)num_tensors);
  }
  *count = (int32_t)v.len;
  return ECNN_STATUS_OK;
}

static ecnn_status check_padding(uint8_t p, const char *opname, int32_t index) {
  if (p > 1)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s #%d: padding %u is neither SAME nor VALID",
                      opname, (int)index, p);
  return ECNN_STATUS_OK;
}

static ecnn_status parse_detpp(const fb_vec *custom, ecnn_detpp_options *o, int32_t index) {
  fx_map m;
  ecnn_status st = fx_map_root(custom->len ? fb_vec_data(custom) : NULL, custom->len, &m,
                               "TFLite_Detection_PostProcess options");
  if (st != ECNN_STATUS_OK) return ecnn_error_prefix(st, "DETECTION_POSTPROCESS #%d", (int)index);
  static const struct {
    const char *key;
    size_t off;
    bool is_float, required;
  } keys[] = {
      {"max_detections", offsetof(ecnn_detpp_options, max_detections), false, true},
      {"max_classes_per_detection", offsetof(ecnn_detpp_options, max_classes_per_detection), false, true},
      {"detections_per_class", offsetof(ecnn_detpp_options, detections_per_class), false, false},
      {"num_classes", offsetof(ecnn_detpp_options, num_classes), false, true},
      {"nms_score_threshold", offsetof(ecnn_detpp_options, nms_score_threshold), true, true},
      {"nms_iou_threshold", offsetof(ecnn_detpp_options, nms_iou_threshold), true, true},
      {"y_scale", offsetof(ecnn_detpp_options, y_scale), true, true},
      {"x_scale", offsetof(ecnn_detpp_options, x_scale), true, true},
      {"h_scale", offsetof(ecnn_detpp_options, h_scale), true, true},
      {"w_scale", offsetof(ecnn_detpp_options, w_scale), true, true},
  };
  memset(o, 0, sizeof *o);
  o->detections_per_class = 100;
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
    double v;
    if (!fx_map_number(&m, keys[k].key, &v, &st)) {
      if (st != ECNN_STATUS_OK)
        return ecnn_error_prefix(st, "DETECTION_POSTPROCESS #%d", (int)index);
      if (keys[k].required)
        return ecnn_error(ECNN_STATUS_INVALID_MODEL, "DETECTION_POSTPROCESS #%d: option '%s' is missing",
                          (int)index, keys[k].key);
      continue;
    }
    char *dst = (char *)o + keys[k].off;
    if (keys[k].is_float) {
      float f = (float)v;
      memcpy(dst, &f, sizeof f);
    } else {
      if (!(v >= INT32_MIN && v <= INT32_MAX))
        return ecnn_error(ECNN_STATUS_INVALID_MODEL, "DETECTION_POSTPROCESS #%d: option '%s' = %g",
                          (int)index, keys[k].key, v);
      int32_t iv = (int32_t)v;
      memcpy(dst, &iv, sizeof iv);
    }
  }
  double v;
  if (fx_map_number(&m, "use_regular_nms", &v, &st)) o->use_regular_nms = v != 0;
  if (st != ECNN_STATUS_OK) return ecnn_error_prefix(st, "DETECTION_POSTPROCESS #%d", (int)index);
  return ECNN_STATUS_OK;
}

/* Parses the builtin options of op `op` (file op index `index`) into p. */
static ecnn_status parse_options(ecnn_op op, const fb_table *o, const fb_vec *custom,
                                 int32_t index, ecnn_op_params *p) {
  const char *name = ecnn_op_name(op);
  const char *w = "op options";
  ecnn_status st = ECNN_STATUS_OK;
  uint8_t pad = 0, act = 0;
  fb_vec v;
#define TRY(x)                                                                                 \
  do {                                                                                         \
    if ((st = (x)) != ECNN_STATUS_OK) return ecnn_error_prefix(st, "%s #%d", name, (int)index); \
  } while (0)
  switch (op) {
  case ECNN_OP_CONV_2D:
    TRY(fb_u8(o, 0, 0, &pad, w));
    TRY(fb_i32(o, 1, 0, &p->stride_w, w));
    TRY(fb_i32(o, 2, 0, &p->stride_h, w));
    TRY(fb_u8(o, 3, 0, &act, w));
    TRY(fb_i32(o, 4, 1, &p->dilation_w, w));
    TRY(fb_i32(o, 5, 1, &p->dilation_h, w));
    break;
  case ECNN_OP_DEPTHWISE_CONV_2D:
    TRY(fb_u8(o, 0, 0, &pad, w));
    TRY(fb_i32(o, 1, 0, &p->stride_w, w));
    TRY(fb_i32(o, 2, 0, &p->stride_h, w));
    TRY(fb_i32(o, 3, 0, &p->depth_multiplier, w));
    TRY(fb_u8(o, 4, 0, &act, w));
    TRY(fb_i32(o, 5, 1, &p->dilation_w, w));
    TRY(fb_i32(o, 6, 1, &p->dilation_h, w));
    break;
  case ECNN_OP_TRANSPOSE_CONV:
    TRY(fb_u8(o, 0, 0, &pad, w));
    TRY(fb_i32(o, 1, 0, &p->stride_w, w));
    TRY(fb_i32(o, 2, 0, &p->stride_h, w));
    TRY(fb_u8(o, 3, 0, &act, w));
    break;
  case ECNN_OP_AVERAGE_POOL_2D:
  case ECNN_OP_MAX_POOL_2D:
    TRY(fb_u8(o, 0, 0, &pad, w));
    TRY(fb_i32(o, 1, 0, &p->stride_w, w));
    TRY(fb_i32(o, 2, 0, &p->stride_h, w));
    TRY(fb_i32(o, 3, 0, &p->filter_w, w));
    TRY(fb_i32(o, 4, 0, &p->filter_h, w));
    TRY(fb_u8(o, 5, 0, &act, w));
    break;
  case ECNN_OP_FULLY_CONNECTED: {
    uint8_t fmt;
    TRY(fb_u8(o, 0, 0, &act, w));
    TRY(fb_u8(o, 1, 0, &fmt, w));
    TRY(fb_bool(o, 2, false, &p->keep_dims, w));
    if (fmt != 0)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: shuffled weights format %u", name,
                        (int)index, fmt);
    break;
  }
  case ECNN_OP_ADD:
  case ECNN_OP_SUB:
  case ECNN_OP_MUL:
  case ECNN_OP_DIV: TRY(fb_u8(o, 0, 0, &act, w)); break;
  case ECNN_OP_CONCATENATION:
    TRY(fb_i32(o, 0, 0, &p->axis, w));
    TRY(fb_u8(o, 1, 0, &act, w));
    break;
  case ECNN_OP_MEAN: TRY(fb_bool(o, 0, false, &p->keep_dims, w)); break;
  case ECNN_OP_SOFTMAX:
    if (o->present) TRY(fb_f32(o, 0, 0.0f, &p->beta, w));
    break;
  case ECNN_OP_LEAKY_RELU: TRY(fb_f32(o, 0, 0.0f, &p->alpha, w)); break;
  case ECNN_OP_RESIZE_BILINEAR:
    TRY(fb_bool(o, 2, false, &p->align_corners, w));
    TRY(fb_bool(o, 3, false, &p->half_pixel_centers, w));
    break;
  case ECNN_OP_RESIZE_NEAREST_NEIGHBOR:
    TRY(fb_bool(o, 0, false, &p->align_corners, w));
    TRY(fb_bool(o, 1, false, &p->half_pixel_centers, w));
    break;
  case ECNN_OP_RESHAPE:
    TRY(fb_vector(o, 0, 4, &v, w));
    if (v.len > ECNN_MAX_DIMS)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: new shape has %u dimensions", name,
                        (int)index, v.len);
    p->num_new_shape = (int32_t)v.len;
    for (uint32_t i = 0; i < v.len; i++) p->new_shape[i] = fb_vec_i32(&v, i);
    break;
  case ECNN_OP_SQUEEZE:
    TRY(fb_vector(o, 0, 4, &v, w));
    if (v.len > ECNN_MAX_DIMS)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s #%d: %u squeeze dimensions", name,
                        (int)index, v.len);
    p->num_squeeze_dims = v.len ? (int32_t)v.len : -1;
    for (uint32_t i = 0; i < v.len; i++) p->squeeze_dims[i] = fb_vec_i32(&v, i);
    break;
  case ECNN_OP_DETECTION_POSTPROCESS: return parse_detpp(custom, &p->detpp, index);
  default: break;
  }
#undef TRY
  p->padding = (ecnn_padding)pad;
  p->activation = (ecnn_activation)act;
  return check_padding(pad, name, index);
}

/* Converts the constant `in` of a DEQUANTIZE into float32 data for `out`. */
static ecnn_status fold_dequantize(ecnn_graph *g, int32_t in_id, int32_t out_id, int32_t index) {
  ecnn_tensor *in = &g->tensors[in_id], *out = &g->tensors[out_id];
  int64_t n = ecnn_tensor_elements(in);
  if (out->data || out->dtype != ECNN_DTYPE_F32 || ecnn_tensor_elements(out) != n)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      "DEQUANTIZE #%d: output '%s' must be a float32 activation of %lld elements",
                      (int)index, out->name, (long long)n);
  size_t bytes = (size_t)n * sizeof(float);
  float *dst = aligned_alloc(64, (bytes + 63) & ~(size_t)63 ? (bytes + 63) & ~(size_t)63 : 64);
  if (!dst) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory folding DEQUANTIZE #%d", (int)index);
  if (in->dtype == ECNN_DTYPE_F16) {
    const uint16_t *src = in->data;
    for (int64_t i = 0; i < n; i++) {
      _Float16 h;
      memcpy(&h, &src[i], 2);
      dst[i] = (float)h;
    }
  } else if ((in->dtype == ECNN_DTYPE_I8 || in->dtype == ECNN_DTYPE_U8) && in->quant.count > 0) {
    /* per-channel: the channel index of element i along quant.axis */
    int64_t inner = 1;
    for (int32_t d = in->quant.axis + 1; d < in->ndim; d++) inner *= in->dims[d];
    for (int64_t i = 0; i < n; i++) {
      int32_t c = in->quant.count > 1 ? (int32_t)((i / inner) % in->quant.count) : 0;
      int32_t q = in->dtype == ECNN_DTYPE_I8 ? ((const int8_t *)in->data)[i]
                                             : ((const uint8_t *)in->data)[i];
      dst[i] = (float)(q - in->quant.zero_point[c]) * in->quant.scale[c];
    }
  } else {
    free(dst);
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "DEQUANTIZE #%d: constant '%s' of type %s",
                      (int)index, in->name, ecnn_dtype_name(in->dtype));
  }
  out->data = dst;
  out->const_bytes = bytes;
  return ECNN_STATUS_OK;
}

/* MediaPipe's Convolution2DTransposeBias: inputs (input, weights, bias), options a raw
 * TfLiteTransposeConvParams {padding (1 SAME, 2 VALID), stride_w, stride_h}. Rewritten as a
 * TRANSPOSE_CONV whose output_shape input is a constant made from the declared output shape. */
static ecnn_status tconv_bias_node(ecnn_graph *g, const fb_vec *custom, int32_t index,
                                   int32_t *in_ids, int32_t *nin, int32_t out_id,
                                   ecnn_op_params *p) {
  if (*nin != 3 || custom->len < 12)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      "Convolution2DTransposeBias #%d: %d inputs and %u option bytes (3 and 12)",
                      (int)index, (int)*nin, custom->len);
  const uint8_t *o = fb_vec_data(custom);
  int32_t pad = (int32_t)fb_le32(o), sw = (int32_t)fb_le32(o + 4), sh = (int32_t)fb_le32(o + 8);
  if ((pad != 1 && pad != 2) || sw < 1 || sh < 1 || sw > 64 || sh > 64)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      "Convolution2DTransposeBias #%d: padding %d, strides %d x %d", (int)index,
                      (int)pad, (int)sw, (int)sh);
  const ecnn_tensor *out = &g->tensors[out_id];
  if (out->ndim != 4)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED,
                      "Convolution2DTransposeBias #%d: output '%s' needs a declared 4-D shape",
                      (int)index, out->name);
  int32_t shape[4], dim = 4;
  memcpy(shape, out->dims, sizeof shape);
  int32_t sid = ecnn_graph_add_tensor(g, "output_shape", ECNN_DTYPE_I32, 1, &dim, shape, sizeof shape);
  if (sid < 0) return ecnn_error_prefix(ECNN_STATUS_INVALID_MODEL, "op #%d", (int)index);
  const int32_t input = in_ids[0], weights = in_ids[1], bias = in_ids[2];
  in_ids[0] = sid, in_ids[1] = weights, in_ids[2] = input, in_ids[3] = bias;
  *nin = 4;
  p->padding = pad == 1 ? ECNN_PADDING_SAME : ECNN_PADDING_VALID;
  p->stride_w = sw;
  p->stride_h = sh;
  return ECNN_STATUS_OK;
}

static ecnn_status parse_operators(const fb_table *sg, const opcode_entry *codes,
                                   uint32_t num_codes, ecnn_graph *g) {
  fb_vec v;
  ecnn_status st = fb_vector(sg, SG_OPERATORS, 4, &v, "operators");
  if (st != ECNN_STATUS_OK) return st;
  for (uint32_t i = 0; i < v.len; i++) {
    const int32_t index = (int32_t)i;
    fb_table t, opts;
    fb_vec ins, outs, custom;
    uint64_t code;
    if ((st = fb_vec_table(&v, i, &t, "operators")) != ECNN_STATUS_OK ||
        (st = fb_scalar(&t, OP_OPCODE, 4, 0, &code, "opcode index")) != ECNN_STATUS_OK ||
        (st = fb_vector(&t, OP_INPUTS, 4, &ins, "op inputs")) != ECNN_STATUS_OK ||
        (st = fb_vector(&t, OP_OUTPUTS, 4, &outs, "op outputs")) != ECNN_STATUS_OK ||
        (st = fb_subtable(&t, OP_OPTIONS, &opts, "builtin options")) != ECNN_STATUS_OK ||
        (st = fb_vector(&t, OP_CUSTOM_OPTIONS, 1, &custom, "custom options")) != ECNN_STATUS_OK)
      return ecnn_error_prefix(st, "op #%d", index);
    if (code >= num_codes)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, "op #%d: opcode index %llu of %u", index,
                        (unsigned long long)code, num_codes);
    const opcode_entry *e = &codes[code];
    if (e->op < 0) {
      if (e->builtin == BUILTIN_CUSTOM)
        return ecnn_error(ECNN_STATUS_UNSUPPORTED, "unsupported custom op '%s' (op #%d)",
                          e->custom, index);
      const char *bn = e->builtin >= 0 && e->builtin < NUM_BUILTIN_NAMES
                           ? builtin_names[e->builtin]
                           : "UNKNOWN";
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, "unsupported op %s (op #%d, builtin code %d)", bn,
                        index, (int)e->builtin);
    }
    ecnn_op op = (ecnn_op)e->op;
    if (ins.len > ECNN_MAX_NODE_INPUTS || outs.len > ECNN_MAX_NODE_OUTPUTS || outs.len < 1)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: %u inputs and %u outputs",
                        ecnn_op_name(op), index, ins.len, outs.len);
    int32_t in_ids[ECNN_MAX_NODE_INPUTS], out_ids[ECNN_MAX_NODE_OUTPUTS];
    for (uint32_t k = 0; k < ins.len + outs.len; k++) {
      int32_t id = k < ins.len ? fb_vec_i32(&ins, k) : fb_vec_i32(&outs, k - ins.len);
      if (id < -1 || id >= g->num_tensors || (k >= ins.len && id < 0))
        return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s #%d: %s %u refers to tensor %d of %d",
                          ecnn_op_name(op), index, k < ins.len ? "input" : "output",
                          k < ins.len ? k : k - ins.len, (int)id, (int)g->num_tensors);
      if (k < ins.len)
        in_ids[k] = id;
      else
        out_ids[k - ins.len] = id;
    }
    /* Constant DEQUANTIZE: fold now, no node. */
    if (op == ECNN_OP_DEQUANTIZE && ins.len == 1 && outs.len == 1 && in_ids[0] >= 0 &&
        g->tensors[in_ids[0]].data) {
      if ((st = fold_dequantize(g, in_ids[0], out_ids[0], index)) != ECNN_STATUS_OK) return st;
      continue;
    }
    ecnn_op_params p;
    ecnn_op_params_init(&p);
    int32_t nin = (int32_t)ins.len;
    if (e->tconv_bias) {
      if ((st = tconv_bias_node(g, &custom, index, in_ids, &nin, out_ids[0], &p)) != ECNN_STATUS_OK)
        return st;
    } else if ((st = parse_options(op, &opts, &custom, index, &p)) != ECNN_STATUS_OK) {
      return st;
    }
    int32_t k = ecnn_graph_add_node(g, op, in_ids, nin, out_ids, (int32_t)outs.len, &p);
    if (k < 0) return ecnn_error_prefix(ECNN_STATUS_INVALID_MODEL, "op #%d", index);
    g->nodes[k].index = index;
  }
  return ECNN_STATUS_OK;
}

/* Frees constants that folding left without any user (the FP16 originals). */
static void drop_unused_constants(ecnn_graph *g) {
  uint8_t *used = calloc((size_t)g->num_tensors + 1, 1);
  if (!used) return; /* keeping them is harmless */
  for (int32_t k = 0; k < g->num_nodes; k++)
    for (int32_t i = 0; i < g->nodes[k].num_inputs; i++)
      if (g->nodes[k].inputs[i] >= 0) used[g->nodes[k].inputs[i]] = 1;
  for (int32_t i = 0; i < g->num_outputs; i++) used[g->outputs[i]] = 1;
  for (int32_t i = 0; i < g->num_tensors; i++) {
    ecnn_tensor *t = &g->tensors[i];
    if (t->data && !used[i]) {
      free(t->data);
      t->data = NULL;
      t->const_bytes = 0;
    }
  }
  free(used);
}

ecnn_status ecnn_tflite_parse(const uint8_t *data, size_t size, ecnn_graph *g) {
  fb_buf b = {data, size};
  fb_table model, sg;
  fb_vec subgraphs, buffers;
  opcode_entry *codes = NULL;
  uint32_t num_codes = 0;
  uint64_t version;
  ecnn_status st;
  if (!data || size < 8)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "file of %zu bytes is too small for a model", size);
  if (memcmp(data + 4, "TFL3", 4) != 0)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "not a TFLite model (no 'TFL3' identifier)");
  if ((st = fb_root(&b, &model)) != ECNN_STATUS_OK ||
      (st = fb_scalar(&model, MODEL_VERSION, 4, 0, &version, "model version")) != ECNN_STATUS_OK)
    return st;
  if (version != 3)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "TFLite schema version %llu (expected 3)",
                      (unsigned long long)version);
  if ((st = fb_vector(&model, MODEL_SUBGRAPHS, 4, &subgraphs, "subgraphs")) != ECNN_STATUS_OK ||
      (st = fb_vector(&model, MODEL_BUFFERS, 4, &buffers, "buffers")) != ECNN_STATUS_OK)
    return st;
  if (subgraphs.len < 1) return ecnn_error(ECNN_STATUS_INVALID_MODEL, "the model has no subgraph");
  if ((st = fb_vec_table(&subgraphs, 0, &sg, "subgraph 0")) != ECNN_STATUS_OK) return st;
  if ((st = parse_opcodes(&model, &codes, &num_codes)) != ECNN_STATUS_OK) goto done;
  if ((st = parse_tensors(&b, &sg, &buffers, g)) != ECNN_STATUS_OK) goto done;
  if ((st = parse_io(&sg, SG_INPUTS, "inputs", g->num_tensors, g->inputs, &g->num_inputs)) !=
          ECNN_STATUS_OK ||
      (st = parse_io(&sg, SG_OUTPUTS, "outputs", g->num_tensors, g->outputs, &g->num_outputs)) !=
          ECNN_STATUS_OK)
    goto done;
  for (int32_t i = 0; i < g->num_inputs; i++) g->tensors[g->inputs[i]].is_input = true;
  for (int32_t i = 0; i < g->num_outputs; i++) g->tensors[g->outputs[i]].is_output = true;
  if ((st = parse_operators(&sg, codes, num_codes, g)) != ECNN_STATUS_OK) goto done;
  drop_unused_constants(g);
done:
  free(codes);
  return st;
}
