/*
 * q8_conv.h — quantized (int8 / uint8) CONV_2D and DEPTHWISE_CONV_2D kernels with TFLite's
 * integer semantics, graph-agnostic: every size, zero point and clamp comes in the params
 * struct, already validated by the op's prepare (src/ops/q8/q8_ops.c).
 *
 *   acc = bias[o] + sum over the taps inside the input of (x - in_zp) * (w - w_zp)
 *   out = clamp(fround(acc, fscale(mult[o], shift[o])) + out_zp, out_min, out_max)
 *
 * fround and fscale are the convolutions' single-precision requantization of
 * src/ops/q8/quant.h (as TensorFlow Lite's XNNPACK path computes it); taps in the padding
 * contribute nothing (as if the input were padded with in_zp). The accumulator wraps modulo
 * 2^32 (the SIMD kernels' int32 lanes do; real models stay far inside int32), and the zero
 * point is added exactly before the clamp. The scalar kernels (suffix __scalar,
 * src/kernels/scalar/q8_conv_scalar.c) are the oracle; the AVX2 kernels (suffix __avx2,
 * src/kernels/x86/q8_conv_x86.c), the AVX-512 VNNI kernels (suffix __avx512vnni,
 * src/kernels/x86/q8_conv_vnni.c and q8_dwconv_vnni.c) and the ARM64 NEON kernels (suffixes __neon and __neondot,
 * src/kernels/arm/q8_conv_neon.c) are bit-identical to them on every input.
 *
 * Layouts: activations dense NHWC; CONV_2D weights [out_c, kernel_h, kernel_w, in_c / groups];
 * DEPTHWISE weights [1, kernel_h, kernel_w, in_c * depth_multiplier]; bias int32 [out_c] (may
 * be NULL: zero); mult / shift int32 [out_c] (ecnn_quantize_multiplier's q and shift).
 * Pointers are borrowed for the call only; input and output must not overlap.
 */
#ifndef ECNN_KERNELS_Q8_CONV_H
#define ECNN_KERNELS_Q8_CONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ops/q8/quant.h"

/* Geometry and quantization of one quantized convolution. */
typedef struct ecnn_q8_conv_params {
  int32_t batch;                  /* >= 0 */
  int32_t in_h, in_w, in_c;       /* input [batch, in_h, in_w, in_c], all >= 1 */
  int32_t out_h, out_w, out_c;    /* output [batch, out_h, out_w, out_c], all >= 1 */
  int32_t kernel_h, kernel_w;     /* >= 1 */
  int32_t stride_h, stride_w;     /* >= 1 */
  int32_t dilation_h, dilation_w; /* >= 1 */
  int32_t pad_top, pad_left;      /* leading padding in pixels, >= 0; trailing is implied */
  int32_t groups;                 /* CONV_2D: in_c and out_c are multiples of it */
  int32_t depth_multiplier;       /* DEPTHWISE: out_c == in_c * depth_multiplier */
  int32_t in_zp, w_zp, out_zp;    /* zero points, in the range of their element types */
  int32_t out_min, out_max;       /* clamp (fused activation), inside the output type's range */
  bool u8;                        /* activations uint8 (else int8) */
  bool w_u8;                      /* weights uint8 (else int8) */
} ecnn_q8_conv_params;

/* The scalar kernels' requantization of one accumulator (see the file comment). */
static inline int32_t ecnn_q8_requantize(int32_t acc, int32_t mult, int32_t shift,
                                         const ecnn_q8_conv_params *p) {
  const int64_t v = (int64_t)ecnn_q8_fround(acc, ecnn_q8_fscale(mult, shift)) + p->out_zp;
  return v < p->out_min ? p->out_min : v > p->out_max ? p->out_max : (int32_t)v;
}

/* ---- plain-C kernels (the oracle) ---- */

/* CONV_2D (any groups) on the output pixels [px0, px1) of the flattened batch * out_h * out_w
 * (row-major) and output channels [oc0, oc1). Disjoint ranges may run concurrently. */
void ecnn_q8_conv2d__scalar(const ecnn_q8_conv_params *p, const void *in, const void *w,
                            const int32_t *bias, const int32_t *mult, const int32_t *shift,
                            void *out, int64_t px0, int64_t px1, int32_t oc0, int32_t oc1);
/* DEPTHWISE_CONV_2D (any depth multiplier) on the output rows [row0, row1) of the flattened
 * batch * out_h. */
