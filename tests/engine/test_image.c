/*
 * test_image.c — frame → tensor preprocessing (libyuv): exact values at identity size, RGB/BGR
 * order, every pixel format built from the same colours giving the same tensor (YUV within the
 * tolerance of 8-bit BT.601), stretch / letterbox / centre-crop geometry and the map back to
 * frame pixels, tiny and very wide frames, and argument errors.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "test_util.h"

static ecnn_config cfg(void) {
  ecnn_config c;
  ecnn_config_init(&c); /* mean 127.5, scale 1/127.5, RGB, stretch */
  return c;
}

static float norm(int v) { return ((float)v - 127.5f) / 127.5f; }

START_TEST(test_identity_rgb) {
  enum { W = 7, H = 5 };
  uint8_t px[H][W * 3 + 5]; /* padded stride */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      px[y][3 * x] = (uint8_t)(10 * x), px[y][3 * x + 1] = (uint8_t)(40 * y), px[y][3 * x + 2] = 200;
    }
  ecnn_image im = {.format = ECNN_PIXEL_RGB24, .width = W, .height = H};
  im.planes[0] = &px[0][0];
  im.strides[0] = W * 3 + 5;
  ecnn_config c = cfg();
  float t[H * W * 3];
  ecnn_letterbox map;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, W, H, ECNN_DTYPE_F32, t, &map), ECNN_STATUS_OK);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      ck_assert_float_eq_tol(t[(y * W + x) * 3 + 0], norm(10 * x), 1e-6);
      ck_assert_float_eq_tol(t[(y * W + x) * 3 + 1], norm(40 * y), 1e-6);
      ck_assert_float_eq_tol(t[(y * W + x) * 3 + 2], norm(200), 1e-6);
    }
  ck_assert_float_eq(map.scale_x, 1);
  ck_assert_float_eq(map.offset_x, 0);
  c.bgr = true;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, W, H, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_OK);
  ck_assert_float_eq_tol(t[(2 * W + 3) * 3 + 0], norm(200), 1e-6);
  ck_assert_float_eq_tol(t[(2 * W + 3) * 3 + 2], norm(30), 1e-6);
  uint8_t u[H * W * 3];
  int8_t s[H * W * 3];
  c.bgr = false;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, W, H, ECNN_DTYPE_U8, u, NULL), ECNN_STATUS_OK);
  ck_assert_int_eq(u[(4 * W + 6) * 3 + 1], 160);
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, W, H, ECNN_DTYPE_I8, s, NULL), ECNN_STATUS_OK);
  ck_assert_int_eq(s[(4 * W + 6) * 3 + 0], 60 - 128);
}
END_TEST

/* A 64x48 frame of four flat quadrants in every format; all must give the same tensor. */
static const uint8_t quad[4][3] = {{200, 30, 40}, {20, 180, 60}, {50, 70, 220}, {128, 128, 128}};

static void rgb_at(int x, int y, uint8_t *rgb) {
  memcpy(rgb, quad[(y >= 24) * 2 + (x >= 32)], 3);
}

