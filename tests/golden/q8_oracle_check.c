/*
 * q8_oracle_check.c — checks an int8 model's every node against TensorFlow Lite (the
 * tflite-oracle of ../shared/tools), each node run on the oracle's own inputs, so that a
 * difference cannot come from an earlier node: a development tool, not a test (the tests
 * never run the oracle).
 *
 *   build/tests/q8_oracle_check MODEL.int8.tflite INPUT.f32 [ORACLE_RUN_MJS] [-v]
 *
 * The model's int8 activations are made graph outputs through DEQUANTIZE nodes, a batch at a
 * time (the graph holds 16 outputs), written with the TFLite writer and run by the oracle on
 * INPUT (the raw float32 input tensor); their values, quantized back, are then fed to this
 * engine's run: a session observer compares each node's output with the oracle's and replaces
 * it with the oracle's before the next node runs. Prints the nodes off by more than one
 * quantum (every node with -v) and a summary line; exit status 1 when any is.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edgecnn.h"
#include "graph.h"
#include "loader/tflite.h"
#include "loader/tflite_write.h"
#include "model.h"

typedef struct node_result {
  int32_t max;
  int64_t over; /* values off by more than one quantum */
} node_result;

typedef struct check {
  int8_t **oracle; /* per tensor id: the oracle's int8 values, or NULL */
  node_result *res;
} check;

static void *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  const long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) free(b), b = NULL;
  fclose(f);
  *size = (size_t)n;
  return b;
}

/* After each node: compare its output with the oracle's, then continue from the oracle's. */
static void observe(void *user, const ecnn_graph *g, const ecnn_node *n, void *const *data) {
  check *c = user;
  const int32_t t = n->outputs[0];
  if (!c->oracle[t]) return;
  int8_t *y = data[t];
  node_result *r = &c->res[n - g->nodes];
  const int64_t count = ecnn_tensor_elements(&g->tensors[t]);
  for (int64_t i = 0; i < count; i++) {
    const int32_t d = abs(y[i] - c->oracle[t][i]);
    r->max = d > r->max ? d : r->max;
    r->over += d > 1;
  }
  memcpy(y, c->oracle[t], (size_t)count);
}

/* Runs the oracle on the model with the int8 outputs of nodes [*k, ...) as extra outputs;
 * stores their values in c->oracle and moves *k past them. */