void ecnn_q8_dwconv2d__scalar(const ecnn_q8_conv_params *p, const void *in, const void *w,
                              const int32_t *bias, const int32_t *mult, const int32_t *shift,
                              void *out, int32_t row0, int32_t row1);

/* ---- AVX2 kernels (x86-64; call only when isa.h reports AVX2) ---- */

/* Output channels per packed CONV_2D weight block. */
#define ECNN_Q8_CONV_NR 16

/* Weights repacked once per model for the AVX2 kernels, with the per-channel bias and scale
 * in the order the kernels read it (CONV_2D: channel order; DEPTHWISE: each block of 16
 * as its accumulator lanes hold it, channels 0-3, 8-11, 4-7, 12-15). One block (see
 * ecnn_q8_*_pack); every array is padded with zeros to the block width and 64-byte aligned. */
/* The first member of every packed CONV_2D block, saying whose layout it holds (a model keeps
 * the block in the weights tensor: ecnn_q8_conv2d_unpack_any reads it). */
enum { ECNN_Q8_PACKED_AVX2 = 0x32585641, ECNN_Q8_PACKED_VNNI = 0x494e4e56 };

typedef struct ecnn_q8_packed {
  uint32_t tag;     /* ECNN_Q8_PACKED_AVX2 */
  int32_t out_c;    /* channels */
  int32_t k;        /* CONV_2D: kernel_h * kernel_w * in_c; DEPTHWISE: kernel_h * kernel_w */
  int32_t kp;       /* CONV_2D: k rounded up to even; DEPTHWISE: taps rounded up to even */
  bool big;         /* some channel's scale is >= 1 (a left shift): y is clamped below 2^31 */
  int16_t *w;       /* CONV_2D when w8 is NULL: [out_c / NR][kp / 2][NR][2] of (w - w_zp);
                     * DEPTHWISE: per 16 channels, [kp / 2][32] tap pairs, then the block's
                     * bias and requantization constants (see q8_conv_x86.c) */
  int8_t *w8;       /* CONV_2D with every w - w_zp in int8 (int8 weights of zero point 0,
                     * TFLite's int8 models; uint8 ones of zero point 128): the same layout
                     * as int8, and w is NULL (else NULL) */
  int32_t w_zp;     /* CONV_2D: the weights' zero point and type (ecnn_q8_conv2d_unpack) */
  bool w_u8;
  int32_t *bias;    /* CONV_2D: bias; DEPTHWISE: bias - in_zp * sum of (w - w_zp) */
  float *scale;     /* ecnn_q8_fscale of each channel's multiplier and shift */
  int8_t *zp_row;   /* DEPTHWISE: in_zp repeated (8 pixels of padded out_c, + 32 bytes), for
                     * padded taps and padded input rows */
} ecnn_q8_packed;

/* Bytes the packed block of p needs (0: the AVX2 kernel does not take p: CONV_2D with
 * groups > 1, DEPTHWISE with a depth multiplier other than 1 or over 64 taps). */
size_t ecnn_q8_conv2d_packed_bytes(const ecnn_q8_conv_params *p);
size_t ecnn_q8_dwconv2d_packed_bytes(const ecnn_q8_conv_params *p);
/* Packs into dst (packed_bytes of room, 64-byte aligned; the result points into dst, which
 * must outlive its use). w, bias (may be NULL), mult and shift as for the scalar kernels;
 * read only during the call. Returns the header at the start of dst. */
ecnn_q8_packed *ecnn_q8_conv2d_pack(const ecnn_q8_conv_params *p, const void *w,
                                    const int32_t *bias, const int32_t *mult,
                                    const int32_t *shift, void *dst);
ecnn_q8_packed *ecnn_q8_dwconv2d_pack(const ecnn_q8_conv_params *p, const void *w,
                                      const int32_t *bias, const int32_t *mult,
                                      const int32_t *shift, void *dst);

/* The CONV_2D weights pk was packed from, back in their own layout and type
 * ([out_c][kernel_h * kernel_w * in_c] int8 or uint8) at w: for the scalar kernel and other
 * backends when the model keeps only the packed copy. */
void ecnn_q8_conv2d_unpack(const ecnn_q8_packed *pk, void *w);
/* The same for a CONV_2D block of either x86 layout (its tag says which: the AVX2 one, or the
 * AVX-512 VNNI one of ecnn_q8_conv2d_pack_vnni). */
