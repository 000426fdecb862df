/*
 * threadpool.c — the session's thread pool (threadpool.h). A job is split into chunks that the
 * caller and the workers claim with one atomic counter tagged with the job's generation, so the
 * caller never waits for a worker that is slow to wake (an idle virtual CPU can take
 * milliseconds): whatever nobody has claimed yet, the caller runs itself. Workers spin briefly
 * for the next job (the ops of a run follow each other within microseconds), then sleep on a
 * condition variable. The caller returns once every chunk is done.
 */
#include "threadpool.h"

#include <pthread.h>
#include <stdlib.h>

#include "status.h"

#define SPIN_ITERS 20000

struct ecnn_threadpool {
  int32_t threads; /* including the caller */
  pthread_t *workers;
  pthread_mutex_t mu;
  pthread_cond_t work, done_cv;
  uint32_t generation; /* job counter; also the high half of `claim` */
  uint64_t claim;      /* generation << 32 | next chunk index */
  int64_t done;        /* chunks finished in the current job */
  bool stop;
  /* the current job (written under mu before the generation changes) */
  ecnn_task_fn fn;
  void *arg;
  int64_t n, chunk, parts;
};

typedef struct worker_arg {
  ecnn_threadpool *pool;
  int32_t index;
} worker_arg;

static __thread int32_t thread_index; /* 0: the caller (any thread outside a pool) */

int32_t ecnn_threadpool_current(void) { return thread_index; }

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

/* Claims and runs chunks of job `gen` until none is left. */
static void work_on(ecnn_threadpool *p, uint32_t gen, ecnn_task_fn fn, void *arg, int64_t n,
                    int64_t chunk, int64_t parts) {
  for (;;) {
    uint64_t v = __atomic_load_n(&p->claim, __ATOMIC_ACQUIRE);
    if ((uint32_t)(v >> 32) != gen) return;
    int64_t idx = (int64_t)(v & 0xffffffffu);
    if (idx >= parts) return;
    if (!__atomic_compare_exchange_n(&p->claim, &v, v + 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
      continue;
    int64_t begin = idx * chunk, end = begin + chunk < n ? begin + chunk : n;
    if (begin < end) fn(arg, begin, end);
    if (__atomic_add_fetch(&p->done, 1, __ATOMIC_ACQ_REL) == parts) {
      pthread_mutex_lock(&p->mu);
      pthread_cond_signal(&p->done_cv);
      pthread_mutex_unlock(&p->mu);
    }
  }
}

static void *worker(void *a) {
  worker_arg *wa = a;
  ecnn_threadpool *p = wa->pool;
  thread_index = wa->index;
  free(wa);
  uint32_t seen = 0;
  for (;;) {
    for (int i = 0; i < SPIN_ITERS && __atomic_load_n(&p->generation, __ATOMIC_ACQUIRE) == seen &&
                    !__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE);
         i++)
      cpu_relax();
    pthread_mutex_lock(&p->mu);
    while (!p->stop && p->generation == seen) pthread_cond_wait(&p->work, &p->mu);
    if (p->stop) {
      pthread_mutex_unlock(&p->mu);
      return NULL;
    }
    seen = p->generation;
    ecnn_task_fn fn = p->fn;
    void *arg = p->arg;
    int64_t n = p->n, chunk = p->chunk, parts = p->parts;
    pthread_mutex_unlock(&p->mu);
    work_on(p, seen, fn, arg, n, chunk, parts);
  }
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
  pthread_cond_init(&p->done_cv, NULL);
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
  pthread_cond_destroy(&p->done_cv);
  free(p->workers);
  free(p);
}

int32_t ecnn_threadpool_size(const ecnn_threadpool *p) { return p ? p->threads : 1; }

void ecnn_parallel_for(ecnn_threadpool *p, int64_t n, int64_t grain, ecnn_task_fn fn, void *arg) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  /* two chunks per thread: a late worker's share is small, the load evens out */
  int64_t parts = p ? 2 * (int64_t)p->threads : 1;
  if (parts > n / grain) parts = n / grain > 0 ? n / grain : 1;
  if (parts <= 1) {
    fn(arg, 0, n);
    return;
  }
  const int64_t chunk = (n + parts - 1) / parts;
  parts = (n + chunk - 1) / chunk;
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->arg = arg;
  p->n = n;
  p->chunk = chunk;
  p->parts = parts;
  __atomic_store_n(&p->done, 0, __ATOMIC_RELEASE);
  const uint32_t gen = p->generation + 1;
  __atomic_store_n(&p->claim, (uint64_t)gen << 32, __ATOMIC_RELEASE);
  __atomic_store_n(&p->generation, gen, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->mu);
  work_on(p, gen, fn, arg, n, chunk, parts);
  for (int i = 0; i < SPIN_ITERS && __atomic_load_n(&p->done, __ATOMIC_ACQUIRE) < parts; i++)
    cpu_relax();
  pthread_mutex_lock(&p->mu);
  while (__atomic_load_n(&p->done, __ATOMIC_ACQUIRE) < parts) pthread_cond_wait(&p->done_cv, &p->mu);
  pthread_mutex_unlock(&p->mu);
}
