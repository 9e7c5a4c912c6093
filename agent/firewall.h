/*
 * firewall.h - the `firewall' role, in a net domain (sys-firewall,
 * sys-net), not dom0: it enforces the firewall rules of every domain
 * behind this one.
 *
 * It watches two xenstore directories of its own domain: backend/vif (the
 * vifs libxl adds and removes, each with the one address dom0 gave the
 * domain behind it) and bulkhead/firewall (each such domain's rules, as
 * dom0 writes them: agent/agentproto.h).  After every change it builds
 * the whole nftables table `inet bulkhead' (agent/firewall_nft.h) and
 * loads it with `nft -f -' in one transaction, so the rules in force are
 * always a complete set.  A domain whose rules have not come yet, or do
 * not parse, gets none of its traffic through.
 *
 * IPv4 forwarding is switched on only once the first table is loaded:
 * before that, nothing is routed between the vifs and the uplink.
 *
 * usage: bulkhead firewall [--uplink IFACE] (default eth0); runs until
 * killed, logging to stderr.
 */
#ifndef BULKHEAD_FIREWALL_H
#define BULKHEAD_FIREWALL_H

int firewall_main(int argc, char **argv);

#endif
