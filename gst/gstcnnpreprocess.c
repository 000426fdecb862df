/**
 * SECTION:element-cnnpreprocess
 * @title: cnnpreprocess
 *
 * Builds a model's input tensor from each video frame with libyuv (crop, scale, convert,
 * normalize: see #GstCnnPreprocess:resize-mode) and attaches it as an EcnnTensorMeta named
 * "input", so that cnninfer further down (behind a queue, on another core) only runs the
 * model. Pixels pass through untouched. Size and normalization come from the model's sidecar
 * or from the properties. A GstBaseTransform rather than a GstVideoFilter: it only reads
 * frames, and a video filter would map them writable, which copies shared buffers.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=60 ! video/x-raw,width=1280,height=720 ! \
 *   cnnpreprocess model=models/ssd_mobilenetv2_oidv4_fp16.tflite ! queue ! \
 *   cnninfer model=models/ssd_mobilenetv2_oidv4_fp16.tflite ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcnnpreprocess.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gst/video/video.h>

#include "gstcnnmeta.h"
#include "gstcnnutil.h"

GST_DEBUG_CATEGORY_STATIC (gst_cnn_preprocess_debug);
#define GST_CAT_DEFAULT gst_cnn_preprocess_debug

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_CONFIG,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_MEAN,
  PROP_SCALE,
  PROP_CHANNEL_ORDER,
  PROP_RESIZE_MODE,
  PROP_ROI,
};

typedef enum
{
  ORDER_SIDECAR = 0,
  ORDER_RGB,
  ORDER_BGR,
} ChannelOrder;

#define GST_TYPE_CNN_CHANNEL_ORDER (channel_order_get_type ())
static GType
channel_order_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {ORDER_SIDECAR, "As the sidecar says", "sidecar"},
    {ORDER_RGB, "R, G, B", "rgb"},
    {ORDER_BGR, "B, G, R", "bgr"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("EcnnChannelOrder", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_CNN_PRE_RESIZE (pre_resize_get_type ())
static GType
pre_resize_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {-1, "As the sidecar says", "sidecar"},
    {ECNN_RESIZE_STRETCH, "Stretch the frame to the tensor", "stretch"},
    {ECNN_RESIZE_LETTERBOX, "Keep the aspect ratio, pad with black", "letterbox"},
    {ECNN_RESIZE_CENTER_CROP, "Keep the aspect ratio, crop the centre",
        "center-crop"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("EcnnPreprocessResize", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

struct _GstCnnPreprocess
{
  GstBaseTransform parent;
  gchar *model, *config, *mean, *scale, *roi;
  gint width, height;
  ChannelOrder order;
  gint resize_mode;             /* -1 = sidecar */

  ecnn_config cfg;
  gint tw, th;
  gint roi_rect[4];             /* x, y, w, h; w = 0: whole frame */
  guint32 config_id;
  GstVideoInfo info;
};

