#include "drm-compositor/launcher.h"

#include <string.h>
#include <xkbcommon/xkbcommon-keysyms.h>

enum launcher_result launcher_key(struct launcher *l, uint32_t code, uint32_t value)
{
	char text[8];
	size_t n = strlen(l->line);

	/* Releases too: xkbcommon's modifier state must follow every key. */
	uint32_t sym = keymap_key(l->keymap, code, value, text, sizeof(text));
	if (value == 0)
		return LAUNCHER_EDITED;
	if (sym == XKB_KEY_Escape)
		return LAUNCHER_CANCEL;
	if (sym == XKB_KEY_Return || sym == XKB_KEY_KP_Enter)
		return LAUNCHER_ENTER;
	if (sym == XKB_KEY_BackSpace) {
		if (n)
			l->line[n - 1] = '\0';
	} else if (text[0] >= 0x20 && text[0] < 0x7f && !text[1] && n + 1 < sizeof(l->line)) {
		l->line[n] = text[0];
		l->line[n + 1] = '\0';
	}
	return LAUNCHER_EDITED;
}

bool launcher_split(const char *line, char *domain, size_t cap, const char **command)
{
	size_t n = strcspn(line, " ");

	if (n == 0 || n >= cap)
		return false;
	memcpy(domain, line, n);
	domain[n] = '\0';
	*command = line[n] && line[n + 1] ? line + n + 1 : LAUNCHER_DEFAULT_COMMAND;
	return true;
}
