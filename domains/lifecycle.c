#include "domains/lifecycle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains/dispvm.h"
#include "lib/log.h"
#include "lib/util.h"

static void ask_stop(struct lifecycle *lc, struct lc_dom *d, uint64_t now);
static void destroy(struct lifecycle *lc, struct lc_dom *d, enum domain_action next);

/* From now on D's agent is heard (lc_agent_said()). */
static void agent_watch(struct lifecycle *lc, struct lc_dom *d)
{
	if (lc->xs_ok && !d->watching)
		d->watching = lc->ops->agent_watch(lc->ctx, d);
}

static void agent_unwatch(struct lifecycle *lc, struct lc_dom *d)
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

static void set_failed(struct lifecycle *lc, struct lc_dom *d, const char *reason)
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

static struct lc_dom *netvm_of(const struct lifecycle *lc, const struct lc_dom *d)
{
	return d->cfg->netvm ? lc_by_name(lc, d->cfg->netvm) : NULL;
}

static bool is_client_of(const struct lc_dom *d, const struct lc_dom *net)
{
	return d->cfg->netvm && strcmp(d->cfg->netvm, net->cfg->name) == 0;
}

/* A live domain whose netvm is D, or NULL. */
static struct lc_dom *dependant(const struct lifecycle *lc, const struct lc_dom *d)
{
	for (size_t i = 0; i < lc->n; i++) {
		struct lc_dom *o = lc->m[i];
		if (is_client_of(o, d) && (dom_exists_in_xen(o->state) || o->state == DOM_CREATING))
			return o;
	}
	return NULL;
}

bool lc_is_backend(const struct lifecycle *lc, const struct lc_dom *d)
{
	for (size_t i = 0; i < lc->n; i++) {
		const struct domain_config *c = lc->m[i]->cfg;
		if ((c->netvm && strcmp(c->netvm, d->cfg->name) == 0) ||
		    (c->disk_backend && strcmp(c->disk_backend, d->cfg->name) == 0))
			return true;
	}
	return false;
}

/* ---- the network: what domains are told, netvm order, re-attach ---- */

/* D's firewall rules go to its netvm, if that runs, before D's vif is there. */
static void publish_rules(const struct lifecycle *lc, const struct lc_dom *d)
{
	const struct lc_dom *net = netvm_of(lc, d);
	if (net && net->state == DOM_RUNNING && d->cfg->address && lc->xs_ok)
		lc->ops->publish_rules(lc->ctx, net, d);
}

/* What D is told of its network before it runs: its address and gateway;
 * a net domain also gets the rules of every domain behind it. */
static void publish_net(const struct lifecycle *lc, const struct lc_dom *d)
{
	const struct lc_dom *net = netvm_of(lc, d);
	if (!d->cfg->address || !lc->xs_ok)
		return;
	lc->ops->publish_own(lc->ctx, d, net ? net->cfg->address : 0);
	if (d->cfg->class != CLASS_NET)
		return;
	for (size_t i = 0; i < lc->n; i++) {
		const struct lc_dom *c = lc->m[i];
		if (is_client_of(c, d) && c->cfg->address)
			lc->ops->publish_rules(lc->ctx, d, c);
	}
}

bool lc_reattach_wanted(const struct lifecycle *lc, const struct lc_dom *d, uint32_t domid,
			uint32_t backend_domid)
{
	const struct lc_dom *net = netvm_of(lc, d);
	return d->domid == domid && dom_is_up(d->state) && net && net->state == DOM_RUNNING &&
	       net->domid == backend_domid;
}

void lc_vif_attached(struct lifecycle *lc, struct lc_dom *d, int devid, uint32_t netvm_domid,
		     int rc)
{
	(void)lc;
	if (rc) {
		log_err("domains", "domain %s: cannot attach vif %d to %s again (libxl error %d); "
			"it stays without network", d->cfg->name, devid, d->cfg->netvm, rc);
		return;
	}
	log_notice("domains", "domain %s: vif %d attached again to %s (domid %u)", d->cfg->name,
		   devid, d->cfg->netvm, netvm_domid);
	log_event("domains", "vif-attached", "name=%s vif=%d netvm=%s again=1", d->cfg->name,
		  devid, d->cfg->netvm);
}

/* D, a backend, now serves: the domains behind it may be created, and
 * those up get their vifs back (the netvm may be a new domain). */
static void backend_serves(struct lifecycle *lc, struct lc_dom *d, const char *why)
{
	if (d->serving)
		return;
	d->serving = true;
	log_notice("domains", "domain %s serves the domains that need it (%s)", d->cfg->name, why);
	for (size_t i = 0; i < lc->n; i++) {
		struct lc_dom *c = lc->m[i];
		if (is_client_of(c, d) && dom_is_up(c->state))
			lc->ops->reattach_vifs(lc->ctx, c, d->domid);
	}
}

static bool serves(const struct lifecycle *lc, const char *name)
{
	const struct lc_dom *o = name ? lc_by_name(lc, name) : NULL;
	return !name || (o && o->state == DOM_RUNNING && o->serving);
}

