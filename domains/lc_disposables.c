/*
 * lc_disposables.c - unnamed disposables: their agents, the requests for
 * them, preloads; and libxl's answers to pause and unpause.
 */
#include "domains/lc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains/dispvm.h"
#include "lib/log.h"
#include "lib/util.h"

/* ---- unnamed disposables: their agents, requests and preloads ---- */

static struct lc_dom *template_of(const struct lifecycle *lc, const struct lc_dom *d)
{
	return d->own ? lc_by_name(lc, d->cfg->template_name) : NULL;
}

/* Asks libxl to pause or unpause D; lc_paused() follows. */
void lc_ask_pause(struct lifecycle *lc, struct lc_dom *d, bool pause, bool for_preload)
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
			lc_ask_pause(lc, d, false, false);
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
			lc_refuse_waiter(lc, d, EIO, "libxl could not unpause it");
			d->crashed = false;
			lc_destroy(lc, d, ACTION_DESTROY);
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
	if (pause)
		log_event("domains", "domain-paused", "name=%s domid=%u", d->cfg->name, d->domid);
	else
		log_event("domains", "domain-unpaused", "name=%s domid=%u", d->cfg->name, d->domid);
}

/* What D's agent wrote, read as hostile bytes by the adapter. */
void lc_agent_said(struct lifecycle *lc, struct lc_dom *d, const struct agent_status *st,
		   unsigned len, uint64_t now)
{
	if (!st) {
		log_warn("domains", "domain %s wrote %u bytes to %s that are no agent's status; "
			 "it is not listened to any more", d->cfg->name, len, AGENT_STATUS_KEY);
		lc_agent_unwatch(lc, d);
		lc_refuse_waiter(lc, d, EPROTO,
				 "its agent wrote nonsense; stop it with `bulkhead ctl kill'");
		return;
	}
	if (!d->own) {
		/* A backend: whatever the agent says, it is up. */
		d->agent_ready = true;
		lc_agent_unwatch(lc, d);
		lc_backend_serves(lc, d, "its agent is up");
		return;
	}
	switch (st->state) {
	case AGENT_READY:
		if (d->agent_ready)
			return;
		d->agent_ready = true;
		/* Booted to be kept: it waits paused. */
		if (d->preload && d->state == DOM_RUNNING)
			lc_ask_pause(lc, d, true, true);
		else if (!d->command)
			lc_answer_waiter(lc, d, now);
		return;
	case AGENT_RUNNING:
		d->agent_ready = true;
		lc_answer_waiter(lc, d, now);
		return;
	case AGENT_EXITED:
		d->agent_ready = true;
		/* Its last word: what it writes after this is not read. */
		lc_agent_unwatch(lc, d);
		lc_answer_waiter(lc, d, now);
		if (d->state != DOM_RUNNING)
			return;
		/* As in Qubes: a disposable lives as long as its command. */
		log_notice("domains", "disposable %s: its command ended with status %d; shutting it "
			   "down", d->cfg->name, st->exit_status);
		log_event("domains", "disposable-command-ended", "name=%s status=%d", d->cfg->name,
			  st->exit_status);
		lc_ask_stop(lc, d, now);
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
struct lc_dom *lc_new_disposable(struct lifecycle *lc, const struct lc_dom *t, const char *name,
				 char *msg, size_t cap)
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
void lc_queue_start(struct lifecycle *lc, struct lc_dom *d, uint64_t now)
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
void lc_disposable_gone(struct lifecycle *lc, struct lc_dom *d, const char *why)
{
	struct lc_dom *t = template_of(lc, d);
	if (d->preload && !d->agent_ready && t &&
	    ++t->preload_failures == LC_PRELOAD_FAILURES_MAX)
		log_err("domains", "%s: %d preloaded disposables in a row died before they were "
			"ready; no more are preloaded (`bulkhead ctl run-disposable %s' still starts "
			"one)", t->cfg->name, LC_PRELOAD_FAILURES_MAX, t->cfg->name);
	lc_refuse_waiter(lc, d, EIO, why);
	log_notice("domains", "disposable %s of %s is gone", d->cfg->name, d->cfg->template_name);
	log_event("domains", "disposable-gone", "name=%s template=%s", d->cfg->name,
		  d->cfg->template_name);
	lc_set_state(lc, d, DOM_STOPPED);
}

/* Whether a `ctl run-disposable' awaits its answer, or a call its
 * disposable (until its agent is up). */
bool lc_request_waiting(const struct lifecycle *lc)
{
	for (size_t i = 0; i < lc->n; i++) {
		const struct lc_dom *d = lc->m[i];
		if (d->waiting || (d->for_call && (!d->agent_ready || d->pausing) &&
				   !dom_is_going(d->state) && d->state != DOM_STOPPED))
			return true;
	}
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

/* Whether D is a start others wait for: being made or due to be (its
 * backends serving), a backend whose agent is not up yet, a disposable
 * whose agent is not up yet. */
static bool starting(const struct lifecycle *lc, const struct lc_dom *d, uint64_t now)
{
	if (d->preload)
		return false;
	switch (d->state) {
	case DOM_CREATING:
		return true;
	case DOM_BACKOFF:
		return now >= d->deadline && lc_backends_serving(lc, d);
	case DOM_RUNNING:
		return d->own ? !d->agent_ready : !d->serving;
	default:
		return false;
	}
}

/* Whether a preload may be made now (LC_PRELOAD_QUIET_MS).  Not while a
 * request waits either: libxl builds a domain inside the manager's loop,
 * and the answer would wait for that build.  When only the quiet after a
 * start holds it back, lc->preload_at says until when, for
 * lc_next_deadline(); every other hold ends with an event. */
static bool preload_may_start(struct lifecycle *lc, uint64_t now)
{
	uint64_t quiet = 0;
	if (lc_request_waiting(lc))
		return false;
	for (size_t i = 0; i < lc->n; i++) {
		const struct lc_dom *d = lc->m[i];
		if (starting(lc, d, now))
			return false;
		if (!d->preload && d->let_run_at && d->let_run_at + LC_PRELOAD_QUIET_MS > quiet)
			quiet = d->let_run_at + LC_PRELOAD_QUIET_MS;
	}
	if (now >= quiet)
		return true;
	lc->preload_at = quiet;
	return false;
}

/* The preloads each disposable template asks for, started as needed. */
void lc_preload_more(struct lifecycle *lc, uint64_t now)
{
	char msg[128];
	lc->preload_at = 0;
	for (size_t i = 0; i < lc->n && lc->pool_ok && !lc->stopping; i++) {
		struct lc_dom *t = lc->m[i];
		if (t->own || !t->cfg->preload || t->preload_failures >= LC_PRELOAD_FAILURES_MAX ||
		    preloads_of(lc, t) >= t->cfg->preload ||
		    !dispvm_template_ok(t->cfg, msg, sizeof(msg)))
			continue;
		if (!preload_may_start(lc, now))
			return;
		for (uint32_t have = preloads_of(lc, t); have < t->cfg->preload; have++) {
			struct lc_dom *d = lc_new_disposable(lc, t, NULL, msg, sizeof(msg));
			if (!d) {
				log_warn("domains", "%s: cannot preload a disposable: %s", t->cfg->name,
					 msg);
				return;
			}
			d->preload = true;
			log_notice("domains", "disposable %s of %s: preloading", d->cfg->name,
				   t->cfg->name);
			lc_queue_start(lc, d, now);
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
		return -ENOMEM;	/* a preload taken stays one */
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
		lc_ask_stop(lc, d, now);
		return -EIO;
	}
	if (d->state == DOM_PRELOADED) {
		/* Asynchronous: a failure refuses the request (lc_paused()). */
		lc_set_state(lc, d, DOM_RUNNING);
		lc_ask_pause(lc, d, false, false);
	}
	if (dom_exists_in_xen(d->state))
		lc->ops->mark(lc->ctx, d, "running");
	if (d->agent_ready && !d->command)
		lc_answer_waiter(lc, d, now);
	return 0;
}

/* A disposable of TEMPLATE_NAME ("": the default) to hand out: a
 * preloaded one (or one booting to be), else one queued to start; NULL with
 * *ERR and MSG. */
static struct lc_dom *take(struct lifecycle *lc, const char *template_name, uint64_t now,
			   int *err, char *msg, size_t cap)
{
	const char *name = template_name[0] ? template_name : lc->default_dispvm;
	*err = 0;
	if (lc->stopping) {
		snprintf(msg, cap, "the domains are being shut down");
		*err = -ESHUTDOWN;
		return NULL;
	}
	if (!name[0]) {
		snprintf(msg, cap, "which template? none was given and storage.cfg has no "
			 "default_dispvm");
		*err = -EINVAL;
		return NULL;
	}
	struct lc_dom *t = lc_by_name(lc, name);
	if (!t || t->own) {
		snprintf(msg, cap, "no domain %s is configured (see `bulkhead ctl list')", name);
		*err = -ENOENT;
		return NULL;
	}
	if (!dispvm_template_ok(t->cfg, msg, cap)) {
		*err = -EINVAL;
		return NULL;
	}
	if (!lc->pool_ok) {
		snprintf(msg, cap, "the pool %s is not usable (see the log): no disposable can "
			 "start", lc->pool);
		*err = -EIO;
		return NULL;
	}
	struct lc_dom *d = take_preload(lc, t);
	if (d) {
		log_notice("domains", "disposable %s of %s: taken (%s) for a request", d->cfg->name,
			   name, domain_state_name(d->state));
		log_event("domains", "disposable-taken", "name=%s template=%s state=%s", d->cfg->name,
			  name, domain_state_name(d->state));
	} else {
		if (!(d = lc_new_disposable(lc, t, NULL, msg, cap))) {
			*err = -EAGAIN;
			return NULL;
		}
		log_notice("domains", "disposable %s of %s: starting for a request (none is "
			   "preloaded)", d->cfg->name, name);
		log_event("domains", "disposable-taken", "name=%s template=%s state=none",
			  d->cfg->name, name);
		lc_queue_start(lc, d, now);
	}
	d->let_run_at = now;
	return d;
}

int lc_run_disposable(struct lifecycle *lc, const char *template_name, const char *command,
		      struct control_waiter waiter, uint64_t now, char *msg, size_t cap)
{
	int err;
	struct lc_dom *d = take(lc, template_name, now, &err, msg, cap);
	return d ? claim(lc, d, command, waiter, now, msg, cap) : err;
}

struct lc_dom *lc_call_disposable(struct lifecycle *lc, const char *template_name,
				  const char *source, uint64_t now, char *msg, size_t cap)
{
	int err;
	struct lc_dom *d = take(lc, template_name, now, &err, msg, cap);
	if (!d)
		return NULL;
	d->preload = false;
	d->for_call = true;
	str_copy(d->call_source, source, sizeof(d->call_source));
	d->agent_deadline = now + LC_AGENT_TIMEOUT_MS;
	if (d->state == DOM_PRELOADED) {
		/* Asynchronous: a failure destroys it (lc_paused()), which ends the call. */
		lc_set_state(lc, d, DOM_RUNNING);
		lc_ask_pause(lc, d, false, false);
	}
	if (dom_exists_in_xen(d->state))
		lc->ops->mark(lc->ctx, d, "call");
	return d;
}

/* Unnamed disposables whose agent kept silent, or whose command never
 * started: they are of no use to anyone. */
void lc_agents_late(struct lifecycle *lc, uint64_t now)
{
	for (size_t i = 0; i < lc->n; i++) {
		struct lc_dom *d = lc->m[i];
		if (!d->own || d->state != DOM_RUNNING || now < d->agent_deadline ||
		    (d->agent_ready && !d->waiting))
			continue;
		log_err("domains", "disposable %s: %s within %d s; destroying it", d->cfg->name,
			d->agent_ready ? "its command did not start" : "no word from its agent",
			LC_AGENT_TIMEOUT_MS / 1000);
		lc_refuse_waiter(lc, d, ETIMEDOUT,
				 d->agent_ready ? "its command did not start in time" :
				 "its agent did not answer in time (does it run `bulkhead agent'?)");
		d->crashed = false;
		lc_destroy(lc, d, ACTION_DESTROY);
	}
}
