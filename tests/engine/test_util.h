/*
 * test_util.h — small helpers shared by the engine tests: file reading, locating models and
 * test data from the environment meson sets, and the oracle's deterministic @rand input.
 */
#ifndef ECNN_TEST_UTIL_H
#define ECNN_TEST_UTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/q8_conv.h"

/* Runs every test of s (Check's normal output), frees it: the test program's exit status. */
int tu_run_suite(Suite *s);

/* Reads a whole file into a malloc'd buffer (NUL-terminated beyond size); NULL on failure. */
uint8_t *tu_read_file(const char *path, size_t *size);
/* Writes a whole file; 0 on success. */
int tu_write_file(const char *path, const void *data, size_t size);
/* "$ECNN_MODELS_DIR/name" (or "$ECNN_TEST_DATA/name" for tu_data_path) in a static buffer
 * (one per call site is enough: copy it if you need two at once). */
const char *tu_model_path(const char *name);
const char *tu_data_path(const char *name);
/* The tflite-oracle's @rand:SEED float32 input: s = 1664525*s + 1013904223 (mod 2^32) per
 * element, value ((s >> 8) / 2^24) * 2 - 1. */
void tu_fill_rand_f32(float *x, size_t n, uint32_t seed);
/* "$ECNN_SOURCE_ROOT/tests/golden/name" in a static buffer. */
const char *tu_golden_path(const char *name);
/* A test photo of tests/golden (name "astronaut" or "coffee", resized to size x size, packed
 * uint8 RGB) as the models' [-1, 1] float input u / 127.5 - 1, or, for name "rand1", the
 * oracle's @rand:1 tensor; malloc'd, NULL when the file is missing. */
float *tu_photo_f32(const char *name, int32_t size);
/* The float TFLite model `model` quantized with the public API (ecnn_quantizer_*), calibrated
 * on the astronaut and coffee photos at size x size; malloc'd TFLite bytes (*out_size), NULL
 * when something fails (ecnn_last_error says what). */
uint8_t *tu_quantize_on_photos(const uint8_t *model, size_t size, int32_t input_size,
                               size_t *out_size);

/* An int8 convolution's geometry as the ops make it (groups 1, depth multiplier 1; SAME:
 * TFLite's padding, else VALID: none); zero points and clamp left 0 for the caller. The
 * depthwise one: c channels in and out, any kernel, strides and dilations. */
ecnn_q8_conv_params tu_q8_conv_geometry(int32_t batch, int32_t h, int32_t w, int32_t ic,
                                        int32_t oc, int32_t k, int32_t s, int32_t d, bool same);
ecnn_q8_conv_params tu_q8_dw_geometry(int32_t batch, int32_t h, int32_t w, int32_t c,
                                      int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
                                      int32_t dw, bool same);

/* The int8 conv kernel tests' sweep: configuration cfg (0-6: 1x1; 1x1 stride 2; 3x3 SAME;
 * 3x3 VALID; 3x3 stride 2; 3x3 dilation 2; 5x5 stride 2) over `batch` images of width x
 * (width + 2) pixels. */
enum { TU_Q8_CONV_CONFIGS = 7 };
ecnn_q8_conv_params tu_q8_conv_case(int32_t cfg, int32_t batch, int32_t width, int32_t ic,
                                    int32_t oc);

/* The depthwise tests' quantization of variant v: int8 or uint8 activations and weights in
 * all four pairings, zero points across their ranges (weights too: int8 ones at 0, -3, 127),
 * clamps (none, a RELU, a narrow one). */
void tu_q8_dw_quantization(ecnn_q8_conv_params *p, int v);

/* The int8 depthwise kernel tests' sweep over the channel counts cs[0 .. ncs): for each, 11
 * image sizes (1x1, 1xN, Nx1, up to 16 wide) x 22 configurations (3x3 and 5x5 at strides 1
 * and 2, also stride_h 2 over stride_w 1 and the reverse, SAME and VALID, dilation_h or both
 * dilations 2; 7x7, 1x1, 2x2 stride 2, 3x3 stride 3, 1x3, 3x1, 2x5, 4x4, 5x3 strides 3x2
 * dilation_w 2, 4x2 stride_w 3), one or two images, the shapes with an output; each with
 * quantization variant `variant` (tu_q8_dw_quantization), counted up. Start from
 * {cs, ncs}; tu_q8_dw_sweep_next sets *p to the next case, false after the last. */
typedef struct tu_q8_dw_sweep {
  const int32_t *cs;
  int32_t ncs;
  int32_t at;  /* the next (channel, size, configuration) to try, flat */
  int variant; /* cases given so far */
} tu_q8_dw_sweep;
bool tu_q8_dw_sweep_next(tu_q8_dw_sweep *s, ecnn_q8_conv_params *p);

/* How a thread pool may cut `rows` output rows, way `split` (0 .. TU_ROW_SPLITS - 1): all at
 * once; a row at a time, last first; [0, 1), [1, rows / 2 + 1) and the rest (across images
 * when there are two); runs of 3 from row 1, then row 0. The ranges, in the order to run
 * them, into r (room for rows + 1); returns their count. */
enum { TU_ROW_SPLITS = 4 };
int32_t tu_row_ranges(int32_t rows, int split, int32_t (*r)[2]);

/* max |a - b| over n floats. */
float tu_max_abs_diff(const float *a, const float *b, size_t n);
float tu_max_abs(const float *a, size_t n);

#endif
