/*
 * netconf.h - what dom0 tells domains about their network, in xenstore
 * (the keys are proto/agentproto.h's): each domain's own address and
 * gateway, and, in its net domain's directory, the firewall rules that the
 * net domain enforces for it (guest/firewall.h).
 *
 * The domain manager's: called from its event loop, with its xenstore
 * handle; each call does its writes in one transaction, so a net domain
 * never reads half a rule set.
 */
#ifndef BULKHEAD_NETCONF_H
#define BULKHEAD_NETCONF_H

#include <stdbool.h>
#include <stdint.h>
#include <xenstore.h>

#include "config/domain_config.h"

/* VALUE at KEY under /local/domain/DOMID, in transaction T (or XBT_NULL):
 * a key only dom0 writes and the domain may read (owner dom0, read for
 * DOMID), as everything dom0 tells a domain is (its command too).  false
 * with errno when xenstore refuses. */
bool netconf_write_readonly(struct xs_handle *xs, xs_transaction_t t, uint32_t domid,
			    const char *key, const char *value);

/* DOMID's address and, when GATEWAY is not 0, its gateway; keys the
 * domain may read but not write.  0, or -errno. */
int netconf_write_own(struct xs_handle *xs, uint32_t domid, uint32_t address, uint32_t gateway);

/* CLIENT's firewall (its policy and rules; none: allow everything, as an
 * empty Qubes firewall) into the directory of its net domain, NETVM_DOMID,
 * replacing what was there for its address.  0, or -errno. */
int netconf_write_rules(struct xs_handle *xs, uint32_t netvm_domid,
			const struct domain_config *client);

#endif
