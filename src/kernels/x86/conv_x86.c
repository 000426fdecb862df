/*
 * conv_x86.c — AVX2+FMA and AVX-512 kernels of CONV_2D (groups 1) and DEPTHWISE_CONV_2D
 * (multiplier 1), float32 NHWC, each the SIMD twin of the scalar kernel in conv_scalar.c.
 * CONV_2D reads weights packed once per model in 32-channel blocks, each [KH*KW*IC][32]
 * (ecnn_f32_conv2d_pack), and computes tiles of consecutive output pixels (flat over rows and
 * images, inputs found through conv_tile.h) x output channels: AVX-512 8 x 32 (16 zmm
 * accumulators) or 8 x 16 for a block of at most 16 channels; AVX2 (16 ymm registers) 6 x 16,
 * 5 x 16 or 4 x 24, with a 1x1 kernel of its own that can also add a residual. Per input
 * channel the weight vectors are loaded and each pixel's input broadcast; taps outside the
 * input read a zero row. The conv kernel takes a range of flat pixels and of channel blocks,
 * the depthwise kernel a range of output rows (batch * out_h), so a thread pool can split them.
 * Compiled with per-function target attributes; only called when isa.c says the CPU has them.
 * Three AVX2 hot loops are inline assembly (x86-64, AT&T) where GCC's code for the same
 * intrinsics kept pointers on the stack: the 3-channel 3x3 stride-2 first conv's interior
 * tiles, the 1x1 full tiles of 16-32 input channels, and the 3x3 depthwise's common groups;
 * the intrinsics handle every other case.
 */
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "../conv.h"
#include "../conv_tile.h"

#define ZERO_ROW 4096 /* input channels the zero row covers (larger: the caller uses scalar) */
static const float zero_row[ZERO_ROW];

/* One 32-channel output block ob over the flat pixels [px0, px1): tiles of MR pixels x NV
 * vectors of 16 channels (MR * NV accumulators: 8 x 2 for a full block, 8 x 1 for a block of
 * at most 16 channels; 12 x 2 left too few registers and spilled). Per tap, each pixel's input
 * row comes from conv_tile.h (direct rows for pointwise convolutions, a pointer and a stride
 * for one-row interior tiles); per input channel NV weight vectors are loaded and each pixel's
 * input broadcast. A macro so that MR and NV are literals: the accumulator array then has
 * exactly their size and lives in registers. */
#define CONV_BLOCK_AVX512(NAME, MR, NV)                                                         \
  __attribute__((target("avx512f,fma"))) static void NAME(                                      \
      const ecnn_conv_params *p, const float *in, const float *wp, const float *bp, float *out, \
      int64_t px0, int64_t px1, int32_t ob) {                                                   \
    const int32_t IC = p->in_c, OC = p->out_c;                                                  \
    const int32_t taps = p->kernel_h * p->kernel_w;                                             \
    const bool pointwise = ecnn_conv_is_pointwise(p);                                           \
    const int32_t left = OC - ob;                                                               \
    __mmask16 m[2];                                                                             \
    m[0] = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1);                                 \
    m[1] = left >= 32 ? 0xFFFF : left > 16 ? (__mmask16)((1u << (left - 16)) - 1) : 0;          \
    ecnn_tile_cursor cur = pointwise ? (ecnn_tile_cursor){0, 0, 0} : ecnn_tile_cursor_at(p, px0); \
    for (int64_t px = px0; px < px1; px += MR) {                                                \
      const int32_t n = px1 - px < MR ? (int32_t)(px1 - px) : MR;                               \
      ecnn_tile_origin org[MR];                                                                 \
      const bool interior = ecnn_tile_setup(p, in, &cur, n, pointwise, org);                      \
      __m512 acc[MR][NV];                                                                       \
      _Pragma("GCC unroll 24") for (int32_t j = 0; j < MR; j++)                                 \
          _Pragma("GCC unroll 2") for (int32_t v = 0; v < NV; v++) acc[j][v] =                  \
              _mm512_loadu_ps(bp + ob + 16 * v);                                                \
      const int32_t merge = ecnn_tile_merged_taps(p, interior);                               \
      for (int32_t t = 0, ky = 0, kx = 0; t < taps; t += merge) {                               \
        const float *x[MR];                                                                     \
        ecnn_tile_tap_rows(p, in, org, pointwise, interior, px, n, MR, ky, kx, zero_row, x);     \
        const float *w = wp + ((size_t)(ob / 32) * taps + t) * IC * 32 + ob % 32;               \
        if ((kx += merge) == p->kernel_w) kx = 0, ky++; /* the next tap (no division) */        \
        for (int32_t ic = 0; ic < IC * merge; ic++, w += 32) {                                  \
          __m512 wv[NV];                                                                        \
          _Pragma("GCC unroll 2") for (int32_t v = 0; v < NV; v++) wv[v] =                      \
              _mm512_loadu_ps(w + 16 * v);                                                      \
          _Pragma("GCC unroll 24") for (int32_t j = 0; j < MR; j++) {                           \
            const __m512 xv = _mm512_set1_ps(x[j][ic]);                                         \
            _Pragma("GCC unroll 2") for (int32_t v = 0; v < NV; v++) acc[j][v] =                \
                _mm512_fmadd_ps(xv, wv[v], acc[j][v]);                                          \
          }                                                                                     \
        }                                                                                       \
      }                                                                                         \
      const __m512 lo = _mm512_set1_ps(p->out_min), hi = _mm512_set1_ps(p->out_max);            \
      _Pragma("GCC unroll 24") for (int32_t j = 0; j < MR; j++) if (j < n)                      \
          _Pragma("GCC unroll 2") for (int32_t v = 0; v < NV; v++) if (m[v])                    \
              _mm512_mask_storeu_ps(out + (size_t)(px + j) * OC + ob + 16 * v, m[v],            \
                                    _mm512_min_ps(_mm512_max_ps(acc[j][v], lo), hi));           \
    }                                                                                           \
  }
CONV_BLOCK_AVX512(conv_block_wide_avx512, 8, 2)
CONV_BLOCK_AVX512(conv_block_narrow_avx512, 8, 1)

__attribute__((target("avx512f,fma"))) void
ecnn_f32_conv2d_packed__avx512(const ecnn_conv_params *p, const float *in, const float *wp,
                               const float *bp, float *out, int64_t px0, int64_t px1,
                               int32_t ob0, int32_t ob1) {
  for (int32_t ob = ob0; ob < ob1; ob++) {
    if (p->out_c - 32 * ob > 16)
      conv_block_wide_avx512(p, in, wp, bp, out, px0, px1, 32 * ob);
    else
      conv_block_narrow_avx512(p, in, wp, bp, out, px0, px1, 32 * ob);
  }
}

__attribute__((target("avx2,fma"))) static inline __m256i avx2_mask(int32_t left) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(left), idx);
}

/* The end of an AVX2 conv tile of MR pixels x NV vectors: the clamp to [lo, hi] (when bounded),
 * then the first n pixels stored, pixel j at o + j * OC, `left` channels from o on (masked
 * below NV * 8; full tiles store unchecked). */
__attribute__((always_inline, target("avx2,fma"))) static inline void
tile_store_avx2(__m256 (*acc)[3], float *o, int32_t OC, int32_t n, int32_t left, bool clamp,
                __m256 lo, __m256 hi, const int32_t MR, const int32_t NV) {
  if (clamp)
    _Pragma("GCC unroll 12") for (int32_t j = 0; j < MR; j++)
      _Pragma("GCC unroll 3") for (int32_t v = 0; v < NV; v++)
        acc[j][v] = _mm256_min_ps(_mm256_max_ps(acc[j][v], lo), hi);
  if (n == MR && left >= 8 * NV) {
    _Pragma("GCC unroll 12") for (int32_t j = 0; j < MR; j++)
      _Pragma("GCC unroll 3") for (int32_t v = 0; v < NV; v++)
        _mm256_storeu_ps(o + (size_t)j * OC + 8 * v, acc[j][v]);
    return;
  }
  _Pragma("GCC unroll 12") for (int32_t j = 0; j < MR; j++) if (j < n)
    _Pragma("GCC unroll 3") for (int32_t v = 0; v < NV; v++) if (left > 8 * v) {
      float *q = o + (size_t)j * OC + 8 * v;
      if (left >= 8 * v + 8)
        _mm256_storeu_ps(q, acc[j][v]);
      else
        _mm256_maskstore_ps(q, avx2_mask(left - 8 * v), acc[j][v]);
    }
}

/* The bytes of the next channel block each step of a tile prefetches when a block's weights
 * are gone through in `passes` tiles (conv_blocks_avx2 and the 1x1 kernels): the block's 128
 * bytes a step shared out over them, rounded up. Pass h starts at byte h * steps * adv. */
static inline size_t prefetch_share(int64_t passes) {
  return (size_t)(128 + passes - 1) / (size_t)passes;
}

/* Pieces of the assembly 6 x 16 tiles below (the first conv's and the short-input 1x1's):
 * ymm0-11 the accumulators (pixel j in ymm 2j and 2j + 1), ymm12-13 a step's weights, ymm14
 * the broadcast input. T6_INIT: the bias into every pixel. T6_PAIR: one pixel's input at
 * ADDR times both weight vectors. T6_STORE: the clamp (lo, hi) and the 12 stores, pixel j at
 * o + j * os (o3: o + 3 * os). */
