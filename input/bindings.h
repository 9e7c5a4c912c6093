/*
 * bindings.h - dom0's key bindings: "Super+Shift+2 move-to 2" in the
 * desktop config, parsed once, matched on every key press.  Keys are named
 * as evdev names them without "KEY_" (Tab, Return, A, 1, F1, Left ...),
 * case-insensitive: bindings are on physical keys, whatever the layout, so
 * that a binding can never change meaning with the keymap.  Pure; safe
 * anywhere.
 */
#ifndef BULKHEAD_BINDINGS_H
#define BULKHEAD_BINDINGS_H

#include <linux/input-event-codes.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

#define BINDINGS_MAX	64

enum binding_mod {
	MOD_SHIFT = 1,
	MOD_CTRL = 2,
	MOD_ALT = 4,
	MOD_SUPER = 8,
};

enum binding_action {
	ACT_FOCUS_NEXT,
	ACT_FOCUS_PREV,
	ACT_WORKSPACE,		/* arg: 1..9 */
	ACT_MOVE_TO,		/* arg: 1..9 */
	ACT_CLOSE,		/* asks the focused window's domain */
	ACT_FULLSCREEN,
	ACT_LAUNCHER,
	ACT_COPY,		/* the focused window's domain's clipboard into dom0's */
	ACT_PASTE,		/* dom0's clipboard to the focused window's domain, once */
	ACT_MENU,		/* dom0's menu: the domains, lock, reboot, power off */
	ACT_LOCK,		/* the lock screen */
};

struct binding {
	unsigned mods;
	uint16_t code;
	enum binding_action action;
	unsigned arg;
};

struct bindings {
	struct binding b[BINDINGS_MAX];
	size_t n;
};

/* Parses SPEC ("Mod+...+Key action [arg]") into *OUT.  0, or -1 with ERR
 * saying what is wrong and what would be right. */
int binding_parse(const char *spec, struct binding *out, char *err, size_t errlen);

/* Super+Tab focus-next, Super+Shift+Tab focus-prev, Super+1..9 workspace,
 * Super+Shift+1..9 move-to, Super+Shift+Q close, Super+F fullscreen,
 * Super+Return launcher, Ctrl+Shift+C copy, Ctrl+Shift+V paste (Qubes'),
 * Super+Escape menu, Super+L lock. */
void bindings_default(struct bindings *b);

/* Adds B; -1 when there are BINDINGS_MAX already or its keys are taken. */
int bindings_add(struct bindings *set, const struct binding *b);

/* The binding for key CODE pressed with MODS held, or NULL. */
const struct binding *bindings_match(const struct bindings *set, unsigned mods, uint32_t code);

/* The modifier bit key CODE is (either side), 0 if none. */
unsigned binding_mod_of_key(uint32_t code);

const char *binding_action_name(enum binding_action a);

#endif
