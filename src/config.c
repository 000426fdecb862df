/*
 * config.c — model sidecars (NAME.tflite.ini, GKeyFile syntax parsed in plain C) and label
 * files: everything needed to use a model (task, input normalization, resize mode, SSD anchor
 * and decoding options, label file, thresholds). Unknown sections and keys are errors naming
 * the file, line and key, so a typo never silently falls back to a default. Load-time only.
 * The keys are documented in docs/sidecar.md.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

#define MAX_LINE 1024

void ecnn_config_init(ecnn_config *c) {
  if (!c) return;
  memset(c, 0, sizeof *c);
  c->task = ECNN_TASK_RAW;
  for (int i = 0; i < 3; i++) {
    c->mean[i] = 127.5f;
    c->scale[i] = 1.0f / 127.5f;
  }
  c->resize = ECNN_RESIZE_STRETCH;
  ecnn_anchor_options_init(&c->anchors);
  c->decode.box_format = ECNN_BOX_YXHW;
  c->decode.y_scale = c->decode.x_scale = 10.0f;
  c->decode.h_scale = c->decode.w_scale = 5.0f;
  c->decode.num_coords = 4;
  c->decode.num_classes = 1;
  c->decode.score_fn = ECNN_SCORE_SIGMOID;
  c->decode.score_threshold = 0.5f;
  c->decode.iou_threshold = 0.45f;
  c->decode.nms = ECNN_NMS_HARD;
  c->decode.max_detections = 100;
  c->boxes_output = 0;
  c->scores_output = 1;
}

void ecnn_config_clear(ecnn_config *c) {
  if (!c) return;
  for (int32_t i = 0; i < c->num_labels; i++) free(c->labels[i]);
  free(c->labels);
  c->labels = NULL;
  c->num_labels = 0;
}

const char *ecnn_config_label(const ecnn_config *c, int32_t id) {
  if (!c || id < 0 || id >= c->num_labels) return NULL;
  return c->labels[id];
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = 0;
  return s;
}

/* Value parsers; each returns false on a malformed value. */
static bool parse_float(const char *v, float *out) {
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  if (end == v || *trim(end) || errno || !isfinite(d)) return false;
  *out = (float)d;
  return true;
}

static bool parse_int(const char *v, int32_t *out) {
  char *end;
  errno = 0;
  long l = strtol(v, &end, 10);
  if (end == v || *trim(end) || errno || l < INT32_MIN || l > INT32_MAX) return false;
  *out = (int32_t)l;
  return true;
}

static bool parse_bool(const char *v, bool *out) {
  if (!strcmp(v, "true") || !strcmp(v, "1")) return *out = true, true;
  if (!strcmp(v, "false") || !strcmp(v, "0")) return *out = false, true;
  return false;
}

/* "a;b;c" (GKeyFile list; ',' accepted too) into at most max floats; *n = count. */
static bool parse_floats(const char *v, float *out, int32_t max, int32_t *n) {
  char buf[MAX_LINE];
  snprintf(buf, sizeof buf, "%s", v);
  int32_t k = 0;
  for (char *save = NULL, *tok = strtok_r(buf, ";,", &save); tok; tok = strtok_r(NULL, ";,", &save)) {
    char *t = trim(tok);
    if (!*t) continue;
    if (k >= max || !parse_float(t, &out[k])) return false;
    k++;
  }
  *n = k;
  return k > 0;
}

static bool parse_ints(const char *v, int32_t *out, int32_t max, int32_t *n) {
  float f[ECNN_MAX_SSD_LAYERS];
  if (max > ECNN_MAX_SSD_LAYERS || !parse_floats(v, f, max, n)) return false;
  for (int32_t i = 0; i < *n; i++) {
    if (f[i] != floorf(f[i]) || fabsf(f[i]) > 1e6f) return false;
    out[i] = (int32_t)f[i];
  }
  return true;
}

/* Maps a word to an enum value via a NULL-terminated name list. */
static bool parse_enum(const char *v, const char *const *names, int *out) {
  for (int i = 0; names[i]; i++)
    if (!strcmp(v, names[i])) return *out = i, true;
  return false;
}

static const char *const task_names[] = {"raw", "ssd", "ssd-postprocessed", "classify", "segment", NULL};
static const char *const resize_names[] = {"stretch", "letterbox", "center-crop", NULL};
static const char *const box_names[] = {"yxhw", "xywh", NULL};
static const char *const score_names[] = {"sigmoid", "softmax", "none", NULL};
static const char *const nms_names[] = {"hard", "agnostic", "weighted", "none", NULL};
static const char *const order_names[] = {"rgb", "bgr", NULL};

