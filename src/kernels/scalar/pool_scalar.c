/*
 * pool_scalar.c — plain-C reference kernels of AVERAGE_POOL_2D and MAX_POOL_2D (float32,
 * NHWC, TFLite's in-bounds-only averaging), MEAN over any set of axes, and PAD for any element
 * size (float32 and the int8/uint8 path share it). Run once per frame on small tensors in the
 * reference models (pools and MEAN sit at the network heads), so clarity beats speed here.
 */
/* Let GCC vectorize these plain loops even when it must check operand overlap at run time
 * (the -O2 "very cheap" model refuses that); elementwise results are unchanged. */
#pragma GCC optimize("vect-cost-model=dynamic")

#include <stdbool.h>
#include <string.h>

#include "../conv.h"

static inline float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

/* Window [start, end) of output position o along one axis, clipped to [0, in). */
static inline void window(int32_t o, int32_t stride, int32_t pad, int32_t filter, int32_t in,
                          int32_t *start, int32_t *end) {
  int64_t s = (int64_t)o * stride - pad, e = s + filter;
  *start = (int32_t)(s < 0 ? 0 : s);
  *end = (int32_t)(e > in ? in : e);
}

void ecnn_f32_avgpool2d__scalar(const ecnn_pool_params *p, const float *in, float *out) {
  const size_t c = (size_t)p->channels;
  for (int32_t b = 0; b < p->batch; b++)
    for (int32_t oy = 0; oy < p->out_h; oy++) {
      int32_t y0, y1;
      window(oy, p->stride_h, p->pad_top, p->filter_h, p->in_h, &y0, &y1);
      for (int32_t ox = 0; ox < p->out_w; ox++) {
        int32_t x0, x1;
        window(ox, p->stride_w, p->pad_left, p->filter_w, p->in_w, &x0, &x1);
        float *op = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * c;
        const int32_t count = (y1 > y0 && x1 > x0) ? (y1 - y0) * (x1 - x0) : 0;
        for (size_t ch = 0; ch < c; ch++) {
          float acc = 0.0f;
          for (int32_t y = y0; y < y1; y++)
            for (int32_t x = x0; x < x1; x++)
              acc += in[(((size_t)b * p->in_h + y) * p->in_w + x) * c + ch];
          op[ch] = clampf(count ? acc / (float)count : 0.0f, p->out_min, p->out_max);
        }
      }
    }
}

void ecnn_f32_maxpool2d__scalar(const ecnn_pool_params *p, const float *in, float *out) {
  const size_t c = (size_t)p->channels;
  for (int32_t b = 0; b < p->batch; b++)
    for (int32_t oy = 0; oy < p->out_h; oy++) {
      int32_t y0, y1;
      window(oy, p->stride_h, p->pad_top, p->filter_h, p->in_h, &y0, &y1);
      for (int32_t ox = 0; ox < p->out_w; ox++) {
        int32_t x0, x1;
        window(ox, p->stride_w, p->pad_left, p->filter_w, p->in_w, &x0, &x1);
        float *op = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * c;
        /* channels innermost: every loop runs over contiguous channels (vectorizable) */
        for (size_t ch = 0; ch < c; ch++) op[ch] = -3.402823466e+38f; /* TFLite: lowest() */
        for (int32_t y = y0; y < y1; y++)
          for (int32_t x = x0; x < x1; x++) {
            const float *ip = in + (((size_t)b * p->in_h + y) * p->in_w + x) * c;
            for (size_t ch = 0; ch < c; ch++) op[ch] = ip[ch] > op[ch] ? ip[ch] : op[ch];
          }
        for (size_t ch = 0; ch < c; ch++) op[ch] = clampf(op[ch], p->out_min, p->out_max);
      }
    }
}

