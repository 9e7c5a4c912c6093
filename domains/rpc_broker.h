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
 * Budgets: at most RPC_CALLS_PER_DOMAIN calls of one caller at a time,
 * RPC_DISPVMS_PER_DOMAIN of them to a new disposable (and none from a
 * disposable made for a call: no chain of them takes every disposable),
 * refused ones counted until their caller withdraws them (so that dom0
 * answers each request once, and a caller that floods requests gets no more
 * answers, and costs dom0 no more writes, until it withdraws some); a
 * caller's call ids are its own.  Time: the caller's NOW, in ms, for the
 * deadline of a target that was told to serve (RPC_SERVE_TIMEOUT_MS).
 * Lifetimes: calls live in the broker's own table; a pointer to one is valid
 * until it is over (rpc_broker_done, rpc_broker_gone).  One thread.
 */
#ifndef BULKHEAD_RPC_BROKER_H
#define BULKHEAD_RPC_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/rpc_policy.h"
#include "lib/limits.h"
#include "proto/rpcproto.h"

/* Every domain's budget, and dom0's. */
#define RPC_CALLS_MAX ((DOMAINS_MAX + 1) * RPC_CALLS_PER_DOMAIN)
/* The source of dom0's own calls (`bulkhead ctl rpc'), its domid 0. */
#define RPC_ADMIN_SOURCE "dom0"


/* A domain as the manager knows it. */
struct rpc_party {
	struct pol_domain pol;	/* name, label, class, template of a disposable */
	uint32_t domid;		/* valid when running */
	bool running;
	bool for_call;		/* a disposable made for a call (lc_call_disposable) */
	unsigned dispvms;	/* the disposables made for its calls that are not gone */
};

enum rpc_call_state {
	RPC_CALL_REFUSED,	/* the caller told why; kept until it withdraws */
	RPC_CALL_SERVING,	/* the target told what to serve; the caller waits */
	RPC_CALL_CONNECTED,	/* the target serves; the caller told where */
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
	/* The disposable made for it (rpc_broker_disposable), destroyed once
	 * the call is over; "": none. */
	char dispvm[DOMAIN_NAME_MAX + 1];
	struct rpc_request req;
	enum rpc_call_state state;
	uint64_t since;			/* when it came to STATE */
};

struct rpc_broker {
	struct rpc_call calls[RPC_CALLS_MAX];
};

enum rpc_verdict {
	RPC_HELD,		/* not answered: the caller has its budget's worth */
	RPC_REFUSE,		/* why says why: write it to the caller */
	RPC_SERVE,		/* tell call->target_domid to serve call */
	RPC_START,		/* start call->target, then rpc_broker_started() */
	RPC_NEW_DISPVM,		/* make a disposable of call->target's template */
	RPC_ASK,		/* ask the user: the choices, default first */
};

struct rpc_answer {
	enum rpc_verdict verdict;
	enum rpc_call_state was;	/* REFUSE: the call's state before */
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
			const char *default_dispvm, uint64_t now, struct rpc_answer *out);

/*
 * dom0's own call ID (`bulkhead ctl rpc': the administrator's, so no
 * policy) of REQ, already parsed: to the domain it names, a new disposable
 * of @dispvm:TEMPLATE or of DEFAULT_DISPVM for @dispvm; never @default
 * (no policy names one) nor dom0.  Source RPC_ADMIN_SOURCE, domid 0, with
 * a caller's budget (HELD: dom0 has RPC_CALLS_PER_DOMAIN calls already,
 * or ID is one of them).  Refused ones are kept until rpc_broker_done(),
 * as a domain's are.
 */
void rpc_broker_admin(struct rpc_broker *b, uint32_t id, const struct rpc_request *req,
		      const struct rpc_party *doms, size_t n, const char *default_dispvm,
		      uint64_t now, struct rpc_answer *out);

/* The target of CALL runs now, as DOMID (after RPC_START or RPC_NEW_DISPVM;
 * a new disposable's name is NAME): RPC_SERVE. */
void rpc_broker_started(struct rpc_broker *b, struct rpc_call *call, const char *name,
			uint32_t domid, uint64_t now, struct rpc_answer *out);

/* CALL (RPC_NEW_DISPVM) goes to the new disposable NAME, which boots (or
 * is a preloaded one let run): rpc_broker_started() once its agent is up;
 * rpc_broker_gone(NAME) if it goes first. */
void rpc_broker_disposable(struct rpc_call *call, const char *name);

/* Whether a call that is not over (nor refused) holds the disposable NAME:
 * one that none holds is to be destroyed. */
bool rpc_broker_holds(const struct rpc_broker *b, const char *name);

/* The user answered an ask with CHOICE (one of the answer's), or NULL
 * (no, or no answer in time). */
void rpc_broker_answered(struct rpc_broker *b, struct rpc_call *call, const char *choice,
			 const struct rpc_party *doms, size_t n, const char *default_dispvm,
			 uint64_t now, struct rpc_answer *out);

/* CALL refused for WHY (what the broker asked for cannot be done). */
void rpc_broker_refused(struct rpc_broker *b, struct rpc_call *call, const char *why,
			struct rpc_answer *out);

/* How many more calls SOURCE may have answered now (0: none until it
 * withdraws some; its requests are then not even read). */
size_t rpc_broker_room(const struct rpc_broker *b, const char *source);

/* The call connected to TARGET's SERVICE with ARG ("": none), or NULL;
 * the first, if there are more (bulkhead.USB's service takes one caller at
 * a time and refuses the others itself). */
struct rpc_call *rpc_broker_connected(struct rpc_broker *b, const char *target,
				      const char *service, const char *arg);

/* SOURCE's call ID (refused ones too: dom0 has answered it), or NULL. */
struct rpc_call *rpc_broker_call(struct rpc_broker *b, const char *source, uint32_t id);
bool rpc_broker_known(const struct rpc_broker *b, const char *source, uint32_t id);

/* TARGET says it serves the call ID of the domain SOURCE_DOMID: the call,
 * now CONNECTED (tell its caller to connect to target_domid), or NULL: no
 * such call waits for TARGET (the word is dropped). */
struct rpc_call *rpc_broker_serving(struct rpc_broker *b, const char *target,
				    uint32_t source_domid, uint32_t id);

/* A call whose target was told to serve (or being started or made, or the
 * user asked) RPC_SERVE_TIMEOUT_MS ago or more and has not said it does (or
 * answered): refused (OUT says why; clear the target's key),
 * or NULL: none.  Call until NULL.  When the next one will be: the return of
 * rpc_broker_next_deadline() (UINT64_MAX: none). */
struct rpc_call *rpc_broker_expired(struct rpc_broker *b, uint64_t now, struct rpc_answer *out);
uint64_t rpc_broker_next_deadline(const struct rpc_broker *b);

/* SOURCE's call ID is over (its request key is gone): copied into ENDED
 * (for the manager to clear its keys) and forgotten.  False if there was
 * none. */
bool rpc_broker_done(struct rpc_broker *b, const char *source, uint32_t id,
		     struct rpc_call *ended);

/* Domain NAME is gone: every call it is a party of is over.  They are
 * copied into ENDED (at most MAX; how many there were is returned), for the
 * manager to clear their keys and tell their callers.  Its own calls are
 * forgotten; those it was the target of (or the disposable made for) become
 * REFUSED ("NAME is gone"),
 * known until their callers withdraw them. */
size_t rpc_broker_gone(struct rpc_broker *b, const char *name, struct rpc_call *ended,
		       size_t max);

#endif
