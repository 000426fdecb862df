/*
 * flexbuf.h — a bounds-checked reader for the one FlexBuffers shape TFLite custom ops use for
 * their options: a root map from string keys to numbers (int, uint, float, bool, inline or
 * indirect). Every offset and width is checked against the buffer.
 */
#ifndef ECNN_FLEXBUF_H
#define ECNN_FLEXBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"

typedef struct fx_map {
  const uint8_t *data;
  size_t size;
  size_t values, keys; /* positions of the value and key vectors */
  uint32_t len;
  uint8_t width, key_width;
} fx_map;

/* Validates the buffer's root as a map. INVALID_MODEL naming `what` otherwise. */
ecnn_status fx_map_root(const uint8_t *data, size_t size, fx_map *map, const char *what);
/* The numeric value of `key`: true and *out set when present and numeric; false when absent.
 * A present key with a non-numeric or malformed value fails with INVALID_MODEL (*status). */
bool fx_map_number(const fx_map *map, const char *key, double *out, ecnn_status *status);

#endif /* ECNN_FLEXBUF_H */
