/*
 * q8_ops.c — reference (scalar) kernels for quantized int8 / uint8 graphs with TFLite's
 * integer semantics: per-channel or per-tensor weights, int32 bias, requantization with Q31
 * multipliers (quant.h), fused activations as clamps in the quantized domain. Elementwise
 * nonlinearities use a 256-entry table computed in float at prepare (within one quantum of
 * TFLite); softmax and bilinear resize compute in float and round. prepare (after the float
 * prepare did shape inference) validates the quantization and stores what the run needs in
 * node->priv (one malloc'd block). CONV_2D, FULLY_CONNECTED (as the 1x1 CONV_2D over its
 * rows) and DEPTHWISE_CONV_2D run the kernels of src/kernels/q8_conv.h: the AVX2 ones (x86-64;
 * with AVX-512 VNNI instead when the CPU has it: DEPTHWISE of depth multiplier 1, CONV_2D and
 * FULLY_CONNECTED when the weights are int8 with zero point 0) or the NEON ones (ARM64;
 * CONV_2D and FULLY_CONNECTED with sdot when the CPU has it) on packed weights (when the CPU
 * has the ISA and the node qualifies), else their scalar twins; all over the session's
 * threads. The packing: DEPTHWISE (and NEON CONV_2D / FULLY_CONNECTED) into that block at
 * prepare; x86 CONV_2D / FULLY_CONNECTED once the model is final
 * (ecnn_q8_conv2d_pack_weights, called by model.c), into the weights tensor in place of the
 * file's layout when no other node reads it. ADD / SUB (rounding once: ecnn_q8_vadd, or
 * TFLite's three roundings for scales it does not take) and QUANTIZE
 * have AVX2 and NEON kernels (q8_eltwise.h; ADD / SUB on runs of at least 8 output elements
 * along which the inputs are arrays or repeat a short pattern, which covers the same shapes and
 * the common broadcasts: add_plan), MAX_POOL_2D with its windows inside the input and
 * channel-only PAD AVX2 ones (q8_pool.h). MUL, MAXIMUM, MINIMUM and ADD / SUB broadcasting on
 * shorter runs take one element at a time.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernels/isa.h"
#include "../../kernels/q8_conv.h"
#include "../../kernels/q8_eltwise.h"
#include "../../kernels/q8_pool.h"
#include "../../threadpool.h"
#include "../ops.h"
#include "quant.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

typedef struct q8_priv {
  int32_t in_zp, in2_zp, w_zp, out_zp;
  int32_t act_min, act_max;
  int32_t mult, shift;           /* single requantization */
  int32_t mult1, shift1, mult2, shift2; /* ADD / SUB inputs */
  int32_t left_shift;
  bool vadd;                     /* ADD / SUB: run as vadd (else TFLite's three roundings) */
  ecnn_q8_vadd_params vadd_params;
  float in_scale, out_scale;
  bool same_params;              /* input and output share scale and zero point */
  uint8_t lut[256];              /* indexed by the raw byte */
  ecnn_q8_packed *packed;        /* CONV_2D, FULLY_CONNECTED, DEPTHWISE: the AVX2 kernels'
                                  * weights, in this block after ch[] (NULL: the scalar
                                  * kernels run) */
  ecnn_q8_packed_neon *packed_neon; /* the same for the NEON kernels (ARM64) */
  ecnn_q8_packed_vnni *packed_vnni; /* on a CPU with AVX-512 VNNI: that kernel's weights
                                     * (instead of packed; it runs on the AVX512 path, the
                                     * scalar kernel on the others) */
  int32_t nch;
  int32_t ch[];                  /* nch multipliers, then nch shifts */
} q8_priv;

static bool is_q8(const ecnn_tensor *t) {
  return t && (t->dtype == ECNN_DTYPE_I8 || t->dtype == ECNN_DTYPE_U8) && t->quant.count >= 1;
}

static void qrange(ecnn_dtype d, int32_t *lo, int32_t *hi) {
  *lo = d == ECNN_DTYPE_I8 ? -128 : 0;
  *hi = d == ECNN_DTYPE_I8 ? 127 : 255;
}

static inline int32_t ld(const void *p, size_t i, ecnn_dtype d) {
  return d == ECNN_DTYPE_I8 ? ((const int8_t *)p)[i] : ((const uint8_t *)p)[i];
}

static inline void st8(void *p, size_t i, int32_t v, ecnn_dtype d) {
  if (d == ECNN_DTYPE_I8) ((int8_t *)p)[i] = (int8_t)v;
  else ((uint8_t *)p)[i] = (uint8_t)v;
}

static inline int32_t clampi(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/* The priv block's bytes up to the end of its nch per-channel multipliers and shifts, and the
 * 64-byte boundary after them where packed weights go (the block then has 64 bytes more). */
static size_t priv_head(int32_t nch) {
  return sizeof(q8_priv) + 2 * (size_t)nch * sizeof(int32_t);
}
static void *priv_extra(q8_priv *p) {
  return (void *)(((uintptr_t)p + priv_head(p->nch) + 63) & ~(uintptr_t)63);
}

/* Allocates the priv block with room for nch per-channel multipliers and `extra` bytes at a
 * 64-byte boundary after them (*extra_at, when extra > 0). */
static q8_priv *new_priv_extra(ecnn_node *n, int32_t nch, size_t extra, void **extra_at) {
  free(n->priv);
  q8_priv *p = calloc(1, priv_head(nch) + (extra ? extra + 64 : 0));
  n->priv = p;
  if (!p) return NULL;
  p->nch = nch;
  if (extra) *extra_at = priv_extra(p);
  return p;
}

static q8_priv *new_priv(ecnn_node *n, int32_t nch) { return new_priv_extra(n, nch, 0, NULL); }

/* Common checks: data input and output quantized, per-tensor, same dtype. */
static ecnn_status check_io_q8(const ecnn_graph *g, const ecnn_node *n, const ecnn_tensor *in,
                               const ecnn_tensor **out_t) {
  const ecnn_tensor *out = &g->tensors[n->outputs[0]];
  if (!is_q8(in) || !is_q8(out))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "quantized input and output need scales",
                      OPARG);
  if (in->dtype != out->dtype)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "%s input with %s output", OPARG,
                      ecnn_dtype_name(in->dtype), ecnn_dtype_name(out->dtype));
  if (in->quant.count != 1 || out->quant.count != 1)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "per-channel activations", OPARG);
  *out_t = out;
  return ECNN_STATUS_OK;
}

/* The quantized clamp of a fused activation. */
static ecnn_status act_range(const ecnn_node *n, const ecnn_tensor *out, int32_t *lo, int32_t *hi) {
  qrange(out->dtype, lo, hi);
  const float s = out->quant.scale[0];
  const int32_t zp = out->quant.zero_point[0];
#define Q(x) (zp + (int32_t)lroundf((x) / s))
  switch (n->params.activation) {
  case ECNN_ACT_NONE: break;
  case ECNN_ACT_RELU: *lo = Q(0) > *lo ? Q(0) : *lo; break;
  case ECNN_ACT_RELU6:
    *lo = Q(0) > *lo ? Q(0) : *lo;
    *hi = Q(6) < *hi ? Q(6) : *hi;
    break;
  case ECNN_ACT_RELU_N1_TO_1:
    *lo = Q(-1) > *lo ? Q(-1) : *lo;
    *hi = Q(1) < *hi ? Q(1) : *hi;
    break;
  default:
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "fused activation %d on int8", OPARG,
                      (int)n->params.activation);
  }
#undef Q
  return ECNN_STATUS_OK;
}

/* ---- convolutions and fully connected ------------------------------------------------- */

/* The kernels' view of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED node n (shapes from the
 * float prepare); the zero points and the clamp come from p when it is not NULL. A
 * FULLY_CONNECTED with weights [O, I] over rows = elements(input) / I is a 1x1 CONV_2D
 * (stride 1, no padding) over one image row of `rows` pixels of I channels: its [O, I]
 * weights are already that conv's [O, 1, 1, I], and its [rows, O] output (or the input's
 * shape ending in O) that conv's NHWC output. */
