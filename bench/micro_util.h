/*
 * micro_util.h — what the kernel microbenchmarks (conv_micro.c, q8_dw_micro.c) share: a
 * monotonic clock in seconds and a comparison of doubles for qsort (their timings are sorted
 * to take the fastest or the median).
 */
#ifndef ECNN_BENCH_MICRO_UTIL_H
#define ECNN_BENCH_MICRO_UTIL_H

#include <time.h>

static inline double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

#endif
