/*
 * depthwise_conv2d.c — DEPTHWISE_CONV_2D: validation and shape inference (once per model
 * load, every dtype) and the float32 run through the scalar reference kernel. TFLite
 * semantics: input NHWC [N,H,W,C], weights [1, KH, KW, C*M], optional bias [C*M], output
 * channel c*M + m reads input channel c; SAME/VALID padding, strides, dilations, fused
 * activation. The multiplier M is taken from the weights' shape (which is what memory safety
 * depends on); the options' depth_multiplier is not used: TFLite calls it redundant and has
 * ignored it since TF 2.0 (builtin_op_data.h), and converters may leave 0 or a stale value.
 * MACs = batch * OH * OW * C * M * KH * KW.
 */
#include <math.h>
#include <string.h>

#include "../kernels/conv.h"
#include "../kernels/conv_tile.h"
#include "../kernels/isa.h"
#include "../threadpool.h"
#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

static ecnn_status geometry(const ecnn_graph *g, const ecnn_node *n, ecnn_conv_params *p) {
  const ecnn_tensor *in = ecnn_in(g, n, 0), *w = ecnn_in(g, n, 1), *bias = ecnn_in(g, n, 2);
  const ecnn_op_params *o = &n->params;
  if (in->ndim != 4)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "input '%s' has %d dims, expected 4 (NHWC)",
                      OPARG, in->name, (int)in->ndim);
  if (w->ndim != 4 || w->dims[0] != 1)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "weights '%s' must have shape [1, KH, KW, C*M]", OPARG, w->name);
  for (int32_t i = 0; i < 4; i++)
    if (w->dims[i] < 1 || in->dims[i] < 1)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "input '%s' or weights '%s' is empty",
                        OPARG, in->name, w->name);
  if (!w->data || w->const_bytes < ecnn_tensor_bytes(w))
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "weights '%s' must be a constant", OPARG,
                      w->name);
  if (o->stride_h < 1 || o->stride_w < 1 || o->dilation_h < 1 || o->dilation_w < 1)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "stride %dx%d / dilation %dx%d must be >= 1",
                      OPARG, (int)o->stride_h, (int)o->stride_w, (int)o->dilation_h,
                      (int)o->dilation_w);
  if (o->padding != ECNN_PADDING_SAME && o->padding != ECNN_PADDING_VALID)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "unknown padding %d", OPARG,
                      (int)o->padding);
  p->batch = in->dims[0];
  p->in_h = in->dims[1];
  p->in_w = in->dims[2];
  p->in_c = in->dims[3];
  p->kernel_h = w->dims[1];
  p->kernel_w = w->dims[2];
  p->out_c = w->dims[3];
  if (p->out_c % p->in_c != 0)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "weights depth %d is not a multiple of the input depth %d", OPARG,
                      (int)p->out_c, (int)p->in_c);
  p->depth_multiplier = p->out_c / p->in_c;
  p->groups = 1;
  if (bias) {
    if (!bias->data || bias->const_bytes < ecnn_tensor_bytes(bias))
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "bias '%s' must be a constant", OPARG,
                        bias->name);
    if (bias->ndim != 1 || bias->dims[0] != p->out_c)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "bias '%s' must have shape [%d]", OPARG,
                        bias->name, (int)p->out_c);
  }
  if ((int64_t)(p->kernel_h - 1) * o->dilation_h >= INT32_MAX / 2 ||
      (int64_t)(p->kernel_w - 1) * o->dilation_w >= INT32_MAX / 2)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "dilated kernel extent is too large", OPARG);
  p->stride_h = o->stride_h;
  p->stride_w = o->stride_w;
  p->dilation_h = o->dilation_h;
  p->dilation_w = o->dilation_w;
  p->out_h =
      ecnn_conv_out_size(p->in_h, p->kernel_h, p->stride_h, p->dilation_h, o->padding, &p->pad_top);
  p->out_w = ecnn_conv_out_size(p->in_w, p->kernel_w, p->stride_w, p->dilation_w, o->padding,
                                &p->pad_left);
  if (p->out_h < 1 || p->out_w < 1)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "%dx%d kernel (dilation %dx%d) does not fit the %dx%d input", OPARG,
                      (int)p->kernel_h, (int)p->kernel_w, (int)p->dilation_h, (int)p->dilation_w,
                      (int)p->in_h, (int)p->in_w);
  ecnn_activation_range(o->activation, &p->out_min, &p->out_max);
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_op_depthwise_conv2d_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 2, 3, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *in = ecnn_in(g, n, 0), *w = ecnn_in(g, n, 1), *bias = ecnn_in(g, n, 2);
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if ((st = ecnn_check_weighted_types(n, in, w, bias, out)) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_const(n, w, "weights")) != ECNN_STATUS_OK) return st;
  if ((st = ecnn_check_activation(n, n->params.activation)) != ECNN_STATUS_OK) return st;
  ecnn_conv_params p = {0};
  if ((st = geometry(g, n, &p)) != ECNN_STATUS_OK) return st;
  int32_t dims[4] = {p.batch, p.out_h, p.out_w, p.out_c};
  ecnn_set_shape(out, 4, dims);
  int64_t macs = (int64_t)p.out_h * p.out_w;
  int64_t f[4] = {p.out_c, p.kernel_h, p.kernel_w, p.batch};
  for (int i = 0; i < 4; i++)
    if (__builtin_mul_overflow(macs, f[i], &macs))
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "MAC count overflows", OPARG);
  n->macs = macs;
  return ECNN_STATUS_OK;
}

