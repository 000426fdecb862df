/*
 * conv.h — plain-C reference kernels of the convolution family (float32): CONV_2D (grouped),
 * DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED, average/max pooling, MEAN and PAD.
 * Kernels know nothing about the graph: every size, stride and padding comes in the params
 * struct, already validated by the op's prepare (src/ops/), so a kernel never checks bounds
 * beyond what the params promise. They are the oracle of the SIMD kernels and of the tests.
 *
 * Layouts: activations dense NHWC float32 ([batch, h, w, c], c fastest); CONV_2D and
 * TRANSPOSE_CONV weights [out_c, kernel_h, kernel_w, in_c / groups]; DEPTHWISE weights
 * [1, kernel_h, kernel_w, in_c * depth_multiplier]; FULLY_CONNECTED weights [out, in].
 * Pointers are borrowed for the duration of the call only; input and output must not overlap.
 */
#ifndef ECNN_KERNELS_CONV_H
#define ECNN_KERNELS_CONV_H

#include <stddef.h>
#include <stdint.h>

#define ECNN_KERNEL_MAX_DIMS 6

/* Geometry of one (grouped / depthwise / transposed) 2-D convolution. */
typedef struct ecnn_conv_params {
  int32_t batch;                  /* >= 0 */
  int32_t in_h, in_w, in_c;       /* input [batch, in_h, in_w, in_c], all >= 1 */
  int32_t out_h, out_w, out_c;    /* output [batch, out_h, out_w, out_c], all >= 1 */
  int32_t kernel_h, kernel_w;     /* >= 1 */
  int32_t stride_h, stride_w;     /* >= 1 */
  int32_t dilation_h, dilation_w; /* >= 1 (transpose conv ignores them: always 1) */
  int32_t pad_top, pad_left;      /* leading padding in pixels, >= 0; trailing is implied */
  int32_t groups;                 /* conv2d: in_c and out_c are multiples of it (1 = plain conv) */
  int32_t depth_multiplier;       /* depthwise: out_c == in_c * depth_multiplier */
  float out_min, out_max;         /* every output is clamped to [out_min, out_max] (fused act) */
} ecnn_conv_params;

/* CONV_2D: out[b,y,x,o] = clamp(bias[o] + sum_{ky,kx,i} in[b, y*sh - pt + ky*dh,
 * x*sw - pl + kx*dw, g*in_c/groups + i] * w[o,ky,kx,i]), g = o / (out_c/groups); taps outside
 * the input count as zero. bias may be NULL (zero). */
void ecnn_f32_conv2d__scalar(const ecnn_conv_params *p, const float *in, const float *w,
                             const float *bias, float *out);

/* DEPTHWISE_CONV_2D: output channel o = c * depth_multiplier + m reads input channel c with
 * weights w[0,ky,kx,o]. bias may be NULL. */
void ecnn_f32_dwconv2d__scalar(const ecnn_conv_params *p, const float *in, const float *w,
                               const float *bias, float *out);

/* TRANSPOSE_CONV (TFLite): every input pixel (iy, ix) scatters in[b,iy,ix,:] . w[o,ky,kx,:]
 * into out[b, iy*sh - pt + ky, ix*sw - pl + kx, o] when that lies inside the output; then bias
 * (may be NULL) is added and the result clamped. Weights [out_c, kh, kw, in_c]; groups 1. */
void ecnn_f32_tconv2d__scalar(const ecnn_conv_params *p, const float *in, const float *w,
                              const float *bias, float *out);

/* FULLY_CONNECTED: out[r,o] = clamp(bias[o] + sum_i in[r,i] * w[o,i]) for r < rows. */
typedef struct ecnn_fc_params {
  int64_t rows;                      /* >= 0 */
  int32_t in_features, out_features; /* >= 1 */
  float out_min, out_max;
} ecnn_fc_params;
void ecnn_f32_fully_connected__scalar(const ecnn_fc_params *p, const float *in, const float *w,
                                      const float *bias, float *out);

/* Pooling window geometry (NHWC, channels pooled independently). */
typedef struct ecnn_pool_params {
  int32_t batch, in_h, in_w, channels; /* batch >= 0, others >= 1 */
  int32_t out_h, out_w;                /* >= 1 */
  int32_t filter_h, filter_w;          /* >= 1 */
  int32_t stride_h, stride_w;          /* >= 1 */
  int32_t pad_top, pad_left;           /* >= 0 */
  float out_min, out_max;
} ecnn_pool_params;

/* AVERAGE_POOL_2D: mean over the window's in-bounds elements only (TFLite); a window with no
 * in-bounds element (impossible with TFLite padding) yields 0 before the clamp. */
void ecnn_f32_avgpool2d__scalar(const ecnn_pool_params *p, const float *in, float *out);
/* MAX_POOL_2D: maximum over the window's in-bounds elements. */
void ecnn_f32_maxpool2d__scalar(const ecnn_pool_params *p, const float *in, float *out);

/* MEAN: in has `ndim` (1..ECNN_KERNEL_MAX_DIMS) dims `dims` (all >= 1); bit d of reduce_mask
 * marks axis d as reduced. out holds the kept axes in their order (row-major), each element
 * the mean of its reduced elements (accumulated in double). */
void ecnn_f32_mean__scalar(int32_t ndim, const int32_t *dims, uint32_t reduce_mask, const float *in,
                           float *out);

