#include "drm-compositor/compositor.h"

#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "config/desktop_config.h"
#include "config/domain_config.h"
#include "config/domains.h"
#include "config/sysconfig.h"
#include "drm-compositor/client.h"
#include "drm-compositor/clipboard.h"
#include "drm-compositor/desktop.h"
#include "drm-compositor/domstatus.h"
#include "drm-compositor/asks.h"
#include "drm-compositor/inputasks.h"
#include "drm-compositor/usbnotes.h"
#include "drm-compositor/launch_ask.h"
#include "drm-compositor/launcher.h"
#include "drm-compositor/lock.h"
#include "drm-compositor/menu.h"
#include "display/output.h"
#include "drm-compositor/render.h"
#include "drm-compositor/sandbox.h"
#include "proto/guiproto.h"
#include "gui/transport.h"
#include "input/broker.h"
#include "input/evdev.h"
#include "lib/latency.h"
#include "lib/limits.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/util.h"
#include "proto/control.h"
#include "proto/ctlproto.h"

#define TAG "compositor"
/* The signalfd, the screen, the manager's answer, each domain's socket
 * and channel, the control socket and its clients, inotify and each input
 * device. */
#define COMPOSITOR_FDS_MAX (3 + 2 * DOMAINS_MAX + 1 + CTL_CLIENTS_MAX + 1 + INPUT_DEVICES_MAX)

/* A domain that may have windows, and its channel when it has one.  A
 * configured one from the start; one the manager lists later (an unnamed
 * disposable) while it lists it: its slot is free (name "") after. */
struct gui_domain {
	char name[DOMAIN_NAME_MAX + 1];
	uint32_t label_rgb;
	bool configured;
	bool unlisted;			/* the manager no longer lists it: freed once its channel is */
	int listen_fd;			/* local transport, -1: none */
	/* Since when it runs without a channel (0: it has one, or is not
	 * running), and whether that has gone on past the agent timeout. */
	uint64_t waiting_since_ms;
	bool no_agent;
	struct client *client;		/* NULL: none; freed by clients_reap() only */
	/* The vchan offer last connected to (gui/transport.h): never the same
	 * one twice. */
	uint32_t vchan_domid;
	char vchan_offer[GUI_OFFER_MAX + 1];
	struct loop_fd listen_watch, channel_watch;
};

static struct compositor {
	struct desktop_config cfg;
	struct output *out;
	struct renderer *r;
	struct desktop desk;
	struct clients clients;		/* every domain's channel */
	struct gui_domain doms[DOMAINS_MAX];
	size_t ndoms;
	struct domstatus status;		/* the domain manager's word on each domain */
	struct asks asks;		/* the calls the policy asks the user about */
	struct input_asks devasks;	/* a USB domain's new keyboards and pointers */
	struct usbnotes usbnotes;	/* new USB devices, said in the bar */
	unsigned usb_ticks;		/* the clock's seconds since it asked */
	struct xs_handle *xs;		/* on Xen: to see which vchan a domain offers */
	cairo_region_t *damage;
	struct control_server ctl;
	bool ctl_up;
	struct input *input;
	struct launcher launcher;
	struct menu menu;
	/* The lock screen, its own keymap (its own modifiers), and the
	 * passphrase's crypt(3) hash: desktop.cfg's lock_passphrase, else
	 * root's in /etc/shadow; "": none, no lock. */
	struct lock lock;
	struct keymap *lock_keymap;
	char lock_hash[LOCK_HASH_MAX];
	uint64_t input_at;		/* monotonic ms: the user's last key or move */
	/* The domain the user last asked to run something (the launcher),
	 * whose next window takes the focus until then (GUI_LAUNCH_FOCUS_MS). */
	struct gui_domain *asked;
	/* Or the disposable it started ("@dispvm COMMAND"), once the manager
	 * said which, "": none; while the manager has not, whether the user
	 * has done nothing else since (else that window comes unfocused). */
	char asked_dispvm[DOMAIN_NAME_MAX + 1];
	bool dispvm_pending;
	uint64_t asked_until_ms;
	struct launch_ask launch;	/* "@dispvm COMMAND" or a start: the manager's answer */
	/* The command for a domain the launcher started, run once its agent
	 * has greeted dom0 ("": none); its window the user's to focus while
	 * start_focus (the user has done nothing else since). */
	char start_name[DOMAIN_NAME_MAX + 1];
	char start_cmd[GUI_COMMAND_MAX + 1];
	bool start_focus;
	struct loop_defer start_run;
	bool pointer_seen;
	uint32_t button_swallowed;	/* the button that focused a window, until released */
	/* measure_frame_rate: frames shown and domains' DAMAGE messages since
	 * the last report. */
	uint32_t frames;
	uint64_t damages_at;		/* C.clients.damages at the last report */
	uint64_t frames_since_ms;
	/* measure_input_latency: the forwarded keys' times since the last
	 * report (untouched when off: no memory). */
	struct latency_samples latency;
	int32_t px, py;			/* the pointer, in screen pixels */
	struct loop loop;
	struct loop_fd output_watch;
	struct loop_fdset status_fds, ctl_fds, input_fds;
	struct loop_timer tick, place;	/* place: only wakes the loop (woken does it) */
	struct loop_defer reap, buffered;
	char clock[8];
	struct clipboard clip;		/* dom0's clipboard (drm-compositor/clipboard.h) */
	struct rpc_policy policy;	/* policy.d, read at start */
	/* dom0's word to the user in the bar, until notice_until_ms. */
	char notice[256];
	uint64_t notice_until_ms;
	bool stop;
} C;

/* R, cut to the screen: the pointer's rectangle reaches past its edges
 * (at 0,0 it starts at -1,-1), and the output copies what it is given. */
static void add_damage(struct rect r)
{
	r = rect_intersect(r, (struct rect){ 0, 0, (int32_t)C.out->width, (int32_t)C.out->height });
	cairo_rectangle_int_t ri = { r.x, r.y, r.w, r.h };
	if (!rect_empty(r))
		cairo_region_union_rectangle(C.damage, &ri);
}

static bool has_channel(const struct gui_domain *d)
{
	return d->client && !d->client->dropping;
}

/* --- what the desktop and the clients ask of us --------------------------- */

/* A window appearing takes the focus only as the answer to the user's
 * launcher line for its domain: once, in time, and only while the user
 * has neither moved the focus nor typed into a window since (user_key). */
static bool client_wants_focus(void *ctx, struct client *c)
{
	(void)ctx;
	bool asked = C.asked == c->owner ||
		     (C.asked_dispvm[0] && strcmp(C.asked_dispvm, c->name) == 0);
	if (!asked || monotonic_ms() > C.asked_until_ms)
		return false;
	C.asked = NULL;
	C.asked_dispvm[0] = '\0';
	return true;
}

static void ask_changed(void);

static void client_gone(void *ctx, struct client *c)
{
	struct gui_domain *d = c->owner;

	(void)ctx;
	if (inputasks_forget(&C.devasks, c, 0))
		ask_changed();
	loop_fd_remove(&d->channel_watch);
	d->client = NULL;
	if (C.asked == d)
		C.asked = NULL;
	if (d->unlisted)
		d->name[0] = '\0';
}

static struct gui_domain *find_domain(const char *name)
{
	for (size_t i = 0; i < C.ndoms; i++)
		if (strcmp(C.doms[i].name, name) == 0)
			return &C.doms[i];
	return NULL;
}

/* --- the launcher: "DOMAIN COMMAND", typed into dom0's own line -------- */

/* The active head's rectangle: where dom0's own boxes are drawn. */
static struct rect active_head(void)
{
	int h = desktop_head_of(&C.desk, C.desk.current);
	return C.desk.heads[h < 0 ? 0 : h];
}

static struct rect prompt_rect(void)
{
	struct rect r = render_prompt_rect(active_head());
	return (struct rect){ r.x - 2, r.y - 2, r.w + 4, r.h + 4 };
}

/* What the launcher may run things in: the domains that may have windows
 * (the manager's list; without a manager, the configured ones), and a new
 * disposable.  INDEX (may be NULL) gets each one's place in C.status, or
 * -1.  Returns how many, at most DOMAINS_MAX + 1. */
static size_t launcher_names(const char **names, int *index)
{
	size_t n = 0;
	for (size_t i = 0; i < C.status.n; i++) {
		if (!C.status.e[i].gui)
			continue;
		if (index)
			index[n] = (int)i;
		names[n++] = C.status.e[i].name;
	}
	for (size_t i = 0; !C.status.n && i < C.ndoms && n < DOMAINS_MAX; i++) {
		if (!C.doms[i].name[0])
			continue;
		if (index)
			index[n] = -1;
		names[n++] = C.doms[i].name;
	}
	if (index)
		index[n] = -1;
	names[n++] = "@dispvm";
	return n;
}

/* The keyboard is dom0's while its launcher, menu, a question or the lock
 * screen is shown; while locked its bindings are off too. */
