/*
 * image.c — frame → model input tensor with libyuv: every ecnn_pixel_format converted to
 * ARGB (libyuv's B,G,R,A byte order), cropped (centre-crop) or placed (letterbox), scaled
 * bilinearly to the tensor size, then normalized per the sidecar ((pixel - mean) * scale,
 * RGB or BGR order) into float32, or copied as uint8 / int8 (pixel - 128). I420 and NV12
 * frames are scaled in YUV first and only the small result is converted (crop offsets rounded
 * down to even pixels). Runs per frame; scratch images are allocated per call.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libyuv.h>

#include "status.h"

#define MAX_SIDE 16384

/* Minimum bytes per row of plane p of a w-wide frame in format f (0: plane unused). */
static int64_t min_stride(ecnn_pixel_format f, int32_t w, int p) {
  int64_t cw = ((int64_t)w + 1) / 2;
  switch (f) {
  case ECNN_PIXEL_RGB24:
  case ECNN_PIXEL_BGR24: return p == 0 ? 3 * (int64_t)w : 0;
  case ECNN_PIXEL_RGBA:
  case ECNN_PIXEL_BGRA:
  case ECNN_PIXEL_RGBX:
  case ECNN_PIXEL_BGRX: return p == 0 ? 4 * (int64_t)w : 0;
  case ECNN_PIXEL_GRAY8: return p == 0 ? w : 0;
  case ECNN_PIXEL_I420: return p == 0 ? w : cw;
  case ECNN_PIXEL_NV12: return p == 0 ? w : p == 1 ? 2 * cw : 0;
  case ECNN_PIXEL_YUY2: return p == 0 ? 4 * cw : 0;
  default: return 0;
  }
}

static ecnn_status check_image(const ecnn_image *im) {
  if (!im) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "image is NULL");
  if ((unsigned)im->format >= ECNN_PIXEL_COUNT)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "unknown pixel format %d", (int)im->format);
  if (im->width < 1 || im->height < 1 || im->width > MAX_SIDE || im->height > MAX_SIDE)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "frame size %dx%d is not in 1..%d",
                      (int)im->width, (int)im->height, MAX_SIDE);
  for (int p = 0; p < 3; p++) {
    int64_t need = min_stride(im->format, im->width, p);
    if (!need) continue;
    if (!im->planes[p])
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "frame plane %d is NULL", p);
    if (im->strides[p] < need)
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT,
                        "frame plane %d stride %d is below the %lld bytes of a %d-pixel row", p,
                        (int)im->strides[p], (long long)need, (int)im->width);
  }
  return ECNN_STATUS_OK;
}

/* Converts the whole frame to ARGB (B,G,R,A bytes), dst stride 4 * width. */
static int to_argb(const ecnn_image *im, uint8_t *dst) {
  const int w = im->width, h = im->height, ds = 4 * w;
  const uint8_t *const *p = im->planes;
  const int32_t *s = im->strides;
  switch (im->format) {
  case ECNN_PIXEL_RGB24: return RAWToARGB(p[0], s[0], dst, ds, w, h);
  case ECNN_PIXEL_BGR24: return RGB24ToARGB(p[0], s[0], dst, ds, w, h);
  case ECNN_PIXEL_RGBA:
  case ECNN_PIXEL_RGBX: return ABGRToARGB(p[0], s[0], dst, ds, w, h);
  case ECNN_PIXEL_BGRA:
  case ECNN_PIXEL_BGRX: return ARGBCopy(p[0], s[0], dst, ds, w, h);
  case ECNN_PIXEL_GRAY8: return J400ToARGB(p[0], s[0], dst, ds, w, h);
  case ECNN_PIXEL_I420: return I420ToARGB(p[0], s[0], p[1], s[1], p[2], s[2], dst, ds, w, h);
  case ECNN_PIXEL_NV12: return NV12ToARGB(p[0], s[0], p[1], s[1], dst, ds, w, h);
  case ECNN_PIXEL_YUY2: return YUY2ToARGB(p[0], s[0], dst, ds, w, h);
  default: return -1;
  }
}

