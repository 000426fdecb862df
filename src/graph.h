/*
 * graph.h — the engine's internal graph IR: tensors, nodes (ops with their parsed options) and
 * the graph that owns them. The TFLite loader builds it; op prepare functions infer shapes and
 * validate it; the planner assigns arena offsets; sessions run it. Tests build small graphs
 * directly with the builder functions below.
 */
#ifndef ECNN_GRAPH_H
#define ECNN_GRAPH_H

#include "edgecnn.h"
#include "status.h"

typedef enum ecnn_op {
#define ECNN_OP(e, n, c) ECNN_OP_##e,
#include "ops/ops.inc"
#undef ECNN_OP
  ECNN_OP_COUNT
} ecnn_op;

/* "CONV_2D" etc.; "UNKNOWN" when out of range. */
const char *ecnn_op_name(ecnn_op op);

typedef enum ecnn_padding { ECNN_PADDING_SAME = 0, ECNN_PADDING_VALID = 1 } ecnn_padding;

/* TFLite fused activations (same numbering as the schema's ActivationFunctionType). */
typedef enum ecnn_activation {
  ECNN_ACT_NONE = 0,
  ECNN_ACT_RELU = 1,
  ECNN_ACT_RELU_N1_TO_1 = 2,
  ECNN_ACT_RELU6 = 3,
  ECNN_ACT_TANH = 4,
  ECNN_ACT_SIGN_BIT = 5, /* rejected at load */
} ecnn_activation;

/* Per-tensor or per-channel quantization. */
typedef struct ecnn_quant {
  int32_t count;       /* 0 = not quantized; 1 = per tensor; >1 = per channel along `axis` */
  int32_t axis;        /* quantized dimension for per-channel */
  float *scale;        /* count entries, owned by the graph */
  int32_t *zero_point; /* count entries, owned by the graph */
} ecnn_quant;

typedef struct ecnn_tensor {
  char *name;        /* owned; never NULL after loading ("" if the file has none) */
  ecnn_dtype dtype;
  int32_t ndim;
  int32_t dims[ECNN_MAX_DIMS];
  ecnn_quant quant;
  /* constant data (weights, shape vectors): 64-byte aligned, owned by the graph; NULL for
   * activations. const_bytes equals the tensor's byte size. */
  void *data;
  size_t const_bytes;
  bool is_input, is_output;
  bool keep_alive; /* planned to live until the end of a run (read after it, e.g. CAM features) */
  /* data holds the packed layout of the CONV_2D that reads it, not the file's: the model
   * dropped the original after packing. Float: ecnn_f32_conv2d_pack's (weights then bias);
   * int8 / uint8: an ecnn_q8_packed block (ecnn_q8_conv2d_pack; ecnn_q8_conv2d_unpack gives
   * the file's layout back). const_bytes stays the file layout's size. */
  bool packed;
  /* planner results (activations only) */
  size_t arena_offset; /* bytes from the arena start, 64-byte aligned */
  int32_t first_node, last_node; /* lifetime in node indices; -1 when unused */
} ecnn_tensor;

#define ECNN_MAX_NODE_INPUTS 16
#define ECNN_MAX_NODE_OUTPUTS 4
#define ECNN_MAX_GRAPH_IO 16

/* TFLite_Detection_PostProcess options (from the custom op's flexbuffer map). */
typedef struct ecnn_detpp_options {
  int32_t max_detections;
  int32_t max_classes_per_detection;
  int32_t detections_per_class;
  int32_t num_classes; /* without background */
  float nms_score_threshold, nms_iou_threshold;
  float y_scale, x_scale, h_scale, w_scale;
  bool use_regular_nms;
} ecnn_detpp_options;

/* Parsed builtin options; each op reads the fields it needs. */
typedef struct ecnn_op_params {
  ecnn_padding padding;
  int32_t stride_w, stride_h;     /* >= 1 */
  int32_t dilation_w, dilation_h; /* >= 1 */
  int32_t filter_w, filter_h;     /* pooling */
  int32_t depth_multiplier;
  ecnn_activation activation;
  int32_t axis;                   /* concatenation, softmax */
  bool keep_dims;                 /* mean, fully connected (keep_num_dims) */
  bool align_corners, half_pixel_centers;
  float beta;                     /* softmax */
  float alpha;                    /* leaky relu */
  int32_t num_squeeze_dims;       /* squeeze: -1 = all size-1 dims */
  int32_t squeeze_dims[ECNN_MAX_DIMS];
  int32_t num_new_shape;          /* reshape options' new_shape, when no shape tensor */
  int32_t new_shape[ECNN_MAX_DIMS];
  ecnn_detpp_options detpp;
} ecnn_op_params;

