/*
 * test_planner.c — the memory planner: lifetimes, offsets and peak size on hand-built graphs
 * (exact expected arena sizes) and on the real models (no two simultaneously live tensors
 * overlap, the plan beats no planning), plus the session/model API's argument checks.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "model.h"
#include "test_util.h"

static int32_t act(ecnn_graph *g, const char *name, int32_t c) {
  int32_t dims[4] = {1, 4, 4, c};
  return ecnn_graph_add_tensor(g, name, ECNN_DTYPE_F32, 4, dims, NULL, 0);
}

static void add(ecnn_graph *g, int32_t in, int32_t out) {
  ck_assert_int_ge(ecnn_graph_add_node(g, ECNN_OP_RELU, &in, 1, &out, 1, NULL), 0);
}

/* Checks the planner's invariant on any planned graph: tensors whose lifetimes overlap
 * occupy disjoint byte ranges, and all of them fit in the arena. */
static void assert_no_overlap(const ecnn_graph *g) {
  for (int32_t i = 0; i < g->num_tensors; i++) {
    const ecnn_tensor *a = &g->tensors[i];
    if (a->data || a->first_node < 0) continue;
    ck_assert_uint_le(a->arena_offset + ecnn_tensor_bytes(a), g->arena_bytes);
    ck_assert_uint_eq(a->arena_offset % 64, 0);
    for (int32_t j = i + 1; j < g->num_tensors; j++) {
      const ecnn_tensor *b = &g->tensors[j];
      if (b->data || b->first_node < 0) continue;
      bool live_together = a->first_node <= b->last_node && b->first_node <= a->last_node;
      bool disjoint = a->arena_offset + ecnn_tensor_bytes(a) <= b->arena_offset ||
                      b->arena_offset + ecnn_tensor_bytes(b) <= a->arena_offset;
      if (live_together && !disjoint)
        ck_abort_msg("tensors '%s' [%d..%d] and '%s' [%d..%d] overlap", a->name,
                     a->first_node, a->last_node, b->name, b->first_node, b->last_node);
    }
  }
}

START_TEST(chain_reuses_two_slots) {
  /* x -> t1 -> t2 -> t3 -> y, all 1x4x4x8 floats (512 bytes): at most two live at once */
  ecnn_graph g;
  ecnn_graph_init(&g);
  int32_t x = act(&g, "x", 8), t1 = act(&g, "t1", 8), t2 = act(&g, "t2", 8);
  int32_t t3 = act(&g, "t3", 8), y = act(&g, "y", 8);
  add(&g, x, t1);
  add(&g, t1, t2);
  add(&g, t2, t3);
  add(&g, t3, y);
  g.inputs[0] = x;
  g.outputs[0] = y;
  g.num_inputs = g.num_outputs = 1;
  ck_assert_int_eq(ecnn_graph_plan(&g), ECNN_STATUS_OK);
  assert_no_overlap(&g);
  ck_assert_uint_eq(g.arena_bytes, 2 * 512);
  ck_assert_int_eq(g.tensors[t1].first_node, 0);
  ck_assert_int_eq(g.tensors[t1].last_node, 1);
  ck_assert_int_eq(g.tensors[y].last_node, 4); /* outputs live past the last node */
  ecnn_graph_clear(&g);
}
END_TEST

START_TEST(branch_keeps_skip_alive) {
  /* x -> a -> b ; add(x, b) -> y : x must survive while a and b are computed */
  ecnn_graph g;
  ecnn_graph_init(&g);
  int32_t x = act(&g, "x", 16), a = act(&g, "a", 16), b = act(&g, "b", 16), y = act(&g, "y", 16);
  add(&g, x, a);
  add(&g, a, b);
  int32_t ins[2] = {x, b};
  ck_assert_int_ge(ecnn_graph_add_node(&g, ECNN_OP_ADD, ins, 2, &y, 1, NULL), 0);
  g.inputs[0] = x;
  g.outputs[0] = y;
  g.num_inputs = g.num_outputs = 1;
  ck_assert_int_eq(ecnn_graph_plan(&g), ECNN_STATUS_OK);
  assert_no_overlap(&g);
  ck_assert_int_eq(g.tensors[x].last_node, 2);
  /* node 1 has x, a, b live; node 2 has x, b, y: three 1024-byte slots */
  ck_assert_uint_eq(g.arena_bytes, 3 * 1024);
  ecnn_graph_clear(&g);
}
END_TEST