ecnn_status ecnn_image_to_tensor(const ecnn_image *im, const ecnn_config *config, int32_t tw,
                                 int32_t th, ecnn_dtype dtype, void *tensor, ecnn_letterbox *map) {
  ecnn_status st = check_image(im);
  if (st != ECNN_STATUS_OK) return st;
  if (!config || !tensor)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "config or tensor is NULL");
  if (tw < 1 || th < 1 || tw > MAX_SIDE || th > MAX_SIDE)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "tensor size %dx%d", (int)tw, (int)th);
  if (dtype != ECNN_DTYPE_F32 && dtype != ECNN_DTYPE_U8 && dtype != ECNN_DTYPE_I8)
    return ecnn_error(ECNN_STATUS_UNSUPPORTED, "image tensors of type %s are not supported",
                      ecnn_dtype_name(dtype));
  if ((unsigned)config->resize > ECNN_RESIZE_CENTER_CROP)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "unknown resize mode %d", (int)config->resize);
  const int32_t W = im->width, H = im->height;
  /* source crop (x0, y0, cw, ch) and destination placement (px, py, iw, ih) */
  int32_t x0 = 0, y0 = 0, cw = W, ch = H, px = 0, py = 0, iw = tw, ih = th;
  if (config->resize == ECNN_RESIZE_CENTER_CROP) {
    if ((int64_t)W * th > (int64_t)H * tw) {
      cw = (int32_t)llround((double)H * tw / th);
      cw = cw < 1 ? 1 : cw;
      x0 = (W - cw) / 2;
    } else {
      ch = (int32_t)llround((double)W * th / tw);
      ch = ch < 1 ? 1 : ch;
      y0 = (H - ch) / 2;
    }
  } else if (config->resize == ECNN_RESIZE_LETTERBOX) {
    double s = fmin((double)tw / W, (double)th / H);
    iw = (int32_t)llround(W * s);
    ih = (int32_t)llround(H * s);
    iw = iw < 1 ? 1 : iw > tw ? tw : iw;
    ih = ih < 1 ? 1 : ih > th ? th : ih;
    px = (tw - iw) / 2;
    py = (th - ih) / 2;
  }
  uint8_t *scaled = calloc((size_t)tw * th, 4);
  if (!scaled) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory for a %dx%d tensor", (int)tw, (int)th);
  int rc;
  if (im->format == ECNN_PIXEL_I420 || im->format == ECNN_PIXEL_NV12) {
    /* YUV 4:2:0: scale the (even-aligned) crop in YUV first, then convert only the small
     * result — a 1280x720 frame costs a fraction of converting it whole */
    x0 &= ~1, y0 &= ~1;
    const int32_t cw2 = (iw + 1) / 2, ch2 = (ih + 1) / 2;
    uint8_t *yuv = malloc((size_t)iw * ih + 2 * (size_t)cw2 * ch2 + 64);
    if (!yuv) {
      free(scaled);
      return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory converting a %dx%d frame",
                        (int)W, (int)H);
    }
    uint8_t *ty = yuv, *tu = yuv + (size_t)iw * ih, *tv = tu + (size_t)cw2 * ch2;
    const uint8_t *sy = im->planes[0] + (size_t)y0 * im->strides[0] + x0;
    uint8_t *dst = scaled + ((size_t)py * tw + px) * 4;
    if (im->format == ECNN_PIXEL_I420) {
      const uint8_t *su = im->planes[1] + (size_t)(y0 / 2) * im->strides[1] + x0 / 2;
      const uint8_t *sv = im->planes[2] + (size_t)(y0 / 2) * im->strides[2] + x0 / 2;
      rc = I420Scale(sy, im->strides[0], su, im->strides[1], sv, im->strides[2], cw, ch, ty, iw,
                     tu, cw2, tv, cw2, iw, ih, kFilterBilinear);
      if (rc == 0) rc = I420ToARGB(ty, iw, tu, cw2, tv, cw2, dst, tw * 4, iw, ih);
    } else {
      const uint8_t *suv = im->planes[1] + (size_t)(y0 / 2) * im->strides[1] + x0;
      rc = NV12Scale(sy, im->strides[0], suv, im->strides[1], cw, ch, ty, iw, tu, 2 * cw2, iw, ih,
                     kFilterBilinear);
      if (rc == 0) rc = NV12ToARGB(ty, iw, tu, 2 * cw2, dst, tw * 4, iw, ih);
    }
    free(yuv);
  } else {
    uint8_t *full = malloc((size_t)W * H * 4);
    if (!full) {
      free(scaled);
      return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory converting a %dx%d frame",
                        (int)W, (int)H);
    }
    rc = to_argb(im, full);
    if (rc == 0)
      rc = ARGBScale(full + ((size_t)y0 * W + x0) * 4, W * 4, cw, ch,
                     scaled + ((size_t)py * tw + px) * 4, tw * 4, iw, ih, kFilterBilinear);
    free(full);
  }
  if (rc != 0) {
    free(scaled);
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "libyuv could not convert the %dx%d frame",
                      (int)W, (int)H);
  }
  /* ARGB bytes are B, G, R, A: RGB order reads 2, 1, 0 */
  const int order[3] = {config->bgr ? 0 : 2, 1, config->bgr ? 2 : 0};
  const size_t n = (size_t)tw * th;
  if (dtype == ECNN_DTYPE_F32) {
    float *t = tensor;
    for (size_t i = 0; i < n; i++)
      for (int c = 0; c < 3; c++)
        t[3 * i + c] = ((float)scaled[4 * i + order[c]] - config->mean[c]) * config->scale[c];
  } else if (dtype == ECNN_DTYPE_U8) {
    uint8_t *t = tensor;
    for (size_t i = 0; i < n; i++)
      for (int c = 0; c < 3; c++) t[3 * i + c] = scaled[4 * i + order[c]];
  } else {
    int8_t *t = tensor;
    for (size_t i = 0; i < n; i++)
      for (int c = 0; c < 3; c++) t[3 * i + c] = (int8_t)(scaled[4 * i + order[c]] - 128);
  }
  free(scaled);
  if (map) {
    map->tensor_width = tw;
    map->tensor_height = th;
    map->scale_x = (float)iw / (float)cw;
    map->scale_y = (float)ih / (float)ch;
    map->offset_x = (float)x0 - (float)px / map->scale_x;
    map->offset_y = (float)y0 - (float)py / map->scale_y;
  }
  return ECNN_STATUS_OK;
}

void ecnn_letterbox_unmap(const ecnn_letterbox *m, ecnn_detection *d) {
  if (!m || !d || m->scale_x <= 0 || m->scale_y <= 0) return;
  const float sx = (float)m->tensor_width / m->scale_x, sy = (float)m->tensor_height / m->scale_y;
  d->xmin = d->xmin * sx + m->offset_x;
  d->xmax = d->xmax * sx + m->offset_x;
  d->ymin = d->ymin * sy + m->offset_y;
  d->ymax = d->ymax * sy + m->offset_y;
  for (int32_t k = 0; k < d->num_keypoints && k < ECNN_MAX_KEYPOINTS; k++) {
    d->keypoints[k][0] = d->keypoints[k][0] * sx + m->offset_x;
    d->keypoints[k][1] = d->keypoints[k][1] * sy + m->offset_y;
  }
}
