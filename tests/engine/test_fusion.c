/*
 * test_fusion.c — load-time fusion (model.c): a CONV_2D (pointwise, or a first KxK conv) inside
 * the DEPTHWISE_CONV_2D after it (depthwise_conv2d.c), and a residual ADD (also behind a channel PAD) inside the
 * CONV_2D before it (conv2d.c). Hand-built graphs over geometries that cross band edges
 * (stride 1 and 2, SAME and VALID, dilation 2, two images, fused RELU6) and channel blocks run
 * fused and unfused (ECNN_NO_FUSION=1) on every ISA path this CPU has, at 1 and 2 threads; the
 * outputs must agree. Tensors with a second reader and broadcasting ADDs are not fused. The SSD
 * and BlazeFace models, fused vs unfused, with the number of fusions each gets.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "kernels/isa.h"
#include "model.h"
#include "test_util.h"

#define SSD "ssd_mobilenetv2_oidv4_fp16.tflite"

typedef struct geom {
  int32_t batch, h, w, ic, ec; /* input [batch, h, w, ic], expanded channels ec */
  int32_t stride, dilation;
  ecnn_padding padding;
  int32_t proj; /* after the depthwise: 0 nothing, 1 a 1x1 projection (ec -> ic), 2 and a
                 * residual ADD of the input (stride 1, SAME: same shape) */
  int32_t ck, cs; /* the first conv: ck x ck at stride cs, SAME (0: 1x1, stride 1, VALID) */
} geom;

/* The model of a hand-built graph, with load-time fusion or without (ECNN_NO_FUSION=1). */
static ecnn_model *model_of(ecnn_graph *g, bool fusion) {
  if (!fusion) setenv("ECNN_NO_FUSION", "1", 1);
  ecnn_model *m = NULL;
  ecnn_status st = ecnn_model_from_graph(g, &m);
  unsetenv("ECNN_NO_FUSION");
  ck_assert_msg(st == ECNN_STATUS_OK, "%s", ecnn_last_error());
  return m;
}

/* in -> CONV_2D 1x1 (or ck x ck; ic -> ec, RELU6) -> expanded -> DEPTHWISE 3x3 (RELU6) -> out,
 * and when `second_reader`, also expanded -> ADD(expanded, expanded) -> a second output. */
