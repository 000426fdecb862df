/*
 * test_prune.c — magnitude pruning (ecnn_prune) on the real SSD: every 1x1 convolution loses
 * exactly floor(sparsity x blocks) of its blocks, the ones with the smallest magnitudes (no
 * zeroed block outweighs a kept one), other layers and biases unchanged; blocks of 1 and of
 * 32; sparsity 0 changes nothing; the pruned file runs, its 1x1 layers on the sparse kernel
 * (blocks of 32) to the scalar path's outputs; bad options are refused.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgecnn.h"
#include "graph.h"
#include "kernels/isa.h"
#include "loader/tflite.h"
#include "model.h"
#include "test_util.h"

static const char *ssd = "ssd_mobilenetv2_oidv4_fp16.tflite";

static bool pointwise(const ecnn_graph *g, const ecnn_node *n) {
  const ecnn_tensor *w = n->num_inputs > 1 ? &g->tensors[n->inputs[1]] : NULL;
  return n->op == ECNN_OP_CONV_2D && w && w->ndim == 4 && w->dims[1] == 1 && w->dims[2] == 1;
}

/* Prunes and checks the result against the original graph. */
static void check_prune(const uint8_t *bytes, size_t size, double sparsity, int32_t block) {
  ecnn_prune_options o;
  ecnn_prune_options_init(&o);
  o.sparsity = sparsity, o.block = block;
  uint8_t *out = NULL;
  size_t out_size = 0;
  ecnn_prune_report rep;
  ck_assert_msg(ecnn_prune(bytes, size, &o, &out, &out_size, &rep) == ECNN_STATUS_OK, "%s",
                ecnn_last_error());
  ecnn_graph a, b;
  ecnn_graph_init(&a), ecnn_graph_init(&b);
  ck_assert_int_eq(ecnn_tflite_parse(bytes, size, &a), ECNN_STATUS_OK);
  ck_assert_int_eq(ecnn_tflite_parse(out, out_size, &b), ECNN_STATUS_OK);
  ck_assert_int_eq(a.num_nodes, b.num_nodes);
  int32_t layers = 0;
  int64_t zeroed = 0, weights = 0;
  for (int32_t k = 0; k < a.num_nodes; k++) {
    const ecnn_node *n = &a.nodes[k];
    for (int32_t i = 0; i < n->num_inputs; i++) {
      const ecnn_tensor *x = &a.tensors[n->inputs[i]], *y = &b.tensors[b.nodes[k].inputs[i]];
      if (!x->data) continue;
      ck_assert_uint_eq(x->const_bytes, y->const_bytes);
      if (!(pointwise(&a, n) && i == 1)) { /* everything else is unchanged */
        ck_assert(!memcmp(x->data, y->data, x->const_bytes));
        continue;
      }
      layers++;
      const float *wa = x->data, *wb = y->data;
      const int32_t OC = x->dims[0], IC = x->dims[3], per_ic = (OC + block - 1) / block;
      float kept_min = INFINITY, dropped_max = 0;
      int32_t zero_after = 0, zero_before = 0; /* all-zero blocks */
      int64_t changed = 0; /* (asserting per weight would take Check seconds) */
      for (int32_t ic = 0; ic < IC; ic++)
        for (int32_t blk = 0; blk < per_ic; blk++) {
          float mag = 0;
          int32_t zeros = 0, count = 0;
          for (int32_t oc = blk * block; oc < OC && oc < (blk + 1) * block; oc++, count++) {
            mag += fabsf(wa[(size_t)oc * IC + ic]);
            const float v = wb[(size_t)oc * IC + ic];
            if (v == 0) zeros++, zeroed++;
            else changed += v != wa[(size_t)oc * IC + ic]; /* no weight changes but to 0 */
          }
          zero_before += mag == 0;
          if (zeros == count) {
            zero_after++;
            dropped_max = fmaxf(dropped_max, mag);
          } else { /* a block goes whole or stays whole */
            kept_min = fminf(kept_min, mag);
            for (int32_t oc = blk * block; oc < OC && oc < (blk + 1) * block; oc++)
              changed += wb[(size_t)oc * IC + ic] != wa[(size_t)oc * IC + ic];
          }
          weights += count;
        }
      const int32_t drop = (int32_t)floor(sparsity * per_ic * IC + 1e-9);
      ck_assert_int_eq(zero_after, drop > zero_before ? drop : zero_before);
      ck_assert_int_eq(changed, 0);
      ck_assert_msg(dropped_max <= kept_min, "a dropped block outweighs a kept one");
    }
  }
  ck_assert_int_eq(layers, rep.layers);
  ck_assert_int_eq(weights, rep.weights);
  ck_assert_int_eq(zeroed, rep.zeroed);
  /* the pruned model loads and runs; with blocks of 32 its 1x1 layers take the sparse kernel,
   * whose outputs match the scalar path's as the dense kernels' do */
  float *x = malloc((size_t)300 * 300 * 3 * sizeof *x), *y[2][2] = {{NULL}};
  size_t ny[2] = {0};
  tu_fill_rand_f32(x, (size_t)300 * 300 * 3, 1);
  const ecnn_isa best = ecnn_isa_best();
  for (int path = 0; path < 2; path++) {
    ecnn_isa_set(path ? ECNN_ISA_SCALAR : best);
    ecnn_model *m = NULL;
    ck_assert_int_eq(ecnn_model_load_buffer(out, out_size, &m), ECNN_STATUS_OK);
    int32_t sparse = 0;
    for (int32_t k = 0; k < m->graph.num_nodes; k++) sparse += m->graph.nodes[k].sparse_rows != NULL;
    if (block == 32 && sparsity >= 0.5) ck_assert_int_eq(sparse, layers);
    ck_assert_int_le(sparse, layers); /* (6 of the SSD's own layers are a fifth zero already) */
    ecnn_session *s = NULL;
    ck_assert_int_eq(ecnn_session_create(m, NULL, &s), ECNN_STATUS_OK);
    ck_assert_int_eq(ecnn_session_set_input(s, 0, x, (size_t)300 * 300 * 3 * sizeof *x),
                     ECNN_STATUS_OK);
    ck_assert_int_eq(ecnn_session_run(s), ECNN_STATUS_OK);
    for (int32_t o = 0; o < 2; o++) {
      const void *data;
      ecnn_tensor_info info;
      ck_assert_int_eq(ecnn_session_output(s, o, &data, &info), ECNN_STATUS_OK);
      ny[o] = info.bytes / sizeof(float);
      y[path][o] = malloc(info.bytes);
      memcpy(y[path][o], data, info.bytes);
    }
    ecnn_session_free(s);
    ecnn_model_free(m);
  }
  ecnn_isa_set(best);
  for (int32_t o = 0; o < 2; o++) {
    const float err = tu_max_abs_diff(y[0][o], y[1][o], ny[o]) / fmaxf(1.0f, tu_max_abs(y[1][o], ny[o]));
    ck_assert_msg(err <= 1e-4f, "output %d: %s vs scalar %g", (int)o, ecnn_isa_name(best),
                  (double)err);
    free(y[0][o]), free(y[1][o]);
  }
  free(x);
  ecnn_graph_clear(&a), ecnn_graph_clear(&b);
  free(out);
}

