/* Two agents in one process, as two domains (guest/rpc_agent.h): the test
 * is dom0 between them (it reads the caller's request and answers), their
 * channel a socketpair, the service a real program. */
#include "tests/unit/test_helpers.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "guest/rpc_agent.h"

static int chan[2] = { -1, -1 };
static char requested[RPC_REQUEST_MAX + 1];
static uint32_t requested_id, withdrawn, unserved;
static int done_status = -1;
static char done_why[RPC_WHY_MAX + 1];
static bool done;
static const char *script = "cat";

static int o_request(void *ctx, uint32_t id, const char *line)
{
	(void)ctx;
	requested_id = id;
	snprintf(requested, sizeof(requested), "%s", line);
	return 0;
}

static void o_withdraw(void *ctx, uint32_t id)
{
	(void)ctx;
	withdrawn = id + 1;
}

static int o_connect(void *ctx, uint32_t domid, uint32_t id, struct rpc_chan *out)
{
	(void)ctx, (void)id;
	assert_int_equal(domid, 2);
	*out = rpc_chan_fd(&chan[0]);
	return 0;
}

static int o_serve(void *ctx, uint32_t source_domid, uint32_t id, struct rpc_chan *out)
{
	(void)ctx, (void)id;
	assert_int_equal(source_domid, 1);
	*out = rpc_chan_fd(&chan[1]);
	return 0;
}

static void o_close(void *ctx, struct rpc_chan *c)
{
	(void)ctx;
	int *fd = c->ctx;
	close(*fd);
	*fd = -1;
}

static void o_unserve(void *ctx, uint32_t source_domid, uint32_t id)
{
	(void)ctx;
	assert_int_equal(source_domid, 1);
	unserved = id + 1;
}

static pid_t o_spawn(void *ctx, const struct rpc_serve_msg *m, int fds[3])
{
	int in[2], out[2], err[2];
	(void)ctx;
	assert_string_equal(m->source, "alpha");
	assert_string_equal(m->service, "test.Upper");
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -errno;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	fds[0] = in[1];
	fds[1] = out[0];
	fds[2] = err[0];
	return pid;
}

static void o_finished(void *ctx, uint32_t id, int status, const char *why)
{
	(void)ctx, (void)id;
	done = true;
	done_status = status;
	snprintf(done_why, sizeof(done_why), "%s", why ? why : "");
}

static const struct rpc_agent_ops ops = { o_request, o_withdraw, o_connect, o_serve, o_close,
					  o_unserve, o_spawn, o_finished };

static bool any_revents(const struct pollfd *pfd, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pfd[i].revents)
			return true;
	return false;
}

/* Both agents until the caller's call is over.  As lib/loop does it: an
 * agent is dispatched only when an fd of its own says something (a reaped
 * program, which no fd announces, must drive its call itself). */
static void run(struct rpc_agent *caller, struct rpc_agent *target, int out_r, char *out,
		size_t *nout)
{
	for (int i = 0; i < 20000 && !done; i++) {
		struct pollfd pfd[2 * RPC_AGENT_FDS + 1];
		size_t nc = rpc_agent_fill(caller, pfd);
		size_t nt = rpc_agent_fill(target, pfd + nc);
		pfd[nc + nt] = (struct pollfd){ .fd = out_r, .events = POLLIN };
		if (poll(pfd, nc + nt + 1, 50) > 0) {
			if (any_revents(pfd + nc, nt))
				rpc_agent_dispatch(target);
			if (any_revents(pfd, nc))
				rpc_agent_dispatch(caller);
		}
		ssize_t k;
		while ((k = read(out_r, out + *nout, 255 - *nout)) > 0)
			*nout += (size_t)k;
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			rpc_agent_reaped(target, pid, status);
	}
}

