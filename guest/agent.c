#include "guest/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xenstore.h>

#include "lib/paths.h"
#include "proto/agentproto.h"
#include "guest/blockdevs.h"
#include "guest/guestxs.h"
#include "guest/inputfwd.h"
#include "guest/rpc_guest.h"
#include "guest/rpc_local.h"
#include "guest/terminal.h"
#include "guest/usbdevs.h"
#include "guest/usbip.h"
#include "guest/wayland.h"
#include "display/font.h"
#include "display/uevent.h"
#include "gui/guiclient.h"
#include "lib/limits.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/util.h"
#include "proto/ctlproto.h"

/* The domain's terminal, when the agent is its Wayland compositor. */
#define TERMINAL_PROGRAM "foot"
#define TAG "bulkhead agent"
/* A channel that failed or went is offered again after this. */
#define OFFER_RETRY_MS 1000
/* The ptys, the signalfd, xenstore, the channel, the Wayland clients,
 * the kernel's device events, the calls between domains, the keyboards
 * and pointers forwarded. */
#define AGENT_FDS_MAX (AGENT_TERMINALS_MAX + 5 + RPC_GUEST_FDS + GUI_INPUT_DEVICES_MAX)
#define USB_SYSFS "/sys/bus/usb/devices"
#define BLOCK_SYSFS "/sys/block"
#define INPUT_DIR "/dev/input"
/* What dom0 puts on a USB domain's kernel command line. */
#define USB_CLASS "bulkhead.class=usb"

struct agent {
	struct xs_handle *xs;	/* NULL with --socket: no xenstore */
	unsigned domid;
	char run_path[64], status_path[64], usb_attach_path[64];
	/* The devices dom0 asked it to take (its config's usb_attach). */
	struct usb_attach_seen usb_attach;
	const char *shell;
	pid_t child;		/* the command, 0: none (yet, or any more) */
	bool started;
	/* The channel to dom0's compositor: for windows, for input or both. */
	bool gui;		/* windows */
	bool input;		/* the USB domain's keyboards and pointers */
	const char *socket;	/* the local transport, or NULL: vchan */
	struct gui_client *client;	/* NULL: no channel now */
	bool connected;		/* dom0 has answered on it */
	struct loop_timer offer;	/* when to offer one */
	struct terminal_style style;
	struct terminal *term[AGENT_TERMINALS_MAX];
	size_t nterm;
	const char *wayland_socket;	/* NULL: no Wayland compositor */
	bool x11;			/* and X11 programs through Xwayland */
	struct wayland *wl;
	struct rpc_guest *rpc;		/* NULL: no calls (no xenstore) */
	/* What dom0 asked to run on this channel, while it may still fail as
	 * it starts (GUI_RUN_FAILED_MS): said to dom0 if it does. */
	struct launch {
		pid_t pid;
		uint64_t at;			/* loop_now() */
		char command[GUI_COMMAND_MAX + 1];	/* as dom0 sent it */
	} launch[AGENT_LAUNCHES_MAX];
	size_t nlaunch;
	/* Dispatched in this order: ptys before signals, so that a program's
	 * last words are read before its terminal closes. */
	struct loop loop;
	struct loop_fdset ptys, rpc_fds;
	struct loop_fd xs_watch, channel, wayland;
	/* The domain's USB and block devices, told to dom0 (guest/usbdevs.h,
	 * guest/blockdevs.h) by a USB or storage domain. */
	struct loop_fd uevents;
	bool usb, block;		/* which this domain tells */
	int usb_dir, block_dir;		/* -1: not opened (yet) */
	struct inventory usb_told, block_told;
	/* Its keyboards and pointers, forwarded by a USB domain (--input). */
	struct inputfwd *in;
	struct loop_fdset input_fds;
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

/* PID runs COMMAND (dom0's RUN): kept to say if it fails as it starts;
 * with AGENT_LAUNCHES_MAX kept already, the oldest is forgotten. */
static void launched(struct agent *a, pid_t pid, const char *command)
{
	if (a->nlaunch == AGENT_LAUNCHES_MAX)
		memmove(&a->launch[0], &a->launch[1], --a->nlaunch * sizeof(a->launch[0]));
	struct launch *l = &a->launch[a->nlaunch++];
	l->pid = pid;
	l->at = loop_now(&a->loop);
	snprintf(l->command, sizeof(l->command), "%s", command);
}

/* PID ended with wait STATUS: if it was dom0's RUN and failed as it
 * started, dom0 is told (its bar says so). */
static void launch_ended(struct agent *a, pid_t pid, int status)
{
	size_t i;
	for (i = 0; i < a->nlaunch && a->launch[i].pid != pid; i++)
		;
	if (i == a->nlaunch)
		return;
	struct launch l = a->launch[i];
	memmove(&a->launch[i], &a->launch[i + 1], (--a->nlaunch - i) * sizeof(l));
	uint32_t code = WIFEXITED(status) ? (uint32_t)WEXITSTATUS(status) :
		       WIFSIGNALED(status) ? GUI_EXIT_SIGNAL + (uint32_t)WTERMSIG(status) : 0;
	if (code == 0 || loop_now(&a->loop) - l.at > GUI_RUN_FAILED_MS || !a->client)
		return;
	fprintf(stderr, TAG ": \"%s\" failed as it started (status %u); dom0 is told\n",
		l.command, code);
	gui_client_exited(a->client, code, l.command);
}

/* A child for a program: in it, no signal blocked, stdin from /dev/null,
 * output to ours (the domain's console). */
static pid_t fork_child(void)
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
	return 0;
}

