/*
 * escape.h - text from outside, made safe to show on a terminal.
 *
 * Log lines and the domains' consoles carry bytes that others chose:
 * libxl's messages quote what a backend domain wrote in xenstore, a
 * domain writes what it likes on its console.  A terminal takes some
 * bytes as commands (ESC sequences clear the screen, retitle the window,
 * move the cursor or answer back into its input; CR and backspace write
 * over what is shown; a newline starts a line that looks like dom0's own),
 * so every byte but printable ASCII is written as an escape:
 *
 *   0x20..0x7e     as it is, except '\' which is written "\\"
 *   any other      "\xNN", two lower-case hex digits
 *
 * so that the text shown says unambiguously which bytes were there.
 * UTF-8 is escaped too, byte by byte: the boot console (a VT's font, a
 * serial line) shows ASCII, a multi-byte sequence can carry C1 controls
 * (U+0080..U+009F, which some terminals take as ESC [ and the like) and
 * bidirectional overrides that make a line read as something else, and
 * dom0's own lines are ASCII: anything else in them came from outside.
 *
 * With KEEP_LINES (a console's text, shown as lines): '\n' and '\t' stay,
 * and "\r\n" becomes "\n" (serial consoles end their lines so); any other
 * CR is escaped.  A CR at the end of one chunk is held until the next
 * chunk says what follows it.
 *
 * Pure: no I/O, no allocation.  Any thread, one struct per stream.
 */
#ifndef BULKHEAD_ESCAPE_H
#define BULKHEAD_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/* The longest escape one byte can become ("\xNN"). */
#define ESCAPE_MAX 4

struct text_escape {
	bool keep_lines;
	bool cr_held;	/* the last chunk ended in a CR, not written yet */
};

/* Writes SRC (LEN bytes) escaped into OUT (CAP >= 1 bytes, always
 * NUL-terminated) and returns the bytes written, NUL not counted.
 * *USED (may be NULL) is how many bytes of SRC it took: all of them, or
 * fewer when OUT is full (an escape is never cut in two). */
size_t text_escape(struct text_escape *e, const char *src, size_t len, char *out, size_t cap,
		   size_t *used);

/* SRC (LEN bytes), a piece of text on its own (no stream, no lines kept),
 * escaped into OUT (CAP >= 1, NUL-terminated, cut whole escapes at a time):
 * a name from outside in a message.  Returns OUT. */
const char *text_escape_once(const void *src, size_t len, char *out, size_t cap);

/* The end of the stream: a held CR, escaped, into OUT (CAP >= 1 + 4);
 * returns the bytes written (0 when none was held). */
size_t text_escape_end(struct text_escape *e, char *out, size_t cap);

#endif
