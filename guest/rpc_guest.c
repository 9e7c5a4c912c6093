#include "guest/rpc_guest.h"

#include <errno.h>
#include <fcntl.h>
#include <libxenvchan.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "guest/openvm.h"
#include "guest/rpc_local.h"
#include "guest/usbip.h"
#include "proto/ctlproto.h"
#include "lib/log.h"
#include "lib/log_xtl.h"
#include "lib/util.h"

#define TAG "bulkhead agent"
#define TOKEN_ANSWER "rpc-answer"
#define TOKEN_SERVE "rpc-serve"
/* A call's rings, each way: several frames in flight. */
#define RPC_RING_BYTES (64 * 1024)

/* A local program whose call is under way; its socket gets the end. */
struct client {
	int fd;			/* -1: a free slot */
	long id;		/* its call, -1: its request not read yet */
};

struct rpc_guest {
	struct xs_handle *xs;		/* the agent's */
	unsigned domid;
	char answer_dir[64], serve_dir[64];
	xentoollog_logger *logger;
	struct rpc_agent *agent;
	int listen_fd;
	const char *socket_path;
	struct client clients[RPC_GUEST_CLIENTS];
};

/* ---- the ops: xenstore, vchans, fork ---- */

static void own_path(const struct rpc_guest *g, const char *key, char *out, size_t cap)
{
	snprintf(out, cap, "/local/domain/%u/%s", g->domid, key);
}

static int op_request(void *ctx, uint32_t id, const char *line)
{
	struct rpc_guest *g = ctx;
	char key[64], path[96];
	snprintf(key, sizeof(key), RPC_CALL_DIR "/%u", id);
	own_path(g, key, path, sizeof(path));
	return xs_write(g->xs, XBT_NULL, path, line, (unsigned)strlen(line)) ? 0 : -errno;
}

static void op_withdraw(void *ctx, uint32_t id)
{
	struct rpc_guest *g = ctx;
	char key[64], path[96];
	snprintf(key, sizeof(key), RPC_CALL_DIR "/%u", id);
	own_path(g, key, path, sizeof(path));
	xs_rm(g->xs, XBT_NULL, path);
}

static int op_connect(void *ctx, uint32_t domid, uint32_t id, struct rpc_chan *out)
{
	struct rpc_guest *g = ctx;
	char k[RPC_CHAN_KEY_MAX], path[128];
	rpc_chan_key_format(g->domid, id, k);
	snprintf(path, sizeof(path), "/local/domain/%u/" RPC_CHAN_DIR "/%s", domid, k);
	struct libxenvchan *vc = libxenvchan_client_init(g->logger, (int)domid, path);
	if (!vc)
		return -ENOTCONN;
	*out = rpc_chan_vchan(vc);
	return 0;
}

static void served_paths(const struct rpc_guest *g, uint32_t source_domid, uint32_t id,
			 char *chan, char *serving, size_t cap)
{
	char k[RPC_CHAN_KEY_MAX], key[64];
	rpc_chan_key_format(source_domid, id, k);
	snprintf(key, sizeof(key), RPC_CHAN_DIR "/%s", k);
	own_path(g, key, chan, cap);
	snprintf(key, sizeof(key), RPC_SERVING_DIR "/%s", k);
	own_path(g, key, serving, cap);
}

/* The channel served for the caller, then the word that it is: dom0
 * tells the caller to connect only after it. */
static int op_serve(void *ctx, uint32_t source_domid, uint32_t id, struct rpc_chan *out)
{
	struct rpc_guest *g = ctx;
	char chan[128], serving[128];
	served_paths(g, source_domid, id, chan, serving, sizeof(chan));
	struct libxenvchan *vc = libxenvchan_server_init(g->logger, (int)source_domid, chan,
							 RPC_RING_BYTES, RPC_RING_BYTES);
	if (!vc) {
		/* Said here: dom0 only sees the call not served in time. */
		fprintf(stderr, TAG ": cannot serve call %u of domain %u: no vchan (%s; are "
			"xen-evtchn and xen-gntalloc there?)\n", id, source_domid, strerror(errno));
		return -ENODEV;
	}
	if (!xs_write(g->xs, XBT_NULL, serving, "", 0)) {
		int err = errno;
		libxenvchan_close(vc);
		xs_rm(g->xs, XBT_NULL, chan);
		return -err;
	}
	*out = rpc_chan_vchan(vc);
	return 0;
}