/* The command in a child of its own, in a session of its own. */
static pid_t spawn(const char *shell, const char *command)
{
	pid_t pid = fork_child();
	if (pid != 0)
		return pid;
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

/* `bulkhead usb-import BACKEND BUSID' in a child of its own, as `ctl usb
 * attach' has it run: its words on the console. */
static void usb_import(const char *backend, const char *busid)
{
	pid_t pid = fork_child();
	if (pid < 0) {
		fprintf(stderr, TAG ": cannot take %s:%s: fork: %s\n", backend, busid,
			strerror(errno));
		return;
	}
	if (pid > 0) {
		fprintf(stderr, TAG ": dom0 asks this domain to take %s:%s (its usb_attach): "
			"usb-import runs (pid %d)\n", backend, busid, (int)pid);
		return;
	}
	execl("/proc/self/exe", "bulkhead", "usb-import", backend, busid, (char *)NULL);
	fprintf(stderr, TAG ": cannot run bulkhead usb-import: %s\n", strerror(errno));
	_exit(127);
}

/* dom0 changed USB_ATTACH_DIR: each request it has not seen taken once. */
static void on_usb_attach(struct agent *a)
{
	unsigned count = 0;
	const char *fresh[USB_ATTACH_KEYS_MAX];
	char **names = xs_directory(a->xs, XBT_NULL, a->usb_attach_path, &count);
	size_t n = usb_attach_fresh(&a->usb_attach, names, names ? count : 0, fresh);
	for (size_t i = 0; i < n; i++) {
		char path[128], backend[DOMAIN_NAME_MAX + 1], busid[USB_BUSID_MAX + 1];
		unsigned len = 0;
		snprintf(path, sizeof(path), "%s/%s", a->usb_attach_path, fresh[i]);
		char *value = xs_read(a->xs, XBT_NULL, path, &len);
		if (value && usb_attach_parse(value, len, backend, busid))
			usb_import(backend, busid);
		else if (value)
			fprintf(stderr, TAG ": %s is not \"BACKEND BUSID\"; ignored\n", path);
		free(value);
	}
	free(names);
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
	launched(a, terminal_pid(t), command);
	fprintf(stderr, TAG ": terminal %d runs \"%s\"\n", (int)terminal_pid(t), command);
	log_event("agent", "terminal-started", "pid=%d", (int)terminal_pid(t));
	if (a->client)
		show_terminal(a, t);
}

/* What the desktop's launcher asks for: "terminal" (the domain's name
 * alone) is the agent's own terminal, and so is any command when the
 * agent is not the domain's Wayland compositor; when it is, a command is a
 * program of its own, whose windows come through it (WAYLAND_DISPLAY). */
/* Whether PROG is a program in $PATH. */
static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char file[PATH_MAX];

	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		if (n && (size_t)snprintf(file, sizeof(file), "%.*s/%s", (int)n, p, prog) <
				 sizeof(file) &&
		    access(file, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

/* The launcher's COMMAND: "terminal" (the domain alone) is the domain's
 * terminal, foot where the agent is the domain's Wayland compositor and
 * foot is there (a real terminal: scrollback, selection, Unicode; make
 * bench: 6 times faster than ours), else the agent's own; any other
 * command runs as a program when the agent is a Wayland compositor, in a
 * terminal of the agent's when not. */
static void run_for_desktop(struct agent *a, const char *command)
{
	const char *asked = command;
	bool terminal = strcmp(command, "terminal") == 0;

	if (!a->gui) {
		/* --input alone: no font to draw a terminal with (a driver
		 * domain's image has none); dom0's bar says it failed. */
		fprintf(stderr, TAG ": \"%s\" refused: this agent forwards input devices and "
			"shows no windows (--input without --gui)\n", command);
		gui_client_exited(a->client, 127, command);
		return;
	}
	if (!a->wl || (terminal && !in_path(TERMINAL_PROGRAM))) {
		open_terminal(a, command);
		return;
	}
	if (terminal)
		command = TERMINAL_PROGRAM;
	pid_t pid = spawn(a->shell, command);
	if (pid < 0) {
		fprintf(stderr, TAG ": cannot run \"%s\": %s\n", command, strerror(errno));
		return;
	}
	launched(a, pid, asked);
	fprintf(stderr, TAG ": program %d runs \"%s\"\n", (int)pid, command);
	log_event("agent", "program-started", "pid=%d", (int)pid);
}

static void drop_channel(struct agent *a, const char *why)
{
	fprintf(stderr, TAG ": GUI channel gone: %s\n", why);
	for (size_t i = 0; i < a->nterm; i++)
		terminal_hide(a->term[i]);
	if (a->wl)
		wayland_hide(a->wl);
	if (a->in)
		inputfwd_down(a->in);
	loop_fd_remove(&a->channel);
	gui_client_free(a->client);
	a->client = NULL;
	a->nlaunch = 0;		/* EXITED is an answer to this channel's RUN only */
	a->connected = false;
	loop_timer_arm(&a->loop, &a->offer, loop_now(&a->loop) + OFFER_RETRY_MS);
}

/* Offers the channel (vchan: dom0 connects when it sees it) with a window
 * for each terminal already running. */
static void offer_channel(struct loop *l, struct loop_timer *timer)
{
	struct agent *a = timer->ctx;
	char err[200];
	struct gui_transport *t = a->socket ? gui_local_connect(a->socket)
					    : gui_vchan_serve(GUI_VCHAN_PATH);
	/* Until it is up: armed again, the only timer (room). */
	loop_timer_arm(l, timer, loop_now(l) + OFFER_RETRY_MS);
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
	loop_timer_cancel(timer);
	a->channel.fd = gui_client_fd(a->client);
	loop_fd_add(l, &a->channel);	/* its slot, freed by drop_channel: room */
	fprintf(stderr, TAG ": GUI channel offered (%s)\n", t->ops->name);
	for (size_t i = 0; i < a->nterm; i++)
		show_terminal(a, a->term[i]);
	if (a->wl)
		wayland_show(a->wl, a->client);
}

static struct terminal *terminal_of(struct agent *a, const struct gui_window *w, size_t *i)
{
	for (*i = 0; *i < a->nterm; (*i)++)
		if (terminal_has_window(a->term[*i], w))
			return a->term[*i];
	return NULL;
}

/* The answer to dom0's copy, now or when the Wayland client that holds
 * the selection has written it; the channel may have gone meanwhile. */
static void clip_answer(void *ctx, enum gui_clip_status status, const uint8_t *data, size_t len)
{
	struct agent *a = ctx;
	if (!a->client)
		return;
	if (gui_client_clip_data(a->client, status, data, len) == 0)
		log_event("agent", "clipboard-copied", "status=%u bytes=%zu", (unsigned)status, len);
}

/* dom0's copy: a terminal's selection when it has one, else the domain's
 * clipboard (the Wayland selection).  dom0's paste: the domain's
 * clipboard, and typed into the terminal it was pasted in. */
static void clip_event(struct agent *a, const struct gui_event *ev, struct terminal *t)
{
	if (ev->type == GUI_EV_CLIP_ASK) {
		static char text[GUI_CLIPBOARD_MAX];
		size_t n = t ? terminal_selection(t, text, sizeof(text)) : 0;
		if (n > sizeof(text))
			clip_answer(a, GUI_CLIP_TOO_LARGE, NULL, 0);
		else if (n)
			clip_answer(a, GUI_CLIP_TEXT, (const uint8_t *)text, n);
		else if (a->wl)
			wayland_clip_ask(a->wl, clip_answer, a);
		else
			clip_answer(a, GUI_CLIP_EMPTY, NULL, 0);
		return;
	}
	if (a->wl)
		wayland_clip_set(a->wl, ev->data, ev->len);
	if (t)
		terminal_paste(t, ev->data, ev->len);
	log_event("agent", "clipboard-pasted", "bytes=%u into=%s", ev->len,
		  t ? "terminal" : a->wl ? "selection" : "nothing");
}

static void channel_events(struct loop *l, struct loop_fd *w, short revents)
{
	struct agent *a = w->ctx;
	struct gui_event ev;
	char err[200];
	int rc;
	size_t i;

	(void)l;
	(void)revents;
	while ((rc = gui_client_next_event(a->client, &ev, err, sizeof(err))) > 0) {
		if (ev.type == GUI_EV_RUN) {
			fprintf(stderr, TAG ": the desktop asks for \"%s\"\n", ev.command);
			run_for_desktop(a, ev.command);
			continue;
		}
		struct terminal *t = ev.window ? terminal_of(a, ev.window, &i) : NULL;
		if (ev.type == GUI_EV_CLIP_ASK || ev.type == GUI_EV_CLIP_PASTE) {
			clip_event(a, &ev, t);
			continue;
		}
		if (!t) {
			if (a->wl)
				wayland_event(a->wl, &ev);
			continue;
		}
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
		/* Input devices only now: dom0 takes them from version 6 on,
		 * which WELCOME says. */
		if (a->in)
			inputfwd_up(a->in, a->client);
	}
}

static void xs_ready(struct loop *l, struct loop_fd *w, short revents)
{
	struct agent *a = w->ctx;
	char **vec;

	(void)l;
	(void)revents;
	while ((vec = xs_check_watch(a->xs)) != NULL) {
		if (strcmp(vec[XS_WATCH_TOKEN], "usb-attach") == 0)
			on_usb_attach(a);
		else if (!rpc_guest_xs_event(a->rpc, vec[XS_WATCH_TOKEN], vec[XS_WATCH_PATH]))
			on_run(a);
		free(vec);
	}
}

static size_t ptys_fill(void *ctx, struct pollfd *pfd)
{
	struct agent *a = ctx;
	for (size_t i = 0; i < a->nterm; i++)
		pfd[i] = (struct pollfd){ .fd = terminal_fd(a->term[i]),
					  .events = POLLIN | (terminal_pasting(a->term[i]) ? POLLOUT
											 : 0) };
	return a->nterm;
}

/* Last first: closing one moves the last terminal into its place. */
static void ptys_ready(void *ctx, const struct pollfd *pfd, size_t n)
{
	struct agent *a = ctx;
	for (size_t k = n; k-- > 0;)
		for (size_t i = 0; pfd[k].revents && i < a->nterm; i++)
			if (terminal_fd(a->term[i]) == pfd[k].fd) {
				if (pfd[k].revents & POLLOUT)
					terminal_write_pending(a->term[i]);
				if ((pfd[k].revents & ~POLLOUT) && !terminal_read(a->term[i]))
					close_terminal(a, i);
				break;
			}
}

static void reap(struct agent *a)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		launch_ended(a, pid, status);
		terminal_reaped(a, pid);
		if (wayland_reaped(a->wl, pid, status) || rpc_guest_reaped(a->rpc, pid, status))
			continue;
		if (pid != a->child)
			continue;
		a->child = 0;
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		fprintf(stderr, TAG ": the command ended with status %d\n", code);
		put_status(a, AGENT_EXITED, code);
	}
}

static size_t calls_fill(void *ctx, struct pollfd *pfd)
{
	return rpc_guest_fill(((struct agent *)ctx)->rpc, pfd);
}

static void calls_ready(void *ctx, const struct pollfd *pfd, size_t n)
{
	rpc_guest_dispatch(((struct agent *)ctx)->rpc, pfd, n);
}

/* Calls between domains: the domain works without them (said so). */
static void setup_calls(struct agent *a)
{
	char why[200];
	a->rpc = rpc_guest_new(a->xs, a->domid, RPC_LOCAL_SOCKET, why, sizeof(why));
	if (!a->rpc) {
		fprintf(stderr, TAG ": no calls between domains: %s\n", why);
		return;
	}
	a->rpc_fds = (struct loop_fdset){ .max = RPC_GUEST_FDS, .fill = calls_fill,
					  .dispatch = calls_ready, .ctx = a };
	loop_fdset_add(&a->loop, &a->rpc_fds);	/* room: AGENT_FDS_MAX */
}

/* One kind of device the agent tells dom0 of. */
struct device_kind {
	const char *what, *sysfs, *key_dir;
	bool (*inventory)(int dirfd, struct inventory *out);	/* more than it takes */
	int max;
};
static const struct device_kind usb_kind = { "USB", USB_SYSFS, USB_KEY_DIR, usbdevs_inventory,
					     USB_DEVICES_PER_DOMAIN };
static const struct device_kind block_kind = { "block", BLOCK_SYSFS, BLOCK_KEY_DIR,
					       blockdevs_inventory, BLOCK_DEVICES_PER_DOMAIN };

/* K's devices (their sysfs directory opened if it is not yet: USB's
 * appears once usbcore is loaded) told to dom0, from TOLD. */
static void publish(struct agent *a, const struct device_kind *k, int *dir,
		    struct inventory *told)
{
	static struct inventory now;
	if (*dir < 0)
		*dir = open(k->sysfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dir < 0)
		return;
	if (k->inventory(*dir, &now))
		fprintf(stderr, TAG ": more than %d %s devices: the rest are not told to dom0\n",
			k->max, k->what);
	inventory_publish(told, &now, a->xs, a->domid, k->key_dir, TAG);
}

/* dom0 told of the domain's devices as they are now. */
static void devices_publish(struct agent *a)
{
	if (a->usb)
		publish(a, &usb_kind, &a->usb_dir, &a->usb_told);
	if (a->block)
		publish(a, &block_kind, &a->block_dir, &a->block_told);
}

static bool device_event(const char *msg, size_t len)
{
	return uevent_is_usb_device(msg, len) || uevent_is_block(msg, len) ||
	       uevent_is_input(msg, len);
}

/* A device came, went or changed: each that is watched looked at again
 * (a few directories read: cheap, and a USB keyboard's plug is a USB
 * device's event too). */
static void devices_changed(struct loop *l, struct loop_fd *w, short revents)
{
	struct agent *a = w->ctx;

	(void)l;
	(void)revents;
	if (!uevent_read(w->fd, device_event))
		return;
	devices_publish(a);
	if (a->in)
		inputfwd_scan(a->in);
}

/* The kernel's device events, watched from now on (once: the inventories
 * and the input devices share them). */
static void watch_uevents(struct agent *a)
{
	if (a->uevents.fd >= 0)
		return;
	int fd = uevent_open();
	if (fd < 0) {
		fprintf(stderr, TAG ": cannot read the kernel's device events: %s; devices that "
			"come later are not seen\n", strerror(-fd));
		return;
	}
	a->uevents = (struct loop_fd){ .fd = fd, .events = POLLIN, .cb = devices_changed,
				       .ctx = a };
	loop_fd_add(&a->loop, &a->uevents);	/* room: AGENT_FDS_MAX */
}

/* Whether this domain's kernel command line (dom0 wrote it) has WORD. */
static bool cmdline_says(const char *word)
{
	char cmdline[4096];
	return read_first_line("/proc/cmdline", cmdline, sizeof(cmdline)) &&
	       cmdline_has(cmdline, word);
}

/* A USB domain (dom0 made its command line) tells dom0 of its USB and
 * block devices, a storage domain of its block devices, now and whenever
 * they change.  Another reads nothing of them: a device given to it
 * (guest/usbip.h) has the agent for its transport, while the hub's thread
 * holds the device's lock through its first transfers, which the device's
 * sysfs strings wait for. */
static void setup_devices(struct agent *a)
{
	a->usb = cmdline_says(USB_CLASS);
	a->block = a->usb || cmdline_says("bulkhead.class=storage");
	if (!a->block)
		return;
	watch_uevents(a);	/* first: a device that comes meanwhile is told */
	devices_publish(a);
}

/* A USB domain's keyboards and pointers (--input), forwarded on the
 * channel once dom0 has welcomed it. */
static int setup_input(struct agent *a)
{
	a->in = inputfwd_new(INPUT_DIR);
	if (!a->in) {
		fprintf(stderr, TAG ": no input devices forwarded: out of memory\n");
		return -1;
	}
	a->input_fds = inputfwd_fdset(a->in);
	loop_fdset_add(&a->loop, &a->input_fds);	/* room: AGENT_FDS_MAX */
	watch_uevents(a);	/* first: a device that comes meanwhile is seen */
	inputfwd_scan(a->in);
	return 0;
}

static int setup_commands(struct agent *a)
{
	a->xs = guest_xs_open(TAG, &a->domid);
	if (!a->xs)
		return -1;
	snprintf(a->run_path, sizeof(a->run_path), "/local/domain/%u/" AGENT_RUN_KEY, a->domid);
	snprintf(a->status_path, sizeof(a->status_path), "/local/domain/%u/" AGENT_STATUS_KEY,
		 a->domid);
	snprintf(a->usb_attach_path, sizeof(a->usb_attach_path), "/local/domain/%u/" USB_ATTACH_DIR,
		 a->domid);
	if (!xs_watch(a->xs, a->run_path, "run")) {
		fprintf(stderr, TAG ": cannot watch %s: %s\n", a->run_path, strerror(errno));
		return -1;
	}
	if (!xs_watch(a->xs, a->usb_attach_path, "usb-attach"))
		fprintf(stderr, TAG ": cannot watch %s: %s; the USB devices of this domain's "
			"config will not be taken\n", a->usb_attach_path, strerror(errno));
	a->xs_watch = (struct loop_fd){ .fd = xs_fileno(a->xs), .events = POLLIN, .cb = xs_ready,
					.ctx = a };
	loop_fd_add(&a->loop, &a->xs_watch);	/* room: AGENT_FDS_MAX */
	setup_calls(a);
	setup_devices(a);
	return put_status(a, AGENT_READY, 0);
}

/* Whether dom0 says this domain's config has xwayland = 1. */
static bool x11_asked(struct agent *a)
{
	char path[96];
	unsigned len = 0;

	snprintf(path, sizeof(path), "/local/domain/%u/" AGENT_XWAYLAND_KEY, a->domid);
	char *v = xs_read(a->xs, XBT_NULL, path, &len);
	bool yes = v && len == 1 && v[0] == '1';
	free(v);
	return yes;
}

static void wayland_ready(struct loop *l, struct loop_fd *w, short revents)
{
	(void)l;
	(void)revents;
	wayland_dispatch(((struct agent *)w->ctx)->wl);
}

/* The domain's programs' compositor, at $XDG_RUNTIME_DIR/NAME (by
 * default /run/user/UID, as a session would have it); every program the
 * agent starts finds it in WAYLAND_DISPLAY. */
static int setup_wayland(struct agent *a)
{
	char err[300], dir[64];

	if (!getenv("XDG_RUNTIME_DIR")) {
		snprintf(dir, sizeof(dir), "/run/user/%u", (unsigned)getuid());
		if ((mkdir("/run/user", 0755) < 0 && errno != EEXIST) ||
		    (mkdir(dir, 0700) < 0 && errno != EEXIST) ||
		    setenv("XDG_RUNTIME_DIR", dir, 1) < 0) {
			fprintf(stderr, TAG ": no Wayland compositor: cannot make %s: %s\n", dir,
				strerror(errno));
			return -1;
		}
	}
	if (setenv("WAYLAND_DISPLAY", a->wayland_socket, 1) < 0) {
		fprintf(stderr, TAG ": no Wayland compositor: %s\n", strerror(errno));
		return -1;
	}

	a->wl = wayland_new(a->wayland_socket, a->style.layout, err, sizeof(err));
	if (!a->wl) {
		fprintf(stderr, TAG ": no Wayland compositor: %s\n", err);
		return -1;
	}
	a->wayland = (struct loop_fd){ .fd = wayland_fd(a->wl), .events = POLLIN,
				       .cb = wayland_ready, .ctx = a };
	loop_fd_add(&a->loop, &a->wayland);	/* room: AGENT_FDS_MAX */
	log_event("agent", "wayland-up", "socket=%s", a->wayland_socket);
	if (!a->x11 && a->xs)
		a->x11 = x11_asked(a);
	if (a->x11 && !wayland_x11(a->wl, err, sizeof(err)))
		fprintf(stderr, TAG ": no X11 programs: %s\n", err);
	return 0;
}

/* A SIGCHLD (or a SIGPIPE, taken so as not to die of it). */
static void on_signal(void *ctx, const struct signalfd_siginfo *si)
{
	(void)si;
	reap(ctx);
}

static int setup(struct agent *a, const char *font)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGPIPE);
	a->ptys = (struct loop_fdset){ .max = AGENT_TERMINALS_MAX, .fill = ptys_fill,
				       .dispatch = ptys_ready, .ctx = a };
	a->channel = (struct loop_fd){ .fd = -1, .events = POLLIN, .cb = channel_events, .ctx = a };
	a->offer = (struct loop_timer){ .cb = offer_channel, .ctx = a };
	int rc = loop_init(&a->loop, AGENT_FDS_MAX, NULL);
	if (rc == 0)
		rc = loop_fdset_add(&a->loop, &a->ptys);
	if (rc == 0)
		rc = loop_signals(&a->loop, &set, on_signal, a);
	if (rc < 0) {
		fprintf(stderr, TAG ": cannot set up the event loop: %s\n", strerror(-rc));
		return -1;
	}
	if (!a->socket && setup_commands(a) < 0)
		return -1;
	if (a->input && setup_input(a) < 0)
		return -1;
	if (a->gui || a->input)
		loop_timer_arm(&a->loop, &a->offer, loop_now(&a->loop));
	if (!a->gui)
		return 0;
	if (a->wayland_socket && setup_wayland(a) < 0)
		return -1;
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
			"                      [--layout XKB] [--font FILE] [--wayland-socket NAME]\n"
			"                      [--xwayland] [--input]\n"
			"  --input  forward this domain's USB keyboards and pointers to dom0's desktop\n"
			"           (a USB domain's agent only: " USB_CLASS "); with --socket,\n"
			"           windows too only with --gui\n");
	return 2;
}

