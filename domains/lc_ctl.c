/*
 * lc_ctl.c - `bulkhead ctl' on domains: list, start, stop, kill, pause,
 * unpause; and the answers to the requests that wait for a domain (`ctl
 * run-disposable', `ctl start --wait').
 */
#include "domains/lc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"

/* ---- `bulkhead ctl': list, start, stop, kill, pause, unpause ---- */

void lc_describe(const struct lifecycle *lc, const struct lc_dom *d,
		 struct ctl_domain_info *out)
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
	if (c->netvm)
		str_copy(out->netvm, c->netvm, sizeof(out->netvm));
	if (c->template_name)
		str_copy(out->template_name, c->template_name, sizeof(out->template_name));
	out->address = c->address;
	/* A kept config is the one it was created by, its file changed
	 * or gone since (`ctl reload'). */
	out->config = d->removed ? CTL_CONFIG_REMOVED : d->kept ? CTL_CONFIG_CHANGED : 0;
	const struct lc_dom *owner = lc_root_owner(lc, d);
	if (owner && lc_exists(d) && d->root_gen_used != owner->root_gen)
		out->config |= CTL_CONFIG_OLD_ROOT;
}

static int refuse(char *msg, size_t cap, int err, const struct lc_dom *d, const char *why)
{
	snprintf(msg, cap, "%s is %s: %s", d->cfg->name, domain_state_name(d->state), why);
	return -err;
}

