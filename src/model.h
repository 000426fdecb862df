/*
 * model.h — the model object's layout, shared by model.c and session.c (internal).
 */
#ifndef ECNN_MODEL_H
#define ECNN_MODEL_H

#include "graph.h"

struct ecnn_model {
  ecnn_graph graph; /* prepared and planned */
  /* class activation map: the features before the global pool (kept alive by the planner),
   * and the classifier node whose weights [classes x channels] weigh them; -1 when none */
  int32_t cam_features, cam_node;
  /* the arena plan without fusion, for sessions that run every node (XNNPACK backend): per
   * tensor its offset, or SIZE_MAX when it needs no space; and the arena size */
  size_t *unfused_offsets;
  size_t unfused_arena_bytes;
};

/* Takes ownership of a built graph (g is emptied): prepares it, finds the CAM structure and
 * plans the arena. Used by the loader path and by tests that build graphs by hand. */
ecnn_status ecnn_model_from_graph(ecnn_graph *g, ecnn_model **model);
/* The same with the load-time fusions chosen: activations into their producers, and the
 * conv / depthwise / projection / residual ADD fusions (`blocks`). ecnn_model_from_graph
 * does both unless ECNN_NO_FUSION=1. */
ecnn_status ecnn_model_from_graph_fused(ecnn_graph *g, bool activations, bool blocks,
                                        ecnn_model **model);

/* A RELU / RELU6 / RELU_N1_TO_1 whose input is the sole use of a float CONV_2D /
 * DEPTHWISE_CONV_2D / FULLY_CONNECTED / ADD / SUB / MUL output without an activation becomes
 * that op's fused activation; the activation node disappears (its input tensor is then
 * unused). Returns the nodes removed; the graph needs ecnn_graph_prepare again after. */
int32_t ecnn_graph_fuse_activations(ecnn_graph *g);

/* Internal session accessors (session.c). */
const ecnn_model *ecnn_session_model(const ecnn_session *session);
const void *ecnn_session_tensor(const ecnn_session *session, int32_t tensor);
bool ecnn_session_has_run(const ecnn_session *session);
/* Calls fn after every node a native session runs, with the tensors' data as the node left
 * them (a node fused into another is not called; build the model without block fusion to see
 * every tensor). fn NULL removes it. */
typedef void (*ecnn_node_observer)(void *user, const ecnn_graph *g, const ecnn_node *node,
                                   void *const *data);
void ecnn_session_set_observer(ecnn_session *session, ecnn_node_observer fn, void *user);

/* Describes tensor t in info (pointers refer into t). */
void ecnn_tensor_fill_info(const ecnn_tensor *t, ecnn_tensor_info *info);

#endif
