/*
 * blend_scalar.c — the reference heatmap blend loops (blend.h).
 */
#include "../blend.h"

#include <stddef.h>

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
    const int32_t c = s >> 22;
    uint8_t *pu = u + (size_t)k * step, *pv = v + (size_t)k * step;
    *pu = ecnn_blend_mix_sum(*pu, (s & 2047) - c * *pu, qn);
    *pv = ecnn_blend_mix_sum(*pv, ((s >> 11) & 2047) - c * *pv, qn);
  }
}
