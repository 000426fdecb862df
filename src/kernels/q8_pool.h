/*
 * q8_pool.h — the byte-moving quantized (int8 / uint8) ops of NHWC tensors whose cost is
 * memory traffic and per-pixel overhead, not arithmetic: MAX_POOL_2D whose windows all lie
 * inside the input, and PAD of the channel axis only (BlazeFace's residual branches widen
 * their channels so). Graph-agnostic: the op (src/ops/q8/q8_ops.c) checks the shapes and
 * picks these, else runs its generic code. The scalar kernels (q8_pool_scalar.c) are the
 * oracle; the AVX2 ones (q8_pool_x86.c) are bit-identical to them: 32 channels at a time,
 * with reads and writes that may run past a pixel (into the next one, which is written
 * after it) wherever they stay inside the call's input and output ranges.
 * Pointers are borrowed for the call only; input and output must not overlap.
 */
#ifndef ECNN_KERNELS_Q8_POOL_H
#define ECNN_KERNELS_Q8_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Geometry of one MAX_POOL_2D with every window inside the input:
 * (out_h - 1) * stride_h + filter_h <= in_h, likewise for the width. */
typedef struct ecnn_q8_pool_params {
  int32_t batch;                  /* >= 0 */
  int32_t in_h, in_w, c;          /* input [batch, in_h, in_w, c], all >= 1 */
  int32_t out_h, out_w;           /* output [batch, out_h, out_w, c], all >= 1 */
  int32_t filter_h, filter_w;     /* >= 1 */
  int32_t stride_h, stride_w;     /* >= 1 */
  int32_t out_min, out_max;       /* clamp (fused activation), inside the type's range */
  bool u8;                        /* uint8 elements (else int8) */
} ecnn_q8_pool_params;

/* out = clamp(max over the window, out_min, out_max) on the output rows [row0, row1) of the
 * flattened batch * out_h. Disjoint ranges may run concurrently. */
void ecnn_q8_maxpool__scalar(const ecnn_q8_pool_params *p, const void *in, void *out,
                             int32_t row0, int32_t row1);
/* One output pixel's channels [c0, c) of it: x the first channel of its window's top-left input
 * pixel, o its first output channel (the scalar kernel's step; the AVX2 kernel's near the ends
 * of its range). */
void ecnn_q8_maxpool_pixel__scalar(const ecnn_q8_pool_params *p, const uint8_t *x, uint8_t *o,
                                   int32_t c0);
/* The same with AVX2 (x86-64; call only when isa.h reports AVX2). */
void ecnn_q8_maxpool__avx2(const ecnn_q8_pool_params *p, const void *in, void *out,
                           int32_t row0, int32_t row1);

/* n pixels of c bytes at in to n pixels of before + c + after bytes at out: `before` bytes of
 * fill, the pixel's c bytes, `after` bytes of fill. Disjoint pixel ranges may run
 * concurrently. */
void ecnn_q8_pad_channels__scalar(const uint8_t *in, uint8_t *out, size_t n, size_t c,
                                  size_t before, size_t after, uint8_t fill);
/* The same with AVX2 (x86-64; call only when isa.h reports AVX2). */
void ecnn_q8_pad_channels__avx2(const uint8_t *in, uint8_t *out, size_t n, size_t c,
                                size_t before, size_t after, uint8_t fill);

#endif /* ECNN_KERNELS_Q8_POOL_H */