void ecnn_f32_mean__scalar(int32_t ndim, const int32_t *dims, uint32_t reduce_mask, const float *in,
                           float *out) {
  /* split the axes into kept (k*) and reduced (r*) lists with their input strides */
  int32_t kd[ECNN_KERNEL_MAX_DIMS], rd[ECNN_KERNEL_MAX_DIMS];
  size_t ks[ECNN_KERNEL_MAX_DIMS], rs[ECNN_KERNEL_MAX_DIMS];
  int32_t nk = 0, nr = 0;
  size_t stride = 1, count = 1;
  for (int32_t d = ndim - 1; d >= 0; d--) {
    if (reduce_mask & (1u << d)) {
      rd[nr] = dims[d];
      rs[nr++] = stride;
      count *= (size_t)dims[d];
    } else {
      kd[nk] = dims[d];
      ks[nk++] = stride;
    }
    stride *= (size_t)dims[d];
  }
  /* lists are innermost-first; odometers over kept (outer loop) and reduced (inner loop) */
  int32_t ki[ECNN_KERNEL_MAX_DIMS] = {0};
  size_t o = 0;
  for (;;) {
    size_t base = 0;
    for (int32_t j = 0; j < nk; j++) base += (size_t)ki[j] * ks[j];
    int32_t ri[ECNN_KERNEL_MAX_DIMS] = {0};
    double acc = 0.0;
    for (;;) {
      size_t off = base;
      for (int32_t j = 0; j < nr; j++) off += (size_t)ri[j] * rs[j];
      acc += in[off];
      int32_t j = 0;
      while (j < nr && ++ri[j] == rd[j]) ri[j++] = 0;
      if (j == nr) break;
    }
    out[o++] = (float)(acc / (double)count);
    int32_t j = 0;
    while (j < nk && ++ki[j] == kd[j]) ki[j++] = 0;
    if (j == nk) break;
  }
}

static void fill_n(unsigned char *dst, size_t n, const unsigned char *fill, size_t es, bool zero) {
  if (zero) {
    memset(dst, 0, n * es);
    return;
  }
  for (size_t i = 0; i < n; i++) memcpy(dst + i * es, fill, es);
}

void ecnn_pad__scalar(const ecnn_pad_params *p, const void *in, void *out, const void *fill) {
  /* normalize to 6 dims (leading 1s), then walk output rows of the innermost dimension */
  enum { N = ECNN_KERNEL_MAX_DIMS };
  int32_t id[N], od[N], bf[N];
  const int32_t lead = N - p->ndim;
  for (int32_t d = 0; d < N; d++) {
    int32_t s = d - lead;
    id[d] = s >= 0 ? p->in_dims[s] : 1;
    bf[d] = s >= 0 ? p->before[s] : 0;
    od[d] = s >= 0 ? p->in_dims[s] + p->before[s] + p->after[s] : 1;
  }
  const size_t es = p->elem_size;
  bool zero = true;
  for (size_t i = 0; i < es; i++) zero = zero && ((const unsigned char *)fill)[i] == 0;
  const unsigned char *src = in;
  unsigned char *dst = out;
  const size_t orow = (size_t)od[N - 1], irow = (size_t)id[N - 1];
  for (int32_t d = 0; d < N; d++)
    if (od[d] == 0) return;
  int32_t oi[N - 1] = {0};
  for (;;) {
    bool inside = true;
    size_t ioff = 0; /* input row index */
    for (int32_t d = 0; d < N - 1; d++) {
      int32_t i = oi[d] - bf[d];
      if (i < 0 || i >= id[d]) inside = false;
      ioff = ioff * (size_t)id[d] + (size_t)(inside ? i : 0);
    }
    if (!inside || irow == 0) {
      fill_n(dst, orow, fill, es, zero);
    } else {
      const size_t b = (size_t)bf[N - 1];
      fill_n(dst, b, fill, es, zero);
      memcpy(dst + b * es, src + ioff * irow * es, irow * es);
      fill_n(dst + (b + irow) * es, orow - b - irow, fill, es, zero);
    }
    dst += orow * es;
    int32_t d = N - 2;
    while (d >= 0 && ++oi[d] == od[d]) oi[d--] = 0;
    if (d < 0) break;
  }
}
