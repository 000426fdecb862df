/*
 * quantize.c — the conversion ops. DEQUANTIZE: int8 / uint8 / int16 (per-tensor or
 * per-channel) and float16 to float32 at run time (constant float16 weights are folded at
 * load; this handles what is left). QUANTIZE: float32 to int8 / uint8 with TFLite's rounding
 * (half away from zero) and saturation (float32 -> int8 with the AVX-512, AVX2 or NEON
 * kernel of src/kernels/q8_eltwise.h when the path is active, bit-identical to the scalar
 * one), and int8 <-> uint8 requantization (per-tensor). Both are entries of the float table
 * for every dtype; prepare checks the quantization parameters the kernels divide by or
 * subtract. MACs = 0.
 */
#include <math.h>

#include "../kernels/eltwise.h"
#include "../kernels/isa.h"
#include "../kernels/q8_eltwise.h"
#include "../threadpool.h"
#include "ops.h"

#define OPFMT "%s #%d: "
#define OPARG ecnn_op_name(n->op), (int)n->index

static bool qtype_of(ecnn_dtype d, ecnn_qtype *t) {
  switch (d) {
  case ECNN_DTYPE_I8: *t = ECNN_QTYPE_I8; return true;
  case ECNN_DTYPE_U8: *t = ECNN_QTYPE_U8; return true;
  case ECNN_DTYPE_I16: *t = ECNN_QTYPE_I16; return true;
  default: return false;
  }
}

/* Every scale finite and > 0, every zero point inside the integer type's range. */
static ecnn_status check_quant(const ecnn_node *n, const ecnn_tensor *t, const char *role) {
  ecnn_qtype qt;
  if (!qtype_of(t->dtype, &qt)) return ECNN_STATUS_OK;
  if (t->quant.count < 1 || !t->quant.scale || !t->quant.zero_point)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "%s '%s' has no quantization", OPARG,
                      role, t->name);
  if (t->quant.count > 1) {
    int32_t ax = t->quant.axis;
    if (ax < 0 || ax >= t->ndim || t->dims[ax] != t->quant.count)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                        OPFMT "%s '%s': %d per-channel scales do not match axis %d", OPARG,
                        role, t->name, (int)t->quant.count, (int)ax);
  }
  const int32_t lo = qt == ECNN_QTYPE_I8 ? -128 : qt == ECNN_QTYPE_U8 ? 0 : -32768;
  const int32_t hi = qt == ECNN_QTYPE_I8 ? 127 : qt == ECNN_QTYPE_U8 ? 255 : 32767;
  for (int32_t i = 0; i < t->quant.count; i++) {
    const float s = t->quant.scale[i];
    const int32_t zp = t->quant.zero_point[i];
    if (!(s > 0.0f) || !isfinite(s) || zp < lo || zp > hi)
      return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                        OPFMT "%s '%s': bad quantization (scale %g, zero point %d)", OPARG, role,
                        t->name, (double)s, (int)zp);
  }
  return ECNN_STATUS_OK;
}

/* DEQUANTIZE: input int8 / uint8 / int16 with valid quantization, or float16; float32 output
 * of the input's shape. */
ecnn_status ecnn_op_dequantize_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 1, 1, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *in = ecnn_in(g, n, 0);
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if ((st = ecnn_check_f32(n, out, "output")) != ECNN_STATUS_OK) return st;
  ecnn_qtype qt;
  if (in->dtype != ECNN_DTYPE_F16 && !qtype_of(in->dtype, &qt))
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "input '%s' is %s", OPARG, in->name,
                      ecnn_dtype_name(in->dtype));
  if ((st = check_quant(n, in, "input")) != ECNN_STATUS_OK) return st;
  ecnn_set_shape(out, in->ndim, in->dims);
  n->macs = 0;
  return ECNN_STATUS_OK;
}

/* DEQUANTIZE run. */
ecnn_status ecnn_op_dequantize_run(const ecnn_op_ctx *ctx) {
  const ecnn_node *n = ctx->node;
  const ecnn_tensor *in = ecnn_in(ctx->graph, n, 0);
  const size_t total = (size_t)ecnn_tensor_elements(in);
  float *y = ecnn_ctx_out(ctx, 0);
  if (in->dtype == ECNN_DTYPE_F16) {
    ecnn_f32_from_f16__scalar(total, ecnn_ctx_in(ctx, 0), y);
    return ECNN_STATUS_OK;
  }
  ecnn_dequant_params p;
  if (!qtype_of(in->dtype, &p.type))
    return ecnn_error(ECNN_STATUS_INVALID_STATE, OPFMT "input is %s", OPARG,
                      ecnn_dtype_name(in->dtype));
  p.scale = in->quant.scale;
  p.zero_point = in->quant.zero_point;
  p.outer = 1;
  p.channels = 1;
  p.inner = total;
  if (in->quant.count > 1) {
    const int32_t ax = in->quant.axis;
    for (int32_t d = 0; d < ax; d++) p.outer *= (size_t)in->dims[d];
    p.channels = (size_t)in->dims[ax];
    p.inner = 1;
    for (int32_t d = ax + 1; d < in->ndim; d++) p.inner *= (size_t)in->dims[d];
  }
  ecnn_f32_dequantize__scalar(&p, ecnn_ctx_in(ctx, 0), y);
  return ECNN_STATUS_OK;
}

/* QUANTIZE: float32 -> int8 / uint8, or int8 / uint8 -> int8 / uint8 (requantize); output
 * quantization per-tensor, valid; output shape = input shape. */
