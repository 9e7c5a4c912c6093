/*
 * askpass.h - asking the user for a disk's passphrase, where the user is
 * looking:
 *   screen   the DRM screen, drawn with Cairo in the desktop's font, keys
 *            from evdev (grabbed) through the desktop's xkbcommon layout,
 *            so a non-US keyboard types what its keys say
 *            (unlock/askpass_screen.c);
 *   console  /dev/console with echo off, when there is no DRM device
 *            (unlock/askpass_console.c).
 * The passphrase goes straight from the keys into the caller's struct
 * secret: it is shown masked (one bullet per character) and is in no log.
 *
 * Used by `bulkhead unlock' only (unlock/unlock.h), never by PID 1 itself.
 * One thread; blocking.
 */
#ifndef BULKHEAD_ASKPASS_H
#define BULKHEAD_ASKPASS_H

#include <stddef.h>

#include "lib/secret.h"

struct askpass_request {
	const char *volume;	/* "cryptroot" */
	const char *device;	/* "UUID=... (/dev/vda)" */
	const char *notice;	/* why it asks again ("" the first time) */
	unsigned try, tries;	/* this is try TRY of TRIES */
};

struct askpass;

struct askpass_ops {
	/* Asks; the typed text (Return ends it) is in *S.  0, or -errno when
	 * nothing can be read any more (the keyboard or console is gone). */
	int (*ask)(struct askpass *a, const struct askpass_request *req, struct secret *s);
	/* Shows TEXT instead of the question (what happens now). */
	void (*say)(struct askpass *a, const char *volume, const char *text);
	void (*destroy)(struct askpass *a);
};

struct askpass {
	const struct askpass_ops *ops;
};

/* The DRM screen at DRM_DEVICE with FONT and LAYOUT (desktop.cfg's).
 * NULL with ERR saying why (no such device: ENOENT in errno). */
struct askpass *askpass_screen_new(const char *drm_device, const char *font, const char *layout,
				   char *err, size_t errlen);

/* TTY ("/dev/console").  NULL with ERR saying why. */
struct askpass *askpass_console_new(const char *tty, char *err, size_t errlen);

/* Over an open FD (a pty in the tests): not closed by destroy. */
struct askpass *askpass_fd_new(int fd);

static inline void askpass_destroy(struct askpass *a)
{
	if (a)
		a->ops->destroy(a);
}

#endif
