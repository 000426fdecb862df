/*
 * test_cnnheatmap.c — cnnheatmap in GstHarness: a hand-made saliency meta (hot upper-left
 * quarter) changes the hot region and leaves the cold one untouched in RGB, I420, NV12 and
 * GRAY8; without a meta the frame is byte-identical; properties round-trip.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <string.h>

#include "elements_util.h"
#include "gstcnnmeta.h"

static guint8
px (GstBuffer * buf, GstCaps * caps, gint x, gint y)
{
  GstVideoInfo info;
  GstVideoFrame f;
  gst_video_info_from_caps (&info, caps);
  gst_video_frame_map (&f, &info, buf, GST_MAP_READ);
  const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, 0) +
      y * GST_VIDEO_FRAME_PLANE_STRIDE (&f, 0);
  guint8 v = row[x * GST_VIDEO_FRAME_COMP_PSTRIDE (&f, 0)];
  gst_video_frame_unmap (&f);
  return v;
}

GST_START_TEST (test_blend)
{
  const gchar *formats[] = { "RGB", "I420", "NV12", "GRAY8" };
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstHarness *h = gst_harness_new_parse ("cnnheatmap alpha=1 min-score=0.5 colormap=jet");
    GstCaps *caps;
    GstBuffer *in = eu_test_frame (formats[f], 64, 48, "white", &caps);
    gfloat *map = g_new0 (gfloat, 16 * 16);
    for (int y = 0; y < 8; y++)
      for (int x = 0; x < 8; x++)
        map[y * 16 + x] = 1.0f;
    gint dims[4] = { 1, 16, 16, 1 };
    ecnn_letterbox lb = { 0, 0, 16.0f / 64, 16.0f / 48, 16, 16 };
    gst_buffer_add_ecnn_tensor_meta (in, "saliency", ECNN_DTYPE_F32, 4, dims, map,
        16 * 16 * sizeof (gfloat), &lb);
    GstBuffer *orig = gst_buffer_copy_deep (in);
    gst_harness_set_src_caps (h, gst_caps_ref (caps));
    ck_assert_int_eq (gst_harness_push (h, in), GST_FLOW_OK);
    GstBuffer *out = gst_harness_pull (h);
    ck_assert_msg (px (out, caps, 5, 5) != px (orig, caps, 5, 5), "%s: hot region unchanged",
        formats[f]);
    ck_assert_int_eq (px (out, caps, 60, 44), px (orig, caps, 60, 44));
    ck_assert_int_eq (px (out, caps, 50, 10), px (orig, caps, 50, 10));
    gst_buffer_unref (out);
    gst_buffer_unref (orig);
    gst_caps_unref (caps);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

GST_START_TEST (test_no_meta_and_properties)
{
  GstHarness *h = gst_harness_new_parse ("cnnheatmap");
  GstCaps *caps;
  GstBuffer *in = eu_test_frame ("NV12", 64, 48, "smpte", &caps);
  GstBuffer *orig = gst_buffer_copy_deep (in);
  gst_harness_set_src_caps (h, caps);
  ck_assert_int_eq (gst_harness_push (h, in), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  GstMapInfo a, b;
  gst_buffer_map (out, &a, GST_MAP_READ);
  gst_buffer_map (orig, &b, GST_MAP_READ);
  ck_assert (a.size == b.size && memcmp (a.data, b.data, a.size) == 0);
  gst_buffer_unmap (out, &a);
  gst_buffer_unmap (orig, &b);
  gst_buffer_unref (out);
  gst_buffer_unref (orig);
  gst_harness_teardown (h);
  GstElement *e = gst_element_factory_make ("cnnheatmap", NULL);
  gdouble alpha;
  gint cmap;
  g_object_set (e, "alpha", 0.25, NULL);
  gst_util_set_object_arg (G_OBJECT (e), "colormap", "inferno");
  g_object_get (e, "alpha", &alpha, "colormap", &cmap, NULL);
  ck_assert (alpha == 0.25);
  ck_assert_int_eq (cmap, ECNN_COLORMAP_INFERNO);
  gst_object_unref (e);
}
GST_END_TEST;

static Suite *
cnnheatmap_suite (void)
{
  Suite *s = suite_create ("cnnheatmap");
  TCase *tc = tcase_create ("cnnheatmap");
  tcase_add_test (tc, test_blend);
  tcase_add_test (tc, test_no_meta_and_properties);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (cnnheatmap);
