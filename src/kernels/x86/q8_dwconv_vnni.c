/*
 * q8_dwconv_vnni.c — the AVX-512 VNNI kernel of quantized DEPTHWISE_CONV_2D (depth multiplier
 * 1; int8 or uint8 activations, int8 or uint8 weights with any zero point: what the AVX2
 * kernel takes), bit-identical to ecnn_q8_dwconv2d__scalar, and the weight packing it reads
 * (plain C, built on every target).
 *
 * The instruction: vpdpwssd multiplies int16 pairs and adds both products to an int32 lane,
 * AVX2's vpmaddwd + vpaddd in one, on 16 lanes. Inputs are widened as they are, not minus
 * in_zp: |x| <= 255 and |w - w_zp| <= 255, so every product and pair sum is exact, and the
 * packed bias takes in_zp * (the sum of the channel's w - w_zp) off once; taps in the padding
 * read a row of in_zp and so add nothing, exactly the scalar kernel's sum modulo 2^32.
 * vpdpbusd (u8 x s8 quads, the CONV_2D kernel's) was not taken: here a lane is one channel,
 * so its 4 bytes would be 4 taps of it from 4 input pixels, a 4 x 16 byte transpose per
 * vector (about 11 shuffles per 64 products, against 2 per 32 below), 3x3's 9 taps in 12
 * slots, and only for weights whose w - w_zp fits int8.
 *
 * Layout: blocks of 16 channels, one zmm of int32 accumulators each; a partial last block of
 * C > 16 channels is the last 16 channels (their first ones computed twice, stored twice the
 * same), and C < 16 one block zero-padded. Per block, vectors of 16 tap pairs, a pair being
 * rows 2r and 2r + 1 of kernel column x: the two input rows' 16 bytes at that column widened
 * to int32 lanes (vpmovsxbd / vpmovzxbd, the load folded), the second shifted up 16 bits
 * (vpslld) and merged (vpternlogd) make the lanes vpdpwssd takes. An odd kernel's last row
 * goes tap by tap (its weight in the low half, 0 in the high one, which meets the widened
 * tap's sign bits): one vpmovsxbd a vector. After a block's weights come its bias and its
 * channels' float scales (one pointer walks everything a block reads).
 *
 * Tile: 3x3 and 5x5 kernels at stride_w 1 or 2 (literal variants; dilation_w 1) run 4
 * neighbouring output pixels of a row at a time, from one pointer per kernel row (the in_zp
 * row for a padded row). Vertical pairs make a pair a property of an input column, so the
 * tile interleaves each of its columns once and feeds it to every pixel whose kernel covers
 * it: per block and row pair, kernel_w weight loads, per input column 2 vpmovsxbd + vpslld +
 * vpternlogd (3x3 stride 1: 6 columns for the 4 pixels' 12 pairs; stride 2: 9), per pixel and
 * kernel column one vpdpwssd. That is the AVX2 kernel's two-pixel tile (its two pixels at
 * stride 1 share the pairs of their common columns) widened to what 32 zmm registers hold:
 * 4 accumulators (starting from the block's bias), kernel_w weight vectors, a pair and the
 * block's scales, loaded once per block and tile. Where stride_h and dilation_h are 1, two
 * output rows of one image go together (tile2): input rows 1, 2 (and 3, 4) are the lower
 * row's kernel rows 0, 1 (2, 3) and the upper row's 1, 2 (3, 4), so each such pair is built
 * once for both, the upper row taking its row 0 and the lower its last row tap by tap; a
 * block also holds its weights in that second pairing (row 0 alone, then rows 2q + 1, 2q + 2)
 * after bias and scales. 3x3 stride 1: per input column one pair and two single taps for 8
 * pixels, 4.5 operations a pixel instead of 7.5. A range's odd row or a row whose next is
 * the next image's goes alone. Tiles cover a row from end to end, the last
 * overlapping the one before (its pixels computed again, the same); a tile whose columns reach
 * into the left or right padding (an edge tile) reads the in_zp row for those columns, so a
 * row's border pixels cost what the others do (on the 10x10 and 19x19 layers they were a
 * tenth to a fifth of the pixels, one at a time at about three times the cost). Rows of fewer
 * than 4 pixels, other kernels, strides and dilations, and C < 16 go one pixel at a time with a
 * tap pointer each (the in_zp row for padded taps), on the same packed layout; with C < 16, a
 * tap whose 16-byte read would pass the input's end is read through a copy, and C bytes are
 * stored.
 *
 * The end: quant.h's single-precision requantization with the clamp moved before the
 * conversion, in float (exact: see q8_vnni.h's ecnn_q8_finish16f), then vpmovdb and out_zp added bytewise, 5 zmm
 * operations and a byte add for 16 outputs (q8_vnni.h's end, the CONV_2D kernel's, takes 7-8
 * and an add of the bias). On a Zen 4 (AVX-512 on 256-bit units) the SSD's 17 depthwise
 * layers went from 0.86 to 0.72 ms with hot caches (bench/q8_dw_micro.c); what remains per
 * 16 outputs of 9 taps is about 6 vpdpwssd, 7.5 operations building pairs and 6 requantizing,
 * near 2 zmm operations a cycle; the two-row tiles then took the stride-1 layers from 46-50
 * to about 63-68 GMAC/s (0.74 to 0.62 ms for the 17, same machine). 8-pixel tiles were 20% faster on the 150-wide layer but
 * slower on the narrow ones (more overlap). Like the CONV_2D kernel, compiled a second time
 * with -DECNN_Q8_VNNI_EMULATE it runs on SIMDe (functions suffixed _emu) against the scalar
 * kernel in tests/engine/test_kernels_q8_vnni.c.
 */
