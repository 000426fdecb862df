/*
 * q8_conv_neon.c — ARM64 NEON kernels of quantized CONV_2D (groups 1) and DEPTHWISE_CONV_2D
 * (multiplier 1), int8 or uint8 NHWC, bit-identical to the scalar twins in
 * q8_conv_scalar.c, the weight packing they read, and the run-time choice of the sdot kernel.
 * The packing is plain C; the kernels exist only on aarch64 (elsewhere they are empty stubs
 * that isa.c never selects). Tested against the scalar twins under qemu-aarch64 (tests/arm/).
 *
 * CONV_2D works like the AVX2 kernel: chunks of consecutive output pixels (flat over rows and
 * images) are gathered (im2col) into rows, one per pixel in tap order, about 32 KB of them;
 * then for each block of 16 output channels, tiles of 4 pixels x 16 channels (16 q-register
 * accumulators) run down the rows. Two kernels:
 *   __neon     rows of int16 x - in_zp (padding 0), weights int16 w - w_zp [k][16]; per input
 *              the pixel's value as a lane times 16 weights (vmlal_laneq_s16): exact int32
 *              products (|x - in_zp|, |w - w_zp| <= 255), any zero points, ARMv8.0.
 *   __neondot  rows of the raw int8 inputs (uint8 ones with the top bit flipped: x - 128),
 *              padding filled with the input zero point zx, weights int8 [k / 4][16][4]; per 4
 *              inputs one sdot (vdotq_laneq_s32) adds 4 products into each of 4 channels. The
 *              zero point is not subtracted in the products: sum (x - zx) w = sum x w - zx sum w,
 *              and pack folds -zx * sum w (over every tap) into the bias; padded taps read zx,
 *              so they add zx * w, which that term takes off again: exactly the scalar twin's
 *              "padded taps contribute nothing", modulo 2^32 like its accumulator. Needs the
 *              weights' zero point to be 0 (TFLite's int8 weights); ARMv8.2 dotprod, chosen at
 *              run time (getauxval HWCAP_ASIMDDP). A pointwise int8 layer whose channels are
 *              whole vectors reads its rows straight from the input.
 *
 * DEPTHWISE_CONV_2D works on blocks of 16 channels of one output pixel (then 8, then a tail
 * through a buffer): each tap's inputs widened with the zero point taken off (vsubl), times the
 * tap's int16 weights (vmlal_s16), padded taps reading a row of in_zp (so adding 0); 3x3 and
 * 5x5 get literal tap counts (any stride and dilation), other sizes up to 64 taps the general
 * loop.
 *
 * Both end in the convolutions' single-precision requantization (quant.h's ecnn_q8_fround:
 * vcvtq_f32_s32, vmulq_f32 by the channel's scale, vcvtnq_s32_f32) and the saturating narrows
 * to clamped bytes, both in q8_neon.h (shared with the ADD / SUB kernel, q8_eltwise_neon.c).
 */
#include <string.h>

#include "../q8_conv.h"

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

/* Whether this build has the sdot kernel: GCC compiles it with a target attribute in any
 * aarch64 build; clang before 16 gives the dotprod intrinsics only to whole builds for a CPU
 * that has them (-march=...+dotprod). */
#if defined(__aarch64__) && (!defined(__clang__) || defined(__ARM_FEATURE_DOTPROD))
#define SDOT_BUILT 1
#else
#define SDOT_BUILT 0
#endif

enum { NB = 16, DW_MAX_TAPS = 64 };

static size_t up64(size_t x) { return (x + 63) & ~(size_t)63; }
static size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

/* ---- packing (plain C) -------------------------------------------------------------------- */

static size_t layout_bytes(size_t wbytes, size_t cp, size_t zp_bytes) {
  return up64(sizeof(ecnn_q8_packed_neon)) + up64(wbytes) + 2 * up64(cp * sizeof(int32_t)) +
         up64(zp_bytes);
}

/* The header and the per-channel arrays of cp channels after wbytes of weights, all zeroed. */
static ecnn_q8_packed_neon *layout(void *dst, size_t wbytes, size_t cp, size_t zp_bytes) {
  ecnn_q8_packed_neon *pk = dst;
  memset(dst, 0, layout_bytes(wbytes, cp, zp_bytes));
  char *at = (char *)dst + up64(sizeof *pk);
  pk->w = at;
  at += up64(wbytes);
  pk->bias = (int32_t *)(void *)at;
  at += up64(cp * sizeof(int32_t));
  pk->scale = (float *)(void *)at;
  at += up64(cp * sizeof(float));
  pk->zp_row = zp_bytes ? (uint8_t *)at : NULL;
  return pk;
}

