/*
 * lifecycle.c - the lifecycle's core: slots and their one set_state,
 * creation, death and the restart policy, shutdown, and each turn.
 */
#include "domains/lc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

/* From now on D's agent is heard (lc_agent_said()). */
void lc_agent_watch(struct lifecycle *lc, struct lc_dom *d)
{
	if (lc->xs_ok && !d->watching)
		d->watching = lc->ops->agent_watch(lc->ctx, d);
}

void lc_agent_unwatch(struct lifecycle *lc, struct lc_dom *d)
{
	if (!d->watching)
		return;
	lc->ops->agent_unwatch(lc->ctx, d);
	d->watching = false;
}

/* ---- slots and states ---- */

struct lc_dom *lc_slot_new(const struct domain_config *cfg)
{
	struct lc_dom *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cfg = cfg;
	d->domid = LC_NO_DOMID;
	d->recorded = -1;
	d->state = DOM_STOPPED;
	return d;
}

/* What D owns, and D. */
static void slot_dispose(struct lc_dom *d)
{
	free(d->command);
	if (d->own)
		domain_config_free(d->own);
	free(d->own);
	if (d->kept)
		domain_config_free(d->kept);
	free(d->kept);
	free(d);
}

void lc_slot_free(struct lifecycle *lc, struct lc_dom *d)
{
	/* A domain no longer configured: nothing for a later manager. */
	if (!d->own)
		lc->ops->forget(lc->ctx, d);
	slot_dispose(d);
}

int lc_init(struct lifecycle *lc, struct domains *doms, const struct lc_ops *ops, void *ctx)
{
	memset(lc, 0, sizeof(*lc));
	lc->ops = ops;
	lc->ctx = ctx;
	lc->doms = *doms;
	*doms = (struct domains){ 0 };
	lc->next_disp = 1;
	lc->default_dispvm = "";
	lc->pool = "";
	for (size_t i = 0; i < lc->doms.n; i++) {
		if (!(lc->m[i] = lc_slot_new(&lc->doms.dom[i])))
			return -ENOMEM;
		lc->n++;
	}
	return 0;
}

void lc_free(struct lifecycle *lc)
{
	for (size_t i = 0; i < lc->n; i++)
		slot_dispose(lc->m[i]);
	lc->n = 0;
	domains_free(&lc->doms);
}

/* The one place a state changes: logged, and recorded for a later manager. */
void lc_set_state(struct lifecycle *lc, struct lc_dom *d, enum domain_state st)
{
	enum domain_state old = d->state;
	if (old != st)
		log_debug("domains", "domain %s: %s -> %s", d->cfg->name, domain_state_name(old),
			  domain_state_name(st));
	d->state = st;
	if (st == DOM_STOPPED && old != DOM_STOPPED)
		log_event("domains", "domain-stopped", "name=%s", d->cfg->name);
	/* Never restarted: nothing for a later manager to resume. */
	if (!d->own)
		lc->ops->save(lc->ctx, d);
}

void lc_set_failed(struct lifecycle *lc, struct lc_dom *d, const char *reason)
{
	lc_set_state(lc, d, DOM_FAILED);
	log_event("domains", "domain-failed", "name=%s reason=%s", d->cfg->name, reason);
}

struct lc_dom *lc_by_name(const struct lifecycle *lc, const char *name)
{
	for (size_t i = 0; i < lc->n; i++)
		if (strcmp(lc->m[i]->cfg->name, name) == 0)
			return lc->m[i];
	return NULL;
}

const struct lc_dom *lc_root_owner(const struct lifecycle *lc, const struct lc_dom *d)
{
	if (!d->cfg->volumes || !d->cfg->template_name || d->cfg->class == CLASS_TEMPLATE)
		return NULL;
	const struct lc_dom *t = lc_by_name(lc, d->cfg->template_name);
	/* A disposable template is an app: its own template has the root. */
	if (t && t->cfg->class != CLASS_TEMPLATE && t->cfg->template_name)
		t = lc_by_name(lc, t->cfg->template_name);
	return t && t->cfg->class == CLASS_TEMPLATE ? t : NULL;
}

struct lc_dom *lc_by_domid(const struct lifecycle *lc, uint32_t domid)
{
	for (size_t i = 0; i < lc->n; i++)
		if (lc->m[i]->domid == domid && dom_exists_in_xen(lc->m[i]->state))
			return lc->m[i];
	return NULL;
}

bool lc_exists(const struct lc_dom *d)
{
	return dom_exists_in_xen(d->state) || d->state == DOM_CREATING || d->ops_pending;
}

/* ---- creation ---- */

