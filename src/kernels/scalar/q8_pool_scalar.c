/*
 * q8_pool_scalar.c — the plain-C quantized MAX_POOL_2D (windows inside the input) and channel
 * PAD (q8_pool.h): the oracles of the AVX2 kernels and the path on CPUs without them.
 */
#include <string.h>

#include "../q8_pool.h"

void ecnn_q8_maxpool_pixel__scalar(const ecnn_q8_pool_params *p, const uint8_t *x, uint8_t *o,
                                   int32_t c0) {
  const size_t C = (size_t)p->c, row = (size_t)p->in_w * C;
  for (size_t c = (size_t)c0; c < C; c++) {
    int32_t m = INT32_MIN;
    for (int32_t ky = 0; ky < p->filter_h; ky++)
      for (int32_t kx = 0; kx < p->filter_w; kx++) {
        const uint8_t v = x[(size_t)ky * row + (size_t)kx * C + c];
        const int32_t vi = p->u8 ? (int32_t)v : (int32_t)(int8_t)v;
        m = vi > m ? vi : m;
      }
    m = m < p->out_min ? p->out_min : m > p->out_max ? p->out_max : m;
    o[c] = (uint8_t)m; /* (the low byte: int8 and uint8 alike) */
  }
}

void ecnn_q8_maxpool__scalar(const ecnn_q8_pool_params *p, const void *in, void *out,
                             int32_t row0, int32_t row1) {
  const size_t C = (size_t)p->c, H = (size_t)p->in_h, W = (size_t)p->in_w;
  for (int32_t r = row0; r < row1; r++) {
    const size_t b = (size_t)(r / p->out_h), iy0 = (size_t)(r % p->out_h * p->stride_h);
    for (int32_t ox = 0; ox < p->out_w; ox++) {
      const size_t ix0 = (size_t)ox * (size_t)p->stride_w;
      ecnn_q8_maxpool_pixel__scalar(p, (const uint8_t *)in + ((b * H + iy0) * W + ix0) * C,
                                    (uint8_t *)out + ((size_t)r * p->out_w + ox) * C, 0);
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