static void yuv_of(const uint8_t *rgb, int *Y, int *U, int *V) {
  double r = rgb[0], g = rgb[1], b = rgb[2];
  *Y = (int)lround(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
  *U = (int)lround(128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255);
  *V = (int)lround(128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255);
}

START_TEST(test_all_formats) {
  enum { W = 64, H = 48 };
  static uint8_t p0[H * W * 4], p1[H * W], p2[H * W];
  ecnn_config c = cfg();
  for (int f = 0; f < ECNN_PIXEL_COUNT; f++) {
    ecnn_image im = {.format = (ecnn_pixel_format)f, .width = W, .height = H};
    im.planes[0] = p0;
    uint8_t rgb[3];
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        rgb_at(x, y, rgb);
        int Y, U, V;
        yuv_of(rgb, &Y, &U, &V);
        switch (f) {
        case ECNN_PIXEL_RGB24: memcpy(p0 + (y * W + x) * 3, rgb, 3); break;
        case ECNN_PIXEL_BGR24: for (int k = 0; k < 3; k++) p0[(y * W + x) * 3 + k] = rgb[2 - k]; break;
        case ECNN_PIXEL_RGBA:
        case ECNN_PIXEL_RGBX:
          memcpy(p0 + (y * W + x) * 4, rgb, 3);
          p0[(y * W + x) * 4 + 3] = 255;
          break;
        case ECNN_PIXEL_BGRA:
        case ECNN_PIXEL_BGRX:
          for (int k = 0; k < 3; k++) p0[(y * W + x) * 4 + k] = rgb[2 - k];
          p0[(y * W + x) * 4 + 3] = 255;
          break;
        case ECNN_PIXEL_GRAY8: p0[y * W + x] = rgb[1]; break;
        case ECNN_PIXEL_I420:
          p0[y * W + x] = (uint8_t)Y;
          p1[(y / 2) * (W / 2) + x / 2] = (uint8_t)U;
          p2[(y / 2) * (W / 2) + x / 2] = (uint8_t)V;
          break;
        case ECNN_PIXEL_NV12:
          p0[y * W + x] = (uint8_t)Y;
          p1[(y / 2) * W + (x / 2) * 2] = (uint8_t)U;
          p1[(y / 2) * W + (x / 2) * 2 + 1] = (uint8_t)V;
          break;
        case ECNN_PIXEL_YUY2:
          p0[y * W * 2 + x * 2] = (uint8_t)Y;
          p0[y * W * 2 + (x / 2) * 4 + 1] = (uint8_t)U;
          p0[y * W * 2 + (x / 2) * 4 + 3] = (uint8_t)V;
          break;
        }
      }
    int bpp[] = {3, 3, 4, 4, 4, 4, 1, 1, 1, 2};
    im.strides[0] = W * bpp[f];
    if (f == ECNN_PIXEL_I420) im.planes[1] = p1, im.planes[2] = p2, im.strides[1] = im.strides[2] = W / 2;
    if (f == ECNN_PIXEL_NV12) im.planes[1] = p1, im.strides[1] = W;
    float t[32 * 24 * 3];
    ck_assert_msg(ecnn_image_to_tensor(&im, &c, 32, 24, ECNN_DTYPE_F32, t, NULL) == ECNN_STATUS_OK,
                  "format %d: %s", f, ecnn_last_error());
    /* quadrant centres of the half-size tensor */
    const int cx[4] = {8, 24, 8, 24}, cy[4] = {6, 6, 18, 18};
    float tol = f >= ECNN_PIXEL_I420 ? 8.0f / 127.5f : 1e-5f;
    for (int q = 0; q < 4; q++)
      for (int k = 0; k < 3; k++) {
        int expect = f == ECNN_PIXEL_GRAY8 ? quad[q][1] : quad[q][k];
        float got = t[(cy[q] * 32 + cx[q]) * 3 + k];
        ck_assert_msg(fabsf(got - norm(expect)) <= tol, "format %d quadrant %d channel %d: %g vs %g",
                      f, q, k, (double)got, (double)norm(expect));
      }
  }
}
END_TEST

START_TEST(test_letterbox_and_crop) {
  enum { W = 640, H = 360 };
  uint8_t *px = malloc(W * H * 3);
  memset(px, 255, W * H * 3); /* white frame */
  ecnn_image im = {.format = ECNN_PIXEL_RGB24, .width = W, .height = H};
  im.planes[0] = px;
  im.strides[0] = W * 3;
  ecnn_config c = cfg();
  c.resize = ECNN_RESIZE_LETTERBOX;
  float *t = malloc(300 * 300 * 3 * sizeof(float));
  ecnn_letterbox map;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 300, 300, ECNN_DTYPE_F32, t, &map), ECNN_STATUS_OK);
  /* 640x360 scaled by 300/640 is 300x169, placed at row 65: rows above are black (-1) */
  ck_assert_float_eq_tol(t[(10 * 300 + 150) * 3], -1.0, 1e-6);
  ck_assert_float_eq_tol(t[(290 * 300 + 150) * 3], -1.0, 1e-6);
  /* libyuv bilinear loses up to 2 levels on flat areas (8-bit fractions) */
  ck_assert_float_eq_tol(t[(150 * 300 + 150) * 3], 1.0, 2.5 / 127.5);
  ecnn_detection d = {.xmin = 0, .ymin = 65.0f / 300, .xmax = 1, .ymax = (65.0f + 169) / 300};
  ecnn_letterbox_unmap(&map, &d);
  ck_assert_float_eq_tol(d.xmin, 0, 1e-3);
  ck_assert_float_eq_tol(d.xmax, 640, 1e-3);
  ck_assert_float_eq_tol(d.ymin, 0, 1e-3);
  ck_assert_float_eq_tol(d.ymax, 360, 1e-3);
  c.resize = ECNN_RESIZE_CENTER_CROP;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 300, 300, ECNN_DTYPE_F32, t, &map), ECNN_STATUS_OK);
  ecnn_detection e = {.xmin = 0, .ymin = 0, .xmax = 1, .ymax = 1, .num_keypoints = 1};
  e.keypoints[0][0] = 0.5f, e.keypoints[0][1] = 0.5f;
  ecnn_letterbox_unmap(&map, &e);
  ck_assert_float_eq_tol(e.xmin, 140, 1e-3);
  ck_assert_float_eq_tol(e.xmax, 500, 1e-3);
  ck_assert_float_eq_tol(e.ymax, 360, 1e-3);
  ck_assert_float_eq_tol(e.keypoints[0][0], 320, 1e-3);
  c.resize = ECNN_RESIZE_STRETCH;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 300, 300, ECNN_DTYPE_F32, t, &map), ECNN_STATUS_OK);
  ecnn_detection s = {.xmin = 0.5f, .ymin = 0.5f, .xmax = 1, .ymax = 1};
  ecnn_letterbox_unmap(&map, &s);
  ck_assert_float_eq_tol(s.xmin, 320, 1e-3);
  ck_assert_float_eq_tol(s.ymin, 180, 1e-3);
  free(px);
  free(t);
}
END_TEST

