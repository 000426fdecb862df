/*
 * eltwise_scalar.c — the plain-C reference kernels declared in kernels/eltwise.h: binary ops
 * with a NumPy-broadcasting driver, activations, softmax, concatenation, TFLite-exact resize
 * (bilinear, nearest), dequantize / quantize / requantize. Straightforward loops written for
 * clarity; the SIMD twins are checked against them.
 */
/* Let GCC vectorize these plain loops even when it must check operand overlap at run time
 * (the -O2 "very cheap" model refuses that); elementwise results are unchanged. */
#pragma GCC optimize("vect-cost-model=dynamic")

#include <math.h>
#include <string.h>

#include "../eltwise.h"

/* ---- binary vector kernels ----------------------------------------------------------- */

#define VBIN(name, expr)                                                                      \
  void ecnn_f32_v##name##__scalar(size_t n, const float *a, const float *b, float *y) {      \
    for (size_t i = 0; i < n; i++) {                                                          \
      const float va = a[i], vb = b[i];                                                       \
      y[i] = (expr);                                                                          \
    }                                                                                         \
  }                                                                                           \
  void ecnn_f32_v##name##c__scalar(size_t n, const float *a, const float *b, float *y) {     \
    const float vb = b[0];                                                                    \
    for (size_t i = 0; i < n; i++) {                                                          \
      const float va = a[i];                                                                  \
      y[i] = (expr);                                                                          \
    }                                                                                         \
  }

VBIN(add, va + vb)
VBIN(sub, va - vb)
VBIN(mul, va * vb)
VBIN(div, va / vb)
VBIN(max, va > vb ? va : vb)
VBIN(min, va < vb ? va : vb)
VBIN(prelu, va >= 0.0f ? va : va * vb)
#undef VBIN

void ecnn_f32_vrsubc__scalar(size_t n, const float *a, const float *b, float *y) {
  const float vb = b[0];
  for (size_t i = 0; i < n; i++) y[i] = vb - a[i];
}

void ecnn_f32_vrdivc__scalar(size_t n, const float *a, const float *b, float *y) {
  const float vb = b[0];
  for (size_t i = 0; i < n; i++) y[i] = vb / a[i];
}

void ecnn_f32_vrpreluc__scalar(size_t n, const float *a, const float *b, float *y) {
  const float vb = b[0];
  for (size_t i = 0; i < n; i++) y[i] = vb >= 0.0f ? vb : vb * a[i];
}

/* [op] = {vector-vector, vector-scalar, reversed vector-scalar}. */
static const ecnn_f32_vbinary_fn binary_fns[ECNN_BINARY_COUNT][3] = {
    [ECNN_BINARY_ADD] = {ecnn_f32_vadd__scalar, ecnn_f32_vaddc__scalar, ecnn_f32_vaddc__scalar},
    [ECNN_BINARY_SUB] = {ecnn_f32_vsub__scalar, ecnn_f32_vsubc__scalar, ecnn_f32_vrsubc__scalar},
    [ECNN_BINARY_MUL] = {ecnn_f32_vmul__scalar, ecnn_f32_vmulc__scalar, ecnn_f32_vmulc__scalar},
    [ECNN_BINARY_DIV] = {ecnn_f32_vdiv__scalar, ecnn_f32_vdivc__scalar, ecnn_f32_vrdivc__scalar},
    [ECNN_BINARY_MAX] = {ecnn_f32_vmax__scalar, ecnn_f32_vmaxc__scalar, ecnn_f32_vmaxc__scalar},
    [ECNN_BINARY_MIN] = {ecnn_f32_vmin__scalar, ecnn_f32_vminc__scalar, ecnn_f32_vminc__scalar},
    [ECNN_BINARY_PRELU] = {ecnn_f32_vprelu__scalar, ecnn_f32_vpreluc__scalar,
                           ecnn_f32_vrpreluc__scalar},
};