#include <string.h>

#if defined(ECNN_Q8_VNNI_EMULATE)
#define ecnn_q8_dwconv2d_packed_bytes_vnni ecnn_q8_dwconv2d_packed_bytes_vnni_emu
#define ecnn_q8_dwconv2d_pack_vnni ecnn_q8_dwconv2d_pack_vnni_emu
#define ecnn_q8_dwconv2d__avx512vnni ecnn_q8_dwconv2d__avx512vnni_emu
#endif

#include "../q8_conv.h"

enum {
  NB = 16,        /* channels of a block */
  MAX_TAPS = 64,  /* the AVX2 kernel's limit too */
  RQ_VECS = 2,    /* after a block's weights: bias, scale (float bits) */
  NP = 4,         /* output pixels of a row tile */
  ZP_PIXELS = 11, /* the in_zp row's pixels: a row tile's span, (NP - 1) * 2 + 5 at most */
};

static size_t up64(size_t x) { return (x + 63) & ~(size_t)63; }

/* Weight vectors per block: kernel_h / 2 rows of pairs and an odd kernel's last row, each
 * kernel_w vectors. */
static size_t dw_vecs(int32_t kh, int32_t kw) { return (size_t)(kh + 1) / 2 * (size_t)kw; }

static size_t dw_blocks(int32_t c) { return ((size_t)c + NB - 1) / NB; }

/* int32 elements of one packed block: its weight vectors, bias and scales, then the same
 * kernel's weight vectors paired the other way (alt_vecs). */
static size_t block_elems(size_t vecs) { return (2 * vecs + RQ_VECS) * NB; }

/* The first channel of block b of C: 16 b, the last 16 channels for a partial last block, 0
 * when C < 16. */
static inline size_t block_start(int32_t b, int32_t c) {
  return c < NB ? 0 : (size_t)(b * NB < c - NB ? b * NB : c - NB);
}

static size_t zp_bytes(int32_t c) { return (size_t)ZP_PIXELS * (size_t)c + 64; }

/* ---- packing (plain C) -------------------------------------------------------------------- */

size_t ecnn_q8_dwconv2d_packed_bytes_vnni(const ecnn_q8_conv_params *p) {
  if (p->depth_multiplier != 1 || p->in_c != p->out_c ||
      (size_t)p->kernel_h * p->kernel_w > MAX_TAPS)
    return 0;
  const size_t vecs = dw_vecs(p->kernel_h, p->kernel_w);
  return up64(sizeof(ecnn_q8_packed_vnni)) +
         dw_blocks(p->out_c) * block_elems(vecs) * sizeof(int32_t) + up64(zp_bytes(p->out_c));
}

static inline int32_t wval(const ecnn_q8_conv_params *p, const void *w, size_t i) {
  return (p->w_u8 ? ((const uint8_t *)w)[i] : ((const int8_t *)w)[i]) - p->w_zp;
}

