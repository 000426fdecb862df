/*
 * session.c — an executable instance of a model: one arena sized by the planner, the data
 * pointer of every tensor, and the run loop that calls each op's kernel in order. Runs per
 * frame: no allocation after create.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/xnnpack.h"
#include "model.h"
#include "ops/ops.h"
#include "threadpool.h"

struct ecnn_session {
  const ecnn_model *model;
  ecnn_session_options options;
  uint8_t *arena;
  void **data; /* per tensor id: constant data, arena slot, or NULL when unused */
  bool has_run;
  ecnn_xnn_plan *xnn; /* backend xnnpack only */
  ecnn_threadpool *pool; /* native backend, threads > 1 */
  void *scratch;         /* fused nodes' scratch: threads slices of scratch_bytes */
  size_t scratch_bytes;
  double *profile;       /* ECNN_PROFILE=1: seconds per node, summed over runs */
  bool profile_nodes;    /* ECNN_PROFILE=2: also print every node */
  int64_t runs;
  ecnn_node_observer observer; /* called after each node (the quantizer's calibration) */
  void *observer_user;
};

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct prof_row {
  const char *name;
  double secs;
  int64_t macs;
  int count;
} prof_row;

static int by_secs(const void *a, const void *b) {
  const prof_row *x = a, *y = b;
  return x->secs < y->secs ? 1 : x->secs > y->secs ? -1 : 0;
}

/* The kinds of fused node the profile counts apart, after the op types. */
enum { FUSED_EXPAND = ECNN_OP_COUNT, FUSED_ADD, FUSED_BLOCK, PROFILE_ROWS };
static const char *const fused_names[] = {"CONV_2D+DEPTHWISE fused", "CONV_2D+ADD fused",
                                          "CONV+DEPTHWISE+1x1 fused"};
static const char *const fused_notes[] = {"  (with the CONV_2D before it)",
                                          "  (with the residual ADD after it)",
                                          "  (with the CONV_2Ds before and after it)"};

/* The profile row of node n: its op type, or the kind of fusion it runs. */
static int32_t profile_row(const ecnn_node *n) {
  return n->fuses_project ? FUSED_BLOCK
         : n->fuses_prev  ? FUSED_EXPAND
         : n->fuses_next  ? FUSED_ADD
                          : (int32_t)n->op;
}

/* The MACs node k runs: its own and those of every node fused into it. */
static int64_t run_macs(const ecnn_graph *g, int32_t k) {
  int64_t macs = g->nodes[k].macs;
  for (int32_t j = 0; j < g->num_nodes; j++)
    if (g->nodes[j].fused_away && g->nodes[j].fused_by == k) macs += g->nodes[j].macs;
  return macs;
}

/* Prints where the time went, per op type, to stderr (ECNN_PROFILE=1). */
static void print_profile(const ecnn_session *s) {
  const ecnn_graph *g = &s->model->graph;
  prof_row rows[PROFILE_ROWS];
  memset(rows, 0, sizeof rows);
  double total = 0;
  for (int32_t k = 0; k < g->num_nodes; k++) {
    const ecnn_node *n = &g->nodes[k];
    if (n->fused_away) continue; /* counted with the node running it */
    const int32_t row = profile_row(n);
    prof_row *r = &rows[row];
    r->name = row < ECNN_OP_COUNT ? ecnn_op_name(n->op) : fused_names[row - ECNN_OP_COUNT];
    r->secs += s->profile[k];
    r->macs += run_macs(g, k);
    r->count++;
    total += s->profile[k];
  }
  if (s->profile_nodes) /* ECNN_PROFILE=2: every node, in execution order */
    for (int32_t k = 0; k < g->num_nodes; k++) {
      const ecnn_node *n = &g->nodes[k];
      const ecnn_tensor *t = n->num_outputs ? &g->tensors[n->outputs[0]] : NULL;
      if (n->fused_away) continue;
      const int32_t row = profile_row(n);
      fprintf(stderr, "profile: #%-3d %-20s %4dx%-4dx%-5d %8.3f ms %7.2f GMAC/s%s\n", (int)n->index,
              ecnn_op_name(n->op), t && t->ndim == 4 ? (int)t->dims[1] : 0,
              t && t->ndim == 4 ? (int)t->dims[2] : 0, t && t->ndim ? (int)t->dims[t->ndim - 1] : 0,
              1e3 * s->profile[k] / (double)s->runs,
              s->profile[k] > 0 ? (double)run_macs(g, k) * (double)s->runs / s->profile[k] / 1e9 : 0,
              row < ECNN_OP_COUNT ? "" : fused_notes[row - ECNN_OP_COUNT]);
    }
  qsort(rows, PROFILE_ROWS, sizeof rows[0], by_secs);
  fprintf(stderr, "profile: %lld runs, %.3f ms per run\n", (long long)s->runs,
          1e3 * total / (double)s->runs);
  for (int i = 0; i < PROFILE_ROWS && rows[i].count; i++)
    fprintf(stderr, "profile: %-22s %3d ops %8.3f ms %5.1f%%  %6.2f GMAC/s\n", rows[i].name,
            rows[i].count, 1e3 * rows[i].secs / (double)s->runs, 100 * rows[i].secs / total,
            rows[i].secs > 0 ? (double)rows[i].macs * (double)s->runs / rows[i].secs / 1e9 : 0);
}