/* D cannot be created, and trying again would not help. */
static void start_failed(struct lifecycle *lc, struct lc_dom *d, const char *why)
{
	lc_refuse_waiter(lc, d, EIO, why);
	if (d->own)
		lc_disposable_gone(lc, d, why);
	else
		lc_set_failed(lc, d, why);
}

static void after_death(struct lifecycle *lc, struct lc_dom *d, enum domain_action action,
			bool crash, uint64_t now);

static void start(struct lifecycle *lc, struct lc_dom *d, uint64_t now)
{
	char why[512];
	d->created_at = now;
	if (d->cfg->volumes && !lc->pool_ok) {
		/* Retrying cannot help: the pool was set up at our start. */
		log_err("domains", "domain %s failed: no volumes, the pool %s is not usable (see "
			"above)", d->cfg->name, lc->pool);
		start_failed(lc, d, "the pool is not usable (see the log)");
		return;
	}
	int r = lc->ops->prepare(lc->ctx, d, why, sizeof(why));
	if (r == -EAGAIN && !d->own) {
		/* Like a failed creation: backoff, then the start limit. */
		lc_refuse_waiter(lc, d, EIO, why);
		after_death(lc, d, ACTION_RESTART, true, now);
		return;
	}
	if (r < 0) {
		start_failed(lc, d, why);
		return;
	}
	lc_publish_rules(lc, d);
	/* A backend that died before its agent spoke is still watched, by
	 * its old domid. */
	lc_agent_unwatch(lc, d);
	d->domid = LC_NO_DOMID;
	lc_set_state(lc, d, DOM_CREATING);
	log_info("domains", "creating domain %s", d->cfg->name);
	log_event("domains", "domain-creating", "name=%s", d->cfg->name);
	/* The adapter makes its volumes now: its root is the template's as
	 * it is at this count. */
	const struct lc_dom *owner = lc_root_owner(lc, d);
	d->root_gen_used = owner ? owner->root_gen : 0;
	lc->ops->create(lc->ctx, d);
}

