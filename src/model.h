/*
 * model.h — the model object's layout, shared by model.c and session.c (internal).
 */
#ifndef ECNN_MODEL_H
#define ECNN_MODEL_H

#include "graph.h"

struct ecnn_model {
  ecnn_graph graph; /* prepared and planned */
};

/* Describes tensor t in info (pointers refer into t). */
void ecnn_tensor_fill_info(const ecnn_tensor *t, ecnn_tensor_info *info);

#endif
