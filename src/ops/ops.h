/*
 * ops.h — the interface every operator implements, and helpers the op files share.
 *
 * Per op (src/ops/<name>.c):
 *   ecnn_status ecnn_op_<name>_prepare(ecnn_graph *g, ecnn_node *n);
 *       validates input count, dtypes, constant-ness and option values, writes the output
 *       tensor shapes/dtypes (shape inference) and n->macs. Errors name the op and n->index:
 *       ecnn_error(ECNN_STATUS_INVALID_MODEL, "CONV_2D #%d: ...", n->index, ...).
 *   ecnn_status ecnn_op_<name>_run(const ecnn_op_ctx *ctx);
 *       computes the float32 result (reference kernels live in src/kernels/scalar/).
 * Quantized (int8/uint8) execution: src/ops/q8/ fills ecnn_q8_ops[] with the same shape.
 * The float prepare does shape inference for every dtype: it accepts F32, I8 and U8 data
 * tensors (ecnn_check_data_type) and gives outputs the dtype the file declared. After it,
 * ecnn_graph_prepare() calls ecnn_q8_ops[op].prepare when the node's first input is I8/U8,
 * and fails with UNSUPPORTED ("OP #i: int8 ... not supported") when that entry is NULL.
 * QUANTIZE and DEQUANTIZE are conversions and handle their dtypes in the float entry.
 */
#ifndef ECNN_OPS_H
#define ECNN_OPS_H

#include "../graph.h"

struct ecnn_threadpool;

typedef struct ecnn_op_ctx {
  const ecnn_graph *graph;
  struct ecnn_threadpool *pool; /* the session's threads (NULL: run inline) */
  const ecnn_node *node;
  void *const *data; /* data pointer of every tensor id (constants and arena) */
  void *scratch;     /* per-thread scratch of fused nodes: the slice of thread i (its index
                      * in ctx->pool, ecnn_threadpool_current) is scratch + i * scratch_bytes,
                      * scratch_bytes >= the node's scratch_bytes; NULL when no node needs it */
  size_t scratch_bytes;
  bool unfused; /* run every node as the file has it, ignoring load-time fusion (the XNNPACK
                 * backend's native stretches, which may border XNNPACK's) */
} ecnn_op_ctx;

typedef ecnn_status (*ecnn_op_prepare_fn)(ecnn_graph *g, ecnn_node *n);
typedef ecnn_status (*ecnn_op_run_fn)(const ecnn_op_ctx *ctx);

typedef struct ecnn_op_desc {
  const char *name;
  ecnn_op_prepare_fn prepare; /* float and shape path */
  ecnn_op_run_fn run;         /* float32 */
} ecnn_op_desc;

/* Indexed by ecnn_op. */
extern const ecnn_op_desc ecnn_ops[ECNN_OP_COUNT];
/* Quantized variants (src/ops/q8/registry_q8.c): prepare computes requantization data in
 * node->priv after the float prepare ran; NULL entries mean "int8 not supported for this op". */
extern const ecnn_op_desc ecnn_q8_ops[ECNN_OP_COUNT];

#define ECNN_OP(e, n, c)                                                                      \
  ecnn_status ecnn_op_##n##_prepare(ecnn_graph *g, ecnn_node *node);                          \
  ecnn_status ecnn_op_##n##_run(const ecnn_op_ctx *ctx);
#include "ops.inc"
#undef ECNN_OP

/* ---- shared helpers (src/ops/common.c) ---- */

