/*
 * test_cnninfer.c — cnninfer in GstHarness: the person in astronaut.png and the coffee cup in
 * coffee.png come out as ROI metas at the reference boxes (../shared/tools/README.md), the
 * same through cnnpreprocess's tensor meta, BlazeFace keypoints, interval=N, renegotiation to
 * another format and size, the JSON lines, the saliency meta, a clear error for a missing
 * model, and precision=int8 quantizing a float model at start from calibration images.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/gstvideometa.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "elements_util.h"
#include "gstcnnmeta.h"

#define SSD "ssd_mobilenetv2_oidv4_fp16.tflite"

static GstHarness *
infer_harness (const gchar * extra)
{
  gchar *model = eu_model (SSD);
  gchar *desc = g_strdup_printf ("cnninfer model=\"%s\" %s", model, extra ? extra : "");
  GstHarness *h = gst_harness_new_parse (desc);
  g_free (desc);
  g_free (model);
  return h;
}

static GstBuffer *
run_one (GstHarness * h, GstBuffer * in, GstCaps * caps)
{
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  ck_assert_int_eq (gst_harness_push (h, in), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  ck_assert_ptr_nonnull (out);
  return out;
}

static void
expect_person (GstBuffer * out, gint w, gint hgt)
{
  gdouble conf;
  GstVideoRegionOfInterestMeta *roi = eu_find_roi (out, "Person", &conf);
  ck_assert_msg (roi != NULL, "no Person ROI");
  ck_assert_msg (conf >= 0.45, "Person confidence %g", conf);
  gdouble iou = eu_iou (roi, 0.04, 0.03, 0.71, 0.99, w, hgt);
  ck_assert_msg (iou >= 0.7, "Person IoU %g", iou);
  GstStructure *s = gst_video_region_of_interest_meta_get_param (roi, "detection");
  gint cid = -1;
  ck_assert (gst_structure_get_int (s, "class-id", &cid));
  ck_assert_int_eq (cid, 4);
}

GST_START_TEST (test_person_and_cup)
{
  GstCaps *caps;
  GstHarness *h = infer_harness (NULL);
  GstBuffer *in = eu_photo ("astronaut.png", "RGB", 0, 0, &caps);
  GstBuffer *out = run_one (h, in, caps);
  expect_person (out, 512, 512);
  gst_buffer_unref (out);
  gst_caps_unref (caps);
  /* same harness, new caps: renegotiation to I420 at another size */
  in = eu_photo ("coffee.png", "I420", 640, 426, &caps);
  out = run_one (h, in, caps);
  gdouble conf;
  GstVideoRegionOfInterestMeta *roi = eu_find_roi (out, "Coffee cup", &conf);
  ck_assert_msg (roi != NULL, "no Coffee cup ROI");
  ck_assert_msg (conf >= 0.45, "cup confidence %g", conf);
  ck_assert_msg (eu_iou (roi, 0.29, 0.05, 0.70, 0.81, 640, 426) >= 0.7, "cup IoU");
  gst_buffer_unref (out);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_tensor_meta_path)
{
  gchar *model = eu_model (SSD);
  gchar *desc = g_strdup_printf ("cnnpreprocess model=\"%s\" ! cnninfer model=\"%s\"",
      model, model);
  GstHarness *h = gst_harness_new_parse (desc);
  GstCaps *caps;
  GstBuffer *in = eu_photo ("astronaut.png", "NV12", 0, 0, &caps);
  GstBuffer *out = run_one (h, in, caps);
  ck_assert_ptr_nonnull (gst_buffer_get_ecnn_tensor_meta (out, "input"));
  expect_person (out, 512, 512);
  gst_buffer_unref (out);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  g_free (desc);
  g_free (model);
}
GST_END_TEST;

GST_START_TEST (test_face_keypoints)
{
  gchar *model = eu_model ("face_detection_short_range.tflite");
  gchar *desc = g_strdup_printf ("cnninfer model=\"%s\"", model);
  GstHarness *h = gst_harness_new_parse (desc);
  GstCaps *caps;
  GstBuffer *in = eu_photo ("astronaut.png", "BGRx", 0, 0, &caps);
  GstBuffer *out = run_one (h, in, caps);
  ck_assert_int_eq (eu_roi_count (out), 1);
  GstVideoRegionOfInterestMeta *roi = eu_find_roi (out, "face", NULL);
  ck_assert_ptr_nonnull (roi);
  gdouble cx = (roi->x + roi->w / 2.0) / 512, cy = (roi->y + roi->h / 2.0) / 512;
  ck_assert_msg (fabs (cx - 0.44) < 0.03 && fabs (cy - 0.25) < 0.03, "face at %g %g", cx, cy);
  GstStructure *s = gst_video_region_of_interest_meta_get_param (roi, "detection");
  const GValue *kp = gst_structure_get_value (s, "keypoints");
  ck_assert (kp && GST_VALUE_HOLDS_ARRAY (kp));
  ck_assert_int_eq (gst_value_array_get_size (kp), 12);
  gst_buffer_unref (out);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  g_free (desc);
  g_free (model);
}
GST_END_TEST;

