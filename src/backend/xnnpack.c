/*
 * xnnpack.c — the XNNPACK yardstick backend (xnnpack.h). Load-time: walk the nodes, mark the
 * ones XNNPACK's 2022 subgraph API supports with our exact semantics, cut the node list into
 * runs, define each run as a subgraph (constants as static values pointing at the graph's
 * FP32 data, boundary tensors as external values backed by the session arena) and create a
 * runtime on a shared pthreadpool. Run-time: runtimes and native nodes in node order.
 */
#include "xnnpack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef ECNN_HAVE_XNNPACK
#include <pthreadpool.h>
#include <xnnpack.h>

#include "../kernels/conv.h"

typedef struct xnn_run {
  int32_t first, last; /* node range [first, last]; native when rt == NULL */
  xnn_runtime_t rt;
  struct xnn_external_value *ext;
  size_t num_ext;
} xnn_run;

struct ecnn_xnn_plan {
  const ecnn_graph *g;
  pthreadpool_t pool;
  xnn_run *runs;
  int32_t num_runs;
  int32_t delegated;
  float **unpacked; /* file-layout copies of packed conv weights (static values), one per tensor */
};

static bool initialized;

bool ecnn_xnn_available(void) { return true; }

static bool act_range(ecnn_activation a, float *lo, float *hi) {
  *lo = -INFINITY;
  *hi = INFINITY;
  switch (a) {
  case ECNN_ACT_NONE: return true;
  case ECNN_ACT_RELU: *lo = 0; return true;
  case ECNN_ACT_RELU_N1_TO_1: *lo = -1; *hi = 1; return true;
  case ECNN_ACT_RELU6: *lo = 0; *hi = 6; return true;
  default: return false;
  }
}

static bool is_f32(const ecnn_tensor *t) { return t && t->dtype == ECNN_DTYPE_F32; }

/* Whether node n can run in XNNPACK with TFLite semantics. */
static bool supported(const ecnn_graph *g, const ecnn_node *n) {
  const ecnn_tensor *x = ecnn_in(g, n, 0), *y = &g->tensors[n->outputs[0]];
  float lo, hi;
  if (!is_f32(x) || !is_f32(y) || n->quantized || n->num_outputs != 1) return false;
  if (ecnn_tensor_is_const(x)) return false;
  switch (n->op) {
  case ECNN_OP_CONV_2D:
  case ECNN_OP_DEPTHWISE_CONV_2D: {
    const ecnn_tensor *w = ecnn_in(g, n, 1), *b = ecnn_in(g, n, 2);
    return is_f32(w) && ecnn_tensor_is_const(w) && (!b || (is_f32(b) && ecnn_tensor_is_const(b))) &&
           x->ndim == 4 && act_range(n->params.activation, &lo, &hi);
  }
  case ECNN_OP_FULLY_CONNECTED: {
    const ecnn_tensor *w = ecnn_in(g, n, 1), *b = ecnn_in(g, n, 2);
    return is_f32(w) && ecnn_tensor_is_const(w) && (!b || (is_f32(b) && ecnn_tensor_is_const(b))) &&
           x->ndim == 2 && y->ndim == 2 && act_range(n->params.activation, &lo, &hi);
  }
  case ECNN_OP_ADD:
  case ECNN_OP_SUB:
  case ECNN_OP_MUL:
  case ECNN_OP_DIV: {
    const ecnn_tensor *b = ecnn_in(g, n, 1);
    return is_f32(b) && act_range(n->params.activation, &lo, &hi);
  }
  case ECNN_OP_MAXIMUM:
  case ECNN_OP_MINIMUM: return is_f32(ecnn_in(g, n, 1));
  case ECNN_OP_MAX_POOL_2D: return x->ndim == 4 && act_range(n->params.activation, &lo, &hi);
  case ECNN_OP_AVERAGE_POOL_2D:
    /* XNNPACK counts padded elements differently from TFLite: only unpadded pools */
    return x->ndim == 4 && n->params.padding == ECNN_PADDING_VALID &&
           act_range(n->params.activation, &lo, &hi);
  case ECNN_OP_RELU:
  case ECNN_OP_RELU6:
  case ECNN_OP_RELU_N1_TO_1:
  case ECNN_OP_LOGISTIC:
  case ECNN_OP_HARD_SWISH:
  case ECNN_OP_LEAKY_RELU:
  case ECNN_OP_RESHAPE:
  case ECNN_OP_SQUEEZE: return true;
  case ECNN_OP_SOFTMAX: return n->params.beta == 1.0f;
  case ECNN_OP_PRELU: {
    const ecnn_tensor *s = ecnn_in(g, n, 1);
    return is_f32(s) && ecnn_tensor_is_const(s) && s->ndim == 1 && x->ndim == 4 &&
           s->dims[0] == x->dims[3];
  }
  case ECNN_OP_PAD: {
    const ecnn_tensor *p = ecnn_in(g, n, 1);
    return p && p->dtype == ECNN_DTYPE_I32 && ecnn_tensor_is_const(p);
  }
  case ECNN_OP_RESIZE_BILINEAR:
    return x->ndim == 4 && !(n->params.align_corners && n->params.half_pixel_centers);
  case ECNN_OP_MEAN: {
    const ecnn_tensor *ax = ecnn_in(g, n, 1);
    if (!n->params.keep_dims || x->ndim != 4 || !ax || ax->dtype != ECNN_DTYPE_I32 ||
        !ecnn_tensor_is_const(ax) || ecnn_tensor_elements(ax) != 2)
      return false;
    const int32_t *a = ax->data;
    return (a[0] == 1 && a[1] == 2) || (a[0] == 2 && a[1] == 1);
  }
  default: return false;
  }
}