#define gst_cnn_preprocess_parent_class parent_class
G_DEFINE_TYPE (GstCnnPreprocess, gst_cnn_preprocess, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (cnnpreprocess, "cnnpreprocess",
    GST_RANK_NONE, GST_TYPE_CNN_PREPROCESS,
    GST_DEBUG_CATEGORY_INIT (gst_cnn_preprocess_debug, "cnnpreprocess", 0,
        "edgecnn preprocessing"));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (ECNN_GST_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (ECNN_GST_CAPS));

/* FNV-1a over the settings that decide the tensor's contents (shared with cnninfer). */
guint32
ecnn_gst_preprocess_id (const ecnn_config * cfg, gint w, gint h)
{
  guint32 hash = 2166136261u;
  const gint ints[4] = { w, h, cfg->bgr, cfg->resize };
  const guint8 *p[3] = { (const guint8 *) ints, (const guint8 *) cfg->mean,
    (const guint8 *) cfg->scale
  };
  const gsize n[3] = { sizeof ints, sizeof cfg->mean, sizeof cfg->scale };
  for (int k = 0; k < 3; k++)
    for (gsize i = 0; i < n[k]; i++)
      hash = (hash ^ p[k][i]) * 16777619u;
  return hash;
}

/* "a" or "a,b,c" (';' too) into three floats. */
static gboolean
parse_triple (const gchar * s, gfloat * out)
{
  gchar **parts = g_strsplit_set (s, ",;", -1);
  guint n = g_strv_length (parts);
  gboolean ok = n == 1 || n == 3;
  for (guint i = 0; ok && i < 3; i++) {
    gchar *end;
    const gchar *v = parts[n == 1 ? 0 : i];
    out[i] = (gfloat) g_ascii_strtod (v, &end);
    ok = end != v && *g_strstrip (end) == '\0' && isfinite (out[i]);
  }
  g_strfreev (parts);
  return ok;
}

static void
gst_cnn_preprocess_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstCnnPreprocess *self = GST_CNN_PREPROCESS (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model);
      self->model = g_value_dup_string (value);
      break;
    case PROP_CONFIG:
      g_free (self->config);
      self->config = g_value_dup_string (value);
      break;
    case PROP_MEAN:
      g_free (self->mean);
      self->mean = g_value_dup_string (value);
      break;
    case PROP_SCALE:
      g_free (self->scale);
      self->scale = g_value_dup_string (value);
      break;
    case PROP_ROI:
      g_free (self->roi);
      self->roi = g_value_dup_string (value);
      break;
    case PROP_WIDTH:
      self->width = g_value_get_int (value);
      break;
    case PROP_HEIGHT:
      self->height = g_value_get_int (value);
      break;
    case PROP_CHANNEL_ORDER:
      self->order = g_value_get_enum (value);
      break;
    case PROP_RESIZE_MODE:
      self->resize_mode = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_cnn_preprocess_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstCnnPreprocess *self = GST_CNN_PREPROCESS (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_CONFIG:
      g_value_set_string (value, self->config);
      break;
    case PROP_MEAN:
      g_value_set_string (value, self->mean);
      break;
    case PROP_SCALE:
      g_value_set_string (value, self->scale);
      break;
    case PROP_ROI:
      g_value_set_string (value, self->roi);
      break;
    case PROP_WIDTH:
      g_value_set_int (value, self->width);
      break;
    case PROP_HEIGHT:
      g_value_set_int (value, self->height);
      break;
    case PROP_CHANNEL_ORDER:
      g_value_set_enum (value, self->order);
      break;
    case PROP_RESIZE_MODE:
      g_value_set_enum (value, self->resize_mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_cnn_preprocess_start (GstBaseTransform * trans)
{
  GstCnnPreprocess *self = GST_CNN_PREPROCESS (trans);
  self->tw = self->width;
  self->th = self->height;
  if (self->model || self->config) {
    if (!ecnn_gst_load_config (GST_ELEMENT (self), self->model, self->config,
            NULL, &self->cfg))
      return FALSE;
    if (!self->tw || !self->th) {
      ecnn_model *m = NULL;
      ecnn_tensor_info in;
      if (ecnn_model_load_file (self->cfg.model_path, &m) != ECNN_STATUS_OK) {
        GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("Cannot load model: %s",
                ecnn_last_error ()), (NULL));
        ecnn_config_clear (&self->cfg);
        return FALSE;
      }
      ecnn_model_input_info (m, 0, &in);
      ecnn_model_free (m);
      if (in.ndim != 4 || in.dims[3] != 3) {
        GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
            ("Model '%s' does not take a 1xHxWx3 image.", self->cfg.model_path),
            (NULL));
        ecnn_config_clear (&self->cfg);
        return FALSE;
      }
      self->th = in.dims[1];
      self->tw = in.dims[2];
    }
  } else {
    ecnn_config_init (&self->cfg);
  }
  if (self->tw < 1 || self->th < 1) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("No tensor size."),
        ("Set 'model' or 'config', or both 'width' and 'height'."));
    ecnn_config_clear (&self->cfg);
    return FALSE;
  }
  if ((self->mean && !parse_triple (self->mean, self->cfg.mean)) ||
      (self->scale && !parse_triple (self->scale, self->cfg.scale))) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Bad mean '%s' or scale '%s'.",
            GST_STR_NULL (self->mean), GST_STR_NULL (self->scale)),
        ("Give one number or three separated by commas."));
    ecnn_config_clear (&self->cfg);
    return FALSE;
  }
  if (self->order != ORDER_SIDECAR)
    self->cfg.bgr = self->order == ORDER_BGR;
  if (self->resize_mode >= 0)
    self->cfg.resize = (ecnn_resize_mode) self->resize_mode;
  memset (self->roi_rect, 0, sizeof self->roi_rect);
  if (self->roi && (sscanf (self->roi, "%d,%d,%d,%d", &self->roi_rect[0],
              &self->roi_rect[1], &self->roi_rect[2], &self->roi_rect[3]) != 4
          || self->roi_rect[0] < 0 || self->roi_rect[1] < 0
          || self->roi_rect[2] < 1 || self->roi_rect[3] < 1)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Bad roi '%s'.", self->roi),
        ("Expected x,y,width,height in pixels."));
    ecnn_config_clear (&self->cfg);
    return FALSE;
  }
  self->config_id = ecnn_gst_preprocess_id (&self->cfg, self->tw, self->th);
  GST_INFO_OBJECT (self, "tensor %dx%dx3, mean %g scale %g, %s, resize %d",
      self->tw, self->th, self->cfg.mean[0], self->cfg.scale[0],
      self->cfg.bgr ? "BGR" : "RGB", self->cfg.resize);
  return TRUE;
}

