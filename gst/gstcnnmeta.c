/*
 * gstcnnmeta.c — registration and helpers of EcnnTensorMeta (gstcnnmeta.h). The meta owns its
 * data; copies (buffer copies, make_writable) duplicate it, so each buffer frees its own.
 */
#include "gstcnnmeta.h"

#include <string.h>

static gboolean
ecnn_tensor_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  EcnnTensorMeta *m = (EcnnTensorMeta *) meta;
  (void) params;
  (void) buffer;
  m->name = NULL;
  m->dtype = ECNN_DTYPE_F32;
  m->ndim = 0;
  memset (m->dims, 0, sizeof m->dims);
  m->data = NULL;
  m->bytes = 0;
  memset (&m->map, 0, sizeof m->map);
  m->config_id = 0;
  return TRUE;
}

static void
ecnn_tensor_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  EcnnTensorMeta *m = (EcnnTensorMeta *) meta;
  (void) buffer;
  g_free (m->data);
  m->data = NULL;
}

static gboolean
ecnn_tensor_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  EcnnTensorMeta *m = (EcnnTensorMeta *) meta;
  (void) buffer;
  (void) data;
  /* only plain copies keep the tensor: a scaled or cropped buffer would need new
   * coordinates, so the meta is dropped there */
  if (!GST_META_TRANSFORM_IS_COPY (type))
    return TRUE;
  EcnnTensorMeta *d = gst_buffer_add_ecnn_tensor_meta (dest, m->name, m->dtype,
      m->ndim, m->dims, g_memdup2 (m->data, m->bytes), m->bytes, &m->map);
  if (d)
    d->config_id = m->config_id;
  return d != NULL;
}

GType
ecnn_tensor_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };
  if (g_once_init_enter (&type)) {
    /* an application linking this file may share a process with the plugin: reuse the
     * registration whichever copy made it first */
    GType t = g_type_from_name ("EcnnTensorMetaAPI");
    if (!t)
      t = gst_meta_api_type_register ("EcnnTensorMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
ecnn_tensor_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;
  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *i = gst_meta_get_info ("EcnnTensorMeta");
    if (!i)
      i = gst_meta_register (ECNN_TENSOR_META_API_TYPE,
        "EcnnTensorMeta", sizeof (EcnnTensorMeta), ecnn_tensor_meta_init,
          ecnn_tensor_meta_free, ecnn_tensor_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) i);
  }
  return info;
}

EcnnTensorMeta *
gst_buffer_add_ecnn_tensor_meta (GstBuffer * buffer, const gchar * name,
    ecnn_dtype dtype, gint ndim, const gint * dims, gpointer data, gsize bytes,
    const ecnn_letterbox * map)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (ndim >= 0 && ndim <= ECNN_MAX_DIMS, NULL);
  EcnnTensorMeta *m = (EcnnTensorMeta *) gst_buffer_add_meta (buffer,
      ECNN_TENSOR_META_INFO, NULL);
  if (!m) {
    g_free (data);
    return NULL;
  }
  m->name = g_intern_string (name);
  m->dtype = dtype;
  m->ndim = ndim;
  for (gint i = 0; i < ndim; i++)
    m->dims[i] = dims[i];
  m->data = data;
  m->bytes = bytes;
  if (map)
    m->map = *map;
  return m;
}

EcnnTensorMeta *
gst_buffer_get_ecnn_tensor_meta (GstBuffer * buffer, const gchar * name)
{
  gpointer state = NULL;
  GstMeta *meta;
  const gchar *iname = g_intern_string (name);
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
              ECNN_TENSOR_META_API_TYPE))) {
    EcnnTensorMeta *m = (EcnnTensorMeta *) meta;
    if (m->name == iname)
      return m;
  }
  return NULL;
}
