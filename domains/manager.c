#include "domains/manager.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <libxlutil.h>

#include "config/domains.h"
#include "config/sysconfig.h"
#include "domains/build.h"
#include "lib/log.h"
#include "lib/util.h"
#include "supervisor/policy.h"

#define SHUTDOWN_GRACE_MS 30000
#define POLL_FDS_MAX 256
/* A domain takes seconds to boot, so its limits are wider than a
 * service's: more than 5 deaths in a minute is a crash loop, and a domain
 * up for a minute has recovered. */
#define START_LIMIT_BURST 5
#define START_LIMIT_INTERVAL_MS 60000
#define BACKOFF_MAX_MS 10000

enum dom_state {
	DOM_STOPPED,
	DOM_CREATING,	/* libxl_domain_create_new under way */
	DOM_RUNNING,
	DOM_DESTROYING,	/* libxl_domain_destroy under way */
	DOM_BACKOFF,	/* dead, to be created again at `deadline' */
	DOM_FAILED,	/* start limit hit */
	DOM_PRESERVED,	/* dead, kept for inspection (on_* = "preserve") */
};

static const char *const dom_state_names[] = {
	"stopped", "creating", "running", "destroying", "backoff", "failed", "preserved",
};

struct managed {
	const struct domain_config *cfg;
	enum dom_state state;
	uint32_t domid;
	libxl_evgen_domain_death *death;
	libxl_domain_config d_config;	/* valid while CREATING */
	enum domain_action next;	/* what follows the destroy under way */
	bool crashed;			/* the death under way is a crash */
	uint64_t created_at, died_at, deadline;
	unsigned failures, restarts;
	struct death_window deaths;
};

static struct {
	libxl_ctx *ctx;
	xentoollog_logger_stdiostream *logger;
	XLU_Config *xlu;
	struct domains doms;
	struct managed *m;
	size_t n;
	bool stopping;
	uint64_t stop_deadline;
} M;

static void set_state(struct managed *d, enum dom_state st)
{
	if (d->state != st)
		log_debug("domains", "domain %s: %s -> %s", d->cfg->name, dom_state_names[d->state],
			  dom_state_names[st]);
	d->state = st;
}

static struct managed *by_domid(uint32_t domid)
{
	for (size_t i = 0; i < M.n; i++)
		if (M.m[i].domid == domid && M.m[i].state != DOM_STOPPED)
			return &M.m[i];
	return NULL;
}

static void after_death(struct managed *d, enum domain_action action, bool crash, uint64_t now);
static void destroy(struct managed *d, enum domain_action next);

static void watch_death(struct managed *d)
{
	int rc = libxl_evenable_domain_death(M.ctx, d->domid, (libxl_ev_user)(uintptr_t)d,
					     &d->death);
	if (rc)
		log_err("domains", "domain %s: cannot watch its death (libxl error %d)",
			d->cfg->name, rc);
}

static void created(libxl_ctx *ctx, int rc, void *user)
{
	struct managed *d = user;
	uint64_t now = monotonic_ms();
	(void)ctx;
	libxl_domain_config_dispose(&d->d_config);
	if (rc) {
		/* libxl has cleaned up; a failed start backs off like a crash. */
		log_err("domains", "domain %s: creation failed (libxl error %d)", d->cfg->name, rc);
		after_death(d, ACTION_RESTART, true, now);
		return;
	}
	/* libxl leaves a new domain paused, for the toolstack to let it run. */
	rc = libxl_domain_unpause(M.ctx, d->domid, NULL);
	if (rc)
		log_err("domains", "domain %s: cannot unpause domid %u (libxl error %d)",
			d->cfg->name, d->domid, rc);
	set_state(d, DOM_RUNNING);
	if (M.stopping) {
		log_notice("domains", "domain %s came up during shutdown; destroying it",
			   d->cfg->name);
		d->crashed = false;
		destroy(d, ACTION_DESTROY);
		return;
	}
	if (d->died_at)
		log_notice("domains", "domain %s created (domid %u) in %llu ms, %llu ms after its "
			   "death", d->cfg->name, d->domid,
			   (unsigned long long)(now - d->created_at),
			   (unsigned long long)(now - d->died_at));
	else
		log_notice("domains", "domain %s created (domid %u) in %llu ms", d->cfg->name,
			   d->domid, (unsigned long long)(now - d->created_at));
	watch_death(d);
}