static void a_call_between_two_agents(void **state)
{
	int in[2], out[2], err[2];
	char why[128], text[256] = "";
	size_t nout = 0;
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, chan), 0);
	assert_int_equal(pipe2(in, O_CLOEXEC) | pipe2(out, O_CLOEXEC) | pipe2(err, O_CLOEXEC), 0);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	struct rpc_agent *alpha = rpc_agent_new(&ops, NULL), *beta = rpc_agent_new(&ops, NULL);
	script = "tr a-z A-Z; exit 5";
	int fds[3] = { in[0], out[1], err[1] };
	long id = rpc_agent_call(alpha, "beta test.Upper", fds, why, sizeof(why));
	assert_true(id >= 0);
	assert_string_equal(requested, "beta test.Upper");
	/* dom0 allows it: beta serves alpha (domid 1), alpha connects to beta (2). */
	rpc_agent_serve(beta, 1, requested_id, "alpha test.Upper", 16);
	rpc_agent_answer(alpha, requested_id, "connect 2", 9);
	assert_int_equal(write(in[1], "quiet\n", 6), 6);
	close(in[1]);
	done = false;
	run(alpha, beta, out[0], text, &nout);
	assert_true(done);
	assert_string_equal(done_why, "");
	assert_int_equal(done_status, 5);
	assert_string_equal(text, "QUIET\n");
	assert_int_equal(withdrawn, requested_id + 1);
	/* The service's end goes once the caller, having read EXIT, closed its
	 * end of the channel (a vchan's ring goes with its server). */
	assert_int_equal(unserved, 0);
	for (int i = 0; i < 100 && unserved == 0; i++) {
		struct pollfd pfd[RPC_AGENT_FDS];
		if (poll(pfd, rpc_agent_fill(beta, pfd), 50) > 0)
			rpc_agent_dispatch(beta);
	}
	assert_int_equal(unserved, requested_id + 1);
	int pair[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair), 0);
	chan[0] = pair[0];
	chan[1] = pair[1];
	/* A call whose target goes while it runs: dom0's later deny ends it. */
	int in2[2];
	assert_int_equal(pipe2(in2, O_CLOEXEC), 0);
	int fds1[3] = { in2[0], dup(out[1]), dup(err[1]) };
	script = "cat";
	id = rpc_agent_call(alpha, "beta test.Upper", fds1, why, sizeof(why));
	rpc_agent_serve(beta, 1, (uint32_t)id, "alpha test.Upper", 16);
	rpc_agent_answer(alpha, (uint32_t)id, "connect 2", 9);
	done = false;
	rpc_agent_answer(alpha, (uint32_t)id, "connect 3", 9);	/* once */
	assert_false(done);
	rpc_agent_answer(alpha, (uint32_t)id, "deny beta is gone", 17);
	assert_true(done);
	assert_string_equal(done_why, "beta is gone");
	close(in2[1]);
	/* dom0 takes the call back from beta (its caller went): over there. */
	unserved = 0;
	rpc_agent_unserve(beta, 1, (uint32_t)id + 1);	/* not one it serves */
	assert_int_equal(unserved, 0);
	rpc_agent_unserve(beta, 1, (uint32_t)id);
	assert_int_equal(unserved, (uint32_t)id + 1);
	/* A refusal reaches the program as dom0 said it. */
	int fds2[3] = { dup(0), dup(1), dup(2) };
	id = rpc_agent_call(alpha, "beta test.Upper", fds2, why, sizeof(why));
	done = false;
	rpc_agent_answer(alpha, (uint32_t)id, "deny denied by the policy (p:3)", 31);
	assert_true(done);
	assert_string_equal(done_why, "denied by the policy (p:3)");
	/* A malformed request never leaves the agent. */
	int fds3[3] = { dup(0), dup(1), dup(2) };
	requested[0] = '\0';
	assert_int_equal(rpc_agent_call(alpha, "beta test/Upper", fds3, why, sizeof(why)), -1);
	assert_string_equal(requested, "");
	rpc_agent_free(alpha);
	rpc_agent_free(beta);
	close(out[0]);
	close(err[0]);
}

/* The served calls' budgets, with channels that go nowhere and services
 * that cannot start (each call then holds its slot until its end). */
static int store[RPC_SERVED_MAX + 8];
static size_t served;

static int b_serve(void *ctx, uint32_t source_domid, uint32_t id, struct rpc_chan *out)
{
	int p[2];
	(void)ctx, (void)source_domid, (void)id;
	assert_true(served < sizeof(store) / sizeof(store[0]));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, p), 0);
	close(p[1]);
	store[served] = p[0];
	*out = rpc_chan_fd(&store[served++]);
	return 0;
}

static void b_unserve(void *ctx, uint32_t source_domid, uint32_t id)
{
	(void)ctx, (void)source_domid, (void)id;
}

static pid_t b_spawn(void *ctx, const struct rpc_serve_msg *m, int fds[3])
{
	(void)ctx, (void)m, (void)fds;
	return -ENOENT;
}

static void served_budgets(void **state)
{
	static const struct rpc_agent_ops bops = { o_request, o_withdraw, o_connect, b_serve,
						   o_close, b_unserve, b_spawn, o_finished };
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	struct rpc_agent *t = rpc_agent_new(&bops, NULL);
	/* One caller: its share, then nothing more of it. */
	for (uint32_t id = 0; id < RPC_CALLS_PER_DOMAIN + 3; id++)
		rpc_agent_serve(t, 1, id, "alpha s", 7);
	assert_int_equal(served, RPC_CALLS_PER_DOMAIN);
	/* The same call twice is one. */
	rpc_agent_serve(t, 3, 0, "gamma s", 7);
	rpc_agent_serve(t, 3, 0, "gamma s", 7);
	assert_int_equal(served, RPC_CALLS_PER_DOMAIN + 1);
	/* Others have theirs, up to the total. */
	for (uint32_t dom = 4; served < RPC_SERVED_MAX; dom++)
		for (uint32_t id = 0; id < RPC_CALLS_PER_DOMAIN && served < RPC_SERVED_MAX; id++)
			rpc_agent_serve(t, dom, id, "delta s", 7);
	rpc_agent_serve(t, 99, 0, "omega s", 7);
	assert_int_equal(served, RPC_SERVED_MAX);
	/* dom0 takes one back: room for another. */
	rpc_agent_unserve(t, 1, 0);
	rpc_agent_serve(t, 99, 0, "omega s", 7);
	assert_int_equal(served, RPC_SERVED_MAX + 1);
	rpc_agent_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_call_between_two_agents),
		cmocka_unit_test(served_budgets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
