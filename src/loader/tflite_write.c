/*
 * tflite_write.c — the TFLite writer (tflite_write.h): graph IR in, .tflite flatbuffer out.
 * Runs once per save (`edgecnn quantize`), linear in the model's size; the file is built in one
 * growable block, sized up front from the constants, then moved to its start.
 *
 * The flatbuffer is built back to front, as the reference FlatBuffers builder does: the block
 * fills from its end towards its start, so the children of an object (vectors, strings,
 * sub-tables) are already in place when the object that refers to them is written, and every
 * reference is a forward offset. An object is known by its distance from the block's end (a
 * "ref"), which growing the block does not change (growth copies the filled part to the end of
 * a larger block). Alignment is counted from the end, and the finished file is padded to a
 * multiple of the largest alignment used (16, for Buffer.data's force_align), so it also holds
 * from the file's start. A table: its fields are prepended one by one (positions recorded),
 * then the int32 offset to its vtable, then the vtable right before it (vtables are not
 * shared). Fields equal to the schema's default are left out, as the reference builder does,
 * except Model.version, Tensor.type and both OperatorCode code fields, always written.
 * Each OperatorCode carries the version TensorFlow Lite's converter would give its ops
 * (tflite_opver.h): one code per (op, version) pair used, as TFLite keys them.
 * Field and union numbers follow tensorflow/lite/schema/schema.fbs (a union field takes two
 * numbers: its type, then its value).
 *
 * TFLite_Detection_PostProcess options are a FlexBuffer map, built front to back in a small
 * fixed buffer: the NUL-ended key strings in sorted order (lookups binary-search them), the
 * typed vector of keys, the map (keys offset, keys width, length, then every value inline at
 * 32 bits, then one type byte per value), then the root: offset to the map, its type, width.
 */
#include "tflite_write.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tflite_opver.h"

/* Schema field numbers (tflite.c reads the same ones). */
enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_DESCRIPTION = 3,
       MODEL_BUFFERS = 4 };
enum { OPCODE_DEPRECATED = 0, OPCODE_CUSTOM = 1, OPCODE_VERSION = 2, OPCODE_BUILTIN = 3 };
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3, SG_NAME = 4 };
enum { TENSOR_SHAPE = 0, TENSOR_TYPE = 1, TENSOR_BUFFER = 2, TENSOR_NAME = 3, TENSOR_QUANT = 4 };
enum { QUANT_SCALE = 2, QUANT_ZERO_POINT = 3, QUANT_DIM = 6 };
enum { OP_OPCODE = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPTIONS_TYPE = 3, OP_OPTIONS = 4,
       OP_CUSTOM_OPTIONS = 5 };
enum { BUFFER_DATA = 0 };

/* BuiltinOptions union type numbers of the options tables written here. */
enum {
  OPT_NONE = 0, OPT_CONV2D = 1, OPT_DEPTHWISE = 2, OPT_POOL2D = 5, OPT_FULLY_CONNECTED = 8,
  OPT_SOFTMAX = 9, OPT_CONCATENATION = 10, OPT_ADD = 11, OPT_RESIZE_BILINEAR = 15,
  OPT_RESHAPE = 17, OPT_MUL = 21, OPT_PAD = 22, OPT_REDUCER = 27, OPT_SUB = 28, OPT_DIV = 29,
  OPT_SQUEEZE = 30, OPT_DEQUANTIZE = 38, OPT_MAXIMUM_MINIMUM = 39, OPT_PADV2 = 43,
  OPT_TRANSPOSE_CONV = 49, OPT_RESIZE_NEAREST = 74, OPT_LEAKY_RELU = 75, OPT_QUANTIZE = 89,
  OPT_HARD_SWISH = 91,
};

#define BUILTIN_CUSTOM 32
#define DETPP_CODE "TFLite_Detection_PostProcess"
#define MAX_FILE_BYTES ((size_t)1 << 31) /* 32-bit flatbuffer offsets: 2 GB */
#define MAX_FIELDS 8                     /* the most fields one table here has (7) */

/* OperatorCode index of each (op, version) a graph uses; -1 for the others. */
typedef struct opcode_index {
  int32_t index[ECNN_OP_COUNT][ECNN_TFLITE_MAX_OP_VERSION + 1];
} opcode_index;

static const int32_t op_codes[] = {
#define ECNN_OP(e, n, c) c,
#include "../ops/ops.inc"
#undef ECNN_OP
};

/* ---- the back-to-front flatbuffer builder --------------------------------------------- */