static void set_channel(ecnn_q8_packed_neon *pk, size_t c, int32_t bias, int32_t mult,
                        int32_t shift) {
  pk->bias[c] = bias;
  pk->scale[c] = ecnn_q8_fscale(mult, shift);
  if (pk->scale[c] >= 1.0f) pk->big = true;
}

static inline int32_t wval(const ecnn_q8_conv_params *p, const void *w, size_t i) {
  return (p->w_u8 ? ((const uint8_t *)w)[i] : ((const int8_t *)w)[i]) - p->w_zp;
}

/* Whether the sdot layout takes p's weights (int8, zero point 0: w itself fits int8). */
static bool dot_takes(const ecnn_q8_conv_params *p, bool dot) {
  return dot && SDOT_BUILT && !p->w_u8 && p->w_zp == 0;
}

size_t ecnn_q8_conv2d_packed_bytes_neon(const ecnn_q8_conv_params *p, bool dot) {
  if (p->groups != 1) return 0;
  const size_t k = (size_t)p->kernel_h * p->kernel_w * p->in_c;
  const size_t cp = round_up((size_t)p->out_c, NB);
  const size_t wbytes = dot_takes(p, dot) ? cp * round_up(k, 16) : cp * round_up(k, 8) * 2;
  return layout_bytes(wbytes, cp, 0);
}

ecnn_q8_packed_neon *ecnn_q8_conv2d_pack_neon(const ecnn_q8_conv_params *p, const void *w,
                                              const int32_t *bias, const int32_t *mult,
                                              const int32_t *shift, bool dot, void *dst) {
  dot = dot_takes(p, dot);
  const size_t k = (size_t)p->kernel_h * p->kernel_w * p->in_c, C = (size_t)p->out_c;
  const size_t cp = round_up(C, NB), kp = round_up(k, dot ? 16 : 8);
  ecnn_q8_packed_neon *pk = layout(dst, cp * kp * (dot ? 1 : 2), cp, 0);
  pk->out_c = p->out_c;
  pk->k = (int32_t)k;
  pk->kp = (int32_t)kp;
  pk->dot = dot;
  /* the input zero point as the sdot kernel reads the input */
  const int64_t zx = p->u8 ? p->in_zp - 128 : p->in_zp;
  for (size_t o = 0; o < C; o++) {
    int64_t sum = 0;
    for (size_t r = 0; r < k; r++) {
      const int32_t v = wval(p, w, o * k + r);
      sum += v;
      if (dot) /* block o / 16 is [kp / 4][16][4]: input r of channel o at (r / 4, o % 16, r % 4) */
        ((int8_t *)pk->w)[(o / NB) * kp * NB + ((r / 4) * NB + o % NB) * 4 + r % 4] = (int8_t)v;
      else /* block o / 16 is [kp][16] */
        ((int16_t *)pk->w)[(o / NB) * kp * NB + r * NB + o % NB] = (int16_t)v;
    }
    const int64_t b = (int64_t)(bias ? bias[o] : 0) - (dot ? zx * sum : 0);
    set_channel(pk, o, (int32_t)(uint32_t)(uint64_t)b, mult[o], shift[o]);
  }
  return pk;
}

size_t ecnn_q8_dwconv2d_packed_bytes_neon(const ecnn_q8_conv_params *p) {
  const size_t taps = (size_t)p->kernel_h * p->kernel_w;
  if (p->depth_multiplier != 1 || p->in_c != p->out_c || taps > DW_MAX_TAPS) return 0;
  const size_t cp = round_up((size_t)p->out_c, NB);
  return layout_bytes(cp * taps * sizeof(int16_t), cp, cp + 16);
}

ecnn_q8_packed_neon *ecnn_q8_dwconv2d_pack_neon(const ecnn_q8_conv_params *p, const void *w,
                                                const int32_t *bias, const int32_t *mult,
                                                const int32_t *shift, void *dst) {
  const size_t taps = (size_t)p->kernel_h * p->kernel_w, C = (size_t)p->out_c;
  const size_t cp = round_up(C, NB);
  ecnn_q8_packed_neon *pk = layout(dst, cp * taps * sizeof(int16_t), cp, cp + 16);
  pk->out_c = p->out_c;
  pk->k = pk->kp = (int32_t)taps;
  for (size_t c = 0; c < C; c++) {
    for (size_t t = 0; t < taps; t++) /* [cp / 16][taps][16] */
      ((int16_t *)pk->w)[((c / NB) * taps + t) * NB + c % NB] = (int16_t)wval(p, w, t * C + c);
    set_channel(pk, c, bias ? bias[c] : 0, mult[c], shift[c]);
  }
  memset(pk->zp_row, p->in_zp, cp + 16);
  return pk;
}

/* ---- the choice of the sdot kernel -------------------------------------------------------- */

static int dot_state = -1; /* -1: not decided yet */