static void conv_params(const ecnn_graph *g, const ecnn_node *n, const q8_priv *p,
                        ecnn_q8_conv_params *k) {
  const ecnn_tensor *in = ecnn_in(g, n, 0), *w = ecnn_in(g, n, 1);
  const ecnn_tensor *out = &g->tensors[n->outputs[0]];
  const ecnn_op_params *pp = &n->params;
  const bool dw = n->op == ECNN_OP_DEPTHWISE_CONV_2D;
  memset(k, 0, sizeof *k);
  if (n->op == ECNN_OP_FULLY_CONNECTED) {
    /* (the float prepare bounds the rows by ECNN_MAX_TENSOR_ELEMENTS: an int32) */
    const int32_t rows = (int32_t)(ecnn_tensor_elements(in) / w->dims[1]);
    k->batch = k->in_h = k->out_h = 1;
    k->in_w = k->out_w = rows;
    k->in_c = w->dims[1], k->out_c = w->dims[0];
    k->kernel_h = k->kernel_w = k->stride_h = k->stride_w = k->dilation_h = k->dilation_w = 1;
    k->groups = k->depth_multiplier = 1;
  } else {
    k->batch = in->dims[0], k->in_h = in->dims[1], k->in_w = in->dims[2], k->in_c = in->dims[3];
    k->out_h = out->dims[1], k->out_w = out->dims[2], k->out_c = out->dims[3];
    k->kernel_h = w->dims[1], k->kernel_w = w->dims[2];
    k->stride_h = pp->stride_h, k->stride_w = pp->stride_w;
    k->dilation_h = pp->dilation_h, k->dilation_w = pp->dilation_w;
    ecnn_conv_out_size(k->in_h, k->kernel_h, k->stride_h, k->dilation_h, pp->padding,
                       &k->pad_top);
    ecnn_conv_out_size(k->in_w, k->kernel_w, k->stride_w, k->dilation_w, pp->padding,
                       &k->pad_left);
    k->groups = dw ? 1 : k->in_c / w->dims[3];
    k->depth_multiplier = dw ? k->out_c / k->in_c : 1;
  }
  k->u8 = in->dtype == ECNN_DTYPE_U8;
  k->w_u8 = w->dtype == ECNN_DTYPE_U8;
  if (p) {
    k->in_zp = p->in_zp, k->w_zp = p->w_zp, k->out_zp = p->out_zp;
    k->out_min = p->act_min, k->out_max = p->act_max;
  } else { /* what the packing sizes depend on */
    k->in_zp = in->quant.count ? in->quant.zero_point[0] : 0;
    k->w_zp = w->quant.count ? w->quant.zero_point[0] : 0;
  }
}

/* Whether this CPU runs the AVX2 kernels (packing for them is worth it). */
static bool cpu_has_avx2(void) {
  const ecnn_isa best = ecnn_isa_best();
  return best == ECNN_ISA_AVX2 || best == ECNN_ISA_AVX512;
}

/* Whether node n runs on the CONV_2D kernels: a CONV_2D, or a FULLY_CONNECTED as the 1x1
 * CONV_2D of conv_params. */
static bool conv2d_like(const ecnn_node *n) {
  return n->op == ECNN_OP_CONV_2D || n->op == ECNN_OP_FULLY_CONNECTED;
}

/* Whether this CPU runs the AVX-512 VNNI kernels (on the AVX512 path). */
static bool cpu_has_vnni(void) {
  return ecnn_isa_best() == ECNN_ISA_AVX512 && ecnn_isa_has_vnni();
}

/* Whether CONV_2D-like k packs for the AVX-512 VNNI kernel: the CPU has it and the kernel
 * takes k (int8 weights with zero point 0, groups 1). */
static bool conv_vnni(const ecnn_node *n, const ecnn_q8_conv_params *k) {
  return conv2d_like(n) && cpu_has_vnni() && ecnn_q8_conv2d_packed_bytes_vnni(k) != 0;
}

/* The NEON kernels (src/kernels/arm/q8_*_neon.c) compile to nothing off ARM64, hence the
 * preprocessor guards around their calls. */
#if defined(__aarch64__)
#define HAVE_Q8_NEON 1
#else
#define HAVE_Q8_NEON 0
#endif

static ecnn_status conv_prepare(ecnn_graph *g, ecnn_node *n) {
  const ecnn_tensor *in = ecnn_in(g, n, 0), *w = ecnn_in(g, n, 1), *b = ecnn_in(g, n, 2),
                    *out = NULL;
  ecnn_status st = check_io_q8(g, n, in, &out);
  if (st != ECNN_STATUS_OK) return st;
  if (!is_q8(w) || !w->data)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "weights must be quantized constants", OPARG);
  const int32_t oc = n->op == ECNN_OP_DEPTHWISE_CONV_2D ? w->dims[w->ndim - 1] : w->dims[0];
  const int32_t axis = n->op == ECNN_OP_DEPTHWISE_CONV_2D ? w->ndim - 1 : 0;
  if (w->quant.count != 1 && (w->quant.count != oc || w->quant.axis != axis))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      OPFMT "%d weight scales for %d output channels (axis %d)", OPARG,
                      (int)w->quant.count, (int)oc, (int)w->quant.axis);
  if (b && (b->dtype != ECNN_DTYPE_I32 || !b->data || ecnn_tensor_elements(b) != oc))
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "bias must be %d int32 constants", OPARG,
                      (int)oc);
  /* the AVX2, AVX-512 VNNI or NEON kernels' packed weights go in the same block (NEON: for the
   * sdot CONV_2D kernel when it is active now; a FULLY_CONNECTED packs as its 1x1 CONV_2D) */
  ecnn_q8_conv_params k;
  size_t packed_bytes = 0;
  void *packed_at = NULL;
  bool neon = false, dw_vnni = false;
  /* (the AVX2 / VNNI CONV_2D's and FULLY_CONNECTED's are packed once the model is final:
   * ecnn_q8_conv2d_pack_weights) */
  if (n->op == ECNN_OP_DEPTHWISE_CONV_2D && cpu_has_avx2()) {
    conv_params(g, n, NULL, &k);
    if (cpu_has_vnni()) packed_bytes = ecnn_q8_dwconv2d_packed_bytes_vnni(&k);
    dw_vnni = packed_bytes != 0;
    if (!dw_vnni) packed_bytes = ecnn_q8_dwconv2d_packed_bytes(&k);
  }
#if HAVE_Q8_NEON
  if (ecnn_isa_best() == ECNN_ISA_NEON) {
    conv_params(g, n, NULL, &k);
    neon = true;
    packed_bytes = conv2d_like(n)
                       ? ecnn_q8_conv2d_packed_bytes_neon(&k, ecnn_q8_neon_dot_active())
                       : ecnn_q8_dwconv2d_packed_bytes_neon(&k);
  }
#endif
  q8_priv *p = new_priv_extra(n, oc, packed_bytes, &packed_at);
  if (!p) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
  p->in_zp = in->quant.zero_point[0];
  p->w_zp = w->quant.zero_point[0];
  for (int32_t c = 1; c < w->quant.count; c++)
    if (w->quant.zero_point[c] != p->w_zp)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "per-channel weight zero points", OPARG);
  p->out_zp = out->quant.zero_point[0];
  for (int32_t c = 0; c < oc; c++) {
    double ws = w->quant.scale[w->quant.count == 1 ? 0 : c];
    double real = (double)in->quant.scale[0] * ws / out->quant.scale[0];
    ecnn_quantize_multiplier(real, &p->ch[c], &p->ch[oc + c]);
  }
  if ((st = act_range(n, out, &p->act_min, &p->act_max)) != ECNN_STATUS_OK) return st;
  if (packed_bytes) {
    conv_params(g, n, p, &k);
    const int32_t *bias = b ? b->data : NULL;
#if HAVE_Q8_NEON
    if (neon)
      p->packed_neon =
          conv2d_like(n)
              ? ecnn_q8_conv2d_pack_neon(&k, w->data, bias, p->ch, p->ch + oc,
                                         ecnn_q8_neon_dot_active(), packed_at)
              : ecnn_q8_dwconv2d_pack_neon(&k, w->data, bias, p->ch, p->ch + oc, packed_at);
#endif
    if (dw_vnni)
      p->packed_vnni =
          ecnn_q8_dwconv2d_pack_vnni(&k, w->data, bias, p->ch, p->ch + oc, packed_at);
    else if (!neon)
      p->packed = ecnn_q8_dwconv2d_pack(&k, w->data, bias, p->ch, p->ch + oc, packed_at);
  }
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_q8_conv2d_pack_weights(ecnn_graph *g, ecnn_node *n, bool own) {
  q8_priv *p = n->priv;
  if (!n->quantized || !conv2d_like(n) || !p || p->packed || p->packed_vnni ||
      !cpu_has_avx2())
    return ECNN_STATUS_OK;
  ecnn_tensor *w = &g->tensors[n->inputs[1]];
  const ecnn_tensor *b = ecnn_in(g, n, 2);
  ecnn_q8_conv_params k;
  conv_params(g, n, p, &k);
  const bool vnni = conv_vnni(n, &k);
  const size_t bytes =
      vnni ? ecnn_q8_conv2d_packed_bytes_vnni(&k) : ecnn_q8_conv2d_packed_bytes(&k);
  if (!bytes) return ECNN_STATUS_OK; /* (the scalar kernel runs) */
  void *at;
  if (own) {
    at = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
  } else { /* after the multipliers, in the priv block */
    q8_priv *grown = realloc(p, priv_head(p->nch) + bytes + 64);
    if (grown) n->priv = p = grown;
    at = grown ? priv_extra(p) : NULL;
  }
  if (!at) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, OPFMT "out of memory", OPARG);
  const int32_t *bias = b ? b->data : NULL;
  if (vnni)
    p->packed_vnni = ecnn_q8_conv2d_pack_vnni(&k, w->data, bias, p->ch, p->ch + p->nch, at);
  else p->packed = ecnn_q8_conv2d_pack(&k, w->data, bias, p->ch, p->ch + p->nch, at);
  if (own) {
    free(w->data);
    w->data = at; /* the tensor owns it now */
    w->packed = true;
  }
  return ECNN_STATUS_OK;
}

