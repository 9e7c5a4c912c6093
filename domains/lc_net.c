/*
 * lc_net.c - the lifecycle's network: what domains are told, the netvm
 * and backend order, and a net domain's clients re-attached when it
 * comes back as a new domain.
 */
#include "domains/lc_internal.h"

#include <stdio.h>
#include <string.h>

#include "lib/log.h"

struct lc_dom *lc_netvm_of(const struct lifecycle *lc, const struct lc_dom *d)
{
	return d->cfg->netvm ? lc_by_name(lc, d->cfg->netvm) : NULL;
}

bool lc_is_client_of(const struct lc_dom *d, const struct lc_dom *net)
{
	return d->cfg->netvm && strcmp(d->cfg->netvm, net->cfg->name) == 0;
}

/* A live domain whose netvm is D, or NULL. */
struct lc_dom *lc_dependant(const struct lifecycle *lc, const struct lc_dom *d)
{
	for (size_t i = 0; i < lc->n; i++) {
		struct lc_dom *o = lc->m[i];
		if (lc_is_client_of(o, d) &&
		    (dom_exists_in_xen(o->state) || o->state == DOM_CREATING))
			return o;
	}
	return NULL;
}

bool lc_is_backend(const struct lifecycle *lc, const struct lc_dom *d)
{
	for (size_t i = 0; i < lc->n; i++) {
		const struct domain_config *c = lc->m[i]->cfg;
		if ((c->netvm && strcmp(c->netvm, d->cfg->name) == 0) ||
		    (c->disk_backend && strcmp(c->disk_backend, d->cfg->name) == 0))
			return true;
	}
	return false;
}

/* ---- the network: what domains are told, netvm order, re-attach ---- */

/* D's firewall rules go to its netvm, if that runs, before D's vif is there. */
void lc_publish_rules(const struct lifecycle *lc, const struct lc_dom *d)
{
	const struct lc_dom *net = lc_netvm_of(lc, d);
	if (net && net->state == DOM_RUNNING && d->cfg->address && lc->xs_ok)
		lc->ops->publish_rules(lc->ctx, net, d);
}

/* What D is told of its network before it runs: its address and gateway;
 * a net domain also gets the rules of every domain behind it. */
void lc_publish_net(const struct lifecycle *lc, const struct lc_dom *d)
{
	const struct lc_dom *net = lc_netvm_of(lc, d);
	if (!d->cfg->address || !lc->xs_ok)
		return;
	lc->ops->publish_own(lc->ctx, d, net ? net->cfg->address : 0);
	if (d->cfg->class != CLASS_NET)
		return;
	for (size_t i = 0; i < lc->n; i++) {
		const struct lc_dom *c = lc->m[i];
		if (lc_is_client_of(c, d) && c->cfg->address)
			lc->ops->publish_rules(lc->ctx, d, c);
	}
}

bool lc_reattach_wanted(const struct lifecycle *lc, const struct lc_dom *d, uint32_t domid,
			uint32_t backend_domid)
{
	const struct lc_dom *net = lc_netvm_of(lc, d);
	return d->domid == domid && dom_is_up(d->state) && net && net->state == DOM_RUNNING &&
	       net->domid == backend_domid;
}

void lc_vif_attached(struct lifecycle *lc, struct lc_dom *d, int devid, uint32_t netvm_domid,
		     int rc)
{
	(void)lc;
	if (rc) {
		log_err("domains", "domain %s: cannot attach vif %d to %s again (libxl error %d); "
			"it stays without network", d->cfg->name, devid, d->cfg->netvm, rc);
		return;
	}
	log_notice("domains", "domain %s: vif %d attached again to %s (domid %u)", d->cfg->name,
		   devid, d->cfg->netvm, netvm_domid);
	log_event("domains", "vif-attached", "name=%s vif=%d netvm=%s again=1", d->cfg->name,
		  devid, d->cfg->netvm);
}

/* D, a backend, now serves: the domains behind it may be created, and
 * those up get their vifs back (the netvm may be a new domain). */
void lc_backend_serves(struct lifecycle *lc, struct lc_dom *d, const char *why)
{
	if (d->serving)
		return;
	d->serving = true;
	log_notice("domains", "domain %s serves the domains that need it (%s)", d->cfg->name, why);
	for (size_t i = 0; i < lc->n; i++) {
		struct lc_dom *c = lc->m[i];
		if (lc_is_client_of(c, d) && dom_is_up(c->state))
			lc->ops->reattach_vifs(lc->ctx, c, d->domid);
	}
}

static bool serves(const struct lifecycle *lc, const char *name)
{
	const struct lc_dom *o = name ? lc_by_name(lc, name) : NULL;
	return !name || (o && o->state == DOM_RUNNING && o->serving);
}

/* Whether D's netvm and disk backend (if any) serve, so that its devices
 * have their backends. */
bool lc_backends_serving(const struct lifecycle *lc, const struct lc_dom *d)
{
	return serves(lc, d->cfg->netvm) && serves(lc, d->cfg->disk_backend);
}

/* Backends whose agent kept silent: taken as serving, said so. */
void lc_backends_late(struct lifecycle *lc, uint64_t now)
{
	for (size_t i = 0; i < lc->n; i++) {
		struct lc_dom *d = lc->m[i];
		if (d->own || d->serving || d->state != DOM_RUNNING || now < d->agent_deadline)
			continue;
		lc_agent_unwatch(lc, d);
		if (!lc_is_backend(lc, d)) {
			d->serving = true;
			continue;
		}
		char why[64];
		snprintf(why, sizeof(why), "no word from its agent in %d s: taken as serving",
			 LC_BACKEND_AGENT_TIMEOUT_MS / 1000);
		lc_backend_serves(lc, d, why);
	}
}