/* Applies one key; returns 1 ok, 0 bad value, -1 unknown key. */
static int apply(ecnn_config *c, const char *sec, const char *key, const char *v, char *model,
                 char *labels) {
  ecnn_anchor_options *a = &c->anchors;
  ecnn_decode_options *d = &c->decode;
  int e, n;
  int32_t cnt;
#define IS(s, k) (!strcmp(sec, s) && !strcmp(key, k))
  if (IS("model", "file")) return snprintf(model, ECNN_MAX_PATH, "%s", v) < ECNN_MAX_PATH;
  if (IS("model", "labels")) return snprintf(labels, ECNN_MAX_PATH, "%s", v) < ECNN_MAX_PATH;
  if (IS("model", "task")) return parse_enum(v, task_names, &e) ? (c->task = e, 1) : 0;
  if (IS("input", "mean") || IS("input", "scale")) {
    float f[3];
    float *dst = !strcmp(key, "mean") ? c->mean : c->scale;
    if (!parse_floats(v, f, 3, &cnt) || (cnt != 1 && cnt != 3)) return 0;
    for (int i = 0; i < 3; i++) dst[i] = f[cnt == 1 ? 0 : i];
    if (dst == c->scale)
      for (int i = 0; i < 3; i++)
        if (dst[i] == 0) return 0;
    return 1;
  }
  if (IS("input", "channel-order")) return parse_enum(v, order_names, &e) ? (c->bgr = e == 1, 1) : 0;
  if (IS("input", "resize")) return parse_enum(v, resize_names, &e) ? (c->resize = e, 1) : 0;
  if (IS("anchors", "num-layers")) return parse_int(v, &a->num_layers);
  if (IS("anchors", "min-scale")) return parse_float(v, &a->min_scale);
  if (IS("anchors", "max-scale")) return parse_float(v, &a->max_scale);
  if (IS("anchors", "input-width")) return parse_int(v, &a->input_width);
  if (IS("anchors", "input-height")) return parse_int(v, &a->input_height);
  if (IS("anchors", "offset-x")) return parse_float(v, &a->anchor_offset_x);
  if (IS("anchors", "offset-y")) return parse_float(v, &a->anchor_offset_y);
  if (IS("anchors", "strides")) return parse_ints(v, a->strides, ECNN_MAX_SSD_LAYERS, &cnt);
  if (IS("anchors", "feature-map-width"))
    return parse_ints(v, a->feature_map_width, ECNN_MAX_SSD_LAYERS, &cnt);
  if (IS("anchors", "feature-map-height"))
    return parse_ints(v, a->feature_map_height, ECNN_MAX_SSD_LAYERS, &cnt);
  if (IS("anchors", "aspect-ratios")) {
    if (!parse_floats(v, a->aspect_ratios, ECNN_MAX_ASPECT_RATIOS, &cnt)) return 0;
    a->num_aspect_ratios = cnt;
    return 1;
  }
  if (IS("anchors", "reduce-boxes-in-lowest-layer")) return parse_bool(v, &a->reduce_boxes_in_lowest_layer);
  if (IS("anchors", "interpolated-scale-aspect-ratio")) return parse_float(v, &a->interpolated_scale_aspect_ratio);
  if (IS("anchors", "fixed-anchor-size")) return parse_bool(v, &a->fixed_anchor_size);
  if (IS("decode", "box-format")) return parse_enum(v, box_names, &e) ? (d->box_format = e, 1) : 0;
  if (IS("decode", "y-scale")) return parse_float(v, &d->y_scale);
  if (IS("decode", "x-scale")) return parse_float(v, &d->x_scale);
  if (IS("decode", "h-scale")) return parse_float(v, &d->h_scale);
  if (IS("decode", "w-scale")) return parse_float(v, &d->w_scale);
  if (IS("decode", "num-coords")) return parse_int(v, &d->num_coords);
  if (IS("decode", "num-keypoints")) return parse_int(v, &d->num_keypoints);
  if (IS("decode", "num-classes")) return parse_int(v, &d->num_classes);
  if (IS("decode", "ignore-class-0")) return parse_bool(v, &d->ignore_class_0);
  if (IS("decode", "score")) return parse_enum(v, score_names, &e) ? (d->score_fn = e, 1) : 0;
  if (IS("decode", "score-clip")) return parse_float(v, &d->score_clip);
  if (IS("decode", "threshold")) return parse_float(v, &d->score_threshold);
  if (IS("decode", "iou-threshold")) return parse_float(v, &d->iou_threshold);
  if (IS("decode", "nms")) return parse_enum(v, nms_names, &e) ? (d->nms = e, 1) : 0;
  if (IS("decode", "max-detections")) return parse_int(v, &d->max_detections);
  if (IS("decode", "boxes-output")) return parse_int(v, &c->boxes_output);
  if (IS("decode", "scores-output")) return parse_int(v, &c->scores_output);
#undef IS
  (void)n;
  return -1;
}

/* dir of path (with trailing '/') into out; "" when path has no '/'. */
static void dir_of(const char *path, char *out, size_t cap) {
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path + 1) : 0;
  if (n >= cap) n = 0;
  memcpy(out, path, n);
  out[n] = 0;
}

/* Resolves `name` relative to dir (absolute names unchanged). */
static bool resolve(const char *dir, const char *name, char *out) {
  int n = name[0] == '/' ? snprintf(out, ECNN_MAX_PATH, "%s", name)
                         : snprintf(out, ECNN_MAX_PATH, "%s%s", dir, name);
  return n > 0 && n < ECNN_MAX_PATH;
}

