/*
 * firewall_nft.h - the firewall rules of the domains behind a net domain,
 * as one nftables transaction (the text `nft -f -' reads).
 *
 * The table it makes, `inet bulkhead', is the whole policy of the net
 * domain it runs in:
 *   - forward: only connections from a known client's vif, with that
 *     client's one address as source, out of an uplink; each goes
 *     through the client's own chain (its rules in order, then its
 *     policy).  Replies come back by conntrack.  Nothing goes from one
 *     vif to another (no domain reaches another) and nothing new comes
 *     in from an uplink.  No IPv6 is forwarded.
 *   - input: the net domain's own services are a destination like any
 *     other: a client's rules decide whether it reaches them.  Besides
 *     the clients, only lo and the uplinks reach them (and replies by
 *     conntrack): an interface that is no client's vif, or a client
 *     whose rules have not come, reaches nothing (policy drop).
 *   - postrouting: what leaves by an uplink is masqueraded, so the next
 *     net domain up sees this one's address only.
 *   - prerouting: names.  The domains behind a net domain ask the two
 *     addresses FW_DNS_1 and FW_DNS_2 (their /etc/resolv.conf, written
 *     by their network setup), as Qubes' do: whatever a net domain's own
 *     servers are, and however often they change, nothing behind it is
 *     told.  What comes from a vif to one of them on port 53 (UDP or
 *     TCP) goes to this domain's own server of the same rank (its first,
 *     or the only one); to the address itself when that is the server
 *     (a net domain behind another sends it up, where it is sent on).
 *     A client's rules see the address it asked (conntrack's original
 *     destination), so `allow udp to 10.139.1.1 port 53' means names.
 * The text starts by creating and deleting the table, so loading it
 * replaces the one in force atomically, or fails and leaves it.
 *
 * Pure: no I/O; it runs in the net domain (guest/firewall.h) and in the
 * unit tests.
 */
#ifndef BULKHEAD_FIREWALL_NFT_H
#define BULKHEAD_FIREWALL_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/firewall_rules.h"
#include "lib/limits.h"

/* The name servers of every domain behind a net domain: 10.139.1.1 and
 * 10.139.1.2, host byte order. */
#define FW_DNS_1 0x0a8b0101u
#define FW_DNS_2 0x0a8b0102u
#define FW_DNS_MAX 2

/* A net domain's own name servers, in its resolv.conf's order. */
struct fw_dns {
	size_t n;
	uint32_t server[FW_DNS_MAX];
};

/* The first FW_DNS_MAX IPv4 `nameserver' lines of resolv.conf's TEXT
 * (NUL-ended; NULL: no file) into *OUT.  Left out: IPv6 servers (nothing
 * behind is given IPv6), those on the loopback (a local resolver: a vif's
 * packet cannot be sent there), 0.0.0.0, and anything not a
 * `nameserver ADDRESS' line.  Pure. */
void fw_dns_parse(const char *text, struct fw_dns *out);

/* Interface names as the kernel allows them: IFNAMSIZ less the NUL. */
#define FW_IFNAME_MAX 15
/* A net domain's uplinks: its ways out to the world (a wired card, a
 * Wi-Fi card), "eth0" or "eth0,wlan0", whichever is up. */
#define FW_UPLINKS_MAX 4
#define FW_UPLINKS_TEXT (FW_UPLINKS_MAX * (FW_IFNAME_MAX + 4) + 4)

/* One domain behind this net domain: its vif here, and its rules. */
struct fw_client {
	char vif[FW_IFNAME_MAX + 1];	/* "vifDOMID.DEVID" */
	uint32_t address;		/* host byte order */
	bool known;			/* false: no rules (yet): not in the table */
	enum fw_action policy;		/* when no rule matches */
	size_t nrules;
	struct fw_rule rules[FIREWALL_RULES_MAX];
};

/* The transaction for the N (at most FIREWALL_CLIENTS_MAX) CLIENTS behind
 * UPLINKS (1 to FW_UPLINKS_MAX interface names, separated by commas),
 * their names sent to DNS (NULL or none: left as they are), as a malloc'd
 * string the caller frees.  NULL with WHY (CAP bytes) when an interface
 * name is not one (1..15 of [A-Za-z0-9._-]), an uplink comes twice or is
 * a client's vif, two clients share a vif or an address, N is too large,
 * or memory ran out. */
char *fw_nft_table(const char *uplinks, const struct fw_client *clients, size_t n,
		   const struct fw_dns *dns, char *why, size_t cap);

/* The table the role loads first, before it reads anything (UPLINKS as
 * above): nothing forwarded, and nothing from any interface but lo and
 * an uplink reaches the net domain's own services.  A malloc'd string, or
 * NULL with WHY as above. */
char *fw_nft_closed(const char *uplinks, char *why, size_t cap);

#endif
