#include "domains/rpc_broker.h"

#include <stdio.h>
#include <string.h>

#include "lib/util.h"

void rpc_broker_init(struct rpc_broker *b)
{
	memset(b, 0, sizeof(*b));
}

static const struct rpc_party *party(const struct rpc_party *doms, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(doms[i].pol.name, name) == 0)
			return &doms[i];
	return NULL;
}

static bool is_dom0(const char *name)
{
	return strcmp(name, "dom0") == 0 || strcmp(name, "@adminvm") == 0;
}

/* How many calls SOURCE has, and whether ID is one of them. */
static size_t calls_of(const struct rpc_broker *b, const char *source, uint32_t id, bool *taken)
{
	size_t k = 0;
	*taken = false;
	for (size_t i = 0; i < RPC_CALLS_MAX; i++) {
		const struct rpc_call *c = &b->calls[i];
		if (!c->used || strcmp(c->source, source) != 0)
			continue;
		k++;
		*taken = *taken || c->id == id;
	}
	return k;
}

/* The calls of SOURCE that hold, or wait for, a new disposable. */
static size_t dispvms_of(const struct rpc_broker *b, const char *source)
{
	size_t k = 0;
	for (size_t i = 0; i < RPC_CALLS_MAX; i++) {
		const struct rpc_call *c = &b->calls[i];
		k += c->used && c->state != RPC_CALL_REFUSED && strcmp(c->source, source) == 0 &&
		     (c->state == RPC_CALL_NEW_DISPVM || c->dispvm[0]);
	}
	return k;
}

bool rpc_broker_holds(const struct rpc_broker *b, const char *name)
{
	for (size_t i = 0; i < RPC_CALLS_MAX; i++) {
		const struct rpc_call *c = &b->calls[i];
		if (c->used && c->state != RPC_CALL_REFUSED && strcmp(c->dispvm, name) == 0)
			return true;
	}
	return false;
}

void rpc_broker_disposable(struct rpc_call *call, const char *name)
{
	str_copy(call->dispvm, name, sizeof(call->dispvm));
}

size_t rpc_broker_room(const struct rpc_broker *b, const char *source)
{
	bool taken;
	size_t k = calls_of(b, source, 0, &taken);
	return k < RPC_CALLS_PER_DOMAIN ? RPC_CALLS_PER_DOMAIN - k : 0;
}

static struct rpc_call *new_call(struct rpc_broker *b)
{
	for (size_t i = 0; i < RPC_CALLS_MAX; i++)
		if (!b->calls[i].used) {
			memset(&b->calls[i], 0, sizeof(b->calls[i]));
			b->calls[i].used = true;
			return &b->calls[i];
		}
	return NULL;
}

/* Refused: the call is kept as answered until its caller withdraws it. */
static void refuse(struct rpc_call *c, struct rpc_answer *out, const char *why)
{
	out->was = c->state;
	c->state = RPC_CALL_REFUSED;
	out->verdict = RPC_REFUSE;
	out->call = c;
	snprintf(out->why, sizeof(out->why), "%s", why);
}

/* The call goes to TARGET (a domain's name, or @dispvm:TEMPLATE): what
 * must happen first, if anything. */
