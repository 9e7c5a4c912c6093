#include "agent/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xenstore.h>

#include "agent/agentproto.h"
#include "agent/guestxs.h"
#include "agent/terminal.h"
#include "gui/font.h"
#include "gui/guiclient.h"
#include "lib/limits.h"
#include "lib/log.h"
#include "lib/util.h"
#include "supervisor/ctlproto.h"

#define TAG "bulkhead agent"
/* A channel that failed or went is offered again after this. */
#define OFFER_RETRY_MS 1000

struct agent {
	struct xs_handle *xs;	/* NULL with --socket: no xenstore */
	char run_path[64], status_path[64];
	const char *shell;
	pid_t child;		/* the command, 0: none (yet, or any more) */
	bool started;
	/* Windows. */
	bool gui;
	const char *socket;	/* the local transport, or NULL: vchan */
	struct gui_client *client;	/* NULL: no channel now */
	bool connected;		/* dom0 has answered on it */
	uint64_t offer_at;	/* when to offer one */
	struct terminal_style style;
	struct terminal *term[AGENT_TERMINALS_MAX];
	size_t nterm;
};

static int put_status(struct agent *a, enum agent_state state, int exit_status)
{
	char buf[AGENT_STATUS_MAX + 1];
	struct agent_status st = { .state = state, .exit_status = exit_status };
	size_t len = agent_status_format(&st, buf, sizeof(buf));
	if (!xs_write(a->xs, XBT_NULL, a->status_path, buf, (unsigned)len)) {
		fprintf(stderr, TAG ": cannot write %s: %s\n", a->status_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The command in a child of its own: stdin from /dev/null, output to
 * ours (the domain's console). */
static pid_t spawn(const char *shell, const char *command)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0 && null != STDIN_FILENO) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	setsid();
	execl(shell, shell, "-c", command, (char *)NULL);
	fprintf(stderr, TAG ": cannot run %s: %s\n", shell, strerror(errno));
	_exit(127);
}

/* dom0 wrote (or rewrote) the command key: the first command runs. */
static void on_run(struct agent *a)
{
	unsigned len = 0;
	if (a->started)
		return;
	char *command = xs_read(a->xs, XBT_NULL, a->run_path, &len);
	if (!command)
		return;
	if (len == 0 || !ctl_command_is_valid(command, len)) {
		if (len)
			fprintf(stderr, TAG ": %s is not a command (%u bytes); ignored\n",
				a->run_path, len);
		free(command);
		return;
	}
	a->started = true;
	a->child = spawn(a->shell, command);
	if (a->child < 0) {
		fprintf(stderr, TAG ": fork: %s\n", strerror(errno));
		a->child = 0;
		put_status(a, AGENT_EXITED, 127);
	} else {
		fprintf(stderr, TAG ": running \"%s\" (pid %d)\n", command, (int)a->child);
		put_status(a, AGENT_RUNNING, 0);
	}
	free(command);
}

/* --- windows --------------------------------------------------------- */

static void close_terminal(struct agent *a, size_t i)
{
	fprintf(stderr, TAG ": terminal %d ended\n", (int)terminal_pid(a->term[i]));
	terminal_free(a->term[i]);
	a->term[i] = a->term[--a->nterm];
}

/* Its program ended: what it wrote last is shown, then the window goes. */
static void terminal_reaped(struct agent *a, pid_t pid)
{
	for (size_t i = 0; i < a->nterm; i++) {
		if (terminal_pid(a->term[i]) != pid)
			continue;
		terminal_read(a->term[i]);
		close_terminal(a, i);
		return;
	}
}

static void show_terminal(struct agent *a, struct terminal *t)
{
	if (terminal_show(t, a->client) < 0)
		fprintf(stderr, TAG ": no window for terminal %d: %s\n", (int)terminal_pid(t),
			strerror(errno));
}

static void open_terminal(struct agent *a, const char *command)
{
	char err[200];

	if (a->nterm == AGENT_TERMINALS_MAX) {
		fprintf(stderr, TAG ": \"%s\" refused: %d terminals are open already\n", command,
			AGENT_TERMINALS_MAX);
		return;
	}
	struct terminal *t = terminal_new(command, a->shell, &a->style, err, sizeof(err));
	if (!t) {
		fprintf(stderr, TAG ": cannot open a terminal for \"%s\": %s\n", command, err);
		return;
	}
	a->term[a->nterm++] = t;
	fprintf(stderr, TAG ": terminal %d runs \"%s\"\n", (int)terminal_pid(t), command);
	log_event("agent", "terminal-started", "pid=%d", (int)terminal_pid(t));
	if (a->client)
		show_terminal(a, t);
}

static void drop_channel(struct agent *a, const char *why)
{
	fprintf(stderr, TAG ": GUI channel gone: %s\n", why);
	for (size_t i = 0; i < a->nterm; i++)
		terminal_hide(a->term[i]);
	gui_client_free(a->client);
	a->client = NULL;
	a->connected = false;
	a->offer_at = monotonic_ms() + OFFER_RETRY_MS;
}

/* Offers the channel (vchan: dom0 connects when it sees it) with a window
 * for each terminal already running. */
static void offer_channel(struct agent *a)
{
	char err[200];
	struct gui_transport *t = a->socket ? gui_local_connect(a->socket)
					    : gui_vchan_serve(GUI_VCHAN_PATH);
	a->offer_at = monotonic_ms() + OFFER_RETRY_MS;
	if (!t) {
		fprintf(stderr, TAG ": cannot %s: %s\n", a->socket ? "connect" : "offer the vchan",
			strerror(errno));
		return;
	}
	a->client = gui_client_start(t, err, sizeof(err));
	if (!a->client) {
		fprintf(stderr, TAG ": %s\n", err);
		return;
	}
	fprintf(stderr, TAG ": GUI channel offered (%s)\n", t->ops->name);
	for (size_t i = 0; i < a->nterm; i++)
		show_terminal(a, a->term[i]);
}

static struct terminal *terminal_of(struct agent *a, const struct gui_window *w, size_t *i)
{
	for (*i = 0; *i < a->nterm; (*i)++)
		if (terminal_has_window(a->term[*i], w))
			return a->term[*i];
	return NULL;
}

static void channel_events(struct agent *a)
{
	struct gui_event ev;
	char err[200];
	int rc;
	size_t i;

	while ((rc = gui_client_next_event(a->client, &ev, err, sizeof(err))) > 0) {
		if (ev.type == GUI_EV_RUN) {
			fprintf(stderr, TAG ": the desktop asks for \"%s\"\n", ev.command);
			open_terminal(a, ev.command);
			continue;
		}
		struct terminal *t = terminal_of(a, ev.window, &i);
		if (!t)
			continue;
		if (ev.type == GUI_EV_CLOSE)
			close_terminal(a, i);	/* hangs up its session, as closing an xterm */
		else
			terminal_event(t, &ev);
	}
	if (rc < 0) {
		drop_channel(a, err);
	} else if (!a->connected && gui_client_welcomed(a->client)) {
		a->connected = true;
		fprintf(stderr, TAG ": dom0 connected\n");
		log_event("agent", "dom0-connected", "");
	}
}

static void reap(struct agent *a)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		terminal_reaped(a, pid);
		if (pid != a->child)
			continue;
		a->child = 0;
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		fprintf(stderr, TAG ": the command ended with status %d\n", code);
		put_status(a, AGENT_EXITED, code);
	}
}

