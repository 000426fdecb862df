/*
 * conv2d.c — CONV_2D: validation and shape inference (runs once per model load, for float32
 * and int8/uint8 graphs alike) and the float32 run, which hands the geometry to the scalar
 * reference kernel. TFLite semantics: input NHWC, weights [O, KH, KW, I/groups] (a weight
 * depth smaller than the input depth means a grouped convolution), optional bias [O],
 * SAME (extra padding at the end) or VALID padding, strides, dilations, fused activation.
 * MACs = batch * OH * OW * O * KH * KW * (I / groups).
 */
#include <math.h>

#include <stdlib.h>

#include "../kernels/conv.h"
#include "../kernels/conv_tile.h"
#include "../kernels/isa.h"
#include "../threadpool.h"
#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

/* Fills p from the node's tensors; validates everything the kernel relies on. */
static ecnn_status geometry(const ecnn_graph *g, const ecnn_node *n, ecnn_conv_params *p) {
  const ecnn_tensor *in = ecnn_in(g, n, 0), *w = ecnn_in(g, n, 1), *bias = ecnn_in(g, n, 2);
  const ecnn_op_params *o = &n->params;
  if (in->ndim != 4)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "input '%s' has %d dims, expected 4 (NHWC)",
                      OPARG, in->name, (int)in->ndim);
  if (w->ndim != 4)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "weights '%s' have %d dims, expected 4",
                      OPARG, w->name, (int)w->ndim);
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
  p->out_c = w->dims[0];
  p->kernel_h = w->dims[1];
  p->kernel_w = w->dims[2];
  if (p->in_c % w->dims[3] != 0)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "weights depth %d does not divide the input depth %d", OPARG,
                      (int)w->dims[3], (int)p->in_c);
  p->groups = p->in_c / w->dims[3];
  if (p->out_c % p->groups != 0)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "%d output channels cannot be split into %d groups", OPARG,
                      (int)p->out_c, (int)p->groups);
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
  p->depth_multiplier = 1;
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

ecnn_status ecnn_conv2d_geometry(const ecnn_graph *g, const ecnn_node *n, ecnn_conv_params *p) {
  return geometry(g, n, p);
}

ecnn_status ecnn_op_conv2d_prepare(ecnn_graph *g, ecnn_node *n) {
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
  int64_t macs = (int64_t)p.out_h * p.out_w; /* each factor < 2^31: no overflow here */
  int64_t f[5] = {p.out_c, p.kernel_h, p.kernel_w, p.in_c / p.groups, p.batch};
  for (int i = 0; i < 5; i++)
    if (__builtin_mul_overflow(macs, f[i], &macs))
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "MAC count overflows", OPARG);
  n->macs = macs;
  free(n->priv); /* packed weights come later (ecnn_conv2d_pack, once the graph is final) */
  n->priv = NULL;
  return ECNN_STATUS_OK;
}

bool ecnn_conv2d_packable(const ecnn_graph *g, const ecnn_node *n) {
  ecnn_conv_params p = {0};
  const ecnn_tensor *in = ecnn_in(g, n, 0), *w = ecnn_in(g, n, 1);
  return n->op == ECNN_OP_CONV_2D && !n->quantized && in && in->dtype == ECNN_DTYPE_F32 && w &&
         w->dtype == ECNN_DTYPE_F32 && geometry(g, n, &p) == ECNN_STATUS_OK && p.groups == 1 &&
         p.in_c <= ecnn_conv_packed_max_ic();
}

ecnn_status ecnn_conv2d_pack(ecnn_graph *g, ecnn_node *n) {
  if (n->priv || !ecnn_conv2d_packable(g, n) || ecnn_in(g, n, 1)->packed) return ECNN_STATUS_OK;
  ecnn_conv_params p = {0};
  geometry(g, n, &p);
  const ecnn_tensor *w = ecnn_in(g, n, 1), *bias = ecnn_in(g, n, 2);
  n->priv = ecnn_f32_conv2d_pack(&p, w->data, bias ? bias->data : NULL);
  return n->priv ? ECNN_STATUS_OK
                 : ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, OPFMT "out of memory", OPARG);
}

