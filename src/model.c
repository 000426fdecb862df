/*
 * model.c — the public model object: reads a .tflite file, parses it (loader/tflite.c),
 * prepares (shape inference, validation) and plans the graph, and answers questions about it
 * (inputs, outputs, ops, MACs, parameters, arena size). Load-time only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "loader/tflite.h"
#include "model.h"
#include "ops/ops.h"

#define MAX_MODEL_FILE_BYTES ((long)1 << 31)

/* The output of node k's data input, followed back through shape-only ops. */
static int32_t producer_of(const ecnn_graph *g, int32_t tensor) {
  for (int32_t k = g->num_nodes - 1; k >= 0; k--)
    for (int32_t o = 0; o < g->nodes[k].num_outputs; o++)
      if (g->nodes[k].outputs[o] == tensor) return k;
  return -1;
}

/* A classifier's CAM structure: the last FULLY_CONNECTED (or 1x1 CONV_2D on a 1x1 map) fed,
 * through RESHAPE/SQUEEZE, by a global MEAN over H, W or an AVERAGE_POOL_2D covering the whole
 * map. Sets m->cam_features / cam_node and keeps the features alive. */
static void find_cam(ecnn_model *m) {
  ecnn_graph *g = &m->graph;
  m->cam_features = m->cam_node = -1;
  for (int32_t k = g->num_nodes - 1; k >= 0; k--) {
    const ecnn_node *n = &g->nodes[k];
    const ecnn_tensor *w = ecnn_in(g, n, 1);
    if (n->quantized || !w || !w->data || w->dtype != ECNN_DTYPE_F32) continue;
    int32_t classes, channels;
    if (n->op == ECNN_OP_FULLY_CONNECTED && w->ndim == 2) {
      classes = w->dims[0], channels = w->dims[1];
    } else if (n->op == ECNN_OP_CONV_2D && w->ndim == 4 && w->dims[1] == 1 && w->dims[2] == 1 &&
               g->tensors[n->inputs[0]].ndim == 4 && g->tensors[n->inputs[0]].dims[1] == 1 &&
               g->tensors[n->inputs[0]].dims[2] == 1) {
      classes = w->dims[0], channels = w->dims[3];
    } else {
      continue;
    }
    int32_t t = n->inputs[0], p = producer_of(g, t);
    while (p >= 0 && (g->nodes[p].op == ECNN_OP_RESHAPE || g->nodes[p].op == ECNN_OP_SQUEEZE)) {
      t = g->nodes[p].inputs[0];
      p = producer_of(g, t);
    }
    if (p < 0) return;
    const ecnn_node *pool = &g->nodes[p];
    const ecnn_tensor *f = &g->tensors[pool->inputs[0]];
    if (f->ndim != 4 || f->dims[3] != channels || f->dtype != ECNN_DTYPE_F32 || classes < 1) return;
    bool global = false;
    if (pool->op == ECNN_OP_AVERAGE_POOL_2D)
      global = pool->params.filter_h >= f->dims[1] && pool->params.filter_w >= f->dims[2];
    if (pool->op == ECNN_OP_MEAN) {
      const ecnn_tensor *ax = ecnn_in(g, pool, 1);
      if (ax && ax->data && ax->dtype == ECNN_DTYPE_I32 && ecnn_tensor_elements(ax) == 2) {
        const int32_t *a = ax->data;
        global = (a[0] == 1 && a[1] == 2) || (a[0] == 2 && a[1] == 1);
      }
    }
    if (!global) return;
    m->cam_features = pool->inputs[0];
    m->cam_node = k;
    g->tensors[m->cam_features].keep_alive = true;
    return;
  }
}

/* ECNN_NO_FUSION=1 keeps the graph as the file has it, every fusion pass below off (to
 * measure what fusion gains). */
static bool fusion_off(void) {
  const char *off = getenv("ECNN_NO_FUSION");
  return off && off[0] == '1';
}

/* Fusion at load: a RELU / RELU6 / RELU_N1_TO_1 whose input is the sole use of a float
 * CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED / ADD / SUB / MUL output without an activation
 * becomes that op's fused activation; the activation node disappears. Returns nodes removed. */