static void start(struct managed *d, uint64_t now)
{
	const char *why = NULL;
	libxl_domain_config_init(&d->d_config);
	if (domain_build(d->cfg, M.xlu, &d->d_config, &why) < 0) {
		log_err("domains", "domain %s: cannot build its libxl config: %s", d->cfg->name, why);
		libxl_domain_config_dispose(&d->d_config);
		set_state(d, DOM_FAILED);
		return;
	}
	libxl_asyncop_how how = { .callback = created, .u.for_callback = d };
	d->created_at = now;
	d->domid = INVALID_DOMID;
	set_state(d, DOM_CREATING);
	log_info("domains", "creating domain %s", d->cfg->name);
	int rc = libxl_domain_create_new(M.ctx, &d->d_config, &d->domid, &how, NULL);
	if (rc)
		created(M.ctx, rc, d);
}

/* Whether D's netvm (if any) runs, so that its vifs have a backend. */
static bool netvm_running(const struct managed *d)
{
	if (!d->cfg->netvm)
		return true;
	for (size_t i = 0; i < M.n; i++)
		if (strcmp(M.m[i].cfg->name, d->cfg->netvm) == 0)
			return M.m[i].state == DOM_RUNNING;
	return false;
}

/* What comes after a death, by the domain's config and the start limit. */
static void after_death(struct managed *d, enum domain_action action, bool crash, uint64_t now)
{
	d->domid = INVALID_DOMID;
	d->died_at = now;
	/* "preserve" of a domain that is already gone keeps it down. */
	if (M.stopping || action != ACTION_RESTART) {
		set_state(d, DOM_STOPPED);
		return;
	}
	if (policy_record_death(&d->deaths, now, START_LIMIT_BURST, START_LIMIT_INTERVAL_MS)) {
		set_state(d, DOM_FAILED);
		log_err("domains", "domain %s failed: it died more than %d times in %d s; not "
			"restarted", d->cfg->name, START_LIMIT_BURST, START_LIMIT_INTERVAL_MS / 1000);
		return;
	}
	uint32_t delay = 0;
	if (crash) {
		if (now - d->created_at >= START_LIMIT_INTERVAL_MS)
			d->failures = 0;
		delay = policy_backoff_ms(++d->failures, BACKOFF_MAX_MS);
	}
	d->restarts++;
	d->deadline = now + delay;
	set_state(d, DOM_BACKOFF);
	log_notice("domains", "domain %s: restarting in %u ms", d->cfg->name, delay);
}

static void destroyed(libxl_ctx *ctx, int rc, void *user)
{
	struct managed *d = user;
	(void)ctx;
	if (rc)
		log_err("domains", "domain %s: destroy failed (libxl error %d)", d->cfg->name, rc);
	if (d->death) {
		libxl_evdisable_domain_death(M.ctx, d->death);
		d->death = NULL;
	}
	after_death(d, d->next, d->crashed, monotonic_ms());
}

static void destroy(struct managed *d, enum domain_action next)
{
	libxl_asyncop_how how = { .callback = destroyed, .u.for_callback = d };
	d->next = next;
	set_state(d, DOM_DESTROYING);
	int rc = libxl_domain_destroy(M.ctx, d->domid, &how);
	if (rc)
		destroyed(M.ctx, rc, d);
}

static void on_shutdown(struct managed *d, int reason)
{
	const struct domain_config *c = d->cfg;
	enum domain_action action;
	bool crash = false;
	switch (reason) {
	case LIBXL_SHUTDOWN_REASON_POWEROFF:
		action = c->on_poweroff;
		break;
	case LIBXL_SHUTDOWN_REASON_REBOOT:
		action = c->on_reboot;
		break;
	case LIBXL_SHUTDOWN_REASON_SUSPEND:
		return;
	default:	/* crash, watchdog, soft reset, unknown */
		action = c->on_crash;
		crash = true;
		break;
	}
	log_notice("domains", "domain %s (domid %u) shut down: %s; %s", c->name, d->domid,
		   libxl_shutdown_reason_to_string(reason) ?: "unknown",
		   M.stopping ? "as asked" : domain_action_names[action]);
	if (action == ACTION_PRESERVE && !M.stopping) {
		set_state(d, DOM_PRESERVED);
		return;
	}
	d->crashed = crash;
	destroy(d, M.stopping ? ACTION_DESTROY : action);
}

