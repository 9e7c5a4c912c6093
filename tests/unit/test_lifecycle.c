/* The domain manager's lifecycle (domains/lifecycle.h) on a fake libxl:
 * every effect is recorded as a line ("create alpha", "destroy alpha 3"),
 * every asynchronous answer is given by the test when it chooses, and the
 * clock is the test's NOW. */
#include "tests/unit/test_helpers.h"

#include <errno.h>

#include "domains/lifecycle.h"
#include "lib/util.h"

#define CALLS_MAX 256

struct pending_pause {
	struct lc_dom *d;
	uint32_t domid;
	bool pause;
};

struct fake {
	char calls[CALLS_MAX][64];
	size_t ncalls;
	uint32_t next_domid;
	int prepare_rc;
	bool alive;			/* what ops->alive says */
	bool pause_now;			/* pauses answered before the call returns */
	int pause_rc;			/* ... with this */
	struct pending_pause pauses[16];
	size_t npauses;
	unsigned answers, refusals;
	bool waiter_gone;		/* what ops->waiter_present says, negated */
	char refused[CTL_ERROR_TEXT_MAX + 1];	/* the last refusal's words */
	int refused_code;
	struct lifecycle *lc;
};

static void record(struct fake *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void record(struct fake *f, const char *fmt, ...)
{
	va_list ap;
	assert_true(f->ncalls < CALLS_MAX);
	va_start(ap, fmt);
	vsnprintf(f->calls[f->ncalls++], sizeof(f->calls[0]), fmt, ap);
	va_end(ap);
}

/* How many recorded calls are CALL exactly. */
static size_t count(const struct fake *f, const char *call)
{
	size_t n = 0;
	for (size_t i = 0; i < f->ncalls; i++)
		n += strcmp(f->calls[i], call) == 0;
	return n;
}

/* The position of the first call CALL, or -1. */
static int position(const struct fake *f, const char *call)
{
	for (size_t i = 0; i < f->ncalls; i++)
		if (strcmp(f->calls[i], call) == 0)
			return (int)i;
	return -1;
}

static int f_prepare(void *ctx, struct lc_dom *d, char *why, size_t cap)
{
	struct fake *f = ctx;
	record(f, "prepare %s", d->cfg->name);
	if (f->prepare_rc)
		snprintf(why, cap, "the fake refuses");
	return f->prepare_rc;
}

static void f_create(void *ctx, struct lc_dom *d)
{
	struct fake *f = ctx;
	/* As libxl_domain_create_new: the domid is known once it is asked. */
	d->domid = f->next_domid++;
	record(f, "create %s", d->cfg->name);
}

static void f_destroy(void *ctx, struct lc_dom *d)
{
	record(ctx, "destroy %s %u", d->cfg->name, d->domid);
}

static void f_shutdown(void *ctx, struct lc_dom *d)
{
	record(ctx, "shutdown %s", d->cfg->name);
}

static void f_pause(void *ctx, struct lc_dom *d, bool pause)
{
	struct fake *f = ctx;
	record(f, "%s %s", pause ? "pause" : "unpause", d->cfg->name);
	if (f->pause_now) {
		lc_paused(f->lc, d, d->domid, pause, f->pause_rc, 0);
		return;
	}
	assert_true(f->npauses < ARRAY_SIZE(f->pauses));
	f->pauses[f->npauses++] = (struct pending_pause){ d, d->domid, pause };
}

static bool f_alive(void *ctx, uint32_t domid)
{
	(void)domid;
	return ((struct fake *)ctx)->alive;
}

static void f_watch_death(void *ctx, struct lc_dom *d)
{
	record(ctx, "watch %s", d->cfg->name);
}

static void f_unwatch_death(void *ctx, struct lc_dom *d)
{
	(void)ctx;
	(void)d;
}

static void f_reattach(void *ctx, struct lc_dom *d, uint32_t netvm_domid)
{
	record(ctx, "reattach %s %u", d->cfg->name, netvm_domid);
}

static void f_release(void *ctx, struct lc_dom *d)
{
	record(ctx, "release %s", d->cfg->name);
	d->volumes_up = false;
}

static void f_blocks_released(void *ctx, const struct lc_dom *d, uint32_t domid)
{
	record(ctx, "blocks-released %s %u", d->cfg->name, domid);
}

static void f_mark(void *ctx, const struct lc_dom *d, const char *what)
{
	record(ctx, "mark %s %s", d->cfg->name, what);
}

static void f_quiet(void *ctx, const struct lc_dom *d)
{
	(void)ctx;
	(void)d;
}

static bool f_agent_watch(void *ctx, struct lc_dom *d)
{
	record(ctx, "agent-watch %s", d->cfg->name);
	return true;
}

static void f_agent_unwatch(void *ctx, struct lc_dom *d)
{
	(void)ctx;
	(void)d;
}

static int f_write_command(void *ctx, struct lc_dom *d)
{
	record(ctx, "command %s %s", d->cfg->name, d->command);
	return 0;
}

static void f_publish_own(void *ctx, const struct lc_dom *d, uint32_t gateway)
{
	(void)ctx;
	(void)d;
	(void)gateway;
}

static void f_publish_features(void *ctx, const struct lc_dom *d)
{
	record(ctx, "features %s", d->cfg->name);
}

static void f_publish_rules(void *ctx, const struct lc_dom *net, const struct lc_dom *client)
{
	record(ctx, "rules %s %s", net->cfg->name, client->cfg->name);
}

static void f_answer(void *ctx, struct lc_dom *d, uint32_t ms)
{
	struct fake *f = ctx;
	f->answers++;
	record(f, "answer %s %u", d->cfg->name, ms);
}

static void f_refuse(void *ctx, struct lc_dom *d, int code, const char *msg)
{
	struct fake *f = ctx;
	f->refusals++;
	str_copy(f->refused, msg, sizeof(f->refused));
	f->refused_code = code;
	record(f, "refuse %s %d", d->cfg->name, code);
}

static bool f_waiter_present(void *ctx, const struct lc_dom *d)
{
	struct fake *f = ctx;
	(void)d;
	return !f->waiter_gone;
}

static bool f_name_taken(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return false;
}

static const struct lc_ops fake_ops = {
	.prepare = f_prepare, .create = f_create, .destroy = f_destroy,
	.shutdown = f_shutdown, .pause = f_pause, .alive = f_alive,
	.watch_death = f_watch_death, .unwatch_death = f_unwatch_death,
	.reattach_vifs = f_reattach, .release_volumes = f_release, .mark = f_mark,
	.blocks_released = f_blocks_released,
	.save = f_quiet, .forget = f_quiet, .agent_watch = f_agent_watch,
	.agent_unwatch = f_agent_unwatch, .write_command = f_write_command,
	.publish_own = f_publish_own, .publish_rules = f_publish_rules,
	.publish_features = f_publish_features,
	.answer = f_answer, .refuse = f_refuse, .waiter_present = f_waiter_present,
	.name_taken = f_name_taken,
};

struct world {
	struct fake f;
	struct lifecycle lc;
};

/* What a test's domain is: a name, a class, a netvm ("": none). */
struct spec {
	const char *name;
	enum domain_class class;
	const char *netvm;
	uint32_t preload;
	const char *template_name;	/* NULL: none; with it, volumes */
};

/* The domain files of SPECS, as domains_load() would give them. */
static struct domains configs(const struct spec *specs, size_t n)
{
	struct domains doms = { .dom = calloc(n, sizeof(struct domain_config)), .n = n };
	assert_non_null(doms.dom);
	for (size_t i = 0; i < n; i++) {
		struct domain_config *c = &doms.dom[i];
		domain_config_init(c);
		str_copy(c->name, specs[i].name, sizeof(c->name));
		c->class = specs[i].class;
		c->autostart = true;
		c->start_limit_burst = 2;
		c->start_limit_interval_ms = 300000;
		c->on_crash = ACTION_RESTART;
		c->on_poweroff = ACTION_DESTROY;
		c->source = strdup(specs[i].name);
		if (specs[i].netvm[0]) {
			const char *vifs[] = { "mac=00:16:3e:00:00:01", NULL };
			c->netvm = strdup(specs[i].netvm);
			c->vifs = strv_dup(vifs);
			c->nvifs = 1;
		}
		if (specs[i].preload) {
			c->volumes = true;
			c->preload = specs[i].preload;
		}
		if (specs[i].template_name) {
			c->volumes = true;
			c->template_name = strdup(specs[i].template_name);
		}
	}
	return doms;
}

static struct world *world_new(const struct spec *specs, size_t n)
{
	struct world *w = calloc(1, sizeof(*w));
	struct domains doms = configs(specs, n);
	assert_non_null(w);
	w->f.next_domid = 1;
	w->f.lc = &w->lc;
	assert_int_equal(lc_init(&w->lc, &doms, &fake_ops, &w->f), 0);
	w->lc.pool_ok = true;
	w->lc.xs_ok = true;
	return w;
}

static void world_free(struct world *w)
{
	lc_free(&w->lc);
	free(w);
}

static struct lc_dom *dom(struct world *w, const char *name)
{
	struct lc_dom *d = lc_by_name(&w->lc, name);
	assert_non_null(d);
	return d;
}

/* The oldest pause libxl has not answered, answered RC. */
static void answer_pause(struct world *w, int rc)
{
	assert_true(w->f.npauses > 0);
	struct pending_pause p = w->f.pauses[0];
	memmove(&w->f.pauses[0], &w->f.pauses[1], --w->f.npauses * sizeof(p));
	lc_paused(&w->lc, p.d, p.domid, p.pause, rc, 0);
}

/* NAME created (the tick that asks, libxl's answer, its unpause). */
static void bring_up(struct world *w, const char *name, uint64_t now)
{
	char call[64];
	struct lc_dom *d = dom(w, name);
	snprintf(call, sizeof(call), "create %s", name);
	size_t before = count(&w->f, call);
	lc_tick(&w->lc, now);
	assert_int_equal(count(&w->f, call), before + 1);
	assert_int_equal(d->state, DOM_CREATING);
	lc_created(&w->lc, d, 0, now, 1000);
	answer_pause(w, 0);
	assert_int_equal(d->state, DOM_RUNNING);
}

static const struct agent_status agent_ready = { .state = AGENT_READY };
static const struct agent_status agent_running = { .state = AGENT_RUNNING };

/* A domain that dies more than start_limit_burst times in the interval
 * is failed, and not created again. */
static void crash_loop_fails(void **state)
{
	static const struct spec specs[] = { { "alpha", CLASS_APP, "", 0, NULL } };
	struct world *w = world_new(specs, 1);
	struct lc_dom *d = dom(w, "alpha");
	uint64_t now = 0;
	(void)state;
	lc_resume(&w->lc, now);
	for (int death = 1; death <= 3; death++) {
		bring_up(w, "alpha", now);
		lc_shutdown_reported(&w->lc, d, LC_SHUTDOWN_CRASH, "crash", now);
		assert_int_equal(d->state, DOM_DESTROYING);
		log_set_level(LOG_LVL_INFO);
		capture_begin();
		lc_destroyed(&w->lc, d, 0, now);
		const char *said = capture_end();
		log_set_level(LOG_LVL_ERR);
		if (death == 3)
			assert_non_null(strstr(said, "event=domain-failed name=alpha reason=died more "
					       "than 2 times in 300 s"));
		if (death < 3) {
			assert_non_null(strstr(said, "event=domain-restart name=alpha attempt="));
			/* Backoff: 100 ms, then 200 ms; nothing before. */
			assert_int_equal(d->state, DOM_BACKOFF);
			assert_int_equal(d->deadline, now + (death == 1 ? 100 : 200));
			lc_tick(&w->lc, d->deadline - 1);
			assert_int_equal(d->state, DOM_BACKOFF);
			now = d->deadline;
		}
	}
	assert_int_equal(d->state, DOM_FAILED);
	assert_int_equal(d->restarts, 2);
	lc_tick(&w->lc, now + 600000);
	assert_int_equal(count(&w->f, "create alpha"), 3);
	/* `ctl start' tries again. */
	char msg[256];
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_START, "alpha", CONTROL_NO_WAITER,
				now, msg, sizeof(msg)), 0);
	lc_tick(&w->lc, now);
	assert_int_equal(count(&w->f, "create alpha"), 4);
	world_free(w);
}