void lc_created(struct lifecycle *lc, struct lc_dom *d, int rc, uint64_t now,
		uint64_t epoch_now)
{
	if (rc) {
		char why[96];
		/* libxl has cleaned up; a failed start backs off like a crash. */
		log_err("domains", "domain %s: creation failed (libxl error %d)", d->cfg->name, rc);
		snprintf(why, sizeof(why), "libxl could not create it (error %d; the domain "
			 "manager's log says why)", rc);
		lc_refuse_waiter(lc, d, EIO, why);
		after_death(lc, d, ACTION_RESTART, true, now);
		return;
	}
	if (d->own) {
		/* Before it runs: no word of its agent can be missed. */
		lc_agent_watch(lc, d);
		d->agent_deadline = now + LC_AGENT_TIMEOUT_MS;
		if (d->command && lc->ops->write_command(lc->ctx, d) < 0)
			lc_refuse_waiter(lc, d, EIO, "its command could not be handed to it");
	}
	d->serving = false;
	if (!d->own && lc_is_backend(lc, d)) {
		d->agent_ready = false;
		lc_agent_watch(lc, d);
		d->agent_deadline = now + LC_BACKEND_AGENT_TIMEOUT_MS;
	}
	lc_publish_net(lc, d);
	if (d->cfg->xwayland && lc->xs_ok)
		lc->ops->publish_features(lc->ctx, d);
	lc_set_state(lc, d, DOM_RUNNING);
	/* libxl leaves a new domain paused, for the toolstack to let it run. */
	lc_ask_pause(lc, d, false, false);
	d->started_epoch_ms = epoch_now;
	d->let_run_at = now;
	/* A preload still booting is one a restarted manager must pause. */
	lc->ops->mark(lc->ctx, d, d->preload ? "preloading" : d->for_call ? "call" : "running");
	if (lc->stopping) {
		log_notice("domains", "domain %s came up during shutdown; destroying it",
			   d->cfg->name);
		d->crashed = false;
		lc_destroy(lc, d, ACTION_DESTROY);
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
	log_event("domains", "domain-created", "name=%s domid=%u", d->cfg->name, d->domid);
	if (d->own && !d->preload)
		log_event("domains", "disposable-ready", "name=%s template=%s preload=0",
			  d->cfg->name, d->cfg->template_name);
	/* libxl answers a creation once its devices' backends are connected. */
	for (size_t i = 0; d->cfg->netvm && i < d->cfg->nvifs; i++)
		log_event("domains", "vif-attached", "name=%s vif=%zu netvm=%s again=0",
			  d->cfg->name, i, d->cfg->netvm);
	lc->ops->watch_death(lc->ctx, d);
	if (!lc_is_backend(lc, d))
		d->serving = true;
	/* It runs, as `ctl list' says from now on: `ctl start --wait' is
	 * answered with the unpause asked above under way (`xl create'
	 * returns once libxl unpaused it, one libxl call later). */
	if (!d->own)
		lc_answer_waiter(lc, d, now);
}

/* ---- death, and the restart policy ---- */

/* D is gone: the config a `ctl reload' read while it ran takes over. */
static void settle_config(struct lifecycle *lc, struct lc_dom *d)
{
	int j = d->kept && !d->removed ? domains_find(&lc->doms, d->cfg->name) : -1;
	if (j < 0)
		return;
	d->cfg = &lc->doms.dom[j];
	domain_config_free(d->kept);
	free(d->kept);
	d->kept = NULL;
	log_notice("domains", "domain %s: its reloaded configuration applies from now on",
		   d->cfg->name);
}

/* A named domain died with ACTION asked: restarted after its backoff, or
 * failed when it dies too often. */
static void restart_policy(struct lifecycle *lc, struct lc_dom *d, bool crash, uint64_t now)
{
	const struct domain_config *c = d->cfg;
	char reason[96];
	if (policy_record_death(&d->deaths, now, c->start_limit_burst,
				c->start_limit_interval_ms)) {
		snprintf(reason, sizeof(reason), "died more than %u times in %u s",
			 c->start_limit_burst, c->start_limit_interval_ms / 1000);
		lc_set_failed(lc, d, reason);
		log_err("domains", "domain %s failed: it died more than %u times in %u s; not "
			"restarted (`bulkhead ctl start %s' tries again)", c->name,
			c->start_limit_burst, c->start_limit_interval_ms / 1000, c->name);
		return;
	}
	uint32_t delay = 0;
	if (crash) {
		if (now - d->created_at >= LC_BACKOFF_RESET_MS)
			d->failures = 0;
		delay = policy_backoff_ms(++d->failures, LC_BACKOFF_MAX_MS);
	}
	d->restarts++;
	d->deadline = now + delay;
	lc_set_state(lc, d, DOM_BACKOFF);
	log_notice("domains", "domain %s: restarting in %u ms", d->cfg->name, delay);
	log_event("domains", "domain-restart", "name=%s attempt=%u in_ms=%u", d->cfg->name,
		  d->restarts, delay);
}

/* What comes after a death, by the domain's config and the start limit. */
static void after_death(struct lifecycle *lc, struct lc_dom *d, enum domain_action action,
			bool crash, uint64_t now)
{
	lc_agent_unwatch(lc, d);
	if (d->volumes_up)
		lc->ops->release_volumes(lc->ctx, d);
	if (d->domid != LC_NO_DOMID)
		lc->ops->blocks_released(lc->ctx, d, d->domid);
	d->domid = LC_NO_DOMID;
	d->died_at = now;
	d->started_epoch_ms = 0;
	/* Whatever it wrote to its root is what its domains start from now. */
	if (d->cfg->class == CLASS_TEMPLATE)
		d->root_gen++;
	settle_config(lc, d);
	if (d->removed) {
		log_notice("domains", "domain %s is gone, and no longer configured: forgotten",
			   d->cfg->name);
		lc_set_state(lc, d, DOM_STOPPED);
		return;
	}
	if (d->own) {
		lc_disposable_gone(lc, d, crash ? "it died before its command ran; see its console" :
				"it stopped before its command ran");
		return;
	}
	/* "preserve" of a domain that is already gone keeps it down. */
	if (lc->stopping || action != ACTION_RESTART) {
		lc_set_state(lc, d, DOM_STOPPED);
		return;
	}
	restart_policy(lc, d, crash, now);
}

void lc_destroyed(struct lifecycle *lc, struct lc_dom *d, int rc, uint64_t now)
{
	if (rc)
		log_err("domains", "domain %s: destroy failed (libxl error %d)", d->cfg->name, rc);
	lc->ops->unwatch_death(lc->ctx, d);
	after_death(lc, d, d->next, d->crashed, now);
}

void lc_destroy(struct lifecycle *lc, struct lc_dom *d, enum domain_action next)
{
	d->next = next;
	lc_set_state(lc, d, DOM_DESTROYING);
	lc->ops->destroy(lc->ctx, d);
}

void lc_shutdown_reported(struct lifecycle *lc, struct lc_dom *d, enum lc_shutdown why,
			  const char *reason_name, uint64_t now)
{
	static const char *const how[] = {
		[LC_SHUTDOWN_POWEROFF] = "poweroff", [LC_SHUTDOWN_REBOOT] = "reboot",
		[LC_SHUTDOWN_SUSPEND] = "suspend", [LC_SHUTDOWN_CRASH] = "crash",
	};
	const struct domain_config *c = d->cfg;
	bool asked = d->state == DOM_STOPPING;
	enum domain_action action;
	(void)now;
	if (!dom_hears_events(d->state) || why == LC_SHUTDOWN_SUSPEND)
		return;
	action = why == LC_SHUTDOWN_POWEROFF ? c->on_poweroff :
		 why == LC_SHUTDOWN_REBOOT ? c->on_reboot : c->on_crash;
	log_notice("domains", "domain %s (domid %u) shut down: %s; %s", c->name, d->domid,
		   reason_name, asked ? "as asked" : domain_action_names[action]);
	log_event("domains", "domain-died", "name=%s domid=%u how=%s", c->name, d->domid,
		  how[why]);
	if (asked) {
		lc_destroy(lc, d, ACTION_DESTROY);
		return;
	}
	if (action == ACTION_PRESERVE) {
		lc_set_state(lc, d, DOM_PRESERVED);
		return;
	}
	d->crashed = why == LC_SHUTDOWN_CRASH;
	lc_destroy(lc, d, action);
}

bool lc_lends_blocks(const struct lc_dom *d)
{
	return d->cfg->class == CLASS_STORAGE || d->cfg->class == CLASS_USB;
}

void lc_death_reported(struct lifecycle *lc, struct lc_dom *d, uint64_t now)
{
	if (!dom_hears_events(d->state))
		return;
	lc->ops->unwatch_death(lc->ctx, d);
	if (lc->ops->alive(lc->ctx, d->domid)) {
		/* Seen under TCG: a DEATH event for a domain that runs. Acting
		 * on it would start a second copy; watch it again instead. */
		log_warn("domains", "libxl reported domain %s (domid %u) dead, but it runs; "
			 "watching it again", d->cfg->name, d->domid);
		lc->ops->watch_death(lc->ctx, d);
		return;
	}
	bool asked = d->state == DOM_STOPPING;
	log_notice("domains", "domain %s (domid %u) was destroyed %s", d->cfg->name, d->domid,
		   asked ? "while shutting down" : "from outside");
	log_event("domains", "domain-died", "name=%s domid=%u how=%s", d->cfg->name, d->domid,
		  asked ? "gone" : "destroyed");
	after_death(lc, d, asked ? ACTION_DESTROY : d->cfg->on_crash, !asked, now);
}

/* ---- shutdown ---- */

void lc_shutdown_asked(struct lifecycle *lc, struct lc_dom *d, int rc, uint64_t now)
{
	(void)now;
	d->ops_pending--;
	if (rc == 0 || d->state != DOM_STOPPING)
		return;
	/* No PV shutdown support (yet) in the guest: nothing else to ask. */
	log_warn("domains", "domain %s cannot be asked to shut down (libxl error %d); "
		 "destroying it", d->cfg->name, rc);
	lc_destroy(lc, d, ACTION_DESTROY);
}

/* Asks an up domain to shut down; it is destroyed if it has not by the
 * deadline (lc_tick()). */
void lc_ask_stop(struct lifecycle *lc, struct lc_dom *d, uint64_t now)
{
	bool paused = d->state == DOM_PAUSED || d->state == DOM_PRELOADED;
	log_notice("domains", "asking domain %s (domid %u) to shut down", d->cfg->name,
		   d->domid);
	log_event("domains", "domain-stopping", "name=%s domid=%u", d->cfg->name, d->domid);
	d->crashed = false;
	d->deadline = now + LC_SHUTDOWN_GRACE_MS;
	lc_set_state(lc, d, DOM_STOPPING);
	/* A paused guest cannot hear it. */
	if (paused)
		lc_ask_pause(lc, d, false, false);
	/* Asynchronous: libxl waits for the guest to acknowledge. */
	d->ops_pending++;
	lc->ops->shutdown(lc->ctx, d);
}

void lc_stop_all(struct lifecycle *lc)
{
	if (lc->stopping)
		return;
	log_notice("domains", "shutting the domains down, in reverse dependency order");
	lc->stopping = true;
	/* Nothing starts from now on, and nothing is handed out. */
	for (size_t i = 0; i < lc->n; i++)
		lc_refuse_waiter(lc, lc->m[i], ESHUTDOWN, "the domain manager is shutting down");
}

/* During shutdown, reverse dependency order: a netvm is asked once no
 * domain behind it is left.  What is not running is settled at once. */
static void stop_step(struct lifecycle *lc, uint64_t now)
{
	for (size_t i = lc->n; i-- > 0;) {
		struct lc_dom *d = lc->m[i];
		if (d->state == DOM_BACKOFF || d->state == DOM_FAILED)
			lc_set_state(lc, d, DOM_STOPPED);
		else if (d->state == DOM_PRESERVED)
			lc_destroy(lc, d, ACTION_DESTROY);
		else if (dom_is_up(d->state) && !lc_dependant(lc, d))
			lc_ask_stop(lc, d, now);
	}
}

/* Domains asked to shut down that did not by their deadline. */
static void stops_late(struct lifecycle *lc, uint64_t now)
{
	for (size_t i = 0; i < lc->n; i++) {
		struct lc_dom *d = lc->m[i];
		if (d->state != DOM_STOPPING || now < d->deadline)
			continue;
		log_warn("domains", "domain %s did not shut down within %d ms; destroying it",
			 d->cfg->name, LC_SHUTDOWN_GRACE_MS);
		lc_destroy(lc, d, ACTION_DESTROY);
	}
}

bool lc_all_gone(const struct lifecycle *lc)
{
	for (size_t i = 0; i < lc->n; i++)
		if (dom_exists_in_xen(lc->m[i]->state) || lc->m[i]->state == DOM_CREATING)
			return false;
	return lc->stopping;
}

/* ---- each turn ---- */

static bool creating(const struct lifecycle *lc)
{
	for (size_t i = 0; i < lc->n; i++)
		if (lc->m[i]->state == DOM_CREATING)
			return true;
	return false;
}

/* The due starts.  One creation at a time, as Qubes does (qubesd's
 * startup lock): each build decompresses a kernel and fills the new
 * domain's memory from dom0, and dom0's memory and CPU are the scarce
 * ones.  The netvm order holds anyway.  Preloads wait for everything
 * else, answers included. */
static void start_due(struct lifecycle *lc, uint64_t now)
{
	for (int pass = 0; pass < (lc_request_waiting(lc) ? 1 : 2); pass++)
		for (size_t i = 0; i < lc->n && !creating(lc); i++) {
			struct lc_dom *d = lc->m[i];
			if (d->preload == (pass == 1) && d->state == DOM_BACKOFF &&
			    now >= d->deadline && lc_backends_serving(lc, d))
				start(lc, d, now);
		}
}

/* Once, when the starts at our start are done (none due or under way). */
static void say_ready(struct lifecycle *lc)
{
	size_t up = 0;
	if (lc->ready_said || lc->stopping)
		return;
	for (size_t i = 0; i < lc->n; i++) {
		const struct lc_dom *d = lc->m[i];
		if (d->state == DOM_CREATING || (d->state == DOM_BACKOFF && !d->preload))
			return;
		up += dom_is_up(d->state);
	}
	lc->ready_said = true;
	log_event("domains", "manager-ready", "domains=%zu", up);
}

void lc_tick(struct lifecycle *lc, uint64_t now)
{
	/* First: a backend taken as serving now lets the starts held for it
	 * go in this turn (lc_next_deadline() gives no wake-up for those). */
	lc_backends_late(lc, now);
	if (lc->stopping) {
		lc->preload_at = 0;
		stop_step(lc, now);
	} else {
		lc_preload_more(lc, now);
		start_due(lc, now);
		lc_waiters_blocked(lc);
	}
	lc_agents_late(lc, now);
	lc_reap(lc);
	stops_late(lc, now);
	say_ready(lc);
}

uint64_t lc_next_deadline(const struct lifecycle *lc, uint64_t now)
{
	uint64_t next = lc->preload_at ? lc->preload_at : UINT64_MAX;
	for (size_t i = 0; i < lc->n; i++) {
		const struct lc_dom *d = lc->m[i];
		/* A start due and not made by lc_tick() waits for an event (a
		 * creation's end, its backends serving, a request's answer), not
		 * for time: its deadline passed would wake the loop at once, again
		 * and again. */
		if (dom_has_deadline(d->state) && d->deadline < next &&
		    (d->deadline > now || d->state != DOM_BACKOFF))
			next = d->deadline;
		if (d->own && d->state == DOM_RUNNING && (!d->agent_ready || d->waiting) &&
		    d->agent_deadline < next)
			next = d->agent_deadline;
		if (!d->own && d->state == DOM_RUNNING && !d->serving && d->agent_deadline < next)
			next = d->agent_deadline;
	}
	return next;
}