typedef struct fbb {
  uint8_t *buf;
  size_t cap, used; /* the bytes written so far are buf[cap - used, cap) */
  size_t max_align;
  bool failed, too_big; /* out of memory / past 2 GB: later calls do nothing */
  size_t table_start;   /* `used` when the open table began */
  int32_t nfields;
  uint16_t field_id[MAX_FIELDS];
  uint32_t field_at[MAX_FIELDS]; /* ref of each field of the open table */
} fbb;

static void le_store(uint8_t *p, uint64_t v, size_t w) {
  for (size_t i = 0; i < w; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Prepends n bytes (contents undefined); NULL once the builder has failed. */
static uint8_t *fbb_room(fbb *b, size_t n) {
  if (b->failed) return NULL;
  if (n > MAX_FILE_BYTES - b->used) {
    b->failed = b->too_big = true;
    return NULL;
  }
  if (b->cap - b->used < n) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->used < n) {
      if (cap > SIZE_MAX / 2) {
        b->failed = true;
        return NULL;
      }
      cap *= 2;
    }
    uint8_t *nb = malloc(cap);
    if (!nb) {
      b->failed = true;
      return NULL;
    }
    if (b->used) memcpy(nb + cap - b->used, b->buf + b->cap - b->used, b->used);
    free(b->buf);
    b->buf = nb;
    b->cap = cap;
  }
  b->used += n;
  return b->buf + b->cap - b->used;
}

/* Pads with zeros so that the n bytes prepended next start `a`-aligned (a: a power of two),
 * counted from the end, which the finished file keeps. */
static void fbb_align(fbb *b, size_t n, size_t a) {
  if (a > b->max_align) b->max_align = a;
  size_t pad = (a - (b->used + n) % a) % a;
  uint8_t *p = fbb_room(b, pad);
  if (p) memset(p, 0, pad);
}

/* Prepends a w-byte little-endian scalar, aligned to w. */
static void fbb_put(fbb *b, uint64_t v, size_t w) {
  fbb_align(b, w, w);
  uint8_t *p = fbb_room(b, w);
  if (p) le_store(p, v, w);
}

/* Prepends a reference to the object at `ref` (written earlier, so further towards the end). */
static void fbb_put_ref(fbb *b, uint32_t ref) {
  fbb_align(b, 4, 4);
  uint8_t *p = fbb_room(b, 4);
  if (p) le_store(p, (uint32_t)(b->used - ref), 4);
}

/* Prepends room for the body of a vector of count elements of `elem` bytes, the body aligned to
 * `align` (at least 4, for the length before it). Returns the body to fill before anything
 * else is written (NULL on failure); fbb_vector_end then adds the length. */
static uint8_t *fbb_vector_begin(fbb *b, size_t count, size_t elem, size_t align) {
  if (elem && count > MAX_FILE_BYTES / elem) {
    b->failed = b->too_big = true;
    return NULL;
  }
  fbb_align(b, count * elem, align < 4 ? 4 : align);
  return fbb_room(b, count * elem);
}

static uint32_t fbb_vector_end(fbb *b, size_t count) {
  fbb_put(b, count, 4);
  return (uint32_t)b->used;
}

static uint32_t fbb_bytes(fbb *b, const void *data, size_t n, size_t align) {
  uint8_t *p = fbb_vector_begin(b, n, 1, align);
  if (p && n) memcpy(p, data, n);
  return fbb_vector_end(b, n);
}

static uint32_t fbb_i32_vector(fbb *b, const int32_t *v, size_t n) {
  uint8_t *p = fbb_vector_begin(b, n, 4, 4);
  for (size_t i = 0; p && i < n; i++) le_store(p + 4 * i, (uint32_t)v[i], 4);
  return fbb_vector_end(b, n);
}

/* A string: length, bytes, then a NUL the length does not count. */
static uint32_t fbb_string(fbb *b, const char *s) {
  size_t n = strlen(s);
  uint8_t *p = fbb_vector_begin(b, n + 1, 1, 4);
  if (p) memcpy(p, s, n + 1);
  return fbb_vector_end(b, n);
}

/* A vector of references to tables written before. */
static uint32_t fbb_ref_vector(fbb *b, const uint32_t *refs, size_t n) {
  fbb_align(b, 4 * n, 4);
  for (size_t i = n; i-- > 0;) fbb_put_ref(b, refs[i]);
  return fbb_vector_end(b, n);
}

static void fbb_table_begin(fbb *b) {
  b->table_start = b->used;
  b->nfields = 0;
}

static void fbb_field_done(fbb *b, int id) {
  b->field_id[b->nfields] = (uint16_t)id;
  b->field_at[b->nfields++] = (uint32_t)b->used;
}

