/*
 * rpc_relay.c - one end of a call: local fds to frames and back
 * (proto/rpc_relay.h).  The owner ignores SIGPIPE: a local reader that
 * went makes its stream's writes fail with EPIPE, and the rest of the
 * stream is dropped.
 */
#include "proto/rpc_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct source {
	int fd;			/* -1: ended */
	int flags;		/* its file status flags as it came (let_go) */
	enum rpc_frame_type type;
};

struct sink {
	int fd;			/* -1: its stream ended, or its reader went */
	int flags;
	size_t off, len;	/* of the frame's payload not yet written */
};

struct rpc_relay {
	struct rpc_chan chan;
	enum rpc_end end;
	struct source src[2];
	size_t nsrc;
	struct sink snk[RPC_EXIT];	/* by frame type - 1 */
	struct rpc_seq seq;
	bool exited, exit_sent;
	int status;
	enum rpc_relay_state state;
	char why[128];
	/* The frame going out, and how much of it went. */
	size_t out_len, out_off;
	uint8_t out[RPC_FRAME_HEADER + RPC_FRAME_MAX];
	/* The frame coming in: its header once whole, its payload as it comes. */
	size_t in_have;
	bool in_hdr;
	struct rpc_frame cur;
	uint8_t in[RPC_FRAME_HEADER + RPC_FRAME_MAX];
};

static ssize_t fd_read(void *ctx, void *buf, size_t n)
{
	return read(*(int *)ctx, buf, n);
}

static ssize_t fd_write(void *ctx, const void *buf, size_t n)
{
	return write(*(int *)ctx, buf, n);
}

static int fd_fd(void *ctx)
{
	return *(int *)ctx;
}

static short fd_events(void *ctx, bool reading, bool writing)
{
	(void)ctx;
	return (short)((reading ? POLLIN : 0) | (writing ? POLLOUT : 0));
}

struct rpc_chan rpc_chan_fd(int *fd)
{
	return (struct rpc_chan){ fd_read, fd_write, fd_fd, fd_events, NULL, fd };
}

/* FD made non-blocking: its flags as they were. */
static int nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return fl;
}

/* FD closed, its flags first put back: the open file may be a terminal's
 * that a shell reads after us (a non-blocking one ends bash). */
static void let_go(int *fd, int flags)
{
	if (flags >= 0)
		fcntl(*fd, F_SETFL, flags);
	close(*fd);
	*fd = -1;
}

static struct rpc_relay *relay_new(struct rpc_chan chan, enum rpc_end end)
{
	struct rpc_relay *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->chan = chan;
	r->end = end;
	rpc_seq_init(&r->seq, end);
	for (int i = 0; i < RPC_EXIT; i++)
		r->snk[i].fd = -1;
	return r;
}

static void add_source(struct rpc_relay *r, int fd, enum rpc_frame_type type)
{
	int fl = nonblock(fd);
	r->src[r->nsrc++] = (struct source){ fd, fl, type };
}

static void set_sink(struct rpc_relay *r, int fd, enum rpc_frame_type type)
{
	r->snk[type - 1].flags = nonblock(fd);
	r->snk[type - 1].fd = fd;
}

struct rpc_relay *rpc_relay_caller(struct rpc_chan chan, int in, int out, int err)
{
	struct rpc_relay *r = relay_new(chan, RPC_CALLER);
	if (!r)
		return NULL;
	add_source(r, in, RPC_STDIN);
	set_sink(r, out, RPC_STDOUT);
	set_sink(r, err, RPC_STDERR);
	return r;
}

struct rpc_relay *rpc_relay_service(struct rpc_chan chan, int to_stdin, int from_stdout,
				    int from_stderr)
{
	struct rpc_relay *r = relay_new(chan, RPC_SERVICE);
	if (!r)
		return NULL;
	add_source(r, from_stdout, RPC_STDOUT);
	add_source(r, from_stderr, RPC_STDERR);
	set_sink(r, to_stdin, RPC_STDIN);
	return r;
}

void rpc_relay_free(struct rpc_relay *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nsrc; i++)
		if (r->src[i].fd >= 0)
			let_go(&r->src[i].fd, r->src[i].flags);
	for (int i = 0; i < RPC_EXIT; i++)
		if (r->snk[i].fd >= 0)
			let_go(&r->snk[i].fd, r->snk[i].flags);
	free(r);
}

void rpc_relay_exited(struct rpc_relay *r, int status)
{
	r->exited = true;
	r->status = status;
}

static void broken(struct rpc_relay *r, const char *why)
{
	if (r->state != RPC_RELAY_RUNNING)
		return;
	r->state = RPC_RELAY_BROKEN;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

/* --- out: local bytes to frames ------------------------------------------ */

static void frame_out(struct rpc_relay *r, enum rpc_frame_type type, size_t len)
{
	rpc_frame_encode(type, (uint32_t)len, r->out);
	r->out_len = RPC_FRAME_HEADER + len;
	r->out_off = 0;
}

/* The next frame to send, if one is ready: false when none is. */
static bool next_frame(struct rpc_relay *r)
{
	bool open = false;
	for (size_t i = 0; i < r->nsrc; i++) {
		struct source *s = &r->src[i];
		if (s->fd < 0)
			continue;
		ssize_t n = read(s->fd, r->out + RPC_FRAME_HEADER, RPC_FRAME_MAX);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			open = true;
			continue;
		}
		if (n <= 0) {	/* its end (or an error: the same to the other side) */
			let_go(&s->fd, s->flags);
			n = 0;
		}
		frame_out(r, s->type, (size_t)n);
		return true;
	}
	if (!open && r->end == RPC_SERVICE && r->exited && !r->exit_sent) {
		uint8_t *p = r->out + RPC_FRAME_HEADER;
		uint32_t st = (uint32_t)r->status;
		for (int i = 0; i < 4; i++)
			p[i] = (uint8_t)(st >> (8 * i));
		frame_out(r, RPC_EXIT, 4);
		r->exit_sent = true;
		return true;
	}
	return false;
}