typedef struct dw_job {
  const ecnn_conv_params *p;
  const float *in, *w, *bias;
  float *out;
  ecnn_isa isa;
} dw_job;

static void dw_rows(void *arg, int64_t begin, int64_t end) {
  const dw_job *j = arg;
  if (j->isa == ECNN_ISA_AVX512)
    ecnn_f32_dwconv2d_rows__avx512(j->p, j->in, j->w, j->bias, j->out, (int32_t)begin,
                                   (int32_t)end);
  else if (j->isa == ECNN_ISA_NEON)
    ecnn_f32_dwconv2d_rows__neon(j->p, j->in, j->w, j->bias, j->out, (int32_t)begin, (int32_t)end);
  else
    ecnn_f32_dwconv2d_rows__avx2(j->p, j->in, j->w, j->bias, j->out, (int32_t)begin, (int32_t)end);
}

static void dw_compute(ecnn_isa isa, const ecnn_conv_params *p, const float *in, const float *w,
                       const float *bias, float *out) {
  dw_job j = {p, in, w, bias, out, isa};
  if (isa != ECNN_ISA_SCALAR && p->depth_multiplier == 1)
    dw_rows(&j, 0, (int64_t)p->batch * p->out_h);
  else
    ecnn_f32_dwconv2d__scalar(p, in, w, bias, out);
}

/* ---- a CONV_2D fused into this depthwise, computed band by band ----
 * (MobileNetV2's 1x1 expansion, or a network's first KxK conv when a depthwise reads it)
 * A band is a run of the depthwise's output rows of one image; the conv computes the input
 * rows the band reads (clipped to the image) into the thread's scratch, and the depthwise reads
 * them there as a small image whose top padding is what remains of the real one. Bands overlap
 * by the kernel's extra rows: a thread that runs consecutive bands keeps them where they are
 * in its scratch (which holds two bands' rows; they move to its front only when the next band
 * would run past its end), the first band of a thread's share computes them again. The
 * expanded tensor never goes to memory, and bands are independent (the thread pool shares
 * them out). Only expanded tensors over 1 MB are fused: smaller ones stay in cache unfused. */

enum {
  FUSED_BAND_BYTES = 256 * 1024, /* expanded rows per band: well inside L2 */
  FUSED_MIN_BYTES = 1024 * 1024, /* smaller expanded tensors stay in L2 anyway: not fused */
};