bool ecnn_binary_params_init(ecnn_binary_params *p, ecnn_binary_op op, int32_t a_ndim,
                             const int32_t *a_dims, int32_t b_ndim, const int32_t *b_dims) {
  if (a_ndim < 0 || b_ndim < 0 || a_ndim > ECNN_ELTWISE_MAX_DIMS ||
      b_ndim > ECNN_ELTWISE_MAX_DIMS || (unsigned)op >= ECNN_BINARY_COUNT)
    return false;
  int32_t nd = a_ndim > b_ndim ? a_ndim : b_ndim;
  memset(p, 0, sizeof *p);
  p->op = op;
  p->ndim = nd;
  for (int32_t d = 0; d < nd; d++) {
    int32_t ia = d - (nd - a_ndim), ib = d - (nd - b_ndim);
    int32_t da = ia >= 0 ? a_dims[ia] : 1, db = ib >= 0 ? b_dims[ib] : 1;
    if (da < 0 || db < 0 || (da != db && da != 1 && db != 1)) return false;
    p->a_dims[d] = da;
    p->b_dims[d] = db;
    p->out_dims[d] = da == 1 ? db : da;
  }
  return true;
}

void ecnn_f32_binary__scalar(const ecnn_binary_params *p, const float *a, const float *b,
                             float *y) {
  /* Collapse: drop size-1 output dims, merge neighbours with the same broadcast pattern. */
  int32_t nd = 0;
  size_t od[ECNN_ELTWISE_MAX_DIMS];
  bool abc[ECNN_ELTWISE_MAX_DIMS], bbc[ECNN_ELTWISE_MAX_DIMS]; /* operand broadcast here */
  size_t total = 1;
  for (int32_t d = 0; d < p->ndim; d++) total *= (size_t)p->out_dims[d];
  if (total == 0) return;
  for (int32_t d = 0; d < p->ndim; d++) {
    if (p->out_dims[d] == 1) continue;
    bool ab = p->a_dims[d] == 1, bb = p->b_dims[d] == 1;
    if (nd > 0 && abc[nd - 1] == ab && bbc[nd - 1] == bb) {
      od[nd - 1] *= (size_t)p->out_dims[d];
    } else {
      od[nd] = (size_t)p->out_dims[d];
      abc[nd] = ab;
      bbc[nd] = bb;
      nd++;
    }
  }
  const ecnn_f32_vbinary_fn *fns = binary_fns[p->op];
  if (nd == 0) { /* every operand is one element */
    fns[0](1, a, b, y);
    return;
  }
  /* element strides of a and b per collapsed dim (0 where broadcast) */
  size_t sa[ECNN_ELTWISE_MAX_DIMS], sb[ECNN_ELTWISE_MAX_DIMS];
  size_t ra = 1, rb = 1;
  for (int32_t d = nd - 1; d >= 0; d--) {
    sa[d] = abc[d] ? 0 : ra;
    sb[d] = bbc[d] ? 0 : rb;
    if (!abc[d]) ra *= od[d];
    if (!bbc[d]) rb *= od[d];
  }
  const size_t inner = od[nd - 1];
  const bool ia = abc[nd - 1], ib = bbc[nd - 1];
  size_t idx[ECNN_ELTWISE_MAX_DIMS] = {0};
  for (size_t row = 0, rows = total / inner; row < rows; row++) {
    size_t oa = 0, ob = 0;
    for (int32_t d = 0; d < nd - 1; d++) oa += idx[d] * sa[d], ob += idx[d] * sb[d];
    float *yr = y + row * inner;
    if (!ia && !ib)
      fns[0](inner, a + oa, b + ob, yr);
    else if (ib)
      fns[1](inner, a + oa, b + ob, yr);
    else
      fns[2](inner, b + ob, a + oa, yr);
    for (int32_t d = nd - 2; d >= 0; d--) { /* odometer over the outer dims */
      if (++idx[d] < od[d]) break;
      idx[d] = 0;
    }
  }
}

/* ---- unary ----------------------------------------------------------------------------- */

void ecnn_f32_clamp__scalar(size_t n, const float *x, float lo, float hi, float *y) {
  for (size_t i = 0; i < n; i++) {
    float v = x[i];
    v = v < lo ? lo : v;
    y[i] = v > hi ? hi : v;
  }
}

void ecnn_f32_sigmoid__scalar(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    if (v >= 0.0f) {
      y[i] = 1.0f / (1.0f + expf(-v));
    } else {
      const float e = expf(v);
      y[i] = e / (1.0f + e);
    }
  }
}

void ecnn_f32_tanh__scalar(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]);
}

void ecnn_f32_leaky_relu__scalar(size_t n, const float *x, float alpha, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = x[i] >= 0.0f ? x[i] : alpha * x[i];
}