ecnn_q8_packed_vnni *ecnn_q8_dwconv2d_pack_vnni(const ecnn_q8_conv_params *p, const void *w,
                                                const int32_t *bias, const int32_t *mult,
                                                const int32_t *shift, void *dst) {
  const int32_t C = p->out_c, KH = p->kernel_h, KW = p->kernel_w, taps = KH * KW;
  const int32_t pairs = KH / 2 * KW; /* vectors of two taps */
  const size_t vecs = dw_vecs(KH, KW), nb = dw_blocks(C);
  ecnn_q8_packed_vnni *pk = dst;
  memset(pk, 0, sizeof *pk);
  pk->tag = ECNN_Q8_PACKED_VNNI;
  pk->out_c = C;
  pk->k = taps;
  pk->kp = (int32_t)vecs;
  pk->dw = (int32_t *)(void *)((char *)dst + up64(sizeof *pk));
  pk->zp_row = (uint8_t *)(pk->dw + nb * block_elems(vecs));
  for (size_t b = 0; b < nb; b++) {
    int32_t *blk = pk->dw + b * block_elems(vecs), *rq = blk + vecs * NB;
    for (size_t l = 0; l < NB; l++) {
      const size_t c = block_start((int32_t)b, C) + l;
      if (c >= (size_t)C) { /* (C < 16) */
        for (size_t v = 0; v < 2 * vecs + RQ_VECS; v++) blk[v * NB + l] = 0;
        continue;
      }
      /* vector v < pairs: taps (2 (v / KW), v % KW) and the one below; then the last row's */
      for (int32_t v = 0; v < (int32_t)vecs; v++) {
        const int32_t t = v < pairs ? v / KW * 2 * KW + v % KW : (KH - 1) * KW + v - pairs;
        const int32_t lo = wval(p, w, (size_t)t * C + c);
        const int32_t hi = v < pairs ? wval(p, w, (size_t)(t + KW) * C + c) : 0;
        blk[(size_t)v * NB + l] = (int32_t)((uint32_t)(uint16_t)lo | (uint32_t)(uint16_t)hi << 16);
      }
      /* the other pairing, for an odd kernel_h (two-row tiles): row 0 tap by tap, then rows
       * 2q + 1 and 2q + 2 in pairs; zeros otherwise (then unread) */
      for (int32_t v = 0; v < (int32_t)vecs; v++) {
        int32_t lo = 0, hi = 0;
        if (KH % 2 == 1 && v < KW) {
          lo = wval(p, w, (size_t)v * C + c);
        } else if (KH % 2 == 1) {
          const int32_t t = ((v - KW) / KW * 2 + 1) * KW + (v - KW) % KW;
          lo = wval(p, w, (size_t)t * C + c), hi = wval(p, w, (size_t)(t + KW) * C + c);
        }
        rq[(size_t)(RQ_VECS + v) * NB + l] =
            (int32_t)((uint32_t)(uint16_t)lo | (uint32_t)(uint16_t)hi << 16);
      }
      int64_t sum = 0; /* the padded taps read in_zp: take in_zp times every weight off */
      for (int32_t t = 0; t < taps; t++) sum += wval(p, w, (size_t)t * C + c);
      const int64_t bc = (int64_t)(bias ? bias[c] : 0) - (int64_t)p->in_zp * sum;
      const float scale = ecnn_q8_fscale(mult[c], shift[c]);
      rq[l] = (int32_t)(uint32_t)(uint64_t)bc; /* modulo 2^32 */
      memcpy(&rq[NB + l], &scale, sizeof scale);
    }
  }
  memset(pk->zp_row, (uint8_t)p->in_zp, zp_bytes(C));
  return pk;
}

/* ---- the kernel --------------------------------------------------------------------------- */

#if defined(__x86_64__) || defined(ECNN_Q8_VNNI_EMULATE)

#include "q8_vnni.h"

#define VNNI ECNN_VNNI
#define INLINE ECNN_VNNI_INLINE
#define UNROLL ECNN_VNNI_UNROLL

/* The 16 channels at x widened to int32 lanes (int8 sign-extended, uint8 zero-extended). */
INLINE VNNI __m512i widen(const uint8_t *x, const bool u8) {
  const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)x);
  return u8 ? _mm512_cvtepu8_epi32(b) : _mm512_cvtepi8_epi32(b);
}

/* The same for C < 16 channels (the others garbage), reading only C bytes where 16 would pass
 * `end`, the input's end (a tap in the in_zp row compares as anything: it has room for 16). */
