/*
 * isa.h — which SIMD kernels this CPU runs: detected once (AVX-512F, AVX2+FMA, else scalar),
 * overridable with the environment variable ECNN_ISA=scalar|avx2|avx512 (a request above what
 * the CPU has falls back to the best it has). Tests switch paths with ecnn_isa_set.
 */
#ifndef ECNN_ISA_H
#define ECNN_ISA_H

#include <stdbool.h>

/* x86 paths are ordered by capability; NEON is the ARM64 path (never combined with them). */
typedef enum ecnn_isa {
  ECNN_ISA_SCALAR = 0,
  ECNN_ISA_AVX2,
  ECNN_ISA_AVX512,
  ECNN_ISA_NEON,
} ecnn_isa;

/* The path in use (detection + ECNN_ISA on first call). */
ecnn_isa ecnn_isa_active(void);
/* The best path the CPU supports. */
ecnn_isa ecnn_isa_best(void);
/* Forces a path (clamped to ecnn_isa_best); returns the one now active. Not thread-safe:
 * call before creating sessions. */
ecnn_isa ecnn_isa_set(ecnn_isa isa);
const char *ecnn_isa_name(ecnn_isa isa);
/* Whether the CPU has AVX-512 VNNI (with AVX-512F: what the int8 CONV_2D and DEPTHWISE
 * kernels ecnn_q8_conv2d__avx512vnni and ecnn_q8_dwconv2d__avx512vnni need); false off x86.
 * They run on the AVX512 path. */
bool ecnn_isa_has_vnni(void);

#endif
