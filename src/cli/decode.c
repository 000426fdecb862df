/*
 * decode.c — decodes one image file into packed RGB with a short GStreamer pipeline
 * (decode.h). Used by `edgecnn detect` and `quantize` and by cnninfer's calibration; one
 * pipeline per image, torn down before return. Also the calibration loop they share.
 */
#include "decode.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <string.h>

int cli_decode_image(const char *path, cli_image *out, char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_snprintf(err, err_size, "cannot open image '%s'", path);
    return 0;
  }
  GError *gerr = NULL;
  GstElement *pipe = gst_parse_launch(
      "filesrc name=src ! decodebin ! videoconvert ! video/x-raw,format=RGB ! "
      "appsink name=sink sync=false max-buffers=1",
      &gerr);
  if (!pipe) {
    g_snprintf(err, err_size, "cannot build the decoding pipeline: %s (install "
               "gstreamer1.0-plugins-base and -good)", gerr ? gerr->message : "?");
    g_clear_error(&gerr);
    return 0;
  }
  GstElement *src = gst_bin_get_by_name(GST_BIN(pipe), "src");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
  g_object_set(src, "location", path, NULL);
  int ok = 0;
  /* preroll: the first decoded frame reaches the sink, or an error reaches the bus */
  gst_element_set_state(pipe, GST_STATE_PAUSED);
  GstBus *bus = gst_element_get_bus(pipe);
  GstMessage *msg = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND,
                                               GST_MESSAGE_ERROR | GST_MESSAGE_ASYNC_DONE);
  GstSample *sample = NULL;
  if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ASYNC_DONE)
    sample = gst_app_sink_try_pull_preroll(GST_APP_SINK(sink), GST_SECOND);
  if (!sample) {
    if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
      GError *e = NULL;
      gst_message_parse_error(msg, &e, NULL);
      g_snprintf(err, err_size, "cannot decode image '%s': %s", path, e ? e->message : "?");
      g_clear_error(&e);
    } else {
      g_snprintf(err, err_size, "cannot decode image '%s'", path);
    }
  } else {
    GstVideoInfo info;
    GstVideoFrame frame;
    GstBuffer *buf = gst_sample_get_buffer(sample);
    if (gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) &&
        gst_video_frame_map(&frame, &info, buf, GST_MAP_READ)) {
      int w = GST_VIDEO_FRAME_WIDTH(&frame), h = GST_VIDEO_FRAME_HEIGHT(&frame);
      int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
      const uint8_t *p = GST_VIDEO_FRAME_PLANE_DATA(&frame, 0);
      out->rgb = g_malloc((gsize)w * h * 3);
      for (int y = 0; y < h; y++) memcpy(out->rgb + (size_t)y * w * 3, p + (size_t)y * stride, (size_t)w * 3);
      out->width = w;
      out->height = h;
      gst_video_frame_unmap(&frame);
      ok = 1;
    } else {
      g_snprintf(err, err_size, "cannot map the decoded frame of '%s'", path);
    }
    gst_sample_unref(sample);
  }
  if (msg) gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipe);
  return ok;
}

static gboolean is_image_name(const char *name) {
  static const char *const ext[] = {".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".webp", ".gif"};
  const char *dot = strrchr(name, '.');
  for (size_t i = 0; dot && i < G_N_ELEMENTS(ext); i++)
    if (!g_ascii_strcasecmp(dot, ext[i])) return TRUE;
  return FALSE;
}

static gint cmp_path(gconstpointer a, gconstpointer b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *cli_image_files(const char *spec) {
  GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
  if (g_file_test(spec, G_FILE_TEST_IS_DIR)) {
    GDir *dir = g_dir_open(spec, 0, NULL);
    for (const char *name; dir && (name = g_dir_read_name(dir));)
      if (is_image_name(name)) g_ptr_array_add(files, g_build_filename(spec, name, NULL));
    if (dir) g_dir_close(dir);
    g_ptr_array_sort(files, cmp_path);
  } else {
    gchar **parts = g_strsplit(spec, ",", -1);
    for (gchar **p = parts; *p; p++)
      if (**p) g_ptr_array_add(files, g_strdup(*p));
    g_strfreev(parts);
  }
  return files;
}

guint cli_calibrate(ecnn_quantizer *q, const ecnn_config *config, GPtrArray *files,
                    cli_progress_fn progress, void *user, char *err, size_t err_size) {
  ecnn_tensor_info in;
  ecnn_model_input_info(ecnn_quantizer_model(q), 0, &in);
  if (in.ndim != 4 || in.dims[3] != 3) {
    g_snprintf(err, err_size, "calibration feeds images: the input must be 1 x H x W x 3");
    return 0;
  }
  if (files->len == 0) {
    g_snprintf(err, err_size, "no calibration images (png, jpg, jpeg, bmp, ppm, webp, gif)");
    return 0;
  }
  const int32_t th = in.dims[1], tw = in.dims[2];
  const size_t bytes = (size_t)th * (size_t)tw * 3 * sizeof(float);
  float *tensor = g_malloc(bytes);
  guint used = 0;
  for (guint i = 0; i < files->len; i++) {
    const char *path = g_ptr_array_index(files, i);
    if (progress) progress(user, i, files->len, path);
    cli_image img;
    if (!cli_decode_image(path, &img, err, err_size)) break;
    ecnn_image im = {.format = ECNN_PIXEL_RGB24, .width = img.width, .height = img.height};
    im.planes[0] = img.rgb;
    im.strides[0] = img.width * 3;
    ecnn_status st = ecnn_image_to_tensor(&im, config, tw, th, ECNN_DTYPE_F32, tensor, NULL);
    if (st == ECNN_STATUS_OK) st = ecnn_quantizer_observe(q, tensor, bytes);
    g_free(img.rgb);
    if (st != ECNN_STATUS_OK) {
      g_snprintf(err, err_size, "%s: %s", path, ecnn_last_error());
      break;
    }
    used++;
  }
  g_free(tensor);
  return used == files->len ? used : 0;
}
