/*
 * pixel.h — internal helpers for writing into frames of every ecnn_pixel_format: byte
 * layouts of the packed RGB formats and BT.601 limited-range RGB → YUV (the range GStreamer's
 * I420/NV12/YUY2 caps default to for SD and HD content alike in these pipelines).
 */
#ifndef ECNN_PIXEL_H
#define ECNN_PIXEL_H

#include "edgecnn.h"

/* Byte offsets of R, G, B inside a packed pixel of bpp bytes. */
typedef struct ecnn_packed {
  int bpp, r, g, b;
} ecnn_packed;

static inline bool ecnn_packed_layout(ecnn_pixel_format f, ecnn_packed *l) {
  switch (f) {
  case ECNN_PIXEL_RGB24: *l = (ecnn_packed){3, 0, 1, 2}; return true;
  case ECNN_PIXEL_BGR24: *l = (ecnn_packed){3, 2, 1, 0}; return true;
  case ECNN_PIXEL_RGBA:
  case ECNN_PIXEL_RGBX: *l = (ecnn_packed){4, 0, 1, 2}; return true;
  case ECNN_PIXEL_BGRA:
  case ECNN_PIXEL_BGRX: *l = (ecnn_packed){4, 2, 1, 0}; return true;
  default: return false;
  }
}

static inline uint8_t ecnn_clamp_u8(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

/* BT.601 limited range (Y 16..235, U/V 16..240), rounded. */
static inline void ecnn_rgb_to_yuv(int r, int g, int b, int *y, int *u, int *v) {
  *y = (66 * r + 129 * g + 25 * b + 128 + (16 << 8)) >> 8;
  *u = (-38 * r - 74 * g + 112 * b + 128 + (128 << 8)) >> 8;
  *v = (112 * r - 94 * g - 18 * b + 128 + (128 << 8)) >> 8;
}

/* Full-range luma for GRAY8 frames. */
static inline int ecnn_rgb_to_gray(int r, int g, int b) { return (77 * r + 150 * g + 29 * b + 128) >> 8; }

/* Validates a writable frame (sizes, planes, strides). */
ecnn_status ecnn_frame_check(const ecnn_frame *frame);

#endif