/* below two fifths of zero rows the dense kernels (assembly tiles, prefetching) stay ahead */
static const double SPARSE_MIN_SHARE = 0.4;

void ecnn_conv2d_find_sparse(const ecnn_graph *g, ecnn_node *n) {
  ecnn_conv_params p = {0};
  free(n->sparse_rows);
  n->sparse_rows = NULL;
  if (!n->priv || geometry(g, n, &p) != ECNN_STATUS_OK) return;
  n->sparse_rows = ecnn_f32_conv2d_sparse_rows(&p, n->priv, SPARSE_MIN_SHARE);
}

/* The packed kernels' work is a grid of pixel chunks x 32-channel output blocks. Items are
 * numbered weight-block-major on one thread when the weights outweigh the input (small late
 * layers: each block's weights are read once) and pixel-major otherwise (a chunk's input stays
 * in cache while the blocks pass over it; with threads, each keeps to its own pixels). */
typedef struct conv_job {
  const ecnn_conv_params *p;
  const float *in, *wp, *bp;
  const int32_t *sparse_rows; /* a pruned 1x1's row index (AVX2 sparse kernel), or NULL */
  float *out;
  ecnn_isa isa;
  int64_t npx, unit; /* flat output pixels; chunk c is units [c * units / nchunks, (c + 1) * */
  int64_t units;      /* units / nchunks) of `unit` pixels each */
  int32_t nchunks, nob;
  bool weights_major;
  const float *residual; /* fused residual ADD: out = clamp(conv + residual, lo, hi), the */
  int32_t residual_c;    /* residual having residual_c channels (the rest count as 0) */
  float lo, hi;
} conv_job;

/* The fused residual ADD over pixels [px0, px1) x channels [c0, c1), while they are in cache. */
static void add_residual(const conv_job *j, int64_t px0, int64_t px1, int32_t c0, int32_t c1) {
  const int32_t OC = j->p->out_c;
  const int32_t RC = j->residual_c, cr = c1 < RC ? c1 : RC;
  for (int64_t px = px0; px < px1; px++) {
    float *o = j->out + (size_t)px * OC;
    const float *r = j->residual + (size_t)px * RC;
    for (int32_t c = c0; c < cr; c++) {
      const float v = o[c] + r[c];
      o[c] = v < j->lo ? j->lo : v > j->hi ? j->hi : v;
    }
    for (int32_t c = cr > c0 ? cr : c0; c < c1; c++) /* the channel PAD's zeros */
      o[c] = o[c] < j->lo ? j->lo : o[c] > j->hi ? j->hi : o[c];
  }
}

/* The node's packed weights: its own (priv) or, once the model dropped the file's layout, the
 * weights tensor's (model.c); NULL when the conv is not packed (grouped, very deep input). */
static const float *packed_weights(const ecnn_graph *g, const ecnn_node *n) {
  const ecnn_tensor *w = ecnn_in(g, n, 1);
  return n->priv ? n->priv : w && w->packed ? w->data : NULL;
}

