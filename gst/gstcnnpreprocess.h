/*
 * gstcnnpreprocess.h — the cnnpreprocess element: builds a model's input tensor from each
 * frame and attaches it as an EcnnTensorMeta "input".
 */
#ifndef __GST_CNN_PREPROCESS_H__
#define __GST_CNN_PREPROCESS_H__

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_CNN_PREPROCESS (gst_cnn_preprocess_get_type ())
G_DECLARE_FINAL_TYPE (GstCnnPreprocess, gst_cnn_preprocess, GST, CNN_PREPROCESS,
    GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (cnnpreprocess);

G_END_DECLS

#endif
