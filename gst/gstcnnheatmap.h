/*
 * gstcnnheatmap.h — the cnnheatmap element: blends the saliency map into the frames.
 */
#ifndef __GST_CNN_HEATMAP_H__
#define __GST_CNN_HEATMAP_H__

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_CNN_HEATMAP (gst_cnn_heatmap_get_type ())
G_DECLARE_FINAL_TYPE (GstCnnHeatmap, gst_cnn_heatmap, GST, CNN_HEATMAP, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (cnnheatmap);

G_END_DECLS

#endif
