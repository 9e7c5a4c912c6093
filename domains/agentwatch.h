/*
 * agentwatch.h - the xenstore watch events of the agents the domain
 * manager listens to (an unnamed disposable's, a backend's first word),
 * a turn's worth at a time.
 *
 * Every write of a domain's data/bulkhead-agent is an event, and a domain
 * may write it in a loop, from several processes; reading the key is a
 * blocking round trip to xenstored.  So a turn takes at most
 * AGENT_EVENTS_PER_TURN events and marks each domain they name once: the
 * manager reads each marked domain's key once, however often it was
 * written.  What is left waits in libxenstore's queue, whose fd stays
 * readable: the next poll() comes back at once, after libxl's fds, the
 * control socket and the timers have had their turn.
 *
 * Pure: the events come from an agent_events (xs_check_watch() in the
 * manager, a list in the tests).  Main loop only.
 */
#ifndef BULKHEAD_AGENTWATCH_H
#define BULKHEAD_AGENTWATCH_H

#include <stdbool.h>
#include <stddef.h>

struct agent_events {
	/* The next pending event as xs_check_watch() gives it (a vector
	 * whose XS_WATCH_PATH and XS_WATCH_TOKEN entries are set, one block
	 * for free()), or NULL when none is pending.  The caller frees it. */
	char **(*next)(void *ctx);
	/* The slot (below the N of agent_events_take()) that listens to PATH
	 * with TOKEN, or -1: none does (a domain gone, one no longer listened
	 * to), and the event is dropped. */
	int (*slot)(void *ctx, const char *token, const char *path);
	void *ctx;
};

/* Takes up to AGENT_EVENTS_PER_TURN events from SRC and sets DIRTY[i]
 * for each slot i < N they name (DIRTY is not cleared first).  Returns
 * how many it took; AGENT_EVENTS_PER_TURN means more may be pending. */
size_t agent_events_take(const struct agent_events *src, bool *dirty, size_t n);

#endif
