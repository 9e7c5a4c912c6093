/*
 * manager.c - `bulkhead domain-manager': its start (libxl, xenstore, the
 * pool, adoption), its `ctl' operations given to the lifecycle, and its
 * loop.  The decisions are domains/lifecycle.c's; libxl's side is
 * domains/xl.c.
 */
#include "domains/manager.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "config/domains.h"
#include "config/sysconfig.h"
#include "domains/dispvm.h"
#include "domains/hotplug.h"
#include "domains/libxllog.h"
#include "domains/storage.h"
#include "domains/xl.h"
#include "lib/confine.h"
#include "lib/confine_profiles.h"
#include "lib/log.h"
#include "lib/log_xtl.h"
#include "lib/loop.h"
#include "lib/util.h"


static struct mgr M;

/* ---- `bulkhead ctl': list, the domain operations, run-disposable ---- */

void mgr_answer(void *ctx, struct lc_dom *d, uint32_t answer_ms)
{
	struct mgr *m = ctx;
	/* A named domain's waiter is a `ctl start --wait': OK, it runs. */
	if (!d->own) {
		if (!control_answer_ok(&m->ctl, d->waiter))
			log_info("domains", "domain %s runs; whoever waited for it has gone",
				 d->cfg->name);
		return;
	}
	struct ctl_disposable rep = { .answer_ms = answer_ms };
	str_copy(rep.name, d->cfg->name, sizeof(rep.name));
	if (!control_answer_disposable(&m->ctl, d->waiter, &rep))
		log_warn("domains", "disposable %s: whoever asked for it has gone; it runs on",
			 d->cfg->name);
}

void mgr_refuse(void *ctx, struct lc_dom *d, int code, const char *msg)
{
	struct mgr *m = ctx;
	control_answer_error(&m->ctl, d->waiter, code, msg);
}

bool mgr_waiter_present(void *ctx, const struct lc_dom *d)
{
	struct mgr *m = ctx;
	return control_present(&m->ctl, d->waiter);
}

uint64_t mgr_epoch_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The lifecycle's view of D, with what Xen says of its memory, vcpus
 * and uptime. */
static void describe(const struct lc_dom *d, struct ctl_domain_info *out)
{
	libxl_dominfo info;
	lc_describe(&M.lc, d, out);
	if (!dom_exists_in_xen(d->state))
		return;
	libxl_dominfo_init(&info);
	if (libxl_domain_info(M.ctx, &info, d->domid) == 0) {
		out->memory_kib = info.current_memkb > UINT32_MAX ? UINT32_MAX :
				  (uint32_t)info.current_memkb;
		out->vcpus = info.vcpu_online;
	}
	libxl_dominfo_dispose(&info);
	uint64_t now = mgr_epoch_ms();
	if (d->started_epoch_ms && now >= d->started_epoch_ms)
		out->uptime_ms = now - d->started_epoch_ms;
}

static size_t op_list(void *ctx, struct ctl_domain_info *out, size_t max)
{
	size_t n = 0;
	(void)ctx;
	for (; n < M.lc.n && n < max; n++)
		describe(M.lc.m[n], &out[n]);
	return n;
}

static int op_domain(void *ctx, enum ctl_domain_op op, const char *name,
		     struct control_waiter waiter, char *msg, size_t cap)
{
	(void)ctx;
	return lc_ctl(&M.lc, op, name, waiter, monotonic_ms(), msg, cap);
}

static int op_run_disposable(void *ctx, const char *template_name, const char *command,
			     struct control_waiter waiter, char *msg, size_t cap)
{
	(void)ctx;
	return lc_run_disposable(&M.lc, template_name, command, waiter, monotonic_ms(), msg, cap);
}

/* ---- `bulkhead ctl reload': the domain files read again ---- */

/* Copies FD (log lines) to stderr, where the log goes, and its first
 * CAP - 1 bytes into TEXT. */
