/*
 * test_cnnpreprocess.c — cnnpreprocess in GstHarness: every supported format negotiates and
 * gets an "input" tensor meta of the model's size whose contents equal the engine's own
 * preprocessing of the same frame, the pixels pass unchanged, explicit size / normalization /
 * ROI properties are applied, and bad settings fail at start.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <string.h>

#include "edgecnn.h"
#include "elements_util.h"
#include "gstcnnmeta.h"
#include "gstcnnutil.h"

static const gchar *formats[] = { "NV12", "I420", "YUY2", "RGB", "BGR", "RGBx", "BGRx",
  "RGBA", "BGRA", "GRAY8"
};

GST_START_TEST (test_all_formats)
{
  gchar *model = eu_model ("ssd_mobilenetv2_oidv4_fp16.tflite");
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    gchar *desc = g_strdup_printf ("cnnpreprocess model=\"%s\"", model);
    GstHarness *h = gst_harness_new_parse (desc);
    GstCaps *caps;
    GstBuffer *in = eu_test_frame (formats[f], 322, 241, "smpte", &caps);
    ck_assert_ptr_nonnull (in);
    GstBuffer *copy = gst_buffer_copy_deep (in);
    gst_harness_set_src_caps (h, gst_caps_ref (caps));
    ck_assert_int_eq (gst_harness_push (h, in), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (h);
    EcnnTensorMeta *m = gst_buffer_get_ecnn_tensor_meta (out, "input");
    ck_assert_msg (m != NULL, "%s: no tensor meta", formats[f]);
    ck_assert_int_eq (m->dims[1], 300);
    ck_assert_int_eq (m->dims[2], 300);
    ck_assert_int_eq (m->dims[3], 3);
    /* the same frame through the engine directly */
    GstVideoInfo info;
    GstVideoFrame frame;
    ecnn_image image;
    ecnn_config cfg;
    ecnn_config_init (&cfg);
    ck_assert (gst_video_info_from_caps (&info, caps));
    ck_assert (gst_video_frame_map (&frame, &info, copy, GST_MAP_READ));
    ck_assert (ecnn_gst_frame_image (&frame, &image));
    gfloat *expect = g_new (gfloat, 300 * 300 * 3);
    ck_assert_int_eq (ecnn_image_to_tensor (&image, &cfg, 300, 300, ECNN_DTYPE_F32, expect,
            NULL), ECNN_STATUS_OK);
    /* the sidecar's scale (0.00784313725) differs from 1/127.5 in the last bits */
    gfloat worst = 0;
    for (gsize i = 0; i < 300 * 300 * 3; i++)
      worst = MAX (worst, fabsf (expect[i] - ((const gfloat *) m->data)[i]));
    ck_assert_msg (worst < 1e-5f, "%s: tensor differs by %g", formats[f], worst);
    gst_video_frame_unmap (&frame);
    /* pixels untouched */
    GstMapInfo a, b;
    gst_buffer_map (out, &a, GST_MAP_READ);
    gst_buffer_map (copy, &b, GST_MAP_READ);
    ck_assert_int_eq (a.size, b.size);
    ck_assert (memcmp (a.data, b.data, a.size) == 0);
    gst_buffer_unmap (out, &a);
    gst_buffer_unmap (copy, &b);
    g_free (expect);
    gst_buffer_unref (out);
    gst_buffer_unref (copy);
    gst_caps_unref (caps);
    gst_harness_teardown (h);
    g_free (desc);
  }
  g_free (model);
}
GST_END_TEST;

GST_START_TEST (test_explicit_settings)
{
  GstHarness *h = gst_harness_new_parse ("cnnpreprocess width=8 height=4 mean=0 "
      "scale=1 channel-order=bgr roi=\"4,2,16,8\"");
  GstCaps *caps;
  GstBuffer *in = eu_test_frame ("RGB", 64, 48, "red", &caps);
  gst_harness_set_src_caps (h, caps);
  ck_assert_int_eq (gst_harness_push (h, in), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  EcnnTensorMeta *m = gst_buffer_get_ecnn_tensor_meta (out, "input");
  ck_assert_ptr_nonnull (m);
  ck_assert_int_eq (m->dims[1], 4);
  ck_assert_int_eq (m->dims[2], 8);
  const gfloat *t = m->data;
  /* red frame, BGR order, no normalization: (0, 0, 255) */
  ck_assert (t[0] < 1.0f && t[1] < 1.0f && t[2] > 250.0f);
  /* the ROI is mapped: tensor x = (frame x - 4) * 8 / 16 */
  ck_assert_float_eq_tol (m->map.offset_x, 4, 1e-4);
  ck_assert_float_eq_tol (m->map.scale_x, 0.5, 1e-4);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_bad_settings)
{
  const gchar *bad[] = { "cnnpreprocess", "cnnpreprocess width=8 height=8 mean=abc",
    "cnnpreprocess width=8 height=8 roi=1,2", "cnnpreprocess model=/nonexistent.tflite"
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *desc = g_strdup_printf ("videotestsrc num-buffers=1 ! %s ! fakesink", bad[i]);
    GstElement *pipe = gst_parse_launch (desc, NULL);
    ck_assert_ptr_nonnull (pipe);
    gst_element_set_state (pipe, GST_STATE_PLAYING);
    GstBus *bus = gst_element_get_bus (pipe);
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    ck_assert_msg (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR, "'%s' did not fail",
        bad[i]);
    gst_message_unref (msg);
    gst_object_unref (bus);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (pipe);
    g_free (desc);
  }
}
GST_END_TEST;

static Suite *
cnnpreprocess_suite (void)
{
  Suite *s = suite_create ("cnnpreprocess");
  TCase *tc = tcase_create ("cnnpreprocess");
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_all_formats);
  tcase_add_test (tc, test_explicit_settings);
  tcase_add_test (tc, test_bad_settings);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (cnnpreprocess);