bool ecnn_q8_neon_dot_supported(void) {
#if SDOT_BUILT && defined(__linux__)
  return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#else
  return false;
#endif
}

bool ecnn_q8_neon_dot_set(bool on) {
  dot_state = on && ecnn_q8_neon_dot_supported();
  return dot_state;
}

bool ecnn_q8_neon_dot_active(void) {
  if (dot_state < 0) dot_state = ecnn_q8_neon_dot_supported();
  return dot_state;
}

/* ---- the NEON kernels ------------------------------------------------------------------- */

#if defined(__aarch64__)
#include "q8_neon.h"

#define INLINE __attribute__((always_inline)) static inline
#if defined(__ARM_FEATURE_DOTPROD)
#define DOTPROD
#else
#define DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))
#endif

enum {
  MR = 4,                   /* pixels of a tile */
  CHUNK_BYTES = 32768,      /* im2col rows per chunk: about L1 */
  CHUNK_MAX = 96,           /* pixels */
};

/* ---- requantization and output (q8_neon.h) ---- */

static ecnn_q8_out_neon make_out_consts(const ecnn_q8_conv_params *p) {
  return ecnn_q8_out_set_neon(p->out_zp, p->out_min, p->out_max);
}

/* The 16 accumulators of channels c.. of pk requantized to 16 output bytes. */
INLINE uint8x16_t requant16(const int32x4_t *acc, const ecnn_q8_packed_neon *pk, size_t c,
                            const ecnn_q8_out_neon *k, const bool big, const bool u8) {
  int32x4_t y[4];
  _Pragma("GCC unroll 4") for (int v = 0; v < 4; v++) y[v] =
      ecnn_q8_fround4_neon(acc[v], vld1q_f32(pk->scale + c + 4 * v), big);
  return ecnn_q8_finish16_neon(y[0], y[1], y[2], y[3], k, u8);
}

/* The 8 accumulators of channels c.. of pk requantized to 8 output bytes. */
INLINE uint8x8_t requant8(const int32x4_t *acc, const ecnn_q8_packed_neon *pk, size_t c,
                          const ecnn_q8_out_neon *k, const bool big, const bool u8) {
  int32x4_t y[2];
  _Pragma("GCC unroll 2") for (int v = 0; v < 2; v++) y[v] =
      ecnn_q8_fround4_neon(acc[v], vld1q_f32(pk->scale + c + 4 * v), big);
  return ecnn_q8_finish8_neon(y[0], y[1], k, u8);
}

/* ---- CONV_2D: im2col ---- */

/* The row of one pixel is lda elements: plain: int16 x - in_zp, 0 for padding; dot: int8 x
 * (uint8 x with the top bit flipped), zx for padding; zeros after the k inputs. */

/* n inputs of one run at s into the row at d. */
INLINE void put_run(void *d, const uint8_t *s, int32_t n, int32_t zp, const bool dot,
                    const bool u8) {
  int32_t i = 0;
  if (dot) {
    uint8_t *o = d;
    if (!u8) {
      memcpy(o, s, (size_t)n);
      return;
    }
    const uint8x16_t flip = vdupq_n_u8(0x80);
    for (; i + 16 <= n; i += 16) vst1q_u8(o + i, veorq_u8(vld1q_u8(s + i), flip));
    for (; i < n; i++) o[i] = s[i] ^ 0x80;
    return;
  }
  int16_t *o = d;
  if (u8) {
    const uint8x16_t z = vdupq_n_u8((uint8_t)zp);
    for (; i + 16 <= n; i += 16) {
      const uint8x16_t x = vld1q_u8(s + i);
      vst1q_s16(o + i, vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(x), vget_low_u8(z))));
      vst1q_s16(o + i + 8, vreinterpretq_s16_u16(vsubl_high_u8(x, z)));
    }
    for (; i < n; i++) o[i] = (int16_t)(s[i] - zp);
  } else {
    const int8x16_t z = vdupq_n_s8((int8_t)zp);
    for (; i + 16 <= n; i += 16) {
      const int8x16_t x = vld1q_s8((const int8_t *)s + i);
      vst1q_s16(o + i, vsubl_s8(vget_low_s8(x), vget_low_s8(z)));
      vst1q_s16(o + i + 8, vsubl_high_s8(x, z));
    }
    for (; i < n; i++) o[i] = (int16_t)((int8_t)s[i] - zp);
  }
}

/* n padded inputs into the row at d. */
INLINE void put_pad(void *d, int32_t n, uint8_t zx, const bool dot) {
  if (dot) memset(d, zx, (size_t)n);
  else memset(d, 0, (size_t)n * sizeof(int16_t));
}

