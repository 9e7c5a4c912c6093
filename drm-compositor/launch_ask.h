/*
 * launch_ask.h - what the launcher asks of the domain manager, on its
 * control socket (which the compositor's uid may use for these two: the
 * user typed them into dom0's own line):
 *   - "@dispvm[:TEMPLATE] COMMAND": a new disposable (RUN_DISPOSABLE);
 *   - "DOMAIN COMMAND" for a domain that is not running: its start (DOMAIN
 *     START), the command run once its agent is up (the compositor's part).
 * The answer is awaited without blocking the desktop (a domain boots
 * first).  One request at a time; main loop only.
 */
#ifndef BULKHEAD_LAUNCH_ASK_H
#define BULKHEAD_LAUNCH_ASK_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/limits.h"

struct launch_ask {
	int fd;			/* to the manager while an answer is awaited, -1: none */
	bool start;		/* the request out is a start, of `name' */
	char name[DOMAIN_NAME_MAX + 1];
};

void launch_ask_init(struct launch_ask *l);
void launch_ask_close(struct launch_ask *l);
/* A disposable of TEMPLATE ("": the default) runs COMMAND.  0; -1 with WHY
 * (CAP bytes): a request is out already, or the manager is not there. */
int launch_ask_disposable(struct launch_ask *l, const char *template_name, const char *command,
			  char *why, size_t cap);
/* The domain NAME is started.  0; -1 with WHY, as above. */
int launch_ask_start(struct launch_ask *l, const char *name, char *why, size_t cap);
/* The fd to poll for the answer, -1: none awaited. */
int launch_ask_fd(const struct launch_ask *l);
/* The answer, when launch_ask_fd() is readable: 1 with NAME (NAMECAP
 * bytes: the disposable's, or the domain started), 0 with WHY (CAP bytes:
 * refused, or no answer), -1: not yet.  *START says which request it
 * answers. */
int launch_ask_read(struct launch_ask *l, bool *start, char *name, size_t namecap, char *why,
		    size_t cap);

#endif