void ecnn_q8_conv2d_unpack_any(const void *packed, void *w);

/* int16 scratch elements ecnn_q8_conv2d__avx2 needs for p (its input rows, im2col'ed). */
size_t ecnn_q8_conv2d_scratch_elems(const ecnn_q8_conv_params *p);
/* CONV_2D (groups 1) on the flat output pixels [px0, px1) and the weight blocks [nb0, nb1)
 * (block b = channels [NR b, NR b + NR) cut at out_c), weights packed by ecnn_q8_conv2d_pack;
 * scratch: ecnn_q8_conv2d_scratch_elems(p) int16 of the caller's, not shared with a
 * concurrent call. Disjoint ranges may run concurrently. */
void ecnn_q8_conv2d__avx2(const ecnn_q8_conv_params *p, const ecnn_q8_packed *pk, const void *in,
                          void *out, int64_t px0, int64_t px1, int32_t nb0, int32_t nb1,
                          int16_t *scratch);
/* DEPTHWISE_CONV_2D (multiplier 1) on the output rows [row0, row1) of batch * out_h, weights
 * packed by ecnn_q8_dwconv2d_pack (the block also holds in_zp's padding row). */
void ecnn_q8_dwconv2d__avx2(const ecnn_q8_conv_params *p, const ecnn_q8_packed *pk,
                            const void *in, void *out, int32_t row0, int32_t row1);

/* ---- AVX-512 VNNI kernels (x86-64; call only when ecnn_isa_has_vnni, isa.h) ---- */

/* Weights repacked once per model for the AVX-512 VNNI kernels, with the per-channel
 * requantization as a float scale (ecnn_q8_fscale of mult and shift, quant.h); every array
 * padded with zeros to whole blocks of 16 channels and 64-byte aligned. One block (see
 * ecnn_q8_*_pack_vnni). CONV_2D (ecnn_q8_conv2d__avx512vnni, vpdpbusd): int8 weights with zero
 * point 0 only (TFLite's int8 models), the constants in channel order. DEPTHWISE
 * (ecnn_q8_dwconv2d__avx512vnni, vpdpwssd): weights of either type and any zero point, each
 * block's constants after its weights. Both: int8 or uint8 activations. */
typedef struct ecnn_q8_packed_vnni {
  uint32_t tag;    /* ECNN_Q8_PACKED_VNNI */
  int32_t out_c;   /* channels */
  int32_t k;       /* CONV_2D: kernel_h * kernel_w * in_c; DEPTHWISE: kernel_h * kernel_w */
  int32_t kp;      /* CONV_2D: k rounded up to a multiple of 4 (the padding's weights are 0);
                    * DEPTHWISE: weight vectors per block, ceil(kernel_h / 2) * kernel_w */
  int8_t *w;       /* CONV_2D: [out_c / 16][kp / 4][16][4] of w: input r of channel o at block
                    * o / 16, (r / 4, o % 16, r % 4); one 64-byte vector per 4 inputs of a
                    * block (DEPTHWISE: NULL) */
  int32_t *bias;   /* CONV_2D: bias - zx * sum of the channel's w (modulo 2^32), zx the input
                    * zero point as the kernel reads the input: in_zp + 128 for int8 (read with
                    * the top bit flipped, as uint8), in_zp for uint8 (DEPTHWISE: NULL) */
  float *scale;    /* CONV_2D: ecnn_q8_fscale(mult, shift) per channel (DEPTHWISE: NULL) */
  int32_t *dw;     /* DEPTHWISE: per block of 16 channels (the last one the last 16 channels,
                    * or for fewer than 16 all, zero-padded), kp vectors of 16 int32, each lane
                    * two int16 weights (w - w_zp) of one channel: low half tap (2r, x), high
                    * half tap (2r + 1, x) for vector r kernel_w + x, r < kernel_h / 2; for an
                    * odd kernel_h then the last row's taps x alone (high half 0); after them
                    * the block's bias - in_zp * sum of (w - w_zp) (modulo 2^32) and its
                    * scales (float bits), 16 int32 each (see q8_dwconv_vnni.c) */
  uint8_t *zp_row; /* DEPTHWISE: in_zp repeated, for padded taps and padded input rows */
} ecnn_q8_packed_vnni;