/* Input rows [y0, y1) that output rows [r0, r1) read. */
static void band_input_rows(const ecnn_conv_params *d, int32_t r0, int32_t r1, int32_t *y0,
                            int32_t *y1) {
  const int64_t lo = (int64_t)r0 * d->stride_h - d->pad_top;
  const int64_t hi =
      (int64_t)(r1 - 1) * d->stride_h - d->pad_top + (int64_t)(d->kernel_h - 1) * d->dilation_h + 1;
  *y0 = lo < 0 ? 0 : (int32_t)lo;
  *y1 = hi > d->in_h ? d->in_h : (int32_t)hi;
}

/* Input rows a band of r output rows reads at most. */
static size_t band_extent(const ecnn_conv_params *d, int32_t r) {
  const size_t e = (size_t)(r - 1) * d->stride_h + (size_t)(d->kernel_h - 1) * d->dilation_h + 1;
  return e < (size_t)d->in_h ? e : (size_t)d->in_h;
}

/* Output rows per band: as many as keep the band's input rows within FUSED_BAND_BYTES. */
static int32_t band_rows(const ecnn_conv_params *d) {
  const size_t row = (size_t)d->in_w * d->in_c * sizeof(float);
  int32_t r = 1;
  while (r < d->out_h && band_extent(d, r + 1) * row <= FUSED_BAND_BYTES) r++;
  return r;
}

/* Expanded rows a thread's scratch holds: twice a band's (at most the image's), so that
 * consecutive bands mostly move forward in it and the rows they share seldom move. */
static size_t expanded_rows(const ecnn_conv_params *d) {
  const size_t e = 2 * band_extent(d, band_rows(d));
  return e < (size_t)d->in_h ? e : (size_t)d->in_h;
}

/* The floats of the expanded rows: the first part of a thread's scratch. */
static size_t expanded_floats(const ecnn_conv_params *d) {
  return expanded_rows(d) * d->in_w * d->in_c;
}

size_t ecnn_depthwise_fused_scratch(const ecnn_graph *g, const ecnn_node *conv,
                                    const ecnn_node *dw) {
  ecnn_conv_params c = {0}, d = {0};
  /* packable: a float CONV_2D, not quantized */
  if (dw->op != ECNN_OP_DEPTHWISE_CONV_2D || dw->quantized || !ecnn_conv2d_packable(g, conv) ||
      conv->num_outputs != 1 || dw->inputs[0] != conv->outputs[0] ||
      conv->params.activation == ECNN_ACT_TANH || dw->params.activation == ECNN_ACT_TANH)
    return 0;
  if (ecnn_conv2d_geometry(g, conv, &c) != ECNN_STATUS_OK || geometry(g, dw, &d) != ECNN_STATUS_OK)
    return 0;
  if (d.depth_multiplier != 1 || c.out_c != d.in_c || c.out_h != d.in_h || c.out_w != d.in_w)
    return 0;
  if ((size_t)d.batch * d.in_h * d.in_w * d.in_c * sizeof(float) < FUSED_MIN_BYTES) return 0;
  return expanded_floats(&d) * sizeof(float);
}

size_t ecnn_depthwise_project_scratch(const ecnn_graph *g, const ecnn_node *dw) {
  ecnn_conv_params d = {0};
  if (geometry(g, dw, &d) != ECNN_STATUS_OK) return 0;
  return (size_t)band_rows(&d) * d.out_w * d.out_c * sizeof(float);
}

/* What a thread's scratch holds after its last band: the expanded rows [have_y0, have_y1) of
 * image have_b from row `at` on; the next band it may continue from is `next`. A thread that
 * runs its two parts of a job one after the other keeps its rows (they are consecutive). */
typedef struct band_state {
  int64_t next;
  int32_t have_b, have_y0, have_y1, at;
  char pad[40]; /* one cache line each: the threads write their own */
} band_state;

enum { BAND_STATES = 16 }; /* threads past this many start every part afresh */