/* The rows of the n pixels from the flat pixel px0 into rows (stride lda elements). */
INLINE void im2col(const ecnn_q8_conv_params *p, const uint8_t *in, int64_t px0, int32_t n,
                   void *rows, size_t lda, const bool dot, const bool u8) {
  const int32_t H = p->in_h, W = p->in_w, IC = p->in_c, KW = p->kernel_w;
  const size_t es = dot ? 1 : 2, k = (size_t)p->kernel_h * KW * IC;
  const uint8_t zx = (uint8_t)(p->in_zp ^ (u8 ? 0x80 : 0));
  for (int32_t j = 0; j < n; j++) {
    const int64_t px = px0 + j, rest = px / p->out_w;
    const int32_t ox = (int32_t)(px % p->out_w), oy = (int32_t)(rest % p->out_h);
    const size_t b = (size_t)(rest / p->out_h);
    char *row = (char *)rows + (size_t)j * lda * es;
    const int32_t ix0 = ox * p->stride_w - p->pad_left;
    const bool cols_in = p->dilation_w == 1 && ix0 >= 0 && ix0 + KW <= W;
    size_t pos = 0;
    for (int32_t ky = 0; ky < p->kernel_h; ky++) {
      const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
      if (iy < 0 || iy >= H) {
        put_pad(row + pos * es, KW * IC, zx, dot);
        pos += (size_t)KW * IC;
        continue;
      }
      const uint8_t *src = in + ((b * H + (size_t)iy) * W) * IC;
      if (cols_in) { /* the row's taps are one run */
        put_run(row + pos * es, src + (size_t)ix0 * IC, KW * IC, p->in_zp, dot, u8);
        pos += (size_t)KW * IC;
        continue;
      }
      for (int32_t kx = 0; kx < KW; kx++, pos += (size_t)IC) {
        const int32_t ix = ix0 + kx * p->dilation_w;
        if (ix < 0 || ix >= W) put_pad(row + pos * es, IC, zx, dot);
        else put_run(row + pos * es, src + (size_t)ix * IC, IC, p->in_zp, dot, u8);
      }
    }
    memset(row + k * es, 0, (lda - k) * es);
  }
}

static int32_t conv_chunk(size_t row_bytes) {
  size_t c = CHUNK_BYTES / row_bytes;
  c = c > CHUNK_MAX ? CHUNK_MAX : c;
  c = c / MR * MR;
  return c < MR ? MR : (int32_t)c;
}

size_t ecnn_q8_conv2d_scratch_bytes_neon(const ecnn_q8_conv_params *p,
                                         const ecnn_q8_packed_neon *pk) {
  (void)p;
  const size_t row = (size_t)pk->kp * (pk->dot ? 1 : 2);
  return (size_t)conv_chunk(row) * row + 64;
}

/* ---- CONV_2D: tiles ---- */

/* Tile rows j < n at a + j lda; rows past n repeat row 0 (computed, not stored). */
#define TILE_ROWS(T, a, lda, n)                                                                \
  const T *a0 = (a), *a1 = (a) + ((n) > 1 ? (lda) : 0), *a2 = (a) + ((n) > 2 ? 2 * (lda) : 0), \
          *a3 = (a) + ((n) > 3 ? 3 * (lda) : 0)

/* Requantizes the n x 16 tile acc (channels c0.. of pk) and stores its first cols channels. */
INLINE void tile_store(int32x4_t acc[MR][4], int32_t n, const ecnn_q8_packed_neon *pk,
                       int32_t c0, int32_t cols, const ecnn_q8_out_neon *k, uint8_t *out,
                       size_t ldo, const bool big, const bool u8) {
  _Pragma("GCC unroll 4") for (int32_t j = 0; j < MR; j++) {
    if (j >= n) break; /* (unrolled: acc stays in registers) */
    const uint8x16_t y = requant16(acc[j], pk, (size_t)c0, k, big, u8);
    if (cols == 16) {
      vst1q_u8(out + (size_t)j * ldo, y);
    } else {
      uint8_t buf[16];
      vst1q_u8(buf, y);
      memcpy(out + (size_t)j * ldo, buf, (size_t)cols);
    }
  }
}

INLINE void tile_init(int32x4_t acc[MR][4], const int32_t *bias) {
  _Pragma("GCC unroll 4") for (int v = 0; v < 4; v++) {
    const int32x4_t b = vld1q_s32(bias + 4 * v);
    _Pragma("GCC unroll 4") for (int j = 0; j < MR; j++) acc[j][v] = b;
  }
}

/* One input of pixel j (lane L of its 8 inputs xj) times the 16 weights w0, w1. */
#define MAC16(j, xj, L)                                                                        \
  acc[j][0] = vmlal_laneq_s16(acc[j][0], vget_low_s16(w0), xj, L);                             \
  acc[j][1] = vmlal_high_laneq_s16(acc[j][1], w0, xj, L);                                      \
  acc[j][2] = vmlal_laneq_s16(acc[j][2], vget_low_s16(w1), xj, L);                             \
  acc[j][3] = vmlal_high_laneq_s16(acc[j][3], w1, xj, L)
