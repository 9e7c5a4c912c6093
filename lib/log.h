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
 * Single-threaded: call from the main loop only, never from a signal handler.
 * A failing write is dropped: logging must never stop PID 1.
 */
#ifndef BULKHEAD_LOG_H
#define BULKHEAD_LOG_H

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

/* Send lines to PATH (created 0600, appended) and notices to stderr.
 * Creates PATH's parent directory.  Returns 0 or -errno. */
int log_to_file(const char *path);

/* Where "standard error" lines go (default 2).  Tests point it at a file to
 * read what was logged while fd 2 stays free for sanitizer reports. */
void log_set_stderr_fd(int fd);

/* Lines below LEVEL are dropped (default: LOG_LVL_INFO). */
void log_set_level(enum log_level level);

void log_msg(enum log_level level, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(tag, ...)    log_msg(LOG_LVL_ERR, tag, __VA_ARGS__)
#define log_warn(tag, ...)   log_msg(LOG_LVL_WARN, tag, __VA_ARGS__)
#define log_notice(tag, ...) log_msg(LOG_LVL_NOTICE, tag, __VA_ARGS__)
#define log_info(tag, ...)   log_msg(LOG_LVL_INFO, tag, __VA_ARGS__)
#define log_debug(tag, ...)  log_msg(LOG_LVL_DEBUG, tag, __VA_ARGS__)

#endif
