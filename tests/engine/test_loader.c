/*
 * test_loader.c — the TFLite loader on the two real models (shapes, op histograms after
 * DEQUANTIZE folding, parameter counts, MACs) and on hostile files: truncations, bit flips,
 * overwritten offsets and lengths, wrong identifiers, unsupported ops. Hostile files must give
 * a clear status and message and never crash (this suite also runs under ASan+UBSan).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "loader/flatbuf.h"
#include "loader/flexbuf.h"
#include "test_util.h"

#define SSD "ssd_mobilenetv2_oidv4_fp16.tflite"
#define FACE "face_detection_short_range.tflite"

static uint8_t *read_model(const char *name, size_t *size) {
  uint8_t *buf = tu_read_file(tu_model_path(name), size);
  ck_assert_msg(buf != NULL, "cannot read model %s (run models/fetch.sh)", tu_model_path(name));
  return buf;
}

static int count_op(const ecnn_model *m, const char *name) {
  int n = 0;
  for (int32_t i = 0; i < ecnn_model_op_count(m); i++)
    if (strcmp(ecnn_model_op_name(m, i), name) == 0) n++;
  return n;
}

START_TEST(test_ssd_model) {
  ecnn_model *m = NULL;
  ecnn_status st = ecnn_model_load_file(tu_model_path(SSD), &m);
  ck_assert_msg(st == ECNN_STATUS_OK, "load: %s", ecnn_last_error());
  ck_assert_int_eq(ecnn_model_input_count(m), 1);
  ck_assert_int_eq(ecnn_model_output_count(m), 2);
  ecnn_tensor_info in, o0, o1;
  ck_assert_int_eq(ecnn_model_input_info(m, 0, &in), ECNN_STATUS_OK);
  ck_assert_str_eq(in.name, "normalized_input_image_tensor");
  ck_assert_int_eq(in.dtype, ECNN_DTYPE_F32);
  ck_assert_int_eq(in.ndim, 4);
  ck_assert(in.dims[0] == 1 && in.dims[1] == 300 && in.dims[2] == 300 && in.dims[3] == 3);
  ck_assert_uint_eq(in.bytes, 300 * 300 * 3 * 4);
  ck_assert_int_eq(ecnn_model_output_info(m, 0, &o0), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_model_output_info(m, 1, &o1), ECNN_STATUS_OK);
  ck_assert_str_eq(o0.name, "raw_outputs/box_encodings");
  ck_assert(o0.ndim == 3 && o0.dims[1] == 1917 && o0.dims[2] == 4);
  ck_assert_str_eq(o1.name, "raw_outputs/class_predictions");
  ck_assert(o1.ndim == 3 && o1.dims[1] == 1917 && o1.dims[2] == 24);
  ck_assert_int_eq(ecnn_model_output_info(m, 2, &o1), ECNN_STATUS_INVALID_ARGUMENT);
  /* 241 ops in the file; the 144 DEQUANTIZE of FP16 weights are folded away. */
  ck_assert_int_eq(ecnn_model_op_count(m), 97);
  ck_assert_int_eq(count_op(m, "CONV_2D"), 55);
  ck_assert_int_eq(count_op(m, "DEPTHWISE_CONV_2D"), 17);
  ck_assert_int_eq(count_op(m, "ADD"), 10);
  ck_assert_int_eq(count_op(m, "RESHAPE"), 13);
  ck_assert_int_eq(count_op(m, "CONCATENATION"), 2);
  ck_assert_int_eq(count_op(m, "DEQUANTIZE"), 0);
  ck_assert_ptr_null(ecnn_model_op_name(m, 97));
  ecnn_model_stats s;
  ck_assert_int_eq(ecnn_model_get_stats(m, &s), ECNN_STATUS_OK);
  ck_assert_int_eq(s.params, 4951996);
  ck_assert_int_eq(s.weight_bytes, 4 * 4951996); /* folded to FP32 */
  /* conv/depthwise/add multiply-accumulates: 673 M (ARCHITECTURE.md) */
  ck_assert_msg(s.macs > 670000000 && s.macs < 676000000, "macs %lld", (long long)s.macs);
  ck_assert(s.arena_bytes > 0 && s.arena_bytes < s.naive_bytes);
  /* the arena holds the input (300x300x3) and the first block's output (150x150x16) at once,
   * and nothing larger: fusion computes the first conv's and the first depthwise's 150x150x32
   * outputs and the 150x150x96 expansion band by band in scratch */
  ck_assert_int_ge(s.arena_bytes, (int64_t)(300 * 300 * 3 + 150 * 150 * 16) * 4);
  ck_assert_int_lt(s.arena_bytes, (int64_t)2 * 150 * 150 * 32 * 4);
  ecnn_model_free(m);
}
END_TEST