/* Bytes the VNNI packed block of p needs; 0 when the kernel does not take p: groups other than
 * 1, or weights not int8 with zero point 0. Plain C, any target. */
size_t ecnn_q8_conv2d_packed_bytes_vnni(const ecnn_q8_conv_params *p);
/* Packs into dst (packed_bytes_vnni of room, 64-byte aligned; the result points into dst,
 * which must outlive its use). w, bias (may be NULL), mult and shift as for the scalar
 * kernels; read only during the call. Returns the header at the start of dst. */
ecnn_q8_packed_vnni *ecnn_q8_conv2d_pack_vnni(const ecnn_q8_conv_params *p, const void *w,
                                              const int32_t *bias, const int32_t *mult,
                                              const int32_t *shift, void *dst);
/* Writes pk's weights back as the original int8 [out_c][k] (k = kernel_h * kernel_w * in_c)
 * into w (out_c * k bytes of the caller's): exactly what pack read. */
void ecnn_q8_conv2d_unpack_vnni(const ecnn_q8_packed_vnni *pk, int8_t *w);
/* Scratch bytes ecnn_q8_conv2d__avx512vnni needs for p packed as pk (its im2col rows). */
size_t ecnn_q8_conv2d_scratch_bytes_vnni(const ecnn_q8_conv_params *p,
                                         const ecnn_q8_packed_vnni *pk);
/* CONV_2D (groups 1) on the flat output pixels [px0, px1) and the 16-channel blocks
 * [nb0, nb1) of ECNN_Q8_CONV_NR (cut at out_c), pk packed by ecnn_q8_conv2d_pack_vnni;
 * scratch: ecnn_q8_conv2d_scratch_bytes_vnni bytes of the caller's, not shared with a
 * concurrent call. Disjoint ranges may run concurrently. Bit-identical to
 * ecnn_q8_conv2d__scalar. */
void ecnn_q8_conv2d__avx512vnni(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,
                                const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,
                                int32_t nb1, void *scratch);

/* Bytes the DEPTHWISE VNNI packed block of p needs; 0 when the kernel does not take p: a depth
 * multiplier other than 1 or over 64 taps (what the AVX2 kernel declines too). Plain C, any
 * target. */
size_t ecnn_q8_dwconv2d_packed_bytes_vnni(const ecnn_q8_conv_params *p);
/* Packs into dst (packed_bytes_vnni of room, 64-byte aligned; the result points into dst,
 * which must outlive its use; it also holds in_zp's padding row). w, bias (may be NULL), mult
 * and shift as for the scalar kernel; read only during the call. Returns the header at the
 * start of dst. */
ecnn_q8_packed_vnni *ecnn_q8_dwconv2d_pack_vnni(const ecnn_q8_conv_params *p, const void *w,
                                                const int32_t *bias, const int32_t *mult,
                                                const int32_t *shift, void *dst);
/* DEPTHWISE_CONV_2D (multiplier 1) on the output rows [row0, row1) of batch * out_h, pk packed
 * by ecnn_q8_dwconv2d_pack_vnni. Disjoint ranges may run concurrently. Bit-identical to
 * ecnn_q8_dwconv2d__scalar. */
void ecnn_q8_dwconv2d__avx512vnni(const ecnn_q8_conv_params *p, const ecnn_q8_packed_vnni *pk,
                                  const void *in, void *out, int32_t row0, int32_t row1);

/* ---- NEON kernels (ARM64; call only when isa.h reports NEON) ---- */

/* Weights repacked once per model for the NEON kernels, with the per-channel requantization
 * in the form they read it: channel order, every array padded with zeros to whole blocks of
 * 16 channels and 64-byte aligned. One block (see ecnn_q8_*_pack_neon). */
typedef struct ecnn_q8_packed_neon {
  int32_t out_c;   /* channels */
  int32_t k;       /* CONV_2D: kernel_h * kernel_w * in_c; DEPTHWISE: kernel_h * kernel_w */
  int32_t kp;      /* CONV_2D: k rounded up to 8 (plain) or 16 (dot); DEPTHWISE: k */
  bool dot;        /* CONV_2D packed for ecnn_q8_conv2d__neondot (else ecnn_q8_conv2d__neon) */
  bool big;        /* some channel's scale is >= 1.0f: y is clamped to ECNN_Q8_FMAX */
  void *w;         /* plain CONV_2D: int16 [out_c / 16][kp][16] of (w - w_zp);
                    * dot CONV_2D: int8 [out_c / 16][kp / 4][16][4] of w (w_zp is 0);
                    * DEPTHWISE: int16 [out_c / 16][k][16] of (w - w_zp) */
  int32_t *bias;   /* dot CONV_2D: bias - zx * sum of w, zx the input zero point as the kernel
                    * reads the input (in_zp; in_zp - 128 for uint8, read with the top bit
                    * flipped); else bias */
  float *scale;    /* ecnn_q8_fscale of each channel's multiplier and shift */
  uint8_t *zp_row; /* DEPTHWISE: in_zp repeated (padded out_c + 16 bytes), for padded taps */
} ecnn_q8_packed_neon;

