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

bool launcher_matches(const struct launcher *l, const char *name)
{
	size_t n = strlen(l->line);
	return !strchr(l->line, ' ') && strncmp(name, l->line, n) == 0;
}

bool launcher_complete(struct launcher *l, const char *const *names, size_t n)
{
	const char *first = NULL;
	size_t common = 0, count = 0, typed = strlen(l->line);

	for (size_t i = 0; i < n; i++) {
		if (!launcher_matches(l, names[i]))
			continue;
		if (!first) {
			first = names[i];
			common = strlen(first);
		}
		size_t k = 0;
		while (k < common && names[i][k] == first[k])
			k++;
		common = k;
		count++;
	}
	if (!first || (common <= typed && count > 1))
		return false;
	if (common + (count == 1) >= sizeof(l->line))
		return false;
	memcpy(l->line, first, common);
	l->line[common] = '\0';
	if (count == 1)
		strcat(l->line, " ");
	return true;
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