static void pads(int32_t in, int32_t filter, int32_t stride, int32_t dil, ecnn_padding p,
                 uint32_t *before, uint32_t *after) {
  int32_t b = 0;
  int32_t out = ecnn_conv_out_size(in, filter, stride, dil, p, &b);
  int32_t total = (out - 1) * stride + (filter - 1) * dil + 1 - in;
  *before = (uint32_t)(b > 0 ? b : 0);
  *after = (uint32_t)(total - b > 0 ? total - b : 0);
}

typedef struct define_ctx {
  ecnn_xnn_plan *plan;
  const ecnn_graph *g;
  xnn_subgraph_t sg;
  uint32_t *ids; /* per tensor: XNNPACK value id or XNN_INVALID_VALUE_ID */
  const uint8_t *boundary; /* per tensor: 1 = external (lives in the arena) */
} define_ctx;

static ecnn_status value(define_ctx *c, int32_t t, uint32_t *id) {
  if (c->ids[t] != XNN_INVALID_VALUE_ID) {
    *id = c->ids[t];
    return ECNN_STATUS_OK;
  }
  const ecnn_tensor *x = &c->g->tensors[t];
  size_t dims[XNN_MAX_TENSOR_DIMS];
  for (int32_t i = 0; i < x->ndim; i++) dims[i] = (size_t)x->dims[i];
  uint32_t flags = 0, ext = XNN_INVALID_VALUE_ID;
  if (c->boundary[t] == 1) {
    ext = (uint32_t)t;
    flags = XNN_VALUE_FLAG_EXTERNAL_INPUT;
  } else if (c->boundary[t] == 2) {
    ext = (uint32_t)t;
    flags = XNN_VALUE_FLAG_EXTERNAL_OUTPUT;
  }
  const void *data = ecnn_tensor_is_const(x) ? x->data : NULL;
  if (data && x->packed) { /* the model keeps conv weights packed: XNNPACK gets the file layout */
    if (!c->plan->unpacked[t]) {
      ecnn_conv_params p = {0};
      p.out_c = x->dims[0], p.kernel_h = x->dims[1], p.kernel_w = x->dims[2], p.in_c = x->dims[3];
      if (!(c->plan->unpacked[t] = malloc(ecnn_tensor_bytes(x))))
        return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "xnnpack: out of memory for weights");
      ecnn_f32_conv2d_unpack(&p, x->data, c->plan->unpacked[t]);
    }
    data = c->plan->unpacked[t];
  }
  if (xnn_define_tensor_value(c->sg, xnn_datatype_fp32, (size_t)x->ndim, dims, data, ext, flags,
                              &c->ids[t]) != xnn_status_success)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack: cannot define tensor '%s'", x->name);
  *id = c->ids[t];
  return ECNN_STATUS_OK;
}