/* A restarted manager takes running and paused domains back, destroys
 * and creates anew one whose creation was cut short (paused, never let
 * run), and leaves domains it does not know alone. */
static void adoption(void **state)
{
	static const struct spec specs[] = {
		{ "alpha", CLASS_APP, "", 0, NULL }, { "beta", CLASS_APP, "", 0, NULL },
		{ "gamma", CLASS_APP, "", 0, NULL }, { "delta", CLASS_APP, "", 0, NULL },
	};
	struct world *w = world_new(specs, 4);
	const struct lc_mark running = { .word = "running", .started = 5 };
	const struct lc_mark paused = { .word = "paused", .started = 6 };
	const struct lc_mark none = { .word = "" };
	(void)state;
	lc_adopt(&w->lc, "alpha", 3, false, &running, 0);
	lc_adopt(&w->lc, "beta", 4, true, &paused, 0);
	lc_adopt(&w->lc, "gamma", 5, true, &none, 0);
	lc_adopt(&w->lc, "stranger", 6, false, &running, 0);
	lc_resume(&w->lc, 0);

	assert_int_equal(dom(w, "alpha")->state, DOM_RUNNING);
	assert_int_equal(dom(w, "alpha")->domid, 3);
	assert_int_equal(dom(w, "alpha")->started_epoch_ms, 5);
	assert_int_equal(count(&w->f, "watch alpha"), 1);
	assert_int_equal(dom(w, "beta")->state, DOM_PAUSED);
	assert_int_equal(dom(w, "gamma")->state, DOM_DESTROYING);
	assert_int_equal(count(&w->f, "destroy gamma 5"), 1);
	/* Not found in Xen, autostart: started. */
	assert_int_equal(dom(w, "delta")->state, DOM_BACKOFF);
	assert_null(lc_by_name(&w->lc, "stranger"));
	assert_null(lc_by_domid(&w->lc, 6));
	/* Neither taken-back domain is created again; gamma is, once gone. */
	lc_destroyed(&w->lc, dom(w, "gamma"), 0, 0);
	assert_int_equal(dom(w, "gamma")->state, DOM_BACKOFF);
	bring_up(w, "gamma", 0);
	bring_up(w, "delta", 0);
	lc_tick(&w->lc, 0);
	assert_int_equal(count(&w->f, "create alpha"), 0);
	assert_int_equal(count(&w->f, "create beta"), 0);
	world_free(w);
}

/* libxl reports a death (seen under TCG) for a domain that runs: it is
 * watched again, not created a second time. */
static void death_of_a_running_domain(void **state)
{
	static const struct spec specs[] = { { "alpha", CLASS_APP, "", 0, NULL } };
	struct world *w = world_new(specs, 1);
	struct lc_dom *d = dom(w, "alpha");
	(void)state;
	lc_resume(&w->lc, 0);
	bring_up(w, "alpha", 0);
	w->f.alive = true;
	lc_death_reported(&w->lc, d, 10);
	assert_int_equal(d->state, DOM_RUNNING);
	assert_int_equal(count(&w->f, "watch alpha"), 2);
	lc_tick(&w->lc, 100000);
	assert_int_equal(count(&w->f, "create alpha"), 1);
	/* Gone for real: "destroyed from outside", restarted as a crash. */
	w->f.alive = false;
	lc_death_reported(&w->lc, d, 20);
	assert_int_equal(d->state, DOM_BACKOFF);
	world_free(w);
}

