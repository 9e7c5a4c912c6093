/*
 * lc_reload.c - `bulkhead ctl reload' in the lifecycle: the slots as the
 * domain files read again have them.  Pure, as lifecycle.c; reading the
 * files is the manager's (domains/manager.c).
 */
#include "domains/lifecycle.h"
#include "domains/lc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains/reload.h"
#include "lib/log.h"
#include "lib/util.h"

/* Names a reloaded domain may not take: a running unnamed disposable's. */
unsigned lc_reload_check(const struct lifecycle *lc, const struct domains *nd)
{
	unsigned problems = 0;
	for (size_t i = 0; i < nd->n; i++) {
		const struct lc_dom *o = lc_by_name(lc, nd->dom[i].name);
		if (!o || !o->own)
			continue;
		log_err("config", "%s: %s is the name of an unnamed disposable that runs; name this "
			"domain otherwise, or reload once %s is gone", nd->dom[i].source, o->cfg->name,
			o->cfg->name);
		problems++;
	}
	return problems;
}

size_t lc_reload_count(const struct lifecycle *lc, const struct domains *nd)
{
	size_t n = nd->n;
	for (size_t i = 0; i < lc->n; i++)
		n += lc->m[i]->own || (domains_find(nd, lc->m[i]->cfg->name) < 0 &&
				       lc_exists(lc->m[i]));
	return n;
}

/* D goes on with the config it has, its own from now on (moved out of
 * the lifecycle's, which a reload replaces).  false: out of memory. */
static bool keep_config(struct lifecycle *lc, struct lc_dom *d)
{
	if (d->kept)
		return true;
	struct domain_config *k = malloc(sizeof(*k));
	if (!k)
		return false;
	size_t i = (size_t)(d->cfg - lc->doms.dom);
	*k = lc->doms.dom[i];
	domain_config_init(&lc->doms.dom[i]);
	d->kept = k;
	d->cfg = k;
	return true;
}

/* D's config becomes RELOADED, or, while D exists and more than its
 * firewall changed (C), the one it runs by with RELOADED's firewall. */
static void reload_one(struct lifecycle *lc, struct lc_dom *d,
		       const struct domain_config *reloaded, const struct reload_change *c)
{
	d->removed = false;
	if (lc_exists(d) && c->keys[0] && keep_config(lc, d)) {
		char **rules = reloaded->firewall ?
			       strv_dup((const char *const *)reloaded->firewall) : NULL;
		if (c->firewall && (rules || !reloaded->firewall)) {
			strv_free(d->kept->firewall);
			d->kept->firewall = rules;
			d->kept->nfirewall = reloaded->nfirewall;
			d->kept->firewall_policy = reloaded->firewall_policy;
		} else {
			strv_free(rules);
		}
		return;
	}
	if (d->kept)
		domain_config_free(d->kept);
	free(d->kept);
	d->kept = NULL;
	d->cfg = reloaded;
}

/* The net domain that enforces D's firewall, if it runs. */
static const struct lc_dom *enforcer(const struct lifecycle *lc, const struct lc_dom *d)
{
	const struct lc_dom *net = d->cfg->netvm ? lc_by_name(lc, d->cfg->netvm) : NULL;
	return net && net->state == DOM_RUNNING ? net : NULL;
}

/* Says C of D (NULL: gone) in the log and in TEXT. */
static void reload_say(const struct lifecycle *lc, const struct reload_change *c,
		       const struct lc_dom *d, char *text, size_t cap)
{
	char line[512];
	reload_describe(c, d && lc_exists(d), d ? d->cfg->netvm : NULL, d && enforcer(lc, d), line,
			sizeof(line));
	log_notice("domains", "%s", line);
	size_t len = strnlen(text, cap);
	snprintf(text + len, cap - len, "%s\n", line);
}