static ecnn_status define_node(define_ctx *c, const ecnn_node *n) {
  const ecnn_graph *g = c->g;
  const ecnn_op_params *p = &n->params;
  const ecnn_tensor *x = ecnn_in(g, n, 0), *y = &g->tensors[n->outputs[0]];
  uint32_t in = 0, in2 = XNN_INVALID_VALUE_ID, out = 0, bias = XNN_INVALID_VALUE_ID;
  ecnn_status st = value(c, n->inputs[0], &in);
  if (st == ECNN_STATUS_OK) st = value(c, n->outputs[0], &out);
  if (st != ECNN_STATUS_OK) return st;
  float lo, hi;
  act_range(p->activation, &lo, &hi);
  enum xnn_status xs = xnn_status_success;
  uint32_t pt, pb, pl, pr;
  switch (n->op) {
  case ECNN_OP_CONV_2D:
  case ECNN_OP_DEPTHWISE_CONV_2D: {
    const ecnn_tensor *w = ecnn_in(g, n, 1);
    if ((st = value(c, n->inputs[1], &in2)) != ECNN_STATUS_OK) return st;
    if (ecnn_in(g, n, 2) && (st = value(c, n->inputs[2], &bias)) != ECNN_STATUS_OK) return st;
    int32_t kh = w->dims[1], kw = w->dims[2];
    pads(x->dims[1], kh, p->stride_h, p->dilation_h, p->padding, &pt, &pb);
    pads(x->dims[2], kw, p->stride_w, p->dilation_w, p->padding, &pl, &pr);
    if (n->op == ECNN_OP_CONV_2D) {
      int32_t cin = w->dims[3], groups = x->dims[3] / cin;
      xs = xnn_define_convolution_2d(c->sg, pt, pr, pb, pl, (uint32_t)kh, (uint32_t)kw,
                                     (uint32_t)p->stride_h, (uint32_t)p->stride_w,
                                     (uint32_t)p->dilation_h, (uint32_t)p->dilation_w,
                                     (uint32_t)groups, (size_t)cin, (size_t)(w->dims[0] / groups),
                                     lo, hi, in, in2, bias, out, 0);
    } else {
      xs = xnn_define_depthwise_convolution_2d(
          c->sg, pt, pr, pb, pl, (uint32_t)kh, (uint32_t)kw, (uint32_t)p->stride_h,
          (uint32_t)p->stride_w, (uint32_t)p->dilation_h, (uint32_t)p->dilation_w,
          (uint32_t)(y->dims[3] / x->dims[3]), (size_t)x->dims[3], lo, hi, in, in2, bias, out, 0);
    }
    break;
  }
  case ECNN_OP_FULLY_CONNECTED:
    if ((st = value(c, n->inputs[1], &in2)) != ECNN_STATUS_OK) return st;
    if (ecnn_in(g, n, 2) && (st = value(c, n->inputs[2], &bias)) != ECNN_STATUS_OK) return st;
    xs = xnn_define_fully_connected(c->sg, lo, hi, in, in2, bias, out, 0);
    break;
  case ECNN_OP_ADD:
  case ECNN_OP_SUB:
  case ECNN_OP_MUL:
  case ECNN_OP_DIV:
  case ECNN_OP_MAXIMUM:
  case ECNN_OP_MINIMUM:
    if ((st = value(c, n->inputs[1], &in2)) != ECNN_STATUS_OK) return st;
    if (n->op == ECNN_OP_ADD) xs = xnn_define_add2(c->sg, lo, hi, in, in2, out, 0);
    else if (n->op == ECNN_OP_SUB) xs = xnn_define_subtract(c->sg, lo, hi, in, in2, out, 0);
    else if (n->op == ECNN_OP_MUL) xs = xnn_define_multiply2(c->sg, lo, hi, in, in2, out, 0);
    else if (n->op == ECNN_OP_DIV) xs = xnn_define_divide(c->sg, lo, hi, in, in2, out, 0);
    else if (n->op == ECNN_OP_MAXIMUM) xs = xnn_define_maximum2(c->sg, in, in2, out, 0);
    else xs = xnn_define_minimum2(c->sg, in, in2, out, 0);
    break;
  case ECNN_OP_MAX_POOL_2D:
  case ECNN_OP_AVERAGE_POOL_2D:
    pads(x->dims[1], p->filter_h, p->stride_h, 1, p->padding, &pt, &pb);
    pads(x->dims[2], p->filter_w, p->stride_w, 1, p->padding, &pl, &pr);
    if (n->op == ECNN_OP_MAX_POOL_2D)
      xs = xnn_define_max_pooling_2d(c->sg, pt, pr, pb, pl, (uint32_t)p->filter_h,
                                     (uint32_t)p->filter_w, (uint32_t)p->stride_h,
                                     (uint32_t)p->stride_w, 1, 1, lo, hi, in, out, 0);
    else
      xs = xnn_define_average_pooling_2d(c->sg, pt, pr, pb, pl, (uint32_t)p->filter_h,
                                         (uint32_t)p->filter_w, (uint32_t)p->stride_h,
                                         (uint32_t)p->stride_w, lo, hi, in, out, 0);
    break;
  case ECNN_OP_RELU: xs = xnn_define_clamp(c->sg, 0, INFINITY, in, out, 0); break;
  case ECNN_OP_RELU6: xs = xnn_define_clamp(c->sg, 0, 6, in, out, 0); break;
  case ECNN_OP_RELU_N1_TO_1: xs = xnn_define_clamp(c->sg, -1, 1, in, out, 0); break;
  case ECNN_OP_LOGISTIC: xs = xnn_define_sigmoid(c->sg, in, out, 0); break;
  case ECNN_OP_HARD_SWISH: xs = xnn_define_hardswish(c->sg, in, out, 0); break;
  case ECNN_OP_LEAKY_RELU: xs = xnn_define_leaky_relu(c->sg, p->alpha, in, out, 0); break;
  case ECNN_OP_SOFTMAX: xs = xnn_define_softmax(c->sg, in, out, 0); break;
  case ECNN_OP_PRELU:
    if ((st = value(c, n->inputs[1], &in2)) != ECNN_STATUS_OK) return st;
    xs = xnn_define_prelu(c->sg, in, in2, out, 0);
    break;
  case ECNN_OP_RESHAPE:
  case ECNN_OP_SQUEEZE: {
    size_t shape[XNN_MAX_TENSOR_DIMS];
    for (int32_t i = 0; i < y->ndim; i++) shape[i] = (size_t)y->dims[i];
    xs = xnn_define_static_reshape(c->sg, (size_t)y->ndim, shape, in, out, 0);
    break;
  }
  case ECNN_OP_PAD: {
    const int32_t *pp = ecnn_in(g, n, 1)->data;
    size_t pre[XNN_MAX_TENSOR_DIMS], post[XNN_MAX_TENSOR_DIMS];
    for (int32_t i = 0; i < x->ndim; i++) {
      pre[i] = (size_t)pp[2 * i];
      post[i] = (size_t)pp[2 * i + 1];
    }
    xs = xnn_define_static_constant_pad(c->sg, pre, post, 0.0f, in, out, 0);
    break;
  }
  case ECNN_OP_RESIZE_BILINEAR: {
    uint32_t flags = p->align_corners ? XNN_FLAG_ALIGN_CORNERS
                     : p->half_pixel_centers ? 0
                                             : XNN_FLAG_TENSORFLOW_LEGACY_MODE;
    xs = xnn_define_static_resize_bilinear_2d(c->sg, (size_t)y->dims[1], (size_t)y->dims[2], in,
                                              out, flags);
    break;
  }
  case ECNN_OP_MEAN:
    xs = xnn_define_global_average_pooling_2d(c->sg, -INFINITY, INFINITY, in, out, 0);
    break;
  default: return ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack: %s", ecnn_op_name(n->op));
  }
  if (xs != xnn_status_success)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack refused %s #%d (status %d)",
                      ecnn_op_name(n->op), (int)n->index, (int)xs);
  return ECNN_STATUS_OK;
}

