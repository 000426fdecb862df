/*
 * flexbuf.c — the FlexBuffers map reader (flexbuf.h). Layout facts used: the last byte is the
 * root's byte width, the one before it the root's packed type (type << 2 | log2 width); a map's
 * value is an offset back to its values vector, preceded by [keys offset, keys width, length];
 * after the values come one packed type byte per value; keys are offsets back to NUL-ended
 * strings; indirect scalars are offsets back to the scalar.
 */
#include "flexbuf.h"

#include <string.h>

enum { FX_INT = 1, FX_UINT = 2, FX_FLOAT = 3, FX_IND_INT = 6, FX_IND_UINT = 7, FX_IND_FLOAT = 8,
       FX_MAP = 9, FX_BOOL = 26 };

static bool valid_width(size_t w) { return w == 1 || w == 2 || w == 4 || w == 8; }

static bool fits(size_t size, size_t pos, size_t n) { return pos <= size && n <= size - pos; }

static uint64_t read_u(const uint8_t *p, size_t w) {
  uint64_t v = 0;
  for (size_t i = 0; i < w; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static int64_t read_i(const uint8_t *p, size_t w) {
  uint64_t v = read_u(p, w);
  if (w < 8 && (v >> (8 * w - 1)) & 1) v |= ~(uint64_t)0 << (8 * w);
  return (int64_t)v;
}

/* pos - the unsigned offset stored at pos with width w; false if it leaves the buffer. */
static bool back(const fx_map *m, size_t pos, size_t w, size_t *target) {
  if (!fits(m->size, pos, w)) return false;
  uint64_t off = read_u(m->data + pos, w);
  if (off > pos) return false;
  *target = pos - (size_t)off;
  return true;
}

ecnn_status fx_map_root(const uint8_t *data, size_t size, fx_map *m, const char *what) {
  memset(m, 0, sizeof *m);
  m->data = data;
  m->size = size;
  if (!data || size < 3)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: options of %zu bytes are too short", what,
                      size);
  size_t bw = data[size - 1];
  uint8_t packed = data[size - 2];
  if (!valid_width(bw) || size < 2 + bw)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: bad root width %zu", what, bw);
  if (packed >> 2 != FX_MAP)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: options are not a map (type %d)", what,
                      packed >> 2);
  size_t w = (size_t)1 << (packed & 3);
  size_t values;
  if (!back(m, size - 2 - bw, bw, &values) || values < 3 * w)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: map offset leaves the options", what);
  uint64_t len = read_u(data + values - w, w);
  size_t kw = (size_t)read_u(data + values - 2 * w, w);
  size_t keys;
  if (!valid_width(kw) || !back(m, values - 3 * w, w, &keys) || keys < kw)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: bad map keys", what);
  if (len > size || !fits(size, values, (size_t)len * w + (size_t)len) ||
      !fits(size, keys, (size_t)len * kw) || read_u(data + keys - kw, kw) != len)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: map of %llu entries runs past the options",
                      what, (unsigned long long)len);
  m->values = values;
  m->keys = keys;
  m->len = (uint32_t)len;
  m->width = (uint8_t)w;
  m->key_width = (uint8_t)kw;
  return ECNN_STATUS_OK;
}

bool fx_map_number(const fx_map *m, const char *key, double *out, ecnn_status *status) {
  *status = ECNN_STATUS_OK;
  size_t klen = strlen(key);
  for (uint32_t i = 0; i < m->len; i++) {
    size_t kp;
    if (!back(m, m->keys + (size_t)i * m->key_width, m->key_width, &kp) ||
        !fits(m->size, kp, klen + 1))
      continue; /* a key we cannot read cannot be the one asked for */
    if (memcmp(m->data + kp, key, klen) != 0 || m->data[kp + klen] != 0) continue;
    size_t w = m->width, vp = m->values + (size_t)i * w;
    uint8_t packed = m->data[m->values + (size_t)m->len * w + i];
    int type = packed >> 2;
    size_t cw = (size_t)1 << (packed & 3);
    if (type == FX_IND_INT || type == FX_IND_UINT || type == FX_IND_FLOAT) {
      size_t target;
      if (!back(m, vp, w, &target) || !fits(m->size, target, cw)) {
        *status = ecnn_error(ECNN_STATUS_INVALID_MODEL, "option '%s': offset leaves the options",
                             key);
        return false;
      }
      vp = target;
      w = cw;
      type -= FX_IND_INT - FX_INT;
    }
    const uint8_t *p = m->data + vp;
    switch (type) {
    case FX_INT: *out = (double)read_i(p, w); return true;
    case FX_UINT:
    case FX_BOOL: *out = (double)read_u(p, w); return true;
    case FX_FLOAT:
      if (w == 4) {
        float f;
        memcpy(&f, p, 4);
        *out = f;
        return true;
      }
      if (w == 8) {
        memcpy(out, p, 8);
        return true;
      }
      break;
    default: break;
    }
    *status = ecnn_error(ECNN_STATUS_INVALID_MODEL, "option '%s' is not a number (type %d)", key,
                         type);
    return false;
  }
  return false;
}