/* A domain whose config says xwayland = 1 has it published at each
 * creation, before it runs; one that does not, never. */
static void features_before_it_runs(void **state)
{
	static const struct spec specs[] = { { "alpha", CLASS_APP, "", 0, NULL },
					     { "beta", CLASS_APP, "", 0, NULL } };
	struct world *w = world_new(specs, 2);
	(void)state;
	/* The manager's own copy of alpha's config, as loaded. */
	((struct domain_config *)dom(w, "alpha")->cfg)->xwayland = true;
	lc_resume(&w->lc, 0);
	bring_up(w, "alpha", 0);
	bring_up(w, "beta", 0);
	assert_int_equal(count(&w->f, "features alpha"), 1);
	assert_int_equal(count(&w->f, "features beta"), 0);
	assert_true(position(&w->f, "features alpha") < position(&w->f, "unpause alpha"));
	world_free(w);
}

#define QUIET LC_PRELOAD_QUIET_MS

/* A world of the template work (preload 1), up at 1 ms, whose preload
 * is made once the quiet after that start has passed, at QUIET + 1: *P,
 * the first preload, being created. */
static struct world *preloading(struct lc_dom **p)
{
	static const struct spec specs[] = { { "work", CLASS_APP, "", 1, NULL } };
	struct world *w = world_new(specs, 1);
	lc_resume(&w->lc, 1);
	bring_up(w, "work", 1);
	lc_tick(&w->lc, QUIET);
	assert_null(lc_by_name(&w->lc, "disp1"));
	assert_int_equal(lc_next_deadline(&w->lc, QUIET), QUIET + 1);
	lc_tick(&w->lc, QUIET + 1);
	*p = dom(w, "disp1");
	assert_true((*p)->preload);
	assert_int_equal((*p)->state, DOM_CREATING);
	assert_int_equal(count(&w->f, "create disp1"), 1);
	return w;
}

/* A world of the disposable template work (preload 1) whose preload
 * disp1 is booted and, once its agent is ready, paused: *P. */
static struct world *with_a_preload(struct lc_dom **p)
{
	struct world *w = preloading(p);
	lc_created(&w->lc, *p, 0, QUIET, 1000);
	answer_pause(w, 0);
	lc_agent_said(&w->lc, *p, &agent_ready, 0, QUIET + 50);
	assert_int_equal(count(&w->f, "pause disp1"), 1);
	answer_pause(w, 0);
	assert_int_equal((*p)->state, DOM_PRELOADED);
	assert_int_equal(count(&w->f, "mark disp1 preloaded"), 1);
	return w;
}

/* A template's preload is booted, paused once its agent is ready, handed
 * to a request (unpaused), and another is preloaded after the answer. */
static void preload_refill(void **state)
{
	struct control_waiter waiter = { .slot = 1, .serial = 1 };
	char msg[256];
	struct lc_dom *p;
	struct world *w = with_a_preload(&p);
	(void)state;

	assert_int_equal(lc_run_disposable(&w->lc, "work", "xterm", waiter, 2 * QUIET, msg,
					   sizeof(msg)), 0);
	assert_int_equal(p->state, DOM_RUNNING);
	assert_false(p->preload);
	assert_int_equal(count(&w->f, "unpause disp1"), 2);	/* its creation's, and this */
	assert_int_equal(count(&w->f, "command disp1 xterm"), 1);
	answer_pause(w, 0);
	/* Its request waits for it, not `ctl start --wait'. */
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_START_WAIT, "disp1", waiter, 2 * QUIET, msg,
				sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "disp1 is an unnamed disposable: `bulkhead ctl run-disposable "
			    "work' starts one and waits for it");
	/* No new preload while the request waits for its answer. */
	lc_tick(&w->lc, 2 * QUIET);
	assert_null(lc_by_name(&w->lc, "disp2"));
	lc_agent_said(&w->lc, p, &agent_running, 0, 2 * QUIET + 30);
	assert_int_equal(count(&w->f, "answer disp1 30"), 1);
	/* Nor in the quiet after it was handed out: its program starts. */
	lc_tick(&w->lc, 3 * QUIET - 1);
	assert_null(lc_by_name(&w->lc, "disp2"));
	assert_int_equal(lc_next_deadline(&w->lc, 3 * QUIET - 1), 3 * QUIET);
	lc_tick(&w->lc, 3 * QUIET);
	assert_non_null(lc_by_name(&w->lc, "disp2"));
	assert_true(dom(w, "disp2")->preload);
	assert_int_equal(count(&w->f, "create disp2"), 1);
	world_free(w);
}

/* `ctl reload': a new domain with autostart starts at once, one without
 * waits to be asked; a removed one that runs is asked to shut down and is
 * forgotten once it has; a changed one runs on by its old config, which
 * `ctl list' says, until its next start. */
static void reload_starts_the_new_and_stops_the_removed(void **state)
{
	static const struct spec before[] = { { "alpha", CLASS_APP, "", 0, NULL },
					      { "beta", CLASS_APP, "", 0, NULL } };
	static const struct spec after[] = { { "alpha", CLASS_APP, "", 0, NULL },
					     { "gamma", CLASS_APP, "", 0, NULL },
					     { "delta", CLASS_APP, "", 0, NULL } };
	struct world *w = world_new(before, 2);
	struct ctl_domain_info info;
	char text[1024];
	uint64_t now = 0;
	(void)state;
	lc_resume(&w->lc, now);
	bring_up(w, "alpha", now);
	bring_up(w, "beta", now);
	struct domains nd = configs(after, 3);
	nd.dom[0].memory_mb = 512;
	nd.dom[2].autostart = false;
	now = 5000;
	lc_reload_apply(&w->lc, &nd, now, text, sizeof(text));
	assert_non_null(strstr(text, "domain alpha: memory changed: applies at its next start "
			       "(it runs)\n"));
	assert_non_null(strstr(text, "domain gamma is new: started now (autostart)\n"));
	assert_non_null(strstr(text, "domain delta is new: `bulkhead ctl start delta' starts "
			       "it\n"));
	assert_non_null(strstr(text, "domain beta is no longer configured: asked to shut down, "
			       "and forgotten once it stops\n"));
	lc_describe(&w->lc, dom(w, "alpha"), &info);
	assert_int_equal(info.config, CTL_CONFIG_CHANGED);
	/* The config it runs by, not the file's 512 MiB. */
	assert_int_equal(info.memory_kib, 400 * 1024);
	lc_describe(&w->lc, dom(w, "beta"), &info);
	assert_int_equal(info.config, CTL_CONFIG_REMOVED);
	assert_int_equal(dom(w, "beta")->state, DOM_STOPPING);
	assert_int_equal(count(&w->f, "shutdown beta"), 1);
	lc_shutdown_asked(&w->lc, dom(w, "beta"), 0, now);
	assert_int_equal(dom(w, "delta")->state, DOM_STOPPED);
	bring_up(w, "gamma", now);
	lc_describe(&w->lc, dom(w, "gamma"), &info);
	assert_int_equal(info.config, 0);
	assert_int_equal(count(&w->f, "create delta"), 0);

	lc_shutdown_reported(&w->lc, dom(w, "beta"), LC_SHUTDOWN_POWEROFF, "poweroff", now);
	lc_destroyed(&w->lc, dom(w, "beta"), 0, now);
	assert_int_equal(dom(w, "beta")->state, DOM_STOPPED);
	/* Forgotten by the loop's next turn, not under the caller. */
	lc_tick(&w->lc, now);
	assert_null(lc_by_name(&w->lc, "beta"));
	world_free(w);
}

