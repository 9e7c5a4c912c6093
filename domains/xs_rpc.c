/*
 * xs_rpc.c - the manager's side of calls between domains (docs/RPC.md,
 * "Calls"), in xenstore: each running domain's requests and its word that
 * it serves, read as hostile bytes a bounded turn at a time; the broker's
 * verdicts (domains/rpc_broker.h) written as dom0's read-only keys.
 *
 * Costs a domain can cause: every write of its RPC_DATA_DIR is a watch
 * event (agentwatch.h bounds them a turn); a turn reads its directory
 * listings once, and at most RPC_REQUESTS_PER_TURN of its requests; dom0
 * answers at most RPC_CALLS_PER_DOMAIN of its calls until it withdraws
 * some.
 */
#include "domains/xl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains/netconf.h"
#include "lib/log.h"
#include "lib/util.h"

#define RPC_TOKEN "rpc"

static void dom_path(uint32_t domid, const char *key, char *out, size_t cap)
{
	snprintf(out, cap, "/local/domain/%u/%s", domid, key);
}

static const struct lc_dom *running(const struct mgr *m, const char *name)
{
	const struct lc_dom *d = lc_by_name(&m->lc, name);
	return d && dom_is_up(d->state) ? d : NULL;
}

/* The disposables made for NAME's calls that are not gone. */
static unsigned dispvms_of(const struct mgr *m, const char *name)
{
	unsigned k = 0;
	for (size_t i = 0; i < m->lc.n; i++) {
		const struct lc_dom *d = m->lc.m[i];
		k += d->for_call && d->state != DOM_STOPPED && strcmp(d->call_source, name) == 0;
	}
	return k;
}

/* Every domain as the policy sees it, with whether and as what it runs. */
static size_t parties(const struct mgr *m, struct rpc_party *out)
{
	size_t n = 0;
	for (size_t i = 0; i < m->lc.n && n < DOMAINS_MAX; i++) {
		const struct lc_dom *d = m->lc.m[i];
		out[n++] = (struct rpc_party){
			.pol = { d->cfg->name, d->cfg->label, d->cfg->class,
				 d->own ? d->cfg->template_name : NULL },
			.domid = d->domid,
			.running = dom_is_up(d->state),
			.for_call = d->for_call,
			.dispvms = dispvms_of(m, d->cfg->name),
		};
	}
	return n;
}

/* ---- dom0's keys ---- */

static bool is_admin(const struct rpc_call *c)
{
	return c->source_domid == 0 && strcmp(c->source, RPC_ADMIN_SOURCE) == 0;
}

static struct rpc_admin_slot *admin_slot(struct mgr *m, uint32_t id)
{
	for (size_t i = 0; i < RPC_CALLS_PER_DOMAIN; i++)
		if (m->rpc.admin[i].used && m->rpc.admin[i].id == id)
			return &m->rpc.admin[i];
	return NULL;
}

/* dom0's answer goes on its `ctl' connection: where to connect, or why
 * not (before it connected: the request's reply; after: the connection
 * closed, which ends the call there). */
static void admin_answer(struct mgr *m, const struct rpc_call *c, const struct rpc_answer_msg *msg)
{
	struct rpc_admin_slot *s = admin_slot(m, c->id);
	if (!s)
		return;
	if (msg->connect) {
		struct ctl_call call = { .domid = msg->domid, .id = c->id };
		str_copy(call.target, c->target, sizeof(call.target));
		control_answer_call(&m->ctl, s->waiter, &call);
	} else if (!control_answer_error(&m->ctl, s->waiter, EACCES, msg->why)) {
		control_hang_up(&m->ctl, s->waiter, EPIPE, msg->why);
	}
}