START_TEST(test_prune_ssd) {
  size_t size = 0;
  uint8_t *bytes = tu_read_file(tu_model_path(ssd), &size);
  if (!bytes) return;
  check_prune(bytes, size, 0.5, 32);
  check_prune(bytes, size, 0.75, 32);
  check_prune(bytes, size, 0.5, 1);
  check_prune(bytes, size, 0.0, 32);
  free(bytes);
}
END_TEST

START_TEST(test_prune_errors) {
  size_t size = 0;
  uint8_t *bytes = tu_read_file(tu_model_path(ssd), &size);
  if (!bytes) return;
  ecnn_prune_options o;
  ecnn_prune_options_init(&o);
  ck_assert(o.sparsity == 0.5 && o.block == 32);
  uint8_t *out = NULL;
  size_t n = 0;
  o.sparsity = 1.0;
  ck_assert_int_eq(ecnn_prune(bytes, size, &o, &out, &n, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  o.sparsity = 0.5, o.block = 0;
  ck_assert_int_eq(ecnn_prune(bytes, size, &o, &out, &n, NULL), ECNN_STATUS_INVALID_ARGUMENT);
  ck_assert_ptr_null(out);
  ck_assert_int_eq(ecnn_prune(bytes, 64, NULL, &out, &n, NULL), ECNN_STATUS_INVALID_MODEL);
  ck_assert_int_eq(ecnn_prune(NULL, 0, NULL, &out, &n, NULL), ECNN_STATUS_INVALID_MODEL);
  free(bytes);
}
END_TEST

int main(void) {
  Suite *s = suite_create("prune");
  TCase *tc = tcase_create("prune");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_prune_ssd);
  tcase_add_test(tc, test_prune_errors);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
