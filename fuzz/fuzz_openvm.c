/*
 * fuzz_openvm - bulkhead.OpenInVM's stream (guest/openvm.h): the file's
 * name as a disposable reads it from its caller, and the answer as the
 * caller reads it from the disposable, fed in the chunks the input's first
 * bytes choose.  Checked: a name taken has no "/", no control byte, is not
 * "." or "..", does not start with "-"; an answer's file bytes come only
 * after "changed\n", are the input's own bytes in order, never more than
 * OPENVM_FILE_MAX; a refused answer stays refused and gives nothing more;
 * the outcome does not depend on how the bytes were cut.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/openvm.h"

static void name(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	if (openvm_name_check(s, size))
		return;
	if (size == 0 || size > OPENVM_NAME_MAX || s[0] == '-' || memchr(s, '/', size) ||
	    (size == 1 && s[0] == '.') || (size == 2 && s[0] == '.' && s[1] == '.'))
		abort();
	for (size_t i = 0; i < size; i++)
		if (data[i] < 0x20 || data[i] == 0x7f)
			abort();
}

/* The answer in DATA fed in chunks of CUT bytes (0: whole): its state,
 * and the file bytes it gave in OUT (*N). */
static enum openvm_reply_state feed(const uint8_t *data, size_t size, size_t cut, uint8_t *out,
				    size_t *n)
{
	struct openvm_reply r;
	openvm_reply_init(&r);
	*n = 0;
	bool refused = false;
	for (size_t at = 0; at < size || size == 0;) {
		size_t len = cut && size - at > cut ? cut : size - at;
		const char *d;
		size_t dlen;
		bool ok = openvm_reply_feed(&r, (const char *)data + at, len, &d, &dlen);
		if (refused && (ok || dlen))
			abort();
		if (!ok) {
			refused = true;
			if (r.state != OPENVM_REPLY_BAD || !openvm_reply_end(&r) || dlen)
				abort();
		}
		if (dlen) {
			if (r.state != OPENVM_REPLY_CHANGED || d < (const char *)data + at ||
			    d + dlen != (const char *)data + at + len)
				abort();
			memcpy(out + *n, d, dlen);
			*n += dlen;
		}
		at += len;
		if (size == 0)
			break;
	}
	if (r.bytes != *n || r.bytes > OPENVM_FILE_MAX)
		abort();
	if (openvm_reply_end(&r) == NULL &&
	    r.state != OPENVM_REPLY_CHANGED && r.state != OPENVM_REPLY_UNCHANGED)
		abort();
	return r.state;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		name(data + 1, size - 1);
		return 0;
	}
	size_t cut = data[0] >> 1;
	data++;
	size--;
	uint8_t *a = malloc(size + 1), *b = malloc(size + 1);
	size_t na, nb;
	if (!a || !b)
		abort();
	enum openvm_reply_state whole = feed(data, size, 0, a, &na);
	enum openvm_reply_state cutup = feed(data, size, cut ? cut : 1, b, &nb);
	if (whole != cutup || (whole != OPENVM_REPLY_BAD && (na != nb || memcmp(a, b, na) != 0)))
		abort();
	/* A whole "changed" answer gives every byte after its first line. */
	if (whole == OPENVM_REPLY_CHANGED && (na != size - 8 || memcmp(a, data + 8, na) != 0))
		abort();
	free(a);
	free(b);
	return 0;
}