#define T6_INIT                                                                                \
  "vmovups (%[bias]), %%ymm0\n\t"                                                              \
  "vmovups 32(%[bias]), %%ymm1\n\t"                                                            \
  "vmovaps %%ymm0, %%ymm2\n\t" "vmovaps %%ymm1, %%ymm3\n\t"                                    \
  "vmovaps %%ymm0, %%ymm4\n\t" "vmovaps %%ymm1, %%ymm5\n\t"                                    \
  "vmovaps %%ymm0, %%ymm6\n\t" "vmovaps %%ymm1, %%ymm7\n\t"                                    \
  "vmovaps %%ymm0, %%ymm8\n\t" "vmovaps %%ymm1, %%ymm9\n\t"                                    \
  "vmovaps %%ymm0, %%ymm10\n\t" "vmovaps %%ymm1, %%ymm11\n\t"
#define T6_PAIR(ADDR, A, B)                                                                    \
  "vbroadcastss " ADDR ", %%ymm14\n\t"                                                         \
  "vfmadd231ps %%ymm14, %%ymm12, %%ymm" #A "\n\t"                                              \
  "vfmadd231ps %%ymm14, %%ymm13, %%ymm" #B "\n\t"
#define T6_ST(A, ADDR)                                                                         \
  "vmaxps %%ymm12, %%ymm" #A ", %%ymm" #A "\n\t"                                               \
  "vminps %%ymm13, %%ymm" #A ", %%ymm" #A "\n\t"                                               \
  "vmovups %%ymm" #A ", " ADDR "\n\t"
#define T6_STORE                                                                               \
  "vbroadcastss %[lo], %%ymm12\n\t"                                                            \
  "vbroadcastss %[hi], %%ymm13\n\t"                                                            \
  "lea (%[o],%[os],2), %[o3]\n\t"                                                              \
  "add %[os], %[o3]\n\t"                                                                       \
  T6_ST(0, "(%[o])") T6_ST(1, "32(%[o])")                                                      \
  T6_ST(2, "(%[o],%[os],1)") T6_ST(3, "32(%[o],%[os],1)")                                      \
  T6_ST(4, "(%[o],%[os],2)") T6_ST(5, "32(%[o],%[os],2)")                                      \
  T6_ST(6, "(%[o3])") T6_ST(7, "32(%[o3])")                                                    \
  T6_ST(8, "(%[o3],%[os],1)") T6_ST(9, "32(%[o3],%[os],1)")                                    \
  T6_ST(10, "(%[o3],%[os],2)") T6_ST(11, "32(%[o3],%[os],2)")

/* The first layer of most MobileNets - 3 input channels, 3x3, stride 2 - on an interior tile
 * of 6 pixels x 16 channels, in assembly: its 27 steps unrolled, every input a displacement
 * from one pointer (the pixels are 24 bytes apart, a kernel row's 9 inputs contiguous, the
 * kernel rows rs bytes apart). GCC's tile took 72 ns, this one 57 (the first conv alone,
 * borders included, 34 -> 38 GMAC/s). r: pixel 0's tap (0, 0); w: the half-block's weights
 * ([27][32] floats, this half's 16 at w); bias: its 16; o: pixel 0's output, os bytes a
 * pixel; lo, hi: the clamp. */
#define F1_PX(J, A, B, K, ROW) T6_PAIR(#J "*24+" K "*4" ROW, A, B)
#define F1_STEP(KY, K, ROW)                                                                    \
  "vmovups (" KY "*9+" K ")*128(%[w]), %%ymm12\n\t"                                            \
  "vmovups (" KY "*9+" K ")*128+32(%[w]), %%ymm13\n\t"                                         \
  F1_PX(0, 0, 1, K, ROW) F1_PX(1, 2, 3, K, ROW) F1_PX(2, 4, 5, K, ROW)                         \
  F1_PX(3, 6, 7, K, ROW) F1_PX(4, 8, 9, K, ROW) F1_PX(5, 10, 11, K, ROW)
#define F1_KROW(KY, ROW)                                                                       \
  F1_STEP(KY, "0", ROW) F1_STEP(KY, "1", ROW) F1_STEP(KY, "2", ROW) F1_STEP(KY, "3", ROW)      \
  F1_STEP(KY, "4", ROW) F1_STEP(KY, "5", ROW) F1_STEP(KY, "6", ROW) F1_STEP(KY, "7", ROW)      \
  F1_STEP(KY, "8", ROW)

static void conv3x3s2c3_tile_asm(const float *r, size_t rs, const float *w, const float *bias,
                                 float *o, size_t os, float lo, float hi) {
  float *o3;
  __asm__ volatile(
      T6_INIT
      F1_KROW("0", "(%[r])") F1_KROW("1", "(%[r],%[rs],1)") F1_KROW("2", "(%[r],%[rs],2)")
      T6_STORE
      : [o3] "=&r"(o3)
      : [r] "r"(r), [rs] "r"(rs), [w] "r"(w), [bias] "r"(bias), [o] "r"(o), [os] "r"(os),
        [lo] "m"(lo), [hi] "m"(hi)
      : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
        "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14");
}
#undef F1_PX
#undef F1_STEP
#undef F1_KROW

/* AVX2, any kernel: one tile of MR output pixels (their origins in org, interior or not) x
 * NV * 8 channels at ob (MR * NV accumulators of the 16 ymm registers: 6 x 2, or 4 x 3 for a
 * last block of 17..24 channels), the bias at bias, the weights of the 32-channel block at
 * wblk, stored at o (pixel j at o + j * out_c; `left` channels from ob on, masked below NV * 8).
 * Per tap each pixel's input row comes from conv_tile.h (a kernel row at once on interior
 * tiles); per input channel NV weight vectors are loaded and each pixel's input broadcast.
 * Two prefetches a step: these weights 4 steps ahead (from L2: a deep input's block is more
 * than L1 holds), and the tile's share of the next block's at pf, advancing adv bytes a step
 * (see conv_blocks_avx2). */
__attribute__((always_inline, target("avx2,fma"))) static inline void
conv_tile_avx2(const ecnn_conv_params *p, const float *in, const ecnn_tile_origin *org,
               bool interior, int32_t n, const float *wblk, const char *pf, size_t adv,
               const float *bias, float *o, int32_t left, const int32_t MR, const int32_t NV) {
  const int32_t IC = p->in_c, OC = p->out_c, taps = p->kernel_h * p->kernel_w;
  if (MR == 6 && NV == 2 && interior && n == 6 && left >= 16 && IC == 3 && p->kernel_h == 3 &&
      p->kernel_w == 3 && p->stride_w == 2 && p->dilation_w == 1) {
    conv3x3s2c3_tile_asm(ecnn_tile_first(p, &org[0], 0, 0),
                         (size_t)p->dilation_h * p->in_w * IC * sizeof(float), wblk, bias, o,
                         (size_t)OC * sizeof(float), p->out_min, p->out_max);
    return;
  }
  __m256 acc[6][3];
  _Pragma("GCC unroll 3") for (int32_t v = 0; v < NV; v++) {
    const __m256 bv = _mm256_loadu_ps(bias + 8 * v);
    _Pragma("GCC unroll 6") for (int32_t j = 0; j < MR; j++) acc[j][v] = bv;
  }
  /* interior tiles read a kernel row's taps as one run (merge taps), their pixels' pointers
   * found once and moved down a row per kernel row: the tap lookup costs as much as the FMAs
   * when the run is short (3x3x3 first layers) */
  const int32_t merge = ecnn_tile_merged_taps(p, interior);
  const size_t down = (size_t)p->dilation_h * p->in_w * IC;
  const float *x[6] = {NULL};
  for (int32_t t = 0, ky = 0, kx = 0; t < taps; t += merge) {
    if (merge == 1 || t == 0)
      ecnn_tile_tap_rows(p, in, org, false, interior, 0, n, MR, ky, kx, zero_row, x);
    else
      _Pragma("GCC unroll 6") for (int32_t j = 0; j < MR; j++) x[j] += j < n ? down : 0;
    if ((kx += merge) == p->kernel_w) kx = 0, ky++; /* the next tap (no division) */
    const float *w = wblk + (size_t)t * IC * 32;
    for (int32_t ic = 0; ic < IC * merge; ic++, w += 32, pf += adv) {
      _mm_prefetch(pf, _MM_HINT_T0);
      _mm_prefetch((const char *)(w + 128), _MM_HINT_T0);
      __m256 wv[3];
      _Pragma("GCC unroll 3") for (int32_t v = 0; v < NV; v++) wv[v] = _mm256_loadu_ps(w + 8 * v);
      _Pragma("GCC unroll 6") for (int32_t j = 0; j < MR; j++) {
        const __m256 xv = _mm256_broadcast_ss(x[j] + ic);
        _Pragma("GCC unroll 3") for (int32_t v = 0; v < NV; v++) acc[j][v] =
            _mm256_fmadd_ps(xv, wv[v], acc[j][v]);
      }
    }
  }
  const __m256 lo = _mm256_set1_ps(p->out_min), hi = _mm256_set1_ps(p->out_max);
  tile_store_avx2(acc, o, OC, n, left, p->out_min > -INFINITY || p->out_max < INFINITY, lo, hi,
                  MR, NV);
}