static void grab_follow(void)
{
	desktop_grab(&C.desk, C.launcher.open || C.menu.open || asks_open(&C.asks) ||
				      C.devasks.n || C.lock.locked);
	desktop_bindings(&C.desk, !C.lock.locked);
}

static void launcher_open(bool open)
{
	if (open && !C.launcher.keymap) {
		log_err(TAG, "no launcher: the keymap could not be compiled (XKB data missing?)");
		return;
	}
	C.launcher.open = open;
	C.launcher.line[0] = '\0';
	grab_follow();
	add_damage(prompt_rect());
}

/* --- a call's question: drm-compositor/asks.h ---------------------------- */

static void ask_changed(void)
{
	grab_follow();
	add_damage(render_ask_rect(active_head()));
	if (asks_open(&C.asks))
		log_event(TAG, "ask-shown", "source=%s service=%s choices=%u chosen=%s",
			  C.asks.q[0].source, C.asks.q[0].service, C.asks.q[0].nchoices,
			  C.asks.q[0].choices[C.asks.chosen]);
}

/* --- a USB domain's new keyboard or pointer: drm-compositor/inputasks.h -- */

static const char *input_kind_word(enum gui_input_kind kind)
{
	return kind == GUI_INPUT_KEYBOARD ? "keyboard" : "pointer";
}

static bool client_input_allowed(void *ctx, struct client *c)
{
	const struct domstatus_entry *e = domstatus_find(&C.status, c->name);
	(void)ctx;
	return e && e->class == CLASS_USB;
}

static void client_input_ask(void *ctx, struct client *c, uint32_t id, enum gui_input_kind kind,
			     const char *name)
{
	(void)ctx;
	if (!inputasks_add(&C.devasks, c, c->name, id, kind, name)) {
		client_input_answer(c, id, false);
		log_warn(TAG, "domain %s: its new %s \"%s\" ignored: %d questions wait already",
			 c->name, input_kind_word(kind), name, INPUT_ASKS_MAX);
		return;
	}
	log_event(TAG, "input-asked", "domain=%s device=%u kind=%s", c->name, id,
		  input_kind_word(kind));
	ask_changed();
}

static void client_input_gone(void *ctx, struct client *c, uint32_t id)
{
	(void)ctx;
	if (inputasks_forget(&C.devasks, c, id))
		ask_changed();
}

/* The channel the question Q came from, if it still has it. */
static struct client *asking_client(const struct input_ask *q)
{
	for (struct client *c = C.clients.list; c; c = c->next)
		if (c == q->who)
			return c;
	return NULL;
}

/* A key while a device's question is shown (and no call's). */
static void input_ask_key(uint32_t code, uint32_t value)
{
	struct input_ask q;
	enum inputasks_answer a = inputasks_key(&C.devasks, code, value, monotonic_ms(), &q);
	if (a == INPUT_ASKS_NONE) {
		/* (No key code in the log: only that it was no answer.) */
		if (value == 1)
			log_info(TAG, "a key that does not answer the question about %s's %s: "
				      "Return (a second after it is on the screen) or Escape do",
				 C.devasks.q[0].domain, input_kind_word(C.devasks.q[0].kind));
		return;
	}
	struct client *c = asking_client(&q);
	bool use = a == INPUT_ASKS_ACCEPT;
	ask_changed();
	/* (Its channel or the device may have gone meanwhile: then nothing.) */
	if (!c || !client_input_answer(c, q.id, use))
		return;
	if (use)
		log_event(TAG, "input-accepted", "domain=%s device=%u kind=%s", q.domain, q.id,
			  input_kind_word(q.kind));
	else
		log_event(TAG, "input-refused", "domain=%s device=%u kind=%s", q.domain, q.id,
			  input_kind_word(q.kind));
}

static void launch_disposable(const char *template_name, const char *cmd);
static bool launch_start(const char *name, const char *cmd);
static void __attribute__((format(printf, 1, 2))) notice(const char *fmt, ...);

/* Of the names the launcher knows, the one NAME is most likely a typo of. */
static const char *closest_domain(const char *name)
{
	const char *names[DOMAINS_MAX + 1];
	return name_closest(name, names, launcher_names(names, NULL));
}

/* Asks the domain the user named to run the command (RUN on its channel),
 * or the manager for a new disposable to run it; its next window is the
 * user's to focus. */
static void launcher_run(void)
{
	char name[DOMAIN_NAME_MAX + 1], template_name[DOMAIN_NAME_MAX + 1];
	const char *cmd;

	if (!launcher_split(C.launcher.line, name, sizeof(name), &cmd)) {
		notice("launcher: \"%s\" is not \"DOMAIN [COMMAND]\"", C.launcher.line);
		return;
	}
	if (launcher_dispvm(name, template_name, sizeof(template_name))) {
		launch_disposable(template_name, strcmp(cmd, LAUNCHER_DEFAULT_COMMAND) == 0 ?
				  LAUNCHER_DISPOSABLE_COMMAND : cmd);
		return;
	}
	struct gui_domain *d = find_domain(name);
	if (d && !has_channel(d) && launch_start(name, cmd))
		return;
	if (!d) {
		const char *near = closest_domain(name);
		notice("launcher: no domain called \"%s\" has windows%s%s%s", name,
		       near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "");
		return;
	}
	int rc = has_channel(d) ? client_run(d->client, cmd) : -EPIPE;
	if (rc == -EAGAIN) {
		notice("launcher: %s has not read what dom0 sent it: cannot run \"%s\" now", name,
		       cmd);
	} else if (rc < 0) {
		notice("launcher: %s has no GUI channel: cannot run \"%s\" (is it running? "
		       "`bulkhead ctl start %s')", name, cmd, name);
	} else {
		log_info(TAG, "launcher: %s runs \"%s\"", name, cmd);
		C.dispvm_pending = false;
		C.asked_dispvm[0] = '\0';
		C.asked = d;
		C.asked_until_ms = monotonic_ms() + GUI_LAUNCH_FOCUS_MS;
	}
}

/* --- dom0's menu and the lock screen: drm-compositor/menu.h, lock.h ------- */

/* The domains as the menu lists them: the manager's, in its order. */
static size_t menu_domains(struct menu_domain *out)
{
	for (size_t i = 0; i < C.status.n; i++) {
		const char *state = C.status.e[i].state;
		out[i] = (struct menu_domain){ C.status.e[i].name, strcmp(state, "stopped") == 0 ||
								     strcmp(state, "failed") == 0 };
	}
	return C.status.n;
}

static void menu_damage(void)
{
	add_damage(render_menu_rect(active_head()));
}

static void menu_show(bool open)
{
	if (open && C.launcher.open)
		launcher_open(false);
	struct menu_domain doms[DOMAINS_MAX];
	menu_open(&C.menu, open, doms, menu_domains(doms));
	grab_follow();
	menu_damage();
}

static void lock_screen(void);

/* What the user chose in the menu, done: a domain's start, shut down or
 * kill asked of the manager, dom0's power of PID 1, the lock here. */
static void menu_do(const struct menu_action *act)
{
	static const enum ctl_domain_op domain_op[] = {
		[MENU_OP_START] = CTL_DOMAIN_START, [MENU_OP_STOP] = CTL_DOMAIN_STOP,
		[MENU_OP_KILL] = CTL_DOMAIN_KILL };
	char why[160];
	int rc = 0;

	switch (act->op) {
	case MENU_OP_NONE:
		return;
	case MENU_OP_LOCK:
		lock_screen();
		return;
	case MENU_OP_START:
	case MENU_OP_STOP:
	case MENU_OP_KILL:
		rc = launch_ask_domain(&C.launch, domain_op[act->op], act->name, why, sizeof(why));
		break;
	case MENU_OP_REBOOT:
	case MENU_OP_POWEROFF:
		rc = launch_ask_power(&C.launch, CTL_INIT_SOCKET, act->op == MENU_OP_REBOOT ?
				      CTL_POWER_REBOOT : CTL_POWER_POWEROFF, why, sizeof(why));
		break;
	}
	char op[16];
	str_copy(op, menu_op_name(act->op), sizeof(op));
	for (char *sp = strchr(op, ' '); sp; sp = strchr(sp, ' '))
		*sp = '-';
	log_event(TAG, "menu", "op=%s name=%s ok=%d", op, act->name[0] ? act->name : "dom0",
		  rc == 0);
	if (rc < 0)
		notice("menu: cannot %s %s: %s", menu_op_name(act->op),
		       act->name[0] ? act->name : "dom0", why);
}

static void menu_key_typed(uint32_t code, uint32_t value)
{
	struct menu_domain doms[DOMAINS_MAX];
	struct menu_action act;
	size_t n = menu_domains(doms);
	if (!menu_key(&C.menu, doms, n, code, value, desktop_held_mods(&C.desk), &act))
		return;
	menu_damage();
	if (!C.menu.open)
		menu_show(false);
	menu_do(&act);
}

/* Whether A and B's first N bytes are the same, in a time that does not
 * depend on where they differ. */
