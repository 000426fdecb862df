/*
 * q8_conv_vnni.c — the AVX-512 VNNI kernel of quantized CONV_2D (groups 1, int8 weights with
 * zero point 0: TFLite's int8 models; int8 or uint8 activations), bit-identical to
 * ecnn_q8_conv2d__scalar, and the weight packing it reads (plain C, built on every target).
 *
 * vpdpbusd multiplies 4 unsigned bytes by 4 signed bytes and adds the 4 products to an int32
 * lane, exactly (no int16 saturation as in vpmaddubsw): one instruction for what the AVX2 kernel
 * does with vpmaddwd + vpaddd on inputs widened to int16. Its unsigned operand is the input:
 * int8 activations are read with the top bit flipped (x + 128), uint8 as they are, so the
 * kernel sums xu * w with xu = x - in_zp + zx, zx = in_zp + 128 (int8) or in_zp (uint8). Since
 * sum (x - in_zp) w = sum xu w - zx sum w, pack folds -zx * (the sum of the channel's weights
 * over every tap) into the bias; taps in the padding are written into the rows as zx, so they
 * add zx * w, which that term takes off again: exactly the scalar kernel's "padded taps add
 * nothing", modulo 2^32 like its accumulator. K is padded to a multiple of 4 with zero weights.
 *
 * Work goes in chunks of consecutive output pixels (flat over rows and images), each gathered
 * (im2col) into rows of k bytes per pixel (about 32 KB: L1); then for each pair of 16-channel
 * blocks, tiles of 8 pixels x 32 channels (16 zmm accumulators) run down the rows: per 4
 * inputs, the two blocks' weight vectors ([kp / 4][16][4] int8, one 64-byte load each) and,
 * per pixel, its 4 bytes broadcast (vpbroadcastd) and two vpdpbusd. The accumulators start at
 * 0 and take the bias at the end (started from the bias, GCC 12 copied half of them from
 * register to register every step). A last single block runs 8 x 16 tiles; fewer than 8
 * pixels repeat the first row (computed, not stored); a partial last block computes on its
 * zero-padded weights and stores only its channels.
 *
 * Layers of a small input depth (a first layer: 3 x 3 taps of 3 channels, k = 27) have so
 * little compute per pixel (7 vpdpbusd steps a tile) that the gather is the cost: per tap a
 * put_run of 3 bytes (a byte loop, or a memcpy call for uint8), per pixel a memset call and
 * the sizes reloaded from p after every byte store took 3/4 of such a layer's time.
 * Kernel rows of at most 16 bytes (kernel_w * in_c, dilation_w 1) are gathered by im2col_short
 * instead: one 16-byte load, flip and store per kernel row, the rows of taps inside the image
 * found once per output row, every size in a register (see it for why the bytes stored past a
 * kernel row are harmless).
 *
 * The tile: XNNPACK's AVX-512 VNNI int8 GEMMs are MR x 16 (7 x 16, 8 x 16; 4 or 8 inputs per
 * lane); here 8 x 32 lets each broadcast feed two vpdpbusd and each weight load eight, so a
 * step is 10 loads for 16 vpdpbusd (an 8 x 16 tile needs 9 for 8, which the two load ports
 * of Ice Lake and Sapphire Rapids only just feed), with 16 accumulators + 2 weights + the
 * broadcasts well inside the 32 zmm registers; 8 pixels divide the ops' 24-pixel work units.
 * (Measured on Zen 4, one thread: the big 1 x 1 layers of an SSD MobileNet v2 reach 150-290
 * GMAC/s; its first layer, 300 x 300 x 3 -> 150 x 150 x 32, went from 0.75 ms to 0.18 ms with
 * im2col_short.)
 *
 * The end is quant.h's single-precision requantization on 16 lanes, clamped in float
 * (q8_vnni.h's ecnn_q8_finish16f): the accumulator plus bias to float (vcvtdq2ps), times the
 * channel's float scale (packed as ecnn_q8_fscale computes it), clamped to [out_min - out_zp,
 * out_max - out_zp] (integers: clamping before the rounding is exact, for scales >= 1 too),
 * rounded with ties to even (vcvtps2dq), narrowed by truncation (vpmovdb) and out_zp added
 * bytewise: 6 zmm operations and a byte add for 16 outputs, where the int32 clamp, add and
 * vpmovsdb took 8-9 (with K = 16 a tile row's end costs more than its 4 vpdpbusd steps); a
 * partial block's store goes through a buffer.
 *
 * Testing without the hardware: compiled a second time with -DECNN_Q8_VNNI_EMULATE (the test
 * build does; tests/engine/test_kernels_q8_vnni.c), this file takes its AVX-512 intrinsics from
 * SIMDe (<simde/x86/avx512.h>, portable C with the instructions' semantics; the setup and the
 * requantization are shared with the depthwise kernel in q8_vnni.h), drops the target
 * attributes and names its functions with the suffix _emu, so the same source runs on any CPU
 * against the scalar kernel; the native build runs there too when the CPU has AVX-512 VNNI.
 * Hence intrinsics only (no inline assembly), and only ones SIMDe 0.7.4 (Debian 12) has (or
 * q8_vnni.h makes of its narrower twins, vpmovdb among them).
 */