/* Whether D's netvm and disk backend (if any) serve, so that its devices
 * have their backends. */
static bool backends_serving(const struct lifecycle *lc, const struct lc_dom *d)
{
	return serves(lc, d->cfg->netvm) && serves(lc, d->cfg->disk_backend);
}

/* Backends whose agent kept silent: taken as serving, said so. */
static void backends_late(struct lifecycle *lc, uint64_t now)
{
	for (size_t i = 0; i < lc->n; i++) {
		struct lc_dom *d = lc->m[i];
		if (d->own || d->serving || d->state != DOM_RUNNING || now < d->agent_deadline)
			continue;
		agent_unwatch(lc, d);
		if (!lc_is_backend(lc, d)) {
			d->serving = true;
			continue;
		}
		char why[64];
		snprintf(why, sizeof(why), "no word from its agent in %d s: taken as serving",
			 LC_BACKEND_AGENT_TIMEOUT_MS / 1000);
		backend_serves(lc, d, why);
	}
}

/* ---- unnamed disposables: their agents, requests and preloads ---- */

/* The request for D is answered: D runs its command (or is up, if none). */
static void answer_waiter(struct lifecycle *lc, struct lc_dom *d, uint64_t now)
{
	if (!d->waiting)
		return;
	d->waiting = false;
	uint64_t ms = now - d->asked_at;
	log_notice("domains", "disposable %s of %s: %s %llu ms after the request", d->cfg->name,
		   d->cfg->template_name, d->command ? "runs its command" : "is up",
		   (unsigned long long)ms);
	lc->ops->answer(lc->ctx, d, ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms);
}

static void refuse_waiter(struct lifecycle *lc, struct lc_dom *d, int code, const char *why)
{
	char msg[CTL_ERROR_TEXT_MAX + 1];
	if (!d->waiting)
		return;
	d->waiting = false;
	snprintf(msg, sizeof(msg), "disposable %s of %s: %s", d->cfg->name,
		 d->cfg->template_name, why);
	lc->ops->refuse(lc->ctx, d, code, msg);
}

static struct lc_dom *template_of(const struct lifecycle *lc, const struct lc_dom *d)
{
	return d->own ? lc_by_name(lc, d->cfg->template_name) : NULL;
}

/* Asks libxl to pause or unpause D; lc_paused() follows. */
static void ask_pause(struct lifecycle *lc, struct lc_dom *d, bool pause, bool for_preload)
{
	d->pausing = true;
	d->preload_pausing = for_preload;
	d->pause_rc = 0;
	d->ops_pending++;
	lc->ops->pause(lc->ctx, d, pause);
}

/* D's pause for a preload is done. */
static void preloaded(struct lifecycle *lc, struct lc_dom *d, int rc, uint64_t now)
{
	if (!d->preload) {
		/* A request took it while it was being paused: it runs. */
		if (rc == 0)
			ask_pause(lc, d, false, false);
		return;
	}
	if (rc) {
		/* Still ready, and still taken first: it only costs CPU. */
		log_err("domains", "disposable %s: cannot pause it (libxl error %d); it waits "
			"running", d->cfg->name, rc);
		return;
	}
	lc_set_state(lc, d, DOM_PRELOADED);
	lc->ops->mark(lc->ctx, d, "preloaded");
	struct lc_dom *t = template_of(lc, d);
	if (t)
		t->preload_failures = 0;
	log_notice("domains", "disposable %s of %s: preloaded (booted and paused) in %llu ms",
		   d->cfg->name, d->cfg->template_name, (unsigned long long)(now - d->created_at));
	log_event("domains", "disposable-ready", "name=%s template=%s preload=1", d->cfg->name,
		  d->cfg->template_name);
}

void lc_paused(struct lifecycle *lc, struct lc_dom *d, uint32_t domid, bool pause, int rc,
	       uint64_t now)
{
	bool for_preload = d->preload_pausing;
	d->ops_pending--;
	d->pausing = false;
	d->preload_pausing = false;
	d->pause_rc = rc;
	/* Gone, or another domain since: nothing to settle. */
	if (d->domid != domid || !dom_exists_in_xen(d->state))
		return;
	if (for_preload) {
		preloaded(lc, d, rc, now);
		return;
	}
	if (rc) {
		log_err("domains", "domain %s: cannot %s domid %u (libxl error %d)", d->cfg->name,
			pause ? "pause" : "unpause", domid, rc);
		if (!pause && d->own && d->state == DOM_RUNNING) {
			/* Handed out paused: of no use to anyone. */
			refuse_waiter(lc, d, EIO, "libxl could not unpause it");
			d->crashed = false;
			destroy(lc, d, ACTION_DESTROY);
		}
		return;
	}
	/* `ctl pause' and `ctl unpause'. */
	if (d->state != (pause ? DOM_RUNNING : DOM_PAUSED))
		return;
	lc_set_state(lc, d, pause ? DOM_PAUSED : DOM_RUNNING);
	lc->ops->mark(lc->ctx, d, pause ? "paused" : "running");
	log_notice("domains", "domain %s (domid %u) %s", d->cfg->name, d->domid,
		   pause ? "paused" : "unpaused");
}

