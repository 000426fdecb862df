/*
 * graph.c — building, validating and freeing the graph IR (graph.h): the tensor/node builder
 * the loader and tests use, the op/dtype name tables, and ecnn_graph_prepare, which checks the
 * graph's structure (every tensor defined before use, written once) and runs every op's shape
 * inference. Runs once per model load; nothing here is on the per-frame path.
 */
#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"

static const char *const op_names[] = {
#define ECNN_OP(e, n, c) #e,
#include "ops/ops.inc"
#undef ECNN_OP
};
_Static_assert(sizeof op_names / sizeof op_names[0] == ECNN_OP_COUNT, "op name table size");

const char *ecnn_op_name(ecnn_op op) {
  return ((unsigned)op < ECNN_OP_COUNT) ? op_names[op] : "UNKNOWN";
}

static const char *const dtype_names[] = {"float32", "float16", "int32", "uint8",
                                          "int8",    "int16",   "int64", "bool"};
static const size_t dtype_sizes[] = {4, 2, 4, 1, 1, 2, 8, 1};
_Static_assert(sizeof dtype_names / sizeof dtype_names[0] == ECNN_DTYPE_COUNT, "dtype names");
_Static_assert(sizeof dtype_sizes / sizeof dtype_sizes[0] == ECNN_DTYPE_COUNT, "dtype sizes");

const char *ecnn_dtype_name(ecnn_dtype dtype) {
  return ((unsigned)dtype < ECNN_DTYPE_COUNT) ? dtype_names[dtype] : "unknown";
}

size_t ecnn_dtype_size(ecnn_dtype dtype) {
  return ((unsigned)dtype < ECNN_DTYPE_COUNT) ? dtype_sizes[dtype] : 0;
}

void ecnn_graph_init(ecnn_graph *g) { memset(g, 0, sizeof *g); }

void ecnn_graph_clear(ecnn_graph *g) {
  if (!g) return;
  for (int32_t i = 0; i < g->num_tensors; i++) {
    ecnn_tensor *t = &g->tensors[i];
    free(t->name);
    free(t->data);
    free(t->quant.scale);
    free(t->quant.zero_point);
  }
  for (int32_t i = 0; i < g->num_nodes; i++) free(g->nodes[i].priv), free(g->nodes[i].sparse_rows);
  free(g->tensors);
  free(g->nodes);
  ecnn_graph_init(g);
}

int64_t ecnn_tensor_elements(const ecnn_tensor *t) {
  int64_t n = 1;
  for (int32_t i = 0; i < t->ndim; i++) {
    int64_t d = t->dims[i];
    if (d < 0) return -1;
    if (d != 0 && n > INT64_MAX / d) return INT64_MAX; /* saturate; callers bound-check */
    n *= d;
  }
  return n;
}

size_t ecnn_tensor_bytes(const ecnn_tensor *t) {
  int64_t n = ecnn_tensor_elements(t);
  size_t es = ecnn_dtype_size(t->dtype);
  if (n < 0 || (uint64_t)n > SIZE_MAX / (es ? es : 1)) return SIZE_MAX;
  return (size_t)n * es;
}

static bool grow(void **ptr, int32_t *cap, int32_t need, size_t elem) {
  if (need <= *cap) return true;
  int32_t nc = *cap ? *cap : 16;
  while (nc < need) {
    if (nc > INT32_MAX / 2) return false;
    nc *= 2;
  }
  void *p = realloc(*ptr, (size_t)nc * elem);
  if (!p) return false;
  memset((char *)p + (size_t)*cap * elem, 0, (size_t)(nc - *cap) * elem);
  *ptr = p;
  *cap = nc;
  return true;
}

