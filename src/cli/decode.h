/*
 * decode.h — image files → RGB pixels for the CLI and cnninfer's calibration, through GStreamer
 * (filesrc ! decodebin ! videoconvert ! RGB appsink), so PNG, JPEG and anything else the
 * installed plugins decode works without an image library of our own.
 */
#ifndef ECNN_CLI_DECODE_H
#define ECNN_CLI_DECODE_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "edgecnn.h"

typedef struct cli_image {
  uint8_t *rgb; /* width * height * 3 bytes, rows packed; g_free */
  int32_t width, height;
} cli_image;

/* Decodes `path`; on failure returns 0 and writes a one-line reason into err. */
int cli_decode_image(const char *path, cli_image *out, char *err, size_t err_size);

/* The images `spec` names: a folder's image files (png, jpg, jpeg, bmp, ppm, webp, gif),
 * sorted, or a comma-separated list of files. A GPtrArray of paths (g_ptr_array_unref). */
GPtrArray *cli_image_files(const char *spec);

/* Runs the quantizer's calibration on `files`: each decoded, preprocessed as `config` says to
 * the model's input size, observed; progress (may be NULL) is told before each image.
 * Returns the images used, or 0 with a one-line reason in err. (`edgecnn quantize` and
 * cnninfer's calibration property.) */
typedef void (*cli_progress_fn)(void *user, guint index, guint count, const char *path);
guint cli_calibrate(ecnn_quantizer *q, const ecnn_config *config, GPtrArray *files,
                    cli_progress_fn progress, void *user, char *err, size_t err_size);

#endif