void ecnn_session_options_init(ecnn_session_options *options) {
  if (!options) return;
  memset(options, 0, sizeof *options);
  options->threads = 1;
  options->precision = ECNN_PRECISION_FP32;
  options->backend = ECNN_BACKEND_NATIVE;
}

ecnn_status ecnn_session_create(const ecnn_model *model, const ecnn_session_options *options,
                                ecnn_session **session) {
  if (!session) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "session pointer is NULL");
  *session = NULL;
  if (!model) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "model is NULL");
  ecnn_session_options opt;
  ecnn_session_options_init(&opt);
  if (options) opt = *options;
  if (opt.threads < 1 || opt.threads > 256)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "threads must be 1..256, got %d",
                      (int)opt.threads);
  if (opt.backend != ECNN_BACKEND_NATIVE && opt.backend != ECNN_BACKEND_XNNPACK)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "unknown backend %d", (int)opt.backend);
  if (opt.backend == ECNN_BACKEND_XNNPACK && !ecnn_xnn_available())
    return ecnn_xnn_create(&model->graph, NULL, opt.threads, &(ecnn_xnn_plan *){NULL});
  if (opt.precision == ECNN_PRECISION_INT8) {
    const ecnn_graph *g = &model->graph;
    bool any_q8 = false;
    for (int32_t k = 0; k < g->num_nodes; k++) any_q8 |= g->nodes[k].quantized;
    if (!any_q8)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED,
                        "precision int8 needs a quantized (int8) model; this one is float");
  } else if (opt.precision != ECNN_PRECISION_FP32) {
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "unknown precision %d", (int)opt.precision);
  }

  const ecnn_graph *g = &model->graph;
  ecnn_session *s = calloc(1, sizeof *s);
  if (!s) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory creating session");
  s->model = model;
  s->options = opt;
  /* XNNPACK sessions run every node (no fusion): the unfused plan */
  const bool unfused = opt.backend == ECNN_BACKEND_XNNPACK;
  size_t arena = ((unfused ? model->unfused_arena_bytes : g->arena_bytes) + 63) & ~(size_t)63;
  /* XNNPACK may read up to 16 bytes past an input's end (XNN_EXTRA_BYTES): 64 spare bytes */
  if (unfused) arena += 64;
  s->arena = aligned_alloc(64, arena ? arena : 64);
  s->data = calloc((size_t)g->num_tensors + 1, sizeof(void *));
  if (!s->arena || !s->data) {
    ecnn_session_free(s);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory for the %zu-byte arena", arena);
  }
  memset(s->arena, 0, arena ? arena : 64);
  for (int32_t i = 0; i < g->num_tensors; i++) {
    const ecnn_tensor *t = &g->tensors[i];
    if (t->data) s->data[i] = t->data;
    else if (unfused && model->unfused_offsets[i] != SIZE_MAX)
      s->data[i] = s->arena + model->unfused_offsets[i];
    else if (!unfused && t->first_node >= 0) s->data[i] = s->arena + t->arena_offset;
  }
  /* per-thread scratch of fused nodes: one slice per thread of the largest need */
  size_t slice = 0;
  for (int32_t k = 0; k < g->num_nodes; k++)
    if (g->nodes[k].scratch_bytes > slice) slice = g->nodes[k].scratch_bytes;
  slice = (slice + 63) & ~(size_t)63;
  if (slice) {
    s->scratch = aligned_alloc(64, slice * (size_t)opt.threads);
    s->scratch_bytes = slice;
    if (!s->scratch) {
      ecnn_session_free(s);
      return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory for %zu bytes of scratch",
                        slice * (size_t)opt.threads);
    }
  }
  const char *prof = getenv("ECNN_PROFILE");
  if (prof && (prof[0] == '1' || prof[0] == '2')) {
    s->profile = calloc((size_t)g->num_nodes + 1, sizeof(double));
    s->profile_nodes = prof[0] == '2';
  }
  if (opt.backend == ECNN_BACKEND_NATIVE) {
    ecnn_status st = ecnn_threadpool_create(opt.threads, &s->pool);
    if (st != ECNN_STATUS_OK) {
      ecnn_session_free(s);
      return st;
    }
  }
  if (opt.backend == ECNN_BACKEND_XNNPACK) {
    ecnn_status st = ecnn_xnn_create(g, s->data, opt.threads, &s->xnn);
    if (st != ECNN_STATUS_OK) {
      ecnn_session_free(s);
      return st;
    }
  }
  *session = s;
  return ECNN_STATUS_OK;
}

