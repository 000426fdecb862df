/*
 * q8_conv_x86.c — AVX2 kernels of quantized CONV_2D (groups 1) and DEPTHWISE_CONV_2D
 * (multiplier 1), int8 or uint8 NHWC, bit-identical to the scalar twins in
 * q8_conv_scalar.c, and the weight packing they read (plain C, built on every target).
 *
 * Without AVX-512 VNNI the exact int8 product is vpmaddwd: int16 pairs multiplied and summed
 * into int32 (vpmaddubsw would saturate its int16 sums). Operands are therefore widened to
 * int16 first, the zero points taken off on the way, so every product is exact
 * (|x - in_zp| <= 255, |w - w_zp| <= 255: a pair sums to at most 130050).
 *
 * CONV_2D works on chunks of consecutive output pixels (flat over rows and images): each
 * chunk's input is gathered (im2col) into int16 rows of x - in_zp, one per pixel in tap
 * order, zeros for the padding (about 32 KB of rows: L1); then for each block of 16 output
 * channels, tiles of 6 pixels x 16 channels (12 ymm accumulators) run down the rows: per pair
 * of inputs, the pixel's pair broadcast (vbroadcastss) times the block's two weight vectors
 * ([pair][16 ch][2] int16, packed once per model), vpmaddwd, vpaddd. The full tiles' loop is
 * inline assembly (GCC spilled an accumulator); blocks of at most 8 channels use 8 x 8 tiles.
 * On Zen 3 the loop runs at about 26 MACs a cycle, 1.6 times the FMA's fp32 rate: vpmaddwd
 * needs a vpaddd for every product vector, which VNNI's vpdpbusd would fold.
 *
 * DEPTHWISE_CONV_2D works on blocks of 16 channels of two output pixels at once (a tile): the
 * taps go in pairs, each tap's 16 inputs widened (vpmovsxbw) and the two taps interleaved
 * (vpunpck*wd) so one vpmaddwd adds both taps of 8 channels; the pair's weight vectors serve
 * both pixels, whose accumulators and requantizations are independent chains that interleave.
 * Padded taps read a row of in_zp, which the bias already subtracts (bias - in_zp * sum of the
 * channel's weights). 3x3 and 5x5 kernels (literal variants for int8 with all scales below 1 at
 * strides 1 and 2) address a tile's taps from one pointer per kernel row, constant multiples
 * of C apart, padded rows reading a longer in_zp row; their taps pair vertically (rows 2r and
 * 2r + 1 of a column), so at stride 1 two neighbouring pixels share the interleaved pairs of
 * their common columns. The first and last pixels of a row (left / right padding) go in tiles
 * with per-pixel tap pointers. A partial last block of C > 16 channels is the last 16 channels
 * again, packed as one more block; each block carries its bias and scales after its weights,
 * so one pointer walks all a block reads.
 *
 * Both end in the convolutions' single-precision requantization (quant.h's ecnn_q8_fround,
 * q8_avx2.h's ecnn_q8_fround8_avx2): 3 vector operations for 8 outputs (4 with `big`, some
 * scale >= 1). TFLite's fixed-point MultiplyByQuantizedMultiplier took about 14 here (AVX2
 * has no 64-bit arithmetic shift nor 32-bit high multiply), as much as the products with few
 * input channels (the 16-32 channel expansions, the depthwise's 9 taps): 16% of the SSD's
 * time. The output type and `big` are literals in each variant of the kernels.
 */
#include <string.h>

#include "../q8_conv.h"

#define NR ECNN_Q8_CONV_NR

static size_t up64(size_t x) { return (x + 63) & ~(size_t)63; }

/* Lays out the header and the per-channel arrays of `cp` channels after `wbytes` of weights. */
static ecnn_q8_packed *layout(void *dst, size_t wbytes, size_t cp, size_t zp_bytes) {
  ecnn_q8_packed *pk = dst;
  memset(pk, 0, sizeof *pk);
  char *at = (char *)dst + up64(sizeof *pk);
  pk->w = (int16_t *)at;
  at += up64(wbytes);
  pk->bias = (int32_t *)at;
  memset(at, 0, cp * sizeof(int32_t));
  at += up64(cp * sizeof(int32_t));
  pk->scale = (float *)at;
  memset(at, 0, cp * sizeof(float));
  at += up64(cp * sizeof(float));
  pk->zp_row = zp_bytes ? (int8_t *)at : NULL;
  return pk;
}

static size_t layout_bytes(size_t wbytes, size_t cp, size_t zp_bytes) {
  return up64(sizeof(ecnn_q8_packed)) + up64(wbytes) + 2 * up64(cp * sizeof(int32_t)) +
         up64(zp_bytes);
}

/* Channel `at` of the per-channel arrays gets a channel's bias and requantization scale. */
static void set_channel(ecnn_q8_packed *pk, size_t at, int32_t bias, int32_t mult,
                        int32_t shift) {
  pk->bias[at] = bias;
  pk->scale[at] = ecnn_q8_fscale(mult, shift);
  if (pk->scale[at] >= 1.0f) pk->big = true;
}

static inline int32_t wval(const ecnn_q8_conv_params *p, const void *w, size_t i) {
  return (p->w_u8 ? ((const uint8_t *)w)[i] : ((const int8_t *)w)[i]) - p->w_zp;
}

/* Whether every w - w_zp of p fits int8 (int8 weights with zero point 0, as TFLite's int8
 * models have them, or uint8 ones around 128): then CONV_2D packs them as int8. */
static bool conv_w8(const ecnn_q8_conv_params *p) {
  return p->w_u8 ? p->w_zp == 128 : p->w_zp == 0;
}

size_t ecnn_q8_conv2d_packed_bytes(const ecnn_q8_conv_params *p) {
  if (p->groups != 1) return 0;
  const size_t k = (size_t)p->kernel_h * p->kernel_w * p->in_c, kp = k + (k & 1);
  const size_t cp = ((size_t)p->out_c + NR - 1) / NR * NR;
  return layout_bytes(cp * kp * (conv_w8(p) ? 1 : sizeof(int16_t)), cp, 0);
}

ecnn_q8_packed *ecnn_q8_conv2d_pack(const ecnn_q8_conv_params *p, const void *w,
                                    const int32_t *bias, const int32_t *mult,
                                    const int32_t *shift, void *dst) {
  const size_t k = (size_t)p->kernel_h * p->kernel_w * p->in_c, kp = k + (k & 1);
  const size_t cp = ((size_t)p->out_c + NR - 1) / NR * NR;
  const bool w8 = conv_w8(p);
  const size_t esize = w8 ? 1 : sizeof(int16_t);
  ecnn_q8_packed *pk = layout(dst, cp * kp * esize, cp, 0);
  pk->tag = ECNN_Q8_PACKED_AVX2;
  pk->out_c = p->out_c;
  pk->k = (int32_t)k;
  pk->kp = (int32_t)kp;
  pk->w_zp = p->w_zp;
  pk->w_u8 = p->w_u8;
  if (w8) pk->w8 = (int8_t *)pk->w, pk->w = NULL;
  memset(w8 ? (void *)pk->w8 : (void *)pk->w, 0, cp * kp * esize);
  /* block b = o / NR is [kp / 2][NR][2] at b * kp * NR: input r of channel o at
   * ((r / 2) * NR + o % NR) * 2 + r % 2 */
  for (size_t o = 0; o < (size_t)p->out_c; o++)
    for (size_t r = 0; r < k; r++) {
      const size_t at = (o / NR) * kp * NR + ((r / 2) * NR + o % NR) * 2 + r % 2;
      const int32_t v = wval(p, w, o * k + r);
      if (w8) pk->w8[at] = (int8_t)v;
      else pk->w[at] = (int16_t)v;
    }
  for (size_t o = 0; o < cp; o++)
    if (o < (size_t)p->out_c) set_channel(pk, o, bias ? bias[o] : 0, mult[o], shift[o]);
    else set_channel(pk, o, 0, 0, 0);
  return pk;
}