/* PAD / PADV2 for any element size: out dim d = in_dims[d] + before[d] + after[d]; elements
 * outside the copied input are set to the elem_size bytes at `fill`. */
typedef struct ecnn_pad_params {
  int32_t ndim; /* 1..ECNN_KERNEL_MAX_DIMS */
  int32_t in_dims[ECNN_KERNEL_MAX_DIMS];
  int32_t before[ECNN_KERNEL_MAX_DIMS], after[ECNN_KERNEL_MAX_DIMS]; /* >= 0 */
  size_t elem_size;                                                  /* 1, 2, 4 or 8 */
} ecnn_pad_params;
void ecnn_pad__scalar(const ecnn_pad_params *p, const void *in, void *out, const void *fill);

/* ---- SIMD twins (src/kernels/x86/conv_x86.c), chosen by src/kernels/isa.c ---- */

/* Packs CONV_2D weights (groups 1) for the SIMD kernels: one 64-byte aligned block (free()) of
 * OCP / 32 channel blocks, each [KH*KW*IC][32] (contiguous: a block streams from memory in
 * order), followed by OCP biases; OCP = out_c rounded up to 32, zero padded. */
float *ecnn_f32_conv2d_pack(const ecnn_conv_params *p, const float *w, const float *bias);
/* CONV_2D (groups 1, in_c <= ecnn_conv_packed_max_ic()) on the output pixels [px0, px1) of
 * the flattened batch * out_h * out_w (row-major) and the 32-channel output blocks [ob0, ob1)
 * (block ob = channels [32 ob, 32 ob + 32) cut at out_c), with packed weights wp and padded
 * bias bp (both from ecnn_f32_conv2d_pack). Disjoint ranges may run concurrently. */
void ecnn_f32_conv2d_packed__avx512(const ecnn_conv_params *p, const float *in, const float *wp,
                                    const float *bp, float *out, int64_t px0, int64_t px1,
                                    int32_t ob0, int32_t ob1);
void ecnn_f32_conv2d_packed__avx2(const ecnn_conv_params *p, const float *in, const float *wp,
                                  const float *bp, float *out, int64_t px0, int64_t px1,
                                  int32_t ob0, int32_t ob1);
/* The AVX2 pointwise kernel (a 1x1 CONV_2D, ecnn_conv_is_pointwise) with a fused residual ADD:
 * out = clamp(conv + res, out_min, out_max), res laid out as out (out_c channels per pixel);
 * res NULL: the plain conv. */
void ecnn_f32_conv2d_pw_add__avx2(const ecnn_conv_params *p, const float *in, const float *wp,
                                  const float *bp, const float *res, float *out, int64_t px0,
                                  int64_t px1, int32_t ob0, int32_t ob1);
/* The packed weights' row index of a pruned 1x1 conv: for each 32-channel block, the input
 * channels whose 32 weights are not all zero. NULL (no allocation) when fewer than
 * min_share of a layer's rows are zero; else a malloc'd int32 array (free()): nob + 1
 * offsets into the row list that follows them. */
int32_t *ecnn_f32_conv2d_sparse_rows(const ecnn_conv_params *p, const float *wp, double min_share);
/* The AVX2 pointwise kernel on pruned weights: the same contract and results as the dense
 * kernels, skipping the rows `rows` (ecnn_f32_conv2d_sparse_rows) leaves out. */
void ecnn_f32_conv2d_pw_sparse__avx2(const ecnn_conv_params *p, const float *in, const float *wp,
                                     const float *bp, const int32_t *rows, float *out,
                                     int64_t px0, int64_t px1, int32_t ob0, int32_t ob1);
/* The plain-C twin of the packed kernels, same contract (in_c <= 4096); the path ECNN_ISA=scalar
 * takes once the model has dropped the file's weight layout. */
void ecnn_f32_conv2d_packed__scalar(const ecnn_conv_params *p, const float *in, const float *wp,
                                    const float *bp, float *out, int64_t px0, int64_t px1,
                                    int32_t ob0, int32_t ob1);
/* Writes the [out_c][KH*KW*IC] weights back from a packed block (the inverse of the pack). */
void ecnn_f32_conv2d_unpack(const ecnn_conv_params *p, const float *packed, float *w);
/* DEPTHWISE_CONV_2D (depth multiplier 1) on output rows [row0, row1). */
void ecnn_f32_dwconv2d_rows__avx512(const ecnn_conv_params *p, const float *in, const float *w,
                                    const float *bias, float *out, int32_t row0, int32_t row1);
void ecnn_f32_dwconv2d_rows__avx2(const ecnn_conv_params *p, const float *in, const float *w,
                                  const float *bias, float *out, int32_t row0, int32_t row1);
/* ARM64 NEON twins (src/kernels/arm/conv_neon.c), same contracts. */
void ecnn_f32_conv2d_packed__neon(const ecnn_conv_params *p, const float *in, const float *wp,
                                  const float *bp, float *out, int64_t px0, int64_t px1,
                                  int32_t ob0, int32_t ob1);
void ecnn_f32_dwconv2d_rows__neon(const ecnn_conv_params *p, const float *in, const float *w,
                                  const float *bias, float *out, int32_t row0, int32_t row1);
/* Largest in_c the packed kernels accept on this target (0: no SIMD conv here). */
int32_t ecnn_conv_packed_max_ic(void);

#endif /* ECNN_KERNELS_CONV_H */