typedef struct fused_job {
  const ecnn_graph *g;
  const ecnn_node *conv, *proj; /* proj: the projection run on each band, or NULL */
  void *const *data;
  ecnn_conv_params c, d;
  const float *in, *cw, *cb, *dw, *db;
  float *out;
  char *scratch;
  size_t slice;
  int32_t bands; /* bands per image (out_h / bands rows each, rounded down or up) */
  size_t expanded_floats; /* the expanded rows' share of a thread's scratch */
  ecnn_isa isa;
  band_state *states; /* BAND_STATES of them, by thread */
} fused_job;

/* The first output row of band k: bands differ by at most a row (a thread's share of them
 * then differs from another's by at most a row too). */
static inline int32_t band_start(const fused_job *j, int32_t k) {
  return (int32_t)((int64_t)k * j->d.out_h / j->bands);
}

static void fused_bands(void *arg, int64_t begin, int64_t end) {
  const fused_job *j = arg;
  const int32_t t = ecnn_threadpool_current();
  float *buf = (float *)(j->scratch + (size_t)t * j->slice);
  const size_t row = (size_t)j->d.in_w * j->d.in_c; /* floats per expanded row */
  const int32_t cap = (int32_t)(j->expanded_floats / row); /* rows buf holds */
  /* the rows of the previous band, in buf from row `at` on: this thread's last part's when
   * it ended where this one begins */
  band_state fresh = {.next = -1, .have_b = -1}, *st = t < BAND_STATES ? &j->states[t] : &fresh;
  if (st->next != begin) st->have_b = -1, st->at = 0;
  int32_t have_b = st->have_b, have_y0 = st->have_y0, have_y1 = st->have_y1, at = st->at;
  for (int64_t i = begin; i < end; i++) {
    const int32_t b = (int32_t)(i / j->bands), k = (int32_t)(i % j->bands);
    const int32_t r0 = band_start(j, k), r1 = band_start(j, k + 1);
    int32_t y0, y1;
    band_input_rows(&j->d, r0, r1, &y0, &y1);
    /* rows the previous band of this image computed are used where they are (or, when the
     * band would run past the end of buf, moved to its front) instead of being computed
     * again; the conv computes the rest after them */
    int32_t from = y0;
    if (have_b == b && have_y1 > y0 && have_y0 <= y0) {
      at += y0 - have_y0;
      if (at + (y1 - y0) > cap) {
        memmove(buf, buf + (size_t)at * row, (size_t)(have_y1 - y0) * row * sizeof(float));
        at = 0;
      }
      from = have_y1;
    } else {
      at = 0;
    }
    float *rows = buf + (size_t)at * row; /* expanded row y0 */
    ecnn_conv_params c = j->c, d = j->d; /* the band as a one-image problem */
    c.batch = d.batch = 1;
    if (y1 > from) {
      /* the conv's output rows [from, y1) from its input rows [cy0, cy1) (the same rows for
       * a pointwise conv; a KxK one reads its window, the padding cut as for the band) */
      int32_t cy0, cy1;
      band_input_rows(&j->c, from, y1, &cy0, &cy1);
      c.in_h = cy1 - cy0;
      c.out_h = y1 - from;
      c.pad_top = j->c.pad_top - from * j->c.stride_h + cy0;
      ecnn_conv2d_compute(j->g, j->conv, &c,
                          j->in + ((size_t)b * j->c.in_h + (size_t)cy0) * c.in_w * c.in_c,
                          j->cw, j->cb, rows + (size_t)(from - y0) * row);
    }
    have_b = b, have_y0 = y0, have_y1 = y1;
    d.in_h = y1 - y0;
    d.out_h = r1 - r0;
    d.pad_top = j->d.pad_top - r0 * j->d.stride_h + y0;
    const int64_t px0 = ((int64_t)b * j->d.out_h + r0) * d.out_w;
    if (!j->proj) {
      dw_compute(j->isa, &d, rows, j->dw, j->db, j->out + (size_t)px0 * d.out_c);
      continue;
    }
    /* the band's depthwise output goes to scratch, and the projection reads it there */
    float *band = buf + j->expanded_floats;
    dw_compute(j->isa, &d, rows, j->dw, j->db, band);
    ecnn_conv2d_project(j->g, j->proj, j->data, band, px0, (int64_t)(r1 - r0) * d.out_w);
  }
  *st = (band_state){.next = end, .have_b = have_b, .have_y0 = have_y0, .have_y1 = have_y1,
                     .at = at};
}

