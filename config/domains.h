/*
 * domains.h - every domain of CONFIG_DIR/domains/\*.cfg, checked against
 * each other: unique names, `template' names a domain of class template
 * (a disposable's may name one of class app) that has volumes if this one
 * has, `netvm' a domain of class net, no netvm chain that loops.  A domain
 * with a problem is reported and left out, with the domains that need it
 * (named once, after the cause: not a problem each); the others stay.  A
 * PCI device in two domains leaves the later out; a file in domains/ that
 * is not NAME.cfg is a problem (it would be ignored).  The start order puts each domain's netvm first.
 *
 * Each domain behind a netvm, and each net domain, gets its address
 * (domain_config.address): its vif's ip= (used twice: the later domain is
 * left out), else a place in 10.137.0.2-254 picked by a hash of its name,
 * the next free one when that is taken (so adding a domain moves another
 * only when their hashes clash); a vif ip= pins it.
 *
 * Used by `bulkhead check' and the domain manager; not by PID 1.
 */
#ifndef BULKHEAD_DOMAINS_H
#define BULKHEAD_DOMAINS_H

#include <stddef.h>

#include "config/domain_config.h"

struct domain_gone;

struct domains {
	struct domain_config *dom;	/* in start order */
	size_t n;
	unsigned errors;
	/* While loading: the domains left out, so that each cause is said
	 * once with what follows from it. */
	struct domain_gone *gone;
	size_t ngone, gone_cap;
};

/* Loads DIR/domains.  Returns the number of problems reported. */
unsigned domains_load(const char *dir, struct domains *out);
void domains_free(struct domains *d);

/* Index of the domain called NAME, or -1. */
int domains_find(const struct domains *d, const char *name);

#endif