/* Tensor of input i / output i of the node; NULL if absent (-1). */
static inline const ecnn_tensor *ecnn_in(const ecnn_graph *g, const ecnn_node *n, int32_t i) {
  return (i < n->num_inputs && n->inputs[i] >= 0) ? &g->tensors[n->inputs[i]] : NULL;
}
static inline ecnn_tensor *ecnn_out(ecnn_graph *g, const ecnn_node *n, int32_t i) {
  return (i < n->num_outputs && n->outputs[i] >= 0) ? &g->tensors[n->outputs[i]] : NULL;
}
static inline void *ecnn_ctx_in(const ecnn_op_ctx *ctx, int32_t i) {
  return (i < ctx->node->num_inputs && ctx->node->inputs[i] >= 0)
             ? ctx->data[ctx->node->inputs[i]]
             : NULL;
}
static inline void *ecnn_ctx_out(const ecnn_op_ctx *ctx, int32_t i) {
  return ctx->data[ctx->node->outputs[i]];
}

/* TFLite's output size and leading padding for one spatial dimension. Returns the output
 * size (>= 1) or -1 when the configuration yields no output. */
int32_t ecnn_conv_out_size(int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                           ecnn_padding padding, int32_t *pad_before);

/* Applies a fused activation to one value / to n values in place. */
float ecnn_activate(float x, ecnn_activation act);
void ecnn_activate_n(float *x, int64_t n, ecnn_activation act);
/* The clamp range [lo, hi] of a fused activation (NONE: +-infinity); TANH is not a clamp and
 * gives +-infinity too (ops apply it after their kernel). */
void ecnn_activation_range(ecnn_activation act, float *lo, float *hi);
/* A float kernel refuses a quantized node that reached it (it would misread the data): OK when
 * the node's input `data_input` is float32, else UNSUPPORTED naming the op. */
ecnn_status ecnn_check_f32_run(const ecnn_op_ctx *ctx, int32_t data_input);
/* Validates a fused activation value from a file. */
ecnn_status ecnn_check_activation(const ecnn_node *n, ecnn_activation act);

/* Checks node input/output counts; error names the op. */
ecnn_status ecnn_check_io(const ecnn_node *n, int32_t min_in, int32_t max_in, int32_t num_out);
/* Checks that a tensor is float32 (message names op, role and dtype). */
ecnn_status ecnn_check_f32(const ecnn_node *n, const ecnn_tensor *t, const char *role);
/* Checks that a data tensor is F32, I8 or U8 (quantized ones must carry quantization). */
ecnn_status ecnn_check_data_type(const ecnn_node *n, const ecnn_tensor *t, const char *role);
/* Dtypes of a weighted op (conv, depthwise, transpose conv, FC): input and output the same
 * data type; float32 data with float32 weights and bias, or int8/uint8 data with quantized
 * weights and int32 bias (bias may be NULL). Errors name the op. */
ecnn_status ecnn_check_weighted_types(const ecnn_node *n, const ecnn_tensor *in,
                                      const ecnn_tensor *w, const ecnn_tensor *bias,
                                      const ecnn_tensor *out);
/* Checks a tensor is present and constant (weights, shape vectors). */
ecnn_status ecnn_check_const(const ecnn_node *n, const ecnn_tensor *t, const char *role);
/* Sets an output's inferred shape (the dtype stays as declared; check it with
 * ecnn_check_data_type). ecnn_graph_prepare compares it with the declared shape afterwards. */
void ecnn_set_shape(ecnn_tensor *t, int32_t ndim, const int32_t *dims);
/* NumPy/TFLite broadcasting of two shapes (up to ECNN_MAX_DIMS); fails naming the op. */
ecnn_status ecnn_broadcast_shape(const ecnn_node *n, const ecnn_tensor *a, const ecnn_tensor *b,
                                 int32_t *ndim, int32_t *dims);

/* ---- fusion of a CONV_2D into the DEPTHWISE_CONV_2D after it (model.c) ---- */

/* Per-thread scratch bytes the depthwise node `dw` needs to compute the CONV_2D `conv` that
 * produces its input band by band (the tensor between them then stays in cache), or 0 when
 * the pair cannot be fused: conv must be a float CONV_2D on packed weights (1x1 or KxK) whose
 * output is over 1 MB, dw a float depthwise of multiplier 1 reading it, both with a clamp
 * activation (or none). Graph-level conditions (conv's output used only by dw) are the
 * caller's. */
