#include "input/textline.h"

#include <string.h>
#include <xkbcommon/xkbcommon-keysyms.h>

static bool is_continuation(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

static void erase_last(struct textline *t)
{
	while (t->len && is_continuation(t->buf[t->len - 1]))
		t->len--;
	if (t->len)
		t->len--;
	/* What was there may be a passphrase: no trace past the end. */
	memset(t->buf + t->len, 0, t->cap - t->len);
}

static bool printable(const char *text, bool ascii)
{
	size_t n = strlen(text);
	if (n == 0 || (ascii && n != 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c < 0x20 || c == 0x7f || (ascii && c > 0x7e))
			return false;
	}
	return true;
}

enum textline_result textline_key(struct textline *t, struct keymap *k, uint32_t code,
				  uint32_t value)
{
	char text[16];
	enum textline_result r = TEXTLINE_EDITED;

	/* Releases too: xkbcommon's modifier state must follow every key. */
	uint32_t sym = keymap_key(k, code, value, text, sizeof(text));
	if (value == 0)
		r = TEXTLINE_EDITED;
	else if (sym == XKB_KEY_Escape)
		r = TEXTLINE_CANCEL;
	else if (sym == XKB_KEY_Return || sym == XKB_KEY_KP_Enter)
		r = TEXTLINE_ENTER;
	else if (sym == XKB_KEY_BackSpace)
		erase_last(t);
	else if (printable(text, t->ascii) && t->len + strlen(text) < t->cap) {
		memcpy(t->buf + t->len, text, strlen(text) + 1);
		t->len += strlen(text);
	}
	explicit_bzero(text, sizeof(text));
	return r;
}

size_t textline_chars(const struct textline *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->len; i++)
		n += !is_continuation(t->buf[i]);
	return n;
}
