#include "drm-compositor/dispvm_launch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drm-compositor/domstatus.h"
#include "lib/util.h"
#include "proto/ctlproto.h"

void dispvm_launch_init(struct dispvm_launch *l)
{
	l->fd = -1;
}

void dispvm_launch_close(struct dispvm_launch *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

int dispvm_launch_ask(struct dispvm_launch *l, const char *template_name, const char *command,
		      char *why, size_t cap)
{
	struct ctl_request req = { .type = CTL_REQ_RUN_DISPOSABLE };
	if (l->fd >= 0) {
		snprintf(why, cap, "a disposable asked for before is not up yet");
		return -1;
	}
	if (!str_copy(req.name, template_name, sizeof(req.name)) ||
	    !str_copy(req.command, command, sizeof(req.command)) ||
	    !ctl_command_is_valid(command, strlen(command))) {
		snprintf(why, cap, "\"%s\" is no command a disposable can be given", command);
		return -1;
	}
	if (manager_request(&l->fd, &req) < 0) {
		snprintf(why, cap, "the domain manager cannot be asked: %s", strerror(errno));
		dispvm_launch_close(l);
		return -1;
	}
	return 0;
}

int dispvm_launch_fd(const struct dispvm_launch *l)
{
	return l->fd;
}

int dispvm_launch_read(struct dispvm_launch *l, char *name, size_t namecap, char *why,
		       size_t cap)
{
	static uint8_t reply[CTL_MSG_MAX];
	struct ctl_disposable disp;
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen;
	const char *bad;
	int code;

	ssize_t len = recv(l->fd, reply, sizeof(reply), MSG_DONTWAIT);
	if (len < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	dispvm_launch_close(l);
	if (len <= 0 || ctl_decode_header(reply, (size_t)len, &type, &payload, &plen, &bad) < 0) {
		snprintf(why, cap, "the domain manager did not answer");
		return 0;
	}
	if (type == CTL_REP_ERROR) {
		if (ctl_decode_error(payload, plen, &code, why, cap, &bad) < 0)
			snprintf(why, cap, "the domain manager refused it");
		return 0;
	}
	if (type != CTL_REP_DISPOSABLE || ctl_decode_disposable(payload, plen, &disp, &bad) < 0) {
		snprintf(why, cap, "the domain manager's answer is not one");
		return 0;
	}
	str_copy(name, disp.name, namecap);
	return 1;
}
