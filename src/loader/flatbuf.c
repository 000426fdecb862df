/*
 * flatbuf.c — the bounds-checked FlatBuffers reader (flatbuf.h). Layout facts used: a table
 * starts with an int32 soffset to its vtable (vtable = table - soffset); a vtable is uint16
 * [vtable bytes, table bytes, field offsets...]; a field offset of 0 or beyond the vtable means
 * "absent, use the default"; references (tables, vectors, strings) are uint32 offsets relative
 * to where they are stored; vectors and strings start with a uint32 length.
 */
#include "flatbuf.h"

#include <string.h>

/* The largest position + n that stays inside the buffer, overflow-safe. */
static bool in_bounds(const fb_buf *b, size_t pos, size_t n) {
  return pos <= b->size && n <= b->size - pos;
}

static ecnn_status table_at(const fb_buf *b, size_t pos, fb_table *t, const char *what) {
  memset(t, 0, sizeof *t);
  t->buf = b;
  if (!in_bounds(b, pos, 4))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      "%s: table offset %zu is outside the file (%zu bytes)", what, pos, b->size);
  int32_t soff = (int32_t)fb_le32(b->data + pos);
  int64_t vt = (int64_t)pos - soff;
  if (vt < 0 || !in_bounds(b, (size_t)vt, 4))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: vtable offset %lld is outside the file", what,
                      (long long)vt);
  uint16_t vt_size = fb_le16(b->data + vt), tbl_size = fb_le16(b->data + vt + 2);
  if (vt_size < 4 || (vt_size & 1) || !in_bounds(b, (size_t)vt, vt_size))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: bad vtable size %u", what, vt_size);
  if (tbl_size < 4 || !in_bounds(b, pos, tbl_size))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: table of %u bytes runs past the file end",
                      what, tbl_size);
  t->pos = pos;
  t->vt = (size_t)vt;
  t->vt_size = vt_size;
  t->tbl_size = tbl_size;
  t->present = true;
  return ECNN_STATUS_OK;
}

ecnn_status fb_root(const fb_buf *b, fb_table *root) {
  if (!b->data || b->size < 8)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "file of %zu bytes is too small for a model",
                      b->size);
  return table_at(b, fb_le32(b->data), root, "root table");
}

/* Position of field `field` if present with `width` bytes inside the table; 0 if absent. */
static ecnn_status field_pos(const fb_table *t, int field, size_t width, size_t *pos,
                             const char *what) {
  *pos = 0;
  if (!t->present || field < 0) return ECNN_STATUS_OK;
  size_t slot = 4 + 2 * (size_t)field;
  if (slot + 2 > t->vt_size) return ECNN_STATUS_OK;
  uint16_t off = fb_le16(t->buf->data + t->vt + slot);
  if (off == 0) return ECNN_STATUS_OK;
  if (off < 4 || (size_t)off + width > t->tbl_size)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: field %d at offset %u lies outside its table",
                      what, field, off);
  *pos = t->pos + off;
  return ECNN_STATUS_OK;
}

ecnn_status fb_scalar(const fb_table *t, int field, size_t width, uint64_t def, uint64_t *out,
                      const char *what) {
  size_t pos = 0;
  ecnn_status st = field_pos(t, field, width, &pos, what);
  if (st != ECNN_STATUS_OK) return st;
  if (!pos) {
    *out = def;
    return ECNN_STATUS_OK;
  }
  const uint8_t *p = t->buf->data + pos;
  switch (width) {
  case 1: *out = p[0]; break;
  case 2: *out = fb_le16(p); break;
  case 4: *out = fb_le32(p); break;
  default: *out = fb_le64(p); break;
  }
  return ECNN_STATUS_OK;
}

ecnn_status fb_i32(const fb_table *t, int field, int32_t def, int32_t *out, const char *what) {
  uint64_t v = 0;
  ecnn_status st = fb_scalar(t, field, 4, (uint32_t)def, &v, what);
  *out = (int32_t)(uint32_t)v;
  return st;
}

