/*
 * libxllog.h - the domain manager's logger for libxl: every line goes on
 * to libxl's stdio logger (stderr, warnings and worse) as before, and the
 * one that says libxl gave up waiting for a driver domain to remove a
 * backend is also handed to the manager, parsed, so that it can name the
 * domains (libxl's line names only the path).  libxl asks a driver domain
 * to remove a backend when its frontend goes, waits 10 s
 * (LIBXL_DESTROY_TIMEOUT), then removes it itself: afterwards nothing in
 * xenstore says it was left behind.
 *
 * The parser is pure; the logger is libxl's, called from inside libxl
 * (main loop, single-threaded).
 */
#ifndef BULKHEAD_LIBXLLOG_H
#define BULKHEAD_LIBXLLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <xentoollog.h>

/* A backend: /local/domain/BACKEND/backend/TYPE/FRONTEND/DEVID. */
struct backend_ref {
	uint32_t backend_domid, frontend_domid, devid;
	char type[16];
	char path[128];
};

/* Whether MSG, one of libxl's log lines, says that libxl timed out
 * waiting for a backend to be removed; if so, *OUT is that backend. */
bool libxllog_backend_timeout(const char *msg, struct backend_ref *out);

/* A logger for libxl_ctx_alloc() that passes every message to INNER, and
 * a backend libxl gave up on to LEFT(CTX, ref) too.  NULL: out of memory.
 * Both live as long as the process (xtl_logger_destroy() would free this
 * one, not INNER). */
xentoollog_logger *libxllog_new(xentoollog_logger *inner,
				void (*left)(void *ctx, const struct backend_ref *ref), void *ctx);

#endif