#include <string.h>

#if defined(ECNN_Q8_VNNI_EMULATE)
#define ecnn_q8_conv2d_packed_bytes_vnni ecnn_q8_conv2d_packed_bytes_vnni_emu
#define ecnn_q8_conv2d_pack_vnni ecnn_q8_conv2d_pack_vnni_emu
#define ecnn_q8_conv2d_unpack_vnni ecnn_q8_conv2d_unpack_vnni_emu
#define ecnn_q8_conv2d_scratch_bytes_vnni ecnn_q8_conv2d_scratch_bytes_vnni_emu
#define ecnn_q8_conv2d__avx512vnni ecnn_q8_conv2d__avx512vnni_emu
#endif

#include "../q8_conv.h"

enum { NB = ECNN_Q8_CONV_NR }; /* channels of a block (16: one zmm of int32) */

static size_t up64(size_t x) { return (x + 63) & ~(size_t)63; }
static size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

/* ---- packing (plain C) -------------------------------------------------------------------- */

static size_t layout_bytes(size_t wbytes, size_t cp) {
  return up64(sizeof(ecnn_q8_packed_vnni)) + up64(wbytes) + 2 * up64(cp * sizeof(int32_t));
}

size_t ecnn_q8_conv2d_packed_bytes_vnni(const ecnn_q8_conv_params *p) {
  if (p->groups != 1 || p->w_u8 || p->w_zp != 0) return 0;
  const size_t k = (size_t)p->kernel_h * p->kernel_w * p->in_c;
  const size_t cp = round_up((size_t)p->out_c, NB);
  return layout_bytes(cp * round_up(k, 4), cp);
}

/* Byte offset of input r of channel o in the packed weights of kp inputs. */
static inline size_t w_at(size_t o, size_t r, size_t kp) {
  return (o / NB) * kp * NB + ((r / 4) * NB + o % NB) * 4 + r % 4;
}

ecnn_q8_packed_vnni *ecnn_q8_conv2d_pack_vnni(const ecnn_q8_conv_params *p, const void *w,
                                              const int32_t *bias, const int32_t *mult,
                                              const int32_t *shift, void *dst) {
  const size_t k = (size_t)p->kernel_h * p->kernel_w * p->in_c, C = (size_t)p->out_c;
  const size_t cp = round_up(C, NB), kp = round_up(k, 4);
  memset(dst, 0, layout_bytes(cp * kp, cp)); /* zero weights and channels in the padding */
  ecnn_q8_packed_vnni *pk = dst;
  char *at = (char *)dst + up64(sizeof *pk);
  pk->w = (int8_t *)at;
  at += up64(cp * kp);
  pk->bias = (int32_t *)(void *)at;
  at += up64(cp * sizeof(int32_t));
  pk->scale = (float *)(void *)at; /* (the padding's 0.0f: all bits zero) */
  pk->tag = ECNN_Q8_PACKED_VNNI;
  pk->out_c = p->out_c;
  pk->k = (int32_t)k;
  pk->kp = (int32_t)kp;
  const int64_t zx = p->u8 ? p->in_zp : p->in_zp + 128; /* the zero point as read */
  const int8_t *w8 = w;
  for (size_t o = 0; o < C; o++) {
    int64_t sum = 0;
    for (size_t r = 0; r < k; r++) {
      pk->w[w_at(o, r, kp)] = w8[o * k + r];
      sum += w8[o * k + r];
    }
    const int64_t b = (int64_t)(bias ? bias[o] : 0) - zx * sum;
    pk->bias[o] = (int32_t)(uint32_t)(uint64_t)b; /* modulo 2^32, as the accumulators */
    pk->scale[o] = ecnn_q8_fscale(mult[o], shift[o]);
  }
  return pk;
}

