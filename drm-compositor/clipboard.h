/*
 * clipboard.h - dom0's clipboard between domains, as Qubes' global
 * clipboard: the user's copy (Ctrl+Shift+C) takes the focused window's
 * domain's clipboard into dom0; the user's paste (Ctrl+Shift+V) gives it to
 * the focused window's domain, once: then dom0 forgets it.  A domain never
 * gets bytes it was not pasted, and the policy may forbid a pair.
 *
 * The policy: the first rule for the service bulkhead.ClipboardPaste
 * (argument "") with the source domain as SOURCE and the domain pasted to
 * as TARGET decides; `deny' refuses the paste (the clipboard is kept);
 * `allow' and `ask' let it go (the paste key is the user's answer, given
 * for that window); no rule: allowed, as the user's two keys say.
 *
 * The bytes are the domain's, never shown or logged: the bar shows their
 * size and source.  They are wiped (explicit_bzero) when replaced or
 * forgotten.  Pure: no I/O; the compositor sends what it says.
 */
#ifndef BULKHEAD_CLIPBOARD_H
#define BULKHEAD_CLIPBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/rpc_policy.h"
#include "lib/limits.h"

#define CLIPBOARD_SERVICE "bulkhead.ClipboardPaste"

struct clipboard {
	bool full;
	size_t len;
	char source[DOMAIN_NAME_MAX + 1];
	uint8_t data[GUI_CLIPBOARD_MAX];
};

/* SOURCE's LEN (at most GUI_CLIPBOARD_MAX) bytes at DATA replace what it
 * held. */
void clipboard_store(struct clipboard *cb, const char *source, const uint8_t *data, size_t len);
void clipboard_forget(struct clipboard *cb);

enum clipboard_verdict {
	CLIPBOARD_EMPTY,	/* nothing to paste */
	CLIPBOARD_DENIED,	/* a rule forbids it: WHY names it */
	CLIPBOARD_GO,		/* send it, then clipboard_forget() */
};

/* May CB go to TARGET?  SOURCE and TARGET are the domains as the policy
 * knows them (DOMS, N, every one there is).  WHY (WHYLEN bytes) says why
 * not. */
enum clipboard_verdict clipboard_paste_check(const struct clipboard *cb,
					     const struct rpc_policy *policy,
					     const struct pol_domain *source,
					     const struct pol_domain *target,
					     const struct pol_domain *doms, size_t n, char *why,
					     size_t whylen);

/* "clipboard 12 B from work" (or KiB), for the bar. */
void clipboard_describe(const struct clipboard *cb, char *out, size_t cap);

#endif