void ecnn_q8_conv2d_unpack_any(const void *packed, void *w) {
  if (*(const uint32_t *)packed == ECNN_Q8_PACKED_VNNI) ecnn_q8_conv2d_unpack_vnni(packed, w);
  else ecnn_q8_conv2d_unpack(packed, w);
}

void ecnn_q8_conv2d_unpack(const ecnn_q8_packed *pk, void *w) {
  const size_t k = (size_t)pk->k, kp = (size_t)pk->kp;
  for (size_t o = 0; o < (size_t)pk->out_c; o++)
    for (size_t r = 0; r < k; r++) {
      const size_t at = (o / NR) * kp * NR + ((r / 2) * NR + o % NR) * 2 + r % 2;
      const int32_t v = (pk->w8 ? pk->w8[at] : pk->w[at]) + pk->w_zp;
      if (pk->w_u8) ((uint8_t *)w)[o * k + r] = (uint8_t)v;
      else ((int8_t *)w)[o * k + r] = (int8_t)v;
    }
}

/* The depthwise kernel's channel order inside a block of 16: its two accumulators hold
 * channels 0-3, 8-11 and 4-7, 12-15 (what vpunpcklwd / vpunpckhwd make of two taps' 16
 * widened channels), which vpackssdw puts back in order. */
static const int32_t dw_perm[16] = {0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15};

/* DW_ZP_PIXELS: the in_zp row's length in (padded) pixels: the rows path reads a padded
 * input row there as if it were an image row, up to (kernel_w - 1) * dilation_w + stride_w
 * pixels to the right (see dw_rows_k). */
enum { DW_MAX_TAPS = 64, DW_ZP_PIXELS = 8, DW_RQ_VECS = 2 };

/* int16 elements of one block of 16 channels in the packed weights: tp tap pairs of 32, then
 * (for the rows path: one pointer walks everything a block reads) its bias and requantization
 * constants, DW_RQ_VECS arrays of 16 int32 in the order of dw_rq_at. */
static size_t dw_block_elems(size_t tp) { return (tp + DW_RQ_VECS) * 32; }

static size_t dw_zp_bytes(size_t cp) { return DW_ZP_PIXELS * cp + 32; }

/* The kernel tap in slot s (0 <= s < taps) of the packed tap pairs. Square 3x3 and 5x5
 * kernels (the rows path) pair vertical neighbours first, rows 2r and 2r + 1 of column x in
 * slots 2 (r KW + x) and 2 (r KW + x) + 1, then the odd last row in order: at stride 1 a
 * tile's two pixels then share the interleaved pairs of their common columns. Other kernels:
 * in order. */
static inline int32_t dw_slot_tap(int32_t s, int32_t KH, int32_t KW) {
  if (KH != KW || (KH != 3 && KH != 5) || s >= KH / 2 * 2 * KW) return s;
  const int32_t q = s / 2;
  return (2 * (q / KW) + s % 2) * KW + q % KW;
}

/* Packed blocks of C channels: one per 16 (the last partial one padded with zeros), and for
 * C > 16 not a multiple of 16 one more (dw_tile_all): of the last 16 channels, or where
 * C % 16 <= 8 of the last 8 (a half block, see dw_half). */
static size_t dw_blocks_of(size_t C) { return (C + 15) / 16 + (C > 16 && C % 16); }

/* The channel at position l (0-15) of the extra block's bias and constants: the last 16 in
 * the order of dw_perm; a half block's 8 in the lanes of dw_half's accumulators (lo: channels
 * 0-3 of the 8 for each pixel, hi: 4-7). */
static size_t dw_extra_channel(size_t C, size_t l) {
  if (C % 16 > 8) return C - 16 + (size_t)dw_perm[l];
  return C - 8 + l / 8 * 4 + l % 4;
}

size_t ecnn_q8_dwconv2d_packed_bytes(const ecnn_q8_conv_params *p) {
  const size_t taps = (size_t)p->kernel_h * p->kernel_w;
  if (p->depth_multiplier != 1 || p->in_c != p->out_c || taps > DW_MAX_TAPS) return 0;
  const size_t cp = ((size_t)p->out_c + 15) / 16 * 16, tp = (taps + 1) / 2;
  return layout_bytes(dw_blocks_of((size_t)p->out_c) * dw_block_elems(tp) * sizeof(int16_t), cp,
                      dw_zp_bytes(cp));
}

ecnn_q8_packed *ecnn_q8_dwconv2d_pack(const ecnn_q8_conv_params *p, const void *w,
                                      const int32_t *bias, const int32_t *mult,
                                      const int32_t *shift, void *dst) {
  const size_t taps = (size_t)p->kernel_h * p->kernel_w, C = (size_t)p->out_c;
  const size_t cp = (C + 15) / 16 * 16, tp = (taps + 1) / 2;
  const size_t nb = dw_blocks_of(C);
  ecnn_q8_packed *pk =
      layout(dst, nb * dw_block_elems(tp) * sizeof(int16_t), cp, dw_zp_bytes(cp));
  pk->out_c = p->out_c;
  pk->k = (int32_t)taps;
  pk->kp = (int32_t)(2 * tp);
  /* block cb (at cb * dw_block_elems(tp)), pair t: 32 int16, lane i of vector v (0: lo, 1:
   * hi) = channel 16 cb + dw_perm[8 v + i], holding that channel's weights of the taps in
   * slots 2t and 2t + 1 (dw_slot_tap); the extra block cp / 16 (dw_blocks_of) holds
   * channels C - 16 + dw_perm[...] likewise, or a half block in its pair t's first 16 int16
   * channels C - 8 + 0..3, then C - 8 + 4..7 */
  const bool half = C > 16 && C % 16 && C % 16 <= 8;
  for (size_t cb = 0; cb < nb; cb++)
    for (size_t t = 0; t < tp; t++)
      for (size_t l = 0; l < 16; l++)
        for (size_t h = 0; h < 2; h++) {
          size_t c = (cb < cp / 16 ? cb * 16 : C - 16) + (size_t)dw_perm[l];
          if (cb == cp / 16 && half) c = l < 8 ? C - 8 + l / 4 * 4 + l % 4 : C;
          const size_t slot = 2 * t + h;
          const size_t tap = slot < taps ? (size_t)dw_slot_tap((int32_t)slot, p->kernel_h,
                                                               p->kernel_w)
                                         : taps;
          pk->w[cb * dw_block_elems(tp) + t * 32 + 2 * l + h] =
              c < C && tap < taps ? (int16_t)wval(p, w, tap * C + c) : 0;
        }
  for (size_t cb = 0; cb < cp / 16; cb++)
    for (size_t l = 0; l < 16; l++) {
      const size_t c = cb * 16 + (size_t)dw_perm[l];
      if (c >= C) {
        set_channel(pk, cb * 16 + l, 0, 0, 0);
        continue;
      }
      int64_t sum = 0; /* the padded taps read in_zp: take in_zp times every weight off */
      for (size_t tap = 0; tap < taps; tap++) sum += wval(p, w, tap * C + c);
      const int64_t b = (int64_t)(bias ? bias[c] : 0) - (int64_t)p->in_zp * sum;
      set_channel(pk, cb * 16 + l, (int32_t)(uint32_t)(uint64_t)b, mult[c], shift[c]);
    }
  const void *rq[DW_RQ_VECS] = {pk->bias, pk->scale}; /* 4-byte lanes both */
  for (size_t cb = 0; cb < nb; cb++)
    for (size_t l = 0; l < 16; l++) {
      /* channel c sits at position dw_perm[c % 16] of its block (dw_perm is its own inverse) */
      const size_t c = cb < cp / 16 ? cb * 16 + (size_t)dw_perm[l] : dw_extra_channel(C, l);
      const size_t at = c / 16 * 16 + (size_t)dw_perm[c % 16];
      for (size_t j = 0; j < DW_RQ_VECS; j++)
        memcpy(pk->w + cb * dw_block_elems(tp) + (tp + j) * 32 + 2 * l,
               (const char *)rq[j] + 4 * at, 4);
    }
  memset(pk->zp_row, p->in_zp, dw_zp_bytes(cp));
  return pk;
}

