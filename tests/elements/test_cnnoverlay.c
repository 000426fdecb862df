/*
 * test_cnnoverlay.c — cnnoverlay in GstHarness: a hand-attached ROI meta is drawn in every
 * format (border pixels change, the inside and the far background do not), the label goes
 * above the box only with show-labels, and a buffer without metas passes byte-identical.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/gstvideometa.h>
#include <string.h>

#include "elements_util.h"

static const gchar *formats[] = { "NV12", "I420", "YUY2", "RGB", "BGR", "RGBx", "BGRx",
  "RGBA", "BGRA", "GRAY8"
};

/* First byte of pixel (x, y) in plane 0 (luma for YUV, first channel for RGB-like). */
static guint8
px (GstBuffer * buf, GstCaps * caps, gint x, gint y)
{
  GstVideoInfo info;
  GstVideoFrame f;
  gst_video_info_from_caps (&info, caps);
  gst_video_frame_map (&f, &info, buf, GST_MAP_READ);
  const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, 0) +
      y * GST_VIDEO_FRAME_PLANE_STRIDE (&f, 0);
  gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (&f, 0);
  guint8 v = row[x * ps];
  gst_video_frame_unmap (&f);
  return v;
}

static GstBuffer *
overlay (const gchar * desc, const gchar * format, GstCaps ** caps, gboolean with_meta,
    GstBuffer ** original)
{
  GstHarness *h = gst_harness_new_parse (desc);
  GstBuffer *in = eu_test_frame (format, 160, 120, "black", caps);
  if (with_meta) {
    GstVideoRegionOfInterestMeta *roi =
        gst_buffer_add_video_region_of_interest_meta (in, "Person", 40, 40, 60, 50);
    gst_video_region_of_interest_meta_add_param (roi, gst_structure_new ("detection",
            "label", G_TYPE_STRING, "Person", "class-id", G_TYPE_INT, 4,
            "confidence", G_TYPE_DOUBLE, 0.87, NULL));
  }
  *original = gst_buffer_copy_deep (in);
  gst_harness_set_src_caps (h, gst_caps_ref (*caps));
  ck_assert_int_eq (gst_harness_push (h, in), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  gst_harness_teardown (h);
  return out;
}

GST_START_TEST (test_draws_in_every_format)
{
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstCaps *caps;
    GstBuffer *orig;
    GstBuffer *out = overlay ("cnnoverlay thickness=3", formats[f], &caps, TRUE, &orig);
    guint8 bg = px (orig, caps, 70, 65);
    ck_assert_msg (px (out, caps, 41, 65) != bg, "%s: left border not drawn", formats[f]);
    ck_assert_msg (px (out, caps, 70, 88) != bg, "%s: bottom border not drawn", formats[f]);
    ck_assert_int_eq (px (out, caps, 70, 65), bg);      /* inside */
    ck_assert_int_eq (px (out, caps, 150, 110), px (orig, caps, 150, 110));     /* far */
    /* the label's background box starts at the box's left edge, above it */
    ck_assert_msg (px (out, caps, 40, 25) != px (orig, caps, 40, 25), "%s: no label",
        formats[f]);
    gst_buffer_unref (out);
    gst_buffer_unref (orig);
    gst_caps_unref (caps);
  }
}
GST_END_TEST;

GST_START_TEST (test_labels_off_and_no_meta)
{
  GstCaps *caps;
  GstBuffer *orig;
  GstBuffer *out = overlay ("cnnoverlay show-labels=false show-scores=false", "RGB", &caps,
      TRUE, &orig);
  for (gint x = 40; x < 100; x++)
    ck_assert_int_eq (px (out, caps, x, 30), px (orig, caps, x, 30));
  ck_assert (px (out, caps, 41, 65) != px (orig, caps, 41, 65));
  gst_buffer_unref (out);
  gst_buffer_unref (orig);
  gst_caps_unref (caps);
  /* no metas: byte-identical */
  out = overlay ("cnnoverlay", "I420", &caps, FALSE, &orig);
  GstMapInfo a, b;
  gst_buffer_map (out, &a, GST_MAP_READ);
  gst_buffer_map (orig, &b, GST_MAP_READ);
  ck_assert (a.size == b.size && memcmp (a.data, b.data, a.size) == 0);
  gst_buffer_unmap (out, &a);
  gst_buffer_unmap (orig, &b);
  gst_buffer_unref (out);
  gst_buffer_unref (orig);
  gst_caps_unref (caps);
  /* properties round-trip */
  GstElement *e = gst_element_factory_make ("cnnoverlay", NULL);
  gint t;
  g_object_set (e, "thickness", 5, NULL);
  g_object_get (e, "thickness", &t, NULL);
  ck_assert_int_eq (t, 5);
  gst_object_unref (e);
}
GST_END_TEST;

static Suite *
cnnoverlay_suite (void)
{
  Suite *s = suite_create ("cnnoverlay");
  TCase *tc = tcase_create ("cnnoverlay");
  tcase_add_test (tc, test_draws_in_every_format);
  tcase_add_test (tc, test_labels_off_and_no_meta);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (cnnoverlay);
