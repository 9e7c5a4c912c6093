/*
 * secret.h - memory for passphrases: its own pages, locked in RAM (never
 * written to swap), left out of core dumps (MADV_DONTDUMP), and wiped with
 * explicit_bzero() when done with.  What is read from a keyboard goes
 * straight into one; a passphrase is never copied anywhere else, never
 * logged and never put in a message.
 *
 * The owner frees it (secret_free), on every path.  One thread.
 */
#ifndef BULKHEAD_SECRET_H
#define BULKHEAD_SECRET_H

#include <stddef.h>

struct secret {
	char *buf;	/* NUL-terminated text of LEN bytes, CAP with the NUL */
	size_t len;
	size_t cap;
	size_t map;	/* bytes mapped */
};

/* Room for CAP - 1 bytes of text.  0, or -errno (mlock refused: ENOMEM or
 * EPERM, over RLIMIT_MEMLOCK). */
int secret_alloc(struct secret *s, size_t cap);

/* Forgets the text (wiped); the memory stays for the next one. */
void secret_wipe(struct secret *s);

/* Wipes and unmaps; a zeroed or already freed secret is fine. */
void secret_free(struct secret *s);

#endif