int32_t ecnn_graph_add_tensor(ecnn_graph *g, const char *name, ecnn_dtype dtype, int32_t ndim,
                              const int32_t *dims, const void *data, size_t bytes) {
  if ((unsigned)dtype >= ECNN_DTYPE_COUNT) {
    ecnn_error(ECNN_STATUS_UNSUPPORTED, "tensor '%s': unknown dtype %d", name ? name : "",
               (int)dtype);
    return -1;
  }
  if (ndim < 0 || ndim > ECNN_MAX_DIMS || (ndim > 0 && !dims)) {
    ecnn_error(ECNN_STATUS_UNSUPPORTED, "tensor '%s': %d dimensions (at most %d supported)",
               name ? name : "", (int)ndim, ECNN_MAX_DIMS);
    return -1;
  }
  if (!grow((void **)&g->tensors, &g->cap_tensors, g->num_tensors + 1, sizeof(ecnn_tensor))) {
    ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory adding tensor %d", g->num_tensors);
    return -1;
  }
  ecnn_tensor *t = &g->tensors[g->num_tensors];
  memset(t, 0, sizeof *t);
  t->dtype = dtype;
  t->ndim = ndim;
  for (int32_t i = 0; i < ndim; i++) {
    if (dims[i] < 0) {
      ecnn_error(ECNN_STATUS_INVALID_MODEL, "tensor '%s': negative dimension %d",
                 name ? name : "", (int)dims[i]);
      return -1;
    }
    t->dims[i] = dims[i];
  }
  t->first_node = t->last_node = -1;
  size_t nlen = name ? strlen(name) : 0;
  t->name = malloc(nlen + 1);
  if (!t->name) {
    ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory adding tensor '%s'", name);
    return -1;
  }
  if (nlen) memcpy(t->name, name, nlen);
  t->name[nlen] = 0;
  g->num_tensors++; /* from here on, clear() frees what the tensor owns */
  if (ecnn_tensor_elements(t) > ECNN_MAX_TENSOR_ELEMENTS) {
    ecnn_error(ECNN_STATUS_UNSUPPORTED, "tensor '%s': too many elements", t->name);
    return -1;
  }
  if (data) {
    size_t need = ecnn_tensor_bytes(t);
    if (bytes != need) {
      ecnn_error(ECNN_STATUS_INVALID_MODEL,
                 "tensor '%s': constant data has %zu bytes, shape needs %zu", t->name, bytes,
                 need);
      return -1;
    }
    size_t alloc = (bytes + 63) & ~(size_t)63;
    t->data = aligned_alloc(64, alloc ? alloc : 64);
    if (!t->data) {
      ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory for tensor '%s' (%zu bytes)",
                 t->name, bytes);
      return -1;
    }
    if (bytes) memcpy(t->data, data, bytes);
    t->const_bytes = bytes;
  }
  return g->num_tensors - 1;
}

ecnn_status ecnn_graph_set_quant(ecnn_graph *g, int32_t tensor, int32_t count, int32_t axis,
                                 const float *scale, const int32_t *zero_point) {
  if (tensor < 0 || tensor >= g->num_tensors || count < 0 || (count > 0 && !scale))
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "bad quantization arguments");
  ecnn_tensor *t = &g->tensors[tensor];
  free(t->quant.scale);
  free(t->quant.zero_point);
  memset(&t->quant, 0, sizeof t->quant);
  if (count == 0) return ECNN_STATUS_OK;
  t->quant.scale = malloc((size_t)count * sizeof(float));
  t->quant.zero_point = calloc((size_t)count, sizeof(int32_t));
  if (!t->quant.scale || !t->quant.zero_point) {
    free(t->quant.scale);
    free(t->quant.zero_point);
    memset(&t->quant, 0, sizeof t->quant);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory for quantization of '%s'",
                      t->name);
  }
  memcpy(t->quant.scale, scale, (size_t)count * sizeof(float));
  if (zero_point) memcpy(t->quant.zero_point, zero_point, (size_t)count * sizeof(int32_t));
  t->quant.count = count;
  t->quant.axis = axis;
  return ECNN_STATUS_OK;
}

void ecnn_op_params_init(ecnn_op_params *p) {
  memset(p, 0, sizeof *p);
  p->padding = ECNN_PADDING_SAME;
  p->stride_w = p->stride_h = 1;
  p->dilation_w = p->dilation_h = 1;
  p->filter_w = p->filter_h = 1;
  p->depth_multiplier = 1;
  p->beta = 1.0f;
  p->num_squeeze_dims = -1;
}