/* Defines nodes [first, last] as one subgraph and makes its runtime. */
static ecnn_status build_run(ecnn_xnn_plan *plan, xnn_run *r, void *const *data) {
  const ecnn_graph *g = plan->g;
  ecnn_status st = ECNN_STATUS_OK;
  uint8_t *boundary = calloc((size_t)g->num_tensors, 1);
  uint32_t *ids = malloc((size_t)g->num_tensors * sizeof *ids);
  xnn_subgraph_t sg = NULL;
  if (!boundary || !ids) {
    st = ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory building the xnnpack plan");
    goto done;
  }
  for (int32_t i = 0; i < g->num_tensors; i++) ids[i] = XNN_INVALID_VALUE_ID;
  /* produced inside? consumed outside (or a graph output)? */
  uint8_t *inside = calloc((size_t)g->num_tensors, 1);
  if (!inside) {
    st = ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory building the xnnpack plan");
    goto done;
  }
  for (int32_t k = r->first; k <= r->last; k++)
    for (int32_t o = 0; o < g->nodes[k].num_outputs; o++) inside[g->nodes[k].outputs[o]] = 1;
  for (int32_t k = r->first; k <= r->last; k++)
    for (int32_t i = 0; i < g->nodes[k].num_inputs; i++) {
      int32_t t = g->nodes[k].inputs[i];
      if (t >= 0 && !inside[t] && !ecnn_tensor_is_const(&g->tensors[t])) boundary[t] = 1;
    }
  for (int32_t k = 0; k < g->num_nodes; k++) {
    if (k >= r->first && k <= r->last) continue;
    for (int32_t i = 0; i < g->nodes[k].num_inputs; i++) {
      int32_t t = g->nodes[k].inputs[i];
      if (t >= 0 && inside[t]) boundary[t] = 2;
    }
  }
  for (int32_t i = 0; i < g->num_outputs; i++)
    if (inside[g->outputs[i]]) boundary[g->outputs[i]] = 2;
  for (int32_t i = 0; i < g->num_tensors; i++) /* read after the run (CAM features) */
    if (inside[i] && g->tensors[i].keep_alive) boundary[i] = 2;
  free(inside);
  if (xnn_create_subgraph((uint32_t)g->num_tensors, 0, &sg) != xnn_status_success) {
    st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack: cannot create a subgraph");
    goto done;
  }
  define_ctx c = {plan, g, sg, ids, boundary};
  for (int32_t k = r->first; k <= r->last && st == ECNN_STATUS_OK; k++)
    st = define_node(&c, &g->nodes[k]);
  if (st != ECNN_STATUS_OK) goto done;
  if (xnn_create_runtime_v2(sg, plan->pool, 0, &r->rt) != xnn_status_success) {
    st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack: cannot create a runtime");
    goto done;
  }
  size_t n = 0;
  for (int32_t i = 0; i < g->num_tensors; i++)
    n += boundary[i] != 0 && ids[i] != XNN_INVALID_VALUE_ID;
  r->ext = calloc(n ? n : 1, sizeof *r->ext);
  if (!r->ext) {
    st = ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory building the xnnpack plan");
    goto done;
  }
  for (int32_t i = 0; i < g->num_tensors; i++)
    if (boundary[i] && ids[i] != XNN_INVALID_VALUE_ID)
      r->ext[r->num_ext++] = (struct xnn_external_value){(uint32_t)i, data[i]};
  if (xnn_setup_runtime(r->rt, r->num_ext, r->ext) != xnn_status_success)
    st = ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack: cannot set up a runtime");
done:
  if (sg) xnn_delete_subgraph(sg);
  free(boundary);
  free(ids);
  return st;
}