int agent_main(int argc, char **argv)
{
	struct agent a = { .shell = "/bin/sh", .style = { .font_size = 15, .layout = "us" },
			   .uevents = { .fd = -1 }, .usb_dir = -1,
			   .block_dir = -1 };
	const char *font = FONT_DEFAULT;
	bool terminal = false;
	int ret = 1;

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
		if (strcmp(o, "--xwayland") == 0) {
			a.x11 = true;
			continue;
		}
		if (strcmp(o, "--input") == 0) {
			a.input = true;
			continue;
		}
		if (!v)
			return usage();
		if (strcmp(o, "--shell") == 0)
			a.shell = v;
		else if (strcmp(o, "--socket") == 0)
			a.socket = v;
		else if (strcmp(o, "--layout") == 0)
			a.style.layout = v;
		else if (strcmp(o, "--font") == 0)
			font = v;
		else if (strcmp(o, "--wayland-socket") == 0)
			a.wayland_socket = v;
		else
			return usage();
		i++;
	}
	/* --socket is the windows' channel, unless it is there for --input
	 * alone. */
	if (a.socket && !a.input)
		a.gui = true;
	if ((terminal && !a.gui) || (a.x11 && !a.wayland_socket))
		return usage();
	if (a.input && !cmdline_says(USB_CLASS)) {
		fprintf(stderr, TAG ": --input: only a USB domain forwards its keyboards and "
			"pointers to dom0, and this domain's kernel command line has no "
			USB_CLASS " (dom0 puts it there for a domain of class \"usb\")\n");
		return 2;
	}
	if (setup(&a, font) < 0)
		goto out;
	fprintf(stderr, TAG ": ready%s%s\n", a.gui ? ", with windows" : "",
		a.input ? ", forwarding keyboards and pointers" : "");
	if (terminal)
		open_terminal(&a, "terminal");
	for (;;) {
		int rc = loop_run_once(&a.loop);
		if (rc < 0) {
			fprintf(stderr, TAG ": poll: %s\n", strerror(-rc));
			goto out;
		}
		for (size_t i = 0; i < a.nterm; i++)
			terminal_flush(a.term[i]);
		if (a.wl)
			wayland_flush(a.wl);
	}
out:
	for (size_t i = 0; i < a.nterm; i++)
		terminal_free(a.term[i]);
	wayland_free(a.wl);
	rpc_guest_free(a.rpc);
	inputfwd_free(a.in);
	gui_client_free(a.client);
	if (a.style.font)
		cairo_font_face_destroy(a.style.font);
	if (a.xs)
		xs_close(a.xs);
	if (a.uevents.fd >= 0)
		close(a.uevents.fd);
	if (a.usb_dir >= 0)
		close(a.usb_dir);
	if (a.block_dir >= 0)
		close(a.block_dir);
	loop_free(&a.loop);
	return ret;
}
