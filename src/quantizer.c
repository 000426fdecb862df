/*
 * quantizer.c — post-training quantization (edgecnn.h, "post-training quantization"): a float
 * TFLite model and calibration inputs in, an int8 TFLite model out.
 *
 * The float graph is parsed twice: once as a model without block fusion, run on every
 * calibration input with a session observer that records each tensor's range (min, max and a
 * histogram of its values, for the percentile method); once as a plain graph (activations
 * fused like the model, weights in the file's layout) from which the int8 graph is built:
 *   - activations int8, asymmetric, per tensor: the range widened to hold 0, 255 steps;
 *     tensors TFLite requires to share one scale (the inputs and output of RESHAPE, SQUEEZE,
 *     CONCATENATION, PAD, pooling, resize) get the union of their ranges; LOGISTIC and SOFTMAX
 *     outputs 1/256 with zero point -128, TANH 1/128 with 0 (TFLite's fixed ranges);
 *   - CONV_2D / DEPTHWISE_CONV_2D weights symmetric int8 per output channel (axis 0 / 3),
 *     FULLY_CONNECTED per tensor, values in [-127, 127]; biases int32 at input scale x weight
 *     scale; other float constants int8 per tensor; integer constants (shapes) unchanged;
 *   - the float input feeds a QUANTIZE, each float output comes from a DEQUANTIZE.
 * The int8 graph is prepared (the int8 ops check every constraint) and serialized with
 * ecnn_tflite_write.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/tflite.h"
#include "loader/tflite_write.h"
#include "model.h"
#include "ops/ops.h"
#include "quantizer.h"

enum { BINS = 2048 }; /* histogram bins over [-radius, radius) */

/* What calibration saw of one tensor. */
typedef struct tensor_stats {
  int64_t count;
  float lo, hi;
  double radius;       /* the histogram covers [-radius, radius); grows by doubling */
  int64_t *bins;       /* BINS counts, or NULL before the first value */
} tensor_stats;

struct ecnn_quantizer {
  ecnn_graph g;         /* the float graph: activations fused, prepared, file layouts */
  ecnn_model *model;    /* the same, without block fusion: the calibration runs */
  ecnn_session *session;
  tensor_stats *stats;  /* per tensor id */
  int32_t runs;
  ecnn_status observe_status; /* an allocation failure inside the observer */
};

void ecnn_quantize_options_init(ecnn_quantize_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->method = ECNN_CALIBRATION_MINMAX;
  o->percentile = 99.99;
}

/* ---- calibration ------------------------------------------------------------------------ */

/* Doubles the histogram's radius until r fits, merging pairs of bins towards the middle. */
static void widen(tensor_stats *s, double r) {
  while (s->radius < r) {
    int64_t merged[BINS] = {0};
    for (int32_t b = 0; b < BINS; b++) merged[BINS / 4 + b / 2] += s->bins[b];
    memcpy(s->bins, merged, sizeof merged);
    s->radius *= 2;
  }
}