/* AVX2, any kernel: the 32-channel blocks [ob0, ob1) over the flat pixels [px0, px1), tile by
 * tile (a tile's origins found once for both 16-channel halves of a block; a last block of
 * 17..24 channels in one 4 x 24 pass instead). */
__attribute__((target("avx2,fma"))) static void
conv_blocks_avx2(const ecnn_conv_params *p, const float *in, const float *wp, const float *bp,
                 float *out, int64_t px0, int64_t px1, int32_t ob0, int32_t ob1) {
  const int32_t OC = p->out_c;
  const size_t blk = (size_t)p->kernel_h * p->kernel_w * p->in_c * 32;
  /* tiles of 6 pixels, or of 5 when that covers the range in less time: a tile of n pixels
   * takes about max(n, 4) FMA cycles per input (below 4, the FMA latency shows), so 25 pixels
   * go faster as 5 x 5 than as 4 x 6 + 1 (the late 5x5 layer) */
  const int64_t npx = px1 - px0;
  const int64_t t6 = npx / 6 * 6 + (npx % 6 ? (npx % 6 > 4 ? npx % 6 : 4) : 0);
  const int64_t t5 = npx / 5 * 5 + (npx % 5 ? 4 : 0);
  const int32_t mr = t5 < t6 ? 5 : 6;
  /* the next block's weights are prefetched a little at every step of each of this block's
   * half-tiles (prefetch_share): fetched in one tile, as before, the 295 KB block of the 3x3
   * 10x10x256 -> 5x5x512 layer asked memory for more than it gave (0.93 -> 0.80 ms) */
  const size_t steps = blk / 32, adv = prefetch_share(2 * ((npx + mr - 1) / mr));
  for (int32_t ob = ob0; ob < ob1; ob++) {
    const float *wblk = wp + (size_t)ob * blk;
    const char *next = (const char *)(wblk + blk);
    const int32_t left = OC - 32 * ob;
    ecnn_tile_cursor cur = ecnn_tile_cursor_at(p, px0);
    ecnn_tile_origin org[6];
    int64_t h = 0; /* half-tiles so far */
    if (left > 16 && left <= 24) {
      for (int64_t px = px0; px < px1; px += 4, h++) {
        const int32_t n = px1 - px < 4 ? (int32_t)(px1 - px) : 4;
        const bool interior = ecnn_tile_setup(p, in, &cur, n, false, org);
        conv_tile_avx2(p, in, org, interior, n, wblk, next + (size_t)h * steps * adv, adv,
                       bp + 32 * ob, out + (size_t)px * OC + 32 * ob, left, 4, 3);
      }
      continue;
    }
    for (int64_t px = px0; px < px1; px += mr) {
      const int32_t n = px1 - px < mr ? (int32_t)(px1 - px) : mr;
      const bool interior = ecnn_tile_setup(p, in, &cur, n, false, org);
      for (int32_t c = 32 * ob; c < 32 * ob + 32 && c < OC; c += 16, h++) {
        const float *wc = wblk + c % 32;
        const char *pf = next + (size_t)h * steps * adv;
        float *o = out + (size_t)px * OC + c;
        if (mr == 6) conv_tile_avx2(p, in, org, interior, n, wc, pf, adv, bp + c, o, OC - c, 6, 2);
        else conv_tile_avx2(p, in, org, interior, n, wc, pf, adv, bp + c, o, OC - c, 5, 2);
      }
    }
  }
}

/* A full 6 x 16 tile of a 1x1 conv with a short input (K = 16, 24 or 32 channels: the
 * MobileNetV2 expansions' inputs), in assembly: its K steps unrolled by the assembler
 * (.rept), every input a displacement from the tile's first row (rows K * 4 bytes apart).
 * GCC's tile loop carried its per-pixel pointers on the stack from tile to tile; this tile
 * runs at 46 GMAC/s alone against 40 (K = 16) to 45 (K = 32). `tiles` consecutive tiles from
 * x: pixel 0's inputs; w: the half-block's weights ([K][32] floats, this half's 16 at w);
 * bias: its 16; o: pixel 0's output, os bytes a pixel; lo, hi: the clamp. */
