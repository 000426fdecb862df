/*
 * elements_util.h — helpers for the element tests: decoding the test photos into buffers of
 * any format and size, finding ROI metas, paths from the environment meson sets.
 */
#ifndef ECNN_ELEMENTS_UTIL_H
#define ECNN_ELEMENTS_UTIL_H

#include <gst/gst.h>
#include <gst/video/video.h>
#include <math.h>

/* gstcheck.h bundles an older Check without these */
#ifndef ck_assert_ptr_nonnull
#define ck_assert_ptr_nonnull(p) fail_unless ((p) != NULL, "'%s' is NULL", #p)
#endif
#ifndef ck_assert_ptr_null
#define ck_assert_ptr_null(p) fail_unless ((p) == NULL, "'%s' is not NULL", #p)
#endif
#ifndef ck_assert_float_eq_tol
#define ck_assert_float_eq_tol(a, b, t) \
  fail_unless (fabs ((double) (a) - (double) (b)) <= (t), "%s = %g, expected %g", #a, \
      (double) (a), (double) (b))
#endif
#ifndef ck_assert_uint_eq
#define ck_assert_uint_eq(a, b) fail_unless ((a) == (b), "%s = %llu, expected %llu", #a, \
      (unsigned long long) (a), (unsigned long long) (b))
#endif

/* "$ECNN_MODELS_DIR/name", "$ECNN_TEST_DATA/name" (g_free the result). */
gchar *eu_model (const gchar * name);
gchar *eu_data (const gchar * name);

/* Decodes a photo from tests/data and converts it to `format` at width x height (0 = the
 * photo's size); *caps receives the caps (unref). NULL on failure. */
GstBuffer *eu_photo (const gchar * name, const gchar * format, gint width, gint height,
    GstCaps ** caps);

/* A frame of `format` at width x height made by videotestsrc (pattern by name). */
GstBuffer *eu_test_frame (const gchar * format, gint width, gint height,
    const gchar * pattern, GstCaps ** caps);

/* The ROI with this label and the highest confidence, or NULL. */
GstVideoRegionOfInterestMeta *eu_find_roi (GstBuffer * buf, const gchar * label,
    gdouble * confidence);

/* IoU of an ROI with a normalized reference box scaled to width x height. */
gdouble eu_iou (const GstVideoRegionOfInterestMeta * roi, gdouble x0, gdouble y0,
    gdouble x1, gdouble y1, gint width, gint height);

/* Count of ROI metas on a buffer. */
guint eu_roi_count (GstBuffer * buf);

#endif
