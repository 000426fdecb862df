/*
 * status.h — setting the thread-local error message behind ecnn_last_error().
 */
#ifndef ECNN_STATUS_H
#define ECNN_STATUS_H

#include "edgecnn.h"

#if defined(__GNUC__)
#define ECNN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ECNN_PRINTF(a, b)
#endif

/* Formats the message, stores it for ecnn_last_error() and returns `status` unchanged, so
 * that `return ecnn_error(ECNN_STATUS_INVALID_MODEL, "...", ...);` reads naturally. */
ecnn_status ecnn_error(ecnn_status status, const char *fmt, ...) ECNN_PRINTF(2, 3);

/* Prepends context to the current message: "<prefix>: <old message>". Returns status. */
ecnn_status ecnn_error_prefix(ecnn_status status, const char *fmt, ...) ECNN_PRINTF(2, 3);

#endif /* ECNN_STATUS_H */
