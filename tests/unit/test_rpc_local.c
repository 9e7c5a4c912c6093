/* A program's call handed to its agent (guest/rpc_local.h): the request
 * with its three fds, what the agent refuses to take as one, the reply. */
#include "tests/unit/test_helpers.h"

#include <errno.h>
#include <sys/socket.h>

#include "guest/rpc_local.h"

static int pair[2] = { -1, -1 };

static int setup(void **state)
{
	(void)state;
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair);
}

static int teardown(void **state)
{
	(void)state;
	if (pair[0] >= 0)
		close(pair[0]);
	close(pair[1]);
	return 0;
}

/* Open fds of this process, counted: none may leak from a refused message. */
static int open_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 256; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static void a_request_and_its_fds(void **state)
{
	char line[RPC_REQUEST_MAX + 2];
	int fds[3], p[2];
	(void)state;
	assert_int_equal(rpc_local_recv(pair[1], line, sizeof(line), fds), -EAGAIN);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(rpc_local_send(pair[0], "beta test.Upper", (int[3]){ p[0], p[1], 2 }), 0);
	assert_int_equal(rpc_local_recv(pair[1], line, sizeof(line), fds), 0);
	assert_string_equal(line, "beta test.Upper");
	/* The fds came: what is written to the second is read from the first. */
	assert_int_equal(write(fds[1], "x", 1), 1);
	char c;
	assert_int_equal(read(fds[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	close(p[0]);
	close(p[1]);
}

/* LEN bytes of BUF with NFDS of FDS (0: no control message). */
static void send_with(const void *buf, size_t len, const int *fds, size_t nfds)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds) {
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	assert_int_equal(sendmsg(pair[0], &msg, 0), (ssize_t)len);
}

/* Messages that are not one request with three fds: refused, and every fd
 * they brought closed. */
static void not_a_request(void **state)
{
	char line[RPC_REQUEST_MAX + 2], big[RPC_REQUEST_MAX + 100];
	int fds[3];
	static const int four[4] = { 0, 1, 2, 0 };
	(void)state;
	int before = open_fds();
	send_with("beta s", 6, NULL, 0);
	assert_int_equal(rpc_local_recv(pair[1], line, sizeof(line), fds), -EPROTO);
	send_with("beta s", 6, four, 2);
	assert_int_equal(rpc_local_recv(pair[1], line, sizeof(line), fds), -EPROTO);
	send_with("beta s", 6, four, 4);
	assert_int_equal(rpc_local_recv(pair[1], line, sizeof(line), fds), -EPROTO);
	/* A NUL inside: the line the agent would read is not the one sent. */
	send_with("beta s\0x", 8, four, 3);
	assert_int_equal(rpc_local_recv(pair[1], line, sizeof(line), fds), -EPROTO);
	/* Longer than a request: cut, so refused. */
	memset(big, 'a', sizeof(big));
	send_with(big, sizeof(big), four, 3);
	assert_int_equal(rpc_local_recv(pair[1], line, sizeof(line), fds), -EPROTO);
	assert_int_equal(open_fds(), before);
	/* The other end gone. */
	close(pair[0]);
	pair[0] = -1;
	assert_int_equal(rpc_local_recv(pair[1], line, sizeof(line), fds), -ECONNRESET);
}

static void replies(void **state)
{
	char out[RPC_LOCAL_REPLY_MAX], why[RPC_WHY_MAX + 1];
	int status;
	(void)state;
	rpc_local_reply_format(7, NULL, out);
	assert_string_equal(out, "exit 7");
	assert_true(rpc_local_reply_parse(out, strlen(out), &status, why, sizeof(why)));
	assert_int_equal(status, 7);
	rpc_local_reply_format(0, "denied by the policy (a:1)", out);
	assert_true(rpc_local_reply_parse(out, strlen(out), &status, why, sizeof(why)));
	assert_int_equal(status, -1);
	assert_string_equal(why, "denied by the policy (a:1)");
	static const char *const bad[] = { "exit", "exit ", "exit 256", "exit -1", "exit 1x",
					   "refused ", "quit 1", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (rpc_local_reply_parse(bad[i], strlen(bad[i]), &status, why, sizeof(why)))
			fail_msg("\"%s\" was taken", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_request_and_its_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(not_a_request, setup, teardown),
		cmocka_unit_test(replies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
