/*
 * tflite_opver.h — the OperatorCode.version TensorFlow Lite's converter gives an operator, for
 * the ops our TFLite writer (tflite_write.h) emits. A runtime that predates a feature (int8
 * kernels, dilated depthwise, half-pixel resizes ...) then refuses the model cleanly instead of
 * failing inside a kernel.
 */
#ifndef ECNN_TFLITE_OPVER_H
#define ECNN_TFLITE_OPVER_H

#include "../graph.h"

/* The highest version ecnn_tflite_op_version returns (FULLY_CONNECTED, hybrid per-channel). */
#define ECNN_TFLITE_MAX_OP_VERSION 12

/* The version, 1 ... ECNN_TFLITE_MAX_OP_VERSION, that TensorFlow Lite's rules
 * (tensorflow/lite/tools/versioning/op_version.cc) give node n of g as our writer writes it:
 * from the node's op, its options and the dtypes, shapes and quantization of its tensors.
 * DETECTION_POSTPROCESS, a custom op, is 1. n must be one of g's nodes with tensor ids in
 * range (what ecnn_tflite_write checks first); g and n are only read. */
int32_t ecnn_tflite_op_version(const ecnn_graph *g, const ecnn_node *n);

#endif /* ECNN_TFLITE_OPVER_H */
