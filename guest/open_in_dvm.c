/*
 * open_in_dvm.c - a file opened in a new disposable (docs/RPC.md, "Open in
 * a disposable"; the stream: guest/openvm.h):
 *
 *   bulkhead open-in-disposable FILE   in a domain: FILE goes to a new
 *                                      disposable (@dispvm), opens there,
 *                                      and replaces FILE if it was changed
 *                                      when its program ended
 *   bulkhead open-serve [PROGRAM]      the service bulkhead.OpenInVM, run
 *                                      by the disposable's agent: the file
 *                                      saved in a directory of its own,
 *                                      opened with PROGRAM (else the
 *                                      domain's), sent back if changed
 *
 * The caller trusts nothing the disposable sends: the new file is written
 * beside FILE under another name and renamed over it only when the whole
 * answer came and the service ended well; the service's messages are shown
 * escaped (lib/escape.h).
 */
#include "guest/open_in_dvm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest/openvm.h"
#include "guest/rpc_call.h"
#include "guest/rpc_local.h"
#include "lib/escape.h"
#include "lib/util.h"

#define PROG "bulkhead open-in-disposable"
#define SERVE "bulkhead open-serve"
/* The domain's own program for a file, when it has one. */
#define OPEN_HANDLER "/etc/bulkhead/open"
#define OPEN_TERMINAL "foot"

/* FROM copied to TO, at most MAX bytes (more: -EFBIG); the bytes, or -errno. */
static int64_t copy_fd(int from, int to, uint64_t max)
{
	char buf[65536];
	uint64_t total = 0;
	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return (int64_t)total;
		if ((uint64_t)n > max - total)
			return -EFBIG;
		if (!write_all(to, buf, (size_t)n))
			return -errno;
		total += (uint64_t)n;
	}
}

/* ---- the caller: open-in-disposable FILE ---- */

/* What of the disposable's messages is shown: a disposable that talks on
 * and on does not fill the user's terminal. */
#define MESSAGES_SHOWN (64 * 1024)

struct caller {
	char path[PATH_MAX];	/* FILE, its links followed: the file replaced */
	struct stat st;
	char tmp[PATH_MAX];	/* the new file, beside FILE; "": none yet */
	int tmpfd;
	struct openvm_reply reply;
	struct text_escape esc;
	size_t shown;		/* bytes of the disposable's messages shown */
	bool write_failed;
};

/* The scratch file's name, for a signal that ends the caller: removed,
 * not left beside FILE with a disposable's bytes in it. */
static char scratch[PATH_MAX];

static void on_signal(int sig)
{
	if (scratch[0])
		unlink(scratch);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void remove_scratch_on_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	/* A terminal gone: its writes fail, the scratch file still goes. */
	signal(SIGPIPE, SIG_IGN);
}

/* The feeder (a child): NAME's line, then the file, into FD; exits 0 only
 * when the whole file went. */
static void feed(int file, int fd, const char *name)
{
	if (!write_all(fd, name, strlen(name)) || !write_all(fd, "\n", 1))
		_exit(1);
	int64_t n = copy_fd(file, fd, OPENVM_FILE_MAX);
	_exit(n < 0 ? 1 : 0);
}

/* The file beside FILE for its new content (in the same directory: it is
 * renamed over FILE); false (said why) if it cannot be made. */
static bool make_tmp(struct caller *c)
{
	const char *slash = strrchr(c->path, '/');
	if (c->tmpfd >= 0)
		return true;
	snprintf(c->tmp, sizeof(c->tmp), "%.*s.bulkhead-open.XXXXXX",
		 slash ? (int)(slash - c->path + 1) : 0, c->path);
	c->tmpfd = mkostemp(c->tmp, O_CLOEXEC);
	if (c->tmpfd >= 0) {
		str_copy(scratch, c->tmp, sizeof(scratch));
		return true;
	}
	fprintf(stderr, PROG ": cannot make a file beside %s for its new content: %s\n", c->path,
		strerror(errno));
	c->tmp[0] = '\0';
	c->write_failed = true;
	return false;
}