/* Output block ob over flat pixels [px0, px1), with the fused residual ADD when there is one. */
static void conv_range(const conv_job *j, int64_t px0, int64_t px1, int32_t ob) {
  if (j->isa == ECNN_ISA_AVX2 && j->sparse_rows && !j->residual)
    ecnn_f32_conv2d_pw_sparse__avx2(j->p, j->in, j->wp, j->bp, j->sparse_rows, j->out, px0, px1,
                                    ob, ob + 1);
  else if (j->isa == ECNN_ISA_AVX512)
    ecnn_f32_conv2d_packed__avx512(j->p, j->in, j->wp, j->bp, j->out, px0, px1, ob, ob + 1);
  else if (j->isa == ECNN_ISA_NEON)
    ecnn_f32_conv2d_packed__neon(j->p, j->in, j->wp, j->bp, j->out, px0, px1, ob, ob + 1);
  else if (j->isa == ECNN_ISA_AVX2 && j->residual && j->residual_c == j->p->out_c &&
           ecnn_conv_is_pointwise(j->p)) { /* the ADD in the kernel, with its activation */
    ecnn_conv_params q = *j->p;
    q.out_min = j->lo, q.out_max = j->hi;
    ecnn_f32_conv2d_pw_add__avx2(&q, j->in, j->wp, j->bp, j->residual, j->out, px0, px1, ob,
                                 ob + 1);
    return;
  } else if (j->isa == ECNN_ISA_AVX2)
    ecnn_f32_conv2d_packed__avx2(j->p, j->in, j->wp, j->bp, j->out, px0, px1, ob, ob + 1);
  else
    ecnn_f32_conv2d_packed__scalar(j->p, j->in, j->wp, j->bp, j->out, px0, px1, ob, ob + 1);
  if (j->residual)
    add_residual(j, px0, px1, 32 * ob, 32 * ob + 32 < j->p->out_c ? 32 * ob + 32 : j->p->out_c);
}

static void conv_items(void *arg, int64_t begin, int64_t end) {
  const conv_job *j = arg;
  for (int64_t i = begin; i < end; i++) {
    const int64_t c = j->weights_major ? i % j->nchunks : i / j->nob;
    const int32_t ob = (int32_t)(j->weights_major ? i / j->nchunks : i % j->nob);
    const int64_t px0 = c * j->units / j->nchunks * j->unit,
                  px1e = (c + 1) * j->units / j->nchunks * j->unit;
    conv_range(j, px0, px1e < j->npx ? px1e : j->npx, ob);
  }
}

/* Threaded weights-major: parts [begin, end) of j->nchunks equal shares of the (block, unit)
 * grid in block-major order, a block's units costing its channels in eighths (the last block
 * of 144 channels half a full one's). Equal item counts gave one thread 2.5 blocks of the
 * 10x10 x 144 layer and the other 2, and 96-pixel chunks split 100 pixels 96 / 4. */
static void conv_parts(void *arg, int64_t begin, int64_t end) {
  const conv_job *j = arg;
  const int64_t total = j->units * ((j->p->out_c + 7) / 8);
  for (int64_t part = begin; part < end; part++) {
    const int64_t lo = part * total / j->nchunks, hi = (part + 1) * total / j->nchunks;
    for (int32_t ob = 0; ob < j->nob; ob++) {
      const int32_t width = j->p->out_c - 32 * ob < 32 ? j->p->out_c - 32 * ob : 32;
      const int64_t cost = (width + 7) / 8, base = j->units * 4 * ob, top = base + j->units * cost;
      if (top <= lo || base >= hi) continue;
      /* the units whose cost starts in [lo, hi): the parts tile the grid exactly */
      const int64_t u0 = ((lo > base ? lo : base) - base + cost - 1) / cost,
                    u1 = ((hi < top ? hi : top) - base + cost - 1) / cost;
      const int64_t px0 = u0 * j->unit, px1 = u1 * j->unit < j->npx ? u1 * j->unit : j->npx;
      if (px0 < px1) conv_range(j, px0, px1, ob);
    }
  }
}

/* A conv fused with its residual ADD (model.c) writes the ADD's output and adds its other
 * operand, from flat pixel px0 on, with the ADD's activation. */
static void fused_add_target(const ecnn_graph *g, const ecnn_node *n, void *const *data,
                             int64_t px0, conv_job *j) {
  const ecnn_node *add = &g->nodes[n->fused_add];
  j->out = (float *)data[add->outputs[0]] + (size_t)px0 * j->p->out_c;
  j->residual = (const float *)data[n->residual] + (size_t)px0 * n->residual_c;
  j->residual_c = n->residual_c;
  ecnn_activation_range(add->params.activation, &j->lo, &j->hi);
}

