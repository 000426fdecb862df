/*
 * isa.c — CPU feature detection and the ECNN_ISA override (isa.h).
 */
#include "isa.h"

#include <stdlib.h>
#include <string.h>

static int active = -1;

ecnn_isa ecnn_isa_best(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return ECNN_ISA_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ECNN_ISA_AVX2;
#endif
#if defined(__aarch64__)
  return ECNN_ISA_NEON;
#endif
  return ECNN_ISA_SCALAR;
}

bool ecnn_isa_has_vnni(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

ecnn_isa ecnn_isa_set(ecnn_isa isa) {
  ecnn_isa best = ecnn_isa_best();
  if (best == ECNN_ISA_NEON) /* ARM64: NEON or scalar */
    active = isa == ECNN_ISA_SCALAR ? ECNN_ISA_SCALAR : ECNN_ISA_NEON;
  else
    active = (int)(isa > best ? best : isa);
  return (ecnn_isa)active;
}

ecnn_isa ecnn_isa_active(void) {
  if (active < 0) {
    const char *env = getenv("ECNN_ISA");
    ecnn_isa want = ecnn_isa_best();
    if (env && !strcmp(env, "scalar")) want = ECNN_ISA_SCALAR;
    else if (env && !strcmp(env, "avx2")) want = ECNN_ISA_AVX2;
    ecnn_isa_set(want);
  }
  return (ecnn_isa)active;
}

const char *ecnn_isa_name(ecnn_isa isa) {
  switch (isa) {
  case ECNN_ISA_AVX2: return "avx2";
  case ECNN_ISA_AVX512: return "avx512";
  case ECNN_ISA_NEON: return "neon";
  default: return "scalar";
  }
}
