/*
 * plugin.c — the "edgecnn" GStreamer plugin. It will register cnnpreprocess, cnninfer,
 * cnnoverlay and cnnheatmap (see docs/roadmap.md); today it registers the plugin itself and
 * checks that the engine links, so packaging and plugin loading are exercised from day one.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "edgecnn.h"

#ifndef PACKAGE
#define PACKAGE "edgecnn"
#endif

static gboolean
plugin_init (GstPlugin * plugin)
{
  (void) plugin;
  /* The elements arrive with the plugin issue; the engine is linked already. */
  return ecnn_dtype_size (ECNN_DTYPE_F32) == 4;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, edgecnn,
    "CNN inference (SSD detection, saliency) with the libedgecnn engine",
    plugin_init, "0.1.0", "Apache 2.0", "EdgeCNN", "https://example.invalid/edgecnn")