#define PW_PAIR(J, A, B, K) T6_PAIR(#J "*" #K "*4+pwk_*4(%[x])", A, B)
#define PW_TILE_ASM(NAME, K)                                                                   \
  static void NAME(const float *x, const float *w, const float *bias, float *o, size_t os,    \
                   int64_t tiles, float lo, float hi) {                                        \
    float *o3;                                                                                 \
    __asm__ volatile(                                                                          \
        "1:\n\t"                                                                               \
        T6_INIT                                                                                \
        ".set pwk_, 0\n\t"                                                                     \
        ".rept " #K "\n\t"                                                                     \
        "vmovups pwk_*128(%[w]), %%ymm12\n\t"                                                  \
        "vmovups pwk_*128+32(%[w]), %%ymm13\n\t"                                               \
        PW_PAIR(0, 0, 1, K) PW_PAIR(1, 2, 3, K) PW_PAIR(2, 4, 5, K)                            \
        PW_PAIR(3, 6, 7, K) PW_PAIR(4, 8, 9, K) PW_PAIR(5, 10, 11, K)                          \
        ".set pwk_, pwk_+1\n\t"                                                                \
        ".endr\n\t"                                                                            \
        T6_STORE                                                                               \
        "add $6*" #K "*4, %[x]\n\t"                                                           \
        "lea (%[o3],%[os],2), %[o]\n\t"                                                        \
        "add %[os], %[o]\n\t"                                                                 \
        "dec %[n]\n\t"                                                                         \
        "jnz 1b\n\t"                                                                           \
        : [o3] "=&r"(o3), [x] "+r"(x), [o] "+r"(o), [n] "+r"(tiles)                            \
        : [w] "r"(w), [bias] "r"(bias), [os] "r"(os), [lo] "m"(lo), [hi] "m"(hi)               \
        : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",    \
          "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14");                                \
  }
PW_TILE_ASM(pw_tile_k16_asm, 16)
PW_TILE_ASM(pw_tile_k24_asm, 24)
PW_TILE_ASM(pw_tile_k32_asm, 32)
#undef PW_PAIR
#undef PW_TILE_ASM
#undef T6_INIT
#undef T6_PAIR
#undef T6_ST
#undef T6_STORE

/* AVX2, pointwise (1x1, stride 1, no padding: pixel px reads input row px): the per-tile work
 * cut to the bone, since a short input (16-64 channels) leaves only 16-64 iterations per tile
 * to pay for it. Row pointers of a short last tile repeat its last
 * row (computed, not stored), the bias stays in registers, the clamp is skipped when the
 * range is unbounded, and full tiles store without per-pixel checks. */
#define CONV_PW_AVX2(NAME, MR, NV)                                                             \
  __attribute__((target("avx2,fma"))) static void NAME(                                        \
      const ecnn_conv_params *p, const float *in, const float *wp, const float *bp, float *out, \
      const float *res, int64_t px0, int64_t px1, int32_t ob) {                                 \
    const int32_t IC = p->in_c, OC = p->out_c, left = OC - ob;                                  \
    const float *wb = wp + (size_t)(ob / 32) * IC * 32 + ob % 32;                               \
    /* the next block's weights, spread over the block's tiles (prefetch_share): those of   \
     * both 16-channel halves, the first half's tiles taking the first shares (a 24-channel  \
     * pass is a block's only one) */                                                          \
    const int64_t tiles = (px1 - px0 + MR - 1) / MR;                                           \
    const size_t adv = prefetch_share((NV == 2 ? 2 : 1) * tiles);                               \
    const char *pf = (const char *)(wp + (size_t)(ob / 32 + 1) * IC * 32) +                     \
                     (size_t)(ob % 32 ? tiles : 0) * IC * adv;                                  \
    const bool clamp = p->out_min > -INFINITY || p->out_max < INFINITY;                         \
    const __m256 lo = _mm256_set1_ps(p->out_min), hi = _mm256_set1_ps(p->out_max);            \
    const int64_t full = (px1 - px0) / MR;                                                      \
    if (MR == 6 && NV == 2 && left >= 16 && !res && full > 0 &&                                 \
        (IC == 16 || IC == 24 || IC == 32)) { /* a short input's full tiles: assembly */        \
      const float *x0 = in + (size_t)px0 * IC;                                                  \
      float *o0 = out + (size_t)px0 * OC + ob;                                                  \
      const size_t os = (size_t)OC * sizeof(float);                                             \
      if (IC == 16) pw_tile_k16_asm(x0, wb, bp + ob, o0, os, full, p->out_min, p->out_max);     \
      else if (IC == 24) pw_tile_k24_asm(x0, wb, bp + ob, o0, os, full, p->out_min, p->out_max); \
      else pw_tile_k32_asm(x0, wb, bp + ob, o0, os, full, p->out_min, p->out_max);              \
      pf += (size_t)full * IC * adv;                                                            \
      px0 += full * MR;                                                                         \
    }                                                                                           \
    for (int64_t px = px0; px < px1; px += MR) {                                                \
      const int32_t n = px1 - px < MR ? (int32_t)(px1 - px) : MR;                               \
      const float *x[MR];                                                                       \
      _Pragma("GCC unroll 12") for (int32_t j = 0; j < MR; j++) x[j] =                          \
          in + (size_t)(px + (j < n ? j : n - 1)) * IC;                                         \
      __m256 acc[MR][3];                                                                        \
      _Pragma("GCC unroll 12") for (int32_t j = 0; j < MR; j++)                                 \
          _Pragma("GCC unroll 3") for (int32_t v = 0; v < NV; v++) acc[j][v] =                  \
              _mm256_loadu_ps(bp + ob + 8 * v);                                                 \
      const float *w = wb;                                                                      \
      for (int32_t ic = 0; ic < IC; ic++, w += 32, pf += adv) {                                 \
        _mm_prefetch(pf, _MM_HINT_T0);                                                          \
        _mm_prefetch((const char *)(w + 128), _MM_HINT_T0);                                     \
        __m256 wv[NV];                                                                          \
        _Pragma("GCC unroll 3") for (int32_t v = 0; v < NV; v++) wv[v] = _mm256_loadu_ps(w + 8 * v); \
        _Pragma("GCC unroll 12") for (int32_t j = 0; j < MR; j++) {                             \
          const __m256 xv = _mm256_broadcast_ss(x[j] + ic);                                     \
          _Pragma("GCC unroll 3") for (int32_t v = 0; v < NV; v++) acc[j][v] =                  \
              _mm256_fmadd_ps(xv, wv[v], acc[j][v]);                                            \
        }                                                                                       \
      }                                                                                         \
      if (res) { /* a fused residual ADD: its operand, laid out as the output */               \
        const float *r = res + (size_t)px * OC + ob;                                            \
        _Pragma("GCC unroll 12") for (int32_t j = 0; j < MR; j++) if (j < n)                    \
            _Pragma("GCC unroll 3") for (int32_t v = 0; v < NV; v++) if (left > 8 * v)          \
                acc[j][v] = _mm256_add_ps(acc[j][v],                                            \
                    left >= 8 * v + 8 ? _mm256_loadu_ps(r + (size_t)j * OC + 8 * v)             \
                        : _mm256_maskload_ps(r + (size_t)j * OC + 8 * v, avx2_mask(left - 8 * v))); \
      }                                                                                         \
      tile_store_avx2(acc, out + (size_t)px * OC + ob, OC, n, left, clamp, lo, hi, MR, NV);   \
    }                                                                                           \
  }
CONV_PW_AVX2(conv_pw_wide_avx2, 6, 2)
CONV_PW_AVX2(conv_pw_24_avx2, 4, 3)
CONV_PW_AVX2(conv_pw_narrow_avx2, 12, 1)

__attribute__((target("avx2,fma"))) void
ecnn_f32_conv2d_packed__avx2(const ecnn_conv_params *p, const float *in, const float *wp,
                             const float *bp, float *out, int64_t px0, int64_t px1, int32_t ob0,
                             int32_t ob1) {
  if (!ecnn_conv_is_pointwise(p)) {
    conv_blocks_avx2(p, in, wp, bp, out, px0, px1, ob0, ob1);
    return;
  }
  ecnn_f32_conv2d_pw_add__avx2(p, in, wp, bp, NULL, out, px0, px1, ob0, ob1);
}

__attribute__((target("avx2,fma"))) void
ecnn_f32_conv2d_pw_add__avx2(const ecnn_conv_params *p, const float *in, const float *wp,
                             const float *bp, const float *res, float *out, int64_t px0,
                             int64_t px1, int32_t ob0, int32_t ob1) {
  for (int32_t ob = 32 * ob0; ob < 32 * ob1 && ob < p->out_c;) {
    const int32_t left = p->out_c - ob;
    if (ob % 32 == 0 && left > 16 && left <= 24) { /* a last block of 17..24: one 4 x 24 pass */
      conv_pw_24_avx2(p, in, wp, bp, out, res, px0, px1, ob);
      ob += 24;
    } else if (left > 8) {
      conv_pw_wide_avx2(p, in, wp, bp, out, res, px0, px1, ob);
      ob += 16;
    } else {
      conv_pw_narrow_avx2(p, in, wp, bp, out, res, px0, px1, ob);
      ob += 16;
    }
  }
}

/* Four interior depthwise output pixels x 16 channels, KH x KW taps at horizontal stride S
 * (literals after inlining): each input row's (4 - 1) * S + KW pixels are loaded once and
 * serve every tap that reads them, instead of one load per tap and pixel (loads, not FMAs,
 * bound this kernel). Weights from wv (3x3, in registers) or from wl ([taps][C], at the
 * block's channel). */
__attribute__((always_inline, target("avx512f,fma"))) static inline void
dw_rows_reuse_avx512(const float *x0, size_t rs, int32_t C, __mmask16 m, const __m512 *wv,
                     const float *wl, const int32_t KH, const int32_t KW, const int32_t S,
                     __m512 *a0, __m512 *a1, __m512 *a2, __m512 *a3) {
  __m512 acc[4] = {*a0, *a1, *a2, *a3};
  _Pragma("GCC unroll 5") for (int32_t ky = 0; ky < KH; ky++) {
    __m512 x[3 * 2 + 5];
    _Pragma("GCC unroll 11") for (int32_t i = 0; i < 3 * S + KW; i++)
      x[i] = _mm512_maskz_loadu_ps(m, x0 + ky * rs + (size_t)i * C);
    _Pragma("GCC unroll 5") for (int32_t kx = 0; kx < KW; kx++) {
      const __m512 wt =
          wv ? wv[ky * KW + kx] : _mm512_maskz_loadu_ps(m, wl + (size_t)(ky * KW + kx) * C);
      _Pragma("GCC unroll 4") for (int32_t j = 0; j < 4; j++)
        acc[j] = _mm512_fmadd_ps(x[j * S + kx], wt, acc[j]);
    }
  }
  *a0 = acc[0], *a1 = acc[1], *a2 = acc[2], *a3 = acc[3];
}

__attribute__((target("avx512f,fma"))) void
ecnn_f32_dwconv2d_rows__avx512(const ecnn_conv_params *p, const float *in, const float *w,
                               const float *bias, float *out, int32_t row0, int32_t row1) {
  /* channel block outermost: the block's (up to 3x3) weights stay in registers for the row */
  const int32_t C = p->out_c, taps = p->kernel_h * p->kernel_w;
  const __m512 lo = _mm512_set1_ps(p->out_min), hi = _mm512_set1_ps(p->out_max);
  for (int32_t row = row0; row < row1; row++) {
    const int32_t b = row / p->out_h, oy = row % p->out_h;
    for (int32_t c = 0; c < C; c += 16) {
      const __mmask16 m = C - c >= 16 ? 0xFFFF : (__mmask16)((1u << (C - c)) - 1);
      const __m512 bv = bias ? _mm512_maskz_loadu_ps(m, bias + c) : _mm512_setzero_ps();
      __m512 wv[9];
      _Pragma("GCC unroll 9") for (int32_t t = 0; t < 9; t++)
        wv[t] = t < taps ? _mm512_maskz_loadu_ps(m, w + (size_t)t * C + c) : _mm512_setzero_ps();
      /* 3x3 without dilation, output row fully inside vertically: interior pixels take an
       * unrolled path, 4 pixels at a time (independent FMA chains); the rest the general one */
      const int64_t iy0 = (int64_t)oy * p->stride_h - p->pad_top;
      const int32_t KH = p->kernel_h, KW = p->kernel_w;
      const bool fast_rows = p->dilation_h == 1 && p->dilation_w == 1 && iy0 >= 0 &&
                             iy0 + KH - 1 < p->in_h;
      int32_t ox_lo = p->out_w, ox_hi = p->out_w;
      if (fast_rows) {
        /* interior: ox * sw - pl >= 0 and ox * sw - pl + KW - 1 <= in_w - 1 */
        ox_lo = (p->pad_left + p->stride_w - 1) / p->stride_w;
        ox_hi =
            p->in_w - KW + p->pad_left >= 0 ? (p->in_w - KW + p->pad_left) / p->stride_w + 1 : 0;
        if (ox_hi > p->out_w) ox_hi = p->out_w;
        if (ox_lo > ox_hi) ox_lo = ox_hi;
      }
      const float *r0 =
          fast_rows ? in + ((size_t)b * p->in_h + (size_t)iy0) * p->in_w * C + c : NULL;
      const size_t rs = (size_t)p->in_w * C, ps = (size_t)p->stride_w * C;
      for (int32_t ox = 0; ox < p->out_w; ox++) {
        if (ox == ox_lo && ox < ox_hi) {
          for (; ox + 4 <= ox_hi; ox += 4) {
            const float *x0 = r0 + ((size_t)ox * p->stride_w - p->pad_left) * C;
            __m512 a0 = bv, a1 = bv, a2 = bv, a3 = bv;
            if (KH == 3 && KW == 3 && p->stride_w == 1)
              dw_rows_reuse_avx512(x0, rs, C, m, wv, NULL, 3, 3, 1, &a0, &a1, &a2, &a3);
            else if (KH == 3 && KW == 3 && p->stride_w == 2)
              dw_rows_reuse_avx512(x0, rs, C, m, wv, NULL, 3, 3, 2, &a0, &a1, &a2, &a3);
            else if (KH == 5 && KW == 5 && p->stride_w == 1)
              dw_rows_reuse_avx512(x0, rs, C, m, NULL, w + c, 5, 5, 1, &a0, &a1, &a2, &a3);
            else if (KH == 5 && KW == 5 && p->stride_w == 2)
              dw_rows_reuse_avx512(x0, rs, C, m, NULL, w + c, 5, 5, 2, &a0, &a1, &a2, &a3);
            else
              for (int32_t ky = 0; ky < KH; ky++)
                for (int32_t kx = 0; kx < KW; kx++) {
                  const __m512 wt = _mm512_maskz_loadu_ps(m, w + (size_t)(ky * KW + kx) * C + c);
                  const float *q = x0 + ky * rs + (size_t)kx * C;
                  a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q), wt, a0);
                  a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + ps), wt, a1);
                  a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + 2 * ps), wt, a2);
                  a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + 3 * ps), wt, a3);
                }
            float *o = out + ((size_t)row * p->out_w + ox) * C + c;
            if (m == 0xFFFF) {
              _mm512_storeu_ps(o, _mm512_min_ps(_mm512_max_ps(a0, lo), hi));
              _mm512_storeu_ps(o + C, _mm512_min_ps(_mm512_max_ps(a1, lo), hi));
              _mm512_storeu_ps(o + 2 * (size_t)C, _mm512_min_ps(_mm512_max_ps(a2, lo), hi));
              _mm512_storeu_ps(o + 3 * (size_t)C, _mm512_min_ps(_mm512_max_ps(a3, lo), hi));
            } else {
            _mm512_mask_storeu_ps(o, m, _mm512_min_ps(_mm512_max_ps(a0, lo), hi));
            _mm512_mask_storeu_ps(o + C, m, _mm512_min_ps(_mm512_max_ps(a1, lo), hi));
            _mm512_mask_storeu_ps(o + 2 * (size_t)C, m, _mm512_min_ps(_mm512_max_ps(a2, lo), hi));
            _mm512_mask_storeu_ps(o + 3 * (size_t)C, m, _mm512_min_ps(_mm512_max_ps(a3, lo), hi));
            }
          }
          if (ox >= p->out_w) break;
        }
        /* border pixels (and dilated kernels): up to 4 at a time, ending where the interior
         * starts; taps in the padding are masked-off loads (they read nothing and add zero),
         * so these pixels keep four independent FMA chains too */
        int32_t n = p->out_w - ox < 4 ? p->out_w - ox : 4;
        if (ox < ox_lo && ox_lo - ox < n) n = ox_lo - ox;
        if (n == 1) { /* a lone pixel: its in-bounds taps only */
          __m512 acc = bv;
          for (int32_t ky = 0; ky < p->kernel_h; ky++) {
            const int64_t iy = (int64_t)oy * p->stride_h - p->pad_top + (int64_t)ky * p->dilation_h;
            if (iy < 0 || iy >= p->in_h) continue;
            const float *irow = in + ((size_t)b * p->in_h + (size_t)iy) * p->in_w * C + c;
            for (int32_t kx = 0; kx < p->kernel_w; kx++) {
              const int64_t ix =
                  (int64_t)ox * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
              if (ix < 0 || ix >= p->in_w) continue;
              const int32_t t = ky * p->kernel_w + kx;
              const __m512 wt = taps <= 9 ? wv[t] : _mm512_maskz_loadu_ps(m, w + (size_t)t * C + c);
              acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, irow + (size_t)ix * C), wt, acc);
            }
          }
          _mm512_mask_storeu_ps(out + ((size_t)row * p->out_w + ox) * C + c, m,
                                _mm512_min_ps(_mm512_max_ps(acc, lo), hi));
          continue;
        }
        __m512 b0 = bv, b1 = bv, b2 = bv, b3 = bv;
        for (int32_t ky = 0; ky < p->kernel_h; ky++) {
          const int64_t iy = (int64_t)oy * p->stride_h - p->pad_top + (int64_t)ky * p->dilation_h;
          if (iy < 0 || iy >= p->in_h) continue;
          const float *irow = in + ((size_t)b * p->in_h + (size_t)iy) * p->in_w * C + c;
          for (int32_t kx = 0; kx < p->kernel_w; kx++) {
            const int32_t t = ky * p->kernel_w + kx;
            const __m512 wt = taps <= 9 ? wv[t] : _mm512_maskz_loadu_ps(m, w + (size_t)t * C + c);
            const int64_t ix =
                (int64_t)ox * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
#define DW_BORDER(j, acc)                                                                        \
  do {                                                                                           \
    const int64_t x = ix + (int64_t)(j)*p->stride_w;                                             \
    const bool ok = x >= 0 && x < p->in_w;                                                       \
    if ((j) < n)                                                                                 \
      acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(ok ? m : 0, ok ? irow + (size_t)x * C : irow), \
                            wt, acc);                                                            \
  } while (0)
            DW_BORDER(0, b0);
            DW_BORDER(1, b1);
            DW_BORDER(2, b2);
            DW_BORDER(3, b3);
#undef DW_BORDER
          }
        }
        float *o = out + ((size_t)row * p->out_w + ox) * C + c;
        _mm512_mask_storeu_ps(o, m, _mm512_min_ps(_mm512_max_ps(b0, lo), hi));
        if (n > 1) _mm512_mask_storeu_ps(o + C, m, _mm512_min_ps(_mm512_max_ps(b1, lo), hi));
        if (n > 2)
          _mm512_mask_storeu_ps(o + 2 * (size_t)C, m, _mm512_min_ps(_mm512_max_ps(b2, lo), hi));
        if (n > 3)
          _mm512_mask_storeu_ps(o + 3 * (size_t)C, m, _mm512_min_ps(_mm512_max_ps(b3, lo), hi));
        ox += n - 1; /* the loop adds the last one */
      }
    }
  }
}

