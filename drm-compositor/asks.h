/*
 * asks.h - the questions dom0's policy asks the user about calls between
 * domains (docs/RPC.md, "ask"): listed by the domain manager (ASKS on its
 * control socket, every second), shown one at a time over the desktop in
 * dom0's own colours while the desktop has the keyboard (no domain can
 * draw it or see these keys), answered with the keyboard (ANSWER): Left,
 * Right or Tab choose among the targets the policy offers, Return allows
 * the call to the one chosen, Escape refuses it.  Return is taken only
 * ASKS_ARM_MS after the question is shown: a user typing Return into a
 * window as a question comes does not allow a call unseen.  The manager
 * refuses a question nobody answers in 60 s.
 *
 * A client of the manager's socket that never waits: asks_poll() sends a
 * request when none is out, the caller polls asks_fd() and calls
 * asks_read() when it is readable.  The manager's replies are parsed by
 * ctl_decode_asks().  Main loop only.
 */
#ifndef BULKHEAD_ASKS_H
#define BULKHEAD_ASKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drm-compositor/domstatus.h"
#include "proto/ctlproto.h"

#define ASKS_ARM_MS 1000

struct asks {
	struct ctl_ask q[CTL_ASKS_MAX];	/* q[0] is the one shown */
	size_t n;
	size_t chosen;			/* of q[0]'s choices */
	uint64_t shown_at;		/* monotonic ms: when q[0] came up */
	struct manager_ask conn;
	bool answer_due;		/* the user answered: sent at the next poll */
	uint32_t answer_id;
	char answer[CTL_CHOICE_MAX + 1];	/* "": no */
};

void asks_init(struct asks *a);
void asks_close(struct asks *a);
/* The answer the user gave, or else the list, asked of the manager. */
void asks_poll(struct asks *a);
int asks_fd(const struct asks *a);	/* -1 when no reply is awaited */
/* A reply came (at NOW, monotonic ms): whether what is shown changed. */
bool asks_read(struct asks *a, uint64_t now);
/* Whether a question is shown (the desktop then has the keyboard). */
bool asks_open(const struct asks *a);
/* A key (evdev code, value 0..2) at NOW while a question is shown: whether
 * what is shown changed (another choice, or the question answered). */
bool asks_key(struct asks *a, uint32_t code, uint32_t value, uint64_t now);
/* What the question says, and its choices with the chosen one marked, as
 * one line each into TEXT and CHOICES (CAP bytes each). */
void asks_describe(const struct asks *a, char *text, char *choices, size_t cap);

#endif
