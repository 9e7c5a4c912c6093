/* libFuzzer target: the vchan transport's framing (gui_stream in
 * proto/guiproto.h) on any byte stream, read in any pieces.
 *
 * The input's first byte picks how the ring hands out bytes (a pattern of
 * piece sizes from the next bytes); the rest is the stream a domain wrote.
 * Read as the transport reads it (never more than gui_stream_want()
 * asks), the stream must come out as exactly the messages that cutting it
 * by the headers' lengths gives, in order, whatever the pieces, each at
 * most GUI_MSG_MAX bytes; and at the first header gui_msg_length() refuses
 * the stream ends, with nothing handed out from there on. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/guiproto.h"

static struct gui_stream S;
static uint8_t out[GUI_MSG_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;

	if (size < 2)
		return 0;
	size_t npieces = 1 + data[0] % 8;
	if (size < 1 + npieces)
		return 0;
	const uint8_t *pieces = data + 1;
	const uint8_t *stream = data + 1 + npieces;
	size_t len = size - 1 - npieces, at = 0, ref = 0, turn = 0;

	S.have = 0;
	for (;;) {
		long want = gui_stream_want(&S, &why);
		if (want < 0) {
			/* Refused: exactly where the reference refuses too. */
			if (gui_msg_length(stream + ref, &why) >= 0 || !why)
				__builtin_trap();
			break;
		}
		if (want == 0) {
			size_t n = gui_stream_take(&S, out, sizeof(out));
			long total = gui_msg_length(stream + ref, &why);
			if (total < 0 || (size_t)total != n || n > GUI_MSG_MAX ||
			    memcmp(out, stream + ref, n) != 0 || S.have != 0)
				__builtin_trap();
			ref += n;
			continue;
		}
		if (at == len)
			break;
		/* The ring has this much ready now (at least a byte). */
		size_t ready = 1 + pieces[turn++ % npieces];
		size_t take = (size_t)want < ready ? (size_t)want : ready;
		take = take < len - at ? take : len - at;
		memcpy(S.in + S.have, stream + at, take);
		S.have += take;
		at += take;
	}
	/* What is left is one message being assembled, never more. */
	if (at - ref != S.have || S.have > GUI_MSG_MAX)
		__builtin_trap();
	return 0;
}