static void op_close_chan(void *ctx, struct rpc_chan *chan)
{
	(void)ctx;
	libxenvchan_close(chan->ctx);
}

static void op_unserve(void *ctx, uint32_t source_domid, uint32_t id)
{
	struct rpc_guest *g = ctx;
	char chan[128], serving[128];
	served_paths(g, source_domid, id, chan, serving, sizeof(chan));
	xs_rm(g->xs, XBT_NULL, serving);
	xs_rm(g->xs, XBT_NULL, chan);
}

/* In the child: RPC_RUN_SERVICE, dom0's alone (its `ctl run'): the
 * first line of stdin is the command, run by /bin/sh -c with the rest
 * of it, or on its own (RPC_RUN_DETACHED: its session, no stdio, the
 * call over once it started). */
static void run_for_dom0(const struct rpc_serve_msg *m)
{
	char cmd[DISPOSABLE_COMMAND_MAX + 1];
	size_t n = 0;
	ssize_t k = 0;
	if (strcmp(m->source, "dom0") != 0) {
		fprintf(stderr, "bulkhead: %s is dom0's alone, not %s's\n", RPC_RUN_SERVICE,
			m->source);
		_exit(126);
	}
	/* A byte at a time: what follows the line is the command's stdin. */
	while (n < sizeof(cmd) && (k = read(STDIN_FILENO, cmd + n, 1)) == 1 && cmd[n] != '\n')
		n++;
	if (k != 1 || n == 0 || n == sizeof(cmd) || !ctl_command_is_valid(cmd, n)) {
		fprintf(stderr, "bulkhead: %s: the first line of its input is not a command "
			"(1..%d bytes of printable ASCII)\n", RPC_RUN_SERVICE, DISPOSABLE_COMMAND_MAX);
		_exit(126);
	}
	cmd[n] = '\0';
	if (strcmp(m->arg, RPC_RUN_DETACHED) == 0) {
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "bulkhead: cannot run \"%s\": %s\n", cmd, strerror(errno));
			_exit(126);
		}
		if (pid > 0)
			_exit(0);
		int null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(126);
		setsid();
	}
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	fprintf(stderr, "bulkhead: cannot run /bin/sh: %s\n", strerror(errno));
	_exit(126);
}

/* In the child: the service's program, or bulkhead's own for the
 * services it provides when the domain has no program of that name
 * (bulkhead.Filecopy, bulkhead.OpenInVM), and RPC_RUN_SERVICE. */
static void exec_service(const struct rpc_serve_msg *m)
{
	char path[sizeof(RPC_SERVICES_DIR) + RPC_SERVICE_MAX + 2];
	snprintf(path, sizeof(path), RPC_SERVICES_DIR "/%s", m->service);
	setenv("BULKHEAD_RPC_SOURCE", m->source, 1);
	setenv("BULKHEAD_RPC_SERVICE", m->service, 1);
	setenv("BULKHEAD_RPC_ARG", m->arg, 1);
	if (strcmp(m->service, RPC_RUN_SERVICE) == 0) {
		run_for_dom0(m);
	} else if (access(path, X_OK) == 0) {
		execl(path, path, m->arg[0] ? m->arg : (char *)NULL, (char *)NULL);
	} else if (strcmp(m->service, "bulkhead.Filecopy") == 0) {
		/* Into ~/Incoming/SOURCE (SOURCE a domain's name: one component). */
		const char *home = getenv("HOME") ?: "/";
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s/Incoming", home);
		mkdir(dir, 0700);
		snprintf(dir, sizeof(dir), "%s/Incoming/%s", home, m->source);
		mkdir(dir, 0700);
		execl("/proc/self/exe", "bulkhead", "filecopy-unpack", dir, (char *)NULL);
	} else if (strcmp(m->service, OPENVM_SERVICE) == 0) {
		execl("/proc/self/exe", "bulkhead", "open-serve", (char *)NULL);
	} else if (strcmp(m->service, USB_SERVICE) == 0) {
		execl("/proc/self/exe", "bulkhead", "usb-export", m->arg, (char *)NULL);
	} else {
		fprintf(stderr, "bulkhead: this domain has no service %s (no %s)\n", m->service,
			path);
		_exit(127);
	}
	fprintf(stderr, "bulkhead: cannot run the service %s: %s\n", m->service, strerror(errno));
	_exit(126);
}

