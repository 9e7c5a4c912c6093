#include "input/broker.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "input/evdev.h"
#include "lib/confine.h"
#include "lib/confine_profiles.h"
#include "lib/log.h"

#define TAG "input-broker"

/* Passes NAME's device to the compositor.  False once the socket is gone. */
static bool pass(int sock, const char *dir, const char *name)
{
	char path[PATH_MAX];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;

	if (!input_device_name(name))
		return true;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return true;	/* not ready yet (IN_ATTRIB brings it back) or gone */
	struct iovec iov = { (void *)name, strlen(name) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	close(fd);
	return n >= 0 || (errno != EPIPE && errno != ECONNRESET);
}

static bool pass_present(int sock, const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	bool up = true;

	if (!dh)
		return true;
	while (up && (e = readdir(dh)))
		up = pass(sock, dir, e->d_name);
	closedir(dh);
	return up;
}

static bool pass_new(int sock, int ino, const char *dir)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;

	while ((len = read(ino, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			struct inotify_event *ev = (struct inotify_event *)(void *)p;
			if (ev->len && (ev->mask & (IN_CREATE | IN_ATTRIB)) &&
			    !pass(sock, dir, ev->name))
				return false;
			p += sizeof(*ev) + ev->len;
		}
	}
	return true;
}

/* Root's uid kept (the nodes are root's), everything else given up. */
static int confine_broker(const char *dir)
{
	const char *const read_only[] = { dir, NULL };
	struct confine c;
	char err[256];

	confine_init(&c);
	int rc = confine_drop(&c, read_only, confine_profile("input-broker"), err, sizeof(err));
	if (rc < 0)
		log_err(TAG, "cannot give up its privileges: %s", err);
	return rc;
}

int input_broker_run(int sock, const char *dir, bool confined)
{
	int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int rc = 0;

	/* Watched before the devices present are listed: none falls between. */
	if (ino < 0 || inotify_add_watch(ino, dir, IN_CREATE | IN_ATTRIB) < 0) {
		rc = -errno;
		log_err(TAG, "cannot watch %s: %s; no keyboard, no pointer", dir, strerror(-rc));
		goto out;
	}
	if (confined && (rc = confine_broker(dir)) < 0)
		goto out;
	if (!pass_present(sock, dir))
		goto out;
	for (;;) {
		struct pollfd pfd[2] = { { .fd = ino, .events = POLLIN },
					 { .fd = sock, .events = POLLIN } };
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		/* The compositor says nothing: anything but its end is ignored. */
		if (pfd[1].revents) {
			char junk[64];
			if (recv(sock, junk, sizeof(junk), MSG_DONTWAIT) == 0 ||
			    (pfd[1].revents & (POLLHUP | POLLERR)))
				goto out;
		}
		if ((pfd[0].revents & POLLIN) && !pass_new(sock, ino, dir))
			goto out;
	}
out:
	if (ino >= 0)
		close(ino);
	return rc;
}

int input_broker_spawn(const char *dir)
{
	int sv[2];
	pid_t parent = getpid();

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	if (pid == 0) {
		/* Only its socket and the log (stderr) are kept: not the screen,
		 * not the domains' channels. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent ||
		    dup2(sv[1], 3) < 0 || syscall(SYS_close_range, 4, ~0u, 0) < 0)
			_exit(1);
		_exit(input_broker_run(3, dir, true) < 0 ? 1 : 0);
	}
	close(sv[1]);
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0) {
		int e = errno;
		close(sv[0]);
		return -e;
	}
	return sv[0];
}