/* The answer to CALL's caller: "deny WHY" or "connect DOMID". */
static void answer(struct mgr *m, const struct rpc_call *c, const struct rpc_answer_msg *msg)
{
	char key[64], line[RPC_WHY_MAX + 8];
	if (is_admin(c)) {
		admin_answer(m, c, msg);
		return;
	}
	snprintf(key, sizeof(key), RPC_ANSWER_DIR "/%u", c->id);
	if (!rpc_answer_format(msg, line, sizeof(line)) ||
	    !netconf_write_readonly(m->xs, XBT_NULL, c->source_domid, key, line))
		log_err("domains", "call %u of %s: cannot write its answer: %s", c->id, c->source,
			strerror(errno));
}

static void refuse(struct mgr *m, const struct rpc_call *c, const char *why)
{
	struct rpc_answer_msg msg = { .connect = false };
	str_copy(msg.why, why, sizeof(msg.why));
	log_notice("domains", "call %u of %s (%s%s%s to %s) refused: %s", c->id, c->source,
		   c->req.service, c->req.arg[0] ? "+" : "", c->req.arg, c->req.target, why);
	log_event("domains", "rpc-refused", "source=%s id=%u service=%s", c->source, c->id,
		  c->req.service[0] ? c->req.service : "-");
	answer(m, c, &msg);
}

static void serve_key(const struct rpc_call *c, char *out, size_t cap)
{
	char k[RPC_CHAN_KEY_MAX];
	rpc_chan_key_format(c->source_domid, c->id, k);
	snprintf(out, cap, RPC_SERVE_DIR "/%s", k);
}

/* The target told what to run for whom. */
static void serve(struct mgr *m, struct rpc_call *c)
{
	struct rpc_serve_msg msg = { 0 };
	char key[64], line[RPC_REQUEST_MAX + 1];
	str_copy(msg.source, c->source, sizeof(msg.source));
	str_copy(msg.service, c->req.service, sizeof(msg.service));
	str_copy(msg.arg, c->req.arg, sizeof(msg.arg));
	serve_key(c, key, sizeof(key));
	if (!rpc_serve_format(&msg, line, sizeof(line)) ||
	    !netconf_write_readonly(m->xs, XBT_NULL, c->target_domid, key, line)) {
		log_err("domains", "call %u of %s: cannot tell %s to serve it: %s", c->id,
			c->source, c->target, strerror(errno));
		return;	/* its deadline refuses it */
	}
	log_event("domains", "rpc-serve", "source=%s id=%u service=%s target=%s", c->source,
		  c->id, c->req.service, c->target);
}

static void ask(struct mgr *m, const struct rpc_answer *a);

/* CALL refused for WHY (what the broker asked for cannot be done). */
static void cannot(struct mgr *m, struct rpc_call *c, const char *why)
{
	struct rpc_answer r;
	rpc_broker_refused(&m->rpc.broker, c, why, &r);
	refuse(m, c, r.why);
}

/* A disposable of the template in C's target (@dispvm:TEMPLATE) for it:
 * served once its agent is up (disposables_follow()). */
static void new_dispvm(struct mgr *m, struct rpc_call *c, uint64_t now)
{
	char msg[160];
	const char *template_name = c->target + strlen("@dispvm:");
	struct lc_dom *d = lc_call_disposable(&m->lc, template_name, c->source, now, msg,
					      sizeof(msg));
	if (!d) {
		cannot(m, c, msg);
		return;
	}
	rpc_broker_disposable(c, d->cfg->name);
	log_notice("domains", "call %u of %s (%s): disposable %s of %s made for it", c->id,
		   c->source, c->req.service, d->cfg->name, template_name);
	log_event("domains", "rpc-dispvm", "source=%s id=%u service=%s name=%s template=%s",
		  c->source, c->id, c->req.service, d->cfg->name, template_name);
}

