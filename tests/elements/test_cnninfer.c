/*
 * test_cnninfer.c — cnninfer in GstHarness: the person in astronaut.png and the coffee cup in
 * coffee.png come out as ROI metas at the reference boxes (../shared/tools/README.md), the
 * same through cnnpreprocess's tensor meta, BlazeFace keypoints, interval=N, renegotiation to
 * another format and size, the JSON lines, the saliency meta, a clear error for a missing
 * model, precision=int8 quantizing a float model at start from calibration images, and
 * inflight=N giving every frame of a stream the results inflight=1 gives it, in order.
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

/* One line per frame: its PTS, every ROI (label, box, confidence) and a digest of its saliency
 * map. */
static gchar *
describe (GstBuffer * buf)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "pts %" G_GUINT64_FORMAT ":", GST_BUFFER_PTS (buf));
  gpointer state = NULL;
  GstMeta *m;
  while ((m = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;
    gdouble conf = -1;
    gst_structure_get_double (gst_video_region_of_interest_meta_get_param (roi,
            "detection"), "confidence", &conf);
    g_string_append_printf (s, " %s %u,%u,%u,%u %.5f", g_quark_to_string (roi->roi_type),
        roi->x, roi->y, roi->w, roi->h, conf);
  }
  EcnnTensorMeta *t = gst_buffer_get_ecnn_tensor_meta (buf, "saliency");
  if (t) {
    gchar *md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, t->data, t->bytes);
    g_string_append_printf (s, " saliency %s", md5);
    g_free (md5);
  }
  return g_string_free (s, FALSE);
}

/* Pushes n frames at 30 fps (astronaut.png, every third one coffee.png) and EOS through
 * cnninfer with `props`; lines[i] describes output frame i. Returns the frames inferred. */
static guint64
run_stream (const gchar * model_name, const gchar * props, guint n, gchar ** lines,
    GstClockTime * latency)
{
  gchar *model = eu_model (model_name);
  gchar *desc = g_strdup_printf ("cnninfer model=\"%s\" %s", model, props);
  GstHarness *h = gst_harness_new_parse (desc);
  g_free (desc);
  g_free (model);
  GstCaps *caps, *caps2;
  GstBuffer *frames[2] = { eu_photo ("astronaut.png", "RGB", 320, 240, &caps),
    eu_photo ("coffee.png", "RGB", 320, 240, &caps2)
  };
  gst_caps_unref (caps2);
  caps = gst_caps_make_writable (caps);
  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
  gst_harness_set_src_caps (h, caps);
  for (guint i = 0; i < n; i++) {
    GstBuffer *b = gst_buffer_copy_deep (frames[i % 3 == 2]);
    GST_BUFFER_PTS (b) = gst_util_uint64_scale_int (i, GST_SECOND, 30);
    ck_assert_int_eq (gst_harness_push (h, b), GST_FLOW_OK);
  }
  if (latency)
    *latency = gst_harness_query_latency (h);
  ck_assert (gst_harness_push_event (h, gst_event_new_eos ()));
  for (guint i = 0; i < n; i++) {
    GstBuffer *out = gst_harness_pull (h);
    ck_assert_ptr_nonnull (out);
    lines[i] = describe (out);
    gst_buffer_unref (out);
  }
  ck_assert_uint_eq (gst_harness_buffers_in_queue (h), 0);
  guint64 inferred = 0;
  GstElement *e = gst_harness_find_element (h, "cnninfer");
  g_object_get (e, "frames", &inferred, NULL);
  gst_object_unref (e);
  gst_buffer_unref (frames[0]);
  gst_buffer_unref (frames[1]);
  gst_harness_teardown (h);
  return inferred;
}

/* Decodes a photo (eu_photo), sets its caps on h and pushes it. */
static void
push_photo (GstHarness * h, const gchar * name, const gchar * format, gint w, gint hgt)
{
  GstCaps *caps;
  GstBuffer *in = eu_photo (name, format, w, hgt, &caps);
  gst_harness_set_src_caps (h, caps);
  ck_assert_int_eq (gst_harness_push (h, in), GST_FLOW_OK);
}

/* inflight=N gives every frame the results inflight=1 gives it, in order, with interval too,
 * for a detector and a segmentation model (saliency maps); frames still inside at EOS leave
 * then; the latency grows by N - 1 frames; a teardown with frames inside ends cleanly. */