/* One run of a CONV_2D / FULLY_CONNECTED / DEPTHWISE_CONV_2D node, as work items for the
 * thread pool. CONV_2D's (and FULLY_CONNECTED's, its rows the pixels) items are a grid of
 * pixel ranges (whole units of 24 pixels, a common multiple of the tiles' pixels: AVX2 6 and
 * 8, AVX-512 VNNI 8, NEON 4) x ranges of 16-channel blocks, numbered pixel-major; DEPTHWISE's
 * are output rows. */
typedef struct q8_conv_job {
  ecnn_q8_conv_params k;
  const q8_priv *p;
  const void *in, *w;
  const int32_t *bias;
  void *out;
  bool avx2, neon, vnni; /* the kernels that run (neon: pk->dot picks __neondot) */
  bool no_memory;      /* a worker had no scratch and w is NULL (only packed weights) */
  int64_t npx, units;  /* flat output pixels; units of 24 of them */
  int32_t nb;          /* 16-channel blocks */
  int32_t psplit, bsplit; /* pixel ranges x block ranges */
} q8_conv_job;

enum { CONV_UNIT = 24 };

static void conv_scalar_range(const q8_conv_job *j, int64_t px0, int64_t px1, int32_t nb0,
                              int32_t nb1) {
  const int32_t oc0 = nb0 * ECNN_Q8_CONV_NR;
  const int32_t oc1 = nb1 * ECNN_Q8_CONV_NR < j->k.out_c ? nb1 * ECNN_Q8_CONV_NR : j->k.out_c;
  ecnn_q8_conv2d__scalar(&j->k, j->in, j->w, j->bias, j->p->ch, j->p->ch + j->p->nch, j->out,
                         px0, px1, oc0, oc1);
}

static void conv_items(void *arg, int64_t begin, int64_t end) {
  q8_conv_job *j = arg;
  /* the AVX2 / VNNI / NEON kernel's im2col rows; without them (out of memory) the scalar
   * kernel runs when the model kept the file's weights, else the run fails */
  void *scratch = NULL;
  if (j->avx2) scratch = calloc(ecnn_q8_conv2d_scratch_elems(&j->k), sizeof(int16_t));
  if (j->vnni) scratch = malloc(ecnn_q8_conv2d_scratch_bytes_vnni(&j->k, j->p->packed_vnni));
#if HAVE_Q8_NEON
  if (j->neon) scratch = malloc(ecnn_q8_conv2d_scratch_bytes_neon(&j->k, j->p->packed_neon));
#endif
  for (int64_t i = begin; i < end; i++) {
    const int64_t pi = i / j->bsplit, bi = i % j->bsplit;
    const int64_t px0 = pi * j->units / j->psplit * CONV_UNIT;
    const int64_t px1e = (pi + 1) * j->units / j->psplit * CONV_UNIT;
    const int64_t px1 = px1e < j->npx ? px1e : j->npx;
    const int32_t nb0 = (int32_t)(bi * j->nb / j->bsplit);
    const int32_t nb1 = (int32_t)((bi + 1) * j->nb / j->bsplit);
    if (px0 >= px1 || nb0 >= nb1) continue;
    if (!scratch && !j->w) {
      __atomic_store_n(&j->no_memory, true, __ATOMIC_RELAXED);
      break;
    }
    if (scratch && j->avx2)
      ecnn_q8_conv2d__avx2(&j->k, j->p->packed, j->in, j->out, px0, px1, nb0, nb1, scratch);
    else if (scratch && j->vnni)
      ecnn_q8_conv2d__avx512vnni(&j->k, j->p->packed_vnni, j->in, j->out, px0, px1, nb0, nb1,
                                 scratch);
#if HAVE_Q8_NEON
    else if (scratch && j->p->packed_neon->dot)
      ecnn_q8_conv2d__neondot(&j->k, j->p->packed_neon, j->in, j->out, px0, px1, nb0, nb1,
                              scratch);
    else if (scratch)
      ecnn_q8_conv2d__neon(&j->k, j->p->packed_neon, j->in, j->out, px0, px1, nb0, nb1,
                           scratch);
#endif
    else
      conv_scalar_range(j, px0, px1, nb0, nb1);
  }
  free(scratch);
}

static void dw_items(void *arg, int64_t begin, int64_t end) {
  const q8_conv_job *j = arg;
  if (j->vnni)
    ecnn_q8_dwconv2d__avx512vnni(&j->k, j->p->packed_vnni, j->in, j->out, (int32_t)begin,
                                 (int32_t)end);
  else if (j->avx2)
    ecnn_q8_dwconv2d__avx2(&j->k, j->p->packed, j->in, j->out, (int32_t)begin, (int32_t)end);
#if HAVE_Q8_NEON
  else if (j->neon)
    ecnn_q8_dwconv2d__neon(&j->k, j->p->packed_neon, j->in, j->out, (int32_t)begin,
                           (int32_t)end);
#endif
  else
    ecnn_q8_dwconv2d__scalar(&j->k, j->in, j->w, j->bias, j->p->ch, j->p->ch + j->p->nch, j->out,
                             (int32_t)begin, (int32_t)end);
}

static ecnn_status conv_run(const ecnn_op_ctx *ctx) {
  const ecnn_graph *g = ctx->graph;
  const ecnn_node *n = ctx->node;
  q8_conv_job j;
  memset(&j, 0, sizeof j);
  j.p = n->priv;
  conv_params(g, n, j.p, &j.k);
  j.in = ecnn_ctx_in(ctx, 0);
  const ecnn_tensor *w = ecnn_in(g, n, 1);
  j.w = w->packed ? NULL : w->data;
  j.bias = ecnn_ctx_in(ctx, 2);
  j.out = ecnn_ctx_out(ctx, 0);
  const ecnn_isa isa = ecnn_isa_active();
  j.avx2 = j.p->packed && (isa == ECNN_ISA_AVX2 || isa == ECNN_ISA_AVX512);
  j.neon = j.p->packed_neon && isa == ECNN_ISA_NEON;
  j.vnni = j.p->packed_vnni && isa == ECNN_ISA_AVX512;
  /* the scalar kernel (the ISA forced below what the weights were packed for, in tests) on
   * the file's weights, unpacked when the model keeps only packed ones */
  void *unpacked = NULL;
  if (!j.w && !j.avx2 && !j.vnni) {
    if (!(unpacked = malloc((size_t)ecnn_tensor_elements(w))))
      return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, OPFMT "out of memory", OPARG);
    ecnn_q8_conv2d_unpack_any(w->data, unpacked);
    j.w = unpacked;
  }
  if (n->op == ECNN_OP_DEPTHWISE_CONV_2D) {
    ecnn_parallel_for(ctx->pool, (int64_t)j.k.batch * j.k.out_h, 1, dw_items, &j);
    return ECNN_STATUS_OK;
  }
  j.npx = (int64_t)j.k.batch * j.k.out_h * j.k.out_w;
  j.units = (j.npx + CONV_UNIT - 1) / CONV_UNIT;
  j.nb = (j.k.out_c + ECNN_Q8_CONV_NR - 1) / ECNN_Q8_CONV_NR;
  j.psplit = j.bsplit = 1;
  const int32_t parts = ecnn_threadpool_parts(ctx->pool);
  if (parts > 1) {
    /* split the weights when they outweigh the input (the small late layers: each thread
     * then reads its share of them), else the pixels */
    const int64_t kk = (int64_t)j.k.kernel_h * j.k.kernel_w * j.k.in_c / j.k.groups;
    const int64_t weights = kk * j.nb * ECNN_Q8_CONV_NR;
    const int64_t input = (int64_t)j.k.batch * j.k.in_h * j.k.in_w * j.k.in_c;
    if (weights > input) {
      j.bsplit = j.nb < parts ? j.nb : parts;
      const int64_t ps = (parts + j.bsplit - 1) / j.bsplit;
      j.psplit = (int32_t)(ps < j.units ? ps : j.units);
    } else {
      j.psplit = (int32_t)(parts < j.units ? parts : j.units);
      const int32_t bs = (parts + j.psplit - 1) / j.psplit;
      j.bsplit = bs < j.nb ? bs : j.nb;
    }
  }
  ecnn_parallel_for(ctx->pool, (int64_t)j.psplit * j.bsplit, 1, conv_items, &j);
  free(unpacked);
  if (j.no_memory) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, OPFMT "out of memory", OPARG);
  return ECNN_STATUS_OK;
}