static ecnn_model *build(const geom *q, bool second_reader, bool fusion) {
  ecnn_graph g;
  ecnn_graph_init(&g);
  const int32_t ck = q->ck ? q->ck : 1, cs = q->cs ? q->cs : 1;
  const int32_t eh = (q->h + cs - 1) / cs, ew = (q->w + cs - 1) / cs; /* SAME (1x1: VALID) */
  const int32_t din[4] = {q->batch, q->h, q->w, q->ic}, dcw[4] = {q->ec, ck, ck, q->ic};
  const int32_t dcb[1] = {q->ec}, ddw[4] = {1, 3, 3, q->ec}, dexp[4] = {q->batch, eh, ew, q->ec};
  const size_t ncw = (size_t)q->ec * ck * ck * q->ic, ndw = (size_t)9 * q->ec;
  float *cw = malloc(ncw * 4), *cb = malloc((size_t)q->ec * 4), *dw = malloc(ndw * 4),
        *db = malloc((size_t)q->ec * 4);
  tu_fill_rand_f32(cw, ncw, 11), tu_fill_rand_f32(cb, (size_t)q->ec, 12);
  tu_fill_rand_f32(dw, ndw, 13), tu_fill_rand_f32(db, (size_t)q->ec, 14);
  int32_t in = ecnn_graph_add_tensor(&g, "in", ECNN_DTYPE_F32, 4, din, NULL, 0);
  int32_t tcw = ecnn_graph_add_tensor(&g, "cw", ECNN_DTYPE_F32, 4, dcw, cw, ncw * 4);
  int32_t tcb = ecnn_graph_add_tensor(&g, "cb", ECNN_DTYPE_F32, 1, dcb, cb, (size_t)q->ec * 4);
  int32_t exp = ecnn_graph_add_tensor(&g, "expanded", ECNN_DTYPE_F32, 4, dexp, NULL, 0);
  int32_t tdw = ecnn_graph_add_tensor(&g, "dw", ECNN_DTYPE_F32, 4, ddw, dw, ndw * 4);
  int32_t tdb = ecnn_graph_add_tensor(&g, "db", ECNN_DTYPE_F32, 1, dcb, db, (size_t)q->ec * 4);
  /* the declared output shape is checked against inference: let prepare fill it in */
  int32_t out = ecnn_graph_add_tensor(&g, "out", ECNN_DTYPE_F32, 0, NULL, NULL, 0);
  const int32_t dpw[4] = {q->ic, 1, 1, q->ec}, dpb[1] = {q->ic};
  float *pw = malloc((size_t)q->ic * q->ec * 4), *pb = malloc((size_t)q->ic * 4);
  tu_fill_rand_f32(pw, (size_t)q->ic * q->ec, 15), tu_fill_rand_f32(pb, (size_t)q->ic, 16);
  int32_t tpw = ecnn_graph_add_tensor(&g, "pw", ECNN_DTYPE_F32, 4, dpw, pw, (size_t)q->ic * q->ec * 4);
  int32_t tpb = ecnn_graph_add_tensor(&g, "pb", ECNN_DTYPE_F32, 1, dpb, pb, (size_t)q->ic * 4);
  free(cw), free(cb), free(dw), free(db), free(pw), free(pb);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.padding = q->ck ? ECNN_PADDING_SAME : ECNN_PADDING_VALID;
  p.stride_h = p.stride_w = cs;
  p.activation = ECNN_ACT_RELU6;
  const int32_t i1[3] = {in, tcw, tcb}, i2[3] = {exp, tdw, tdb};
  ck_assert_int_ge(ecnn_graph_add_node(&g, ECNN_OP_CONV_2D, i1, 3, &exp, 1, &p), 0);
  p.padding = q->padding;
  p.stride_h = p.stride_w = q->stride;
  p.dilation_h = p.dilation_w = q->dilation;
  int32_t dwout = q->proj ? ecnn_graph_add_tensor(&g, "dwout", ECNN_DTYPE_F32, 0, NULL, NULL, 0) : out;
  ck_assert_int_ge(ecnn_graph_add_node(&g, ECNN_OP_DEPTHWISE_CONV_2D, i2, 3, &dwout, 1, &p), 0);
  if (q->proj) { /* the projection (no activation), then maybe the residual ADD */
    int32_t projected = q->proj == 2 ? ecnn_graph_add_tensor(&g, "projected", ECNN_DTYPE_F32, 0,
                                                             NULL, NULL, 0)
                                     : out;
    const int32_t i4[3] = {dwout, tpw, tpb};
    ecnn_op_params_init(&p);
    p.padding = ECNN_PADDING_VALID;
    ck_assert_int_ge(ecnn_graph_add_node(&g, ECNN_OP_CONV_2D, i4, 3, &projected, 1, &p), 0);
    if (q->proj == 2) {
      const int32_t i5[2] = {projected, in};
      ecnn_op_params_init(&p);
      ck_assert_int_ge(ecnn_graph_add_node(&g, ECNN_OP_ADD, i5, 2, &out, 1, &p), 0);
    }
  }
  g.num_inputs = 1, g.inputs[0] = in, g.num_outputs = 1, g.outputs[0] = out;
  if (second_reader) {
    int32_t sum = ecnn_graph_add_tensor(&g, "sum", ECNN_DTYPE_F32, 4, dexp, NULL, 0);
    const int32_t i3[2] = {exp, exp};
    ecnn_op_params_init(&p);
    ck_assert_int_ge(ecnn_graph_add_node(&g, ECNN_OP_ADD, i3, 2, &sum, 1, &p), 0);
    g.num_outputs = 2, g.outputs[1] = sum;
  }
  return model_of(&g, fusion);
}

static int32_t fused_projections(const ecnn_model *m) {
  int32_t n = 0;
  for (int32_t k = 0; k < m->graph.num_nodes; k++) n += m->graph.nodes[k].fuses_project;
  return n;
}

static int32_t fused_adds(const ecnn_model *m) {
  int32_t n = 0;
  for (int32_t k = 0; k < m->graph.num_nodes; k++) n += m->graph.nodes[k].fuses_next;
  return n;
}

static int32_t fused_pairs(const ecnn_model *m) {
  int32_t n = 0;
  for (int32_t k = 0; k < m->graph.num_nodes; k++) {
    const ecnn_node *d = &m->graph.nodes[k];
    if (d->fuses_prev) {
      ck_assert(k > 0 && m->graph.nodes[k - 1].fused_away && m->graph.nodes[k - 1].fused_by == k);
      ck_assert_uint_gt(d->scratch_bytes, 0);
      n++;
    }
  }
  return n;
}

