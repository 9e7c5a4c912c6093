#include "proto/control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

int control_listen(struct control_server *srv, const char *path, const struct control_ops *ops)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = -1, ret;

	srv->listen_fd = -1;
	for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
		srv->clients[i].fd = -1;
	srv->ops = *ops;
	srv->path = NULL;
	srv->serials = 0;
	if (!str_copy(addr.sun_path, path, sizeof(addr.sun_path)))
		return -ENAMETOOLONG;
	ret = mkdir_parents(path, 0755);
	if (ret < 0)
		return ret;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT) {
		ret = -errno;
		goto fail;
	}
	/* Created 0600 from the start: no window in which others may connect. */
	mode_t old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (ret < 0) {
		ret = -errno;
		goto fail;
	}
	if (ops->lister_uid && (chown(path, 0, ops->lister_gid) < 0 || chmod(path, 0660) < 0)) {
		ret = -errno;
		goto fail;
	}
	if (listen(fd, CTL_CLIENTS_MAX) < 0) {
		ret = -errno;
		goto fail;
	}
	srv->path = strdup(path);
	if (!srv->path) {
		ret = -ENOMEM;
		goto fail;
	}
	srv->listen_fd = fd;
	return 0;
fail:
	close(fd);
	return ret;
}

void control_close(struct control_server *srv)
{
	for (size_t i = 0; i < CTL_CLIENTS_MAX; i++) {
		if (srv->clients[i].fd >= 0)
			close(srv->clients[i].fd);
		srv->clients[i].fd = -1;
	}
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	srv->listen_fd = -1;
	free(srv->path);
	srv->path = NULL;
}

size_t control_pollfds(const struct control_server *srv, struct pollfd *pfd)
{
	size_t n = 0;
	if (srv->listen_fd < 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = srv->listen_fd, .events = POLLIN };
	for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
		if (srv->clients[i].fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = srv->clients[i].fd, .events = POLLIN };
	return n;
}

static struct control_client *find_client(struct control_server *srv, int fd)
{
	for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
		if (srv->clients[i].fd == fd)
			return &srv->clients[i];
	return NULL;
}

static void drop_client(struct control_server *srv, int fd)
{
	struct control_client *c = find_client(srv, fd);
	if (c)
		c->fd = -1;
	close(fd);
}

/* False when the reply could not be sent whole: the client is dropped. */
static bool send_reply(int fd, const uint8_t *buf, size_t len)
{
	return len > 0 && send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len;
}

static bool send_error(int fd, uint8_t *buf, int code, const char *msg)
{
	return send_reply(fd, buf, ctl_encode_error(code, msg, buf, CTL_MSG_MAX));
}

static void accept_client(struct control_server *srv)
{
	int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("control", "accept: %s", strerror(errno));
		return;
	}
	struct ucred cred;
	socklen_t len = sizeof(cred);
	/* A refused peer is still answered, once its request is read: closing
	 * with its request unread would reset the connection, and it would
	 * never see why. */
	bool known = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0;
	bool lister = known && srv->ops.lister_uid && cred.uid == srv->ops.lister_uid;
	bool refused = !known || (cred.uid != 0 && !lister);
	if (refused)
		log_warn("control", "refused a control connection from uid %d: root only",
			 known ? (int)cred.uid : -1);
	struct control_client *c = find_client(srv, -1);
	if (c) {
		c->fd = fd;
		c->refused = refused;
		c->lister = lister;
		c->waiting = false;
		c->calling = false;
		c->serial = ++srv->serials;
		return;
	}
	send_error(fd, srv->buf, EBUSY, "too many control connections; try again");
	close(fd);
}

/* What a user who asked the wrong socket needs to hear. */
static const char *served_by(const struct control_ops *o)
{
	if (o->domains)
		return "this is the domain manager's socket: it serves domains only";
	if (o->screenshot)
		return o->key ? "this is the compositor's socket: screenshots and keys only"
			      : "this is the compositor's socket: it takes keys only when "
				"headless, from the keyboard otherwise";
	return "this is PID 1's socket: it serves services and power only";
}

