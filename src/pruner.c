/*
 * pruner.c — magnitude pruning of 1x1 convolution weights (edgecnn.h, "pruning"): a float
 * TFLite model in, the same model with the smallest weights of each 1x1 CONV_2D set to zero
 * out, written with the TFLite writer.
 *
 * Each layer is pruned to the same sparsity. Weights are taken in blocks: `block` consecutive
 * output channels of one input channel (block 1: single weights). A block's magnitude is the
 * sum of its weights' absolute values; the blocks with the smallest magnitudes, as many as
 * sparsity x blocks (rounded down), become zero. Blocks of 32 match the packed float conv's
 * channel blocks, whose kernel then skips a zero block's input channel entirely
 * (ops/conv2d.c); smaller blocks make a pruned model smaller to compress, not faster. Ties are
 * broken by position so the result does not depend on the sort.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loader/tflite.h"
#include "loader/tflite_write.h"
#include "model.h"
#include "ops/ops.h"

void ecnn_prune_options_init(ecnn_prune_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->sparsity = 0.5;
  o->block = 32;
}

typedef struct block_mag {
  float mag;
  int32_t index;
} block_mag;

static int by_mag(const void *a, const void *b) {
  const block_mag *x = a, *y = b;
  if (x->mag != y->mag) return x->mag < y->mag ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* Is node n a 1x1, stride-independent, ungrouped float CONV_2D with constant weights? */
static bool prunable(const ecnn_graph *g, const ecnn_node *n) {
  if (n->op != ECNN_OP_CONV_2D || n->num_inputs < 2) return false;
  const ecnn_tensor *in = ecnn_in(g, n, 0), *w = ecnn_in(g, n, 1);
  return in && w && w->data && w->dtype == ECNN_DTYPE_F32 && w->ndim == 4 && w->dims[1] == 1 &&
         w->dims[2] == 1 && in->ndim == 4 && w->dims[3] == in->dims[3];
}

/* Zeroes the smallest blocks of weights w [OC, 1, 1, IC]; returns how many weights are zero
 * after (those that were already count too). */
static int64_t prune_weights(ecnn_tensor *w, double sparsity, int32_t block,
                             block_mag *scratch) {
  float *x = w->data;
  const int32_t OC = w->dims[0], IC = w->dims[3];
  const int32_t per_ic = (OC + block - 1) / block, n = per_ic * IC;
  for (int32_t b = 0; b < n; b++) { /* block b: input channel b / per_ic, outputs from ... */
    const int32_t ic = b / per_ic, o0 = (b % per_ic) * block;
    const int32_t o1 = o0 + block < OC ? o0 + block : OC;
    float mag = 0;
    for (int32_t o = o0; o < o1; o++) mag += fabsf(x[(size_t)o * IC + ic]);
    scratch[b] = (block_mag){mag, b};
  }
  qsort(scratch, (size_t)n, sizeof *scratch, by_mag);
  const int32_t drop = (int32_t)floor(sparsity * n + 1e-9);
  for (int32_t k = 0; k < drop; k++) {
    const int32_t b = scratch[k].index, ic = b / per_ic, o0 = (b % per_ic) * block;
    const int32_t o1 = o0 + block < OC ? o0 + block : OC;
    for (int32_t o = o0; o < o1; o++) x[(size_t)o * IC + ic] = 0;
  }
  int64_t zeros = 0;
  for (int64_t i = 0; i < (int64_t)OC * IC; i++) zeros += x[i] == 0;
  return zeros;
}

ecnn_status ecnn_prune(const void *data, size_t size, const ecnn_prune_options *options,
                       uint8_t **out, size_t *out_size, ecnn_prune_report *report) {
  if (!out || !out_size) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "NULL argument");
  *out = NULL, *out_size = 0;
  if (!data || size == 0) return ecnn_error(ECNN_STATUS_INVALID_MODEL, "model data is empty");
  ecnn_prune_options o;
  ecnn_prune_options_init(&o);
  if (options) o = *options;
  if (!(o.sparsity >= 0 && o.sparsity < 1))
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "prune: sparsity must be in [0, 1), got %g",
                      o.sparsity);
  if (o.block < 1 || o.block > 1024)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "prune: block must be 1..1024, got %d",
                      (int)o.block);
  ecnn_graph g;
  ecnn_graph_init(&g);
  ecnn_status st = ecnn_tflite_parse(data, size, &g);
  if (st == ECNN_STATUS_OK) st = ecnn_graph_prepare(&g);
  ecnn_prune_report r = {0};
  block_mag *scratch = NULL;
  for (int32_t k = 0; st == ECNN_STATUS_OK && k < g.num_nodes; k++) {
    const ecnn_node *n = &g.nodes[k];
    if (!prunable(&g, n)) continue;
    ecnn_tensor *w = &g.tensors[n->inputs[1]];
    for (int32_t j = 0; j < g.num_nodes; j++) /* shared weights would be pruned twice */
      for (int32_t i = 0; j != k && i < g.nodes[j].num_inputs; i++)
        if (g.nodes[j].inputs[i] == n->inputs[1])
          st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "prune: the weights of CONV_2D #%d are "
                          "shared with another op", (int)n->index);
    const int64_t count = ecnn_tensor_elements(w);
    block_mag *grown = st == ECNN_STATUS_OK ? realloc(scratch, (size_t)count * sizeof *scratch)
                                            : NULL;
    if (st == ECNN_STATUS_OK && !grown)
      st = ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory pruning");
    if (st != ECNN_STATUS_OK) break;
    scratch = grown;
    r.layers++;
    r.weights += count;
    r.zeroed += prune_weights(w, o.sparsity, o.block, scratch);
  }
  free(scratch);
  if (st == ECNN_STATUS_OK && r.layers == 0)
    st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "prune: the model has no float 1x1 CONV_2D");
  if (st == ECNN_STATUS_OK) st = ecnn_tflite_write(&g, out, out_size);
  if (st == ECNN_STATUS_OK && report) *report = r;
  ecnn_graph_clear(&g);
  return st;
}