/* What the broker said, done. */
static void carry_out(struct mgr *m, const struct rpc_answer *a, uint64_t now)
{
	char msg[160];
	switch (a->verdict) {
	case RPC_HELD:
		return;
	case RPC_REFUSE:
		refuse(m, a->call, a->why);
		return;
	case RPC_SERVE:
		serve(m, a->call);
		return;
	case RPC_START:
		log_notice("domains", "call %u of %s: starting %s for it", a->call->id,
			   a->call->source, a->call->target);
		if (lc_ctl(&m->lc, CTL_DOMAIN_START, a->call->target, CONTROL_NO_WAITER, now, msg,
			   sizeof(msg)) < 0)
			cannot(m, a->call, msg);
		return;
	case RPC_ASK:
		ask(m, a);
		return;
	case RPC_NEW_DISPVM:
		new_dispvm(m, a->call, now);
		return;
	}
}

/* ---- ask: the compositor shows the question, the user answers ---- */

/* The user is asked about A's call: a slot for the compositor to list. */
static void ask(struct mgr *m, const struct rpc_answer *a)
{
	struct rpc_call *c = a->call;
	struct rpc_ask_slot *s = NULL;
	for (size_t i = 0; i < CTL_ASKS_MAX && !s; i++)
		if (!m->rpc.asks[i].used)
			s = &m->rpc.asks[i];
	if (!s) {
		cannot(m, c, "dom0 has as many questions for the user as it shows at once");
		return;
	}
	memset(s, 0, sizeof(*s));
	s->used = true;
	str_copy(s->source, c->source, sizeof(s->source));
	s->call_id = c->id;
	s->shown.id = ++m->rpc.next_ask;
	str_copy(s->shown.source, c->source, sizeof(s->shown.source));
	str_copy(s->shown.service, c->req.service, sizeof(s->shown.service));
	str_copy(s->shown.arg, c->req.arg, sizeof(s->shown.arg));
	char list[CTL_ASK_CHOICES_MAX * (CTL_CHOICE_MAX + 1)] = "";
	for (size_t k = 0; k < a->nchoices && k < CTL_ASK_CHOICES_MAX; k++) {
		str_copy(s->shown.choices[k], a->choices[k], sizeof(s->shown.choices[k]));
		s->shown.nchoices++;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? "," : "",
			 a->choices[k]);
	}
	log_notice("domains", "call %u of %s (%s%s%s to %s): the policy asks the user: %s",
		   c->id, c->source, c->req.service, c->req.arg[0] ? "+" : "", c->req.arg,
		   c->req.target, list);
	log_event("domains", "rpc-ask", "source=%s id=%u service=%s ask=%u choices=%s", c->source,
		  c->id, c->req.service, s->shown.id, list);
}

/* Asks whose call is no longer asked about (withdrawn, refused at its
 * deadline, a party gone) are forgotten. */
static void asks_follow(struct mgr *m)
{
	for (size_t i = 0; i < CTL_ASKS_MAX; i++) {
		struct rpc_ask_slot *s = &m->rpc.asks[i];
		const struct rpc_call *c = s->used ? rpc_broker_call(&m->rpc.broker, s->source,
								     s->call_id) : NULL;
		if (s->used && (!c || c->state != RPC_CALL_ASKING))
			s->used = false;
	}
}

size_t xs_rpc_asks(void *ctx, struct ctl_ask *out, size_t max)
{
	struct mgr *m = ctx;
	size_t n = 0;
	asks_follow(m);
	for (size_t i = 0; i < CTL_ASKS_MAX && n < max; i++)
		if (m->rpc.asks[i].used)
			out[n++] = m->rpc.asks[i].shown;
	return n;
}