static void replay_log(int fd, char *text, size_t cap)
{
	char buf[4096];
	size_t have = 0;
	ssize_t n;
	text[0] = '\0';
	if (lseek(fd, 0, SEEK_SET) != 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		write_all(STDERR_FILENO, buf, (size_t)n);
		size_t take = (size_t)n < cap - 1 - have ? (size_t)n : cap - 1 - have;
		memcpy(text + have, buf, take);
		have += take;
	}
	text[have] = '\0';
}

/* The domain files read again into ND, checked as at our start and
 * against the disposables that run.  Returns the problems found (then ND
 * is to be freed unused), logged and also in TEXT, FILE:LINE each. */
static unsigned reload_read(struct domains *nd, char *text, size_t cap)
{
	int fd = memfd_create("bulkhead-reload", MFD_CLOEXEC);
	if (fd >= 0)
		log_set_stderr_fd(fd);
	unsigned problems = domains_load(M.config_dir, nd);
	problems += dispvm_check_default(&M.storage, nd);
	problems += lc_reload_check(&M.lc, nd);
	log_set_stderr_fd(STDERR_FILENO);
	if (fd < 0) {
		snprintf(text, cap, "(the problems are in the domain manager's log)\n");
		return problems;
	}
	replay_log(fd, text, cap);
	close(fd);
	return problems;
}

static void op_reload(void *ctx, struct ctl_reload *rel)
{
	struct domains nd;
	(void)ctx;
	if (M.lc.stopping) {
		rel->problems = 1;
		snprintf(rel->text, sizeof(rel->text), "the domains are being shut down; nothing "
			 "was reloaded\n");
		return;
	}
	log_notice("domains", "reload: reading %s/domains again", M.config_dir);
	rel->problems = reload_read(&nd, rel->text, sizeof(rel->text));
	if (rel->problems == 0 && lc_reload_count(&M.lc, &nd) > DOMAINS_MAX) {
		rel->problems = 1;
		snprintf(rel->text, sizeof(rel->text), "%zu domains would exist at once, more than "
			 "%d: stop the ones that are no longer configured first\n",
			 lc_reload_count(&M.lc, &nd), DOMAINS_MAX);
	}
	if (rel->problems) {
		log_err("domains", "reload: the domains' configuration has problems (%u, above); "
			"nothing was changed", rel->problems);
		domains_free(&nd);
		return;
	}
	lc_reload_apply(&M.lc, &nd, monotonic_ms(), rel->text, sizeof(rel->text));
	/* The calls' policy too: a file with a problem is left out whole. */
	struct rpc_policy policy;
	if (rpc_policy_load(M.config_dir, &policy) > 0)
		log_err("domains", "reload: the calls' policy has problems (see above); the files "
			"without any are read");
	rpc_policy_free(&M.rpc.policy);
	M.rpc.policy = policy;
}

/* ---- the start ---- */

/* The pool, and bulkhead as the volumes' hotplug script.  Domains without
 * volumes run whatever happens here. */
static void open_storage(const char *config_dir)
{
	char why[512];
	if (storage_config_load(config_dir, &M.storage) > 0)
		log_err("domains", "%s/storage.cfg has problems (see above); using the pool %s",
			config_dir, M.storage.pool);
	M.lc.pool = M.storage.pool;
	M.lc.default_dispvm = M.storage.default_dispvm;
	/* Said now, not at the first request: the user reads the log at boot. */
	dispvm_check_default(&M.storage, &M.lc.doms);
	if (storage_open(&M.storage, why, sizeof(why)) < 0) {
		log_err("domains", "%s; domains with volumes cannot start", why);
		return;
	}
	if ((unlink(BLOCK_HOTPLUG_PATH) < 0 && errno != ENOENT) ||
	    symlink(self_exe(), BLOCK_HOTPLUG_PATH) < 0) {
		log_err("domains", "cannot link %s to %s: %s; domains with volumes cannot start",
			BLOCK_HOTPLUG_PATH, self_exe(), strerror(errno));
		return;
	}
	M.lc.pool_ok = true;
}

