/*
 * firewall.h - the `firewall' role, in a net domain (sys-firewall,
 * sys-net), not dom0: it enforces the firewall rules of every domain
 * behind this one.
 *
 * It watches two xenstore directories of its own domain: backend/vif (the
 * vifs libxl adds and removes, each with the one address dom0 gave the
 * domain behind it) and bulkhead/firewall (each such domain's rules, as
 * dom0 writes them: proto/agentproto.h).  After every change it builds
 * the whole nftables table `inet bulkhead' (guest/firewall_nft.h) and
 * loads it with `nft -f -' in one transaction, so the rules in force are
 * always a complete set.  A domain whose rules have not come yet, or do
 * not parse, gets none of its traffic through.  It also reads this
 * domain's /etc/resolv.conf every 2 s: the names the domains behind ask
 * go to the servers it names (guest/firewall_nft.h, prerouting).  What it decides is
 * guest/firewall_role.h's; this file is its I/O.
 *
 * At start, before xenstore is opened, IPv4 forwarding is switched off
 * and a closed table loaded (nothing forwarded, the vifs reach nothing in
 * this domain); it exits if either fails.  Forwarding is switched on only
 * once the first table of the clients is loaded.
 *
 * usage: bulkhead firewall [--uplink IFACE[,IFACE...]] (default eth0: the
 * ways out, such as eth0,wlan0); runs until killed, logging to stderr.
 */
#ifndef BULKHEAD_FIREWALL_H
#define BULKHEAD_FIREWALL_H

#include <stdbool.h>

int firewall_main(int argc, char **argv);

/* The role's effects on the network (struct fw_effects' load and
 * forwarding; CTX unused), in the network namespace of the caller: the
 * role's, and tests/net's on real nftables.  TABLE is loaded with
 * `nft -f -' (0, or -1: nft said why on stderr); forwarding is
 * /proc/sys/net/ipv4/ip_forward (0, or -1 said in the log). */
int firewall_load(void *ctx, const char *table);
int firewall_forwarding(void *ctx, bool on);

#endif
