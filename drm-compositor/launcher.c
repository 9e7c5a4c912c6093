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
	const char *space = strchr(line, ' ');

	if (!space || space == line || !space[1] || (size_t)(space - line) >= cap)
		return false;
	memcpy(domain, line, (size_t)(space - line));
	domain[space - line] = '\0';
	*command = space + 1;
	return true;
}