/* ---- elementwise binary ops with broadcasting ------------------------------------------ */

static ecnn_status binary_prepare(ecnn_graph *g, ecnn_node *n) {
  const ecnn_tensor *a = ecnn_in(g, n, 0), *b = ecnn_in(g, n, 1), *out = NULL;
  ecnn_status st = check_io_q8(g, n, a, &out);
  if (st != ECNN_STATUS_OK) return st;
  if (!is_q8(b) || b->dtype != a->dtype || b->quant.count != 1)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "both inputs must be %s per-tensor", OPARG,
                      ecnn_dtype_name(a->dtype));
  q8_priv *p = new_priv(n, 0);
  if (!p) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
  p->in_zp = a->quant.zero_point[0];
  p->in2_zp = b->quant.zero_point[0];
  p->out_zp = out->quant.zero_point[0];
  const double s1 = a->quant.scale[0], s2 = b->quant.scale[0], so = out->quant.scale[0];
  if (n->op == ECNN_OP_ADD || n->op == ECNN_OP_SUB) {
    p->left_shift = 20;
    const double twice = 2 * (s1 > s2 ? s1 : s2);
    ecnn_quantize_multiplier(s1 / twice, &p->mult1, &p->shift1);
    ecnn_quantize_multiplier(s2 / twice, &p->mult2, &p->shift2);
    ecnn_quantize_multiplier(twice / ((double)(1 << 20) * so), &p->mult, &p->shift);
    if ((st = act_range(n, out, &p->act_min, &p->act_max)) != ECNN_STATUS_OK) return st;
    p->vadd = ecnn_q8_vadd_init(s1 / so, s2 / so, p->in_zp, p->in2_zp, p->out_zp, p->act_min,
                                p->act_max, n->op == ECNN_OP_SUB, a->dtype == ECNN_DTYPE_U8,
                                &p->vadd_params);
    return ECNN_STATUS_OK;
  } else if (n->op == ECNN_OP_MUL) {
    ecnn_quantize_multiplier(s1 * s2 / so, &p->mult, &p->shift);
  } else if (s1 != so || s2 != so || p->in_zp != p->out_zp || p->in2_zp != p->out_zp) {
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "inputs and output must share quantization",
                      OPARG);
  }
  return act_range(n, out, &p->act_min, &p->act_max);
}

/* Element offset of output index `i` in an input of shape d (right-aligned broadcasting). */
static size_t bcast_offset(size_t i, const ecnn_tensor *out, const ecnn_tensor *t) {
  size_t off = 0, stride = 1;
  for (int32_t k = out->ndim - 1, j = t->ndim - 1; k >= 0; k--, j--) {
    const size_t od = (size_t)out->dims[k], idx = i % od;
    i /= od;
    if (j >= 0) {
      if (t->dims[j] != 1) off += idx * stride;
      stride *= (size_t)t->dims[j];
    }
  }
  return off;
}

/* ADD / SUB: the kernels of src/kernels/q8_eltwise.h (AVX2, NEON or scalar) on runs of
 * output elements along which both inputs are plain arrays, over the session's threads.
 * add_plan reduces the shapes (the output's dims of size 1 dropped, neighbours that each
 * input broadcasts alike merged) and takes the innermost reduced dim as the run: both inputs
 * are contiguous along it, or one of them is constant along it (a broadcast scalar, or one
 * value per pixel) and is repeated. When both inputs are contiguous along a short run (a few
 * channels) and one of them is broadcast along the dim outside it ([1, H, W, C] +
 * [1, 1, 1, C]), the run takes that dim in too, the broadcast input's C elements repeating
 * along it. A repeating input is tiled into a small buffer, so the kernel sees two arrays;
 * runs shorter than ADD_MIN_RUN stay with binary_run's per-element loop. */
enum {
  ADD_CHUNK = 4096, /* output elements per work item */
  ADD_MIN_RUN = 8,  /* the shortest run handed to a kernel (the AVX2 one takes 16 at a time) */
  ADD_SHORT = 32,   /* a run both inputs read that is shorter than this takes in the next dim */
  ADD_TILE = 256,   /* bytes of the buffer a repeating input is tiled into (> ADD_SHORT: it
                     * holds whole periods, several of them) */
};

typedef struct add_job {
  ecnn_q8_add_params k;
  const ecnn_q8_vadd_params *v; /* the single-rounding kernels instead (NULL: k's) */
  const uint8_t *a, *b;
  uint8_t *y;
  int64_t total;
  int64_t run;     /* output elements per run (the output is a whole number of them) */
  int32_t period;  /* 0: both inputs are contiguous along each run; else the input `rep_a`
                    * names (a, or b) has `period` elements at the run's offset that repeat
                    * along it (1, or the < ADD_SHORT channels of a widened run) */
  bool rep_a;
  int32_t nd;                   /* reduced dims outside the run, */
  int64_t dims[ECNN_MAX_DIMS];  /* their sizes, */
  int64_t sa[ECNN_MAX_DIMS], sb[ECNN_MAX_DIMS]; /* the inputs' element strides (0: broadcast) */
  bool avx2, neon;
} add_job;

/* Fills j's run, period, rep_a, nd, dims, sa and sb for out = ta (op) tb; returns whether the
 * run is long enough for the kernels. */
static bool add_plan(const ecnn_tensor *out, const ecnn_tensor *ta, const ecnn_tensor *tb,
                     add_job *j) {
  int64_t size[ECNN_MAX_DIMS];
  bool fa[ECNN_MAX_DIMS], fb[ECNN_MAX_DIMS]; /* the input is full (not broadcast) along it */
  int32_t k = 0;
  for (int32_t d = 0; d < out->ndim; d++) {
    const int32_t od = out->dims[d], da = d - (out->ndim - ta->ndim),
                  db = d - (out->ndim - tb->ndim);
    if (od == 1) continue;
    const bool a_full = da >= 0 && ta->dims[da] == od, b_full = db >= 0 && tb->dims[db] == od;
    if (k > 0 && fa[k - 1] == a_full && fb[k - 1] == b_full) {
      size[k - 1] *= od;
    } else {
      size[k] = od, fa[k] = a_full, fb[k] = b_full;
      k++;
    }
  }
  if (k == 0) return false; /* one element */
  int64_t sa[ECNN_MAX_DIMS], sb[ECNN_MAX_DIMS], na = 1, nb = 1;
  for (int32_t d = k - 1; d >= 0; d--) {
    sa[d] = fa[d] ? na : 0, sb[d] = fb[d] ? nb : 0;
    na *= fa[d] ? size[d] : 1, nb *= fb[d] ? size[d] : 1;
  }
  int32_t inner = k - 1;
  j->run = size[inner], j->period = 0, j->rep_a = false;
  if (!fa[inner] || !fb[inner]) { /* (reduced dims have one input full) */
    j->period = 1, j->rep_a = !fa[inner];
  } else if (size[inner] < ADD_SHORT && inner > 0) { /* the next dim out broadcasts one */
    j->period = (int32_t)size[inner], j->rep_a = !fa[inner - 1];
    j->run *= size[--inner];
  }
  j->nd = inner;
  for (int32_t d = 0; d < inner; d++) j->dims[d] = size[d], j->sa[d] = sa[d], j->sb[d] = sb[d];
  return j->run >= ADD_MIN_RUN;
}