INLINE VNNI __m512i widen_part(const uint8_t *x, size_t C, const uint8_t *end, const bool u8) {
  if ((uintptr_t)end - (uintptr_t)x >= 16) return widen(x, u8);
  uint8_t buf[16] = {0};
  memcpy(buf, x, C);
  return widen(buf, u8);
}

/* Two taps' widened lanes as vpdpwssd's pairs: a's in the low 16 bits, b's in the high ones. */
INLINE VNNI __m512i pair(__m512i a, __m512i b) {
  /* bitwise select (imm 0xE4): the mask's bits from a, the others from b << 16 */
  return _mm512_ternarylogic_epi32(a, _mm512_slli_epi32(b, 16), _mm512_set1_epi32(0xFFFF),
                                   0xE4);
}

/* A block's constants after its `vecs` weight vectors at w: bias and scale. */
typedef struct block_rq {
  __m512i bias;
  __m512 scale;
} block_rq;

INLINE VNNI block_rq block_rq_load(const int32_t *w, size_t vecs) {
  const int32_t *q = w + vecs * NB;
  block_rq r;
  r.bias = _mm512_load_si512((const void *)q);
  r.scale = _mm512_castsi512_ps(_mm512_load_si512((const void *)(q + NB)));
  return r;
}

/* The output: q8_vnni.h's float-clamped end (ecnn_q8_finish16f: clamp in float before the
 * conversion, vpmovdb, out_zp added bytewise; 5 vector operations and a byte add for 16
 * outputs, for scales >= 1 too). */
typedef ecnn_q8_outf out_k;

INLINE VNNI out_k out_k_set(const ecnn_q8_conv_params *p) {
  return ecnn_q8_outf_set(p->out_zp, p->out_min, p->out_max);
}

INLINE VNNI __m128i block_out(__m512i acc, __m512 scale, const out_k *k) {
  return ecnn_q8_finish16f(acc, scale, k);
}

/* One row tile: the NP output pixels from o on (C channels apart) of a KS x KS kernel at
 * stride_w S (literals; dilation_w 1); row[ky] is kernel row ky's input at the tile's input
 * column jlo (the in_zp row for a padded row). The tile's input columns [jlo, jhi) of its
 * (NP - 1) S + KS lie inside the input row; with `edge` (a literal) the others, in the left or
 * right padding, read the in_zp row; without, jlo is 0 and jhi the span. */
INLINE VNNI void tile(const ecnn_q8_packed_vnni *pk, const uint8_t *const *row, size_t C,
                      int32_t nb, const out_k *k, uint8_t *o, const int32_t KS, const int32_t S,
                      const bool u8, const bool edge, int32_t jlo, int32_t jhi) {
  const int32_t span = (NP - 1) * S + KS; /* the tile's input columns */
  const size_t vecs = dw_vecs(KS, KS);
  if (!edge) jlo = 0, jhi = span;
  const uint8_t *r[5];
  UNROLL(GCC unroll 5) for (int32_t ky = 0; ky < KS; ky++) r[ky] = row[ky];
  const uint8_t *const zrow = pk->zp_row;
  const int32_t *w = pk->dw;
  for (int32_t b = 0; b < nb; b++, w += block_elems(vecs)) {
    const size_t c0 = block_start(b, (int32_t)C);
    const block_rq q = block_rq_load(w, vecs);
    __m512i acc[NP]; /* from the bias on */
    UNROLL(GCC unroll 4) for (int32_t p = 0; p < NP; p++) acc[p] = q.bias;
    UNROLL(GCC unroll 3) for (int32_t rr = 0; rr < (KS + 1) / 2; rr++) {
      const bool two = 2 * rr + 1 < KS; /* a pair of rows, else the odd last row */
      __m512i wv[5];
      UNROLL(GCC unroll 5) for (int32_t kx = 0; kx < KS; kx++) wv[kx] =
          _mm512_load_si512((const void *)(w + (size_t)(rr * KS + kx) * NB));
      const uint8_t *ra = r[2 * rr] + c0, *rb = two ? r[2 * rr + 1] + c0 : ra;
      UNROLL(GCC unroll 11) for (int32_t j = 0; j < span; j++) {
        const bool in = !edge || (j >= jlo && j < jhi);
        const size_t at = (size_t)(j - jlo) * C;
        const __m512i xa = widen(in ? ra + at : zrow, u8);
        const __m512i x = two ? pair(xa, widen(in ? rb + at : zrow, u8)) : xa;
        UNROLL(GCC unroll 4) for (int32_t p = 0; p < NP; p++) {
          const int32_t kx = j - p * S; /* pixel p's kernel column at input column j */
          if (kx >= 0 && kx < KS) acc[p] = _mm512_dpwssd_epi32(acc[p], x, wv[kx]);
        }
      }
    }
    UNROLL(GCC unroll 4) for (int32_t p = 0; p < NP; p++)
        _mm_storeu_si128((__m128i *)(void *)(o + (size_t)p * C + c0),
                         block_out(acc[p], q.scale, k));
  }
}

