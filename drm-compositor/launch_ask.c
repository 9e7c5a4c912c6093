#include "drm-compositor/launch_ask.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drm-compositor/domstatus.h"
#include "lib/util.h"
#include "proto/ctlproto.h"

void launch_ask_init(struct launch_ask *l)
{
	l->fd = -1;
}

void launch_ask_close(struct launch_ask *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* REQ sent to the socket at PATH; the answer awaited on l->fd. */
static int ask(struct launch_ask *l, const char *path, const struct ctl_request *req, char *why,
	       size_t cap)
{
	if (control_request(&l->fd, path, req) < 0) {
		snprintf(why, cap, "%s cannot be asked: %s",
			 l->kind == LAUNCH_ASK_POWER ? "PID 1" : "the domain manager",
			 strerror(errno));
		launch_ask_close(l);
		return -1;
	}
	return 0;
}

static bool busy(const struct launch_ask *l, char *why, size_t cap)
{
	if (l->fd < 0)
		return false;
	if (l->kind == LAUNCH_ASK_DOMAIN)
		snprintf(why, cap, "the domain manager has not answered about %s yet", l->name);
	else if (l->kind == LAUNCH_ASK_POWER)
		snprintf(why, cap, "dom0 is powering off or rebooting");
	else
		snprintf(why, cap, "a disposable asked for before is not up yet");
	return true;
}

int launch_ask_disposable(struct launch_ask *l, const char *template_name, const char *command,
			  char *why, size_t cap)
{
	struct ctl_request req = { .type = CTL_REQ_RUN_DISPOSABLE };
	if (busy(l, why, cap))
		return -1;
	if (!str_copy(req.name, template_name, sizeof(req.name)) ||
	    !str_copy(req.command, command, sizeof(req.command)) ||
	    !ctl_command_is_valid(command, strlen(command))) {
		snprintf(why, cap, "\"%s\" is no command a disposable can be given", command);
		return -1;
	}
	l->kind = LAUNCH_ASK_DISPOSABLE;
	return ask(l, CTL_DOMAINS_SOCKET, &req, why, cap);
}

int launch_ask_domain(struct launch_ask *l, enum ctl_domain_op op, const char *name, char *why,
		      size_t cap)
{
	struct ctl_request req = { .type = CTL_REQ_DOMAIN, .op = op };
	if (busy(l, why, cap))
		return -1;
	if (!str_copy(req.name, name, sizeof(req.name)) || !str_copy(l->name, name, sizeof(l->name))) {
		snprintf(why, cap, "\"%s\" is no domain's name", name);
		return -1;
	}
	l->kind = LAUNCH_ASK_DOMAIN;
	l->op = op;
	return ask(l, CTL_DOMAINS_SOCKET, &req, why, cap);
}

int launch_ask_power(struct launch_ask *l, const char *socket, enum ctl_power power, char *why,
		     size_t cap)
{
	struct ctl_request req = { .type = CTL_REQ_POWER, .power = power };
	if (busy(l, why, cap))
		return -1;
	l->kind = LAUNCH_ASK_POWER;
	l->power = power;
	l->name[0] = '\0';
	return ask(l, socket, &req, why, cap);
}

int launch_ask_fd(const struct launch_ask *l)
{
	return l->fd;
}

int launch_ask_read(struct launch_ask *l, struct launch_ask *asked, char *name, size_t namecap,
		    char *why, size_t cap)
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
	launch_ask_close(l);
	*asked = *l;
	const char *who = l->kind == LAUNCH_ASK_POWER ? "PID 1" : "the domain manager";
	if (len <= 0 || ctl_decode_header(reply, (size_t)len, &type, &payload, &plen, &bad) < 0) {
		snprintf(why, cap, "%s did not answer", who);
		return 0;
	}
	if (type == CTL_REP_ERROR) {
		if (ctl_decode_error(payload, plen, &code, why, cap, &bad) < 0)
			snprintf(why, cap, "%s refused it", who);
		return 0;
	}
	if (l->kind != LAUNCH_ASK_DISPOSABLE && type == CTL_REP_OK) {
		str_copy(name, l->name, namecap);
		return 1;
	}
	if (l->kind != LAUNCH_ASK_DISPOSABLE || type != CTL_REP_DISPOSABLE ||
	    ctl_decode_disposable(payload, plen, &disp, &bad) < 0) {
		snprintf(why, cap, "%s's answer is not one", who);
		return 0;
	}
	str_copy(name, disp.name, namecap);
	return 1;
}