ecnn_status ecnn_op_quantize_prepare(ecnn_graph *g, ecnn_node *n) {
  ecnn_status st;
  if ((st = ecnn_check_io(n, 1, 1, 1)) != ECNN_STATUS_OK) return st;
  const ecnn_tensor *in = ecnn_in(g, n, 0);
  ecnn_tensor *out = ecnn_out(g, n, 0);
  if (!out) return ecnn_error(ECNN_STATUS_INVALID_MODEL, OPFMT "output is missing", OPARG);
  const bool out_q8 = out->dtype == ECNN_DTYPE_I8 || out->dtype == ECNN_DTYPE_U8;
  const bool in_q8 = in->dtype == ECNN_DTYPE_I8 || in->dtype == ECNN_DTYPE_U8;
  if (!out_q8 || !(in_q8 || in->dtype == ECNN_DTYPE_F32))
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "%s -> %s is not supported", OPARG,
                      ecnn_dtype_name(in->dtype), ecnn_dtype_name(out->dtype));
  if ((st = check_quant(n, out, "output")) != ECNN_STATUS_OK) return st;
  if ((st = check_quant(n, in, "input")) != ECNN_STATUS_OK) return st;
  if (out->quant.count != 1 || (in_q8 && in->quant.count != 1))
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, OPFMT "per-channel quantization of activations",
                      OPARG);
  ecnn_set_shape(out, in->ndim, in->dims);
  n->macs = 0;
  return ECNN_STATUS_OK;
}

/* The NEON kernel (src/kernels/arm/q8_eltwise_neon.c) exists in ARM64 builds only, hence the
 * preprocessor guard around its call. */
#if defined(__aarch64__)
#define HAVE_Q8_NEON 1
#else
#define HAVE_Q8_NEON 0
#endif

/* float32 -> int8 QUANTIZE in pieces over the pool (a model's input: 270 k values for the
 * SSD, 1.7 ms on one thread with the scalar loop, about 0.03 ms with the AVX-512 kernel), with
 * the AVX-512, AVX2, NEON or scalar kernel; the last piece is the short one. */
typedef struct quantize_job {
  const float *x;
  int8_t *y;
  size_t total; /* elements */
  float scale;
  int32_t zero_point;
  bool avx512, avx2, neon;
} quantize_job;

enum { QUANTIZE_PIECE = 16384 };

/* Elements [at, at + n) of j. */
static void quantize_range(const quantize_job *j, size_t at, size_t n) {
  if (j->avx512) ecnn_f32_quantize_i8__avx512(n, j->x + at, j->scale, j->zero_point, j->y + at);
  else if (j->avx2) ecnn_f32_quantize_i8__avx2(n, j->x + at, j->scale, j->zero_point, j->y + at);
#if HAVE_Q8_NEON
  else if (j->neon) ecnn_f32_quantize_i8__neon(n, j->x + at, j->scale, j->zero_point, j->y + at);
#endif
  else ecnn_f32_quantize__scalar(n, j->x + at, j->scale, j->zero_point, ECNN_QTYPE_I8, j->y + at);
}

static void quantize_pieces(void *arg, int64_t begin, int64_t end) {
  const quantize_job *j = arg;
  for (int64_t piece = begin; piece < end; piece++) {
    const size_t at = (size_t)piece * QUANTIZE_PIECE, left = j->total - at;
    quantize_range(j, at, left < QUANTIZE_PIECE ? left : QUANTIZE_PIECE);
  }
}

/* QUANTIZE run. */
ecnn_status ecnn_op_quantize_run(const ecnn_op_ctx *ctx) {
  const ecnn_node *n = ctx->node;
  const ecnn_tensor *in = ecnn_in(ctx->graph, n, 0);
  const ecnn_tensor *out = &ctx->graph->tensors[n->outputs[0]];
  const size_t total = (size_t)ecnn_tensor_elements(in);
  ecnn_qtype ot, it;
  if (!qtype_of(out->dtype, &ot))
    return ecnn_error(ECNN_STATUS_INVALID_STATE, OPFMT "output is %s", OPARG,
                      ecnn_dtype_name(out->dtype));
  if (in->dtype == ECNN_DTYPE_F32 && ot == ECNN_QTYPE_I8) {
    const ecnn_isa isa = ecnn_isa_active();
    quantize_job j = {.x = ecnn_ctx_in(ctx, 0), .y = ecnn_ctx_out(ctx, 0), .total = total,
                      .scale = out->quant.scale[0], .zero_point = out->quant.zero_point[0],
                      .avx512 = isa == ECNN_ISA_AVX512, .avx2 = isa == ECNN_ISA_AVX2,
                      .neon = isa == ECNN_ISA_NEON};
    const int64_t pieces = (int64_t)((total + QUANTIZE_PIECE - 1) / QUANTIZE_PIECE);
    ecnn_parallel_for(ctx->pool, pieces, 1, quantize_pieces, &j);
  } else if (in->dtype == ECNN_DTYPE_F32) {
    ecnn_f32_quantize__scalar(total, ecnn_ctx_in(ctx, 0), out->quant.scale[0],
                              out->quant.zero_point[0], ot, ecnn_ctx_out(ctx, 0));
  } else if (qtype_of(in->dtype, &it)) {
    ecnn_requantize__scalar(total, it, ecnn_ctx_in(ctx, 0), in->quant.scale[0],
                            in->quant.zero_point[0], ot, out->quant.scale[0],
                            out->quant.zero_point[0], ecnn_ctx_out(ctx, 0));
  } else {
    return ecnn_error(ECNN_STATUS_INVALID_STATE, OPFMT "input is %s", OPARG,
                      ecnn_dtype_name(in->dtype));
  }
  return ECNN_STATUS_OK;
}