/* What D's agent wrote, read as hostile bytes by the adapter. */
void lc_agent_said(struct lifecycle *lc, struct lc_dom *d, const struct agent_status *st,
		   unsigned len, uint64_t now)
{
	if (!st) {
		log_warn("domains", "domain %s wrote %u bytes to %s that are no agent's status; "
			 "it is not listened to any more", d->cfg->name, len, AGENT_STATUS_KEY);
		agent_unwatch(lc, d);
		refuse_waiter(lc, d, EPROTO, "its agent wrote nonsense; stop it with `bulkhead ctl "
			      "kill'");
		return;
	}
	if (!d->own) {
		/* A backend: whatever the agent says, it is up. */
		d->agent_ready = true;
		agent_unwatch(lc, d);
		backend_serves(lc, d, "its agent is up");
		return;
	}
	switch (st->state) {
	case AGENT_READY:
		if (d->agent_ready)
			return;
		d->agent_ready = true;
		if (d->preload && d->state == DOM_RUNNING)
			ask_pause(lc, d, true, true);	/* booted to be kept: it waits paused */
		else if (!d->command)
			answer_waiter(lc, d, now);
		return;
	case AGENT_RUNNING:
		d->agent_ready = true;
		answer_waiter(lc, d, now);
		return;
	case AGENT_EXITED:
		d->agent_ready = true;
		/* Its last word: what it writes after this is not read. */
		agent_unwatch(lc, d);
		answer_waiter(lc, d, now);
		if (d->state != DOM_RUNNING)
			return;
		/* As in Qubes: a disposable lives as long as its command. */
		log_notice("domains", "disposable %s: its command ended with status %d; shutting it "
			   "down", d->cfg->name, st->exit_status);
		ask_stop(lc, d, now);
		return;
	}
}

static size_t count_disposables(const struct lifecycle *lc)
{
	size_t n = 0;
	for (size_t i = 0; i < lc->n; i++)
		n += lc->m[i]->own != NULL;
	return n;
}

static bool name_taken(const char *name, void *ctx)
{
	const struct lifecycle *lc = ctx;
	return lc_by_name(lc, name) || lc->ops->name_taken(lc->ctx, name);
}

/* A slot for a new unnamed disposable of T, called NAME (NULL: the next
 * dispN), in state STOPPED; NULL with MSG saying why. */
static struct lc_dom *new_disposable(struct lifecycle *lc, const struct lc_dom *t,
				     const char *name, char *msg, size_t cap)
{
	char fresh[DOMAIN_NAME_MAX + 1];
	struct domain_config *own = NULL;
	struct lc_dom *d = NULL;
	if (lc->n >= DOMAINS_MAX || count_disposables(lc) >= DISPOSABLES_MAX) {
		snprintf(msg, cap, "%d disposables exist already; stop one first", DISPOSABLES_MAX);
		goto out;
	}
	if (!name && !dispvm_name(&lc->next_disp, name_taken, lc, fresh)) {
		snprintf(msg, cap, "no dispN name is left");
		goto out;
	}
	if (!(own = calloc(1, sizeof(*own))) || dispvm_config(t->cfg, name ? name : fresh, own) < 0 ||
	    !(d = lc_slot_new(own))) {
		snprintf(msg, cap, "out of memory");
		goto out;
	}
	d->own = own;
	own = NULL;
	lc->m[lc->n++] = d;
out:
	free(own);
	return d;
}

/* Queues D's creation (one creation at a time: lc_tick()). */
static void queue_start(struct lifecycle *lc, struct lc_dom *d, uint64_t now)
{
	d->deadline = now;
	lc_set_state(lc, d, DOM_BACKOFF);
}

void lc_reap(struct lifecycle *lc)
{
	for (size_t i = 0; i < lc->n;) {
		struct lc_dom *d = lc->m[i];
		if ((!d->own && !d->removed) || d->state != DOM_STOPPED || d->ops_pending) {
			i++;
			continue;
		}
		memmove(&lc->m[i], &lc->m[i + 1], (lc->n - i - 1) * sizeof(lc->m[0]));
		lc->n--;
		lc_slot_free(lc, d);
	}
}

/* An unnamed disposable has died: it is not restarted, it is gone. */
static void disposable_gone(struct lifecycle *lc, struct lc_dom *d, const char *why)
{
	struct lc_dom *t = template_of(lc, d);
	if (d->preload && !d->agent_ready && t &&
	    ++t->preload_failures == LC_PRELOAD_FAILURES_MAX)
		log_err("domains", "%s: %d preloaded disposables in a row died before they were "
			"ready; no more are preloaded (`bulkhead ctl run-disposable %s' still starts "
			"one)", t->cfg->name, LC_PRELOAD_FAILURES_MAX, t->cfg->name);
	refuse_waiter(lc, d, EIO, why);
	log_notice("domains", "disposable %s of %s is gone", d->cfg->name, d->cfg->template_name);
	lc_set_state(lc, d, DOM_STOPPED);
}