/* Sends what it can: true when it made progress. */
static bool pump_out(struct rpc_relay *r)
{
	bool moved = false;
	for (;;) {
		if (r->out_off == r->out_len && !next_frame(r))
			break;
		ssize_t n = r->chan.write(r->chan.ctx, r->out + r->out_off, r->out_len - r->out_off);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			broken(r, "the channel to the other domain broke");
			break;
		}
		r->out_off += (size_t)n;
		moved = true;
	}
	return moved;
}

/* --- in: frames to local fds ---------------------------------------------- */

/* Writes what a sink takes of the frame in hand: true when all of it went. */
static bool flush_sink(struct rpc_relay *r)
{
	struct sink *k = &r->snk[r->cur.type - 1];
	while (k->off < k->len) {
		if (k->fd < 0)
			return true;	/* its reader went: the rest is dropped */
		ssize_t n = write(k->fd, r->in + RPC_FRAME_HEADER + k->off, k->len - k->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return false;
		if (n <= 0) {
			let_go(&k->fd, k->flags);
			return true;
		}
		k->off += (size_t)n;
	}
	return true;
}

/* A whole frame came: checked, then used. */
static void take_frame(struct rpc_relay *r)
{
	const char *why = rpc_frame_check(&r->seq, &r->cur, r->in + RPC_FRAME_HEADER);
	if (why) {
		broken(r, why);
		return;
	}
	if (r->cur.type == RPC_EXIT) {
		r->status = (int)r->seq.status;
		r->state = RPC_RELAY_DONE;
		return;
	}
	struct sink *k = &r->snk[r->cur.type - 1];
	if (r->cur.len == 0 && k->fd >= 0)
		let_go(&k->fd, k->flags);
	k->off = 0;
	k->len = r->cur.len;
}

/* Reads what it can: true when it made progress. */
static bool pump_in(struct rpc_relay *r)
{
	bool moved = false;
	while (r->state == RPC_RELAY_RUNNING) {
		/* The frame in hand must be written out before the next is read. */
		if (r->in_hdr && r->in_have == RPC_FRAME_HEADER + r->cur.len) {
			if (!flush_sink(r))
				break;
			r->in_hdr = false;
			r->in_have = 0;
			moved = true;
			continue;
		}
		size_t want = r->in_hdr ? RPC_FRAME_HEADER + r->cur.len : RPC_FRAME_HEADER;
		ssize_t n = r->chan.read(r->chan.ctx, r->in + r->in_have, want - r->in_have);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n == 0 && r->exit_sent && r->out_off == r->out_len) {
			/* The service's end is done once its EXIT went whole and the
			 * caller, having read it, closed the channel: a vchan's ring
			 * goes with its server, unread bytes with it. */
			r->state = RPC_RELAY_DONE;
			break;
		}
		if (n <= 0) {
			broken(r, "the other domain ended the call before its end");
			break;
		}
		r->in_have += (size_t)n;
		moved = true;
		if (!r->in_hdr && r->in_have == RPC_FRAME_HEADER) {
			const char *why = rpc_frame_decode(r->in, &r->cur);
			if (why) {
				broken(r, why);
				break;
			}
			r->in_hdr = true;
		}
		if (r->in_hdr && r->in_have == RPC_FRAME_HEADER + r->cur.len)
			take_frame(r);
	}
	return moved;
}

size_t rpc_relay_fill(struct rpc_relay *r, struct pollfd *pfd)
{
	size_t n = 0;
	if (r->state != RPC_RELAY_RUNNING)
		return 0;
	bool sending = r->out_off < r->out_len;
	bool writing = r->in_hdr && r->in_have == RPC_FRAME_HEADER + r->cur.len;
	pfd[n++] = (struct pollfd){ .fd = r->chan.fd(r->chan.ctx),
				    .events = r->chan.events(r->chan.ctx, !writing, sending) };
	for (size_t i = 0; !sending && i < r->nsrc; i++)
		if (r->src[i].fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = r->src[i].fd, .events = POLLIN };
	if (writing && r->snk[r->cur.type - 1].fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = r->snk[r->cur.type - 1].fd, .events = POLLOUT };
	return n;
}

void rpc_relay_dispatch(struct rpc_relay *r)
{
	bool moved = true;
	if (r->chan.woken)
		r->chan.woken(r->chan.ctx);
	while (moved && r->state == RPC_RELAY_RUNNING) {
		moved = pump_out(r);
		moved = pump_in(r) || moved;
	}
}

enum rpc_relay_state rpc_relay_state(const struct rpc_relay *r)
{
	return r->state;
}

int rpc_relay_status(const struct rpc_relay *r)
{
	return r->status;
}

const char *rpc_relay_why(const struct rpc_relay *r)
{
	return r->why;
}