static void add_kernel(const add_job *j, const uint8_t *a, const uint8_t *b, uint8_t *y,
                       int64_t n) {
  if (j->v) {
    if (j->avx2) ecnn_q8_vadd__avx2(j->v, a, b, y, (size_t)n);
#if HAVE_Q8_NEON
    else if (j->neon) ecnn_q8_vadd__neon(j->v, a, b, y, (size_t)n);
#endif
    else ecnn_q8_vadd__scalar(j->v, a, b, y, (size_t)n);
    return;
  }
  if (j->avx2) ecnn_q8_add__avx2(&j->k, a, b, y, (size_t)n);
#if HAVE_Q8_NEON
  else if (j->neon) ecnn_q8_add__neon(&j->k, a, b, y, (size_t)n);
#endif
  else ecnn_q8_add__scalar(&j->k, a, b, y, (size_t)n);
}

static void add_items(void *arg, int64_t begin, int64_t end) {
  const add_job *j = arg;
  uint8_t tile[ADD_TILE];
  const uint8_t *tiled = NULL; /* where the elements in tile come from */
  int64_t tile_len = 0;        /* whole periods: the run's rounded up, at most ADD_TILE bytes */
  const int64_t e1 = end * ADD_CHUNK < j->total ? end * ADD_CHUNK : j->total;
  for (int64_t e = begin * ADD_CHUNK; e < e1;) { /* e: the output element; s: in its run */
    int64_t r = e / j->run, oa = 0, ob = 0;
    const int64_t s = e % j->run, n = j->run - s < e1 - e ? j->run - s : e1 - e;
    for (int32_t d = j->nd - 1; d >= 0; d--) {
      const int64_t i = r % j->dims[d];
      r /= j->dims[d];
      oa += i * j->sa[d], ob += i * j->sb[d];
    }
    if (!j->period) {
      add_kernel(j, j->a + oa + s, j->b + ob + s, j->y + e, n);
      e += n;
      continue;
    }
    const uint8_t *rep = j->rep_a ? j->a + oa : j->b + ob;
    const uint8_t *full = j->rep_a ? j->b + ob : j->a + oa;
    const int64_t P = j->period;
    if (rep != tiled) {
      const int64_t whole = ADD_TILE / P * P, need = (j->run + P - 1) / P * P;
      tile_len = need < whole ? need : whole;
      if (P == 1) memset(tile, *rep, (size_t)tile_len);
      else for (int64_t t = 0; t < tile_len; t += P) memcpy(tile + t, rep, (size_t)P);
      tiled = rep;
    }
    for (int64_t at = s; at < s + n;) { /* the tile from the period's phase at `at` */
      const int64_t phase = at % P, left = s + n - at;
      const int64_t m = left < tile_len - phase ? left : tile_len - phase;
      if (j->rep_a) add_kernel(j, tile + phase, full + at, j->y + e + (at - s), m);
      else add_kernel(j, full + at, tile + phase, j->y + e + (at - s), m);
      at += m;
    }
    e += n;
  }
}

static ecnn_status binary_run(const ecnn_op_ctx *ctx) {
  const ecnn_graph *g = ctx->graph;
  const ecnn_node *n = ctx->node;
  const q8_priv *p = n->priv;
  const ecnn_tensor *ta = ecnn_in(g, n, 0), *tb = ecnn_in(g, n, 1);
  const ecnn_tensor *out = &g->tensors[n->outputs[0]];
  const void *a = ecnn_ctx_in(ctx, 0), *b = ecnn_ctx_in(ctx, 1);
  void *y = ecnn_ctx_out(ctx, 0);
  const ecnn_dtype dt = out->dtype;
  const int64_t total = ecnn_tensor_elements(out);
  if (n->op == ECNN_OP_ADD || n->op == ECNN_OP_SUB) {
    const ecnn_isa isa = ecnn_isa_active();
    add_job j = {.k = {.a_zp = p->in_zp, .b_zp = p->in2_zp, .out_zp = p->out_zp,
                       .left_shift = p->left_shift, .a_mult = p->mult1, .a_shift = p->shift1,
                       .b_mult = p->mult2, .b_shift = p->shift2, .out_mult = p->mult,
                       .out_shift = p->shift, .out_min = p->act_min, .out_max = p->act_max,
                       .sub = n->op == ECNN_OP_SUB, .u8 = dt == ECNN_DTYPE_U8},
                 .v = p->vadd ? &p->vadd_params : NULL,
                 .a = a, .b = b, .y = y, .total = total,
                 .avx2 = isa == ECNN_ISA_AVX2 || isa == ECNN_ISA_AVX512,
                 .neon = isa == ECNN_ISA_NEON};
    if (add_plan(out, ta, tb, &j)) {
      ecnn_parallel_for(ctx->pool, (total + ADD_CHUNK - 1) / ADD_CHUNK, 1, add_items, &j);
      return ECNN_STATUS_OK;
    }
  }
  /* MUL, MAXIMUM, MINIMUM, and ADD / SUB on runs too short for the kernels */
  for (int64_t i = 0; i < total; i++) {
    const int32_t va = ld(a, bcast_offset((size_t)i, out, ta), dt);
    const int32_t vb = ld(b, bcast_offset((size_t)i, out, tb), dt);
    int32_t v;
    switch (n->op) {
    case ECNN_OP_ADD:
    case ECNN_OP_SUB: {
      if (p->vadd) { /* (clamped already; clampi below keeps it) */
        v = ecnn_q8_vadd1(&p->vadd_params, va, vb);
        break;
      }
      const int32_t x1 = ecnn_mbqm((va - p->in_zp) * (1 << p->left_shift), p->mult1, p->shift1);
      const int32_t x2 = ecnn_mbqm((vb - p->in2_zp) * (1 << p->left_shift), p->mult2, p->shift2);
      v = ecnn_mbqm(n->op == ECNN_OP_ADD ? x1 + x2 : x1 - x2, p->mult, p->shift) + p->out_zp;
      break;
    }
    case ECNN_OP_MUL:
      v = ecnn_mbqm((va - p->in_zp) * (vb - p->in2_zp), p->mult, p->shift) + p->out_zp;
      break;
    case ECNN_OP_MAXIMUM: v = va > vb ? va : vb; break;
    default: v = va < vb ? va : vb; break;
    }
    st8(y, (size_t)i, clampi(v, p->act_min, p->act_max), dt);
  }
  return ECNN_STATUS_OK;
}

/* ---- table-driven unary ops ------------------------------------------------------------ */

static float hard_swish(float x) { return x * fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) / 6.0f; }

static ecnn_status lut_prepare(ecnn_graph *g, ecnn_node *n) {
  const ecnn_tensor *in = ecnn_in(g, n, 0), *out = NULL;
  ecnn_status st = check_io_q8(g, n, in, &out);
  if (st != ECNN_STATUS_OK) return st;
  q8_priv *p = new_priv(n, 0);
  if (!p) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
  int32_t lo, hi;
  qrange(in->dtype, &lo, &hi);
  const float si = in->quant.scale[0], so = out->quant.scale[0];
  const int32_t zi = in->quant.zero_point[0], zo = out->quant.zero_point[0];
  for (int32_t q = lo; q <= hi; q++) {
    const float x = (float)(q - zi) * si;
    float yv;
    switch (n->op) {
    case ECNN_OP_LOGISTIC: yv = 1.0f / (1.0f + expf(-x)); break;
    case ECNN_OP_TANH: yv = tanhf(x); break;
    case ECNN_OP_HARD_SWISH: yv = hard_swish(x); break;
    case ECNN_OP_RELU: yv = fmaxf(x, 0.0f); break;
    case ECNN_OP_RELU6: yv = fminf(fmaxf(x, 0.0f), 6.0f); break;
    case ECNN_OP_RELU_N1_TO_1: yv = fminf(fmaxf(x, -1.0f), 1.0f); break;
    case ECNN_OP_LEAKY_RELU: yv = x >= 0 ? x : x * n->params.alpha; break;
    default: yv = x; break;
    }
    const int32_t v = clampi(zo + (int32_t)lroundf(yv / so), lo, hi);
    p->lut[(uint8_t)q] = (uint8_t)v;
  }
  return ECNN_STATUS_OK;
}

