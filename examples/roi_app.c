/*
 * roi_app.c — an application embedding the edgecnn elements: builds
 *   filesrc ! decodebin ! videoconvert ! cnninfer ! appsink
 * and reads the detections from the standard GstVideoRegionOfInterestMeta of each buffer
 * (label, box, and the "detection" structure's confidence). Any app that reads ROI metas (or a
 * pad probe) gets the results the same way.
 *
 *   GST_PLUGIN_PATH=build/gst build/examples/roi_app models/ssd_mobilenetv2_oidv4_fp16.tflite \
 *       tests/data/astronaut.png
 */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/gstvideometa.h>

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  if (argc != 3) {
    g_printerr("usage: %s MODEL.tflite MEDIA_FILE\n", argv[0]);
    return 2;
  }
  gchar *desc = g_strdup_printf("filesrc name=src ! decodebin ! videoconvert ! "
                                "cnninfer name=infer ! appsink name=sink sync=false");
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch(desc, &err);
  g_free(desc);
  if (!pipe) {
    g_printerr("error: %s\n", err->message);
    return 1;
  }
  GstElement *src = gst_bin_get_by_name(GST_BIN(pipe), "src");
  GstElement *infer = gst_bin_get_by_name(GST_BIN(pipe), "infer");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
  g_object_set(src, "location", argv[2], NULL);
  g_object_set(infer, "model", argv[1], NULL);
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  int frame = 0, rc = 0;
  GstSample *sample;
  while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
    GstBuffer *buf = gst_sample_get_buffer(sample);
    gpointer state = NULL;
    GstMeta *meta;
    while ((meta = gst_buffer_iterate_meta_filtered(buf, &state,
                                                    GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *)meta;
      GstStructure *s = gst_video_region_of_interest_meta_get_param(roi, "detection");
      gdouble conf = 0;
      if (s) gst_structure_get_double(s, "confidence", &conf);
      g_print("frame %d: %s %.2f at (%u, %u) %ux%u\n", frame,
              g_quark_to_string(roi->roi_type), conf, roi->x, roi->y, roi->w, roi->h);
    }
    gst_sample_unref(sample);
    frame++;
  }
  GstBus *bus = gst_element_get_bus(pipe);
  GstMessage *msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  if (msg) {
    gst_message_parse_error(msg, &err, NULL);
    g_printerr("error: %s\n", err->message);
    g_clear_error(&err);
    gst_message_unref(msg);
    rc = 1;
  }
  gst_object_unref(bus);
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(infer);
  gst_object_unref(sink);
  gst_object_unref(pipe);
  return rc;
}
