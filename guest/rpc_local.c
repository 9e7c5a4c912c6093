#include "guest/rpc_local.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int rpc_local_send(int fd, const char *line, const int fds[3])
{
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)line, .iov_len = strlen(line) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(3 * sizeof(int));
	memcpy(CMSG_DATA(c), fds, 3 * sizeof(int));
	ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return (size_t)n == iov.iov_len ? 0 : -EMSGSIZE;
}

/* Closes every fd a control message brought. */
static void close_passed(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(f);
		}
	}
}

int rpc_local_recv(int fd, char *line, size_t cap, int fds[3])
{
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = line, .iov_len = cap - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (n == 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || !c ||
	    c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(3 * sizeof(int)) || CMSG_NXTHDR(&msg, c) ||
	    memchr(line, '\0', (size_t)n)) {
		close_passed(&msg);
		return n == 0 ? -ECONNRESET : -EPROTO;
	}
	memcpy(fds, CMSG_DATA(c), 3 * sizeof(int));
	line[n] = '\0';
	return 0;
}

void rpc_local_reply_format(int status, const char *why, char *out)
{
	if (why)
		snprintf(out, RPC_LOCAL_REPLY_MAX, "refused %s", why);
	else
		snprintf(out, RPC_LOCAL_REPLY_MAX, "exit %d", status);
}

bool rpc_local_reply_parse(const char *s, size_t len, int *status, char *why, size_t cap)
{
	why[0] = '\0';
	*status = -1;
	if (len > 8 && memcmp(s, "refused ", 8) == 0) {
		snprintf(why, cap, "%.*s", (int)(len - 8), s + 8);
		return true;
	}
	if (len < 6 || len > 8 || memcmp(s, "exit ", 5) != 0)
		return false;
	int v = 0;
	for (size_t i = 5; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 255)
		return false;
	*status = v;
	return true;
}
