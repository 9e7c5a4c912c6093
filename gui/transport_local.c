/* The local transport: SOCK_SEQPACKET keeps message boundaries, so a
 * message is one packet and an fd belongs to exactly one message. */
#include "gui/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/util.h"

struct local_transport {
	struct gui_transport t;
};

static void close_fds_in(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *fds = (int *)(void *)CMSG_DATA(c);
		for (size_t i = 0; i < n; i++)
			close(fds[i]);
	}
}

static ssize_t local_recv(struct gui_transport *t, uint8_t *buf, size_t cap, int *fd)
{
	/* Room for two fds, so that a second one is seen and refused rather
	 * than silently cut off. */
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };

	*fd = -1;
	ssize_t n = recvmsg(t->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		close_fds_in(&mh);
		return -EPROTO;
	}
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (c) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len != CMSG_LEN(sizeof(int)) || CMSG_NXTHDR(&mh, c)) {
			close_fds_in(&mh);
			return -EPROTO;
		}
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	}
	return n;
}

static int local_send(struct gui_transport *t, const uint8_t *buf, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n = sendmsg(t->fd, &mh, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return (size_t)n == len ? 0 : -EPROTO;
}

static int fail_map(const char **why, const char *text, int err)
{
	*why = text;
	return err;
}

static int local_map_buffer(struct gui_transport *t, const struct gui_msg *buffer, int fd,
			    struct gui_mapping *out, const char **why)
{
	struct stat st;
	struct statfs sfs;
	size_t need = (size_t)buffer->u.buffer.stride * buffer->u.buffer.height;

	(void)t;
	if (fd < 0)
		return fail_map(why, "BUFFER came without its memfd", -EPROTO);
	if (buffer->u.buffer.ngrants != 0)
		return fail_map(why, "BUFFER with grants on the local transport", -EPROTO);
	/* Without F_SEAL_SHRINK the client could truncate the file while we
	 * read it, and dom0 would die of SIGBUS. */
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return fail_map(why, "BUFFER fd is not a memfd sealed against shrinking", -EPROTO);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < need)
		return fail_map(why, "BUFFER memfd smaller than stride * height", -EPROTO);
	/* A plain memfd, in shmem: a hugetlbfs one (MFD_HUGETLB) maps whole
	 * huge pages, and the unmap of stride * height bytes would fail and
	 * leave the mapping behind, outside any budget. */
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != TMPFS_MAGIC)
		return fail_map(why, "BUFFER fd is not a plain memfd (hugetlbfs or another file system)",
				-EPROTO);
	void *p = mmap(NULL, need, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail_map(why, "cannot map the BUFFER memfd", -errno);
	out->pixels = p;
	out->size = need;
	return 0;
}

static int local_alloc_buffer(struct gui_transport *t, size_t size, struct gui_mapping *out,
			      int *fd, uint32_t *grants, uint32_t *ngrants)
{
	int mfd = -1;
	void *p = MAP_FAILED;
	int rc;

	(void)t;
	(void)grants;
	*ngrants = 0;
	mfd = memfd_create("bulkhead-gui-buffer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		goto fail;
	if (ftruncate(mfd, (off_t)size) < 0)
		goto fail;
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
		goto fail;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (p == MAP_FAILED)
		goto fail;
	out->pixels = p;
	out->size = size;
	*fd = mfd;
	return 0;
fail:
	rc = -errno;
	if (mfd >= 0)
		close(mfd);
	return rc;
}

static void local_unmap(struct gui_transport *t, struct gui_mapping *m)
{
	(void)t;
	if (m->pixels)
		munmap(m->pixels, m->size);
	m->pixels = NULL;
	m->size = 0;
}

static void local_close(struct gui_transport *t)
{
	close(t->fd);
	free(t);
}

static void local_woken(struct gui_transport *t)
{
	(void)t;
}

/* A socket is level-triggered: poll tells again while input waits. */
static bool local_has_input(struct gui_transport *t)
{
	(void)t;
	return false;
}

static short local_poll_events(struct gui_transport *t, bool want_write)
{
	(void)t;
	return (short)(POLLIN | (want_write ? POLLOUT : 0));
}

static const struct gui_transport_ops local_ops = {
	.name = "local",
	.recv = local_recv,
	.send = local_send,
	.map_buffer = local_map_buffer,
	.alloc_buffer = local_alloc_buffer,
	.unmap = local_unmap,
	.close = local_close,
	.woken = local_woken,
	.has_input = local_has_input,
	.poll_events = local_poll_events,
};

static struct gui_transport *wrap(int fd)
{
	struct local_transport *lt = calloc(1, sizeof(*lt));
	if (!lt) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	lt->t.ops = &local_ops;
	lt->t.fd = fd;
	return &lt->t;
}

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (!str_copy(sa->sun_path, path, sizeof(sa->sun_path)))
		return -ENAMETOOLONG;
	return 0;
}

int gui_local_listen(const char *path)
{
	struct sockaddr_un sa;
	int fd = -1, rc;

	rc = fill_addr(&sa, path);
	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT)
		goto fail;
	/* Created 0600 from the start: no window in which another user could
	 * connect as this domain. */
	mode_t old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0)
		goto fail;
	if (listen(fd, 4) < 0)
		goto fail;
	return fd;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

struct gui_transport *gui_local_accept(int listen_fd)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return NULL;
	return wrap(fd);
}

struct gui_transport *gui_local_connect(const char *path)
{
	struct sockaddr_un sa;
	int rc = fill_addr(&sa, path);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	return wrap(fd);
}