int xs_rpc_answer(void *ctx, uint32_t id, const char *choice, char *msg, size_t msgcap)
{
	struct mgr *m = ctx;
	static struct rpc_party doms[DOMAINS_MAX];
	struct rpc_ask_slot *s = NULL;
	asks_follow(m);
	for (size_t i = 0; i < CTL_ASKS_MAX && !s; i++)
		if (m->rpc.asks[i].used && m->rpc.asks[i].shown.id == id)
			s = &m->rpc.asks[i];
	if (!s) {
		snprintf(msg, msgcap, "no question %u waits for an answer (its call is over)", id);
		return -ENOENT;
	}
	bool offered = !choice[0];
	for (size_t k = 0; k < s->shown.nchoices && !offered; k++)
		offered = strcmp(s->shown.choices[k], choice) == 0;
	if (!offered) {
		snprintf(msg, msgcap, "%s is not one of the choices the question offered", choice);
		return -EINVAL;
	}
	struct rpc_call *c = rpc_broker_call(&m->rpc.broker, s->source, s->call_id);
	s->used = false;
	uint64_t now = monotonic_ms();
	struct rpc_answer a;
	rpc_broker_answered(&m->rpc.broker, c, choice[0] ? choice : NULL, doms, parties(m, doms),
			    m->lc.default_dispvm, now, &a);
	log_event("domains", "rpc-answered", "source=%s id=%u choice=%s", c->source, c->id,
		  choice[0] ? choice : "-");
	carry_out(m, &a, now);
	return 0;
}

/* ---- the watches: one on each running domain's RPC_DATA_DIR ---- */

static void watch_path(uint32_t domid, char *out, size_t cap)
{
	dom_path(domid, RPC_DATA_DIR, out, cap);
}

/* C's serve key at its target (if it was told, by STATE) taken back: the
 * target's agent ends its end. */
static void unserve(struct mgr *m, const struct rpc_call *c, enum rpc_call_state state)
{
	char path[96], key[64];
	if (state != RPC_CALL_SERVING && state != RPC_CALL_CONNECTED)
		return;
	serve_key(c, key, sizeof(key));
	dom_path(c->target_domid, key, path, sizeof(path));
	xs_rm(m->xs, XBT_NULL, path);
}

/* Calls with NAME ended: its own taken back from their targets, those it
 * served refused to their callers (which ends them there). */
static void party_gone(struct mgr *m, const char *name)
{
	struct rpc_call ended[RPC_CALLS_MAX];
	size_t n = rpc_broker_gone(&m->rpc.broker, name, ended, RPC_CALLS_MAX);
	for (size_t i = 0; i < n && i < RPC_CALLS_MAX; i++) {
		const struct rpc_call *c = &ended[i];
		if (strcmp(c->source, name) == 0) {
			unserve(m, c, c->state);
		} else if (is_admin(c) || running(m, c->source)) {
			char why[RPC_WHY_MAX];
			snprintf(why, sizeof(why), "%s is gone", name);
			refuse(m, c, why);
		}
	}
}

void xs_rpc_end(struct mgr *m, struct rpc_call *c, const char *why)
{
	struct rpc_answer r;
	rpc_broker_refused(&m->rpc.broker, c, why, &r);
	unserve(m, c, r.was);
	refuse(m, c, r.why);
}

/* The table of watches follows the running domains: a domain up gets one,
 * one gone (or running as another domid) loses it and its calls. */
static void rpc_watches_follow(struct mgr *m)
{
	char path[64];
	for (size_t i = 0; i < DOMAINS_MAX; i++) {
		struct rpc_watch *w = &m->rpc.w[i];
		if (!w->name[0])
			continue;
		const struct lc_dom *d = running(m, w->name);
		if (d && d->domid == w->domid)
			continue;
		watch_path(w->domid, path, sizeof(path));
		xs_unwatch(m->xs, path, RPC_TOKEN);
		party_gone(m, w->name);
		memset(w, 0, sizeof(*w));
	}
	for (size_t i = 0; i < m->lc.n; i++) {
		const struct lc_dom *d = m->lc.m[i];
		if (!dom_is_up(d->state))
			continue;
		struct rpc_watch *free_slot = NULL;
		bool have = false;
		for (size_t k = 0; k < DOMAINS_MAX && !have; k++) {
			have = strcmp(m->rpc.w[k].name, d->cfg->name) == 0;
			if (!m->rpc.w[k].name[0] && !free_slot)
				free_slot = &m->rpc.w[k];
		}
		if (have || !free_slot)
			continue;
		watch_path(d->domid, path, sizeof(path));
		if (!xs_watch(m->xs, path, RPC_TOKEN)) {
			log_err("domains", "domain %s: cannot watch %s: %s; its calls will not be "
				"heard", d->cfg->name, path, strerror(errno));
			continue;
		}
		str_copy(free_slot->name, d->cfg->name, sizeof(free_slot->name));
		free_slot->domid = d->domid;
		free_slot->more = true;	/* requests written before we watched */
	}
}