START_TEST(big_then_small_fill_gaps) {
  /* sizes 8, 64, 8 channels: the small ones reuse the space around the big one */
  ecnn_graph g;
  ecnn_graph_init(&g);
  int32_t x = act(&g, "x", 8), big = act(&g, "big", 64), s1 = act(&g, "s1", 8);
  int32_t s2 = act(&g, "s2", 8);
  add(&g, x, big);
  add(&g, big, s1);
  add(&g, s1, s2);
  g.inputs[0] = x;
  g.outputs[0] = s2;
  g.num_inputs = g.num_outputs = 1;
  ck_assert_int_eq(ecnn_graph_plan(&g), ECNN_STATUS_OK);
  assert_no_overlap(&g);
  ck_assert_uint_eq(g.arena_bytes, 4096 + 512);
  ecnn_graph_clear(&g);
}
END_TEST

static void check_real_model(const char *name, int64_t expect_min_saving) {
  ecnn_model *m = NULL;
  ecnn_status st = ecnn_model_load_file(tu_model_path(name), &m);
  ck_assert_msg(st == ECNN_STATUS_OK, "loading %s: %s (run models/fetch.sh first)", name,
                ecnn_last_error());
  assert_no_overlap(&m->graph);
  ecnn_model_stats s;
  ck_assert_int_eq(ecnn_model_get_stats(m, &s), ECNN_STATUS_OK);
  ck_assert_int_gt(s.arena_bytes, 0);
  ck_assert_int_lt(s.arena_bytes * expect_min_saving, s.naive_bytes);
  ecnn_model_free(m);
}

START_TEST(real_models_never_overlap) {
  check_real_model("ssd_mobilenetv2_oidv4_fp16.tflite", 4);
  /* BlazeFace: fusion leaves its conv outputs and channel PADs unplanned (never written), so
   * less is left to share: the arena is still under half of the tensors it holds */
  check_real_model("face_detection_short_range.tflite", 2);
}
END_TEST

START_TEST(api_argument_checks) {
  ecnn_model *m = NULL;
  ck_assert_int_eq(ecnn_model_load_file("/nonexistent/model.tflite", &m), ECNN_STATUS_IO_ERROR);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "/nonexistent/model.tflite"));
  ck_assert_ptr_null(m);
  ck_assert_int_ne(ecnn_model_load_buffer(NULL, 0, &m), ECNN_STATUS_OK);
  ecnn_model_free(NULL);
  ecnn_session_free(NULL);
  ck_assert_int_eq(ecnn_model_load_file(tu_model_path("face_detection_short_range.tflite"), &m),
                   ECNN_STATUS_OK);
  ecnn_session *s = NULL;
  ecnn_session_options o;
  ecnn_session_options_init(&o);
  o.threads = 0;
  ck_assert_int_eq(ecnn_session_create(m, &o, &s), ECNN_STATUS_INVALID_ARGUMENT);
  o.threads = 1;
  o.precision = ECNN_PRECISION_INT8;
  ck_assert_int_eq(ecnn_session_create(m, &o, &s), ECNN_STATUS_UNSUPPORTED);
  ck_assert_int_eq(ecnn_session_create(m, NULL, &s), ECNN_STATUS_OK);
  const void *out;
  ck_assert_int_eq(ecnn_session_output(s, 0, &out, NULL), ECNN_STATUS_INVALID_STATE);
  float small[4] = {0};
  ck_assert_int_eq(ecnn_session_set_input(s, 0, small, sizeof small),
                   ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(ecnn_last_error(), "196608 bytes"));
  ck_assert_int_eq(ecnn_session_set_input(s, 1, small, sizeof small),
                   ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_ptr_null(ecnn_session_input_data(s, 1));
  ck_assert_ptr_nonnull(ecnn_session_input_data(s, 0));
  ck_assert_int_eq(ecnn_session_output(s, 2, &out, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  ecnn_session_free(s);
  ecnn_model_free(m);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("planner");
  TCase *tc = tcase_create("planner");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, chain_reuses_two_slots);
  tcase_add_test(tc, branch_keeps_skip_alive);
  tcase_add_test(tc, big_then_small_fill_gaps);
  tcase_add_test(tc, real_models_never_overlap);
  tcase_add_test(tc, api_argument_checks);
  suite_add_tcase(suite, tc);
  return tu_run_suite(suite);
}