static ecnn_status record(tensor_stats *s, const float *x, int64_t n) {
  float lo = INFINITY, hi = -INFINITY;
  for (int64_t i = 0; i < n; i++) {
    if (!isfinite(x[i])) continue;
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  if (lo > hi) return ECNN_STATUS_OK; /* nothing finite */
  if (!s->bins) {
    s->bins = calloc(BINS, sizeof *s->bins);
    if (!s->bins) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory for calibration");
    s->radius = 1e-6;
    s->lo = lo, s->hi = hi;
  }
  s->lo = lo < s->lo ? lo : s->lo;
  s->hi = hi > s->hi ? hi : s->hi;
  const double r = fmax(fabs((double)lo), fabs((double)hi));
  widen(s, r * (1 + 1e-6));
  const double per_bin = BINS / (2 * s->radius);
  for (int64_t i = 0; i < n; i++) {
    if (!isfinite(x[i])) continue;
    int64_t b = (int64_t)floor(((double)x[i] + s->radius) * per_bin);
    s->bins[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]++;
  }
  s->count += n;
  return ECNN_STATUS_OK;
}

/* The session observer: records the float outputs of the node that just ran. */
static void observe_node(void *user, const ecnn_graph *g, const ecnn_node *node,
                         void *const *data) {
  ecnn_quantizer *q = user;
  for (int32_t o = 0; o < node->num_outputs; o++) {
    const int32_t t = node->outputs[o];
    if (t < 0 || g->tensors[t].dtype != ECNN_DTYPE_F32 || !data[t]) continue;
    ecnn_status st = record(&q->stats[t], data[t], ecnn_tensor_elements(&g->tensors[t]));
    if (st != ECNN_STATUS_OK) q->observe_status = st;
  }
}

/* The float graph with activations fused, as the model sees it, prepared. */
static ecnn_status parse_float(const void *data, size_t size, ecnn_graph *g) {
  ecnn_status st = ecnn_tflite_parse(data, size, g);
  if (st == ECNN_STATUS_OK) st = ecnn_graph_prepare(g);
  if (st == ECNN_STATUS_OK && ecnn_graph_fuse_activations(g) > 0) st = ecnn_graph_prepare(g);
  return st;
}

ecnn_status ecnn_quantizer_create(const void *data, size_t size, int32_t threads,
                                  ecnn_quantizer **out) {
  if (!out) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "quantizer pointer is NULL");
  *out = NULL;
  if (!data || size == 0) return ecnn_error(ECNN_STATUS_INVALID_MODEL, "model data is empty");
  ecnn_quantizer *q = calloc(1, sizeof *q);
  if (!q) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory for the quantizer");
  ecnn_graph_init(&q->g);
  ecnn_graph calib;
  ecnn_graph_init(&calib);
  ecnn_status st = parse_float(data, size, &q->g);
  if (st == ECNN_STATUS_OK) st = ecnn_tflite_parse(data, size, &calib);
  if (st == ECNN_STATUS_OK) st = ecnn_model_from_graph_fused(&calib, true, false, &q->model);
  else ecnn_graph_clear(&calib);
  if (st == ECNN_STATUS_OK && (q->g.num_inputs != 1 ||
                               q->g.tensors[q->g.inputs[0]].dtype != ECNN_DTYPE_F32))
    st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "quantize: the model needs one float32 input");
  if (st == ECNN_STATUS_OK && q->model->graph.num_tensors != q->g.num_tensors)
    st = ecnn_error(ECNN_STATUS_INVALID_STATE, "quantize: the calibration graph differs");
  for (int32_t k = 0; st == ECNN_STATUS_OK && k < q->g.num_nodes; k++)
    if (q->g.nodes[k].quantized)
      st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "quantize: %s #%d is already quantized",
                      ecnn_op_name(q->g.nodes[k].op), (int)q->g.nodes[k].index);
  if (st == ECNN_STATUS_OK) {
    ecnn_session_options o;
    ecnn_session_options_init(&o);
    o.threads = threads;
    st = ecnn_session_create(q->model, &o, &q->session);
  }
  if (st == ECNN_STATUS_OK) {
    q->stats = calloc((size_t)q->g.num_tensors, sizeof *q->stats);
    if (!q->stats) st = ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory for calibration");
  }
  if (st != ECNN_STATUS_OK) {
    ecnn_quantizer_free(q);
    return st;
  }
  ecnn_session_set_observer(q->session, observe_node, q);
  *out = q;
  return ECNN_STATUS_OK;
}

void ecnn_quantizer_free(ecnn_quantizer *q) {
  if (!q) return;
  for (int32_t t = 0; q->stats && t < q->g.num_tensors; t++) free(q->stats[t].bins);
  free(q->stats);
  ecnn_session_free(q->session);
  ecnn_model_free(q->model);
  ecnn_graph_clear(&q->g);
  free(q);
}

const ecnn_model *ecnn_quantizer_model(const ecnn_quantizer *q) { return q ? q->model : NULL; }

ecnn_status ecnn_quantizer_observe(ecnn_quantizer *q, const float *input, size_t bytes) {
  if (!q || !input) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "NULL argument");
  ecnn_status st = ecnn_session_set_input(q->session, 0, input, bytes);
  if (st != ECNN_STATUS_OK) return st;
  const int32_t in = q->g.inputs[0];
  st = record(&q->stats[in], input, ecnn_tensor_elements(&q->g.tensors[in]));
  q->observe_status = st;
  if (st == ECNN_STATUS_OK) st = ecnn_session_run(q->session);
  if (st == ECNN_STATUS_OK) st = q->observe_status;
  if (st == ECNN_STATUS_OK) q->runs++;
  return st;
}

/* ---- ranges ------------------------------------------------------------------------------ */

/* The value below which a share `p` of the recorded values lie (from the histogram). */
static double quantile(const tensor_stats *s, double p) {
  int64_t total = 0;
  for (int32_t b = 0; b < BINS; b++) total += s->bins[b];
  const double want = p * (double)total, width = 2 * s->radius / BINS;
  double seen = 0;
  for (int32_t b = 0; b < BINS; b++) {
    if (s->bins[b] > 0 && seen + (double)s->bins[b] >= want) {
      const double frac = (want - seen) / (double)s->bins[b];
      return -s->radius + (b + frac) * width;
    }
    seen += (double)s->bins[b];
  }
  return s->radius;
}