typedef struct ecnn_node {
  ecnn_op op;
  int32_t index;  /* the op's index in the original file (for messages) */
  int32_t num_inputs, num_outputs;
  int32_t inputs[ECNN_MAX_NODE_INPUTS];   /* tensor ids; -1 = optional input absent */
  int32_t outputs[ECNN_MAX_NODE_OUTPUTS];
  ecnn_op_params params;
  /* op-private data computed at prepare (e.g. requantization multipliers); freed with the
   * graph via free(). */
  void *priv;
  int64_t macs;   /* filled by prepare */
  bool quantized; /* set by ecnn_graph_prepare: runs through ecnn_q8_ops */
  /* Load-time fusion (model.c); the graph itself is unchanged (other backends run every
   * node). The native runner skips a node that is fused_away: node fused_by does its work.
   * output_away: its outputs are never written (they get no arena space). A
   * DEPTHWISE_CONV_2D that fuses_prev computes the pointwise CONV_2D right before it, with
   * scratch_bytes of per-thread scratch. A CONV_2D that fuses_next computes the residual ADD
   * node fused_add (right after it, or after a channel PAD that is fused away too): it adds
   * tensor `residual` (residual_c channels; the missing ones are the PAD's zeros) and writes
   * the ADD's output. */
  bool fused_away, output_away, fuses_prev, fuses_next;
  bool fuses_project; /* a depthwise that fuses_prev also runs the 1x1 CONV_2D after it on
                       * each band (that conv's own fusions included) */
  int32_t fused_by, fused_add, residual, residual_c;
  size_t scratch_bytes;
  /* a pruned float 1x1 CONV_2D: its packed weights' non-zero rows per channel block
   * (ecnn_f32_conv2d_sparse_rows), read by the sparse kernel; NULL otherwise. Freed with the
   * graph. */
  int32_t *sparse_rows;
} ecnn_node;

typedef struct ecnn_graph {
  ecnn_tensor *tensors;
  int32_t num_tensors, cap_tensors;
  ecnn_node *nodes;
  int32_t num_nodes, cap_nodes;
  int32_t inputs[ECNN_MAX_GRAPH_IO], outputs[ECNN_MAX_GRAPH_IO];
  int32_t num_inputs, num_outputs;
  size_t arena_bytes; /* planner result */
} ecnn_graph;

void ecnn_graph_init(ecnn_graph *g);
/* Frees everything the graph owns (tensor names, constant data, quant arrays, node priv). */
void ecnn_graph_clear(ecnn_graph *g);

/* Adds a tensor (name copied; data copied into aligned storage when non-NULL, `bytes` must
 * then equal the tensor size). Returns its id, or -1 with an error set. */
int32_t ecnn_graph_add_tensor(ecnn_graph *g, const char *name, ecnn_dtype dtype, int32_t ndim,
                              const int32_t *dims, const void *data, size_t bytes);
/* Sets per-tensor/per-channel quantization (arrays copied). */
ecnn_status ecnn_graph_set_quant(ecnn_graph *g, int32_t tensor, int32_t count, int32_t axis,
                                 const float *scale, const int32_t *zero_point);
/* Appends a node; params may be NULL (zeroed, strides/dilations 1). Returns its index or -1. */
int32_t ecnn_graph_add_node(ecnn_graph *g, ecnn_op op, const int32_t *inputs, int32_t num_inputs,
                            const int32_t *outputs, int32_t num_outputs,
                            const ecnn_op_params *params);
/* Default params: stride/dilation 1, depth_multiplier 1, beta 1, SAME padding, no activation. */
void ecnn_op_params_init(ecnn_op_params *p);

/* Element count of a tensor (product of dims; 1 for a scalar). */
int64_t ecnn_tensor_elements(const ecnn_tensor *t);
/* Byte size (elements x dtype size). */
size_t ecnn_tensor_bytes(const ecnn_tensor *t);
static inline bool ecnn_tensor_is_const(const ecnn_tensor *t) { return t->data != NULL; }

/* Runs every node's prepare in order (shape inference and validation), checking inferred
 * output shapes against any shapes the file declared. Fills node->macs. */
ecnn_status ecnn_graph_prepare(ecnn_graph *g);

/* Assigns arena offsets to every non-constant tensor (graph inputs and outputs included) from
 * tensor lifetimes, greedy by size, so that no two simultaneously live tensors overlap; sets
 * g->arena_bytes. Fails when the arena would exceed ECNN_MAX_ARENA_BYTES. */
#define ECNN_MAX_ARENA_BYTES ((size_t)1 << 31)
/* Largest element count of one tensor. */
#define ECNN_MAX_TENSOR_ELEMENTS ((int64_t)1 << 30)
ecnn_status ecnn_graph_plan(ecnn_graph *g);
/* The same with fusion honoured or not: with `fused`, the outputs of nodes whose work a
 * neighbour does elsewhere get no space (their first_node stays -1), and the fused pairs'
 * lifetimes cover both nodes; without, every node is planned as if it ran on its own (what
 * the XNNPACK backend's sessions need). ecnn_graph_plan(g) is the fused plan. */
ecnn_status ecnn_graph_plan_fusion(ecnn_graph *g, bool fused);

#endif /* ECNN_GRAPH_H */
