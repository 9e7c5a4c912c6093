/*
 * openvm.h - the stream of the service bulkhead.OpenInVM (docs/RPC.md,
 * "Open in a disposable"): a file sent to a new disposable, opened there,
 * and sent back if it changed.
 *
 *   caller -> service   NAME "\n", then the file's bytes to the end
 *   service -> caller   "unchanged\n"; or "changed\n", then the file's new
 *                       bytes to the end
 *
 * NAME is the file's own name (one component: the handler in the
 * disposable goes by its extension), checked by openvm_name_check().  Both
 * ends read the other's bytes as hostile: the disposable opened a file
 * that may have taken it over, the caller may be anyone the policy lets
 * call.  At most OPENVM_FILE_MAX bytes of file either way.
 *
 * Pure: no I/O, no allocation.  One struct openvm_reply per stream.
 */
#ifndef BULKHEAD_OPENVM_H
#define BULKHEAD_OPENVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

#define OPENVM_SERVICE "bulkhead.OpenInVM"
/* The longest first line either way, its "\n" included. */
#define OPENVM_LINE_MAX (OPENVM_NAME_MAX + 1)

/* Why UNTRUSTED (LEN bytes, no "\n") is not a file's name to use in a
 * directory of one's own, or NULL: 1 to OPENVM_NAME_MAX bytes, not "." or
 * "..", no "/", no NUL, no control byte (0x00-0x1f, 0x7f), not starting
 * with "-" (a handler would take it for an option). */
const char *openvm_name_check(const char *untrusted, size_t len);

enum openvm_reply_state {
	OPENVM_REPLY_HEAD,	/* its first line not all read */
	OPENVM_REPLY_UNCHANGED,
	OPENVM_REPLY_CHANGED,	/* the new bytes follow */
	OPENVM_REPLY_BAD,	/* refused: nothing of it is to be used */
};

struct openvm_reply {
	enum openvm_reply_state state;
	char head[16];
	size_t hlen;
	uint64_t bytes;		/* of the new file, so far */
	const char *why;	/* BAD: why */
};

void openvm_reply_init(struct openvm_reply *r);
/* The next LEN bytes of the service's stdout.  The part that is the new
 * file's in *DATA, *DLEN (none: 0).  False when the reply is refused now
 * (r->why says why: a first line that is neither, bytes after
 * "unchanged", more than OPENVM_FILE_MAX). */
bool openvm_reply_feed(struct openvm_reply *r, const char *untrusted, size_t len,
		       const char **data, size_t *dlen);
/* At the stream's end: NULL when the reply was whole, else why not. */
const char *openvm_reply_end(const struct openvm_reply *r);

#endif