static ecnn_status lut_run(const ecnn_op_ctx *ctx) {
  const q8_priv *p = ctx->node->priv;
  const ecnn_tensor *in = ecnn_in(ctx->graph, ctx->node, 0);
  const uint8_t *x = ecnn_ctx_in(ctx, 0);
  uint8_t *y = ecnn_ctx_out(ctx, 0);
  const int64_t total = ecnn_tensor_elements(in);
  for (int64_t i = 0; i < total; i++) y[i] = p->lut[x[i]];
  return ECNN_STATUS_OK;
}

/* ---- softmax --------------------------------------------------------------------------- */

static ecnn_status softmax_prepare(ecnn_graph *g, ecnn_node *n) {
  const ecnn_tensor *in = ecnn_in(g, n, 0), *out = NULL;
  ecnn_status st = check_io_q8(g, n, in, &out);
  if (st != ECNN_STATUS_OK) return st;
  q8_priv *p = new_priv(n, 0);
  if (!p) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
  p->in_zp = in->quant.zero_point[0], p->in_scale = in->quant.scale[0];
  p->out_zp = out->quant.zero_point[0], p->out_scale = out->quant.scale[0];
  qrange(out->dtype, &p->act_min, &p->act_max);
  return ECNN_STATUS_OK;
}

static ecnn_status softmax_run(const ecnn_op_ctx *ctx) {
  const ecnn_node *n = ctx->node;
  const q8_priv *p = n->priv;
  const ecnn_tensor *in = ecnn_in(ctx->graph, n, 0);
  const void *x = ecnn_ctx_in(ctx, 0);
  void *y = ecnn_ctx_out(ctx, 0);
  const int32_t C = in->dims[in->ndim - 1];
  const int64_t rows = ecnn_tensor_elements(in) / C;
  for (int64_t r = 0; r < rows; r++) {
    int32_t mx = INT32_MIN;
    for (int32_t c = 0; c < C; c++) {
      int32_t v = ld(x, (size_t)r * C + c, in->dtype);
      mx = v > mx ? v : mx;
    }
    double sum = 0;
    for (int32_t c = 0; c < C; c++)
      sum += exp((double)n->params.beta * p->in_scale * (ld(x, (size_t)r * C + c, in->dtype) - mx));
    for (int32_t c = 0; c < C; c++) {
      double e =
          exp((double)n->params.beta * p->in_scale * (ld(x, (size_t)r * C + c, in->dtype) - mx));
      int32_t q = p->out_zp + (int32_t)lround(e / sum / p->out_scale);
      st8(y, (size_t)r * C + c, clampi(q, p->act_min, p->act_max), in->dtype);
    }
  }
  return ECNN_STATUS_OK;
}

/* ---- pooling and mean ------------------------------------------------------------------ */

static ecnn_status same_params_prepare(ecnn_graph *g, ecnn_node *n) {
  const ecnn_tensor *in = ecnn_in(g, n, 0), *out = NULL;
  ecnn_status st = check_io_q8(g, n, in, &out);
  if (st != ECNN_STATUS_OK) return st;
  q8_priv *p = new_priv(n, 0);
  if (!p) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
  p->in_zp = in->quant.zero_point[0], p->in_scale = in->quant.scale[0];
  p->out_zp = out->quant.zero_point[0], p->out_scale = out->quant.scale[0];
  p->same_params = p->in_zp == p->out_zp && p->in_scale == p->out_scale;
  const bool needs_same = n->op == ECNN_OP_AVERAGE_POOL_2D || n->op == ECNN_OP_MAX_POOL_2D ||
                          n->op == ECNN_OP_RESIZE_BILINEAR ||
                          n->op == ECNN_OP_RESIZE_NEAREST_NEIGHBOR || n->op == ECNN_OP_RESHAPE ||
                          n->op == ECNN_OP_SQUEEZE || n->op == ECNN_OP_PAD ||
                          n->op == ECNN_OP_PADV2;
  if (needs_same && !p->same_params)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "input and output must share quantization",
                      OPARG);
  if (n->op == ECNN_OP_MEAN) {
    const ecnn_tensor *ax = ecnn_in(g, n, 1);
    int64_t count = ecnn_tensor_elements(in) / ecnn_tensor_elements(out);
    ecnn_quantize_multiplier((double)p->in_scale / ((double)count * p->out_scale), &p->mult,
                             &p->shift);
    (void)ax;
  }
  if (n->op == ECNN_OP_AVERAGE_POOL_2D || n->op == ECNN_OP_MAX_POOL_2D)
    return act_range(n, out, &p->act_min, &p->act_max);
  qrange(out->dtype, &p->act_min, &p->act_max);
  return ECNN_STATUS_OK;
}

/* MAX_POOL_2D with every window inside the input: the kernels of src/kernels/q8_pool.h on
 * ranges of output rows, over the session's threads. */
typedef struct maxpool_job {
  ecnn_q8_pool_params k;
  const void *x;
  void *y;
  bool avx2;
} maxpool_job;

enum { MOVE_GRAIN_BYTES = 16384 }; /* the least input a byte-moving op's work item reads */

static void maxpool_items(void *arg, int64_t begin, int64_t end) {
  const maxpool_job *j = arg;
  if (j->avx2) ecnn_q8_maxpool__avx2(&j->k, j->x, j->y, (int32_t)begin, (int32_t)end);
  else ecnn_q8_maxpool__scalar(&j->k, j->x, j->y, (int32_t)begin, (int32_t)end);
}

static ecnn_status pool_run(const ecnn_op_ctx *ctx) {
  const ecnn_graph *g = ctx->graph;
  const ecnn_node *n = ctx->node;
  const q8_priv *p = n->priv;
  const ecnn_tensor *in = ecnn_in(g, n, 0), *out = &g->tensors[n->outputs[0]];
  const void *x = ecnn_ctx_in(ctx, 0);
  void *y = ecnn_ctx_out(ctx, 0);
  const ecnn_op_params *pp = &n->params;
  const int32_t N = in->dims[0], H = in->dims[1], W = in->dims[2], C = in->dims[3];
  const int32_t OH = out->dims[1], OW = out->dims[2];
  int32_t pt, pl;
  ecnn_conv_out_size(H, pp->filter_h, pp->stride_h, 1, pp->padding, &pt);
  ecnn_conv_out_size(W, pp->filter_w, pp->stride_w, 1, pp->padding, &pl);
  const bool is_max = n->op == ECNN_OP_MAX_POOL_2D;
  if (is_max && pt == 0 && pl == 0 && (OH - 1) * pp->stride_h + pp->filter_h <= H &&
      (OW - 1) * pp->stride_w + pp->filter_w <= W) {
    const ecnn_isa isa = ecnn_isa_active();
    maxpool_job j = {.k = {.batch = N, .in_h = H, .in_w = W, .c = C, .out_h = OH, .out_w = OW,
                           .filter_h = pp->filter_h, .filter_w = pp->filter_w,
                           .stride_h = pp->stride_h, .stride_w = pp->stride_w,
                           .out_min = p->act_min, .out_max = p->act_max,
                           .u8 = in->dtype == ECNN_DTYPE_U8},
                     .x = x, .y = y, .avx2 = isa == ECNN_ISA_AVX2 || isa == ECNN_ISA_AVX512};
    const int64_t row_bytes = (int64_t)pp->stride_h * W * C;
    ecnn_parallel_for(ctx->pool, (int64_t)N * OH, MOVE_GRAIN_BYTES / row_bytes + 1, maxpool_items,
                      &j);
    return ECNN_STATUS_OK;
  }
  if (is_max) { /* windows across the edges, a pixel's channels at a time: the running
                 * maximum in the output row */
    const bool i8 = in->dtype == ECNN_DTYPE_I8;
    for (int32_t b = 0; b < N; b++)
      for (int32_t oy = 0; oy < OH; oy++)
        for (int32_t ox = 0; ox < OW; ox++) {
          uint8_t *o = (uint8_t *)y + (((size_t)b * OH + oy) * OW + ox) * C;
          bool first = true;
          for (int32_t ky = 0; ky < pp->filter_h; ky++) {
            const int32_t iy = oy * pp->stride_h - pt + ky;
            if (iy < 0 || iy >= H) continue;
            for (int32_t kx = 0; kx < pp->filter_w; kx++) {
              const int32_t ix = ox * pp->stride_w - pl + kx;
              if (ix < 0 || ix >= W) continue;
              const uint8_t *xi = (const uint8_t *)x + (((size_t)b * H + iy) * W + ix) * C;
              if (first) memcpy(o, xi, (size_t)C);
              else if (i8)
                for (int32_t c = 0; c < C; c++)
                  o[c] = (int8_t)xi[c] > (int8_t)o[c] ? xi[c] : o[c];
              else
                for (int32_t c = 0; c < C; c++) o[c] = xi[c] > o[c] ? xi[c] : o[c];
              first = false;
            }
          }
          for (int32_t c = 0; c < C; c++) /* an empty window's maximum is below every clamp */
            st8(o, (size_t)c, clampi(first ? p->act_min : ld(o, (size_t)c, in->dtype), p->act_min,
                                     p->act_max),
                in->dtype);
        }
    return ECNN_STATUS_OK;
  }
  for (int32_t b = 0; b < N; b++)
    for (int32_t oy = 0; oy < OH; oy++)
      for (int32_t ox = 0; ox < OW; ox++)
        for (int32_t c = 0; c < C; c++) {
          int32_t acc = is_max ? INT32_MIN : 0, count = 0;
          for (int32_t ky = 0; ky < pp->filter_h; ky++) {
            const int32_t iy = oy * pp->stride_h - pt + ky;
            if (iy < 0 || iy >= H) continue;
            for (int32_t kx = 0; kx < pp->filter_w; kx++) {
              const int32_t ix = ox * pp->stride_w - pl + kx;
              if (ix < 0 || ix >= W) continue;
              const int32_t v = ld(x, (((size_t)b * H + iy) * W + ix) * C + c, in->dtype);
              acc = is_max ? (v > acc ? v : acc) : acc + v;
              count++;
            }
          }
          int32_t v = acc;
          if (!is_max) /* TFLite: round half away from zero */
            v = count ? (acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count) : 0;
          st8(y, (((size_t)b * OH + oy) * OW + ox) * C + c, clampi(v, p->act_min, p->act_max),
              in->dtype);
        }
  return ECNN_STATUS_OK;
}