/* Whether the socket serves REQ; if not, the reply is in srv->buf. */
static bool served(struct control_server *srv, const struct ctl_request *req, size_t *len)
{
	const struct control_ops *o = &srv->ops;
	bool ok;
	switch (req->type) {
	case CTL_REQ_STATUS: ok = o->status; break;
	case CTL_REQ_SERVICES: ok = o->services; break;
	case CTL_REQ_RESTART: ok = o->restart; break;
	case CTL_REQ_POWER: ok = o->power; break;
	case CTL_REQ_DOMAINS: ok = o->domains; break;
	case CTL_REQ_DOMAIN: ok = o->domain_op; break;
	case CTL_REQ_SCREENSHOT: ok = o->screenshot; break;
	case CTL_REQ_KEY: ok = o->key; break;
	case CTL_REQ_POINTER: ok = o->pointer; break;
	case CTL_REQ_RUN_DISPOSABLE: ok = o->run_disposable; break;
	case CTL_REQ_RELOAD: ok = o->reload; break;
	case CTL_REQ_ASKS: ok = o->asks; break;
	case CTL_REQ_ANSWER: ok = o->answer; break;
	case CTL_REQ_CALL: ok = o->call; break;
	case CTL_REQ_USB: ok = o->usb; break;
	case CTL_REQ_USB_DETACH: ok = o->usb_detach; break;
	case CTL_REQ_BLOCK: ok = o->block; break;
	case CTL_REQ_BLOCK_ATTACH:
	case CTL_REQ_BLOCK_DETACH: ok = o->block_change; break;
	default: ok = false; break;
	}
	if (!ok)
		*len = ctl_encode_error(EOPNOTSUPP, served_by(o), srv->buf, CTL_MSG_MAX);
	return ok;
}

/* Whether REQ's answer may come later (late()). */
static bool is_late(const struct ctl_request *req)
{
	return req->type == CTL_REQ_RUN_DISPOSABLE || req->type == CTL_REQ_CALL ||
	       req->type == CTL_REQ_BLOCK_ATTACH || req->type == CTL_REQ_BLOCK_DETACH ||
	       (req->type == CTL_REQ_DOMAIN && req->op == CTL_DOMAIN_START_WAIT);
}

/* The requests is_late() names, answered later: 0 once the op took the
 * request (the client waits, or was answered already), or the length of
 * the error reply in srv->buf. */
static size_t late(struct control_server *srv, struct control_client *c,
		   const struct ctl_request *req)
{
	char msg[CTL_ERROR_TEXT_MAX + 1] = "";
	struct control_waiter w = { .slot = (unsigned)(c - srv->clients), .serial = c->serial };
	int r;
	/* Waiting before the op runs: the answer may come from inside it (a
	 * preloaded disposable that is up already, a domain that runs), and
	 * control_answer_*() answers waiting clients only. */
	c->waiting = true;
	if (req->type == CTL_REQ_DOMAIN)
		r = srv->ops.domain_op(srv->ops.ctx, req->op, req->name, w, msg, sizeof(msg));
	else if (req->type == CTL_REQ_CALL)
		r = srv->ops.call(srv->ops.ctx, &req->call, w, msg, sizeof(msg));
	else if (req->type == CTL_REQ_BLOCK_ATTACH || req->type == CTL_REQ_BLOCK_DETACH)
		r = srv->ops.block_change(srv->ops.ctx, req, w, msg, sizeof(msg));
	else
		r = srv->ops.run_disposable(srv->ops.ctx, req->name, req->command, w, msg,
					    sizeof(msg));
	if (r == 0)
		return 0;
	c->waiting = false;
	return ctl_encode_error(-r, msg[0] ? msg : strerror(-r), srv->buf, CTL_MSG_MAX);
}

