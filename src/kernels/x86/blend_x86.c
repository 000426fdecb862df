/*
 * blend_x86.c — the AVX2 heatmap blend loops (blend.h), byte for byte the scalar ones: the
 * map samples and the colour-table entries fetched by vgatherdps / vpgatherdd (eight at a
 * time: the per-pixel table lookups are what the scalar loops spend their time on), the
 * arithmetic in vectors; the indices 16 at a time. Luma: 16 pixels
 * at a time in 16-bit lanes (y w + t fits); chroma: 8 blocks at a time in 32-bit lanes, the two
 * rows' entries added per pixel, then per block (vphaddd). Groups whose pixels are all
 * untouched are skipped (under a min-score, most of a frame). The last few go to the scalar
 * kernel.
 */
#include "../blend.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdbool.h>
#include <stddef.h>

#define AVX2 __attribute__((target("avx2")))

/* Whether all 16 indices are -1: pixels the blend leaves as they are. */
AVX2 static inline bool untouched(__m256i i16) {
  return _mm256_movemask_epi8(_mm256_cmpeq_epi16(i16, _mm256_set1_epi16(-1))) == -1;
}

AVX2 void ecnn_blend_hrow__avx2(float *h, const float *m, const int32_t *i0, const int32_t *i1,
                                const float *f, int32_t n) {
  int32_t x = 0;
  for (; x + 8 <= n; x += 8) {
    const __m256 a = _mm256_i32gather_ps(m, _mm256_loadu_si256((const __m256i *)(i0 + x)), 4);
    const __m256 b = _mm256_i32gather_ps(m, _mm256_loadu_si256((const __m256i *)(i1 + x)), 4);
    _mm256_storeu_ps(h + x,
                     _mm256_add_ps(a, _mm256_mul_ps(_mm256_loadu_ps(f + x), _mm256_sub_ps(b, a))));
  }
  ecnn_blend_hrow__scalar(h + x, m, i0 + x, i1 + x, f + x, n - x);
}

/* 8 indices: vminps / vmaxps return their second operand for a NaN first one, as the scalar
 * comparisons do. */
AVX2 static inline __m256i index8(const float *h0, const float *h1, __m256 f, __m256 lo) {
  const __m256 a = _mm256_loadu_ps(h0);
  const __m256 v = _mm256_add_ps(a, _mm256_mul_ps(f, _mm256_sub_ps(_mm256_loadu_ps(h1), a)));
  const __m256 c = _mm256_max_ps(_mm256_min_ps(v, _mm256_set1_ps(1.0f)), _mm256_setzero_ps());
  const __m256i i = _mm256_cvttps_epi32(
      _mm256_add_ps(_mm256_mul_ps(c, _mm256_set1_ps(255.0f)), _mm256_set1_ps(0.5f)));
  return _mm256_blendv_epi8(_mm256_set1_epi32(-1), i,
                            _mm256_castps_si256(_mm256_cmp_ps(v, lo, _CMP_GE_OQ)));
}

AVX2 void ecnn_blend_index__avx2(int16_t *idx, const float *h0, const float *h1, float f,
                                 float lo, int32_t n) {
  const __m256 fv = _mm256_set1_ps(f), lov = _mm256_set1_ps(lo);
  int32_t x = 0;
  for (; x + 16 <= n; x += 16) {
    const __m256i a = index8(h0 + x, h1 + x, fv, lov), b = index8(h0 + x + 8, h1 + x + 8, fv, lov);
    _mm256_storeu_si256((__m256i *)(idx + x),
                        _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8));
  }
  ecnn_blend_index__scalar(idx + x, h0 + x, h1 + x, f, lo, n - x);
}

AVX2 void ecnn_blend_luma__avx2(uint8_t *y, const int16_t *idx, const int32_t *ent, int32_t n) {
  const __m256i low17 = _mm256_set1_epi32(0x1FFFF);
  int32_t x = 0;
  for (; x + 16 <= n; x += 16) {
    const __m256i i16 = _mm256_loadu_si256((const __m256i *)(idx + x));
    if (untouched(i16)) continue; /* (most of a frame, under a min-score) */
    const __m256i ea = _mm256_i32gather_epi32(
        (const int *)ent, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(i16)), 4);
    const __m256i eb = _mm256_i32gather_epi32(
        (const int *)ent, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(i16, 1)), 4);
    /* weights and terms as 16 uint16 in pixel order (vpackusdw works per 128-bit half) */
    const __m256i w = _mm256_permute4x64_epi64(
        _mm256_packus_epi32(_mm256_srli_epi32(ea, 17), _mm256_srli_epi32(eb, 17)), 0xD8);
    const __m256i t = _mm256_permute4x64_epi64(
        _mm256_packus_epi32(_mm256_and_si256(ea, low17), _mm256_and_si256(eb, low17)), 0xD8);
    const __m256i yv = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(y + x)));
    const __m256i r = _mm256_srli_epi16(_mm256_add_epi16(_mm256_mullo_epi16(yv, w), t), 8);
    _mm_storeu_si128((__m128i *)(y + x),
                     _mm_packus_epi16(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1)));
  }
  ecnn_blend_luma__scalar(y + x, idx + x, ent, n - x);
}

