/**
 * SECTION:element-cnnoverlay
 * @title: cnnoverlay
 *
 * Draws every #GstVideoRegionOfInterestMeta of a buffer into the frame: the box in its class
 * colour, and above it the label and the score from the meta's "detection" structure (as
 * cnninfer attaches them; without one, the ROI type is the label). BlazeFace keypoints are
 * drawn as dots. Drawing happens in the frame's own format (RGB, BGR, RGBx, BGRx, RGBA,
 * BGRA, GRAY8, I420, NV12, YUY2) with a built-in bitmap font; no font library is used. A
 * buffer without ROI metas passes untouched (not even mapped).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=tests/data/astronaut.png ! pngdec ! videoconvert ! \
 *   imagefreeze num-buffers=1 ! cnninfer model=models/ssd_mobilenetv2_oidv4_fp16.tflite ! \
 *   cnnoverlay thickness=3 ! videoconvert ! pngenc ! filesink location=annotated.png
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcnnoverlay.h"

#include <stdio.h>

#include <gst/video/gstvideometa.h>

#include "gstcnnutil.h"

GST_DEBUG_CATEGORY_STATIC (gst_cnn_overlay_debug);
#define GST_CAT_DEFAULT gst_cnn_overlay_debug

enum
{
  PROP_0,
  PROP_THICKNESS,
  PROP_SHOW_LABELS,
  PROP_SHOW_SCORES,
  PROP_FONT_SCALE,
};

#define DEFAULT_THICKNESS 2
#define DEFAULT_FONT_SCALE 2

struct _GstCnnOverlay
{
  GstVideoFilter parent;
  gint thickness, font_scale;
  gboolean show_labels, show_scores;
};

#define gst_cnn_overlay_parent_class parent_class
G_DEFINE_TYPE (GstCnnOverlay, gst_cnn_overlay, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (cnnoverlay, "cnnoverlay", GST_RANK_NONE,
    GST_TYPE_CNN_OVERLAY,
    GST_DEBUG_CATEGORY_INIT (gst_cnn_overlay_debug, "cnnoverlay", 0,
        "edgecnn overlay"));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (ECNN_GST_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (ECNN_GST_CAPS));

static void
gst_cnn_overlay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstCnnOverlay *self = GST_CNN_OVERLAY (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_THICKNESS:
      self->thickness = g_value_get_int (value);
      break;
    case PROP_FONT_SCALE:
      self->font_scale = g_value_get_int (value);
      break;
    case PROP_SHOW_LABELS:
      self->show_labels = g_value_get_boolean (value);
      break;
    case PROP_SHOW_SCORES:
      self->show_scores = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_cnn_overlay_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstCnnOverlay *self = GST_CNN_OVERLAY (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_THICKNESS:
      g_value_set_int (value, self->thickness);
      break;
    case PROP_FONT_SCALE:
      g_value_set_int (value, self->font_scale);
      break;
    case PROP_SHOW_LABELS:
      g_value_set_boolean (value, self->show_labels);
      break;
    case PROP_SHOW_SCORES:
      g_value_set_boolean (value, self->show_scores);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Buffers without ROI metas skip the (writable) mapping entirely. */