ecnn_status fb_u8(const fb_table *t, int field, uint8_t def, uint8_t *out, const char *what) {
  uint64_t v = 0;
  ecnn_status st = fb_scalar(t, field, 1, def, &v, what);
  *out = (uint8_t)v;
  return st;
}

ecnn_status fb_bool(const fb_table *t, int field, bool def, bool *out, const char *what) {
  uint8_t v = 0;
  ecnn_status st = fb_u8(t, field, def, &v, what);
  *out = v != 0;
  return st;
}

ecnn_status fb_f32(const fb_table *t, int field, float def, float *out, const char *what) {
  uint32_t d;
  memcpy(&d, &def, 4);
  uint64_t v = 0;
  ecnn_status st = fb_scalar(t, field, 4, d, &v, what);
  uint32_t u = (uint32_t)v;
  memcpy(out, &u, 4);
  return st;
}

/* Follows the uint32 reference stored at field `field`; *target = 0 when absent. */
static ecnn_status deref(const fb_table *t, int field, size_t *target, const char *what) {
  size_t pos = 0;
  ecnn_status st = field_pos(t, field, 4, &pos, what);
  if (st != ECNN_STATUS_OK || !pos) {
    *target = 0;
    return st;
  }
  uint32_t off = fb_le32(t->buf->data + pos);
  if (off == 0 || !in_bounds(t->buf, pos, (size_t)off) || pos + off >= t->buf->size)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: reference offset %u leaves the file", what,
                      off);
  *target = pos + off;
  return ECNN_STATUS_OK;
}

ecnn_status fb_subtable(const fb_table *t, int field, fb_table *out, const char *what) {
  size_t target = 0;
  ecnn_status st = deref(t, field, &target, what);
  if (st != ECNN_STATUS_OK) return st;
  if (!target) {
    memset(out, 0, sizeof *out);
    out->buf = t->buf;
    return ECNN_STATUS_OK;
  }
  return table_at(t->buf, target, out, what);
}

static ecnn_status vector_at(const fb_buf *b, size_t target, size_t elem_size, fb_vec *out,
                             const char *what) {
  if (!in_bounds(b, target, 4))
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: vector offset %zu is outside the file", what,
                      target);
  uint32_t len = fb_le32(b->data + target);
  size_t room = b->size - target - 4;
  if (elem_size && len > room / elem_size)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL,
                      "%s: vector of %u elements of %zu bytes runs past the file end", what, len,
                      elem_size);
  out->pos = target + 4;
  out->len = len;
  return ECNN_STATUS_OK;
}

ecnn_status fb_vector(const fb_table *t, int field, size_t elem_size, fb_vec *out,
                      const char *what) {
  memset(out, 0, sizeof *out);
  out->buf = t->buf;
  out->elem_size = elem_size;
  size_t target = 0;
  ecnn_status st = deref(t, field, &target, what);
  if (st != ECNN_STATUS_OK || !target) return st;
  return vector_at(t->buf, target, elem_size, out, what);
}

ecnn_status fb_string(const fb_table *t, int field, const char **str, uint32_t *len,
                      const char *what) {
  fb_vec v;
  ecnn_status st = fb_vector(t, field, 1, &v, what);
  if (st != ECNN_STATUS_OK) return st;
  *str = v.len ? (const char *)fb_vec_data(&v) : "";
  *len = v.len;
  return ECNN_STATUS_OK;
}

ecnn_status fb_vec_table(const fb_vec *v, uint32_t i, fb_table *out, const char *what) {
  if (i >= v->len || v->elem_size != 4)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: element %u of %u", what, i, v->len);
  size_t pos = v->pos + (size_t)i * 4;
  uint32_t off = fb_le32(v->buf->data + pos);
  if (off == 0 || !in_bounds(v->buf, pos, (size_t)off) || pos + off >= v->buf->size)
    return ecnn_error(ECNN_STATUS_INVALID_MODEL, "%s: element %u refers outside the file", what, i);
  return table_at(v->buf, pos + off, out, what);
}