/* Runs m on x with `threads` threads; returns a copy of output 0. */
static float *run(ecnn_model *m, const float *x, size_t in_bytes, int32_t threads, size_t *n) {
  ecnn_session_options o;
  ecnn_session_options_init(&o);
  o.threads = threads;
  ecnn_session *s = NULL;
  ck_assert_msg(ecnn_session_create(m, &o, &s) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  ck_assert_int_eq(ecnn_session_set_input(s, 0, x, in_bytes), ECNN_STATUS_OK);
  ck_assert_msg(ecnn_session_run(s) == ECNN_STATUS_OK, "%s", ecnn_last_error());
  const void *y;
  ecnn_tensor_info oi;
  ck_assert_int_eq(ecnn_session_output(s, 0, &y, &oi), ECNN_STATUS_OK);
  float *copy = malloc(oi.bytes);
  memcpy(copy, y, oi.bytes);
  *n = oi.bytes / 4;
  ecnn_session_free(s);
  return copy;
}

/* Runs `plain` (1 thread) and `fused` (1 and 2 threads) on the same random input, on every
 * ISA path this CPU has; the outputs must agree within tol (relative to the largest). */
static void compare(ecnn_model *plain, ecnn_model *fused, size_t in_bytes, uint32_t seed,
                    float tol, const char *what) {
  const ecnn_isa best = ecnn_isa_best();
  float *x = malloc(in_bytes);
  tu_fill_rand_f32(x, in_bytes / 4, seed);
  for (ecnn_isa isa = ECNN_ISA_SCALAR; isa <= best; isa++) {
    if (ecnn_isa_set(isa) != isa) continue;
    size_t n0, n1;
    float *ref = run(plain, x, in_bytes, 1, &n0);
    for (int32_t threads = 1; threads <= 2; threads++) {
      float *got = run(fused, x, in_bytes, threads, &n1);
      ck_assert_uint_eq(n0, n1);
      const float err = tu_max_abs_diff(ref, got, n0) / fmaxf(1.0f, tu_max_abs(ref, n0));
      ck_assert_msg(err <= tol, "%s, isa %s, threads %d: fused differs by %g", what,
                    ecnn_isa_name(isa), (int)threads, (double)err);
      free(got);
    }
    free(ref);
  }
  ecnn_isa_set(best);
  free(x);
}

START_TEST(test_fused_equals_unfused) {
  /* expanded tensors over 1 MB (smaller ones are left unfused), rows of 30-40 KB: bands of a
   * few rows, so band edges, carried rows and the bottom padding are all crossed */
  static const geom cases[] = {
      {1, 40, 40, 24, 192, 1, 1, ECNN_PADDING_SAME, 0, 0, 0}, {1, 41, 37, 16, 200, 2, 1, ECNN_PADDING_SAME, 0, 0, 0},
      {2, 30, 33, 8, 144, 1, 1, ECNN_PADDING_VALID, 0, 0, 0}, {1, 45, 40, 24, 160, 2, 1, ECNN_PADDING_VALID, 0, 0, 0},
      {1, 40, 39, 12, 176, 1, 2, ECNN_PADDING_SAME, 0, 0, 0}, {2, 29, 31, 24, 150, 2, 1, ECNN_PADDING_SAME, 0, 0, 0},
      /* the whole inverted-residual block: with a projection, and with its residual ADD */
      {1, 40, 40, 24, 192, 1, 1, ECNN_PADDING_SAME, 2, 0, 0}, {1, 41, 37, 16, 200, 2, 1, ECNN_PADDING_SAME, 1, 0, 0},
      {2, 30, 33, 40, 144, 1, 1, ECNN_PADDING_VALID, 1, 0, 0}, {1, 40, 39, 36, 176, 1, 2, ECNN_PADDING_SAME, 2, 0, 0},
      /* a first KxK conv (SSD's 3x3 stride 2 on the image) before the depthwise */
      {1, 121, 120, 3, 72, 1, 1, ECNN_PADDING_SAME, 1, 3, 2},
      {2, 119, 119, 3, 80, 2, 1, ECNN_PADDING_VALID, 0, 3, 2},
      {1, 64, 64, 4, 64, 2, 1, ECNN_PADDING_SAME, 1, 5, 1},
  };
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    const geom *q = &cases[c];
    ecnn_model *fused = build(q, false, true), *plain = build(q, false, false);
    ck_assert_int_eq(fused_pairs(fused), 1);
    ck_assert_int_eq(fused_pairs(plain), 0);
    ck_assert_int_eq(fused_projections(fused), (q->proj ? 1 : 0));
    if (q->proj == 2) /* the ADD goes with the projection into the depthwise's bands */
      ck_assert(fused->graph.nodes[3].fused_away && fused->graph.nodes[3].fused_by == 1);
    char what[32];
    snprintf(what, sizeof what, "expand+dw case %zu", c);
    compare(plain, fused, (size_t)q->batch * q->h * q->w * q->ic * 4, (uint32_t)c + 1, 1e-5f, what);
    ecnn_model_free(fused);
    ecnn_model_free(plain);
  }
}
END_TEST

