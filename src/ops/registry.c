/*
 * registry.c — the table of float operators, generated from ops.inc.
 */
#include "ops.h"

const ecnn_op_desc ecnn_ops[ECNN_OP_COUNT] = {
#define ECNN_OP(e, n, c) [ECNN_OP_##e] = {#e, ecnn_op_##n##_prepare, ecnn_op_##n##_run},
#include "ops.inc"
#undef ECNN_OP
};