int xs_rpc_slot(const struct mgr *m, const char *token, const char *path)
{
	char own[64];
	if (strcmp(token, RPC_TOKEN) != 0)
		return -1;
	for (size_t i = 0; i < DOMAINS_MAX; i++) {
		const struct rpc_watch *w = &m->rpc.w[i];
		if (!w->name[0])
			continue;
		watch_path(w->domid, own, sizeof(own));
		if (path_is_under(path, own))
			return (int)i;
	}
	return -1;
}

/* ---- what a domain wrote ---- */

/* The names under DOMID's KEY (xs_directory's, one block), or NULL. */
static char **listing(struct mgr *m, uint32_t domid, const char *key, unsigned *n)
{
	char path[96];
	dom_path(domid, key, path, sizeof(path));
	*n = 0;
	return xs_directory(m->xs, XBT_NULL, path, n);
}

static bool listed(char **names, unsigned n, uint32_t id)
{
	uint32_t v;
	for (unsigned i = 0; i < n; i++)
		if (rpc_id_parse(names[i], strlen(names[i]), &v) && v == id)
			return true;
	return false;
}

/* The calls of W's domain it withdrew: over, dom0's keys cleared. */
static void withdrawn(struct mgr *m, const struct rpc_watch *w, char **names, unsigned n)
{
	char path[96], key[64];
	for (size_t i = 0; i < RPC_CALLS_MAX; i++) {
		struct rpc_call *c = &m->rpc.broker.calls[i];
		struct rpc_call ended;
		if (!c->used || strcmp(c->source, w->name) != 0 || listed(names, n, c->id) ||
		    !rpc_broker_done(&m->rpc.broker, w->name, c->id, &ended))
			continue;
		snprintf(key, sizeof(key), RPC_ANSWER_DIR "/%u", ended.id);
		dom_path(ended.source_domid, key, path, sizeof(path));
		xs_rm(m->xs, XBT_NULL, path);
		unserve(m, &ended, ended.state);
		log_event("domains", "rpc-done", "source=%s id=%u", ended.source, ended.id);
	}
}

/* W's domain's new requests, at most RPC_REQUESTS_PER_TURN and never more
 * than its budget has room for (a domain at its budget costs no read, and
 * no turn, until a withdrawal's event): whether some are left for the next
 * turn. */
static bool requests(struct mgr *m, const struct rpc_watch *w, char **names, unsigned n,
		     uint64_t now)
{
	static struct rpc_party doms[DOMAINS_MAX];
	size_t nd = parties(m, doms);
	const struct rpc_party *source = NULL;
	unsigned read = 0;
	for (size_t i = 0; i < nd && !source; i++)
		if (strcmp(doms[i].pol.name, w->name) == 0)
			source = &doms[i];
	for (unsigned i = 0; i < n && source; i++) {
		uint32_t id;
		if (!rpc_id_parse(names[i], strlen(names[i]), &id) ||
		    rpc_broker_known(&m->rpc.broker, w->name, id))
			continue;
		if (rpc_broker_room(&m->rpc.broker, w->name) == 0)
			return false;
		if (read == RPC_REQUESTS_PER_TURN)
			return true;
		char key[64], path[96];
		unsigned len = 0;
		snprintf(key, sizeof(key), RPC_CALL_DIR "/%u", id);
		dom_path(w->domid, key, path, sizeof(path));
		char *untrusted = xs_read(m->xs, XBT_NULL, path, &len);
		read++;
		if (!untrusted)
			continue;	/* withdrawn meanwhile */
		struct rpc_answer a;
		rpc_broker_request(&m->rpc.broker, &m->rpc.policy, source, id, untrusted, len,
				   doms, nd, m->lc.default_dispvm, now, &a);
		free(untrusted);
		carry_out(m, &a, now);
	}
	return false;
}

