/*
 * model.c — the public model object: reads a .tflite file, parses it (loader/tflite.c),
 * prepares (shape inference, validation) and plans the graph, and answers questions about it
 * (inputs, outputs, ops, MACs, parameters, arena size). Load-time only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "loader/tflite.h"
#include "model.h"

#define MAX_MODEL_FILE_BYTES ((long)1 << 31)

ecnn_status ecnn_model_load_buffer(const void *data, size_t size, ecnn_model **model) {
  if (!model) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "model pointer is NULL");
  *model = NULL;
  if (!data || size == 0)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "model data is empty");
  ecnn_model *m = calloc(1, sizeof *m);
  if (!m) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory loading model");
  ecnn_graph_init(&m->graph);
  ecnn_status st = ecnn_tflite_parse(data, size, &m->graph);
  if (st == ECNN_STATUS_OK) st = ecnn_graph_prepare(&m->graph);
  if (st == ECNN_STATUS_OK) st = ecnn_graph_plan(&m->graph);
  if (st != ECNN_STATUS_OK) {
    ecnn_model_free(m);
    return st;
  }
  *model = m;
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_model_load_file(const char *path, ecnn_model **model) {
  if (!model || !path)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "model path or pointer is NULL");
  *model = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return ecnn_error(ECNN_STATUS_IO_ERROR, "cannot open model file '%s'", path);
  long n = -1;
  if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return ecnn_error(ECNN_STATUS_IO_ERROR, "cannot read model file '%s'", path);
  }
  if (n == 0 || n > MAX_MODEL_FILE_BYTES) {
    fclose(f);
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "model file '%s' has %ld bytes", path, n);
  }
  uint8_t *buf = malloc((size_t)n);
  if (!buf) {
    fclose(f);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory reading '%s'", path);
  }
  size_t got = fread(buf, 1, (size_t)n, f);
  fclose(f);
  if (got != (size_t)n) {
    free(buf);
    return ecnn_error(ECNN_STATUS_IO_ERROR, "short read on model file '%s'", path);
  }
  ecnn_status st = ecnn_model_load_buffer(buf, (size_t)n, model);
  free(buf);
  if (st != ECNN_STATUS_OK) return ecnn_error_prefix(st, "%s", path);
  return ECNN_STATUS_OK;
}

void ecnn_model_free(ecnn_model *model) {
  if (!model) return;
  ecnn_graph_clear(&model->graph);
  free(model);
}

int32_t ecnn_model_input_count(const ecnn_model *model) {
  return model ? model->graph.num_inputs : 0;
}

int32_t ecnn_model_output_count(const ecnn_model *model) {
  return model ? model->graph.num_outputs : 0;
}

void ecnn_tensor_fill_info(const ecnn_tensor *t, ecnn_tensor_info *info) {
  memset(info, 0, sizeof *info);
  info->name = t->name;
  info->dtype = t->dtype;
  info->ndim = t->ndim;
  memcpy(info->dims, t->dims, sizeof info->dims);
  info->bytes = ecnn_tensor_bytes(t);
  if (t->quant.count > 0) {
    info->scale = t->quant.scale[0];
    info->zero_point = t->quant.zero_point[0];
  }
}

static ecnn_status io_info(const ecnn_model *model, int32_t index, bool input,
                           ecnn_tensor_info *info) {
  if (!model || !info) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "NULL argument");
  const ecnn_graph *g = &model->graph;
  int32_t count = input ? g->num_inputs : g->num_outputs;
  if (index < 0 || index >= count)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "%s index %d out of range (model has %d)",
                      input ? "input" : "output", (int)index, (int)count);
  ecnn_tensor_fill_info(&g->tensors[input ? g->inputs[index] : g->outputs[index]], info);
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_model_input_info(const ecnn_model *model, int32_t index, ecnn_tensor_info *info) {
  return io_info(model, index, true, info);
}

ecnn_status ecnn_model_output_info(const ecnn_model *model, int32_t index,
                                   ecnn_tensor_info *info) {
  return io_info(model, index, false, info);
}

int32_t ecnn_model_op_count(const ecnn_model *model) { return model ? model->graph.num_nodes : 0; }

const char *ecnn_model_op_name(const ecnn_model *model, int32_t index) {
  if (!model || index < 0 || index >= model->graph.num_nodes) return NULL;
  return ecnn_op_name(model->graph.nodes[index].op);
}

ecnn_status ecnn_model_get_stats(const ecnn_model *model, ecnn_model_stats *stats) {
  if (!model || !stats) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "NULL argument");
  const ecnn_graph *g = &model->graph;
  memset(stats, 0, sizeof *stats);
  uint8_t *counted = calloc((size_t)g->num_tensors + 1, 1);
  if (!counted) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
  for (int32_t k = 0; k < g->num_nodes; k++) {
    const ecnn_node *n = &g->nodes[k];
    stats->macs += n->macs;
    for (int32_t i = 0; i < n->num_inputs; i++) {
      int32_t id = n->inputs[i];
      if (id < 0 || counted[id] || !g->tensors[id].data) continue;
      counted[id] = 1;
      /* shape vectors (int32 constants such as RESHAPE's) are not parameters */
      if (g->tensors[id].dtype == ECNN_DTYPE_I32 && g->tensors[id].ndim <= 1 &&
          n->op != ECNN_OP_CONV_2D && n->op != ECNN_OP_DEPTHWISE_CONV_2D &&
          n->op != ECNN_OP_FULLY_CONNECTED && n->op != ECNN_OP_TRANSPOSE_CONV)
        continue;
      stats->params += ecnn_tensor_elements(&g->tensors[id]);
      stats->weight_bytes += (int64_t)g->tensors[id].const_bytes;
    }
  }
  for (int32_t i = 0; i < g->num_tensors; i++)
    if (!g->tensors[i].data && g->tensors[i].first_node >= 0)
      stats->naive_bytes += (int64_t)ecnn_tensor_bytes(&g->tensors[i]);
  free(counted);
  stats->arena_bytes = (int64_t)g->arena_bytes;
  stats->op_count = g->num_nodes;
  stats->tensor_count = g->num_tensors;
  return ECNN_STATUS_OK;
}