/* 8 int32 lanes (0..255 after the clamp) to 8 bytes in the low half. */
AVX2 static inline __m128i bytes8(__m256i r) {
  const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
  return _mm_packus_epi16(w, w);
}

/* The uvn entries of 16 pixels (8 blocks) of one row (indices i16), per pixel. */
AVX2 static inline void gather16(__m256i i16, const int32_t *uvn, __m256i *a, __m256i *b) {
  *a = _mm256_i32gather_epi32((const int *)uvn,
                              _mm256_cvtepi16_epi32(_mm256_castsi256_si128(i16)), 4);
  *b = _mm256_i32gather_epi32((const int *)uvn,
                              _mm256_cvtepi16_epi32(_mm256_extracti128_si256(i16, 1)), 4);
}

/* orig + ((diff qn + 32768) >> 16), diff = sum - c orig, for 8 lanes (before the clamp). */
AVX2 static inline __m256i mix8(__m256i orig, __m256i sum, __m256i c, __m256i qn) {
  const __m256i diff = _mm256_sub_epi32(sum, _mm256_mullo_epi32(c, orig));
  const __m256i d = _mm256_srai_epi32(
      _mm256_add_epi32(_mm256_mullo_epi32(diff, qn), _mm256_set1_epi32(32768)), 16);
  return _mm256_add_epi32(orig, d);
}

AVX2 void ecnn_blend_chroma__avx2(uint8_t *u, uint8_t *v, int32_t step, const int16_t *i0,
                                  const int16_t *i1, const int32_t *uvn, int32_t qn, int32_t n) {
  const __m256i q = _mm256_set1_epi32(qn), field = _mm256_set1_epi32(2047);
  int32_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m256i x0 = _mm256_loadu_si256((const __m256i *)(i0 + 2 * k));
    const __m256i x1 = _mm256_loadu_si256((const __m256i *)(i1 + 2 * k));
    if (untouched(_mm256_and_si256(x0, x1))) continue; /* (-1 & -1: both rows untouched) */
    __m256i a0, b0, a1, b1;
    gather16(x0, uvn, &a0, &b0);
    gather16(x1, uvn, &a1, &b1);
    /* the two rows per pixel, then pixel pairs: vphaddd gives blocks 0 1 4 5 | 2 3 6 7 */
    const __m256i s = _mm256_permute4x64_epi64(
        _mm256_hadd_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(b0, b1)), 0xD8);
    const __m256i c = _mm256_srli_epi32(s, 22);
    const __m256i su = _mm256_and_si256(s, field);
    const __m256i sv = _mm256_and_si256(_mm256_srli_epi32(s, 11), field);
    __m256i ou, ov;
    if (step == 2) { /* NV12: u v u v ... as 8 dwords u | v << 16 */
      const __m256i uv = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(u + 2 * k)));
      ou = _mm256_and_si256(uv, _mm256_set1_epi32(0xFFFF));
      ov = _mm256_srli_epi32(uv, 16);
    } else {
      ou = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(u + k)));
      ov = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(v + k)));
    }
    const __m128i nu = bytes8(mix8(ou, su, c, q)), nv = bytes8(mix8(ov, sv, c, q));
    if (step == 2) {
      _mm_storeu_si128((__m128i *)(u + 2 * k), _mm_unpacklo_epi8(nu, nv));
    } else {
      _mm_storel_epi64((__m128i *)(u + k), nu);
      _mm_storel_epi64((__m128i *)(v + k), nv);
    }
  }
  ecnn_blend_chroma__scalar(u + (size_t)k * step, v + (size_t)k * step, step, i0 + 2 * k,
                            i1 + 2 * k, uvn, qn, n - k);
}

#else /* not x86-64: isa.c never selects them; the scalar kernels if it did */

void ecnn_blend_hrow__avx2(float *h, const float *m, const int32_t *i0, const int32_t *i1,
                           const float *f, int32_t n) {
  ecnn_blend_hrow__scalar(h, m, i0, i1, f, n);
}

void ecnn_blend_index__avx2(int16_t *idx, const float *h0, const float *h1, float f, float lo,
                            int32_t n) {
  ecnn_blend_index__scalar(idx, h0, h1, f, lo, n);
}

void ecnn_blend_luma__avx2(uint8_t *y, const int16_t *idx, const int32_t *ent, int32_t n) {
  ecnn_blend_luma__scalar(y, idx, ent, n);
}

void ecnn_blend_chroma__avx2(uint8_t *u, uint8_t *v, int32_t step, const int16_t *i0,
                             const int16_t *i1, const int32_t *uvn, int32_t qn, int32_t n) {
  ecnn_blend_chroma__scalar(u, v, step, i0, i1, uvn, qn, n);
}

#endif
