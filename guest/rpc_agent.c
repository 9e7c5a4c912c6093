#include "guest/rpc_agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLOTS (RPC_CALLS_PER_DOMAIN + RPC_SERVED_MAX)

struct call {
	bool used, serving;
	uint32_t id;
	uint32_t source_domid;		/* serving: whose call (ids are the caller's) */
	int fds[3];			/* the caller's, until connected */
	struct rpc_chan chan;
	bool has_chan;
	struct rpc_relay *relay;
	pid_t pid;			/* serving: the program, 0 once reaped */
};

struct rpc_agent {
	const struct rpc_agent_ops *ops;
	void *ctx;
	uint32_t next_id;
	struct call calls[SLOTS];
};

struct rpc_agent *rpc_agent_new(const struct rpc_agent_ops *ops, void *ctx)
{
	struct rpc_agent *a = calloc(1, sizeof(*a));
	if (a) {
		a->ops = ops;
		a->ctx = ctx;
	}
	return a;
}

static void close_fds(int fds[3])
{
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* C is over: everything it holds let go (a serving program not reaped yet
 * is left to rpc_agent_reaped, which finds no call then). */
static void end_call(struct rpc_agent *a, struct call *c)
{
	rpc_relay_free(c->relay);
	close_fds(c->fds);
	if (c->has_chan)
		a->ops->close_chan(a->ctx, &c->chan);
	if (!c->serving)
		a->ops->withdraw(a->ctx, c->id);
	else if (c->has_chan)
		a->ops->unserve(a->ctx, c->source_domid, c->id);
	memset(c, 0, sizeof(*c));
}

static void finish(struct rpc_agent *a, struct call *c, int status, const char *why)
{
	if (!c->serving)
		a->ops->finished(a->ctx, c->id, status, why);
	end_call(a, c);
}

/* C's relay moved on as far as it can now; C over when it is.  Called
 * whenever something C waits for may have come: its fds (the loop), its
 * channel connected, its program reaped (no fd says that). */
static void drive(struct rpc_agent *a, struct call *c)
{
	rpc_relay_dispatch(c->relay);
	switch (rpc_relay_state(c->relay)) {
	case RPC_RELAY_RUNNING:
		break;
	case RPC_RELAY_DONE:
		if (!c->serving || c->pid == 0)
			finish(a, c, rpc_relay_status(c->relay), NULL);
		break;
	case RPC_RELAY_BROKEN:
		finish(a, c, 0, rpc_relay_why(c->relay));
		break;
	}
}

void rpc_agent_free(struct rpc_agent *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < SLOTS; i++)
		if (a->calls[i].used)
			finish(a, &a->calls[i], 0, "the agent stops");
	free(a);
}

/* Our calls (SERVING false), or those served: all, or SOURCE_DOMID's
 * (ALL false). */
static size_t count(const struct rpc_agent *a, bool serving, bool all, uint32_t source_domid)
{
	size_t n = 0;
	for (size_t i = 0; i < SLOTS; i++) {
		const struct call *c = &a->calls[i];
		n += c->used && c->serving == serving && (all || c->source_domid == source_domid);
	}
	return n;
}

/* A free slot within the budgets: RPC_CALLS_PER_DOMAIN of our own;
 * RPC_SERVED_MAX served, RPC_CALLS_PER_DOMAIN of them for one caller (a
 * caller that holds its calls open fills its own share, not the others'). */
static struct call *slot(struct rpc_agent *a, bool serving, uint32_t source_domid)
{
	if (serving ? count(a, true, true, 0) >= RPC_SERVED_MAX ||
			      count(a, true, false, source_domid) >= RPC_CALLS_PER_DOMAIN
		    : count(a, false, true, 0) >= RPC_CALLS_PER_DOMAIN)
		return NULL;
	for (size_t i = 0; i < SLOTS; i++)
		if (!a->calls[i].used) {
			struct call *c = &a->calls[i];
			memset(c, 0, sizeof(*c));
			c->used = true;
			c->serving = serving;
			c->fds[0] = c->fds[1] = c->fds[2] = -1;
			return c;
		}
	return NULL;
}

/* Call ID: one of ours (SERVING false), or one served for SOURCE_DOMID. */
static struct call *find(struct rpc_agent *a, uint32_t id, bool serving, uint32_t source_domid)
{
	for (size_t i = 0; i < SLOTS; i++) {
		struct call *c = &a->calls[i];
		if (c->used && c->serving == serving && c->id == id &&
		    (!serving || c->source_domid == source_domid))
			return c;
	}
	return NULL;
}

