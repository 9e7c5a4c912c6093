#include "unlock/askpass.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "lib/util.h"

struct console {
	struct askpass a;
	int fd;
	bool own_fd;
};

static void put(int fd, const char *text)
{
	write_all(fd, text, strlen(text));
}

/* One line into S; what does not fit is read and dropped, so that the
 * rest of a too long passphrase is not taken for the next try. */
static int read_line(int fd, struct secret *s)
{
	secret_wipe(s);
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EPIPE;
		bool end = c == '\n' || c == '\r';
		if (!end && s->len + 1 < s->cap)
			s->buf[s->len++] = c;
		explicit_bzero(&c, sizeof(c));
		if (end)
			return 0;
	}
}

static int console_ask(struct askpass *a, const struct askpass_request *req, struct secret *s)
{
	struct console *c = (struct console *)a;
	struct termios saved, quiet;
	char line[512];
	bool tty = tcgetattr(c->fd, &saved) == 0;

	if (req->notice[0]) {
		snprintf(line, sizeof(line), "%s\n", req->notice);
		put(c->fd, line);
	}
	/* Echo off before the question: what is typed after it is never shown. */
	if (tty) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(c->fd, TCSAFLUSH, &quiet);
	}
	snprintf(line, sizeof(line), "Passphrase for %s (%s), try %u of %u: ", req->volume,
		 req->device, req->try, req->tries);
	put(c->fd, line);
	int r = read_line(c->fd, s);
	if (tty)
		tcsetattr(c->fd, TCSAFLUSH, &saved);
	put(c->fd, "\n");
	return r;
}

static void console_say(struct askpass *a, const char *volume, const char *text)
{
	struct console *c = (struct console *)a;
	char line[512];
	snprintf(line, sizeof(line), "%s: %s\n", volume, text);
	put(c->fd, line);
}

static void console_destroy(struct askpass *a)
{
	struct console *c = (struct console *)a;
	if (c->own_fd)
		close(c->fd);
	free(c);
}

static const struct askpass_ops console_ops = {
	.ask = console_ask, .say = console_say, .destroy = console_destroy,
};

struct askpass *askpass_fd_new(int fd)
{
	struct console *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->a.ops = &console_ops;
	c->fd = fd;
	return &c->a;
}

struct askpass *askpass_console_new(const char *tty, char *err, size_t errlen)
{
	int fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", tty, strerror(errno));
		return NULL;
	}
	struct askpass *a = askpass_fd_new(fd);
	if (!a) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	((struct console *)a)->own_fd = true;
	return a;
}
