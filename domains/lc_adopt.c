/*
 * lc_adopt.c - what a (re)started manager does with the domains it finds
 * in Xen, and with those it does not.
 */
#include "domains/lc_internal.h"

#include <string.h>

#include "domains/dispvm.h"
#include "lib/log.h"
#include "lib/util.h"

/* ---- adoption: what a (re)started manager finds ---- */

/* An unnamed disposable is taken back as it was: preloaded, still
 * booting to be preloaded, or handed out.  True when that settled it. */
static bool adopt_disposable_state(struct lifecycle *lc, struct lc_dom *d, bool paused,
				   const struct lc_mark *mk, uint64_t now)
{
	if (!mk->word[0])
		return false;	/* a creation cut short: as any domain */
	d->preload = strcmp(mk->word, "preloaded") == 0 || strcmp(mk->word, "preloading") == 0;
	/* Held by a call of the previous manager's, which no one holds now:
	 * the domain manager's first turn destroys it (xs_rpc.c). */
	d->for_call = strcmp(mk->word, "call") == 0;
	/* Its agent's word is read again when the watch is set: a preload
	 * still booting is paused once it says ready. */
	d->agent_ready = strcmp(mk->word, "preloading") != 0;
	d->agent_deadline = now + LC_AGENT_TIMEOUT_MS;
	lc_agent_watch(lc, d);
	if (strcmp(mk->word, "preloaded") != 0 || !paused)
		return false;
	lc_set_state(lc, d, DOM_PRELOADED);
	log_notice("domains", "adopted preloaded disposable %s of %s (domid %u)", d->cfg->name,
		   d->cfg->template_name, d->domid);
	log_event("domains", "domain-adopted", "name=%s domid=%u state=paused", d->cfg->name,
		  d->domid);
	return true;
}

static void adopt_one(struct lifecycle *lc, struct lc_dom *d, uint32_t domid, bool paused,
		      const struct lc_mark *mk, uint64_t now)
{
	char why[512];
	d->domid = domid;
	/* Its devices were made by the previous manager, from the same plan. */
	if (d->cfg->volumes && volume_plan(lc->pool, d->cfg, &lc->doms, &d->volumes, why,
					   sizeof(why)) == 0)
		d->volumes_up = true;
	d->created_at = now;
	lc_set_state(lc, d, DOM_RUNNING);
	lc->ops->watch_death(lc->ctx, d);
	/* It served the domains behind it before, and they run on. */
	d->serving = true;
	d->started_epoch_ms = mk->started;
	if (d->own && adopt_disposable_state(lc, d, paused, mk, now))
		return;
	if (strcmp(mk->word, "paused") == 0 && paused) {
		lc_set_state(lc, d, DOM_PAUSED);
		log_notice("domains", "adopted paused domain %s (domid %u)", d->cfg->name, d->domid);
		log_event("domains", "domain-adopted", "name=%s domid=%u state=paused", d->cfg->name,
			  d->domid);
		return;
	}
	/* Paused and never let run: a creation cut short with the previous
	 * manager; its devices may be half set up. */
	if (!mk->word[0] && paused) {
		log_notice("domains", "domain %s (domid %u) was being created when the previous "
			   "manager died; creating it anew", d->cfg->name, d->domid);
		d->crashed = false;
		lc_destroy(lc, d, ACTION_RESTART);
		return;
	}
	if (!mk->word[0])
		lc->ops->mark(lc->ctx, d, "running");
	log_notice("domains", "adopted running domain %s (domid %u)", d->cfg->name, d->domid);
	log_event("domains", "domain-adopted", "name=%s domid=%u state=running", d->cfg->name,
		  d->domid);
}

/* A slot for the unnamed disposable NAME that a previous manager
 * started from MK's template, or NULL if that is not one any more. */
static struct lc_dom *adopt_disposable(struct lifecycle *lc, const char *name,
				       const struct lc_mark *mk)
{
	char msg[256];
	struct lc_dom *t = lc_by_name(lc, mk->dvm);
	if (!domain_name_is_valid(name, strlen(name)) || !t || t->own ||
	    !dispvm_template_ok(t->cfg, msg, sizeof(msg))) {
		log_warn("domains", "domain %s was a disposable of %s, which is no disposable "
			 "template now; it is left alone", name, mk->dvm);
		return NULL;
	}
	struct lc_dom *d = lc_new_disposable(lc, t, name, msg, sizeof(msg));
	if (!d)
		log_err("domains", "cannot take disposable %s back: %s", name, msg);
	return d;
}

void lc_adopt(struct lifecycle *lc, const char *name, uint32_t domid, bool paused,
	      const struct lc_mark *mk, uint64_t now)
{
	struct lc_dom *d = name ? lc_by_name(lc, name) : NULL;
	if (domid == 0)
		return;
	if (!d && name && mk->dvm[0])
		d = adopt_disposable(lc, name, mk);
	if (d && d->state == DOM_STOPPED)
		adopt_one(lc, d, domid, paused, mk, now);
}

/* After adoption: what the domains were told of the network is told
 * again, from the config read now (the previous manager may have run by
 * another): the rules of the domains behind each net domain above all. */
void lc_republish(struct lifecycle *lc)
{
	for (size_t i = 0; i < lc->n; i++) {
		const struct lc_dom *d = lc->m[i];
		if (!dom_is_up(d->state))
			continue;
		lc_publish_net(lc, d);
		if (d->cfg->class == CLASS_NET && lc->xs_ok)
			log_notice("domains", "domain %s: the firewall rules of the domains behind it "
				   "given to it again", d->cfg->name);
	}
}

/* After adoption, the domains not found in Xen: autostart at boot; after a
 * restart of ours, what the previous manager was doing with them. */
void lc_resume(struct lifecycle *lc, uint64_t now)
{
	for (size_t i = 0; i < lc->n; i++) {
		struct lc_dom *d = lc->m[i];
		if (d->state != DOM_STOPPED || d->own)
			continue;
		bool wanted;
		switch (d->recorded) {
		case -1:
			wanted = d->cfg->autostart;
			break;
		case DOM_FAILED:
			lc_set_state(lc, d, DOM_FAILED);
			continue;
		case DOM_RUNNING:
		case DOM_PAUSED:
		case DOM_CREATING:
		case DOM_BACKOFF:
			log_notice("domains", "domain %s was %s under the previous manager and is "
				   "gone; starting it", d->cfg->name,
				   domain_state_name((unsigned)d->recorded));
			log_event("domains", "domain-died", "name=%s domid=none how=gone was=%s",
				  d->cfg->name, domain_state_name((unsigned)d->recorded));
			wanted = true;
			break;
		default:
			wanted = false;
			break;
		}
		d->deadline = now;
		lc_set_state(lc, d, wanted ? DOM_BACKOFF : DOM_STOPPED);
	}
}