static ecnn_status run_fused(const ecnn_op_ctx *ctx, const ecnn_conv_params *d) {
  const ecnn_node *n = ctx->node, *conv = n - 1; /* fused pairs are adjacent (model.c) */
  fused_job j = {.g = ctx->graph,
                 .conv = conv,
                 .d = *d,
                 .out = ecnn_ctx_out(ctx, 0),
                 .isa = ecnn_isa_active()};
  ecnn_status st = ecnn_conv2d_geometry(ctx->graph, conv, &j.c);
  if (st != ECNN_STATUS_OK) return st;
  if (!ctx->scratch || ctx->scratch_bytes < n->scratch_bytes)
    return ecnn_error(ECNN_STATUS_INVALID_STATE, OPFMT "fused scratch missing", OPARG);
  j.in = ctx->data[conv->inputs[0]];
  j.cw = ctx->data[conv->inputs[1]];
  j.cb = conv->num_inputs > 2 && conv->inputs[2] >= 0 ? ctx->data[conv->inputs[2]] : NULL;
  j.dw = ecnn_ctx_in(ctx, 1);
  j.db = ecnn_ctx_in(ctx, 2);
  j.scratch = ctx->scratch;
  j.slice = ctx->scratch_bytes;
  j.expanded_floats = expanded_floats(d);
  j.data = ctx->data;
  j.proj = n->fuses_project ? n + 1 : NULL; /* the projection follows (model.c) */
  /* bands of at most band_rows() rows (what the scratch holds); threaded, a multiple of the
   * parts ecnn_parallel_for makes (ecnn_threadpool_parts), so that every part gets the same
   * rows within one (with bands of equal height, 15 bands of 10 rows went 8 / 7) */
  const int32_t band = band_rows(d);
  j.bands = (d->out_h + band - 1) / band;
  if (ecnn_threadpool_size(ctx->pool) > 1 && d->batch == 1) {
    const int32_t parts = ecnn_threadpool_parts(ctx->pool);
    const int32_t want = (j.bands + parts - 1) / parts * parts;
    if (want <= d->out_h) j.bands = want;
  }
  band_state states[BAND_STATES];
  for (int32_t t = 0; t < BAND_STATES; t++) states[t] = (band_state){.next = -1, .have_b = -1};
  j.states = states;
  ecnn_parallel_for(ctx->pool, (int64_t)d->batch * j.bands, 1, fused_bands, &j);
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_op_depthwise_conv2d_run(const ecnn_op_ctx *ctx) {
  const ecnn_node *n = ctx->node;
  ecnn_conv_params p = {0};
  ecnn_status st = ecnn_check_f32_run(ctx, 0);
  if (st == ECNN_STATUS_OK) st = geometry(ctx->graph, n, &p);
  if (st != ECNN_STATUS_OK) return st;
  if (n->fuses_prev && !ctx->unfused) return run_fused(ctx, &p);
  float *out = ecnn_ctx_out(ctx, 0);
  const ecnn_isa isa = ecnn_isa_active();
  if (isa != ECNN_ISA_SCALAR && p.depth_multiplier == 1) {
    dw_job j = {&p, ecnn_ctx_in(ctx, 0), ecnn_ctx_in(ctx, 1), ecnn_ctx_in(ctx, 2), out, isa};
    ecnn_parallel_for(ctx->pool, (int64_t)p.batch * p.out_h, 1, dw_rows, &j);
  } else {
    ecnn_f32_dwconv2d__scalar(&p, ecnn_ctx_in(ctx, 0), ecnn_ctx_in(ctx, 1), ecnn_ctx_in(ctx, 2),
                              out);
  }
  if (n->params.activation == ECNN_ACT_TANH)
    ecnn_activate_n(out, (int64_t)p.batch * p.out_h * p.out_w * p.out_c, ECNN_ACT_TANH);
  return ECNN_STATUS_OK;
}