int32_t ecnn_graph_fuse_activations(ecnn_graph *g) {
  int32_t *uses = calloc((size_t)g->num_tensors + 1, sizeof *uses);
  int32_t *producer = malloc(((size_t)g->num_tensors + 1) * sizeof *producer);
  if (!uses || !producer) {
    free(uses);
    free(producer);
    return 0;
  }
  for (int32_t t = 0; t < g->num_tensors; t++) producer[t] = -1;
  for (int32_t k = 0; k < g->num_nodes; k++) {
    for (int32_t i = 0; i < g->nodes[k].num_inputs; i++)
      if (g->nodes[k].inputs[i] >= 0) uses[g->nodes[k].inputs[i]]++;
    for (int32_t o = 0; o < g->nodes[k].num_outputs; o++) producer[g->nodes[k].outputs[o]] = k;
  }
  for (int32_t i = 0; i < g->num_outputs; i++) uses[g->outputs[i]]++; /* graph outputs stay */
  int32_t removed = 0, w = 0;
  for (int32_t k = 0; k < g->num_nodes; k++) {
    ecnn_node *n = &g->nodes[k];
    ecnn_activation act = n->op == ECNN_OP_RELU ? ECNN_ACT_RELU
                          : n->op == ECNN_OP_RELU6 ? ECNN_ACT_RELU6
                          : n->op == ECNN_OP_RELU_N1_TO_1 ? ECNN_ACT_RELU_N1_TO_1
                                                         : ECNN_ACT_NONE;
    int32_t t = n->num_inputs > 0 ? n->inputs[0] : -1;
    int32_t pk = t >= 0 ? producer[t] : -1;
    ecnn_node *pn = pk >= 0 ? &g->nodes[pk] : NULL;
    bool fusable = act != ECNN_ACT_NONE && !n->quantized && pn && !pn->quantized &&
                   uses[t] == 1 && pn->num_outputs == 1 && pn->params.activation == ECNN_ACT_NONE &&
                   g->tensors[t].dtype == ECNN_DTYPE_F32 &&
                   (pn->op == ECNN_OP_CONV_2D || pn->op == ECNN_OP_DEPTHWISE_CONV_2D ||
                    pn->op == ECNN_OP_FULLY_CONNECTED || pn->op == ECNN_OP_ADD ||
                    pn->op == ECNN_OP_SUB || pn->op == ECNN_OP_MUL);
    if (fusable) {
      pn->params.activation = act;
      pn->outputs[0] = n->outputs[0];
      producer[n->outputs[0]] = pk;
      free(n->priv);
      removed++;
      continue; /* the activation node is dropped */
    }
    g->nodes[w++] = *n;
    /* the producer index of later nodes shifts: recompute lazily via the map */
    for (int32_t o = 0; o < g->nodes[w - 1].num_outputs; o++)
      producer[g->nodes[w - 1].outputs[o]] = w - 1;
  }
  g->num_nodes = w;
  free(uses);
  free(producer);
  return removed;
}

static bool reads(const ecnn_node *n, int32_t t) {
  for (int32_t i = 0; i < n->num_inputs; i++)
    if (n->inputs[i] == t) return true;
  return false;
}

/* Whether tensor t is read by node `reader` only: not by another node, not a graph output,
 * not kept alive (CAM features). */
static bool only_read_by(const ecnn_graph *g, const ecnn_model *m, int32_t t, int32_t reader) {
  if (g->tensors[t].keep_alive || t == m->cam_features) return false;
  for (int32_t i = 0; i < g->num_outputs; i++)
    if (g->outputs[i] == t) return false;
  for (int32_t j = 0; j < g->num_nodes; j++)
    if (j != reader && reads(&g->nodes[j], t)) return false;
  return true;
}

/* Fusion at load: a CONV_2D whose output only feeds the DEPTHWISE_CONV_2D right after it
 * (MobileNetV2's 1x1 expansion; also its first 3x3 conv) is computed by that depthwise band by
 * band, so the tensor between them stays in cache (depthwise_conv2d.c). Marks both nodes.
 * Returns the pairs fused. */
static int32_t fuse_conv_depthwise(ecnn_graph *g, const ecnn_model *m) {
  int32_t fused = 0;
  for (int32_t k = 0; k + 1 < g->num_nodes; k++) {
    ecnn_node *conv = &g->nodes[k], *dw = &g->nodes[k + 1];
    if (conv->fused_away || conv->fuses_prev || conv->num_outputs != 1 ||
        !only_read_by(g, m, conv->outputs[0], k + 1))
      continue;
    const size_t scratch = ecnn_depthwise_fused_scratch(g, conv, dw);
    if (!scratch) continue;
    conv->fused_away = conv->output_away = true;
    conv->fused_by = k + 1;
    dw->fuses_prev = true;
    dw->scratch_bytes = scratch;
    fused++;
  }
  return fused;
}