static ecnn_status mean_run(const ecnn_op_ctx *ctx) {
  /* TFLite's integer Mean: sum, times in_scale / (count * out_scale), plus the bias that
   * moves the input zero point into the output domain. Reduces every axis the float prepare
   * validated; here we support reductions over a contiguous middle block (e.g. H, W). */
  const ecnn_graph *g = ctx->graph;
  const ecnn_node *n = ctx->node;
  const q8_priv *p = n->priv;
  const ecnn_tensor *in = ecnn_in(g, n, 0), *axes = ecnn_in(g, n, 1);
  const void *x = ecnn_ctx_in(ctx, 0);
  void *y = ecnn_ctx_out(ctx, 0);
  bool red[ECNN_MAX_DIMS] = {false};
  const int64_t na = ecnn_tensor_elements(axes);
  for (int64_t i = 0; i < na; i++) {
    int32_t a = ((const int32_t *)axes->data)[i];
    red[a < 0 ? a + in->ndim : a] = true;
  }
  /* outer (kept, before), middle (reduced), inner (kept, after) */
  int32_t first = -1, last = -1;
  for (int32_t d = 0; d < in->ndim; d++)
    if (red[d]) {
      if (first < 0) first = d;
      last = d;
    }
  for (int32_t d = first; d >= 0 && d <= last; d++)
    if (!red[d] && in->dims[d] != 1)
      return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "int8 MEAN over non-adjacent axes", OPARG);
  size_t outer = 1, mid = 1, inner = 1;
  for (int32_t d = 0; d < in->ndim; d++) {
    if (first >= 0 && d < first) outer *= (size_t)in->dims[d];
    else if (first >= 0 && d <= last) mid *= (size_t)in->dims[d];
    else inner *= (size_t)in->dims[d];
  }
  const int32_t bias = p->out_zp - (int32_t)lroundf((float)p->in_zp * p->in_scale / p->out_scale);
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < inner; i++) {
      int32_t acc = 0;
      for (size_t m = 0; m < mid; m++) acc += ld(x, (o * mid + m) * inner + i, in->dtype);
      int32_t v = ecnn_mbqm(acc, p->mult, p->shift) + bias;
      st8(y, o * inner + i, clampi(v, p->act_min, p->act_max), in->dtype);
    }
  return ECNN_STATUS_OK;
}

/* ---- resize ---------------------------------------------------------------------------- */

static ecnn_status resize_run(const ecnn_op_ctx *ctx) {
  const ecnn_graph *g = ctx->graph;
  const ecnn_node *n = ctx->node;
  const ecnn_tensor *in = ecnn_in(g, n, 0), *out = &g->tensors[n->outputs[0]];
  const void *x = ecnn_ctx_in(ctx, 0);
  void *y = ecnn_ctx_out(ctx, 0);
  const ecnn_op_params *pp = &n->params;
  const int32_t N = in->dims[0], H = in->dims[1], W = in->dims[2], C = in->dims[3];
  const int32_t OH = out->dims[1], OW = out->dims[2];
  const float hs = pp->align_corners && OH > 1 ? (float)(H - 1) / (OH - 1) : (float)H / OH;
  const float ws = pp->align_corners && OW > 1 ? (float)(W - 1) / (OW - 1) : (float)W / OW;
  const bool nearest = n->op == ECNN_OP_RESIZE_NEAREST_NEIGHBOR;
  for (int32_t b = 0; b < N; b++)
    for (int32_t oy = 0; oy < OH; oy++)
      for (int32_t ox = 0; ox < OW; ox++) {
        const size_t o = (((size_t)b * OH + oy) * OW + ox) * C;
        if (nearest) {
          const float off = pp->half_pixel_centers ? 0.5f : 0.0f;
          float fy = ((float)oy + off) * hs, fx = ((float)ox + off) * ws;
          int32_t iy = (int32_t)(pp->align_corners ? roundf(fy) : floorf(fy));
          int32_t ix = (int32_t)(pp->align_corners ? roundf(fx) : floorf(fx));
          iy = clampi(iy, 0, H - 1), ix = clampi(ix, 0, W - 1);
          for (int32_t c = 0; c < C; c++)
            st8(y, o + c, ld(x, (((size_t)b * H + iy) * W + ix) * C + c, in->dtype), in->dtype);
          continue;
        }
        float sy = pp->half_pixel_centers ? ((float)oy + 0.5f) * hs - 0.5f : (float)oy * hs;
        float sx = pp->half_pixel_centers ? ((float)ox + 0.5f) * ws - 0.5f : (float)ox * ws;
        int32_t y0 = clampi((int32_t)floorf(sy), 0, H - 1),
                x0 = clampi((int32_t)floorf(sx), 0, W - 1);
        int32_t y1 = clampi((int32_t)ceilf(sy), 0, H - 1),
                x1 = clampi((int32_t)ceilf(sx), 0, W - 1);
        const float fy = sy - (float)y0, fx = sx - (float)x0;
        for (int32_t c = 0; c < C; c++) {
#define AT(yy, xx) ((float)ld(x, (((size_t)b * H + (yy)) * W + (xx)) * C + c, in->dtype))
          float v = AT(y0, x0) * (1 - fy) * (1 - fx) + AT(y0, x1) * (1 - fy) * fx +
                    AT(y1, x0) * fy * (1 - fx) + AT(y1, x1) * fy * fx;
#undef AT
          int32_t lo, hi;
          qrange(in->dtype, &lo, &hi);
          st8(y, o + c, clampi((int32_t)lroundf(v), lo, hi), in->dtype);
        }
      }
  return ECNN_STATUS_OK;
}

/* ---- concatenation (requantizing inputs whose parameters differ) ------------------------ */