#define STEP16(L)                                                                              \
  do {                                                                                         \
    const int16x8_t w0 = vld1q_s16(w), w1 = vld1q_s16(w + 8);                                  \
    w += 16;                                                                                   \
    MAC16(0, x0, L);                                                                           \
    MAC16(1, x1, L);                                                                           \
    MAC16(2, x2, L);                                                                           \
    MAC16(3, x3, L);                                                                           \
  } while (0)

/* n (<= 4) pixels' int16 rows at a x the 16 channels of block w ([kp][16] int16), channels
 * c0.. of pk. */
INLINE void tile_plain(const int16_t *a, size_t lda, int32_t n, const int16_t *w, int32_t kp,
                       const ecnn_q8_packed_neon *pk, int32_t c0, int32_t cols,
                       const ecnn_q8_out_neon *k, uint8_t *out, size_t ldo, const bool big,
                       const bool u8) {
  TILE_ROWS(int16_t, a, lda, n);
  int32x4_t acc[MR][4];
  tile_init(acc, pk->bias + c0);
  for (int32_t kk = 0; kk < kp; kk += 8) {
    const int16x8_t x0 = vld1q_s16(a0 + kk), x1 = vld1q_s16(a1 + kk), x2 = vld1q_s16(a2 + kk),
                    x3 = vld1q_s16(a3 + kk);
    STEP16(0);
    STEP16(1);
    STEP16(2);
    STEP16(3);
    STEP16(4);
    STEP16(5);
    STEP16(6);
    STEP16(7);
  }
  tile_store(acc, n, pk, c0, cols, k, out, ldo, big, u8);
}
#undef STEP16
#undef MAC16

#if SDOT_BUILT
/* Inputs 4L..4L+3 of pixel j (the 4 bytes in lane L of xj) times 4 channels x 4 inputs. */
#define DSTEP(L)                                                                               \
  do {                                                                                         \
    const int8x16_t w0 = vld1q_s8(w), w1 = vld1q_s8(w + 16), w2 = vld1q_s8(w + 32),            \
                    w3 = vld1q_s8(w + 48);                                                     \
    w += 64;                                                                                   \
    __asm__("" : "+r"(w)); /* (keeps GCC from loading every step's weights at once: spills) */ \
    _Pragma("GCC unroll 4") for (int j = 0; j < MR; j++) {                                     \
      const int8x16_t xj = j == 0 ? x0 : j == 1 ? x1 : j == 2 ? x2 : x3;                       \
      acc[j][0] = vdotq_laneq_s32(acc[j][0], w0, xj, L);                                       \
      acc[j][1] = vdotq_laneq_s32(acc[j][1], w1, xj, L);                                       \
      acc[j][2] = vdotq_laneq_s32(acc[j][2], w2, xj, L);                                       \
      acc[j][3] = vdotq_laneq_s32(acc[j][3], w3, xj, L);                                       \
    }                                                                                          \
  } while (0)

/* n (<= 4) pixels' int8 rows at a x the 16 channels of block w ([kp / 4][16][4] int8). */
INLINE DOTPROD void tile_dot(const int8_t *a, size_t lda, int32_t n, const int8_t *w,
                             int32_t kp, const ecnn_q8_packed_neon *pk, int32_t c0,
                             int32_t cols, const ecnn_q8_out_neon *k, uint8_t *out, size_t ldo,
                             const bool big, const bool u8) {
  TILE_ROWS(int8_t, a, lda, n);
  int32x4_t acc[MR][4];
  tile_init(acc, pk->bias + c0);
  for (int32_t kk = 0; kk < kp; kk += 16) {
    const int8x16_t x0 = vld1q_s8(a0 + kk), x1 = vld1q_s8(a1 + kk), x2 = vld1q_s8(a2 + kk),
                    x3 = vld1q_s8(a3 + kk);
    DSTEP(0);
    DSTEP(1);
    DSTEP(2);
    DSTEP(3);
  }
  tile_store(acc, n, pk, c0, cols, k, out, ldo, big, u8);
}
#undef DSTEP
#endif /* SDOT_BUILT */
#undef TILE_ROWS

/* ---- CONV_2D: the kernels ---- */