/* ---- the AVX2 kernels ------------------------------------------------------------------- */

#if defined(__x86_64__)
#include "q8_avx2.h"

#define AVX2 ECNN_AVX2
#define INLINE ECNN_INLINE

enum {
  CONV_MR = 6,               /* pixels of a 16-channel tile */
  CONV_MR8 = 8,              /* pixels of an 8-channel tile */
  CONV_CHUNK_BYTES = 32768,  /* int16 input rows per chunk: about L1 */
  CONV_CHUNK_MAX = 96,       /* pixels */
};

/* The int16 row stride of the im2col'ed input: k when the row pieces (in_c or kernel_w * in_c
 * inputs) are whole multiples of 8; else room for the 16-wide stores that run past a piece
 * (widen's `room`). */
static size_t conv_lda(const ecnn_q8_conv_params *p) {
  const size_t k = (size_t)p->kernel_h * p->kernel_w * p->in_c;
  return p->in_c % 8 == 0 ? k : (k + 7) / 8 * 8 + 16;
}

static int32_t conv_chunk(const ecnn_q8_conv_params *p) {
  const size_t lda = conv_lda(p);
  size_t c = CONV_CHUNK_BYTES / (lda * sizeof(int16_t));
  c = c > CONV_CHUNK_MAX ? CONV_CHUNK_MAX : c;
  c = c / 24 * 24; /* whole tiles of both widths */
  return c < 24 ? 24 : (int32_t)c;
}

size_t ecnn_q8_conv2d_scratch_elems(const ecnn_q8_conv_params *p) {
  return (size_t)conv_chunk(p) * conv_lda(p) + 16;
}

/* ---- requantization (q8_avx2.h's ecnn_q8_fround8_avx2) at the scales of pk ---- */

/* The 8 accumulators of channels c..c+7 of pk's arrays, requantized (before the zero point). */
INLINE AVX2 __m256i requant8(__m256i acc, const ecnn_q8_packed *pk, size_t c, bool big) {
  return ecnn_q8_fround8_avx2(acc, _mm256_loadu_ps(pk->scale + c), big);
}

typedef ecnn_q8_out_avx2 out_consts;

INLINE AVX2 out_consts make_out_consts(const ecnn_q8_conv_params *p) {
  return ecnn_q8_out_set_avx2(p->out_zp, p->out_min, p->out_max, p->u8);
}

#define finish16 ecnn_q8_finish16_avx2
#define pack16 ecnn_q8_pack16_avx2
#define pack8 ecnn_q8_pack8_avx2

/* ---- CONV_2D ---- */

/* n bytes at src, widened, minus zp, to dst. With `room` (the row has 15 elements to spare
 * after the piece; later pieces overwrite what lands on them) the stores may run up to 15
 * elements past n, when the 16-byte read stays before `end` (the input's end). */
INLINE AVX2 void widen(int16_t *dst, const uint8_t *src, size_t n, const uint8_t *end,
                       __m256i zp, bool u8, bool room) {
  for (; n >= 16; n -= 16, src += 16, dst += 16) {
    const __m128i b = _mm_loadu_si128((const __m128i *)src);
    const __m256i v = u8 ? _mm256_cvtepu8_epi16(b) : _mm256_cvtepi8_epi16(b);
    _mm256_storeu_si256((__m256i *)dst, _mm256_sub_epi16(v, zp));
  }
  if (n == 0) return;
  if (room && (size_t)(end - src) >= 16) { /* the rest in one go */
    const __m128i b = _mm_loadu_si128((const __m128i *)src);
    const __m256i v = u8 ? _mm256_cvtepu8_epi16(b) : _mm256_cvtepi8_epi16(b);
    _mm256_storeu_si256((__m256i *)dst, _mm256_sub_epi16(v, zp));
    return;
  }
  for (; n >= 8; n -= 8, src += 8, dst += 8) {
    const __m128i b = _mm_loadl_epi64((const __m128i *)src);
    const __m128i v = u8 ? _mm_cvtepu8_epi16(b) : _mm_cvtepi8_epi16(b);
    _mm_storeu_si128((__m128i *)dst, _mm_sub_epi16(v, _mm256_castsi256_si128(zp)));
  }
  const int16_t z = (int16_t)_mm256_extract_epi16(zp, 0);
  for (size_t i = 0; i < n; i++)
    dst[i] = (int16_t)((u8 ? (int32_t)src[i] : (int32_t)(int8_t)src[i]) - z);
}

/* The int16 rows (x - in_zp, zeros in the padding) of the n flat output pixels from px. */
INLINE AVX2 void im2col(const ecnn_q8_conv_params *p, const uint8_t *in, int64_t px, int32_t n,
                        int16_t *a, size_t lda, bool u8) {
  const int32_t H = p->in_h, W = p->in_w, C = p->in_c, KH = p->kernel_h, KW = p->kernel_w;
  const size_t image = (size_t)H * W * C;
  const uint8_t *end = in + (size_t)p->batch * image;
  const __m256i zp = _mm256_set1_epi16((int16_t)p->in_zp);
  if (KH == 1 && KW == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
      p->pad_left == 0 && lda == (size_t)C) { /* pointwise: the rows as they are */
    widen(a, in + (size_t)px * C, (size_t)n * C, end, zp, u8, false);
    return;
  }
  const int64_t rest = px / p->out_w;
  int32_t ox = (int32_t)(px % p->out_w), oy = (int32_t)(rest % p->out_h);
  size_t b = (size_t)(rest / p->out_h);
  const size_t seg = (size_t)KW * C;
  const bool room = C % 8 != 0; /* conv_lda left it */
  for (int32_t j = 0; j < n; j++) {
    int16_t *row = a + (size_t)j * lda;
    const uint8_t *img = in + b * image;
    const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    const bool cols_in = p->dilation_w == 1 && ix0 >= 0 && ix0 + KW - 1 < W;
    if (cols_in && room && seg <= 16) {
      /* a row piece of at most 16 inputs (the first layers: 3 channels x 3 or 5): one
       * 16-byte load, widened, one store (room takes the spill), without widen's loops */
      const __m256i zero = _mm256_setzero_si256();
      for (int32_t ky = 0; ky < KH; ky++) {
        int16_t *dst = row + (size_t)ky * seg;
        const int64_t iy = iy0 + (int64_t)ky * p->dilation_h;
        if (iy < 0 || iy >= H) {
          _mm256_storeu_si256((__m256i *)dst, zero);
          continue;
        }
        const uint8_t *src = img + (size_t)iy * W * C + (size_t)ix0 * C;
        if ((size_t)(end - src) >= 16) {
          const __m128i v = _mm_loadu_si128((const __m128i *)src);
          _mm256_storeu_si256((__m256i *)dst, _mm256_sub_epi16(u8 ? _mm256_cvtepu8_epi16(v)
                                                                   : _mm256_cvtepi8_epi16(v),
                                                                zp));
        } else {
          widen(dst, src, seg, end, zp, u8, room);
        }
      }
    } else for (int32_t ky = 0; ky < KH; ky++) {
      int16_t *dst = row + (size_t)ky * seg;
      const int64_t iy = iy0 + (int64_t)ky * p->dilation_h;
      if (iy < 0 || iy >= H) {
        memset(dst, 0, seg * sizeof(int16_t));
        continue;
      }
      const uint8_t *src = img + (size_t)iy * W * C;
      if (cols_in) {
        widen(dst, src + (size_t)ix0 * C, seg, end, zp, u8, room);
        continue;
      }
      for (int32_t kx = 0; kx < KW; kx++) {
        const int64_t ix = ix0 + (int64_t)kx * p->dilation_w;
        if (ix < 0 || ix >= W) memset(dst + (size_t)kx * C, 0, (size_t)C * sizeof(int16_t));
        else widen(dst + (size_t)kx * C, src + (size_t)ix * C, (size_t)C, end, zp, u8, room);
      }
    }
    if (++ox == p->out_w) {
      ox = 0;
      if (++oy == p->out_h) oy = 0, b++;
    }
  }
}