static gboolean
gst_cnn_preprocess_stop (GstBaseTransform * trans)
{
  ecnn_config_clear (&GST_CNN_PREPROCESS (trans)->cfg);
  return TRUE;
}

static gboolean
gst_cnn_preprocess_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstCnnPreprocess *self = GST_CNN_PREPROCESS (trans);
  ecnn_pixel_format pf;
  (void) outcaps;
  if (!gst_video_info_from_caps (&self->info, incaps) ||
      !ecnn_gst_pixel_format (GST_VIDEO_INFO_FORMAT (&self->info), &pf))
    return FALSE;
  return TRUE;
}

static GstFlowReturn
gst_cnn_preprocess_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstCnnPreprocess *self = GST_CNN_PREPROCESS (trans);
  GstVideoFrame frame;
  ecnn_image image;
  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Cannot map the frame."), (NULL));
    return GST_FLOW_ERROR;
  }
  ecnn_gst_frame_image (&frame, &image);
  gint ox = 0, oy = 0;
  if (self->roi_rect[2] > 0) {
    /* crop: even offsets keep chroma planes aligned */
    ox = MIN (self->roi_rect[0], image.width - 1) & ~1;
    oy = MIN (self->roi_rect[1], image.height - 1) & ~1;
    gint w = MIN (self->roi_rect[2], image.width - ox);
    gint h = MIN (self->roi_rect[3], image.height - oy);
    for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (&frame) && p < 3; p++) {
      const GstVideoFormatInfo *fi = frame.info.finfo;
      gint comp = p;
      gint px = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (fi, comp, ox);
      gint py = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (fi, comp, oy);
      gint pstride = GST_VIDEO_FORMAT_INFO_PSTRIDE (fi, comp);
      if (image.format == ECNN_PIXEL_YUY2)
        px = ox, pstride = 2;
      image.planes[p] += (gsize) py * image.strides[p] + (gsize) px * pstride;
    }
    image.width = w;
    image.height = h;
  }
  gsize bytes = (gsize) self->tw * self->th * 3 * sizeof (gfloat);
  gfloat *tensor = g_malloc (bytes);
  ecnn_letterbox map;
  ecnn_status st = ecnn_image_to_tensor (&image, &self->cfg, self->tw, self->th,
      ECNN_DTYPE_F32, tensor, &map);
  gst_video_frame_unmap (&frame);
  if (st != ECNN_STATUS_OK) {
    g_free (tensor);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Preprocessing failed: %s",
            ecnn_last_error ()), (NULL));
    return GST_FLOW_ERROR;
  }
  map.offset_x += ox;
  map.offset_y += oy;
  gint dims[4] = { 1, self->th, self->tw, 3 };
  EcnnTensorMeta *m = gst_buffer_add_ecnn_tensor_meta (buf, "input",
      ECNN_DTYPE_F32, 4, dims, tensor, bytes, &map);
  if (m)
    m->config_id = self->config_id;
  return GST_FLOW_OK;
}