/* Whether NAME is a domain whose volumes are up: cleanup keeps those. */
static bool volumes_in_use(const char *name, void *ctx)
{
	(void)ctx;
	struct lc_dom *d = lc_by_name(&M.lc, name);
	return d && d->volumes_up;
}

/* libxl gave up waiting for a driver domain to remove one of a domain's
 * backends (domains/libxllog.h): said with both domains' names. */
static void backend_left(void *ctx, const struct backend_ref *ref)
{
	const struct lc_dom *f = lc_by_domid(&M.lc, ref->frontend_domid);
	const struct lc_dom *b = lc_by_domid(&M.lc, ref->backend_domid);
	const char *bname = b ? b->cfg->name : "its driver domain";
	(void)ctx;
	log_err("domains", "domain %s (domid %u): its %s %u's backend was left behind by %s "
		"(domid %u): libxl waited for %s to go and gave up on it; %s removes its backends "
		"with `xl devd': does that run there?", f ? f->cfg->name : "?", ref->frontend_domid,
		ref->type, ref->devid, bname, ref->backend_domid, ref->path, bname);
}

/* Once the pool is mounted, what the manager and its children (libxl's
 * hotplug script, the modprobe role, mkfs) may call from now on: the
 * "domain-manager" profile (lib/confine_profiles.c).  Installed here
 * rather than by PID 1 at exec so that mounting is not among them. */
static int confine_manager(void)
{
	int rc = confine_seccomp(confine_profile("domain-manager"), true);
	if (rc < 0) {
		log_err("domains", "cannot install the seccomp profile \"domain-manager\": %s",
			strerror(-rc));
		return -1;
	}
	log_event("domains", "confined", "seccomp=domain-manager");
	return 0;
}

static int setup(const char *config_dir, const char *socket_path)
{
	struct control_ops ops = {
		.domains = op_list, .domain_op = op_domain, .run_disposable = op_run_disposable,
		.reload = op_reload, .asks = xs_rpc_asks, .answer = xs_rpc_answer,
		.call = xs_rpc_call, .usb = xs_usb_list, .usb_detach = xs_usb_detach,
		.block = xs_block_list, .block_change = xs_block_change, .ctx = &M,
		/* The desktop (the compositor's uid): its bar and launcher list
		 * and start, its menu starts, stops and kills, its questions
		 * are answered, its "@dispvm" asks, its bar says a new USB
		 * device; calls and USB detach are root's. */
		.lister_requests = CTL_BIT(CTL_REQ_DOMAINS) | CTL_BIT(CTL_REQ_DOMAIN) |
				   CTL_BIT(CTL_REQ_ASKS) | CTL_BIT(CTL_REQ_ANSWER) |
				   CTL_BIT(CTL_REQ_RUN_DISPOSABLE) | CTL_BIT(CTL_REQ_USB),
		.lister_domain_ops = CTL_BIT(CTL_DOMAIN_START) | CTL_BIT(CTL_DOMAIN_STOP) |
				     CTL_BIT(CTL_DOMAIN_KILL),
	};
	struct domains doms = { 0 };
	M.ctl.listen_fd = -1;
	M.config_dir = config_dir;
	xl_bind(&M);
	M.logger = log_xtl_logger(XTL_WARN);
	xentoollog_logger *lg = M.logger ? libxllog_new(M.logger, backend_left, NULL) : NULL;
	if (!lg || libxl_ctx_alloc(&M.ctx, LIBXL_VERSION, 0, lg)) {
		log_err("domains", "cannot open libxl (is this Xen's dom0, with xenstored up?)");
		return -1;
	}
	M.xlu = xlu_cfg_init(stderr, "domains");
	if (!M.xlu)
		return -1;
	if (domains_load(config_dir, &doms) > 0)
		log_err("domains", "%u problems in the domains' configuration (see above); the "
			"domains without problems are run", doms.errors);
	host_caps_read(M.ctx, &M.host);
	domains_choose_types(&doms, &M.host);
	if (lc_init(&M.lc, &doms, &xl_ops, &M) < 0)
		return -1;
	/* Its own connection: libxl's is libxl's. */
	M.xs = xs_open(0);
	M.lc.xs_ok = M.xs != NULL;
	/* Its requests' keys unlike an earlier manager's (domains/usbauto.h). */
	M.usb_auto.next_seq = monotonic_us();
	if (!M.xs)
		log_err("domains", "cannot open xenstore: %s; the disposables' agents will not be "
			"heard, and `bulkhead ctl run-disposable' will not work", strerror(errno));
	persist_init();
	open_storage(config_dir);
	if (rpc_policy_load(config_dir, &M.rpc.policy) > 0)
		log_err("domains", "the calls' policy has problems (see above); the files without "
			"any are read");
	rpc_broker_init(&M.rpc.broker);
	for (size_t i = 0; i < M.lc.n; i++)
		persist_read(M.lc.m[i]);
	/* The compositor, under its own uid, asks on the user's behalf. */
	if (confine_role_ids("compositor", "/etc/passwd", &ops.lister_uid, &ops.lister_gid) < 0)
		ops.lister_uid = 0;
	int r = control_listen(&M.ctl, socket_path, &ops);
	if (r < 0)
		log_err("domains", "no control socket at %s: %s; `bulkhead ctl list' and the "
			"domain commands will not work", socket_path, strerror(-r));
	return confine_manager();
}