/* Whether DOMID exists and is not being torn down. */
static bool still_alive(uint32_t domid)
{
	libxl_dominfo info;
	libxl_dominfo_init(&info);
	bool alive = libxl_domain_info(M.ctx, &info, domid) == 0 && !info.dying;
	libxl_dominfo_dispose(&info);
	return alive;
}

static void handle_event(libxl_event *ev)
{
	struct managed *d = by_domid(ev->domid);
	if (!d)
		return;
	if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN && d->state == DOM_RUNNING) {
		on_shutdown(d, ev->u.domain_shutdown.shutdown_reason);
	} else if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH && d->state == DOM_RUNNING) {
		libxl_evdisable_domain_death(M.ctx, d->death);
		d->death = NULL;
		if (still_alive(d->domid)) {
			/* Seen under TCG: a DEATH event for a domain that runs. Acting
			 * on it would start a second copy; watch it again instead. */
			log_warn("domains", "libxl reported domain %s (domid %u) dead, but it runs; "
				 "watching it again", d->cfg->name, d->domid);
			watch_death(d);
			return;
		}
		log_notice("domains", "domain %s (domid %u) was destroyed from outside",
			   d->cfg->name, d->domid);
		after_death(d, d->cfg->on_crash, true, monotonic_ms());
	}
}

/* Domains that run under a configured name are ours again. */
static void adopt(void)
{
	int n = 0;
	libxl_dominfo *info = libxl_list_domain(M.ctx, &n);
	for (int i = 0; i < n && info; i++) {
		char *name = libxl_domid_to_name(M.ctx, info[i].domid);
		for (size_t j = 0; name && j < M.n; j++) {
			struct managed *d = &M.m[j];
			if (strcmp(d->cfg->name, name) != 0 || info[i].domid == 0)
				continue;
			d->domid = info[i].domid;
			d->created_at = monotonic_ms();
			set_state(d, DOM_RUNNING);
			watch_death(d);
			/* bulkhead never pauses a domain it runs: a paused one is a
			 * creation cut short with the previous manager. */
			if (info[i].paused) {
				log_notice("domains", "domain %s (domid %u) was being created when "
					   "the previous manager died; creating it anew", name,
					   d->domid);
				d->crashed = false;
				destroy(d, ACTION_RESTART);
				continue;
			}
			log_notice("domains", "adopted running domain %s (domid %u)", name, d->domid);
		}
		free(name);
	}
	if (info)
		libxl_dominfo_list_free(info, n);
}

static void tick(uint64_t now)
{
	for (size_t i = 0; i < M.n && !M.stopping; i++) {
		struct managed *d = &M.m[i];
		bool due = (d->state == DOM_STOPPED && d->cfg->autostart && !d->died_at) ||
			   (d->state == DOM_BACKOFF && now >= d->deadline);
		if (due && netvm_running(d))
			start(d, now);
	}
}

static bool all_gone(void)
{
	for (size_t i = 0; i < M.n; i++)
		if (M.m[i].state == DOM_RUNNING || M.m[i].state == DOM_CREATING ||
		    M.m[i].state == DOM_DESTROYING)
			return false;
	return true;
}

static void shutdown_asked(libxl_ctx *ctx, int rc, void *user)
{
	struct managed *d = user;
	(void)ctx;
	if (rc == 0 || d->state != DOM_RUNNING)
		return;
	/* No PV shutdown support (yet) in the guest: nothing else to ask. */
	log_warn("domains", "domain %s cannot be asked to shut down (libxl error %d); "
		 "destroying it", d->cfg->name, rc);
	d->crashed = false;
	destroy(d, ACTION_DESTROY);
}

