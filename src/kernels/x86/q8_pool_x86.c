/*
 * q8_pool_x86.c — the AVX2 quantized MAX_POOL_2D (windows inside the input) and channel PAD
 * (q8_pool.h), bit-identical to q8_pool_scalar.c. Both go 32 channels at a time and, at a
 * pixel's last partial group, read and write the whole 32 bytes when that stays inside the
 * call's input and output (the bytes written past the pixel belong to the next one, written
 * after it); where it would not (the last pixels of a range or of the input), the scalar code
 * does the rest of that pixel.
 */
#include "../q8_pool.h"

#if defined(__x86_64__)
#include <string.h>

#include "q8_avx2.h"

/* The maxima of the window whose top-left pixel's channels start at x (tap (ky, kx) at
 * x + ky * row + kx * C), 32 channels from channel c, clamped. fh and fw literals where the
 * window is known. */
ECNN_INLINE ECNN_AVX2 __m256i max32(const uint8_t *x, size_t row, size_t C, const int32_t fh,
                                    const int32_t fw, __m256i lo, __m256i hi, bool u8) {
  __m256i m = _mm256_loadu_si256((const __m256i *)x);
  for (int32_t ky = 0; ky < fh; ky++)
    for (int32_t kx = ky == 0; kx < fw; kx++) {
      const __m256i v = _mm256_loadu_si256((const __m256i *)(x + ky * row + kx * C));
      m = u8 ? _mm256_max_epu8(m, v) : _mm256_max_epi8(m, v);
    }
  return u8 ? _mm256_min_epu8(_mm256_max_epu8(m, lo), hi)
            : _mm256_min_epi8(_mm256_max_epi8(m, lo), hi);
}

ECNN_INLINE ECNN_AVX2 void maxpool_rows(const ecnn_q8_pool_params *p, const uint8_t *in,
                                        uint8_t *out, int32_t row0, int32_t row1,
                                        const int32_t fh, const int32_t fw, bool u8) {
  const size_t C = (size_t)p->c, W = (size_t)p->in_w, row = W * C;
  const size_t image = (size_t)p->in_h * row;
  const uint8_t *in_end = in + (size_t)p->batch * image;
  uint8_t *out_end = out + (size_t)row1 * p->out_w * C;
  const __m256i lo = _mm256_set1_epi8((char)p->out_min), hi = _mm256_set1_epi8((char)p->out_max);
  const size_t last = (size_t)(fh - 1) * row + (size_t)(fw - 1) * C; /* the window's last tap */
  for (int32_t r = row0; r < row1; r++) {
    const size_t b = (size_t)(r / p->out_h);
    const size_t iy0 = (size_t)(r % p->out_h) * (size_t)p->stride_h;
    const uint8_t *xrow = in + b * image + iy0 * row;
    uint8_t *orow = out + (size_t)r * p->out_w * C;
    for (int32_t ox = 0; ox < p->out_w; ox++) {
      const uint8_t *x = xrow + (size_t)ox * p->stride_w * C;
      uint8_t *o = orow + (size_t)ox * C;
      size_t c = 0;
      for (; c + 32 <= C; c += 32)
        _mm256_storeu_si256((__m256i *)(o + c), max32(x + c, row, C, fh, fw, lo, hi, u8));
      if (c == C) continue;
      if (x + last + c + 32 <= in_end && o + c + 32 <= out_end) {
        _mm256_storeu_si256((__m256i *)(o + c), max32(x + c, row, C, fh, fw, lo, hi, u8));
        continue;
      }
      ecnn_q8_maxpool_pixel__scalar(p, x, o, (int32_t)c); /* near the ends */
    }
  }
}

#define POOL_VARIANT(NAME, FH, FW, U8)                                                         \
  ECNN_AVX2 static void NAME(const ecnn_q8_pool_params *p, const uint8_t *in, uint8_t *out,    \
                             int32_t row0, int32_t row1) {                                     \
    maxpool_rows(p, in, out, row0, row1, FH, FW, U8);                                          \
  }
POOL_VARIANT(maxpool_2x2_i8, 2, 2, false)
POOL_VARIANT(maxpool_2x2_u8, 2, 2, true)
#undef POOL_VARIANT

ECNN_AVX2 void ecnn_q8_maxpool__avx2(const ecnn_q8_pool_params *p, const void *in, void *out,
                                     int32_t row0, int32_t row1) {
  if (p->filter_h == 2 && p->filter_w == 2)
    (p->u8 ? maxpool_2x2_u8 : maxpool_2x2_i8)(p, in, out, row0, row1);
  else
    maxpool_rows(p, in, out, row0, row1, p->filter_h, p->filter_w, p->u8);
}

enum { PAD_MAX = 128 }; /* padded pixels up to this many bytes take the vector path */

ECNN_AVX2 void ecnn_q8_pad_channels__avx2(const uint8_t *in, uint8_t *out, size_t n, size_t c,
                                          size_t before, size_t after, uint8_t fill) {
  const size_t oc = before + c + after, groups = (oc + 31) / 32;
  if (oc > PAD_MAX || c == 0) { /* long rows: memcpy does them well */
    ecnn_q8_pad_channels__scalar(in, out, n, c, before, after, fill);
    return;
  }
  /* byte l of group g: the input's byte 32 g + l - before where that lies in the pixel */
  uint8_t sel[PAD_MAX];
  for (size_t l = 0; l < PAD_MAX; l++) sel[l] = l >= before && l < before + c ? 0xFF : 0;
  __m256i m[PAD_MAX / 32];
  for (size_t g = 0; g < groups; g++) m[g] = _mm256_loadu_si256((const __m256i *)(sel + 32 * g));
  const __m256i f = _mm256_set1_epi8((char)fill);
  const size_t span = 32 * groups; /* bytes read (from pixel start - before) and written */
  for (size_t i = 0; i < n; i++) {
    const size_t at = i * c; /* the pixel's first input byte */
    if (at < before || at - before + span > n * c || i * oc + span > n * oc) {
      ecnn_q8_pad_channels__scalar(in + at, out + i * oc, 1, c, before, after, fill);
      continue;
    }
    const uint8_t *x = in + at - before;
    uint8_t *o = out + i * oc;
    for (size_t g = 0; g < groups; g++) {
      const __m256i v = _mm256_loadu_si256((const __m256i *)(x + 32 * g));
      _mm256_storeu_si256((__m256i *)(o + 32 * g), _mm256_blendv_epi8(f, v, m[g]));
    }
  }
}

#else /* not x86-64: isa.c never selects these */

void ecnn_q8_maxpool__avx2(const ecnn_q8_pool_params *p, const void *in, void *out,
                           int32_t row0, int32_t row1) {
  (void)p, (void)in, (void)out, (void)row0, (void)row1;
}

void ecnn_q8_pad_channels__avx2(const uint8_t *in, uint8_t *out, size_t n, size_t c,
                                size_t before, size_t after, uint8_t fill) {
  (void)in, (void)out, (void)n, (void)c, (void)before, (void)after, (void)fill;
}

#endif
