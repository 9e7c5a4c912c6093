/*
 * openvm.c - bulkhead.OpenInVM's stream, checked (guest/openvm.h).
 */
#include "guest/openvm.h"

#include <string.h>

const char *openvm_name_check(const char *untrusted, size_t len)
{
	if (len == 0)
		return "the file's name is empty";
	if (len > OPENVM_NAME_MAX)
		return "the file's name is longer than 255 bytes";
	if ((len == 1 && untrusted[0] == '.') || (len == 2 && memcmp(untrusted, "..", 2) == 0))
		return "the file's name is . or ..";
	if (untrusted[0] == '-')
		return "the file's name starts with -";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)untrusted[i];
		if (c == '/')
			return "the file's name has a /";
		if (c < 0x20 || c == 0x7f)
			return "the file's name has a control character";
	}
	return NULL;
}

void openvm_reply_init(struct openvm_reply *r)
{
	memset(r, 0, sizeof(*r));
}

static bool bad(struct openvm_reply *r, const char *why)
{
	r->state = OPENVM_REPLY_BAD;
	r->why = why;
	return false;
}

/* The first line, whole in r->head (its "\n" not counted). */
static bool head_done(struct openvm_reply *r)
{
	if (r->hlen == 9 && memcmp(r->head, "unchanged", 9) == 0)
		r->state = OPENVM_REPLY_UNCHANGED;
	else if (r->hlen == 7 && memcmp(r->head, "changed", 7) == 0)
		r->state = OPENVM_REPLY_CHANGED;
	else
		return bad(r, "its first line is neither \"changed\" nor \"unchanged\"");
	return true;
}

bool openvm_reply_feed(struct openvm_reply *r, const char *untrusted, size_t len,
		       const char **data, size_t *dlen)
{
	size_t i = 0;
	*data = NULL;
	*dlen = 0;
	if (r->state == OPENVM_REPLY_BAD)
		return false;
	while (r->state == OPENVM_REPLY_HEAD && i < len) {
		char c = untrusted[i++];
		if (c == '\n') {
			if (!head_done(r))
				return false;
		} else if (r->hlen == sizeof(r->head)) {
			return bad(r, "its first line is neither \"changed\" nor \"unchanged\"");
		} else {
			r->head[r->hlen++] = c;
		}
	}
	if (i == len)
		return true;
	if (r->state == OPENVM_REPLY_UNCHANGED)
		return bad(r, "it sent bytes after \"unchanged\"");
	if (len - i > OPENVM_FILE_MAX - r->bytes)
		return bad(r, "the file it sent back is bigger than the largest one sent");
	r->bytes += len - i;
	*data = untrusted + i;
	*dlen = len - i;
	return true;
}

const char *openvm_reply_end(const struct openvm_reply *r)
{
	switch (r->state) {
	case OPENVM_REPLY_HEAD:
		return "it ended before it said whether the file changed";
	case OPENVM_REPLY_BAD:
		return r->why;
	default:
		return NULL;
	}
}