enum { CONV_CHUNK = 96 }; /* pixels per work item: a multiple of every kernel's tile (4/6/12/24) */

/* The pixels of the packed kernels' main tile on each path (conv.h). */
static int64_t conv_tile_pixels(ecnn_isa isa) {
  return isa == ECNN_ISA_AVX512 ? 8 : isa == ECNN_ISA_AVX2 ? 6 : isa == ECNN_ISA_NEON ? 4 : 1;
}

/* A job's pixels (j->npx) in chunks, each through every channel block while its input is in
 * L1, on the calling thread (the fused band convolutions: small weights, many pixels). */
static void run_all_blocks(conv_job *j) {
  j->unit = CONV_CHUNK;
  j->units = j->nchunks = (int32_t)((j->npx + CONV_CHUNK - 1) / CONV_CHUNK);
  j->nob = (j->p->out_c + 31) / 32;
  j->weights_major = false;
  conv_items(j, 0, (int64_t)j->nchunks * j->nob);
}

void ecnn_conv2d_compute(const ecnn_graph *g, const ecnn_node *n, const ecnn_conv_params *p,
                         const float *in, const float *w, const float *bias, float *out) {
  const float *wp = packed_weights(g, n);
  if (!wp) {
    ecnn_f32_conv2d__scalar(p, in, w, bias, out);
    return;
  }
  const size_t k = (size_t)p->kernel_h * p->kernel_w * p->in_c;
  const size_t ocp = ((size_t)p->out_c + 31) & ~(size_t)31;
  conv_job j = {.p = p, .in = in, .wp = wp, .bp = wp + k * ocp, .out = out,
                .sparse_rows = n->sparse_rows, .isa = ecnn_isa_active(),
                .npx = (int64_t)p->batch * p->out_h * p->out_w};
  run_all_blocks(&j);
}

void ecnn_conv2d_project(const ecnn_graph *g, const ecnn_node *n, void *const *data,
                         const float *in, int64_t px0, int64_t npx) {
  ecnn_conv_params p = {0};
  geometry(g, n, &p); /* validated at prepare */
  p.batch = p.in_h = p.out_h = 1; /* the pixels as one row */
  p.in_w = p.out_w = (int32_t)npx;
  const float *wp = packed_weights(g, n);
  const size_t ocp = ((size_t)p.out_c + 31) & ~(size_t)31;
  float *out = (float *)data[n->outputs[0]] + (size_t)px0 * p.out_c;
  conv_job j = {.p = &p, .in = in, .wp = wp, .bp = wp + (size_t)p.in_c * ocp, .out = out,
                .sparse_rows = n->sparse_rows, .isa = ecnn_isa_active(), .npx = npx};
  if (n->fuses_next) fused_add_target(g, n, data, px0, &j); /* its residual ADD too */
  run_all_blocks(&j);
}

bool ecnn_conv2d_can_project(const ecnn_graph *g, const ecnn_node *n) {
  ecnn_conv_params p = {0};
  return ecnn_conv2d_packable(g, n) && n->params.activation != ECNN_ACT_TANH &&
         geometry(g, n, &p) == ECNN_STATUS_OK && ecnn_conv_is_pointwise(&p);
}