/* The end of a tile: MR x NV accumulators requantized, the first n pixels stored (pixel j at
 * out + j * ldo), `cols` channels of each (all NV * 8 but in a block's last tile). k->u8 and
 * `big` are literals in every caller (conv_run's variants). */
INLINE AVX2 void tile_store(__m256i (*acc)[2], int32_t n, const ecnn_q8_packed *pk, int32_t c0,
                            int32_t cols, const out_consts *k, uint8_t *out, size_t ldo,
                            const int32_t MR, const int32_t NV, const bool big) {
  /* the block's constants in locals, loaded once: read through pk, they would be loaded again
   * after every store of output bytes (which may alias anything) */
  __m256 rq[2];
  _Pragma("GCC unroll 2") for (int32_t v = 0; v < NV; v++) rq[v] = _mm256_loadu_ps(pk->scale + c0 + 8 * v);
  const out_consts kk = *k;
  if (n == MR && cols >= 8 * NV) { /* the common case: no checks per pixel */
    _Pragma("GCC unroll 8") for (int32_t j = 0; j < MR; j++) {
      uint8_t *o = out + (size_t)j * ldo;
      if (NV == 2)
        _mm_storeu_si128((__m128i *)o, pack16(ecnn_q8_fround8_avx2(acc[j][0], rq[0], big),
                                              ecnn_q8_fround8_avx2(acc[j][1], rq[1], big),
                                              &kk));
      else
        _mm_storel_epi64((__m128i *)o,
                         pack8(ecnn_q8_fround8_avx2(acc[j][0], rq[0], big), &kk));
    }
    return;
  }
  for (int32_t j = 0; j < n; j++) {
    uint8_t *o = out + (size_t)j * ldo;
    const __m128i r = NV == 2 ? pack16(ecnn_q8_fround8_avx2(acc[j][0], rq[0], big),
                                       ecnn_q8_fround8_avx2(acc[j][1], rq[1], big), &kk)
                              : pack8(ecnn_q8_fround8_avx2(acc[j][0], rq[0], big), &kk);
    uint8_t buf[16];
    _mm_storeu_si128((__m128i *)buf, r);
    memcpy(o, buf, (size_t)(cols < 8 * NV ? cols : 8 * NV));
  }
}

/* The pair of int16 inputs at p broadcast to every lane. vbroadcastss: on Zen 3 a load-unit
 * broadcast, where vpbroadcastd also takes a vector pipe (6x16 loop: 74 vs 53 GMAC/s). */
INLINE AVX2 __m256i bcast_pair(const int16_t *p) {
  return _mm256_castps_si256(_mm256_broadcast_ss((const float *)(const void *)p));
}

/* One tile: n (<= MR) pixels' rows at a (stride lda) x NV vectors of 8 channels of the block
 * w ([kp2][NR][2], int8 when W8, else int16) whose channels start at c0 of pk's arrays. MR, NV
 * and W8 literals, so that the accumulators are registers. */
INLINE AVX2 void conv_tile(const int16_t *a, size_t lda, int32_t n, const void *w,
                           int32_t kp2, const ecnn_q8_packed *pk, int32_t c0, int32_t cols,
                           const out_consts *k, uint8_t *out, size_t ldo, const int32_t MR,
                           const int32_t NV, const bool big, const bool W8) {
  const int16_t *ar[8];
  _Pragma("GCC unroll 8") for (int32_t j = 0; j < MR; j++) ar[j] =
      a + (size_t)(j < n ? j : 0) * lda;
  __m256i acc[8][2];
  _Pragma("GCC unroll 2") for (int32_t v = 0; v < NV; v++) {
    const __m256i b = _mm256_loadu_si256((const __m256i *)(pk->bias + c0 + 8 * v));
    _Pragma("GCC unroll 8") for (int32_t j = 0; j < MR; j++) acc[j][v] = b;
  }
  const int8_t *w8 = w;
  const int16_t *w16 = w;
  for (int32_t kk = 0; kk < kp2; kk++, w8 += 2 * NR, w16 += 2 * NR) {
    __m256i wv[2];
    _Pragma("GCC unroll 2") for (int32_t v = 0; v < NV; v++) wv[v] =
        W8 ? _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)(w8 + 16 * v)))
           : _mm256_load_si256((const __m256i *)(w16 + 16 * v));
    _Pragma("GCC unroll 8") for (int32_t j = 0; j < MR; j++) {
      const __m256i xv = bcast_pair(ar[j] + 2 * kk);
      _Pragma("GCC unroll 2") for (int32_t v = 0; v < NV; v++) acc[j][v] =
          _mm256_add_epi32(acc[j][v], _mm256_madd_epi16(xv, wv[v]));
    }
  }
  tile_store(acc, n, pk, c0, cols, k, out, ldo, MR, NV, big);
}

/* A full 6 x 16 tile, its k loop in assembly: GCC's code for the loop above keeps one of the
 * 12 accumulators on the stack, while they, the broadcast, one product and the two weight
 * vectors fit the 16 ymm registers exactly (ymm0-11: pixel j's channels 0-7 and 8-15 in
 * ymm 2j and 2j + 1; ymm12: the pair, ymm13: a product, ymm14-15: the weights, loaded as they
 * are (int16) or sign-extended from int8 by vpmovsxbw: on Zen 3 a load-unit operation and a
 * shuffle, which the loop, bound by vpmaddwd, absorbs). Rows j at a + j * lda; the
 * accumulators go through memory (acc) to the requantization. */
#define T6Q_ROW(ADDR, X, Y)                                                                    \
  "vbroadcastss " ADDR ", %%ymm12\n\t"                                                         \
  "vpmaddwd %%ymm14, %%ymm12, %%ymm13\n\t"                                                     \
  "vpaddd %%ymm13, %%ymm" #X ", %%ymm" #X "\n\t"                                               \
  "vpmaddwd %%ymm15, %%ymm12, %%ymm12\n\t"                                                     \
  "vpaddd %%ymm12, %%ymm" #Y ", %%ymm" #Y "\n\t"