/* W's domain says it serves calls: their callers told to connect. */
static void servings(struct mgr *m, const struct rpc_watch *w, char **names, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t source_domid, id;
		if (!rpc_chan_key_parse(names[i], strlen(names[i]), &source_domid, &id))
			continue;
		struct rpc_call *c = rpc_broker_serving(&m->rpc.broker, w->name, source_domid, id);
		if (!c)
			continue;
		struct rpc_answer_msg msg = { .connect = true, .domid = w->domid };
		answer(m, c, &msg);
		log_event("domains", "rpc-connected", "source=%s id=%u service=%s target=%s",
			  c->source, c->id, c->req.service, c->target);
	}
}

static void heard(struct mgr *m, struct rpc_watch *w, uint64_t now)
{
	unsigned ncalls, nserving;
	char **calls = listing(m, w->domid, RPC_CALL_DIR, &ncalls);
	withdrawn(m, w, calls, ncalls);
	w->more = requests(m, w, calls, ncalls, now);
	free(calls);
	char **serving = listing(m, w->domid, RPC_SERVING_DIR, &nserving);
	servings(m, w, serving, nserving);
	free(serving);
}

/* The disposable made for C, once its agent is up (a disposable's
 * answers its services), or NULL; *GONE when it went first. */
static const struct lc_dom *dispvm_up(const struct mgr *m, const struct rpc_call *c, bool *gone)
{
	const struct lc_dom *d = lc_by_name(&m->lc, c->dispvm);
	*gone = !d || !d->for_call || d->state == DOM_STOPPED || dom_is_going(d->state);
	return !*gone && dom_is_up(d->state) && d->agent_ready ? d : NULL;
}

/* Calls waiting for a target being started, or a disposable being made:
 * served once it runs. */
static void started(struct mgr *m, uint64_t now)
{
	for (size_t i = 0; i < RPC_CALLS_MAX; i++) {
		struct rpc_call *c = &m->rpc.broker.calls[i];
		const struct lc_dom *t = NULL;
		bool gone = false;
		char why[RPC_WHY_MAX];
		if (c->used && c->state == RPC_CALL_STARTING)
			t = running(m, c->target);
		else if (c->used && c->state == RPC_CALL_NEW_DISPVM && c->dispvm[0])
			t = dispvm_up(m, c, &gone);
		if (gone) {
			snprintf(why, sizeof(why), "the disposable %s is gone before it served the "
				 "call", c->dispvm);
			cannot(m, c, why);
		}
		if (!t)
			continue;
		struct rpc_answer a;
		rpc_broker_started(&m->rpc.broker, c, t->cfg->name, t->domid, now, &a);
		carry_out(m, &a, now);
	}
}

/* A disposable made for a call lives while a call holds it: one whose call
 * is over (done, refused, its caller gone; or a previous manager's) is
 * destroyed, as a disposable is once its command ends. */
static void disposables_follow(struct mgr *m, uint64_t now)
{
	char msg[160];
	for (size_t i = 0; i < m->lc.n && !m->lc.stopping; i++) {
		const struct lc_dom *d = m->lc.m[i];
		/* One being created is destroyed once it runs (libxl builds it). */
		if (!d->for_call || !(dom_is_up(d->state) || d->state == DOM_BACKOFF) ||
		    rpc_broker_holds(&m->rpc.broker, d->cfg->name))
			continue;
		log_notice("domains", "disposable %s: its call is over; destroying it",
			   d->cfg->name);
		log_event("domains", "rpc-dispvm-over", "name=%s", d->cfg->name);
		if (lc_ctl(&m->lc, CTL_DOMAIN_KILL, d->cfg->name, CONTROL_NO_WAITER, now, msg,
			   sizeof(msg)) < 0)
			log_err("domains", "disposable %s: cannot destroy it: %s", d->cfg->name,
				msg);
	}
}

