/*
 * planner.c — the memory planner: gives every non-constant tensor an offset in one arena so
 * that tensors whose lifetimes (producing op .. last consuming op) overlap never share bytes.
 * Greedy by size (largest first, lowest fitting offset), as TFLite's and XNNPACK's planners do;
 * O(n^2) in the tensor count, run once per model load.
 */
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "status.h"

#define ALIGN 64

typedef struct plan_item {
  int32_t tensor;
  size_t bytes;
} plan_item;

static int by_size_desc(const void *a, const void *b) {
  const plan_item *x = a, *y = b;
  if (x->bytes != y->bytes) return x->bytes < y->bytes ? 1 : -1;
  return x->tensor - y->tensor; /* deterministic */
}

static bool lifetimes_overlap(const ecnn_tensor *a, const ecnn_tensor *b) {
  return a->first_node <= b->last_node && b->first_node <= a->last_node;
}

ecnn_status ecnn_graph_plan(ecnn_graph *g) { return ecnn_graph_plan_fusion(g, true); }

ecnn_status ecnn_graph_plan_fusion(ecnn_graph *g, bool fused) {
  const int32_t end = g->num_nodes; /* graph outputs live past the last node */
  bool *away = calloc((size_t)g->num_tensors + 1, sizeof *away);
  if (!away) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory planning the arena");
  for (int32_t i = 0; i < g->num_tensors; i++) {
    g->tensors[i].first_node = g->tensors[i].last_node = -1;
    g->tensors[i].arena_offset = 0;
  }
  for (int32_t k = 0; fused && k < g->num_nodes; k++)
    if (g->nodes[k].output_away)
      for (int32_t i = 0; i < g->nodes[k].num_outputs; i++) away[g->nodes[k].outputs[i]] = true;
  for (int32_t i = 0; i < g->num_inputs; i++) {
    ecnn_tensor *t = &g->tensors[g->inputs[i]];
    t->first_node = 0;
    t->last_node = 0;
  }
  for (int32_t k = 0; k < g->num_nodes; k++) {
    const ecnn_node *n = &g->nodes[k];
    for (int32_t i = 0; i < n->num_inputs; i++) {
      if (n->inputs[i] < 0 || away[n->inputs[i]]) continue;
      ecnn_tensor *t = &g->tensors[n->inputs[i]];
      if (t->data) continue;
      if (t->first_node < 0) t->first_node = k;
      /* a fused-away node reads its inputs when the node doing its work runs */
      t->last_node = fused && n->fused_away && n->fused_by > k ? n->fused_by : k;
    }
    for (int32_t i = 0; i < n->num_outputs; i++) {
      if (away[n->outputs[i]]) continue; /* never written: no space */
      ecnn_tensor *t = &g->tensors[n->outputs[i]];
      /* ... and its outputs are written then */
      if (t->first_node < 0)
        t->first_node = fused && n->fused_away && n->fused_by < k ? n->fused_by : k;
      if (t->last_node < k) t->last_node = k;
    }
  }
  free(away);
  for (int32_t i = 0; i < g->num_outputs; i++) {
    ecnn_tensor *t = &g->tensors[g->outputs[i]];
    if (t->data) continue;
    if (t->first_node < 0) t->first_node = 0;
    t->last_node = end;
  }
  for (int32_t i = 0; i < g->num_tensors; i++)
    if (g->tensors[i].keep_alive && !g->tensors[i].data && g->tensors[i].first_node >= 0)
      g->tensors[i].last_node = end;

  plan_item *items = malloc(((size_t)g->num_tensors + 1) * sizeof *items);
  int32_t *placed = malloc(((size_t)g->num_tensors + 1) * sizeof *placed);
  if (!items || !placed) {
    free(items);
    free(placed);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory planning the arena");
  }
  int32_t count = 0;
  for (int32_t i = 0; i < g->num_tensors; i++) {
    const ecnn_tensor *t = &g->tensors[i];
    if (t->data || t->first_node < 0) continue;
    size_t b = ecnn_tensor_bytes(t);
    if (b > ECNN_MAX_ARENA_BYTES) {
      free(items);
      free(placed);
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, "tensor '%s' needs %zu bytes (limit %zu)",
                        t->name, b, ECNN_MAX_ARENA_BYTES);
    }
    items[count].tensor = i;
    items[count].bytes = (b + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    count++;
  }
  qsort(items, (size_t)count, sizeof *items, by_size_desc);

  size_t arena = 0;
  int32_t nplaced = 0;
  ecnn_status st = ECNN_STATUS_OK;
  for (int32_t k = 0; k < count; k++) {
    ecnn_tensor *t = &g->tensors[items[k].tensor];
    size_t size = items[k].bytes, offset = 0;
    /* Try the lowest offset; each conflicting placed tensor pushes it past its end. The
     * placed list is kept sorted by offset so one pass finds the first gap. */
    for (int32_t j = 0; j < nplaced; j++) {
      const ecnn_tensor *p = &g->tensors[placed[j]];
      size_t pb = (ecnn_tensor_bytes(p) + ALIGN - 1) & ~(size_t)(ALIGN - 1);
      if (!lifetimes_overlap(t, p)) continue;
      if (offset + size <= p->arena_offset) break; /* fits in the gap before p */
      if (p->arena_offset + pb > offset) offset = p->arena_offset + pb;
    }
    t->arena_offset = offset;
    if (offset + size > ECNN_MAX_ARENA_BYTES) {
      st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "the activation arena would exceed %zu bytes",
                      ECNN_MAX_ARENA_BYTES);
      break;
    }
    if (offset + size > arena) arena = offset + size;
    int32_t pos = nplaced;
    while (pos > 0 && g->tensors[placed[pos - 1]].arena_offset > offset) {
      placed[pos] = placed[pos - 1];
      pos--;
    }
    placed[pos] = items[k].tensor;
    nplaced++;
  }
  free(items);
  free(placed);
  g->arena_bytes = arena;
  return st;
}
