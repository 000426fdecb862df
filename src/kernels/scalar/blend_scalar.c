/*
 * blend_scalar.c — the reference heatmap blend loops (blend.h).
 */
#include "../blend.h"

#include <stddef.h>

void ecnn_blend_hrow__scalar(float *h, const float *m, const int32_t *i0, const int32_t *i1,
                             const float *f, int32_t n) {
  for (int32_t x = 0; x < n; x++) h[x] = m[i0[x]] + f[x] * (m[i1[x]] - m[i0[x]]);
}

void ecnn_blend_index__scalar(int16_t *idx, const float *h0, const float *h1, float f, float lo,
                              int32_t n) {
  for (int32_t x = 0; x < n; x++) {
    const float v = h0[x] + f * (h1[x] - h0[x]);
    /* the clamp as comparisons (fminf / fmaxf are library calls): a NaN v clamped to 1, then
     * dropped by the v >= lo test */
    float c = v < 1.0f ? v : 1.0f;
    c = c > 0.0f ? c : 0.0f;
    const int32_t i = (int32_t)(c * 255.0f + 0.5f);
    idx[x] = (int16_t)(v >= lo ? i : -1);
  }
}

void ecnn_blend_luma__scalar(uint8_t *y, const int16_t *idx, const int32_t *ent, int32_t n) {
  for (int32_t x = 0; x < n; x++) {
    const int32_t e = ent[idx[x]];
    y[x] = (uint8_t)((y[x] * (e >> 17) + (e & 0x1FFFF)) >> 8);
  }
}

void ecnn_blend_chroma__scalar(uint8_t *u, uint8_t *v, int32_t step, const int16_t *i0,
                               const int16_t *i1, const int32_t *uvn, int32_t qn, int32_t n) {
  for (int32_t k = 0; k < n; k++) {
    const int32_t s = uvn[i0[2 * k]] + uvn[i0[2 * k + 1]] + uvn[i1[2 * k]] + uvn[i1[2 * k + 1]];
    ecnn_blend_chroma_pair(u + (size_t)k * step, v + (size_t)k * step, s, qn);
  }
}