#define T6Q_ST(X, OFF) "vmovdqa %%ymm" #X ", " #OFF "(%[acc])\n\t"
/* The loop with LOADW loading the two weight vectors and WSTEP the bytes of one step. */
#define T6Q_ASM(LOADW, WSTEP)                                                                  \
  __asm__ volatile("vmovdqu (%[bias]), %%ymm0\n\t"                                           \
                   "vmovdqu 32(%[bias]), %%ymm1\n\t"                                         \
                   "vmovdqa %%ymm0, %%ymm2\n\t" "vmovdqa %%ymm1, %%ymm3\n\t"                 \
                   "vmovdqa %%ymm0, %%ymm4\n\t" "vmovdqa %%ymm1, %%ymm5\n\t"                 \
                   "vmovdqa %%ymm0, %%ymm6\n\t" "vmovdqa %%ymm1, %%ymm7\n\t"                 \
                   "vmovdqa %%ymm0, %%ymm8\n\t" "vmovdqa %%ymm1, %%ymm9\n\t"                 \
                   "vmovdqa %%ymm0, %%ymm10\n\t" "vmovdqa %%ymm1, %%ymm11\n\t"               \
                   "1:\n\t"                                                                  \
                   LOADW                                                                     \
                   T6Q_ROW("(%[a])", 0, 1)                                                   \
                   T6Q_ROW("(%[a],%[s],1)", 2, 3)                                            \
                   T6Q_ROW("(%[a],%[s],2)", 4, 5)                                            \
                   T6Q_ROW("(%[a3])", 6, 7)                                                  \
                   T6Q_ROW("(%[a3],%[s],1)", 8, 9)                                           \
                   T6Q_ROW("(%[a3],%[s],2)", 10, 11)                                         \
                   "add $4, %[a]\n\t"                                                        \
                   "add $4, %[a3]\n\t"                                                       \
                   "add $" #WSTEP ", %[w]\n\t"                                               \
                   "dec %[n]\n\t"                                                            \
                   "jnz 1b\n\t"                                                              \
                   T6Q_ST(0, 0) T6Q_ST(1, 32) T6Q_ST(2, 64) T6Q_ST(3, 96)                    \
                   T6Q_ST(4, 128) T6Q_ST(5, 160) T6Q_ST(6, 192) T6Q_ST(7, 224)               \
                   T6Q_ST(8, 256) T6Q_ST(9, 288) T6Q_ST(10, 320) T6Q_ST(11, 352)             \
                   : [a] "+r"(a), [a3] "+r"(a3), [w] "+r"(w), [n] "+r"(steps)                \
                   : [s] "r"(lda * sizeof(int16_t)), [bias] "r"(pk->bias + c0), [acc] "r"(acc) \
                   : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",  \
                     "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc",     \
                     "memory")

INLINE AVX2 void conv_tile_6x16_full(const int16_t *a, size_t lda, const void *w,
                                     int32_t kp2, const ecnn_q8_packed *pk, int32_t c0,
                                     int32_t cols, const out_consts *k, uint8_t *out,
                                     size_t ldo, const bool big, const bool W8) {
  __m256i acc[6][2];
  const int16_t *a3 = a + 3 * lda;
  size_t steps = (size_t)kp2;
  if (W8)
    T6Q_ASM("vpmovsxbw (%[w]), %%ymm14\n\t"
            "vpmovsxbw 16(%[w]), %%ymm15\n\t", 32);
  else
    T6Q_ASM("vmovdqa (%[w]), %%ymm14\n\t"
            "vmovdqa 32(%[w]), %%ymm15\n\t", 64);
  tile_store(acc, 6, pk, c0, cols, k, out, ldo, 6, 2, big);
}
#undef T6Q_ASM
#undef T6Q_ST
#undef T6Q_ROW

/* The kernel with the output type and `big` as literals (conv2d__avx2's variants). */
INLINE AVX2 void conv_body(const ecnn_q8_conv_params *p, const ecnn_q8_packed *pk,
                           const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,
                           int32_t nb1, int16_t *scratch, const bool u8, const bool big,
                           const bool W8) {
  const size_t lda = conv_lda(p);
  const int32_t chunk = conv_chunk(p), kp2 = pk->kp / 2, OC = p->out_c;
  out_consts k = make_out_consts(p);
  k.u8 = u8;
  uint8_t *o8 = out;
  for (int64_t c = px0; c < px1; c += chunk) {
    const int32_t n = px1 - c < chunk ? (int32_t)(px1 - c) : chunk;
    im2col(p, in, c, n, scratch, lda, u8);
    for (int32_t nb = nb0; nb < nb1; nb++) {
      const int32_t c0 = nb * NR, cols = OC - c0 < NR ? OC - c0 : NR;
      const size_t wstep = (size_t)kp2 * 2 * NR;
      const void *wb = W8 ? (const void *)(pk->w8 + (size_t)nb * wstep)
                          : (const void *)(pk->w + (size_t)nb * wstep);
      uint8_t *ob = o8 + (size_t)c * OC + c0;
      if (cols > 8) {
        int32_t t = 0;
        for (; t + CONV_MR <= n; t += CONV_MR)
          conv_tile_6x16_full(scratch + (size_t)t * lda, lda, wb, kp2, pk, c0, cols, &k,
                              ob + (size_t)t * OC, (size_t)OC, big, W8);
        if (t < n)
          conv_tile(scratch + (size_t)t * lda, lda, n - t, wb, kp2, pk, c0, cols, &k,
                    ob + (size_t)t * OC, (size_t)OC, CONV_MR, 2, big, W8);
      } else {
        for (int32_t t = 0; t < n; t += CONV_MR8)
          conv_tile(scratch + (size_t)t * lda, lda, n - t < CONV_MR8 ? n - t : CONV_MR8, wb, kp2,
                    pk, c0, cols, &k, ob + (size_t)t * OC, (size_t)OC, CONV_MR8, 1, big, W8);
      }
    }
  }
}

#define CONV_VARIANT(NAME, U8, LEFT, W8)                                                       \
  AVX2 static void NAME(const ecnn_q8_conv_params *p, const ecnn_q8_packed *pk,                \
                        const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,      \
                        int32_t nb1, int16_t *scratch) {                                       \
    conv_body(p, pk, in, out, px0, px1, nb0, nb1, scratch, U8, LEFT, W8);                      \
  }
CONV_VARIANT(conv_i8, false, false, true)
CONV_VARIANT(conv_i8_big, false, true, true)
CONV_VARIANT(conv_u8, true, false, true)
CONV_VARIANT(conv_u8_big, true, true, true)
CONV_VARIANT(conv_i8_w16, false, false, false)
CONV_VARIANT(conv_i8_big_w16, false, true, false)
CONV_VARIANT(conv_u8_w16, true, false, false)
CONV_VARIANT(conv_u8_big_w16, true, true, false)
#undef CONV_VARIANT

AVX2 void ecnn_q8_conv2d__avx2(const ecnn_q8_conv_params *p, const ecnn_q8_packed *pk,
                               const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,
                               int32_t nb1, int16_t *scratch) {
  typedef void (*fn)(const ecnn_q8_conv_params *, const ecnn_q8_packed *, const void *, void *,
                     int64_t, int64_t, int32_t, int32_t, int16_t *);
  /* [w16][u8][big] */
  static const fn variants[2][2][2] = {{{conv_i8, conv_i8_big}, {conv_u8, conv_u8_big}},
                                       {{conv_i8_w16, conv_i8_big_w16},
                                        {conv_u8_w16, conv_u8_big_w16}}};
  variants[pk->w8 == NULL][p->u8][pk->big](p, pk, in, out, px0, px1, nb0, nb1, scratch);
}

/* ---- DEPTHWISE_CONV_2D ---- */

/* The 16 channels at x widened to int16. */
INLINE AVX2 __m256i dw_widen(const uint8_t *x, bool u8) {
  const __m128i b = _mm_loadu_si128((const __m128i *)x);
  return u8 ? _mm256_cvtepu8_epi16(b) : _mm256_cvtepi8_epi16(b);
}

/* The `rest` (< 16) channels at x widened, zeros above: only they are read. */
INLINE AVX2 __m256i dw_widen_part(const uint8_t *x, size_t rest, bool u8) {
  uint8_t buf[16] = {0};
  memcpy(buf, x, rest);
  return dw_widen(buf, u8);
}

/* A block's requantization and store: lo holds channels 0-3, 8-11, hi 4-7, 12-15, which
 * vpackssdw puts back in order. */
INLINE AVX2 __m128i dw_finish(__m256i lo, __m256i hi, const ecnn_q8_packed *pk, size_t c,
                              const out_consts *k, bool big) {
  return finish16(_mm256_packs_epi32(requant8(lo, pk, c, big), requant8(hi, pk, c + 8, big)),
                  k);
}

/* How a tile of output pixels finds its taps' inputs. by_rows: src holds kernel_h input row
 * pointers, each at pixel 0's first column of that kernel row (in the image, or the in_zp row
 * for a padded row), and tap (ky, kx) of pixel p is kx * DIL + p * S pixels of C channels
 * to the right of row ky (no padding to the left or right). Else src holds DW_MAX_TAPS + 1
 * tap pointers per pixel (the in_zp row for padded taps). Literal fields, where the kernel
 * size, stride and dilation are known, make the tap offsets constant multiples of C. */
typedef struct dw_geom {
  int32_t KH, KW, taps; /* kernel height and width, KH * KW */
  int32_t S, DIL;       /* stride_w, dilation_w */
  size_t C;             /* bytes per pixel */
  bool by_rows;
} dw_geom;

/* Where the tap in slot t (0 <= t <= taps: an odd count's last pair reads slot taps - 1
 * twice, the second time with weights 0; see dw_slot_tap) of pixel p starts. */
INLINE const uint8_t *dw_tap(const uint8_t *const *src, const dw_geom g, int32_t t, int32_t p) {
  t = dw_slot_tap(t < g.taps ? t : g.taps - 1, g.KH, g.KW);
  if (!g.by_rows) return src[p * (DW_MAX_TAPS + 1) + t];
  return src[t / g.KW] + (size_t)((t % g.KW) * g.DIL + p * g.S) * g.C;
}

/* A pixel of C < 16 channels (c = 0), pixel px of the tile src: taps whose 16-byte read
 * would pass `end` (the input's end) read only their channels. */
INLINE AVX2 void dw_tail(const ecnn_q8_packed *pk, const uint8_t *const *x, const dw_geom g,
                         int32_t px, int32_t tp, int32_t c, int32_t C, const uint8_t *end,
                         const out_consts *k, uint8_t *o, bool big, bool u8) {
  const size_t rest = (size_t)(C - c);
  const int16_t *w = pk->w + (size_t)c / 16 * dw_block_elems((size_t)tp);
  __m256i lo = _mm256_loadu_si256((const __m256i *)(pk->bias + c));
  __m256i hi = _mm256_loadu_si256((const __m256i *)(pk->bias + c + 8));
  for (int32_t t = 0; t < tp; t++, w += 32) {
    const uint8_t *xa = dw_tap(x, g, 2 * t, px) + c, *xb = dw_tap(x, g, 2 * t + 1, px) + c;
    /* (a tap in the zero point row compares as anything: that row has room either way) */
    const __m256i a = (uintptr_t)end - (uintptr_t)xa >= 16 ? dw_widen(xa, u8)
                                                           : dw_widen_part(xa, rest, u8);
    const __m256i b = (uintptr_t)end - (uintptr_t)xb >= 16 ? dw_widen(xb, u8)
                                                           : dw_widen_part(xb, rest, u8);
    lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(a, b),
                                                _mm256_load_si256((const __m256i *)w)));
    hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(a, b),
                                                _mm256_load_si256((const __m256i *)(w + 16))));
  }
  uint8_t buf[16];
  _mm_storeu_si128((__m128i *)buf, dw_finish(lo, hi, pk, (size_t)c, k, big));
  memcpy(o + c, buf, rest);
}