START_TEST(test_face_model) {
  ecnn_model *m = NULL;
  setenv("ECNN_NO_FUSION", "1", 1); /* the file's own ops (fusion is tested below) */
  ecnn_status st = ecnn_model_load_file(tu_model_path(FACE), &m);
  unsetenv("ECNN_NO_FUSION");
  ck_assert_msg(st == ECNN_STATUS_OK, "load: %s", ecnn_last_error());
  ecnn_tensor_info in, o0, o1;
  ecnn_model_input_info(m, 0, &in);
  ck_assert(in.ndim == 4 && in.dims[1] == 128 && in.dims[2] == 128 && in.dims[3] == 3);
  ecnn_model_output_info(m, 0, &o0);
  ecnn_model_output_info(m, 1, &o1);
  ck_assert_str_eq(o0.name, "regressors");
  ck_assert(o0.dims[1] == 896 && o0.dims[2] == 16);
  ck_assert_str_eq(o1.name, "classificators");
  ck_assert(o1.dims[1] == 896 && o1.dims[2] == 1);
  ck_assert_int_eq(ecnn_model_op_count(m), 90); /* 164 in the file, 74 DEQUANTIZE folded */
  ck_assert_int_eq(count_op(m, "CONV_2D"), 21);
  ck_assert_int_eq(count_op(m, "DEPTHWISE_CONV_2D"), 16);
  ck_assert_int_eq(count_op(m, "RELU"), 17);
  ck_assert_int_eq(count_op(m, "ADD"), 16);
  ck_assert_int_eq(count_op(m, "PAD"), 11);
  ck_assert_int_eq(count_op(m, "MAX_POOL_2D"), 3);
  ck_assert_int_eq(count_op(m, "RESHAPE"), 4);
  ck_assert_int_eq(count_op(m, "CONCATENATION"), 2);
  /* with fusion (the default) the 17 RELUs after ADDs become the ADDs' fused activations,
   * and the outputs stay the same */
  ecnn_model *f = NULL;
  ck_assert_int_eq(ecnn_model_load_file(tu_model_path(FACE), &f), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_model_op_count(f), 73);
  ck_assert_int_eq(count_op(f, "RELU"), 0);
  ecnn_session *s[2];
  ck_assert_int_eq(ecnn_session_create(m, NULL, &s[0]), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_session_create(f, NULL, &s[1]), ECNN_STATUS_OK);
  float *x = malloc(in.bytes);
  tu_fill_rand_f32(x, in.bytes / 4, 7);
  for (int k = 0; k < 2; k++) {
    ck_assert_int_eq(ecnn_session_set_input(s[k], 0, x, in.bytes), ECNN_STATUS_OK);
    ck_assert_int_eq(ecnn_session_run(s[k]), ECNN_STATUS_OK);
  }
  for (int32_t o = 0; o < 2; o++) {
    const float *a, *b;
    ecnn_tensor_info oi;
    ecnn_session_output(s[0], o, (const void **)&a, &oi);
    ecnn_session_output(s[1], o, (const void **)&b, NULL);
    ck_assert_msg(tu_max_abs_diff(a, b, oi.bytes / 4) <= 1e-5f * tu_max_abs(a, oi.bytes / 4),
                  "fused output %d differs", (int)o);
  }
  free(x);
  ecnn_session_free(s[0]);
  ecnn_session_free(s[1]);
  ecnn_model_free(f);
  ecnn_model_free(m);
}
END_TEST

START_TEST(test_missing_and_garbage) {
  ecnn_model *m = (ecnn_model *)0x1;
  ck_assert_int_eq(ecnn_model_load_file("/nonexistent/x.tflite", &m), ECNN_STATUS_IO_ERROR);
  ck_assert_ptr_null(m);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "/nonexistent/x.tflite"));
  const char text[] = "this is a text file, not a model at all\n";
  ck_assert_int_eq(ecnn_model_load_buffer(text, sizeof text, &m), ECNN_STATUS_INVALID_MODEL);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "TFL3"));
  uint8_t tiny[4] = {1, 2, 3, 4};
  ck_assert_int_eq(ecnn_model_load_buffer(tiny, 4, &m), ECNN_STATUS_INVALID_MODEL);
  ck_assert_int_eq(ecnn_model_load_buffer(NULL, 0, &m), ECNN_STATUS_INVALID_MODEL);
  ck_assert_int_eq(ecnn_model_load_buffer(text, sizeof text, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  /* a header that points the root table beyond the end */
  uint8_t hdr[16] = {0xf0, 0xff, 0xff, 0xff, 'T', 'F', 'L', '3'};
  ck_assert_int_eq(ecnn_model_load_buffer(hdr, sizeof hdr, &m), ECNN_STATUS_INVALID_MODEL);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "outside the file"));
  ecnn_model_free(NULL);
}
END_TEST