/* Scalar field `id` of w bytes: always written / left out when equal to the default. */
static void fbb_field(fbb *b, int id, uint64_t v, size_t w) {
  fbb_put(b, v, w);
  fbb_field_done(b, id);
}

static void fbb_field_def(fbb *b, int id, int64_t v, int64_t def, size_t w) {
  if (v != def) fbb_field(b, id, (uint64_t)v, w);
}

/* Reference field `id`; left out when ref is 0 (nothing written). */
static void fbb_field_ref(fbb *b, int id, uint32_t ref) {
  if (!ref) return;
  fbb_put_ref(b, ref);
  fbb_field_done(b, id);
}

/* Closes the open table: its vtable offset, then the vtable. Returns the table's ref. */
static uint32_t fbb_table_end(fbb *b) {
  fbb_put(b, 0, 4); /* soffset to the vtable, patched below */
  const uint32_t table = (uint32_t)b->used;
  uint16_t slot[MAX_FIELDS] = {0};
  int nslots = 0;
  for (int32_t f = 0; f < b->nfields; f++) {
    slot[b->field_id[f]] = (uint16_t)(table - b->field_at[f]);
    if (b->field_id[f] + 1 > nslots) nslots = b->field_id[f] + 1;
  }
  const size_t table_bytes = table - b->table_start; /* < 64 KB: at most 7 small fields */
  for (int s = nslots; s-- > 0;) fbb_put(b, slot[s], 2);
  fbb_put(b, table_bytes, 2);
  fbb_put(b, 4 + 2 * (size_t)nslots, 2);
  if (b->failed) return 0;
  /* the vtable sits before the table: vtable = table - soffset */
  le_store(b->buf + b->cap - table, (uint32_t)(b->used - table), 4);
  return table;
}

/* Root reference and file identifier in front; the size becomes a multiple of max_align. */
static void fbb_finish(fbb *b, uint32_t root, const char ident[4]) {
  fbb_align(b, 8, b->max_align);
  uint8_t *p = fbb_room(b, 4);
  if (p) memcpy(p, ident, 4);
  fbb_put_ref(b, root);
}

/* ---- FlexBuffer map of TFLite_Detection_PostProcess ----------------------------------- */

enum { FX_INT = 1, FX_FLOAT = 3, FX_MAP = 9, FX_BOOL = 26 };

typedef struct fx_entry {
  const char *key;
  uint8_t type;  /* FX_INT, FX_FLOAT or FX_BOOL */
  uint32_t bits; /* the 32-bit value: int32, float32 bits or 0/1 */
} fx_entry;

static int fx_key_cmp(const void *a, const void *b) {
  return strcmp(((const fx_entry *)a)->key, ((const fx_entry *)b)->key);
}

/* Encodes the n (<= 16) entries, sorted here, as a map whose root is the last bytes of out.
 * All widths are 32 bits. Returns the size, 0 when it does not fit in cap bytes. */
static size_t fx_encode_map(fx_entry *e, size_t n, uint8_t *out, size_t cap) {
  size_t key_at[16], pos = 0;
  if (n > 16) return 0;
  qsort(e, n, sizeof *e, fx_key_cmp);
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(e[i].key) + 1;
    if (len > cap - pos) return 0;
    memcpy(out + pos, e[i].key, len);
    key_at[i] = pos;
    pos += len;
  }
  /* padding to 4, keys vector (length + n), map prefix (3) + n values + n types, padding,
   * root (4 + 2) */
  if (cap - pos < 3 + 4 * (1 + n + 3 + n) + n + 3 + 6) return 0;
  while (pos % 4) out[pos++] = 0;
  le_store(out + pos, n, 4);
  pos += 4;
  const size_t keys = pos;
  for (size_t i = 0; i < n; i++, pos += 4) le_store(out + pos, pos - key_at[i], 4);
  le_store(out + pos, pos - keys, 4); /* back to the keys vector */
  le_store(out + pos + 4, 4, 4);      /* its byte width */
  le_store(out + pos + 8, n, 4);
  pos += 12;
  const size_t values = pos;
  for (size_t i = 0; i < n; i++, pos += 4) le_store(out + pos, e[i].bits, 4);
  for (size_t i = 0; i < n; i++) out[pos++] = (uint8_t)(e[i].type << 2 | 2); /* 32-bit */
  while (pos % 4) out[pos++] = 0;
  le_store(out + pos, pos - values, 4);
  pos += 4;
  out[pos++] = FX_MAP << 2 | 2; /* a map of 32-bit values */
  out[pos++] = 4;               /* the root reference's width */
  return pos;
}

static uint32_t f32_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

