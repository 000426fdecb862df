/*
 * plugin.c — the "edgecnn" GStreamer plugin: registers cnnpreprocess, cnninfer, cnnoverlay and
 * cnnheatmap, each defined in its gstcnn<name>.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "edgecnn.h"
#include "gstcnnheatmap.h"
#include "gstcnninfer.h"
#include "gstcnnoverlay.h"
#include "gstcnnpreprocess.h"

#ifndef PACKAGE
#define PACKAGE "edgecnn"
#endif

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ok = TRUE;
  ok &= GST_ELEMENT_REGISTER (cnnpreprocess, plugin);
  ok &= GST_ELEMENT_REGISTER (cnninfer, plugin);
  ok &= GST_ELEMENT_REGISTER (cnnoverlay, plugin);
  ok &= GST_ELEMENT_REGISTER (cnnheatmap, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, edgecnn,
    "CNN inference (SSD detection, saliency) with the libedgecnn engine",
    plugin_init, "0.1.0", "Apache 2.0", "EdgeCNN", "https://example.invalid/edgecnn")