static pid_t op_spawn(void *ctx, const struct rpc_serve_msg *m, int fds[3])
{
	int p[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
	(void)ctx;
	for (int i = 0; i < 3; i++)
		if (pipe2(p[i], O_CLOEXEC) < 0)
			goto fail;
	pid_t pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setsid();
		if (dup2(p[0][0], 0) < 0 || dup2(p[1][1], 1) < 0 || dup2(p[2][1], 2) < 0)
			_exit(126);
		const char *home = getenv("HOME");
		if (!home || chdir(home) < 0)
			(void)chdir("/");
		exec_service(m);
	}
	close(p[0][0]);
	close(p[1][1]);
	close(p[2][1]);
	fds[0] = p[0][1];
	fds[1] = p[1][0];
	fds[2] = p[2][0];
	return pid;
fail:;
	int err = errno;
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 2; k++)
			if (p[i][k] >= 0)
				close(p[i][k]);
	return -err;
}

static struct client *client_of(struct rpc_guest *g, long id)
{
	for (size_t i = 0; i < RPC_GUEST_CLIENTS; i++)
		if (g->clients[i].fd >= 0 && g->clients[i].id == id)
			return &g->clients[i];
	return NULL;
}

static void client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	c->id = -1;
}

/* The reply is one short line on a socket whose program waits for it:
 * written at once or never (a program that went gets nothing). */