/* The custom options of DETECTION_POSTPROCESS: the keys TFLite's kernel (and tflite.c) read. */
static uint32_t write_detpp_options(fbb *b, const ecnn_detpp_options *o) {
  fx_entry e[] = {
      {"max_detections", FX_INT, (uint32_t)o->max_detections},
      {"max_classes_per_detection", FX_INT, (uint32_t)o->max_classes_per_detection},
      {"detections_per_class", FX_INT, (uint32_t)o->detections_per_class},
      {"num_classes", FX_INT, (uint32_t)o->num_classes},
      {"nms_score_threshold", FX_FLOAT, f32_bits(o->nms_score_threshold)},
      {"nms_iou_threshold", FX_FLOAT, f32_bits(o->nms_iou_threshold)},
      {"y_scale", FX_FLOAT, f32_bits(o->y_scale)},
      {"x_scale", FX_FLOAT, f32_bits(o->x_scale)},
      {"h_scale", FX_FLOAT, f32_bits(o->h_scale)},
      {"w_scale", FX_FLOAT, f32_bits(o->w_scale)},
      {"use_regular_nms", FX_BOOL, o->use_regular_nms ? 1u : 0u},
  };
  uint8_t map[512];
  size_t n = fx_encode_map(e, sizeof e / sizeof e[0], map, sizeof map);
  return n ? fbb_bytes(b, map, n, 4) : 0; /* 11 keys take < 400 bytes */
}

/* ---- the model ------------------------------------------------------------------------ */

/* TFLite TensorType of a dtype; -1 for none. */
static int32_t tensor_type(ecnn_dtype d) {
  switch (d) {
  case ECNN_DTYPE_F32: return 0;
  case ECNN_DTYPE_F16: return 1;
  case ECNN_DTYPE_I32: return 2;
  case ECNN_DTYPE_U8: return 3;
  case ECNN_DTYPE_I64: return 4;
  case ECNN_DTYPE_BOOL: return 6;
  case ECNN_DTYPE_I16: return 7;
  case ECNN_DTYPE_I8: return 9;
  default: return -1;
  }
}

/* Writes node n's builtin options table (the fields tflite.c reads); *type gets its union
 * number. Returns 0 and OPT_NONE for ops whose schema has no options table. */