/* The new file's bytes, into the file beside FILE. */
static void take_new_bytes(struct caller *c, const char *data, size_t len)
{
	if (c->write_failed || len == 0 || !make_tmp(c))
		return;
	if (!write_all(c->tmpfd, data, len)) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", c->tmp, strerror(errno));
		c->write_failed = true;
	}
}

/* The service's messages, escaped (a disposable writes what it likes), and
 * at most MESSAGES_SHOWN bytes of them. */
static void show_messages(struct caller *c, const char *buf, size_t len)
{
	char out[4096];
	if (c->shown >= MESSAGES_SHOWN)
		return;
	if (len > MESSAGES_SHOWN - c->shown)
		len = MESSAGES_SHOWN - c->shown;
	c->shown += len;
	while (len) {
		size_t used;
		size_t n = text_escape(&c->esc, buf, len, out, sizeof(out), &used);
		if (!write_all(STDERR_FILENO, out, n))
			return;
		buf += used;
		len -= used;
	}
	if (c->shown == MESSAGES_SHOWN)
		fprintf(stderr, "\n" PROG ": (the disposable's further messages are not shown)\n");
}

/* The service's stdout and stderr read to their end; stdout no further
 * once its answer is refused (closing it ends the call). */
static void read_answer(struct caller *c, int *out, int err)
{
	struct pollfd p[2] = { { .fd = *out, .events = POLLIN }, { .fd = err, .events = POLLIN } };
	char buf[65536];
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			const char *data;
			size_t dlen;
			if (n > 0 && i == 1) {
				show_messages(c, buf, (size_t)n);
			} else if (n > 0 && openvm_reply_feed(&c->reply, buf, (size_t)n, &data, &dlen)) {
				take_new_bytes(c, data, dlen);
			} else if (n > 0 && i == 0) {
				close(*out);
				*out = p[0].fd = -1;
			} else {
				p[i].fd = -1;
			}
		}
	}
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The new file in place of FILE, with FILE's mode; or, when FILE changed
 * here meanwhile, beside it as FILE.from-disposable.  0 or -1 (said why). */
static int replace(struct caller *c)
{
	char aside[PATH_MAX + 32];
	struct stat now;
	/* Changed to nothing: no byte made the file yet. */
	if (!make_tmp(c))
		return -1;
	if (fchmod(c->tmpfd, c->st.st_mode & 0777) < 0 || fsync(c->tmpfd) < 0) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", c->tmp, strerror(errno));
		return -1;
	}
	if (lstat(c->path, &now) == 0 && !same_file(&now, &c->st)) {
		snprintf(aside, sizeof(aside), "%s.from-disposable", c->path);
		if (renameat2(AT_FDCWD, c->tmp, AT_FDCWD, aside, RENAME_NOREPLACE) < 0) {
			fprintf(stderr, PROG ": %s changed here meanwhile, and %s is taken: the "
				"disposable's version is kept as %s\n", c->path, aside, c->tmp);
			c->tmp[0] = scratch[0] = '\0';
			return -1;
		}
		fprintf(stderr, PROG ": %s changed here meanwhile: the disposable's version is "
			"%s\n", c->path, aside);
		c->tmp[0] = scratch[0] = '\0';
		return -1;
	}
	if (rename(c->tmp, c->path) < 0) {
		fprintf(stderr, PROG ": cannot put the new content in place of %s: %s\n", c->path,
			strerror(errno));
		return -1;
	}
	c->tmp[0] = scratch[0] = '\0';
	return 0;
}

/* FILE (ARG, its links followed) with its stat; -1 (said why) when it is
 * not a file to send. */
