/*
 * test_draw.c — in-place drawing and heatmap blending in every pixel format: box borders take
 * the colour (YUV formats within 2 levels of BT.601), pixels inside and outside the border are
 * untouched, clipping at every edge, text stays inside its background box, colour-map end
 * points, and blending with alpha 0 / min-score / a letterbox region.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "test_util.h"

enum { W = 40, H = 30 };

typedef struct test_frame {
  ecnn_frame f;
  uint8_t *mem;
} test_frame;

/* A frame filled with a mid-grey background (every plane 100). */
static test_frame make_frame(ecnn_pixel_format fmt) {
  static const int bpp[] = {3, 3, 4, 4, 4, 4, 1, 1, 1, 2};
  test_frame t;
  memset(&t, 0, sizeof t);
  t.mem = malloc((size_t)W * H * 4 * 2);
  memset(t.mem, 100, (size_t)W * H * 4 * 2);
  t.f.format = fmt;
  t.f.width = W;
  t.f.height = H;
  t.f.planes[0] = t.mem;
  t.f.strides[0] = W * bpp[fmt] + 8; /* padded rows */
  uint8_t *chroma = t.mem + (size_t)t.f.strides[0] * H;
  if (fmt == ECNN_PIXEL_I420) {
    t.f.planes[1] = chroma, t.f.strides[1] = W / 2;
    t.f.planes[2] = chroma + (W / 2) * (H / 2), t.f.strides[2] = W / 2;
  } else if (fmt == ECNN_PIXEL_NV12) {
    t.f.planes[1] = chroma, t.f.strides[1] = W;
  }
  return t;
}

/* Luma (or red byte for RGB formats) at (x, y). */
static int first_channel(const test_frame *t, int x, int y) {
  const uint8_t *row = t->f.planes[0] + (size_t)y * t->f.strides[0];
  switch (t->f.format) {
  case ECNN_PIXEL_RGB24: return row[3 * x];
  case ECNN_PIXEL_BGR24: return row[3 * x + 2];
  case ECNN_PIXEL_RGBA:
  case ECNN_PIXEL_RGBX: return row[4 * x];
  case ECNN_PIXEL_BGRA:
  case ECNN_PIXEL_BGRX: return row[4 * x + 2];
  case ECNN_PIXEL_YUY2: return row[2 * x];
  default: return row[x];
  }
}

START_TEST(test_box_all_formats) {
  const ecnn_rgb red = {255, 0, 0};
  for (int fmt = 0; fmt < ECNN_PIXEL_COUNT; fmt++) {
    test_frame t = make_frame((ecnn_pixel_format)fmt);
    ck_assert_int_eq(ecnn_draw_box(&t.f, 10, 8, 30, 22, 2, red), ECNN_STATUS_OK);
    /* expected first channel of red: R byte 255, BT.601 Y 82, gray luma 76 */
    int expect = fmt <= ECNN_PIXEL_BGRX ? 255 : fmt == ECNN_PIXEL_GRAY8 ? 76 : 82;
    ck_assert_msg(abs(first_channel(&t, 10, 8) - expect) <= 2, "fmt %d corner %d", fmt,
                  first_channel(&t, 10, 8));
    ck_assert_msg(abs(first_channel(&t, 20, 9) - expect) <= 2, "fmt %d top edge", fmt);
    ck_assert_msg(abs(first_channel(&t, 29, 15) - expect) <= 2, "fmt %d right edge", fmt);
    ck_assert_msg(abs(first_channel(&t, 15, 21) - expect) <= 2, "fmt %d bottom edge", fmt);
    ck_assert_int_eq(first_channel(&t, 20, 15), 100); /* inside */
    ck_assert_int_eq(first_channel(&t, 5, 5), 100);   /* outside */
    ck_assert_int_eq(first_channel(&t, 30, 15), 100); /* just right of the box */
    ck_assert_int_eq(first_channel(&t, 20, 22), 100); /* just below */
    if (fmt == ECNN_PIXEL_I420) { /* V of the border's chroma sample is red's 240 */
      ck_assert_int_eq(t.f.planes[2][(8 / 2) * t.f.strides[2] + 10 / 2], 240);
      ck_assert_int_eq(t.f.planes[2][(15 / 2) * t.f.strides[2] + 20 / 2], 100);
    }
    /* clipped boxes never write outside the frame (ASan watches) */
    ck_assert_int_eq(ecnn_draw_box(&t.f, -2, -2, 500, 500, 3, red), ECNN_STATUS_OK);
    ck_assert_msg(abs(first_channel(&t, 0, 0) - expect) <= 2, "fmt %d clipped corner", fmt);
    ck_assert_int_eq(ecnn_draw_box(&t.f, 35, 25, 90, 90, 1000, red), ECNN_STATUS_OK);
    ck_assert_int_eq(ecnn_draw_box(&t.f, 5, 5, 9, 9, 0, red), ECNN_STATUS_OK);
    ck_assert_int_eq(first_channel(&t, 7, 7), 100); /* thickness 0 draws nothing */
    free(t.mem);
  }
}
END_TEST

