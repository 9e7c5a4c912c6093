/*
 * rpc_vchan.c - a call's channel between two domains as a libxenvchan
 * (proto/rpc_relay.h's struct rpc_chan): the target serves it for the
 * caller's domid, the caller connects; dom0 copies none of its bytes.
 */
#include "proto/rpc_relay.h"

#include <errno.h>
#include <libxenvchan.h>
#include <poll.h>

static ssize_t vc_read(void *ctx, void *buf, size_t n)
{
	struct libxenvchan *vc = ctx;
	int ready = libxenvchan_data_ready(vc);
	if (ready <= 0) {
		if (!libxenvchan_is_open(vc))
			return 0;
		errno = EAGAIN;
		return -1;
	}
	int got = libxenvchan_read(vc, buf, (size_t)ready < n ? (size_t)ready : n);
	if (got < 0)
		errno = EPIPE;
	return got;
}

static ssize_t vc_write(void *ctx, const void *buf, size_t n)
{
	struct libxenvchan *vc = ctx;
	if (!libxenvchan_is_open(vc)) {
		errno = EPIPE;
		return -1;
	}
	int room = libxenvchan_buffer_space(vc);
	if (room <= 0) {
		errno = EAGAIN;
		return -1;
	}
	int put = libxenvchan_write(vc, buf, (size_t)room < n ? (size_t)room : n);
	if (put < 0)
		errno = EPIPE;
	return put;
}

static int vc_fd(void *ctx)
{
	return libxenvchan_fd_for_select(ctx);
}

/* The event fd says "the other side wrote or read" as POLLIN, either way. */
static short vc_events(void *ctx, bool reading, bool writing)
{
	(void)ctx;
	return reading || writing ? POLLIN : 0;
}

/* libxenvchan_wait() consumes the event, and would block without one. */
static void vc_woken(void *ctx)
{
	struct pollfd pfd = { .fd = libxenvchan_fd_for_select(ctx), .events = POLLIN };
	if (poll(&pfd, 1, 0) == 1)
		libxenvchan_wait(ctx);
}

struct rpc_chan rpc_chan_vchan(struct libxenvchan *vc)
{
	return (struct rpc_chan){ vc_read, vc_write, vc_fd, vc_events, vc_woken, vc };
}
