/*
 * rpc_local.h - a program's call handed to its domain's agent (docs/RPC.md,
 * "Calls"): `bulkhead rpc-call' and `bulkhead copy-to' connect to the
 * agent's socket RPC_LOCAL_SOCKET and send one message, the request line
 * "TARGET SERVICE[+ARG]" with their stdin, stdout and stderr (SCM_RIGHTS,
 * three fds); the agent answers once, when the call is over, with one
 * line:
 *
 *   "exit N"        the service ran and ended with status N (0..255)
 *   "refused WHY"   dom0 refused the call, or it broke (WHY printable)
 *
 * Both ends are in the same domain; the agent parses the request all the
 * same (rpc_agent_call), as any program of the domain may connect.
 */
#ifndef BULKHEAD_RPC_LOCAL_H
#define BULKHEAD_RPC_LOCAL_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/rpcproto.h"

#define RPC_LOCAL_SOCKET "/run/bulkhead-rpc.sock"
#define RPC_LOCAL_REPLY_MAX (16 + RPC_WHY_MAX)
/* What `rpc-call' exits with when the service did not run. */
#define RPC_LOCAL_REFUSED 126

/* The request LINE with FDS (stdin, stdout, stderr) on FD.  0 or -errno. */
int rpc_local_send(int fd, const char *line, const int fds[3]);
/* One request from FD (non-blocking): its line into LINE (CAP bytes,
 * NUL-ended) and its three fds (theirs to close).  0; -EAGAIN: none yet;
 * another -errno: a message that is not one (any fds it brought closed). */
int rpc_local_recv(int fd, char *line, size_t cap, int fds[3]);

/* The reply into OUT (RPC_LOCAL_REPLY_MAX bytes): WHY NULL for "exit". */
void rpc_local_reply_format(int status, const char *why, char *out);
/* A reply (LEN bytes): its status (WHY "") or why (status -1).  False
 * when it is neither. */
bool rpc_local_reply_parse(const char *s, size_t len, int *status, char *why, size_t cap);

#endif
