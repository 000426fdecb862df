/*
 * conv_scalar.c — the plain-C reference kernels of CONV_2D (grouped), DEPTHWISE_CONV_2D,
 * TRANSPOSE_CONV and FULLY_CONNECTED (float32, NHWC). Straightforward loops written for
 * clarity: they are the oracle every SIMD kernel and test compares against, and the fallback
 * path on any CPU. Offsets are computed in size_t so that tensors up to the engine's element
 * limit cannot overflow an int.
 */
#include <stdlib.h>
#include <string.h>

#include "../conv.h"
#include "../conv_tile.h"

static inline float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

void ecnn_f32_conv2d__scalar(const ecnn_conv_params *p, const float *in, const float *w,
                             const float *bias, float *out) {
  const int32_t icg = p->in_c / p->groups, ocg = p->out_c / p->groups;
  const size_t wstride = (size_t)p->kernel_h * p->kernel_w * icg; /* per output channel */
  for (int32_t b = 0; b < p->batch; b++)
    for (int32_t oy = 0; oy < p->out_h; oy++)
      for (int32_t ox = 0; ox < p->out_w; ox++) {
        float *op = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
        for (int32_t oc = 0; oc < p->out_c; oc++) {
          const int32_t g = oc / ocg;
          const float *wo = w + (size_t)oc * wstride;
          float acc = bias ? bias[oc] : 0.0f;
          for (int32_t ky = 0; ky < p->kernel_h; ky++) {
            const int64_t iy = (int64_t)oy * p->stride_h - p->pad_top + (int64_t)ky * p->dilation_h;
            if (iy < 0 || iy >= p->in_h) continue;
            for (int32_t kx = 0; kx < p->kernel_w; kx++) {
              const int64_t ix =
                  (int64_t)ox * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
              if (ix < 0 || ix >= p->in_w) continue;
              const float *ip =
                  in + (((size_t)b * p->in_h + (size_t)iy) * p->in_w + (size_t)ix) * p->in_c +
                  (size_t)g * icg;
              const float *wp = wo + ((size_t)ky * p->kernel_w + kx) * icg;
              for (int32_t ic = 0; ic < icg; ic++) acc += ip[ic] * wp[ic];
            }
          }
          op[oc] = clampf(acc, p->out_min, p->out_max);
        }
      }
}

void ecnn_f32_dwconv2d__scalar(const ecnn_conv_params *p, const float *in, const float *w,
                               const float *bias, float *out) {
  const int32_t m = p->depth_multiplier;
  for (int32_t b = 0; b < p->batch; b++)
    for (int32_t oy = 0; oy < p->out_h; oy++)
      for (int32_t ox = 0; ox < p->out_w; ox++) {
        float *op = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
        for (int32_t oc = 0; oc < p->out_c; oc++) op[oc] = bias ? bias[oc] : 0.0f;
        for (int32_t ky = 0; ky < p->kernel_h; ky++) {
          const int64_t iy = (int64_t)oy * p->stride_h - p->pad_top + (int64_t)ky * p->dilation_h;
          if (iy < 0 || iy >= p->in_h) continue;
          for (int32_t kx = 0; kx < p->kernel_w; kx++) {
            const int64_t ix =
                (int64_t)ox * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
            if (ix < 0 || ix >= p->in_w) continue;
            const float *ip =
                in + (((size_t)b * p->in_h + (size_t)iy) * p->in_w + (size_t)ix) * p->in_c;
            const float *wp = w + ((size_t)ky * p->kernel_w + kx) * p->out_c;
            for (int32_t c = 0; c < p->in_c; c++)
              for (int32_t k = 0; k < m; k++) {
                const size_t oc = (size_t)c * m + k;
                op[oc] += ip[c] * wp[oc];
              }
          }
        }
        for (int32_t oc = 0; oc < p->out_c; oc++) op[oc] = clampf(op[oc], p->out_min, p->out_max);
      }
}

void ecnn_f32_tconv2d__scalar(const ecnn_conv_params *p, const float *in, const float *w,
                              const float *bias, float *out) {
  const size_t out_elems = (size_t)p->batch * p->out_h * p->out_w * p->out_c;
  if (out_elems) memset(out, 0, out_elems * sizeof(float));
  const size_t wstride = (size_t)p->kernel_h * p->kernel_w * p->in_c;
  for (int32_t b = 0; b < p->batch; b++)
    for (int32_t iy = 0; iy < p->in_h; iy++)
      for (int32_t ix = 0; ix < p->in_w; ix++) {
        const float *ip = in + (((size_t)b * p->in_h + iy) * p->in_w + ix) * p->in_c;
        for (int32_t ky = 0; ky < p->kernel_h; ky++) {
          const int64_t oy = (int64_t)iy * p->stride_h - p->pad_top + ky;
          if (oy < 0 || oy >= p->out_h) continue;
          for (int32_t kx = 0; kx < p->kernel_w; kx++) {
            const int64_t ox = (int64_t)ix * p->stride_w - p->pad_left + kx;
            if (ox < 0 || ox >= p->out_w) continue;
            float *op =
                out + (((size_t)b * p->out_h + (size_t)oy) * p->out_w + (size_t)ox) * p->out_c;
            const float *wk = w + ((size_t)ky * p->kernel_w + kx) * p->in_c;
            for (int32_t oc = 0; oc < p->out_c; oc++) {
              const float *wp = wk + (size_t)oc * wstride;
              float acc = 0.0f;
              for (int32_t ic = 0; ic < p->in_c; ic++) acc += ip[ic] * wp[ic];
              op[oc] += acc;
            }
          }
        }
      }
  for (size_t i = 0; i < out_elems; i++) {
    float v = out[i] + (bias ? bias[i % (size_t)p->out_c] : 0.0f);
    out[i] = clampf(v, p->out_min, p->out_max);
  }
}

