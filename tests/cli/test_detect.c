/*
 * test_detect.c — `edgecnn detect` end to end on the real photos (PNG decoded by GStreamer,
 * libyuv preprocessing, the engine, SSD decoding): the person in astronaut.png and the coffee
 * cup in coffee.png against the reference boxes of ../shared/tools/README.md, exactly one
 * BlazeFace face on the astronaut's face, `edgecnn quantize` and its int8 model's face,
 * `edgecnn prune`, and
 * the exit codes of the command's contract
 * (1 with "edgecnn: error:" for bad input, 2 for bad usage).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

typedef struct det {
  char label[64];
  double score, x, y, w, h;
} det;

static char out_buf[65536], err_path[512];

/* Runs `edgecnn ARGS`, capturing stdout in out_buf and stderr in a file; returns exit code. */
static int run(const char *args) {
  const char *build = getenv("ECNN_BUILD_ROOT"), *src = getenv("ECNN_SOURCE_ROOT");
  ck_assert_msg(build && src, "ECNN_BUILD_ROOT / ECNN_SOURCE_ROOT not set (run via meson test)");
  snprintf(err_path, sizeof err_path, "%s/tests/cli/stderr.txt", build);
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "cd '%s' && '%s/src/cli/edgecnn' %s 2>'%s'", src, build, args, err_path);
  FILE *p = popen(cmd, "r");
  ck_assert(p != NULL);
  size_t n = fread(out_buf, 1, sizeof out_buf - 1, p);
  out_buf[n] = 0;
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static double num(const char *line, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  const char *p = strstr(line, pat);
  ck_assert_msg(p != NULL, "no %s in %s", key, line);
  return atof(p + strlen(pat));
}

/* Parses the JSON lines in out_buf. */
static int parse(det *d, int max) {
  int n = 0;
  for (char *save = NULL, *line = strtok_r(out_buf, "\n", &save); line && n < max;
       line = strtok_r(NULL, "\n", &save)) {
    const char *l = strstr(line, "\"label\": \"");
    ck_assert_msg(l != NULL, "not a detection line: %s", line);
    l += 10;
    size_t k = 0;
    while (l[k] && l[k] != '"' && k < sizeof d[n].label - 1) {
      d[n].label[k] = l[k];
      k++;
    }
    d[n].label[k] = 0;
    d[n].score = num(line, "score");
    d[n].x = num(line, "x"), d[n].y = num(line, "y"), d[n].w = num(line, "w"), d[n].h = num(line, "h");
    n++;
  }
  return n;
}

static double iou(const det *a, double x0, double y0, double x1, double y1) {
  double ix = fmin(a->x + a->w, x1) - fmax(a->x, x0), iy = fmin(a->y + a->h, y1) - fmax(a->y, y0);
  if (ix <= 0 || iy <= 0) return 0;
  double inter = ix * iy;
  return inter / (a->w * a->h + (x1 - x0) * (y1 - y0) - inter);
}

static void expect(const char *image, int w, int h, const char *label, double x0, double y0,
                   double x1, double y1) {
  char args[512];
  snprintf(args, sizeof args, "detect models/ssd_mobilenetv2_oidv4_fp16.tflite tests/data/%s", image);
  ck_assert_int_eq(run(args), 0);
  det d[64];
  int n = parse(d, 64), found = 0;
  for (int i = 0; i < n; i++)
    if (!strcmp(d[i].label, label) && d[i].score >= 0.45 &&
        iou(&d[i], x0 * w, y0 * h, x1 * w, y1 * h) >= 0.7)
      found++;
  ck_assert_msg(found == 1, "%s: no '%s' at the reference box in:\n%s", image, label, out_buf);
}

START_TEST(test_person) { expect("astronaut.png", 512, 512, "Person", 0.04, 0.03, 0.71, 0.99); }
END_TEST

START_TEST(test_coffee_cup) { expect("coffee.png", 600, 400, "Coffee cup", 0.29, 0.05, 0.70, 0.81); }
END_TEST