GST_START_TEST (test_inflight)
{
  enum { N = 7 };
  static const struct
  {
    const gchar *model, *props;
    guint inferred;
  } cases[] = {
    {SSD, "saliency=true", N},
    {SSD, "interval=3", 3},        /* frames 0, 3, 6 */
    {"selfie_segmentation.tflite", "saliency=true", N},
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    gchar *ref[N], *got[N];
    GstClockTime lat1 = 0, lat3 = 0;
    gchar *p1 = g_strdup_printf ("%s inflight=1", cases[c].props);
    gchar *p3 = g_strdup_printf ("%s inflight=3 threads=1", cases[c].props);
    ck_assert_uint_eq (run_stream (cases[c].model, p1, N, ref, &lat1), cases[c].inferred);
    ck_assert_uint_eq (run_stream (cases[c].model, p3, N, got, &lat3), cases[c].inferred);
    for (guint i = 0; i < N; i++) {
      ck_assert_msg (!strcmp (ref[i], got[i]), "%s %s frame %u:\n  %s\nvs\n  %s",
          cases[c].model, cases[c].props, i, ref[i], got[i]);
      gchar *pts = g_strdup_printf ("pts %" G_GUINT64_FORMAT ":",
          gst_util_uint64_scale_int (i, GST_SECOND, 30));
      ck_assert_msg (g_str_has_prefix (got[i], pts), "frame %u: %s", i, got[i]);
      g_free (pts);
      g_free (ref[i]);
      g_free (got[i]);
    }
    /* two more frame times (1/30 s each) */
    ck_assert_msg (lat3 >= lat1 + 2 * GST_SECOND / 30 - 1 && lat3 <= lat1 + 2 * GST_SECOND / 30
        + 1, "latency %" GST_TIME_FORMAT " vs %" GST_TIME_FORMAT, GST_TIME_ARGS (lat3),
        GST_TIME_ARGS (lat1));
    g_free (p1);
    g_free (p3);
  }
  /* new caps with frames inside: they leave first, described by the old caps (the person at
   * its place in the 512x512 RGB frame), then the cup in the 640x426 I420 one */
  {
    GstHarness *h = infer_harness ("inflight=2 threads=1");
    push_photo (h, "astronaut.png", "RGB", 0, 0);
    push_photo (h, "coffee.png", "I420", 640, 426);
    ck_assert (gst_harness_push_event (h, gst_event_new_eos ()));
    GstBuffer *out = gst_harness_pull (h);
    expect_person (out, 512, 512);
    /* (its box reaches below row 426: clamped to the old frame, not the new one) */
    GstVideoRegionOfInterestMeta *person = eu_find_roi (out, "Person", NULL);
    ck_assert_uint_gt (person->y + person->h, 426);
    gst_buffer_unref (out);
    out = gst_harness_pull (h);
    GstVideoRegionOfInterestMeta *roi = eu_find_roi (out, "Coffee cup", NULL);
    ck_assert_msg (roi != NULL && eu_iou (roi, 0.29, 0.05, 0.70, 0.81, 640, 426) >= 0.7,
        "cup after new caps");
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
  /* a teardown (to NULL) with frames still inside */
  GstHarness *h = infer_harness ("inflight=2 threads=1");
  GstCaps *caps;
  GstBuffer *in = eu_photo ("astronaut.png", "RGB", 0, 0, &caps);
  gst_harness_set_src_caps (h, caps);
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq (gst_harness_push (h, gst_buffer_copy_deep (in)), GST_FLOW_OK);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* threshold is changeable while playing: the next frame's detections follow it (0.99: none of
 * the astronaut's; -1: the sidecar's again), for the detector as for a property set before. */
GST_START_TEST (test_threshold_live)
{
  GstHarness *h = infer_harness (NULL);
  GstCaps *caps;
  GstBuffer *in = eu_photo ("astronaut.png", "RGB", 0, 0, &caps);
  gst_harness_set_src_caps (h, caps);
  GstElement *e = gst_harness_find_element (h, "cnninfer");
  const gdouble thresholds[3] = { -1, 0.99, -1 };
  guint counts[3];
  for (int i = 0; i < 3; i++) {
    g_object_set (e, "threshold", thresholds[i], NULL);
    ck_assert_int_eq (gst_harness_push (h, gst_buffer_copy_deep (in)), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (h);
    counts[i] = eu_roi_count (out);
    gst_buffer_unref (out);
  }
  ck_assert_uint_gt (counts[0], 0);
  ck_assert_uint_eq (counts[1], 0);
  ck_assert_uint_eq (counts[2], counts[0]);
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
  tcase_add_test (tc, test_threshold_live);
  tcase_add_test (tc, test_inflight);
  tcase_add_test (tc, test_json_and_saliency);
  tcase_add_test (tc, test_segmentation_mask);
  tcase_add_test (tc, test_missing_model);
  tcase_add_test (tc, test_int8_calibration);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (cnninfer);