static void go_to(const struct rpc_broker *b, struct rpc_call *c, const char *target,
		  const struct rpc_party *doms, size_t n, struct rpc_answer *out)
{
	const struct rpc_party *t = party(doms, n, target);
	char why[160];
	if (is_dom0(target)) {
		refuse(c, out, "no service runs in dom0");
		return;
	}
	if (strncmp(target, "@dispvm:", 8) != 0 && !t) {
		snprintf(why, sizeof(why), "no domain is called %s", target);
		refuse(c, out, why);
		return;
	}
	if (t && strcmp(t->pol.name, c->source) == 0) {
		refuse(c, out, "a domain does not call itself");
		return;
	}
	const struct rpc_party *s = party(doms, n, c->source);
	if (!t && s && s->for_call) {
		refuse(c, out, "a disposable made for a call does not get another");
		return;
	}
	/* Counted until gone, not until the call is over: a caller that
	 * withdraws a call at once does not get another build meanwhile. */
	size_t held = dispvms_of(b, c->source);
	if (s && s->dispvms > held)
		held = s->dispvms;
	if (!t && held >= RPC_DISPVMS_PER_DOMAIN) {
		snprintf(why, sizeof(why), "%s has %d disposables for its calls already; one "
			 "more when one of those calls is over", c->source, RPC_DISPVMS_PER_DOMAIN);
		refuse(c, out, why);
		return;
	}
	str_copy(c->target, target, sizeof(c->target));
	out->call = c;
	if (!t) {
		c->state = RPC_CALL_NEW_DISPVM;
		out->verdict = RPC_NEW_DISPVM;
	} else if (t->running) {
		c->target_domid = t->domid;
		c->state = RPC_CALL_SERVING;
		out->verdict = RPC_SERVE;
	} else {
		c->state = RPC_CALL_STARTING;
		out->verdict = RPC_START;
	}
}

/* The choices of an ask: D's only target, or all the policy would allow
 * or ask for; the one to offer first in front. */
static void ask(const struct rpc_policy *p, struct rpc_call *c, const struct pol_decision *d,
		const struct rpc_party *source, const struct rpc_party *doms, size_t n,
		const char *default_dispvm, struct rpc_answer *out)
{
	static struct pol_domain pols[DOMAINS_MAX];
	size_t np = 0;
	for (size_t i = 0; i < n && np < DOMAINS_MAX; i++)
		pols[np++] = doms[i].pol;
	c->state = RPC_CALL_ASKING;
	out->verdict = RPC_ASK;
	out->call = c;
	out->nchoices = 0;
	if (d->target[0]) {
		const struct rpc_party *t = party(doms, n, d->target);
		out->choices[out->nchoices++] = t ? t->pol.name : "@dispvm";
	} else {
		out->nchoices = rpc_policy_ask_targets(p, c->req.service, c->req.arg, &source->pol,
						       pols, np, default_dispvm, out->choices,
						       DOMAINS_MAX);
	}
	for (size_t i = 1; d->default_target[0] && i < out->nchoices; i++)
		if (strcmp(out->choices[i], d->default_target) == 0) {
			const char *t = out->choices[0];
			out->choices[0] = out->choices[i];
			out->choices[i] = t;
		}
	if (out->nchoices == 0)
		refuse(c, out, "the policy asks, but allows no domain to be chosen");
}

void rpc_broker_request(struct rpc_broker *b, const struct rpc_policy *p,
			const struct rpc_party *source, uint32_t id, const char *untrusted,
			size_t len, const struct rpc_party *doms, size_t n,
			const char *default_dispvm, uint64_t now, struct rpc_answer *out)
{
	struct rpc_request req;
	struct pol_decision d;
	bool taken;
	char why[160];
	memset(out, 0, sizeof(*out));
	struct rpc_call *c = NULL;
	if (calls_of(b, source->pol.name, id, &taken) >= RPC_CALLS_PER_DOMAIN || taken ||
	    !(c = new_call(b))) {
		out->verdict = RPC_HELD;
		return;
	}
	c->id = id;
	c->since = now;
	c->source_domid = source->domid;
	str_copy(c->source, source->pol.name, sizeof(c->source));
	const char *bad = rpc_request_parse(untrusted, len, &req);
	if (bad) {
		refuse(c, out, bad);
		return;
	}
	c->req = req;

	static struct pol_domain pols[DOMAINS_MAX];
	size_t np = 0;
	for (size_t i = 0; i < n && np < DOMAINS_MAX; i++)
		pols[np++] = doms[i].pol;
	rpc_policy_eval(p, req.service, req.arg, &source->pol, req.target, pols, np,
			default_dispvm, &d);
	if (d.action == POL_DENY) {
		if (d.matched)
			snprintf(why, sizeof(why), "denied by the policy (%s:%d)",
				 d.rule->file ? d.rule->file : "?", d.rule->line);
		else
			snprintf(why, sizeof(why), "no rule of the policy allows %s from %s to %s",
				 req.service, source->pol.name, req.target);
		refuse(c, out, why);
	} else if (d.action == POL_ALLOW) {
		go_to(b, c, d.target, doms, n, out);
	} else {
		ask(p, c, &d, source, doms, n, default_dispvm, out);
	}
}