void ecnn_session_free(ecnn_session *session) {
  if (!session) return;
  if (session->profile && session->runs) print_profile(session);
  free(session->profile);
  free(session->scratch);
  ecnn_xnn_free(session->xnn);
  ecnn_threadpool_free(session->pool);
  free(session->arena);
  free(session->data);
  free(session);
}

static const ecnn_tensor *input_tensor(const ecnn_session *s, int32_t index) {
  const ecnn_graph *g = &s->model->graph;
  if (index < 0 || index >= g->num_inputs) return NULL;
  return &g->tensors[g->inputs[index]];
}

void *ecnn_session_input_data(ecnn_session *session, int32_t index) {
  if (!session || !input_tensor(session, index)) return NULL;
  return session->data[session->model->graph.inputs[index]];
}

ecnn_status ecnn_session_set_input(ecnn_session *session, int32_t index, const void *data,
                                   size_t bytes) {
  if (!session || !data) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "NULL argument");
  const ecnn_tensor *t = input_tensor(session, index);
  if (!t)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "input index %d out of range (model has %d)",
                      (int)index, (int)session->model->graph.num_inputs);
  size_t need = ecnn_tensor_bytes(t);
  if (bytes != need)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                      "input %d ('%s') needs %zu bytes, got %zu", (int)index, t->name, need,
                      bytes);
  void *dst = session->data[session->model->graph.inputs[index]];
  if (dst != data) memcpy(dst, data, bytes); /* data may already be the input's storage */
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_session_run(ecnn_session *session) {
  if (!session) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "session is NULL");
  const ecnn_graph *g = &session->model->graph;
  ecnn_op_ctx ctx = {.graph = g, .pool = session->pool, .data = session->data,
                     .scratch = session->scratch, .scratch_bytes = session->scratch_bytes};
  if (session->xnn) {
    ctx.unfused = true;
    ecnn_status st = ecnn_xnn_run(session->xnn, &ctx);
    session->has_run = st == ECNN_STATUS_OK;
    return st;
  }
  for (int32_t k = 0; k < g->num_nodes; k++) {
    const ecnn_node *n = &g->nodes[k];
    if (n->fused_away) continue; /* another node does its work */
    ctx.node = n;
    ecnn_op_run_fn run = n->quantized ? ecnn_q8_ops[n->op].run : ecnn_ops[n->op].run;
    const double t0 = session->profile ? seconds() : 0;
    ecnn_status st = run(&ctx);
    if (session->profile) session->profile[k] += seconds() - t0;
    if (st != ECNN_STATUS_OK) {
      session->has_run = false;
      return st;
    }
    if (session->observer) session->observer(session->observer_user, g, n, session->data);
  }
  ecnn_threadpool_park(session->pool);
  session->runs++;
  session->has_run = true;
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_session_output(const ecnn_session *session, int32_t index, const void **data,
                                ecnn_tensor_info *info) {
  if (!session) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "session is NULL");
  const ecnn_graph *g = &session->model->graph;
  if (index < 0 || index >= g->num_outputs)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                      "output index %d out of range (model has %d)", (int)index,
                      (int)g->num_outputs);
  if (!session->has_run)
    return ecnn_error(ECNN_STATUS_INVALID_STATE, "no successful run yet: call ecnn_session_run");
  int32_t id = g->outputs[index];
  if (data) *data = session->data[id];
  if (info) ecnn_tensor_fill_info(&g->tensors[id], info);
  return ECNN_STATUS_OK;
}

const ecnn_model *ecnn_session_model(const ecnn_session *session) {
  return session ? session->model : NULL;
}

const void *ecnn_session_tensor(const ecnn_session *session, int32_t tensor) {
  if (!session || tensor < 0 || tensor >= session->model->graph.num_tensors) return NULL;
  return session->data[tensor];
}

bool ecnn_session_has_run(const ecnn_session *session) { return session && session->has_run; }

void ecnn_session_set_observer(ecnn_session *session, ecnn_node_observer fn, void *user) {
  if (!session) return;
  session->observer = fn;
  session->observer_user = user;
}