/* Fusion at load: a CONV_2D without activation whose output only feeds a residual ADD (the
 * other operand of the same shape) computes that ADD as it stores its output (conv2d.c): one
 * pass over the output less. The ADD must come right after the conv, or right after a PAD that
 * only pads the channels with zeros and feeds nothing else (BlazeFace widens its shortcut that
 * way): the conv then adds the PAD's input, zeros beyond its channels, and the PAD goes too.
 * Moving a conv down to a later ADD, or the shortcut's ops up before the conv, were both
 * measured slower on BlazeFace (0.87 -> 0.93 and 1.1 ms), so other orders are left alone.
 * Returns the convs fused. */
static int32_t fuse_conv_add(ecnn_graph *g, const ecnn_model *m) {
  int32_t fused = 0;
  for (int32_t k = 0; k + 1 < g->num_nodes; k++) {
    ecnn_node *conv = &g->nodes[k];
    if (conv->op != ECNN_OP_CONV_2D || conv->fused_away || conv->num_outputs != 1) continue;
    const int32_t t = conv->outputs[0];
    int32_t a = k + 1, pad = -1, in_c = 0;
    if (!reads(&g->nodes[a], t) && k + 2 < g->num_nodes && reads(&g->nodes[k + 2], t) &&
        ecnn_pad_channels_only(g, &g->nodes[k + 1], &in_c) &&
        only_read_by(g, m, g->nodes[k + 1].outputs[0], k + 2))
      pad = k + 1, a = k + 2;
    ecnn_node *add = &g->nodes[a];
    if (add->fused_away || add->fuses_prev || !ecnn_conv2d_can_fuse_add(g, conv, add) ||
        !only_read_by(g, m, t, a))
      continue;
    const int32_t other = add->inputs[add->inputs[0] == t ? 1 : 0];
    if (pad >= 0 && other != g->nodes[pad].outputs[0]) continue;
    conv->fuses_next = conv->output_away = true;
    conv->fused_add = a;
    conv->residual = pad >= 0 ? g->nodes[pad].inputs[0] : other;
    conv->residual_c = pad >= 0 ? in_c : g->tensors[t].dims[g->tensors[t].ndim - 1];
    add->fused_away = true;
    add->fused_by = k;
    if (pad >= 0) {
      g->nodes[pad].fused_away = g->nodes[pad].output_away = true;
      g->nodes[pad].fused_by = k;
    }
    fused++;
  }
  return fused;
}

/* The arena plan of sessions that run every node on its own (the XNNPACK backend). */
static ecnn_status plan_unfused(ecnn_model *m) {
  ecnn_graph *g = &m->graph;
  ecnn_status st = ecnn_graph_plan_fusion(g, false);
  if (st != ECNN_STATUS_OK) return st;
  m->unfused_offsets = malloc(((size_t)g->num_tensors + 1) * sizeof *m->unfused_offsets);
  if (!m->unfused_offsets) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory planning");
  for (int32_t i = 0; i < g->num_tensors; i++)
    m->unfused_offsets[i] = g->tensors[i].first_node >= 0 ? g->tensors[i].arena_offset : SIZE_MAX;
  m->unfused_arena_bytes = g->arena_bytes;
  return ECNN_STATUS_OK;
}

/* Packs every float CONV_2D's weights for the packed kernels, once the graph is final, and
 * drops the file's layout right away: no kernel needs it any more (the scalar path has a
 * packed twin, the XNNPACK backend unpacks its own copy), so the weights tensor takes over the
 * packed copy and conv weights are in memory once, and the load never holds both layouts of
 * more than one layer. Weights another node also reads, and the CAM classifier's, keep their
 * layout (the node then holds the packed copy). The int8 CONV_2Ds' and FULLY_CONNECTEDs'
 * weights are packed here too (AVX2 or AVX-512 VNNI; an FC as a 1x1 CONV_2D), the same way. */
static ecnn_status pack_conv_weights(ecnn_model *m) {
  ecnn_graph *g = &m->graph;
  for (int32_t k = 0; k < g->num_nodes; k++) {
    ecnn_node *n = &g->nodes[k];
    ecnn_status st = ecnn_conv2d_pack(g, n);
    if (st != ECNN_STATUS_OK) return st;
    if (!n->quantized && n->priv) ecnn_conv2d_find_sparse(g, n);
    /* (an int8 node's priv is its requantization data, which may hold its packed weights) */
    if (n->quantized) {
      if ((n->op == ECNN_OP_CONV_2D || n->op == ECNN_OP_FULLY_CONNECTED) &&
          (st = ecnn_q8_conv2d_pack_weights(
               g, n, k != m->cam_node && only_read_by(g, m, n->inputs[1], k))) != ECNN_STATUS_OK)
        return st;
      continue;
    }
    if (!n->priv || k == m->cam_node || !only_read_by(g, m, n->inputs[1], k)) continue;
    ecnn_tensor *w = &g->tensors[n->inputs[1]];
    free(w->data);
    w->data = n->priv; /* the tensor owns it now */
    w->packed = true;
    n->priv = NULL;
  }
  return ECNN_STATUS_OK;
}