size_t ecnn_depthwise_fused_scratch(const ecnn_graph *g, const ecnn_node *conv,
                                    const ecnn_node *dw);
/* Whether CONV_2D node n runs on packed weights (float, groups 1, in_c within the packed
 * kernels' limit), and packing them into n->priv (model.c, once the graph is final; a no-op
 * for other nodes or when already packed). */
bool ecnn_conv2d_packable(const ecnn_graph *g, const ecnn_node *n);
ecnn_status ecnn_conv2d_pack(ecnn_graph *g, ecnn_node *n);
/* Packs an int8 CONV_2D's or FULLY_CONNECTED's (as a 1x1 CONV_2D) weights for the AVX2 or the
 * AVX-512 VNNI kernel (q8_ops.c; model.c, once the graph is final; a no-op for other nodes,
 * without AVX2, or when already packed): with `own` (no other node reads the weights) the
 * packed copy replaces the file's layout in the weights tensor (ecnn_tensor.packed), so that
 * the weights are in memory once, as int8; else the node keeps it. */
ecnn_status ecnn_q8_conv2d_pack_weights(ecnn_graph *g, ecnn_node *n, bool own);
/* After the pack: a 1x1 CONV_2D whose packed weights have at least a fifth of their rows zero
 * (a pruned model) gets its row index (node->sparse_rows) for the sparse AVX2 kernel. */
void ecnn_conv2d_find_sparse(const ecnn_graph *g, ecnn_node *n);
/* Whether PAD / PADV2 node n only appends zero channels to a float tensor (every padding 0
 * but the last dimension's `after`); *in_channels = the input's channel count (pad.c). */
bool ecnn_pad_channels_only(const ecnn_graph *g, const ecnn_node *n, int32_t *in_channels);
/* Whether float CONV_2D `conv` (no activation of its own) can compute the ADD `add` right
 * after it that adds conv's output to another tensor of the same shape (a residual
 * connection): conv then writes add's output, with add's activation (conv2d.c). Graph-level
 * conditions (conv's output used only by add) are the caller's. */
bool ecnn_conv2d_can_fuse_add(const ecnn_graph *g, const ecnn_node *conv, const ecnn_node *add);
/* Whether CONV_2D node n can run inside a fused depthwise's bands as its projection: float,
 * packed, pointwise (1x1, stride 1, no padding), a clamp activation (conv2d.c). */
bool ecnn_conv2d_can_project(const ecnn_graph *g, const ecnn_node *n);
/* Runs such a node on npx of its pixels, from px0 on (flat), whose input rows are at `in`
 * (contiguous): writes its output, or, when it fuses_next, its residual ADD's output. data:
 * every tensor's data pointer (the session's). Calling thread only. */
void ecnn_conv2d_project(const ecnn_graph *g, const ecnn_node *n, void *const *data,
                         const float *in, int64_t px0, int64_t npx);
/* Per-thread scratch a fused depthwise adds to hold one band of its own output for the
 * projection (depthwise_conv2d.c). */
size_t ecnn_depthwise_project_scratch(const ecnn_graph *g, const ecnn_node *dw);
/* Geometry of a float CONV_2D node (validated as at prepare). */
struct ecnn_conv_params;
ecnn_status ecnn_conv2d_geometry(const ecnn_graph *g, const ecnn_node *n,
                                 struct ecnn_conv_params *p);
/* Runs CONV_2D node n on the calling thread over the geometry p (n's weights; p may describe
 * fewer rows than the node's tensors): the active ISA's packed kernel when n has packed
 * weights, else the reference kernel on w and bias (n's weights and bias; bias may be NULL).
 * Clamp activations only (TANH is the caller's). */
void ecnn_conv2d_compute(const ecnn_graph *g, const ecnn_node *n,
                         const struct ecnn_conv_params *p, const float *in, const float *w,
                         const float *bias, float *out);

#endif /* ECNN_OPS_H */