/* The range tensor t is given: observed min / max, or the percentile range within them. */
static void tensor_range(const tensor_stats *s, const ecnn_quantize_options *o, double *lo,
                         double *hi) {
  *lo = s->lo, *hi = s->hi;
  if (o->method == ECNN_CALIBRATION_PERCENTILE && s->count > 0) {
    const double tail = (100.0 - o->percentile) / 100.0;
    const double qlo = quantile(s, tail), qhi = quantile(s, 1 - tail);
    *lo = qlo > *lo ? qlo : *lo;
    *hi = qhi < *hi ? qhi : *hi;
  }
}

/* Asymmetric int8 parameters of the range [lo, hi] (widened to hold 0). */
static void int8_params(double lo, double hi, float *scale, int32_t *zp) {
  lo = lo < 0 ? lo : 0, hi = hi > 0 ? hi : 0;
  if (hi - lo < 1e-9) hi = lo + 1e-9;
  const double s = (hi - lo) / 255.0;
  double z = round(-128.0 - lo / s);
  z = z < -128 ? -128 : z > 127 ? 127 : z;
  *scale = (float)s, *zp = (int32_t)z;
}

/* Union-find over tensor ids: the groups that must share one scale. */
static int32_t find(int32_t *parent, int32_t t) {
  while (parent[t] != t) t = parent[t] = parent[parent[t]];
  return t;
}

static bool shares_scale(ecnn_op op) {
  return op == ECNN_OP_RESHAPE || op == ECNN_OP_SQUEEZE || op == ECNN_OP_CONCATENATION ||
         op == ECNN_OP_PAD || op == ECNN_OP_PADV2 || op == ECNN_OP_MAX_POOL_2D ||
         op == ECNN_OP_AVERAGE_POOL_2D || op == ECNN_OP_RESIZE_BILINEAR ||
         op == ECNN_OP_RESIZE_NEAREST_NEIGHBOR;
}

/* Per tensor of the float graph: its int8 scale and zero point (activations only). */
static ecnn_status activation_params(const ecnn_quantizer *q, const ecnn_quantize_options *o,
                                     float *scale, int32_t *zp) {
  const ecnn_graph *g = &q->g;
  const int32_t T = g->num_tensors;
  int32_t *parent = malloc((size_t)T * sizeof *parent);
  double *lo = malloc((size_t)T * sizeof *lo), *hi = malloc((size_t)T * sizeof *hi);
  if (!parent || !lo || !hi) {
    free(parent), free(lo), free(hi);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
  }
  for (int32_t t = 0; t < T; t++) {
    parent[t] = t;
    lo[t] = INFINITY, hi[t] = -INFINITY;
  }
  for (int32_t k = 0; k < g->num_nodes; k++) {
    const ecnn_node *n = &g->nodes[k];
    if (!shares_scale(n->op)) continue;
    const int32_t count = n->op == ECNN_OP_CONCATENATION ? n->num_inputs : 1;
    for (int32_t i = 0; i < count; i++) {
      const int32_t a = find(parent, n->inputs[i]), b = find(parent, n->outputs[0]);
      if (a != b && !g->tensors[n->inputs[i]].data) parent[a] = b;
    }
  }
  /* the graph's outputs (and what shares their scale) keep their whole range: a detector's
   * scores are rare positives in a sea of background, the tail a percentile would cut */
  bool *keep = calloc((size_t)T, sizeof *keep);
  if (!keep) {
    free(parent), free(lo), free(hi);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
  }
  for (int32_t i = 0; i < g->num_outputs; i++) keep[find(parent, g->outputs[i])] = true;
  const ecnn_quantize_options minmax = {.method = ECNN_CALIBRATION_MINMAX};
  for (int32_t t = 0; t < T; t++) {
    if (g->tensors[t].data || q->stats[t].count == 0) continue;
    double l, h;
    const int32_t r = find(parent, t);
    tensor_range(&q->stats[t], keep[r] ? &minmax : o, &l, &h);
    lo[r] = l < lo[r] ? l : lo[r];
    hi[r] = h > hi[r] ? h : hi[r];
  }
  for (int32_t t = 0; t < T; t++) {
    const int32_t r = find(parent, t);
    if (lo[r] <= hi[r]) int8_params(lo[r], hi[r], &scale[t], &zp[t]);
    else scale[t] = 1.0f, zp[t] = 0; /* never seen (unused) */
  }
  for (int32_t k = 0; k < g->num_nodes; k++) { /* TFLite's fixed output ranges */
    const ecnn_node *n = &g->nodes[k];
    const int32_t t = n->outputs[0];
    if (n->op == ECNN_OP_LOGISTIC || n->op == ECNN_OP_SOFTMAX)
      scale[t] = 1.0f / 256, zp[t] = -128;
    else if (n->op == ECNN_OP_TANH)
      scale[t] = 1.0f / 128, zp[t] = 0;
  }
  free(parent), free(lo), free(hi), free(keep);
  return ECNN_STATUS_OK;
}