START_TEST(test_face) {
  ck_assert_int_eq(run("detect models/face_detection_short_range.tflite tests/data/astronaut.png"), 0);
  ck_assert_ptr_nonnull(strstr(out_buf, "\"keypoints\": [["));
  det d[8];
  int n = parse(d, 8);
  ck_assert_int_eq(n, 1);
  double cx = (d[0].x + d[0].w / 2) / 512, cy = (d[0].y + d[0].h / 2) / 512;
  ck_assert_msg(fabs(cx - 0.44) < 0.03 && fabs(cy - 0.25) < 0.03, "face centre %g %g", cx, cy);
  ck_assert_msg(fabs(d[0].w / 512 - 0.185) < 0.185 * 0.2, "face size %g", d[0].w / 512);
}
END_TEST

static void expect_error(const char *args, int code, const char *needle) {
  ck_assert_int_eq(run(args), code);
  FILE *f = fopen(err_path, "r");
  ck_assert(f != NULL);
  char err[1024] = "";
  size_t n = fread(err, 1, sizeof err - 1, f);
  err[n] = 0;
  fclose(f);
  if (code == 1) ck_assert_msg(!strncmp(err, "edgecnn: error: ", 16), "stderr: %s", err);
  ck_assert_msg(strstr(err, needle) != NULL, "stderr lacks '%s': %s", needle, err);
}

START_TEST(test_errors) {
  expect_error("detect models/ssd_mobilenetv2_oidv4_fp16.tflite tests/data/missing.png", 1,
               "missing.png");
  expect_error("detect models/ssd_mobilenetv2_oidv4_fp16.tflite README.md", 1, "README.md");
  expect_error("info /nonexistent/model.tflite", 1, "/nonexistent/model.tflite");
  expect_error("info tests/data/astronaut.png", 1, "TFL3");
  expect_error("frobnicate", 2, "unknown command");
  expect_error("detect models/ssd_mobilenetv2_oidv4_fp16.tflite", 2, "IMAGE");
  expect_error("detect models/ssd_mobilenetv2_oidv4_fp16.tflite tests/data/coffee.png --threshold 7", 2,
               "--threshold");
  expect_error("run models/face_detection_short_range.tflite --input README.md --output-dir /tmp/x",
               1, "needs 196608");
}
END_TEST

/* `edgecnn quantize` on BlazeFace with the test photos: an int8 model and its sidecar, which
 * `detect --precision int8` then runs to the same single face as the float model finds. */
START_TEST(test_quantize) {
  const char *build = getenv("ECNN_BUILD_ROOT");
  char args[1024], out[512];
  snprintf(out, sizeof out, "%s/tests/cli/face.int8.tflite", build);
  snprintf(args, sizeof args,
           "quantize models/face_detection_short_range.tflite --calibration tests/data -o '%s'",
           out);
  ck_assert_int_eq(run(args), 0);
  ck_assert_ptr_nonnull(strstr(out_buf, "minmax calibration on 2 images"));
  ck_assert_ptr_nonnull(strstr(out_buf, "int8"));
  snprintf(args, sizeof args, "detect '%s' tests/data/astronaut.png --precision int8", out);
  ck_assert_int_eq(run(args), 0);
  det d[8];
  int n = parse(d, 8);
  ck_assert_int_eq(n, 1);
  ck_assert_str_eq(d[0].label, "face");
  double cx = (d[0].x + d[0].w / 2) / 512, cy = (d[0].y + d[0].h / 2) / 512;
  ck_assert_msg(fabs(cx - 0.44) < 0.03 && fabs(cy - 0.25) < 0.03, "face centre %g %g", cx, cy);
  snprintf(args, sizeof args,
           "quantize models/face_detection_short_range.tflite --calibration tests/data "
           "--method percentile --percentile 99.9 -o '%s'",
           out);
  ck_assert_int_eq(run(args), 0);
  ck_assert_ptr_nonnull(strstr(out_buf, "percentile calibration 99.9%"));
  /* an int8 model is not quantized again; bad arguments are usage errors */
  snprintf(args, sizeof args, "quantize '%s' --calibration tests/data -o /tmp/x.tflite", out);
  expect_error(args, 1, "quantized");
  expect_error("quantize models/face_detection_short_range.tflite --calibration tests/golden "
               "-o /tmp/x.tflite",
               1, "no calibration images");
  expect_error("quantize models/face_detection_short_range.tflite -o /tmp/x.tflite", 2,
               "--calibration");
  expect_error("quantize models/face_detection_short_range.tflite --calibration tests/data", 2,
               "-o");
  expect_error("quantize models/face_detection_short_range.tflite --calibration tests/data "
               "-o /tmp/x.tflite --method median",
               2, "--method");
  expect_error("quantize models/face_detection_short_range.tflite --calibration tests/data "
               "-o /tmp/x.tflite --method percentile --percentile 20",
               2, "--percentile");
  remove(out);
  snprintf(out, sizeof out, "%s/tests/cli/face.int8.tflite.ini", build);
  remove(out);
}
END_TEST

