/*
 * control.h - a control socket: accepts root's `bulkhead ctl'
 * connections, decodes requests (ctlproto.h) and answers them through
 * control_ops.  PID 1 serves services and power on one socket; the domain
 * manager serves domains on another.  A request whose op is NULL is
 * answered ERROR EOPNOTSUPP.
 *
 * Never blocks: every socket is non-blocking; a client that sends a
 * malformed request gets an ERROR reply and is disconnected; a client whose
 * reply does not fit in its socket buffer is disconnected.  Peers other
 * than uid 0 (SO_PEERCRED) are refused.  Main loop only.
 */
#ifndef BULKHEAD_CONTROL_H
#define BULKHEAD_CONTROL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/limits.h"
#include "supervisor/ctlproto.h"

struct control_ops {
	void (*status)(void *ctx, struct ctl_status *st);
	/* Fills up to MAX records; returns how many. */
	size_t (*services)(void *ctx, struct ctl_service_info *out, size_t max);
	int (*restart)(void *ctx, const char *name);		/* 0 or -errno */
	int (*power)(void *ctx, enum ctl_power action);		/* 0 or -errno */
	size_t (*domains)(void *ctx, struct ctl_domain_info *out, size_t max);
	/* 0, or -errno with MSG (MSGCAP bytes) saying why, for the user. */
	int (*domain_op)(void *ctx, enum ctl_domain_op op, const char *name, char *msg,
			 size_t msgcap);
	/* The compositor's: 0, or -errno with MSG saying why. */
	int (*screenshot)(void *ctx, const char *path, char *msg, size_t msgcap);
	int (*key)(void *ctx, uint16_t code, uint8_t value);
	void *ctx;
};

struct control_client {
	int fd;			/* -1: free slot */
	bool refused;		/* not root: its request is answered EACCES */
};

struct control_server {
	int listen_fd;
	struct control_client clients[CTL_CLIENTS_MAX];
	struct control_ops ops;
	char *path;
	uint8_t buf[CTL_MSG_MAX];
};

/* Creates the socket at PATH (its directory 0755, the socket 0600),
 * replacing a stale one.  0 or -errno.  SRV must stay put until closed. */
int control_listen(struct control_server *srv, const char *path, const struct control_ops *ops);
void control_close(struct control_server *srv);

/* Puts the server's fds into PFD (room for at least 1 + CTL_CLIENTS_MAX);
 * returns how many. */
size_t control_pollfds(const struct control_server *srv, struct pollfd *pfd);

/* Handles what poll() reported on the N entries control_pollfds() gave. */
void control_dispatch(struct control_server *srv, const struct pollfd *pfd, size_t n);

#endif