long rpc_agent_call(struct rpc_agent *a, const char *line, int fds[3], char *why, size_t whylen)
{
	struct rpc_request r;
	const char *bad = rpc_request_parse(line, strlen(line), &r);
	struct call *c = bad ? NULL : slot(a, false, 0);
	if (bad || !c) {
		snprintf(why, whylen, "%s", bad ? bad : "too many calls at once");
		close_fds(fds);
		return -1;
	}
	c->id = a->next_id++;
	memcpy(c->fds, fds, sizeof(c->fds));
	int rc = a->ops->request(a->ctx, c->id, line);
	if (rc < 0) {
		snprintf(why, whylen, "cannot ask dom0: %s", strerror(-rc));
		close_fds(c->fds);
		memset(c, 0, sizeof(*c));
		return -1;
	}
	return (long)c->id;
}

void rpc_agent_answer(struct rpc_agent *a, uint32_t id, const char *untrusted, size_t len)
{
	struct rpc_answer_msg m;
	struct call *c = find(a, id, false, 0);
	if (!c)
		return;	/* not ours */
	const char *bad = rpc_answer_parse(untrusted, len, &m);
	if (c->relay && (bad || m.connect))
		return;	/* answered already: dom0's word once */
	if (bad) {
		finish(a, c, 0, bad);
		return;
	}
	if (!m.connect) {
		finish(a, c, 0, m.why);
		return;
	}
	int rc = a->ops->connect(a->ctx, m.domid, id, &c->chan);
	if (rc < 0) {
		finish(a, c, 0, "cannot connect to the target");
		return;
	}
	c->has_chan = true;
	c->relay = rpc_relay_caller(c->chan, c->fds[0], c->fds[1], c->fds[2]);
	if (!c->relay) {
		finish(a, c, 0, "out of memory");
		return;
	}
	c->fds[0] = c->fds[1] = c->fds[2] = -1;	/* the relay's now */
	/* What the service wrote before we connected is in the ring already,
	 * its event gone with no one bound to hear it: read it now. */
	drive(a, c);
}

void rpc_agent_serve(struct rpc_agent *a, uint32_t source_domid, uint32_t id,
		     const char *untrusted, size_t len)
{
	struct rpc_serve_msg m;
	int fds[3];
	if (rpc_serve_parse(untrusted, len, &m) || find(a, id, true, source_domid))
		return;
	struct call *c = slot(a, true, source_domid);
	if (!c)
		return;	/* dom0's deadline refuses it to its caller */
	c->id = id;
	c->source_domid = source_domid;
	if (a->ops->serve(a->ctx, source_domid, id, &c->chan) < 0) {
		memset(c, 0, sizeof(*c));
		return;
	}
	c->has_chan = true;
	c->pid = a->ops->spawn(a->ctx, &m, fds);
	if (c->pid < 0) {
		/* The caller hears of it as a status, as a shell says it. */
		int p[2][2];
		if (pipe(p[0]) == 0 && pipe(p[1]) == 0) {
			close(p[0][1]);
			close(p[1][1]);
			c->relay = rpc_relay_service(c->chan, open("/dev/null", O_WRONLY), p[0][0],
						     p[1][0]);
			if (c->relay)
				rpc_relay_exited(c->relay, 127);
		}
		c->pid = 0;
		if (!c->relay)
			end_call(a, c);
		return;
	}
	c->relay = rpc_relay_service(c->chan, fds[0], fds[1], fds[2]);
	if (!c->relay)
		end_call(a, c);
}

void rpc_agent_unserve(struct rpc_agent *a, uint32_t source_domid, uint32_t id)
{
	struct call *c = find(a, id, true, source_domid);
	if (c)
		end_call(a, c);	/* its program, if it runs on, reads EOF */
}

bool rpc_agent_reaped(struct rpc_agent *a, pid_t pid, int status)
{
	for (size_t i = 0; i < SLOTS; i++) {
		struct call *c = &a->calls[i];
		if (!c->used || !c->serving || c->pid != pid)
			continue;
		c->pid = 0;
		rpc_relay_exited(c->relay, WIFEXITED(status) ? WEXITSTATUS(status)
							     : 128 + WTERMSIG(status));
		drive(a, c);	/* its EXIT may go now: no fd will say so */
		return true;
	}
	return false;
}

size_t rpc_agent_fill(struct rpc_agent *a, struct pollfd *pfd)
{
	size_t n = 0;
	for (size_t i = 0; i < SLOTS; i++)
		if (a->calls[i].used && a->calls[i].relay)
			n += rpc_relay_fill(a->calls[i].relay, pfd + n);
	return n;
}

void rpc_agent_dispatch(struct rpc_agent *a)
{
	for (size_t i = 0; i < SLOTS; i++)
		if (a->calls[i].used && a->calls[i].relay)
			drive(a, &a->calls[i]);
}
