/*
 * test_states.c — every element through NULL → PLAYING → NULL three times, and the full
 * pipeline (cnnpreprocess ! queue ! cnninfer ! queue ! cnnoverlay ! cnnheatmap) run to EOS
 * and an endless stream through a flushing seek mid-way, with the inference in the streaming
 * thread and with frames in flight (inflight=2): no errors, every frame annotated.
 */
#include <gst/check/gstcheck.h>

#include "elements_util.h"
#include "gstcnnmeta.h"

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
    "cnninfer model=\"%s\" inflight=2 threads=1", "cnnoverlay", "cnnheatmap"
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

static GstPadProbeReturn
count_annotated (GstPad * pad, GstPadProbeInfo * info, gpointer user)
{
  (void) pad;
  if (gst_buffer_get_ecnn_tensor_meta (GST_PAD_PROBE_INFO_BUFFER (info), "saliency"))
    g_atomic_int_inc ((gint *) user);
  return GST_PAD_PROBE_OK;
}

/* Polls until at least n annotated frames reached the sink (at most a minute). */
static void
wait_annotated (gint * annotated, gint n)
{
  for (int i = 0; i < 6000 && g_atomic_int_get (annotated) < n; i++)
    g_usleep (10000);
  ck_assert_int_ge (g_atomic_int_get (annotated), n);
}

/* The full pipeline with the inference in the streaming thread and with frames in flight:
 * 8 frames to EOS, every one annotated; then an endless stream sought back to the start
 * (a flush, with frames in flight) mid-way, and frames still annotated after it. */
GST_START_TEST (test_full_pipeline_and_seek)
{
  const gchar *infer[] = { "", "inflight=2 threads=1" };
  gchar *middle = g_strdup_printf ("cnnpreprocess model=\"%%s\" ! queue ! "
      "cnninfer model=\"%%s\" saliency=true %s ! queue ! cnnoverlay ! cnnheatmap",
      infer[__i__]);
  for (int endless = 0; endless < 2; endless++) {
    GstElement *p = pipeline (middle, endless ? -1 : 8);
    ck_assert_ptr_nonnull (p);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (p), "sink");
    GstPad *pad = gst_element_get_static_pad (sink, "sink");
    gint annotated = 0;
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_annotated, &annotated, NULL);
    gst_element_set_state (p, GST_STATE_PLAYING);
    if (!endless) {
      run_to_eos (p);
      ck_assert_int_eq (g_atomic_int_get (&annotated), 8);
    } else {
      wait_annotated (&annotated, 4);
      ck_assert (gst_element_seek_simple (p, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, 0));
      const gint after = g_atomic_int_get (&annotated) + 8;
      wait_annotated (&annotated, after);
      GstBus *bus = gst_element_get_bus (p);
      GstMessage *err = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      ck_assert_msg (err == NULL, "pipeline error after the seek");
      gst_object_unref (bus);
    }
    gst_element_set_state (p, GST_STATE_NULL);
    gst_object_unref (pad);
    gst_object_unref (sink);
    gst_object_unref (p);
  }
  g_free (middle);
}
GST_END_TEST;

static Suite *
states_suite (void)
{
  Suite *s = suite_create ("states");
  TCase *tc = tcase_create ("states");
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_state_cycles);
  tcase_add_loop_test (tc, test_full_pipeline_and_seek, 0, 2);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (states);