void ecnn_q8_conv2d_unpack_vnni(const ecnn_q8_packed_vnni *pk, int8_t *w) {
  const size_t k = (size_t)pk->k, kp = (size_t)pk->kp;
  for (size_t o = 0; o < (size_t)pk->out_c; o++)
    for (size_t r = 0; r < k; r++) w[o * k + r] = pk->w[w_at(o, r, kp)];
}

/* ---- the kernel --------------------------------------------------------------------------- */

enum {
  MR = 8,              /* pixels of a tile */
  CHUNK_BYTES = 32768, /* im2col rows per chunk: about L1 */
  CHUNK_MAX = 96,      /* pixels */
};

static int32_t conv_chunk(size_t lda) {
  size_t c = CHUNK_BYTES / lda;
  c = c > CHUNK_MAX ? CHUNK_MAX : c;
  c = c / MR * MR;
  return c < MR ? MR : (int32_t)c;
}

size_t ecnn_q8_conv2d_scratch_bytes_vnni(const ecnn_q8_conv_params *p,
                                         const ecnn_q8_packed_vnni *pk) {
  (void)p; /* (+ 64: room for im2col_short's stores past the last row) */
  return (size_t)conv_chunk((size_t)pk->kp) * (size_t)pk->kp + 64;
}

#if defined(__x86_64__) || defined(ECNN_Q8_VNNI_EMULATE)

#include "q8_vnni.h"

#define VNNI ECNN_VNNI
#define INLINE ECNN_VNNI_INLINE
#define UNROLL ECNN_VNNI_UNROLL

/* ---- im2col ---- */

/* n inputs at s into the row at d as the kernel reads them (int8: the top bit flipped). */
INLINE VNNI void put_run(uint8_t *d, const uint8_t *s, size_t n, const bool u8) {
  if (u8) {
    memcpy(d, s, n);
    return;
  }
  size_t i = 0;
  const __m512i flip = _mm512_set1_epi32((int32_t)0x80808080u);
  for (; i + 64 <= n; i += 64)
    _mm512_storeu_si512((void *)(d + i),
                        _mm512_xor_si512(_mm512_loadu_si512((const void *)(s + i)), flip));
  const __m128i flip16 = _mm_set1_epi8((char)0x80);
  for (; i + 16 <= n; i += 16)
    _mm_storeu_si128((__m128i *)(void *)(d + i),
                     _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(s + i)), flip16));
  for (; i < n; i++) d[i] = s[i] ^ 0x80;
}

/* One pixel's row at `row` (k bytes), its kernel window at (iy0, ix0) of the image at img: the
 * inputs in tap order, zx (as read) for taps in the padding. */
INLINE VNNI void im2col_pixel(const ecnn_q8_conv_params *p, const uint8_t *img, int32_t iy0,
                              int32_t ix0, uint8_t *row, uint8_t zx, const bool u8) {
  const int32_t H = p->in_h, W = p->in_w, C = p->in_c, KH = p->kernel_h, KW = p->kernel_w;
  const size_t seg = (size_t)KW * C;
  const bool cols_in = p->dilation_w == 1 && ix0 >= 0 && ix0 + KW <= W;
  for (int32_t ky = 0; ky < KH; ky++) {
    uint8_t *d = row + (size_t)ky * seg;
    const int64_t iy = iy0 + (int64_t)ky * p->dilation_h;
    if (iy < 0 || iy >= H) {
      memset(d, zx, seg);
      continue;
    }
    const uint8_t *src = img + (size_t)iy * W * C;
    if (cols_in) { /* the kernel row's taps are one run */
      put_run(d, src + (size_t)ix0 * C, seg, u8);
      continue;
    }
    for (int32_t kx = 0; kx < KW; kx++) {
      const int64_t ix = ix0 + (int64_t)kx * p->dilation_w;
      if (ix < 0 || ix >= W) memset(d + (size_t)kx * C, zx, (size_t)C);
      else put_run(d + (size_t)kx * C, src + (size_t)ix * C, (size_t)C, u8);
    }
  }
}