int32_t ecnn_graph_add_node(ecnn_graph *g, ecnn_op op, const int32_t *inputs, int32_t num_inputs,
                            const int32_t *outputs, int32_t num_outputs,
                            const ecnn_op_params *params) {
  int32_t index = g->num_nodes;
  if ((unsigned)op >= ECNN_OP_COUNT) {
    ecnn_error(ECNN_STATUS_UNSUPPORTED, "op #%d: unknown operator %d", (int)index, (int)op);
    return -1;
  }
  if (num_inputs < 0 || num_inputs > ECNN_MAX_NODE_INPUTS || num_outputs < 1 ||
      num_outputs > ECNN_MAX_NODE_OUTPUTS || (num_inputs && !inputs) || !outputs) {
    ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: %d inputs / %d outputs (limits %d / %d)",
               ecnn_op_name(op), (int)index, (int)num_inputs, (int)num_outputs,
               ECNN_MAX_NODE_INPUTS, ECNN_MAX_NODE_OUTPUTS);
    return -1;
  }
  for (int32_t i = 0; i < num_inputs; i++)
    if (inputs[i] < -1 || inputs[i] >= g->num_tensors) {
      ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s #%d: input %d refers to tensor %d of %d",
                 ecnn_op_name(op), (int)index, (int)i, (int)inputs[i], (int)g->num_tensors);
      return -1;
    }
  for (int32_t i = 0; i < num_outputs; i++)
    if (outputs[i] < 0 || outputs[i] >= g->num_tensors) {
      ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s #%d: output %d refers to tensor %d of %d",
                 ecnn_op_name(op), (int)index, (int)i, (int)outputs[i], (int)g->num_tensors);
      return -1;
    }
  if (!grow((void **)&g->nodes, &g->cap_nodes, g->num_nodes + 1, sizeof(ecnn_node))) {
    ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory adding op #%d", (int)index);
    return -1;
  }
  ecnn_node *n = &g->nodes[g->num_nodes++];
  memset(n, 0, sizeof *n);
  n->op = op;
  n->index = index;
  n->num_inputs = num_inputs;
  n->num_outputs = num_outputs;
  for (int32_t i = 0; i < num_inputs; i++) n->inputs[i] = inputs[i];
  for (int32_t i = 0; i < num_outputs; i++) n->outputs[i] = outputs[i];
  if (params) n->params = *params;
  else ecnn_op_params_init(&n->params);
  return index;
}

static void format_shape(char *buf, size_t cap, int32_t ndim, const int32_t *dims) {
  size_t o = 0;
  o += (size_t)snprintf(buf + o, cap - o, "[");
  for (int32_t i = 0; i < ndim && o < cap; i++)
    o += (size_t)snprintf(buf + o, cap - o, i ? ",%d" : "%d", (int)dims[i]);
  if (o < cap) snprintf(buf + o, cap - o, "]");
}

static bool is_q8(ecnn_dtype d) { return d == ECNN_DTYPE_I8 || d == ECNN_DTYPE_U8; }

