/*
 * blend.h — the per-pixel loops of the heatmap blend (src/colormap.c): a map row interpolated
 * to frame columns, a frame row's colour-table indices from two such rows, and for planar YUV
 * frames the luma of a row and the chroma of a row of 2x2 blocks, each pixel's colour found
 * by its index (-1: a pixel the map leaves untouched). The scalar kernels are the reference;
 * the AVX2 twins give the same bytes (the same float operations, in the same order, no FMA).
 */
#ifndef ECNN_KERNELS_BLEND_H
#define ECNN_KERNELS_BLEND_H

#include <stdint.h>

/* n map samples interpolated to frame columns: h[x] = m[i0[x]] + f[x] * (m[i1[x]] - m[i0[x]]). */
void ecnn_blend_hrow__scalar(float *h, const float *m, const int32_t *i0, const int32_t *i1,
                             const float *f, int32_t n);
void ecnn_blend_hrow__avx2(float *h, const float *m, const int32_t *i0, const int32_t *i1,
                           const float *f, int32_t n);

/* n colour-table indices: v = h0[x] + f * (h1[x] - h0[x]) clamped to 0..1 (NaN: 1), the index
 * (int)(c * 255 + 0.5); -1 where !(v >= lo) (below the min-score, or NaN). */
void ecnn_blend_index__scalar(int16_t *idx, const float *h0, const float *h1, float f, float lo,
                              int32_t n);
void ecnn_blend_index__avx2(int16_t *idx, const float *h0, const float *h1, float f, float lo,
                            int32_t n);

/* n luma samples: y[x] = (y[x] * (e >> 17) + (e & 0x1FFFF)) >> 8 with e = ent[idx[x]], idx[x]
 * in -1..255 (ent[-1] readable: the untouched entry, 256 << 17). With e = t | w << 17 for a
 * weight w <= 256 and a term t <= 255 * (256 - w) + 128, the result is a byte. */
void ecnn_blend_luma__scalar(uint8_t *y, const int16_t *idx, const int32_t *ent, int32_t n);
void ecnn_blend_luma__avx2(uint8_t *y, const int16_t *idx, const int32_t *ent, int32_t n);

/* Chroma of the blend: orig + qn / 65536 * diff, rounded (half up) and clamped to a byte. */
static inline uint8_t ecnn_blend_mix_sum(int orig, int32_t diff, int32_t qn) {
  const int32_t v = orig + ((diff * qn + 32768) >> 16); /* |diff| <= 1020, qn <= 65536 */
  return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* A chroma sample pair from the packed sum s of its pixels' uvn entries (U in bits 0-10, V in
 * 11-21, the count c of touched pixels from bit 22): *u and *v mixed toward U and V. */
static inline void ecnn_blend_chroma_pair(uint8_t *u, uint8_t *v, int32_t s, int32_t qn) {
  const int32_t c = s >> 22;
  *u = ecnn_blend_mix_sum(*u, (s & 2047) - c * *u, qn);
  *v = ecnn_blend_mix_sum(*v, ((s >> 11) & 2047) - c * *v, qn);
}

/* n whole 2x2 blocks of two rows: block k's pixels have indices i0[2k], i0[2k + 1], i1[2k],
 * i1[2k + 1] (-1..255); the sum s of their uvn[] entries (uvn[-1] readable: 0) holds U in bits
 * 0-10, V in 11-21 and the count of touched pixels c from bit 22; the samples u[k * step] and
 * v[k * step] become ecnn_blend_mix_sum(orig, U - c orig, qn) (and V alike; unchanged when c
 * is 0). step: 1 (I420) or 2 (NV12, u and v interleaved). */
void ecnn_blend_chroma__scalar(uint8_t *u, uint8_t *v, int32_t step, const int16_t *i0,
                               const int16_t *i1, const int32_t *uvn, int32_t qn, int32_t n);
void ecnn_blend_chroma__avx2(uint8_t *u, uint8_t *v, int32_t step, const int16_t *i0,
                             const int16_t *i1, const int32_t *uvn, int32_t qn, int32_t n);

#endif /* ECNN_KERNELS_BLEND_H */