INLINE void conv_body_plain(const ecnn_q8_conv_params *p, const ecnn_q8_packed_neon *pk,
                            const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,
                            int32_t nb1, void *scratch, const bool big, const bool u8) {
  const size_t lda = (size_t)pk->kp;
  const int32_t chunk = conv_chunk(lda * 2), OC = p->out_c;
  const ecnn_q8_out_neon k = make_out_consts(p);
  int16_t *rows = scratch;
  for (int64_t c = px0; c < px1; c += chunk) {
    const int32_t n = px1 - c < chunk ? (int32_t)(px1 - c) : chunk;
    im2col(p, in, c, n, rows, lda, false, u8);
    for (int32_t nb = nb0; nb < nb1; nb++) {
      const int32_t c0 = nb * NB, cols = OC - c0 < NB ? OC - c0 : NB;
      const int16_t *wb = (const int16_t *)pk->w + (size_t)nb * lda * NB;
      uint8_t *ob = (uint8_t *)out + (size_t)c * OC + c0;
      for (int32_t t = 0; t < n; t += MR)
        tile_plain(rows + (size_t)t * lda, lda, n - t < MR ? n - t : MR, wb, pk->kp, pk, c0,
                   cols, &k, ob + (size_t)t * OC, (size_t)OC, big, u8);
    }
  }
}

#if SDOT_BUILT
/* Whether the sdot kernel reads p's rows straight from the input: a pointwise int8 layer
 * (1x1, stride 1, no padding) whose channels are whole 16-byte vectors. */
static bool direct_rows(const ecnn_q8_conv_params *p, bool dot) {
  return dot && !p->u8 && p->kernel_h == 1 && p->kernel_w == 1 && p->stride_h == 1 &&
         p->stride_w == 1 && p->pad_top == 0 && p->pad_left == 0 && p->out_h == p->in_h &&
         p->out_w == p->in_w && p->in_c % 16 == 0;
}

INLINE DOTPROD void conv_body_dot(const ecnn_q8_conv_params *p, const ecnn_q8_packed_neon *pk,
                                  const void *in, void *out, int64_t px0, int64_t px1,
                                  int32_t nb0, int32_t nb1, void *scratch, const bool big,
                                  const bool u8) {
  const size_t lda = (size_t)pk->kp;
  const bool direct = direct_rows(p, true);
  const int32_t chunk = direct ? CHUNK_MAX : conv_chunk(lda), OC = p->out_c;
  const ecnn_q8_out_neon k = make_out_consts(p);
  for (int64_t c = px0; c < px1; c += chunk) {
    const int32_t n = px1 - c < chunk ? (int32_t)(px1 - c) : chunk;
    const int8_t *rows = scratch;
    if (direct) rows = (const int8_t *)in + (size_t)c * lda;
    else im2col(p, in, c, n, scratch, lda, true, u8);
    for (int32_t nb = nb0; nb < nb1; nb++) {
      const int32_t c0 = nb * NB, cols = OC - c0 < NB ? OC - c0 : NB;
      const int8_t *wb = (const int8_t *)pk->w + (size_t)nb * lda * NB;
      uint8_t *ob = (uint8_t *)out + (size_t)c * OC + c0;
      for (int32_t t = 0; t < n; t += MR)
        tile_dot(rows + (size_t)t * lda, lda, n - t < MR ? n - t : MR, wb, pk->kp, pk, c0, cols,
                 &k, ob + (size_t)t * OC, (size_t)OC, big, u8);
    }
  }
}
#endif /* SDOT_BUILT */

/* The variants with the output type and `big` (some scale >= 1) as literals. */
#define CONV_VARIANT(NAME, BODY, ATTR, BIG, U8)                                               \
  ATTR static void NAME(const ecnn_q8_conv_params *p, const ecnn_q8_packed_neon *pk,           \
                        const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,      \
                        int32_t nb1, void *scratch) {                                          \
    BODY(p, pk, in, out, px0, px1, nb0, nb1, scratch, BIG, U8);                                \
  }
#define NOATTR
CONV_VARIANT(plain_i8, conv_body_plain, NOATTR, false, false)
CONV_VARIANT(plain_i8_big, conv_body_plain, NOATTR, true, false)
CONV_VARIANT(plain_u8, conv_body_plain, NOATTR, false, true)
CONV_VARIANT(plain_u8_big, conv_body_plain, NOATTR, true, true)
#if SDOT_BUILT
CONV_VARIANT(dot_i8, conv_body_dot, DOTPROD, false, false)
CONV_VARIANT(dot_i8_big, conv_body_dot, DOTPROD, true, false)
CONV_VARIANT(dot_u8, conv_body_dot, DOTPROD, false, true)
CONV_VARIANT(dot_u8_big, conv_body_dot, DOTPROD, true, true)
#endif
#undef NOATTR
#undef CONV_VARIANT

void ecnn_q8_conv2d__neon(const ecnn_q8_conv_params *p, const ecnn_q8_packed_neon *pk,
                          const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,
                          int32_t nb1, void *scratch) {
  if (p->u8) (pk->big ? plain_u8_big : plain_u8)(p, pk, in, out, px0, px1, nb0, nb1, scratch);
  else (pk->big ? plain_i8_big : plain_i8)(p, pk, in, out, px0, px1, nb0, nb1, scratch);
}

