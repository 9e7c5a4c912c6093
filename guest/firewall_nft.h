/*
 * firewall_nft.h - the firewall rules of the domains behind a net domain,
 * as one nftables transaction (the text `nft -f -' reads).
 *
 * The table it makes, `inet bulkhead', is the whole policy of the net
 * domain it runs in:
 *   - forward: only connections from a known client's vif, with that
 *     client's one address as source, out of the uplink; each goes
 *     through the client's own chain (its rules in order, then its
 *     policy).  Replies come back by conntrack.  Nothing goes from one
 *     vif to another (no domain reaches another) and nothing new comes
 *     in from the uplink.  No IPv6 is forwarded.
 *   - input: the net domain's own services are a destination like any
 *     other: a client's rules decide whether it reaches them.  Besides
 *     the clients, only lo and the uplink reach them (and replies by
 *     conntrack): an interface that is no client's vif, or a client
 *     whose rules have not come, reaches nothing (policy drop).
 *   - postrouting: what leaves by the uplink is masqueraded, so the next
 *     net domain up sees this one's address only.
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

/* Interface names as the kernel allows them: IFNAMSIZ less the NUL. */
#define FW_IFNAME_MAX 15

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
 * UPLINK, as a malloc'd string the caller frees.  NULL with WHY (CAP
 * bytes) when an interface name is not one (1..15 of [A-Za-z0-9._-]), two
 * clients share a vif or an address, N is too large, or memory ran out. */
char *fw_nft_table(const char *uplink, const struct fw_client *clients, size_t n, char *why,
		   size_t cap);

/* The table the role loads first, before it reads anything (UPLINK as
 * above): nothing forwarded, and nothing from any interface but lo and
 * UPLINK reaches the net domain's own services.  A malloc'd string, or
 * NULL with WHY as above. */
char *fw_nft_closed(const char *uplink, char *why, size_t cap);

#endif