static uint32_t write_options(fbb *b, const ecnn_node *n, uint8_t *type) {
  const ecnn_op_params *p = &n->params;
  uint32_t vec = 0;
  if (n->op == ECNN_OP_RESHAPE && p->num_new_shape > 0)
    vec = fbb_i32_vector(b, p->new_shape, (size_t)p->num_new_shape);
  if (n->op == ECNN_OP_SQUEEZE && p->num_squeeze_dims > 0)
    vec = fbb_i32_vector(b, p->squeeze_dims, (size_t)p->num_squeeze_dims);
  fbb_table_begin(b);
  switch (n->op) {
  case ECNN_OP_CONV_2D:
    *type = OPT_CONV2D;
    fbb_field_def(b, 0, p->padding, 0, 1);
    fbb_field_def(b, 1, p->stride_w, 0, 4);
    fbb_field_def(b, 2, p->stride_h, 0, 4);
    fbb_field_def(b, 3, p->activation, 0, 1);
    fbb_field_def(b, 4, p->dilation_w, 1, 4);
    fbb_field_def(b, 5, p->dilation_h, 1, 4);
    break;
  case ECNN_OP_DEPTHWISE_CONV_2D:
    *type = OPT_DEPTHWISE;
    fbb_field_def(b, 0, p->padding, 0, 1);
    fbb_field_def(b, 1, p->stride_w, 0, 4);
    fbb_field_def(b, 2, p->stride_h, 0, 4);
    fbb_field_def(b, 3, p->depth_multiplier, 0, 4);
    fbb_field_def(b, 4, p->activation, 0, 1);
    fbb_field_def(b, 5, p->dilation_w, 1, 4);
    fbb_field_def(b, 6, p->dilation_h, 1, 4);
    break;
  case ECNN_OP_TRANSPOSE_CONV:
    *type = OPT_TRANSPOSE_CONV;
    fbb_field_def(b, 0, p->padding, 0, 1);
    fbb_field_def(b, 1, p->stride_w, 0, 4);
    fbb_field_def(b, 2, p->stride_h, 0, 4);
    fbb_field_def(b, 3, p->activation, 0, 1);
    break;
  case ECNN_OP_AVERAGE_POOL_2D:
  case ECNN_OP_MAX_POOL_2D:
    *type = OPT_POOL2D;
    fbb_field_def(b, 0, p->padding, 0, 1);
    fbb_field_def(b, 1, p->stride_w, 0, 4);
    fbb_field_def(b, 2, p->stride_h, 0, 4);
    fbb_field_def(b, 3, p->filter_w, 0, 4);
    fbb_field_def(b, 4, p->filter_h, 0, 4);
    fbb_field_def(b, 5, p->activation, 0, 1);
    break;
  case ECNN_OP_FULLY_CONNECTED: /* weights_format (1) stays DEFAULT */
    *type = OPT_FULLY_CONNECTED;
    fbb_field_def(b, 0, p->activation, 0, 1);
    fbb_field_def(b, 2, p->keep_dims, 0, 1);
    break;
  case ECNN_OP_ADD:
  case ECNN_OP_SUB:
  case ECNN_OP_MUL:
  case ECNN_OP_DIV:
    *type = n->op == ECNN_OP_ADD ? OPT_ADD
            : n->op == ECNN_OP_SUB ? OPT_SUB
            : n->op == ECNN_OP_MUL ? OPT_MUL
                                   : OPT_DIV;
    fbb_field_def(b, 0, p->activation, 0, 1);
    break;
  case ECNN_OP_CONCATENATION:
    *type = OPT_CONCATENATION;
    fbb_field_def(b, 0, p->axis, 0, 4);
    fbb_field_def(b, 1, p->activation, 0, 1);
    break;
  case ECNN_OP_MEAN:
    *type = OPT_REDUCER;
    fbb_field_def(b, 0, p->keep_dims, 0, 1);
    break;
  case ECNN_OP_SOFTMAX:
    *type = OPT_SOFTMAX;
    fbb_field_def(b, 0, f32_bits(p->beta), 0, 4);
    break;
  case ECNN_OP_LEAKY_RELU:
    *type = OPT_LEAKY_RELU;
    fbb_field_def(b, 0, f32_bits(p->alpha), 0, 4);
    break;
  case ECNN_OP_RESIZE_BILINEAR: /* fields 0 and 1 (new_height, new_width) are deprecated */
    *type = OPT_RESIZE_BILINEAR;
    fbb_field_def(b, 2, p->align_corners, 0, 1);
    fbb_field_def(b, 3, p->half_pixel_centers, 0, 1);
    break;
  case ECNN_OP_RESIZE_NEAREST_NEIGHBOR:
    *type = OPT_RESIZE_NEAREST;
    fbb_field_def(b, 0, p->align_corners, 0, 1);
    fbb_field_def(b, 1, p->half_pixel_centers, 0, 1);
    break;
  case ECNN_OP_RESHAPE:
    *type = OPT_RESHAPE;
    fbb_field_ref(b, 0, vec);
    break;
  case ECNN_OP_SQUEEZE: /* no dims: squeeze every size-1 dimension */
    *type = OPT_SQUEEZE;
    fbb_field_ref(b, 0, vec);
    break;
  /* options tables without fields */
  case ECNN_OP_PAD: *type = OPT_PAD; break;
  case ECNN_OP_PADV2: *type = OPT_PADV2; break;
  case ECNN_OP_MAXIMUM:
  case ECNN_OP_MINIMUM: *type = OPT_MAXIMUM_MINIMUM; break;
  case ECNN_OP_DEQUANTIZE: *type = OPT_DEQUANTIZE; break;
  case ECNN_OP_QUANTIZE: *type = OPT_QUANTIZE; break;
  case ECNN_OP_HARD_SWISH: *type = OPT_HARD_SWISH; break;
  default: /* LOGISTIC, TANH, RELU*, PRELU: the schema has no options for them */
    *type = OPT_NONE;
    return 0;
  }
  return fbb_table_end(b);
}