/* Whether a `ctl run-disposable' awaits its answer. */
static bool request_waiting(const struct lifecycle *lc)
{
	for (size_t i = 0; i < lc->n; i++)
		if (lc->m[i]->waiting)
			return true;
	return false;
}

/* T's preloads that are not on their way out. */
static uint32_t preloads_of(const struct lifecycle *lc, const struct lc_dom *t)
{
	uint32_t have = 0;
	for (size_t j = 0; j < lc->n; j++) {
		const struct lc_dom *d = lc->m[j];
		have += d->own && d->preload && !dom_is_going(d->state) &&
			strcmp(d->cfg->template_name, t->cfg->name) == 0;
	}
	return have;
}

/* The preloads each disposable template asks for, started as needed.  Not
 * while a request waits: libxl builds a domain inside the manager's loop,
 * and the answer would wait for that build. */
static void preload_more(struct lifecycle *lc, uint64_t now)
{
	char msg[128];
	if (request_waiting(lc))
		return;
	for (size_t i = 0; i < lc->n && lc->pool_ok && !lc->stopping; i++) {
		struct lc_dom *t = lc->m[i];
		if (t->own || !t->cfg->preload || t->preload_failures >= LC_PRELOAD_FAILURES_MAX ||
		    !dispvm_template_ok(t->cfg, msg, sizeof(msg)))
			continue;
		for (uint32_t have = preloads_of(lc, t); have < t->cfg->preload; have++) {
			struct lc_dom *d = new_disposable(lc, t, NULL, msg, sizeof(msg));
			if (!d) {
				log_warn("domains", "%s: cannot preload a disposable: %s", t->cfg->name,
					 msg);
				return;
			}
			d->preload = true;
			log_notice("domains", "disposable %s of %s: preloading", d->cfg->name,
				   t->cfg->name);
			queue_start(lc, d, now);
		}
	}
}

/* A disposable of T to hand out: a preloaded one first, then one still
 * booting for it; NULL: none. */
static struct lc_dom *take_preload(const struct lifecycle *lc, const struct lc_dom *t)
{
	static const enum domain_state best[] = { DOM_PRELOADED, DOM_RUNNING, DOM_CREATING,
						  DOM_BACKOFF };
	for (size_t b = 0; b < ARRAY_SIZE(best); b++)
		for (size_t i = 0; i < lc->n; i++) {
			struct lc_dom *d = lc->m[i];
			if (d->own && d->preload && d->state == best[b] &&
			    strcmp(d->cfg->template_name, t->cfg->name) == 0)
				return d;
		}
	return NULL;
}

/* D is the answer to a request for COMMAND ("": none): it is given the
 * command and let run, and the request is answered once the command runs. */
static int claim(struct lifecycle *lc, struct lc_dom *d, const char *command,
		 struct control_waiter waiter, uint64_t now, char *msg, size_t cap)
{
	if (command[0] && !(d->command = strdup(command))) {
		snprintf(msg, cap, "out of memory");
		return -ENOMEM;
	}
	d->preload = false;
	d->waiting = true;
	d->waiter = waiter;
	d->asked_at = now;
	d->agent_deadline = now + LC_AGENT_TIMEOUT_MS;
	/* Not created yet: lc_created() writes it. */
	if (dom_exists_in_xen(d->state) && d->command && lc->ops->write_command(lc->ctx, d) < 0) {
		d->waiting = false;
		snprintf(msg, cap, "cannot hand %s its command (see the log); it is stopped",
			 d->cfg->name);
		ask_stop(lc, d, now);
		return -EIO;
	}
	if (d->state == DOM_PRELOADED) {
		/* Asynchronous: a failure refuses the request (lc_paused()). */
		lc_set_state(lc, d, DOM_RUNNING);
		ask_pause(lc, d, false, false);
	}
	if (dom_exists_in_xen(d->state))
		lc->ops->mark(lc->ctx, d, "running");
	if (d->agent_ready && !d->command)
		answer_waiter(lc, d, now);
	return 0;
}

int lc_run_disposable(struct lifecycle *lc, const char *template_name, const char *command,
		      struct control_waiter waiter, uint64_t now, char *msg, size_t cap)
{
	const char *name = template_name[0] ? template_name : lc->default_dispvm;
	if (lc->stopping) {
		snprintf(msg, cap, "the domains are being shut down");
		return -ESHUTDOWN;
	}
	if (!name[0]) {
		snprintf(msg, cap, "which template? none was given and storage.cfg has no "
			 "default_dispvm");
		return -EINVAL;
	}
	struct lc_dom *t = lc_by_name(lc, name);
	if (!t || t->own) {
		snprintf(msg, cap, "no domain %s is configured (see `bulkhead ctl list')", name);
		return -ENOENT;
	}
	if (!dispvm_template_ok(t->cfg, msg, cap))
		return -EINVAL;
	if (!lc->pool_ok) {
		snprintf(msg, cap, "the pool %s is not usable (see the log): no disposable can "
			 "start", lc->pool);
		return -EIO;
	}
	struct lc_dom *d = take_preload(lc, t);
	if (d) {
		log_notice("domains", "disposable %s of %s: taken (%s) for a request", d->cfg->name,
			   name, domain_state_name(d->state));
	} else {
		if (!(d = new_disposable(lc, t, NULL, msg, cap)))
			return -EAGAIN;
		log_notice("domains", "disposable %s of %s: starting for a request (none is "
			   "preloaded)", d->cfg->name, name);
		queue_start(lc, d, now);
	}
	return claim(lc, d, command, waiter, now, msg, cap);
}

