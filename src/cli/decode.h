/*
 * decode.h — image file → RGB pixels for the CLI, through GStreamer
 * (filesrc ! decodebin ! videoconvert ! RGB appsink), so PNG, JPEG and anything else the
 * installed plugins decode works without an image library of our own.
 */
#ifndef ECNN_CLI_DECODE_H
#define ECNN_CLI_DECODE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cli_image {
  uint8_t *rgb; /* width * height * 3 bytes, rows packed; g_free */
  int32_t width, height;
} cli_image;

/* Decodes `path`; on failure returns 0 and writes a one-line reason into err. */
int cli_decode_image(const char *path, cli_image *out, char *err, size_t err_size);

#endif