/* Bytes the NEON packed block of p needs (0: the NEON kernels do not take p: CONV_2D with
 * groups > 1, DEPTHWISE with a depth multiplier other than 1 or over 64 taps). dot: the
 * layout of the sdot kernel, which takes int8 weights with zero point 0 (TFLite's int8
 * models); for other weights the plain layout is packed (and sized) instead. */
size_t ecnn_q8_conv2d_packed_bytes_neon(const ecnn_q8_conv_params *p, bool dot);
size_t ecnn_q8_dwconv2d_packed_bytes_neon(const ecnn_q8_conv_params *p);
/* Packs into dst (packed_bytes_neon of room, 64-byte aligned; the result points into dst,
 * which must outlive its use). w, bias (may be NULL), mult and shift as for the scalar
 * kernels; read only during the call. Returns the header at the start of dst; its `dot` says
 * which CONV_2D kernel takes it. */
ecnn_q8_packed_neon *ecnn_q8_conv2d_pack_neon(const ecnn_q8_conv_params *p, const void *w,
                                              const int32_t *bias, const int32_t *mult,
                                              const int32_t *shift, bool dot, void *dst);
ecnn_q8_packed_neon *ecnn_q8_dwconv2d_pack_neon(const ecnn_q8_conv_params *p, const void *w,
                                                const int32_t *bias, const int32_t *mult,
                                                const int32_t *shift, void *dst);

/* Scratch bytes ecnn_q8_conv2d__neon / __neondot need for p packed as pk (im2col rows). */
size_t ecnn_q8_conv2d_scratch_bytes_neon(const ecnn_q8_conv_params *p,
                                         const ecnn_q8_packed_neon *pk);
/* CONV_2D (groups 1) on the flat output pixels [px0, px1) and the 16-channel blocks
 * [nb0, nb1) (cut at out_c), pk packed by ecnn_q8_conv2d_pack_neon with dot false (__neon:
 * int16 products, vmlal) or true (__neondot: sdot; call only when ecnn_q8_neon_dot_supported);
 * scratch: ecnn_q8_conv2d_scratch_bytes_neon bytes of the caller's, not shared with a
 * concurrent call. Disjoint ranges may run concurrently. */
void ecnn_q8_conv2d__neon(const ecnn_q8_conv_params *p, const ecnn_q8_packed_neon *pk,
                          const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,
                          int32_t nb1, void *scratch);
void ecnn_q8_conv2d__neondot(const ecnn_q8_conv_params *p, const ecnn_q8_packed_neon *pk,
                             const void *in, void *out, int64_t px0, int64_t px1, int32_t nb0,
                             int32_t nb1, void *scratch);
/* DEPTHWISE_CONV_2D (multiplier 1) on the output rows [row0, row1) of batch * out_h, weights
 * packed by ecnn_q8_dwconv2d_pack_neon. */
void ecnn_q8_dwconv2d__neon(const ecnn_q8_conv_params *p, const ecnn_q8_packed_neon *pk,
                            const void *in, void *out, int32_t row0, int32_t row1);

/* Whether the CPU has the ARMv8.2 dot product (sdot; Linux: HWCAP_ASIMDDP). */
bool ecnn_q8_neon_dot_supported(void);
/* Whether CONV_2D packs for (and so runs) the sdot kernel: supported and not switched off. */
bool ecnn_q8_neon_dot_active(void);
/* Switches the sdot kernel on (if supported) or off for the models loaded afterwards (the
 * choice is made when a model's weights are packed); returns the state now. Not thread-safe:
 * call before loading models. */
bool ecnn_q8_neon_dot_set(bool on);

#endif /* ECNN_KERNELS_Q8_CONV_H */
