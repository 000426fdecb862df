/*
 * test_cnnheatmap.c — cnnheatmap in GstHarness: a hand-made saliency meta (hot upper-left
 * quarter of a non-square map, so a width/height mix-up shows) changes every component of the
 * hot region and leaves every component of the cold region untouched, in all ten formats, and
 * the output equals the engine's ecnn_heatmap_blend with the element's settings; the normalize
 * and min-score properties decide whether a weak map is drawn; without a meta (or with a
 * malformed one) the frame is byte-identical; properties round-trip and have their defaults.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <string.h>

#include "elements_util.h"
#include "gstcnnmeta.h"
#include "gstcnnutil.h"

static const gchar *formats[] = { "RGB", "BGR", "RGBx", "BGRx", "RGBA", "BGRA",
  "GRAY8", "I420", "NV12", "YUY2"
};

#define W 64
#define H 48
#define MW 16
#define MH 12

/* A W x H frame with a MW x MH saliency meta: `hot` in the upper-left quarter, 0 elsewhere. */
static GstBuffer *
frame_with_map (const gchar * format, gfloat hot, GstCaps ** caps)
{
  GstBuffer *buf = eu_test_frame (format, W, H, "white", caps);
  gfloat *map = g_new0 (gfloat, MW * MH);
  for (int y = 0; y < MH / 2; y++)
    for (int x = 0; x < MW / 2; x++)
      map[y * MW + x] = hot;
  gint dims[4] = { 1, MH, MW, 1 };
  ecnn_letterbox lb = { 0, 0, (gfloat) MW / W, (gfloat) MH / H, MW, MH };
  gst_buffer_add_ecnn_tensor_meta (buf, "saliency", ECNN_DTYPE_F32, 4, dims, map,
      MW * MH * sizeof (gfloat), &lb);
  return buf;
}

/* How many component samples differ between a and b over frame pixels [x0,x1) x [y0,y1),
 * every component of every plane (at its subsampled position); the alpha component only when
 * with_alpha (the heatmap never writes it). */
static guint
count_changed (GstBuffer * a, GstBuffer * b, GstCaps * caps, gint x0, gint y0,
    gint x1, gint y1, gboolean with_alpha, guint * samples)
{
  GstVideoInfo info;
  GstVideoFrame fa, fb;
  guint changed = 0;
  *samples = 0;
  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless (gst_video_frame_map (&fa, &info, a, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fb, &info, b, GST_MAP_READ));
  const GstVideoFormatInfo *fi = info.finfo;
  for (guint c = 0; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS (fi); c++) {
    if (c == GST_VIDEO_COMP_A && !with_alpha)
      continue;
    for (gint y = y0; y < y1; y++)
      for (gint x = x0; x < x1; x++) {
        const gsize off = (gsize) (y >> GST_VIDEO_FORMAT_INFO_H_SUB (fi, c)) *
            GST_VIDEO_FRAME_COMP_STRIDE (&fa, c) +
            (gsize) (x >> GST_VIDEO_FORMAT_INFO_W_SUB (fi, c)) *
            GST_VIDEO_FRAME_COMP_PSTRIDE (&fa, c);
        const guint8 *pa = (const guint8 *) GST_VIDEO_FRAME_COMP_DATA (&fa, c);
        const guint8 *pb = (const guint8 *) GST_VIDEO_FRAME_COMP_DATA (&fb, c);
        changed += pa[off] != pb[off];
        (*samples)++;
      }
  }
  gst_video_frame_unmap (&fa);
  gst_video_frame_unmap (&fb);
  return changed;
}

