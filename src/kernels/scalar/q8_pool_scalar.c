/*
 * q8_pool_scalar.c — the plain-C quantized MAX_POOL_2D (windows inside the input) and channel
 * PAD (q8_pool.h): the oracles of the AVX2 kernels and the path on CPUs without them.
 */
#include <string.h>

#include "../q8_pool.h"

void ecnn_q8_maxpool__scalar(const ecnn_q8_pool_params *p, const void *in, void *out,
                             int32_t row0, int32_t row1) {
  const int32_t C = p->c, H = p->in_h, W = p->in_w;
  for (int32_t r = row0; r < row1; r++) {
    const size_t b = (size_t)(r / p->out_h);
    const int32_t iy0 = r % p->out_h * p->stride_h;
    for (int32_t ox = 0; ox < p->out_w; ox++) {
      const int32_t ix0 = ox * p->stride_w;
      const size_t o = ((size_t)r * p->out_w + ox) * C;
      for (int32_t c = 0; c < C; c++) {
        int32_t m = INT32_MIN;
        for (int32_t ky = 0; ky < p->filter_h; ky++)
          for (int32_t kx = 0; kx < p->filter_w; kx++) {
            const size_t i = ((b * H + (size_t)(iy0 + ky)) * W + (size_t)(ix0 + kx)) * C + c;
            const int32_t v = p->u8 ? ((const uint8_t *)in)[i] : ((const int8_t *)in)[i];
            m = v > m ? v : m;
          }
        m = m < p->out_min ? p->out_min : m > p->out_max ? p->out_max : m;
        if (p->u8) ((uint8_t *)out)[o + c] = (uint8_t)m;
        else ((int8_t *)out)[o + c] = (int8_t)m;
      }
    }
  }
}

void ecnn_q8_pad_channels__scalar(const uint8_t *in, uint8_t *out, size_t n, size_t c,
                                  size_t before, size_t after, uint8_t fill) {
  const size_t oc = before + c + after;
  for (size_t i = 0; i < n; i++) {
    uint8_t *o = out + i * oc;
    memset(o, fill, before);
    memcpy(o + before, in + i * c, c);
    memset(o + before + c, fill, after);
  }
}