ecnn_status ecnn_graph_prepare(ecnn_graph *g) {
  ecnn_status st = ECNN_STATUS_OK;
  /* defined[t]: the tensor has a value when the next node runs */
  uint8_t *defined = calloc((size_t)g->num_tensors + 1, 1);
  if (!defined) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory preparing graph");
  if (g->num_inputs < 1 || g->num_outputs < 1) {
    st = ecnn_error(ECNN_STATUS_INVALID_MODEL, "the graph has %d inputs and %d outputs",
                    (int)g->num_inputs, (int)g->num_outputs);
    goto done;
  }
  for (int32_t i = 0; i < g->num_inputs + g->num_outputs; i++) {
    int32_t id = i < g->num_inputs ? g->inputs[i] : g->outputs[i - g->num_inputs];
    if (id < 0 || id >= g->num_tensors) {
      st = ecnn_error(ECNN_STATUS_INVALID_MODEL, "graph input/output refers to tensor %d of %d",
                      (int)id, (int)g->num_tensors);
      goto done;
    }
  }
  for (int32_t i = 0; i < g->num_tensors; i++) defined[i] = g->tensors[i].data != NULL;
  for (int32_t i = 0; i < g->num_inputs; i++) {
    ecnn_tensor *t = &g->tensors[g->inputs[i]];
    if (t->data) {
      st = ecnn_error(ECNN_STATUS_INVALID_MODEL, "graph input '%s' is a constant", t->name);
      goto done;
    }
    if (t->ndim == 0 || ecnn_tensor_elements(t) < 1) {
      st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "graph input '%s' has no static shape", t->name);
      goto done;
    }
    defined[g->inputs[i]] = 1;
  }
  for (int32_t k = 0; k < g->num_nodes; k++) {
    ecnn_node *n = &g->nodes[k];
    const char *opname = ecnn_op_name(n->op);
    for (int32_t i = 0; i < n->num_inputs; i++)
      if (n->inputs[i] >= 0 && !defined[n->inputs[i]]) {
        st = ecnn_error(ECNN_STATUS_INVALID_MODEL,
                        "%s #%d: input %d ('%s') is used before any op produces it", opname,
                        (int)n->index, (int)i, g->tensors[n->inputs[i]].name);
        goto done;
      }
    int32_t declared_ndim[ECNN_MAX_NODE_OUTPUTS];
    int32_t declared[ECNN_MAX_NODE_OUTPUTS][ECNN_MAX_DIMS];
    for (int32_t i = 0; i < n->num_outputs; i++) {
      ecnn_tensor *t = &g->tensors[n->outputs[i]];
      if (defined[n->outputs[i]]) {
        st = ecnn_error(ECNN_STATUS_INVALID_MODEL,
                        "%s #%d: output %d ('%s') is a constant, an input or already written",
                        opname, (int)n->index, (int)i, t->name);
        goto done;
      }
      declared_ndim[i] = t->ndim;
      memcpy(declared[i], t->dims, sizeof t->dims);
    }
    const ecnn_op_desc *d = &ecnn_ops[n->op];
    if (!d->prepare || !d->run) {
      st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: operator not implemented", opname,
                      (int)n->index);
      goto done;
    }
    st = d->prepare(g, n);
    if (st != ECNN_STATUS_OK) goto done;
    for (int32_t i = 0; i < n->num_outputs; i++) {
      ecnn_tensor *t = &g->tensors[n->outputs[i]];
      int64_t ne = ecnn_tensor_elements(t);
      if (ne < 0 || ne > ECNN_MAX_TENSOR_ELEMENTS) {
        st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: output '%s' would be too large",
                        opname, (int)n->index, t->name);
        goto done;
      }
      bool same = declared_ndim[i] == t->ndim &&
                  memcmp(declared[i], t->dims, (size_t)t->ndim * sizeof(int32_t)) == 0;
      if (declared_ndim[i] > 0 && !same) {
        char a[96], b[96];
        format_shape(a, sizeof a, declared_ndim[i], declared[i]);
        format_shape(b, sizeof b, t->ndim, t->dims);
        st = ecnn_error(ECNN_STATUS_INVALID_MODEL,
                        "%s #%d: output '%s' is declared %s but the inputs give %s", opname,
                        (int)n->index, t->name, a, b);
        goto done;
      }
      defined[n->outputs[i]] = 1;
    }
    /* the data input: TRANSPOSE_CONV's input 0 is its output_shape vector */
    const ecnn_tensor *in0 = ecnn_in(g, n, n->op == ECNN_OP_TRANSPOSE_CONV ? 2 : 0);
    n->quantized = in0 && is_q8(in0->dtype) && n->op != ECNN_OP_DEQUANTIZE &&
                   n->op != ECNN_OP_QUANTIZE;
    if (n->quantized) {
      const ecnn_op_desc *q = &ecnn_q8_ops[n->op];
      if (!q->run) {
        st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "%s #%d: %s input is not supported", opname,
                        (int)n->index, ecnn_dtype_name(in0->dtype));
        goto done;
      }
      if (q->prepare && (st = q->prepare(g, n)) != ECNN_STATUS_OK) goto done;
    }
  }
  for (int32_t i = 0; i < g->num_outputs; i++)
    if (!defined[g->outputs[i]]) {
      st = ecnn_error(ECNN_STATUS_INVALID_MODEL, "graph output '%s' is never produced",
                      g->tensors[g->outputs[i]].name);
      goto done;
    }
done:
  free(defined);
  return st;
}