/* in [1, h, w, c] -> CONV_2D kxk (c -> c + pad_c, no activation) -> t ; ADD(t, in) or
 * ADD(in, t) with RELU6 -> out; with pad_c > 0 the ADD's other operand is in padded with
 * pad_c zero channels by a PAD right before the ADD (BlazeFace's widening shortcut). With
 * `broadcast`, the ADD's other operand is a [c] vector instead (not fusable). */
static ecnn_model *build_conv_add(int32_t h, int32_t w, int32_t c, int32_t k, int32_t pad_c,
                                  bool swap, bool broadcast, bool fusion) {
  ecnn_graph g;
  ecnn_graph_init(&g);
  const int32_t co = c + pad_c;
  const int32_t din[4] = {1, h, w, c}, dout[4] = {1, h, w, co}, dw[4] = {co, k, k, c};
  const int32_t db[1] = {co}, dpads[2] = {4, 2}, pads[8] = {0, 0, 0, 0, 0, 0, 0, pad_c};
  const size_t nw = (size_t)co * k * k * c;
  float *wt = malloc(nw * 4), *bias = malloc((size_t)co * 4), *vec = malloc((size_t)co * 4);
  tu_fill_rand_f32(wt, nw, 21), tu_fill_rand_f32(bias, (size_t)co, 22), tu_fill_rand_f32(vec, (size_t)co, 23);
  int32_t in = ecnn_graph_add_tensor(&g, "in", ECNN_DTYPE_F32, 4, din, NULL, 0);
  int32_t tw = ecnn_graph_add_tensor(&g, "w", ECNN_DTYPE_F32, 4, dw, wt, nw * 4);
  int32_t tb = ecnn_graph_add_tensor(&g, "b", ECNN_DTYPE_F32, 1, db, bias, (size_t)co * 4);
  int32_t tv = ecnn_graph_add_tensor(&g, "v", ECNN_DTYPE_F32, 1, db, vec, (size_t)co * 4);
  int32_t t = ecnn_graph_add_tensor(&g, "t", ECNN_DTYPE_F32, 4, dout, NULL, 0);
  int32_t out = ecnn_graph_add_tensor(&g, "out", ECNN_DTYPE_F32, 4, dout, NULL, 0);
  free(wt), free(bias), free(vec);
  ecnn_op_params p;
  ecnn_op_params_init(&p);
  p.padding = ECNN_PADDING_SAME;
  const int32_t i1[3] = {in, tw, tb};
  ck_assert_int_ge(ecnn_graph_add_node(&g, ECNN_OP_CONV_2D, i1, 3, &t, 1, &p), 0);
  int32_t other = broadcast ? tv : in;
  if (pad_c > 0) {
    int32_t tp = ecnn_graph_add_tensor(&g, "pads", ECNN_DTYPE_I32, 2, dpads, pads, sizeof pads);
    int32_t padded = ecnn_graph_add_tensor(&g, "padded", ECNN_DTYPE_F32, 4, dout, NULL, 0);
    const int32_t ip[2] = {in, tp};
    ecnn_op_params_init(&p);
    ck_assert_int_ge(ecnn_graph_add_node(&g, ECNN_OP_PAD, ip, 2, &padded, 1, &p), 0);
    other = padded;
  }
  const int32_t i2[2] = {swap ? other : t, swap ? t : other};
  ecnn_op_params_init(&p);
  p.activation = ECNN_ACT_RELU6;
  ck_assert_int_ge(ecnn_graph_add_node(&g, ECNN_OP_ADD, i2, 2, &out, 1, &p), 0);
  g.num_inputs = 1, g.inputs[0] = in, g.num_outputs = 1, g.outputs[0] = out;
  return model_of(&g, fusion);
}

