/*
 * q8_eltwise.h — quantized (int8 / uint8) ADD and SUB of two tensors of the same shape (no
 * broadcasting) with TFLite's integer semantics, graph-agnostic (the op's prepare computes
 * the multipliers: src/ops/q8/q8_ops.c):
 *
 *   x1 = mbqm((a - a_zp) * 2^left_shift, a_mult, a_shift)
 *   x2 = mbqm((b - b_zp) * 2^left_shift, b_mult, b_shift)
 *   out = clamp(mbqm(x1 +/- x2, out_mult, out_shift) + out_zp, out_min, out_max)
 *
 * mbqm is TFLite's MultiplyByQuantizedMultiplier (src/ops/q8/quant.h); the sum wraps modulo
 * 2^32 (it cannot overflow with left_shift <= 20 and multipliers below 1, as TFLite makes
 * them) and the zero point is added exactly before the clamp. The scalar kernel is the oracle,
 * the AVX2 one (q8_eltwise_x86.c) and the ARM64 NEON one (arm/q8_eltwise_neon.c)
 * bit-identical to it. Pointers are borrowed for the call; out may be a or b.
 *
 * The NEON kernels exist in ARM64 builds only (their file compiles to nothing elsewhere), so
 * calls to them go under `#if defined(__aarch64__)`.
 */
#ifndef ECNN_KERNELS_Q8_ELTWISE_H
#define ECNN_KERNELS_Q8_ELTWISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ecnn_q8_add_params {
  int32_t a_zp, b_zp, out_zp;     /* zero points, in the range of the element type */
  int32_t left_shift;             /* 0..20 */
  int32_t a_mult, a_shift;        /* ecnn_quantize_multiplier's q and shift */
  int32_t b_mult, b_shift;
  int32_t out_mult, out_shift;
  int32_t out_min, out_max;       /* clamp (fused activation), inside the type's range */
  bool sub;                       /* SUB: x1 - x2 */
  bool u8;                        /* uint8 elements (else int8) */
} ecnn_q8_add_params;

/* out[i] for i in [0, n). */
void ecnn_q8_add__scalar(const ecnn_q8_add_params *p, const void *a, const void *b, void *out,
                         size_t n);
/* The same with AVX2 (x86-64; call only when isa.h reports AVX2). */
void ecnn_q8_add__avx2(const ecnn_q8_add_params *p, const void *a, const void *b, void *out,
                       size_t n);

/* The same with NEON (ARM64; call only when isa.h reports NEON). */
void ecnn_q8_add__neon(const ecnn_q8_add_params *p, const void *a, const void *b, void *out,
                       size_t n);

/* ---- ADD / SUB with one rounding ----------------------------------------------------------
 *
 * What the models' ADDs run when ecnn_q8_vadd_init takes their scales (every real model's):
 * both inputs' products with 21-bit multipliers summed in int32 and rounded once,
 *
 *   acc = a * a_mult + b * b_mult + bias      (a, b the raw elements; bias holds the zero
 *                                              points' products and 2^(shift - 1))
 *   out = clamp((acc >> shift) + out_zp, out_min, out_max)      (>>: arithmetic, floor)
 *
 * with a_mult = round(a_scale / out_scale * 2^shift) (b_mult likewise, negated for SUB) and
 * shift the largest in [16, 30] that keeps both below 2^21 (XNNPACK's QS8 ADD, which
 * TensorFlow Lite runs on x86 and ARM, has the same shape). It is the exact sum rounded once,
 * off by at most (|a - a_zp| + |b - b_zp|) / 2^(shift + 1) <= 1/256 of a quantum before that
 * rounding, where TFLite's reference rounds three times at 2^-20 and once at the end: the two
 * differ by one quantum where the sum lies within about 1/256 of a rounding tie (ties
 * themselves: TFLite rounds them away from zero, this up), never by more
 * (tests/engine/test_kernels_q8.c checks every pair of bytes against the exact kernel above).
 * acc's true value is below 2^31 in magnitude; a kernel may wrap on the way (the scalar one
 * sums in uint32). The AVX2 kernel splits each multiplier into 11 low bits and the rest,
 * both int16, so that two vpmaddwd take an element pair of both inputs. The scalar kernel is
 * the oracle, the AVX2 and NEON ones bit-identical to it. */
typedef struct ecnn_q8_vadd_params {
  int32_t bias;                /* 2^(shift - 1) - a_mult * a_zp - b_mult * b_zp */
  int32_t a_mult, b_mult;      /* |.| < 2^21 */
  int32_t shift;               /* 16..30 */
  int32_t out_zp, out_min, out_max;
  bool u8;                     /* uint8 elements (else int8) */
} ecnn_q8_vadd_params;

/* The parameters of out = a +/- b for a_ratio = a_scale / out_scale, b_ratio likewise (both
 * positive and finite), the zero points and the clamp; false when a ratio is 32 or more (an
 * output scale far below the inputs': the bound above would not hold), for the exact kernel. */
bool ecnn_q8_vadd_init(double a_ratio, double b_ratio, int32_t a_zp, int32_t b_zp,
                       int32_t out_zp, int32_t out_min, int32_t out_max, bool sub, bool u8,
                       ecnn_q8_vadd_params *p);

/* One element (both kernels' definition). */
static inline int32_t ecnn_q8_vadd1(const ecnn_q8_vadd_params *p, int32_t a, int32_t b) {
  const int32_t acc = (int32_t)((uint32_t)a * (uint32_t)p->a_mult +
                                (uint32_t)b * (uint32_t)p->b_mult + (uint32_t)p->bias);
  const int32_t v = (acc >> p->shift) + p->out_zp;
  return v < p->out_min ? p->out_min : v > p->out_max ? p->out_max : v;
}

/* out[i] for i in [0, n); out may be a or b. */
void ecnn_q8_vadd__scalar(const ecnn_q8_vadd_params *p, const void *a, const void *b,
                          void *out, size_t n);
/* The same with AVX2 (x86-64; call only when isa.h reports AVX2). */
void ecnn_q8_vadd__avx2(const ecnn_q8_vadd_params *p, const void *a, const void *b, void *out,
                        size_t n);
/* The same with NEON (ARM64; call only when isa.h reports NEON). */
void ecnn_q8_vadd__neon(const ecnn_q8_vadd_params *p, const void *a, const void *b, void *out,
                        size_t n);

/* QUANTIZE float32 -> int8 as ecnn_f32_quantize__scalar does it (eltwise.h): x / scale in
 * double, rounded half away from zero, + zero_point, saturated (NaN gives the zero point);
 * bit-identical, 8 at a time (x86-64 with AVX2). x and y are borrowed for the call. */
void ecnn_f32_quantize_i8__avx2(size_t n, const float *x, float scale, int32_t zero_point,
                                int8_t *y);
/* The same with AVX-512F, 16 at a time (x86-64; call only when isa.h reports AVX512). */
void ecnn_f32_quantize_i8__avx512(size_t n, const float *x, float scale, int32_t zero_point,
                                  int8_t *y);
/* The same with NEON (ARM64; call only when isa.h reports NEON). */
void ecnn_f32_quantize_i8__neon(size_t n, const float *x, float scale, int32_t zero_point,
                                int8_t *y);

#endif /* ECNN_KERNELS_Q8_ELTWISE_H */
