#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"

enum log_sink { SINK_STDERR, SINK_KMSG, SINK_FILE };

static enum log_sink sink = SINK_STDERR;
static int sink_fd = -1;
static enum log_level min_level = LOG_LVL_INFO;
static int stderr_fd = STDERR_FILENO;

void log_set_stderr_fd(int fd)
{
	stderr_fd = fd;
}

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_to_stderr(void)
{
	if (sink_fd >= 0)
		close(sink_fd);
	sink_fd = -1;
	sink = SINK_STDERR;
}

int log_to_kmsg(void)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (sink_fd >= 0)
		close(sink_fd);
	sink_fd = fd;
	sink = SINK_KMSG;
	return 0;
}

int log_to_file(const char *path)
{
	int r = mkdir_parents(path, 0755);
	if (r < 0)
		return r;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	if (sink_fd >= 0)
		close(sink_fd);
	sink_fd = fd;
	sink = SINK_FILE;
	return 0;
}

/* A line is one write(2), so that lines from several processes never
 * interleave. */
void log_msg(enum log_level level, const char *tag, const char *fmt, ...)
{
	if (level > min_level)
		return;

	int saved_errno = errno;
	char body[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);

	char line[1200];
	int len;
	switch (sink) {
	case SINK_KMSG:
		len = snprintf(line, sizeof(line), "<%d>bulkhead: %s: %s\n", level, tag, body);
		write_all(sink_fd, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
		break;
	case SINK_FILE: {
		uint64_t ms = monotonic_ms();
		len = snprintf(line, sizeof(line), "[%5llu.%03llu] bulkhead: %s: %s\n",
			       (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
			       tag, body);
		size_t n = (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1;
		write_all(sink_fd, line, n);
		if (level <= LOG_LVL_NOTICE)
			write_all(stderr_fd, line, n);
		break;
	}
	case SINK_STDERR:
		len = snprintf(line, sizeof(line), "bulkhead: %s: %s\n", tag, body);
		write_all(stderr_fd, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
		break;
	}
	errno = saved_errno;
}