/* `edgecnn prune`: the 1x1 layers at half their weight blocks, with the sidecar, and the
 * pruned model still runs `detect`; bad options are usage errors. */
START_TEST(test_prune) {
  const char *build = getenv("ECNN_BUILD_ROOT");
  char args[1024], out[512];
  snprintf(out, sizeof out, "%s/tests/cli/ssd.p50.tflite", build);
  snprintf(args, sizeof args,
           "prune models/ssd_mobilenetv2_oidv4_fp16.tflite --sparsity 0.5 -o '%s'", out);
  ck_assert_int_eq(run(args), 0);
  ck_assert_ptr_nonnull(strstr(out_buf, "50 1x1 convolutions"));
  ck_assert_ptr_nonnull(strstr(out_buf, "of 3024000 weights zero (51.5%), blocks of 32"));
  snprintf(args, sizeof args, "detect '%s' tests/data/coffee.png --threshold 0.1", out);
  ck_assert_int_eq(run(args), 0); /* runs; what it finds is another matter (docs) */
  expect_error("prune models/ssd_mobilenetv2_oidv4_fp16.tflite --sparsity 1 -o /tmp/x.tflite", 2,
               "--sparsity");
  expect_error("prune models/ssd_mobilenetv2_oidv4_fp16.tflite --sparsity 0.5", 2, "-o");
  expect_error("prune models/ssd_mobilenetv2_oidv4_fp16.tflite --sparsity 0.5 "
               "--block-channels 0 -o /tmp/x.tflite",
               2, "--block-channels");
  expect_error("prune tests/data/coffee.png --sparsity 0.5 -o /tmp/x.tflite", 1, "coffee.png");
  remove(out);
  snprintf(out, sizeof out, "%s/tests/cli/ssd.p50.tflite.ini", build);
  remove(out);
}
END_TEST

START_TEST(test_info) {
  ck_assert_int_eq(run("info models/ssd_mobilenetv2_oidv4_fp16.tflite"), 0);
  ck_assert_ptr_nonnull(strstr(out_buf, "float32 1x300x300x3"));
  ck_assert_ptr_nonnull(strstr(out_buf, "raw_outputs/box_encodings float32 1x1917x4"));
  ck_assert_ptr_nonnull(strstr(out_buf, "raw_outputs/class_predictions float32 1x1917x24"));
  ck_assert_ptr_nonnull(strstr(out_buf, "(673.4 M)"));
  ck_assert_ptr_nonnull(strstr(out_buf, "params: 4951996"));
  ck_assert_ptr_nonnull(strstr(out_buf, "arena bytes: "));
  ck_assert_ptr_nonnull(strstr(out_buf, "CONV_2D                  55"));
}
END_TEST

int main(void) {
  Suite *s = suite_create("cli");
  TCase *tc = tcase_create("detect");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_person);
  tcase_add_test(tc, test_coffee_cup);
  tcase_add_test(tc, test_face);
  tcase_add_test(tc, test_errors);
  tcase_add_test(tc, test_info);
  tcase_add_test(tc, test_quantize);
  tcase_add_test(tc, test_prune);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
