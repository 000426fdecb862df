/*
 * eltwise.h — plain-C reference kernels of the elementwise family: binary arithmetic with
 * NumPy broadcasting (ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, PRELU), unary activations, SOFTMAX,
 * CONCATENATION and RESIZE (any element size for the data-moving ones), DEQUANTIZE and
 * QUANTIZE. They run once per op per inference, on tensors up to a few MB.
 *
 * Kernels know nothing about the graph: every size comes in explicitly, already validated by
 * the op's prepare (src/ops/), so a kernel never checks bounds beyond what its arguments
 * promise. They are the oracle of the SIMD twins and of the tests. Pointers are borrowed for
 * the call only. Unary and same-shape binary kernels allow y == x (in place); other kernels
 * need input and output not to overlap.
 */
#ifndef ECNN_KERNELS_ELTWISE_H
#define ECNN_KERNELS_ELTWISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ECNN_ELTWISE_MAX_DIMS 6

/* ---- binary ops ---------------------------------------------------------------------- */

typedef enum ecnn_binary_op {
  ECNN_BINARY_ADD = 0,
  ECNN_BINARY_SUB,   /* a - b */
  ECNN_BINARY_MUL,
  ECNN_BINARY_DIV,   /* a / b (IEEE: x/0 = +-inf, 0/0 = nan) */
  ECNN_BINARY_MAX,
  ECNN_BINARY_MIN,
  ECNN_BINARY_PRELU, /* a >= 0 ? a : a * b  (b = alpha) */
  ECNN_BINARY_COUNT
} ecnn_binary_op;

/* Vector-vector: y[i] = a[i] op b[i], i < n. */
void ecnn_f32_vadd__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vsub__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vmul__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vdiv__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vmax__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vmin__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vprelu__scalar(size_t n, const float *a, const float *b, float *y);
/* Vector-scalar: y[i] = a[i] op b[0]. */
void ecnn_f32_vaddc__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vsubc__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vmulc__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vdivc__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vmaxc__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vminc__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vpreluc__scalar(size_t n, const float *a, const float *b, float *y);
/* Reversed scalar for the non-commutative ops: y[i] = b[0] op a[i]
 * (rsubc: b[0] - a[i]; rdivc: b[0] / a[i]; rpreluc: b[0] >= 0 ? b[0] : b[0] * a[i]). */
void ecnn_f32_vrsubc__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vrdivc__scalar(size_t n, const float *a, const float *b, float *y);
void ecnn_f32_vrpreluc__scalar(size_t n, const float *a, const float *b, float *y);

typedef void (*ecnn_f32_vbinary_fn)(size_t n, const float *a, const float *b, float *y);

/* Broadcast geometry of one binary op. All three shapes have the same rank `ndim`
 * (0..ECNN_ELTWISE_MAX_DIMS; shorter input shapes are padded with leading 1s by the caller
 * or by ecnn_binary_params_init); for every d, a_dims[d] and b_dims[d] are either
 * out_dims[d] or 1, and out_dims[d] >= 0. */
typedef struct ecnn_binary_params {
  ecnn_binary_op op;
  int32_t ndim;
  int32_t a_dims[ECNN_ELTWISE_MAX_DIMS], b_dims[ECNN_ELTWISE_MAX_DIMS];
  int32_t out_dims[ECNN_ELTWISE_MAX_DIMS];
} ecnn_binary_params;

/* Fills p from two shapes of ranks a_ndim, b_ndim (right-aligned, NumPy style). Returns false
 * when they do not broadcast or a rank exceeds ECNN_ELTWISE_MAX_DIMS (p is then unusable). */
bool ecnn_binary_params_init(ecnn_binary_params *p, ecnn_binary_op op, int32_t a_ndim,
                             const int32_t *a_dims, int32_t b_ndim, const int32_t *b_dims);

/* y = a op b with broadcasting: same-shape and scalar operands go straight to one vector
 * kernel call; otherwise dims are collapsed and the innermost run uses the vector,
 * vector-scalar or reversed vector-scalar kernel under a strided loop over the rest. */
void ecnn_f32_binary__scalar(const ecnn_binary_params *p, const float *a, const float *b,
                             float *y);

/* ---- unary ops (y may equal x) -------------------------------------------------------- */