/* ---- the int8 graph ----------------------------------------------------------------------- */

/* How a constant is used: the weights of a conv (quantized per channel), of a fully connected
 * op (per tensor), the bias of one of those, or anything else. */
typedef enum const_role {
  ROLE_NONE,
  ROLE_OTHER,
  ROLE_CONV_W,
  ROLE_DW_W,
  ROLE_FC_W,
  ROLE_BIAS,
  ROLE_FLOAT /* a constant of a node that stays float: unchanged */
} const_role;

static bool is_weights(const_role r) { return r == ROLE_CONV_W || r == ROLE_DW_W || r == ROLE_FC_W; }

static bool has_weights(ecnn_op op) {
  return op == ECNN_OP_CONV_2D || op == ECNN_OP_DEPTHWISE_CONV_2D ||
         op == ECNN_OP_FULLY_CONNECTED;
}

/* Each constant's role and the node it serves (a weight or bias serves one node only). */
static ecnn_status const_roles(const ecnn_graph *g, const bool *float_node, const_role *role,
                               int32_t *user) {
  for (int32_t k = 0; k < g->num_nodes; k++) {
    const ecnn_node *n = &g->nodes[k];
    for (int32_t i = 0; i < n->num_inputs; i++) {
      const int32_t t = n->inputs[i];
      if (t < 0 || !g->tensors[t].data) continue;
      const_role r = ROLE_OTHER;
      if (float_node[k])
        r = ROLE_FLOAT;
      else if (has_weights(n->op) && i == 1)
        r = n->op == ECNN_OP_CONV_2D             ? ROLE_CONV_W
            : n->op == ECNN_OP_DEPTHWISE_CONV_2D ? ROLE_DW_W
                                                 : ROLE_FC_W;
      else if (has_weights(n->op) && i == 2)
        r = ROLE_BIAS;
      if (role[t] != ROLE_NONE && (role[t] != r || (r != ROLE_OTHER && r != ROLE_FLOAT)))
        return ecnn_error(ECNN_STATUS_UNSUPPORTED,
                          "quantize: constant '%s' serves several ops as weights or bias",
                          g->tensors[t].name);
      role[t] = r, user[t] = k;
    }
  }
  return ECNN_STATUS_OK;
}

/* The axis weights of role r are quantized along (-1: per tensor) and its channel count. */
static int32_t weight_axis(const ecnn_tensor *w, const_role r, int32_t *channels) {
  const int32_t axis = r == ROLE_CONV_W ? 0 : r == ROLE_DW_W ? w->ndim - 1 : -1;
  *channels = axis >= 0 ? w->dims[axis] : 1;
  return axis;
}

/* Symmetric int8 scales of float weights w, per channel along axis (or per tensor): the
 * largest magnitude maps to 127 (an all-zero channel gets scale 1). */
static void weight_scales(const ecnn_tensor *w, int32_t axis, float *scale) {
  const float *x = w->data;
  const int64_t n = ecnn_tensor_elements(w);
  int64_t inner = 1;
  for (int32_t d = axis + 1; axis >= 0 && d < w->ndim; d++) inner *= w->dims[d];
  const int32_t C = axis >= 0 ? w->dims[axis] : 1;
  for (int32_t c = 0; c < C; c++) scale[c] = 0;
  for (int64_t i = 0; i < n; i++) {
    const int32_t c = axis >= 0 ? (int32_t)(i / inner % C) : 0;
    scale[c] = fabsf(x[i]) > scale[c] ? fabsf(x[i]) : scale[c];
  }
  for (int32_t c = 0; c < C; c++) scale[c] = scale[c] > 0 ? scale[c] / 127.0f : 1.0f;
}

/* Float constant x as int8 with per-channel (axis >= 0) or per-tensor scales and zero points. */
static void quantize_values(const ecnn_tensor *x, int32_t axis, const float *scale,
                            const int32_t *zp, int8_t *dst) {
  const float *v = x->data;
  const int64_t n = ecnn_tensor_elements(x);
  int64_t inner = 1;
  for (int32_t d = axis + 1; axis >= 0 && d < x->ndim; d++) inner *= x->dims[d];
  const int32_t C = axis >= 0 ? x->dims[axis] : 1;
  for (int64_t i = 0; i < n; i++) {
    const int32_t c = axis >= 0 ? (int32_t)(i / inner % C) : 0;
    const float r = roundf(v[i] / scale[c]) + (float)zp[c];
    dst[i] = (int8_t)(r < -128 ? -128 : r > 127 ? 127 : r);
  }
}