static ecnn_status load_labels(ecnn_config *c, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return ecnn_error(ECNN_STATUS_IO_ERROR, "cannot open label file '%s'", path);
  char line[MAX_LINE];
  int32_t cap = 0;
  ecnn_status st = ECNN_STATUS_OK;
  while (fgets(line, sizeof line, f)) {
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
    if (c->num_labels >= ECNN_MAX_LABELS) {
      st = ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "label file '%s' has more than %d labels", path,
                      ECNN_MAX_LABELS);
      break;
    }
    if (c->num_labels == cap) {
      cap = cap ? cap * 2 : 32;
      char **p = realloc(c->labels, (size_t)cap * sizeof *p);
      if (!p) {
        st = ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory reading '%s'", path);
        break;
      }
      c->labels = p;
    }
    c->labels[c->num_labels] = strdup(line);
    if (!c->labels[c->num_labels]) {
      st = ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory reading '%s'", path);
      break;
    }
    c->num_labels++;
  }
  fclose(f);
  /* a trailing empty line is not a label */
  while (st == ECNN_STATUS_OK && c->num_labels > 0 && !c->labels[c->num_labels - 1][0])
    free(c->labels[--c->num_labels]);
  return st;
}

ecnn_status ecnn_config_load_file(ecnn_config *c, const char *path) {
  if (!c || !path) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "config or path is NULL");
  FILE *f = fopen(path, "r");
  if (!f) return ecnn_error(ECNN_STATUS_IO_ERROR, "cannot open sidecar '%s'", path);
  ecnn_config_clear(c);
  char line[MAX_LINE + 2], section[64] = "", model[ECNN_MAX_PATH] = "", labels[ECNN_MAX_PATH] = "";
  int lineno = 0;
  ecnn_status st = ECNN_STATUS_OK;
  while (st == ECNN_STATUS_OK && fgets(line, sizeof line, f)) {
    lineno++;
    if (strlen(line) > MAX_LINE) {
      st = ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "%s:%d: line longer than %d bytes", path,
                      lineno, MAX_LINE);
      break;
    }
    char *s = trim(line);
    if (!*s || *s == '#' || *s == ';') continue;
    if (*s == '[') {
      char *end = strchr(s, ']');
      if (!end || end[1] || end - s - 1 >= (long)sizeof section) {
        st = ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "%s:%d: bad section header '%s'", path,
                        lineno, s);
        break;
      }
      *end = 0;
      snprintf(section, sizeof section, "%s", s + 1);
      if (strcmp(section, "model") && strcmp(section, "input") && strcmp(section, "anchors") &&
          strcmp(section, "decode"))
        st = ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "%s:%d: unknown section [%s]", path,
                        lineno, section);
      continue;
    }
    char *eq = strchr(s, '=');
    if (!eq) {
      st = ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "%s:%d: expected key = value, got '%s'",
                      path, lineno, s);
      break;
    }
    *eq = 0;
    char *key = trim(s), *val = trim(eq + 1);
    if (!section[0]) {
      st = ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "%s:%d: key '%s' outside any section", path,
                      lineno, key);
      break;
    }
    int r = apply(c, section, key, val, model, labels);
    if (r < 0)
      st = ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "%s:%d: unknown key '%s' in [%s]", path,
                      lineno, key, section);
    else if (r == 0)
      st = ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "%s:%d: bad value '%s' for key '%s'", path,
                      lineno, val, key);
  }
  fclose(f);
  if (st != ECNN_STATUS_OK) return st;
  char dir[ECNN_MAX_PATH];
  dir_of(path, dir, sizeof dir);
  if (!model[0]) {
    /* default: the sidecar's name without ".ini" */
    size_t n = strlen(path);
    if (n > 4 && !strcmp(path + n - 4, ".ini") && n - 4 < ECNN_MAX_PATH) {
      memcpy(c->model_path, path, n - 4);
      c->model_path[n - 4] = 0;
    }
  } else if (!resolve(dir, model, c->model_path)) {
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "%s: model path too long", path);
  }
  c->labels_path[0] = 0;
  if (labels[0]) {
    if (!resolve(dir, labels, c->labels_path))
      return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "%s: labels path too long", path);
    st = load_labels(c, c->labels_path);
    if (st != ECNN_STATUS_OK) return ecnn_error_prefix(st, "%s", path);
  }
  return ECNN_STATUS_OK;
}

ecnn_status ecnn_config_load_for_model(ecnn_config *c, const char *model_path) {
  if (!c || !model_path) return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "config or path is NULL");
  char ini[ECNN_MAX_PATH];
  if (snprintf(ini, sizeof ini, "%s.ini", model_path) >= (int)sizeof ini)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "model path too long");
  FILE *f = fopen(ini, "r");
  if (!f) return ecnn_error(ECNN_STATUS_IO_ERROR, "no sidecar '%s' next to the model", ini);
  fclose(f);
  ecnn_status st = ecnn_config_load_file(c, ini);
  if (st == ECNN_STATUS_OK) snprintf(c->model_path, ECNN_MAX_PATH, "%s", model_path);
  return st;
}