static int setup_commands(struct agent *a)
{
	unsigned domid = 0;
	a->xs = guest_xs_open(TAG, &domid);
	if (!a->xs)
		return -1;
	snprintf(a->run_path, sizeof(a->run_path), "/local/domain/%u/" AGENT_RUN_KEY, domid);
	snprintf(a->status_path, sizeof(a->status_path), "/local/domain/%u/" AGENT_STATUS_KEY,
		 domid);
	if (!xs_watch(a->xs, a->run_path, "run")) {
		fprintf(stderr, TAG ": cannot watch %s: %s\n", a->run_path, strerror(errno));
		return -1;
	}
	return put_status(a, AGENT_READY, 0);
}

static int setup(struct agent *a, const char *font, int *sigfd)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (*sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		fprintf(stderr, TAG ": signalfd: %s\n", strerror(errno));
		return -1;
	}
	if (!a->socket && setup_commands(a) < 0)
		return -1;
	if (!a->gui)
		return 0;
	a->style.font = font_load(font);
	if (!a->style.font) {
		fprintf(stderr, TAG ": cannot load the font %s: %s\n", font, strerror(errno));
		return -1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bulkhead agent [--shell PATH] [--gui | --socket PATH] [--terminal]\n"
			"                      [--layout XKB] [--font FILE]\n");
	return 2;
}