/* Fusion at load, the rest of MobileNetV2's inverted-residual block: a depthwise that already
 * computes its expansion also runs the 1x1 projection after it on each band, when only that
 * projection reads its output; the projection's own residual ADD (and channel PAD) come along.
 * The depthwise output then never leaves the thread's scratch. Returns the blocks fused. */
static int32_t fuse_projection(ecnn_graph *g, const ecnn_model *m) {
  int32_t fused = 0;
  for (int32_t k = 0; k + 1 < g->num_nodes; k++) {
    ecnn_node *dw = &g->nodes[k], *proj = &g->nodes[k + 1];
    if (!dw->fuses_prev || dw->num_outputs != 1 || proj->op != ECNN_OP_CONV_2D ||
        proj->fused_away || proj->inputs[0] != dw->outputs[0] ||
        !ecnn_conv2d_can_project(g, proj) || !only_read_by(g, m, dw->outputs[0], k + 1))
      continue;
    dw->fuses_project = dw->output_away = true;
    dw->scratch_bytes += ecnn_depthwise_project_scratch(g, dw);
    proj->fused_away = true;
    proj->fused_by = k;
    for (int32_t j = k + 2; j < g->num_nodes; j++) /* the ADD / PAD the projection runs */
      if (g->nodes[j].fused_away && g->nodes[j].fused_by == k + 1) g->nodes[j].fused_by = k;
    fused++;
  }
  return fused;
}

ecnn_status ecnn_model_from_graph(ecnn_graph *g, ecnn_model **model) {
  const bool fusion = !fusion_off();
  return ecnn_model_from_graph_fused(g, fusion, fusion, model);
}

ecnn_status ecnn_model_from_graph_fused(ecnn_graph *g, bool activations, bool blocks,
                                        ecnn_model **model) {
  *model = NULL;
  ecnn_model *m = calloc(1, sizeof *m);
  if (!m) {
    ecnn_graph_clear(g);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory loading model");
  }
  m->graph = *g;
  ecnn_graph_init(g);
  ecnn_status st = ecnn_graph_prepare(&m->graph);
  if (st == ECNN_STATUS_OK && activations && ecnn_graph_fuse_activations(&m->graph) > 0)
    st = ecnn_graph_prepare(&m->graph); /* fused activations change the producers' params */
  if (st == ECNN_STATUS_OK) {
    find_cam(m);
    if (blocks) { /* in this order: the projection pass extends the first two */
      fuse_conv_depthwise(&m->graph, m);
      fuse_conv_add(&m->graph, m);
      fuse_projection(&m->graph, m);
    }
    st = plan_unfused(m);
    if (st == ECNN_STATUS_OK) st = ecnn_graph_plan(&m->graph);
    if (st == ECNN_STATUS_OK) st = pack_conv_weights(m);
  }
  if (st != ECNN_STATUS_OK) {
    ecnn_model_free(m);
    return st;
  }
  *model = m;
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_model_load_buffer(const void *data, size_t size, ecnn_model **model) {
  if (!model) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "model pointer is NULL");
  *model = NULL;
  if (!data || size == 0)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "model data is empty");
  ecnn_graph g;
  ecnn_graph_init(&g);
  ecnn_status st = ecnn_tflite_parse(data, size, &g);
  if (st != ECNN_STATUS_OK) {
    ecnn_graph_clear(&g);
    return st;
  }
  return ecnn_model_from_graph(&g, model);
}

bool ecnn_model_has_cam(const ecnn_model *model) { return model && model->cam_node >= 0; }

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
  /* the graph copies what it keeps: the file goes before the weights are packed */
  ecnn_graph g;
  ecnn_graph_init(&g);
  ecnn_status st = ecnn_tflite_parse(buf, (size_t)n, &g);
  free(buf);
  if (st == ECNN_STATUS_OK) st = ecnn_model_from_graph(&g, model);
  else ecnn_graph_clear(&g);
  if (st != ECNN_STATUS_OK) return ecnn_error_prefix(st, "%s", path);
  return ECNN_STATUS_OK;
}

void ecnn_model_free(ecnn_model *model) {
  if (!model) return;
  ecnn_graph_clear(&model->graph);
  free(model->unfused_offsets);
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
    stats->quantized_ops += n->quantized;
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