static int open_file(struct caller *c, const char *arg, const char **name)
{
	if (!realpath(arg, c->path)) {
		fprintf(stderr, PROG ": %s: %s\n", arg, strerror(errno));
		return -1;
	}
	/* Non-blocking: a fifo is refused, not waited on. */
	int fd = open(c->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &c->st) < 0) {
		fprintf(stderr, PROG ": cannot open %s: %s\n", c->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*name = strrchr(c->path, '/') + 1;	/* realpath's: absolute */
	const char *bad = openvm_name_check(*name, strlen(*name));
	if (!bad && !S_ISREG(c->st.st_mode))
		bad = "not a regular file";
	if (!bad && (uint64_t)c->st.st_size > OPENVM_FILE_MAX)
		bad = "bigger than 1 GiB, the most a disposable is sent";
	if (bad || fcntl(fd, F_SETFL, O_RDONLY) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", c->path, bad ? bad : strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* What the call's outcome means for FILE: the exit status. */
static int conclude(struct caller *c, int status, bool sent_whole)
{
	const char *why = openvm_reply_end(&c->reply);
	if (status == RPC_LOCAL_REFUSED) {
		fprintf(stderr, PROG ": %s is as it was\n", c->path);	/* the call said why */
		return status;
	}
	if (status != 0) {
		fprintf(stderr, PROG ": %s: the disposable's service ended with status %d; %s is "
			"as it was\n", c->path, status, c->path);
		return status;
	}
	if (why) {
		fprintf(stderr, PROG ": %s: the disposable's answer is refused: %s; %s is as it "
			"was\n", c->path, why, c->path);
		return 1;
	}
	if (c->reply.state == OPENVM_REPLY_UNCHANGED) {
		fprintf(stderr, PROG ": %s: not changed in the disposable\n", c->path);
		return 0;
	}
	if (!sent_whole || c->write_failed) {
		fprintf(stderr, PROG ": %s: %s; %s is as it was\n", c->path,
			!sent_whole ? "it could not be sent whole (read here, or it grew past 1 "
			"GiB)" : "its new content could not be written here", c->path);
		return 1;
	}
	if (replace(c) < 0)
		return 1;
	fprintf(stderr, PROG ": %s: changed in the disposable; saved (%llu bytes)\n", c->path,
		(unsigned long long)c->reply.bytes);
	return 0;
}

int open_in_disposable_main(int argc, char **argv)
{
	char line[RPC_REQUEST_MAX + 2];
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int file = -1, rc = RPC_LOCAL_REFUSED, fed;
	pid_t feeder = -1;
	struct caller c = { .tmpfd = -1, .esc = { .keep_lines = true } };
	const char *name;
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: bulkhead open-in-disposable FILE\n");
		return 2;
	}
	openvm_reply_init(&c.reply);
	remove_scratch_on_signals();
	if (rpc_call_line(PROG, "@dispvm", OPENVM_SERVICE, line, sizeof(line)) < 0 ||
	    (file = open_file(&c, argv[1], &name)) < 0)
		goto out;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		fprintf(stderr, PROG ": pipe: %s\n", strerror(errno));
		goto out;
	}
	if ((feeder = fork()) < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		goto out;
	}
	if (feeder == 0) {
		close(in[0]);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		feed(file, in[1], name);
	}
	close(in[1]);
	in[1] = -1;
	int sock = rpc_call_begin(PROG, line, (int[3]){ in[0], out[1], err[1] });
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	if (sock < 0)
		goto out;
	close(in[0]);
	in[0] = -1;
	read_answer(&c, &out[0], err[0]);
	int status = rpc_call_end(PROG, sock, line);
	while (waitpid(feeder, &fed, 0) < 0 && errno == EINTR)
		;
	feeder = -1;
	rc = conclude(&c, status, WIFEXITED(fed) && WEXITSTATUS(fed) == 0);
out:
	if (c.tmp[0])
		unlink(c.tmp);
	scratch[0] = '\0';
	if (c.tmpfd >= 0)
		close(c.tmpfd);
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	if (file >= 0)
		close(file);
	if (feeder > 0)
		while (waitpid(feeder, NULL, 0) < 0 && errno == EINTR)
			;
	return rc;
}

/* ---- the service: open-serve [PROGRAM] ---- */

/* The file's name, its first line (read a byte at a time: the file's bytes
 * after it are the file's); -1 (said why) when there is none. */
static int read_name(char *out)
{
	size_t n = 0;
	for (;;) {
		char ch;
		ssize_t r = read(STDIN_FILENO, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, SERVE ": the stream ended before the file's name\n");
			return -1;
		}
		if (ch == '\n')
			break;
		if (n == OPENVM_NAME_MAX) {
			fprintf(stderr, SERVE ": the file's name is longer than %d bytes\n",
				OPENVM_NAME_MAX);
			return -1;
		}
		out[n++] = ch;
	}
	out[n] = '\0';
	const char *bad = openvm_name_check(out, n);
	if (bad) {
		fprintf(stderr, SERVE ": %s\n", bad);
		return -1;
	}
	return 0;
}