ecnn_status ecnn_xnn_create(const ecnn_graph *g, void *const *data, int32_t threads,
                            ecnn_xnn_plan **out) {
  *out = NULL;
  if (!initialized) {
    if (xnn_initialize(NULL) != xnn_status_success)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, "xnnpack does not run on this CPU");
    initialized = true;
  }
  ecnn_xnn_plan *plan = calloc(1, sizeof *plan);
  if (!plan || !(plan->runs = calloc((size_t)g->num_nodes + 1, sizeof *plan->runs)) ||
      !(plan->unpacked = calloc((size_t)g->num_tensors + 1, sizeof *plan->unpacked))) {
    if (plan) free(plan->runs);
    free(plan);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory building the xnnpack plan");
  }
  plan->g = g;
  if (threads > 1) plan->pool = pthreadpool_create((size_t)threads);
  ecnn_status st = ECNN_STATUS_OK;
  for (int32_t k = 0; k < g->num_nodes && st == ECNN_STATUS_OK;) {
    bool sup = supported(g, &g->nodes[k]);
    int32_t e = k;
    while (e + 1 < g->num_nodes && supported(g, &g->nodes[e + 1]) == sup) e++;
    xnn_run *r = &plan->runs[plan->num_runs++];
    r->first = k;
    r->last = e;
    if (sup) {
      st = build_run(plan, r, data);
      plan->delegated += e - k + 1;
    }
    k = e + 1;
  }
  if (st != ECNN_STATUS_OK) {
    ecnn_xnn_free(plan);
    return st;
  }
  *out = plan;
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_xnn_run(ecnn_xnn_plan *plan, ecnn_op_ctx *ctx) {
  for (int32_t i = 0; i < plan->num_runs; i++) {
    xnn_run *r = &plan->runs[i];
    if (r->rt) {
      if (xnn_invoke_runtime(r->rt) != xnn_status_success)
        return ecnn_error(ECNN_STATUS_INVALID_STATE, "xnnpack runtime failed");
      continue;
    }
    for (int32_t k = r->first; k <= r->last; k++) {
      const ecnn_node *n = &plan->g->nodes[k];
      ctx->node = n;
      ecnn_op_run_fn run = n->quantized ? ecnn_q8_ops[n->op].run : ecnn_ops[n->op].run;
      ecnn_status st = run(ctx);
      if (st != ECNN_STATUS_OK) return st;
    }
  }
  return ECNN_STATUS_OK;
}