/* 16 bytes at s to d as the kernel reads them (int8: the top bit flipped). */
INLINE VNNI void put16(uint8_t *d, const uint8_t *s, const bool u8) {
  __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
  if (!u8) v = _mm_xor_si128(v, _mm_set1_epi8((char)0x80));
  _mm_storeu_si128((__m128i *)(void *)d, v);
}

/* im2col of short kernel rows (kernel_w * in_c <= 16 bytes, dilation_w 1; a first layer's 3 x 3
 * taps of 3 channels are rows of 9 bytes): per output row of the chunk, the kernel rows inside
 * the image are found once, and each pixel whose columns are inside takes one 16-byte load and
 * store per kernel row (a padded one: a store of zx), with every size in a register. The bytes
 * stored past a kernel row are overwritten by the next one, the pixel's zeros after k or the
 * next pixel's row (rows are written in order), past the chunk's last row they land in the
 * scratch's 64 spare bytes; the load reads up to 15 bytes past the taps, so it is taken only
 * while they are still inside the input tensor. Other pixels (the left and right borders):
 * im2col_pixel. */
INLINE VNNI void im2col_short(const ecnn_q8_conv_params *p, const uint8_t *in, int64_t px0,
                              int32_t n, uint8_t *rows, size_t lda, const bool u8) {
  const int32_t H = p->in_h, W = p->in_w, C = p->in_c, KH = p->kernel_h, KW = p->kernel_w;
  const int32_t SH = p->stride_h, SW = p->stride_w, DH = p->dilation_h;
  const int32_t OH = p->out_h, OW = p->out_w, PT = p->pad_top, PL = p->pad_left;
  const size_t k = (size_t)KH * KW * C, seg = (size_t)KW * C, wc = (size_t)W * C;
  const size_t img_bytes = (size_t)H * wc;
  const int64_t last16 = (int64_t)((size_t)p->batch * img_bytes) - 16; /* a put16 may start */
  const uint8_t zx = (uint8_t)(u8 ? p->in_zp : p->in_zp + 128);
  const __m128i zv = _mm_set1_epi8((char)zx);
  const int64_t rest = px0 / OW;
  int32_t ox = (int32_t)(px0 % OW), oy = (int32_t)(rest % OH);
  size_t b = (size_t)(rest / OH);
  uint8_t *row = rows;
  for (int32_t j = 0; j < n;) {
    const int32_t m = n - j < OW - ox ? n - j : OW - ox; /* this output row's pixels */
    const uint8_t *img = in + b * img_bytes;
    const int32_t iy0 = oy * SH - PT;
    int32_t ky0 = 0, ky1 = KH; /* the kernel rows inside the image: [ky0, ky1) */
    while (ky0 < KH && iy0 + ky0 * DH < 0) ky0++;
    while (ky1 > ky0 && iy0 + (ky1 - 1) * DH >= H) ky1--;
    /* the first kernel row's offset in img, and the last one's in the input */
    const size_t top = ky0 < ky1 ? (size_t)(iy0 + ky0 * DH) * wc : 0;
    const int64_t bottom =
        ky0 < ky1 ? (int64_t)(b * img_bytes + (size_t)(iy0 + (ky1 - 1) * DH) * wc) : 0;
    const size_t dy = (size_t)DH * wc;
    for (int32_t i = 0; i < m; i++, row += lda) {
      const int32_t ix0 = (ox + i) * SW - PL;
      if (ix0 < 0 || ix0 + KW > W || bottom + (int64_t)ix0 * C > last16) {
        im2col_pixel(p, img, iy0, ix0, row, zx, u8);
      } else {
        int32_t ky = 0;
        for (; ky < ky0; ky++) _mm_storeu_si128((__m128i *)(void *)(row + ky * seg), zv);
        const uint8_t *s = img + top + (size_t)ix0 * C;
        for (; ky < ky1; ky++, s += dy) put16(row + ky * seg, s, u8);
        for (; ky < KH; ky++) _mm_storeu_si128((__m128i *)(void *)(row + ky * seg), zv);
      }
      const uint32_t zero = 0; /* the zeros after k (at most 3; the rest overwritten later) */
      memcpy(row + k, &zero, sizeof zero);
    }
    j += m;
    ox += m;
    if (ox == OW) {
      ox = 0;
      if (++oy == OH) oy = 0, b++;
    }
  }
}

