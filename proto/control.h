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
 * than uid 0 (SO_PEERCRED) are refused, but for the one uid the ops name
 * as a lister (the compositor), which may make the requests they name
 * (the user's acts on the desktop) and no other.  Main loop only.
 *
 * RUN_DISPOSABLE, CALL, BLOCK_ATTACH, BLOCK_DETACH and DOMAIN's
 * START_WAIT are answered later: their op takes a
 * control_waiter and the server keeps that client waiting, serving no
 * other request of it, until control_answer_*() is called with the waiter
 * (by the op itself, before it returns 0, when the answer is there at
 * once).  A client that leaves in the meantime is forgotten, and the late
 * answer goes nowhere.  A CALL answered is the call: that connection is
 * served nothing more (a request on it drops it), its owner asks
 * control_present() whether it is still there (the call goes on) and may
 * end it with control_hang_up().  A waiter is a plain value, never a
 * pointer into the server: one whose connection went names nothing, and a
 * new connection in its slot is another (its serial).
 */
#ifndef BULKHEAD_CONTROL_H
#define BULKHEAD_CONTROL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/limits.h"
#include "lib/loop.h"
#include "proto/ctlproto.h"

/* A client waiting for a late answer.  Plain value: copy it freely. */
struct control_waiter {
	unsigned slot;
	uint64_t serial;	/* the connection's; never 0 */
};

/* A waiter that names no connection (serial 0): for a caller of an op
 * that is no control client. */
#define CONTROL_NO_WAITER ((struct control_waiter){ .slot = 0, .serial = 0 })

struct control_ops {
	void (*status)(void *ctx, struct ctl_status *st);
	/* Fills up to MAX records; returns how many. */
	size_t (*services)(void *ctx, struct ctl_service_info *out, size_t max);
	int (*restart)(void *ctx, const char *name);		/* 0 or -errno */
	int (*power)(void *ctx, enum ctl_power action);		/* 0 or -errno */
	size_t (*domains)(void *ctx, struct ctl_domain_info *out, size_t max);
	/* OP on NAME: 0, or -errno with MSG (MSGCAP bytes) saying why, for
	 * the user, answered now; but START_WAIT's 0 says WAITER is to be
	 * answered later (control_answer_ok, or control_answer_error).  The
	 * other ops get CONTROL_NO_WAITER. */
	int (*domain_op)(void *ctx, enum ctl_domain_op op, const char *name,
			 struct control_waiter waiter, char *msg, size_t msgcap);
	/* The compositor's: 0, or -errno with MSG saying why. */
	int (*screenshot)(void *ctx, const char *path, char *msg, size_t msgcap);
	int (*key)(void *ctx, uint16_t code, uint8_t value);
	int (*pointer)(void *ctx, uint16_t x, uint16_t y, int16_t wheel);
	/* The domain manager's: 0 when WAITER is to be answered later, or
	 * -errno with MSG saying why, answered now.  TEMPLATE "": the default. */
	int (*run_disposable)(void *ctx, const char *template_name, const char *command,
			      struct control_waiter waiter, char *msg, size_t msgcap);
	/* The domain manager's: reads its domain files again and fills REL
	 * with what changed, or the problems (then nothing changed). */
	void (*reload)(void *ctx, struct ctl_reload *rel);
	/* The domain manager's: the calls the policy asks the user about (up
	 * to MAX; how many), and the user's answer to ask ID (CHOICE "": no):
	 * 0, or -errno with MSG saying why. */
	size_t (*asks)(void *ctx, struct ctl_ask *out, size_t max);
	/* The domain manager's: the USB domains' devices (up to MAX; how
	 * many). */
	size_t (*usb)(void *ctx, struct ctl_usb *out, size_t max);
	/* The domain manager's: the call that gives DOMAIN's device BUSID to
	 * a domain ended (root only).  0, or -errno with MSG saying why. */
	int (*usb_detach)(void *ctx, const char *domain, const char *busid, char *msg,
			  size_t msgcap);
	/* The domain manager's: the block devices the storage and USB domains
	 * lend, and who holds each (up to MAX; how many). */
	size_t (*block)(void *ctx, struct ctl_block *out, size_t max);
	/* The domain manager's: REQ's BLOCK_ATTACH or BLOCK_DETACH (root
	 * only), 0 when WAITER is to be answered later (control_answer_ok, or
	 * control_answer_error), or -errno with MSG saying why, answered now. */
	int (*block_change)(void *ctx, const struct ctl_request *req, struct control_waiter waiter,
			    char *msg, size_t msgcap);
	int (*answer)(void *ctx, uint32_t id, const char *choice, char *msg, size_t msgcap);
	/* The domain manager's: dom0's call REQ (root only), 0 when WAITER is
	 * to be answered later (control_answer_call: it serves; or
	 * control_answer_error), or -errno with MSG saying why, answered now. */
	int (*call)(void *ctx, const struct rpc_request *req, struct control_waiter waiter,
		    char *msg, size_t msgcap);
	void *ctx;
	/* Besides root, LISTER_UID may connect (the socket is then group
	 * LISTER_GID's, 0660): the compositor, which has left root's uid and
	 * asks on the user's behalf what the user did on the desktop.  It may
	 * make the requests in LISTER_REQUESTS (bit CTL_BIT(type)); of them a
	 * DOMAIN request only with an op in LISTER_DOMAIN_OPS, a POWER only
	 * with one in LISTER_POWER (bits CTL_BIT(op)).  0: root only. */
	uid_t lister_uid;
	gid_t lister_gid;
	uint32_t lister_requests, lister_domain_ops, lister_power;
};

#define CTL_BIT(n) (1u << (n))

struct control_client {
	int fd;			/* -1: free slot */
	bool refused;		/* not root: its request is answered EACCES */
	bool lister;		/* the lister: its requests only */
	bool waiting;		/* its answer comes later */
	bool calling;		/* a CALL answered: the connection is the call */
	uint64_t serial;	/* this connection's, for its waiter */
};

struct control_server {
	int listen_fd;
	struct control_client clients[CTL_CLIENTS_MAX];
	struct control_ops ops;
	char *path;
	uint64_t serials;
	uint8_t buf[CTL_MSG_MAX];
};

/* Creates the socket at PATH (its directory 0755, the socket 0600, or
 * 0660 and the lister's group),
 * replacing a stale one.  0 or -errno.  SRV must stay put until closed. */
int control_listen(struct control_server *srv, const char *path, const struct control_ops *ops);
void control_close(struct control_server *srv);

/* Puts the server's fds into PFD (room for at least 1 + CTL_CLIENTS_MAX);
 * returns how many. */
size_t control_pollfds(const struct control_server *srv, struct pollfd *pfd);

/* Handles what poll() reported on the N entries control_pollfds() gave. */
void control_dispatch(struct control_server *srv, const struct pollfd *pfd, size_t n);

/* The two above as one watch, for loop_fdset_add (SRV stays put while
 * it is added). */
struct loop_fdset control_fdset(struct control_server *srv);

/* The late answer to WAITER; false when that client has gone (or could
 * not take it, and is dropped). */
bool control_answer_disposable(struct control_server *srv, struct control_waiter waiter,
			       const struct ctl_disposable *disp);
bool control_answer_ok(struct control_server *srv, struct control_waiter waiter);
bool control_answer_error(struct control_server *srv, struct control_waiter waiter, int code,
			  const char *msg);
bool control_answer_call(struct control_server *srv, struct control_waiter waiter,
			 const struct ctl_call *call);

/* Whether WAITER's connection is still there, answered or not. */
bool control_present(struct control_server *srv, struct control_waiter waiter);
/* WAITER's connection ended here: ERROR CODE MSG sent to it when its
 * socket takes it, then closed.  Not from inside an op (the server's
 * dispatch still holds that client): from the owner's own turn. */
void control_hang_up(struct control_server *srv, struct control_waiter waiter, int code,
		     const char *msg);

#endif