/* AVX2 depthwise. Every load and store is a plain one on full 8-channel blocks: masked
 * loads, and above all masked stores (microcoded on AMD), only for a last partial block. */
__attribute__((always_inline, target("avx2,fma"))) static inline __m256 dw_ld8(const float *p,
                                                                               bool full,
                                                                               __m256i m) {
  return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m);
}

__attribute__((always_inline, target("avx2,fma"))) static inline void
dw_st8(float *p, __m256 v, __m256 lo, __m256 hi, bool full, __m256i m) {
  v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
  if (full)
    _mm256_storeu_ps(p, v);
  else
    _mm256_maskstore_ps(p, m, v);
}

/* NP (8 or 4) output pixels of one row x 8 channels, KH x KW taps at horizontal stride S (all
 * literals after inlining). r[ky] is input row ky at the block's channel (NULL: a row of the
 * vertical padding, skipped); the group's first tap column is ix0. Per row, its KW weights
 * are loaded, then each of the row's (NP - 1) * S + KW inputs once and added to every pixel
 * whose taps read it; with EDGE, columns outside the input are skipped (they add zero), so the
 * border pixels take this path too. Eight pixels give eight independent FMA chains: four left
 * the FMA latency of the 9-deep chains exposed and ran at about half the rate. */
__attribute__((always_inline, target("avx2,fma"))) static inline void
dw_group_avx2(const float *const *r, int32_t C, int32_t in_w, int64_t ix0, const float *w,
              bool full, __m256i m, const int32_t NP, const int32_t KH, const int32_t KW,
              const int32_t S, const bool EDGE, __m256 *acc) {
  /* with EDGE, the steps i whose column ix0 + i lies inside the input */
  const int64_t i_lo = ix0 < 0 ? -ix0 : 0, i_hi = in_w - ix0;
  _Pragma("GCC unroll 5") for (int32_t ky = 0; ky < KH; ky++) {
    if (!r[ky]) continue;
    __m256 wv[5];
    _Pragma("GCC unroll 5") for (int32_t kx = 0; kx < KW; kx++) wv[kx] =
        dw_ld8(w + (size_t)(ky * KW + kx) * C, full, m);
    int64_t off = ix0 * C; /* the input column of step i, as an offset from r[ky] */
    /* interior: column i at base[i / 3] + (i % 3) * sb, one addressing mode per load */
    const size_t sb = (size_t)C * sizeof(float);
    const char *base[9];
    if (!EDGE)
      _Pragma("GCC unroll 9") for (int32_t k = 0; k < 9; k++) base[k] =
          (const char *)(r[ky] + off) + (size_t)(3 * k) * sb;
    _Pragma("GCC unroll 24") for (int32_t i = 0; i < (NP - 1) * S + KW; i++, off += C) {
      if (EDGE && (i < i_lo || i >= i_hi)) continue;
      __m256 x = EDGE ? dw_ld8(r[ky] + off, full, m)
                      : dw_ld8((const float *)(base[i / 3] + (size_t)(i % 3) * sb), full, m);
      __asm__("" : "+x"(x)); /* one load serves every FMA below (GCC would fold one per FMA) */
      _Pragma("GCC unroll 8") for (int32_t j = 0; j < NP; j++) {
        const int32_t kx = i - j * S;
        if (kx >= 0 && kx < KW) acc[j] = _mm256_fmadd_ps(x, wv[kx], acc[j]);
      }
    }
  }
}

