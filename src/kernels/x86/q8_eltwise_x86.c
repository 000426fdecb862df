/*
 * q8_eltwise_x86.c — the AVX2 quantized ADD / SUB of two same-shape tensors (q8_eltwise.h),
 * bit-identical to q8_eltwise_scalar.c: 16 elements at a time, widened to two int32 vectors
 * each, the three requantizations of q8_avx2.h, the saturating packs. A partial last group
 * goes through a 16-byte buffer.
 */
#include "../q8_eltwise.h"

#if defined(__x86_64__)
#include <string.h>

#include "q8_avx2.h"

/* 16 elements at x widened to int32 lanes 0-7 (*lo) and 8-15 (*hi), minus zp, shifted. */
ECNN_INLINE ECNN_AVX2 void widen16(const void *x, bool u8, __m256i zp, __m128i shift,
                                   __m256i *lo, __m256i *hi) {
  const __m128i b = _mm_loadu_si128((const __m128i *)x), h = _mm_srli_si128(b, 8);
  const __m256i l32 = u8 ? _mm256_cvtepu8_epi32(b) : _mm256_cvtepi8_epi32(b);
  const __m256i h32 = u8 ? _mm256_cvtepu8_epi32(h) : _mm256_cvtepi8_epi32(h);
  *lo = _mm256_sll_epi32(_mm256_sub_epi32(l32, zp), shift);
  *hi = _mm256_sll_epi32(_mm256_sub_epi32(h32, zp), shift);
}

ECNN_AVX2 void ecnn_q8_add__avx2(const ecnn_q8_add_params *p, const void *a, const void *b,
                                 void *out, size_t n) {
  const ecnn_q8_rq_avx2 ra = ecnn_q8_rq_set1_avx2(p->a_mult, p->a_shift);
  const ecnn_q8_rq_avx2 rb = ecnn_q8_rq_set1_avx2(p->b_mult, p->b_shift);
  const ecnn_q8_rq_avx2 ro = ecnn_q8_rq_set1_avx2(p->out_mult, p->out_shift);
  const bool la = p->a_shift > 0, lb = p->b_shift > 0, lo_ = p->out_shift > 0;
  const ecnn_q8_out_avx2 k = ecnn_q8_out_set_avx2(p->out_zp, p->out_min, p->out_max, p->u8);
  const __m256i za = _mm256_set1_epi32(p->a_zp), zb = _mm256_set1_epi32(p->b_zp);
  const __m128i sh = _mm_cvtsi32_si128(p->left_shift);
  const uint8_t *pa = a, *pb = b;
  uint8_t *po = out;
  for (size_t i = 0; i < n; i += 16) {
    uint8_t ba[16], bb[16], bo[16];
    const bool part = n - i < 16;
    const void *xa = pa + i, *xb = pb + i;
    if (part) {
      memcpy(ba, pa + i, n - i);
      memcpy(bb, pb + i, n - i);
      xa = ba, xb = bb;
    }
    __m256i a0, a1, b0, b1;
    widen16(xa, p->u8, za, sh, &a0, &a1);
    widen16(xb, p->u8, zb, sh, &b0, &b1);
    a0 = ecnn_q8_requant8_avx2(a0, &ra, la), a1 = ecnn_q8_requant8_avx2(a1, &ra, la);
    b0 = ecnn_q8_requant8_avx2(b0, &rb, lb), b1 = ecnn_q8_requant8_avx2(b1, &rb, lb);
    const __m256i s0 = p->sub ? _mm256_sub_epi32(a0, b0) : _mm256_add_epi32(a0, b0);
    const __m256i s1 = p->sub ? _mm256_sub_epi32(a1, b1) : _mm256_add_epi32(a1, b1);
    const __m128i r = ecnn_q8_pack16_avx2(ecnn_q8_requant8_avx2(s0, &ro, lo_),
                                          ecnn_q8_requant8_avx2(s1, &ro, lo_), &k);
    if (part) {
      _mm_storeu_si128((__m128i *)bo, r);
      memcpy(po + i, bo, n - i);
    } else {
      _mm_storeu_si128((__m128i *)(po + i), r);
    }
  }
}

#else /* not x86-64: isa.c never selects it */

void ecnn_q8_add__avx2(const ecnn_q8_add_params *p, const void *a, const void *b, void *out,
                       size_t n) {
  (void)p, (void)a, (void)b, (void)out, (void)n;
}
#endif