START_TEST(test_conv_add_fused_equals_unfused) {
  for (int cfg = 0; cfg < 6; cfg++) {
    /* 1x1 and 3x3; ADD operands either way round; 40 channels (two blocks, one partial);
     * a channel PAD of 4 and of 20 (past a 32-channel block) before the ADD */
    const int32_t h = 13 + cfg, w = 11, c = cfg == 3 ? 40 : 24, k = cfg == 1 ? 3 : 1;
    const int32_t pad_c = cfg == 4 ? 4 : cfg == 5 ? 20 : 0;
    const bool swap = cfg == 2 || cfg == 5;
    ecnn_model *fused = build_conv_add(h, w, c, k, pad_c, swap, false, true);
    ecnn_model *plain = build_conv_add(h, w, c, k, pad_c, swap, false, false);
    const ecnn_node *nodes = fused->graph.nodes;
    const int32_t add = pad_c ? 2 : 1;
    ck_assert(nodes[0].fuses_next && nodes[0].fused_add == add && nodes[add].fused_away &&
              nodes[add].fused_by == 0);
    ck_assert(!pad_c || (nodes[1].fused_away && nodes[1].output_away));
    ck_assert(!plain->graph.nodes[0].fuses_next);
    char what[32];
    snprintf(what, sizeof what, "conv+add cfg %d", cfg);
    compare(plain, fused, (size_t)h * w * c * 4, 30 + (uint32_t)cfg, 1e-6f, what);
    ecnn_model_free(fused);
    ecnn_model_free(plain);
  }
  ecnn_model *m = build_conv_add(9, 9, 8, 1, 0, false, true, true); /* broadcast: left alone */
  ck_assert(!m->graph.nodes[0].fuses_next);
  ecnn_model_free(m);
}
END_TEST

START_TEST(test_second_reader_not_fused) {
  const geom q = {1, 40, 40, 24, 192, 1, 1, ECNN_PADDING_SAME, 0, 0, 0};
  ecnn_model *m = build(&q, true, true);
  ck_assert_int_eq(fused_pairs(m), 0);
  ecnn_model_free(m);
}
END_TEST

/* A real model fused (default) and unfused: counts, and the outputs on every ISA path. */
static void check_model(const char *name, int32_t min_pairs, int32_t adds) {
  ecnn_model *fused = NULL, *plain = NULL;
  ck_assert_int_eq(ecnn_model_load_file(tu_model_path(name), &fused), ECNN_STATUS_OK);
  setenv("ECNN_NO_FUSION", "1", 1);
  ck_assert_int_eq(ecnn_model_load_file(tu_model_path(name), &plain), ECNN_STATUS_OK);
  unsetenv("ECNN_NO_FUSION");
  printf("fusion: %s: %d conv -> depthwise pairs (%d with their projection), %d residual "
         "ADDs fused\n", name, (int)fused_pairs(fused), (int)fused_projections(fused),
         (int)fused_adds(fused));
  ck_assert_int_ge(fused_pairs(fused), min_pairs);
  ck_assert_int_eq(fused_adds(fused), adds);
  ck_assert_int_eq(fused_pairs(plain) + fused_adds(plain), 0);
  ecnn_tensor_info in;
  ck_assert_int_eq(ecnn_model_input_info(fused, 0, &in), ECNN_STATUS_OK);
  compare(plain, fused, in.bytes, 5, 1e-5f, name);
  ecnn_model_free(fused);
  ecnn_model_free(plain);
}

START_TEST(test_models_fused_equal_unfused) {
  /* SSD: the first 3x3 conv and the expansions at 150x150, 75x75 and 38x38 (at least), the 10
   * residual ADDs; BlazeFace: no expansion, 16 residual ADDs, 11 of them behind a channel PAD */
  check_model(SSD, 4, 10);
  check_model("face_detection_short_range.tflite", 0, 16);
}
END_TEST

int main(void) {
  Suite *s = suite_create("fusion");
  TCase *tc = tcase_create("fusion");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_fused_equals_unfused);
  tcase_add_test(tc, test_second_reader_not_fused);
  tcase_add_test(tc, test_conv_add_fused_equals_unfused);
  tcase_add_test(tc, test_models_fused_equal_unfused);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