/* The program FILE is opened with, run to its end in the child. */
static void exec_handler(const char *program, const char *file)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(127);
	if (program) {
		execl(program, program, file, (char *)NULL);
	} else if (access(OPEN_HANDLER, X_OK) == 0) {
		execl(OPEN_HANDLER, OPEN_HANDLER, file, (char *)NULL);
	} else if (getenv("WAYLAND_DISPLAY")) {
		/* An editor in a terminal, on the desktop through the agent. */
		execlp(OPEN_TERMINAL, OPEN_TERMINAL, "sh", "-c",
		       "exec ${VISUAL:-${EDITOR:-vi}} \"$1\"", "sh", file, (char *)NULL);
	} else {
		fprintf(stderr, SERVE ": nothing here opens files: no %s, and no Wayland "
			"compositor for a terminal\n", OPEN_HANDLER);
		_exit(127);
	}
	fprintf(stderr, SERVE ": cannot run %s: %s\n", program ? program : OPEN_HANDLER " or "
		OPEN_TERMINAL, strerror(errno));
	_exit(127);
}

/* FILE opened with PROGRAM (NULL: the domain's) until that ends; whether
 * it changed then.  -1: it could not be run, or FILE is gone. */
static int open_and_wait(const char *program, const char *file, const struct stat *before)
{
	struct stat after;
	int ws;
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, SERVE ": fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0)
		exec_handler(program, file);
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 127)
		return -1;
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		fprintf(stderr, SERVE ": the program that opened %s ended with status %d\n", file,
			WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
	if (stat(file, &after) < 0 || !S_ISREG(after.st_mode)) {
		fprintf(stderr, SERVE ": %s is gone, or no file any more\n", file);
		return -1;
	}
	return !same_file(before, &after);
}

int open_serve_main(int argc, char **argv)
{
	char name[OPENVM_NAME_MAX + 1], dir[PATH_MAX], file[PATH_MAX + OPENVM_NAME_MAX + 2];
	const char *tmp = getenv("TMPDIR");
	struct stat before;
	int fd = -1, rc = 1;
	if (argc > 2) {
		fprintf(stderr, "usage: bulkhead open-serve [PROGRAM] < STREAM\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/bulkhead-open.XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
	if (read_name(name) < 0)
		return 1;
	if (!mkdtemp(dir)) {
		fprintf(stderr, SERVE ": cannot make a directory %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(file, sizeof(file), "%s/%s", dir, name);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int64_t n = fd < 0 ? -errno : copy_fd(STDIN_FILENO, fd, OPENVM_FILE_MAX);
	/* Its time set in the past: a program that rewrites it at once, to the
	 * same size, still changes its time. */
	static const struct timespec past[2] = { { .tv_sec = 86400 }, { .tv_sec = 86400 } };
	if (n < 0 || futimens(fd, past) < 0 || fstat(fd, &before) < 0) {
		fprintf(stderr, SERVE ": cannot save the file: %s\n",
			n == -EFBIG ? "it is bigger than 1 GiB" : strerror(n < 0 ? (int)-n : errno));
		goto out;
	}
	close(fd);
	fd = -1;
	int changed = open_and_wait(argc == 2 ? argv[1] : NULL, file, &before);
	if (changed < 0)
		goto out;
	if (!changed) {
		rc = write_all(STDOUT_FILENO, "unchanged\n", 10) ? 0 : 1;
		goto out;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !write_all(STDOUT_FILENO, "changed\n", 8) ||
	    copy_fd(fd, STDOUT_FILENO, OPENVM_FILE_MAX) < 0) {
		fprintf(stderr, SERVE ": cannot send the changed file back: %s\n", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	unlink(file);
	rmdir(dir);	/* what the program left there goes with the disposable */
	return rc;
}
