#include "input/bindings.h"

#include <ctype.h>
#include <libevdev/libevdev.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

static const struct {
	const char *name;
	enum binding_action action;
	int has_arg;
} actions[] = {
	{ "focus-next", ACT_FOCUS_NEXT, 0 }, { "focus-prev", ACT_FOCUS_PREV, 0 },
	{ "workspace", ACT_WORKSPACE, 1 },   { "move-to", ACT_MOVE_TO, 1 },
	{ "close", ACT_CLOSE, 0 },	     { "fullscreen", ACT_FULLSCREEN, 0 },
	{ "launcher", ACT_LAUNCHER, 0 },     { "copy", ACT_COPY, 0 },
	{ "paste", ACT_PASTE, 0 },	     { "menu", ACT_MENU, 0 },
	{ "lock", ACT_LOCK, 0 },
};

static const struct {
	const char *name;
	unsigned mod;
} mods[] = {
	{ "shift", MOD_SHIFT }, { "ctrl", MOD_CTRL }, { "control", MOD_CTRL },
	{ "alt", MOD_ALT },	{ "super", MOD_SUPER }, { "meta", MOD_SUPER },
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int key_code(const char *name)
{
	char evname[40] = "KEY_";

	/* The names people use where evdev's differ. */
	if (strcasecmp(name, "Return") == 0)
		name = "Enter";
	else if (strcasecmp(name, "Escape") == 0)
		name = "Esc";
	size_t n = strlen(name);

	if (n == 0 || n > sizeof(evname) - 5)
		return -1;
	for (size_t i = 0; i < n; i++)
		evname[4 + i] = (char)toupper((unsigned char)name[i]);
	evname[4 + n] = '\0';
	int code = libevdev_event_code_from_name(EV_KEY, evname);
	/* Buttons share EV_KEY; a binding on a mouse button is not a key. */
	return code >= 0 && code < BTN_MISC ? code : -1;
}

/* "Super+Shift+Tab" into *MODS and *CODE. */
static int parse_keys(char *keys, unsigned *mods_out, int *code, char *err, size_t errlen)
{
	char *save = NULL, *part, *last = NULL;

	*mods_out = 0;
	for (part = strtok_r(keys, "+", &save); part; part = strtok_r(NULL, "+", &save)) {
		if (last) {
			size_t i;
			for (i = 0; i < ARRAY_SIZE(mods); i++)
				if (strcasecmp(last, mods[i].name) == 0)
					break;
			if (i == ARRAY_SIZE(mods))
				return fail(err, errlen, "`%s' is not a modifier (Shift, Ctrl, "
					    "Alt, Super)", last);
			*mods_out |= mods[i].mod;
		}
		last = part;
	}
	if (!last)
		return fail(err, errlen, "no key");
	*code = key_code(last);
	if (*code < 0)
		return fail(err, errlen, "`%s' is not a key name (as evdev's without KEY_: "
			    "Tab, Return, A, 1, F1, Left...)", last);
	return 0;
}

int binding_parse(const char *spec, struct binding *out, char *err, size_t errlen)
{
	char buf[128], *save = NULL;
	int code;

	if (!str_copy(buf, spec, sizeof(buf)))
		return fail(err, errlen, "binding longer than %zu characters", sizeof(buf) - 1);
	char *keys = strtok_r(buf, " \t", &save);
	char *action = strtok_r(NULL, " \t", &save);
	char *arg = strtok_r(NULL, " \t", &save);
	if (!keys || !action || strtok_r(NULL, " \t", &save))
		return fail(err, errlen, "`%s': a binding is \"Mods+Key action [argument]\"", spec);
	if (parse_keys(keys, &out->mods, &code, err, errlen) < 0)
		return -1;
	out->code = (uint16_t)code;
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
		if (strcmp(action, actions[i].name) != 0)
			continue;
		out->action = actions[i].action;
		out->arg = 0;
		if (!actions[i].has_arg != !arg)
			return fail(err, errlen, "`%s' %s", action,
				    arg ? "takes no argument" : "needs a workspace, 1 to 9");
		if (arg) {
			if (arg[0] < '1' || arg[0] > '9' || arg[1])
				return fail(err, errlen, "workspace `%s' is not 1 to 9", arg);
			out->arg = (unsigned)(arg[0] - '0');
		}
		return 0;
	}
	const char *names[ARRAY_SIZE(actions)];
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		names[i] = actions[i].name;
	const char *near = name_closest(action, names, ARRAY_SIZE(actions));
	if (near)
		return fail(err, errlen, "unknown action `%s' (did you mean `%s'?)", action, near);
	return fail(err, errlen, "unknown action `%s' (focus-next, focus-prev, workspace N, "
		    "move-to N, close, fullscreen, launcher, copy, paste, menu, lock)", action);
}

int bindings_add(struct bindings *set, const struct binding *b)
{
	if (set->n >= BINDINGS_MAX || bindings_match(set, b->mods, b->code))
		return -1;
	set->b[set->n++] = *b;
	return 0;
}

void bindings_default(struct bindings *set)
{
	static const char *const specs[] = {
		"Super+Tab focus-next", "Super+Shift+Tab focus-prev", "Super+Shift+Q close",
		"Super+F fullscreen",	"Super+Return launcher", "Ctrl+Shift+C copy",
		"Ctrl+Shift+V paste",	"Super+Escape menu",	 "Super+L lock",
	};
	struct binding b;
	char err[128], spec[64];

	set->n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++)
		if (binding_parse(specs[i], &b, err, sizeof(err)) == 0)
			bindings_add(set, &b);
	for (int n = 1; n <= 9; n++) {
		snprintf(spec, sizeof(spec), "Super+%d workspace %d", n, n);
		if (binding_parse(spec, &b, err, sizeof(err)) == 0)
			bindings_add(set, &b);
		snprintf(spec, sizeof(spec), "Super+Shift+%d move-to %d", n, n);
		if (binding_parse(spec, &b, err, sizeof(err)) == 0)
			bindings_add(set, &b);
	}
}

const struct binding *bindings_match(const struct bindings *set, unsigned mods, uint32_t code)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->b[i].code == code && set->b[i].mods == mods)
			return &set->b[i];
	return NULL;
}

unsigned binding_mod_of_key(uint32_t code)
{
	switch (code) {
	case KEY_LEFTSHIFT:
	case KEY_RIGHTSHIFT:
		return MOD_SHIFT;
	case KEY_LEFTCTRL:
	case KEY_RIGHTCTRL:
		return MOD_CTRL;
	case KEY_LEFTALT:
	case KEY_RIGHTALT:
		return MOD_ALT;
	case KEY_LEFTMETA:
	case KEY_RIGHTMETA:
		return MOD_SUPER;
	default:
		return 0;
	}
}

const char *binding_action_name(enum binding_action a)
{
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (actions[i].action == a)
			return actions[i].name;
	return "?";
}