static GstFlowReturn
gst_cnn_overlay_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  if (!gst_buffer_get_meta (buf, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
    return GST_FLOW_OK;
  return GST_BASE_TRANSFORM_CLASS (parent_class)->transform_ip (trans, buf);
}

static GstFlowReturn
gst_cnn_overlay_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstCnnOverlay *self = GST_CNN_OVERLAY (filter);
  ecnn_frame view;
  if (!ecnn_gst_frame_view (frame, &view))
    return GST_FLOW_NOT_NEGOTIATED;
  gpointer state = NULL;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered (frame->buffer, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    GstStructure *s = gst_video_region_of_interest_meta_get_param (roi,
        "detection");
    const gchar *label = g_quark_to_string (roi->roi_type);
    gint class_id = (gint) roi->roi_type;
    gdouble score = -1;
    if (s) {
      const gchar *l = gst_structure_get_string (s, "label");
      if (l)
        label = l;
      gst_structure_get_int (s, "class-id", &class_id);
      gst_structure_get_double (s, "confidence", &score);
    }
    const ecnn_rgb color = ecnn_class_color (class_id);
    const gint x0 = roi->x, y0 = roi->y, x1 = roi->x + roi->w, y1 = roi->y + roi->h;
    ecnn_draw_box (&view, x0, y0, x1, y1, self->thickness, color);
    if (s) {
      const GValue *kps = gst_structure_get_value (s, "keypoints");
      if (kps && GST_VALUE_HOLDS_ARRAY (kps)) {
        guint n = gst_value_array_get_size (kps);
        const gint r = MAX (2, self->thickness);
        for (guint k = 0; k + 1 < n; k += 2) {
          const GValue *vx = gst_value_array_get_value (kps, k);
          const GValue *vy = gst_value_array_get_value (kps, k + 1);
          if (!G_VALUE_HOLDS_DOUBLE (vx) || !G_VALUE_HOLDS_DOUBLE (vy))
            continue;
          gint px = (gint) g_value_get_double (vx), py = (gint) g_value_get_double (vy);
          ecnn_draw_rect (&view, px - r, py - r, px + r + 1, py + r + 1, color);
        }
      }
    }
    if (!self->show_labels && !(self->show_scores && score >= 0))
      continue;
    gchar text[128];
    if (self->show_labels && self->show_scores && score >= 0)
      g_snprintf (text, sizeof text, "%s %.2f", label ? label : "?", score);
    else if (self->show_labels)
      g_snprintf (text, sizeof text, "%s", label ? label : "?");
    else
      g_snprintf (text, sizeof text, "%.2f", score);
    int32_t tw, th;
    ecnn_text_size (text, self->font_scale, &tw, &th);
    /* above the box; inside it when the box touches the top edge */
    gint ty = y0 - th >= 0 ? y0 - th : y0;
    const ecnn_rgb white = { 255, 255, 255 }, black = { 0, 0, 0 };
    gboolean dark = color.r * 299 + color.g * 587 + color.b * 114 < 128000;
    ecnn_draw_text (&view, x0, ty, text, self->font_scale, dark ? white : black,
        color);
  }
  return GST_FLOW_OK;
}

static void
gst_cnn_overlay_class_init (GstCnnOverlayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_cnn_overlay_set_property;
  gobject_class->get_property = gst_cnn_overlay_get_property;
  g_object_class_install_property (gobject_class, PROP_THICKNESS,
      g_param_spec_int ("thickness", "Thickness", "Box line width in pixels",
          1, 64, DEFAULT_THICKNESS, rw));
  g_object_class_install_property (gobject_class, PROP_SHOW_LABELS,
      g_param_spec_boolean ("show-labels", "Show labels", "Write each box's "
          "label", TRUE, rw));
  g_object_class_install_property (gobject_class, PROP_SHOW_SCORES,
      g_param_spec_boolean ("show-scores", "Show scores", "Write each box's "
          "confidence", TRUE, rw));
  g_object_class_install_property (gobject_class, PROP_FONT_SCALE,
      g_param_spec_int ("font-scale", "Font scale", "Size of the built-in 5x7 "
          "font in pixels per font pixel", 1, 16, DEFAULT_FONT_SCALE, rw));

  gst_element_class_set_static_metadata (element_class, "CNN detection overlay",
      "Filter/Effect/Video", "Draws region-of-interest metas (boxes, labels, "
      "scores) into video frames", "EdgeCNN");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_cnn_overlay_transform_ip);
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_cnn_overlay_transform_frame_ip);
}

static void
gst_cnn_overlay_init (GstCnnOverlay * self)
{
  self->thickness = DEFAULT_THICKNESS;
  self->font_scale = DEFAULT_FONT_SCALE;
  self->show_labels = TRUE;
  self->show_scores = TRUE;
}
