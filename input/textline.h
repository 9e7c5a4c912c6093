/*
 * textline.h - one line of text typed through an xkbcommon keymap: dom0's
 * own text entry (the launcher's command line, the unlock screen's
 * passphrase).  It edits a buffer the caller owns (a struct secret's, for
 * a passphrase); the text xkbcommon gives for a key is wiped from the
 * stack once copied.  One thread.
 */
#ifndef BULKHEAD_TEXTLINE_H
#define BULKHEAD_TEXTLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input/keymap.h"

struct textline {
	char *buf;	/* NUL-terminated, LEN bytes of UTF-8 */
	size_t cap;	/* with the NUL */
	size_t len;
	bool ascii;	/* printable ASCII only (what the launcher sends) */
};

enum textline_result {
	TEXTLINE_EDITED,	/* a key was handled; the line may have changed */
	TEXTLINE_CANCEL,	/* Escape */
	TEXTLINE_ENTER,		/* Return or keypad Enter */
};

/* A key (evdev code, value 0 release, 1 press, 2 repeat) through K.
 * Printable text is appended while it fits; BackSpace takes off the last
 * character (a whole UTF-8 sequence); control characters are ignored. */
enum textline_result textline_key(struct textline *t, struct keymap *k, uint32_t code,
				  uint32_t value);

/* Characters (not bytes) in the line: what a masked field shows. */
size_t textline_chars(const struct textline *t);

#endif