static bool same_bytes(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* The check of the lock screen's line: crypt(3) of it against the hash;
 * what crypt wrote of it is wiped. */
static bool lock_check(void *ctx, const char *passphrase)
{
	static struct crypt_data data;
	(void)ctx;
	memset(&data, 0, sizeof(data));
	const char *out = crypt_r(passphrase, C.lock_hash, &data);
	bool right = out && out[0] != '*' && strlen(out) == strlen(C.lock_hash) &&
		     same_bytes(out, C.lock_hash, strlen(out));
	explicit_bzero(&data, sizeof(data));
	return right;
}

static void lock_damage(void)
{
	add_damage((struct rect){ 0, 0, C.out->width, C.out->height });
}

/* Locks the screen: nothing of the domains shown, no input to them. */
static void lock_screen(void)
{
	if (!C.lock_hash[0] || !C.lock.line.buf || !C.lock_keymap) {
		notice("no lock screen: %s", !C.lock_hash[0] ?
		       "no passphrase to check (set lock_passphrase in desktop.cfg: a hash "
		       "from `openssl passwd -6')" : "its memory or keymap could not be made");
		return;
	}
	if (C.launcher.open)
		launcher_open(false);
	if (C.menu.open)
		menu_show(false);
	lock_engage(&C.lock);
	grab_follow();
	lock_damage();
	log_event(TAG, "locked", "");
}

static void lock_key_typed(uint32_t code, uint32_t value)
{
	switch (lock_key(&C.lock, C.lock_keymap, code, value, monotonic_ms(), lock_check, NULL)) {
	case LOCK_SAME:
		return;
	case LOCK_CHANGED:
		lock_damage();
		if (C.lock.wrong && value == 1 && (code == KEY_ENTER || code == KEY_KPENTER))
			log_event(TAG, "unlock-refused", "failures=%u", C.lock.failures);
		return;
	case LOCK_UNLOCKED:
		grab_follow();
		lock_damage();
		log_event(TAG, "unlocked", "");
		return;
	}
}

static void sink_dom0_key(void *ctx, uint32_t code, uint32_t value)
{
	(void)ctx;
	if (C.lock.locked) {
		lock_key_typed(code, value);
		return;
	}
	if (asks_open(&C.asks)) {
		if (asks_key(&C.asks, code, value, monotonic_ms()))
			ask_changed();
		return;
	}
	if (C.devasks.n) {
		input_ask_key(code, value);
		return;
	}
	if (C.menu.open) {
		menu_key_typed(code, value);
		return;
	}
	if (!C.launcher.open)
		return;
	if (code == KEY_TAB) {
		const char *names[DOMAINS_MAX + 1];
		if (value == 1 && launcher_complete(&C.launcher, names, launcher_names(names, NULL)))
			add_damage(prompt_rect());
		return;
	}
	switch (launcher_key(&C.launcher, code, value)) {
	case LAUNCHER_ENTER:
		launcher_run();
		launcher_open(false);
		break;
	case LAUNCHER_CANCEL:
		launcher_open(false);
		break;
	case LAUNCHER_EDITED:
		add_damage(prompt_rect());
		break;
	}
}

/* --- notices and the clipboard --------------------------------------------- */

#define NOTICE_MS 6000

static void bar_damage(void)
{
	add_damage((struct rect){ 0, 0, C.out->width, STATUS_BAR_HEIGHT });
}

/* Says FMT to the user in the bar for NOTICE_MS, and in the log. */
static void __attribute__((format(printf, 1, 2))) notice(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(C.notice, sizeof(C.notice), fmt, ap);
	va_end(ap);
	C.notice_until_ms = monotonic_ms() + NOTICE_MS;
	log_notice(TAG, "%s", C.notice);
	bar_damage();
}

/* The manager's USB list: a device that came is said. */
static void usb_answer(void)
{
	char text[sizeof(C.notice)];
	if (usbnotes_read(&C.usbnotes, monotonic_ms() / 1000, text, sizeof(text)))
		notice("%s", text);
}

/* "@dispvm[:TEMPLATE] COMMAND": the manager asked; its answer comes in the
 * loop (a disposable not preloaded boots first). */
static void launch_disposable(const char *template_name, const char *cmd)
{
	char why[160];
	if (launch_ask_disposable(&C.launch, template_name, cmd, why, sizeof(why)) < 0) {
		notice("no disposable for \"%s\": %s", cmd, why);
		return;
	}
	C.asked = NULL;
	C.asked_dispvm[0] = '\0';
	C.dispvm_pending = true;
	notice("a disposable of %s starts for \"%s\"", template_name[0] ? template_name :
	       "the default template", cmd);
}

/* "DOMAIN COMMAND" for a domain the manager says is stopped or failed:
 * the manager is asked to start it, and COMMAND runs once its agent is up;
 * one coming up already just gets COMMAND then.  False when NAME is
 * neither (the caller says why it cannot run). */
static bool launch_start(const char *name, const char *cmd)
{
	const struct domstatus_entry *e = domstatus_find(&C.status, name);
	char why[160];
	if (!e || !e->gui)
		return false;
	bool down = strcmp(e->state, "stopped") == 0 || strcmp(e->state, "failed") == 0;
	bool coming = strcmp(e->state, "creating") == 0 || strcmp(e->state, "backoff") == 0 ||
		      strcmp(e->state, "running") == 0;
	if (!down && !coming)
		return false;
	if (down && launch_ask_domain(&C.launch, CTL_DOMAIN_START, name, why, sizeof(why)) < 0) {
		notice("launcher: cannot start %s for \"%s\": %s", name, cmd, why);
		return true;
	}
	str_copy(C.start_name, name, sizeof(C.start_name));
	str_copy(C.start_cmd, cmd, sizeof(C.start_cmd));
	C.asked = NULL;
	C.asked_dispvm[0] = '\0';
	C.start_focus = true;
	notice("launcher: %s %s; \"%s\" runs once its agent is up", name,
	       down ? "starts" : "is coming up", cmd);
	return true;
}

/* After the round in which a started domain's agent greeted dom0: its
 * command, asked of it now. */
static void start_run(void *ctx)
{
	struct gui_domain *d = find_domain(C.start_name);
	(void)ctx;
	if (!C.start_name[0] || !d || !has_channel(d) || !d->client->greeted)
		return;
	if (client_run(d->client, C.start_cmd) < 0) {
		notice("launcher: %s came up, but \"%s\" could not be sent to it", d->name,
		       C.start_cmd);
	} else {
		log_info(TAG, "launcher: %s runs \"%s\"", d->name, C.start_cmd);
		if (C.start_focus) {
			C.asked = d;
			C.asked_until_ms = monotonic_ms() + GUI_LAUNCH_FOCUS_MS;
		}
	}
	C.start_name[0] = '\0';
}

/* A command the user launched failed as it started: said in the bar,
 * the domain named by dom0 (its text is the command dom0 sent, checked
 * printable by gui_decode, one per RUN). */
static void client_exited(void *ctx, struct client *c, uint32_t status, const char *command)
{
	(void)ctx;
	if (status == 127)
		notice("%s: \"%s\" failed: command not found (status 127)", c->name, command);
	else if (status == 126)
		notice("%s: \"%s\" failed: not executable (status 126)", c->name, command);
	else if (status > GUI_EXIT_SIGNAL)
		notice("%s: \"%s\" failed: killed by signal %u (%s)", c->name, command,
		       status - GUI_EXIT_SIGNAL, strsignal((int)(status - GUI_EXIT_SIGNAL)));
	else
		notice("%s: \"%s\" failed: exit status %u", c->name, command, status);
	log_event(TAG, "run-failed", "name=%s status=%u", c->name, status);
}

static void client_greeted(void *ctx, struct client *c)
{
	(void)ctx;
	if (C.start_name[0] && strcmp(c->name, C.start_name) == 0)
		loop_defer(&C.loop, &C.start_run);
}

/* The answer to what the menu asked: said in the bar. */
static void menu_answer(const struct launch_ask *asked, int rc, const char *why)
{
	static const char *const done[] = { [CTL_DOMAIN_START] = "starts",
					    [CTL_DOMAIN_STOP] = "shuts down",
					    [CTL_DOMAIN_KILL] = "was killed" };
	if (asked->kind == LAUNCH_ASK_POWER) {
		if (rc == 0)
			notice("menu: dom0 does not %s: %s", asked->power == CTL_POWER_REBOOT ?
			       "reboot" : "power off", why);
		else
			notice("dom0 %s", asked->power == CTL_POWER_REBOOT ? "reboots" :
			       "powers off");
	} else if (rc == 0) {
		notice("menu: %s: %s", asked->name, why);
	} else if (asked->op <= CTL_DOMAIN_KILL && done[asked->op]) {
		notice("%s %s", asked->name, done[asked->op]);
	}
}

/* The manager's answer: the disposable runs the command, its first window
 * the user's to focus; or the domain asked for starts (its command waits
 * for its agent); or the menu's request is answered. */
static void launch_answer(void)
{
	char name[DOMAIN_NAME_MAX + 1], why[CTL_ERROR_TEXT_MAX + 1];
	struct launch_ask asked;
	int rc = launch_ask_read(&C.launch, &asked, name, sizeof(name), why, sizeof(why));
	if (rc < 0)
		return;
	bool launcher_start = asked.kind == LAUNCH_ASK_DOMAIN && asked.op == CTL_DOMAIN_START &&
			      C.start_name[0] && strcmp(C.start_name, asked.name) == 0;
	if (launcher_start) {
		if (rc == 0) {
			notice("launcher: %s did not start: %s", name, why);
			C.start_name[0] = '\0';
		}
		return;
	}
	if (asked.kind != LAUNCH_ASK_DISPOSABLE) {
		menu_answer(&asked, rc, why);
		return;
	}
	bool pending = C.dispvm_pending;
	C.dispvm_pending = false;
	if (rc == 0) {
		notice("no disposable: %s", why);
		return;
	}
	/* The user has typed or moved elsewhere since: no focus taken. */
	if (pending) {
		str_copy(C.asked_dispvm, name, sizeof(C.asked_dispvm));
		C.asked_until_ms = monotonic_ms() + GUI_LAUNCH_FOCUS_MS;
	}
	notice("disposable %s runs its command", name);
}

/* The domains as the policy knows them: the manager's word (an unnamed
 * disposable's template is not in it: it matches @dispvm, not
 * @dispvm:TEMPLATE), and dom0. */
static size_t policy_domains(struct pol_domain *out)
{
	size_t n = 0;
	for (size_t i = 0; i < C.status.n; i++) {
		const struct domstatus_entry *e = &C.status.e[i];
		out[n++] = (struct pol_domain){ e->name, e->label, e->class,
						e->configured ? NULL : "" };
	}
	out[n++] = (struct pol_domain){ "dom0", LABEL_BLACK, CLASS_STANDALONE, NULL };
	return n;
}

static const struct pol_domain *policy_domain(const struct pol_domain *doms, size_t n,
					      const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(doms[i].name, name) == 0)
			return &doms[i];
	return NULL;
}