/* Last started first: a netvm goes after the domains behind it. */
static void begin_stop(uint64_t now)
{
	M.stopping = true;
	M.stop_deadline = now + SHUTDOWN_GRACE_MS;
	for (size_t i = M.n; i-- > 0;) {
		struct managed *d = &M.m[i];
		if (d->state != DOM_RUNNING)
			continue;
		log_notice("domains", "asking domain %s (domid %u) to shut down", d->cfg->name,
			   d->domid);
		/* Asynchronous: libxl waits for the guest to acknowledge. */
		libxl_asyncop_how how = { .callback = shutdown_asked, .u.for_callback = d };
		int rc = libxl_domain_shutdown(M.ctx, d->domid, &how);
		if (rc)
			shutdown_asked(M.ctx, rc, d);
	}
}

static void stop_timeout(void)
{
	for (size_t i = 0; i < M.n; i++) {
		struct managed *d = &M.m[i];
		if (d->state != DOM_RUNNING)
			continue;
		log_warn("domains", "domain %s did not shut down within %d ms; destroying it",
			 d->cfg->name, SHUTDOWN_GRACE_MS);
		d->crashed = false;
		destroy(d, ACTION_DESTROY);
	}
	M.stop_deadline = 0;
}

static int poll_timeout(uint64_t now, int libxl_timeout)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < M.n; i++)
		if (M.m[i].state == DOM_BACKOFF && M.m[i].deadline < next)
			next = M.m[i].deadline;
	if (M.stop_deadline && M.stop_deadline < next)
		next = M.stop_deadline;
	int ours = next == UINT64_MAX ? -1 : next <= now ? 0 :
		   next - now > INT_MAX ? INT_MAX : (int)(next - now);
	if (libxl_timeout < 0)
		return ours;
	return ours < 0 || libxl_timeout < ours ? libxl_timeout : ours;
}

static int setup(const char *config_dir)
{
	M.logger = xtl_createlogger_stdiostream(stderr, XTL_WARN, 0);
	if (!M.logger || libxl_ctx_alloc(&M.ctx, LIBXL_VERSION, 0, (xentoollog_logger *)M.logger)) {
		log_err("domains", "cannot open libxl (is this Xen's dom0, with xenstored up?)");
		return -1;
	}
	M.xlu = xlu_cfg_init(stderr, "domains");
	if (!M.xlu)
		return -1;
	if (domains_load(config_dir, &M.doms) > 0)
		log_err("domains", "%u problems in the domains' configuration (see above); the "
			"domains without problems are run", M.doms.errors);
	M.n = M.doms.n;
	M.m = calloc(M.n + 1, sizeof(*M.m));
	if (!M.m)
		return -1;
	for (size_t i = 0; i < M.n; i++) {
		M.m[i].cfg = &M.doms.dom[i];
		M.m[i].domid = INVALID_DOMID;
	}
	return 0;
}

static int signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int domain_manager_main(int argc, char **argv)
{
	const char *config_dir = SYSCONFIG_DEFAULT_DIR;
	static struct pollfd fds[POLL_FDS_MAX];

	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--config") == 0)
			config_dir = argv[++i];
	int sigfd = signals();
	if (sigfd < 0 || setup(config_dir) < 0)
		return 1;
	log_notice("domains", "domain manager up: %zu domains configured", M.n);
	adopt();
	for (;;) {
		uint64_t now = monotonic_ms();
		tick(now);
		if (M.stopping && all_gone()) {
			log_notice("domains", "all domains are down");
			return 0;
		}
		if (M.stop_deadline && now >= M.stop_deadline)
			stop_timeout();

		struct timeval tv;
		gettimeofday(&tv, NULL);
		int nfds = POLL_FDS_MAX - 1, timeout = -1;
		int rc = libxl_osevent_beforepoll(M.ctx, &nfds, fds + 1, &timeout, tv);
		if (rc) {
			log_err("domains", "libxl wants more than %d fds to poll", POLL_FDS_MAX - 1);
			return 1;
		}
		fds[0] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		if (poll(fds, (nfds_t)nfds + 1, poll_timeout(now, timeout)) < 0 && errno != EINTR)
			log_err("domains", "poll: %s", strerror(errno));
		gettimeofday(&tv, NULL);
		libxl_osevent_afterpoll(M.ctx, nfds, fds + 1, tv);
		libxl_event *ev;
		while (libxl_event_check(M.ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL) == 0) {
			handle_event(ev);
			libxl_event_free(M.ctx, ev);
		}
		struct signalfd_siginfo si;
		if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si) && !M.stopping)
			begin_stop(monotonic_ms());
	}
}