/* Loads a damaged copy: must fail cleanly (non-OK status, a message), or succeed and run. */
static int try_load(const uint8_t *buf, size_t size, bool run) {
  ecnn_model *m = NULL;
  ecnn_status st = ecnn_model_load_buffer(buf, size, &m);
  if (st != ECNN_STATUS_OK) {
    ck_assert_ptr_null(m);
    ck_assert_msg(strlen(ecnn_last_error()) > 0, "status %d without a message", (int)st);
    return 0;
  }
  if (run) {
    ecnn_session *s = NULL;
    if (ecnn_session_create(m, NULL, &s) == ECNN_STATUS_OK) {
      ecnn_tensor_info in;
      ecnn_model_input_info(m, 0, &in);
      void *p = ecnn_session_input_data(s, 0);
      if (p) memset(p, 0, in.bytes);
      ecnn_session_run(s);
      ecnn_session_free(s);
    }
  }
  ecnn_model_free(m);
  return 1;
}

START_TEST(test_truncated) {
  size_t size;
  uint8_t *buf = read_model(FACE, &size);
  int ok = 0;
  for (size_t n = 0; n < 256; n++) ok += try_load(buf, n, false);
  for (size_t n = 256; n < size; n += 509) ok += try_load(buf, n, false);
  ok += try_load(buf, size - 1, false);
  ck_assert_int_eq(ok, 0); /* no prefix of the file is a complete model */
  free(buf);
  /* the big model too, at a few cut points (each attempt copies what it parsed) */
  buf = read_model(SSD, &size);
  for (int k = 1; k < 12; k++) ck_assert_int_eq(try_load(buf, size * (size_t)k / 12, false), 0);
  free(buf);
}
END_TEST

