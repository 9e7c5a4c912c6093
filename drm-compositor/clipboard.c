#include "drm-compositor/clipboard.h"

#include <stdio.h>
#include <string.h>

#include "lib/util.h"

void clipboard_store(struct clipboard *cb, const char *source, const uint8_t *data, size_t len)
{
	clipboard_forget(cb);
	if (len > sizeof(cb->data))
		return;
	memcpy(cb->data, data, len);
	cb->len = len;
	str_copy(cb->source, source, sizeof(cb->source));
	cb->full = true;
}

void clipboard_forget(struct clipboard *cb)
{
	explicit_bzero(cb->data, cb->len);
	cb->len = 0;
	cb->full = false;
	cb->source[0] = '\0';
}

enum clipboard_verdict clipboard_paste_check(const struct clipboard *cb,
					     const struct rpc_policy *policy,
					     const struct pol_domain *source,
					     const struct pol_domain *target,
					     const struct pol_domain *doms, size_t n, char *why,
					     size_t whylen)
{
	struct pol_decision d;
	if (!cb->full) {
		snprintf(why, whylen, "the clipboard is empty: copy first (Ctrl+Shift+C)");
		return CLIPBOARD_EMPTY;
	}
	rpc_policy_eval(policy, CLIPBOARD_SERVICE, "", source, target->name, doms, n, "", &d);
	if (d.matched && d.action == POL_DENY) {
		snprintf(why, whylen, "the policy (%s:%d) lets no clipboard go from %s to %s",
			 d.rule->file ? d.rule->file : "?", d.rule->line, source->name,
			 target->name);
		return CLIPBOARD_DENIED;
	}
	return CLIPBOARD_GO;
}

void clipboard_describe(const struct clipboard *cb, char *out, size_t cap)
{
	if (cb->len < 1024)
		snprintf(out, cap, "clipboard %zu B from %s", cb->len, cb->source);
	else
		snprintf(out, cap, "clipboard %zu KiB from %s", (cb->len + 1023) / 1024, cb->source);
}
