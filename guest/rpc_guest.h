/*
 * rpc_guest.h - the agent's calls between domains (docs/RPC.md, "Calls"):
 * guest/rpc_agent.h's decisions given xenstore (the requests, dom0's
 * answers and calls to serve), libxenvchan (the calls' channels), fork
 * (the services' programs, /etc/bulkhead/rpc/SERVICE) and the local socket
 * RPC_LOCAL_SOCKET where the domain's programs hand their calls over
 * (guest/rpc_local.h).
 *
 * The agent owns it: rpc_guest_new() once its xenstore is open (the
 * handle stays the agent's), rpc_guest_free() at its end.  The agent's
 * xenstore watch events go to rpc_guest_xs_event() first; its children to
 * rpc_guest_reaped(); its loop polls rpc_guest_fill()'s fds.  One thread.
 */
#ifndef BULKHEAD_RPC_GUEST_H
#define BULKHEAD_RPC_GUEST_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <xenstore.h>

#include "guest/rpc_agent.h"

/* Where the services' programs are: /etc/bulkhead/rpc/SERVICE. */
#define RPC_SERVICES_DIR "/etc/bulkhead/rpc"
/* The local socket's clients waiting at once for their call's end. */
#define RPC_GUEST_CLIENTS RPC_CALLS_PER_DOMAIN

struct rpc_guest;

/* For domain DOMID, on XS: watches dom0's keys, listens on SOCKET_PATH.
 * NULL with WHY. */
struct rpc_guest *rpc_guest_new(struct xs_handle *xs, unsigned domid, const char *socket_path,
				char *why, size_t cap);
void rpc_guest_free(struct rpc_guest *g);

/* A watch event of the agent's XS: whether it was ours (and dealt with). */
bool rpc_guest_xs_event(struct rpc_guest *g, const char *token, const char *path);
/* A child ended: whether it was a service's. */
bool rpc_guest_reaped(struct rpc_guest *g, pid_t pid, int status);

#define RPC_GUEST_FDS (1 + RPC_GUEST_CLIENTS + RPC_AGENT_FDS)
size_t rpc_guest_fill(struct rpc_guest *g, struct pollfd *pfd);
void rpc_guest_dispatch(struct rpc_guest *g, const struct pollfd *pfd, size_t n);

#endif