/* Two row tiles: the NP output pixels from o0 on of one output row and those at o1 of the row
 * below (stride_h 1, dilation_h 1), as tile's, with row[0..KS] the KS + 1 input rows they
 * read. Pixels of the upper row take input row 0 tap by tap and rows 2q + 1, 2q + 2 in pairs
 * (the alternative pairing); those of the lower row take the same pairs (rows 2q, 2q + 1 of
 * their kernel: the main pairing) and input row KS tap by tap. Each pair is built once for
 * both rows. */
INLINE VNNI void tile2(const ecnn_q8_packed_vnni *pk, const uint8_t *const *row, size_t C,
                       int32_t nb, const out_k *k, uint8_t *o0, uint8_t *o1, const int32_t KS,
                       const int32_t S, const bool u8, const bool edge, int32_t jlo,
                       int32_t jhi) {
  const int32_t span = (NP - 1) * S + KS;
  const size_t vecs = dw_vecs(KS, KS);
  if (!edge) jlo = 0, jhi = span;
  const uint8_t *r[6];
  UNROLL(GCC unroll 6) for (int32_t ky = 0; ky <= KS; ky++) r[ky] = row[ky];
  const uint8_t *const zrow = pk->zp_row;
  const int32_t *w = pk->dw;
  for (int32_t b = 0; b < nb; b++, w += block_elems(vecs)) {
    const size_t c0 = block_start(b, (int32_t)C);
    const block_rq q = block_rq_load(w, vecs);
    const int32_t *alt = w + (vecs + RQ_VECS) * NB;
    __m512i a0[NP], a1[NP]; /* the upper row's and the lower row's, from the bias on */
    UNROLL(GCC unroll 4) for (int32_t p = 0; p < NP; p++) a0[p] = a1[p] = q.bias;
    UNROLL(GCC unroll 3) for (int32_t rr = 0; rr <= KS / 2; rr++) {
      /* rr 0: the single rows (input rows 0 and KS); then the pair of input rows 2rr - 1, 2rr */
      __m512i w0[5], w1[5];
      UNROLL(GCC unroll 5) for (int32_t kx = 0; kx < KS; kx++) {
        w0[kx] = _mm512_load_si512((const void *)(alt + (size_t)(rr * KS + kx) * NB));
        w1[kx] = _mm512_load_si512(
            (const void *)(w + (size_t)((rr ? rr - 1 : KS / 2) * KS + kx) * NB));
      }
      const uint8_t *ra = (rr ? r[2 * rr - 1] : r[0]) + c0, *rb = (rr ? r[2 * rr] : r[KS]) + c0;
      UNROLL(GCC unroll 11) for (int32_t j = 0; j < span; j++) {
        const bool in = !edge || (j >= jlo && j < jhi);
        const size_t at = (size_t)(j - jlo) * C;
        const __m512i xa = widen(in ? ra + at : zrow, u8), xb = widen(in ? rb + at : zrow, u8);
        const __m512i x = rr ? pair(xa, xb) : xa;
        UNROLL(GCC unroll 4) for (int32_t p = 0; p < NP; p++) {
          const int32_t kx = j - p * S;
          if (kx >= 0 && kx < KS) {
            a0[p] = _mm512_dpwssd_epi32(a0[p], x, w0[kx]);
            a1[p] = _mm512_dpwssd_epi32(a1[p], rr ? x : xb, w1[kx]);
          }
        }
      }
    }
    UNROLL(GCC unroll 4) for (int32_t p = 0; p < NP; p++) {
      _mm_storeu_si128((__m128i *)(void *)(o0 + (size_t)p * C + c0), block_out(a0[p], q.scale, k));
      _mm_storeu_si128((__m128i *)(void *)(o1 + (size_t)p * C + c0), block_out(a1[p], q.scale, k));
    }
  }
}

