/*
 * rpc_call.h - the roles of a domain's programs that call another domain
 * (guest/rpc_call.c): `rpc-call', `copy-to' and `copy'.
 */
#ifndef BULKHEAD_RPC_CALL_H
#define BULKHEAD_RPC_CALL_H

#include <stddef.h>

int rpc_call_main(int argc, char **argv);
int copy_to_main(int argc, char **argv);
int copy_main(int argc, char **argv);

/* For the roles that make a call of their own (guest/open_in_dvm.c): */
/* "TARGET SERVICE" into OUT (CAP >= RPC_REQUEST_MAX + 2), checked as dom0
 * will; -1 (PROG's message on stderr) when it is no call. */
int rpc_call_line(const char *prog, const char *target, const char *service, char *out,
		  size_t cap);
/* The call LINE handed to the agent with FDS (stdin, stdout, stderr; the
 * caller closes its copies after): the connection to wait on, or -1 (PROG's
 * message on stderr). */
int rpc_call_begin(const char *prog, const char *line, const int fds[3]);
/* Waits on FD (closed) for the call's end: the service's status, or
 * RPC_LOCAL_REFUSED (why on stderr). */
int rpc_call_end(const char *prog, int fd, const char *line);

#endif