static void
gst_cnn_preprocess_finalize (GObject * object)
{
  GstCnnPreprocess *self = GST_CNN_PREPROCESS (object);
  g_free (self->model);
  g_free (self->config);
  g_free (self->mean);
  g_free (self->scale);
  g_free (self->roi);
  ecnn_config_clear (&self->cfg);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_cnn_preprocess_class_init (GstCnnPreprocessClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_cnn_preprocess_set_property;
  gobject_class->get_property = gst_cnn_preprocess_get_property;
  gobject_class->finalize = gst_cnn_preprocess_finalize;

  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model", "The .tflite model the tensor is "
          "for: its input size and its sidecar's normalization are used", NULL,
          rw));
  g_object_class_install_property (gobject_class, PROP_CONFIG,
      g_param_spec_string ("config", "Config", "A sidecar .ini to use instead "
          "of MODEL.ini", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_WIDTH,
      g_param_spec_int ("width", "Width", "Tensor width; 0 = the model's", 0,
          16384, 0, rw));
  g_object_class_install_property (gobject_class, PROP_HEIGHT,
      g_param_spec_int ("height", "Height", "Tensor height; 0 = the model's", 0,
          16384, 0, rw));
  g_object_class_install_property (gobject_class, PROP_MEAN,
      g_param_spec_string ("mean", "Mean", "Subtracted from pixel values: one "
          "number or \"r,g,b\"; unset = the sidecar's (default 127.5)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_SCALE,
      g_param_spec_string ("scale", "Scale", "Multiplied after the mean: one "
          "number or \"r,g,b\"; unset = the sidecar's (default 1/127.5)", NULL,
          rw));
  g_object_class_install_property (gobject_class, PROP_CHANNEL_ORDER,
      g_param_spec_enum ("channel-order", "Channel order", "Channel order of "
          "the tensor", GST_TYPE_CNN_CHANNEL_ORDER, ORDER_SIDECAR, rw));
  g_object_class_install_property (gobject_class, PROP_RESIZE_MODE,
      g_param_spec_enum ("resize-mode", "Resize mode", "How the frame fits the "
          "tensor", GST_TYPE_CNN_PRE_RESIZE, -1, rw));
  g_object_class_install_property (gobject_class, PROP_ROI,
      g_param_spec_string ("roi", "ROI", "Only use this part of the frame: "
          "\"x,y,width,height\" in pixels (clipped to the frame)", NULL, rw));

  gst_element_class_set_static_metadata (element_class,
      "CNN input preprocessing", "Filter/Converter/Video",
      "Scales, converts and normalizes frames into a model input tensor "
      "attached as metadata", "EdgeCNN");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_cnn_preprocess_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_cnn_preprocess_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_cnn_preprocess_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_cnn_preprocess_transform_ip);
  trans_class->passthrough_on_same_caps = FALSE;
  gst_type_mark_as_plugin_api (GST_TYPE_CNN_CHANNEL_ORDER, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_CNN_PRE_RESIZE, 0);
}

static void
gst_cnn_preprocess_init (GstCnnPreprocess * self)
{
  self->resize_mode = -1;
  ecnn_config_init (&self->cfg);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
