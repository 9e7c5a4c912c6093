#include "drm-compositor/launcher.h"

#include <string.h>

#include "input/textline.h"
#include "lib/util.h"

enum launcher_result launcher_key(struct launcher *l, uint32_t code, uint32_t value)
{
	struct textline t = { l->line, sizeof(l->line), strlen(l->line), true };

	switch (textline_key(&t, l->keymap, code, value)) {
	case TEXTLINE_CANCEL:
		return LAUNCHER_CANCEL;
	case TEXTLINE_ENTER:
		return LAUNCHER_ENTER;
	case TEXTLINE_EDITED:
		break;
	}
	return LAUNCHER_EDITED;
}

bool launcher_dispvm(const char *domain, char *template_name, size_t cap)
{
	static const char prefix[] = "@dispvm";
	size_t n = sizeof(prefix) - 1;
	if (strncmp(domain, prefix, n) != 0 || (domain[n] && domain[n] != ':'))
		return false;
	const char *t = domain[n] ? domain + n + 1 : "";
	if (domain[n] && !domain_name_is_valid(t, strlen(t)))
		return false;
	return str_copy(template_name, t, cap);
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