ecnn_status ecnn_op_conv2d_run(const ecnn_op_ctx *ctx) {
  const ecnn_node *n = ctx->node;
  ecnn_conv_params p = {0};
  ecnn_status st = ecnn_check_f32_run(ctx, 0);
  if (st == ECNN_STATUS_OK) st = geometry(ctx->graph, n, &p);
  if (st != ECNN_STATUS_OK) return st;
  const int64_t npx = (int64_t)p.batch * p.out_h * p.out_w;
  const float *wp = packed_weights(ctx->graph, n);
  conv_job j = {.p = &p, .in = ecnn_ctx_in(ctx, 0), .wp = wp, .out = ecnn_ctx_out(ctx, 0),
                .sparse_rows = wp ? n->sparse_rows : NULL, .isa = ecnn_isa_active(), .npx = npx};
  if (n->fuses_next && !ctx->unfused) fused_add_target(ctx->graph, n, ctx->data, 0, &j);
  float *out = j.out;
  if (wp) {
    const size_t k = (size_t)p.kernel_h * p.kernel_w * p.in_c,
                 ocp = ((size_t)p.out_c + 31) & ~(size_t)31;
    j.bp = wp + k * ocp;
    const int32_t threads = ecnn_threadpool_size(ctx->pool);
    j.unit = CONV_CHUNK;
    j.units = j.nchunks = (int32_t)((npx + CONV_CHUNK - 1) / CONV_CHUNK);
    j.nob = (p.out_c + 31) / 32;
    /* Weight-heavy layers read each block's weights once: weights-major. With threads, that
     * splits the weights between them; but it also makes the next layer read half its input
     * from the other core, which costs more than it saves on the larger images (19x19 and
     * up: split by pixels there, each thread staying on the pixels it wrote before) */
    j.weights_major = (threads == 1 || npx <= 256) &&
                      k * ocp > (size_t)p.batch * p.in_h * p.in_w * p.in_c;
    if (threads > 1) {
      /* in whole kernel tiles, to each of the parts ecnn_parallel_for makes
       * (ecnn_threadpool_parts) the same work to within a tile: weights-major, a share of
       * the (block, tile) grid; by pixels, chunks of tiles as many as a multiple of the parts
       * (361 pixels in 96-pixel chunks gave the threads 32 and 29 tiles) */
      const int32_t parts = ecnn_threadpool_parts(ctx->pool);
      j.unit = conv_tile_pixels(j.isa);
      j.units = (npx + j.unit - 1) / j.unit;
      j.nchunks = j.weights_major ? parts : (j.nchunks + parts - 1) / parts * parts;
    }
    if (threads > 1 && j.weights_major)
      ecnn_parallel_for(ctx->pool, j.nchunks, 1, conv_parts, &j);
    else
      ecnn_parallel_for(ctx->pool, (int64_t)j.nchunks * j.nob, 1, conv_items, &j);
  } else {
    ecnn_f32_conv2d__scalar(&p, ecnn_ctx_in(ctx, 0), ecnn_ctx_in(ctx, 1), ecnn_ctx_in(ctx, 2), out);
    if (j.residual) add_residual(&j, 0, npx, 0, p.out_c);
  }
  if (n->params.activation == ECNN_ACT_TANH)
    ecnn_activate_n(out, npx * p.out_c, ECNN_ACT_TANH);
  return ECNN_STATUS_OK;
}

bool ecnn_conv2d_can_fuse_add(const ecnn_graph *g, const ecnn_node *conv, const ecnn_node *add) {
  if (conv->op != ECNN_OP_CONV_2D || add->op != ECNN_OP_ADD || conv->quantized || add->quantized ||
      conv->num_outputs != 1 || add->num_inputs != 2 || add->num_outputs != 1 ||
      conv->params.activation != ECNN_ACT_NONE || add->params.activation == ECNN_ACT_TANH)
    return false;
  const int32_t t = conv->outputs[0];
  if ((add->inputs[0] == t) == (add->inputs[1] == t)) return false; /* exactly one is the conv */
  const ecnn_tensor *a = &g->tensors[add->inputs[0]], *b = &g->tensors[add->inputs[1]];
  const ecnn_tensor *o = &g->tensors[add->outputs[0]];
  if (a->dtype != ECNN_DTYPE_F32 || b->dtype != ECNN_DTYPE_F32 || o->dtype != ECNN_DTYPE_F32 ||
      a->ndim != o->ndim || b->ndim != o->ndim)
    return false;
  for (int32_t d = 0; d < o->ndim; d++) /* no broadcasting */
    if (a->dims[d] != o->dims[d] || b->dims[d] != o->dims[d]) return false;
  return true;
}
