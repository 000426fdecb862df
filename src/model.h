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

/* Internal session accessors (session.c). */
const ecnn_model *ecnn_session_model(const ecnn_session *session);
const void *ecnn_session_tensor(const ecnn_session *session, int32_t tensor);
bool ecnn_session_has_run(const ecnn_session *session);

/* Describes tensor t in info (pointers refer into t). */
void ecnn_tensor_fill_info(const ecnn_tensor *t, ecnn_tensor_info *info);

#endif