/* The rows (stride lda bytes) of the n flat output pixels from px0: the inputs in tap order,
 * zx (as read) for taps in the padding, zeros after the k inputs. */
INLINE VNNI void im2col(const ecnn_q8_conv_params *p, const uint8_t *in, int64_t px0, int32_t n,
                        uint8_t *rows, size_t lda, const bool u8) {
  const int32_t H = p->in_h, W = p->in_w, C = p->in_c, KH = p->kernel_h, KW = p->kernel_w;
  const size_t k = (size_t)KH * KW * C;
  const uint8_t zx = (uint8_t)(u8 ? p->in_zp : p->in_zp + 128);
  if (KH == 1 && KW == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
      p->pad_left == 0 && lda == k) { /* pointwise, whole vectors: the input rows as they are */
    put_run(rows, in + (size_t)px0 * C, (size_t)n * C, u8);
    return;
  }
  if (p->dilation_w == 1 && (size_t)KW * C <= 16) {
    im2col_short(p, in, px0, n, rows, lda, u8);
    return;
  }
  const int64_t rest = px0 / p->out_w;
  int32_t ox = (int32_t)(px0 % p->out_w), oy = (int32_t)(rest % p->out_h);
  size_t b = (size_t)(rest / p->out_h);
  for (int32_t j = 0; j < n; j++) {
    uint8_t *row = rows + (size_t)j * lda;
    im2col_pixel(p, in + b * (size_t)H * W * C, oy * p->stride_h - p->pad_top,
                 ox * p->stride_w - p->pad_left, row, zx, u8);
    memset(row + k, 0, lda - k);
    if (++ox == p->out_w) {
      ox = 0;
      if (++oy == p->out_h) oy = 0, b++;
    }
  }
}

/* ---- tiles ---- */

/* The 4 inputs at a broadcast to every lane. */
INLINE VNNI __m512i bcast4(const uint8_t *a) {
  int32_t v;
  memcpy(&v, a, sizeof v);
  return _mm512_set1_epi32(v);
}

/* One tile: n (<= MR) pixels' rows at a (stride lda; rows past n repeat row 0, computed and
 * not stored) x NV (1 or 2) blocks of 16 channels from block weights w (kp / 4 steps of 64
 * bytes a block, blocks kp * 16 bytes apart), whose channels start at c0 of pk's arrays; the
 * first `cols` of those channels stored (pixel j at out + j * ldo). NV a literal. */
