/*
 * quant.c — ecnn_quantize_multiplier (quant.h), TFLite's QuantizeMultiplier.
 */
#include "quant.h"

#include <math.h>

void ecnn_quantize_multiplier(double m, int32_t *q, int32_t *shift) {
  if (!(m > 0.0) || !isfinite(m)) {
    *q = 0;
    *shift = 0;
    return;
  }
  int e;
  const double f = frexp(m, &e); /* m = f * 2^e, f in [0.5, 1) */
  int64_t qf = llround(f * (double)((int64_t)1 << 31));
  if (qf == ((int64_t)1 << 31)) {
    qf /= 2;
    e++;
  }
  if (e < -31) {
    *q = 0;
    *shift = 0;
    return;
  }
  if (e > 30) { /* saturate: larger multipliers never occur in valid models */
    e = 30;
    qf = INT32_MAX;
  }
  *q = (int32_t)qf;
  *shift = e;
}
