/*
 * threadpool.h — a small pthread pool owned by a session: parallel_for splits [0, n) into
 * contiguous chunks, one per thread (the caller's thread takes the first), and returns when
 * all are done. No allocation per call; a pool of 1 thread runs everything inline.
 */
#ifndef ECNN_THREADPOOL_H
#define ECNN_THREADPOOL_H

#include <stdint.h>

#include "edgecnn.h"

typedef struct ecnn_threadpool ecnn_threadpool;

/* fn(arg, begin, end) processes items [begin, end). */
typedef void (*ecnn_task_fn)(void *arg, int64_t begin, int64_t end);

/* threads >= 1 (1: no worker threads). *pool is NULL for 1 thread. */
ecnn_status ecnn_threadpool_create(int32_t threads, ecnn_threadpool **pool);
void ecnn_threadpool_free(ecnn_threadpool *pool);
/* No job will follow for a while, most likely (a session's run is over; the next frame is
 * milliseconds away): idle workers spin a tenth as long before they sleep. NULL: nothing to
 * do. */
void ecnn_threadpool_park(ecnn_threadpool *pool);
/* Number of threads (1 for NULL). */
int32_t ecnn_threadpool_size(const ecnn_threadpool *pool);
/* Index of the calling thread in its pool: 1..threads-1 in a worker, 0 in the caller (and in
 * any thread outside a pool). Lets a task pick its slice of per-thread scratch memory. */
int32_t ecnn_threadpool_current(void);
/* How many parts ecnn_parallel_for splits a large job into (two per thread; 1 for NULL): a
 * job of a multiple of this many equal items shares out evenly. */
int32_t ecnn_threadpool_parts(const ecnn_threadpool *pool);
/* Runs fn over [0, n) split into one chunk per thread; pool may be NULL (inline). Chunks are
 * at least `grain` items. */
void ecnn_parallel_for(ecnn_threadpool *pool, int64_t n, int64_t grain, ecnn_task_fn fn,
                       void *arg);

#endif
