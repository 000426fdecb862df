/*
 * registry_q8.c — the quantized (int8/uint8) operator table, indexed by ecnn_op. A NULL entry
 * means the op has no quantized kernel; ecnn_graph_prepare then fails with UNSUPPORTED.
 */
#include "../ops.h"

const ecnn_op_desc ecnn_q8_ops[ECNN_OP_COUNT] = {0};
