/*
 * threadpool.c — the session's thread pool (threadpool.h). A job is split into chunks; each
 * chunk is claimed once through an atomic word holding the generation of the job that claimed
 * it. Every thread first runs its own contiguous share of the chunks (so that consecutive ops
 * that split their work alike keep each thread on the data it wrote), then claims whatever is
 * left, so the caller never waits for a worker that is slow to wake (an idle virtual CPU can
 * take milliseconds). Workers spin briefly
 * for the next job (the ops of a run follow each other within microseconds), then sleep on a
 * condition variable; after a session's run (ecnn_threadpool_park) they spin a tenth as long,
 * since the next job is usually a frame away and a spinning worker takes a core from the rest
 * of a video pipeline (sleeping at once cost the next run a wake-up when runs follow each
 * other, as in a benchmark). The caller returns once every chunk is done.
 */
#include "threadpool.h"

#include <pthread.h>
#include <stdlib.h>

#include "status.h"

#define SPIN_ITERS 20000
#define PARKED_SPIN_ITERS 2000 /* about 50 us: back-to-back runs (a benchmark) still meet it */
#define MAX_PARTS 64

struct ecnn_threadpool {
  int32_t threads; /* including the caller */
  pthread_t *workers;
  pthread_mutex_t mu;
  pthread_cond_t work, done_cv;
  uint32_t generation; /* job counter */
  uint32_t claimed[MAX_PARTS]; /* per chunk: the generation of the job that last claimed it */
  int64_t done;        /* chunks finished in the current job */
  bool stop;
  bool parked; /* no job soon: workers spin briefly, then sleep (cleared by the next job) */
  /* the current job (written under mu before the generation changes) */
  ecnn_task_fn fn;
  void *arg;
  int64_t n, parts;
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

/* Runs chunk idx of job `gen` if nobody has claimed it yet. */
static void try_chunk(ecnn_threadpool *p, uint32_t gen, ecnn_task_fn fn, void *arg, int64_t n,
                      int64_t parts, int64_t idx) {
  /* claim: move the word from an older generation to ours; a word already at ours (or, for a
   * worker still on a finished job, at a newer one) means somebody else runs it */
  uint32_t cur = __atomic_load_n(&p->claimed[idx], __ATOMIC_ACQUIRE);
  do {
    if ((int32_t)(cur - gen) >= 0) return;
  } while (!__atomic_compare_exchange_n(&p->claimed[idx], &cur, gen, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE));
  /* chunk sizes differ by at most one item (ceil-sized chunks gave 10 items as 3/3/3/1) */
  const int64_t begin = idx * n / parts, end = (idx + 1) * n / parts;
  if (begin < end) fn(arg, begin, end);
  if (__atomic_add_fetch(&p->done, 1, __ATOMIC_ACQ_REL) == parts) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_signal(&p->done_cv);
    pthread_mutex_unlock(&p->mu);
  }
}

/* Runs chunks of job `gen` until none is left: first the thread's own ones (thread t owns the
 * t-th contiguous share of the chunks, so consecutive ops that split their work alike leave
 * each thread on the data it wrote, in its own cache), then, from the far end, whatever
 * nobody has claimed yet (a thread that is slow to wake never holds the others up). */
static void work_on(ecnn_threadpool *p, uint32_t gen, ecnn_task_fn fn, void *arg, int64_t n,
                    int64_t parts) {
  const int64_t t = thread_index, T = p->threads;
  const int64_t own0 = t * parts / T, own1 = (t + 1) * parts / T;
  for (int64_t i = own0; i < own1; i++) try_chunk(p, gen, fn, arg, n, parts, i);
  for (int64_t i = parts - 1; i >= 0; i--)
    if (i < own0 || i >= own1) try_chunk(p, gen, fn, arg, n, parts, i);
}

static void *worker(void *a) {
  worker_arg *wa = a;
  ecnn_threadpool *p = wa->pool;
  thread_index = wa->index;
  free(wa);
  uint32_t seen = 0;
  for (;;) {
    for (int i = 0;
         i < (__atomic_load_n(&p->parked, __ATOMIC_ACQUIRE) ? PARKED_SPIN_ITERS : SPIN_ITERS) &&
         __atomic_load_n(&p->generation, __ATOMIC_ACQUIRE) == seen &&
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
    int64_t n = p->n, parts = p->parts;
    pthread_mutex_unlock(&p->mu);
    work_on(p, seen, fn, arg, n, parts);
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

void ecnn_threadpool_park(ecnn_threadpool *p) {
  /* (a worker that reads the flag late spins longer; one that reads it after the next job
   * cleared it spins on: both wait on the condition variable under mu, which rechecks the
   * generation, so no job is missed) */
  if (p) __atomic_store_n(&p->parked, true, __ATOMIC_RELEASE);
}

int32_t ecnn_threadpool_size(const ecnn_threadpool *p) { return p ? p->threads : 1; }

int32_t ecnn_threadpool_parts(const ecnn_threadpool *p) {
  /* two chunks per thread: a late worker's share is small, the load evens out */
  const int32_t parts = p ? 2 * p->threads : 1;
  return parts < MAX_PARTS ? parts : MAX_PARTS;
}

void ecnn_parallel_for(ecnn_threadpool *p, int64_t n, int64_t grain, ecnn_task_fn fn, void *arg) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int64_t parts = ecnn_threadpool_parts(p);
  if (parts > n / grain) parts = n / grain > 0 ? n / grain : 1;
  if (parts <= 1) {
    fn(arg, 0, n);
    return;
  }
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->arg = arg;
  p->n = n;
  p->parts = parts;
  __atomic_store_n(&p->done, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&p->parked, false, __ATOMIC_RELEASE);
  const uint32_t gen = p->generation + 1;
  /* the job's chunks start one generation behind it: claimable by this job only (a worker
   * still on an older job sees them as newer than its own), whatever happened long ago (the
   * counter wraps after 2^32 jobs) */
  for (int64_t i = 0; i < parts; i++) __atomic_store_n(&p->claimed[i], gen - 1, __ATOMIC_RELEASE);
  __atomic_store_n(&p->generation, gen, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->mu);
  work_on(p, gen, fn, arg, n, parts);
  for (int i = 0; i < SPIN_ITERS && __atomic_load_n(&p->done, __ATOMIC_ACQUIRE) < parts; i++)
    cpu_relax();
  pthread_mutex_lock(&p->mu);
  while (__atomic_load_n(&p->done, __ATOMIC_ACQUIRE) < parts)
    pthread_cond_wait(&p->done_cv, &p->mu);
  pthread_mutex_unlock(&p->mu);
}