/* The slots as ND has them: its domains in its order (changed, or new),
 * then the removed ones that still exist, then the unnamed disposables;
 * firewall changes given to the net domains at once. */
void lc_reload_apply(struct lifecycle *lc, struct domains *nd, uint64_t now, char *text,
		     size_t cap)
{
	static struct lc_dom *next[DOMAINS_MAX], *dropped[DOMAINS_MAX];
	static struct reload_change changes[DOMAINS_MAX];
	size_t n = 0, ndropped = 0;
	text[0] = '\0';
	for (size_t j = 0; j < nd->n; j++) {
		struct reload_change *c = &changes[j];
		struct lc_dom *d = lc_by_name(lc, nd->dom[j].name);
		memset(c, 0, sizeof(*c));
		if (d) {
			reload_compare(d->cfg, &nd->dom[j], c);
			reload_one(lc, d, &nd->dom[j], c);
		} else if ((d = lc_slot_new(&nd->dom[j]))) {
			str_copy(c->name, nd->dom[j].name, sizeof(c->name));
			c->kind = RELOAD_NEW;
			c->autostart = nd->dom[j].autostart;
		} else {
			log_err("domains", "reload: out of memory for domain %s; it is left out",
				nd->dom[j].name);
			continue;
		}
		next[n++] = d;
		if (c->kind != RELOAD_SAME)
			reload_say(lc, c, d, text, cap);
	}
	for (size_t i = 0; i < lc->n; i++) {
		struct lc_dom *d = lc->m[i];
		if (d->own || domains_find(nd, d->cfg->name) >= 0)
			continue;
		struct reload_change gone = { .kind = RELOAD_REMOVED };
		str_copy(gone.name, d->cfg->name, sizeof(gone.name));
		/* Before its slot may go: nothing answers a waiter after. */
		lc_refuse_waiter(lc, d, ENOENT, "`bulkhead ctl reload' removed it from the "
				 "configuration");
		bool stays = lc_exists(d) && keep_config(lc, d);
		reload_say(lc, &gone, stays ? d : NULL, text, cap);
		if (stays) {
			d->removed = true;
			next[n++] = d;
			if (dom_is_up(d->state))
				lc_ask_stop(lc, d, now);
			/* No domain, only a libxl operation on it: nothing to
			 * wait for but that, and nothing to start. */
			if (!dom_exists_in_xen(d->state) && d->state != DOM_CREATING)
				lc_set_state(lc, d, DOM_STOPPED);
		} else {
			dropped[ndropped++] = d;
		}
	}
	for (size_t i = 0; i < lc->n; i++)
		if (lc->m[i]->own)
			next[n++] = lc->m[i];
	memcpy(lc->m, next, n * sizeof(lc->m[0]));
	lc->n = n;
	/* Freed once out of the slots: until here they were looked through
	 * (lc_by_name), and read by the loop above. */
	for (size_t i = 0; i < ndropped; i++)
		lc_slot_free(lc, dropped[i]);
	domains_free(&lc->doms);
	lc->doms = *nd;
	*nd = (struct domains){ 0 };
	for (size_t j = 0; j < lc->doms.n; j++) {
		const struct lc_dom *d = lc_by_name(lc, lc->doms.dom[j].name);
		const struct lc_dom *net = d ? enforcer(lc, d) : NULL;
		if (changes[j].firewall && net && d->cfg->address && lc->xs_ok)
			lc->ops->publish_rules(lc->ctx, net, d);
	}
	/* Once every slot is in place: a new domain's netvm may be new too. */
	for (size_t j = 0; j < lc->doms.n; j++) {
		struct lc_dom *d = lc_by_name(lc, lc->doms.dom[j].name);
		if (changes[j].kind == RELOAD_NEW && changes[j].autostart && d)
			lc_want_started(lc, d, now);
	}
	if (!text[0]) {
		log_notice("domains", "reload: nothing changed");
		snprintf(text, cap, "nothing changed\n");
	}
}