/* The common cases by far, written out in assembly: eight interior pixels of a 3x3 depthwise
 * at stride 1 or 2, every full 8-channel block (nblk of them) from channel 0 on. r0..r2: the
 * three input rows at the group's first tap column; w: the weights ([9][C], taps in rows of
 * three); o: the first output pixel; sb: a pixel's bytes (C * 4); lo, hi: the clamp. Per
 * block, each of a row's 10 (stride 2: 17) input columns is loaded once and feeds the pixels
 * that read it, as dw_group_avx2 does; GCC's code for that kept the group's 20-odd addresses
 * on the stack and shuffled registers (about 190 instructions a group, 55-60 cycles; this is
 * 130 and about 40 on data in L1). Registers: ymm0-7 the pixels, ymm8-10 a kernel row's
 * weights, ymm11-13 input columns, ymm14-15 the clamp; t first holds a row's weights, then
 * t and u its columns 3, 6, 9, ... in turn (one addressing mode per load: base, base + sb,
 * base + 2 sb), and at the end the fourth output pixel. A row's first group at stride 1,
 * whose column -1 is the padding, has a variant of its own (the rows then start at column 0). */
/* A kernel row's three weights into ymm8-10 (W: the instruction that points t at them), and
 * a row's bases t = R + 3 sb, u = R + 6 sb. */
#define DW_WEIGHTS(W)                                                                          \
  W "vmovups (%[t]), %%ymm8\n\t"                                                               \
  "vmovups (%[t],%[sb],1), %%ymm9\n\t"                                                         \
  "vmovups (%[t],%[sb],2), %%ymm10\n\t"
#define DW_BASES(R)                                                                            \
  "lea (%[" R "],%[s3],1), %[t]\n\t"                                                           \
  "lea (%[t],%[s3],1), %[u]\n\t"
#define DW_ROW_S1(R, W)                                                                         \
  DW_WEIGHTS(W) DW_BASES(R)                                                                    \
  "vmovups (%[" R "]), %%ymm11\n\t"                                                            \
  "vfmadd231ps %%ymm11, %%ymm8, %%ymm0\n\t"                                                    \
  "vmovups (%[" R "],%[sb],1), %%ymm12\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm8, %%ymm1\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm9, %%ymm0\n\t"                                                    \
  "vmovups (%[" R "],%[sb],2), %%ymm13\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm8, %%ymm2\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm9, %%ymm1\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm10, %%ymm0\n\t"                                                   \
  "vmovups (%[t]), %%ymm11\n\t"                                                                \
  "vfmadd231ps %%ymm11, %%ymm8, %%ymm3\n\t"                                                    \
  "vfmadd231ps %%ymm11, %%ymm9, %%ymm2\n\t"                                                    \
  "vfmadd231ps %%ymm11, %%ymm10, %%ymm1\n\t"                                                   \
  "vmovups (%[t],%[sb],1), %%ymm12\n\t"                                                        \
  "vfmadd231ps %%ymm12, %%ymm8, %%ymm4\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm9, %%ymm3\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm10, %%ymm2\n\t"                                                   \
  "vmovups (%[t],%[sb],2), %%ymm13\n\t"                                                        \
  "vfmadd231ps %%ymm13, %%ymm8, %%ymm5\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm9, %%ymm4\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm10, %%ymm3\n\t"                                                   \
  "vmovups (%[u]), %%ymm11\n\t"                                                                \
  "vfmadd231ps %%ymm11, %%ymm8, %%ymm6\n\t"                                                    \
  "vfmadd231ps %%ymm11, %%ymm9, %%ymm5\n\t"                                                    \
  "vfmadd231ps %%ymm11, %%ymm10, %%ymm4\n\t"                                                   \
  "vmovups (%[u],%[sb],1), %%ymm12\n\t"                                                        \
  "vfmadd231ps %%ymm12, %%ymm8, %%ymm7\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm9, %%ymm6\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm10, %%ymm5\n\t"                                                   \
  "vmovups (%[u],%[sb],2), %%ymm13\n\t"                                                        \
  "vfmadd231ps %%ymm13, %%ymm9, %%ymm7\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm10, %%ymm6\n\t"                                                   \
  "vmovups (%[t],%[s3],2), %%ymm11\n\t"                                                        \
  "vfmadd231ps %%ymm11, %%ymm10, %%ymm7\n\t"
#define DW_STORE(J, IDX)                                                                       \
  "vmaxps %%ymm14, %%ymm" #J ", %%ymm" #J "\n\t"                                               \
  "vminps %%ymm15, %%ymm" #J ", %%ymm" #J "\n\t"                                               \
  "vmovups %%ymm" #J ", " IDX "\n\t"

#define DW_ROW_S2(R, W)                                                                        \
  DW_WEIGHTS(W)                                                                                \
  "vmovups (%[" R "]), %%ymm11\n\t"                                                            \
  "vfmadd231ps %%ymm11, %%ymm8, %%ymm0\n\t"                                                    \
  "vmovups (%[" R "],%[sb],1), %%ymm12\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm9, %%ymm0\n\t"                                                    \
  "vmovups (%[" R "],%[sb],2), %%ymm13\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm8, %%ymm1\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm10, %%ymm0\n\t"                                                   \
  "lea (%[" R "],%[s3],1), %[t]\n\t"                                                           \
  "vmovups (%[t]), %%ymm11\n\t"                                                                \
  "vfmadd231ps %%ymm11, %%ymm9, %%ymm1\n\t"                                                    \
  "vmovups (%[t],%[sb],1), %%ymm12\n\t"                                                        \
  "vfmadd231ps %%ymm12, %%ymm8, %%ymm2\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm10, %%ymm1\n\t"                                                   \
  "vmovups (%[t],%[sb],2), %%ymm13\n\t"                                                        \
  "vfmadd231ps %%ymm13, %%ymm9, %%ymm2\n\t"                                                    \
  "lea (%[t],%[s3],1), %[u]\n\t"                                                               \
  "vmovups (%[u]), %%ymm11\n\t"                                                                \
  "vfmadd231ps %%ymm11, %%ymm8, %%ymm3\n\t"                                                    \
  "vfmadd231ps %%ymm11, %%ymm10, %%ymm2\n\t"                                                   \
  "vmovups (%[u],%[sb],1), %%ymm12\n\t"                                                        \
  "vfmadd231ps %%ymm12, %%ymm9, %%ymm3\n\t"                                                    \
  "vmovups (%[u],%[sb],2), %%ymm13\n\t"                                                        \
  "vfmadd231ps %%ymm13, %%ymm8, %%ymm4\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm10, %%ymm3\n\t"                                                   \
  "lea (%[u],%[s3],1), %[t]\n\t"                                                               \
  "vmovups (%[t]), %%ymm11\n\t"                                                                \
  "vfmadd231ps %%ymm11, %%ymm9, %%ymm4\n\t"                                                    \
  "vmovups (%[t],%[sb],1), %%ymm12\n\t"                                                        \
  "vfmadd231ps %%ymm12, %%ymm8, %%ymm5\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm10, %%ymm4\n\t"                                                   \
  "vmovups (%[t],%[sb],2), %%ymm13\n\t"                                                        \
  "vfmadd231ps %%ymm13, %%ymm9, %%ymm5\n\t"                                                    \
  "lea (%[t],%[s3],1), %[u]\n\t"                                                               \
  "vmovups (%[u]), %%ymm11\n\t"                                                                \
  "vfmadd231ps %%ymm11, %%ymm8, %%ymm6\n\t"                                                    \
  "vfmadd231ps %%ymm11, %%ymm10, %%ymm5\n\t"                                                   \
  "vmovups (%[u],%[sb],1), %%ymm12\n\t"                                                        \
  "vfmadd231ps %%ymm12, %%ymm9, %%ymm6\n\t"                                                    \
  "vmovups (%[u],%[sb],2), %%ymm13\n\t"                                                        \
  "vfmadd231ps %%ymm13, %%ymm8, %%ymm7\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm10, %%ymm6\n\t"                                                   \
  "lea (%[u],%[s3],1), %[t]\n\t"                                                               \
  "vmovups (%[t]), %%ymm11\n\t"                                                                \
  "vfmadd231ps %%ymm11, %%ymm9, %%ymm7\n\t"                                                    \
  "vmovups (%[t],%[sb],1), %%ymm12\n\t"                                                        \
  "vfmadd231ps %%ymm12, %%ymm10, %%ymm7\n\t"

#define DW_ROW_S1L(R, W)                                                                       \
  DW_WEIGHTS(W) DW_BASES(R)                                                                    \
  "vmovups (%[" R "]), %%ymm12\n\t"                                                            \
  "vfmadd231ps %%ymm12, %%ymm8, %%ymm1\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm9, %%ymm0\n\t"                                                    \
  "vmovups (%[" R "],%[sb],1), %%ymm13\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm8, %%ymm2\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm9, %%ymm1\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm10, %%ymm0\n\t"                                                   \
  "vmovups (%[" R "],%[sb],2), %%ymm11\n\t"                                                    \
  "vfmadd231ps %%ymm11, %%ymm8, %%ymm3\n\t"                                                    \
  "vfmadd231ps %%ymm11, %%ymm9, %%ymm2\n\t"                                                    \
  "vfmadd231ps %%ymm11, %%ymm10, %%ymm1\n\t"                                                   \
  "vmovups (%[t]), %%ymm12\n\t"                                                                \
  "vfmadd231ps %%ymm12, %%ymm8, %%ymm4\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm9, %%ymm3\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm10, %%ymm2\n\t"                                                   \
  "vmovups (%[t],%[sb],1), %%ymm13\n\t"                                                        \
  "vfmadd231ps %%ymm13, %%ymm8, %%ymm5\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm9, %%ymm4\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm10, %%ymm3\n\t"                                                   \
  "vmovups (%[t],%[sb],2), %%ymm11\n\t"                                                        \
  "vfmadd231ps %%ymm11, %%ymm8, %%ymm6\n\t"                                                    \
  "vfmadd231ps %%ymm11, %%ymm9, %%ymm5\n\t"                                                    \
  "vfmadd231ps %%ymm11, %%ymm10, %%ymm4\n\t"                                                   \
  "vmovups (%[u]), %%ymm12\n\t"                                                                \
  "vfmadd231ps %%ymm12, %%ymm8, %%ymm7\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm9, %%ymm6\n\t"                                                    \
  "vfmadd231ps %%ymm12, %%ymm10, %%ymm5\n\t"                                                   \
  "vmovups (%[u],%[sb],1), %%ymm13\n\t"                                                        \
  "vfmadd231ps %%ymm13, %%ymm9, %%ymm7\n\t"                                                    \
  "vfmadd231ps %%ymm13, %%ymm10, %%ymm6\n\t"                                                   \
  "vmovups (%[u],%[sb],2), %%ymm11\n\t"                                                        \
  "vfmadd231ps %%ymm11, %%ymm10, %%ymm7\n\t"