/* The fds to wait on: xenstore, signals, the channel, each pty. */
static size_t poll_fds(struct agent *a, struct pollfd *fds)
{
	size_t n = 0;
	fds[n++] = (struct pollfd){ .fd = a->xs ? xs_fileno(a->xs) : -1, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = -1, .events = POLLIN };	/* the signalfd */
	fds[n++] = (struct pollfd){ .fd = a->client ? gui_client_fd(a->client) : -1,
				    .events = POLLIN };
	for (size_t i = 0; i < a->nterm; i++)
		fds[n++] = (struct pollfd){ .fd = terminal_fd(a->term[i]), .events = POLLIN };
	return n;
}

static int wait_ms(const struct agent *a)
{
	if (!a->gui || a->client)
		return -1;
	uint64_t now = monotonic_ms();
	return a->offer_at <= now ? 0 : (int)(a->offer_at - now);
}

static void one_turn(struct agent *a, struct pollfd *fds, size_t n, int sigfd)
{
	if (fds[0].revents) {
		char **vec;
		while ((vec = xs_check_watch(a->xs)) != NULL) {
			free(vec);
			on_run(a);
		}
	}
	/* ptys before signals: a program's last words are read before its
	 * terminal closes. */
	for (size_t i = n; i-- > 3;)
		if (fds[i].revents && i - 3 < a->nterm && !terminal_read(a->term[i - 3]))
			close_terminal(a, i - 3);
	if (fds[1].revents) {
		struct signalfd_siginfo si;
		while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
		reap(a);
	}
	if (a->client && fds[2].revents)
		channel_events(a);
	if (a->gui && !a->client && monotonic_ms() >= a->offer_at)
		offer_channel(a);
	for (size_t i = 0; i < a->nterm; i++)
		terminal_flush(a->term[i]);
}

int agent_main(int argc, char **argv)
{
	struct agent a = { .shell = "/bin/sh", .style = { .font_size = 15, .layout = "us" } };
	const char *font = FONT_DEFAULT;
	bool terminal = false;
	int sigfd = -1, ret = 1;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(o, "--gui") == 0) {
			a.gui = true;
			continue;
		}
		if (strcmp(o, "--terminal") == 0) {
			terminal = true;
			continue;
		}
		if (!v)
			return usage();
		if (strcmp(o, "--shell") == 0)
			a.shell = v;
		else if (strcmp(o, "--socket") == 0) {
			a.socket = v;
			a.gui = true;
		}
		else if (strcmp(o, "--layout") == 0)
			a.style.layout = v;
		else if (strcmp(o, "--font") == 0)
			font = v;
		else
			return usage();
		i++;
	}
	if (terminal && !a.gui)
		return usage();
	if (setup(&a, font, &sigfd) < 0)
		goto out;
	fprintf(stderr, TAG ": ready%s\n", a.gui ? ", with windows" : "");
	if (terminal)
		open_terminal(&a, "terminal");
	for (;;) {
		struct pollfd fds[3 + AGENT_TERMINALS_MAX];
		size_t n = poll_fds(&a, fds);
		fds[1].fd = sigfd;
		if (poll(fds, n, wait_ms(&a)) < 0 && errno != EINTR) {
			fprintf(stderr, TAG ": poll: %s\n", strerror(errno));
			goto out;
		}
		one_turn(&a, fds, n, sigfd);
	}
out:
	for (size_t i = 0; i < a.nterm; i++)
		terminal_free(a.term[i]);
	gui_client_free(a.client);
	if (a.style.font)
		cairo_font_face_destroy(a.style.font);
	if (a.xs)
		xs_close(a.xs);
	if (sigfd >= 0)
		close(sigfd);
	return ret;
}