/* What build_int8 works from. */
typedef struct int8_plan {
  const ecnn_graph *g;
  float *act_scale;   /* per tensor: activations' parameters */
  int32_t *act_zp;
  const_role *role;   /* per tensor: constants' roles */
  int32_t *user;
  float **wscale;     /* per weight tensor: its scales */
  bool *float_node;   /* per node: stays float (ecnn_quantize_options.float_outputs) */
  bool *float_act;    /* per tensor: an activation a float node makes (or the graph input) */
} int8_plan;

/* A channel whose weights are tiny but whose bias is not would need a bias beyond int32 at
 * input scale x weight scale: its weight scale grows until the bias fits in 2^30 steps
 * (the accumulator keeps room for the products; the tiny weights lose nothing that counts). */
static void bias_headroom(int8_plan *pl, int32_t w, int32_t channels) {
  const ecnn_node *n = &pl->g->nodes[pl->user[w]];
  const ecnn_tensor *b = n->num_inputs > 2 && n->inputs[2] >= 0 ? &pl->g->tensors[n->inputs[2]] : NULL;
  if (!b || !b->data || b->dtype != ECNN_DTYPE_F32) return;
  const float s_in = pl->act_scale[n->inputs[0]], *bias = b->data;
  const int64_t nb = ecnn_tensor_elements(b);
  for (int64_t c = 0; c < nb; c++) {
    const int32_t k = channels > 1 ? (int32_t)c : 0;
    if (k >= channels) break;
    const float need = fabsf(bias[c]) / (s_in * 1073741824.0f);
    if (pl->wscale[w][k] < need) pl->wscale[w][k] = need;
  }
}

static ecnn_status added(int32_t id) {
  return id >= 0 ? ECNN_STATUS_OK : ECNN_STATUS_OUT_OF_MEMORY; /* the error is set */
}

/* The bias of node `user` as int32 at (input scale x weight scale), per channel for convs. */
static ecnn_status add_bias(ecnn_graph *out, const int8_plan *pl, int32_t t) {
  const ecnn_tensor *x = &pl->g->tensors[t];
  const ecnn_node *un = &pl->g->nodes[pl->user[t]];
  const int64_t n = ecnn_tensor_elements(x);
  const bool per_channel = un->op != ECNN_OP_FULLY_CONNECTED;
  const float s_in = pl->act_scale[un->inputs[0]], *ws = pl->wscale[un->inputs[1]];
  int32_t *b = malloc((size_t)n * sizeof *b), *zp = calloc((size_t)n, sizeof *zp);
  float *s = malloc((size_t)n * sizeof *s);
  ecnn_status st =
      b && s && zp ? ECNN_STATUS_OK : ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
  for (int64_t i = 0; st == ECNN_STATUS_OK && i < n; i++) {
    s[i] = s_in * ws[per_channel ? i : 0];
    const double v = round((double)((const float *)x->data)[i] / s[i]);
    b[i] = (int32_t)(v < -2147483647.0 ? -2147483647.0 : v > 2147483647.0 ? 2147483647.0 : v);
  }
  if (st == ECNN_STATUS_OK)
    st = added(ecnn_graph_add_tensor(out, x->name, ECNN_DTYPE_I32, x->ndim, x->dims, b,
                                     (size_t)n * sizeof *b));
  if (st == ECNN_STATUS_OK) st = ecnn_graph_set_quant(out, out->num_tensors - 1, per_channel ? (int32_t)n : 1, 0, s, zp);
  free(b), free(s), free(zp);
  return st;
}

/* A float constant as int8: weights symmetric per channel / per tensor, anything else
 * asymmetric per tensor from its own range. */
static ecnn_status add_float_const(ecnn_graph *out, const int8_plan *pl, int32_t t) {
  const ecnn_tensor *x = &pl->g->tensors[t];
  const int64_t n = ecnn_tensor_elements(x);
  const bool w = is_weights(pl->role[t]);
  int32_t C = 1;
  const int32_t axis = w ? weight_axis(x, pl->role[t], &C) : -1;
  float one;
  const float *scale = w ? pl->wscale[t] : &one;
  int32_t *zp = calloc((size_t)C, sizeof *zp);
  int8_t *d = malloc((size_t)n);
  ecnn_status st = d && zp ? ECNN_STATUS_OK : ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
  if (st == ECNN_STATUS_OK && !w) {
    const float *v = x->data;
    float lo = 0, hi = 0;
    for (int64_t i = 0; i < n; i++) lo = v[i] < lo ? v[i] : lo, hi = v[i] > hi ? v[i] : hi;
    int8_params(lo, hi, &one, zp);
  }
  if (st == ECNN_STATUS_OK) {
    quantize_values(x, axis, scale, zp, d);
    st = added(ecnn_graph_add_tensor(out, x->name, ECNN_DTYPE_I8, x->ndim, x->dims, d, (size_t)n));
  }
  if (st == ECNN_STATUS_OK) st = ecnn_graph_set_quant(out, out->num_tensors - 1, C, axis >= 0 ? axis : 0, scale, zp);
  free(d), free(zp);
  return st;
}

