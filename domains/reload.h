/*
 * reload.h - what `bulkhead ctl reload' changes: the domain files read
 * again, each domain compared with the config the manager runs it by, and
 * the line that says what changed and when it applies.  Pure.
 *
 * A domain's firewall (its rules and firewall_policy) applies at once:
 * the manager gives it to the net domain that enforces it, whose
 * firewall role loads it (as Qubes' qvm-firewall does).  A new domain
 * starts at once if it has autostart (else when asked); a removed one
 * that runs is asked to shut down, and forgotten once it stops.  Every
 * other change applies at the domain's next start: a running domain keeps
 * the config it was created by until it is gone (`ctl list' says
 * "changed" meanwhile).
 */
#ifndef BULKHEAD_RELOAD_H
#define BULKHEAD_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "config/domain_config.h"
#include "lib/limits.h"

enum reload_kind { RELOAD_SAME, RELOAD_CHANGED, RELOAD_NEW, RELOAD_REMOVED };

/* Room for every key's name, comma-separated. */
#define RELOAD_KEYS_TEXT 320

struct reload_change {
	char name[DOMAIN_NAME_MAX + 1];
	enum reload_kind kind;
	bool autostart;			/* NEW: started at once */
	bool firewall;			/* CHANGED: its rules or policy differ */
	char keys[RELOAD_KEYS_TEXT];	/* CHANGED: the other keys that differ,
					 * "memory, netvm"; "": none */
};

/* RUNNING (the config D runs by) against RELOADED (the same domain, read
 * again): SAME or CHANGED. */
void reload_compare(const struct domain_config *running, const struct domain_config *reloaded,
		    struct reload_change *out);

/* The line for C ("domain NAME: ..."), for the log and `ctl reload'.
 * RUNS: the domain exists now (a removed one is asked to shut down and
 * forgotten once it stops, other changes wait for its next start); NETVM: the net domain its
 * firewall goes to (NULL: none), NETVM_RUNS: whether that runs (if not,
 * the rules go to it when it does). */
void reload_describe(const struct reload_change *c, bool runs, const char *netvm,
		     bool netvm_runs, char *out, size_t cap);

#endif