/* A block's requantization constants after its tap pairs (dw_block_elems): vector j of the
 * DW_RQ_VECS (0: the bias, 1: the scales, floats), half h (0:
 * the lanes of lo, 1: of hi). */
INLINE AVX2 __m256i dw_rq_at(const int16_t *q, int32_t j, int32_t h) {
  return _mm256_load_si256((const __m256i *)(q + j * 32 + h * 16));
}

INLINE AVX2 __m256 dw_rq(const int16_t *q, int32_t h) {
  return _mm256_castsi256_ps(dw_rq_at(q, 1, h));
}

/* The 16-channel blocks [c0, c1) of a tile of NP (1 or 2, a literal) output pixels, stored
 * at o0 and o1, their packed blocks from w on. One pointer walks the packed blocks (weights,
 * then bias and constants); per block and tap pair the two weight vectors serve both pixels
 * (with literal geometry at stride 1 so do the inputs the pixels share: the compiler sees the
 * same addresses), the pixels' accumulators are independent chains that interleave, and both
 * pixels' 32 bytes leave through one vpacksswb. */
INLINE AVX2 void dw_tile(const int16_t *w, const uint8_t *const *src, const dw_geom g,
                         const int32_t NP, const int32_t tp, int32_t c0, int32_t c1,
                         const out_consts *k, uint8_t *o0, uint8_t *o1, bool big, bool u8) {
  for (int32_t c = c0; c < c1; c += 16) {
    const int16_t *q = w + tp * 32; /* the block's constants */
    __m256i lo[2], hi[2];
    lo[0] = lo[1] = dw_rq_at(q, 0, 0);
    hi[0] = hi[1] = dw_rq_at(q, 0, 1);
    _Pragma("GCC unroll 13") for (int32_t t = 0; t < tp; t++) {
      const __m256i wl = _mm256_load_si256((const __m256i *)(w + t * 32));
      const __m256i wh = _mm256_load_si256((const __m256i *)(w + t * 32 + 16));
      _Pragma("GCC unroll 2") for (int32_t px = 0; px < NP; px++) {
        const __m256i x0 = dw_widen(dw_tap(src, g, 2 * t, px) + c, u8);
        const __m256i x1 = dw_widen(dw_tap(src, g, 2 * t + 1, px) + c, u8);
        lo[px] = _mm256_add_epi32(lo[px], _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), wl));
        hi[px] = _mm256_add_epi32(hi[px], _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), wh));
      }
    }
    w += dw_block_elems((size_t)tp);
    /* lo holds channels 0-3, 8-11, hi 4-7, 12-15: vpackssdw puts them in order */
    if (NP == 1) {
      const __m256 rl = dw_rq(q, 0), rh = dw_rq(q, 1);
      const __m256i s = _mm256_packs_epi32(ecnn_q8_fround8_avx2(lo[0], rl, big),
                                           ecnn_q8_fround8_avx2(hi[0], rh, big));
      _mm_storeu_si128((__m128i *)(o0 + c), finish16(s, k));
      continue;
    }
    const __m256 rl = dw_rq(q, 0);
    const __m256i l0 = ecnn_q8_fround8_avx2(lo[0], rl, big);
    const __m256i l1 = ecnn_q8_fround8_avx2(lo[1], rl, big);
    const __m256 rh = dw_rq(q, 1);
    const __m256i s0 = _mm256_adds_epi16(
        _mm256_packs_epi32(l0, ecnn_q8_fround8_avx2(hi[0], rh, big)), k->zp);
    const __m256i s1 = _mm256_adds_epi16(
        _mm256_packs_epi32(l1, ecnn_q8_fround8_avx2(hi[1], rh, big)), k->zp);
    /* [pixel 0 channels 0-7, pixel 1 0-7 | pixel 0 8-15, pixel 1 8-15] */
    const __m256i lo8 = _mm256_broadcastsi128_si256(k->lo);
    const __m256i hi8 = _mm256_broadcastsi128_si256(k->hi);
    __m256i v = u8 ? _mm256_min_epu8(_mm256_max_epu8(_mm256_packus_epi16(s0, s1), lo8), hi8)
                   : _mm256_min_epi8(_mm256_max_epi8(_mm256_packs_epi16(s0, s1), lo8), hi8);
    v = _mm256_permute4x64_epi64(v, 0xD8);
    _mm_storeu_si128((__m128i *)(o0 + c), _mm256_castsi256_si128(v));
    _mm_storeu_si128((__m128i *)(o1 + c), _mm256_extracti128_si256(v, 1));
  }
}

