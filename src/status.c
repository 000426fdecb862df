/*
 * status.c — status names and the thread-local "last error" message every failing engine call
 * leaves behind. Cheap: a formatted write into a per-thread buffer, only on failure paths.
 */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[512];

const char *ecnn_status_name(ecnn_status status) {
  switch (status) {
  case ECNN_STATUS_OK: return "ok";
  case ECNN_STATUS_INVALID_ARGUMENT: return "invalid argument";
  case ECNN_STATUS_INVALID_MODEL: return "invalid model";
  case ECNN_STATUS_UNSUPPORTED: return "unsupported";
  case ECNN_STATUS_OUT_OF_MEMORY: return "out of memory";
  case ECNN_STATUS_INVALID_STATE: return "invalid state";
  case ECNN_STATUS_IO_ERROR: return "i/o error";
  }
  return "unknown status";
}

const char *ecnn_last_error(void) { return last_error; }

ecnn_status ecnn_error(ecnn_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  return status;
}

ecnn_status ecnn_error_prefix(ecnn_status status, const char *fmt, ...) {
  char old[sizeof last_error];
  memcpy(old, last_error, sizeof old);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  size_t used = n < 0 ? 0 : (size_t)n;
  if (used + 2 < sizeof last_error) {
    size_t room = sizeof last_error - used - 3, len = strlen(old);
    if (len > room) len = room;
    memcpy(last_error + used, ": ", 2);
    memcpy(last_error + used + 2, old, len);
    last_error[used + 2 + len] = 0;
  }
  return status;
}