START_TEST(test_text) {
  test_frame t = make_frame(ECNN_PIXEL_RGB24);
  int32_t w, h;
  ecnn_text_size("Ab1", 1, &w, &h);
  ck_assert_int_eq(w, 19);
  ck_assert_int_eq(h, 9);
  const ecnn_rgb fg = {255, 255, 255}, bg = {0, 0, 0};
  ck_assert_int_eq(ecnn_draw_text(&t.f, 2, 3, "Ab1", 1, fg, bg), ECNN_STATUS_OK);
  int white = 0, black = 0, other = 0;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      int v = first_channel(&t, x, y);
      bool inside = x >= 2 && x < 2 + w && y >= 3 && y < 3 + h;
      if (!inside) ck_assert_int_eq(v, 100);
      else if (v == 255) white++;
      else if (v == 0) black++;
      else other++;
    }
  ck_assert_int_gt(white, 20); /* glyph pixels */
  ck_assert_int_gt(black, 60); /* background */
  ck_assert_int_eq(other, 0);
  /* 'A' top row is 0x0E: columns 1..3 of the first glyph, one row below the box top */
  ck_assert_int_eq(first_channel(&t, 2 + 1 + 1, 4), 255);
  ck_assert_int_eq(first_channel(&t, 2 + 1 + 0, 4), 0);
  ck_assert_int_eq(ecnn_draw_text(&t.f, 30, 25, "clipped at the edge \x01\xff", 3, fg, bg), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_draw_text(&t.f, 0, 0, NULL, 1, fg, bg), ECNN_STATUS_INVALID_ARGUMENT);
  free(t.mem);
  ecnn_frame bad = {.format = ECNN_PIXEL_NV12, .width = 4, .height = 4};
  ck_assert_int_eq(ecnn_draw_rect(&bad, 0, 0, 1, 1, fg), ECNN_STATUS_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_class_colors) {
  for (int i = 0; i < 24; i++)
    for (int j = 0; j < i; j++) {
      ecnn_rgb a = ecnn_class_color(i), b = ecnn_class_color(j);
      ck_assert_msg(a.r != b.r || a.g != b.g || a.b != b.b, "classes %d and %d share a colour", i, j);
    }
}
END_TEST