static void copy_from(struct window *w)
{
	int rc = client_clip_ask(w->client, w->id);
	if (rc == -ENOTSUP)
		notice("%s's agent speaks a GUI protocol without a clipboard (version %u): "
		       "nothing copied", w->client->name, w->client->version);
	else if (rc < 0)
		notice("%s's GUI channel is not up: nothing copied", w->client->name);
}

/* C answered the copy. */
static void on_clipboard(void *ctx, struct client *c, enum gui_clip_status status,
			 const uint8_t *data, size_t len)
{
	(void)ctx;
	if (status == GUI_CLIP_EMPTY) {
		notice("%s's clipboard is empty: nothing copied", c->name);
	} else if (status == GUI_CLIP_TOO_LARGE) {
		notice("%s's clipboard is larger than %d KiB: nothing copied", c->name,
		       GUI_CLIPBOARD_MAX / 1024);
	} else {
		clipboard_store(&C.clip, c->name, data, len);
		log_event(TAG, "clipboard-copy", "from=%s bytes=%zu", c->name, len);
		C.notice_until_ms = 0;
		bar_damage();
	}
}

static void paste_to(struct window *w)
{
	struct pol_domain doms[DOMAINS_MAX + 1];
	size_t n = policy_domains(doms);
	const struct pol_domain *src = policy_domain(doms, n, C.clip.source);
	const struct pol_domain *dst = policy_domain(doms, n, w->client->name);
	/* The source gone from the manager's list: known by name alone. */
	struct pol_domain gone = { C.clip.source, LABEL_BLACK, CLASS_APP, "" };
	char why[256];

	if (!dst) {
		notice("%s is no domain the domain manager lists: nothing pasted", w->client->name);
		return;
	}
	switch (clipboard_paste_check(&C.clip, &C.policy, src ? src : &gone, dst, doms, n, why,
				      sizeof(why))) {
	case CLIPBOARD_EMPTY:
		notice("%s", why);
		return;
	case CLIPBOARD_DENIED:
		notice("%s: nothing pasted, the clipboard is kept", why);
		log_event(TAG, "clipboard-denied", "from=%s to=%s", C.clip.source, dst->name);
		return;
	case CLIPBOARD_GO:
		break;
	}
	int rc = client_clip_paste(w->client, w->id, C.clip.data, C.clip.len);
	if (rc == -ENOTSUP) {
		notice("%s's agent speaks a GUI protocol without a clipboard: nothing pasted",
		       dst->name);
	} else if (rc == -EAGAIN) {
		notice("%s has not read what it was sent before: nothing pasted, the clipboard is "
		       "kept", dst->name);
	} else if (rc < 0) {
		notice("%s's GUI channel is not up: nothing pasted", dst->name);
	} else {
		log_event(TAG, "clipboard-paste", "from=%s to=%s bytes=%zu", C.clip.source,
			  dst->name, C.clip.len);
		clipboard_forget(&C.clip);
		bar_damage();
	}
}

static void sink_action(void *ctx, const struct binding *b, struct desktop_window *focused)
{
	struct window *w = focused ? focused->owner : NULL;
	(void)ctx;
	if (b->action == ACT_CLOSE && w) {
		struct gui_msg m = { .type = GUI_CLOSE, .window = w->id };
		w->close_asked = true;
		client_send(w->client, &m);
	} else if (b->action == ACT_LAUNCHER) {
		if (!C.launcher.open && C.menu.open)
			menu_show(false);
		launcher_open(!C.launcher.open);
	} else if (b->action == ACT_MENU) {
		menu_show(!C.menu.open);
	} else if (b->action == ACT_LOCK) {
		lock_screen();
	} else if (b->action == ACT_COPY || b->action == ACT_PASTE) {
		if (!w)
			notice("no window has the focus: nothing to %s",
			       b->action == ACT_COPY ? "copy from" : "paste to");
		else if (b->action == ACT_COPY)
			copy_from(w);
		else
			paste_to(w);
	}
}

static void sink_damage(void *ctx, struct rect r)
{
	(void)ctx;
	add_damage(r);
}

/* T becomes domain D's channel (to DOMID over vchan, -1 local), unless it
 * has one (or one still being dropped: the domain tries again). */
static void attach_client(struct gui_domain *d, struct gui_transport *t, int domid)
{
	if (d->client) {
		log_warn(TAG, "domain %s: a second GUI connection refused", d->name);
		gui_transport_close(t);
		return;
	}
	d->client = client_new(&C.clients, t, d->name, d, domid);
	if (!d->client) {
		log_err(TAG, "domain %s: out of memory for its GUI channel", d->name);
		return;
	}
	d->channel_watch.fd = client_fd(d->client);
	/* Room for each domain's channel: COMPOSITOR_FDS_MAX. */
	loop_fd_add(&C.loop, &d->channel_watch);
	log_info(TAG, "domain %s: GUI channel up (%s)", d->name, t->ops->name);
	log_event(TAG, "gui-up", "name=%s transport=%s", d->name, t->ops->name);
}

static void accept_client(struct loop *l, struct loop_fd *w, short revents)
{
	struct gui_domain *d = w->ctx;
	struct gui_transport *t = gui_local_accept(d->listen_fd);

	(void)l;
	(void)revents;
	if (t)
		attach_client(d, t, -1);
}

/* A domain's channel: what its fd said; what it leaves buffered is
 * served after the round (serve_buffered). */
static void channel_ready(struct loop *l, struct loop_fd *w, short revents)
{
	struct gui_domain *d = w->ctx;

	(void)revents;
	client_io(d->client, true);
	if (client_has_input(d->client))
		loop_defer(l, &C.buffered);
}

/* The status bar says when a running domain has offered no channel for
 * longer than agent_timeout_ms: its agent never started, or died. */
static void watch_agent(struct gui_domain *d, bool waiting)
{
	uint64_t now = monotonic_ms();
	if (!waiting) {
		if (d->no_agent)
			add_damage((struct rect){ 0, 0, C.out->width, STATUS_BAR_HEIGHT });
		d->waiting_since_ms = 0;
		d->no_agent = false;
		return;
	}
	if (!d->waiting_since_ms)
		d->waiting_since_ms = now;
	if (d->no_agent || now - d->waiting_since_ms < C.cfg.agent_timeout_ms)
		return;
	d->no_agent = true;
	log_warn(TAG, "domain %s: no GUI agent %u s after it started running (nothing offered at "
		 "%s); its windows come when it offers one", d->name,
		 C.cfg.agent_timeout_ms / 1000, GUI_VCHAN_PATH);
	log_event(TAG, "no-agent", "name=%s after_s=%u", d->name, C.cfg.agent_timeout_ms / 1000);
	add_damage((struct rect){ 0, 0, C.out->width, STATUS_BAR_HEIGHT });
}