static size_t answer(struct control_server *srv, struct control_client *c,
		     const struct ctl_request *req)
{
	static struct ctl_service_info infos[SERVICES_MAX];
	static struct ctl_domain_info doms[DOMAINS_MAX];
	static struct ctl_reload rel;
	static struct ctl_ask asks[CTL_ASKS_MAX];
	static struct ctl_usb usb[CTL_USB_MAX];
	static struct ctl_block block[CTL_BLOCK_MAX];
	char msg[CTL_ERROR_TEXT_MAX + 1];
	struct ctl_status st;
	size_t len;
	int r;

	if (!served(srv, req, &len))
		return len;
	if (is_late(req))
		return late(srv, c, req);
	switch (req->type) {
	case CTL_REQ_STATUS:
		srv->ops.status(srv->ops.ctx, &st);
		return ctl_encode_status(&st, srv->buf, CTL_MSG_MAX);
	case CTL_REQ_SERVICES: {
		size_t n = srv->ops.services(srv->ops.ctx, infos, SERVICES_MAX);
		return ctl_encode_services(infos, n, srv->buf, CTL_MSG_MAX);
	}
	case CTL_REQ_DOMAINS: {
		size_t n = srv->ops.domains(srv->ops.ctx, doms, DOMAINS_MAX);
		return ctl_encode_domains(doms, n, srv->buf, CTL_MSG_MAX);
	}
	case CTL_REQ_DOMAIN:
		msg[0] = '\0';
		r = srv->ops.domain_op(srv->ops.ctx, req->op, req->name, CONTROL_NO_WAITER, msg,
				       sizeof(msg));
		if (r < 0)
			return ctl_encode_error(-r, msg[0] ? msg : strerror(-r), srv->buf,
						CTL_MSG_MAX);
		break;
	case CTL_REQ_SCREENSHOT:
		msg[0] = '\0';
		r = srv->ops.screenshot(srv->ops.ctx, req->path, msg, sizeof(msg));
		if (r < 0)
			return ctl_encode_error(-r, msg[0] ? msg : strerror(-r), srv->buf,
						CTL_MSG_MAX);
		break;
	case CTL_REQ_KEY:
		r = srv->ops.key(srv->ops.ctx, req->key_code, req->key_value);
		break;
	case CTL_REQ_POINTER:
		r = srv->ops.pointer(srv->ops.ctx, req->x, req->y, req->wheel);
		break;
	case CTL_REQ_RESTART:
		r = srv->ops.restart(srv->ops.ctx, req->name);
		if (r == -ENOENT) {
			snprintf(msg, sizeof(msg), "no service is called \"%s\" (`bulkhead ctl "
				 "services' lists them)", req->name);
			return ctl_encode_error(ENOENT, msg, srv->buf, CTL_MSG_MAX);
		}
		if (r == -ESHUTDOWN)
			return ctl_encode_error(ESHUTDOWN, "shutting down", srv->buf, CTL_MSG_MAX);
		break;
	case CTL_REQ_POWER:
		r = srv->ops.power(srv->ops.ctx, req->power);
		break;
	case CTL_REQ_RELOAD:
		memset(&rel, 0, sizeof(rel));
		srv->ops.reload(srv->ops.ctx, &rel);
		return ctl_encode_reload(&rel, srv->buf, CTL_MSG_MAX);
	case CTL_REQ_ASKS: {
		size_t n = srv->ops.asks(srv->ops.ctx, asks, CTL_ASKS_MAX);
		return ctl_encode_asks(asks, n, srv->buf, CTL_MSG_MAX);
	}
	case CTL_REQ_USB: {
		size_t n = srv->ops.usb(srv->ops.ctx, usb, CTL_USB_MAX);
		return ctl_encode_usb(usb, n, srv->buf, CTL_MSG_MAX);
	}
	case CTL_REQ_BLOCK: {
		size_t n = srv->ops.block(srv->ops.ctx, block, CTL_BLOCK_MAX);
		return ctl_encode_block(block, n, srv->buf, CTL_MSG_MAX);
	}
	case CTL_REQ_USB_DETACH:
		msg[0] = '\0';
		r = srv->ops.usb_detach(srv->ops.ctx, req->name, req->busid, msg, sizeof(msg));
		if (r < 0)
			return ctl_encode_error(-r, msg[0] ? msg : strerror(-r), srv->buf,
						CTL_MSG_MAX);
		break;
	case CTL_REQ_ANSWER:
		msg[0] = '\0';
		r = srv->ops.answer(srv->ops.ctx, req->ask_id, req->choice, msg, sizeof(msg));
		if (r < 0)
			return ctl_encode_error(-r, msg[0] ? msg : strerror(-r), srv->buf,
						CTL_MSG_MAX);
		break;
	default:
		return ctl_encode_error(EINVAL, "not a request", srv->buf, CTL_MSG_MAX);
	}
	if (r < 0)
		return ctl_encode_error(-r, strerror(-r), srv->buf, CTL_MSG_MAX);
	return ctl_encode_ok(srv->buf, CTL_MSG_MAX);
}

/* Whether the lister (the desktop) may make REQ: the ops say which. */
static bool lister_may(const struct control_ops *ops, const struct ctl_request *req)
{
	if (req->type >= 32 || !(ops->lister_requests & CTL_BIT(req->type)))
		return false;
	if (req->type == CTL_REQ_DOMAIN)
		return req->op < 32 && (ops->lister_domain_ops & CTL_BIT(req->op));
	if (req->type == CTL_REQ_POWER)
		return req->power < 32 && (ops->lister_power & CTL_BIT(req->power));
	return true;
}