/* ---- the loop (lib/loop) ---- */

/* libxl's fds, polled with ours: what it wants before, what came after. */
#define LIBXL_FDS_MAX 128

static struct {
	struct loop loop;
	struct loop_fd xs;		/* the agents' xenstore watch */
	struct loop_fdset ctl;		/* the control socket and its clients */
	struct loop_fdset libxl;
	struct loop_timer libxl_timeout;	/* libxl's next timeout */
	struct loop_timer wake;		/* the lifecycle's or a vif's next deadline */
	struct loop_defer turn;		/* after every round's callbacks */
} L;

/* SIGTERM, SIGINT: every domain asked to stop, then we end. */
static void on_signal(void *ctx, const struct signalfd_siginfo *si)
{
	(void)ctx;
	(void)si;
	lc_stop_all(&M.lc);
}

/* Read in the round itself (xs_agents_heard, each round): this only wakes. */
static void on_xs(struct loop *l, struct loop_fd *w, short revents)
{
	(void)l;
	(void)w;
	(void)revents;
}

static size_t libxl_fill(void *ctx, struct pollfd *pfd)
{
	struct timeval tv;
	int nfds = LIBXL_FDS_MAX, timeout = -1;
	(void)ctx;
	gettimeofday(&tv, NULL);
	if (libxl_osevent_beforepoll(M.ctx, &nfds, pfd, &timeout, tv)) {
		log_err("domains", "libxl wants more than %d fds to poll", LIBXL_FDS_MAX);
		loop_stop(&L.loop, 1);
		return 0;
	}
	if (timeout >= 0)
		loop_timer_arm(&L.loop, &L.libxl_timeout, monotonic_ms() + (uint64_t)timeout);
	else
		loop_timer_cancel(&L.libxl_timeout);
	return (size_t)nfds;
}

static void libxl_dispatch(void *ctx, const struct pollfd *pfd, size_t n)
{
	struct timeval tv;
	(void)ctx;
	gettimeofday(&tv, NULL);
	libxl_osevent_afterpoll(M.ctx, (int)n, (struct pollfd *)pfd, tv);
}

/* A timeout of libxl's with no fd ready: its timers run. */
static void on_libxl_timeout(struct loop *l, struct loop_timer *t)
{
	struct timeval tv;
	(void)l;
	(void)t;
	gettimeofday(&tv, NULL);
	libxl_osevent_afterpoll(M.ctx, 0, NULL, tv);
}