/* A slot for a domain with windows: a free one, or a new one. */
static struct gui_domain *new_domain(const char *name, uint32_t label_rgb, bool configured)
{
	struct gui_domain *d = find_domain("");
	if (!d && C.ndoms < DOMAINS_MAX)
		d = &C.doms[C.ndoms++];
	if (!d)
		return NULL;
	memset(d, 0, sizeof(*d));
	str_copy(d->name, name, sizeof(d->name));
	d->label_rgb = label_rgb;
	d->configured = configured;
	d->listen_fd = -1;
	d->listen_watch = (struct loop_fd){ .fd = -1, .events = POLLIN, .cb = accept_client,
					    .ctx = d };
	d->channel_watch = (struct loop_fd){ .fd = -1, .cb = channel_ready, .ctx = d };
	return d;
}

/* The domains the manager lists that are not configured (unnamed
 * disposables) get windows while it lists them, under the name and label
 * it gives. */
static void follow_listed_domains(void)
{
	for (size_t i = 0; i < C.status.n; i++) {
		const struct domstatus_entry *e = &C.status.e[i];
		struct gui_domain *d = find_domain(e->name);
		if (!d && e->gui && !e->configured)
			d = new_domain(e->name, domain_label_rgb[e->label], false);
		if (d && !d->configured) {
			d->label_rgb = domain_label_rgb[e->label];
			d->unlisted = false;
		}
	}
	for (size_t i = 0; i < C.ndoms; i++) {
		struct gui_domain *d = &C.doms[i];
		if (d->configured || !d->name[0] || domstatus_find(&C.status, d->name))
			continue;
		/* The slot is its client's until the client is freed. */
		d->unlisted = true;
		if (d->client)
			client_drop(d->client, "the domain manager no longer lists it");
		else
			d->name[0] = '\0';
	}
}

/* The id of DOMID's current vchan offer into OFFER: false when there is
 * none, or it is not 1..GUI_OFFER_MAX lowercase hex digits. */
static bool read_offer(uint32_t domid, char *offer)
{
	char path[128];
	unsigned len = 0;

	snprintf(path, sizeof(path), "/local/domain/%u/%s/%s", domid, GUI_VCHAN_PATH,
		 GUI_VCHAN_OFFER);
	char *untrusted_offer = xs_read(C.xs, XBT_NULL, path, &len);
	bool ok = untrusted_offer && gui_offer_is_valid(untrusted_offer, len);
	if (ok)
		memcpy(offer, untrusted_offer, len + 1);
	free(untrusted_offer);
	return ok;
}

/* On Xen: connects to the vchan of each domain with windows that runs and
 * offers one (its agent serves GUI_VCHAN_PATH in its xenstore tree).  The
 * domid comes from the domain manager, never from anything a domain can
 * write: a domain cannot pass for another. */
static void connect_vchans(void)
{
	char path[128];

	for (size_t i = 0; i < C.ndoms; i++) {
		struct gui_domain *d = &C.doms[i];
		const struct domstatus_entry *b = domstatus_find(&C.status, d->name);
		struct client *c = d->client;
		if (!b)
			continue;
		/* A dead domain cannot close its end: its ring stays as it was. */
		if (has_channel(d) && c->domid >= 0 && (uint32_t)c->domid != b->domid)
			client_drop(c, "domain %d is gone", c->domid);
		bool up = b->domid != CTL_NO_DOMID && strcmp(b->state, "running") == 0;
		watch_agent(d, up && !has_channel(d));
		if (d->client || !up)
			continue;
		if (!C.xs)
			C.xs = xs_open(XS_OPEN_READONLY);
		if (!C.xs)
			return;
		char offer[GUI_OFFER_MAX + 1];
		if (!read_offer(b->domid, offer) ||
		    (d->vchan_domid == b->domid && strcmp(offer, d->vchan_offer) == 0))
			continue;
		/* Read before the vchan's keys, which are as new as the id or newer. */
		snprintf(path, sizeof(path), "/local/domain/%u/%s", b->domid, GUI_VCHAN_PATH);
		struct gui_transport *t = gui_vchan_connect((int)b->domid, path);
		if (t) {
			d->vchan_domid = b->domid;
			str_copy(d->vchan_offer, offer, sizeof(d->vchan_offer));
			attach_client(d, t, (int)b->domid);
		}
	}
}

/* --- the screen ---------------------------------------------------------- */

/* W (on the screen at OUTER) as the renderer draws it. */
static struct render_window scene_window(const struct window *w, struct rect outer, bool focused)
{
	const struct gui_domain *dom = w->client->owner;

	return (struct render_window){
		.outer = outer,
		.label_rgb = dom->label_rgb,
		.domain = dom->name,
		.title = w->title,
		.focused = focused,
		.popup = w->popup,
		.pixels = w->map.pixels,
		.buf_width = w->buf_width,
		.buf_height = w->buf_height,
		.stride = w->stride,
	};
}

/* The windows on the screen, bottom to top: each top-level window, then
 * its popups over it.  RW has room for them all (a popup counts among its
 * domain's GUI_WINDOWS_MAX). */
static size_t build_scene(struct render_scene *s, struct render_window *rw,
			  struct render_chip *chips)
{
	static struct desktop_window *vis[DESKTOP_WINDOWS_MAX];
	size_t nvis = desktop_visible(&C.desk, vis), n = 0;
	struct desktop_window *focused = desktop_focused(&C.desk);
	struct rect outer;

	static struct render_head heads[RENDER_HEADS_MAX];
	memset(s, 0, sizeof(*s));
	s->width = C.out->width;
	s->height = C.out->height;
	for (size_t h = 0; h < C.desk.nheads && h < RENDER_HEADS_MAX; h++)
		heads[h] = (struct render_head){ C.desk.heads[h], C.desk.shown[h], false,
						 C.desk.shown[h] == C.desk.current };
	s->heads = heads;
	s->nheads = C.desk.nheads < RENDER_HEADS_MAX ? C.desk.nheads : RENDER_HEADS_MAX;
	for (size_t i = 0; i < nvis; i++) {
		struct window *root = vis[i]->owner;
		rw[n++] = scene_window(root, vis[i]->outer, vis[i] == focused);
		for (struct window *w = root->client->windows; w; w = w->next)
			if (w->popup && window_root(w) == root && window_on_screen(w, &outer, NULL))
				rw[n++] = scene_window(w, outer, vis[i] == focused);
		int h = desktop_head_of(&C.desk, vis[i]->workspace);
		if (vis[i]->fullscreen && h >= 0 && h < RENDER_HEADS_MAX)
			heads[h].fullscreen = true;
	}
	s->windows = rw;
	s->nwindows = n;
	s->tint = C.cfg.tint;
	s->workspace = C.desk.current;
	s->nworkspaces = DESKTOP_WORKSPACES;
	s->busy_workspaces = desktop_busy_workspaces(&C.desk);
	for (size_t i = 0; i < C.status.n; i++) {
		const struct gui_domain *d = find_domain(C.status.e[i].name);
		chips[i] = (struct render_chip){ C.status.e[i].name,
						 d && d->no_agent ? "no agent" : C.status.e[i].state,
						 domain_label_rgb[C.status.e[i].label] };
	}
	s->chips = chips;
	s->nchips = C.status.n;
	s->clock = C.clock;
	static char clip[64];
	clipboard_describe(&C.clip, clip, sizeof(clip));
	const struct domstatus_entry *src = domstatus_find(&C.status, C.clip.source);
	s->clipboard = C.clip.full ? clip : NULL;
	s->clipboard_rgb = src ? domain_label_rgb[src->label] : 0xffffff;
	s->notice = C.notice_until_ms ? C.notice : NULL;
	s->prompt = C.launcher.open ? C.launcher.line : NULL;
	s->nprompt_chips = 0;
	if (C.launcher.open) {
		static const char *names[DOMAINS_MAX + 1];
		static int index[DOMAINS_MAX + 1];
		static struct render_chip matches[DOMAINS_MAX + 1];
		size_t n = launcher_names(names, index);
		for (size_t i = 0; i < n; i++) {
			if (!launcher_matches(&C.launcher, names[i]))
				continue;
			const struct domstatus_entry *e = index[i] >= 0 ? &C.status.e[index[i]] : NULL;
			matches[s->nprompt_chips++] = (struct render_chip){
				names[i], e ? e->state : index[i] < 0 && i + 1 == n ? "new" : "",
				e ? domain_label_rgb[e->label] : 0xdddddd };
		}
		s->prompt_chips = matches;
	}
	static char ask[200], ask_choices[CTL_ASK_CHOICES_MAX * (CTL_CHOICE_MAX + 4) + 40];
	asks_describe(&C.asks, ask, ask_choices, sizeof(ask));
	s->ask = asks_open(&C.asks) ? ask : NULL;
	if (!s->ask && C.devasks.n) {
		/* On the screen from this frame on: the question can be
		 * answered now (the tests wait for this line). */
		if (inputasks_shown(&C.devasks, monotonic_ms()))
			log_event(TAG, "input-shown", "domain=%s device=%u kind=%s",
				  C.devasks.q[0].domain, C.devasks.q[0].id,
				  input_kind_word(C.devasks.q[0].kind));
		inputasks_describe(&C.devasks, ask, ask_choices, sizeof(ask));
		s->ask = ask;
	}
	s->ask_choices = ask_choices;
	if (C.menu.open) {
		static struct render_chip rows[DOMAINS_MAX + MENU_DOM0_ROWS];
		static char help[200];
		size_t k = 0;
		for (size_t i = 0; i < C.status.n; i++)
			rows[k++] = chips[i];
		for (size_t i = 0; i < MENU_DOM0_ROWS; i++)
			rows[k++] = (struct render_chip){ menu_dom0_text[i], "", 0 };
		s->menu_rows = rows;
		s->nmenu_rows = k;
		s->menu_ndomains = C.status.n;
		s->menu_chosen = C.menu.row;
		s->menu_question = menu_describe(&C.menu, help, sizeof(help));
		s->menu_help = help;
	}
	if (C.lock.locked) {
		static char lock[LOCK_PASSPHRASE_MAX + 80];
		lock_describe(&C.lock, monotonic_ms(), lock, sizeof(lock));
		s->lock = lock;
	}
	s->pointer_visible = C.pointer_seen && !C.lock.locked;
	s->pointer_x = C.px;
	s->pointer_y = C.py;
	return n;
}