/* A template that ran and stopped has a newer root than its AppVMs that
 * run, and than its disposable template's disposables: `ctl list' says
 * "old-root" until each starts again. */
static void domains_on_an_older_root_are_said(void **state)
{
	static const struct spec specs[] = { { "debian", CLASS_TEMPLATE, "", 0, NULL },
					     { "work", CLASS_APP, "", 0, "debian" },
					     { "dvm", CLASS_APP, "", 0, "debian" },
					     { "mail", CLASS_DISPOSABLE, "", 0, "dvm" } };
	struct world *w = world_new(specs, 4);
	struct ctl_domain_info info;
	uint64_t now = 0;
	(void)state;
	lc_resume(&w->lc, now);
	bring_up(w, "debian", now);
	bring_up(w, "work", now);
	bring_up(w, "dvm", now);
	bring_up(w, "mail", now);
	lc_describe(&w->lc, dom(w, "work"), &info);
	assert_int_equal(info.config, 0);
	/* The template stops: what it wrote is its root now. */
	lc_shutdown_reported(&w->lc, dom(w, "debian"), LC_SHUTDOWN_POWEROFF, "poweroff", now);
	lc_destroyed(&w->lc, dom(w, "debian"), 0, now);
	for (const char *const *n = (const char *const[]){ "work", "dvm", "mail", NULL }; *n; n++) {
		lc_describe(&w->lc, dom(w, *n), &info);
		assert_int_equal(info.config, CTL_CONFIG_OLD_ROOT);
	}
	lc_describe(&w->lc, dom(w, "debian"), &info);
	assert_int_equal(info.config, 0);
	char text[CTL_CONFIG_TEXT];
	ctl_config_text(CTL_CONFIG_CHANGED | CTL_CONFIG_OLD_ROOT, text, sizeof(text));
	assert_string_equal(text, "changed,old-root");
	/* work crashes and comes back on the new root. */
	lc_shutdown_reported(&w->lc, dom(w, "work"), LC_SHUTDOWN_CRASH, "crash", now);
	lc_destroyed(&w->lc, dom(w, "work"), 0, now);
	bring_up(w, "work", dom(w, "work")->deadline);
	lc_describe(&w->lc, dom(w, "work"), &info);
	assert_int_equal(info.config, 0);
	/* A stopped domain runs no root at all. */
	lc_ctl(&w->lc, CTL_DOMAIN_KILL, "dvm", CONTROL_NO_WAITER, now, text, sizeof(text));
	lc_destroyed(&w->lc, dom(w, "dvm"), 0, now);
	lc_describe(&w->lc, dom(w, "dvm"), &info);
	assert_int_equal(info.config, 0);
	world_free(w);
}

/* A net domain whose agent stays silent is taken as serving at its
 * deadline, and the domain behind it, held for it, is created in that
 * same turn: nothing else would wake the loop for it. */
static void a_silent_netvm_lets_its_domains_start(void **state)
{
	static const struct spec specs[] = { { "sys-net", CLASS_NET, "", 0, NULL },
					     { "alpha", CLASS_APP, "sys-net", 0, NULL } };
	struct world *w = world_new(specs, 2);
	struct lc_dom *net = dom(w, "sys-net");
	(void)state;
	lc_resume(&w->lc, 0);
	bring_up(w, "sys-net", 1);
	lc_tick(&w->lc, 2);
	assert_int_equal(count(&w->f, "create alpha"), 0);
	assert_int_equal(lc_next_deadline(&w->lc, 2), net->agent_deadline);
	lc_tick(&w->lc, net->agent_deadline);
	assert_true(net->serving);
	assert_int_equal(count(&w->f, "create alpha"), 1);
	world_free(w);
}

/* Preloads are background work: none while the boot's domains start (a
 * netvm's agent not up yet, its client due then being created), none in
 * the quiet after the last start; then one, the next turn after it. */
static void preloads_wait_for_the_boot(void **state)
{
	static const struct spec specs[] = {
		{ "sys-net", CLASS_NET, "", 0, NULL }, { "alpha", CLASS_APP, "sys-net", 0, NULL },
		{ "work", CLASS_APP, "", 1, NULL },
	};
	struct world *w = world_new(specs, 3);
	struct lc_dom *net = dom(w, "sys-net");
	(void)state;
	w->lc.doms.dom[2].autostart = false;	/* a template: never run itself */
	lc_resume(&w->lc, 1);
	bring_up(w, "sys-net", 1);
	/* sys-net boots, past the quiet: alpha and the preload wait. */
	assert_true(QUIET + 1 < 1 + LC_BACKEND_AGENT_TIMEOUT_MS);
	lc_tick(&w->lc, QUIET + 1);
	assert_null(lc_by_name(&w->lc, "disp1"));
	assert_int_equal(dom(w, "alpha")->state, DOM_BACKOFF);
	/* alpha's start, due since 1 ms, wakes nobody: sys-net's agent will, or
	 * its silence at the deadline. */
	assert_int_equal(lc_next_deadline(&w->lc, QUIET + 1), 1 + LC_BACKEND_AGENT_TIMEOUT_MS);
	lc_agent_said(&w->lc, net, &agent_ready, 0, QUIET + 1);
	bring_up(w, "alpha", QUIET + 1);
	assert_null(lc_by_name(&w->lc, "disp1"));
	lc_tick(&w->lc, 2 * QUIET);
	assert_null(lc_by_name(&w->lc, "disp1"));
	assert_int_equal(lc_next_deadline(&w->lc, 2 * QUIET), 2 * QUIET + 1);
	lc_tick(&w->lc, 2 * QUIET + 1);
	assert_true(dom(w, "disp1")->preload);
	assert_int_equal(count(&w->f, "create disp1"), 1);
	/* Its own start holds nothing back: no deadline of the quiet's. */
	assert_int_equal(lc_next_deadline(&w->lc, 2 * QUIET + 1), UINT64_MAX);
	world_free(w);
}

/* A request that takes a preload while libxl is pausing it: once the
 * pause is done the disposable is let run again, not left preloaded. */
static void request_races_a_preload(void **state)
{
	struct control_waiter waiter = { .slot = 1, .serial = 1 };
	char msg[256];
	struct lc_dom *p;
	struct world *w = preloading(&p);
	(void)state;
	lc_created(&w->lc, p, 0, QUIET, 1000);
	answer_pause(w, 0);
	lc_agent_said(&w->lc, p, &agent_ready, 0, QUIET + 50);
	assert_int_equal(w->f.npauses, 1);	/* the preload's pause, unanswered */
	assert_int_equal(lc_run_disposable(&w->lc, "work", "", waiter, QUIET + 60, msg,
					   sizeof(msg)), 0);
	/* Its agent is up and no command was asked: answered at once. */
	assert_int_equal(count(&w->f, "answer disp1 0"), 1);
	answer_pause(w, 0);
	assert_int_equal(p->state, DOM_RUNNING);
	assert_int_equal(count(&w->f, "mark disp1 preloaded"), 0);
	assert_int_equal(count(&w->f, "unpause disp1"), 2);
	assert_int_equal(count(&w->f, "mark disp1 running"), 1);
	world_free(w);
}

/* sys-net dies and comes back as a new domain: alpha's vifs are moved to
 * it once it serves (its agent is up), and only then. */
