/*
 * xs_agents.c - the manager's xenstore: each domain's network keys, the
 * firewall rules given to net domains, and the agents' status (heard a
 * bounded turn at a time: domains/agentwatch.h) and commands.
 */
#include "domains/xl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains/agentwatch.h"
#include "domains/netconf.h"
#include "lib/log.h"

static void agent_path(const struct lc_dom *d, const char *key, char *out, size_t cap)
{
	snprintf(out, cap, "/local/domain/%u/%s", d->domid, key);
}

/* The token is D's name. */
bool xs_agent_watch(void *ctx, struct lc_dom *d)
{
	struct mgr *m = ctx;
	char path[64];
	agent_path(d, AGENT_STATUS_KEY, path, sizeof(path));
	if (!xs_watch(m->xs, path, d->cfg->name)) {
		log_err("domains", "domain %s: cannot watch %s: %s; its agent will not be "
			"heard", d->cfg->name, path, strerror(errno));
		return false;
	}
	return true;
}

void xs_agent_unwatch(void *ctx, struct lc_dom *d)
{
	struct mgr *m = ctx;
	char path[64];
	agent_path(d, AGENT_STATUS_KEY, path, sizeof(path));
	xs_unwatch(m->xs, path, d->cfg->name);
}

/* D's command to its agent, in a key the domain may read but not write. */
int xs_write_command(void *ctx, struct lc_dom *d)
{
	struct mgr *m = ctx;
	char path[64];
	agent_path(d, AGENT_RUN_KEY, path, sizeof(path));
	if (!m->xs || !netconf_write_readonly(m->xs, XBT_NULL, d->domid, AGENT_RUN_KEY, d->command)) {
		log_err("domains", "disposable %s: cannot write its command to %s: %s",
			d->cfg->name, path, strerror(errno));
		return -1;
	}
	return 0;
}

void xs_publish_own(void *ctx, const struct lc_dom *d, uint32_t gateway)
{
	struct mgr *m = ctx;
	int r = netconf_write_own(m->xs, d->domid, d->cfg->address, gateway);
	if (r < 0)
		log_err("domains", "domain %s: cannot write its address to xenstore: %s",
			d->cfg->name, strerror(-r));
}

void xs_publish_features(void *ctx, const struct lc_dom *d)
{
	struct mgr *m = ctx;
	if (!netconf_write_readonly(m->xs, XBT_NULL, d->domid, AGENT_XWAYLAND_KEY, "1"))
		log_err("domains", "domain %s: cannot tell its agent to serve X11 programs: %s",
			d->cfg->name, strerror(errno));
}

/* CLIENT's firewall rules into NET's xenstore, where they are enforced. */
void xs_publish_rules(void *ctx, const struct lc_dom *net, const struct lc_dom *client)
{
	struct mgr *m = ctx;
	int r = netconf_write_rules(m->xs, net->domid, client->cfg);
	if (r < 0)
		log_err("domains", "domain %s: cannot give its firewall rules to %s: %s; %s "
			"drops its traffic until they come", client->cfg->name, net->cfg->name,
			strerror(-r), net->cfg->name);
	else
		log_event("domains", "firewall-published", "name=%s netvm=%s", client->cfg->name,
			  net->cfg->name);
}

/* What D's agent wrote, read as hostile bytes. */
static void on_agent(struct mgr *m, struct lc_dom *d, uint64_t now)
{
	char path[64];
	unsigned len = 0;
	struct agent_status st;
	agent_path(d, AGENT_STATUS_KEY, path, sizeof(path));
	char *untrusted_status = xs_read(m->xs, XBT_NULL, path, &len);
	if (!untrusted_status)
		return;		/* not written yet: the watch fires once when set */
	int r = agent_status_parse(untrusted_status, len, &st);
	free(untrusted_status);
	lc_agent_said(&m->lc, d, r < 0 ? NULL : &st, len, now);
}

static char **next_agent_event(void *ctx)
{
	struct mgr *m = ctx;
	return xs_check_watch(m->xs);
}

/* The slot listening to PATH with TOKEN (its name), -1: none; a call's
 * event: DOMAINS_MAX + its watch's slot; a USB inventory's: 2 *
 * DOMAINS_MAX + its. */
static int agent_event_slot(void *ctx, const char *token, const char *path)
{
	const struct mgr *m = ctx;
	char own[64];
	int rpc = xs_rpc_slot(m, token, path), usb = xs_usb_slot(m, token, path);
	if (rpc >= 0)
		return DOMAINS_MAX + rpc;
	if (usb >= 0)
		return 2 * DOMAINS_MAX + usb;
	for (size_t i = 0; i < m->lc.n; i++) {
		const struct lc_dom *d = m->lc.m[i];
		if (!d->watching || !dom_exists_in_xen(d->state) || strcmp(d->cfg->name, token) != 0)
			continue;
		agent_path(d, AGENT_STATUS_KEY, own, sizeof(own));
		return strcmp(path, own) == 0 ? (int)i : -1;
	}
	return -1;
}

/* Each domain's key read once however often it was written (a domain may
 * write it in a loop). */
void xs_agents_heard(struct mgr *m, uint64_t now)
{
	const struct agent_events src = { next_agent_event, agent_event_slot, m };
	bool dirty[2 * DOMAINS_MAX + USB_DOMAINS_MAX] = { false };
	if (!m->xs)
		return;
	agent_events_take(&src, dirty, sizeof(dirty) / sizeof(dirty[0]));
	for (size_t i = 0; i < m->lc.n; i++) {
		struct lc_dom *d = m->lc.m[i];
		if (dirty[i] && d->watching && dom_exists_in_xen(d->state))
			on_agent(m, d, now);
	}
	xs_rpc_heard(m, dirty + DOMAINS_MAX, now);
	xs_usb_heard(m, dirty + 2 * DOMAINS_MAX);
}