void ecnn_q8_conv2d__neondot(const ecnn_q8_conv_params *p, const ecnn_q8_packed_neon *pk,
                             const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,
                             int32_t nb1, void *scratch) {
#if SDOT_BUILT
  if (p->u8) (pk->big ? dot_u8_big : dot_u8)(p, pk, in, out, px0, px1, nb0, nb1, scratch);
  else (pk->big ? dot_i8_big : dot_i8)(p, pk, in, out, px0, px1, nb0, nb1, scratch);
#else /* (pack never lays weights out for it here) */
  ecnn_q8_conv2d__neon(p, pk, in, out, px0, px1, nb0, nb1, scratch);
#endif
}

/* ---- DEPTHWISE_CONV_2D ---- */

/* 16 bytes at x widened to int16 with the zero point z taken off. */
INLINE void dw_widen16(const uint8_t *x, uint8x16_t z, int16x8_t *lo, int16x8_t *hi,
                       const bool u8) {
  const uint8x16_t v = vld1q_u8(x);
  if (u8) {
    *lo = vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(v), vget_low_u8(z)));
    *hi = vreinterpretq_s16_u16(vsubl_high_u8(v, z));
  } else {
    const int8x16_t s = vreinterpretq_s8_u8(v), zs = vreinterpretq_s8_u8(z);
    *lo = vsubl_s8(vget_low_s8(s), vget_low_s8(zs));
    *hi = vsubl_high_s8(s, zs);
  }
}

/* 8 bytes at x, likewise. */
INLINE int16x8_t dw_widen8(const uint8_t *x, uint8x16_t z, const bool u8) {
  const uint8x8_t v = vld1_u8(x);
  if (u8) return vreinterpretq_s16_u16(vsubl_u8(v, vget_low_u8(z)));
  return vsubl_s8(vreinterpret_s8_u8(v), vget_low_s8(vreinterpretq_s8_u8(z)));
}

/* One output pixel, its taps' inputs at x[t] (rows of C channels, or the zero point row);
 * taps a literal for 3x3 and 5x5. */
INLINE void dw_pixel(const ecnn_q8_packed_neon *pk, const uint8_t *const *x, const int32_t taps,
                     int32_t C, uint8x16_t z, const ecnn_q8_out_neon *k, uint8_t *o,
                     const bool big, const bool u8) {
  const int16_t *wall = pk->w;
  int32_t c = 0;
  for (; c + 16 <= C; c += 16) { /* full blocks */
    const int16_t *w = wall + (size_t)c * taps;
    int32x4_t acc[4];
    _Pragma("GCC unroll 4") for (int v = 0; v < 4; v++) acc[v] = vld1q_s32(pk->bias + c + 4 * v);
    _Pragma("GCC unroll 25") for (int32_t t = 0; t < taps; t++, w += 16) {
      int16x8_t xl, xh;
      dw_widen16(x[t] + c, z, &xl, &xh, u8);
      const int16x8_t wl = vld1q_s16(w), wh = vld1q_s16(w + 8);
      acc[0] = vmlal_s16(acc[0], vget_low_s16(xl), vget_low_s16(wl));
      acc[1] = vmlal_high_s16(acc[1], xl, wl);
      acc[2] = vmlal_s16(acc[2], vget_low_s16(xh), vget_low_s16(wh));
      acc[3] = vmlal_high_s16(acc[3], xh, wh);
    }
    vst1q_u8(o + c, requant16(acc, pk, (size_t)c, k, big, u8));
  }
  while (c < C) { /* 8 channels, then the last few through buffers */
    const int32_t rest = C - c < 8 ? C - c : 8;
    const int16_t *w = wall + (size_t)(c / 16 * 16) * taps + c % 16;
    int32x4_t acc[2];
    acc[0] = vld1q_s32(pk->bias + c), acc[1] = vld1q_s32(pk->bias + c + 4);
    for (int32_t t = 0; t < taps; t++, w += 16) {
      int16x8_t xv;
      if (rest == 8) {
        xv = dw_widen8(x[t] + c, z, u8);
      } else {
        uint8_t buf[8] = {0};
        memcpy(buf, x[t] + c, (size_t)rest);
        xv = dw_widen8(buf, z, u8);
      }
      const int16x8_t wv = vld1q_s16(w);
      acc[0] = vmlal_s16(acc[0], vget_low_s16(xv), vget_low_s16(wv));
      acc[1] = vmlal_high_s16(acc[1], xv, wv);
    }
    /* (c is a multiple of 8 below the padded out_c: its 8 lanes are in the arrays) */
    uint8_t buf[8];
    vst1_u8(buf, requant8(acc, pk, (size_t)c, k, big, u8));
    memcpy(o + c, buf, (size_t)rest);
    c += rest;
  }
}