/* Tensor t of the float graph into out, keeping its id: int8 activations (the float input
 * and outputs stay float: their int8 twins come later), quantized constants, integer
 * constants as they are. */
static ecnn_status add_tensor(ecnn_graph *out, const int8_plan *pl, int32_t t, bool io) {
  const ecnn_tensor *x = &pl->g->tensors[t];
  if (x->data && x->dtype == ECNN_DTYPE_F32 && pl->role[t] != ROLE_FLOAT)
    return pl->role[t] == ROLE_BIAS ? add_bias(out, pl, t) : add_float_const(out, pl, t);
  if (x->data || io || x->dtype != ECNN_DTYPE_F32)
    return added(ecnn_graph_add_tensor(out, x->name, x->dtype, x->ndim, x->dims, x->data,
                                       x->data ? x->const_bytes : 0));
  ecnn_status st = added(ecnn_graph_add_tensor(out, x->name, ECNN_DTYPE_I8, x->ndim, x->dims,
                                               NULL, 0));
  if (st == ECNN_STATUS_OK) st = ecnn_graph_set_quant(out, out->num_tensors - 1, 1, 0, &pl->act_scale[t], &pl->act_zp[t]);
  return st;
}

/* The int8 twin of float activation t (the graph's input or an output), after the others. */
static ecnn_status add_twin(ecnn_graph *out, const int8_plan *pl, int32_t t, int32_t *twin) {
  const ecnn_tensor *x = &pl->g->tensors[t];
  char name[256];
  snprintf(name, sizeof name, "%s_int8", x->name);
  *twin = ecnn_graph_add_tensor(out, name, ECNN_DTYPE_I8, x->ndim, x->dims, NULL, 0);
  if (*twin < 0) return ECNN_STATUS_OUT_OF_MEMORY;
  return ecnn_graph_set_quant(out, *twin, 1, 0, &pl->act_scale[t], &pl->act_zp[t]);
}

/* The nodes that stay float with float_outputs: walking back from each graph output through
 * RESHAPE / SQUEEZE / CONCATENATION to the CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED that
 * computes it (a detector's heads: their int8 output would share one scale over scores that
 * span a hundred logits). Marks those nodes and the activations they make. */
static void float_heads(const ecnn_graph *g, bool *float_node, bool *float_act) {
  const int32_t T = g->num_tensors;
  int32_t *producer = malloc((size_t)T * sizeof *producer), *stack = malloc((size_t)T * sizeof *stack);
  if (!producer || !stack) {
    free(producer), free(stack);
    return; /* nothing stays float */
  }
  for (int32_t t = 0; t < T; t++) producer[t] = -1;
  for (int32_t k = 0; k < g->num_nodes; k++)
    for (int32_t o = 0; o < g->nodes[k].num_outputs; o++) producer[g->nodes[k].outputs[o]] = k;
  int32_t top = 0;
  for (int32_t i = 0; i < g->num_outputs; i++) stack[top++] = g->outputs[i];
  while (top > 0) {
    const int32_t t = stack[--top], k = producer[t];
    if (k < 0 || float_node[k]) continue;
    const ecnn_node *n = &g->nodes[k];
    const bool pass = n->op == ECNN_OP_RESHAPE || n->op == ECNN_OP_SQUEEZE ||
                      n->op == ECNN_OP_CONCATENATION;
    if (!pass && !has_weights(n->op)) continue;
    float_node[k] = true;
    for (int32_t o = 0; o < n->num_outputs; o++) float_act[n->outputs[o]] = true;
    for (int32_t i = 0; pass && i < n->num_inputs && top < T; i++)
      if (n->inputs[i] >= 0 && !g->tensors[n->inputs[i]].data) stack[top++] = n->inputs[i];
  }
  free(producer), free(stack);
}

/* Builds the int8 graph of the plan's float graph into out (freshly initialized): the
 * tensors some node or the graph's inputs and outputs use, in their order (the loader's
 * folded fp16 originals and the inputs of fused activations are left out). */