static void render_if_needed(void)
{
	static struct render_window rw[DESKTOP_WINDOWS_MAX];
	static struct render_chip chips[DOMAINS_MAX];
	struct render_scene s;

	if (cairo_region_is_empty(C.damage) || C.out->busy)
		return;
	build_scene(&s, rw, chips);
	renderer_draw(C.r, C.out->shadow, &s, C.damage);
	if (C.out->ops->present(C.out, C.damage) == 0) {
		C.frames++;
		cairo_region_destroy(C.damage);
		C.damage = cairo_region_create();
	}
}

static void status_answer(void)
{
	struct menu_domain doms[DOMAINS_MAX];
	if (domstatus_answer(&C.status)) {
		add_damage((struct rect){ 0, 0, C.out->width, STATUS_BAR_HEIGHT });
		if (C.menu.open) {
			menu_follow(&C.menu, doms, menu_domains(doms));
			menu_damage();
		}
	}
	follow_listed_domains();
	connect_vchans();
}

/* For `make bench': the frames shown in each 5 s, against the damage the
 * domains reported (more damage than frames: updates were merged). */
static void report_frame_rate(void)
{
	uint64_t now = monotonic_ms();
	if (!C.frames_since_ms)
		C.frames_since_ms = now;
	if (now - C.frames_since_ms < 5000)
		return;
	double s = (double)(now - C.frames_since_ms) / 1000;
	log_info(TAG, "frame rate: %u frames in %.1f s (%.1f per s), %llu DAMAGE messages",
		 C.frames, s, C.frames / s,
		 (unsigned long long)(C.clients.damages - C.damages_at));
	C.frames = 0;
	C.damages_at = C.clients.damages;
	C.frames_since_ms = now;
}

/* For `make bench': the keys' times since the last report, in one line;
 * a line each would be 20,000 lines on the bench's serial console, and
 * their writing would be in the figures. */
static void report_input_latency(void)
{
	struct latency_summary s = latency_take(&C.latency);

	log_event(TAG, "input-latency", "n=%zu p50_us=%u p99_us=%u max_us=%u", s.n, s.p50_us,
		  s.p99_us, s.max_us);
}

/* The desktop's heads are the output's. */
static void follow_heads(void)
{
	_Static_assert(OUTPUT_HEADS_MAX == DESKTOP_HEADS_MAX, "a head for each output");
	struct rect heads[OUTPUT_HEADS_MAX];
	for (size_t i = 0; i < C.out->nheads; i++)
		heads[i] = (struct rect){ C.out->heads[i].x, C.out->heads[i].y,
					  C.out->heads[i].width, C.out->heads[i].height };
	desktop_set_heads(&C.desk, heads, C.out->nheads);
}

/* A monitor plugged in or out: the desktop over the new heads, the
 * pointer kept on the canvas, all drawn again. */
static void rescan_output(void)
{
	if (!C.out->ops->rescan || C.out->ops->rescan(C.out) <= 0)
		return;
	follow_heads();
	C.px = C.px < C.out->width ? C.px : C.out->width - 1;
	C.py = C.py < C.out->height ? C.py : C.out->height - 1;
	add_damage((struct rect){ 0, 0, C.out->width, C.out->height });
	log_notice(TAG, "%zu heads now, %dx%d", C.out->nheads, C.out->width, C.out->height);
}

/* Every second: the manager asked, the clock read, the monitors looked at. */
static void tick(struct loop *l, struct loop_timer *t)
{
	time_t now = time(NULL);
	struct tm tm;
	char clock[sizeof(C.clock)];

	loop_timer_arm(l, t, loop_now(l) + 1000);	/* armed again: room */
	rescan_output();
	domstatus_ask(&C.status);
	asks_poll(&C.asks);
	if (++C.usb_ticks >= USBNOTES_POLL_S) {
		C.usb_ticks = 0;
		usbnotes_poll(&C.usbnotes);
	}
	if (C.notice_until_ms && monotonic_ms() >= C.notice_until_ms) {
		C.notice_until_ms = 0;
		bar_damage();
	}
	if (C.cfg.measure_frame_rate)
		report_frame_rate();
	/* Said once the user (the bench's typist) pauses for a second. */
	if (C.cfg.measure_input_latency && C.latency.n && monotonic_ms() - C.input_at >= 1000)
		report_input_latency();
	if (C.cfg.lock_idle_s && !C.lock.locked && C.lock_hash[0] &&
	    monotonic_ms() - C.input_at >= (uint64_t)C.cfg.lock_idle_s * 1000)
		lock_screen();
	if (C.lock.locked && C.lock.wrong)
		lock_damage();		/* the wait counts down */
	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M", &tm);
	if (strcmp(clock, C.clock) != 0) {
		memcpy(C.clock, clock, sizeof(clock));
		add_damage((struct rect){ 0, 0, C.out->width, STATUS_BAR_HEIGHT });
	}
}

/* --- the keyboard and the pointer ----------------------------------------- */

/* The pointer at X,Y of W's pixels, to W's domain.  Sent before a button
 * or a wheel too: W may have had no motion since it got the focus (the
 * click that focused it was dom0's). */
static void send_motion(struct window *w, int32_t x, int32_t y)
{
	struct gui_msg m = { .type = GUI_MOTION, .window = w->id };

	m.u.motion.x = x;
	m.u.motion.y = y;
	client_send(w->client, &m);
}

/* Pointer events go to the window under the pointer, and only when it is
 * the focused one or one of its popups: a click on another window focuses
 * it and goes nowhere. */
static void pointer_button(uint32_t code, uint32_t value)
{
	struct desktop_window *under = desktop_window_at(&C.desk, C.px, C.py);
	struct desktop_window *focused = desktop_focused(&C.desk);
	int32_t x, y;

	if (C.lock.locked)
		return;
	/* The press that focused a window is dom0's, and so is its release. */
	if (value == 0 && C.button_swallowed == code) {
		C.button_swallowed = 0;
		return;
	}
	if (!under)
		return;
	if (under != focused) {
		if (value == 1 && code == BTN_LEFT) {
			desktop_focus(&C.desk, under);
			C.button_swallowed = code;
		}
		return;
	}
	struct window *w = window_at(under->owner, C.px, C.py, &x, &y);
	if (!w || value > 1)
		return;
	desktop_commit_modifiers(&C.desk);
	send_motion(w, x, y);
	struct gui_msg m = { .type = GUI_BUTTON, .window = w->id };
	m.u.input.code = code;
	m.u.input.value = value;
	client_send(w->client, &m);
}

/* A key or button from the user.  When it moves the focus, or goes to a
 * domain's window, a window the launcher asked for no longer takes the
 * focus: the user has moved on, and keys typed on must not change window
 * halfway. */
static void user_key(uint32_t code, uint32_t value)
{
	struct desktop_window *before = desktop_focused(&C.desk);
	unsigned ws = C.desk.current;
	uint64_t keys = C.clients.keys_sent;

	C.input_at = monotonic_ms();
	if (code >= BTN_MISC && code < KEY_OK)
		pointer_button(code, value);
	else
		desktop_key(&C.desk, code, value);
	/* dom0's boxes follow the active head: both drawn again. */
	if (C.desk.current != ws && (C.launcher.open || C.menu.open || asks_open(&C.asks)))
		add_damage((struct rect){ 0, 0, C.out->width, C.out->height });
	if (desktop_focused(&C.desk) != before || C.desk.current != ws ||
	    C.clients.keys_sent != keys) {
		C.asked = NULL;
		C.asked_dispvm[0] = '\0';
		C.dispvm_pending = false;
		C.start_focus = false;
	}
}