/* Everything the file cannot say or our loader would refuse, as INVALID_ARGUMENT. */
static ecnn_status check_graph(const ecnn_graph *g) {
  for (int32_t i = 0; i < g->num_tensors; i++) {
    const ecnn_tensor *t = &g->tensors[i];
    const char *name = t->name ? t->name : "";
    if (t->packed)
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                        "tensor %d '%s' holds packed convolution weights, not the file layout: "
                        "write the graph before a model is made from it",
                        (int)i, name);
    if (tensor_type(t->dtype) < 0)
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                        "tensor %d '%s': dtype %d has no TFLite tensor type", (int)i, name,
                        (int)t->dtype);
    if (t->ndim < 0 || t->ndim > ECNN_MAX_DIMS)
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "tensor %d '%s': %d dimensions", (int)i,
                        name, (int)t->ndim);
    for (int32_t d = 0; d < t->ndim; d++)
      if (t->dims[d] < 0)
        return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "tensor %d '%s': dimension %d is %d",
                          (int)i, name, (int)d, (int)t->dims[d]);
    if (t->data && t->const_bytes != ecnn_tensor_bytes(t))
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                        "tensor %d '%s': %zu bytes of constant data for a %zu-byte tensor",
                        (int)i, name, t->const_bytes, ecnn_tensor_bytes(t));
    const ecnn_quant *q = &t->quant;
    if (q->count < 0 || (q->count > 0 && (!q->scale || !q->zero_point)))
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                        "tensor %d '%s': quantization with %d scales and no arrays", (int)i,
                        name, (int)q->count);
    if (q->count > 1 && (q->axis < 0 || q->axis >= t->ndim || t->dims[q->axis] != q->count))
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                        "tensor %d '%s': %d per-channel scales do not match dimension %d",
                        (int)i, name, (int)q->count, (int)q->axis);
    for (int32_t k = 0; k < q->count; k++)
      if (!(q->scale[k] > 0.0f) || !isfinite(q->scale[k]))
        return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                          "tensor %d '%s': quantization scale %g at %d", (int)i, name,
                          (double)q->scale[k], (int)k);
  }
  for (int32_t k = 0; k < g->num_nodes; k++) {
    const ecnn_node *n = &g->nodes[k];
    if ((unsigned)n->op >= ECNN_OP_COUNT)
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "node %d: op %d is not an op", (int)k,
                        (int)n->op);
    if (op_codes[n->op] < 0 && n->op != ECNN_OP_DETECTION_POSTPROCESS)
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "node %d: %s has no TFLite op code",
                        (int)k, ecnn_op_name(n->op));
    if (n->num_inputs < 0 || n->num_inputs > ECNN_MAX_NODE_INPUTS || n->num_outputs < 1 ||
        n->num_outputs > ECNN_MAX_NODE_OUTPUTS)
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "%s node %d: %d inputs and %d outputs",
                        ecnn_op_name(n->op), (int)k, (int)n->num_inputs, (int)n->num_outputs);
    for (int32_t i = 0; i < n->num_inputs + n->num_outputs; i++) {
      const bool in = i < n->num_inputs;
      const int32_t id = in ? n->inputs[i] : n->outputs[i - n->num_inputs];
      if (id < (in ? -1 : 0) || id >= g->num_tensors)
        return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "%s node %d: %s %d is tensor %d of %d",
                          ecnn_op_name(n->op), (int)k, in ? "input" : "output",
                          (int)(in ? i : i - n->num_inputs), (int)id, (int)g->num_tensors);
    }
    if (n->op == ECNN_OP_RESHAPE &&
        (n->params.num_new_shape < 0 || n->params.num_new_shape > ECNN_MAX_DIMS))
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "RESHAPE node %d: new shape of %d dims",
                        (int)k, (int)n->params.num_new_shape);
    if (n->op == ECNN_OP_SQUEEZE && n->params.num_squeeze_dims > ECNN_MAX_DIMS)
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "SQUEEZE node %d: %d squeeze dims",
                        (int)k, (int)n->params.num_squeeze_dims);
  }
  if (g->num_inputs < 0 || g->num_inputs > ECNN_MAX_GRAPH_IO || g->num_outputs < 0 ||
      g->num_outputs > ECNN_MAX_GRAPH_IO)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "the graph has %d inputs and %d outputs",
                      (int)g->num_inputs, (int)g->num_outputs);
  for (int32_t i = 0; i < g->num_inputs + g->num_outputs; i++) {
    const int32_t id = i < g->num_inputs ? g->inputs[i] : g->outputs[i - g->num_inputs];
    if (id < 0 || id >= g->num_tensors)
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "graph %s %d is tensor %d of %d",
                        i < g->num_inputs ? "input" : "output",
                        (int)(i < g->num_inputs ? i : i - g->num_inputs), (int)id,
                        (int)g->num_tensors);
  }
  return ECNN_STATUS_OK;
}

/* Buffer 0 (empty), then one buffer per constant tensor, in tensor order. */
static uint32_t write_buffers(fbb *b, const ecnn_graph *g, uint32_t *refs) {
  size_t n = 0;
  fbb_table_begin(b);
  refs[n++] = fbb_table_end(b);
  for (int32_t i = 0; i < g->num_tensors; i++) {
    const ecnn_tensor *t = &g->tensors[i];
    if (!t->data) continue;
    uint32_t data = fbb_bytes(b, t->data, t->const_bytes, 16);
    fbb_table_begin(b);
    fbb_field_ref(b, BUFFER_DATA, data);
    refs[n++] = fbb_table_end(b);
  }
  return fbb_ref_vector(b, refs, n);
}

