/*
 * launch_ask.h - what the launcher and the menu ask of the domain manager
 * and of PID 1, on their control sockets (which the compositor's uid may
 * use for these alone: the user asked on dom0's own screen):
 *   - "@dispvm[:TEMPLATE] COMMAND": a new disposable (RUN_DISPOSABLE);
 *   - "DOMAIN COMMAND" for a domain that is not running: its start (DOMAIN
 *     START), the command run once its agent is up (the compositor's part);
 *   - the menu's start, shut down or kill of a domain (DOMAIN START, STOP,
 *     KILL);
 *   - the menu's power off or reboot of dom0 (PID 1's POWER).
 * The answer is awaited without blocking the desktop (a domain boots
 * first).  One request at a time; main loop only.
 */
#ifndef BULKHEAD_LAUNCH_ASK_H
#define BULKHEAD_LAUNCH_ASK_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/limits.h"
#include "proto/ctlproto.h"

/* What the request out is. */
enum launch_ask_kind {
	LAUNCH_ASK_DISPOSABLE,
	LAUNCH_ASK_DOMAIN,	/* op on `name' */
	LAUNCH_ASK_POWER,	/* power */
};

struct launch_ask {
	int fd;			/* while an answer is awaited, -1: none */
	enum launch_ask_kind kind;
	enum ctl_domain_op op;
	enum ctl_power power;
	char name[DOMAIN_NAME_MAX + 1];
};

void launch_ask_init(struct launch_ask *l);
void launch_ask_close(struct launch_ask *l);
/* A disposable of TEMPLATE ("": the default) runs COMMAND.  0; -1 with WHY
 * (CAP bytes): a request is out already, or the manager is not there. */
int launch_ask_disposable(struct launch_ask *l, const char *template_name, const char *command,
			  char *why, size_t cap);
/* OP (start, stop, kill) on the domain NAME.  0; -1 with WHY, as above. */
int launch_ask_domain(struct launch_ask *l, enum ctl_domain_op op, const char *name, char *why,
		      size_t cap);
/* dom0 powered off or rebooted (POWER, to PID 1's socket at SOCKET).  0;
 * -1 with WHY, as above. */
int launch_ask_power(struct launch_ask *l, const char *socket, enum ctl_power power, char *why,
		     size_t cap);
/* The fd to poll for the answer, -1: none awaited. */
int launch_ask_fd(const struct launch_ask *l);
/* The answer, when launch_ask_fd() is readable: 1 with NAME (NAMECAP
 * bytes: the disposable's, or the domain asked about; "" for POWER), 0
 * with WHY (CAP bytes: refused, or no answer), -1: not yet.  *ASKED gets
 * the request it answers (its kind, op, power and name). */
int launch_ask_read(struct launch_ask *l, struct launch_ask *asked, char *name, size_t namecap,
		    char *why, size_t cap);

#endif