/* The last 8 channels (C > 16) of a tile of NP pixels (1: pixel 0 twice), both pixels in one
 * set of vectors: each tap's 8 bytes of pixel 0 in the low 128-bit lane, of pixel 1 in the
 * high one, so lo holds channels 0-3 of the 8 of each pixel and hi 4-7 (the half block's
 * weights broadcast to both lanes, its constants packed so); vpackssdw leaves each pixel's 8
 * in order in its lane. */
INLINE AVX2 void dw_half(const int16_t *w, const uint8_t *const *src, const dw_geom g,
                         const int32_t NP, const int32_t tp, int32_t C, const out_consts *k,
                         uint8_t *o0, uint8_t *o1, bool big, bool u8) {
  const int16_t *q = w + tp * 32;
  __m256i lo = dw_rq_at(q, 0, 0), hi = dw_rq_at(q, 0, 1);
  _Pragma("GCC unroll 13") for (int32_t t = 0; t < tp; t++) {
    const __m128i *wt = (const __m128i *)(w + t * 32);
    const __m256i wl = _mm256_broadcastsi128_si256(_mm_load_si128(wt));
    const __m256i wh = _mm256_broadcastsi128_si256(_mm_load_si128(wt + 1));
    __m128i b[2];
    _Pragma("GCC unroll 2") for (int32_t i = 0; i < 2; i++) {
      const uint8_t *a0 = dw_tap(src, g, 2 * t + i, 0) + C - 8;
      const uint8_t *a1 = dw_tap(src, g, 2 * t + i, NP - 1) + C - 8;
      b[i] = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)a0),
                                _mm_loadl_epi64((const __m128i *)a1));
    }
    const __m256i x0 = u8 ? _mm256_cvtepu8_epi16(b[0]) : _mm256_cvtepi8_epi16(b[0]);
    const __m256i x1 = u8 ? _mm256_cvtepu8_epi16(b[1]) : _mm256_cvtepi8_epi16(b[1]);
    lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), wl));
    hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), wh));
  }
  const __m256 rl = dw_rq(q, 0), rh = dw_rq(q, 1);
  const __m256i s = _mm256_adds_epi16(_mm256_packs_epi32(ecnn_q8_fround8_avx2(lo, rl, big),
                                                         ecnn_q8_fround8_avx2(hi, rh, big)),
                                      k->zp);
  const __m256i lo8 = _mm256_broadcastsi128_si256(k->lo);
  const __m256i hi8 = _mm256_broadcastsi128_si256(k->hi);
  const __m256i v = u8 ? _mm256_min_epu8(_mm256_max_epu8(_mm256_packus_epi16(s, s), lo8), hi8)
                       : _mm256_min_epi8(_mm256_max_epi8(_mm256_packs_epi16(s, s), lo8), hi8);
  _mm_storel_epi64((__m128i *)(o0 + C - 8), _mm256_castsi256_si128(v));
  if (NP == 2) _mm_storel_epi64((__m128i *)(o1 + C - 8), _mm256_extracti128_si256(v, 1));
}

/* All the channels of a tile of NP pixels: the full blocks, then, for C > 16 not a multiple
 * of 16, the last 16 channels as one more block, or the last 8 as a half block where they
 * suffice (packed after the others: the channels they share with the last full block come
 * out the same again), or for C < 16 dw_tail. */
INLINE AVX2 void dw_tile_all(const ecnn_q8_packed *pk, const uint8_t *const *src,
                             const dw_geom g, const int32_t NP, const int32_t tp, int32_t full,
                             int32_t C, const uint8_t *end, const out_consts *k, uint8_t *o0,
                             uint8_t *o1, bool big, bool u8) {
  dw_tile(pk->w, src, g, NP, tp, 0, full, k, o0, o1, big, u8);
  if (full == C) return;
  if (C > 16 && C - full <= 8) {
    dw_half(pk->w + (size_t)(full / 16 + 1) * dw_block_elems((size_t)tp), src, g, NP, tp, C, k,
            o0, o1, big, u8);
    return;
  }
  if (C > 16) {
    const int16_t *w = pk->w + (size_t)(full / 16 + 1) * dw_block_elems((size_t)tp);
    dw_tile(w, src, g, NP, tp, C - 16, C, k, o0, o1, big, u8);
    return;
  }
  dw_tail(pk, src, g, 0, tp, 0, C, end, k, o0, big, u8);
  if (NP == 2) dw_tail(pk, src, g, 1, tp, 0, C, end, k, o1, big, u8);
}

/* The tap pointers of the output pixel whose kernel starts at input (iy0, ix0) of img, at x
 * (the in_zp row for the padded taps). */
INLINE void dw_fill(const uint8_t **x, const ecnn_q8_conv_params *p, const uint8_t *img,
                    const uint8_t *zrow, int32_t iy0, int32_t ix0, const int32_t KH,
                    const int32_t KW) {
  for (int32_t t = 0; t < KH * KW; t++) {
    const int64_t iy = iy0 + (int64_t)(t / KW) * p->dilation_h;
    const int64_t ix = ix0 + (int64_t)(t % KW) * p->dilation_w;
    x[t] = iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w
               ? zrow
               : img + ((size_t)iy * p->in_w + (size_t)ix) * p->in_c;
  }
}

/* Output rows [row0, row1) of a KS x KS kernel (3 or 5, a literal), stride_w S and
 * dilation_w DIL (literals where known). Per row, the output pixels whose taps lie inside the
 * input row (no left or right padding) go in pairs (an odd one alone) on the rows path:
 * KS row pointers per tile, each a padded row's the in_zp row, which holds enough pixels for
 * (KS - 1) * DIL + S + 1 <= DW_ZP_PIXELS; the row's first and last pixels (and every pixel
 * of a row whose padding does not fit the in_zp row) in pairs with per-pixel tap pointers. */