static void netvm_restart_moves_its_clients(void **state)
{
	static const struct spec specs[] = {
		{ "sys-net", CLASS_NET, "", 0, NULL }, { "alpha", CLASS_APP, "sys-net", 0, NULL },
	};
	struct world *w = world_new(specs, 2);
	struct lc_dom *net = dom(w, "sys-net"), *a = dom(w, "alpha");
	(void)state;
	lc_resume(&w->lc, 0);
	bring_up(w, "sys-net", 0);
	/* alpha waits for its netvm to serve. */
	lc_tick(&w->lc, 10);
	assert_int_equal(a->state, DOM_BACKOFF);
	lc_agent_said(&w->lc, net, &agent_ready, 0, 20);
	log_set_level(LOG_LVL_INFO);
	capture_begin();
	bring_up(w, "alpha", 20);
	assert_non_null(strstr(capture_end(), "event=vif-attached name=alpha vif=0 netvm=sys-net "
				"again=0"));
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(count(&w->f, "reattach alpha 1"), 0);

	lc_death_reported(&w->lc, net, 100);	/* destroyed from outside */
	assert_int_equal(net->state, DOM_BACKOFF);
	assert_int_equal(a->state, DOM_RUNNING);
	bring_up(w, "sys-net", net->deadline);
	uint32_t new_domid = net->domid;
	assert_int_equal(count(&w->f, "reattach alpha 3"), 0);
	log_set_level(LOG_LVL_INFO);
	capture_begin();
	lc_agent_said(&w->lc, net, &agent_ready, 0, 200);
	lc_vif_attached(&w->lc, a, 0, new_domid, 0);
	assert_non_null(strstr(capture_end(), "event=vif-attached name=alpha vif=0 netvm=sys-net "
				"again=1"));
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(count(&w->f, "reattach alpha 3"), 1);
	assert_int_equal(new_domid, 3);
	assert_true(lc_reattach_wanted(&w->lc, a, a->domid, new_domid));
	/* Not for the old netvm's domid, nor for a domain alpha no longer is. */
	assert_false(lc_reattach_wanted(&w->lc, a, a->domid, 1));
	assert_false(lc_reattach_wanted(&w->lc, a, a->domid + 7, new_domid));
	world_free(w);
}

/* Every death releases the domain's block devices, by the domid it had,
 * whether it crashed or was stopped: what it lent (the adapter takes that
 * back from a lender: storage and usb) and what dom0 lent it. */
static void every_death_releases_block_devices(void **state)
{
	static const struct spec specs[] = {
		{ "sys-storage", CLASS_STORAGE, "", 0, NULL }, { "alpha", CLASS_APP, "", 0, NULL },
		{ "sys-usb", CLASS_USB, "", 0, NULL },
	};
	struct world *w = world_new(specs, 3);
	struct lc_dom *st = dom(w, "sys-storage"), *a = dom(w, "alpha"), *u = dom(w, "sys-usb");
	char want[64], msg[128];
	(void)state;
	lc_resume(&w->lc, 0);
	bring_up(w, "sys-storage", 0);
	bring_up(w, "alpha", 1);
	bring_up(w, "sys-usb", 2);
	assert_true(lc_lends_blocks(st) && lc_lends_blocks(u) && !lc_lends_blocks(a));
	snprintf(want, sizeof(want), "blocks-released alpha %u", a->domid);
	lc_death_reported(&w->lc, a, 10);
	assert_int_equal(count(&w->f, want), 1);
	uint32_t was = st->domid;
	snprintf(want, sizeof(want), "blocks-released sys-storage %u", was);
	lc_death_reported(&w->lc, st, 20);
	assert_int_equal(count(&w->f, want), 1);
	bring_up(w, "sys-storage", st->deadline);
	assert_int_not_equal(st->domid, was);
	snprintf(want, sizeof(want), "blocks-released sys-storage %u", st->domid);
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_STOP, "sys-storage", CONTROL_NO_WAITER,
				1000, msg, sizeof(msg)), 0);
	lc_death_reported(&w->lc, st, 1010);
	assert_int_equal(st->state, DOM_STOPPED);
	assert_int_equal(count(&w->f, want), 1);
	world_free(w);
}

/* At shutdown the client goes first, the netvm once no client is left;
 * a domain that does not shut down is destroyed after 30 s, not before. */
static void shutdown_order_and_deadline(void **state)
{
	static const struct spec specs[] = {
		{ "sys-net", CLASS_NET, "", 0, NULL }, { "alpha", CLASS_APP, "sys-net", 0, NULL },
	};
	struct world *w = world_new(specs, 2);
	struct lc_dom *net = dom(w, "sys-net"), *a = dom(w, "alpha");
	char msg[256];
	(void)state;
	lc_resume(&w->lc, 0);
	bring_up(w, "sys-net", 0);
	lc_agent_said(&w->lc, net, &agent_ready, 0, 0);
	bring_up(w, "alpha", 0);
	/* Paused: it is let run to hear the shutdown. */
	w->f.pause_now = true;
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_PAUSE, "alpha", CONTROL_NO_WAITER,
				0, msg, sizeof(msg)), 0);
	assert_int_equal(a->state, DOM_PAUSED);

	lc_stop_all(&w->lc);
	lc_tick(&w->lc, 1000);
	assert_int_equal(count(&w->f, "shutdown alpha"), 1);
	assert_int_equal(count(&w->f, "unpause alpha"), 2);	/* its creation's, and this */
	assert_int_equal(count(&w->f, "shutdown sys-net"), 0);
	lc_shutdown_asked(&w->lc, a, 0, 1000);
	lc_shutdown_reported(&w->lc, a, LC_SHUTDOWN_POWEROFF, "poweroff", 2000);
	lc_destroyed(&w->lc, a, 0, 2000);
	assert_int_equal(a->state, DOM_STOPPED);
	assert_false(lc_all_gone(&w->lc));
	lc_tick(&w->lc, 2000);
	assert_int_equal(count(&w->f, "shutdown sys-net"), 1);
	assert_true(position(&w->f, "shutdown alpha") < position(&w->f, "shutdown sys-net"));
	lc_shutdown_asked(&w->lc, net, 0, 2000);
	assert_int_equal(lc_next_deadline(&w->lc, 2000), 2000 + LC_SHUTDOWN_GRACE_MS);
	lc_tick(&w->lc, 2000 + LC_SHUTDOWN_GRACE_MS - 1);
	assert_int_equal(net->state, DOM_STOPPING);
	lc_tick(&w->lc, 2000 + LC_SHUTDOWN_GRACE_MS);
	assert_int_equal(count(&w->f, "destroy sys-net 1"), 1);
	lc_destroyed(&w->lc, net, 0, 32000);
	assert_true(lc_all_gone(&w->lc));
	/* Nothing is restarted during shutdown. */
	lc_tick(&w->lc, 40000);
	assert_int_equal(count(&w->f, "create sys-net"), 1);
	world_free(w);
}

/* A request that takes a preload still being created: its command is
 * handed over once libxl has made the domain, and the request answered
 * once the command runs. */
static void request_during_a_preloads_creation(void **state)
{
	struct control_waiter waiter = { .slot = 1, .serial = 1 };
	char msg[256];
	struct lc_dom *p;
	struct world *w = preloading(&p);
	(void)state;
	assert_int_equal(lc_run_disposable(&w->lc, "work", "xterm", waiter, QUIET + 10, msg,
					   sizeof(msg)), 0);
	assert_int_equal(count(&w->f, "command disp1 xterm"), 0);
	lc_created(&w->lc, p, 0, QUIET + 20, 1000);
	assert_int_equal(count(&w->f, "command disp1 xterm"), 1);
	assert_int_equal(count(&w->f, "mark disp1 running"), 1);
	answer_pause(w, 0);
	/* Ready is not yet an answer: its command has not started. */
	lc_agent_said(&w->lc, p, &agent_ready, 0, QUIET + 30);
	assert_int_equal(w->f.npauses, 0);
	assert_int_equal(w->f.answers, 0);
	lc_agent_said(&w->lc, p, &agent_running, 0, QUIET + 40);
	assert_int_equal(count(&w->f, "answer disp1 30"), 1);
	world_free(w);
}