static gboolean
buffers_equal (GstBuffer * a, GstBuffer * b)
{
  GstMapInfo ma, mb;
  gst_buffer_map (a, &ma, GST_MAP_READ);
  gst_buffer_map (b, &mb, GST_MAP_READ);
  gboolean eq = ma.size == mb.size && memcmp (ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return eq;
}

static GstBuffer *
run_one (const gchar * launch, GstBuffer * in, GstCaps * caps)
{
  GstHarness *h = gst_harness_new_parse (launch);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  ck_assert_int_eq (gst_harness_push (h, in), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  gst_harness_teardown (h);
  return out;
}

GST_START_TEST (test_blend)
{
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstCaps *caps;
    GstBuffer *in = frame_with_map (formats[f], 1.0f, &caps);
    GstBuffer *orig = gst_buffer_copy_deep (in);
    GstBuffer *out = run_one ("cnnheatmap alpha=1 min-score=0.5 colormap=jet",
        in, caps);
    guint n, changed;
    /* hot: frame x < 32, y < 24; bilinear edges blur about a map pixel (4 frame pixels) */
    changed = count_changed (out, orig, caps, 0, 0, 24, 16, FALSE, &n);
    ck_assert_msg (changed == n, "%s: %u of %u hot samples unchanged", formats[f],
        n - changed, n);
    /* cold: the right half and the lower half */
    changed = count_changed (out, orig, caps, 40, 0, W, H, TRUE, &n);
    ck_assert_msg (changed == 0, "%s: %u cold samples changed", formats[f], changed);
    changed = count_changed (out, orig, caps, 0, 32, W, H, TRUE, &n);
    ck_assert_msg (changed == 0, "%s: %u cold samples changed", formats[f], changed);

    /* the same as the engine's blend with the element's settings */
    GstVideoInfo info;
    GstVideoFrame vf;
    ecnn_frame view;
    EcnnTensorMeta *m = gst_buffer_get_ecnn_tensor_meta (orig, "saliency");
    ck_assert_ptr_nonnull (m);
    gst_video_info_from_caps (&info, caps);
    fail_unless (gst_video_frame_map (&vf, &info, orig, GST_MAP_READWRITE));
    fail_unless (ecnn_gst_frame_view (&vf, &view));
    ck_assert_int_eq (ecnn_heatmap_blend (&view, m->data, MW, MH, &m->map,
            ECNN_COLORMAP_JET, 1.0f, 0.5f), ECNN_STATUS_OK);
    gst_video_frame_unmap (&vf);
    ck_assert_msg (buffers_equal (out, orig), "%s: differs from the engine's blend",
        formats[f]);
    gst_buffer_unref (out);
    gst_buffer_unref (orig);
    gst_caps_unref (caps);
  }
}
GST_END_TEST;

GST_START_TEST (test_normalize)
{
  /* a weak map (0.4 at most): drawn when normalized (0.4 / 0.4 = 1 >= min-score 0.6), not
   * drawn with normalize=false */
  const gchar *fmts[] = { "RGB", "I420" };
  for (guint f = 0; f < G_N_ELEMENTS (fmts); f++) {
    GstCaps *caps;
    guint n;
    GstBuffer *in = frame_with_map (fmts[f], 0.4f, &caps);
    GstBuffer *orig = gst_buffer_copy_deep (in);
    GstBuffer *out = run_one ("cnnheatmap min-score=0.6", in, caps);
    ck_assert_uint_eq (count_changed (out, orig, caps, 0, 0, 24, 16, FALSE, &n), n);
    gst_buffer_unref (out);
    gst_caps_unref (caps);
    in = frame_with_map (fmts[f], 0.4f, &caps);
    out = run_one ("cnnheatmap min-score=0.6 normalize=false", in, caps);
    ck_assert (buffers_equal (out, orig));
    gst_buffer_unref (out);
    gst_buffer_unref (orig);
    gst_caps_unref (caps);
  }
}
GST_END_TEST;

GST_START_TEST (test_no_meta)
{
  const gchar *fmts[] = { "NV12", "BGRx" };
  for (guint f = 0; f < G_N_ELEMENTS (fmts); f++) {
    GstCaps *caps;
    GstBuffer *in = eu_test_frame (fmts[f], W, H, "smpte", &caps);
    GstBuffer *orig = gst_buffer_copy_deep (in);
    GstBuffer *out = run_one ("cnnheatmap alpha=1 min-score=0", in, caps);
    ck_assert (buffers_equal (out, orig));
    gst_buffer_unref (out);
    /* a malformed meta (bytes do not match the shape) is ignored, not read */
    in = gst_buffer_copy_deep (orig);
    gint dims[4] = { 1, 100, 100, 1 };
    gst_buffer_add_ecnn_tensor_meta (in, "saliency", ECNN_DTYPE_F32, 4, dims,
        g_new0 (gfloat, 4), 4 * sizeof (gfloat), NULL);
    out = run_one ("cnnheatmap alpha=1 min-score=0", in, caps);
    ck_assert (buffers_equal (out, orig));
    gst_buffer_unref (out);
    gst_buffer_unref (orig);
    gst_caps_unref (caps);
  }
}
GST_END_TEST;

GST_START_TEST (test_properties)
{
  GstElement *e = gst_element_factory_make ("cnnheatmap", NULL);
  ck_assert_ptr_nonnull (e);
  gdouble alpha, min_score;
  gint cmap;
  gboolean normalize;
  g_object_get (e, "alpha", &alpha, "min-score", &min_score, "colormap", &cmap,
      "normalize", &normalize, NULL);
  ck_assert (alpha == 0.5 && min_score == 0.5 && normalize);
  ck_assert_int_eq (cmap, ECNN_COLORMAP_TURBO);
  g_object_set (e, "alpha", 0.25, "min-score", 0.75, "normalize", FALSE, NULL);
  gst_util_set_object_arg (G_OBJECT (e), "colormap", "inferno");
  g_object_get (e, "alpha", &alpha, "min-score", &min_score, "colormap", &cmap,
      "normalize", &normalize, NULL);
  ck_assert (alpha == 0.25 && min_score == 0.75 && !normalize);
  ck_assert_int_eq (cmap, ECNN_COLORMAP_INFERNO);
  gst_util_set_object_arg (G_OBJECT (e), "colormap", "jet");
  g_object_get (e, "colormap", &cmap, NULL);
  ck_assert_int_eq (cmap, ECNN_COLORMAP_JET);
  /* the ranges gst-inspect shows */
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "alpha");
  ck_assert (G_PARAM_SPEC_DOUBLE (ps)->minimum == 0.0
      && G_PARAM_SPEC_DOUBLE (ps)->maximum == 1.0);
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "min-score");
  ck_assert (G_PARAM_SPEC_DOUBLE (ps)->minimum == 0.0
      && G_PARAM_SPEC_DOUBLE (ps)->maximum == 1.0);
  gst_object_unref (e);
}
GST_END_TEST;

static Suite *
cnnheatmap_suite (void)
{
  Suite *s = suite_create ("cnnheatmap");
  TCase *tc = tcase_create ("cnnheatmap");
  tcase_add_test (tc, test_blend);
  tcase_add_test (tc, test_normalize);
  tcase_add_test (tc, test_no_meta);
  tcase_add_test (tc, test_properties);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (cnnheatmap);