void ecnn_f32_hswish__scalar(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    float r = v + 3.0f;
    r = r < 0.0f ? 0.0f : (r > 6.0f ? 6.0f : r);
    y[i] = v * r / 6.0f;
  }
}

/* ---- softmax ---------------------------------------------------------------------------- */

void ecnn_f32_softmax__scalar(size_t rows, size_t cols, float beta, const float *x, float *y) {
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    float *yr = y + r * cols;
    float mx = xr[0];
    for (size_t c = 1; c < cols; c++) mx = xr[c] > mx ? xr[c] : mx;
    double sum = 0.0;
    for (size_t c = 0; c < cols; c++) {
      yr[c] = expf(beta * (xr[c] - mx));
      sum += yr[c];
    }
    const float inv = (float)(1.0 / sum);
    for (size_t c = 0; c < cols; c++) yr[c] *= inv;
  }
}

/* ---- data movement ---------------------------------------------------------------------- */

void ecnn_concat__scalar(size_t outer, int32_t count, const void *const *inputs,
                         const size_t *row_bytes, void *out) {
  uint8_t *o = out;
  for (size_t k = 0; k < outer; k++)
    for (int32_t i = 0; i < count; i++) {
      if (row_bytes[i] == 0) continue;
      memcpy(o, (const uint8_t *)inputs[i] + k * row_bytes[i], row_bytes[i]);
      o += row_bytes[i];
    }
}

static float resize_scale(int32_t in, int32_t out, bool align_corners) {
  if (align_corners && out > 1) return (float)(in - 1) / (float)(out - 1);
  return (float)in / (float)out;
}

/* TFLite's ComputeInterpolationValues, with the lower index also clamped to the input (a
 * no-op except under float rounding at huge sizes). */
static void interp(int32_t o, float scale, bool half, int32_t in, float *v, int32_t *lo,
                   int32_t *hi) {
  float s = half ? ((float)o + 0.5f) * scale - 0.5f : (float)o * scale;
  int32_t f = (int32_t)floorf(s), c = (int32_t)ceilf(s);
  f = f < 0 ? 0 : f;
  f = f > in - 1 ? in - 1 : f;
  c = c > in - 1 ? in - 1 : c;
  c = c < 0 ? 0 : c;
  *v = s;
  *lo = f;
  *hi = c;
}

void ecnn_f32_resize_bilinear__scalar(const ecnn_resize_params *p, const float *x, float *y) {
  const float hs = resize_scale(p->in_h, p->out_h, p->align_corners);
  const float ws = resize_scale(p->in_w, p->out_w, p->align_corners);
  const size_t C = (size_t)p->channels, row = (size_t)p->in_w * C;
  for (int32_t b = 0; b < p->batch; b++) {
    const float *xb = x + (size_t)b * p->in_h * row;
    for (int32_t oy = 0; oy < p->out_h; oy++) {
      float iy;
      int32_t y0, y1;
      interp(oy, hs, p->half_pixel_centers, p->in_h, &iy, &y0, &y1);
      const float fy = iy - (float)y0;
      for (int32_t ox = 0; ox < p->out_w; ox++) {
        float ix;
        int32_t x0, x1;
        interp(ox, ws, p->half_pixel_centers, p->in_w, &ix, &x0, &x1);
        const float fx = ix - (float)x0;
        const float *p00 = xb + y0 * row + (size_t)x0 * C, *p01 = xb + y0 * row + (size_t)x1 * C;
        const float *p10 = xb + y1 * row + (size_t)x0 * C, *p11 = xb + y1 * row + (size_t)x1 * C;
        for (size_t c = 0; c < C; c++)
          /* same expression and order as TFLite's reference kernel */
          *y++ = p00[c] * (1 - fy) * (1 - fx) + p10[c] * fy * (1 - fx) +
                 p01[c] * (1 - fy) * fx + p11[c] * fy * fx;
      }
    }
  }
}

int32_t ecnn_resize_nearest_index(int32_t o, int32_t in_size, int32_t out_size,
                                  bool align_corners, bool half_pixel_centers) {
  const float scale = resize_scale(in_size, out_size, align_corners);
  const float v = ((float)o + (half_pixel_centers ? 0.5f : 0.0f)) * scale;
  int32_t i = (int32_t)(align_corners ? roundf(v) : floorf(v));
  i = i > in_size - 1 ? in_size - 1 : i;
  return i < 0 ? 0 : i;
}