INLINE VNNI void tile(const uint8_t *a, size_t lda, int32_t n, const int8_t *w, int32_t kp,
                      const ecnn_q8_packed_vnni *pk, int32_t c0, int32_t cols,
                      const ecnn_q8_outf *k, uint8_t *out, size_t ldo, const int32_t NV) {
  const uint8_t *ar[MR];
  UNROLL(GCC unroll 8) for (int32_t j = 0; j < MR; j++) ar[j] =
      a + (size_t)(j < n ? j : 0) * lda;
  const int8_t *w1 = w + (size_t)kp * NB;
  __m512i acc[MR][2];
  UNROLL(GCC unroll 8) for (int32_t j = 0; j < MR; j++) {
    UNROLL(GCC unroll 2) for (int32_t v = 0; v < NV; v++) acc[j][v] = _mm512_setzero_si512();
  }
  for (int32_t kk = 0; kk < kp; kk += 4) {
    __m512i wv[2];
    wv[0] = _mm512_load_si512((const void *)(w + (size_t)kk * NB));
    if (NV == 2) wv[1] = _mm512_load_si512((const void *)(w1 + (size_t)kk * NB));
    UNROLL(GCC unroll 8) for (int32_t j = 0; j < MR; j++) {
      const __m512i x = bcast4(ar[j] + kk);
      UNROLL(GCC unroll 2) for (int32_t v = 0; v < NV; v++) acc[j][v] =
          _mm512_dpbusd_epi32(acc[j][v], x, wv[v]);
    }
  }
  UNROLL(GCC unroll 2) for (int32_t v = 0; v < NV; v++) {
    const int32_t cv = cols - NB * v; /* this block's channels to store */
    const __m512 scale = _mm512_loadu_ps(pk->scale + c0 + NB * v);
    const __m512i bias = _mm512_loadu_si512((const void *)(pk->bias + c0 + NB * v));
    uint8_t *o = out + NB * v;
    UNROLL(GCC unroll 8) for (int32_t j = 0; j < MR; j++) {
      if (j >= n) break;
      const __m128i y = ecnn_q8_finish16f(_mm512_add_epi32(acc[j][v], bias), scale, k);
      if (cv >= NB) {
        _mm_storeu_si128((__m128i *)(void *)(o + (size_t)j * ldo), y);
      } else {
        uint8_t buf[16];
        _mm_storeu_si128((__m128i *)(void *)buf, y);
        memcpy(o + (size_t)j * ldo, buf, (size_t)cv);
      }
    }
  }
}

/* The kernel with the input type as a literal. */
INLINE VNNI void conv_body(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,
                           const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,
                           int32_t nb1, void *scratch, const bool u8) {
  const size_t lda = (size_t)pk->kp;
  const int32_t chunk = conv_chunk(lda), OC = p->out_c;
  const ecnn_q8_outf k = ecnn_q8_outf_set(p->out_zp, p->out_min, p->out_max);
  uint8_t *rows = scratch;
  for (int64_t c = px0; c < px1; c += chunk) {
    const int32_t n = px1 - c < chunk ? (int32_t)(px1 - c) : chunk;
    im2col(p, in, c, n, rows, lda, u8);
    for (int32_t nb = nb0; nb < nb1; nb += 2) {
      const int32_t c0 = nb * NB, cols = OC - c0 < 2 * NB ? OC - c0 : 2 * NB;
      const int8_t *wb = pk->w + (size_t)nb * lda * NB;
      uint8_t *ob = (uint8_t *)out + (size_t)c * OC + c0;
      if (nb + 1 < nb1) {
        for (int32_t t = 0; t < n; t += MR)
          tile(rows + (size_t)t * lda, lda, n - t < MR ? n - t : MR, wb, pk->kp, pk, c0, cols, &k,
               ob + (size_t)t * OC, (size_t)OC, 2);
      } else {
        for (int32_t t = 0; t < n; t += MR)
          tile(rows + (size_t)t * lda, lda, n - t < MR ? n - t : MR, wb, pk->kp, pk, c0, cols, &k,
               ob + (size_t)t * OC, (size_t)OC, 1);
      }
    }
  }
}

#define CONV_VARIANT(NAME, U8)                                                            \
  VNNI static void NAME(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,           \
                        const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,      \
                        int32_t nb1, void *scratch) {                                          \
    conv_body(p, pk, in, out, px0, px1, nb0, nb1, scratch, U8);                           \
  }
CONV_VARIANT(conv_i8, false)
CONV_VARIANT(conv_u8, true)
#undef CONV_VARIANT

VNNI void ecnn_q8_conv2d__avx512vnni(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,
                                     const void *in, void *out, int64_t px0, int64_t px1,
                                     int32_t nb0, int32_t nb1, void *scratch) {
  (p->u8 ? conv_u8 : conv_i8)(p, pk, in, out, px0, px1, nb0, nb1, scratch);
}

#else /* not x86-64: isa.c never reports VNNI */

void ecnn_q8_conv2d__avx512vnni(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,
                                const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,
                                int32_t nb1, void *scratch) {
  (void)p, (void)pk, (void)in, (void)out, (void)px0, (void)px1, (void)nb0, (void)nb1,
      (void)scratch;
}

#endif