static uint32_t lcg(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

START_TEST(test_bit_flips) {
  size_t size;
  uint8_t *orig = read_model(FACE, &size);
  uint8_t *buf = malloc(size);
  uint32_t seed = 12345;
  int loaded = 0;
  for (int trial = 0; trial < 3000; trial++) {
    memcpy(buf, orig, size);
    int flips = 1 + (int)(lcg(&seed) % 4);
    for (int f = 0; f < flips; f++) {
      /* half the flips hit the first 16 KB, where tables and vtables cluster */
      size_t pos = (trial & 1) ? lcg(&seed) % (size < 16384 ? size : 16384) : lcg(&seed) % size;
      buf[pos] ^= (uint8_t)(1u << (lcg(&seed) % 8));
    }
    loaded += try_load(buf, size, trial % 16 == 0);
  }
  ck_assert_int_gt(loaded, 0); /* flips in weights still load: the test reaches the runner */
  free(buf);
  free(orig);
}
END_TEST

START_TEST(test_hostile_words) {
  /* overwrite aligned 32-bit words (offsets, lengths, indices, shapes) with hostile values */
  static const uint32_t evil[] = {0xffffffffu, 0x7fffffffu, 0x80000000u, 0x00ffffffu,
                                  0x10000u,    0,           1,           0xfffffff0u};
  size_t size;
  uint8_t *orig = read_model(FACE, &size);
  uint8_t *buf = malloc(size);
  uint32_t seed = 777;
  int failed = 0;
  for (int trial = 0; trial < 3000; trial++) {
    memcpy(buf, orig, size);
    size_t pos = (lcg(&seed) % ((trial % 3 == 0 ? size : 32768) / 4)) * 4;
    uint32_t v = evil[lcg(&seed) % 8];
    memcpy(buf + pos, &v, 4);
    failed += !try_load(buf, size, false);
  }
  ck_assert_int_gt(failed, 100); /* many of these must be detected */
  free(buf);
  free(orig);
}
END_TEST

/* Byte position of scalar field `field` of table t (0 if absent). */
static size_t field_at(const fb_table *t, int field) {
  size_t slot = 4 + 2 * (size_t)field;
  if (slot + 2 > t->vt_size) return 0;
  uint16_t off = fb_le16(t->buf->data + t->vt + slot);
  return off ? t->pos + off : 0;
}

START_TEST(test_unsupported_op) {
  size_t size;
  uint8_t *buf = read_model(FACE, &size);
  fb_buf b = {buf, size};
  fb_table model, code;
  fb_vec codes;
  ck_assert_int_eq(fb_root(&b, &model), ECNN_STATUS_OK);
  ck_assert_int_eq(fb_vector(&model, 1, 4, &codes, "codes"), ECNN_STATUS_OK);
  ck_assert_uint_gt(codes.len, 0);
  /* make the first operator code TRANSPOSE (39) in whichever code fields it stores */
  bool patched = false;
  for (uint32_t i = 0; i < codes.len && !patched; i++) {
    ck_assert_int_eq(fb_vec_table(&codes, i, &code, "code"), ECNN_STATUS_OK);
    size_t dep = field_at(&code, 0), bi = field_at(&code, 3);
    if (!dep && !bi) continue;
    if (dep) buf[dep] = 39;
    uint32_t v = 39;
    if (bi) memcpy(buf + bi, &v, 4);
    patched = true;
  }
  ck_assert(patched);
  ecnn_model *m = NULL;
  ck_assert_int_eq(ecnn_model_load_buffer(buf, size, &m), ECNN_STATUS_UNSUPPORTED);
  const char *msg = ecnn_last_error();
  ck_assert_msg(strstr(msg, "TRANSPOSE") && strstr(msg, "op #"), "message: %s", msg);
  free(buf);
}
END_TEST

START_TEST(test_flexbuffer_map) {
  /* {"a": 5 (int32), "b": 0.5 (float32)}, hand-assembled: keys, key vector (width 1), map
   * prefix [keys offset, keys width, length] (width 4), values, types, root. */
  const uint8_t blob[] = {'a', 0, 'b', 0,       /* 0: keys */
                          2,   5, 4,             /* 4: key vector length, offsets back */
                          0,                     /* 7: pad */
                          3,   0, 0, 0,          /* 8: keys offset back (8 - 5) */
                          1,   0, 0, 0,          /* 12: key width */
                          2,   0, 0, 0,          /* 16: length */
                          5,   0, 0, 0,          /* 20: value a */
                          0,   0, 0, 0x3f,       /* 24: value b = 0.5f */
                          (1 << 2) | 2, (3 << 2) | 2, /* 28: types INT, FLOAT (32-bit) */
                          10,  (9 << 2) | 2, 1}; /* 30: root offset back, type MAP, width */
  fx_map m;
  ck_assert_int_eq(fx_map_root(blob, sizeof blob, &m, "test"), ECNN_STATUS_OK);
  double v;
  ecnn_status st;
  ck_assert(fx_map_number(&m, "a", &v, &st));
  ck_assert(v == 5.0);
  ck_assert(fx_map_number(&m, "b", &v, &st));
  ck_assert(v == 0.5);
  ck_assert(!fx_map_number(&m, "c", &v, &st));
  ck_assert_int_eq(st, ECNN_STATUS_OK);
  /* every truncation and every single-byte corruption is handled */
  for (size_t n = 0; n < sizeof blob; n++) {
    if (fx_map_root(blob, n, &m, "test") == ECNN_STATUS_OK) fx_map_number(&m, "b", &v, &st);
    uint8_t copy[sizeof blob];
    for (int x = 1; x < 256; x += 17) {
      memcpy(copy, blob, sizeof blob);
      copy[n] ^= (uint8_t)x;
      if (fx_map_root(copy, sizeof copy, &m, "test") == ECNN_STATUS_OK) {
        fx_map_number(&m, "a", &v, &st);
        fx_map_number(&m, "b", &v, &st);
      }
    }
  }
  const uint8_t not_map[] = {1, (1 << 2), 1}; /* an int root */
  ck_assert_int_eq(fx_map_root(not_map, sizeof not_map, &m, "opts"), ECNN_STATUS_INVALID_MODEL);
}
END_TEST

static Suite *loader_suite(void) {
  Suite *s = suite_create("loader");
  TCase *tc = tcase_create("loader");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_ssd_model);
  tcase_add_test(tc, test_face_model);
  tcase_add_test(tc, test_missing_and_garbage);
  tcase_add_test(tc, test_truncated);
  tcase_add_test(tc, test_bit_flips);
  tcase_add_test(tc, test_hostile_words);
  tcase_add_test(tc, test_unsupported_op);
  tcase_add_test(tc, test_flexbuffer_map);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tu_run_suite(loader_suite());
}