/* A disposable for a call: the preloaded one let run, marked "call", no
 * command, no answer to anyone; no preload built while it is not up for
 * the call; without a preload one is started; a restarted manager knows
 * one held by a call as such (the domain manager destroys it then). */
static void disposable_for_a_call(void **state)
{
	char msg[256];
	struct lc_dom *p;
	struct world *w = with_a_preload(&p);
	(void)state;
	assert_ptr_equal(lc_call_disposable(&w->lc, "work", "caller", 2 * QUIET, msg, sizeof(msg)),
			 p);
	assert_true(p->for_call);
	assert_string_equal(p->call_source, "caller");
	assert_false(p->preload);
	assert_null(p->command);
	assert_int_equal(p->state, DOM_RUNNING);
	assert_int_equal(count(&w->f, "mark disp1 call"), 1);
	/* Its unpause not answered yet: no preload is built meanwhile. */
	lc_tick(&w->lc, 2 * QUIET);
	assert_null(lc_by_name(&w->lc, "disp2"));
	answer_pause(w, 0);
	assert_true(p->agent_ready);	/* up for the call: the refill after the quiet */
	lc_tick(&w->lc, 3 * QUIET - 1);
	assert_null(lc_by_name(&w->lc, "disp2"));
	lc_tick(&w->lc, 3 * QUIET);
	assert_true(dom(w, "disp2")->preload);
	assert_int_equal(w->f.answers, 0);
	/* Its agent silent past the deadline does not matter once it was up;
	 * the call's end is the domain manager's to act on. */
	lc_tick(&w->lc, 2 * QUIET + LC_AGENT_TIMEOUT_MS);
	assert_int_equal(p->state, DOM_RUNNING);
	/* No template of that name. */
	assert_null(lc_call_disposable(&w->lc, "nosuch", "caller", 3 * QUIET, msg, sizeof(msg)));
	assert_string_equal(msg, "no domain nosuch is configured (see `bulkhead ctl list')");
	/* Adopted with its mark: held by a call. */
	const struct lc_mark mk = { .word = "call", .started = 9, .dvm = "work" };
	lc_adopt(&w->lc, "disp7", 7, false, &mk, 0);
	assert_true(dom(w, "disp7")->for_call);
	assert_int_equal(dom(w, "disp7")->state, DOM_RUNNING);
	world_free(w);
}

/* A call's disposable with no preload: queued to start, marked "call"
 * once made; its agent silent too long: destroyed. */
static void cold_disposable_for_a_call(void **state)
{
	static const struct spec specs[] = { { "work", CLASS_APP, "", 0, NULL } };
	struct world *w = world_new(specs, 1);
	char msg[256];
	(void)state;
	/* work: a disposable template (volumes) with no preload. */
	w->lc.doms.dom[0].volumes = true;
	lc_resume(&w->lc, 0);
	bring_up(w, "work", 0);
	struct lc_dom *d = lc_call_disposable(&w->lc, "work", "caller", 10, msg, sizeof(msg));
	assert_non_null(d);
	assert_int_equal(d->state, DOM_BACKOFF);
	bring_up(w, d->cfg->name, 20);
	assert_int_equal(count(&w->f, "mark disp1 call"), 1);
	lc_tick(&w->lc, 20 + LC_AGENT_TIMEOUT_MS - 1);
	assert_int_equal(d->state, DOM_RUNNING);
	lc_tick(&w->lc, 20 + LC_AGENT_TIMEOUT_MS);
	assert_int_equal(count(&w->f, "destroy disp1 2"), 1);
	world_free(w);
}

/* Preloads that die before they are ready, three in a row: no more are
 * started; the template still serves requests. */
static void preloads_that_keep_dying_stop(void **state)
{
	static const struct spec specs[] = { { "work", CLASS_APP, "", 1, NULL } };
	struct world *w = world_new(specs, 1);
	uint64_t now = 0;
	(void)state;
	lc_resume(&w->lc, 0);
	bring_up(w, "work", 0);
	for (int i = 1; i <= LC_PRELOAD_FAILURES_MAX; i++) {
		char name[16];
		snprintf(name, sizeof(name), "disp%d", i);
		lc_tick(&w->lc, now);	/* the last one reaped, the next one created */
		struct lc_dom *p = dom(w, name);
		assert_int_equal(p->state, DOM_CREATING);
		lc_created(&w->lc, p, 0, now, 1000);
		answer_pause(w, 0);
		lc_shutdown_reported(&w->lc, p, LC_SHUTDOWN_CRASH, "crash", now);
		lc_destroyed(&w->lc, p, 0, now);
		now += 1000;
	}
	lc_tick(&w->lc, now);
	assert_null(lc_by_name(&w->lc, "disp3"));	/* reaped */
	assert_null(lc_by_name(&w->lc, "disp4"));
	assert_int_equal(dom(w, "work")->preload_failures, LC_PRELOAD_FAILURES_MAX);
	world_free(w);
}

/* A restarted manager takes a preloaded disposable back as preloaded, by
 * the template its mark names. */
static void adoption_of_a_preload(void **state)
{
	static const struct spec specs[] = { { "work", CLASS_APP, "", 1, NULL } };
	struct world *w = world_new(specs, 1);
	const struct lc_mark mk = { .word = "preloaded", .started = 9, .dvm = "work" };
	(void)state;
	lc_adopt(&w->lc, "disp7", 7, true, &mk, 0);
	struct lc_dom *d = dom(w, "disp7");
	assert_int_equal(d->state, DOM_PRELOADED);
	assert_true(d->preload);
	assert_true(d->agent_ready);
	assert_string_equal(d->cfg->template_name, "work");
	assert_int_equal(count(&w->f, "agent-watch disp7"), 1);
	/* Not the template any more: left alone. */
	const struct lc_mark other = { .word = "preloaded", .dvm = "gone" };
	lc_adopt(&w->lc, "disp8", 8, true, &other, 0);
	assert_null(lc_by_name(&w->lc, "disp8"));
	world_free(w);
}

/* `ctl' while a creation is under way: refused with what to do, and the
 * next creation waits for it (one at a time). */
static void ctl_while_creating(void **state)
{
	static const struct spec specs[] = {
		{ "alpha", CLASS_APP, "", 0, NULL }, { "beta", CLASS_APP, "", 0, NULL },
	};
	struct world *w = world_new(specs, 2);
	struct lc_dom *a = dom(w, "alpha"), *b = dom(w, "beta");
	char msg[256];
	(void)state;
	lc_resume(&w->lc, 0);
	lc_tick(&w->lc, 0);
	assert_int_equal(a->state, DOM_CREATING);
	assert_int_equal(b->state, DOM_BACKOFF);
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_STOP, "alpha", CONTROL_NO_WAITER,
				0, msg, sizeof(msg)), -EBUSY);
	assert_string_equal(msg, "alpha is creating: try again once it runs");
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_START, "alpha", CONTROL_NO_WAITER,
				0, msg, sizeof(msg)), -EALREADY);
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_PAUSE, "alpha", CONTROL_NO_WAITER,
				0, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_START, "beta", CONTROL_NO_WAITER,
				0, msg, sizeof(msg)), 0);
	lc_tick(&w->lc, 1);
	assert_int_equal(count(&w->f, "create beta"), 0);
	lc_created(&w->lc, a, 0, 5, 1000);
	answer_pause(w, 0);
	lc_tick(&w->lc, 6);
	assert_int_equal(count(&w->f, "create beta"), 1);
	/* Now alpha runs: stop asks it to shut down. */
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_STOP, "alpha", CONTROL_NO_WAITER,
				6, msg, sizeof(msg)), 0);
	assert_int_equal(count(&w->f, "shutdown alpha"), 1);
	world_free(w);
}

