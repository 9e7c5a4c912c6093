/*
 * dispvm_launch.h - the launcher's "@dispvm[:TEMPLATE] COMMAND": a new
 * disposable asked of the domain manager (RUN_DISPOSABLE on its control
 * socket, which the compositor's uid may send: the user typed it into
 * dom0's own line), its answer awaited without blocking the desktop (a
 * disposable that is not preloaded boots first).  One request at a time;
 * main loop only.
 */
#ifndef BULKHEAD_DISPVM_LAUNCH_H
#define BULKHEAD_DISPVM_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>

struct dispvm_launch {
	int fd;			/* to the manager while an answer is awaited, -1: none */
};

void dispvm_launch_init(struct dispvm_launch *l);
void dispvm_launch_close(struct dispvm_launch *l);
/* A disposable of TEMPLATE ("": the default) runs COMMAND.  0; -1 with WHY
 * (CAP bytes): one is awaited already, or the manager is not there. */
int dispvm_launch_ask(struct dispvm_launch *l, const char *template_name, const char *command,
		      char *why, size_t cap);
/* The fd to poll for the answer, -1: none awaited. */
int dispvm_launch_fd(const struct dispvm_launch *l);
/* The answer, when dispvm_launch_fd() is readable: 1 with NAME (the
 * disposable's, NAMECAP bytes), 0 with WHY (CAP bytes: refused, or no
 * answer), -1: not yet. */
int dispvm_launch_read(struct dispvm_launch *l, char *name, size_t namecap, char *why,
		       size_t cap);

#endif