START_TEST(test_colormaps) {
  ecnn_rgb c = ecnn_colormap_lookup(ECNN_COLORMAP_JET, 0);
  ck_assert(c.r == 0 && c.g == 0 && c.b == 128); /* dark blue */
  c = ecnn_colormap_lookup(ECNN_COLORMAP_JET, 1);
  ck_assert(c.r == 128 && c.g == 0 && c.b == 0); /* dark red */
  c = ecnn_colormap_lookup(ECNN_COLORMAP_JET, 0.5f);
  ck_assert(c.g == 255);
  c = ecnn_colormap_lookup(ECNN_COLORMAP_INFERNO, 0);
  ck_assert(c.r < 10 && c.g < 10 && c.b < 10); /* near black */
  int prev = -1;
  for (int i = 0; i <= 20; i++) { /* inferno's luminance rises monotonically */
    c = ecnn_colormap_lookup(ECNN_COLORMAP_INFERNO, i / 20.0f);
    int lum = 299 * c.r + 587 * c.g + 114 * c.b;
    ck_assert_int_gt(lum, prev);
    prev = lum;
  }
  c = ecnn_colormap_lookup(ECNN_COLORMAP_TURBO, 1);
  ck_assert(c.r > 100 && c.g < 20 && c.b < 20); /* dark red end */
  c = ecnn_colormap_lookup(ECNN_COLORMAP_TURBO, 0);
  ck_assert(c.b > c.r && c.b > c.g);           /* dark blue-violet start */
}
END_TEST

START_TEST(test_heatmap_blend) {
  float map[4] = {1.0f, 0.0f, 0.0f, 0.0f}; /* 2x2 map: hot upper-left */
  for (int fmt = 0; fmt < ECNN_PIXEL_COUNT; fmt++) {
    test_frame t = make_frame((ecnn_pixel_format)fmt);
    ck_assert_int_eq(ecnn_heatmap_blend(&t.f, map, 2, 2, NULL, ECNN_COLORMAP_JET, 0.0f, 0.1f), ECNN_STATUS_OK);
    ck_assert_int_eq(first_channel(&t, 3, 3), 100); /* alpha 0: untouched */
    ck_assert_int_eq(ecnn_heatmap_blend(&t.f, map, 2, 2, NULL, ECNN_COLORMAP_JET, 1.0f, 0.5f), ECNN_STATUS_OK);
    /* hot corner gets jet(1) = (128, 0, 0): R byte 128, BT.601 Y 49, gray 38 */
    int expect = fmt <= ECNN_PIXEL_BGRX ? 128 : fmt == ECNN_PIXEL_GRAY8 ? 38 : 49;
    ck_assert_msg(abs(first_channel(&t, 2, 2) - expect) <= 2, "fmt %d hot %d", fmt, first_channel(&t, 2, 2));
    ck_assert_int_eq(first_channel(&t, 37, 27), 100); /* below min-score: untouched */
    free(t.mem);
  }
  /* a region covering only the right half of the frame: the left half stays untouched */
  test_frame t = make_frame(ECNN_PIXEL_RGB24);
  float ones[4] = {1, 1, 1, 1};
  ecnn_letterbox region = {.offset_x = 20, .offset_y = 0, .scale_x = 1, .scale_y = 1,
                           .tensor_width = 20, .tensor_height = 30};
  ck_assert_int_eq(ecnn_heatmap_blend(&t.f, ones, 2, 2, &region, ECNN_COLORMAP_JET, 1.0f, 0.0f), ECNN_STATUS_OK);
  ck_assert_int_eq(first_channel(&t, 10, 10), 100);
  ck_assert_int_eq(first_channel(&t, 30, 10), 128);
  ck_assert_int_eq(ecnn_heatmap_blend(&t.f, ones, 0, 2, NULL, ECNN_COLORMAP_JET, 1.0f, 0.0f), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_heatmap_blend(&t.f, ones, 2, 2, NULL, ECNN_COLORMAP_JET, 2.0f, 0.0f), ECNN_STATUS_INVALID_ARGUMENT);
  free(t.mem);
}
END_TEST

int main(void) {
  Suite *s = suite_create("draw");
  TCase *tc = tcase_create("draw");
  tcase_add_test(tc, test_box_all_formats);
  tcase_add_test(tc, test_text);
  tcase_add_test(tc, test_class_colors);
  tcase_add_test(tc, test_colormaps);
  tcase_add_test(tc, test_heatmap_blend);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
