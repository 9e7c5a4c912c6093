/*
 * launcher.h - dom0's own command line: "DOMAIN COMMAND", typed while the
 * desktop has grabbed the keyboard (no domain sees these keys), with the
 * text from xkbcommon in the configured layout.  It only edits its line
 * and says when the user is done; the compositor opens and closes it and
 * asks the domain to run the command.  Main loop only.
 */
#ifndef BULKHEAD_LAUNCHER_H
#define BULKHEAD_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input/keymap.h"
#include "lib/limits.h"

struct launcher {
	bool open;
	char line[DOMAIN_NAME_MAX + 1 + GUI_COMMAND_MAX + 1];
	struct keymap *keymap;		/* NULL: no text entry, no launcher */
};

enum launcher_result {
	LAUNCHER_EDITED,		/* the line changed (or may have) */
	LAUNCHER_CANCEL,		/* Escape */
	LAUNCHER_ENTER,			/* Return: the line is the user's command */
};

/* A key (evdev code, value 0..2) while the launcher is open. */
enum launcher_result launcher_key(struct launcher *l, uint32_t code, uint32_t value);

/* What a domain is asked to run when the user names only the domain: the
 * guest agent's terminal (guest/agent.h). */
#define LAUNCHER_DEFAULT_COMMAND "terminal"

/* What a new disposable runs when the user names only "@dispvm": a
 * terminal program (the disposable lives as long as its command; the
 * agent's own terminal is no program). */
#define LAUNCHER_DISPOSABLE_COMMAND "foot"

/* Whether DOMAIN is "@dispvm" (TEMPLATE_NAME "": the default) or
 * "@dispvm:TEMPLATE" (a domain's name, into TEMPLATE_NAME, CAP bytes). */
bool launcher_dispvm(const char *domain, char *template_name, size_t cap);

/* Whether NAME is one the user may mean by the line typed so far: the line
 * is still its domain word (no space yet) and NAME begins with it. */
bool launcher_matches(const struct launcher *l, const char *name);

/* Tab: the domain word completed as far as NAMES (N, "@dispvm" among
 * them if the caller offers it) agree; a space after it when only one
 * matches.  Whether the line changed. */
bool launcher_complete(struct launcher *l, const char *const *names, size_t n);

/* Splits LINE ("DOMAIN COMMAND..." or "DOMAIN") into DOMAIN (CAP bytes)
 * and *COMMAND (pointing into LINE, or LAUNCHER_DEFAULT_COMMAND); false
 * when it does not start with a domain. */
bool launcher_split(const char *line, char *domain, size_t cap, const char **command);

#endif
