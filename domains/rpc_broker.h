/*
 * rpc_broker.h - dom0's side of calls between domains (docs/RPC.md,
 * "Calls"): a domain's request decided by the policy, the call kept until
 * its caller says it is over or a party goes, and the budgets that keep one
 * domain's calls from costing another anything.
 *
 * Pure: no xenstore, no libxl, no clock.  The domain manager reads a
 * request's bytes from the caller's xenstore directory and hands them here
 * as they are (rpc_broker_request() parses them: proto/rpcproto.h), then
 * carries out what the answer says: refuse (write why), connect (tell the
 * target what to serve and the caller where to connect), start the target
 * first, make a new disposable first, or ask the user.
 *
 * Budgets: at most RPC_CALLS_PER_DOMAIN calls of one caller at a time (a
 * caller that floods requests is refused beyond them, and only it); a
 * caller's call ids are its own (a second request with an id in use is
 * refused).  Lifetimes: calls live in the broker's own table; a pointer in
 * an answer is valid until the next call into the broker.  One thread.
 */
#ifndef BULKHEAD_RPC_BROKER_H
#define BULKHEAD_RPC_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/rpc_policy.h"
#include "lib/limits.h"
#include "proto/rpcproto.h"

#define RPC_CALLS_MAX (DOMAINS_MAX * RPC_CALLS_PER_DOMAIN)

/* A domain as the manager knows it. */
struct rpc_party {
	struct pol_domain pol;	/* name, label, class, template of a disposable */
	uint32_t domid;		/* valid when running */
	bool running;
};

enum rpc_call_state {
	RPC_CALL_CONNECTING,	/* the target told what to serve, the caller where */
	RPC_CALL_STARTING,	/* the target is being started */
	RPC_CALL_ASKING,	/* the user is being asked */
	RPC_CALL_NEW_DISPVM,	/* a new disposable is being made for it */
};

struct rpc_call {
	bool used;
	uint32_t id;			/* the caller's */
	char source[DOMAIN_NAME_MAX + 1];
	uint32_t source_domid;
	char target[RPC_TARGET_MAX + 1];	/* a domain's name, or @dispvm:TEMPLATE */
	uint32_t target_domid;
	struct rpc_request req;
	enum rpc_call_state state;
};

struct rpc_broker {
	struct rpc_call calls[RPC_CALLS_MAX];
};

enum rpc_verdict {
	RPC_REFUSE,		/* why says why: write it to the caller */
	RPC_CONNECT,		/* call->target_domid serves call for its source */
	RPC_START,		/* start call->target, then rpc_broker_started() */
	RPC_NEW_DISPVM,		/* make a disposable of call->target's template */
	RPC_ASK,		/* ask the user: the choices, default first */
};

struct rpc_answer {
	enum rpc_verdict verdict;
	char why[160];
	struct rpc_call *call;
	const char *choices[DOMAINS_MAX + 1];
	size_t nchoices;
};

void rpc_broker_init(struct rpc_broker *b);

/*
 * SOURCE (running) asks, under its call ID, for the call in UNTRUSTED (LEN
 * bytes).  DOMS (N) are every domain there is (SOURCE among them);
 * DEFAULT_DISPVM the template of @dispvm ("": none).
 */
void rpc_broker_request(struct rpc_broker *b, const struct rpc_policy *p,
			const struct rpc_party *source, uint32_t id, const char *untrusted,
			size_t len, const struct rpc_party *doms, size_t n,
			const char *default_dispvm, struct rpc_answer *out);

/* The target of CALL runs now, as DOMID (after RPC_START or RPC_NEW_DISPVM;
 * a new disposable's name is NAME): RPC_CONNECT. */
void rpc_broker_started(struct rpc_broker *b, struct rpc_call *call, const char *name,
			uint32_t domid, struct rpc_answer *out);

/* The user answered an ask with CHOICE (one of the answer's), or NULL
 * (no, or no answer in time). */
void rpc_broker_answered(struct rpc_broker *b, struct rpc_call *call, const char *choice,
			 const struct rpc_party *doms, size_t n, const char *default_dispvm,
			 struct rpc_answer *out);

/* SOURCE's call ID is over (its request key is gone): forgotten.  False if
 * there was none. */
bool rpc_broker_done(struct rpc_broker *b, const char *source, uint32_t id);

/* Domain NAME is gone: every call it is a party of is over.  They are
 * copied into ENDED (at most MAX; how many there were is returned), for the
 * manager to clear their keys, and forgotten. */
size_t rpc_broker_gone(struct rpc_broker *b, const char *name, struct rpc_call *ended,
		       size_t max);

#endif
