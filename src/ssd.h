/*
 * ssd.h — internal helpers shared by the SSD code (anchors, saliency).
 */
#ifndef ECNN_SSD_H
#define ECNN_SSD_H

#include "edgecnn.h"

/* The anchor grids in generation order: layers with equal strides merged into one grid of
 * grid_w x grid_h cells with per_cell anchors each (arrays of ECNN_MAX_SSD_LAYERS). Returns the
 * number of grids, or -1 when the options are invalid (message set). */
int32_t ecnn_anchor_layout(const ecnn_anchor_options *options, int32_t *grid_w, int32_t *grid_h,
                           int32_t *per_cell);

#endif
