/*
 * threadpool.c — the session's thread pool (threadpool.h): workers wait on a condition
 * variable for a generation counter to change (spinning briefly first, since the ops of a run
 * follow each other within microseconds), run their chunk, and the caller waits (spinning,
 * then sleeping) until the pending count drops to zero. One parallel_for at a time per pool (sessions run serially).
 */
#include "threadpool.h"

#include <pthread.h>
#include <stdlib.h>

#include "status.h"

struct ecnn_threadpool {
  int32_t threads; /* including the caller */
  pthread_t *workers;
  pthread_mutex_t mu;
  pthread_cond_t work, done;
  uint64_t generation;
  int32_t pending;
  bool stop;
  /* the current job */
  ecnn_task_fn fn;
  void *arg;
  int64_t n, chunk;
};

typedef struct worker_arg {
  ecnn_threadpool *pool;
  int32_t index; /* 1..threads-1 */
} worker_arg;

static void run_chunk(ecnn_threadpool *p, int32_t index) {
  int64_t begin = (int64_t)index * p->chunk, end = begin + p->chunk;
  if (end > p->n) end = p->n;
  if (begin < end) p->fn(p->arg, begin, end);
}

/* How long a worker spins for the next job before sleeping: back-to-back ops of one run
 * arrive microseconds apart, and a condition-variable wake-up costs about as much. */
#define SPIN_ITERS 20000

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

static void *worker(void *a) {
  worker_arg *wa = a;
  ecnn_threadpool *p = wa->pool;
  const int32_t index = wa->index;
  free(wa);
  uint64_t seen = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    if (!p->stop && p->generation == seen) {
      pthread_mutex_unlock(&p->mu);
      for (int i = 0; i < SPIN_ITERS && __atomic_load_n(&p->generation, __ATOMIC_ACQUIRE) == seen &&
                      !__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE);
           i++)
        cpu_relax();
      pthread_mutex_lock(&p->mu);
    }
    while (!p->stop && p->generation == seen) pthread_cond_wait(&p->work, &p->mu);
    if (p->stop) break;
    seen = p->generation;
    pthread_mutex_unlock(&p->mu);
    run_chunk(p, index);
    pthread_mutex_lock(&p->mu);
    if (__atomic_sub_fetch(&p->pending, 1, __ATOMIC_ACQ_REL) == 0) pthread_cond_signal(&p->done);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

ecnn_status ecnn_threadpool_create(int32_t threads, ecnn_threadpool **out) {
  *out = NULL;
  if (threads < 1 || threads > 256)
    return ecnn_error(ECNN_STATUS_INVALID_ARGUMENT, "threads must be 1..256, got %d", (int)threads);
  if (threads == 1) return ECNN_STATUS_OK;
  ecnn_threadpool *p = calloc(1, sizeof *p);
  if (!p) return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "out of memory for the thread pool");
  p->threads = threads;
  p->workers = calloc((size_t)threads, sizeof *p->workers);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->work, NULL);
  pthread_cond_init(&p->done, NULL);
  int32_t started = 0;
  for (int32_t i = 1; p->workers && i < threads; i++) {
    worker_arg *wa = malloc(sizeof *wa);
    if (!wa) break;
    wa->pool = p;
    wa->index = i;
    if (pthread_create(&p->workers[i], NULL, worker, wa) != 0) {
      free(wa);
      break;
    }
    started++;
  }
  if (started != threads - 1) {
    p->threads = started + 1; /* free() joins exactly the started ones */
    ecnn_threadpool_free(p);
    return ecnn_error(ECNN_STATUS_OUT_OF_MEMORY, "could not start %d threads", (int)threads);
  }
  *out = p;
  return ECNN_STATUS_OK;
}

void ecnn_threadpool_free(ecnn_threadpool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  __atomic_store_n(&p->stop, true, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->mu);
  for (int32_t i = 1; p->workers && i < p->threads; i++) pthread_join(p->workers[i], NULL);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->work);
  pthread_cond_destroy(&p->done);
  free(p->workers);
  free(p);
}

int32_t ecnn_threadpool_size(const ecnn_threadpool *p) { return p ? p->threads : 1; }

void ecnn_parallel_for(ecnn_threadpool *p, int64_t n, int64_t grain, ecnn_task_fn fn, void *arg) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int64_t parts = p ? p->threads : 1;
  if (parts > n / grain) parts = n / grain > 0 ? n / grain : 1;
  if (parts <= 1) {
    fn(arg, 0, n);
    return;
  }
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->arg = arg;
  p->n = n;
  p->chunk = (n + parts - 1) / parts;
  __atomic_store_n(&p->pending, p->threads - 1, __ATOMIC_RELEASE);
  __atomic_add_fetch(&p->generation, 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->mu);
  run_chunk(p, 0);
  for (int i = 0; i < SPIN_ITERS && __atomic_load_n(&p->pending, __ATOMIC_ACQUIRE) > 0; i++)
    cpu_relax();
  pthread_mutex_lock(&p->mu);
  while (p->pending > 0) pthread_cond_wait(&p->done, &p->mu);
  pthread_mutex_unlock(&p->mu);
}
