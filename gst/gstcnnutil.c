/*
 * gstcnnutil.c — shared element helpers (gstcnnutil.h).
 */
#include "gstcnnutil.h"

#include <string.h>

gboolean
ecnn_gst_pixel_format (GstVideoFormat format, ecnn_pixel_format * out)
{
  switch (format) {
    case GST_VIDEO_FORMAT_RGB:
      *out = ECNN_PIXEL_RGB24;
      return TRUE;
    case GST_VIDEO_FORMAT_BGR:
      *out = ECNN_PIXEL_BGR24;
      return TRUE;
    case GST_VIDEO_FORMAT_RGBA:
      *out = ECNN_PIXEL_RGBA;
      return TRUE;
    case GST_VIDEO_FORMAT_BGRA:
      *out = ECNN_PIXEL_BGRA;
      return TRUE;
    case GST_VIDEO_FORMAT_RGBx:
      *out = ECNN_PIXEL_RGBX;
      return TRUE;
    case GST_VIDEO_FORMAT_BGRx:
      *out = ECNN_PIXEL_BGRX;
      return TRUE;
    case GST_VIDEO_FORMAT_GRAY8:
      *out = ECNN_PIXEL_GRAY8;
      return TRUE;
    case GST_VIDEO_FORMAT_I420:
      *out = ECNN_PIXEL_I420;
      return TRUE;
    case GST_VIDEO_FORMAT_NV12:
      *out = ECNN_PIXEL_NV12;
      return TRUE;
    case GST_VIDEO_FORMAT_YUY2:
      *out = ECNN_PIXEL_YUY2;
      return TRUE;
    default:
      return FALSE;
  }
}

gboolean
ecnn_gst_frame_image (const GstVideoFrame * frame, ecnn_image * image)
{
  memset (image, 0, sizeof *image);
  if (!ecnn_gst_pixel_format (GST_VIDEO_FRAME_FORMAT (frame), &image->format))
    return FALSE;
  image->width = GST_VIDEO_FRAME_WIDTH (frame);
  image->height = GST_VIDEO_FRAME_HEIGHT (frame);
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (frame) && p < 3; p++) {
    image->planes[p] = GST_VIDEO_FRAME_PLANE_DATA (frame, p);
    image->strides[p] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, p);
  }
  return TRUE;
}

gboolean
ecnn_gst_frame_view (GstVideoFrame * frame, ecnn_frame * view)
{
  ecnn_image image;
  if (!ecnn_gst_frame_image (frame, &image))
    return FALSE;
  view->format = image.format;
  view->width = image.width;
  view->height = image.height;
  for (int p = 0; p < 3; p++) {
    view->planes[p] = (uint8_t *) image.planes[p];
    view->strides[p] = image.strides[p];
  }
  return TRUE;
}

gboolean
ecnn_gst_load_config (GstElement * element, const gchar * model,
    const gchar * config, const gchar * labels, ecnn_config * out)
{
  ecnn_status st;
  ecnn_config_init (out);
  if (!model && !config) {
    GST_ELEMENT_ERROR (element, RESOURCE, NOT_FOUND,
        ("No model given."), ("Set the 'model' property (a .tflite file) or "
            "'config' (its sidecar .ini)."));
    return FALSE;
  }
  if (model && !g_file_test (model, G_FILE_TEST_IS_REGULAR)) {
    GST_ELEMENT_ERROR (element, RESOURCE, NOT_FOUND,
        ("Model file '%s' does not exist.", model), (NULL));
    return FALSE;
  }
  st = config ? ecnn_config_load_file (out, config)
      : ecnn_config_load_for_model (out, model);
  if (st != ECNN_STATUS_OK) {
    GST_ELEMENT_ERROR (element, RESOURCE, OPEN_READ,
        ("Cannot use the model's sidecar: %s", ecnn_last_error ()),
        ("Every model needs a NAME.tflite.ini sidecar (docs/sidecar.md) or the "
            "'config' property."));
    ecnn_config_clear (out);
    return FALSE;
  }
  if (model)
    g_strlcpy (out->model_path, model, sizeof out->model_path);
  if (labels) {
    /* replace the sidecar's labels with the given file */
    gchar *text = NULL;
    GError *err = NULL;
    if (!g_file_get_contents (labels, &text, NULL, &err)) {
      GST_ELEMENT_ERROR (element, RESOURCE, NOT_FOUND,
          ("Cannot read label file '%s': %s", labels, err->message), (NULL));
      g_clear_error (&err);
      ecnn_config_clear (out);
      return FALSE;
    }
    gchar **lines = g_strsplit (text, "\n", -1);
    guint n = g_strv_length (lines);
    while (n > 0 && lines[n - 1][0] == '\0')
      n--;
    ecnn_config_clear (out);
    out->labels = calloc (n ? n : 1, sizeof (char *));
    for (guint i = 0; i < n && out->labels; i++) {
      g_strchomp (lines[i]);
      out->labels[i] = strdup (lines[i]);
      out->num_labels = (int32_t) i + 1;
    }
    g_strlcpy (out->labels_path, labels, sizeof out->labels_path);
    g_strfreev (lines);
    g_free (text);
  }
  return TRUE;
}

#define DEFINE_ENUM(fn, Name, ...)                                   \
GType fn (void) {                                                    \
  static GType type = 0;                                             \
  static const GEnumValue values[] = { __VA_ARGS__, {0, NULL, NULL} }; \
  if (g_once_init_enter (&type)) {                                   \
    GType t = g_type_from_name (Name);                               \
    if (!t)                                                          \
      t = g_enum_register_static (Name, values);                     \
    g_once_init_leave (&type, t);                                    \
  }                                                                  \
  return type;                                                       \
}

DEFINE_ENUM (ecnn_precision_get_type, "EcnnPrecision",
    {ECNN_PRECISION_FP32, "32-bit float", "fp32"},
    {ECNN_PRECISION_INT8, "8-bit integer (a quantized model)", "int8"})
DEFINE_ENUM (ecnn_backend_get_type, "EcnnBackend",
    {ECNN_BACKEND_NATIVE, "libedgecnn's own kernels", "native"},
    {ECNN_BACKEND_XNNPACK, "XNNPACK (the speed yardstick, when built)", "xnnpack"})
DEFINE_ENUM (ecnn_resize_mode_get_type, "EcnnResizeMode",
    {ECNN_RESIZE_STRETCH, "Stretch the frame to the model input", "stretch"},
    {ECNN_RESIZE_LETTERBOX, "Keep the aspect ratio, pad with black", "letterbox"},
    {ECNN_RESIZE_CENTER_CROP, "Keep the aspect ratio, crop the centre", "center-crop"})
DEFINE_ENUM (ecnn_colormap_get_type, "EcnnColormap",
    {ECNN_COLORMAP_JET, "Jet (blue-cyan-yellow-red)", "jet"},
    {ECNN_COLORMAP_INFERNO, "Inferno (black-purple-orange-yellow)", "inferno"},
    {ECNN_COLORMAP_TURBO, "Turbo (improved rainbow)", "turbo"})
