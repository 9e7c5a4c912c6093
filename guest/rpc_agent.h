/*
 * rpc_agent.h - what a domain's agent does for calls between domains
 * (docs/RPC.md, "Calls"), its effects injected: the agent gives them
 * xenstore, vchans and fork (guest/agent.c), the tests socketpairs.
 *
 * As the caller's domain: a local program's call (`bulkhead rpc-call`,
 * its stdin, stdout and stderr handed over) becomes a request to dom0;
 * dom0's answer refuses it (the program is told why) or names the target
 * to connect to; the call's frames then go through a relay until the
 * service's EXIT, whose status the program exits with.
 *
 * As the target's domain: dom0 says whom to serve; the service's program
 * runs with pipes, and a relay carries its streams and its status on the
 * channel served for the caller's domain.
 *
 * Calls at once: RPC_CALLS_PER_DOMAIN of its own programs' (one more is
 * refused here); RPC_SERVED_MAX served, at most RPC_CALLS_PER_DOMAIN of
 * them for one caller (dom0's deadline refuses one more to its caller).
 * Ownership: the agent owns its calls and their relays; chans are the
 * ops' (closed by close_chan).  One thread.
 */
#ifndef BULKHEAD_RPC_AGENT_H
#define BULKHEAD_RPC_AGENT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/rpc_relay.h"
#include "proto/rpcproto.h"

struct rpc_agent_ops {
	/* The request of call ID to dom0 (LINE: "TARGET SERVICE[+ARG]"), and
	 * its withdrawal once the call is over.  0 or -errno. */
	int (*request)(void *ctx, uint32_t id, const char *line);
	void (*withdraw)(void *ctx, uint32_t id);
	/* The channel of call ID to the target domain DOMID, and the one
	 * served for call ID of the caller SOURCE_DOMID.  0 or -errno. */
	int (*connect)(void *ctx, uint32_t domid, uint32_t id, struct rpc_chan *out);
	int (*serve)(void *ctx, uint32_t source_domid, uint32_t id, struct rpc_chan *out);
	void (*close_chan)(void *ctx, struct rpc_chan *chan);
	/* The call served is over (its channel closed): what serve() said of
	 * it may go. */
	void (*unserve)(void *ctx, uint32_t source_domid, uint32_t id);
	/* The service's program for caller SOURCE, with pipes: FDS[0] its
	 * stdin's write end, FDS[1] and FDS[2] its stdout's and stderr's read
	 * ends.  Its pid, or -errno. */
	pid_t (*spawn)(void *ctx, const struct rpc_serve_msg *m, int fds[3]);
	/* Call ID of a local program is over: STATUS (0..255), or WHY when it
	 * never ran or broke. */
	void (*finished)(void *ctx, uint32_t id, int status, const char *why);
};

struct rpc_agent;

struct rpc_agent *rpc_agent_new(const struct rpc_agent_ops *ops, void *ctx);
void rpc_agent_free(struct rpc_agent *a);

/* A local program's call: LINE as it asked, FDS its stdin, stdout, stderr
 * (taken).  Its id, or -1 with WHY (the fds closed). */
long rpc_agent_call(struct rpc_agent *a, const char *line, int fds[3], char *why, size_t whylen);
/* dom0's answer (LEN bytes) to call ID: once, but a deny later ends the
 * call (its target went). */
void rpc_agent_answer(struct rpc_agent *a, uint32_t id, const char *untrusted, size_t len);
/* dom0 asks to serve call ID of SOURCE_DOMID (LEN bytes of "SOURCE SERVICE[+ARG]"). */
void rpc_agent_serve(struct rpc_agent *a, uint32_t source_domid, uint32_t id,
		     const char *untrusted, size_t len);
/* dom0 took back the call ID of SOURCE_DOMID it had asked to serve (its
 * caller went): its streams closed, the call over. */
void rpc_agent_unserve(struct rpc_agent *a, uint32_t source_domid, uint32_t id);
/* A child ended: whether it was a service's. */
bool rpc_agent_reaped(struct rpc_agent *a, pid_t pid, int status);

#define RPC_AGENT_FDS ((RPC_CALLS_PER_DOMAIN + RPC_SERVED_MAX) * RPC_RELAY_FDS)
size_t rpc_agent_fill(struct rpc_agent *a, struct pollfd *pfd);
void rpc_agent_dispatch(struct rpc_agent *a);

#endif