/* What the round brought, then the lifecycle's turn; the wake timer set
 * for its next deadline or a vif's next try.  The loop ends when every
 * domain is down after a stop. */
static void turn(void *ctx)
{
	uint64_t now = monotonic_ms();
	(void)ctx;
	xl_events(&M);
	xs_agents_heard(&M, now);
	lc_tick(&M.lc, now);
	xl_retries(&M, now);
	if (lc_all_gone(&M.lc)) {
		loop_stop(&L.loop, 0);
		return;
	}
	uint64_t next = lc_next_deadline(&M.lc, now), retry = xl_next_retry(&M);
	uint64_t calls = xs_rpc_next(&M, now);
	if (retry < next)
		next = retry;
	if (calls < next)
		next = calls;
	if (next == UINT64_MAX)
		loop_timer_cancel(&L.wake);
	else
		loop_timer_arm(&L.loop, &L.wake, next);
}

/* Every round ends with the turn, after the fds' and the timers' callbacks. */
static void queue_turn(void *ctx, uint64_t now)
{
	(void)ctx;
	(void)now;
	loop_defer(&L.loop, &L.turn);
}

static int loop_setup(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	L.ctl = control_fdset(&M.ctl);
	int r = loop_init(&L.loop, LIBXL_FDS_MAX + L.ctl.max + 2,
			  &(struct loop_ops){ .woken = queue_turn });
	if (r == 0)
		r = loop_signals(&L.loop, &set, on_signal, NULL);
	if (r < 0) {
		log_err("domains", "cannot set up the event loop: %s", strerror(-r));
		return -1;
	}
	L.libxl = (struct loop_fdset){ .max = LIBXL_FDS_MAX, .fill = libxl_fill,
				       .dispatch = libxl_dispatch };
	L.libxl_timeout = (struct loop_timer){ .cb = on_libxl_timeout };
	L.wake = (struct loop_timer){ 0 };
	L.turn = (struct loop_defer){ .fn = turn };
	r = loop_fdset_add(&L.loop, &L.libxl);
	if (r == 0)
		r = loop_fdset_add(&L.loop, &L.ctl);
	if (r == 0 && M.xs) {
		L.xs = (struct loop_fd){ .fd = xs_fileno(M.xs), .events = POLLIN, .cb = on_xs };
		r = loop_fd_add(&L.loop, &L.xs);
	}
	if (r < 0) {
		log_err("domains", "cannot watch the manager's fds: %s", strerror(-r));
		return -1;
	}
	return 0;
}

int domain_manager_main(int argc, char **argv)
{
	const char *config_dir = SYSCONFIG_DEFAULT_DIR;
	const char *socket_path = CTL_DOMAINS_SOCKET;

	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--config") == 0)
			config_dir = argv[++i];
		else if (strcmp(argv[i], "--socket") == 0)
			socket_path = argv[++i];
	}
	if (setup(config_dir, socket_path) < 0 || loop_setup() < 0)
		return 1;
	log_notice("domains", "domain manager up: %zu domains configured", M.lc.n);
	log_event("domains", "manager-up", "domains=%zu", M.lc.n);
	xl_adopt(&M, monotonic_ms());
	lc_republish(&M.lc);
	/* After a crash of ours or a power cut: what no domain uses goes. */
	if (M.lc.pool_ok) {
		int removed = storage_cleanup(M.storage.pool, volumes_in_use, NULL);
		log_notice("domains", "storage: %d leftover devices removed", removed);
		log_event("domains", "storage-cleaned", "removed=%d", removed);
	}
	lc_resume(&M.lc, monotonic_ms());
	turn(NULL);
	int r = loop_run(&L.loop);
	if (r != 0) {
		if (r < 0)
			log_err("domains", "poll: %s", strerror(-r));
		return 1;
	}
	log_notice("domains", "all domains are down");
	log_event("domains", "manager-stopped", "");
	control_close(&M.ctl);
	return 0;
}