static void input_key(void *ctx, uint32_t code, uint32_t value, uint64_t time_us)
{
	uint64_t sent = C.clients.keys_sent;

	(void)ctx;
	user_key(code, value);
	/* Only how long a key took is kept, never which key it was.  Full
	 * (keys without a pause): said now, and counted afresh. */
	if (C.cfg.measure_input_latency && time_us && C.clients.keys_sent != sent) {
		uint64_t now = monotonic_us();
		if (latency_add(&C.latency, now > time_us ? now - time_us : 0))
			report_input_latency();
	}
}

static void input_motion(void *ctx, int32_t dx, int32_t dy)
{
	struct desktop_window *focused = desktop_focused(&C.desk);
	struct window *w;
	int32_t x, y;

	(void)ctx;
	add_damage(render_pointer_rect(C.px, C.py));
	C.px += dx;
	C.py += dy;
	C.px = C.px < 0 ? 0 : C.px >= C.out->width ? C.out->width - 1 : C.px;
	C.py = C.py < 0 ? 0 : C.py >= C.out->height ? C.out->height - 1 : C.py;
	C.pointer_seen = true;
	C.input_at = monotonic_ms();
	add_damage(render_pointer_rect(C.px, C.py));
	if (!C.lock.locked && focused && (w = window_at(focused->owner, C.px, C.py, &x, &y)))
		send_motion(w, x, y);
}

/* A wheel turned over the focused window, or one of its popups: theirs. */
static void input_axis(void *ctx, uint32_t axis, int32_t steps)
{
	struct desktop_window *focused = desktop_focused(&C.desk);
	struct window *w;
	int32_t x, y;

	(void)ctx;
	C.input_at = monotonic_ms();
	if (C.lock.locked || !focused || !(w = window_at(focused->owner, C.px, C.py, &x, &y)))
		return;
	desktop_commit_modifiers(&C.desk);
	send_motion(w, x, y);
	struct gui_msg m = { .type = GUI_AXIS, .window = w->id };
	m.u.axis.axis = axis;
	m.u.axis.steps = steps;		/* bounded by client_send */
	client_send(w->client, &m);
}

/* dom0's own keyboards and pointers, and a USB domain's accepted ones. */
static const struct input_sink input_sink = { .key = input_key, .motion = input_motion,
					      .axis = input_axis };

/* --- control socket ------------------------------------------------------ */

static int ctl_screenshot(void *ctx, const char *path, char *msg, size_t msgcap)
{
	(void)ctx;
	/* The picture is of what is on screen: pending damage first. */
	render_if_needed();
	int rc = output_write_png(C.out, path);
	if (rc < 0)
		snprintf(msg, msgcap, "cannot write %s: %s", path, strerror(-rc));
	return rc;
}

static int ctl_key(void *ctx, uint16_t code, uint8_t value)
{
	(void)ctx;
	user_key(code, value);
	return 0;
}

static int ctl_pointer(void *ctx, uint16_t x, uint16_t y, int16_t wheel)
{
	input_motion(ctx, (int32_t)x - C.px, (int32_t)y - C.py);
	if (wheel)
		input_axis(ctx, 0, wheel);
	return 0;
}

/* --- setup and the loop -------------------------------------------------- */

static int listen_domains(const char *config_dir)
{
	struct domains doms;
	char path[256];

	domains_load(config_dir, &doms);
	if (C.cfg.gui_dir && mkdir_p(C.cfg.gui_dir, 0700) < 0)
		log_err(TAG, "cannot make %s: %s", C.cfg.gui_dir, strerror(errno));
	for (size_t i = 0; i < doms.n && C.ndoms < DOMAINS_MAX; i++) {
		const struct domain_config *dc = &doms.dom[i];
		domstatus_add(&C.status, dc->name, dc->label, dc->class, dc->gui);
		if (!dc->gui)
			continue;
		struct gui_domain *d = new_domain(dc->name, domain_label_rgb[dc->label], true);
		/* A socket speaks as its domain: made only where the config asks
		 * for the local transport (tests, development), never by default. */
		if (!C.cfg.gui_dir)
			continue;
		snprintf(path, sizeof(path), "%s/%s.sock", C.cfg.gui_dir, dc->name);
		int fd = gui_local_listen(path);
		if (fd < 0)
			log_err(TAG, "domain %s: cannot listen at %s: %s; no windows by the local "
				"transport", dc->name, path, strerror(-fd));
		d->listen_fd = fd;
		d->listen_watch.fd = fd;
		if (fd >= 0)
			loop_fd_add(&C.loop, &d->listen_watch);	/* room: COMPOSITOR_FDS_MAX */
	}
	domains_free(&doms);
	if (C.cfg.gui_dir)
		log_notice(TAG, "%zu domains may have windows (by vchan, and by sockets in %s)",
			   C.ndoms, C.cfg.gui_dir);
	else
		log_notice(TAG, "%zu domains may have windows (by vchan; no local sockets: gui_dir "
				"is not set)", C.ndoms);
	return 0;
}

static void on_signal(void *ctx, const struct signalfd_siginfo *si)
{
	(void)ctx;
	if (si->ssi_signo != SIGPIPE)
		C.stop = true;
}

/* Right after each poll, before any callback: the clients' clock, and the
 * windows whose time has come placed. */
static void woken(void *ctx, uint64_t now)
{
	(void)ctx;
	clients_tick(&C.clients, now);
}

static void output_ready(struct loop *l, struct loop_fd *w, short revents)
{
	(void)l;
	(void)w;
	(void)revents;
	C.out->ops->dispatch(C.out);
}

/* The manager's answer, while one is awaited. */
static size_t status_fill(void *ctx, struct pollfd *pfd)
{
	(void)ctx;
	size_t n = 0;
	if (domstatus_fd(&C.status) >= 0)
		pfd[n++] = (struct pollfd){ .fd = domstatus_fd(&C.status), .events = POLLIN };
	if (asks_fd(&C.asks) >= 0)
		pfd[n++] = (struct pollfd){ .fd = asks_fd(&C.asks), .events = POLLIN };
	if (launch_ask_fd(&C.launch) >= 0)
		pfd[n++] = (struct pollfd){ .fd = launch_ask_fd(&C.launch), .events = POLLIN };
	if (usbnotes_fd(&C.usbnotes) >= 0)
		pfd[n++] = (struct pollfd){ .fd = usbnotes_fd(&C.usbnotes), .events = POLLIN };
	return n;
}

static void status_ready(void *ctx, const struct pollfd *pfd, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == C.status.conn.fd)
			status_answer();
		else if (pfd[i].fd == C.asks.conn.fd && asks_read(&C.asks, monotonic_ms()))
			ask_changed();
		else if (pfd[i].fd == C.launch.fd)
			launch_answer();
		else if (pfd[i].fd == C.usbnotes.conn.fd)
			usb_answer();
	}
}

/* Deferred: a dropped channel is freed with no desktop or client call up
 * the stack. */
static void reap_clients(void *ctx)
{
	(void)ctx;
	clients_reap(&C.clients);
}

static void reap_due(void *ctx)
{
	(void)ctx;
	loop_defer(&C.loop, &C.reap);
}

/* Deferred: what channels have buffered, which their fds will not tell of
 * again. */
static void serve_buffered(void *ctx)
{
	(void)ctx;
	for (size_t i = 0; i < C.ndoms; i++)
		if (C.doms[i].client && client_has_input(C.doms[i].client))
			client_io(C.doms[i].client, false);
}

static int setup_loop(void)
{
	static const struct loop_ops ops = { .woken = woken };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPIPE);
	C.output_watch = (struct loop_fd){ .fd = C.out->fd, .events = POLLIN, .cb = output_ready };
	C.status_fds = (struct loop_fdset){ .max = 4, .fill = status_fill, .dispatch = status_ready };
	C.tick.cb = tick;
	C.input_at = monotonic_ms();
	C.reap.fn = reap_clients;
	C.start_run.fn = start_run;
	C.buffered.fn = serve_buffered;
	int rc = loop_init(&C.loop, COMPOSITOR_FDS_MAX, &ops);
	if (rc == 0)
		rc = loop_signals(&C.loop, &set, on_signal, NULL);
	if (rc == 0)
		rc = loop_fd_add(&C.loop, &C.output_watch);
	if (rc == 0)
		rc = loop_fdset_add(&C.loop, &C.status_fds);
	if (rc == 0 && C.input) {
		C.input_fds = input_fdset(C.input);
		rc = loop_fdset_add(&C.loop, &C.input_fds);
	}
	if (rc == 0)
		rc = loop_timer_arm(&C.loop, &C.tick, loop_now(&C.loop));
	return rc;
}

/* The screen, and the keyboards and pointers that go with it; without a
 * screen (headless) keys come by the control socket, for tests. */