#define DW_GROUP8_ASM(NAME, DW_ROW)                                                            \
  static void NAME(const float *r0, const float *r1, const float *r2, const float *w,          \
                   const float *bias, float *o, size_t sb, int64_t nblk, float lo, float hi) {    \
  const float *t, *u;                                                                          \
  const size_t s3 = 3 * sb;                                                                    \
  __asm__ volatile(                                                                            \
      "vbroadcastss %[lo], %%ymm14\n\t"                                                        \
      "vbroadcastss %[hi], %%ymm15\n\t"                                                        \
      "1:\n\t"                                                                                 \
      "vmovups (%[bias]), %%ymm0\n\t"                                                          \
      "vmovaps %%ymm0, %%ymm1\n\t"                                                             \
      "vmovaps %%ymm0, %%ymm2\n\t"                                                             \
      "vmovaps %%ymm0, %%ymm3\n\t"                                                             \
      "vmovaps %%ymm0, %%ymm4\n\t"                                                             \
      "vmovaps %%ymm0, %%ymm5\n\t"                                                             \
      "vmovaps %%ymm0, %%ymm6\n\t"                                                             \
      "vmovaps %%ymm0, %%ymm7\n\t"                                                             \
      DW_ROW("r0", "mov %[w], %[t]\n\t")                                                       \
      DW_ROW("r1", "lea (%[w],%[s3],1), %[t]\n\t")                                             \
      DW_ROW("r2", "lea (%[w],%[s3],2), %[t]\n\t")                                             \
      "lea (%[o],%[s3],1), %[t]\n\t"                                                           \
      DW_STORE(0, "(%[o])") DW_STORE(1, "(%[o],%[sb],1)") DW_STORE(2, "(%[o],%[sb],2)")        \
      DW_STORE(3, "(%[t])") DW_STORE(4, "(%[t],%[sb],1)") DW_STORE(5, "(%[t],%[sb],2)")        \
      DW_STORE(6, "(%[t],%[s3],1)") DW_STORE(7, "(%[t],%[sb],4)")                              \
      "add $32, %[r0]\n\t"                                                                     \
      "add $32, %[r1]\n\t"                                                                     \
      "add $32, %[r2]\n\t"                                                                     \
      "add $32, %[w]\n\t"                                                                      \
      "add $32, %[bias]\n\t"                                                                   \
      "add $32, %[o]\n\t"                                                                      \
      "dec %[n]\n\t"                                                                           \
      "jnz 1b\n\t"                                                                             \
      : [r0] "+r"(r0), [r1] "+r"(r1), [r2] "+r"(r2), [w] "+r"(w), [bias] "+r"(bias),           \
        [o] "+r"(o), [n] "+r"(nblk), [t] "=&r"(t), [u] "=&r"(u)                                \
      : [sb] "r"(sb), [s3] "r"(s3), [lo] "m"(lo), [hi] "m"(hi)                                 \
      : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", \
        "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");                         \
}
DW_GROUP8_ASM(dw3x3s1_group8_asm, DW_ROW_S1)
DW_GROUP8_ASM(dw3x3s2_group8_asm, DW_ROW_S2)
DW_GROUP8_ASM(dw3x3s1l_group8_asm, DW_ROW_S1L) /* a row's first group: its column -1 padding */
#undef DW_WEIGHTS
#undef DW_BASES
#undef DW_ROW_S1
#undef DW_ROW_S2
#undef DW_ROW_S1L
#undef DW_GROUP8_ASM
#undef DW_STORE

/* Output pixels [ox, ox + n) (n <= NP) of one row, every channel: per 8-channel block, the
 * bias, the group of dw_group_avx2, the clamp, the stores (masked for a last partial block). */
__attribute__((always_inline, target("avx2,fma"))) static inline void
dw_pixels_avx2(const ecnn_conv_params *p, const float *const *rows, const float *w,
               const float *bias, float *o, int64_t ix0, int32_t n, const int32_t NP,
               const int32_t K, const int32_t S, const bool EDGE) {
  const int32_t C = p->out_c;
  const __m256 lo = _mm256_set1_ps(p->out_min), hi = _mm256_set1_ps(p->out_max);
  int32_t c = 0;
  if (K == 3 && NP == 8 && n == 8 && bias && C >= 8 && rows[0] && rows[1] && rows[2] &&
      (!EDGE || (S == 1 && ix0 == -1 && p->in_w > 8))) {
    const size_t sb = (size_t)C * sizeof(float);
    const size_t at = EDGE ? 0 : (size_t)ix0 * C; /* EDGE: the row's first pixel */
    if (EDGE)
      dw3x3s1l_group8_asm(rows[0], rows[1], rows[2], w, bias, o, sb, C / 8, p->out_min,
                          p->out_max);
    else if (S == 1)
      dw3x3s1_group8_asm(rows[0] + at, rows[1] + at, rows[2] + at, w, bias, o, sb, C / 8,
                         p->out_min, p->out_max);
    else
      dw3x3s2_group8_asm(rows[0] + at, rows[1] + at, rows[2] + at, w, bias, o, sb, C / 8,
                         p->out_min, p->out_max);
    c = C / 8 * 8;
  }
  for (; c < C; c += 8) {
    const bool full = C - c >= 8;
    const __m256i m = avx2_mask(C - c);
    const __m256 bv = bias ? dw_ld8(bias + c, full, m) : _mm256_setzero_ps();
    const float *r[5]; /* K <= 5 */
    _Pragma("GCC unroll 5") for (int32_t ky = 0; ky < K; ky++) r[ky] = rows[ky] ? rows[ky] + c : NULL;
    __m256 acc[8];
    _Pragma("GCC unroll 8") for (int32_t j = 0; j < NP; j++) acc[j] = bv;
    if (full)
      dw_group_avx2(r, C, p->in_w, ix0, w + c, true, m, NP, K, K, S, EDGE, acc);
    else
      dw_group_avx2(r, C, p->in_w, ix0, w + c, false, m, NP, K, K, S, EDGE, acc);
    _Pragma("GCC unroll 8") for (int32_t j = 0; j < NP; j++) if (j < n)
      dw_st8(o + (size_t)j * C + c, acc[j], lo, hi, full, m);
  }
}

/* One output row of a 3x3 or 5x5 (K) depthwise at stride S without dilation: pixels in groups
 * of eight (four at the end), each group over all channels before the next (its input pixels'
 * channels are contiguous: whole cache lines, in order). */
__attribute__((always_inline, target("avx2,fma"))) static inline void
dw_row_avx2(const ecnn_conv_params *p, const float *img, int64_t iy0, const float *w,
            const float *bias, float *orow, int32_t ox_lo, int32_t ox_hi, const int32_t K,
            const int32_t S) {
  const int32_t C = p->out_c;
  const float *rows[5];
  for (int32_t ky = 0; ky < K; ky++) {
    const int64_t iy = iy0 + ky;
    rows[ky] = iy >= 0 && iy < p->in_h ? img + (size_t)iy * p->in_w * C : NULL;
  }
  for (int32_t ox = 0; ox < p->out_w;) {
    const int32_t left = p->out_w - ox;
    const int32_t np = left > 4 ? 8 : 4, n = left < np ? left : np;
    const int64_t ix0 = (int64_t)ox * S - p->pad_left;
    const bool edge = ox < ox_lo || ox + np > ox_hi;
    float *o = orow + (size_t)ox * C;
    if (np == 8 && !edge) dw_pixels_avx2(p, rows, w, bias, o, ix0, n, 8, K, S, false);
    else if (np == 8) dw_pixels_avx2(p, rows, w, bias, o, ix0, n, 8, K, S, true);
    else if (!edge) dw_pixels_avx2(p, rows, w, bias, o, ix0, n, 4, K, S, false);
    else dw_pixels_avx2(p, rows, w, bias, o, ix0, n, 4, K, S, true);
    ox += n;
  }
}

/* Any other depthwise (dilated, other kernel sizes): each pixel alone over its in-bounds taps. */
__attribute__((target("avx2,fma"))) static void
dw_row_general_avx2(const ecnn_conv_params *p, const float *img, int64_t iy0, const float *w,
                    const float *bias, float *orow) {
  const int32_t C = p->out_c, KH = p->kernel_h, KW = p->kernel_w;
  const __m256 lo = _mm256_set1_ps(p->out_min), hi = _mm256_set1_ps(p->out_max);
  for (int32_t c = 0; c < C; c += 8) {
    const bool full = C - c >= 8;
    const __m256i m = avx2_mask(C - c);
    const __m256 bv = bias ? dw_ld8(bias + c, full, m) : _mm256_setzero_ps();
    for (int32_t ox = 0; ox < p->out_w; ox++) {
      __m256 acc = bv;
      for (int32_t ky = 0; ky < KH; ky++) {
        const int64_t iy = iy0 + (int64_t)ky * p->dilation_h;
        if (iy < 0 || iy >= p->in_h) continue;
        const float *irow = img + (size_t)iy * p->in_w * C;
        for (int32_t kx = 0; kx < KW; kx++) {
          const int64_t ix = (int64_t)ox * p->stride_w - p->pad_left + (int64_t)kx * p->dilation_w;
          if (ix < 0 || ix >= p->in_w) continue;
          acc = _mm256_fmadd_ps(dw_ld8(irow + (size_t)ix * C + c, full, m),
                                dw_ld8(w + ((size_t)ky * KW + kx) * C + c, full, m), acc);
        }
      }
      dw_st8(orow + (size_t)ox * C + c, acc, lo, hi, full, m);
    }
  }
}

__attribute__((target("avx2,fma"))) void
ecnn_f32_dwconv2d_rows__avx2(const ecnn_conv_params *p, const float *in, const float *w,
                             const float *bias, float *out, int32_t row0, int32_t row1) {
  const int32_t C = p->out_c, K = p->kernel_h, S = p->stride_w;
  const bool fast = p->dilation_h == 1 && p->dilation_w == 1 && K == p->kernel_w &&
                    (K == 3 || K == 5) && (S == 1 || S == 2);
  /* the pixels whose taps all lie inside the input horizontally */
  int32_t ox_lo = (p->pad_left + S - 1) / S;
  int32_t ox_hi = p->in_w - K + p->pad_left >= 0 ? (p->in_w - K + p->pad_left) / S + 1 : 0;
  if (ox_hi > p->out_w) ox_hi = p->out_w;
  if (ox_lo > ox_hi) ox_lo = ox_hi;
  for (int32_t row = row0; row < row1; row++) {
    const int32_t b = row / p->out_h, oy = row % p->out_h;
    const float *img = in + (size_t)b * p->in_h * p->in_w * C;
    const int64_t iy0 = (int64_t)oy * p->stride_h - p->pad_top;
    float *orow = out + (size_t)row * p->out_w * C;
    if (!fast) dw_row_general_avx2(p, img, iy0, w, bias, orow);
    else if (K == 3 && S == 1) dw_row_avx2(p, img, iy0, w, bias, orow, ox_lo, ox_hi, 3, 1);
    else if (K == 3) dw_row_avx2(p, img, iy0, w, bias, orow, ox_lo, ox_hi, 3, 2);
    else if (S == 1) dw_row_avx2(p, img, iy0, w, bias, orow, ox_lo, ox_hi, 5, 1);
    else dw_row_avx2(p, img, iy0, w, bias, orow, ox_lo, ox_hi, 5, 2);
  }
}

/* ---- 1x1 on pruned weights -------------------------------------------------------------
 * A channel block's steps are only its listed rows (input channels whose 32 weights are not
 * all zero), each pixel's input read through the row index; 6 x 16 tiles as the dense kernel
 * (fma(x, 0, acc) == acc: the same sums in the same order, so the same bits). */
__attribute__((target("avx2,fma"))) void
ecnn_f32_conv2d_pw_sparse__avx2(const ecnn_conv_params *p, const float *in, const float *wp,
                                const float *bp, const int32_t *rows, float *out, int64_t px0,
                                int64_t px1, int32_t ob0, int32_t ob1) {
  const int32_t IC = p->in_c, OC = p->out_c, nob = (OC + 31) / 32;
  const int32_t *index = rows + nob + 1;
  const __m256 lo = _mm256_set1_ps(p->out_min), hi = _mm256_set1_ps(p->out_max);
  const bool clamp = p->out_min > -INFINITY || p->out_max < INFINITY;
  for (int32_t ob = ob0; ob < ob1; ob++) {
    const int32_t *ks = index + rows[ob], nk = rows[ob + 1] - rows[ob];
    const float *wb = wp + (size_t)ob * IC * 32;
    /* a tile's 6 input pixels serve both halves of the block while they are in L1 */
    for (int64_t px = px0; px < px1; px += 6) {
      const int32_t n = px1 - px < 6 ? (int32_t)(px1 - px) : 6;
      const float *x = in + (size_t)px * IC;
      for (int32_t half = 0; half < 2 && 32 * ob + 16 * half < OC; half++) {
        const int32_t c0 = 32 * ob + 16 * half;
        const float *w = wb + 16 * half;
        __m256 acc[6][3];
        _Pragma("GCC unroll 6") for (int32_t j = 0; j < 6; j++)
          acc[j][0] = _mm256_loadu_ps(bp + c0), acc[j][1] = _mm256_loadu_ps(bp + c0 + 8);
        if (n == 6) {
          for (int32_t s = 0; s < nk; s++) {
            const int32_t k = ks[s];
            /* the rows are irregular: the hardware prefetcher does not follow them */
            _mm_prefetch((const char *)(w + (size_t)ks[s + 4 < nk ? s + 4 : s] * 32), _MM_HINT_T0);
            const __m256 w0 = _mm256_load_ps(w + (size_t)k * 32),
                         w1 = _mm256_load_ps(w + (size_t)k * 32 + 8);
            _Pragma("GCC unroll 6") for (int32_t j = 0; j < 6; j++) {
              const __m256 xv = _mm256_broadcast_ss(x + (size_t)j * IC + k);
              acc[j][0] = _mm256_fmadd_ps(xv, w0, acc[j][0]);
              acc[j][1] = _mm256_fmadd_ps(xv, w1, acc[j][1]);
            }
          }
        } else {
          for (int32_t s = 0; s < nk; s++) {
            const int32_t k = ks[s];
            const __m256 w0 = _mm256_load_ps(w + (size_t)k * 32),
                         w1 = _mm256_load_ps(w + (size_t)k * 32 + 8);
            /* constant indices once unrolled: the accumulators stay in registers */
            _Pragma("GCC unroll 6") for (int32_t j = 0; j < 6; j++) if (j < n) {
              const __m256 xv = _mm256_broadcast_ss(x + (size_t)j * IC + k);
              acc[j][0] = _mm256_fmadd_ps(xv, w0, acc[j][0]);
              acc[j][1] = _mm256_fmadd_ps(xv, w1, acc[j][1]);
            }
          }
        }
        tile_store_avx2(acc, out + (size_t)px * OC + c0, OC, n, OC - c0, clamp, lo, hi, 6, 2);
      }
    }
  }
}

int32_t ecnn_conv_packed_max_ic(void) { return ZERO_ROW; }

#else /* not x86-64: isa.c never selects these */
#include "../conv.h"

#if defined(__aarch64__)
int32_t ecnn_conv_packed_max_ic(void) { return 4096; } /* the NEON kernels' zero row */
#else
int32_t ecnn_conv_packed_max_ic(void) { return 0; }
#endif
#define UNUSED_CONV(name)                                                                      \
  void name(const ecnn_conv_params *p, const float *in, const float *wp, const float *bp,      \
            float *out, int64_t px0, int64_t px1, int32_t ob0, int32_t ob1) {                  \
    (void)p, (void)in, (void)wp, (void)bp, (void)out, (void)px0, (void)px1, (void)ob0, (void)ob1; \
  }
#define UNUSED_DW(name)                                                                        \
  void name(const ecnn_conv_params *p, const float *in, const float *w, const float *b,        \
            float *out, int32_t r0, int32_t r1) {                                              \
    (void)p, (void)in, (void)w, (void)b, (void)out, (void)r0, (void)r1;                        \
  }
UNUSED_CONV(ecnn_f32_conv2d_packed__avx512)
UNUSED_CONV(ecnn_f32_conv2d_packed__avx2)
void ecnn_f32_conv2d_pw_add__avx2(const ecnn_conv_params *p, const float *in, const float *wp,
                                  const float *bp, const float *res, float *out, int64_t px0,
                                  int64_t px1, int32_t ob0, int32_t ob1) {
  (void)p, (void)in, (void)wp, (void)bp, (void)res, (void)out, (void)px0, (void)px1, (void)ob0,
      (void)ob1;
}
void ecnn_f32_conv2d_pw_sparse__avx2(const ecnn_conv_params *p, const float *in,
                                     const float *wp, const float *bp, const int32_t *rows,
                                     float *out, int64_t px0, int64_t px1, int32_t ob0,
                                     int32_t ob1) {
  (void)p, (void)in, (void)wp, (void)bp, (void)rows, (void)out, (void)px0, (void)px1,
      (void)ob0, (void)ob1;
}
UNUSED_DW(ecnn_f32_dwconv2d_rows__avx512)
UNUSED_DW(ecnn_f32_dwconv2d_rows__avx2)
#endif /* __x86_64__ */
