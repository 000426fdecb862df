/*
 * test_e2e.c — the detector (sidecar + model + preprocessing + decoding) on real photos, at
 * the engine level (the photos as stored for the golden tests, so no image decoder is needed
 * here; tests/cli/test_detect.c does the same from the PNG files through `edgecnn detect`).
 * Expected boxes: ../shared/tools/README.md (tfl_ref.py + ssd_decode.py on the same photos).
 */
#include <check.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "test_util.h"

static uint8_t *photo(const char *name, size_t expect) {
  char path[1024];
  const char *root = getenv("ECNN_SOURCE_ROOT");
  snprintf(path, sizeof path, "%s/tests/golden/%s", root ? root : ".", name);
  size_t size = 0;
  uint8_t *u = tu_read_file(path, &size);
  ck_assert_msg(u && size == expect, "cannot read %s", path);
  return u;
}

static ecnn_detector *make_detector(const char *model, ecnn_config *cfg) {
  ecnn_config_init(cfg);
  ck_assert_msg(ecnn_config_load_for_model(cfg, tu_model_path(model)) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  ecnn_detector *d = NULL;
  ck_assert_msg(ecnn_detector_create(cfg, NULL, &d) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  return d;
}

/* Detections of `label` with the reference box (normalized x0, y0, x1, y1) at IoU >= 0.7. */
static void expect_object(const char *rgb, int32_t w, int32_t h, const char *label, float x0,
                          float y0, float x1, float y1) {
  ecnn_config cfg;
  ecnn_detector *d = make_detector("ssd_mobilenetv2_oidv4_fp16.tflite", &cfg);
  uint8_t *u = photo(rgb, (size_t)w * h * 3);
  ecnn_image im = {.format = ECNN_PIXEL_RGB24, .width = w, .height = h};
  im.planes[0] = u;
  im.strides[0] = w * 3;
  ecnn_detection dets[64];
  int32_t n = 0;
  ck_assert_msg(ecnn_detector_detect(d, &im, dets, 64, &n) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  ecnn_detection ref = {.xmin = x0 * w, .ymin = y0 * h, .xmax = x1 * w, .ymax = y1 * h};
  int found = 0;
  for (int32_t i = 0; i < n; i++) {
    const char *l = ecnn_config_label(&cfg, dets[i].class_id);
    printf("%s: %s %.3f (%.1f %.1f %.1f %.1f)\n", rgb, l ? l : "?", (double)dets[i].score,
           (double)dets[i].xmin, (double)dets[i].ymin, (double)dets[i].xmax, (double)dets[i].ymax);
    if (l && !strcmp(l, label) && dets[i].score >= 0.45f && ecnn_box_iou(&dets[i], &ref) >= 0.7f)
      found++;
  }
  ck_assert_msg(found == 1, "%s: %d matching '%s' detections", rgb, found, label);
  /* a threshold above every score leaves none; back at the sidecar's, the same detections */
  const float sidecar = ecnn_detector_config(d)->decode.score_threshold;
  ck_assert_int_eq(ecnn_detector_set_threshold(d, 0.999f), ECNN_STATUS_OK);
  int32_t none = -1;
  ck_assert_int_eq(ecnn_detector_detect(d, &im, dets, 64, &none), ECNN_STATUS_OK);
  ck_assert_int_eq(none, 0);
  ck_assert_int_eq(ecnn_detector_set_threshold(d, sidecar), ECNN_STATUS_OK);
  int32_t again = -1;
  ck_assert_int_eq(ecnn_detector_detect(d, &im, dets, 64, &again), ECNN_STATUS_OK);
  ck_assert_int_eq(again, n);
  ck_assert_int_eq(ecnn_detector_set_threshold(d, 1.5f), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_detector_set_threshold(d, NAN), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(ecnn_detector_set_threshold(NULL, 0.5f), ECNN_STATUS_INVALID_ARGUMENT);
  free(u);
  ecnn_detector_free(d);
  ecnn_config_clear(&cfg);
}

START_TEST(test_person) {
  expect_object("astronaut_300x300.rgb", 300, 300, "Person", 0.04f, 0.03f, 0.71f, 0.99f);
}
END_TEST

START_TEST(test_coffee_cup) {
  expect_object("coffee_300x300.rgb", 300, 300, "Coffee cup", 0.29f, 0.05f, 0.70f, 0.81f);
}
END_TEST

START_TEST(test_face) {
  ecnn_config cfg;
  ecnn_detector *d = make_detector("face_detection_short_range.tflite", &cfg);
  uint8_t *u = photo("astronaut_128x128.rgb", 128 * 128 * 3);
  ecnn_image im = {.format = ECNN_PIXEL_RGB24, .width = 128, .height = 128};
  im.planes[0] = u;
  im.strides[0] = 128 * 3;
  ecnn_detection dets[16];
  int32_t n = 0;
  ck_assert_msg(ecnn_detector_detect(d, &im, dets, 16, &n) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  ck_assert_int_eq(n, 1);
  /* reference: centre (0.44, 0.25), size 0.185, eyes (0.40, 0.20) and (0.49, 0.21) */
  float cx = (dets[0].xmin + dets[0].xmax) / 2 / 128, cy = (dets[0].ymin + dets[0].ymax) / 2 / 128;
  float size = (dets[0].xmax - dets[0].xmin) / 128;
  ck_assert_msg(fabsf(cx - 0.44f) < 0.02f && fabsf(cy - 0.25f) < 0.02f, "centre %g %g",
                (double)cx, (double)cy);
  ck_assert_msg(fabsf(size - 0.185f) < 0.02f, "size %g", (double)size);
  ck_assert_float_ge(dets[0].score, 0.85f);
  ck_assert_int_eq(dets[0].num_keypoints, 6);
  ck_assert_msg(fabsf(dets[0].keypoints[0][0] / 128 - 0.40f) < 0.02f &&
                    fabsf(dets[0].keypoints[0][1] / 128 - 0.20f) < 0.02f,
                "right eye %g %g", (double)dets[0].keypoints[0][0] / 128,
                (double)dets[0].keypoints[0][1] / 128);
  ck_assert_msg(fabsf(dets[0].keypoints[1][0] / 128 - 0.49f) < 0.02f, "left eye x %g",
                (double)dets[0].keypoints[1][0] / 128);
  free(u);
  ecnn_detector_free(d);
  ecnn_config_clear(&cfg);
}
END_TEST

START_TEST(test_mismatched_sidecar) {
  ecnn_config cfg;
  ecnn_config_init(&cfg);
  ck_assert_int_eq(ecnn_config_load_for_model(&cfg, tu_model_path("ssd_mobilenetv2_oidv4_fp16.tflite")),
                   ECNN_STATUS_OK);
  cfg.decode.num_classes = 90; /* the model has 24 */
  ecnn_detector *d = NULL;
  ck_assert_int_eq(ecnn_detector_create(&cfg, NULL, &d), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_ptr_null(d);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "90 classes"));
  /* the BlazeFace sidecar on the SSD model: 896 anchors vs 1917 rows */
  ecnn_config face;
  ecnn_config_init(&face);
  ck_assert_int_eq(ecnn_config_load_for_model(&face, tu_model_path("face_detection_short_range.tflite")),
                   ECNN_STATUS_OK);
  snprintf(face.model_path, sizeof face.model_path, "%s", tu_model_path("ssd_mobilenetv2_oidv4_fp16.tflite"));
  ck_assert_int_eq(ecnn_detector_create(&face, NULL, &d), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "896 anchors"));
  ecnn_config_clear(&cfg);
  ecnn_config_clear(&face);
}
END_TEST

int main(void) {
  Suite *s = suite_create("e2e");
  TCase *tc = tcase_create("e2e");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_person);
  tcase_add_test(tc, test_coffee_cup);
  tcase_add_test(tc, test_face);
  tcase_add_test(tc, test_mismatched_sidecar);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