static int open_output(struct control_ops *ops)
{
	char err[256];

	if (C.cfg.headless) {
		struct output_head heads[OUTPUT_HEADS_MAX];
		_Static_assert(DESKTOP_CONFIG_HEADS == OUTPUT_HEADS_MAX, "as many heads");
		for (size_t i = 0; i < C.cfg.nheadless; i++)
			heads[i] = (struct output_head){ .width = C.cfg.headless_heads[i].width,
							 .height = C.cfg.headless_heads[i].height };
		C.out = output_headless_new_heads(heads, C.cfg.nheadless);
		if (!C.out) {
			log_err(TAG, "cannot make a %dx%d headless output (%zu heads)",
				C.cfg.headless_heads[0].width, C.cfg.headless_heads[0].height, C.cfg.nheadless);
			return -1;
		}
		ops->key = ctl_key;
		ops->pointer = ctl_pointer;
		return 0;
	}
	/* The broker first, while this process holds nothing of the screen's
	 * that it could inherit. */
	int sock = input_broker_spawn("/dev/input");
	if (sock < 0)
		log_err(TAG, "cannot start the input broker: %s; no keyboard, no pointer",
			strerror(-sock));
	else if (!(C.input = input_open_fed(sock, "/dev/input", &input_sink)))
		close(sock);
	C.out = output_drm_new(C.cfg.drm_device, err, sizeof(err));
	if (!C.out) {
		log_err(TAG, "no screen: %s", err);
		return -1;
	}
	C.px = C.out->width / 2;
	C.py = C.out->height / 2;
	return 0;
}

/* Root's passphrase hash in SHADOW ("" when there is none, or it is
 * locked); the lines read are wiped. */
static void root_hash(const char *shadow, char *out, size_t cap)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = fopen(shadow, "re");

	out[0] = '\0';
	while (f && getline(&line, &len, f) > 0) {
		if (strncmp(line, "root:$", 6) != 0)
			continue;
		size_t n = strcspn(line + 5, ":\n");
		if (n < cap) {
			memcpy(out, line + 5, n);
			out[n] = '\0';
		}
		break;
	}
	if (line)
		explicit_bzero(line, len);
	free(line);
	if (f)
		fclose(f);
}

/* The lock screen: its passphrase's hash (desktop.cfg's, else root's,
 * read while the compositor still has root's files), its locked memory,
 * its keymap. */
static void lock_setup(void)
{
	const char *from = C.cfg.lock_passphrase ? "desktop.cfg's lock_passphrase" :
						   "root's passphrase in /etc/shadow";
	if (C.cfg.lock_passphrase)
		str_copy(C.lock_hash, C.cfg.lock_passphrase, sizeof(C.lock_hash));
	else
		root_hash("/etc/shadow", C.lock_hash, sizeof(C.lock_hash));
	if (!C.lock_hash[0]) {
		log_notice(TAG, "no lock screen: no lock_passphrase in desktop.cfg, no root "
			   "passphrase in /etc/shadow");
		return;
	}
	if (crypt_checksalt(C.lock_hash) != CRYPT_SALT_OK) {
		log_err(TAG, "no lock screen: %s is not a hash this libcrypt checks (\"%.3s...\"; "
			"`openssl passwd -6' makes one)", from, C.lock_hash);
		C.lock_hash[0] = '\0';
		return;
	}
	int rc = lock_init(&C.lock);
	C.lock_keymap = keymap_new(C.cfg.keymap_layout);
	if (rc < 0 || !C.lock_keymap) {
		log_err(TAG, "no lock screen: %s", rc < 0 ? strerror(-rc) : "no keymap");
		C.lock_hash[0] = '\0';
		return;
	}
	log_info(TAG, "lock screen: %s", from);
}

static int setup(const char *config_dir, int32_t width, int32_t height)
{
	static const struct desktop_sink sink = {
		.configure = clients_sink_configure,
		.focus = clients_sink_focus,
		.key = clients_sink_key,
		.action = sink_action,
		.damage = sink_damage,
		.dom0_key = sink_dom0_key,
		.ctx = &C.clients,
	};
	static const struct clients_env clients_env = {
		.damage = sink_damage,
		.wants_focus = client_wants_focus,
		.gone = client_gone,
		.reap_due = reap_due,
		.clipboard = on_clipboard,
		.greeted = client_greeted,
		.exited = client_exited,
		.input_allowed = client_input_allowed,
		.input_ask = client_input_ask,
		.input_gone = client_input_gone,
		.input = &input_sink,
	};
	struct control_ops ops = { .screenshot = ctl_screenshot };
	int rc;

	domstatus_init(&C.status);
	asks_init(&C.asks);
	usbnotes_init(&C.usbnotes);
	launch_ask_init(&C.launch);
	desktop_config_load(config_dir, &C.cfg);
	rpc_policy_load(config_dir, &C.policy);
	if (width > 0) {
		C.cfg.headless = true;
		C.cfg.headless_heads[0] = (struct desktop_head_size){ width, height };
		C.cfg.nheadless = 1;
	}
	if (open_output(&ops) < 0)
		return -1;
	C.r = renderer_new(C.cfg.font);
	if (!C.r) {
		log_err(TAG, "cannot load the font %s: %s; set font in desktop.cfg", C.cfg.font,
			strerror(errno));
		return -1;
	}
	C.launcher.keymap = keymap_new(C.cfg.keymap_layout);
	if (!C.launcher.keymap)
		log_err(TAG, "cannot compile the keymap \"%s\" (XKB data in /usr/share/X11/xkb?); "
			"no launcher", C.cfg.keymap_layout);
	lock_setup();
	C.damage = cairo_region_create();
	desktop_init(&C.desk, C.out->width, C.out->height, &C.cfg.bindings, &sink);
	follow_heads();
	clients_init(&C.clients, &C.desk, &clients_env, monotonic_ms());
	add_damage((struct rect){ 0, 0, C.out->width, C.out->height });
	rc = setup_loop();
	if (rc < 0) {
		log_err(TAG, "cannot set up the event loop: %s", strerror(-rc));
		return -1;
	}
	rc = control_listen(&C.ctl, C.cfg.control_socket, &ops);
	if (rc < 0)
		log_err(TAG, "no control socket at %s: %s", C.cfg.control_socket, strerror(-rc));
	C.ctl_up = rc == 0;
	C.ctl_fds = control_fdset(&C.ctl);
	if (C.ctl_up)
		loop_fdset_add(&C.loop, &C.ctl_fds);	/* room: COMPOSITOR_FDS_MAX */
	listen_domains(config_dir);
	if (compositor_sandbox(&C.cfg) < 0)
		return -1;
	if (C.cfg.lock_at_start)
		lock_screen();
	log_notice(TAG, "compositor up: %s output %dx%d", C.out->name, C.out->width,
		   C.out->height);
	log_event(TAG, "compositor-up", "output=%s width=%d height=%d", C.out->name, C.out->width,
		  C.out->height);
	return 0;
}

/* Before the loop sleeps: what each channel waits for, whether one still
 * has input its fd will not tell of again, and when a waiting window may
 * be placed. */
static void prepare_round(void)
{
	uint64_t next = clients_next_tick(&C.clients);

	for (size_t i = 0; i < C.ndoms; i++) {
		struct client *c = C.doms[i].client;
		if (!c)
			continue;
		loop_fd_events(&C.doms[i].channel_watch, client_poll_events(c));
		if (client_has_input(c))
			loop_defer(&C.loop, &C.buffered);
	}
	if (next == UINT64_MAX)
		loop_timer_cancel(&C.place);
	else
		loop_timer_arm(&C.loop, &C.place, next);	/* room: two timers */
}

int compositor_main(int argc, char **argv)
{
	const char *config_dir = SYSCONFIG_DEFAULT_DIR;
	int32_t width = 0, height = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config_dir = argv[++i];
		} else if (strcmp(argv[i], "--headless") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%dx%d", &width, &height) != 2 || width < 320 ||
			    height < 200 || width > GUI_WIDTH_MAX || height > GUI_HEIGHT_MAX) {
				fprintf(stderr, "bulkhead compositor: --headless WIDTHxHEIGHT, "
						"320x200 to %dx%d\n", GUI_WIDTH_MAX, GUI_HEIGHT_MAX);
				return 2;
			}
		} else {
			fprintf(stderr, "usage: bulkhead compositor [--config DIR] "
					"[--headless WIDTHxHEIGHT]\n");
			return 2;
		}
	}
	if (setup(config_dir, width, height) < 0)
		return 1;
	while (!C.stop) {
		render_if_needed();
		prepare_round();
		int rc = loop_run_once(&C.loop);
		if (rc < 0)
			log_err(TAG, "poll: %s", strerror(-rc));
	}
	log_notice(TAG, "compositor stopping");
	for (size_t i = 0; i < C.ndoms; i++)
		if (C.doms[i].client)
			client_drop(C.doms[i].client, "the compositor stops");
	clients_reap(&C.clients);
	if (C.ctl_up)
		control_close(&C.ctl);
	input_close(C.input);
	/* Gives the screen back as it was (the console). */
	output_destroy(C.out);
	loop_free(&C.loop);
	return 0;
}