void ecnn_resize_nearest__scalar(const ecnn_resize_params *p, size_t elem_size, const void *x,
                                 void *y) {
  const size_t px = (size_t)p->channels * elem_size, row = (size_t)p->in_w * px;
  uint8_t *o = y;
  for (int32_t b = 0; b < p->batch; b++) {
    const uint8_t *xb = (const uint8_t *)x + (size_t)b * p->in_h * row;
    for (int32_t oy = 0; oy < p->out_h; oy++) {
      const int32_t iy = ecnn_resize_nearest_index(oy, p->in_h, p->out_h, p->align_corners,
                                                   p->half_pixel_centers);
      for (int32_t ox = 0; ox < p->out_w; ox++) {
        const int32_t ix = ecnn_resize_nearest_index(ox, p->in_w, p->out_w, p->align_corners,
                                                     p->half_pixel_centers);
        memcpy(o, xb + (size_t)iy * row + (size_t)ix * px, px);
        o += px;
      }
    }
  }
}

/* ---- conversions ------------------------------------------------------------------------ */

static inline int32_t qload(ecnn_qtype t, const void *x, size_t i) {
  switch (t) {
  case ECNN_QTYPE_I8: return ((const int8_t *)x)[i];
  case ECNN_QTYPE_U8: return ((const uint8_t *)x)[i];
  default: return ((const int16_t *)x)[i];
  }
}

static inline void qstore(ecnn_qtype t, void *y, size_t i, int64_t v) {
  if (t == ECNN_QTYPE_I8) {
    v = v < -128 ? -128 : (v > 127 ? 127 : v);
    ((int8_t *)y)[i] = (int8_t)v;
  } else if (t == ECNN_QTYPE_U8) {
    v = v < 0 ? 0 : (v > 255 ? 255 : v);
    ((uint8_t *)y)[i] = (uint8_t)v;
  } else {
    v = v < -32768 ? -32768 : (v > 32767 ? 32767 : v);
    ((int16_t *)y)[i] = (int16_t)v;
  }
}

void ecnn_f32_dequantize__scalar(const ecnn_dequant_params *p, const void *x, float *y) {
  size_t i = 0;
  for (size_t o = 0; o < p->outer; o++)
    for (size_t c = 0; c < p->channels; c++) {
      const double s = p->scale[c];
      const int32_t zp = p->zero_point[c];
      for (size_t k = 0; k < p->inner; k++, i++) y[i] = (float)(s * (qload(p->type, x, i) - zp));
    }
}

float ecnn_f16_to_f32(uint16_t h) {
  const uint32_t sign = (uint32_t)(h >> 15) << 31;
  uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13); /* inf / nan (payload kept) */
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else { /* subnormal: man * 2^-24, normalized */
    int32_t e = 113;
    while (!(man & 0x400)) {
      man <<= 1;
      e--;
    }
    bits = sign | ((uint32_t)e << 23) | ((man & 0x3ff) << 13);
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

void ecnn_f32_from_f16__scalar(size_t n, const uint16_t *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = ecnn_f16_to_f32(x[i]);
}

/* round half away from zero, then to int64 with saturation far outside any int16 range */
static int64_t round_sat(double v) {
  if (isnan(v)) return 0;
  v = round(v);
  if (v > 1e12) return (int64_t)1e12;
  if (v < -1e12) return (int64_t)-1e12;
  return (int64_t)v;
}

void ecnn_f32_quantize__scalar(size_t n, const float *x, float scale, int32_t zero_point,
                               ecnn_qtype type, void *y) {
  const double s = scale;
  for (size_t i = 0; i < n; i++) qstore(type, y, i, round_sat((double)x[i] / s) + zero_point);
}

void ecnn_requantize__scalar(size_t n, ecnn_qtype in_type, const void *x, float in_scale,
                             int32_t in_zp, ecnn_qtype out_type, float out_scale, int32_t out_zp,
                             void *y) {
  const double m = (double)in_scale / (double)out_scale;
  for (size_t i = 0; i < n; i++)
    qstore(out_type, y, i, round_sat((double)(qload(in_type, x, i) - in_zp) * m) + out_zp);
}
