#include "lib/escape.h"

#include <string.h>

/* C's escape of one byte into OUT (ESCAPE_MAX bytes); returns its length. */
static size_t escape_byte(unsigned char c, bool keep_lines, char *out)
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\\') {
		out[0] = out[1] = '\\';
		return 2;
	}
	if ((c >= 0x20 && c <= 0x7e) || (keep_lines && (c == '\n' || c == '\t'))) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 0xf];
	return 4;
}

/* Appends C's escape to OUT at *AT if it fits before the NUL. */
static bool put(unsigned char c, bool keep_lines, char *out, size_t cap, size_t *at)
{
	char esc[ESCAPE_MAX];
	size_t n = escape_byte(c, keep_lines, esc);

	if (n > cap - 1 - *at)
		return false;
	memcpy(out + *at, esc, n);
	*at += n;
	return true;
}

size_t text_escape(struct text_escape *e, const char *src, size_t len, char *out, size_t cap,
		   size_t *used)
{
	size_t at = 0, i = 0;

	/* The last chunk's CR: dropped before a '\n', escaped before anything else. */
	if (e->cr_held && len > 0) {
		if (src[0] != '\n' && !put('\r', false, out, cap, &at))
			goto full;
		e->cr_held = false;
	}
	for (; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		if (e->keep_lines && c == '\r' && i + 1 == len) {
			e->cr_held = true;
			continue;
		}
		if (e->keep_lines && c == '\r' && src[i + 1] == '\n')
			continue;
		if (!put(c, e->keep_lines, out, cap, &at))
			break;
	}
full:
	out[at] = '\0';
	if (used)
		*used = i;
	return at;
}

size_t text_escape_end(struct text_escape *e, char *out, size_t cap)
{
	size_t at = 0;

	if (e->cr_held && put('\r', false, out, cap, &at))
		e->cr_held = false;
	out[at] = '\0';
	return at;
}

const char *text_escape_once(const void *src, size_t len, char *out, size_t cap)
{
	struct text_escape e = { 0 };
	text_escape(&e, src, len, out, cap, NULL);
	return out;
}
