/*
 * detect_ppm.c — the smallest complete use of libedgecnn: load a model with its sidecar, read
 * a binary PPM (P6) image, detect, print the boxes. No GStreamer, no GLib.
 *
 *   detect_ppm models/ssd_mobilenetv2_oidv4_fp16.tflite photo.ppm
 *   (a 512x512 PNG to PPM: (printf 'P6 512 512 255\n'; gst-launch-1.0 -q filesrc
 *    location=x.png ! pngdec ! videoconvert ! video/x-raw,format=RGB ! fdsink | cat) > x.ppm)
 */
#include <stdio.h>
#include <stdlib.h>

#include "edgecnn.h"

static unsigned char *read_ppm(const char *path, int *w, int *h) {
  FILE *f = fopen(path, "rb");
  int maxval;
  if (!f) return NULL;
  if (fscanf(f, "P6 %d %d %d", w, h, &maxval) != 3 || maxval != 255 || *w < 1 || *h < 1 ||
      *w > 16384 || *h > 16384 || fgetc(f) == EOF) {
    fclose(f);
    return NULL;
  }
  size_t n = (size_t)*w * *h * 3;
  unsigned char *px = malloc(n);
  if (px && fread(px, 1, n, f) != n) {
    free(px);
    px = NULL;
  }
  fclose(f);
  return px;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MODEL.tflite IMAGE.ppm\n", argv[0]);
    return 2;
  }
  ecnn_config config;
  ecnn_config_init(&config);
  ecnn_detector *det = NULL;
  if (ecnn_config_load_for_model(&config, argv[1]) != ECNN_STATUS_OK ||
      ecnn_detector_create(&config, NULL, &det) != ECNN_STATUS_OK) {
    fprintf(stderr, "error: %s\n", ecnn_last_error());
    ecnn_config_clear(&config);
    return 1;
  }
  int w, h;
  unsigned char *px = read_ppm(argv[2], &w, &h);
  if (!px) {
    fprintf(stderr, "error: cannot read PPM image '%s'\n", argv[2]);
    ecnn_detector_free(det);
    ecnn_config_clear(&config);
    return 1;
  }
  ecnn_image image = {.format = ECNN_PIXEL_RGB24, .width = w, .height = h};
  image.planes[0] = px;
  image.strides[0] = w * 3;
  ecnn_detection dets[100];
  int32_t n = 0;
  int rc = 0;
  if (ecnn_detector_detect(det, &image, dets, 100, &n) != ECNN_STATUS_OK) {
    fprintf(stderr, "error: %s\n", ecnn_last_error());
    rc = 1;
  }
  for (int32_t i = 0; i < n; i++) {
    const char *label = ecnn_config_label(&config, dets[i].class_id);
    printf("%-12s %.2f  (%.0f, %.0f) - (%.0f, %.0f)\n", label ? label : "?", (double)dets[i].score,
           (double)dets[i].xmin, (double)dets[i].ymin, (double)dets[i].xmax, (double)dets[i].ymax);
  }
  free(px);
  ecnn_detector_free(det);
  ecnn_config_clear(&config);
  return rc;
}