/* Output rows [row0, row1) with taps a literal for 3x3 and 5x5. */
INLINE void dw_rows(const ecnn_q8_conv_params *p, const ecnn_q8_packed_neon *pk,
                    const uint8_t *in8, uint8_t *out, int32_t row0, int32_t row1,
                    const int32_t taps, const bool big, const bool u8) {
  const int32_t H = p->in_h, W = p->in_w, C = p->in_c, KH = p->kernel_h, KW = p->kernel_w;
  const size_t image = (size_t)H * W * C;
  const ecnn_q8_out_neon k = make_out_consts(p);
  const uint8x16_t z = vdupq_n_u8((uint8_t)p->in_zp);
  ptrdiff_t off[DW_MAX_TAPS];
  for (int32_t t = 0; t < taps; t++)
    off[t] = ((ptrdiff_t)(t / KW) * p->dilation_h * W + (ptrdiff_t)(t % KW) * p->dilation_w) * C;
  const uint8_t *x[DW_MAX_TAPS];
  for (int32_t r = row0; r < row1; r++) {
    const size_t b = (size_t)(r / p->out_h);
    const int32_t oy = r % p->out_h, iy0 = oy * p->stride_h - p->pad_top;
    const bool rows_in = iy0 >= 0 && iy0 + (KH - 1) * p->dilation_h < H;
    const uint8_t *img = in8 + b * image;
    uint8_t *orow = out + (size_t)r * p->out_w * C;
    for (int32_t ox = 0; ox < p->out_w; ox++) {
      const int32_t ix0 = ox * p->stride_w - p->pad_left;
      if (rows_in && ix0 >= 0 && ix0 + (KW - 1) * p->dilation_w < W) {
        const uint8_t *base = img + ((size_t)iy0 * W + (size_t)ix0) * C;
        _Pragma("GCC unroll 25") for (int32_t t = 0; t < taps; t++) x[t] = base + off[t];
      } else {
        for (int32_t t = 0; t < taps; t++) {
          const int64_t iy = iy0 + (int64_t)(t / KW) * p->dilation_h;
          const int64_t ix = ix0 + (int64_t)(t % KW) * p->dilation_w;
          x[t] = iy < 0 || iy >= H || ix < 0 || ix >= W
                     ? pk->zp_row
                     : img + ((size_t)iy * W + (size_t)ix) * C;
        }
      }
      dw_pixel(pk, x, taps, C, z, &k, orow + (size_t)ox * C, big, u8);
    }
  }
}

void ecnn_q8_dwconv2d__neon(const ecnn_q8_conv_params *p, const ecnn_q8_packed_neon *pk,
                            const void *in, void *out, int32_t row0, int32_t row1) {
  const int32_t taps = pk->k;
  const bool big = pk->big;
#define DW_CASE(TAPS, BIG, U8)                                                                 \
  if (taps == TAPS && big == BIG && p->u8 == U8) {                                             \
    dw_rows(p, pk, in, out, row0, row1, TAPS, BIG, U8);                                        \
    return;                                                                                    \
  }
  DW_CASE(9, false, false) /* 3x3, int8, every scale < 1: the common case */
  DW_CASE(25, false, false) /* 5x5 */
#undef DW_CASE
  dw_rows(p, pk, in, out, row0, row1, taps, big, p->u8);
}

#else /* not aarch64: isa.c never selects these */

size_t ecnn_q8_conv2d_scratch_bytes_neon(const ecnn_q8_conv_params *p,
                                         const ecnn_q8_packed_neon *pk) {
  (void)p, (void)pk;
  return 0;
}
void ecnn_q8_conv2d__neon(const ecnn_q8_conv_params *p, const ecnn_q8_packed_neon *pk,
                          const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,
                          int32_t nb1, void *scratch) {
  (void)p, (void)pk, (void)in, (void)out, (void)px0, (void)px1, (void)nb0, (void)nb1,
      (void)scratch;
}
void ecnn_q8_conv2d__neondot(const ecnn_q8_conv_params *p, const ecnn_q8_packed_neon *pk,
                             const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,
                             int32_t nb1, void *scratch) {
  (void)p, (void)pk, (void)in, (void)out, (void)px0, (void)px1, (void)nb0, (void)nb1,
      (void)scratch;
}
void ecnn_q8_dwconv2d__neon(const ecnn_q8_conv_params *p, const ecnn_q8_packed_neon *pk,
                            const void *in, void *out, int32_t row0, int32_t row1) {
  (void)p, (void)pk, (void)in, (void)out, (void)row0, (void)row1;
}

#endif /* __aarch64__ */
