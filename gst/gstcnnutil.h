/*
 * gstcnnutil.h — what the edgecnn elements share: the caps they accept, GstVideoFrame →
 * engine frame views, sidecar loading with element errors, and the enum GTypes of their
 * properties. Only edgecnn.h of the engine is used.
 */
#ifndef __GST_CNN_UTIL_H__
#define __GST_CNN_UTIL_H__

#include <gst/gst.h>
#include <gst/video/video.h>

#include "edgecnn.h"

G_BEGIN_DECLS

#define ECNN_GST_FORMATS "{ NV12, I420, YUY2, RGB, BGR, RGBx, BGRx, RGBA, BGRA, GRAY8 }"
#define ECNN_GST_CAPS GST_VIDEO_CAPS_MAKE (ECNN_GST_FORMATS)

/* The engine's name for a GStreamer video format; FALSE when not supported. */
gboolean ecnn_gst_pixel_format (GstVideoFormat format, ecnn_pixel_format * out);

/* Read-only / writable views of a mapped frame (planes and strides, not copied). */
gboolean ecnn_gst_frame_image (const GstVideoFrame * frame, ecnn_image * image);
gboolean ecnn_gst_frame_view (GstVideoFrame * frame, ecnn_frame * view);

/* Loads the sidecar for the `config` path, or else the one beside `model`; then points it at
 * `model` (when given) and loads `labels` (when given) instead of the sidecar's label file.
 * On failure posts GST_ELEMENT_ERROR naming the file and the reason and returns FALSE. */
gboolean ecnn_gst_load_config (GstElement * element, const gchar * model,
    const gchar * config, const gchar * labels, ecnn_config * out);

#define ECNN_TYPE_PRECISION (ecnn_precision_get_type ())
#define ECNN_TYPE_BACKEND (ecnn_backend_get_type ())
#define ECNN_TYPE_RESIZE_MODE (ecnn_resize_mode_get_type ())
#define ECNN_TYPE_COLORMAP (ecnn_colormap_get_type ())
GType ecnn_precision_get_type (void);
GType ecnn_backend_get_type (void);
GType ecnn_resize_mode_get_type (void);
GType ecnn_colormap_get_type (void);

G_END_DECLS

#endif /* __GST_CNN_UTIL_H__ */
