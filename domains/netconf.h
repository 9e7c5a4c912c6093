/*
 * netconf.h - what dom0 tells domains about their network, in xenstore
 * (the keys are agent/agentproto.h's): each domain's own address and
 * gateway, and, in its net domain's directory, the firewall rules that the
 * net domain enforces for it (agent/firewall.h).
 *
 * The domain manager's: called from its event loop, with its xenstore
 * handle; each call does its writes in one transaction, so a net domain
 * never reads half a rule set.
 */
#ifndef BULKHEAD_NETCONF_H
#define BULKHEAD_NETCONF_H

#include <stdint.h>
#include <xenstore.h>

#include "config/domain_config.h"

/* DOMID's address and, when GATEWAY is not 0, its gateway; keys the
 * domain may read but not write.  0, or -errno. */
int netconf_write_own(struct xs_handle *xs, uint32_t domid, uint32_t address, uint32_t gateway);

/* CLIENT's firewall (its policy and rules; none: allow everything, as an
 * empty Qubes firewall) into the directory of its net domain, NETVM_DOMID,
 * replacing what was there for its address.  0, or -errno. */
int netconf_write_rules(struct xs_handle *xs, uint32_t netvm_domid,
			const struct domain_config *client);

#endif