void ecnn_f32_fully_connected__scalar(const ecnn_fc_params *p, const float *in, const float *w,
                                      const float *bias, float *out) {
  const size_t ni = (size_t)p->in_features, no = (size_t)p->out_features;
  for (int64_t r = 0; r < p->rows; r++) {
    const float *ip = in + (size_t)r * ni;
    float *op = out + (size_t)r * no;
    for (size_t o = 0; o < no; o++) {
      const float *wp = w + o * ni;
      float acc = bias ? bias[o] : 0.0f;
      for (size_t i = 0; i < ni; i++) acc += ip[i] * wp[i];
      op[o] = clampf(acc, p->out_min, p->out_max);
    }
  }
}

float *ecnn_f32_conv2d_pack(const ecnn_conv_params *p, const float *w, const float *bias) {
  const size_t ocp = ((size_t)p->out_c + 31) & ~(size_t)31;
  const size_t k = (size_t)p->kernel_h * p->kernel_w * p->in_c;
  const size_t bytes = ((k + 1) * ocp * sizeof(float) + 63) & ~(size_t)63;
  float *out = aligned_alloc(64, bytes);
  if (!out) return NULL;
  memset(out, 0, bytes);
  /* w is [O][KH][KW][I]; channel block ob = o / 32 is [k][32] at ob * k * 32, its row
   * r = (ky*KW + kx)*I + i holding w[o][r] at column o % 32 */
  for (size_t o = 0; o < (size_t)p->out_c; o++)
    for (size_t r = 0; r < k; r++) out[(o / 32) * k * 32 + r * 32 + o % 32] = w[o * k + r];
  for (size_t o = 0; o < (size_t)p->out_c; o++) out[k * ocp + o] = bias ? bias[o] : 0.0f;
  return out;
}

int32_t *ecnn_f32_conv2d_sparse_rows(const ecnn_conv_params *p, const float *wp,
                                     double min_share) {
  if (!ecnn_conv_is_pointwise(p)) return NULL;
  const int32_t IC = p->in_c, nob = (p->out_c + 31) / 32;
  int64_t kept = 0;
  for (int64_t r = 0; r < (int64_t)nob * IC; r++) {
    const float *row = wp + (size_t)r * 32;
    bool any = false;
    for (int32_t c = 0; c < 32 && !any; c++) any = row[c] != 0.0f;
    kept += any;
  }
  const int64_t total = (int64_t)nob * IC;
  if ((double)(total - kept) < min_share * (double)total) return NULL;
  int32_t *rows = malloc(((size_t)nob + 1 + (size_t)kept) * sizeof *rows);
  if (!rows) return NULL; /* the dense kernels run instead */
  int32_t *list = rows + nob + 1, n = 0;
  for (int32_t ob = 0; ob < nob; ob++) {
    rows[ob] = n;
    for (int32_t k = 0; k < IC; k++) {
      const float *row = wp + ((size_t)ob * IC + k) * 32;
      bool any = false;
      for (int32_t c = 0; c < 32 && !any; c++) any = row[c] != 0.0f;
      if (any) list[n++] = k;
    }
  }
  rows[nob] = n;
  return rows;
}

void ecnn_f32_conv2d_unpack(const ecnn_conv_params *p, const float *packed, float *w) {
  const size_t k = (size_t)p->kernel_h * p->kernel_w * p->in_c;
  for (size_t o = 0; o < (size_t)p->out_c; o++)
    for (size_t r = 0; r < k; r++) w[o * k + r] = packed[(o / 32) * k * 32 + r * 32 + o % 32];
}

void ecnn_f32_conv2d_packed__scalar(const ecnn_conv_params *p, const float *in, const float *wp,
                                    const float *bp, float *out, int64_t px0, int64_t px1,
                                    int32_t ob0, int32_t ob1) {
  static const float zero[4096];
  const int32_t IC = p->in_c, taps = p->kernel_h * p->kernel_w;
  const bool pointwise = ecnn_conv_is_pointwise(p);
  for (int32_t ob = ob0; ob < ob1; ob++) {
    const int32_t c0 = 32 * ob, n = p->out_c - c0 < 32 ? p->out_c - c0 : 32;
    for (int64_t px = px0; px < px1; px++) {
      ecnn_tile_origin org;
      if (!pointwise) ecnn_tile_origins(p, in, px, 1, &org);
      float acc[32];
      for (int32_t c = 0; c < 32; c++) acc[c] = bp[c0 + c];
      for (int32_t t = 0; t < taps; t++) {
        const float *x = pointwise ? in + (size_t)px * IC
                                   : ecnn_tile_row(p, &org, t / p->kernel_w, t % p->kernel_w, zero);
        const float *w = wp + ((size_t)ob * taps + t) * IC * 32;
        for (int32_t ic = 0; ic < IC; ic++, w += 32)
          for (int32_t c = 0; c < 32; c++) acc[c] += x[ic] * w[c];
      }
      float *o = out + (size_t)px * p->out_c + c0;
      for (int32_t c = 0; c < n; c++) o[c] = clampf(acc[c], p->out_min, p->out_max);
    }
  }
}
