/*
 * quantizer.h — internal side of the post-training quantizer (edgecnn.h has the public one):
 * the int8 graph before serialization, for tests and for sessions that quantize at start.
 */
#ifndef ECNN_QUANTIZER_H
#define ECNN_QUANTIZER_H

#include "graph.h"

/* Builds the int8 graph of the quantizer's float model from the ranges observed so far into
 * out (freshly initialized; prepared on success). */
ecnn_status ecnn_quantizer_build(const ecnn_quantizer *quantizer,
                                 const ecnn_quantize_options *options, ecnn_graph *out);

#endif