/* `ctl pause' is asynchronous: the state follows libxl's answer; an
 * answer given before the call returned is the command's. */
static void ctl_pause_follows_libxl(void **state)
{
	static const struct spec specs[] = { { "alpha", CLASS_APP, "", 0, NULL } };
	struct world *w = world_new(specs, 1);
	struct lc_dom *a = dom(w, "alpha");
	char msg[256];
	(void)state;
	lc_resume(&w->lc, 0);
	bring_up(w, "alpha", 0);
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_PAUSE, "alpha", CONTROL_NO_WAITER,
				0, msg, sizeof(msg)), 0);
	assert_int_equal(a->state, DOM_RUNNING);
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_PAUSE, "alpha", CONTROL_NO_WAITER,
				0, msg, sizeof(msg)), -EBUSY);
	answer_pause(w, 0);
	assert_int_equal(a->state, DOM_PAUSED);
	assert_int_equal(count(&w->f, "mark alpha paused"), 1);
	w->f.pause_now = true;
	w->f.pause_rc = -3;
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_UNPAUSE, "alpha", CONTROL_NO_WAITER,
				0, msg, sizeof(msg)), -EIO);
	assert_string_equal(msg, "libxl could not unpause alpha (error -3)");
	assert_int_equal(a->state, DOM_PAUSED);
	world_free(w);
}

/* `ctl start --wait NAME' with WAITER at NOW: its return. */
static int start_wait(struct world *w, const char *name, struct control_waiter waiter,
		      uint64_t now)
{
	char msg[256];
	int r = lc_ctl(&w->lc, CTL_DOMAIN_START_WAIT, name, waiter, now, msg, sizeof(msg));
	if (r < 0)
		str_copy(w->f.refused, msg, sizeof(w->f.refused));
	return r;
}

static const struct control_waiter waiter1 = { .slot = 1, .serial = 1 };
static const struct control_waiter waiter2 = { .slot = 2, .serial = 2 };

/* `ctl start --wait' is answered once libxl created the domain and it was
 * let run (RUNNING, as `ctl list' says), before libxl unpaused it; at once
 * for one that runs; a start under way is waited for, not made again. */
static void start_wait_answered_when_it_runs(void **state)
{
	static const struct spec specs[] = { { "alpha", CLASS_APP, "", 0, NULL } };
	struct world *w = world_new(specs, 1);
	struct lc_dom *a = dom(w, "alpha");
	char msg[256];
	(void)state;
	assert_int_equal(start_wait(w, "alpha", waiter1, 10), 0);
	assert_int_equal(a->state, DOM_BACKOFF);
	assert_true(a->waiting);
	lc_tick(&w->lc, 10);
	assert_int_equal(a->state, DOM_CREATING);
	assert_int_equal(w->f.answers, 0);
	lc_created(&w->lc, a, 0, 50, 1000);
	assert_int_equal(a->state, DOM_RUNNING);
	assert_int_equal(w->f.answers, 1);
	assert_int_equal(count(&w->f, "answer alpha 40"), 1);
	assert_true(position(&w->f, "unpause alpha") < position(&w->f, "answer alpha 40"));
	assert_int_equal(w->f.npauses, 1);	/* libxl's unpause not answered yet */
	assert_false(a->waiting);
	answer_pause(w, 0);
	assert_int_equal(w->f.answers, 1);

	/* It runs: answered at once, the plain start's words as they were. */
	assert_int_equal(start_wait(w, "alpha", waiter2, 60), 0);
	assert_int_equal(w->f.answers, 2);
	assert_int_equal(count(&w->f, "answer alpha 0"), 1);
	assert_false(a->waiting);
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_START, "alpha", CONTROL_NO_WAITER, 60, msg,
				sizeof(msg)), -EALREADY);
	assert_string_equal(msg, "alpha is running: nothing to do");

	/* Being created: waited for, created once. */
	lc_shutdown_reported(&w->lc, a, LC_SHUTDOWN_POWEROFF, "poweroff", 70);
	lc_destroyed(&w->lc, a, 0, 70);
	assert_int_equal(a->state, DOM_STOPPED);
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_START, "alpha", CONTROL_NO_WAITER, 80, msg,
				sizeof(msg)), 0);
	lc_tick(&w->lc, 80);
	assert_int_equal(a->state, DOM_CREATING);
	assert_int_equal(start_wait(w, "alpha", waiter1, 90), 0);
	lc_tick(&w->lc, 90);
	lc_created(&w->lc, a, 0, 100, 1000);
	assert_int_equal(count(&w->f, "create alpha"), 2);
	assert_int_equal(count(&w->f, "answer alpha 10"), 1);
	assert_int_equal(w->f.refusals, 0);
	world_free(w);
}

/* A creation that fails refuses the waiter with libxl's error or the
 * prepare's words, whatever follows (a backoff, failed); a later
 * creation is no answer to anyone. */
static void start_wait_refused_when_creation_fails(void **state)
{
	static const struct spec specs[] = { { "alpha", CLASS_APP, "", 0, NULL } };
	struct world *w = world_new(specs, 1);
	struct lc_dom *a = dom(w, "alpha");
	(void)state;
	assert_int_equal(start_wait(w, "alpha", waiter1, 0), 0);
	lc_tick(&w->lc, 0);
	lc_created(&w->lc, a, -3, 5, 1000);
	assert_int_equal(w->f.refusals, 1);
	assert_int_equal(w->f.refused_code, EIO);
	assert_string_equal(w->f.refused, "alpha did not start: libxl could not create it (error "
			    "-3; the domain manager's log says why)");
	assert_int_equal(a->state, DOM_BACKOFF);
	assert_false(a->waiting);
	lc_tick(&w->lc, a->deadline);
	lc_created(&w->lc, a, 0, a->deadline, 1000);
	assert_int_equal(a->state, DOM_RUNNING);
	assert_int_equal(w->f.answers, 0);
	lc_shutdown_reported(&w->lc, a, LC_SHUTDOWN_POWEROFF, "poweroff", 1000);
	lc_destroyed(&w->lc, a, 0, 1000);

	/* Its volumes, config or PCI devices cannot be made: failed. */
	w->f.prepare_rc = -EINVAL;
	assert_int_equal(start_wait(w, "alpha", waiter1, 2000), 0);
	lc_tick(&w->lc, 2000);
	assert_int_equal(a->state, DOM_FAILED);
	assert_int_equal(w->f.refusals, 2);
	assert_string_equal(w->f.refused, "alpha did not start: the fake refuses");
	/* Not now (-EAGAIN): backs off, refused all the same. */
	w->f.prepare_rc = -EAGAIN;
	assert_int_equal(start_wait(w, "alpha", waiter1, 3000), 0);
	lc_tick(&w->lc, 3000);
	assert_int_equal(a->state, DOM_BACKOFF);
	assert_int_equal(w->f.refusals, 3);
	assert_string_equal(w->f.refused, "alpha did not start: the fake refuses");
	/* The pool is not usable: failed. */
	w->f.prepare_rc = 0;
	w->lc.pool_ok = false;
	w->lc.doms.dom[0].volumes = true;
	assert_int_equal(start_wait(w, "alpha", waiter1, 4000), 0);
	lc_tick(&w->lc, 4000);
	assert_int_equal(a->state, DOM_FAILED);
	assert_int_equal(w->f.refusals, 4);
	assert_string_equal(w->f.refused, "alpha did not start: the pool is not usable (see the "
			    "log)");
	assert_int_equal(w->f.answers, 0);
	world_free(w);
}

/* Stopped or killed before it runs, removed by a reload, a backend it
 * needs stopped, the manager shutting down: refused, saying so. */