int32_t ecnn_xnn_delegated_nodes(const ecnn_xnn_plan *plan) { return plan ? plan->delegated : 0; }

void ecnn_xnn_free(ecnn_xnn_plan *plan) {
  if (!plan) return;
  for (int32_t i = 0; i < plan->num_runs; i++) {
    if (plan->runs[i].rt) xnn_delete_runtime(plan->runs[i].rt);
    free(plan->runs[i].ext);
  }
  if (plan->pool) pthreadpool_destroy(plan->pool);
  for (int32_t t = 0; plan->unpacked && t < plan->g->num_tensors; t++) free(plan->unpacked[t]);
  free(plan->unpacked);
  free(plan->runs);
  free(plan);
}

#else /* !ECNN_HAVE_XNNPACK */

bool ecnn_xnn_available(void) { return false; }

ecnn_status ecnn_xnn_create(const ecnn_graph *g, void *const *data, int32_t threads,
                            ecnn_xnn_plan **plan) {
  (void)g;
  (void)data;
  (void)threads;
  *plan = NULL;
  return ecnn_error(ECNN_STATUS_UNSUPPORTED,
                    "backend xnnpack is not available in this build (install libxnnpack-dev "
                    "and libpthreadpool-dev, then reconfigure)");
}

ecnn_status ecnn_xnn_run(ecnn_xnn_plan *plan, ecnn_op_ctx *ctx) {
  (void)plan;
  (void)ctx;
  return ecnn_error(ECNN_STATUS_UNSUPPORTED, "backend xnnpack is not available in this build");
}

int32_t ecnn_xnn_delegated_nodes(const ecnn_xnn_plan *plan) {
  (void)plan;
  return 0;
}

void ecnn_xnn_free(ecnn_xnn_plan *plan) { (void)plan; }

#endif