static ecnn_status concat_prepare(ecnn_graph *g, ecnn_node *n) {
  const ecnn_tensor *out = &g->tensors[n->outputs[0]];
  for (int32_t i = 0; i < n->num_inputs; i++) {
    const ecnn_tensor *in = ecnn_in(g, n, i), *o;
    ecnn_status st = check_io_q8(g, n, in, &o);
    if (st != ECNN_STATUS_OK) return st;
  }
  q8_priv *p = new_priv(n, 0);
  if (!p) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory");
  qrange(out->dtype, &p->act_min, &p->act_max);
  return n->params.activation == ECNN_ACT_NONE ? ECNN_STATUS_OK
                                               : act_range(n, out, &p->act_min, &p->act_max);
}

static ecnn_status concat_run(const ecnn_op_ctx *ctx) {
  const ecnn_graph *g = ctx->graph;
  const ecnn_node *n = ctx->node;
  const q8_priv *p = n->priv;
  const ecnn_tensor *out = &g->tensors[n->outputs[0]];
  const int32_t axis = n->params.axis < 0 ? n->params.axis + out->ndim : n->params.axis;
  size_t outer = 1, inner = 1;
  for (int32_t d = 0; d < axis; d++) outer *= (size_t)out->dims[d];
  for (int32_t d = axis + 1; d < out->ndim; d++) inner *= (size_t)out->dims[d];
  const float so = out->quant.scale[0];
  const int32_t zo = out->quant.zero_point[0];
  void *y = ecnn_ctx_out(ctx, 0);
  const size_t orow = (size_t)out->dims[axis] * inner;
  size_t col = 0;
  for (int32_t i = 0; i < n->num_inputs; i++) {
    const ecnn_tensor *in = ecnn_in(g, n, i);
    const void *x = ecnn_ctx_in(ctx, i);
    const size_t row = (size_t)in->dims[axis] * inner;
    const float scale = in->quant.scale[0] / so;
    const int32_t zi = in->quant.zero_point[0];
    const bool same = in->quant.scale[0] == so && zi == zo;
    for (size_t o = 0; o < outer; o++)
      for (size_t k = 0; k < row; k++) {
        int32_t v = ld(x, o * row + k, in->dtype);
        if (!same) v = zo + (int32_t)lroundf((float)(v - zi) * scale);
        st8(y, o * orow + col + k, clampi(v, p->act_min, p->act_max), out->dtype);
      }
    col += row;
  }
  return ECNN_STATUS_OK;
}

/* ---- pad (with the zero point, or PADV2's quantized constant) --------------------------- */

/* PAD of the channel axis only: the kernels of src/kernels/q8_pool.h on ranges of pixels,
 * over the session's threads. */
typedef struct pad_job {
  const uint8_t *x;
  uint8_t *y;
  size_t c, before, after, pixels;
  uint8_t fill;
  bool avx2;
} pad_job;

enum { PAD_CHUNK = 256 }; /* pixels per work item */

static void pad_items(void *arg, int64_t begin, int64_t end) {
  const pad_job *j = arg;
  const size_t i0 = (size_t)begin * PAD_CHUNK, oc = j->before + j->c + j->after;
  const size_t i1 = (size_t)end * PAD_CHUNK < j->pixels ? (size_t)end * PAD_CHUNK : j->pixels;
  (j->avx2 ? ecnn_q8_pad_channels__avx2 : ecnn_q8_pad_channels__scalar)(
      j->x + i0 * j->c, j->y + i0 * oc, i1 - i0, j->c, j->before, j->after, j->fill);
}

static ecnn_status pad_run(const ecnn_op_ctx *ctx) {
  const ecnn_graph *g = ctx->graph;
  const ecnn_node *n = ctx->node;
  const ecnn_tensor *in = ecnn_in(g, n, 0), *pads = ecnn_in(g, n, 1),
                    *out = &g->tensors[n->outputs[0]];
  const uint8_t *x = ecnn_ctx_in(ctx, 0), *value = ecnn_ctx_in(ctx, 2);
  uint8_t *y = ecnn_ctx_out(ctx, 0);
  const uint8_t fill = value ? value[0] : (uint8_t)in->quant.zero_point[0];
  const int64_t total = ecnn_tensor_elements(out);
  int32_t before[ECNN_MAX_DIMS];
  bool inner_only = in->ndim > 0; /* only the last axis padded */
  for (int32_t d = 0; d < in->ndim; d++) {
    before[d] = pads->dtype == ECNN_DTYPE_I32 ? ((const int32_t *)pads->data)[2 * d]
                                              : (int32_t)((const int64_t *)pads->data)[2 * d];
    if (d < in->ndim - 1 && (before[d] != 0 || out->dims[d] != in->dims[d])) inner_only = false;
  }
  const int32_t nd = in->ndim;
  const int64_t n_in = ecnn_tensor_elements(in);
  if (inner_only && n_in > 0) {
    const ecnn_isa isa = ecnn_isa_active();
    const int32_t c = in->dims[nd - 1];
    pad_job j = {.x = x, .y = y, .c = (size_t)c, .before = (size_t)before[nd - 1],
                 .after = (size_t)(out->dims[nd - 1] - c - before[nd - 1]),
                 .pixels = (size_t)(n_in / c), .fill = fill,
                 .avx2 = isa == ECNN_ISA_AVX2 || isa == ECNN_ISA_AVX512};
    const int64_t items = (int64_t)((j.pixels + PAD_CHUNK - 1) / PAD_CHUNK);
    ecnn_parallel_for(ctx->pool, items, MOVE_GRAIN_BYTES / (PAD_CHUNK * (int64_t)c) + 1, pad_items,
                      &j);
    return ECNN_STATUS_OK;
  }
  memset(y, fill, (size_t)total);
  /* the input's innermost rows, each copied whole to where it lands */
  const int64_t row = nd > 0 ? in->dims[nd - 1] : 1;
  for (int64_t r = 0; r * row < n_in; r++) {
    int64_t rem = r, off = nd > 0 ? before[nd - 1] : 0, stride = nd > 0 ? out->dims[nd - 1] : 1;
    for (int32_t d = nd - 2; d >= 0; d--) {
      const int64_t idx = rem % in->dims[d];
      rem /= in->dims[d];
      off += (idx + before[d]) * stride;
      stride *= out->dims[d];
    }
    memcpy(y + off, x + r * row, (size_t)row);
  }
  return ECNN_STATUS_OK;
}

/* ---- reshape / squeeze: the bytes do not change ------------------------------------------ */

static ecnn_status copy_run(const ecnn_op_ctx *ctx) {
  const ecnn_tensor *out = &ctx->graph->tensors[ctx->node->outputs[0]];
  const void *x = ecnn_ctx_in(ctx, 0);
  void *y = ecnn_ctx_out(ctx, 0);
  if (x != y) memmove(y, x, ecnn_tensor_bytes(out));
  return ECNN_STATUS_OK;
}

/* ---- the table -------------------------------------------------------------------------- */

#define E(op, prep, run) [ECNN_OP_##op] = {#op, prep, run}
const ecnn_op_desc ecnn_q8_ops[ECNN_OP_COUNT] = {
    E(CONV_2D, conv_prepare, conv_run),
    E(DEPTHWISE_CONV_2D, conv_prepare, conv_run),
    E(FULLY_CONNECTED, conv_prepare, conv_run),
    E(ADD, binary_prepare, binary_run),
    E(SUB, binary_prepare, binary_run),
    E(MUL, binary_prepare, binary_run),
    E(MAXIMUM, binary_prepare, binary_run),
    E(MINIMUM, binary_prepare, binary_run),
    E(LOGISTIC, lut_prepare, lut_run),
    E(TANH, lut_prepare, lut_run),
    E(HARD_SWISH, lut_prepare, lut_run),
    E(RELU, lut_prepare, lut_run),
    E(RELU6, lut_prepare, lut_run),
    E(RELU_N1_TO_1, lut_prepare, lut_run),
    E(LEAKY_RELU, lut_prepare, lut_run),
    E(SOFTMAX, softmax_prepare, softmax_run),
    E(AVERAGE_POOL_2D, same_params_prepare, pool_run),
    E(MAX_POOL_2D, same_params_prepare, pool_run),
    E(MEAN, same_params_prepare, mean_run),
    E(RESIZE_BILINEAR, same_params_prepare, resize_run),
    E(RESIZE_NEAREST_NEIGHBOR, same_params_prepare, resize_run),
    E(CONCATENATION, concat_prepare, concat_run),
    E(PAD, same_params_prepare, pad_run),
    E(PADV2, same_params_prepare, pad_run),
    E(RESHAPE, same_params_prepare, copy_run),
    E(SQUEEZE, same_params_prepare, copy_run),
};
#undef E