static void start_wait_refused_when_it_will_not_run(void **state)
{
	static const struct spec specs[] = { { "sys-net", CLASS_NET, "", 0, NULL },
					     { "alpha", CLASS_APP, "sys-net", 0, NULL },
					     { "beta", CLASS_APP, "", 0, NULL } };
	static const struct spec after[] = { { "sys-net", CLASS_NET, "", 0, NULL },
					     { "alpha", CLASS_APP, "sys-net", 0, NULL } };
	struct world *w = world_new(specs, 3);
	struct lc_dom *n = dom(w, "sys-net"), *a = dom(w, "alpha");
	char msg[256], text[1024];
	(void)state;
	assert_int_equal(start_wait(w, "beta", waiter1, 0), 0);
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_STOP, "beta", CONTROL_NO_WAITER, 0, msg,
				sizeof(msg)), 0);
	assert_int_equal(w->f.refused_code, ECANCELED);
	assert_string_equal(w->f.refused, "beta did not start: `bulkhead ctl stop' stopped it "
			    "first");
	assert_int_equal(start_wait(w, "beta", waiter1, 0), 0);
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_KILL, "beta", CONTROL_NO_WAITER, 0, msg,
				sizeof(msg)), 0);
	assert_string_equal(w->f.refused, "beta did not start: `bulkhead ctl kill' stopped it "
			    "first");
	assert_int_equal(dom(w, "beta")->state, DOM_STOPPED);

	/* Its netvm starts first; stopped before it runs, it would never serve. */
	assert_int_equal(start_wait(w, "alpha", waiter1, 0), 0);
	assert_int_equal(n->state, DOM_BACKOFF);
	assert_int_equal(lc_ctl(&w->lc, CTL_DOMAIN_STOP, "sys-net", CONTROL_NO_WAITER, 0, msg,
				sizeof(msg)), 0);
	lc_tick(&w->lc, 0);
	assert_int_equal(w->f.refusals, 3);
	assert_int_equal(w->f.refused_code, EIO);
	assert_string_equal(w->f.refused, "alpha did not start: it needs sys-net, which is "
			    "stopped (`bulkhead ctl start --wait alpha' starts both again)");
	assert_int_equal(a->state, DOM_BACKOFF);	/* it starts if sys-net does */

	/* Removed by a reload before it runs: refused before its slot goes. */
	assert_int_equal(start_wait(w, "beta", waiter2, 10), 0);
	struct domains nd = configs(after, 2);
	lc_reload_apply(&w->lc, &nd, 10, text, sizeof(text));
	assert_null(lc_by_name(&w->lc, "beta"));
	assert_int_equal(w->f.refusals, 4);
	assert_int_equal(w->f.refused_code, ENOENT);
	assert_string_equal(w->f.refused, "beta did not start: `bulkhead ctl reload' removed it "
			    "from the configuration");

	/* The manager shuts down while it is created: refused at once; its
	 * creation is no answer. */
	a = dom(w, "alpha");
	n = dom(w, "sys-net");
	assert_int_equal(start_wait(w, "alpha", waiter1, 20), 0);
	bring_up(w, "sys-net", 20);
	lc_agent_said(&w->lc, n, &agent_ready, 0, 30);
	lc_tick(&w->lc, 30);
	assert_int_equal(a->state, DOM_CREATING);
	lc_stop_all(&w->lc);
	assert_int_equal(w->f.refusals, 5);
	assert_int_equal(w->f.refused_code, ESHUTDOWN);
	assert_string_equal(w->f.refused, "alpha did not start: the domain manager is shutting "
			    "down");
	lc_created(&w->lc, a, 0, 40, 1000);
	assert_int_equal(w->f.answers, 0);
	assert_int_equal(start_wait(w, "alpha", waiter2, 50), -ESHUTDOWN);
	world_free(w);
}

/* One waits a domain: a second is refused at once, saying so, unless the
 * first one's client has gone; the one waiting is answered.  An unnamed disposable is waited for by run-disposable. */
static void start_wait_one_waiter(void **state)
{
	static const struct spec specs[] = { { "alpha", CLASS_APP, "", 0, NULL } };
	struct world *w = world_new(specs, 1);
	struct lc_dom *a = dom(w, "alpha");
	(void)state;
	assert_int_equal(start_wait(w, "alpha", waiter1, 0), 0);
	assert_int_equal(start_wait(w, "alpha", waiter2, 5), -EBUSY);
	assert_string_equal(w->f.refused, "another `bulkhead ctl start --wait alpha' waits for it "
			    "already (it is backoff): one waits at a time (`bulkhead ctl list' "
			    "shows when it runs)");
	assert_int_equal(a->waiter.serial, waiter1.serial);
	assert_int_equal(w->f.refusals, 0);
	/* The first one's client has gone (its ctl interrupted): the next
	 * takes its place, and it is the one answered. */
	w->f.waiter_gone = true;
	assert_int_equal(start_wait(w, "alpha", waiter2, 6), 0);
	assert_int_equal(a->waiter.serial, waiter2.serial);
	lc_tick(&w->lc, 6);
	lc_created(&w->lc, a, 0, 10, 1000);
	assert_int_equal(w->f.answers, 1);
	assert_int_equal(count(&w->f, "answer alpha 4"), 1);
	world_free(w);
}

/* The named predicates, each state once. */
static void state_predicates(void **state)
{
	(void)state;
	for (unsigned st = 0; st < DOM_STATE_COUNT; st++) {
		bool in_xen = st != DOM_STOPPED && st != DOM_CREATING && st != DOM_BACKOFF &&
			      st != DOM_FAILED;
		assert_int_equal(dom_exists_in_xen(st), in_xen);
		/* Up implies in Xen; whatever hears events is in Xen. */
		assert_true(!dom_is_up(st) || in_xen);
		assert_true(!dom_hears_events(st) || in_xen);
		assert_false(dom_is_startable(st) && in_xen);
	}
	assert_true(dom_is_up(DOM_PAUSED));
	assert_true(dom_is_up(DOM_PRELOADED));
	assert_false(dom_is_up(DOM_STOPPING));
	assert_true(dom_hears_events(DOM_STOPPING));
	assert_false(dom_hears_events(DOM_DESTROYING));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crash_loop_fails),
		cmocka_unit_test(adoption),
		cmocka_unit_test(death_of_a_running_domain),
		cmocka_unit_test(features_before_it_runs),
		cmocka_unit_test(preloads_wait_for_the_boot),
		cmocka_unit_test(reload_starts_the_new_and_stops_the_removed),
		cmocka_unit_test(domains_on_an_older_root_are_said),
		cmocka_unit_test(a_silent_netvm_lets_its_domains_start),
		cmocka_unit_test(preload_refill),
		cmocka_unit_test(request_races_a_preload),
		cmocka_unit_test(netvm_restart_moves_its_clients),
		cmocka_unit_test(every_death_releases_block_devices),
		cmocka_unit_test(shutdown_order_and_deadline),
		cmocka_unit_test(request_during_a_preloads_creation),
		cmocka_unit_test(preloads_that_keep_dying_stop),
		cmocka_unit_test(adoption_of_a_preload),
		cmocka_unit_test(ctl_while_creating),
		cmocka_unit_test(ctl_pause_follows_libxl),
		cmocka_unit_test(state_predicates),
		cmocka_unit_test(disposable_for_a_call),
		cmocka_unit_test(cold_disposable_for_a_call),
		cmocka_unit_test(start_wait_answered_when_it_runs),
		cmocka_unit_test(start_wait_refused_when_creation_fails),
		cmocka_unit_test(start_wait_refused_when_it_will_not_run),
		cmocka_unit_test(start_wait_one_waiter),
	};
	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
