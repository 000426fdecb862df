/*
 * xnnpack.h — the optional XNNPACK backend (internal): the same prepared graph, cut into runs
 * of consecutive nodes XNNPACK's subgraph API can express; each run becomes one XNNPACK
 * runtime, the other nodes run on the native kernels. Tensors that cross a run's boundary live
 * in the session's arena, so native nodes and runtimes exchange data without copies.
 * Built only when meson finds libXNNPACK (feature `xnnpack`); otherwise ecnn_xnn_create fails
 * with UNSUPPORTED. This is the speed yardstick, not the product path. Float32 nodes run on
 * XNNPACK's F32 operators, int8 ones (TFLite's integer semantics) on its QS8 / QC8 operators.
 */
#ifndef ECNN_BACKEND_XNNPACK_H
#define ECNN_BACKEND_XNNPACK_H

#include "../ops/ops.h"

typedef struct ecnn_xnn_plan ecnn_xnn_plan;

/* True when this build has the backend. */
bool ecnn_xnn_available(void);
/* Builds the plan for a prepared, planned graph. data[] are the session's tensor pointers
 * (constants and arena slots; kept, must outlive the plan). threads >= 1. */
ecnn_status ecnn_xnn_create(const ecnn_graph *g, void *const *data, int32_t threads,
                            ecnn_xnn_plan **plan);
/* Runs every node in order: XNNPACK runtimes for their runs, native kernels for the rest. */
ecnn_status ecnn_xnn_run(ecnn_xnn_plan *plan, ecnn_op_ctx *ctx);
/* Whether ecnn_xnn_create gives node k of a prepared graph to XNNPACK (false for an index
 * out of range, or without the backend). */
bool ecnn_xnn_node_supported(const ecnn_graph *g, int32_t k);
/* Number of nodes XNNPACK executes (for reports). */
int32_t ecnn_xnn_delegated_nodes(const ecnn_xnn_plan *plan);
void ecnn_xnn_free(ecnn_xnn_plan *plan);

#endif
