/*
 * domstatus.h - what the domain manager says of the domains (state, domid,
 * whether it may have windows), for the status bar and for finding a
 * domain's vchan.  The configured domains are followed from the start;
 * the others the manager lists (unnamed disposables) are added when it
 * first lists them, with the label it gives, and removed when it no longer
 * does.
 * A client of the manager's control socket (CTL_DOMAINS_SOCKET) that
 * never waits: domstatus_ask() sends DOMAINS, the caller polls
 * domstatus_fd() and calls domstatus_answer() when it is readable.  A
 * manager that is not there (no Xen) or restarting leaves the states as
 * they were.  Main loop only.
 */
#ifndef BULKHEAD_DOMSTATUS_H
#define BULKHEAD_DOMSTATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/domain_config.h"
#include "lib/limits.h"
#include "proto/ctlproto.h"

struct domstatus_entry {
	char name[DOMAIN_NAME_MAX + 1];
	enum domain_label label;
	enum domain_class class;
	char state[16];			/* "unknown" until the manager says */
	uint32_t domid;			/* CTL_NO_DOMID when not running */
	bool gui;			/* it may have windows */
	bool configured;		/* from the config: never removed */
};

/*
 * A client of the manager's socket that never waits (the bar's list, the
 * calls' questions, the USB devices): its connection, made at its first
 * request and again after one broke, and whether a reply is due.
 */
struct manager_ask {
	int fd;				/* -1: none now */
	bool waiting;			/* a request is out */
};
void manager_ask_init(struct manager_ask *a);
void manager_ask_close(struct manager_ask *a);
/* REQ sent: 1; 0 not, a reply is due; -1 it could not be (A closed). */
int manager_ask_send(struct manager_ask *a, const struct ctl_request *req);
/* The fd to poll for the reply, -1 when none is due. */
int manager_ask_fd(const struct manager_ask *a);
/* The reply, if it came: 1 with its TYPE and PAYLOAD (PLEN bytes, valid
 * until the next call of any client); 0 not yet; -1 the connection broke
 * or the reply is no message (A closed). */
int manager_ask_reply(struct manager_ask *a, enum ctl_type *type, const uint8_t **payload,
		      size_t *plen);

struct domstatus {
	struct domstatus_entry e[DOMAINS_MAX];
	size_t n;
	struct manager_ask conn;
};

void domstatus_init(struct domstatus *ds);
/* A configured domain to follow; false when there are DOMAINS_MAX. */
bool domstatus_add(struct domstatus *ds, const char *name, enum domain_label label,
		   enum domain_class class, bool gui);
const struct domstatus_entry *domstatus_find(const struct domstatus *ds, const char *name);

void domstatus_ask(struct domstatus *ds);
/* REQ sent on *FD, a control socket (connected to PATH first when *FD is
 * -1, non-blocking): 0, or -1 (the caller closes *FD). */
int control_request(int *fd, const char *path, const struct ctl_request *req);
/* The same, to the domain manager's socket. */
#define manager_request(fd, req) control_request(fd, CTL_DOMAINS_SOCKET, req)
/* The fd to poll for the answer, -1 when none is awaited. */
int domstatus_fd(const struct domstatus *ds);
/* Reads the answer; true when a state changed (the bar is to be redrawn). */
bool domstatus_answer(struct domstatus *ds);
void domstatus_close(struct domstatus *ds);

#endif