void lc_want_started(struct lifecycle *lc, struct lc_dom *d, uint64_t now)
{
	if (!dom_is_startable(d->state))
		return;
	policy_reset_deaths(&d->deaths);
	d->failures = 0;
	d->deadline = now;
	lc_set_state(lc, d, DOM_BACKOFF);
	struct lc_dom *net = lc_netvm_of(lc, d);
	struct lc_dom *disks = d->cfg->disk_backend ? lc_by_name(lc, d->cfg->disk_backend) : NULL;
	if (net)
		lc_want_started(lc, net, now);
	if (disks)
		lc_want_started(lc, disks, now);
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
		lc_want_started(lc, d, now);
		log_notice("domains", "domain %s: start asked", d->cfg->name);
		log_event("domains", "domain-start-asked", "name=%s", d->cfg->name);
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

/* `ctl start --wait': started as by `ctl start' (at once if it runs, or
 * is being created), WAITER answered once it runs (lc_created()), or
 * refused when it cannot.  One waits a domain: a second is refused. */
static int op_start_wait(struct lifecycle *lc, struct lc_dom *d, struct control_waiter waiter,
			 uint64_t now, char *msg, size_t cap)
{
	if (d->own) {
		snprintf(msg, cap, "%s is an unnamed disposable: `bulkhead ctl run-disposable %s' "
			 "starts one and waits for it", d->cfg->name, d->cfg->template_name);
		return -EINVAL;
	}
	/* A waiter whose client went (its ctl interrupted) gives way. */
	if (d->waiting && lc->ops->waiter_present(lc->ctx, d)) {
		snprintf(msg, cap, "another `bulkhead ctl start --wait %s' waits for it already "
			 "(it is %s): one waits at a time (`bulkhead ctl list' shows when it runs)",
			 d->cfg->name, domain_state_name(d->state));
		return -EBUSY;
	}
	bool coming = !d->removed && (d->state == DOM_RUNNING || d->state == DOM_CREATING);
	int r = coming ? 0 : op_start(lc, d, now, msg, cap);
	if (r < 0)
		return r;
	d->waiting = true;
	d->waiter = waiter;
	d->asked_at = now;
	if (d->state == DOM_RUNNING)
		lc_answer_waiter(lc, d, now);
	return 0;
}

static int op_stop(struct lifecycle *lc, struct lc_dom *d, bool force, uint64_t now, char *msg,
		   size_t cap)
{
	struct lc_dom *user = lc_dependant(lc, d);
	switch (d->state) {
	case DOM_BACKOFF:
	case DOM_FAILED:
		lc_refuse_waiter(lc, d, ECANCELED, force ? "`bulkhead ctl kill' stopped it first" :
				 "`bulkhead ctl stop' stopped it first");
		lc_set_state(lc, d, DOM_STOPPED);
		return 0;
	case DOM_PRESERVED:
		lc_destroy(lc, d, ACTION_DESTROY);
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
		lc_destroy(lc, d, ACTION_DESTROY);
	} else {
		lc_ask_stop(lc, d, now);
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
	lc_ask_pause(lc, d, pause, false);
	if (!d->pausing && d->pause_rc) {
		snprintf(msg, cap, "libxl could not %s %s (error %d)", pause ? "pause" : "unpause",
			 d->cfg->name, d->pause_rc);
		return -EIO;
	}
	return 0;
}

int lc_ctl(struct lifecycle *lc, enum ctl_domain_op op, const char *name,
	   struct control_waiter waiter, uint64_t now, char *msg, size_t cap)
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
	case CTL_DOMAIN_START_WAIT:
		return op_start_wait(lc, d, waiter, now, msg, cap);
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

/* ---- the requests that wait for a domain: one a domain, its slot's ---- */

void lc_answer_waiter(struct lifecycle *lc, struct lc_dom *d, uint64_t now)
{
	if (!d->waiting)
		return;
	d->waiting = false;
	uint64_t ms = now - d->asked_at;
	if (d->own) {
		log_notice("domains", "disposable %s of %s: %s %llu ms after the request",
			   d->cfg->name, d->cfg->template_name,
			   d->command ? "runs its command" : "is up", (unsigned long long)ms);
		log_event("domains", "disposable-answered",
			  "name=%s template=%s ms=%llu command=%d", d->cfg->name,
			  d->cfg->template_name, (unsigned long long)ms, d->command != NULL);
	} else {
		log_notice("domains", "domain %s runs, %llu ms after `ctl start --wait' asked",
			   d->cfg->name, (unsigned long long)ms);
	}
	lc->ops->answer(lc->ctx, d, ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms);
}

void lc_refuse_waiter(struct lifecycle *lc, struct lc_dom *d, int code, const char *why)
{
	char msg[CTL_ERROR_TEXT_MAX + 1];
	if (!d->waiting)
		return;
	d->waiting = false;
	if (d->own) {
		snprintf(msg, sizeof(msg), "disposable %s of %s: %s", d->cfg->name,
			 d->cfg->template_name, why);
	} else {
		snprintf(msg, sizeof(msg), "%s did not start: %s", d->cfg->name, why);
		log_notice("domains", "domain %s: `ctl start --wait' refused: %s", d->cfg->name,
			   why);
	}
	lc->ops->refuse(lc->ctx, d, code, msg);
}

/* The backend (D's netvm or disk backend, or one of theirs, as far as
 * they are still to start) that keeps D from being created until the
 * user starts it again: stopped or failed.  NULL: none.  The chain has
 * no cycle (config/domains.c refuses one). */
static const struct lc_dom *blocked_by(const struct lifecycle *lc, const struct lc_dom *d)
{
	const char *const names[] = { d->cfg->netvm, d->cfg->disk_backend };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct lc_dom *b = names[i] ? lc_by_name(lc, names[i]) : NULL;
		if (b && (b->state == DOM_STOPPED || b->state == DOM_FAILED))
			return b;
		const struct lc_dom *deeper = b && b->state == DOM_BACKOFF ? blocked_by(lc, b) :
					      NULL;
		if (deeper)
			return deeper;
	}
	return NULL;
}

void lc_waiters_blocked(struct lifecycle *lc)
{
	char why[160];
	for (size_t i = 0; i < lc->n; i++) {
		struct lc_dom *d = lc->m[i];
		const struct lc_dom *b = d->waiting && !d->own && d->state == DOM_BACKOFF ?
					 blocked_by(lc, d) : NULL;
		if (!b)
			continue;
		snprintf(why, sizeof(why), "it needs %s, which is %s (`bulkhead ctl start --wait "
			 "%s' starts both again)", b->cfg->name, domain_state_name(b->state),
			 d->cfg->name);
		lc_refuse_waiter(lc, d, EIO, why);
	}
}