/* Unnamed disposables whose agent kept silent, or whose command never
 * started: they are of no use to anyone. */
static void agents_late(struct lifecycle *lc, uint64_t now)
{
	for (size_t i = 0; i < lc->n; i++) {
		struct lc_dom *d = lc->m[i];
		if (!d->own || d->state != DOM_RUNNING || now < d->agent_deadline ||
		    (d->agent_ready && !d->waiting))
			continue;
		log_err("domains", "disposable %s: %s within %d s; destroying it", d->cfg->name,
			d->agent_ready ? "its command did not start" : "no word from its agent",
			LC_AGENT_TIMEOUT_MS / 1000);
		refuse_waiter(lc, d, ETIMEDOUT, d->agent_ready ? "its command did not start in time" :
			      "its agent did not answer in time (does it run `bulkhead agent'?)");
		d->crashed = false;
		destroy(lc, d, ACTION_DESTROY);
	}
}

/* ---- creation ---- */

/* D cannot be created, and trying again would not help. */
static void start_failed(struct lifecycle *lc, struct lc_dom *d, const char *why)
{
	if (d->own)
		disposable_gone(lc, d, why);
	else
		set_failed(lc, d, why);
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
	if (r == -EAGAIN && d->own) {
		disposable_gone(lc, d, why);
		return;
	}
	if (r == -EAGAIN) {
		/* Like a failed creation: backoff, then the start limit. */
		after_death(lc, d, ACTION_RESTART, true, now);
		return;
	}
	if (r < 0) {
		start_failed(lc, d, why);
		return;
	}
	publish_rules(lc, d);
	/* A backend that died before its agent spoke is still watched, by
	 * its old domid. */
	agent_unwatch(lc, d);
	d->domid = LC_NO_DOMID;
	lc_set_state(lc, d, DOM_CREATING);
	log_info("domains", "creating domain %s", d->cfg->name);
	log_event("domains", "domain-creating", "name=%s", d->cfg->name);
	lc->ops->create(lc->ctx, d);
}

