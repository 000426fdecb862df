/*
 * flatbuf.h — a bounds-checked reader for FlatBuffers binaries (the .tflite container). The
 * bytes are hostile: every offset, vtable, vector length and string is checked against the
 * buffer before it is read, reads go through memcpy (no alignment assumptions) and are
 * little-endian. Failures return ECNN_STATUS_INVALID_MODEL with a message naming `what`.
 *
 * Usage:
 *     fb_buf b = {data, size};
 *     fb_table model;
 *     if ((st = fb_root(&b, &model)) != ECNN_STATUS_OK) return st;
 *     fb_vec codes;
 *     st = fb_vector(&model, 1, 4, &codes, "model.operator_codes");
 */
#ifndef ECNN_FLATBUF_H
#define ECNN_FLATBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"

typedef struct fb_buf {
  const uint8_t *data;
  size_t size;
} fb_buf;

/* A validated table: pos = table start, vt = its vtable. present == false for an absent
 * (optional) table; field reads on it return the defaults. */
typedef struct fb_table {
  const fb_buf *buf;
  size_t pos, vt;
  uint16_t vt_size, tbl_size;
  bool present;
} fb_table;

/* A validated vector: len elements of elem_size bytes starting at pos (len 0 when absent). */
typedef struct fb_vec {
  const fb_buf *buf;
  size_t pos;
  uint32_t len;
  size_t elem_size;
} fb_vec;

/* Little-endian loads at an offset the caller has bounds-checked. */
static inline uint32_t fb_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint16_t fb_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint64_t fb_le64(const uint8_t *p) {
  return (uint64_t)fb_le32(p) | (uint64_t)fb_le32(p + 4) << 32;
}

/* The root table of the buffer. */
ecnn_status fb_root(const fb_buf *b, fb_table *root);

/* Scalar field `field` (0-based, schema order) of `width` bytes (1, 2, 4 or 8), zero-extended
 * into *out; `def` when the field or table is absent. */
ecnn_status fb_scalar(const fb_table *t, int field, size_t width, uint64_t def, uint64_t *out,
                      const char *what);
/* Typed conveniences over fb_scalar. */
ecnn_status fb_i32(const fb_table *t, int field, int32_t def, int32_t *out, const char *what);
ecnn_status fb_u8(const fb_table *t, int field, uint8_t def, uint8_t *out, const char *what);
ecnn_status fb_f32(const fb_table *t, int field, float def, float *out, const char *what);
ecnn_status fb_bool(const fb_table *t, int field, bool def, bool *out, const char *what);

/* Sub-table field; out->present is false when absent. */
ecnn_status fb_subtable(const fb_table *t, int field, fb_table *out, const char *what);
/* Vector field of elem_size-byte elements (tables and strings: 4, the offsets); len 0 when
 * absent. */
ecnn_status fb_vector(const fb_table *t, int field, size_t elem_size, fb_vec *out,
                      const char *what);
/* String field: *str points into the buffer (not NUL-terminated necessarily), *len bytes;
 * "" / 0 when absent. */
ecnn_status fb_string(const fb_table *t, int field, const char **str, uint32_t *len,
                      const char *what);

/* Element i (< v->len) of a vector of tables. */
ecnn_status fb_vec_table(const fb_vec *v, uint32_t i, fb_table *out, const char *what);
/* Element i (< v->len, checked by the caller) of scalar vectors. */
static inline int32_t fb_vec_i32(const fb_vec *v, uint32_t i) {
  return (int32_t)fb_le32(v->buf->data + v->pos + (size_t)i * 4);
}
static inline int64_t fb_vec_i64(const fb_vec *v, uint32_t i) {
  return (int64_t)fb_le64(v->buf->data + v->pos + (size_t)i * 8);
}
static inline float fb_vec_f32(const fb_vec *v, uint32_t i) {
  uint32_t u = fb_le32(v->buf->data + v->pos + (size_t)i * 4);
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}
static inline const uint8_t *fb_vec_data(const fb_vec *v) { return v->buf->data + v->pos; }

#endif /* ECNN_FLATBUF_H */