/* One output pixel from its tap pointers x (kernel_h * kernel_w, row-major; the in_zp row for
 * padded taps), at o: any kernel, C < 16 too. */
INLINE VNNI void pixel(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,
                       const uint8_t *const *x, const uint8_t *end, int32_t nb, const out_k *k,
                       uint8_t *o, const bool u8) {
  const int32_t KH = p->kernel_h, KW = p->kernel_w, C = p->in_c;
  const size_t vecs = (size_t)pk->kp;
  const int32_t *w = pk->dw;
  for (int32_t b = 0; b < nb; b++, w += block_elems(vecs)) {
    const size_t c0 = block_start(b, C);
    const int32_t *wv = w;
    const block_rq q = block_rq_load(w, vecs);
    /* two accumulators taking turns (two dependency chains), summed at the end */
    __m512i a0 = q.bias, a1 = _mm512_setzero_si512();
    for (int32_t ky = 0; ky < KH; ky += 2)
      for (int32_t kx = 0; kx < KW; kx++, wv += NB) {
        const uint8_t *const *xt = x + ky * KW + kx; /* the tap, and the one below it */
        __m512i xv = C < NB ? widen_part(xt[0], (size_t)C, end, u8) : widen(xt[0] + c0, u8);
        if (ky + 1 < KH)
          xv = pair(xv, C < NB ? widen_part(xt[KW], (size_t)C, end, u8)
                               : widen(xt[KW] + c0, u8));
        const __m512i s = _mm512_dpwssd_epi32(a1, xv, _mm512_load_si512((const void *)wv));
        a1 = a0, a0 = s;
      }
    const __m128i y = block_out(_mm512_add_epi32(a0, a1), q.scale, k);
    if (C >= NB) {
      _mm_storeu_si128((__m128i *)(void *)(o + c0), y);
    } else {
      uint8_t buf[16];
      _mm_storeu_si128((__m128i *)(void *)buf, y);
      memcpy(o, buf, (size_t)C);
    }
  }
}

/* The tap pointers of the output pixel whose kernel starts at input (iy0, ix0) of img, at x
 * (the in_zp row for the padded taps). */
INLINE void fill_taps(const uint8_t **x, const ecnn_q8_conv_params *p, const uint8_t *img,
                      const uint8_t *zrow, int32_t iy0, int32_t ix0) {
  for (int32_t ky = 0; ky < p->kernel_h; ky++) {
    const int64_t iy = iy0 + (int64_t)ky * p->dilation_h;
    for (int32_t kx = 0; kx < p->kernel_w; kx++) {
      const int64_t ix = ix0 + (int64_t)kx * p->dilation_w;
      x[ky * p->kernel_w + kx] = iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w
                                     ? zrow
                                     : img + ((size_t)iy * p->in_w + (size_t)ix) * p->in_c;
    }
  }
}

/* Output rows [row0, row1). KS (3 or 5) and S (1 or 2): literals of a kernel the row tiles
 * take (KS x KS, stride_w S, dilation_w 1, C >= 16); KS 0: one pixel at a time. Rows of NP
 * pixels or more go in row tiles from the left end to the right one (the last overlapping the
 * one before), those reaching into the left or right padding as edge tiles; other rows one
 * pixel at a time. */