void lc_created(struct lifecycle *lc, struct lc_dom *d, int rc, uint64_t now,
		uint64_t epoch_now)
{
	if (rc) {
		/* libxl has cleaned up; a failed start backs off like a crash. */
		log_err("domains", "domain %s: creation failed (libxl error %d)", d->cfg->name, rc);
		after_death(lc, d, ACTION_RESTART, true, now);
		return;
	}
	if (d->own) {
		/* Before it runs: no word of its agent can be missed. */
		agent_watch(lc, d);
		d->agent_deadline = now + LC_AGENT_TIMEOUT_MS;
		if (d->command && lc->ops->write_command(lc->ctx, d) < 0)
			refuse_waiter(lc, d, EIO, "its command could not be handed to it");
	}
	d->serving = false;
	if (!d->own && lc_is_backend(lc, d)) {
		d->agent_ready = false;
		agent_watch(lc, d);
		d->agent_deadline = now + LC_BACKEND_AGENT_TIMEOUT_MS;
	}
	publish_net(lc, d);
	lc_set_state(lc, d, DOM_RUNNING);
	/* libxl leaves a new domain paused, for the toolstack to let it run. */
	ask_pause(lc, d, false, false);
	d->started_epoch_ms = epoch_now;
	/* A preload still booting is one a restarted manager must pause. */
	lc->ops->mark(lc->ctx, d, d->preload ? "preloading" : "running");
	if (lc->stopping) {
		log_notice("domains", "domain %s came up during shutdown; destroying it",
			   d->cfg->name);
		d->crashed = false;
		destroy(lc, d, ACTION_DESTROY);
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
	lc->ops->watch_death(lc->ctx, d);
	if (!lc_is_backend(lc, d))
		d->serving = true;
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
		set_failed(lc, d, reason);
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
	agent_unwatch(lc, d);
	if (d->volumes_up)
		lc->ops->release_volumes(lc->ctx, d);
	d->domid = LC_NO_DOMID;
	d->died_at = now;
	d->started_epoch_ms = 0;
	settle_config(lc, d);
	if (d->removed) {
		log_notice("domains", "domain %s is gone, and no longer configured: forgotten",
			   d->cfg->name);
		lc_set_state(lc, d, DOM_STOPPED);
		return;
	}
	if (d->own) {
		disposable_gone(lc, d, crash ? "it died before its command ran; see its console" :
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

static void destroy(struct lifecycle *lc, struct lc_dom *d, enum domain_action next)
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
		destroy(lc, d, ACTION_DESTROY);
		return;
	}
	if (action == ACTION_PRESERVE) {
		lc_set_state(lc, d, DOM_PRESERVED);
		return;
	}
	d->crashed = why == LC_SHUTDOWN_CRASH;
	destroy(lc, d, action);
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
	destroy(lc, d, ACTION_DESTROY);
}

/* Asks an up domain to shut down; it is destroyed if it has not by the
 * deadline (lc_tick()). */
static void ask_stop(struct lifecycle *lc, struct lc_dom *d, uint64_t now)
{
	bool paused = d->state == DOM_PAUSED || d->state == DOM_PRELOADED;
	log_notice("domains", "asking domain %s (domid %u) to shut down", d->cfg->name,
		   d->domid);
	d->crashed = false;
	d->deadline = now + LC_SHUTDOWN_GRACE_MS;
	lc_set_state(lc, d, DOM_STOPPING);
	/* A paused guest cannot hear it. */
	if (paused)
		ask_pause(lc, d, false, false);
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
			destroy(lc, d, ACTION_DESTROY);
		else if (dom_is_up(d->state) && !dependant(lc, d))
			ask_stop(lc, d, now);
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
		destroy(lc, d, ACTION_DESTROY);
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
	for (int pass = 0; pass < (request_waiting(lc) ? 1 : 2); pass++)
		for (size_t i = 0; i < lc->n && !creating(lc); i++) {
			struct lc_dom *d = lc->m[i];
			if (d->preload == (pass == 1) && d->state == DOM_BACKOFF &&
			    now >= d->deadline && backends_serving(lc, d))
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
	if (lc->stopping) {
		stop_step(lc, now);
	} else {
		preload_more(lc, now);
		start_due(lc, now);
	}
	backends_late(lc, now);
	agents_late(lc, now);
	lc_reap(lc);
	stops_late(lc, now);
	say_ready(lc);
}

uint64_t lc_next_deadline(const struct lifecycle *lc)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < lc->n; i++) {
		const struct lc_dom *d = lc->m[i];
		if (dom_has_deadline(d->state) && d->deadline < next)
			next = d->deadline;
		if (d->own && d->state == DOM_RUNNING && (!d->agent_ready || d->waiting) &&
		    d->agent_deadline < next)
			next = d->agent_deadline;
		if (!d->own && d->state == DOM_RUNNING && !d->serving && d->agent_deadline < next)
			next = d->agent_deadline;
	}
	return next;
}

/* ---- adoption: what a (re)started manager finds ---- */

/* An unnamed disposable is taken back as it was: preloaded, still
 * booting to be preloaded, or handed out.  True when that settled it. */
static bool adopt_disposable_state(struct lifecycle *lc, struct lc_dom *d, bool paused,
				   const struct lc_mark *mk, uint64_t now)
{
	if (!mk->word[0])
		return false;	/* a creation cut short: as any domain */
	d->preload = strcmp(mk->word, "preloaded") == 0 || strcmp(mk->word, "preloading") == 0;
	/* Its agent's word is read again when the watch is set: a preload
	 * still booting is paused once it says ready. */
	d->agent_ready = strcmp(mk->word, "preloading") != 0;
	d->agent_deadline = now + LC_AGENT_TIMEOUT_MS;
	agent_watch(lc, d);
	if (strcmp(mk->word, "preloaded") != 0 || !paused)
		return false;
	lc_set_state(lc, d, DOM_PRELOADED);
	log_notice("domains", "adopted preloaded disposable %s of %s (domid %u)", d->cfg->name,
		   d->cfg->template_name, d->domid);
	log_event("domains", "domain-adopted", "name=%s domid=%u state=paused", d->cfg->name,
		  d->domid);
	return true;
}

static void adopt_one(struct lifecycle *lc, struct lc_dom *d, uint32_t domid, bool paused,
		      const struct lc_mark *mk, uint64_t now)
{
	char why[512];
	d->domid = domid;
	/* Its devices were made by the previous manager, from the same plan. */
	if (d->cfg->volumes && volume_plan(lc->pool, d->cfg, &lc->doms, &d->volumes, why,
					   sizeof(why)) == 0)
		d->volumes_up = true;
	d->created_at = now;
	lc_set_state(lc, d, DOM_RUNNING);
	lc->ops->watch_death(lc->ctx, d);
	/* It served the domains behind it before, and they run on. */
	d->serving = true;
	d->started_epoch_ms = mk->started;
	if (d->own && adopt_disposable_state(lc, d, paused, mk, now))
		return;
	if (strcmp(mk->word, "paused") == 0 && paused) {
		lc_set_state(lc, d, DOM_PAUSED);
		log_notice("domains", "adopted paused domain %s (domid %u)", d->cfg->name, d->domid);
		log_event("domains", "domain-adopted", "name=%s domid=%u state=paused", d->cfg->name,
			  d->domid);
		return;
	}
	/* Paused and never let run: a creation cut short with the previous
	 * manager; its devices may be half set up. */
	if (!mk->word[0] && paused) {
		log_notice("domains", "domain %s (domid %u) was being created when the previous "
			   "manager died; creating it anew", d->cfg->name, d->domid);
		d->crashed = false;
		destroy(lc, d, ACTION_RESTART);
		return;
	}
	if (!mk->word[0])
		lc->ops->mark(lc->ctx, d, "running");
	log_notice("domains", "adopted running domain %s (domid %u)", d->cfg->name, d->domid);
	log_event("domains", "domain-adopted", "name=%s domid=%u state=running", d->cfg->name,
		  d->domid);
}

/* A slot for the unnamed disposable NAME that a previous manager
 * started from MK's template, or NULL if that is not one any more. */
static struct lc_dom *adopt_disposable(struct lifecycle *lc, const char *name,
				       const struct lc_mark *mk)
{
	char msg[256];
	struct lc_dom *t = lc_by_name(lc, mk->dvm);
	if (!domain_name_is_valid(name, strlen(name)) || !t || t->own ||
	    !dispvm_template_ok(t->cfg, msg, sizeof(msg))) {
		log_warn("domains", "domain %s was a disposable of %s, which is no disposable "
			 "template now; it is left alone", name, mk->dvm);
		return NULL;
	}
	struct lc_dom *d = new_disposable(lc, t, name, msg, sizeof(msg));
	if (!d)
		log_err("domains", "cannot take disposable %s back: %s", name, msg);
	return d;
}

void lc_adopt(struct lifecycle *lc, const char *name, uint32_t domid, bool paused,
	      const struct lc_mark *mk, uint64_t now)
{
	struct lc_dom *d = name ? lc_by_name(lc, name) : NULL;
	if (domid == 0)
		return;
	if (!d && name && mk->dvm[0])
		d = adopt_disposable(lc, name, mk);
	if (d && d->state == DOM_STOPPED)
		adopt_one(lc, d, domid, paused, mk, now);
}

/* After adoption: what the domains were told of the network is told
 * again, from the config read now (the previous manager may have run by
 * another): the rules of the domains behind each net domain above all. */
void lc_republish(struct lifecycle *lc)
{
	for (size_t i = 0; i < lc->n; i++) {
		const struct lc_dom *d = lc->m[i];
		if (!dom_is_up(d->state))
			continue;
		publish_net(lc, d);
		if (d->cfg->class == CLASS_NET && lc->xs_ok)
			log_notice("domains", "domain %s: the firewall rules of the domains behind it "
				   "given to it again", d->cfg->name);
	}
}

/* After adoption, the domains not found in Xen: autostart at boot; after a
 * restart of ours, what the previous manager was doing with them. */
void lc_resume(struct lifecycle *lc, uint64_t now)
{
	for (size_t i = 0; i < lc->n; i++) {
		struct lc_dom *d = lc->m[i];
		if (d->state != DOM_STOPPED || d->own)
			continue;
		bool wanted;
		switch (d->recorded) {
		case -1:
			wanted = d->cfg->autostart;
			break;
		case DOM_FAILED:
			lc_set_state(lc, d, DOM_FAILED);
			continue;
		case DOM_RUNNING:
		case DOM_PAUSED:
		case DOM_CREATING:
		case DOM_BACKOFF:
			log_notice("domains", "domain %s was %s under the previous manager and is "
				   "gone; starting it", d->cfg->name,
				   domain_state_name((unsigned)d->recorded));
			wanted = true;
			break;
		default:
			wanted = false;
			break;
		}
		d->deadline = now;
		lc_set_state(lc, d, wanted ? DOM_BACKOFF : DOM_STOPPED);
	}
}

/* ---- `bulkhead ctl': list, start, stop, kill, pause, unpause ---- */

void lc_describe(const struct lc_dom *d, struct ctl_domain_info *out)
{
	const struct domain_config *c = d->cfg;
	memset(out, 0, sizeof(*out));
	str_copy(out->name, c->name, sizeof(out->name));
	out->state = (uint8_t)d->state;
	out->type = (uint8_t)c->type;
	out->class = (uint8_t)c->class;
	out->label = (uint8_t)c->label;
	out->domid = dom_exists_in_xen(d->state) ? d->domid : CTL_NO_DOMID;
	out->memory_kib = c->memory_mb * 1024;
	out->vcpus = c->vcpus;
	out->restarts = d->restarts;
	out->gui = c->gui;
}

static int refuse(char *msg, size_t cap, int err, const struct lc_dom *d, const char *why)
{
	snprintf(msg, cap, "%s is %s: %s", d->cfg->name, domain_state_name(d->state), why);
	return -err;
}

/* Starts D now, and its netvm chain and disk backend first where down. */
static void want_started(struct lifecycle *lc, struct lc_dom *d, uint64_t now)
{
	if (!dom_is_startable(d->state))
		return;
	policy_reset_deaths(&d->deaths);
	d->failures = 0;
	d->deadline = now;
	lc_set_state(lc, d, DOM_BACKOFF);
	struct lc_dom *net = netvm_of(lc, d);
	struct lc_dom *disks = d->cfg->disk_backend ? lc_by_name(lc, d->cfg->disk_backend) : NULL;
	if (net)
		want_started(lc, net, now);
	if (disks)
		want_started(lc, disks, now);
}

static int op_start(struct lifecycle *lc, struct lc_dom *d, uint64_t now, char *msg, size_t cap)
{
	if (d->removed)
		return refuse(msg, cap, ENOENT, d, "it is no longer configured (`bulkhead ctl "
			      "reload' removed it), and is forgotten once it stops");
	switch (d->state) {
	case DOM_STOPPED:
	case DOM_FAILED:
	case DOM_BACKOFF:
		want_started(lc, d, now);
		log_notice("domains", "domain %s: start asked", d->cfg->name);
		return 0;
	case DOM_PAUSED:
		return refuse(msg, cap, EALREADY, d, "`bulkhead ctl unpause' lets it run");
	case DOM_PRESERVED:
		return refuse(msg, cap, EBUSY, d, "kept for inspection; `bulkhead ctl kill' it "
			      "first");
	case DOM_STOPPING:
	case DOM_DESTROYING:
		return refuse(msg, cap, EBUSY, d, "start it once it is stopped");
	default:
		return refuse(msg, cap, EALREADY, d, "nothing to do");
	}
}

static int op_stop(struct lifecycle *lc, struct lc_dom *d, bool force, uint64_t now, char *msg,
		   size_t cap)
{
	struct lc_dom *user = dependant(lc, d);
	switch (d->state) {
	case DOM_BACKOFF:
	case DOM_FAILED:
		lc_set_state(lc, d, DOM_STOPPED);
		return 0;
	case DOM_PRESERVED:
		destroy(lc, d, ACTION_DESTROY);
		return 0;
	case DOM_CREATING:
		return refuse(msg, cap, EBUSY, d, "try again once it runs");
	case DOM_RUNNING:
	case DOM_PAUSED:
	case DOM_PRELOADED:
	case DOM_STOPPING:
		break;
	default:
		return refuse(msg, cap, EALREADY, d, "nothing to do");
	}
	if (!force && d->state == DOM_STOPPING)
		return refuse(msg, cap, EALREADY, d, "`bulkhead ctl kill' destroys it now");
	if (!force && user) {
		snprintf(msg, cap, "%s is the netvm of %s, which is %s: stop %s first",
			 d->cfg->name, user->cfg->name, domain_state_name(user->state),
			 user->cfg->name);
		return -EBUSY;
	}
	if (force) {
		log_notice("domains", "domain %s (domid %u): kill asked; destroying it",
			   d->cfg->name, d->domid);
		d->crashed = false;
		destroy(lc, d, ACTION_DESTROY);
	} else {
		ask_stop(lc, d, now);
	}
	return 0;
}

/* Asynchronous: libxl answers with lc_paused(), which changes the state;
 * an answer that came before the call returned is given to the caller. */
static int op_pause(struct lifecycle *lc, struct lc_dom *d, bool pause, char *msg, size_t cap)
{
	if (d->state == DOM_PRELOADED) {
		snprintf(msg, cap, "%s is preloaded: `bulkhead ctl run-disposable %s' takes it",
			 d->cfg->name, d->cfg->template_name);
		return -EBUSY;
	}
	if (d->state != (pause ? DOM_RUNNING : DOM_PAUSED))
		return refuse(msg, cap, EINVAL, d, pause ? "only a running domain can be paused" :
			      "only a paused domain can be unpaused");
	if (d->pausing)
		return refuse(msg, cap, EBUSY, d, "a pause or unpause is under way; try again");
	ask_pause(lc, d, pause, false);
	if (!d->pausing && d->pause_rc) {
		snprintf(msg, cap, "libxl could not %s %s (error %d)", pause ? "pause" : "unpause",
			 d->cfg->name, d->pause_rc);
		return -EIO;
	}
	return 0;
}

int lc_ctl(struct lifecycle *lc, enum ctl_domain_op op, const char *name, uint64_t now,
	   char *msg, size_t cap)
{
	struct lc_dom *d = lc_by_name(lc, name);
	if (!d) {
		snprintf(msg, cap, "no domain %s is configured (see `bulkhead ctl list')", name);
		return -ENOENT;
	}
	if (lc->stopping) {
		snprintf(msg, cap, "the domains are being shut down");
		return -ESHUTDOWN;
	}
	switch (op) {
	case CTL_DOMAIN_START:
		return op_start(lc, d, now, msg, cap);
	case CTL_DOMAIN_STOP:
		return op_stop(lc, d, false, now, msg, cap);
	case CTL_DOMAIN_KILL:
		return op_stop(lc, d, true, now, msg, cap);
	case CTL_DOMAIN_PAUSE:
		return op_pause(lc, d, true, msg, cap);
	case CTL_DOMAIN_UNPAUSE:
		return op_pause(lc, d, false, msg, cap);
	}
	return -EINVAL;
}
