/*
 * gstcnninfer.h — the cnninfer element: runs a detection model on video frames and attaches
 * the detections as GstVideoRegionOfInterestMeta.
 */
#ifndef __GST_CNN_INFER_H__
#define __GST_CNN_INFER_H__

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_CNN_INFER (gst_cnn_infer_get_type ())
G_DECLARE_FINAL_TYPE (GstCnnInfer, gst_cnn_infer, GST, CNN_INFER, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (cnninfer);

G_END_DECLS

#endif
