/*
 * tflite.h — the TFLite flatbuffer loader: turns hostile bytes into an ecnn_graph, checking
 * every offset, length, index and shape before use.
 */
#ifndef ECNN_TFLITE_H
#define ECNN_TFLITE_H

#include "../graph.h"

/* Parses a .tflite model held in data[0..size) into g (which must be freshly initialized).
 * The bytes are not kept: constants are copied into aligned storage owned by g. FP16
 * constants feeding DEQUANTIZE are folded into FP32 constants and the DEQUANTIZE nodes
 * dropped. Unknown ops fail with UNSUPPORTED naming the op and its index. Does not run
 * ecnn_graph_prepare. On failure g holds what was built so far; ecnn_graph_clear frees it. */
ecnn_status ecnn_tflite_parse(const uint8_t *data, size_t size, ecnn_graph *g);

#endif