static uint32_t write_tensor(fbb *b, const ecnn_tensor *t, uint32_t buffer) {
  const ecnn_quant *q = &t->quant;
  uint32_t shape = fbb_i32_vector(b, t->dims, (size_t)t->ndim);
  uint32_t name = fbb_string(b, t->name ? t->name : "");
  uint32_t quant = 0;
  if (q->count > 0) {
    uint8_t *p = fbb_vector_begin(b, (size_t)q->count, 4, 4);
    for (int32_t k = 0; p && k < q->count; k++) le_store(p + 4 * k, f32_bits(q->scale[k]), 4);
    uint32_t scale = fbb_vector_end(b, (size_t)q->count);
    p = fbb_vector_begin(b, (size_t)q->count, 8, 8);
    for (int32_t k = 0; p && k < q->count; k++)
      le_store(p + 8 * k, (uint64_t)(int64_t)q->zero_point[k], 8);
    uint32_t zp = fbb_vector_end(b, (size_t)q->count);
    fbb_table_begin(b);
    fbb_field_ref(b, QUANT_SCALE, scale);
    fbb_field_ref(b, QUANT_ZERO_POINT, zp);
    fbb_field_def(b, QUANT_DIM, q->axis, 0, 4);
    quant = fbb_table_end(b);
  }
  fbb_table_begin(b);
  fbb_field_ref(b, TENSOR_SHAPE, shape);
  fbb_field(b, TENSOR_TYPE, (uint64_t)tensor_type(t->dtype), 1);
  fbb_field_def(b, TENSOR_BUFFER, buffer, 0, 4);
  fbb_field_ref(b, TENSOR_NAME, name);
  fbb_field_ref(b, TENSOR_QUANT, quant);
  return fbb_table_end(b);
}

static uint32_t write_operator(fbb *b, const ecnn_node *n, uint32_t opcode) {
  uint32_t ins = fbb_i32_vector(b, n->inputs, (size_t)n->num_inputs);
  uint32_t outs = fbb_i32_vector(b, n->outputs, (size_t)n->num_outputs);
  uint32_t options = 0, custom = 0;
  uint8_t type = OPT_NONE;
  if (n->op == ECNN_OP_DETECTION_POSTPROCESS)
    custom = write_detpp_options(b, &n->params.detpp);
  else
    options = write_options(b, n, &type);
  fbb_table_begin(b);
  fbb_field_def(b, OP_OPCODE, opcode, 0, 4);
  fbb_field_ref(b, OP_INPUTS, ins);
  fbb_field_ref(b, OP_OUTPUTS, outs);
  fbb_field_def(b, OP_OPTIONS_TYPE, type, OPT_NONE, 1);
  fbb_field_ref(b, OP_OPTIONS, options);
  fbb_field_ref(b, OP_CUSTOM_OPTIONS, custom); /* custom_options_format: FLEXBUFFERS (0) */
  return fbb_table_end(b);
}

/* One OperatorCode per (op, version) used, in order of first use: TFLite keys the codes by
 * both, so a float and an int8 CONV_2D, or a plain and a dilated DEPTHWISE_CONV_2D, get a code
 * each. code_of[op][version] gets the code's index (-1 for pairs not used). */
static uint32_t write_opcodes(fbb *b, const ecnn_graph *g, opcode_index *code_of) {
  enum { MAX_CODES = ECNN_OP_COUNT * ECNN_TFLITE_MAX_OP_VERSION };
  ecnn_op used_op[MAX_CODES];
  int32_t used_version[MAX_CODES];
  uint32_t refs[MAX_CODES];
  int32_t n = 0;
  for (int32_t op = 0; op < ECNN_OP_COUNT; op++)
    for (int32_t v = 0; v <= ECNN_TFLITE_MAX_OP_VERSION; v++) code_of->index[op][v] = -1;
  for (int32_t k = 0; k < g->num_nodes; k++) {
    const ecnn_op op = g->nodes[k].op;
    const int32_t v = ecnn_tflite_op_version(g, &g->nodes[k]);
    if (code_of->index[op][v] < 0) {
      code_of->index[op][v] = n;
      used_op[n] = op;
      used_version[n++] = v;
    }
  }
  for (int32_t i = 0; i < n; i++) {
    const bool custom = used_op[i] == ECNN_OP_DETECTION_POSTPROCESS;
    const int32_t code = custom ? BUILTIN_CUSTOM : op_codes[used_op[i]];
    uint32_t name = custom ? fbb_string(b, DETPP_CODE) : 0;
    fbb_table_begin(b);
    fbb_field(b, OPCODE_DEPRECATED, (uint64_t)(code < 127 ? code : 127), 1);
    fbb_field_ref(b, OPCODE_CUSTOM, name);
    fbb_field_def(b, OPCODE_VERSION, used_version[i], 1, 4);
    fbb_field(b, OPCODE_BUILTIN, (uint32_t)code, 4);
    refs[i] = fbb_table_end(b);
  }
  return fbb_ref_vector(b, refs, (size_t)n);
}