GST_START_TEST (test_interval)
{
  GstHarness *h = infer_harness ("interval=3");
  GstCaps *caps;
  GstBuffer *in = eu_photo ("astronaut.png", "RGB", 0, 0, &caps);
  gst_harness_set_src_caps (h, caps);   /* takes the caps */
  guint counts[6];
  for (int i = 0; i < 6; i++) {
    ck_assert_int_eq (gst_harness_push (h, gst_buffer_copy_deep (in)), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (h);
    counts[i] = eu_roi_count (out);
    ck_assert_msg (eu_find_roi (out, "Person", NULL) != NULL, "frame %d lacks the Person", i);
    gst_buffer_unref (out);
  }
  for (int i = 1; i < 6; i++)
    ck_assert_int_eq (counts[i], counts[0]);
  guint64 frames = 0;
  GstElement *e = gst_harness_find_element (h, "cnninfer");
  g_object_get (e, "frames", &frames, NULL);
  ck_assert_uint_eq (frames, 2);        /* frames 0 and 3 were inferred */
  gst_object_unref (e);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_json_and_saliency)
{
  gchar *name = g_strdup_printf ("cnninfer_test_%d.jsonl", (int) getpid ());
  gchar *json = g_build_filename (g_get_tmp_dir (), name, NULL);
  g_free (name);
  gchar *extra = g_strdup_printf ("saliency=true json-file=\"%s\"", json);
  GstHarness *h = infer_harness (extra);
  GstCaps *caps;
  GstBuffer *in = eu_photo ("astronaut.png", "RGB", 0, 0, &caps);
  GST_BUFFER_PTS (in) = 40 * GST_MSECOND;
  GstBuffer *out = run_one (h, in, caps);
  EcnnTensorMeta *m = gst_buffer_get_ecnn_tensor_meta (out, "saliency");
  ck_assert_ptr_nonnull (m);
  ck_assert_int_eq (m->dims[1], 300);
  const gfloat *map = m->data;
  gdouble inside = 0, corner = 0;
  for (int y = 60; y < 240; y++)
    for (int x = 40; x < 180; x++)
      inside += map[y * 300 + x] / (180.0 * 140);
  for (int y = 280; y < 300; y++)
    for (int x = 260; x < 300; x++)
      corner += map[y * 300 + x] / (20.0 * 40);
  ck_assert_msg (inside > 1.3 * corner, "saliency inside %g, corner %g", inside, corner);
  gst_buffer_unref (out);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  gchar *text = NULL;
  ck_assert (g_file_get_contents (json, &text, NULL, NULL));
  ck_assert_msg (strstr (text, "{\"pts\": 40000000, \"frame\": 0, \"label\": \"Person\", "
          "\"class_id\": 4, \"score\": 0.58") != NULL, "json: %s", text);
  g_free (text);
  g_unlink (json);
  g_free (json);
  g_free (extra);
}
GST_END_TEST;

GST_START_TEST (test_segmentation_mask)
{
  /* a segmentation model: no ROIs, the saliency meta is its mask (person = 1) */
  gchar *model = eu_model ("selfie_segmentation.tflite");
  gchar *desc = g_strdup_printf ("cnninfer model=\"%s\" saliency=true", model);
  GstHarness *h = gst_harness_new_parse (desc);
  GstCaps *caps;
  GstBuffer *in = eu_photo ("astronaut.png", "I420", 0, 0, &caps);
  GstBuffer *out = run_one (h, in, caps);
  ck_assert_int_eq (eu_roi_count (out), 0);
  EcnnTensorMeta *m = gst_buffer_get_ecnn_tensor_meta (out, "saliency");
  ck_assert_ptr_nonnull (m);
  ck_assert_int_eq (m->dims[1], 256);
  const gfloat *map = m->data;
  gdouble face = 0, bg = 0;
  for (int y = 40; y < 100; y++)
    for (int x = 90; x < 140; x++)
      face += map[y * 256 + x] / (60.0 * 50);
  for (int y = 0; y < 30; y++)
    for (int x = 200; x < 256; x++)
      bg += map[y * 256 + x] / (30.0 * 56);
  ck_assert_msg (face > 0.8 && bg < 0.1, "mask: face %g, background %g", face, bg);
  gst_buffer_unref (out);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  g_free (desc);
  g_free (model);
}
GST_END_TEST;

/* Posts the pipeline's first error (or fails); returns its message (g_free). */
static gchar *
first_error (const gchar * desc)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  ck_assert_ptr_nonnull (pipe);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  ck_assert_ptr_nonnull (msg);
  ck_assert_int_eq (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  GError *err = NULL;
  gst_message_parse_error (msg, &err, NULL);
  gchar *text = g_strdup (err->message);
  g_clear_error (&err);
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  return text;
}

/* precision=int8 with calibration images quantizes the float BlazeFace at start (into the
 * user cache folder, reused by the next start) and still finds the astronaut's face; without
 * calibration a float model at int8 is a clear error. */
GST_START_TEST (test_int8_calibration)
{
  gchar *cache = g_dir_make_tmp ("ecnn_cache_XXXXXX", NULL);
  ck_assert_ptr_nonnull (cache);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  gchar *model = eu_model ("face_detection_short_range.tflite");
  gchar *photos = eu_data ("");
  gchar *desc = g_strdup_printf ("cnninfer model=\"%s\" precision=int8 "
      "calibration=\"%s\"", model, photos);
  for (int round = 0; round < 2; round++) {     /* quantize, then from the cache */
    GstHarness *h = gst_harness_new_parse (desc);
    GstCaps *caps;
    GstBuffer *in = eu_photo ("astronaut.png", "RGB", 0, 0, &caps);
    GstBuffer *out = run_one (h, in, caps);
    ck_assert_int_eq (eu_roi_count (out), 1);
    GstVideoRegionOfInterestMeta *roi = eu_find_roi (out, "face", NULL);
    ck_assert_ptr_nonnull (roi);
    gdouble cx = (roi->x + roi->w / 2.0) / 512, cy = (roi->y + roi->h / 2.0) / 512;
    ck_assert_msg (fabs (cx - 0.44) < 0.03 && fabs (cy - 0.25) < 0.03, "face at %g %g",
        cx, cy);
    gst_buffer_unref (out);
    gst_caps_unref (caps);
    gst_harness_teardown (h);
    gchar *dir = g_build_filename (cache, "edgecnn", NULL);
    GDir *d = g_dir_open (dir, 0, NULL);
    ck_assert_ptr_nonnull (d);
    guint n = 0;
    for (const gchar * f; (f = g_dir_read_name (d));)
      n += g_str_has_suffix (f, ".int8.tflite");
    ck_assert_uint_eq (n, 1);
    g_dir_close (d);
    g_free (dir);
  }
  g_free (desc);
  /* an int8 model with calibration images runs as it is: the face found, nothing quantized
   * (still one model in the cache) */
  gchar *dir = g_build_filename (cache, "edgecnn", NULL);
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *f = g_dir_read_name (d);
  gchar *cached = g_build_filename (dir, f, NULL), *sidecar = g_strdup_printf ("%s.ini", model);
  g_dir_close (d);
  desc = g_strdup_printf ("cnninfer model=\"%s\" config=\"%s\" precision=int8 "
      "calibration=\"%s\"", cached, sidecar, photos);
  GstHarness *h = gst_harness_new_parse (desc);
  GstCaps *caps;
  GstBuffer *in = eu_photo ("astronaut.png", "RGB", 0, 0, &caps);
  GstBuffer *out = run_one (h, in, caps);
  ck_assert_ptr_nonnull (eu_find_roi (out, "face", NULL));
  gst_buffer_unref (out);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  for (; (f = g_dir_read_name (d));)
    n += g_str_has_suffix (f, ".int8.tflite");
  g_dir_close (d);
  ck_assert_uint_eq (n, 1);
  g_free (desc);
  g_free (cached);
  g_free (sidecar);
  g_free (dir);
  desc = g_strdup_printf ("videotestsrc num-buffers=1 ! cnninfer model=\"%s\" "
      "precision=int8 ! fakesink", model);
  gchar *err = first_error (desc);
  ck_assert_msg (strstr (err, "int8") != NULL, "%s", err);
  g_free (err);
  g_free (desc);
  desc = g_strdup_printf ("videotestsrc num-buffers=1 ! cnninfer model=\"%s\" "
      "precision=int8 calibration=/nonexistent/folder ! fakesink", model);
  err = first_error (desc);
  ck_assert_msg (strstr (err, "/nonexistent/folder") != NULL, "%s", err);
  g_free (err);
  g_free (desc);
  g_free (photos);
  g_free (model);
  gchar *rm = g_strdup_printf ("rm -rf '%s'", cache);
  ck_assert_int_eq (system (rm), 0);
  g_free (rm);
  g_free (cache);
  g_unsetenv ("XDG_CACHE_HOME");
}
GST_END_TEST;

GST_START_TEST (test_missing_model)
{
  gchar *err = first_error ("videotestsrc num-buffers=1 ! "
      "cnninfer model=/nonexistent/model.tflite ! fakesink");
  ck_assert_msg (strstr (err, "/nonexistent/model.tflite") != NULL, "%s", err);
  g_free (err);
}
GST_END_TEST;

static Suite *
cnninfer_suite (void)
{
  Suite *s = suite_create ("cnninfer");
  TCase *tc = tcase_create ("cnninfer");
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_person_and_cup);
  tcase_add_test (tc, test_tensor_meta_path);
  tcase_add_test (tc, test_face_keypoints);
  tcase_add_test (tc, test_interval);
  tcase_add_test (tc, test_json_and_saliency);
  tcase_add_test (tc, test_segmentation_mask);
  tcase_add_test (tc, test_missing_model);
  tcase_add_test (tc, test_int8_calibration);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (cnninfer);