static ecnn_status build_int8(const int8_plan *pl, ecnn_graph *out) {
  const ecnn_graph *g = pl->g;
  const int32_t T = g->num_tensors;
  int32_t *id = malloc((size_t)T * sizeof *id), *twin = malloc((size_t)T * sizeof *twin);
  int32_t *dq = malloc((size_t)T * sizeof *dq); /* float twins of int8 tensors float nodes read */
  bool *io = calloc((size_t)T, sizeof *io), *used = calloc((size_t)T, sizeof *used);
  for (int32_t t = 0; dq && t < T; t++) dq[t] = -1;
  ecnn_status st = id && twin && dq && io && used
                       ? ECNN_STATUS_OK
                       : ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
  for (int32_t k = 0; st == ECNN_STATUS_OK && k < g->num_nodes; k++) {
    const ecnn_node *n = &g->nodes[k];
    for (int32_t i = 0; i < n->num_inputs; i++)
      if (n->inputs[i] >= 0) used[n->inputs[i]] = true;
    for (int32_t i = 0; i < n->num_outputs; i++) used[n->outputs[i]] = true;
  }
  for (int32_t i = 0; st == ECNN_STATUS_OK && i < g->num_inputs; i++)
    io[g->inputs[i]] = used[g->inputs[i]] = true;
  for (int32_t i = 0; st == ECNN_STATUS_OK && i < g->num_outputs; i++) {
    io[g->outputs[i]] = g->tensors[g->outputs[i]].dtype == ECNN_DTYPE_F32 &&
                        !pl->float_act[g->outputs[i]]; /* a float node's output needs no twin */
    used[g->outputs[i]] = true;
  }
  for (int32_t t = 0; st == ECNN_STATUS_OK && t < T; t++) {
    id[t] = twin[t] = used[t] ? out->num_tensors : -1;
    if (used[t]) st = add_tensor(out, pl, t, io[t] || pl->float_act[t]);
  }
  for (int32_t t = 0; st == ECNN_STATUS_OK && t < T; t++)
    if (io[t]) st = add_twin(out, pl, t, &twin[t]);
  /* QUANTIZE the input, the graph's nodes on the twins, DEQUANTIZE the outputs */
  for (int32_t i = 0; st == ECNN_STATUS_OK && i < g->num_inputs; i++)
    st = added(ecnn_graph_add_node(out, ECNN_OP_QUANTIZE, &id[g->inputs[i]], 1,
                                   &twin[g->inputs[i]], 1, NULL));
  for (int32_t k = 0; st == ECNN_STATUS_OK && k < g->num_nodes; k++) {
    const ecnn_node *n = &g->nodes[k];
    int32_t in[ECNN_MAX_NODE_INPUTS], o[ECNN_MAX_NODE_OUTPUTS];
    for (int32_t i = 0; i < n->num_inputs; i++) in[i] = n->inputs[i] >= 0 ? twin[n->inputs[i]] : -1;
    for (int32_t i = 0; pl->float_node[k] && st == ECNN_STATUS_OK && i < n->num_inputs; i++) {
      const int32_t t = n->inputs[i]; /* an int8 activation a float node reads: dequantized */
      if (t >= 0 && io[t]) in[i] = id[t]; /* the float graph input itself */
      if (t < 0 || g->tensors[t].data || pl->float_act[t] || io[t]) continue;
      if (dq[t] < 0) {
        const ecnn_tensor *x = &g->tensors[t];
        char name[256];
        snprintf(name, sizeof name, "%s_float", x->name);
        dq[t] = ecnn_graph_add_tensor(out, name, ECNN_DTYPE_F32, x->ndim, x->dims, NULL, 0);
        st = added(dq[t]);
        if (st == ECNN_STATUS_OK)
          st = added(ecnn_graph_add_node(out, ECNN_OP_DEQUANTIZE, &twin[t], 1, &dq[t], 1, NULL));
      }
      in[i] = dq[t];
    }
    if (st != ECNN_STATUS_OK) break;
    for (int32_t i = 0; i < n->num_outputs; i++) o[i] = twin[n->outputs[i]];
    const int32_t node = ecnn_graph_add_node(out, n->op, in, n->num_inputs, o, n->num_outputs,
                                             &n->params);
    st = added(node);
    if (st == ECNN_STATUS_OK) out->nodes[node].index = n->index;
  }
  for (int32_t i = 0; st == ECNN_STATUS_OK && i < g->num_outputs; i++)
    if (io[g->outputs[i]])
      st = added(ecnn_graph_add_node(out, ECNN_OP_DEQUANTIZE, &twin[g->outputs[i]], 1,
                                     &id[g->outputs[i]], 1, NULL));
  if (st == ECNN_STATUS_OK) {
    out->num_inputs = g->num_inputs, out->num_outputs = g->num_outputs;
    for (int32_t i = 0; i < g->num_inputs; i++) out->inputs[i] = id[g->inputs[i]];
    for (int32_t i = 0; i < g->num_outputs; i++) out->outputs[i] = id[g->outputs[i]];
  }
  free(id), free(twin), free(dq), free(io), free(used);
  return st;
}