void rpc_broker_admin(struct rpc_broker *b, uint32_t id, const struct rpc_request *req,
		      const struct rpc_party *doms, size_t n, const char *default_dispvm,
		      uint64_t now, struct rpc_answer *out)
{
	char target[RPC_TARGET_MAX + 1];
	bool taken;
	memset(out, 0, sizeof(*out));
	struct rpc_call *c = NULL;
	if (calls_of(b, RPC_ADMIN_SOURCE, id, &taken) >= RPC_CALLS_PER_DOMAIN || taken ||
	    !(c = new_call(b))) {
		out->verdict = RPC_HELD;
		return;
	}
	c->id = id;
	c->since = now;
	c->source_domid = 0;
	str_copy(c->source, RPC_ADMIN_SOURCE, sizeof(c->source));
	c->req = *req;
	str_copy(target, req->target, sizeof(target));
	if (strcmp(target, "@default") == 0) {
		refuse(c, out, "dom0 names the domain it calls (a name, @dispvm or "
		       "@dispvm:TEMPLATE): no policy chooses one for it");
		return;
	}
	if (strcmp(target, "@dispvm") == 0) {
		if (!default_dispvm[0]) {
			refuse(c, out, "no default disposable template (storage.cfg's "
			       "default_dispvm): name one, @dispvm:TEMPLATE");
			return;
		}
		snprintf(target, sizeof(target), "@dispvm:%s", default_dispvm);
	}
	go_to(b, c, target, doms, n, out);
}

void rpc_broker_started(struct rpc_broker *b, struct rpc_call *call, const char *name,
			uint32_t domid, uint64_t now, struct rpc_answer *out)
{
	(void)b;
	memset(out, 0, sizeof(*out));
	str_copy(call->target, name, sizeof(call->target));
	call->target_domid = domid;
	call->state = RPC_CALL_SERVING;
	call->since = now;
	out->verdict = RPC_SERVE;
	out->call = call;
}

void rpc_broker_answered(struct rpc_broker *b, struct rpc_call *call, const char *choice,
			 const struct rpc_party *doms, size_t n, const char *default_dispvm,
			 uint64_t now, struct rpc_answer *out)
{
	char target[RPC_TARGET_MAX + 1];
	memset(out, 0, sizeof(*out));
	call->since = now;
	if (!choice) {
		refuse(call, out, "the user said no");
		return;
	}
	if (strcmp(choice, "@dispvm") == 0) {
		if (!default_dispvm[0]) {
			refuse(call, out, "no default disposable template (storage.cfg's default_dispvm)");
			return;
		}
		snprintf(target, sizeof(target), "@dispvm:%s", default_dispvm);
	} else {
		str_copy(target, choice, sizeof(target));
	}
	go_to(b, call, target, doms, n, out);
}

void rpc_broker_refused(struct rpc_broker *b, struct rpc_call *call, const char *why,
			struct rpc_answer *out)
{
	(void)b;
	memset(out, 0, sizeof(*out));
	refuse(call, out, why);
}

struct rpc_call *rpc_broker_call(struct rpc_broker *b, const char *source, uint32_t id)
{
	for (size_t i = 0; i < RPC_CALLS_MAX; i++) {
		struct rpc_call *c = &b->calls[i];
		if (c->used && c->id == id && strcmp(c->source, source) == 0)
			return c;
	}
	return NULL;
}

struct rpc_call *rpc_broker_connected(struct rpc_broker *b, const char *target,
				      const char *service, const char *arg)
{
	for (size_t i = 0; i < RPC_CALLS_MAX; i++) {
		struct rpc_call *c = &b->calls[i];
		if (c->used && c->state == RPC_CALL_CONNECTED && strcmp(c->target, target) == 0 &&
		    strcmp(c->req.service, service) == 0 && strcmp(c->req.arg, arg) == 0)
			return c;
	}
	return NULL;
}