START_TEST(test_extreme_sizes) {
  ecnn_config c = cfg();
  uint8_t one[3] = {10, 20, 30};
  ecnn_image im = {.format = ECNN_PIXEL_RGB24, .width = 1, .height = 1};
  im.planes[0] = one;
  im.strides[0] = 3;
  float t[16 * 16 * 3];
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 16, 16, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_OK);
  ck_assert_float_eq_tol(t[(15 * 16 + 15) * 3 + 2], norm(30), 1e-6);
  c.resize = ECNN_RESIZE_LETTERBOX;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 16, 16, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_OK);
  c.resize = ECNN_RESIZE_CENTER_CROP;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 16, 16, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_OK);
  /* 4097x3, I420 with odd width: chroma planes are 2049 wide */
  enum { W = 4097, H = 3 };
  uint8_t *y = calloc(W * H, 1), *u = calloc(2049 * 2, 1), *v = calloc(2049 * 2, 1);
  ecnn_image wide = {.format = ECNN_PIXEL_I420, .width = W, .height = H};
  wide.planes[0] = y, wide.planes[1] = u, wide.planes[2] = v;
  wide.strides[0] = W, wide.strides[1] = wide.strides[2] = 2049;
  for (int m = 0; m < 3; m++) {
    c.resize = (ecnn_resize_mode)m;
    ck_assert_msg(ecnn_image_to_tensor(&wide, &c, 16, 16, ECNN_DTYPE_F32, t, NULL) == ECNN_STATUS_OK,
                  "%s", ecnn_last_error());
  }
  free(y);
  free(u);
  free(v);
}
END_TEST

START_TEST(test_bad_arguments) {
  ecnn_config c = cfg();
  uint8_t px[12] = {0};
  float t[12];
  ecnn_image im = {.format = ECNN_PIXEL_RGB24, .width = 2, .height = 2};
  im.planes[0] = px;
  im.strides[0] = 6;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 2, 2, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_OK);
  im.strides[0] = 5;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 2, 2, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "stride"));
  im.strides[0] = 6;
  im.planes[0] = NULL;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 2, 2, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  im.planes[0] = px;
  im.width = 0;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 2, 2, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  im.width = 16385;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 2, 2, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  im.width = 2;
  im.format = ECNN_PIXEL_COUNT;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 2, 2, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  im.format = ECNN_PIXEL_NV12; /* no chroma plane */
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 2, 2, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  im.format = ECNN_PIXEL_RGB24;
  ck_assert_int_eq(ecnn_image_to_tensor(&im, NULL, 2, 2, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 0, 2, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_image_to_tensor(&im, &c, 2, 2, ECNN_DTYPE_I32, t, NULL), ECNN_STATUS_UNSUPPORTED);
  ck_assert_int_eq(ecnn_image_to_tensor(NULL, &c, 2, 2, ECNN_DTYPE_F32, t, NULL), ECNN_STATUS_INVALID_ARGUMENT);
}
END_TEST

int main(void) {
  Suite *s = suite_create("image");
  TCase *tc = tcase_create("image");
  tcase_add_test(tc, test_identity_rgb);
  tcase_add_test(tc, test_all_formats);
  tcase_add_test(tc, test_letterbox_and_crop);
  tcase_add_test(tc, test_extreme_sizes);
  tcase_add_test(tc, test_bad_arguments);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
