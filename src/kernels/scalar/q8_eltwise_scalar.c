/*
 * q8_eltwise_scalar.c — the plain-C quantized ADD / SUB of two same-shape tensors
 * (q8_eltwise.h): the oracle of the AVX2 kernel and the path on CPUs without it.
 */
#include "../../ops/q8/quant.h"
#include "../q8_eltwise.h"

#include <math.h>

void ecnn_q8_add__scalar(const ecnn_q8_add_params *p, const void *a, const void *b, void *out,
                         size_t n) {
  for (size_t i = 0; i < n; i++) {
    const int32_t va = p->u8 ? ((const uint8_t *)a)[i] : ((const int8_t *)a)[i];
    const int32_t vb = p->u8 ? ((const uint8_t *)b)[i] : ((const int8_t *)b)[i];
    const int32_t x1 = ecnn_mbqm((va - p->a_zp) * (1 << p->left_shift), p->a_mult, p->a_shift);
    const int32_t x2 = ecnn_mbqm((vb - p->b_zp) * (1 << p->left_shift), p->b_mult, p->b_shift);
    const uint32_t sum = p->sub ? (uint32_t)x1 - (uint32_t)x2 : (uint32_t)x1 + (uint32_t)x2;
    const int64_t v = (int64_t)ecnn_mbqm((int32_t)sum, p->out_mult, p->out_shift) + p->out_zp;
    const int32_t c = v < p->out_min ? p->out_min : v > p->out_max ? p->out_max : (int32_t)v;
    if (p->u8) ((uint8_t *)out)[i] = (uint8_t)c;
    else ((int8_t *)out)[i] = (int8_t)c;
  }
}

bool ecnn_q8_vadd_init(double a_ratio, double b_ratio, int32_t a_zp, int32_t b_zp,
                       int32_t out_zp, int32_t out_min, int32_t out_max, bool sub, bool u8,
                       ecnn_q8_vadd_params *p) {
  enum { LIMIT = 1 << 21 };
  const double m = a_ratio > b_ratio ? a_ratio : b_ratio;
  if (!(a_ratio > 0 && b_ratio > 0 && m < 32)) return false; /* (NaN too) */
  int32_t shift = 30;
  while (shift > 16 && m * (double)(1 << shift) >= LIMIT - 0.5) shift--;
  const double unit = (double)(1 << shift);
  const int32_t am = (int32_t)lround(a_ratio * unit), bm = (int32_t)lround(b_ratio * unit);
  if (am >= LIMIT || bm >= LIMIT) return false;
  p->a_mult = am;
  p->b_mult = sub ? -bm : bm;
  p->shift = shift;
  p->bias = (int32_t)((uint32_t)1 << (shift - 1)) - am * a_zp - p->b_mult * b_zp;
  p->out_zp = out_zp, p->out_min = out_min, p->out_max = out_max;
  p->u8 = u8;
  return true;
}

void ecnn_q8_vadd__scalar(const ecnn_q8_vadd_params *p, const void *a, const void *b,
                          void *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const int32_t va = p->u8 ? ((const uint8_t *)a)[i] : ((const int8_t *)a)[i];
    const int32_t vb = p->u8 ? ((const uint8_t *)b)[i] : ((const int8_t *)b)[i];
    const int32_t c = ecnn_q8_vadd1(p, va, vb);
    if (p->u8) ((uint8_t *)out)[i] = (uint8_t)c;
    else ((int8_t *)out)[i] = (int8_t)c;
  }
}