INLINE AVX2 void dw_rows_k(const ecnn_q8_conv_params *p, const ecnn_q8_packed *pk,
                           const uint8_t *in8, uint8_t *out, int32_t row0, int32_t row1,
                           const int32_t KS, const int32_t S, const int32_t DIL, bool big,
                           bool u8) {
  const int32_t H = p->in_h, W = p->in_w, C = p->in_c, OW = p->out_w;
  const int32_t taps = KS * KS, tp = (taps + 1) / 2, full = C / 16 * 16;
  const size_t image = (size_t)H * W * C, rowb = (size_t)W * C;
  const uint8_t *end = in8 + (size_t)p->batch * image;
  const uint8_t *zrow = (const uint8_t *)pk->zp_row;
  out_consts k = make_out_consts(p);
  k.u8 = u8;
  const dw_geom by_rows = {KS, KS, taps, S, DIL, (size_t)C, true};
  const dw_geom by_taps = {KS, KS, taps, S, DIL, (size_t)C, false};
  const bool zfit = (KS - 1) * DIL + S + 1 <= DW_ZP_PIXELS;
  /* output pixels [xl, xr) have every tap inside the input row */
  const int32_t last = W - 1 - (KS - 1) * DIL + p->pad_left;
  int32_t xl = (p->pad_left + S - 1) / S, xr = last >= 0 ? last / S + 1 : 0;
  xr = xr < OW ? xr : OW;
  xl = xl < xr ? xl : xr;
  const uint8_t *x[2 * (DW_MAX_TAPS + 1)];
  for (int32_t r = row0; r < row1; r++) {
    const size_t b = (size_t)(r / p->out_h);
    const int32_t oy = r % p->out_h, iy0 = oy * p->stride_h - p->pad_top;
    const uint8_t *img = in8 + b * image;
    uint8_t *orow = out + (size_t)r * OW * C;
    const uint8_t *rp[5]; /* the kernel rows' input rows, NULL where padded */
    bool padded = false;
    for (int32_t ky = 0; ky < KS; ky++) {
      const int32_t iy = iy0 + ky * p->dilation_h;
      rp[ky] = iy >= 0 && iy < H ? img + (size_t)iy * rowb : NULL;
      padded |= rp[ky] == NULL;
    }
    const int32_t il = padded && !zfit ? 0 : xl, ir = padded && !zfit ? 0 : xr;
    for (int32_t ox = il; ox < ir; ox += 2) {
      const size_t ix0 = (size_t)(ox * S - p->pad_left);
      const uint8_t *rr[5];
      for (int32_t ky = 0; ky < KS; ky++) rr[ky] = rp[ky] ? rp[ky] + ix0 * C : zrow;
      uint8_t *o = orow + (size_t)ox * C;
      if (ox + 1 < ir)
        dw_tile_all(pk, rr, by_rows, 2, tp, full, C, end, &k, o, o + C, big, u8);
      else
        dw_tile_all(pk, rr, by_rows, 1, tp, full, C, end, &k, o, o, big, u8);
    }
    int32_t pend = -1; /* an edge pixel waiting for its partner */
    for (int32_t ox = 0; ox < OW; ox++) {
      if (ox == il) ox = ir;
      if (ox >= OW) break;
      dw_fill(x + (pend < 0 ? 0 : DW_MAX_TAPS + 1), p, img, zrow, iy0, ox * S - p->pad_left, KS,
              KS);
      if (pend < 0) {
        pend = ox;
        continue;
      }
      dw_tile_all(pk, x, by_taps, 2, tp, full, C, end, &k, orow + (size_t)pend * C,
                  orow + (size_t)ox * C, big, u8);
      pend = -1;
    }
    if (pend >= 0)
      dw_tile_all(pk, x, by_taps, 1, tp, full, C, end, &k, orow + (size_t)pend * C,
                  orow + (size_t)pend * C, big, u8);
  }
}

/* Output rows [row0, row1) of a kernel of any other size (tp tap pairs): per output pixel
 * its tap pointers (the in_zp row for padded taps). */
INLINE AVX2 void dw_rows(const ecnn_q8_conv_params *p, const ecnn_q8_packed *pk,
                         const uint8_t *in8, uint8_t *out, int32_t row0, int32_t row1,
                         const int32_t tp, bool big, bool u8) {
  const int32_t C = p->in_c, KH = p->kernel_h, KW = p->kernel_w, full = C / 16 * 16;
  const size_t image = (size_t)p->in_h * p->in_w * C;
  const uint8_t *end = in8 + (size_t)p->batch * image;
  const uint8_t *zrow = (const uint8_t *)pk->zp_row;
  out_consts k = make_out_consts(p);
  k.u8 = u8;
  const dw_geom g = {KH, KW, KH * KW, p->stride_w, p->dilation_w, (size_t)C, false};
  const uint8_t *x[DW_MAX_TAPS + 1];
  for (int32_t r = row0; r < row1; r++) {
    const size_t b = (size_t)(r / p->out_h);
    const int32_t iy0 = r % p->out_h * p->stride_h - p->pad_top;
    uint8_t *orow = out + (size_t)r * p->out_w * C;
    for (int32_t ox = 0; ox < p->out_w; ox++) {
      dw_fill(x, p, in8 + b * image, zrow, iy0, ox * p->stride_w - p->pad_left, KH, KW);
      uint8_t *o = orow + (size_t)ox * C;
      dw_tile_all(pk, x, g, 1, tp, full, C, end, &k, o, o, big, u8);
    }
  }
}

AVX2 void ecnn_q8_dwconv2d__avx2(const ecnn_q8_conv_params *p, const ecnn_q8_packed *pk,
                                 const void *in, void *out, int32_t row0, int32_t row1) {
  const int32_t tp = pk->kp / 2, ks = p->kernel_h == p->kernel_w ? p->kernel_h : 0;
  const bool big = pk->big, plain = !big && !p->u8 && p->dilation_w == 1;
  /* 3x3 and 5x5, int8, all scales below 1, strides 1 and 2: the common cases, all literal */
#define DW_CASE(KS, S)                                                                         \
  if (ks == KS && plain && p->stride_w == S) {                                                 \
    dw_rows_k(p, pk, in, out, row0, row1, KS, S, 1, false, false);                             \
    return;                                                                                    \
  }
  DW_CASE(3, 1)
  DW_CASE(3, 2)
  DW_CASE(5, 1)
  DW_CASE(5, 2)
#undef DW_CASE
  if (ks == 3) {
    dw_rows_k(p, pk, in, out, row0, row1, 3, p->stride_w, p->dilation_w, big, p->u8);
    return;
  }
  if (ks == 5) {
    dw_rows_k(p, pk, in, out, row0, row1, 5, p->stride_w, p->dilation_w, big, p->u8);
    return;
  }
  dw_rows(p, pk, in, out, row0, row1, tp, big, p->u8);
}

#else /* not x86-64: isa.c never selects these */

size_t ecnn_q8_conv2d_scratch_elems(const ecnn_q8_conv_params *p) {
  (void)p;
  return 0;
}
void ecnn_q8_conv2d__avx2(const ecnn_q8_conv_params *p, const ecnn_q8_packed *pk, const void *in,
                          void *out, int64_t px0, int64_t px1, int32_t nb0, int32_t nb1,
                          int16_t *scratch) {
  (void)p, (void)pk, (void)in, (void)out, (void)px0, (void)px1, (void)nb0, (void)nb1,
      (void)scratch;
}
void ecnn_q8_dwconv2d__avx2(const ecnn_q8_conv_params *p, const ecnn_q8_packed *pk,
                            const void *in, void *out, int32_t row0, int32_t row1) {
  (void)p, (void)pk, (void)in, (void)out, (void)row0, (void)row1;
}
#endif /* __x86_64__ */