static void serve_client(struct control_server *srv, int fd)
{
	struct ctl_request req;
	const char *why;

	ssize_t untrusted_len = recv(fd, srv->buf, CTL_MSG_MAX, MSG_DONTWAIT | MSG_TRUNC);
	if (untrusted_len < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (untrusted_len <= 0) {
		drop_client(srv, fd);
		return;
	}
	struct control_client *c = find_client(srv, fd);
	if (c->waiting || c->calling) {
		log_warn("control", "a control client sent a request %s; dropped",
			 c->waiting ? "before its last was answered" : "on its call's connection");
		drop_client(srv, fd);
		return;
	}
	if (c->refused) {
		send_error(fd, srv->buf, EACCES, "permission denied: the control socket is for root only");
		drop_client(srv, fd);
		return;
	}
	if (untrusted_len > CTL_MSG_MAX)
		why = "message larger than the limit";
	else if (ctl_decode_request(srv->buf, (size_t)untrusted_len, &req, &why) == 0)
		why = NULL;
	if (why) {
		log_warn("control", "malformed control request (%zd bytes): %s; client dropped",
			 untrusted_len, why);
		send_error(fd, srv->buf, EINVAL, why);
		drop_client(srv, fd);
		return;
	}
	if (c->lister && !lister_may(&srv->ops, &req)) {
		send_error(fd, srv->buf, EACCES, "permission denied: the desktop may not make "
			   "this request (root may)");
		drop_client(srv, fd);
		return;
	}
	size_t len = answer(srv, c, &req);
	/* A late answer is control_answer_*()'s to send, and it may have been
	 * sent (or the client dropped) already. */
	if (is_late(&req) && len == 0)
		return;
	if (!send_reply(fd, srv->buf, len))
		drop_client(srv, fd);
}

/* The waiting client WAITER names, if it is still there. */
/* WAITER's connection, waiting or not, if it is still there. */
static struct control_client *connection(struct control_server *srv, struct control_waiter w)
{
	if (w.slot >= CTL_CLIENTS_MAX)
		return NULL;
	struct control_client *c = &srv->clients[w.slot];
	return c->fd >= 0 && c->serial == w.serial ? c : NULL;
}

static struct control_client *waiter_client(struct control_server *srv, struct control_waiter w)
{
	struct control_client *c = connection(srv, w);
	return c && c->waiting ? c : NULL;
}

static bool answer_late(struct control_server *srv, struct control_waiter w, size_t len)
{
	struct control_client *c = waiter_client(srv, w);
	if (!c)
		return false;
	c->waiting = false;
	if (send_reply(c->fd, srv->buf, len))
		return true;
	drop_client(srv, c->fd);
	return false;
}

bool control_answer_disposable(struct control_server *srv, struct control_waiter waiter,
			       const struct ctl_disposable *disp)
{
	return answer_late(srv, waiter, ctl_encode_disposable(disp, srv->buf, CTL_MSG_MAX));
}

bool control_answer_ok(struct control_server *srv, struct control_waiter waiter)
{
	return answer_late(srv, waiter, ctl_encode_ok(srv->buf, CTL_MSG_MAX));
}

bool control_answer_error(struct control_server *srv, struct control_waiter waiter, int code,
			  const char *msg)
{
	return answer_late(srv, waiter, ctl_encode_error(code, msg, srv->buf, CTL_MSG_MAX));
}

bool control_answer_call(struct control_server *srv, struct control_waiter waiter,
			 const struct ctl_call *call)
{
	struct control_client *c = waiter_client(srv, waiter);
	if (!answer_late(srv, waiter, ctl_encode_call(call, srv->buf, CTL_MSG_MAX)))
		return false;
	c->calling = true;
	return true;
}

bool control_present(struct control_server *srv, struct control_waiter waiter)
{
	return connection(srv, waiter) != NULL;
}

void control_hang_up(struct control_server *srv, struct control_waiter waiter, int code,
		     const char *msg)
{
	struct control_client *c = connection(srv, waiter);
	if (!c)
		return;
	send_error(c->fd, srv->buf, code, msg);
	drop_client(srv, c->fd);
}

static size_t fdset_fill(void *ctx, struct pollfd *pfd)
{
	return control_pollfds(ctx, pfd);
}

static void fdset_dispatch(void *ctx, const struct pollfd *pfd, size_t n)
{
	control_dispatch(ctx, pfd, n);
}

struct loop_fdset control_fdset(struct control_server *srv)
{
	return (struct loop_fdset){ .max = 1 + CTL_CLIENTS_MAX, .fill = fdset_fill,
				    .dispatch = fdset_dispatch, .ctx = srv };
}

void control_dispatch(struct control_server *srv, const struct pollfd *pfd, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == srv->listen_fd)
			accept_client(srv);
		else if (pfd[i].revents & POLLIN)
			serve_client(srv, pfd[i].fd);
		else
			drop_client(srv, pfd[i].fd);
	}
}
