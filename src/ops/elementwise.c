/*
 * elementwise.c — the binary ops ADD, SUB, MUL, DIV (with a fused activation) and MAXIMUM,
 * MINIMUM: validation and shape inference (NumPy/TFLite broadcasting over up to 6 dims, for
 * float32 and int8/uint8 graphs alike) once per model load, and the float32 run, which hands
 * the broadcast geometry to ecnn_f32_binary__scalar (same-shape and scalar fast paths, strided
 * general path) and applies the fused activation. MACs = output elements.
 */
#include "../kernels/eltwise.h"
#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

/* Shared by the six ops: two data inputs of one dtype, output of that dtype, broadcast. */
static ecnn_status binary_prepare(ecnn_graph *g, ecnn_node *n, bool fused_act) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 2, 2, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *a = ecnn_in(g, n, 0), *b = ecnn_in(g, n, 1);
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if ((st = ecnn_check_data_type(n, a, "input 0")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_data_type(n, b, "input 1")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_data_type(n, out, "output")) != ECNN_STATUS_OK) return st;
  if (a->dtype != b->dtype || out->dtype != a->dtype)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "mixed dtypes %s, %s -> %s", OPARG,
                      ecnn_dtype_name(a->dtype), ecnn_dtype_name(b->dtype),
                      ecnn_dtype_name(out->dtype));
  if (fused_act && (st = ecnn_check_activation(n, n->params.activation)) != ECNN_STATUS_OK)
    return st;
  int32_t nd, dims[ECNN_MAX_DIMS];
  if ((st = ecnn_broadcast_shape(n, a, b, &nd, dims)) != ECNN_STATUS_OK) return st;
  ecnn_set_shape(out, nd, dims);
  n->macs = ecnn_tensor_elements(out);
  return ECNN_STATUS_OK;
}

static ecnn_status binary_run(const ecnn_op_ctx *ctx, ecnn_binary_op op, bool fused_act) {
  const ecnn_node *n = ctx->node;
  const ecnn_tensor *a = ecnn_in(ctx->graph, n, 0), *b = ecnn_in(ctx->graph, n, 1);
  ecnn_binary_params p;
  if (!ecnn_binary_params_init(&p, op, a->ndim, a->dims, b->ndim, b->dims))
    return ecnn_error(ECNN_STATUS_INVALID_STATE, OPFMT "input shapes do not broadcast", OPARG);
  float *y = ecnn_ctx_out(ctx, 0);
  ecnn_f32_binary__scalar(&p, ecnn_ctx_in(ctx, 0), ecnn_ctx_in(ctx, 1), y);
  if (fused_act) {
    int64_t total = 1;
    for (int32_t d = 0; d < p.ndim; d++) total *= p.out_dims[d];
    ecnn_activate_n(y, total, n->params.activation);
  }
  return ECNN_STATUS_OK;
}

/* ADD: out = act(a + b). Needs two broadcastable data inputs of one dtype. */
ecnn_status ecnn_op_add_prepare(ecnn_graph *g, ecnn_node *n) { return binary_prepare(g, n, true); }
/* Float32 ADD run (shapes as prepared). */
ecnn_status ecnn_op_add_run(const ecnn_op_ctx *ctx) {
  return binary_run(ctx, ECNN_BINARY_ADD, true);
}

/* SUB: out = act(a - b). */
ecnn_status ecnn_op_sub_prepare(ecnn_graph *g, ecnn_node *n) { return binary_prepare(g, n, true); }
/* Float32 SUB run. */
ecnn_status ecnn_op_sub_run(const ecnn_op_ctx *ctx) {
  return binary_run(ctx, ECNN_BINARY_SUB, true);
}

/* MUL: out = act(a * b). */
ecnn_status ecnn_op_mul_prepare(ecnn_graph *g, ecnn_node *n) { return binary_prepare(g, n, true); }
/* Float32 MUL run. */
ecnn_status ecnn_op_mul_run(const ecnn_op_ctx *ctx) {
  return binary_run(ctx, ECNN_BINARY_MUL, true);
}

/* DIV: out = act(a / b) (IEEE division: x / 0 gives +-inf, as TFLite's float kernel). */
ecnn_status ecnn_op_div_prepare(ecnn_graph *g, ecnn_node *n) { return binary_prepare(g, n, true); }
/* Float32 DIV run. */
ecnn_status ecnn_op_div_run(const ecnn_op_ctx *ctx) {
  return binary_run(ctx, ECNN_BINARY_DIV, true);
}

/* MAXIMUM: out = max(a, b) (no fused activation in TFLite). */
ecnn_status ecnn_op_maximum_prepare(ecnn_graph *g, ecnn_node *n) {
  return binary_prepare(g, n, false);
}
/* Float32 MAXIMUM run. */
ecnn_status ecnn_op_maximum_run(const ecnn_op_ctx *ctx) {
  return binary_run(ctx, ECNN_BINARY_MAX, false);
}

/* MINIMUM: out = min(a, b). */
ecnn_status ecnn_op_minimum_prepare(ecnn_graph *g, ecnn_node *n) {
  return binary_prepare(g, n, false);
}
/* Float32 MINIMUM run. */
ecnn_status ecnn_op_minimum_run(const ecnn_op_ctx *ctx) {
  return binary_run(ctx, ECNN_BINARY_MIN, false);
}