/* ---- dom0's own calls (`bulkhead ctl rpc') ---- */

int xs_rpc_call(void *ctx, const struct rpc_request *req, struct control_waiter waiter,
		char *msg, size_t msgcap)
{
	struct mgr *m = ctx;
	static struct rpc_party doms[DOMAINS_MAX];
	struct rpc_admin_slot *s = NULL;
	for (size_t i = 0; i < RPC_CALLS_PER_DOMAIN && !s; i++)
		if (!m->rpc.admin[i].used)
			s = &m->rpc.admin[i];
	if (!m->xs) {
		snprintf(msg, msgcap, "the domain manager has no xenstore connection");
		return -EIO;
	}
	if (!s || rpc_broker_room(&m->rpc.broker, RPC_ADMIN_SOURCE) == 0) {
		snprintf(msg, msgcap, "dom0 has %d calls under way already; one more when one of "
			 "them is over", RPC_CALLS_PER_DOMAIN);
		return -EBUSY;
	}
	uint64_t now = monotonic_ms();
	struct rpc_answer a;
	*s = (struct rpc_admin_slot){ .used = true, .id = ++m->rpc.next_admin, .waiter = waiter };
	rpc_broker_admin(&m->rpc.broker, s->id, req, doms, parties(m, doms), m->lc.default_dispvm,
			 now, &a);
	if (a.verdict == RPC_HELD) {	/* the broker's table is full */
		s->used = false;
		snprintf(msg, msgcap, "dom0 cannot make one more call now; try again");
		return -EBUSY;
	}
	log_notice("domains", "call %u of dom0 (%s%s%s to %s)", s->id, req->service,
		   req->arg[0] ? "+" : "", req->arg, req->target);
	log_event("domains", "rpc-call", "source=%s id=%u service=%s target=%s",
		  RPC_ADMIN_SOURCE, s->id, req->service, req->target);
	carry_out(m, &a, now);
	return 0;
}

/* dom0's calls whose connection went, or that were refused: over, their
 * target's key taken back (a disposable made for one is then destroyed). */
static void admin_follow(struct mgr *m)
{
	for (size_t i = 0; i < RPC_CALLS_PER_DOMAIN; i++) {
		struct rpc_admin_slot *s = &m->rpc.admin[i];
		const struct rpc_call *c = s->used ? rpc_broker_call(&m->rpc.broker,
								     RPC_ADMIN_SOURCE, s->id) : NULL;
		struct rpc_call ended;
		if (!s->used || (c && c->state != RPC_CALL_REFUSED &&
				 control_present(&m->ctl, s->waiter)))
			continue;
		s->used = false;
		if (!c || !rpc_broker_done(&m->rpc.broker, RPC_ADMIN_SOURCE, s->id, &ended))
			continue;
		unserve(m, &ended, ended.state);
		log_event("domains", "rpc-done", "source=%s id=%u", ended.source, ended.id);
	}
}

void xs_rpc_heard(struct mgr *m, const bool *dirty, uint64_t now)
{
	struct rpc_answer a;
	struct rpc_call *c;
	if (!m->xs)
		return;
	rpc_watches_follow(m);
	asks_follow(m);
	for (size_t i = 0; i < DOMAINS_MAX; i++) {
		struct rpc_watch *w = &m->rpc.w[i];
		if (w->name[0] && (dirty[i] || w->more))
			heard(m, w, now);
	}
	started(m, now);
	while ((c = rpc_broker_expired(&m->rpc.broker, now, &a)) != NULL) {
		unserve(m, c, a.was);
		refuse(m, c, a.why);
	}
	admin_follow(m);
	disposables_follow(m, now);
}

uint64_t xs_rpc_next(const struct mgr *m, uint64_t now)
{
	for (size_t i = 0; i < DOMAINS_MAX; i++)
		if (m->rpc.w[i].name[0] && m->rpc.w[i].more)
			return now;
	return rpc_broker_next_deadline(&m->rpc.broker);
}
