/*
 * lock.h - the lock screen (Super+L, the menu's "Lock the screen", or
 * desktop.cfg's lock_idle_s without input).  While locked:
 *   - the screen is dom0's lock screen alone: no domain's pixels, titles,
 *     names, clipboard or notices;
 *   - no key, button, motion or wheel reaches a domain and no binding
 *     works: the keyboard types into the passphrase line only, through
 *     dom0's keymap, into locked memory (lib/secret.h);
 *   - Return checks the line (the caller's check: crypt(3) against the
 *     configured hash); a wrong one is said, the line wiped, and the next
 *     check waits LOCK_DELAY_MS, doubled at each wrong one up to
 *     LOCK_DELAY_MAX_MS (what is typed meanwhile is kept); Escape wipes
 *     the line.
 * Nothing a domain sends is read by it: no domain can unlock the screen.
 * The caller owns the keymap and the check.  Main loop only.
 */
#ifndef BULKHEAD_LOCK_H
#define BULKHEAD_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input/keymap.h"
#include "input/textline.h"
#include "lib/secret.h"

#define LOCK_PASSPHRASE_MAX	256
#define LOCK_DELAY_MS		1000
#define LOCK_DELAY_MAX_MS	30000

struct lock {
	bool locked;
	struct secret pass;		/* the line typed */
	struct textline line;
	unsigned failures;		/* wrong checks since it was locked */
	uint64_t not_before;		/* monotonic ms: no check earlier */
	bool wrong;			/* the last check failed: said until a key */
};

/* The check of a passphrase typed: whether it is the right one. */
typedef bool lock_check_fn(void *ctx, const char *passphrase);

/* Room for the line, locked in memory.  0 or -errno (lib/secret.h). */
int lock_init(struct lock *l);
void lock_free(struct lock *l);

/* Locks (again): the line empty, the count of wrong ones from 0. */
void lock_engage(struct lock *l);

enum lock_result {
	LOCK_SAME,		/* nothing to show anew */
	LOCK_CHANGED,		/* the line or the message changed */
	LOCK_UNLOCKED,		/* the right passphrase: no longer locked */
};

/* A key (evdev code, value 0..2) through K at NOW (monotonic ms) while
 * locked; Return calls CHECK(CTX, line) unless it is too early. */
enum lock_result lock_key(struct lock *l, struct keymap *k, uint32_t code, uint32_t value,
			  uint64_t now, lock_check_fn *check, void *ctx);

/* What the lock screen says at NOW (into TEXT, CAP bytes): how to unlock,
 * the dots of the line, a wrong passphrase and the wait. */
void lock_describe(const struct lock *l, uint64_t now, char *text, size_t cap);

#endif
