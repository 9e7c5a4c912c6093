/*
 * log.h - tagged log lines for every role.
 *
 * Every line reads "bulkhead: TAG: message".  Where lines go depends on the
 * role and on how far the boot has got:
 *   - ctl, check and tests: standard error (the default);
 *   - PID 1 before /run is mounted: /dev/kmsg, so early messages land in the
 *     kernel log and on the console at the kernel's log level;
 *   - PID 1 once its log file is open: the file gets every line, with the
 *     monotonic time, and the console (fd 2) gets notices and worse.
 *
 * Every message is escaped (lib/escape.h: printable ASCII as it is, any
 * other byte "\xNN", '\' as "\\"), whatever it quotes, in every sink: a
 * line never carries a terminal's control sequence nor a newline that
 * would start a line of its own.  A trailing newline is dropped first.
 *
 * The file is capped (LOG_FILE_MAX, lib/limits.h): the line that would
 * take it past the cap first renames it to FILE.1 (replacing the one
 * there) and starts a new FILE.  With repeats limited (PID 1), lines of
 * one shape pass LOG_REPEAT_BURST times in LOG_REPEAT_WINDOW_MS and the
 * rest are counted: "N lines like the next one were suppressed" comes
 * before the next line of that shape that passes.
 *
 * Single-threaded: call from the main loop only, never from a signal handler.
 * A failing write is dropped: logging must never stop PID 1.
 */
#ifndef BULKHEAD_LOG_H
#define BULKHEAD_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/limits.h"

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* Back to standard error (closing the kmsg or file sink). */
void log_to_stderr(void);

/* Send lines to /dev/kmsg from now on; returns 0 or -errno (stderr kept). */
int log_to_kmsg(void);

/* Send lines to PATH (created 0600, appended; rotated to PATH.1 at
 * LOG_FILE_MAX) and notices to stderr.  Creates PATH's parent directory.
 * Returns 0 or -errno. */
int log_to_file(const char *path);

/* Where "standard error" lines go (default 2).  Tests point it at a file to
 * read what was logged while fd 2 stays free for sanitizer reports. */
void log_set_stderr_fd(int fd);

/* Lines below LEVEL are dropped (default: LOG_LVL_INFO). */
void log_set_level(enum log_level level);

/* Limits repeated lines (off by default: `bulkhead check' lists every
 * problem).  PID 1 turns it on: what others make it log is bounded. */
void log_limit_repeats(bool on);

/* The clock of the repeat limit, in ms (default monotonic_ms); tests
 * inject theirs. */
void log_set_clock(uint64_t (*now_ms)(void));

void log_msg(enum log_level level, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(tag, ...)    log_msg(LOG_LVL_ERR, tag, __VA_ARGS__)
#define log_warn(tag, ...)   log_msg(LOG_LVL_WARN, tag, __VA_ARGS__)
#define log_notice(tag, ...) log_msg(LOG_LVL_NOTICE, tag, __VA_ARGS__)
#define log_info(tag, ...)   log_msg(LOG_LVL_INFO, tag, __VA_ARGS__)
#define log_debug(tag, ...)  log_msg(LOG_LVL_DEBUG, tag, __VA_ARGS__)

/*
 * A structured event line, what tests and tools wait on instead of prose:
 * "bulkhead: TAG: event=NAME key=value key=value".  NAME is a string
 * literal, lower-case words joined by '-' (domain-created, role-started);
 * values are names, numbers and states, never with a space; free text, if
 * any, comes last as reason=... (it may hold spaces).  Logged at notice
 * level, so that PID 1's console, which gets notices and worse, carries
 * them for whoever reads it (the QEMU suites read the serial console);
 * escaped and limited like every line.
 *   log_event("domains", "domain-created", "name=%s domid=%u", name, domid);
 */
#define log_event(tag, event, fmt, ...) \
	log_msg(LOG_LVL_NOTICE, tag, "event=" event " " fmt, ##__VA_ARGS__)

/*
 * The repeat limit's decisions, pure (the writer's, and for tests).  A
 * line's shape is its tag and message with every run of digits taken as
 * one ("reaped orphan pid 12" and "... pid 345" are alike).  Each shape
 * has windows of LOG_REPEAT_WINDOW_MS from its first line in them; the
 * first LOG_REPEAT_BURST lines of a window pass, the others are counted.
 */
struct log_shape {
	uint64_t key;		/* 0: free */
	uint64_t window_start;
	uint64_t last_seen;
	uint32_t passed;	/* in this window */
	uint32_t suppressed;	/* not said yet */
};

struct log_limiter {
	struct log_shape shape[LOG_REPEAT_SHAPES];
};

/* The shape of a line, never 0. */
uint64_t log_shape_key(const char *tag, const char *msg);

/* Whether a line of shape KEY goes out at NOW (ms).  When it does after
 * lines of its shape were held back, *SUPPRESSED says how many (then the
 * count starts again), else it is 0. */
bool log_limiter_pass(struct log_limiter *l, uint64_t key, uint64_t now, uint32_t *suppressed);

/*
 * A count said instead of a line for each (PID 1's orphans), pure: the
 * first is said at once, later ones at most once every INTERVAL ms.
 */
struct log_count {
	uint64_t total;
	uint64_t unsaid;
	uint64_t said_at;	/* when it was last said */
	bool said;		/* ever */
};

void log_count_add(struct log_count *c);

/* Whether the count is to be said at NOW: then *N is how many since it was
 * last said (those are said now). */
bool log_count_due(struct log_count *c, uint64_t now, uint64_t interval, uint64_t *n);

/* When it is next due (UINT64_MAX: nothing to say). */
uint64_t log_count_next(const struct log_count *c, uint64_t interval);

#endif
