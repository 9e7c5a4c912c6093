#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/escape.h"
#include "lib/util.h"

enum log_sink { SINK_STDERR, SINK_KMSG, SINK_FILE };

static enum log_sink sink = SINK_STDERR;
static int sink_fd = -1;
static enum log_level min_level = LOG_LVL_INFO;
static int stderr_fd = STDERR_FILENO;
static char file_path[PATH_MAX];
static uint64_t file_size;	/* bytes in the file at file_path */
static bool limit_repeats;
static uint64_t (*clock_ms)(void) = monotonic_ms;
static struct log_limiter limiter;

void log_set_stderr_fd(int fd)
{
	stderr_fd = fd;
}

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_limit_repeats(bool on)
{
	limit_repeats = on;
	memset(&limiter, 0, sizeof(limiter));
}

void log_set_clock(uint64_t (*now_ms)(void))
{
	clock_ms = now_ms;
}

static void use_fd(int fd, enum log_sink s)
{
	if (sink_fd >= 0)
		close(sink_fd);
	sink_fd = fd;
	sink = s;
}

void log_to_stderr(void)
{
	use_fd(-1, SINK_STDERR);
}

int log_to_kmsg(void)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	use_fd(fd, SINK_KMSG);
	return 0;
}

static int open_file(const char *path, int flags)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | flags, 0600);
}

int log_to_file(const char *path)
{
	struct stat st;
	if (!str_copy(file_path, path, sizeof(file_path)))
		return -ENAMETOOLONG;
	int r = mkdir_parents(path, 0755);
	if (r < 0)
		return r;
	int fd = open_file(path, 0);
	if (fd < 0)
		return -errno;
	file_size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	use_fd(fd, SINK_FILE);
	return 0;
}

/* "[    12.345] " */
static int file_stamp(char *out, size_t cap)
{
	uint64_t ms = monotonic_ms();
	return snprintf(out, cap, "[%5llu.%03llu] ", (unsigned long long)(ms / 1000),
			(unsigned long long)(ms % 1000));
}

static void file_write(const char *line, size_t n)
{
	if (write_all(sink_fd, line, n))
		file_size += n;
}

/* The file is full: it becomes FILE.1 and a new FILE starts, which says
 * where the lines before it are.  Should no new file open, the old one
 * (FILE.1 by now) starts again from empty: the log stays bounded. */
static void rotate(void)
{
	char old[PATH_MAX + 2], line[PATH_MAX + 128];

	snprintf(old, sizeof(old), "%s.1", file_path);
	bool renamed = rename(file_path, old) == 0;
	int fd = open_file(file_path, O_TRUNC);
	if (fd >= 0) {
		use_fd(fd, SINK_FILE);
	} else if (ftruncate(sink_fd, 0) < 0) {
		return;
	}
	file_size = 0;
	int n = file_stamp(line, sizeof(line));
	n += snprintf(line + n, sizeof(line) - (size_t)n, "bulkhead: log: %s reached %u bytes; %s\n",
		      file_path, LOG_FILE_MAX, renamed && fd >= 0 ?
		      "the lines before are in the .1 file" : "the lines before are lost");
	file_write(line, strlen(line));
}

/* One line, already escaped, to the sink: one write(2), so that lines from
 * several processes never interleave. */
static void emit(enum log_level level, const char *tag, const char *text)
{
	static char line[32 + 64 + ESCAPE_MAX * LOG_MSG_MAX];
	int n;

	switch (sink) {
	case SINK_KMSG:
		snprintf(line, sizeof(line), "<%d>bulkhead: %s: %s\n", level, tag, text);
		write_all(sink_fd, line, strlen(line));
		break;
	case SINK_FILE:
		n = file_stamp(line, sizeof(line));
		snprintf(line + n, sizeof(line) - (size_t)n, "bulkhead: %s: %s\n", tag, text);
		n = (int)strlen(line);
		if (file_size + (uint64_t)n > LOG_FILE_MAX)
			rotate();
		file_write(line, (size_t)n);
		if (level <= LOG_LVL_NOTICE)
			write_all(stderr_fd, line, (size_t)n);
		break;
	case SINK_STDERR:
		snprintf(line, sizeof(line), "bulkhead: %s: %s\n", tag, text);
		write_all(stderr_fd, line, strlen(line));
		break;
	}
}

void log_msg(enum log_level level, const char *tag, const char *fmt, ...)
{
	static char body[LOG_MSG_MAX], text[ESCAPE_MAX * LOG_MSG_MAX];
	uint32_t suppressed = 0;

	if (level > min_level)
		return;
	int saved_errno = errno;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);

	size_t len = strlen(body);
	while (len && body[len - 1] == '\n')
		len--;
	text_escape(&(struct text_escape){ .keep_lines = false }, body, len, text, sizeof(text),
		    NULL);
	if (limit_repeats &&
	    !log_limiter_pass(&limiter, log_shape_key(tag, text), clock_ms(), &suppressed)) {
		errno = saved_errno;
		return;
	}
	if (suppressed) {
		char said[64];
		snprintf(said, sizeof(said), "%u lines like the next one were suppressed", suppressed);
		emit(level, tag, said);
	}
	emit(level, tag, text);
	errno = saved_errno;
}

/* FNV-1a over TAG, a separator, and MSG with each run of digits as one '#'. */
uint64_t log_shape_key(const char *tag, const char *msg)
{
	uint64_t h = 0xcbf29ce484222325ull;
	bool digits = false;

	for (const char *p = tag; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	h = (h ^ 0) * 0x100000001b3ull;
	for (const char *p = msg; *p; p++) {
		bool digit = *p >= '0' && *p <= '9';
		if (!(digit && digits))
			h = (h ^ (unsigned char)(digit ? '#' : *p)) * 0x100000001b3ull;
		digits = digit;
	}
	return h ? h : 1;
}

/* KEY's entry, or a free one, or the least recently seen one, emptied. */
static struct log_shape *shape_of(struct log_limiter *l, uint64_t key)
{
	struct log_shape *oldest = &l->shape[0];
	for (size_t i = 0; i < LOG_REPEAT_SHAPES; i++) {
		struct log_shape *s = &l->shape[i];
		if (s->key == key)
			return s;
		if (s->key == 0 || (oldest->key != 0 && s->last_seen < oldest->last_seen))
			oldest = s;
	}
	*oldest = (struct log_shape){ .key = key };
	return oldest;
}

bool log_limiter_pass(struct log_limiter *l, uint64_t key, uint64_t now, uint32_t *suppressed)
{
	struct log_shape *s = shape_of(l, key);

	*suppressed = 0;
	if (s->passed == 0 || now - s->window_start >= LOG_REPEAT_WINDOW_MS) {
		s->window_start = now;
		s->passed = 0;
	}
	s->last_seen = now;
	if (s->passed >= LOG_REPEAT_BURST) {
		s->suppressed++;
		return false;
	}
	s->passed++;
	*suppressed = s->suppressed;
	s->suppressed = 0;
	return true;
}

void log_count_add(struct log_count *c)
{
	c->total++;
	c->unsaid++;
}

uint64_t log_count_next(const struct log_count *c, uint64_t interval)
{
	if (!c->unsaid)
		return UINT64_MAX;
	return c->said ? c->said_at + interval : 0;
}

bool log_count_due(struct log_count *c, uint64_t now, uint64_t interval, uint64_t *n)
{
	if (now < log_count_next(c, interval))
		return false;
	*n = c->unsaid;
	c->unsaid = 0;
	c->said = true;
	c->said_at = now;
	return true;
}
