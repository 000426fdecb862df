/*
 * gstcnnmeta.h — EcnnTensorMeta, the buffer meta that carries a tensor between the edgecnn
 * elements: the preprocessed model input ("input", from cnnpreprocess to cnninfer) and the
 * saliency map ("saliency", from cnninfer to cnnheatmap). Detections travel as standard
 * GstVideoRegionOfInterestMeta instead.
 */
#ifndef __GST_CNN_META_H__
#define __GST_CNN_META_H__

#include <gst/gst.h>

#include "edgecnn.h"

G_BEGIN_DECLS

#define ECNN_TENSOR_META_API_TYPE (ecnn_tensor_meta_api_get_type ())
#define ECNN_TENSOR_META_INFO (ecnn_tensor_meta_get_info ())

typedef struct _EcnnTensorMeta EcnnTensorMeta;

/**
 * EcnnTensorMeta:
 * @meta: parent
 * @name: what the tensor is: "input" or "saliency" (interned string)
 * @dtype: element type
 * @ndim: number of dimensions (<= ECNN_MAX_DIMS)
 * @dims: shape (NHWC for images; saliency is 1 x H x W x 1, values 0..1)
 * @data: the elements, owned by the meta (g_free)
 * @bytes: size of @data
 * @map: for "input": how tensor pixels map to frame pixels; for "saliency": the map covers
 *   the same area of the frame as the model input did
 * @config_id: an opaque tag of the preprocessing settings (size + normalization) so cnninfer
 *   can check the tensor was made for its model
 */
struct _EcnnTensorMeta {
  GstMeta meta;
  const gchar *name;
  ecnn_dtype dtype;
  gint ndim;
  gint dims[ECNN_MAX_DIMS];
  gpointer data;
  gsize bytes;
  ecnn_letterbox map;
  guint32 config_id;
};

GType ecnn_tensor_meta_api_get_type (void);
const GstMetaInfo *ecnn_tensor_meta_get_info (void);

/* Attaches a tensor meta named @name (interned) to @buffer, taking ownership of @data
 * (g_malloc'd, @bytes long). Returns the meta. */
EcnnTensorMeta *gst_buffer_add_ecnn_tensor_meta (GstBuffer * buffer, const gchar * name,
    ecnn_dtype dtype, gint ndim, const gint * dims, gpointer data, gsize bytes,
    const ecnn_letterbox * map);

/* The first tensor meta named @name on @buffer, or NULL. */
EcnnTensorMeta *gst_buffer_get_ecnn_tensor_meta (GstBuffer * buffer, const gchar * name);

G_END_DECLS

#endif /* __GST_CNN_META_H__ */