ecnn_status ecnn_tflite_write(const ecnn_graph *g, uint8_t **out, size_t *size) {
  if (!out || !size)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "tflite write: output pointer is NULL");
  *out = NULL;
  *size = 0;
  if (!g) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "tflite write: graph is NULL");
  ecnn_status st = check_graph(g);
  if (st != ECNN_STATUS_OK) return st;

  /* one block sized for the constants plus room for the tables, so it rarely grows */
  fbb b = {0};
  b.max_align = 4;
  size_t estimate = 65536 + 256 * ((size_t)g->num_tensors + (size_t)g->num_nodes);
  for (int32_t i = 0; i < g->num_tensors; i++)
    if (g->tensors[i].data) estimate += g->tensors[i].const_bytes + 32;
  if (estimate < MAX_FILE_BYTES) b.buf = malloc(estimate);
  if (b.buf) b.cap = estimate;
  const size_t nt = (size_t)g->num_tensors, nn = (size_t)g->num_nodes;
  uint32_t *refs = malloc((nt + 1 + nn) * sizeof *refs); /* buffers, then tensors | ops */
  if (!refs) {
    free(b.buf);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory writing a TFLite model");
  }
  uint32_t *tensor_refs = refs, *op_refs = refs + nt + 1;

  /* back to front: the buffers (most of the bytes) end the file */
  const uint32_t buffers = write_buffers(&b, g, refs);
  uint32_t buffer = 1;
  for (int32_t i = 0; i < g->num_tensors; i++)
    tensor_refs[i] = write_tensor(&b, &g->tensors[i], g->tensors[i].data ? buffer++ : 0);
  const uint32_t tensors = fbb_ref_vector(&b, tensor_refs, nt);
  opcode_index code_of;
  const uint32_t opcodes = write_opcodes(&b, g, &code_of);
  for (int32_t k = 0; k < g->num_nodes; k++) {
    const ecnn_node *n = &g->nodes[k];
    const int32_t code = code_of.index[n->op][ecnn_tflite_op_version(g, n)];
    op_refs[k] = write_operator(&b, n, (uint32_t)code);
  }
  const uint32_t operators = fbb_ref_vector(&b, op_refs, nn);
  const uint32_t inputs = fbb_i32_vector(&b, g->inputs, (size_t)g->num_inputs);
  const uint32_t outputs = fbb_i32_vector(&b, g->outputs, (size_t)g->num_outputs);
  const uint32_t sg_name = fbb_string(&b, "main");
  fbb_table_begin(&b);
  fbb_field_ref(&b, SG_TENSORS, tensors);
  fbb_field_ref(&b, SG_INPUTS, inputs);
  fbb_field_ref(&b, SG_OUTPUTS, outputs);
  fbb_field_ref(&b, SG_OPERATORS, operators);
  fbb_field_ref(&b, SG_NAME, sg_name);
  uint32_t subgraph = fbb_table_end(&b);
  const uint32_t subgraphs = fbb_ref_vector(&b, &subgraph, 1);
  const uint32_t description = fbb_string(&b, "EdgeCNN tflite_write");
  fbb_table_begin(&b);
  fbb_field(&b, MODEL_VERSION, 3, 4);
  fbb_field_ref(&b, MODEL_OPCODES, opcodes);
  fbb_field_ref(&b, MODEL_SUBGRAPHS, subgraphs);
  fbb_field_ref(&b, MODEL_DESCRIPTION, description);
  fbb_field_ref(&b, MODEL_BUFFERS, buffers);
  fbb_finish(&b, fbb_table_end(&b), "TFL3");
  free(refs);

  if (b.failed) {
    free(b.buf);
    if (b.too_big)
      return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY,
                        "the TFLite model would pass 2 GB, the most a flatbuffer holds");
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory writing a TFLite model");
  }
  memmove(b.buf, b.buf + b.cap - b.used, b.used);
  uint8_t *shrunk = realloc(b.buf, b.used);
  *out = shrunk ? shrunk : b.buf;
  *size = b.used;
  return ECNN_STATUS_OK;
}