ecnn_status ecnn_quantizer_build(const ecnn_quantizer *q, const ecnn_quantize_options *options,
                                 ecnn_graph *out) {
  if (!q || !out) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "NULL argument");
  ecnn_quantize_options o;
  ecnn_quantize_options_init(&o);
  if (options) o = *options;
  if (o.method != ECNN_CALIBRATION_MINMAX && o.method != ECNN_CALIBRATION_PERCENTILE)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "quantize: unknown calibration method %d",
                      (int)o.method);
  if (o.method == ECNN_CALIBRATION_PERCENTILE && !(o.percentile > 50 && o.percentile <= 100))
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                      "quantize: percentile must be in (50, 100], got %g", o.percentile);
  if (q->runs == 0)
    return ecnn_error(ECNN_STATUS_INVALID_STATE,
                      "quantize: no calibration input observed yet");
  const ecnn_graph *g = &q->g;
  const int32_t T = g->num_tensors;
  int8_plan pl = {.g = g,
                  .act_scale = calloc((size_t)T, sizeof(float)),
                  .act_zp = calloc((size_t)T, sizeof(int32_t)),
                  .role = calloc((size_t)T, sizeof(const_role)),
                  .user = calloc((size_t)T, sizeof(int32_t)),
                  .wscale = calloc((size_t)T, sizeof(float *)),
                  .float_node = calloc((size_t)g->num_nodes + 1, sizeof(bool)),
                  .float_act = calloc((size_t)T, sizeof(bool))};
  ecnn_status st = pl.act_scale && pl.act_zp && pl.role && pl.user && pl.wscale &&
                           pl.float_node && pl.float_act
                       ? ECNN_STATUS_OK
                       : ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
  if (st == ECNN_STATUS_OK && o.float_outputs) float_heads(g, pl.float_node, pl.float_act);
  for (int32_t k = 0; st == ECNN_STATUS_OK && k < g->num_nodes; k++)
    if (!ecnn_q8_ops[g->nodes[k].op].run)
      st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "quantize: %s #%d has no int8 version here",
                      ecnn_op_name(g->nodes[k].op), (int)g->nodes[k].index);
  if (st == ECNN_STATUS_OK) st = activation_params(q, &o, pl.act_scale, pl.act_zp);
  if (st == ECNN_STATUS_OK) st = const_roles(g, pl.float_node, pl.role, pl.user);
  for (int32_t t = 0; st == ECNN_STATUS_OK && t < T; t++) { /* before the biases need them */
    int32_t C;
    if (!is_weights(pl.role[t])) continue;
    const int32_t axis = weight_axis(&g->tensors[t], pl.role[t], &C);
    pl.wscale[t] = malloc((size_t)C * sizeof(float));
    if (!pl.wscale[t]) st = ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
    else weight_scales(&g->tensors[t], axis, pl.wscale[t]);
    if (st == ECNN_STATUS_OK) bias_headroom(&pl, t, C);
  }
  if (st == ECNN_STATUS_OK) st = build_int8(&pl, out);
  if (st == ECNN_STATUS_OK) st = ecnn_graph_prepare(out); /* the int8 ops' own checks */
  for (int32_t t = 0; pl.wscale && t < T; t++) free(pl.wscale[t]);
  free(pl.act_scale), free(pl.act_zp), free(pl.role), free(pl.user), free(pl.wscale);
  free(pl.float_node), free(pl.float_act);
  return st;
}

ecnn_status ecnn_quantizer_write(ecnn_quantizer *q, const ecnn_quantize_options *options,
                                 uint8_t **data, size_t *size, ecnn_quantize_report *report) {
  if (!q || !data || !size) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "NULL argument");
  *data = NULL, *size = 0;
  ecnn_graph out;
  ecnn_graph_init(&out);
  ecnn_status st = ecnn_quantizer_build(q, options, &out);
  if (st == ECNN_STATUS_OK) st = ecnn_tflite_write(&out, data, size);
  if (st == ECNN_STATUS_OK && report) {
    const ecnn_graph *g = &q->g;
    memset(report, 0, sizeof *report);
    report->calibration_runs = q->runs;
    report->ops = out.num_nodes;
    report->file_bytes = *size;
    for (int32_t t = 0; t < g->num_tensors; t++)
      report->float_weight_bytes += g->tensors[t].data ? g->tensors[t].const_bytes : 0;
    for (int32_t t = 0; t < out.num_tensors; t++) {
      report->int8_weight_bytes += out.tensors[t].data ? out.tensors[t].const_bytes : 0;
      report->int8_tensors += !out.tensors[t].data && out.tensors[t].dtype == ECNN_DTYPE_I8;
    }
  }
  ecnn_graph_clear(&out);
  return st;
}
