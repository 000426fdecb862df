/*
 * elements_util.c — helpers for the element tests (elements_util.h).
 */
#include "elements_util.h"

#include <gst/app/gstappsink.h>
#include <gst/video/gstvideometa.h>

gchar *
eu_model (const gchar * name)
{
  const gchar *d = g_getenv ("ECNN_MODELS_DIR");
  return g_build_filename (d ? d : "models", name, NULL);
}

gchar *
eu_data (const gchar * name)
{
  const gchar *d = g_getenv ("ECNN_TEST_DATA");
  return g_build_filename (d ? d : "tests/data", name, NULL);
}

static GstBuffer *
pull_one (const gchar * desc, GstCaps ** caps)
{
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);
  if (!pipe || err) {
    if (pipe)
      gst_object_unref (pipe);
    g_printerr ("pipeline '%s': %s\n", desc, err ? err->message : "?");
    g_clear_error (&err);
    return NULL;
  }
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  GstSample *s = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 30 * GST_SECOND);
  GstBuffer *buf = NULL;
  if (s) {
    buf = gst_buffer_copy_deep (gst_sample_get_buffer (s));
    if (caps)
      *caps = gst_caps_ref (gst_sample_get_caps (s));
    gst_sample_unref (s);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  return buf;
}

GstBuffer *
eu_photo (const gchar * name, const gchar * format, gint width, gint height,
    GstCaps ** caps)
{
  gchar *path = eu_data (name);
  gchar *size = width > 0 ? g_strdup_printf (",width=%d,height=%d", width, height)
      : g_strdup ("");
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! pngdec ! videoconvert ! "
      "videoscale ! video/x-raw,format=%s%s ! appsink name=sink", path, format, size);
  GstBuffer *buf = pull_one (desc, caps);
  g_free (desc);
  g_free (size);
  g_free (path);
  return buf;
}

GstBuffer *
eu_test_frame (const gchar * format, gint width, gint height,
    const gchar * pattern, GstCaps ** caps)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=1 pattern=%s ! "
      "video/x-raw,format=%s,width=%d,height=%d ! appsink name=sink", pattern,
      format, width, height);
  GstBuffer *buf = pull_one (desc, caps);
  g_free (desc);
  return buf;
}

GstVideoRegionOfInterestMeta *
eu_find_roi (GstBuffer * buf, const gchar * label, gdouble * confidence)
{
  gpointer state = NULL;
  GstMeta *meta;
  GstVideoRegionOfInterestMeta *best = NULL;
  gdouble best_c = -1;
  while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    GstStructure *s = gst_video_region_of_interest_meta_get_param (roi, "detection");
    gdouble c = 0;
    if (!s || g_strcmp0 (gst_structure_get_string (s, "label"), label) != 0)
      continue;
    gst_structure_get_double (s, "confidence", &c);
    if (c > best_c)
      best = roi, best_c = c;
  }
  if (confidence)
    *confidence = best_c;
  return best;
}

gdouble
eu_iou (const GstVideoRegionOfInterestMeta * r, gdouble x0, gdouble y0,
    gdouble x1, gdouble y1, gint width, gint height)
{
  x0 *= width, x1 *= width, y0 *= height, y1 *= height;
  gdouble ix = MIN (r->x + r->w, x1) - MAX (r->x, x0);
  gdouble iy = MIN (r->y + r->h, y1) - MAX (r->y, y0);
  if (ix <= 0 || iy <= 0)
    return 0;
  gdouble inter = ix * iy;
  return inter / ((gdouble) r->w * r->h + (x1 - x0) * (y1 - y0) - inter);
}

guint
eu_roi_count (GstBuffer * buf)
{
  gpointer state = NULL;
  guint n = 0;
  while (gst_buffer_iterate_meta_filtered (buf, &state,
          GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
    n++;
  return n;
}