static void reply(struct client *c, int status, const char *why)
{
	char line[RPC_LOCAL_REPLY_MAX];
	rpc_local_reply_format(status, why, line);
	if (send(c->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		fprintf(stderr, TAG ": a call's program went before its end: %s\n",
			strerror(errno));
	client_close(c);
}

static void op_finished(void *ctx, uint32_t id, int status, const char *why)
{
	struct rpc_guest *g = ctx;
	struct client *c = client_of(g, (long)id);
	if (c)
		reply(c, status, why);
}

static const struct rpc_agent_ops ops = {
	.request = op_request, .withdraw = op_withdraw, .connect = op_connect,
	.serve = op_serve, .close_chan = op_close_chan, .unserve = op_unserve,
	.spawn = op_spawn, .finished = op_finished,
};

/* ---- dom0's keys ---- */

/* NAME under DIR, read: dom0's words (parsed by the agent all the same). */
static char *read_under(struct rpc_guest *g, const char *dir, const char *name, unsigned *len)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return xs_read(g->xs, XBT_NULL, path, len);
}

static void answered(struct rpc_guest *g, const char *name)
{
	uint32_t id;
	unsigned len = 0;
	if (!rpc_id_parse(name, strlen(name), &id))
		return;
	char *words = read_under(g, g->answer_dir, name, &len);
	if (words)
		rpc_agent_answer(g->agent, id, words, len);
	free(words);
}

static void asked_to_serve(struct rpc_guest *g, const char *name)
{
	uint32_t source_domid, id;
	unsigned len = 0;
	if (!rpc_chan_key_parse(name, strlen(name), &source_domid, &id))
		return;
	char *words = read_under(g, g->serve_dir, name, &len);
	if (words)
		rpc_agent_serve(g->agent, source_domid, id, words, len);
	else if (errno == ENOENT)
		rpc_agent_unserve(g->agent, source_domid, id);	/* taken back */
	free(words);
}

/* An event at PATH under DIR: its entry, or every entry when the event is
 * the directory's own (the first one, at the watch). */
static void each_entry(struct rpc_guest *g, const char *dir, const char *path,
		       void (*fn)(struct rpc_guest *, const char *))
{
	size_t k = strlen(dir);
	if (path[k] == '/' && !strchr(path + k + 1, '/')) {
		fn(g, path + k + 1);
		return;
	}
	if (path[k] != '\0')
		return;
	unsigned n = 0;
	char **names = xs_directory(g->xs, XBT_NULL, dir, &n);
	for (unsigned i = 0; i < n; i++)
		fn(g, names[i]);
	free(names);
}

bool rpc_guest_xs_event(struct rpc_guest *g, const char *token, const char *path)
{
	if (!g)
		return false;
	if (strcmp(token, TOKEN_ANSWER) == 0 &&
	    strncmp(path, g->answer_dir, strlen(g->answer_dir)) == 0)
		each_entry(g, g->answer_dir, path, answered);
	else if (strcmp(token, TOKEN_SERVE) == 0 &&
		 strncmp(path, g->serve_dir, strlen(g->serve_dir)) == 0)
		each_entry(g, g->serve_dir, path, asked_to_serve);
	else
		return strncmp(token, "rpc-", 4) == 0;
	return true;
}

/* ---- the local socket ---- */

static void accept_client(struct rpc_guest *g)
{
	int fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (size_t i = 0; i < RPC_GUEST_CLIENTS; i++)
		if (g->clients[i].fd < 0) {
			g->clients[i] = (struct client){ fd, -1 };
			return;
		}
	struct client c = { fd, -1 };
	char why[64];
	snprintf(why, sizeof(why), "more than %d calls at once", RPC_CALLS_PER_DOMAIN);
	reply(&c, 0, why);
}

static void request_came(struct rpc_guest *g, struct client *c)
{
	char line[RPC_REQUEST_MAX + 2], why[RPC_WHY_MAX + 1];
	int fds[3];
	int rc = rpc_local_recv(c->fd, line, sizeof(line), fds);
	if (rc == -EAGAIN)
		return;
	if (rc < 0) {
		reply(c, 0, "not a call: one request line with three fds");
		return;
	}
	long id = rpc_agent_call(g->agent, line, fds, why, sizeof(why));
	if (id < 0) {
		reply(c, 0, why);
		return;
	}
	c->id = id;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	str_copy(sa.sun_path, path, sizeof(sa.sun_path));
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	/* Every program of the domain may call (dom0's policy decides). */
	mode_t old = umask(0);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || listen(fd, RPC_GUEST_CLIENTS) < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

/* ---- the agent's side ---- */

struct rpc_guest *rpc_guest_new(struct xs_handle *xs, unsigned domid, const char *socket_path,
				char *why, size_t cap)
{
	struct rpc_guest *g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	g->xs = xs;
	g->domid = domid;
	g->socket_path = socket_path;
	g->listen_fd = -1;
	for (size_t i = 0; i < RPC_GUEST_CLIENTS; i++)
		g->clients[i] = (struct client){ -1, -1 };
	own_path(g, RPC_ANSWER_DIR, g->answer_dir, sizeof(g->answer_dir));
	own_path(g, RPC_SERVE_DIR, g->serve_dir, sizeof(g->serve_dir));
	g->logger = log_xtl_logger(XTL_WARN);
	g->agent = rpc_agent_new(&ops, g);
	int fd = g->agent ? listen_on(socket_path) : -ENOMEM;
	if (fd < 0) {
		snprintf(why, cap, "cannot listen on %s: %s", socket_path, strerror(-fd));
		rpc_guest_free(g);
		return NULL;
	}
	g->listen_fd = fd;
	if (!xs_watch(xs, g->answer_dir, TOKEN_ANSWER) || !xs_watch(xs, g->serve_dir, TOKEN_SERVE)) {
		snprintf(why, cap, "cannot watch %s: %s", g->answer_dir, strerror(errno));
		rpc_guest_free(g);
		return NULL;
	}
	return g;
}

void rpc_guest_free(struct rpc_guest *g)
{
	if (!g)
		return;
	rpc_agent_free(g->agent);	/* its calls' programs told they end */
	for (size_t i = 0; i < RPC_GUEST_CLIENTS; i++)
		if (g->clients[i].fd >= 0)
			client_close(&g->clients[i]);
	if (g->listen_fd >= 0) {
		close(g->listen_fd);
		unlink(g->socket_path);
	}
	free(g);
}

bool rpc_guest_reaped(struct rpc_guest *g, pid_t pid, int status)
{
	return g && rpc_agent_reaped(g->agent, pid, status);
}

size_t rpc_guest_fill(struct rpc_guest *g, struct pollfd *pfd)
{
	size_t n = 0;
	pfd[n++] = (struct pollfd){ .fd = g->listen_fd, .events = POLLIN };
	for (size_t i = 0; i < RPC_GUEST_CLIENTS; i++)
		if (g->clients[i].fd >= 0 && g->clients[i].id < 0)
			pfd[n++] = (struct pollfd){ .fd = g->clients[i].fd, .events = POLLIN };
	return n + rpc_agent_fill(g->agent, pfd + n);
}

void rpc_guest_dispatch(struct rpc_guest *g, const struct pollfd *pfd, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!pfd[k].revents)
			continue;
		if (pfd[k].fd == g->listen_fd) {
			accept_client(g);
			continue;
		}
		for (size_t i = 0; i < RPC_GUEST_CLIENTS; i++)
			if (g->clients[i].fd == pfd[k].fd && g->clients[i].id < 0)
				request_came(g, &g->clients[i]);
	}
	rpc_agent_dispatch(g->agent);
}
