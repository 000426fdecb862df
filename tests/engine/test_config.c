/*
 * test_config.c — sidecars: both shipped ones parse to the values the models need, labels
 * load (class ids as in the SSD label map), and malformed files fail with the file, line and
 * key in the message (unknown key, bad number, missing '=', unknown section, missing label
 * file, over-long line).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edgecnn.h"
#include "test_util.h"

START_TEST(test_ssd_sidecar) {
  ecnn_config c;
  ecnn_config_init(&c);
  const char *model = tu_model_path("ssd_mobilenetv2_oidv4_fp16.tflite");
  ck_assert_msg(ecnn_config_load_for_model(&c, model) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ck_assert_str_eq(c.model_path, model);
  ck_assert_int_eq(c.task, ECNN_TASK_SSD);
  ck_assert_float_eq_tol(c.mean[1], 127.5, 1e-6);
  ck_assert_float_eq_tol(c.scale[2], 1 / 127.5, 1e-9);
  ck_assert(!c.bgr);
  ck_assert_int_eq(c.resize, ECNN_RESIZE_STRETCH);
  ck_assert_int_eq(c.anchors.num_layers, 6);
  ck_assert_int_eq(c.anchors.strides[5], 512);
  ck_assert_int_eq(c.anchors.num_aspect_ratios, 5);
  ck_assert_float_eq_tol(c.anchors.aspect_ratios[4], 0.3333, 1e-6);
  ck_assert(c.anchors.reduce_boxes_in_lowest_layer);
  ck_assert_int_eq(ecnn_anchor_count(&c.anchors), 1917);
  ck_assert_int_eq(c.decode.box_format, ECNN_BOX_YXHW);
  ck_assert_float_eq(c.decode.h_scale, 5);
  ck_assert_int_eq(c.decode.num_classes, 24);
  ck_assert(c.decode.ignore_class_0);
  ck_assert_int_eq(c.decode.nms, ECNN_NMS_HARD);
  ck_assert_float_eq_tol(c.decode.iou_threshold, 0.45, 1e-6);
  ck_assert_int_eq(c.num_labels, 24);
  ck_assert_str_eq(ecnn_config_label(&c, 0), "???");
  ck_assert_str_eq(ecnn_config_label(&c, 4), "Person");
  ck_assert_str_eq(ecnn_config_label(&c, 13), "Coffee cup");
  ck_assert_str_eq(ecnn_config_label(&c, 23), "Car");
  ck_assert_ptr_null(ecnn_config_label(&c, 24));
  ck_assert_ptr_null(ecnn_config_label(&c, -1));
  ecnn_config_clear(&c);
  ecnn_config_clear(&c); /* twice is harmless */
}
END_TEST

START_TEST(test_face_sidecar) {
  ecnn_config c;
  ecnn_config_init(&c);
  ck_assert_int_eq(ecnn_config_load_for_model(&c, tu_model_path("face_detection_short_range.tflite")),
                   ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_anchor_count(&c.anchors), 896);
  ck_assert(c.anchors.fixed_anchor_size);
  ck_assert_int_eq(c.decode.box_format, ECNN_BOX_XYWH);
  ck_assert_int_eq(c.decode.num_coords, 16);
  ck_assert_int_eq(c.decode.num_keypoints, 6);
  ck_assert_int_eq(c.decode.nms, ECNN_NMS_WEIGHTED);
  ck_assert_float_eq(c.decode.score_clip, 100);
  ck_assert_float_eq_tol(c.decode.score_threshold, 0.5, 1e-6);
  ck_assert_str_eq(ecnn_config_label(&c, 0), "face");
  ecnn_config_clear(&c);
}
END_TEST

/* Writes text to a temp sidecar and loads it; returns the status, message in msg. */
static ecnn_status load_text(const char *text, char *msg, size_t n, int *line_in_msg) {
  char path[] = "/tmp/ecnn_cfg_XXXXXX";
  int fd = mkstemp(path);
  ck_assert(fd >= 0);
  ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  ecnn_config c;
  ecnn_config_init(&c);
  ecnn_status st = ecnn_config_load_file(&c, path);
  snprintf(msg, n, "%s", st == ECNN_STATUS_OK ? "" : ecnn_last_error());
  if (line_in_msg) {
    char needle[600];
    snprintf(needle, sizeof needle, "%s:", path);
    *line_in_msg = strstr(msg, needle) != NULL;
  }
  ecnn_config_clear(&c);
  unlink(path);
  return st;
}

START_TEST(test_bad_sidecars) {
  char msg[1024];
  int named;
  ck_assert_int_eq(load_text("[model]\ntask = ssd\n[decode]\nthreshhold = 0.5\n", msg, sizeof msg, &named),
                   ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_msg(named && strstr(msg, ":4:") && strstr(msg, "threshhold"), "%s", msg);
  ck_assert_int_eq(load_text("[decode]\nthreshold = zero\n", msg, sizeof msg, &named),
                   ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_msg(strstr(msg, ":2:") && strstr(msg, "zero"), "%s", msg);
  ck_assert_int_eq(load_text("[input]\nmean 127\n", msg, sizeof msg, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_msg(strstr(msg, "key = value"), "%s", msg);
  ck_assert_int_eq(load_text("[network]\n", msg, sizeof msg, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_msg(strstr(msg, "[network]"), "%s", msg);
  ck_assert_int_eq(load_text("task = ssd\n", msg, sizeof msg, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(load_text("[model]\nlabels = /nonexistent/labels.txt\n", msg, sizeof msg, NULL),
                   ECNN_STATUS_IO_ERROR);
  ck_assert_msg(strstr(msg, "/nonexistent/labels.txt"), "%s", msg);
  ck_assert_int_eq(load_text("[input]\nscale = 0\n", msg, sizeof msg, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(load_text("[anchors]\nstrides = 1;2;3;4;5;6;7;8;9\n", msg, sizeof msg, NULL),
                   ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_int_eq(load_text("[model]\ntask = segmentation\n", msg, sizeof msg, NULL),
                   ECNN_STATUS_INVALID_ARGUMENT);
  char *longline = malloc(3000);
  memset(longline, 'a', 2998);
  memcpy(longline, "[model]\n# ", 10);
  longline[2998] = '\n';
  longline[2999] = 0;
  ck_assert_int_eq(load_text(longline, msg, sizeof msg, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_msg(strstr(msg, "longer than"), "%s", msg);
  free(longline);
  /* comments, blank lines, spaces and a 3-value mean are fine */
  ck_assert_int_eq(load_text("# c\n\n[input]\n  mean = 1; 2;3 \n; other comment\n", msg, sizeof msg, NULL),
                   ECNN_STATUS_OK);
  ecnn_config c;
  ecnn_config_init(&c);
  ck_assert_int_eq(ecnn_config_load_file(&c, "/nonexistent/x.ini"), ECNN_STATUS_IO_ERROR);
  ck_assert_int_eq(ecnn_config_load_for_model(&c, "/nonexistent/m.tflite"), ECNN_STATUS_IO_ERROR);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "/nonexistent/m.tflite.ini"));
}
END_TEST

int main(void) {
  Suite *s = suite_create("config");
  TCase *tc = tcase_create("config");
  tcase_add_test(tc, test_ssd_sidecar);
  tcase_add_test(tc, test_face_sidecar);
  tcase_add_test(tc, test_bad_sidecars);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
