/* One call's two ends over a socketpair (proto/rpc_relay.h): a real
 * program as the service, its output and status at the caller's; a large
 * stream through both; a wrong frame from the other end ends the call. */
#include "tests/unit/test_helpers.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "proto/rpc_relay.h"
#include "lib/bytes.h"

struct call {
	int chan[2];
	struct rpc_relay *caller, *service;
	int in_w, out_r, err_r;		/* the caller's side of its pipes */
	int out_dup;			/* the caller's stdout, as its shell keeps it */
	pid_t pid;
	char out[1 << 21], err[256];
	size_t nout, nerr;
};

static void start(struct call *c, const char *script)
{
	int in[2], out[2], err[2], sin[2], sout[2], serr[2];
	memset(c, 0, sizeof(*c));
	/* Close-on-exec: the program holds only its own ends. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, c->chan),
			 0);
	assert_int_equal(pipe2(in, O_CLOEXEC) | pipe2(out, O_CLOEXEC) | pipe2(err, O_CLOEXEC) |
				 pipe2(sin, O_CLOEXEC) | pipe2(sout, O_CLOEXEC) | pipe2(serr, O_CLOEXEC),
			 0);
	c->pid = fork();
	if (c->pid == 0) {
		dup2(sin[0], 0);
		dup2(sout[1], 1);
		dup2(serr[1], 2);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(sin[0]);
	close(sout[1]);
	close(serr[1]);
	c->out_dup = dup(out[1]);
	c->caller = rpc_relay_caller(rpc_chan_fd(&c->chan[0]), in[0], out[1], err[1]);
	c->service = rpc_relay_service(rpc_chan_fd(&c->chan[1]), sin[1], sout[0], serr[0]);
	c->in_w = in[1];
	c->out_r = out[0];
	c->err_r = err[0];
	fcntl(c->out_r, F_SETFL, O_NONBLOCK);
	fcntl(c->err_r, F_SETFL, O_NONBLOCK);
}

/* Drives both ends until the caller's is done or broken. */
static void run(struct call *c)
{
	for (int turns = 0; turns < 100000 && rpc_relay_state(c->caller) == RPC_RELAY_RUNNING;
	     turns++) {
		struct pollfd pfd[2 * RPC_RELAY_FDS + 2];
		size_t n = rpc_relay_fill(c->caller, pfd);
		n += rpc_relay_fill(c->service, pfd + n);
		pfd[n++] = (struct pollfd){ .fd = c->out_r, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = c->err_r, .events = POLLIN };
		poll(pfd, n, 100);
		rpc_relay_dispatch(c->service);
		rpc_relay_dispatch(c->caller);
		ssize_t k;
		while ((k = read(c->out_r, c->out + c->nout, sizeof(c->out) - c->nout)) > 0)
			c->nout += (size_t)k;
		while ((k = read(c->err_r, c->err + c->nerr, sizeof(c->err) - c->nerr)) > 0)
			c->nerr += (size_t)k;
		int status;
		if (c->pid > 0 && waitpid(c->pid, &status, WNOHANG) == c->pid) {
			rpc_relay_exited(c->service, WEXITSTATUS(status));
			c->pid = 0;
		}
	}
}

static void finish(struct call *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	rpc_relay_free(c->caller);
	rpc_relay_free(c->service);
	close(c->chan[0]);
	close(c->chan[1]);
	close(c->out_r);
	close(c->err_r);
	close(c->out_dup);
	if (c->in_w >= 0)
		close(c->in_w);
}

static void a_call_carries_its_streams_and_status(void **state)
{
	static struct call c;
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	start(&c, "tr a-z A-Z; echo oops >&2; exit 3");
	/* Non-blocking while the relay has it; as it was once let go (a
	 * terminal left non-blocking would end the shell that reads it). */
	assert_true(fcntl(c.out_dup, F_GETFL) & O_NONBLOCK);
	assert_int_equal(write(c.in_w, "hello\n", 6), 6);
	close(c.in_w);
	c.in_w = -1;
	run(&c);
	assert_int_equal(rpc_relay_state(c.caller), RPC_RELAY_DONE);
	assert_int_equal(rpc_relay_status(c.caller), 3);
	c.out[c.nout] = c.err[c.nerr] = '\0';
	assert_string_equal(c.out, "HELLO\n");
	assert_string_equal(c.err, "oops\n");
	assert_false(fcntl(c.out_dup, F_GETFL) & O_NONBLOCK);
	finish(&c);
}

/* A megabyte each way: frames of 16 KiB, each side reading only as the
 * other takes. */
static void a_large_stream_goes_through(void **state)
{
	static struct call c;
	static char big[1 << 20];
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	start(&c, "cat");
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	fcntl(c.in_w, F_SETFL, O_NONBLOCK);
	size_t sent = 0;
	while (rpc_relay_state(c.caller) == RPC_RELAY_RUNNING && c.nout < sizeof(big)) {
		if (sent < sizeof(big)) {
			ssize_t k = write(c.in_w, big + sent, sizeof(big) - sent);
			if (k > 0)
				sent += (size_t)k;
			if (sent == sizeof(big)) {
				close(c.in_w);
				c.in_w = -1;
			}
		}
		struct pollfd pfd[2 * RPC_RELAY_FDS];
		size_t n = rpc_relay_fill(c.caller, pfd);
		n += rpc_relay_fill(c.service, pfd + n);
		poll(pfd, n, 10);
		rpc_relay_dispatch(c.service);
		rpc_relay_dispatch(c.caller);
		ssize_t k;
		while ((k = read(c.out_r, c.out + c.nout, sizeof(c.out) - c.nout)) > 0)
			c.nout += (size_t)k;
	}
	run(&c);
	assert_int_equal(rpc_relay_state(c.caller), RPC_RELAY_DONE);
	assert_int_equal(rpc_relay_status(c.caller), 0);
	assert_int_equal(c.nout, sizeof(big));
	assert_memory_equal(c.out, big, sizeof(big));
	finish(&c);
}

/* The other end sends what a service may not: the caller's end breaks. */
static void a_wrong_frame_ends_the_call(void **state)
{
	int chan[2], in[2], out[2], err[2];
	uint8_t f[RPC_FRAME_HEADER + 4];
	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, chan), 0);
	assert_int_equal(pipe(in) | pipe(out) | pipe(err), 0);
	struct rpc_relay *r = rpc_relay_caller(rpc_chan_fd(&chan[0]), in[0], out[1], err[1]);
	rpc_frame_encode(RPC_STDIN, 4, f);	/* a caller's frame, from the service */
	memcpy(f + RPC_FRAME_HEADER, "evil", 4);
	assert_int_equal(write(chan[1], f, sizeof(f)), (ssize_t)sizeof(f));
	rpc_relay_dispatch(r);
	assert_int_equal(rpc_relay_state(r), RPC_RELAY_BROKEN);
	assert_string_equal(rpc_relay_why(r), "the service sent a caller's frame");
	rpc_relay_free(r);
	/* Data after its stream's end. */
	assert_int_equal(pipe(in) | pipe(out) | pipe(err), 0);
	r = rpc_relay_caller(rpc_chan_fd(&chan[0]), in[0], out[1], err[1]);
	rpc_frame_encode(RPC_STDOUT, 0, f);
	assert_int_equal(write(chan[1], f, RPC_FRAME_HEADER), RPC_FRAME_HEADER);
	rpc_frame_encode(RPC_STDOUT, 4, f);
	assert_int_equal(write(chan[1], f, sizeof(f)), (ssize_t)sizeof(f));
	rpc_relay_dispatch(r);
	assert_int_equal(rpc_relay_state(r), RPC_RELAY_BROKEN);
	assert_string_equal(rpc_relay_why(r), "data after the end of its stream");
	rpc_relay_free(r);
	/* The other end gone before EXIT. */
	assert_int_equal(pipe(in) | pipe(out) | pipe(err), 0);
	r = rpc_relay_caller(rpc_chan_fd(&chan[0]), in[0], out[1], err[1]);
	close(chan[1]);
	rpc_relay_dispatch(r);
	assert_int_equal(rpc_relay_state(r), RPC_RELAY_BROKEN);
	rpc_relay_free(r);
	close(chan[0]);
	close(in[1]);
	close(out[0]);
	close(err[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_call_carries_its_streams_and_status),
		cmocka_unit_test(a_large_stream_goes_through),
		cmocka_unit_test(a_wrong_frame_ends_the_call),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
