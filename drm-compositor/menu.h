/*
 * menu.h - dom0's menu (Super+Escape): the domains the manager lists, each
 * with its state, then dom0's own rows: lock the screen, reboot, power
 * off.  Drawn over the desktop in dom0's colours while the desktop has the
 * keyboard (no domain sees these keys), used with the keyboard alone:
 *   Up, Down (Tab, Shift+Tab)  choose a row
 *   S, T, K                    start, shut down, kill the chosen domain
 *   Return                     a domain: start it if it is down, else shut
 *                              it down; a dom0 row: what it says
 *   Escape                     close the menu
 * Killing a domain, rebooting and powering off dom0 are asked again on
 * dom0's screen, naming what they take down: Y does it, any other key does
 * not (Return neither: a Return typed twice never kills).
 *
 * The chosen row is its domain, by name: when the list changes under the
 * user (a domain comes or goes) the choice follows its domain, and a
 * question about a domain that went is dropped.  A key never acts on
 * another domain than the one shown chosen.
 *
 * Pure: the caller opens it, gives it the rows and the keys, and does what
 * menu_key() says.  Safe anywhere.
 */
#ifndef BULKHEAD_MENU_H
#define BULKHEAD_MENU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

enum menu_op {
	MENU_OP_NONE,
	MENU_OP_START,
	MENU_OP_STOP,		/* shut down (the manager destroys it after a grace time) */
	MENU_OP_KILL,
	MENU_OP_LOCK,
	MENU_OP_REBOOT,
	MENU_OP_POWEROFF,
};

/* dom0's rows, after the domains': each one's op. */
#define MENU_DOM0_ROWS 3
extern const enum menu_op menu_dom0_ops[MENU_DOM0_ROWS];
extern const char *const menu_dom0_text[MENU_DOM0_ROWS];

/* A domain's row as the caller sees it now. */
struct menu_domain {
	const char *name;
	bool down;		/* stopped or failed: Return starts it */
};

struct menu {
	bool open;
	size_t row;		/* 0 .. ndomains - 1 a domain, then dom0's */
	/* The chosen domain's name ("": a dom0 row), which the row follows. */
	char name[DOMAIN_NAME_MAX + 1];
	size_t dom0;		/* or which of dom0's rows */
	enum menu_op confirm;	/* asked again about (of `name' for a kill), NONE: nothing */
};

/* What the user did. */
struct menu_action {
	enum menu_op op;
	char name[DOMAIN_NAME_MAX + 1];	/* the domain, "" for dom0's */
};

/* What OP does, in words: "start", "shut down", "kill", "lock", "reboot",
 * "power off". */
const char *menu_op_name(enum menu_op op);

/* Opens it on the first row of DOMS (N) and dom0's, or closes it (a
 * question with it). */
void menu_open(struct menu *m, bool open, const struct menu_domain *doms, size_t n);

/* The domains are now DOMS (N): the chosen row follows its domain (to the
 * first row if it went, and its question is dropped).  Whether what is
 * shown may have changed. */
bool menu_follow(struct menu *m, const struct menu_domain *doms, size_t n);

/* A key (evdev code; value 0 release, 1 press, 2 repeat) while open, the
 * domains DOMS (N), MODS the binding_mod bits held: whether what is shown
 * changed.  *ACT (op NONE: nothing) is what the user asked for, to be done
 * now; the menu stays open after a domain's op, and closes after dom0's
 * and after Escape. */
bool menu_key(struct menu *m, const struct menu_domain *doms, size_t n, uint32_t code,
	      uint32_t value, unsigned mods, struct menu_action *act);

/* The line under the rows: the keys, or the question being asked (into
 * TEXT, CAP bytes).  Whether it is a question. */
bool menu_describe(const struct menu *m, char *text, size_t cap);

#endif