INLINE VNNI void dw_rows(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,
                         const uint8_t *in8, uint8_t *out, int32_t row0, int32_t row1,
                         const int32_t KS, const int32_t S, const bool u8) {
  const int32_t W = p->in_w, C = p->in_c, OW = p->out_w, nb = (int32_t)dw_blocks(C);
  const int32_t span = (NP - 1) * S + KS;
  const size_t image = (size_t)p->in_h * W * C;
  const uint8_t *end = in8 + (size_t)p->batch * image, *zrow = pk->zp_row;
  const out_k k = out_k_set(p);
  const uint8_t *x[MAX_TAPS];
  for (int32_t r = row0, nr = 1; r < row1; r += nr) {
    const int32_t iy0 = r % p->out_h * p->stride_h - p->pad_top;
    const uint8_t *img = in8 + (size_t)(r / p->out_h) * image;
    uint8_t *orow = out + (size_t)r * OW * C;
    /* two rows of one image at a time where stride_h and dilation_h are 1 */
    const bool two = KS && OW >= NP && p->stride_h == 1 && p->dilation_h == 1 &&
                     r + 1 < row1 && (r + 1) % p->out_h != 0;
    nr = two ? 2 : 1;
    if (KS && OW >= NP) {
      const uint8_t *rp[6]; /* the kernel rows' input rows (and the next), NULL where padded */
      for (int32_t ky = 0; ky < KS + (two ? 1 : 0); ky++) {
        const int32_t iy = iy0 + ky * p->dilation_h;
        rp[ky] = iy >= 0 && iy < p->in_h ? img + (size_t)iy * W * C : NULL;
      }
      for (int32_t ox = 0; ox < OW; ox += NP) {
        const int32_t o = ox + NP <= OW ? ox : OW - NP; /* (the last overlaps the one before) */
        const int32_t ix0 = o * S - p->pad_left; /* the tile's first input column */
        int32_t jlo = ix0 < 0 ? -ix0 : 0, jhi = W - ix0 < span ? W - ix0 : span;
        if (jhi < jlo) jhi = jlo; /* (no column inside: all read the in_zp row) */
        const uint8_t *rr[6];
        for (int32_t ky = 0; ky < KS + (two ? 1 : 0); ky++)
          rr[ky] = rp[ky] && jhi > jlo ? rp[ky] + (size_t)(ix0 + jlo) * C : zrow;
        uint8_t *const at = orow + (size_t)o * C, *const at1 = at + (size_t)OW * C;
        const bool edge = jlo != 0 || jhi != span;
        if (two && !edge) tile2(pk, rr, (size_t)C, nb, &k, at, at1, KS, S, u8, false, 0, 0);
        else if (two) tile2(pk, rr, (size_t)C, nb, &k, at, at1, KS, S, u8, true, jlo, jhi);
        else if (!edge) tile(pk, rr, (size_t)C, nb, &k, at, KS, S, u8, false, 0, 0);
        else tile(pk, rr, (size_t)C, nb, &k, at, KS, S, u8, true, jlo, jhi);
      }
      continue;
    }
    for (int32_t ox = 0; ox < OW; ox++) {
      fill_taps(x, p, img, zrow, iy0, ox * p->stride_w - p->pad_left);
      pixel(p, pk, x, end, nb, &k, orow + (size_t)ox * C, u8);
    }
  }
}

/* The kernel with the input type as a literal: the row tiles' kernels, or one pixel at a
 * time. */
INLINE VNNI void dw_body(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,
                         const void *in, void *out, int32_t row0, int32_t row1, const bool u8) {
  const int32_t ks = p->kernel_h == p->kernel_w ? p->kernel_h : 0, s = p->stride_w;
  const bool tiles = p->in_c >= NB && p->dilation_w == 1 && (s == 1 || s == 2);
#define DW_CASE(KS, S)                                                                         \
  if (tiles && ks == KS && s == S) {                                                           \
    dw_rows(p, pk, in, out, row0, row1, KS, S, u8);                                            \
    return;                                                                                    \
  }
  DW_CASE(3, 1)
  DW_CASE(3, 2)
  DW_CASE(5, 1)
  DW_CASE(5, 2)
#undef DW_CASE
  dw_rows(p, pk, in, out, row0, row1, 0, 1, u8);
}

#define DW_VARIANT(NAME, U8)                                                                   \
  VNNI static void NAME(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,           \
                        const void *in, void *out, int32_t row0, int32_t row1) {               \
    dw_body(p, pk, in, out, row0, row1, U8);                                                   \
  }
DW_VARIANT(dw_i8, false)
DW_VARIANT(dw_u8, true)
#undef DW_VARIANT

VNNI void ecnn_q8_dwconv2d__avx512vnni(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,
                                       const void *in, void *out, int32_t row0, int32_t row1) {
  (p->u8 ? dw_u8 : dw_i8)(p, pk, in, out, row0, row1);
}

#else /* not x86-64: isa.c never reports VNNI */

void ecnn_q8_dwconv2d__avx512vnni(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,
                                  const void *in, void *out, int32_t row0, int32_t row1) {
  (void)p, (void)pk, (void)in, (void)out, (void)row0, (void)row1;
}

#endif
