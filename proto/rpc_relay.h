/*
 * rpc_relay.h - one end of a call between domains (docs/RPC.md, "Calls"):
 * local file descriptors on one side, the call's channel to the other
 * domain on the other, the frames of proto/rpcproto.h between them.
 *
 *   the caller   its stdin goes as STDIN frames; STDOUT and STDERR frames
 *                go to its stdout and stderr; EXIT ends the call with the
 *                service's status
 *   the service  STDIN frames go to the program's stdin; its stdout and
 *                stderr go as STDOUT and STDERR frames; when both have
 *                ended and the program has (rpc_relay_exited), EXIT; its
 *                end is DONE once the caller, having read that, closed the
 *                channel (a vchan's ring goes with its server: closing it
 *                first would lose what the caller has not read yet)
 *
 * Every frame from the other end is checked (rpc_frame_check) before its
 * bytes are used; a wrong one ends the call.  Nothing waits: the local fds
 * are made non-blocking, and what a side cannot take yet waits in the
 * relay (at most one frame each way), the other side then not being read:
 * a slow reader slows only its own call.
 *
 * The channel is any byte stream behind struct rpc_chan (a vchan between
 * domains; a socket in tests).  The relay owns the local fds it is given
 * (closed at rpc_relay_free()), not the channel.  One thread; the owner
 * polls rpc_relay_fill()'s fds and calls rpc_relay_dispatch().
 */
#ifndef BULKHEAD_RPC_RELAY_H
#define BULKHEAD_RPC_RELAY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/rpcproto.h"

/* A byte stream to the other domain: read and write what they can now
 * (0 .. N; -1 with errno: EAGAIN none now, another: broken; read's 0 is
 * its end); the fd to poll, and what for when the relay would read and,
 * or, write (a vchan's event fd says both with POLLIN); WOKEN (may be
 * NULL) before each dispatch (a vchan's event consumed, so that the next
 * wakes the poll again). */
struct rpc_chan {
	ssize_t (*read)(void *ctx, void *buf, size_t n);
	ssize_t (*write)(void *ctx, const void *buf, size_t n);
	int (*fd)(void *ctx);
	short (*events)(void *ctx, bool reading, bool writing);
	void (*woken)(void *ctx);
	void *ctx;
};

/* The channel as a plain fd (a socket: tests, and any stream fd). */
struct rpc_chan rpc_chan_fd(int *fd);
/* The channel as a libxenvchan (proto/rpc_vchan.c), its own to close. */
struct libxenvchan;
struct rpc_chan rpc_chan_vchan(struct libxenvchan *vc);

enum rpc_relay_state { RPC_RELAY_RUNNING, RPC_RELAY_DONE, RPC_RELAY_BROKEN };

struct rpc_relay;

/* The caller's end: IN, OUT, ERR its stdin, stdout, stderr. */
struct rpc_relay *rpc_relay_caller(struct rpc_chan chan, int in, int out, int err);
/* The service's end: TO_STDIN, FROM_STDOUT, FROM_STDERR the program's pipes. */
struct rpc_relay *rpc_relay_service(struct rpc_chan chan, int to_stdin, int from_stdout,
				    int from_stderr);
void rpc_relay_free(struct rpc_relay *r);

/* The service's program ended with STATUS (0..255): EXIT goes once its
 * output has. */
void rpc_relay_exited(struct rpc_relay *r, int status);

/* The fds to poll now into PFD (room for RPC_RELAY_FDS): how many. */
#define RPC_RELAY_FDS 4
size_t rpc_relay_fill(struct rpc_relay *r, struct pollfd *pfd);
/* Some of them are ready (or not: it tries what it can). */
void rpc_relay_dispatch(struct rpc_relay *r);

enum rpc_relay_state rpc_relay_state(const struct rpc_relay *r);
/* DONE: the service's status (the caller's end); BROKEN: why. */
int rpc_relay_status(const struct rpc_relay *r);
const char *rpc_relay_why(const struct rpc_relay *r);

#endif
