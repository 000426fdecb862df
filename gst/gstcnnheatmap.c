/**
 * SECTION:element-cnnheatmap
 * @title: cnnheatmap
 *
 * Blends the saliency map that cnninfer attaches (saliency=true; an EcnnTensorMeta named
 * "saliency") over the frame as a colour map, in the frame's own format. By default the
 * map is first divided by its maximum; values below #GstCnnHeatmap:min-score leave the pixel
 * alone. Buffers without a saliency map pass
 * untouched (not even mapped). The engine computes the map; this element only draws.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=tests/data/astronaut.png ! pngdec ! videoconvert ! \
 *   imagefreeze num-buffers=1 ! cnninfer model=models/ssd_mobilenetv2_oidv4_fp16.tflite \
 *   saliency=true ! cnnheatmap colormap=turbo alpha=0.5 ! videoconvert ! pngenc ! \
 *   filesink location=heatmap.png
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcnnheatmap.h"

#include "gstcnnmeta.h"
#include "gstcnnutil.h"

GST_DEBUG_CATEGORY_STATIC (gst_cnn_heatmap_debug);
#define GST_CAT_DEFAULT gst_cnn_heatmap_debug

enum
{
  PROP_0,
  PROP_COLORMAP,
  PROP_ALPHA,
  PROP_MIN_SCORE,
  PROP_NORMALIZE,
};

#define DEFAULT_ALPHA 0.5
#define DEFAULT_MIN_SCORE 0.5

struct _GstCnnHeatmap
{
  GstVideoFilter parent;
  ecnn_colormap colormap;
  gdouble alpha, min_score;
  gboolean normalize;
};

#define gst_cnn_heatmap_parent_class parent_class
G_DEFINE_TYPE (GstCnnHeatmap, gst_cnn_heatmap, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (cnnheatmap, "cnnheatmap", GST_RANK_NONE,
    GST_TYPE_CNN_HEATMAP,
    GST_DEBUG_CATEGORY_INIT (gst_cnn_heatmap_debug, "cnnheatmap", 0,
        "edgecnn heatmap"));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (ECNN_GST_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (ECNN_GST_CAPS));

static void
gst_cnn_heatmap_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstCnnHeatmap *self = GST_CNN_HEATMAP (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_COLORMAP:
      self->colormap = g_value_get_enum (value);
      break;
    case PROP_ALPHA:
      self->alpha = g_value_get_double (value);
      break;
    case PROP_MIN_SCORE:
      self->min_score = g_value_get_double (value);
      break;
    case PROP_NORMALIZE:
      self->normalize = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_cnn_heatmap_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstCnnHeatmap *self = GST_CNN_HEATMAP (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_COLORMAP:
      g_value_set_enum (value, self->colormap);
      break;
    case PROP_ALPHA:
      g_value_set_double (value, self->alpha);
      break;
    case PROP_MIN_SCORE:
      g_value_set_double (value, self->min_score);
      break;
    case PROP_NORMALIZE:
      g_value_set_boolean (value, self->normalize);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static GstFlowReturn
gst_cnn_heatmap_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  if (!gst_buffer_get_ecnn_tensor_meta (buf, "saliency"))
    return GST_FLOW_OK;
  return GST_BASE_TRANSFORM_CLASS (parent_class)->transform_ip (trans, buf);
}

static GstFlowReturn
gst_cnn_heatmap_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstCnnHeatmap *self = GST_CNN_HEATMAP (filter);
  EcnnTensorMeta *m = gst_buffer_get_ecnn_tensor_meta (frame->buffer, "saliency");
  ecnn_frame view;
  if (!m || !ecnn_gst_frame_view (frame, &view))
    return GST_FLOW_OK;
  if (m->dtype != ECNN_DTYPE_F32 || m->ndim != 4 || m->dims[1] < 1 || m->dims[2] < 1
      || m->bytes != (gsize) m->dims[1] * (gsize) m->dims[2] * sizeof (gfloat)) {
    GST_WARNING_OBJECT (self, "ignoring a malformed saliency meta");
    return GST_FLOW_OK;
  }
  /* the properties are mutable in PLAYING: one consistent copy per frame */
  GST_OBJECT_LOCK (self);
  const ecnn_colormap colormap = self->colormap;
  const gfloat alpha = (gfloat) self->alpha, min_score = (gfloat) self->min_score;
  const gboolean normalize = self->normalize;
  GST_OBJECT_UNLOCK (self);
  const ecnn_letterbox *region = m->map.scale_x > 0 ? &m->map : NULL;
  const gsize n = (gsize) m->dims[1] * m->dims[2];
  const gfloat *map = m->data;
  gfloat *scaled = NULL;
  if (normalize) {
    /* stretch so the hottest point is 1 */
    gfloat mx = 0;
    for (gsize i = 0; i < n; i++)
      mx = map[i] > mx ? map[i] : mx;
    if (mx > 0) {
      scaled = g_new (gfloat, n);
      for (gsize i = 0; i < n; i++)
        scaled[i] = map[i] / mx;
      map = scaled;
    }
  }
  if (ecnn_heatmap_blend (&view, map, m->dims[2], m->dims[1], region,
          colormap, alpha, min_score) != ECNN_STATUS_OK)
    GST_WARNING_OBJECT (self, "heatmap: %s", ecnn_last_error ());
  g_free (scaled);
  return GST_FLOW_OK;
}

static void
gst_cnn_heatmap_class_init (GstCnnHeatmapClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_cnn_heatmap_set_property;
  gobject_class->get_property = gst_cnn_heatmap_get_property;
  g_object_class_install_property (gobject_class, PROP_COLORMAP,
      g_param_spec_enum ("colormap", "Colour map", "Colour map of the "
          "saliency values", ECNN_TYPE_COLORMAP, ECNN_COLORMAP_TURBO, rw));
  g_object_class_install_property (gobject_class, PROP_ALPHA,
      g_param_spec_double ("alpha", "Alpha", "Opacity of the colour map", 0.0,
          1.0, DEFAULT_ALPHA, rw));
  g_object_class_install_property (gobject_class, PROP_MIN_SCORE,
      g_param_spec_double ("min-score", "Minimum score", "Saliency below this "
          "leaves the pixel untouched (after normalization)", 0.0, 1.0,
          DEFAULT_MIN_SCORE, rw));
  g_object_class_install_property (gobject_class, PROP_NORMALIZE,
      g_param_spec_boolean ("normalize", "Normalize", "Divide the map by its "
          "maximum first, so the hottest point of each frame is 1", TRUE, rw));

  gst_element_class_set_static_metadata (element_class, "CNN saliency heatmap",
      "Filter/Effect/Video", "Blends a model's saliency map over video frames",
      "EdgeCNN");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_cnn_heatmap_transform_ip);
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_cnn_heatmap_transform_frame_ip);
  gst_type_mark_as_plugin_api (ECNN_TYPE_COLORMAP, 0);
}

static void
gst_cnn_heatmap_init (GstCnnHeatmap * self)
{
  self->colormap = ECNN_COLORMAP_TURBO;
  self->alpha = DEFAULT_ALPHA;
  self->min_score = DEFAULT_MIN_SCORE;
  self->normalize = TRUE;
}
