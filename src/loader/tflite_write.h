/*
 * tflite_write.h — the TFLite flatbuffer writer: serializes an ecnn_graph (float or quantized)
 * into a .tflite file that TensorFlow Lite and this engine's loader (tflite.h) both accept.
 * `edgecnn quantize` builds its int8 graph in memory and saves it through this.
 */
#ifndef ECNN_TFLITE_WRITE_H
#define ECNN_TFLITE_WRITE_H

#include "../graph.h"

/* Serializes g as a TFLite model (schema version 3, identifier "TFL3"): one subgraph holding
 * every tensor of g in order (shape, type, name, quantization, constant data), g's inputs and
 * outputs, and every node in order with the builtin options the loader reads (or, for
 * DETECTION_POSTPROCESS, the custom op "TFLite_Detection_PostProcess" with its options as a
 * FlexBuffer map). Buffer 0 is empty; each constant tensor gets its own buffer, its data
 * 16-byte aligned in the file. g is only read and may be a parsed, a hand-built or a prepared
 * graph, but not one whose weights a model packed (a tensor with `packed` set).
 * On success *out is a malloc'd buffer of *size bytes that the caller frees. On failure *out
 * is NULL and *size 0: INVALID_ARGUMENT for a graph that cannot be written (a packed tensor, an
 * op or dtype TFLite has no code for, an index out of range, inconsistent quantization or
 * constant sizes), OUT_OF_MEMORY when memory runs out or the file would pass 2 GB. */
ecnn_status ecnn_tflite_write(const ecnn_graph *g, uint8_t **out, size_t *size);

#endif /* ECNN_TFLITE_WRITE_H */
