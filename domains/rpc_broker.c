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

static void refuse(struct rpc_call *c, struct rpc_answer *out, const char *why)
{
	if (c)
		c->used = false;
	out->verdict = RPC_REFUSE;
	out->call = NULL;
	snprintf(out->why, sizeof(out->why), "%s", why);
}

/* The call goes to TARGET (a domain's name, or @dispvm:TEMPLATE): what
 * must happen first, if anything. */
static void go_to(struct rpc_call *c, const char *target, const struct rpc_party *doms, size_t n,
		  struct rpc_answer *out)
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
	str_copy(c->target, target, sizeof(c->target));
	out->call = c;
	if (!t) {
		c->state = RPC_CALL_NEW_DISPVM;
		out->verdict = RPC_NEW_DISPVM;
	} else if (t->running) {
		c->target_domid = t->domid;
		c->state = RPC_CALL_CONNECTING;
		out->verdict = RPC_CONNECT;
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
			const char *default_dispvm, struct rpc_answer *out)
{
	struct rpc_request req;
	struct pol_decision d;
	bool taken;
	char why[160];
	memset(out, 0, sizeof(*out));
	const char *bad = rpc_request_parse(untrusted, len, &req);
	if (bad) {
		refuse(NULL, out, bad);
		return;
	}
	if (calls_of(b, source->pol.name, id, &taken) >= RPC_CALLS_PER_DOMAIN) {
		snprintf(why, sizeof(why), "more than %d calls at once", RPC_CALLS_PER_DOMAIN);
		refuse(NULL, out, why);
		return;
	}
	if (taken) {
		refuse(NULL, out, "a call with this id is in progress");
		return;
	}
	struct rpc_call *c = new_call(b);
	if (!c) {
		refuse(NULL, out, "dom0 has no room for another call");
		return;
	}
	c->id = id;
	c->req = req;
	c->source_domid = source->domid;
	str_copy(c->source, source->pol.name, sizeof(c->source));

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
		go_to(c, d.target, doms, n, out);
	} else {
		ask(p, c, &d, source, doms, n, default_dispvm, out);
	}
}

void rpc_broker_started(struct rpc_broker *b, struct rpc_call *call, const char *name,
			uint32_t domid, struct rpc_answer *out)
{
	(void)b;
	memset(out, 0, sizeof(*out));
	str_copy(call->target, name, sizeof(call->target));
	call->target_domid = domid;
	call->state = RPC_CALL_CONNECTING;
	out->verdict = RPC_CONNECT;
	out->call = call;
}

void rpc_broker_answered(struct rpc_broker *b, struct rpc_call *call, const char *choice,
			 const struct rpc_party *doms, size_t n, const char *default_dispvm,
			 struct rpc_answer *out)
{
	char target[RPC_TARGET_MAX + 1];
	(void)b;
	memset(out, 0, sizeof(*out));
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
	go_to(call, target, doms, n, out);
}

bool rpc_broker_done(struct rpc_broker *b, const char *source, uint32_t id)
{
	for (size_t i = 0; i < RPC_CALLS_MAX; i++) {
		struct rpc_call *c = &b->calls[i];
		if (c->used && c->id == id && strcmp(c->source, source) == 0) {
			c->used = false;
			return true;
		}
	}
	return false;
}

size_t rpc_broker_gone(struct rpc_broker *b, const char *name, struct rpc_call *ended,
		       size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < RPC_CALLS_MAX; i++) {
		struct rpc_call *c = &b->calls[i];
		if (!c->used || (strcmp(c->source, name) != 0 && strcmp(c->target, name) != 0))
			continue;
		if (k < max)
			ended[k] = *c;
		k++;
		c->used = false;
	}
	return k;
}