/* y[i] = min(max(x[i], lo), hi): RELU (0, inf), RELU6 (0, 6), RELU_N1_TO_1 (-1, 1). */
void ecnn_f32_clamp__scalar(size_t n, const float *x, float lo, float hi, float *y);
/* y = 1 / (1 + exp(-x)), saturating cleanly (no inf/nan for finite x). */
void ecnn_f32_sigmoid__scalar(size_t n, const float *x, float *y);
void ecnn_f32_tanh__scalar(size_t n, const float *x, float *y);
/* y = x >= 0 ? x : alpha * x. */
void ecnn_f32_leaky_relu__scalar(size_t n, const float *x, float alpha, float *y);
/* y = x * relu6(x + 3) / 6. */
void ecnn_f32_hswish__scalar(size_t n, const float *x, float *y);

/* ---- softmax -------------------------------------------------------------------------- */

/* Softmax over each of `rows` contiguous rows of `cols` (>= 1) values:
 * y = exp(beta * (x - max)) / sum (max subtracted, so large inputs do not overflow). */
void ecnn_f32_softmax__scalar(size_t rows, size_t cols, float beta, const float *x, float *y);

/* ---- data movement (any element size) ------------------------------------------------- */

/* Concatenation: for each of `outer` blocks, copies row_bytes[i] bytes from input i (at
 * offset block * row_bytes[i]) for i < count, back to back into out. */
void ecnn_concat__scalar(size_t outer, int32_t count, const void *const *inputs,
                         const size_t *row_bytes, void *out);

/* Resize geometry (NHWC). All sizes >= 1; batch >= 0. */
typedef struct ecnn_resize_params {
  int32_t batch, in_h, in_w, channels, out_h, out_w;
  bool align_corners, half_pixel_centers;
} ecnn_resize_params;

/* TFLite reference RESIZE_BILINEAR (float coordinates, weights 1 - f and f, indices clamped
 * to the input). */
void ecnn_f32_resize_bilinear__scalar(const ecnn_resize_params *p, const float *x, float *y);
/* TFLite reference RESIZE_NEAREST_NEIGHBOR on elements of elem_size bytes. */
void ecnn_resize_nearest__scalar(const ecnn_resize_params *p, size_t elem_size, const void *x,
                                 void *y);
/* The input index TFLite's reference picks for output index `o` (exposed for tests). */
int32_t ecnn_resize_nearest_index(int32_t o, int32_t in_size, int32_t out_size,
                                  bool align_corners, bool half_pixel_centers);

/* ---- conversions ---------------------------------------------------------------------- */

/* Element types the conversion kernels read/write. */
typedef enum ecnn_qtype { ECNN_QTYPE_I8 = 0, ECNN_QTYPE_U8, ECNN_QTYPE_I16 } ecnn_qtype;

/* y = (x - zero_point[c]) * scale[c] over a tensor viewed as [outer, channels, inner], c the
 * middle index (per-tensor: channels = 1). scale and zero_point hold `channels` entries. */
typedef struct ecnn_dequant_params {
  ecnn_qtype type;
  size_t outer, channels, inner;
  const float *scale;
  const int32_t *zero_point;
} ecnn_dequant_params;
void ecnn_f32_dequantize__scalar(const ecnn_dequant_params *p, const void *x, float *y);

/* IEEE half (bits) to float, exact for every value (subnormals, inf, nan). */
float ecnn_f16_to_f32(uint16_t h);
void ecnn_f32_from_f16__scalar(size_t n, const uint16_t *x, float *y);

/* TFLite affine quantization to int8 / uint8: q = clamp(round_half_away(x / scale) + zp);
 * nan becomes zp. scale > 0. */
void ecnn_f32_quantize__scalar(size_t n, const float *x, float scale, int32_t zero_point,
                               ecnn_qtype type, void *y);
/* Requantization between int8 / uint8: q_out = clamp(round_half_away((q_in - zp_in) *
 * (scale_in / scale_out)) + zp_out), computed in double (exact when the scales are equal). */
void ecnn_requantize__scalar(size_t n, ecnn_qtype in_type, const void *x, float in_scale,
                             int32_t in_zp, ecnn_qtype out_type, float out_scale, int32_t out_zp,
                             void *y);

#endif /* ECNN_KERNELS_ELTWISE_H */