bool rpc_broker_known(const struct rpc_broker *b, const char *source, uint32_t id)
{
	return rpc_broker_call((struct rpc_broker *)b, source, id) != NULL;
}

struct rpc_call *rpc_broker_serving(struct rpc_broker *b, const char *target,
				    uint32_t source_domid, uint32_t id)
{
	for (size_t i = 0; i < RPC_CALLS_MAX; i++) {
		struct rpc_call *c = &b->calls[i];
		if (c->used && c->state == RPC_CALL_SERVING && c->id == id &&
		    c->source_domid == source_domid && strcmp(c->target, target) == 0) {
			c->state = RPC_CALL_CONNECTED;
			return c;
		}
	}
	return NULL;
}

/* When C, which waits, is refused: a new disposable has the time the
 * lifecycle gives its agent; the rest, RPC_SERVE_TIMEOUT_MS. */
static uint64_t deadline(const struct rpc_call *c)
{
	return c->since + (c->state == RPC_CALL_NEW_DISPVM ? RPC_DISPVM_TIMEOUT_MS :
			   RPC_SERVE_TIMEOUT_MS);
}

/* Waits with a deadline: a target being started, or told to serve; the
 * user asked. */
static bool waits(const struct rpc_call *c)
{
	return c->used && (c->state == RPC_CALL_SERVING || c->state == RPC_CALL_STARTING ||
			   c->state == RPC_CALL_ASKING || c->state == RPC_CALL_NEW_DISPVM);
}

struct rpc_call *rpc_broker_expired(struct rpc_broker *b, uint64_t now, struct rpc_answer *out)
{
	char why[RPC_WHY_MAX];
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < RPC_CALLS_MAX; i++) {
		struct rpc_call *c = &b->calls[i];
		if (!waits(c) || now < deadline(c))
			continue;
		if (c->state == RPC_CALL_ASKING)
			snprintf(why, sizeof(why), "the user did not answer in %d s",
				 RPC_SERVE_TIMEOUT_MS / 1000);
		else if (c->state == RPC_CALL_NEW_DISPVM)
			snprintf(why, sizeof(why), "the disposable %s (%s) did not start in %d s",
				 c->dispvm, c->target, RPC_DISPVM_TIMEOUT_MS / 1000);
		else
			snprintf(why, sizeof(why), "%s did not %s in %d s", c->target,
				 c->state == RPC_CALL_STARTING ? "start" : "serve the call",
				 RPC_SERVE_TIMEOUT_MS / 1000);
		refuse(c, out, why);
		return c;
	}
	return NULL;
}

uint64_t rpc_broker_next_deadline(const struct rpc_broker *b)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < RPC_CALLS_MAX; i++)
		if (waits(&b->calls[i]) && deadline(&b->calls[i]) < next)
			next = deadline(&b->calls[i]);
	return next;
}

bool rpc_broker_done(struct rpc_broker *b, const char *source, uint32_t id,
		     struct rpc_call *ended)
{
	struct rpc_call *c = rpc_broker_call(b, source, id);
	if (!c)
		return false;
	*ended = *c;
	c->used = false;
	return true;
}

size_t rpc_broker_gone(struct rpc_broker *b, const char *name, struct rpc_call *ended,
		       size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < RPC_CALLS_MAX; i++) {
		struct rpc_call *c = &b->calls[i];
		bool source = c->used && strcmp(c->source, name) == 0;
		bool target = c->used && !source && c->state != RPC_CALL_REFUSED &&
			      (strcmp(c->target, name) == 0 || strcmp(c->dispvm, name) == 0);
		if (!source && !target)
			continue;
		if (k < max)
			ended[k] = *c;
		k++;
		if (source) {
			c->used = false;
		} else {
			struct rpc_answer ignored;
			char why[RPC_WHY_MAX];
			snprintf(why, sizeof(why), "%s is gone", name);
			refuse(c, &ignored, why);
		}
	}
	return k;
}