static int probe_batch(const uint8_t *file, size_t size, const ecnn_graph *g, int32_t *k,
                       const char *input, const char *runner, const char *dir, check *c) {
  ecnn_graph p;
  ecnn_graph_init(&p);
  if (ecnn_tflite_parse(file, size, &p) != ECNN_STATUS_OK) return -1;
  int32_t probes[ECNN_MAX_GRAPH_IO], np = 0, nout = p.num_outputs;
  for (; *k < g->num_nodes && nout < ECNN_MAX_GRAPH_IO; ++*k) {
    int32_t t = g->nodes[*k].outputs[0];
    if (g->tensors[t].dtype != ECNN_DTYPE_I8) continue;
    char name[64];
    snprintf(name, sizeof name, "probe_%d", (int)t);
    const int32_t f = ecnn_graph_add_tensor(&p, name, ECNN_DTYPE_F32, g->tensors[t].ndim,
                                            g->tensors[t].dims, NULL, 0);
    if (f < 0 || ecnn_graph_add_node(&p, ECNN_OP_DEQUANTIZE, &t, 1, &f, 1, NULL) < 0) return -1;
    p.outputs[nout++] = f;
    probes[np++] = t;
  }
  p.num_outputs = nout;
  uint8_t *pf = NULL;
  size_t ps = 0;
  char model[1024], out[1024], cmd[4096];
  snprintf(model, sizeof model, "%s/probe.tflite", dir);
  snprintf(out, sizeof out, "%s/oracle", dir);
  int rc = ecnn_tflite_write(&p, &pf, &ps) == ECNN_STATUS_OK ? 0 : -1;
  ecnn_graph_clear(&p);
  FILE *f = rc ? NULL : fopen(model, "wb");
  if (!f || fwrite(pf, 1, ps, f) != ps) rc = -1;
  if (f) fclose(f);
  free(pf);
  if (rc) return rc;
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && node '%s' '%s' '%s' '%s' >/dev/null 2>&1", out,
           runner, model, input, out);
  if (system(cmd) != 0) {
    fprintf(stderr, "q8_oracle_check: the oracle failed: %s\n", cmd);
    return -1;
  }
  for (int32_t i = 0; i < np; i++) {
    const int32_t t = probes[i];
    char path[1100];
    snprintf(path, sizeof path, "%s/out%d.bin", out, (int)(nout - np + i));
    size_t n = 0;
    float *v = read_file(path, &n);
    const int64_t count = ecnn_tensor_elements(&g->tensors[t]);
    if (!v || n != (size_t)count * sizeof(float)) {
      free(v);
      return -1;
    }
    c->oracle[t] = malloc((size_t)count);
    const float s = g->tensors[t].quant.scale[0];
    const int32_t z = g->tensors[t].quant.zero_point[0];
    for (int64_t e = 0; e < count; e++) c->oracle[t][e] = (int8_t)(lrintf(v[e] / s) + z);
    free(v);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: q8_oracle_check MODEL.int8.tflite INPUT.f32 [run.mjs] [-v]\n");
    return 2;
  }
  const char *runner = argc > 3 && strcmp(argv[3], "-v") ? argv[3]
                                                          : "../shared/tools/tflite-oracle/run.mjs";
  const bool verbose = !strcmp(argv[argc - 1], "-v");
  size_t fs = 0, is = 0;
  uint8_t *file = read_file(argv[1], &fs);
  float *input = read_file(argv[2], &is);
  char dir[] = "/tmp/q8_oracle_check.XXXXXX";
  ecnn_graph g;
  ecnn_graph_init(&g);
  if (!file || !input || !mkdtemp(dir) || ecnn_tflite_parse(file, fs, &g) != ECNN_STATUS_OK ||
      ecnn_graph_prepare(&g) != ECNN_STATUS_OK) {
    fprintf(stderr, "q8_oracle_check: cannot read %s / %s: %s\n", argv[1], argv[2],
            ecnn_last_error());
    return 1;
  }
  check c = {calloc((size_t)g.num_tensors, sizeof(int8_t *)),
             calloc((size_t)g.num_nodes, sizeof(node_result))};
  for (int32_t k = 0; k < g.num_nodes;)
    if (probe_batch(file, fs, &g, &k, argv[2], runner, dir, &c)) return 1;
  const int32_t T = g.num_tensors;
  ecnn_model *m = NULL;
  ecnn_session *s = NULL;
  if (ecnn_model_from_graph(&g, &m) != ECNN_STATUS_OK ||
      ecnn_session_create(m, NULL, &s) != ECNN_STATUS_OK ||
      ecnn_session_set_input(s, 0, input, is) != ECNN_STATUS_OK) {
    fprintf(stderr, "q8_oracle_check: %s\n", ecnn_last_error());
    return 1;
  }
  ecnn_session_set_observer(s, observe, &c);
  if (ecnn_session_run(s) != ECNN_STATUS_OK) {
    fprintf(stderr, "q8_oracle_check: %s\n", ecnn_last_error());
    return 1;
  }
  const ecnn_graph *mg = &m->graph;
  int32_t worst = 0, checked = 0;
  int64_t over = 0;
  for (int32_t k = 0; k < mg->num_nodes; k++) {
    if (!c.oracle[mg->nodes[k].outputs[0]]) continue;
    checked++;
    worst = c.res[k].max > worst ? c.res[k].max : worst;
    over += c.res[k].over;
    if (verbose || c.res[k].max > 1)
      printf("node %d %s: max %d quanta, %lld values off by more than 1\n", (int)k,
             ecnn_op_name(mg->nodes[k].op), (int)c.res[k].max, (long long)c.res[k].over);
  }
  printf("%s on %s: %d int8 nodes, each on the oracle's inputs: worst %d quanta, %lld values "
         "off by more than 1\n",
         argv[1], argv[2], (int)checked, (int)worst, (long long)over);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "q8_oracle_check: could not remove %s\n", dir);
  for (int32_t t = 0; t < T; t++) free(c.oracle[t]);
  free(c.oracle), free(c.res);
  ecnn_session_free(s);
  ecnn_model_free(m);
  free(file), free(input);
  return worst > 1;
}
